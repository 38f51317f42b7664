// RUN: npu-opt %s --npu-permute-channels --split-input-file | FileCheck %s

// Tests the reordering on a target with a 2 x 2 MAC array. W1's output
// channels 0 and 2 read only input channels 0-1 and channels 1 and 3 only
// input channels 2-3: no 2 x 2 tile of W1 is zero. Ordered 0, 2, 1, 3
// (channels by the input blocks they use), two of W1's four tiles are
// zero. The bias, the INT8 weights' per-channel scales and W2's input
// channels follow; the ReLU between the two convolutions is untouched.
module attributes {npu.target = #npu.target<"npu-v1", array_rows = 2, array_cols = 2>} {
// CHECK-LABEL: func.func @interleaved
// CHECK-DAG: npu.constant dense<{{\[\[\[\[}}1]], {{\[\[}}2]], {{\[\[}}0]], {{\[\[}}0]]], {{\[\[\[}}5]], {{\[\[}}6]], {{\[\[}}0]], {{\[\[}}0]]], {{\[\[\[}}0]], {{\[\[}}0]], {{\[\[}}3]], {{\[\[}}4]]], {{\[\[\[}}0]], {{\[\[}}0]], {{\[\[}}7]], {{\[\[}}8]]]]> : tensor<4x4x1x1xi8> -> tensor<4x4x1x1x!quant.uniform<i8<-127:127>:f32:0, {1.000000e-01,3.000000e-01,2.000000e-01,4.000000e-01}>>
// CHECK-DAG: npu.constant dense<[10, 30, 20, 40]> : tensor<4xi32>
// CHECK-DAG: npu.constant dense<{{\[\[\[\[}}1.000000e+00]], {{\[\[}}3.000000e+00]], {{\[\[}}2.000000e+00]], {{\[\[}}4.000000e+00]]]]> : tensor<1x4x1x1xf32>
func.func @interleaved(%x: tensor<1x4x2x2x!quant.uniform<i8:f32, 0.1>>) -> tensor<1x1x2x2xf32> {
  %w1 = npu.constant dense<[[[[1]], [[2]], [[0]], [[0]]], [[[0]], [[0]], [[3]], [[4]]], [[[5]], [[6]], [[0]], [[0]]], [[[0]], [[0]], [[7]], [[8]]]]> : tensor<4x4x1x1xi8> -> tensor<4x4x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.1, 0.2, 0.3, 0.4}>>
  %b1 = npu.constant dense<[10, 20, 30, 40]> : tensor<4xi32>
  %c1 = npu.conv %x, %w1, %b1 {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x2x2x!quant.uniform<i8:f32, 0.1>>, tensor<4x4x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.1, 0.2, 0.3, 0.4}>>, tensor<4xi32>) -> tensor<1x4x2x2x!quant.uniform<i8:f32, 0.5:-128>>
  %d = npu.dequantize %c1 : tensor<1x4x2x2x!quant.uniform<i8:f32, 0.5:-128>> -> tensor<1x4x2x2xf32>
  %r = npu.clamp %d {min = 0.0 : f32, max = 6.0 : f32} : tensor<1x4x2x2xf32> -> tensor<1x4x2x2xf32>
  %w2 = npu.constant dense<[[[[1.0]], [[2.0]], [[3.0]], [[4.0]]]]> : tensor<1x4x1x1xf32>
  %c2 = npu.conv %r, %w2 {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x2x2xf32>, tensor<1x4x1x1xf32>) -> tensor<1x1x2x2xf32>
  return %c2 : tensor<1x1x2x2xf32>
}
}

// -----

// Tests that channels are left in their order when reordering would not
// add empty tiles (W1 dense), and when the value between the convolutions
// has another reader.
module attributes {npu.target = #npu.target<"npu-v1", array_rows = 2, array_cols = 2>} {
// CHECK-LABEL: func.func @left_alone
// CHECK-DAG: npu.constant dense<{{\[\[\[\[}}1.000000e+00]], {{\[\[}}2.000000e+00]]], {{\[\[\[}}0.000000e+00]], {{\[\[}}3.000000e+00]]], {{\[\[\[}}4.000000e+00]], {{\[\[}}5.000000e+00]]], {{\[\[\[}}0.000000e+00]], {{\[\[}}6.000000e+00]]]]> : tensor<4x2x1x1xf32>
// CHECK-DAG: npu.constant dense<{{\[\[\[\[}}1.000000e+00]], {{\[\[}}0.000000e+00]], {{\[\[}}3.000000e+00]], {{\[\[}}0.000000e+00]]]]> : tensor<1x4x1x1xf32>
func.func @left_alone(%x: tensor<1x2x2x2xf32>, %y: tensor<1x4x2x2xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>, tensor<1x4x2x2xf32>) {
  %w1 = npu.constant dense<[[[[1.0]], [[2.0]]], [[[0.0]], [[3.0]]], [[[4.0]], [[5.0]]], [[[0.0]], [[6.0]]]]> : tensor<4x2x1x1xf32>
  %c1 = npu.conv %x, %w1 {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x2x2xf32>, tensor<4x2x1x1xf32>) -> tensor<1x4x2x2xf32>
  %w2 = npu.constant dense<[[[[1.0]], [[0.0]], [[3.0]], [[0.0]]]]> : tensor<1x4x1x1xf32>
  %c2 = npu.conv %c1, %w2 {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x2x2xf32>, tensor<1x4x1x1xf32>) -> tensor<1x1x2x2xf32>
  %w3 = npu.constant dense<[[[[1.0]], [[1.0]], [[0.0]], [[0.0]]], [[[0.0]], [[0.0]], [[1.0]], [[1.0]]], [[[1.0]], [[1.0]], [[0.0]], [[0.0]]], [[[0.0]], [[0.0]], [[1.0]], [[1.0]]]]> : tensor<4x4x1x1xf32>
  %c3 = npu.conv %y, %w3 {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x2x2xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x2x2xf32>
  %w4 = npu.constant dense<[[[[1.0]], [[2.0]], [[3.0]], [[4.0]]]]> : tensor<1x4x1x1xf32>
  %c4 = npu.conv %c3, %w4 {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x2x2xf32>, tensor<1x4x1x1xf32>) -> tensor<1x1x2x2xf32>
  return %c2, %c4, %c3 : tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>, tensor<1x4x2x2xf32>
}
}
