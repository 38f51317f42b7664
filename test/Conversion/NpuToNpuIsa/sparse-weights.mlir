// Tests pruning-aware emission (docs/codegen.md, "Sparse weights") on
// npu-v1-small, whose 8x8 MAC array cuts the matmul's W[16,32] into 2 x 4
// weight tiles, of which only (0, 0) is non-zero, and the convolution's
// per-tap W[8,16] into 1 x 2, of which only tap 0's first is non-zero.
// Tiles are set by hand so that every kind of step occurs; the outputs are
// bit-identical to the dense twin's (npu.sparse_weights = false).
//
// RUN: npu-opt %s --npu-assign-tiles="target=npu-v1-small" \
// RUN:   | sed -e 's/npu.tiles = {k = [^}]*}/npu.tiles = {k = 8 : i64, m = 8 : i64, n = 16 : i64}/' \
// RUN:         -e 's/npu.tiles = {c = [^}]*}/npu.tiles = {c = 8 : i64, m = MT : i64, oh = 4 : i64, ow = 3 : i64}/' > %t.tiled
// RUN: sed 's/MT/16/' %t.tiled | npu-opt --npu-plan-memory --npu-convert-to-isa > %t.isa
// RUN: FileCheck %s < %t.isa
// RUN: sed 's/MT/8/' %t.tiled | npu-opt --npu-plan-memory --npu-convert-to-isa > %t.empty.isa
// RUN: FileCheck %s --check-prefix=EMPTY < %t.empty.isa
// RUN: sed -e 's/MT/16/' -e 's/module attributes {/module attributes {npu.compress_weights = false, npu.sparse_weights = false, /' %t.tiled \
// RUN:   | npu-opt --npu-plan-memory --npu-convert-to-isa > %t.dense.isa
// RUN: FileCheck %s --check-prefix=DENSE < %t.dense.isa
// RUN: sed -e 's/MT/16/' -e 's/module attributes {/module attributes {npu.sparse_weights = false, /' %t.tiled \
// RUN:   | npu-opt --npu-plan-memory --npu-convert-to-isa > %t.expand.isa
// RUN: FileCheck %s --check-prefix=EXPAND < %t.expand.isa
//
// The four programs on the emulator: the same bits.
// RUN: npu-translate --npu-isa-to-npubin %t.isa -o %t.sparse.npubin
// RUN: npu-translate --npu-isa-to-npubin %t.empty.isa -o %t.empty.npubin
// RUN: npu-translate --npu-isa-to-npubin %t.dense.isa -o %t.dense.npubin
// RUN: npu-translate --npu-isa-to-npubin %t.expand.isa -o %t.expand.npubin
// RUN: npu-build-example --random-f32=%t.a.npy --shape=8x16 --seed=5
// RUN: npu-build-example --random-f32=%t.x.npy --shape=1x8x4x4 --seed=6
// RUN: rm -rf %t.s %t.e %t.d %t.x
// RUN: npu-run %t.sparse.npubin --target=npu-v1-small --input=a=%t.a.npy --input=x=%t.x.npy --output-dir=%t.s > /dev/null
// RUN: npu-run %t.empty.npubin --target=npu-v1-small --input=a=%t.a.npy --input=x=%t.x.npy --output-dir=%t.e > /dev/null
// RUN: npu-run %t.dense.npubin --target=npu-v1-small --input=a=%t.a.npy --input=x=%t.x.npy --output-dir=%t.d > /dev/null
// RUN: npu-run %t.expand.npubin --target=npu-v1-small --input=a=%t.a.npy --input=x=%t.x.npy --output-dir=%t.x > /dev/null
// RUN: cmp %t.x/y.npy %t.d/y.npy
// RUN: cmp %t.x/z.npy %t.d/z.npy
// RUN: cmp %t.s/y.npy %t.d/y.npy
// RUN: cmp %t.s/z.npy %t.d/z.npy
// RUN: cmp %t.e/z.npy %t.d/z.npy

// Tests the matmul (tiles m 8, n 16, k 8: two output tiles of two K steps,
// each step 1 x 2 weight tiles): 1 of its 8 weight tiles is non-zero, 7
// tile-steps are not issued.
// CHECK-LABEL: npu_isa.layer "matmul" op "matmul" {{.*}}weight_blocks = {nonzero = 1 : i64, skipped = 7 : i64, total = 8 : i64}
// Output tile 0, step 0: A, the step's image (a 16-byte mask and one 8x8
// FP32 tile: 68 words), a block-sparse matmul; step 1 (all zero): nothing.
// CHECK-NEXT: npu_isa.dma_load sram 0, dram 0 {{.*}}sizes = array<i64: 8, 8, 1, 1>
// CHECK-NEXT: npu_isa.dma_load sram [[W0:[0-9]+]], dram {{[0-9]+}} {{.*}}push_next, sizes = array<i64: 68, 1, 1, 1>
// CHECK-NEXT: npu_isa.matmul a 0, w [[W0]], acc 0 {{.*}}, sparse,
// CHECK-NEXT: npu_isa.vec_unary "copy"
// CHECK-NEXT: npu_isa.dma_store
// Output tile 1 (no weights): no A, the 16-byte zero mask, one sparse
// matmul that clears the accumulator, the readout.
// CHECK-NEXT: npu_isa.dma_load sram [[W1:[0-9]+]], dram {{[0-9]+}} {{.*}}push_next, sizes = array<i64: 4, 1, 1, 1>
// CHECK-NEXT: npu_isa.matmul a {{[0-9]+}}, w [[W1]], acc 0 {{.*}}, sparse,
// CHECK-NEXT: npu_isa.vec_unary "copy"
// CHECK-NEXT: npu_isa.dma_store
//
// Tests the convolution (tiles m 16, c 8): tap 0 has 1 of 2 weight tiles,
// tap 1 none; the slab, tap 0's image, the bias, one block-sparse matmul.
// CHECK-LABEL: npu_isa.layer "conv" op "conv" {{.*}}weight_blocks = {nonzero = 1 : i64, skipped = 3 : i64, total = 4 : i64}
// CHECK-NEXT: npu_isa.dma_load sram 0, {{.*}}pop_next
// CHECK-NEXT: npu_isa.dma_load {{.*}}sizes = array<i64: 68, 1, 1, 1>
// CHECK-NEXT: npu_isa.dma_load {{.*}}push_next, sizes = array<i64: 16, 1, 1, 1>
// CHECK-NEXT: npu_isa.matmul {{.*}}, sparse,
// CHECK-NEXT: npu_isa.vec_binary "add"
// CHECK-NEXT: npu_isa.dma_store

// Tests the convolution with tiles m 8: output tile 0 loads tap 0's dense
// weights alone (tap 1 is empty) for one dense matmul; output tile 1 has no
// weights: no slab, the zero mask, one clearing matmul, then the bias.
// EMPTY-LABEL: npu_isa.layer "conv" op "conv"
// EMPTY-NEXT: npu_isa.dma_load sram 0, {{.*}}pop_next
// EMPTY-NEXT: npu_isa.dma_load {{.*}}sizes = array<i64: 8, 8, 1, 1>
// EMPTY-NEXT: npu_isa.dma_load {{.*}}push_next, sizes = array<i64: 16, 1, 1, 1>
// EMPTY-NEXT: npu_isa.matmul {{.*}}, pop_prev, w_row_stride
// EMPTY-NEXT: npu_isa.vec_binary "add"
// EMPTY-NEXT: npu_isa.dma_store
// EMPTY-NEXT: npu_isa.dma_load {{.*}}push_next, sizes = array<i64: 4, 1, 1, 1>
// EMPTY-NEXT: npu_isa.matmul {{.*}}, sparse,
// EMPTY-NEXT: npu_isa.vec_binary "add"
// EMPTY-NEXT: npu_isa.dma_store

// Tests the dense twin: no block-sparse matmul, no weight_blocks note.
// DENSE: module attributes {npu.compress_weights = false, npu.sparse_weights = false
// DENSE-NOT: {{, sparse,|weight_blocks}}
// DENSE: npu_isa.layer "conv"
// DENSE-NOT: {{, sparse,|weight_blocks}}
// DENSE: npu_isa.sync "compute" {pop_next, push_prev}
// DENSE-NOT: dma_expand

// Tests every tile issued dense but the weights stored compressed
// (docs/codegen.md, "Compressed weights"): each matmul step's W expanded
// from its image, a 16-byte mask and the present 8x8 FP32 tiles (272 bytes
// for step 0's one tile; 16, the mask alone, for the all-zero ones), then
// a dense matmul; the convolution's chunk likewise (two taps as planes:
// the mask and tap 0's one present tile).
// EXPAND-LABEL: npu_isa.layer "matmul" op "matmul" {{.*}}weight_blocks = {nonzero = 1 : i64, skipped = 0 : i64, total = 8 : i64}
// EXPAND-NEXT: npu_isa.dma_load sram 0, dram 0
// EXPAND-NEXT: npu_isa.dma_expand sram [[W0:[0-9]+]], dram {{[0-9]+}} {bytes = 272 : i64, {{.*}}sizes = array<i64: 16, 8, 1, 1>, sram_strides = array<i64: 4, 64, 0, 0>}
// EXPAND-NEXT: npu_isa.matmul a 0, w [[W0]], acc 0 {{.*}}k = 8
// EXPAND-NEXT: npu_isa.dma_load
// EXPAND-NEXT: npu_isa.dma_expand {{.*}}bytes = 16 : i64
// EXPAND-NOT: sparse,
// EXPAND-LABEL: npu_isa.layer "conv"
// EXPAND: npu_isa.dma_expand {{.*}}bytes = 272 : i64, {{.*}}sizes = array<i64: 16, 8, 2, 1>, sram_strides = array<i64: 4, 64, 512, 0>}
// EXPAND-NOT: sparse,

func.func @main(%a: tensor<8x16xf32> {npu.name = "a"}, %x: tensor<1x8x4x4xf32> {npu.name = "x"}) -> (tensor<8x32xf32> {npu.name = "y"}, tensor<1x16x4x3xf32> {npu.name = "z"}) {
  %w = npu.constant dense<[
    [-2.00, -1.50, 1.50, 0.75, 0.75, 0.25, -1.75, -1.25, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00],
    [-0.50, -1.75, 1.50, -1.50, -0.25, 0.25, -0.50, 1.25, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00],
    [1.00, 1.50, -0.25, -0.50, -1.50, 0.25, 1.75, 1.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00],
    [-1.75, 0.25, -0.50, 0.50, -1.00, 0.25, -1.25, 0.50, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00],
    [1.25, 1.25, -1.50, 1.75, 1.50, 0.50, 0.75, -0.25, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00],
    [0.25, 0.75, 0.50, -0.50, 0.50, -0.25, 1.75, -1.75, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00],
    [-2.00, -1.25, 0.25, 0.25, 0.25, -0.25, 1.00, -1.50, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00],
    [0.25, -1.50, -1.75, 0.75, 1.00, 1.00, 0.25, -0.50, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00],
    [0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00],
    [0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00],
    [0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00],
    [0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00],
    [0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00],
    [0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00],
    [0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00],
    [0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00]]> : tensor<16x32xf32>
  %y = npu.matmul %a, %w : (tensor<8x16xf32>, tensor<16x32xf32>) -> tensor<8x32xf32> loc("mm")
  %cw = npu.constant dense<[
    [[[-2.00, 0.00]], [[-1.25, 0.00]], [[-1.75, 0.00]], [[2.00, 0.00]], [[-0.50, 0.00]], [[-1.00, 0.00]], [[-1.25, 0.00]], [[0.50, 0.00]]],
    [[[2.00, 0.00]], [[0.25, 0.00]], [[1.25, 0.00]], [[0.75, 0.00]], [[0.50, 0.00]], [[-0.50, 0.00]], [[2.00, 0.00]], [[1.50, 0.00]]],
    [[[1.25, 0.00]], [[-1.50, 0.00]], [[0.25, 0.00]], [[-1.50, 0.00]], [[-1.25, 0.00]], [[0.50, 0.00]], [[-0.50, 0.00]], [[1.75, 0.00]]],
    [[[2.00, 0.00]], [[0.75, 0.00]], [[-0.75, 0.00]], [[-1.00, 0.00]], [[-0.50, 0.00]], [[0.50, 0.00]], [[1.75, 0.00]], [[-0.25, 0.00]]],
    [[[0.50, 0.00]], [[1.75, 0.00]], [[-0.25, 0.00]], [[0.50, 0.00]], [[1.00, 0.00]], [[0.25, 0.00]], [[-1.75, 0.00]], [[-0.75, 0.00]]],
    [[[-0.25, 0.00]], [[-0.25, 0.00]], [[1.75, 0.00]], [[1.00, 0.00]], [[0.25, 0.00]], [[-1.00, 0.00]], [[-1.25, 0.00]], [[-0.75, 0.00]]],
    [[[1.75, 0.00]], [[-1.00, 0.00]], [[-0.25, 0.00]], [[-1.25, 0.00]], [[-2.00, 0.00]], [[-0.50, 0.00]], [[-2.00, 0.00]], [[0.75, 0.00]]],
    [[[-1.25, 0.00]], [[-1.00, 0.00]], [[2.00, 0.00]], [[0.75, 0.00]], [[-0.50, 0.00]], [[-1.50, 0.00]], [[-1.75, 0.00]], [[-1.75, 0.00]]],
    [[[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]]],
    [[[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]]],
    [[[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]]],
    [[[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]]],
    [[[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]]],
    [[[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]]],
    [[[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]]],
    [[[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]], [[0.00, 0.00]]]]> : tensor<16x8x1x2xf32>
  %cb = npu.constant dense<[0.5, -0.5, 1.0, -1.0, 0.25, -0.25, 2.0, -2.0, 0.5, -0.5, 1.0, -1.0, 0.25, -0.25, 2.0, -2.0]> : tensor<16xf32>
  %z = npu.conv %x, %cw, %cb {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x8x4x4xf32>, tensor<16x8x1x2xf32>, tensor<16xf32>) -> tensor<1x16x4x3xf32> loc("conv")
  return %y, %z : tensor<8x32xf32>, tensor<1x16x4x3xf32>
}
