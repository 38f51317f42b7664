// Operator fusion: a run of elementwise ops of one shape, each reading a
// value of the run, is one vector program per tile. Only the run's inputs
// are loaded and only values used after it are stored; the intermediates
// (here all of them) live in the scratchpad and get no DRAM at all.
// RUN: npu-opt %s --npu-convert-to-isa | FileCheck %s
// The tiled phase records the groups; the code generator follows them.
// RUN: npu-opt %s --npu-assign-tiles | FileCheck %s --check-prefix=TILED
// RUN: npu-opt %s --npu-assign-tiles | sed 's/npu.fusion_group = 0/npu.fusion_group = 1/g; 0,/npu.fusion_group = 1/s//npu.fusion_group = 0/' \
// RUN:   | npu-opt --npu-convert-to-isa | FileCheck %s --check-prefix=SPLIT

// CHECK: npu_isa.program @main attributes {arena_bytes = 0 : i64, arena_lower_bound = 0 : i64
// CHECK: npu_isa.layer "sqrt" op "Fused(sigmoid+tanh+exp+add+sqrt)"
// CHECK-NEXT: npu_isa.dma_load sram 0, dram 0 {{.*}}push_next
// CHECK-NEXT: npu_isa.vec_unary "sigmoid" src0 0, src1 0, dst [[A:[0-9]+]] {{.*}}pop_prev
// CHECK-NEXT: npu_isa.vec_unary "tanh" src0 [[A]], src1 0, dst [[B:[0-9]+]]
// CHECK-NEXT: npu_isa.vec_unary "exp" src0 [[B]], src1 0, dst [[C:[0-9]+]]
// CHECK-NEXT: npu_isa.vec_binary "add" src0 [[C]], src1 [[B]], dst [[D:[0-9]+]]
// CHECK-NEXT: npu_isa.vec_unary "sqrt" src0 [[D]], src1 0, dst [[Y:[0-9]+]] {{.*}}push_next
// CHECK-NEXT: npu_isa.dma_store sram [[Y]], dram 4096 {{.*}}pop_prev, push_prev
// CHECK-NEXT: npu_isa.sync "compute" {pop_next, push_prev}
// CHECK-NOT: npu_isa.layer

// TILED-COUNT-5: npu.fusion_group = 0 : i64

// Moving the first op to a group of its own: %a is stored and reloaded.
// SPLIT: npu_isa.program @main attributes {arena_bytes = 4096 : i64
// SPLIT: npu_isa.layer "sigmoid" op "Fused(sigmoid)"
// SPLIT: npu_isa.layer "sqrt" op "Fused(tanh+exp+add+sqrt)"

func.func @main(%x: tensor<1024xf32> {npu.name = "x"}) -> (tensor<1024xf32> {npu.name = "y"}) {
  %a = npu.sigmoid %x : tensor<1024xf32> -> tensor<1024xf32>
  %b = npu.tanh %a : tensor<1024xf32> -> tensor<1024xf32>
  %c = npu.exp %b : tensor<1024xf32> -> tensor<1024xf32>
  %d = npu.add %c, %b : (tensor<1024xf32>, tensor<1024xf32>) -> tensor<1024xf32>
  %e = npu.sqrt %d : tensor<1024xf32> -> tensor<1024xf32>
  return %e : tensor<1024xf32>
}
