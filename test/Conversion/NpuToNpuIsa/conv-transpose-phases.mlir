// A transposed convolution whose kernel equals its stride (2x2, stride 2:
// PaddleOCR det's up-sampling) has four output phases of one tap each, all
// reading the same input pixel: they are one matmul's columns
// (phasesAsChannels), n = 4 phases x 8 channels, instead of four passes of
// n = 8 (the array's columns fill; a one-channel output used 1 of 16). The
// weights are one [C][KH][M][KW] matrix, so the columns are (ry, m, rx):
// each tile's output goes out in one store per output-row phase ry whose
// runs are the two elements a pixel writes into one output row (rx). Before:
// four matmuls and four element-stride stores per tile. Functional results:
// NpuUnitTests (ConvCodegen.TransposedConvolutionPhases,
// Int8Codegen.TransposedConvPhases*).
// RUN: npu-opt %s --npu-isa-pipeline | FileCheck %s

// The weights, rearranged at compile time: 8 input channels x 32 columns.
// CHECK: npu_isa.data at [[WD:[0-9]+]] dense<5.000000e-01> : tensor<8x32xf32>
// CHECK: npu_isa.layer "conv_transpose"
// First spatial tile (two input rows): its slab, the weights, one matmul.
// CHECK-NEXT: npu_isa.dma_load sram [[SLAB:[0-9]+]], dram 0 {{.*}}sizes = array<i64: 16, 8, 2, 1>
// CHECK-NEXT: npu_isa.dma_load sram [[W:[0-9]+]], dram [[WD]] {{.*}}sizes = array<i64: 32, 8, 1, 1>
// CHECK-NEXT: npu_isa.matmul a [[SLAB]], w [[W]], acc 0 {{.*}} k = 8 : i64, {{.*}} n = 32 : i64
// CHECK-NEXT: npu_isa.vec_unary "copy" src0 0, src1 0, dst [[#OUT:]] {dims = array<i64: 32, 32, 1, 1>
// Output rows 0 and 2 (ry = 0): runs of rx, then x (stride 2 elements),
// channels, rows (stride 2 rows); the tile's columns 0-15.
// CHECK-NEXT: npu_isa.dma_store sram [[#OUT]], dram [[#Y:]] {dram_strides = array<i64: 4, 8, 4096, 256>, {{.*}}pop_prev, sizes = array<i64: 2, 16, 8, 2>, sram_strides = array<i64: 4, 128, 8, 2048>}
// Output rows 1 and 3 (ry = 1): columns 16-31, one output row (128 bytes) on.
// CHECK-NEXT: npu_isa.dma_store sram [[#OUT+64]], dram [[#Y+128]] {dram_strides = array<i64: 4, 8, 4096, 256>, {{.*}}push_prev, sizes = array<i64: 2, 16, 8, 2>
// The next spatial tile: the next slab, the weights stay.
// CHECK-NEXT: npu_isa.dma_load sram {{[0-9]+}}, dram 128 {{.*}}sizes = array<i64: 16, 8, 2, 1>
// CHECK-NEXT: npu_isa.matmul
// CHECK-NOT: npu_isa.matmul
// CHECK: npu_isa.dma_store
// CHECK-NEXT: npu_isa.dma_store

func.func @main(%x: tensor<1x8x16x16xf32> {npu.name = "x"}) -> (tensor<1x8x32x32xf32> {npu.name = "y"}) {
  %w = npu.constant dense<0.5> : tensor<8x8x2x2xf32>
  %y = npu.conv_transpose %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, output_padding = array<i64: 0, 0>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x8x16x16xf32>, tensor<8x8x2x2xf32>) -> tensor<1x8x32x32xf32>
  return %y : tensor<1x8x32x32xf32>
}
