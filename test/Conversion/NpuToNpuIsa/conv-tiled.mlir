// A 3x3 convolution whose 160 KiB input exceeds npu-v1-small's 128 KiB
// scratchpad: ten row tiles of 8 output rows (8 rows x 64 columns x 8
// channels fill the 16 KiB accumulator), each staged as an NHWC slab of 10
// input rows whose halo the DMA pads with zeros, one matmul per tap walking
// the slab with the convolution's strides, the bias added on the way out of
// the accumulator, double-buffered with the queues' dependence tokens. The
// tiles are recorded on the op (npu.tiles, as the tiled phase writes them)
// so that the walk-through stays the same when the tile cost model changes;
// with weights stationary and one input-channel chunk, the weights are
// loaded once and every later tile loads its slab only.
// Functional results are checked by NpuUnitTests (ConvCodegen.*).
// RUN: npu-opt %s --npu-convert-to-isa="target=npu-v1-small" | FileCheck %s

// Weights are stored per tap, [group][KH][KW][C][M].
// CHECK: npu_isa.data at [[W:[0-9]+]] dense<5.000000e-01> : tensor<1x3x3x8x8xf32>
// CHECK: npu_isa.data at [[B:[0-9]+]] dense<1.000000e+00> : tensor<8xf32>
// CHECK: npu_isa.layer "conv" op "conv" {shapes = "tensor<1x8x80x64xf32>, tensor<8x8x3x3xf32>, tensor<8xf32> -> tensor<1x8x80x64xf32>", tiles = {c = 8 : i64, m = 8 : i64, oh = 8 : i64, order = "weight_stationary", ow = 64 : i64}}

// Tile 0: 9 input rows (the first output row's halo row is padding), one
// padding column each side; rows of x contiguous in DRAM (stride 4), the
// scratchpad channels-innermost (x stride 32 = 8 channels x 4 B).
// (The fourth axis is the input depth, one slice for a 2-D convolution.)
// CHECK-NEXT: npu_isa.dma_load sram 0, dram 0 {dram_strides = array<i64: 4, 20480, 256, 20480>, elem_bytes = 4 : i64, layer = 0 : i64, pad_after = array<i64: 1, 0, 0, 0>, pad_before = array<i64: 1, 0, 1, 0>, sizes = array<i64: 64, 8, 9, 1>, sram_strides = array<i64: 32, 4, 2112, 21120>}
// CHECK-NEXT: npu_isa.dma_load sram [[WBUF0:[0-9]+]], dram [[W]] {{.*}}sizes = array<i64: 8, 8, 9, 1>
// CHECK-NEXT: npu_isa.dma_load sram [[BIAS:[0-9]+]], dram [[B]] {{.*}}push_next
// Tap (0,0) overwrites the accumulator; A rows step 32 B (one pixel) inside
// an output row and 2112 B (one padded slab row) between rows.
// CHECK-NEXT: npu_isa.matmul a 0, w [[WBUF0]], acc 0 {a_stride_inner = 32 : i64, a_stride_outer = 2112 : i64, acc_row_stride = 8 : i64, fp32, k = 8 : i64, layer = 0 : i64, m_inner = 64 : i64, m_outer = 8 : i64, n = 8 : i64, pop_prev, w_row_stride = 32 : i64}
// Tap (0,1) reads one pixel further and accumulates.
// CHECK-NEXT: npu_isa.matmul a 32, w {{[0-9]+}}, acc 0 {{{.*}}accumulate,
// CHECK-COUNT-6: npu_isa.matmul {{.*}}accumulate,
// The last tap frees the step's slab and weight copies for the step two on.
// CHECK-NEXT: npu_isa.matmul {{.*}}accumulate, {{.*}}push_prev,
// CHECK-NEXT: npu_isa.vec_binary "add" src0 0, src1 [[BIAS]], dst [[OUT0:[0-9]+]] {dims = array<i64: 8, 512, 1, 1>, {{.*}}push_next, src0_space = "acc"
// CHECK-NEXT: npu_isa.dma_store sram [[OUT0]], dram 163840 {dram_strides = array<i64: 4, 20480, 256, 0>, {{.*}}pop_prev, push_prev, sizes = array<i64: 64, 8, 8, 1>, sram_strides = array<i64: 32, 4, 2048, 0>}

// Tile 1 loads its slab into the other copy and reads the weights tile 0
// loaded; its slab starts one row above its first output row (DRAM offset 7
// rows x 256 B) and has 10 rows, halo included.
// CHECK-NEXT: npu_isa.dma_load sram 21120, dram 1792 {{.*}}pad_after = array<i64: 1, 0, 0, 0>, pad_before = array<i64: 1, 0, 0, 0>, push_next, sizes = array<i64: 64, 8, 10, 1>
// CHECK-NEXT: npu_isa.matmul a 21120, w [[WBUF0]], acc 0 {{.*}}pop_prev
// Tile 2 waits for tile 0's buffers (pop_next on its first load, and its
// accumulator copy waits for tile 0's store).
// CHECK: npu_isa.dma_load sram 0, dram 3840 {{.*}}pop_next,
// CHECK: npu_isa.vec_binary "add" {{.*}}pop_next, push_next, src0_space
// The last tile's slab ends in the bottom padding row.
// CHECK: npu_isa.dma_load sram 21120, dram 18176 {{.*}}pad_after = array<i64: 1, 0, 1, 0>, pad_before = array<i64: 1, 0, 0, 0>, pop_next, push_next, sizes = array<i64: 64, 8, 9, 1>
// CHECK: npu_isa.dma_store {{.*}}dram 182272 {{.*}}pop_prev, push_prev
// CHECK-NEXT: npu_isa.sync "compute" {pop_next, push_prev}

func.func @main(%x: tensor<1x8x80x64xf32> {npu.name = "x"}) -> (tensor<1x8x80x64xf32> {npu.name = "y"}) {
  %w = npu.constant dense<0.5> : tensor<8x8x3x3xf32>
  %b = npu.constant dense<1.0> : tensor<8xf32>
  %y = npu.conv %x, %w, %b {npu.tiles = {oh = 8, ow = 64, m = 8, c = 8}, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x80x64xf32>, tensor<8x8x3x3xf32>, tensor<8xf32>) -> tensor<1x8x80x64xf32>
  return %y : tensor<1x8x80x64xf32>
}
