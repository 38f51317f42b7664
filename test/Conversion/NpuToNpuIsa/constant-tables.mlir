// RUN: npu-opt %s --canonicalize --npu-assign-tiles --npu-plan-memory | FileCheck %s

// The DRAM planner places the constant tables each op's backend model asks
// for (BackendOpInterface::getConstantTables) without knowing the op, in
// program order after the weights, and records each as npu.<role>_dram:
// after the input (0), the output (256), the bias (704) and the rearranged
// weights (768), the INT8 convolution's requantization rows (4 channels x
// {bias, multiplier, shift} x 4 bytes: 48 bytes, at 896), the sigmoid's
// 256-entry table (at 960, 64-byte aligned), then the average pooling's
// divisor map (at 1216; its border windows count fewer inputs).

// CHECK-LABEL: func.func @main
// CHECK: npu.conv {{.*}}npu.requant_dram = 896 : i64
// CHECK: npu.lookup_table {{.*}}npu.lut_dram = 960 : i64
// CHECK: npu.avg_pool {{.*}}npu.reciprocals_dram = 1216 : i64
func.func @main(%x: tensor<1x2x5x5xf32> {npu.name = "x"}) -> (tensor<1x4x5x5xf32> {npu.name = "y"}) {
  %q = npu.quantize %x : tensor<1x2x5x5xf32> -> tensor<1x2x5x5x!quant.uniform<i8:f32, 0.0625:-7>>
  %w = npu.constant dense<1> : tensor<4x2x3x3xi8> -> tensor<4x2x3x3x!quant.uniform<i8<-127:127>:f32:0, {0.01, 0.02, 0.03, 0.04}>>
  %b = npu.constant dense<[1, 2, 3, 4]> : tensor<4xi32>
  %c = npu.conv %q, %w, %b {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x2x5x5x!quant.uniform<i8:f32, 0.0625:-7>>, tensor<4x2x3x3x!quant.uniform<i8<-127:127>:f32:0, {0.01, 0.02, 0.03, 0.04}>>, tensor<4xi32>) -> tensor<1x4x5x5x!quant.uniform<i8:f32, 0.05:-128>>
  %s = npu.sigmoid %c : tensor<1x4x5x5x!quant.uniform<i8:f32, 0.05:-128>> -> tensor<1x4x5x5x!quant.uniform<i8:f32, 0.00390625:-128>>
  %d = npu.dequantize %s : tensor<1x4x5x5x!quant.uniform<i8:f32, 0.00390625:-128>> -> tensor<1x4x5x5xf32>
  %p = npu.avg_pool %d {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, ceil_mode = false, count_include_pad = false} : tensor<1x4x5x5xf32> -> tensor<1x4x5x5xf32>
  return %p : tensor<1x4x5x5xf32>
}
