// An FP32 depthwise convolution on the vector unit: channels in the lanes,
// tap 0 a vec.binary mul into the output tile, every later tap one
// vec.binary mac (ISA v7: out += slab(tap) * w(tap), the product rounded as
// a mul would), then the bias add: 1 + 8 + 1 vector instructions for a 3x3
// kernel where a mul into a temporary and an add per tap took 1 + 16 + 1.
// The weights are per channel (src1 strides 1, 0, 0, 0); the slab is read
// one pixel further per tap (16 channels x 4 B = 64 B).
// RUN: npu-opt %s --npu-convert-to-isa | FileCheck %s

// CHECK: npu_isa.layer "dw" op "conv"
// CHECK: npu_isa.vec_binary "mul" src0 [[SLAB:[0-9]+]], src1 [[W:[0-9]+]], dst [[OUT:[0-9]+]] {{.*}}src1_strides = array<i64: 1, 0, 0, 0>
// CHECK-NEXT: npu_isa.vec_binary "mac" src0 {{[0-9]+}}, src1 {{[0-9]+}}, dst [[OUT]] {{.*}}src1_strides = array<i64: 1, 0, 0, 0>
// CHECK-COUNT-7: npu_isa.vec_binary "mac" src0 {{[0-9]+}}, src1 {{[0-9]+}}, dst [[OUT]]
// CHECK-NEXT: npu_isa.vec_binary "add" src0 [[OUT]], src1 {{[0-9]+}}, dst [[OUT]]
// CHECK-NOT: npu_isa.vec_binary "mac"
// CHECK: npu_isa.dma_store

func.func @main(%x: tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32> {
  %w = npu.constant dense<0.25> : tensor<16x1x3x3xf32>
  %b = npu.constant dense<1.0> : tensor<16xf32>
  %y = npu.conv %x, %w, %b {dilations = array<i64: 1, 1>, group = 16 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x16x8x8xf32>, tensor<16x1x3x3xf32>, tensor<16xf32>) -> tensor<1x16x8x8xf32> loc("dw")
  return %y : tensor<1x16x8x8xf32>
}
