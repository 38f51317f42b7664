// The activation arena: intermediates get DRAM offsets by greedy-by-size
// placement over their lifetimes (op indices), so a buffer whose value is
// dead is reused. Here %a dies at the tanh, so %c takes its bytes, while
// %b lives until the add. The arena equals its liveness lower bound (at the
// add, %b, %c and %d are live: 3 x 4 KiB). Small tensors are one tile.
// RUN: npu-opt %s --npu-convert-to-isa | FileCheck %s

// CHECK: npu_isa.program @main attributes {arena_bytes = 12288 : i64, arena_lower_bound = 12288 : i64, dram_size = 20480 : i64, target = "npu-v1"}
// CHECK: npu_isa.input "x" at 0 : tensor<1024xf32>
// CHECK: npu_isa.output "y" at 4096 : tensor<1024xf32>
// %a = sigmoid(x) -> arena offset 0 (DRAM 8192), one 1024-element tile.
// CHECK: npu_isa.layer "sigmoid" op "sigmoid" {{.*}}tiles = {elements = 1024 : i64}
// CHECK: npu_isa.vec_unary "sigmoid" {{.*}}dims = array<i64: 1024, 1, 1, 1>
// CHECK: npu_isa.dma_store sram {{[0-9]+}}, dram 8192
// %b = tanh(%a) -> 12288
// CHECK: npu_isa.layer "tanh"
// CHECK: npu_isa.dma_load sram 0, dram 8192
// CHECK: npu_isa.dma_store sram {{[0-9]+}}, dram 12288
// %c = exp(%b) reuses %a's bytes
// CHECK: npu_isa.layer "exp"
// CHECK: npu_isa.dma_load sram 0, dram 12288
// CHECK: npu_isa.dma_store sram {{[0-9]+}}, dram 8192
// %d = %c + %b -> 16384
// CHECK: npu_isa.layer "add"
// CHECK: npu_isa.dma_load sram 0, dram 8192
// CHECK: npu_isa.dma_load sram {{[0-9]+}}, dram 12288
// CHECK: npu_isa.dma_store sram {{[0-9]+}}, dram 16384
// The returned value is computed straight into the output.
// CHECK: npu_isa.layer "sqrt"
// CHECK: npu_isa.dma_load sram 0, dram 16384
// CHECK: npu_isa.dma_store sram {{[0-9]+}}, dram 4096

func.func @main(%x: tensor<1024xf32> {npu.name = "x"}) -> (tensor<1024xf32> {npu.name = "y"}) {
  %a = npu.sigmoid %x : tensor<1024xf32> -> tensor<1024xf32>
  %a2 = npu.reshape %a : tensor<1024xf32> -> tensor<32x32xf32>
  %b = npu.tanh %a2 : tensor<32x32xf32> -> tensor<32x32xf32>
  %b2 = npu.reshape %b : tensor<32x32xf32> -> tensor<1024xf32>
  %c = npu.exp %b2 : tensor<1024xf32> -> tensor<1024xf32>
  %c2 = npu.reshape %c : tensor<1024xf32> -> tensor<32x32xf32>
  %d = npu.add %c2, %b : (tensor<32x32xf32>, tensor<32x32xf32>) -> tensor<32x32xf32>
  %d2 = npu.reshape %d : tensor<32x32xf32> -> tensor<1024xf32>
  %e = npu.sqrt %d2 : tensor<1024xf32> -> tensor<1024xf32>
  return %e : tensor<1024xf32>
}
