// RUN: npu-opt %s --npu-quantize | FileCheck %s
// RUN: npu-opt %s --npu-quantize=int8-attention=false | FileCheck %s --check-prefix=OFF

// Attention's Q K^T multiplies two signed activations: both operands are
// quantized symmetrically per tensor (zero point 0, scale max|range| / 127:
// 2.54 / 127 = 0.02 and 1.27 / 127 = 0.01), the result stays FP32. P V's
// left operand is a softmax's probabilities (range [0, 1]): a symmetric
// grid would spend half its codes on negative values no probability
// takes, and small probabilities are what attention sums, so it stays FP32.
// CHECK-LABEL: func.func @attention
// CHECK-DAG: %[[Q:.*]] = npu.quantize %arg0 : tensor<1x2x8x4xf32> -> tensor<1x2x8x4x!quant.uniform<i8:f32, 2.000000e-02>>
// CHECK-DAG: %[[K:.*]] = npu.quantize %arg1 : tensor<1x2x4x8xf32> -> tensor<1x2x4x8x!quant.uniform<i8:f32, 1.000000e-02>>
// CHECK: %[[S:.*]] = npu.matmul %[[Q]], %[[K]] {{.*}}: (tensor<1x2x8x4x!quant.uniform<i8:f32, 2.000000e-02>>, tensor<1x2x4x8x!quant.uniform<i8:f32, 1.000000e-02>>) -> tensor<1x2x8x8xf32>
// CHECK: %[[P:.*]] = npu.softmax %[[S]]
// CHECK: npu.matmul %[[P]], %arg2 : (tensor<1x2x8x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
// OFF-LABEL: func.func @attention
// OFF-NOT: quant.uniform
func.func @attention(%q: tensor<1x2x8x4xf32> {npu.range = array<f64: -2.54, 1.0>},
                     %k: tensor<1x2x4x8xf32> {npu.range = array<f64: -0.5, 1.27>},
                     %v: tensor<1x2x8x4xf32> {npu.range = array<f64: -3.0, 3.0>}) -> tensor<1x2x8x4xf32> {
  %s = npu.matmul %q, %k {npu.range = array<f64: -4.0, 4.0>} : (tensor<1x2x8x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x8x8xf32>
  %p = npu.softmax %s {axis = 3 : i64, npu.range = array<f64: 0.0, 1.0>} : tensor<1x2x8x8xf32> -> tensor<1x2x8x8xf32>
  %o = npu.matmul %p, %v : (tensor<1x2x8x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}
