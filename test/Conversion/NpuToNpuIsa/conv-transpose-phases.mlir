// A transposed convolution whose kernel equals its stride (2x2, stride 2:
// PaddleOCR det's up-sampling) has four output phases of one tap each that
// read the same input slabs: they run in one tile loop (sharedSlabs), each
// tile's phases innermost, so a slab is loaded once for all four (before,
// once per phase: four times the input read from DRAM). Each phase reads its
// tap's weights and stores to its own output phase (DRAM stride 2 along x:
// element stride 8 bytes). Functional results: NpuUnitTests
// (ConvCodegen.TransposedConvolutionPhases, Int8Codegen.TransposedConvPhases*).
// RUN: npu-opt %s --npu-isa-pipeline | FileCheck %s

// CHECK: npu_isa.layer "conv_transpose"
// First spatial tile: its slab, then phase (0, 0) reads tap 0's weights.
// CHECK-NEXT: npu_isa.dma_load sram [[SLAB:[0-9]+]], dram 0 {{.*}}sizes = array<i64: 16, 8, 2, 1>
// CHECK-NEXT: npu_isa.dma_load sram [[W0:[0-9]+]], {{.*}}push_next, sizes = array<i64: 8, 8, 4, 1>
// CHECK-NEXT: npu_isa.matmul a [[SLAB]], w [[W0]], acc 0
// CHECK: npu_isa.dma_store sram {{[0-9]+}}, dram [[Y:[0-9]+]] {dram_strides = array<i64: 8, 4096, 256, 0>
// Phase (0, 1): no slab load, the same slab, tap 1, one output column on.
// CHECK-NEXT: npu_isa.dma_load sram {{[0-9]+}}, {{.*}}push_next, sizes = array<i64: 8, 8, 4, 1>
// CHECK-NEXT: npu_isa.matmul a [[SLAB]], w
// CHECK: npu_isa.dma_store sram {{[0-9]+}}, dram {{[0-9]+}} {dram_strides = array<i64: 8, 4096, 256, 0>
// Phases (1, 0) and (1, 1) likewise.
// CHECK-NEXT: npu_isa.dma_load sram {{[0-9]+}}, {{.*}}sizes = array<i64: 8, 8, 4, 1>
// CHECK-NEXT: npu_isa.matmul a [[SLAB]], w
// CHECK: npu_isa.dma_store
// CHECK-NEXT: npu_isa.dma_load sram {{[0-9]+}}, {{.*}}sizes = array<i64: 8, 8, 4, 1>
// CHECK-NEXT: npu_isa.matmul a [[SLAB]], w
// CHECK: npu_isa.dma_store
// The next spatial tile loads the next slab.
// CHECK-NEXT: npu_isa.dma_load sram {{[0-9]+}}, dram 128 {{.*}}sizes = array<i64: 16, 8, 2, 1>

func.func @main(%x: tensor<1x8x16x16xf32> {npu.name = "x"}) -> (tensor<1x8x32x32xf32> {npu.name = "y"}) {
  %w = npu.constant dense<0.5> : tensor<8x8x2x2xf32>
  %y = npu.conv_transpose %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, output_padding = array<i64: 0, 0>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x8x16x16xf32>, tensor<8x8x2x2xf32>) -> tensor<1x8x32x32xf32>
  return %y : tensor<1x8x32x32xf32>
}
