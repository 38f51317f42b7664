// RUN: npu-opt %s --npu-fold-affine --canonicalize --split-input-file | FileCheck %s

// A scalar scale and shift after a convolution go into its weights and
// bias: W * 2, (b * 2) + 1.
// CHECK-LABEL: func.func @after_conv
// CHECK-DAG: %[[W:.*]] = npu.constant dense<{{\[\[\[\[}}1.000000e+00]], {{\[\[}}-4.000000e+00]]]]> : tensor<1x2x1x1xf32>
// CHECK-DAG: %[[B:.*]] = npu.constant dense<2.000000e+00> : tensor<1xf32>
// CHECK: %[[C:.*]] = npu.conv %arg0, %[[W]], %[[B]]
// CHECK-NOT: npu.mul
// CHECK-NOT: npu.add
// CHECK: return %[[C]]
func.func @after_conv(%x: tensor<1x2x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %w = npu.constant dense<[[[[0.5]], [[-2.0]]]]> : tensor<1x2x1x1xf32>
  %b = npu.constant dense<0.5> : tensor<1xf32>
  %s = npu.constant dense<2.0> : tensor<1xf32>
  %t = npu.constant dense<1.0> : tensor<f32>
  %c = npu.conv %x, %w, %b {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<1x2x1x1xf32>, tensor<1xf32>) -> tensor<1x1x4x4xf32>
  %m = npu.mul %c, %s : (tensor<1x1x4x4xf32>, tensor<1xf32>) -> tensor<1x1x4x4xf32>
  %a = npu.add %m, %t : (tensor<1x1x4x4xf32>, tensor<f32>) -> tensor<1x1x4x4xf32>
  return %a : tensor<1x1x4x4xf32>
}

// -----

// Before a convolution without padding: conv(y * 2 + 1, W, b) is
// conv(y, 2W, b + sum(W)): W = [0.5, -2] per input channel, b = 0.5 ->
// W' = [1, -4], b' = 0.5 + (0.5 - 2) = -1.
// CHECK-LABEL: func.func @before_conv
// CHECK-DAG: %[[W:.*]] = npu.constant dense<{{\[\[\[\[}}1.000000e+00]], {{\[\[}}-4.000000e+00]]]]> : tensor<1x2x1x1xf32>
// CHECK-DAG: %[[B:.*]] = npu.constant dense<-1.000000e+00> : tensor<1xf32>
// CHECK: npu.conv %arg0, %[[W]], %[[B]]
func.func @before_conv(%y: tensor<1x2x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %w = npu.constant dense<[[[[0.5]], [[-2.0]]]]> : tensor<1x2x1x1xf32>
  %b = npu.constant dense<0.5> : tensor<1xf32>
  %s = npu.constant dense<2.0> : tensor<1xf32>
  %t = npu.constant dense<1.0> : tensor<1xf32>
  %m = npu.mul %y, %s : (tensor<1x2x4x4xf32>, tensor<1xf32>) -> tensor<1x2x4x4xf32>
  %a = npu.add %m, %t : (tensor<1x2x4x4xf32>, tensor<1xf32>) -> tensor<1x2x4x4xf32>
  %c = npu.conv %a, %w, %b {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<1x2x1x1xf32>, tensor<1xf32>) -> tensor<1x1x4x4xf32>
  return %c : tensor<1x1x4x4xf32>
}

// -----

// With padding the shift would reach the padded border too: not folded.
// CHECK-LABEL: func.func @before_padded_conv
// CHECK: npu.add
// CHECK: npu.conv
func.func @before_padded_conv(%y: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %w = npu.constant dense<1.0> : tensor<1x1x3x3xf32>
  %t = npu.constant dense<1.0> : tensor<1xf32>
  %a = npu.add %y, %t : (tensor<1x1x4x4xf32>, tensor<1xf32>) -> tensor<1x1x4x4xf32>
  %c = npu.conv %a, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x4x4xf32>
  return %c : tensor<1x1x4x4xf32>
}

// -----

// x * clip(x + 3, 0, 6) / 6 is a hard swish.
// CHECK-LABEL: func.func @hard_swish
// CHECK-NEXT: %[[H:.*]] = npu.hard_swish %arg0
// CHECK-NEXT: return %[[H]]
func.func @hard_swish(%x: tensor<8xf32>) -> tensor<8xf32> {
  %three = npu.constant dense<3.0> : tensor<f32>
  %six = npu.constant dense<6.0> : tensor<f32>
  %a = npu.add %x, %three : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %c = npu.clamp %a {min = 0.0 : f32, max = 6.0 : f32} : tensor<8xf32> -> tensor<8xf32>
  %m = npu.mul %c, %x : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %d = npu.div %m, %six : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  return %d : tensor<8xf32>
}

// -----

// Divided by 5: not a hard swish.
// CHECK-LABEL: func.func @not_hard_swish
// CHECK-NOT: npu.hard_swish
func.func @not_hard_swish(%x: tensor<8xf32>) -> tensor<8xf32> {
  %three = npu.constant dense<3.0> : tensor<f32>
  %five = npu.constant dense<5.0> : tensor<f32>
  %a = npu.add %x, %three : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %c = npu.clamp %a {min = 0.0 : f32, max = 6.0 : f32} : tensor<8xf32> -> tensor<8xf32>
  %m = npu.mul %x, %c : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %d = npu.div %m, %five : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  return %d : tensor<8xf32>
}

// -----

// After a transposed convolution (weights [C][M][k...]): a per-channel add
// becomes its bias, a per-channel multiply scales output channel m's
// weights W[c][m] and the bias. W = [[[[1]], [[2]]]] (C = 1, M = 2),
// * [3, -1] -> [[[[3]], [[-2]]]]; bias (0 + [0.5, 1]) * [3, -1] = [1.5, -1].
// CHECK-LABEL: func.func @after_conv_transpose
// CHECK-DAG: %[[W:.*]] = npu.constant dense<{{\[\[\[\[}}3.000000e+00]], {{\[\[}}-2.000000e+00]]]]> : tensor<1x2x1x1xf32>
// CHECK-DAG: %[[B:.*]] = npu.constant dense<[1.500000e+00, -1.000000e+00]> : tensor<2xf32>
// CHECK: %[[C:.*]] = npu.conv_transpose %arg0, %[[W]], %[[B]]
// CHECK-NOT: npu.mul
// CHECK-NOT: npu.add
// CHECK: return %[[C]]
func.func @after_conv_transpose(%x: tensor<1x1x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %w = npu.constant dense<[[[[1.0]], [[2.0]]]]> : tensor<1x2x1x1xf32>
  %t = npu.constant dense<[[[0.5]], [[1.0]]]> : tensor<2x1x1xf32>
  %s = npu.constant dense<[[[3.0]], [[-1.0]]]> : tensor<2x1x1xf32>
  %c = npu.conv_transpose %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, output_padding = array<i64: 0, 0>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x2x2xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x2x2xf32>
  %a = npu.add %c, %t : (tensor<1x2x2x2xf32>, tensor<2x1x1xf32>) -> tensor<1x2x2x2xf32>
  %m = npu.mul %a, %s : (tensor<1x2x2x2xf32>, tensor<2x1x1xf32>) -> tensor<1x2x2x2xf32>
  return %m : tensor<1x2x2x2xf32>
}

// -----

// x + x * gate, the gate one value per channel: x * (gate + 1), one
// full-size op (either operand order of the add and the mul).
// CHECK-LABEL: func.func @residual_gate
// CHECK-NEXT: %[[ONE:.*]] = npu.constant dense<1.000000e+00> : tensor<1x1x1x1xf32>
// CHECK-NEXT: %[[S:.*]] = npu.add %arg1, %[[ONE]] : (tensor<1x4x1x1xf32>, tensor<1x1x1x1xf32>) -> tensor<1x4x1x1xf32>
// CHECK-NEXT: %[[Y:.*]] = npu.mul %arg0, %[[S]] : (tensor<1x4x8x8xf32>, tensor<1x4x1x1xf32>) -> tensor<1x4x8x8xf32>
// CHECK-NEXT: return %[[Y]]
func.func @residual_gate(%x: tensor<1x4x8x8xf32>, %g: tensor<1x4x1x1xf32>) -> tensor<1x4x8x8xf32> {
  %m = npu.mul %g, %x : (tensor<1x4x1x1xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %y = npu.add %m, %x : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  return %y : tensor<1x4x8x8xf32>
}

// -----

// Left alone: the product has a second reader, the multiplier is as large
// as x (no broadcast gate), or the mul does not read the add's other
// operand.
// CHECK-LABEL: func.func @not_residual_gate
// CHECK-COUNT-3: npu.add
// CHECK-NOT: npu.constant
func.func @not_residual_gate(%x: tensor<1x4x8x8xf32>, %g: tensor<1x4x1x1xf32>, %z: tensor<1x4x8x8xf32>) -> (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) {
  %m = npu.mul %x, %g : (tensor<1x4x8x8xf32>, tensor<1x4x1x1xf32>) -> tensor<1x4x8x8xf32>
  %a = npu.add %x, %m : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %m2 = npu.mul %x, %z : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %b = npu.add %x, %m2 : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %m3 = npu.mul %z, %g : (tensor<1x4x8x8xf32>, tensor<1x4x1x1xf32>) -> tensor<1x4x8x8xf32>
  %c = npu.add %x, %m3 : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  return %a, %b, %c, %m : tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>
}

// -----

// The global mean of a pointwise convolution is the convolution of the
// input's mean: the mean reads the 2-channel input instead of the
// 8-channel result, which the residual multiply still reads.
// CHECK-LABEL: func.func @mean_of_pointwise_conv
// CHECK: %[[C:.*]] = npu.conv %arg0, %[[W:[^,]*]], %[[B:[^ ]*]] {{.*}} -> tensor<1x8x6x6xf32>
// CHECK: %[[M:.*]] = npu.reduce_mean %arg0 {axes = array<i64: 2, 3>, keepdims = true} : tensor<1x2x6x6xf32> -> tensor<1x2x1x1xf32>
// CHECK: %[[G:.*]] = npu.conv %[[M]], %[[W]], %[[B]] {{.*}} -> tensor<1x8x1x1xf32>
// CHECK: npu.mul %[[C]], %[[G]]
func.func @mean_of_pointwise_conv(%x: tensor<1x2x6x6xf32>, %w: tensor<8x2x1x1xf32>, %b: tensor<8xf32>) -> tensor<1x8x6x6xf32> {
  %c = npu.conv %x, %w, %b {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x6x6xf32>, tensor<8x2x1x1xf32>, tensor<8xf32>) -> tensor<1x8x6x6xf32>
  %m = npu.reduce_mean %c {axes = array<i64: 2, 3>, keepdims = true} : tensor<1x8x6x6xf32> -> tensor<1x8x1x1xf32>
  %y = npu.mul %c, %m : (tensor<1x8x6x6xf32>, tensor<1x8x1x1xf32>) -> tensor<1x8x6x6xf32>
  return %y : tensor<1x8x6x6xf32>
}

// -----

// When the mean is the convolution's only reader, the full-size
// convolution goes away, whatever the channel counts.
// CHECK-LABEL: func.func @mean_only_reader
// CHECK: %[[M:.*]] = npu.reduce_mean %arg0 {{.*}} -> tensor<1x8x1x1xf32>
// CHECK: %[[G:.*]] = npu.conv %[[M]], %arg1 {{.*}} -> tensor<1x2x1x1xf32>
// CHECK-NOT: npu.conv
// CHECK: return %[[G]]
func.func @mean_only_reader(%x: tensor<1x8x6x6xf32>, %w: tensor<2x8x1x1xf32>) -> tensor<1x2x1x1xf32> {
  %c = npu.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x8x6x6xf32>, tensor<2x8x1x1xf32>) -> tensor<1x2x6x6xf32>
  %m = npu.reduce_mean %c {axes = array<i64: 2, 3>, keepdims = true} : tensor<1x2x6x6xf32> -> tensor<1x2x1x1xf32>
  return %m : tensor<1x2x1x1xf32>
}

// -----

// Not rewritten: a larger input read by a mean beside another reader; a
// 3x3 convolution with padding (its border pixels see the padding); a
// strided one; a mean over the channels too.
// CHECK-LABEL: func.func @mean_not_moved
// CHECK: %[[C1:.*]] = npu.conv %arg0, %arg1
// CHECK: npu.reduce_mean %[[C1]]
// CHECK: %[[C2:.*]] = npu.conv %arg0, %arg2
// CHECK: npu.reduce_mean %[[C2]]
// CHECK: %[[C3:.*]] = npu.conv %arg0, %arg1
// CHECK: npu.reduce_mean %[[C3]]
// CHECK: %[[C4:.*]] = npu.conv %arg0, %arg1
// CHECK: npu.reduce_mean %[[C4]]
func.func @mean_not_moved(%x: tensor<1x8x6x6xf32>, %w: tensor<2x8x1x1xf32>, %k: tensor<2x8x3x3xf32>) -> (tensor<1x2x6x6xf32>, tensor<1x2x1x1xf32>, tensor<1x2x1x1xf32>, tensor<1x2x1x1xf32>, tensor<1x1x1x1xf32>) {
  %c1 = npu.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x8x6x6xf32>, tensor<2x8x1x1xf32>) -> tensor<1x2x6x6xf32>
  %m1 = npu.reduce_mean %c1 {axes = array<i64: 2, 3>, keepdims = true} : tensor<1x2x6x6xf32> -> tensor<1x2x1x1xf32>
  %c2 = npu.conv %x, %k {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x6x6xf32>, tensor<2x8x3x3xf32>) -> tensor<1x2x6x6xf32>
  %m2 = npu.reduce_mean %c2 {axes = array<i64: 2, 3>, keepdims = true} : tensor<1x2x6x6xf32> -> tensor<1x2x1x1xf32>
  %c3 = npu.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x8x6x6xf32>, tensor<2x8x1x1xf32>) -> tensor<1x2x3x3xf32>
  %m3 = npu.reduce_mean %c3 {axes = array<i64: 2, 3>, keepdims = true} : tensor<1x2x3x3xf32> -> tensor<1x2x1x1xf32>
  %c4 = npu.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x8x6x6xf32>, tensor<2x8x1x1xf32>) -> tensor<1x2x6x6xf32>
  %m4 = npu.reduce_mean %c4 {axes = array<i64: 1, 2, 3>, keepdims = true} : tensor<1x2x6x6xf32> -> tensor<1x1x1x1xf32>
  return %c1, %m1, %m2, %m3, %m4 : tensor<1x2x6x6xf32>, tensor<1x2x1x1xf32>, tensor<1x2x1x1xf32>, tensor<1x2x1x1xf32>, tensor<1x1x1x1xf32>
}
