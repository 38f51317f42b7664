// A matmul K step whose A and W chunks are both held loads nothing: a
// `sync` on the load queue carries the step's tokens (as in
// conv-held-chunks.mlir), as matmulTraffic assumes. 32x16 x 16x32 in 16x16
// C tiles with A stationary (set by hand): W's two column chunks stay in
// its two copies, so the second row of tiles loads its A chunk for its
// first tile and nothing for its second.
// RUN: npu-opt %s --npu-assign-tiles \
// RUN:   | sed -E 's/npu.tiles = \{[^}]*\}/npu.tiles = {k = 16 : i64, m = 16 : i64, n = 16 : i64, order = "input_stationary"}/' > %t.tiled.mlir
// RUN: npu-opt %t.tiled.mlir --npu-plan-memory --npu-convert-to-isa | FileCheck %s
// CHECK: npu_isa.dma_load sram [[A0:[0-9]+]], dram 0 {
// CHECK-NEXT: npu_isa.dma_load sram [[W0:[0-9]+]], dram 2048 {{.*}}push_next
// CHECK-NEXT: npu_isa.matmul a [[A0]], w [[W0]],
// CHECK: npu_isa.dma_load sram [[W1:[0-9]+]], dram 2112 {{.*}}push_next
// CHECK-NEXT: npu_isa.matmul a [[A0]], w [[W1]],
// CHECK: npu_isa.dma_load sram [[A1:[0-9]+]], dram 1024 {{.*}}pop_next, push_next
// CHECK-NEXT: npu_isa.matmul a [[A1]], w [[W0]],
// CHECK: npu_isa.sync "load" {{{.*}}pop_next, push_next}
// CHECK-NEXT: npu_isa.matmul a [[A1]], w [[W1]],
//
// A and W once each (4 KiB; a W chunk loaded again before), the same
// output, bit for bit, as the cost model's own tiles.
// RUN: npu-opt %t.tiled.mlir --npu-plan-memory --npu-convert-to-isa | npu-translate --npu-isa-to-npubin -o %t.held.npubin
// RUN: npu-opt %s --npu-isa-pipeline | npu-translate --npu-isa-to-npubin -o %t.auto.npubin
// RUN: npu-build-example --random-f32=%t.a.npy --shape=32x16 --seed=1
// RUN: npu-build-example --random-f32=%t.w.npy --shape=16x32 --seed=2
// RUN: npu-run %t.held.npubin --input=a=%t.a.npy --input=w=%t.w.npy --output-dir=%t.held | FileCheck %s --check-prefix=EMU
// RUN: npu-run %t.auto.npubin --input=a=%t.a.npy --input=w=%t.w.npy --output-dir=%t.auto > /dev/null
// RUN: cmp %t.held/y.npy %t.auto/y.npy
// EMU: DRAM         0.004 MB read, 0.004 MB written

func.func @main(%a: tensor<32x16xf32> {npu.name = "a"}, %w: tensor<16x32xf32> {npu.name = "w"}) -> (tensor<32x32xf32> {npu.name = "y"}) {
  %y = npu.matmul %a, %w : (tensor<32x16xf32>, tensor<16x32xf32>) -> tensor<32x32xf32>
  return %y : tensor<32x32xf32>
}
