// The tiled and planned phases record the code generator's decisions on the
// npu graph; npu-convert-to-isa follows them.
// RUN: npu-opt %s --npu-assign-tiles="target=npu-v1-small" | FileCheck %s --check-prefix=TILED
// RUN: npu-opt %s --npu-assign-tiles="target=npu-v1-small" --npu-plan-memory="target=npu-v1-small" | FileCheck %s --check-prefix=PLANNED
// Hand-edited tiles are followed: 4 output rows per tile instead of 16.
// RUN: npu-opt %s --npu-assign-tiles="target=npu-v1-small" \
// RUN:   | sed 's/oh = 16 : i64, order = "weight_stationary", ow = 32/oh = 4 : i64, order = "weight_stationary", ow = 32/' \
// RUN:   | npu-opt --npu-convert-to-isa="target=npu-v1-small" | FileCheck %s --check-prefix=EDITED
// Tiles that overflow the accumulator are refused, naming the problem.
// RUN: npu-opt %s --npu-assign-tiles="target=npu-v1-small" \
// RUN:   | sed 's/oh = 16 : i64, order = "weight_stationary", ow = 32/oh = 80 : i64, order = "weight_stationary", ow = 32/' \
// RUN:   | not npu-opt --npu-convert-to-isa="target=npu-v1-small" 2>&1 | FileCheck %s --check-prefix=BAD

// TILED: %[[W:.*]] = npu.constant {npu.unit = "none"}
// TILED: npu.conv {{.*}}npu.tiles = {c = 8 : i64, m = 8 : i64, oh = 16 : i64, order = "weight_stationary", ow = 32 : i64}, npu.unit = "mac"
// TILED: npu.conv {{.*}}group = 8 : i64, npu.tiles = {c = 8 : i64, oh = {{[0-9]+}} : i64, ow = {{[0-9]+}} : i64}, npu.unit = "vector"
// TILED: npu.max_pool {{.*}}npu.tiles = {c = 8 : i64, oh = {{[0-9]+}} : i64}, npu.unit = "vector"
// TILED: npu.reshape {{.*}}npu.unit = "none"
// TILED: npu.matmul {{.*}}npu.tiles = {k = 256 : i64, m = 1 : i64, n = 8 : i64, order = "input_stationary"}, npu.unit = "mac"

// Inputs, outputs, constants (conv weights in the MAC array's order, placed
// for the conv), then the arena, where the two 160 KiB activations live.
// PLANNED: func.func @main(%arg0: tensor<1x8x80x64xf32> {npu.dram = 0 : i64, npu.name = "x"}) -> (tensor<1x10xf32> {npu.dram = 163840 : i64, npu.name = "y"})
// PLANNED-SAME: attributes {npu.arena_bytes = 327680 : i64, npu.arena_lower_bound = 327680 : i64, npu.dram_size = {{[0-9]+}} : i64}
// PLANNED: npu.conv {{.*}}npu.dram = [[A:[0-9]+]] : i64{{.*}}npu.weights_dram = 163904 : i64
// PLANNED: npu.conv {{.*}}npu.dram = [[B:[0-9]+]] : i64
// The pooled activation (10 KiB, read through the reshape by the slice)
// and the slice's 8 KiB are kept on chip, at the top of the 128 KiB
// scratchpad, above what the layers between use: no DRAM.
// PLANNED: npu.max_pool {{.*}}npu.on_chip = 120832 : i64
// PLANNED-NOT: npu.dram
// PLANNED: npu.slice {{.*}}npu.on_chip = 112640 : i64
// PLANNED-NOT: npu.dram
// PLANNED: npu.matmul {{.*}}npu.dram = 163840 : i64

// EDITED: npu_isa.layer "conv" op "conv" {{.*}}tiles = {c = 8 : i64, m = 8 : i64, oh = 4 : i64, order = "weight_stationary", ow = 32 : i64}
// EDITED: npu_isa.matmul a 0, {{.*}}m_inner = 32 : i64, m_outer = 4 : i64

// BAD: error: backend: the recorded convolution tiles do not fit the accumulator and scratchpad

func.func @main(%x: tensor<1x8x80x64xf32> {npu.name = "x"}) -> (tensor<1x10xf32> {npu.name = "y"}) {
  %w = npu.constant dense<0.5> : tensor<8x8x3x3xf32>
  %b = npu.constant dense<1.0> : tensor<8xf32>
  %dw = npu.constant dense<0.25> : tensor<8x1x3x3xf32>
  %fc = npu.constant dense<0.125> : tensor<2048x10xf32>
  %c = npu.conv %x, %w, %b {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x80x64xf32>, tensor<8x8x3x3xf32>, tensor<8xf32>) -> tensor<1x8x80x64xf32>
  %d = npu.conv %c, %dw {dilations = array<i64: 1, 1>, group = 8 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x80x64xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x80x64xf32>
  %p = npu.max_pool %d {ceil_mode = false, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 4, 4>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 4, 4>} : tensor<1x8x80x64xf32> -> tensor<1x8x20x16xf32>
  %r = npu.reshape %p : tensor<1x8x20x16xf32> -> tensor<1x2560xf32>
  %s = npu.slice %r {offsets = array<i64: 0, 0>, strides = array<i64: 1, 1>} : tensor<1x2560xf32> -> tensor<1x2048xf32>
  %y = npu.matmul %s, %fc : (tensor<1x2048xf32>, tensor<2048x10xf32>) -> tensor<1x10xf32>
  return %y : tensor<1x10xf32>
}
