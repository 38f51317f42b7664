// A convolution's loop order (docs/codegen.md "Loop order and reuse"): a 1x1
// convolution whose 147 KiB input is larger than npu-v1-small's scratchpad.
// The cost model takes all 16 output channels in one tile (two passes of the
// 8-column array) over four spatial tiles of 6 rows: the input is read once
// and the weights once per spatial tile, 8 KiB fewer DRAM bytes and 24 fewer
// cycles (39,568) than two 8-channel tiles of 8 rows with the input slab
// stationary (by hand below: 39,592).
// RUN: npu-opt %s --npu-assign-tiles="target=npu-v1-small" | FileCheck %s --check-prefix=TILED
//
// The input-stationary order, by hand: three spatial tiles of eight
// 8-channel input chunks and two 8-channel output tiles; the eight chunks
// stay in eight copies of the slab buffer while both output-channel tiles
// read them, so the input is read from DRAM once instead of twice.
// RUN: npu-opt %s --npu-assign-tiles="target=npu-v1-small" \
// RUN:   | sed 's/m = 16 : i64, oh = 6 : i64, order = "weight_stationary"/m = 8 : i64, oh = 8 : i64, order = "input_stationary"/' > %t.tiled.mlir
// RUN: npu-opt %t.tiled.mlir --npu-plan-memory --npu-form-layers --npu-allocate-scratchpad | FileCheck %s --check-prefix=SCHED
// RUN: npu-opt %t.tiled.mlir --npu-plan-memory --npu-convert-to-isa | FileCheck %s --check-prefix=ISA
//
// Weights stationary instead, the same tiles. Same bit-exact outputs and
// cycles, twice the input traffic.
// RUN: npu-opt %t.tiled.mlir --npu-plan-memory --npu-convert-to-isa | npu-translate --npu-isa-to-npubin -o %t.is.npubin
// RUN: sed 's/"input_stationary"/"weight_stationary"/' %t.tiled.mlir | npu-opt --npu-plan-memory --npu-convert-to-isa | npu-translate --npu-isa-to-npubin -o %t.ws.npubin
// RUN: npu-build-example --random-f32=%t.x.npy --shape=1x64x24x24 --seed=1
// RUN: npu-run %t.is.npubin --target=npu-v1-small --input=x=%t.x.npy --output-dir=%t.is | FileCheck %s --check-prefix=IS
// RUN: npu-run %t.ws.npubin --target=npu-v1-small --input=x=%t.x.npy --output-dir=%t.ws | FileCheck %s --check-prefix=WS
// RUN: cmp %t.is/y.npy %t.ws/y.npy

// TILED: npu.conv {{.*}}npu.tiles = {c = 8 : i64, m = 16 : i64, oh = 6 : i64, order = "weight_stationary", ow = 24 : i64}

// The stationary slab has a copy per input-channel chunk; the streaming
// weights two.
// SCHED: npu.layer "{{.*}}" unit <mac> tiles <oh = 8, ow = 24, m = 8, c = 8, order = input_stationary>
// SCHED-SAME: scratchpad [#npu.buffer<"slab", offset = 0, bytes = 6144, copies = 8>,
// SCHED-SAME: #npu.buffer<"weights", offset = 49152, bytes = 256, copies = 2>,

// First output tile: each of the eight steps loads a slab chunk (into copies
// 0 to 7) and its weights.
// ISA: npu_isa.dma_load sram 0, dram 0 {{.*}}sizes = array<i64: 24, 8, 8, 1>
// ISA-NEXT: npu_isa.dma_load sram 49152, {{.*}}push_next, sizes = array<i64: 8, 8, 1, 1>
// ISA-NEXT: npu_isa.matmul a 0, w 49152,
// ISA-NEXT: npu_isa.dma_load sram 6144, dram 18432 {{.*}}sizes = array<i64: 24, 8, 8, 1>
// ISA: npu_isa.dma_load sram 43008, dram 129024 {{.*}}sizes = array<i64: 24, 8, 8, 1>
// ISA: npu_isa.dma_store
// Second output tile, same pixels: weights only, the chunks read in place.
// ISA-NEXT: npu_isa.dma_load sram 49152, dram {{[0-9]+}} {{.*}}pop_next, push_next, sizes = array<i64: 8, 8, 1, 1>
// ISA-NEXT: npu_isa.matmul a 0, w 49152,
// ISA-NEXT: npu_isa.dma_load sram 49408, dram {{[0-9]+}} {{.*}}pop_next, push_next, sizes = array<i64: 8, 8, 1, 1>
// ISA-NEXT: npu_isa.matmul a 6144, w 49408,

// IS: cycles 39592
// IS: DRAM 0.160 MB read, 0.037 MB written
// WS: cycles 39592
// WS: DRAM 0.299 MB read, 0.037 MB written

func.func @main(%x: tensor<1x64x24x24xf32> {npu.name = "x"}) -> (tensor<1x16x24x24xf32> {npu.name = "y"}) {
  %w = npu.constant dense<0.5> : tensor<16x64x1x1xf32>
  %y = npu.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x64x24x24xf32>, tensor<16x64x1x1xf32>) -> tensor<1x16x24x24xf32>
  return %y : tensor<1x16x24x24xf32>
}
