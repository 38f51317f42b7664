// A transposed convolution whose kernel equals its stride (2x2, stride 2:
// PaddleOCR det's up-sampling) has four output phases of one tap each, all
// reading the same input pixel: they are one matmul's columns
// (phasesAsChannels), n = 4 phases x 8 channels, instead of four passes of
// n = 8 (the array's columns fill; a one-channel output used 1 of 16). The
// weights are one [C][KH][M][KW] matrix, so the columns are (ry, m, rx):
// each tile's output goes out in one store per output-row phase ry whose
// runs are whole output rows: a pixel's two elements (rx), then the tile's
// pixels, consecutive in DRAM (rt::dmaRuns). Before: four matmuls and four
// element-stride stores per tile. Functional results: NpuUnitTests
// (ConvCodegen.TransposedConvolutionPhases, Int8Codegen.TransposedConvPhases*).
// RUN: npu-opt %s --npu-isa-pipeline | FileCheck %s

// The weights, rearranged at compile time: 8 input channels x 32 columns.
// CHECK: npu_isa.data at [[#WD:]] dense<5.000000e-01> : tensor<8x32xf32>
// CHECK: npu_isa.layer "conv_transpose"
// First spatial tile (four input rows): its slab, the columns of row phase
// ry = 0 (0-15), one matmul.
// CHECK-NEXT: npu_isa.dma_load sram [[SLAB:[0-9]+]], dram 0 {{.*}}sizes = array<i64: 16, 8, 4, 1>
// CHECK-NEXT: npu_isa.dma_load sram [[W:[0-9]+]], dram [[#WD]] {{.*}}sizes = array<i64: 16, 8, 1, 1>
// CHECK-NEXT: npu_isa.matmul a [[SLAB]], w [[W]], acc 0 {{.*}} k = 8 : i64, {{.*}} n = 16 : i64
// CHECK-NEXT: npu_isa.vec_unary "copy" src0 0, src1 0, dst [[#OUT:]] {dims = array<i64: 16, 64, 1, 1>
// Output rows 0, 2, 4 and 6: runs of rx, then x (stride 2 elements: one
// 128-byte run per row and channel), channels, rows (stride 2 rows).
// CHECK-NEXT: npu_isa.dma_store sram [[#OUT]], dram [[#Y:]] {dram_strides = array<i64: 4, 8, 4096, 256>, {{.*}}sizes = array<i64: 2, 16, 8, 4>, sram_strides = array<i64: 4, 64, 8, 1024>}
// The slab stays (input stationary): the columns of ry = 1 (16-31), stored
// to output rows 1, 3, 5 and 7, one output row (128 bytes) on.
// CHECK-NEXT: npu_isa.dma_load sram {{[0-9]+}}, dram [[#WD+64]] {{.*}}sizes = array<i64: 16, 8, 1, 1>
// CHECK-NEXT: npu_isa.matmul
// CHECK-NEXT: npu_isa.vec_unary "copy"
// CHECK-NEXT: npu_isa.dma_store sram {{[0-9]+}}, dram [[#Y+128]] {dram_strides = array<i64: 4, 8, 4096, 256>, {{.*}}sizes = array<i64: 2, 16, 8, 4>
// The next spatial tile: the next slab.
// CHECK-NEXT: npu_isa.dma_load sram {{[0-9]+}}, dram 256 {{.*}}sizes = array<i64: 16, 8, 4, 1>

func.func @main(%x: tensor<1x8x16x16xf32> {npu.name = "x"}) -> (tensor<1x8x32x32xf32> {npu.name = "y"}) {
  %w = npu.constant dense<0.5> : tensor<8x8x2x2xf32>
  %y = npu.conv_transpose %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, output_padding = array<i64: 0, 0>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x8x16x16xf32>, tensor<8x8x2x2xf32>) -> tensor<1x8x32x32xf32>
  return %y : tensor<1x8x32x32xf32>
}
