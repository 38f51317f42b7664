// RUN: npu-opt %s --npu-fold-qdq --split-input-file | FileCheck %s

// Tests that a convolution between a dequantize and a quantize becomes an
// INT8 convolution: weights 0.5 * [127, -64] and 0.25 * [-127, 2] give back
// their codes (scales 0.5 and 0.25), the bias 1.0 becomes round(1.0 / (0.1
// * 0.5)) = 20 and 0.25 becomes 10, and the ReLU goes into the saturation
// of a result whose zero point is -128.
// CHECK-LABEL: func.func @conv_relu
// CHECK: %[[W:.+]] = npu.constant dense<{{\[\[\[\[}}127]], {{\[\[}}-64]]], {{\[\[\[}}-127]], {{\[\[}}2]]]]> : tensor<2x2x1x1xi8> -> tensor<2x2x1x1x!quant.uniform<i8<-127:127>:f32:0, {5.000000e-01,2.500000e-01}>>
// CHECK: %[[B:.+]] = npu.constant dense<[20, 10]> : tensor<2xi32>
// CHECK: %[[C:.+]] = npu.conv %arg0, %[[W]], %[[B]] {{.*}} -> tensor<1x2x4x4x!quant.uniform<i8:f32, 2.000000e-01:-128>>
// CHECK-NOT: npu.clamp
// CHECK: return %[[C]]
func.func @conv_relu(%x: tensor<1x2x4x4x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<1x2x4x4x!quant.uniform<i8:f32, 0.2:-128>> {
  %w = npu.constant dense<[[[[63.5]], [[-32.0]]], [[[-31.75]], [[0.5]]]]> : tensor<2x2x1x1xf32>
  %b = npu.constant dense<[1.0, 0.25]> : tensor<2xf32>
  %d = npu.dequantize %x : tensor<1x2x4x4x!quant.uniform<i8:f32, 0.1:3>> -> tensor<1x2x4x4xf32>
  %c = npu.conv %d, %w, %b {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %r = npu.clamp %c {min = 0.0 : f32, max = 0x7F800000 : f32} : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  %q = npu.quantize %r {rounding = #npu<rounding half_to_even>} : tensor<1x2x4x4xf32> -> tensor<1x2x4x4x!quant.uniform<i8:f32, 0.2:-128>>
  return %q : tensor<1x2x4x4x!quant.uniform<i8:f32, 0.2:-128>>
}

// -----

// Tests that weights the symmetric INT8 codes would re-round (0.1 is not a
// multiple of 0.3 / 127) keep the FP32 convolution.
// CHECK-LABEL: func.func @inexact_weights
// CHECK: npu.conv {{.*}} -> tensor<1x2x4x4xf32>
// CHECK: npu.quantize
func.func @inexact_weights(%x: tensor<1x2x4x4x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<1x2x4x4x!quant.uniform<i8:f32, 0.2:1>> {
  %w = npu.constant dense<[[[[0.3]], [[0.1]]], [[[-0.5]], [[0.5]]]]> : tensor<2x2x1x1xf32>
  %d = npu.dequantize %x : tensor<1x2x4x4x!quant.uniform<i8:f32, 0.1:3>> -> tensor<1x2x4x4xf32>
  %c = npu.conv %d, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %q = npu.quantize %c : tensor<1x2x4x4xf32> -> tensor<1x2x4x4x!quant.uniform<i8:f32, 0.2:1>>
  return %q : tensor<1x2x4x4x!quant.uniform<i8:f32, 0.2:1>>
}

// -----

// Tests that a ReLU before a quantize whose zero point is not -128 (real 0
// is code 5, not the bottom of the range) keeps the FP32 convolution.
// CHECK-LABEL: func.func @relu_zero_point
// CHECK: npu.conv {{.*}} -> tensor<1x2x4x4xf32>
// CHECK: npu.clamp
func.func @relu_zero_point(%x: tensor<1x2x4x4x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<1x2x4x4x!quant.uniform<i8:f32, 0.2:5>> {
  %w = npu.constant dense<[[[[63.5]], [[-32.0]]], [[[-31.75]], [[0.5]]]]> : tensor<2x2x1x1xf32>
  %d = npu.dequantize %x : tensor<1x2x4x4x!quant.uniform<i8:f32, 0.1:3>> -> tensor<1x2x4x4xf32>
  %c = npu.conv %d, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %r = npu.clamp %c {min = 0.0 : f32, max = 0x7F800000 : f32} : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  %q = npu.quantize %r : tensor<1x2x4x4xf32> -> tensor<1x2x4x4x!quant.uniform<i8:f32, 0.2:5>>
  return %q : tensor<1x2x4x4x!quant.uniform<i8:f32, 0.2:5>>
}

// -----

// Tests that a ReLU6 whose 6 quantizes to the top code (scale 6 / 255, zero
// point -128: code 127) joins as the saturation, and that one whose 6 does
// not (scale 0.05: code -8) keeps the FP32 convolution.
// CHECK-LABEL: func.func @relu6
// CHECK: %[[C:.+]] = npu.conv %arg0, {{.*}} -> tensor<1x2x4x4x!quant.uniform<i8:f32, 0.023529411764705882:-128>>
// CHECK: npu.conv {{.*}} -> tensor<1x2x4x4xf32>
// CHECK: npu.clamp
func.func @relu6(%x: tensor<1x2x4x4x!quant.uniform<i8:f32, 0.1:3>>) -> (tensor<1x2x4x4x!quant.uniform<i8:f32, 0.023529411764705882:-128>>, tensor<1x2x4x4x!quant.uniform<i8:f32, 0.05:-128>>) {
  %w = npu.constant dense<[[[[63.5]], [[-32.0]]], [[[-31.75]], [[0.5]]]]> : tensor<2x2x1x1xf32>
  %d = npu.dequantize %x : tensor<1x2x4x4x!quant.uniform<i8:f32, 0.1:3>> -> tensor<1x2x4x4xf32>
  %c = npu.conv %d, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %r = npu.clamp %c {min = 0.0 : f32, max = 6.0 : f32} : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  %q = npu.quantize %r : tensor<1x2x4x4xf32> -> tensor<1x2x4x4x!quant.uniform<i8:f32, 0.023529411764705882:-128>>
  %c2 = npu.conv %d, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %r2 = npu.clamp %c2 {min = 0.0 : f32, max = 6.0 : f32} : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  %q2 = npu.quantize %r2 : tensor<1x2x4x4xf32> -> tensor<1x2x4x4x!quant.uniform<i8:f32, 0.05:-128>>
  return %q, %q2 : tensor<1x2x4x4x!quant.uniform<i8:f32, 0.023529411764705882:-128>>, tensor<1x2x4x4x!quant.uniform<i8:f32, 0.05:-128>>
}

// -----

// Tests that a max pooling between a dequantize and a quantize of the same
// type pools the codes, and that one whose quantize has another scale
// stays FP32.
// CHECK-LABEL: func.func @max_pool
// CHECK: %[[P:.+]] = npu.max_pool %arg0 {{.*}} : tensor<1x8x4x4x!quant.uniform<i8:f32, 1.000000e-01:3>> -> tensor<1x8x2x2x!quant.uniform<i8:f32, 1.000000e-01:3>>
// CHECK: npu.max_pool %{{.+}} {{.*}} : tensor<1x8x4x4xf32> -> tensor<1x8x2x2xf32>
// CHECK: return %[[P]]
func.func @max_pool(%x: tensor<1x8x4x4x!quant.uniform<i8:f32, 0.1:3>>) -> (tensor<1x8x2x2x!quant.uniform<i8:f32, 0.1:3>>, tensor<1x8x2x2x!quant.uniform<i8:f32, 0.2:3>>) {
  %d = npu.dequantize %x : tensor<1x8x4x4x!quant.uniform<i8:f32, 0.1:3>> -> tensor<1x8x4x4xf32>
  %p = npu.max_pool %d {ceil_mode = false, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x8x4x4xf32> -> tensor<1x8x2x2xf32>
  %q = npu.quantize %p : tensor<1x8x2x2xf32> -> tensor<1x8x2x2x!quant.uniform<i8:f32, 0.1:3>>
  %p2 = npu.max_pool %d {ceil_mode = false, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x8x4x4xf32> -> tensor<1x8x2x2xf32>
  %q2 = npu.quantize %p2 : tensor<1x8x2x2xf32> -> tensor<1x8x2x2x!quant.uniform<i8:f32, 0.2:3>>
  return %q, %q2 : tensor<1x8x2x2x!quant.uniform<i8:f32, 0.1:3>>, tensor<1x8x2x2x!quant.uniform<i8:f32, 0.2:3>>
}

// -----

// Tests that a transposed convolution of a dequantized input with exact
// INT8 weights (per output channel, axis 1) reads the codes, FP32 result.
// CHECK-LABEL: func.func @conv_transpose
// CHECK: npu.conv_transpose %arg0, %{{.+}} {{.*}} : (tensor<1x2x3x3x!quant.uniform<i8:f32, 1.000000e-01:3>>, tensor<2x2x2x2x!quant.uniform<i8<-127:127>:f32:1, {5.000000e-01,2.500000e-01}>>) -> tensor<1x2x6x6xf32>
func.func @conv_transpose(%x: tensor<1x2x3x3x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<1x2x6x6xf32> {
  %w = npu.constant dense<[[[[63.5, 1.0], [0.5, 0.0]], [[-31.75, 0.25], [0.5, 1.0]]], [[[2.0, -3.0], [1.0, 1.5]], [[0.75, -1.0], [0.0, 0.25]]]]> : tensor<2x2x2x2xf32>
  %d = npu.dequantize %x : tensor<1x2x3x3x!quant.uniform<i8:f32, 0.1:3>> -> tensor<1x2x3x3xf32>
  %t = npu.conv_transpose %d, %w {dilations = array<i64: 1, 1>, group = 1 : i64, output_padding = array<i64: 0, 0>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x2x3x3xf32>, tensor<2x2x2x2xf32>) -> tensor<1x2x6x6xf32>
  return %t : tensor<1x2x6x6xf32>
}

// -----

// Tests that a pruned (all-zero) output channel gets the weight scale
// s_out / s_x * 2^-16 (0.01 / 0.1 / 65536), so its INT32 bias 0.149 /
// (0.1 * 1.52587890625e-6) = 976486 (rounded) keeps the bias to 2^-17 of an
// output code; channel 0 keeps its codes' scale 0.0005.
// CHECK-LABEL: func.func @pruned_channel
// CHECK: npu.constant dense<{{\[\[\[\[}}127]], {{\[\[}}-64]]], {{\[\[\[}}0]], {{\[\[}}0]]]]> : tensor<2x2x1x1xi8> -> tensor<2x2x1x1x!quant.uniform<i8<-127:127>:f32:0, {5.0000001{{[0-9]*}}E-4,1.5258789{{[0-9]*}}E-6}>>
// CHECK: npu.constant dense<[0, 976486]> : tensor<2xi32>
// CHECK: npu.conv %arg0, {{.*}} -> tensor<1x2x4x4x!quant.uniform<i8:f32, 1.000000e-02>>
func.func @pruned_channel(%x: tensor<1x2x4x4x!quant.uniform<i8:f32, 0.1>>) -> tensor<1x2x4x4x!quant.uniform<i8:f32, 0.01>> {
  %w = npu.constant dense<[[[[0.0635]], [[-0.032]]], [[[0.0]], [[0.0]]]]> : tensor<2x2x1x1xf32>
  %b = npu.constant dense<[0.0, 0.149]> : tensor<2xf32>
  %d = npu.dequantize %x : tensor<1x2x4x4x!quant.uniform<i8:f32, 0.1>> -> tensor<1x2x4x4xf32>
  %c = npu.conv %d, %w, %b {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %q = npu.quantize %c : tensor<1x2x4x4xf32> -> tensor<1x2x4x4x!quant.uniform<i8:f32, 0.01>>
  return %q : tensor<1x2x4x4x!quant.uniform<i8:f32, 0.01>>
}

// -----

// Tests that a requantization multiplier the readout cannot represent
// (0.1 * 0.5 / 1e-12 = 5e10, past 2^31) keeps the FP32 form, and that a convolution whose
// result has a second reader is left alone.
// CHECK-LABEL: func.func @not_folded
// CHECK-NOT: npu.conv %arg0
// CHECK: npu.conv %{{.+}}, %{{.+}} {{.*}} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
// CHECK: npu.conv %{{.+}}, %{{.+}} {{.*}} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
func.func @not_folded(%x: tensor<1x2x4x4x!quant.uniform<i8:f32, 0.1:3>>) -> (tensor<1x2x4x4x!quant.uniform<i8:f32, 1.0e-12>>, tensor<1x2x4x4x!quant.uniform<i8:f32, 0.2:1>>, tensor<1x2x4x4xf32>) {
  %w = npu.constant dense<[[[[63.5]], [[-32.0]]], [[[-31.75]], [[0.5]]]]> : tensor<2x2x1x1xf32>
  %d = npu.dequantize %x : tensor<1x2x4x4x!quant.uniform<i8:f32, 0.1:3>> -> tensor<1x2x4x4xf32>
  %c = npu.conv %d, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %q = npu.quantize %c : tensor<1x2x4x4xf32> -> tensor<1x2x4x4x!quant.uniform<i8:f32, 1.0e-12>>
  %c2 = npu.conv %d, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %q2 = npu.quantize %c2 : tensor<1x2x4x4xf32> -> tensor<1x2x4x4x!quant.uniform<i8:f32, 0.2:1>>
  return %q, %q2, %c2 : tensor<1x2x4x4x!quant.uniform<i8:f32, 1.0e-12>>, tensor<1x2x4x4x!quant.uniform<i8:f32, 0.2:1>>, tensor<1x2x4x4xf32>
}

// -----

// Tests that UINT8 codes only dequantizes read become INT8 (zero point
// 130 - 128 = 2), and that codes also returned as UINT8 stay UINT8.
// CHECK-LABEL: func.func @sign_codes
// CHECK: npu.quantize %arg0 : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 5.000000e-01:2>>
// CHECK: npu.quantize %arg0 : tensor<4xf32> -> tensor<4x!quant.uniform<u8:f32, 2.500000e-01:130>>
func.func @sign_codes(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xui8>) {
  %q = npu.quantize %x : tensor<4xf32> -> tensor<4x!quant.uniform<u8:f32, 0.5:130>>
  %d = npu.dequantize %q : tensor<4x!quant.uniform<u8:f32, 0.5:130>> -> tensor<4xf32>
  %u = npu.quantize %x : tensor<4xf32> -> tensor<4x!quant.uniform<u8:f32, 0.25:130>>
  %e = npu.dequantize %u : tensor<4x!quant.uniform<u8:f32, 0.25:130>> -> tensor<4xf32>
  %s = npu.storage_cast %u : tensor<4x!quant.uniform<u8:f32, 0.25:130>> -> tensor<4xui8>
  return %d, %e, %s : tensor<4xf32>, tensor<4xf32>, tensor<4xui8>
}

// -----

// Tests that a convolution without output channels (empty weights) is left
// alone rather than divided by its channel count.
// CHECK-LABEL: func.func @no_channels
// CHECK: npu.conv {{.*}} -> tensor<1x0x4x4xf32>
func.func @no_channels(%x: tensor<1x2x4x4x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<1x0x4x4x!quant.uniform<i8:f32, 0.2:1>> {
  %w = npu.constant dense<> : tensor<0x2x1x1xf32>
  %d = npu.dequantize %x : tensor<1x2x4x4x!quant.uniform<i8:f32, 0.1:3>> -> tensor<1x2x4x4xf32>
  %c = npu.conv %d, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<0x2x1x1xf32>) -> tensor<1x0x4x4xf32>
  %q = npu.quantize %c : tensor<1x0x4x4xf32> -> tensor<1x0x4x4x!quant.uniform<i8:f32, 0.2:1>>
  return %q : tensor<1x0x4x4x!quant.uniform<i8:f32, 0.2:1>>
}
