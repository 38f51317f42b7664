// RUN: npu-opt %s --npu-isa-pipeline | FileCheck %s

// An FP32 depthwise convolution whose activation only goes on quantized
// (the float island before an INT8 convolution): the quantize is the last
// step of the convolution's epilogue, and the stored tile is INT8.
// CHECK-LABEL: npu_isa.layer "dw" op "Fused(conv+hard_swish+quantize)"
// CHECK: npu_isa.vec_unary "hard_swish"
// CHECK-NEXT: npu_isa.vec_convert "quantize" {{.*}}dst_type = "i8"{{.*}}src0_type = "f32", zp_out = 5
// CHECK-NEXT: npu_isa.dma_store {{.*}}elem_bytes = 1 : i64
// CHECK-LABEL: npu_isa.layer "y" op "dequantize"
func.func @main(%x: tensor<1x8x6x6xf32> {npu.name = "x"}) -> (tensor<1x8x6x6xf32> {npu.name = "y"}) {
  %w = npu.constant dense<0.25> : tensor<8x1x3x3xf32>
  %c = npu.conv %x, %w {dilations = array<i64: 1, 1>, group = 8 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x6x6xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x6x6xf32> loc("dw")
  %h = npu.hard_swish %c : tensor<1x8x6x6xf32> -> tensor<1x8x6x6xf32> loc("hs")
  %q = npu.quantize %h : tensor<1x8x6x6xf32> -> tensor<1x8x6x6x!quant.uniform<i8:f32, 0.03:5>> loc("q")
  %y = npu.dequantize %q : tensor<1x8x6x6x!quant.uniform<i8:f32, 0.03:5>> -> tensor<1x8x6x6xf32> loc("y")
  return %y : tensor<1x8x6x6xf32>
}
