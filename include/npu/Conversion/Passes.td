//===- Passes.td - conversions between npu dialects --------*- tablegen -*-===//

#ifndef NPU_CONVERSION_PASSES_TD
#define NPU_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// NpuToNpuIsa
//===----------------------------------------------------------------------===//

def ConvertNpuToNpuIsa : Pass<"npu-convert-to-isa", "mlir::ModuleOp"> {
  let summary = "Generate NPU instructions for a graph (tiling, DRAM planning, DMA)";
  let description = [{
    Replaces `func.func @main` (npu dialect, static shapes) by an
    `npu_isa.program` that computes it:

    - DRAM planning: graph inputs, then outputs, then constants (the
      executable's constant segment), then one arena for intermediate values,
      packed by liveness with the greedy-by-size strategy of TFLite's arena
      planner; `npu.reshape` results alias their operand.
    - Tiling: each op's iteration space (dimensions collapsed where the
      operands allow) is cut along its outermost dimension into tiles that
      fit the scratchpad budget, two buffers per operand.
    - Double-buffered DMA: tile i+1 loads while tile i computes and tile i-1
      stores, expressed with the queues' dependence tokens; consecutive ops
      are ordered through DRAM by a compute-queue sync.

    Supported so far: the FP32 elementwise ops (clamp, leaky_relu,
    hard_sigmoid, hard_swish, sigmoid, tanh, erf, exp, sqrt, add, sub, mul,
    div, pow, minimum, maximum, with broadcasting), FP32 matmul with a 2-D
    right-hand side (tile sizes from a DRAM/MAC cost model, K accumulated in
    the accumulator), transpose, slice (positive steps) and concat as
    strided DMA copies, reduce_mean, reduce_max and softmax on the vector
    unit, and reshape. Any other op is an error naming the op
    and its ONNX node. docs/codegen.md describes the design.
  }];
  let dependentDialects = ["npu::npuisa::NpuIsaDialect"];
  let options = [
    Option<"targetName", "target", "std::string", "\"npu-v1\"",
           "The NPU target (npu-v1, npu-v1-small, npu-v1-large)">,
  ];
}

#endif // NPU_CONVERSION_PASSES_TD
