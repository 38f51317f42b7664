// RUN: npu-opt %s --canonicalize --npu-isa-pipeline | FileCheck %s

// INT8 code generation from quantized IR (the `quantized` phase): the
// graph input quantized by vec.convert; a 3x3 convolution whose halos the
// DMA pads with the input zero point (-7, byte 249), on the MAC array in
// INT8 (no fp32 flag), its INT32 accumulator requantized per channel to
// INT8 (vec.requant, zero point -128); a sigmoid as a 256-entry table
// (canonicalization makes it an npu.lookup_table, as npu-quantize does),
// the convolution's epilogue: the table loaded once with its first tile's
// operands, one vec.lut on each requantized tile in place before the store
// (no layer of its own, no INT8 round trip through the scratchpad); a 1x1
// convolution with an FP32 result: the accumulator converted and scaled
// per channel in one vec.convert itof_affine (ISA v11) whose rows are the
// readout table's [2][3] (scales, then biases: 3 elements apart).

// CHECK-LABEL: npu_isa.layer "quantize"
// CHECK: npu_isa.vec_convert "quantize" {{.*}}dst_type = "i8"{{.*}}src0_type = "f32", zp_out = -7
// CHECK-LABEL: npu_isa.layer "c0" op "Fused(conv+lookup_table)"
// CHECK: npu_isa.dma_load {{.*}}elem_bytes = 1 : i64{{.*}}pad_value = 249
// CHECK: npu_isa.dma_load {{.*}}elem_bytes = 4 : i64{{.*}}sizes = array<i64: 12, 1, 1, 1>
// CHECK: npu_isa.dma_load sram [[TABLE:[0-9]+]], {{.*}}elem_bytes = 1 : i64{{.*}}sizes = array<i64: 256, 1, 1, 1>
// CHECK-NOT: fp32
// CHECK: npu_isa.matmul
// CHECK-NOT: fp32
// CHECK: npu_isa.vec_requant "" src0 0, src1 {{[0-9]+}}, dst [[TILE:[0-9]+]] {channel_axis = 0 : i64, {{.*}}dst_type = "i8"{{.*}}src0_space = "acc", {{.*}}src0_type = "i32", zp_out = -128
// CHECK-NEXT: npu_isa.vec_lut "" src0 [[TILE]], src1 [[TABLE]], dst [[TILE]] {{.*}}dst_type = "i8"{{.*}}src0_type = "i8"
// CHECK-NEXT: npu_isa.dma_store sram [[TILE]], {{.*}}elem_bytes = 1 : i64
// CHECK-NOT: npu_isa.layer "s"
// CHECK-LABEL: npu_isa.layer "c1"
// CHECK: npu_isa.dma_load sram [[ROWS:[0-9]+]], {{.*}}elem_bytes = 4 : i64{{.*}}sizes = array<i64: 6, 1, 1, 1>
// CHECK: npu_isa.matmul
// CHECK: npu_isa.vec_convert "itof_affine" src0 0, src1 [[ROWS]], dst {{[0-9]+}} {channel_axis = 0 : i64, {{.*}}dst_type = "f32"{{.*}}src0_space = "acc"{{.*}}src0_type = "i32", src1_strides = array<i64: 1, 3, 0, 0>, src1_type = "f32"}
// CHECK-NEXT: npu_isa.dma_store {{.*}}elem_bytes = 4 : i64
func.func @main(%x: tensor<1x2x5x5xf32> {npu.name = "x"}) -> (tensor<1x3x5x5xf32> {npu.name = "y"}) {
  %q = npu.quantize %x : tensor<1x2x5x5xf32> -> tensor<1x2x5x5x!quant.uniform<i8:f32, 0.0625:-7>> loc("quantize")
  %w = npu.constant dense<1> : tensor<4x2x3x3xi8> -> tensor<4x2x3x3x!quant.uniform<i8<-127:127>:f32:0, {0.01, 0.02, 0.03, 0.04}>>
  %b = npu.constant dense<[1, 2, 3, 4]> : tensor<4xi32>
  %c0 = npu.conv %q, %w, %b {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x2x5x5x!quant.uniform<i8:f32, 0.0625:-7>>, tensor<4x2x3x3x!quant.uniform<i8<-127:127>:f32:0, {0.01, 0.02, 0.03, 0.04}>>, tensor<4xi32>) -> tensor<1x4x5x5x!quant.uniform<i8:f32, 0.05:-128>> loc("c0")
  %s = npu.sigmoid %c0 : tensor<1x4x5x5x!quant.uniform<i8:f32, 0.05:-128>> -> tensor<1x4x5x5x!quant.uniform<i8:f32, 0.00390625:-128>> loc("s")
  %w1 = npu.constant dense<-3> : tensor<3x4x1x1xi8> -> tensor<3x4x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.5, 0.25, 0.125}>>
  %b1 = npu.constant dense<[0.5, -0.5, 1.0]> : tensor<3xf32>
  %c1 = npu.conv %s, %w1, %b1 {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x5x5x!quant.uniform<i8:f32, 0.00390625:-128>>, tensor<3x4x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.5, 0.25, 0.125}>>, tensor<3xf32>) -> tensor<1x3x5x5xf32> loc("c1")
  return %c1 : tensor<1x3x5x5xf32>
}
