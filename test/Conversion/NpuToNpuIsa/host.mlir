// A host op is a layer of its own: the NPU's work before it ends a segment,
// its operands get DRAM buffers (dense), and the NPU op after it starts
// with empty queues (its first load pops no token).
// RUN: npu-opt %s --npu-isa-pipeline | FileCheck %s

// CHECK-LABEL: npu_isa.program @main
// CHECK: npu_isa.input "x" at [[X:[0-9]+]] : tensor<2x8xf32>
// CHECK: npu_isa.layer "relu" op "Exp"
// CHECK: npu_isa.dma_store sram {{[0-9]+}}, dram [[R:[0-9]+]]
// CHECK: npu_isa.layer "best" op "ArgMax"
// CHECK-NEXT: npu_isa.host "ArgMax" {input_dram = array<i64: [[R]]>, input_types = [tensor<2x8xf32>], layer = 1 : i64, onnx_attributes = {axis = 1 : i64, keepdims = 0 : i64}, opset = 13 : i64, output_dram = array<i64: [[I:[0-9]+]]>, output_types = [tensor<2xi64>], present = array<i1: true>}
// CHECK: npu_isa.layer "again" op "Exp"
// CHECK-NEXT: npu_isa.dma_load
// CHECK-NOT: pop_next
// CHECK-SAME: sizes
func.func @main(%x: tensor<2x8xf32> {npu.name = "x"}) -> (tensor<2xi64> {npu.name = "i"}, tensor<2x8xf32> {npu.name = "r"}) {
  %r = npu.exp %x : tensor<2x8xf32> -> tensor<2x8xf32> loc(fused<"Exp">["relu"])
  %i = npu.host "ArgMax"(%r) {onnx_attributes = {axis = 1 : i64, keepdims = 0 : i64}, opset = 13 : i64, present = array<i1: true>} : (tensor<2x8xf32>) -> tensor<2xi64> loc(fused<"ArgMax">["best"])
  %s = npu.exp %r : tensor<2x8xf32> -> tensor<2x8xf32> loc(fused<"Exp">["again"])
  return %i, %s : tensor<2xi64>, tensor<2x8xf32>
}
