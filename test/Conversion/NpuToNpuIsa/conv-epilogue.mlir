// A convolution whose only user is an activation takes it as an epilogue:
// the clamp is the output stage of the bias add on the way out of the
// accumulator (ISA v14: lo and hi on the vec.binary add, no pass of its
// own), and only the clamped tile is stored (straight into the output; the
// convolution's own result never reaches DRAM). One layer, named after the
// convolution.
// RUN: npu-opt %s --npu-convert-to-isa | FileCheck %s
// RUN: npu-opt %s --npu-assign-tiles | FileCheck %s --check-prefix=TILED

// CHECK: npu_isa.program @main attributes {arena_bytes = 0 : i64
// CHECK: npu_isa.output "y" at [[Y:[0-9]+]]
// CHECK: npu_isa.layer "conv" op "Fused(conv+clamp)"
// CHECK: npu_isa.vec_binary "add" src0 0, src1 {{[0-9]+}}, dst [[T:[0-9]+]] {{.*}}hi = 6.000000e+00 : f32, layer = 0 : i64, lo = 0.000000e+00 : f32, push_next, src0_space = "acc"
// CHECK-NEXT: npu_isa.dma_store sram [[T]], dram [[Y]] {{.*}}pop_prev
// CHECK-NOT: "affine_clamp"
// CHECK-NOT: npu_isa.layer

// TILED: npu.conv {{.*}}npu.fusion_group = 0 : i64
// TILED: npu.clamp {{.*}}npu.fusion_group = 0 : i64

func.func @main(%x: tensor<1x8x16x16xf32> {npu.name = "x"}) -> (tensor<1x8x16x16xf32> {npu.name = "y"}) {
  %w = npu.constant dense<0.5> : tensor<8x8x3x3xf32>
  %b = npu.constant dense<1.0> : tensor<8xf32>
  %c = npu.conv %x, %w, %b {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x16x16xf32>, tensor<8x8x3x3xf32>, tensor<8xf32>) -> tensor<1x8x16x16xf32>
  %r = npu.clamp %c {max = 6.0 : f32, min = 0.0 : f32} : tensor<1x8x16x16xf32> -> tensor<1x8x16x16xf32>
  return %r : tensor<1x8x16x16xf32>
}
