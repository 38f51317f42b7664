// A convolution step whose slab and weight chunks are both still in the
// scratchpad loads nothing: a `sync` on the load queue carries the step's
// dependence tokens (docs/codegen.md "Loop order and reuse"), as the tile
// cost model's convTraffic assumes. A 1x1 convolution, 32 -> 32 channels
// over 16x16, in two 8-row spatial tiles with the input slab stationary
// over two 16-channel output tiles (set by hand): the weights of both
// output tiles stay in their two copies, so the second spatial tile loads
// its slab for its first step and nothing for its second.
// RUN: npu-opt %s --npu-assign-tiles \
// RUN:   | sed -E 's/npu.tiles = \{[^}]*\}/npu.tiles = {c = 32 : i64, m = 16 : i64, oh = 8 : i64, order = "input_stationary", ow = 16 : i64}/' > %t.tiled.mlir
// RUN: npu-opt %t.tiled.mlir --npu-plan-memory --npu-convert-to-isa | FileCheck %s
// CHECK: npu_isa.layer "conv" op "conv"
// Spatial tile 0: the slab and output tile 0's weights, then output tile
// 1's weights.
// CHECK: npu_isa.dma_load sram 0, dram 0 {{.*}}pop_next, sizes = array<i64: 16, 32, 8, 1>
// CHECK-NEXT: npu_isa.dma_load sram [[W0:[0-9]+]], {{.*}}push_next, sizes = array<i64: 16, 32, 1, 1>
// CHECK-NEXT: npu_isa.matmul a 0, w [[W0]],
// CHECK: npu_isa.dma_load sram [[W1:[0-9]+]], {{.*}}push_next, sizes = array<i64: 16, 32, 1, 1>
// CHECK-NEXT: npu_isa.matmul a 0, w [[W1]],
// Spatial tile 1: its slab (weights 0 held), then nothing to load.
// CHECK: npu_isa.dma_load sram [[S1:[0-9]+]], dram 512 {{.*}}pop_next, push_next, sizes = array<i64: 16, 32, 8, 1>
// CHECK-NEXT: npu_isa.matmul a [[S1]], w [[W0]],
// CHECK: npu_isa.sync "load" {{{.*}}pop_next, push_next}
// CHECK-NEXT: npu_isa.matmul a [[S1]], w [[W1]],
// CHECK-NOT: npu_isa.dma_load
// CHECK: npu_isa.sync "compute"
//
// The input (32 KiB) once and the weights once: 40 KiB read with the
// rearrangement of the run-time weights (4 KiB) in all; the same output,
// bit for bit, as the cost model's own tiles (16-channel input chunks, the
// same sums in the same order).
// RUN: npu-opt %t.tiled.mlir --npu-plan-memory --npu-convert-to-isa | npu-translate --npu-isa-to-npubin -o %t.held.npubin
// RUN: npu-opt %s --npu-isa-pipeline | npu-translate --npu-isa-to-npubin -o %t.auto.npubin
// RUN: npu-build-example --random-f32=%t.x.npy --shape=1x32x16x16 --seed=1
// RUN: npu-build-example --random-f32=%t.w.npy --shape=32x32x1x1 --seed=2
// RUN: npu-run %t.held.npubin --input=x=%t.x.npy --input=w=%t.w.npy --output-dir=%t.held | FileCheck %s --check-prefix=EMU
// RUN: npu-run %t.auto.npubin --input=x=%t.x.npy --input=w=%t.w.npy --output-dir=%t.auto > /dev/null
// RUN: cmp %t.held/y.npy %t.auto/y.npy
// EMU: DRAM         0.041 MB read, 0.037 MB written

func.func @main(%x: tensor<1x32x16x16xf32> {npu.name = "x"}, %w: tensor<32x32x1x1xf32> {npu.name = "w"}) -> (tensor<1x32x16x16xf32> {npu.name = "y"}) {
  %c = npu.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x32x16x16xf32>, tensor<32x32x1x1xf32>) -> tensor<1x32x16x16xf32>
  return %c : tensor<1x32x16x16xf32>
}
