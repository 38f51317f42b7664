// RUN: npu-opt %s --npu-fold-batch-norm --split-input-file | FileCheck %s

// Tests folding into a conv: a = 3 / sqrt(3 + 1) = 1.5, so W' = 2 * 1.5 = 3
// and b' = (1 - 1) * 1.5 + 0.5 = 0.5; the conv keeps both locations.
// CHECK-LABEL: func.func @into_conv
// CHECK-SAME: (%[[X:.+]]: tensor<1x1x4x4xf32>)
// CHECK-DAG: %[[W:.+]] = npu.constant dense<3.000000e+00> : tensor<1x1x1x1xf32>
// CHECK-DAG: %[[B:.+]] = npu.constant dense<5.000000e-01> : tensor<1xf32>
// CHECK: %[[Y:.+]] = npu.conv %[[X]], %[[W]], %[[B]] {{.*}} -> tensor<1x1x4x4xf32>
// CHECK-NOT: npu.batch_norm
// CHECK: return %[[Y]]
func.func @into_conv(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %w = npu.constant dense<2.0> : tensor<1x1x1x1xf32>
  %b = npu.constant dense<1.0> : tensor<1xf32>
  %scale = npu.constant dense<3.0> : tensor<1xf32>
  %bias = npu.constant dense<0.5> : tensor<1xf32>
  %mean = npu.constant dense<1.0> : tensor<1xf32>
  %var = npu.constant dense<3.0> : tensor<1xf32>
  %c = npu.conv %x, %w, %b {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<1x1x1x1xf32>, tensor<1xf32>) -> tensor<1x1x4x4xf32>
  %y = npu.batch_norm %c, %scale, %bias, %mean, %var {epsilon = 1.0 : f32} : (tensor<1x1x4x4xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x4x4xf32>
  return %y : tensor<1x1x4x4xf32>
}

// -----

// Tests per-channel folding into a bias-less conv: channel 0 a = 2/sqrt(4) = 1,
// channel 1 a = 1/sqrt(1) = 1... with means 1 and 2: b' = -mean * a + bias.
// CHECK-LABEL: func.func @per_channel_no_bias
// CHECK-DAG: npu.constant dense<{{\[\[\[\[}}1.000000e+00]]], {{\[\[\[}}4.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK-DAG: npu.constant dense<[-1.000000e+00, -8.000000e+00]> : tensor<2xf32>
func.func @per_channel_no_bias(%x: tensor<1x1x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %w = npu.constant dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>
  %scale = npu.constant dense<[2.0, 2.0]> : tensor<2xf32>
  %bias = npu.constant dense<[0.0, -4.0]> : tensor<2xf32>
  %mean = npu.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %var = npu.constant dense<[4.0, 1.0]> : tensor<2xf32>
  %c = npu.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %y = npu.batch_norm %c, %scale, %bias, %mean, %var {epsilon = 0.0 : f32} : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

// Tests that a batch_norm without a conv becomes x * a + shift, with the
// per-channel constants shaped to broadcast over the spatial axes.
// CHECK-LABEL: func.func @standalone
// CHECK-SAME: (%[[X:.+]]: tensor<1x2x3x3xf32>)
// CHECK-DAG: %[[A:.+]] = npu.constant dense<{{\[\[\[}}1.000000e+00]], {{\[\[}}5.000000e-01]]]> : tensor<2x1x1xf32>
// CHECK-DAG: %[[S:.+]] = npu.constant dense<{{\[\[\[}}0.000000e+00]], {{\[\[}}-1.000000e+00]]]> : tensor<2x1x1xf32>
// CHECK: %[[M:.+]] = npu.mul %[[X]], %[[A]]
// CHECK: npu.add %[[M]], %[[S]]
func.func @standalone(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %scale = npu.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %bias = npu.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %mean = npu.constant dense<[0.0, 2.0]> : tensor<2xf32>
  %var = npu.constant dense<[1.0, 4.0]> : tensor<2xf32>
  %y = npu.batch_norm %x, %scale, %bias, %mean, %var {epsilon = 0.0 : f32} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}

// -----

// Tests that a conv with another user is left alone (folding would change it).
// CHECK-LABEL: func.func @shared_conv
// CHECK: npu.conv
// CHECK: npu.mul
// CHECK: npu.add
func.func @shared_conv(%x: tensor<1x1x2x2xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>) {
  %w = npu.constant dense<2.0> : tensor<1x1x1x1xf32>
  %p = npu.constant dense<1.0> : tensor<1xf32>
  %z = npu.constant dense<0.0> : tensor<1xf32>
  %c = npu.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x2x2xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x2x2xf32>
  %y = npu.batch_norm %c, %p, %z, %z, %p {epsilon = 0.0 : f32} : (tensor<1x1x2x2xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x2x2xf32>
  return %c, %y : tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>
}

// -----

// Tests a batch_norm with run-time parameters (graph inputs): the same
// arithmetic as ops, parameters reshaped to [C, 1, 1] to broadcast.
// CHECK-LABEL: func.func @runtime_params
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x3x3xf32>, %[[S:.*]]: tensor<2xf32>, %[[B:.*]]: tensor<2xf32>, %[[M:.*]]: tensor<2xf32>, %[[V:.*]]: tensor<2xf32>)
// CHECK-DAG: %[[EPS:.*]] = npu.constant dense<1.000000e-03> : tensor<f32>
// CHECK-DAG: %[[VR:.*]] = npu.reshape %[[V]] : tensor<2xf32> -> tensor<2x1x1xf32>
// CHECK: %[[VE:.*]] = npu.add %[[VR]], %[[EPS]]
// CHECK: %[[SD:.*]] = npu.sqrt %[[VE]]
// CHECK: %[[SR:.*]] = npu.reshape %[[S]]
// CHECK: %[[A:.*]] = npu.div %[[SR]], %[[SD]]
// CHECK: %[[MR:.*]] = npu.reshape %[[M]]
// CHECK: %[[C:.*]] = npu.sub %[[X]], %[[MR]]
// CHECK: %[[Y:.*]] = npu.mul %[[C]], %[[A]]
// CHECK: %[[BR:.*]] = npu.reshape %[[B]]
// CHECK: npu.add %[[Y]], %[[BR]] : (tensor<1x2x3x3xf32>, tensor<2x1x1xf32>) -> tensor<1x2x3x3xf32>
// CHECK-NOT: npu.batch_norm
func.func @runtime_params(%x: tensor<1x2x3x3xf32>, %s: tensor<2xf32>, %b: tensor<2xf32>, %m: tensor<2xf32>, %v: tensor<2xf32>) -> tensor<1x2x3x3xf32> {
  %y = npu.batch_norm %x, %s, %b, %m, %v {epsilon = 1.0e-03 : f32} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}

// -----

// Tests that bf16 parameters (ONNX allows them with f32 data) are neither
// folded nor decomposed: reshaped to f32 they were their bits reread
// (2.26e-41 for 3.0; a class listed in issue 17).
// CHECK-LABEL: func.func @bf16_params
// CHECK: npu.batch_norm
// CHECK-NOT: e-41
func.func @bf16_params(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %w = npu.constant dense<2.0> : tensor<1x1x1x1xf32>
  %b = npu.constant dense<1.0> : tensor<1xf32>
  %scale = npu.constant dense<3.0> : tensor<1xbf16>
  %bias = npu.constant dense<0.5> : tensor<1xbf16>
  %mean = npu.constant dense<1.0> : tensor<1xbf16>
  %var = npu.constant dense<3.0> : tensor<1xbf16>
  %c = npu.conv %x, %w, %b {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<1x1x1x1xf32>, tensor<1xf32>) -> tensor<1x1x4x4xf32>
  %y = npu.batch_norm %c, %scale, %bias, %mean, %var {epsilon = 1.0 : f32} : (tensor<1x1x4x4xf32>, tensor<1xbf16>, tensor<1xbf16>, tensor<1xbf16>, tensor<1xbf16>) -> tensor<1x1x4x4xf32>
  return %y : tensor<1x1x4x4xf32>
}
