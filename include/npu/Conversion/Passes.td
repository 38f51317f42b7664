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

    Supported (FP32): convolutions (1-D and 2-D, grouped; depthwise on the
    vector unit) and transposed convolutions on the MAC array with NHWC
    slabs and DMA halos, matmuls (batched included), max and average
    pooling, the elementwise ops with broadcasting, reduce_mean,
    reduce_max, softmax and layer_norm on the vector unit, transpose,
    slice (positive steps), concat and nearest resize (integer scales) as
    strided DMA, and reshape. Any other op is an error naming the op and
    its ONNX node. Follows the tiles and the DRAM plan recorded by
    `npu-assign-tiles` and `npu-plan-memory` when present.
    docs/codegen.md describes the design.

    A 2-D convolution whose output channels leave a remainder of at most
    half the MAC array's columns computes those channels two output rows
    at a time (the rows' phases as columns) where the tile cost model finds
    that cheaper; `phase-pack-remainder=false` (or `npu.phase_pack = false`
    on the module, npu-compile --phase-pack-remainder=false) keeps the
    plain column tiles.
  }];
  let dependentDialects = ["npu::npuisa::NpuIsaDialect"];
  let options = [
    Option<"targetName", "target", "std::string", "",
           "The NPU target (npu-v1, npu-v1-small, npu-v1-large); by default "
           "the module's npu.target, else npu-v1">,
    Option<"phasePackRemainder", "phase-pack-remainder", "bool", "true",
           "Run a convolution's remainder output channels (at most half the "
           "array's columns) two output rows at a time where cheaper "
           "(=false: plain column tiles, as does npu.phase_pack = false on "
           "the module)">,
  ];
}

def NpuAssignTiles : Pass<"npu-assign-tiles", "mlir::ModuleOp"> {
  let summary = "Map every op of @main onto an NPU unit and choose its tiles";
  let description = [{
    The `tiled` phase. Annotates each op of `func.func @main` with
    `npu.unit`: "mac" (convolutions, transposed convolutions, matmuls),
    "vector" (elementwise ops, reductions, softmax, layer norm, pooling,
    depthwise convolutions), "dma" (transpose, slice, concat, resize) or
    "none" (constants and reshapes, which are DRAM placement only); and,
    where a cost model chooses them, `npu.tiles` in elements: `{oh, ow, m,
    c}` for convolutions (output rows, columns, output and input channels),
    `{oh, ow, c}` for depthwise convolutions, `{m, n, k}` for matmuls,
    `{oh, c}` for poolings; and `npu.fusion_group` on the ops emitted as
    one program (a convolution with the activations or elementwise run
    that only read its result; runs of elementwise ops of one shape).
    `npu-convert-to-isa` uses recorded tiles (after checking they fit the
    target) and groups; ops without them get the cost models' choice there.
    docs/codegen.md describes the cost models and fusion.
  }];
  let options = [
    Option<"targetName", "target", "std::string", "",
           "The NPU target (npu-v1, npu-v1-small, npu-v1-large); by default "
           "the module's npu.target, else npu-v1">,
  ];
}

def NpuPlanMemory : Pass<"npu-plan-memory", "mlir::ModuleOp"> {
  let summary = "Assign DRAM addresses to @main's tensors";
  let description = [{
    The `planned` phase. Graph inputs, then outputs, then constants (the
    executable's constant segment: convolution weights in the MAC array's
    order, average-pooling divisors), then one arena for intermediate
    values packed by liveness, greedy by size (TFLite's arena planner).
    Records byte offsets as `npu.dram` (argument, result and op
    attributes), `npu.weights_dram` and `npu.reciprocals_dram` (on the ops
    whose rearranged constants they place), and on the function
    `npu.dram_size`, `npu.arena_bytes` and `npu.arena_lower_bound` (the
    largest sum of bytes live at one point). `npu-convert-to-isa` follows
    a recorded plan.

    First it keeps intermediate values on chip where they fit (the first
    step of cascading; docs/codegen.md, "Values kept on chip"): a value
    whose bytes fit in the scratchpad above what every layer from its
    producer to its last reader uses (found by lowering a copy of the
    module) gets `npu.on_chip = OFFSET` and no DRAM; its stores and loads
    become copies inside the scratchpad. Values returned, read by a host
    op or alive across one stay in DRAM. Skipped when the module says
    `npu.keep_on_chip = false` (npu-compile --keep-on-chip=false) or some
    op already has `npu.on_chip` (a hand-made choice is followed).
  }];
  let dependentDialects = ["npu::npuisa::NpuIsaDialect"];
  let options = [
    Option<"targetName", "target", "std::string", "",
           "The NPU target (its DRAM address space bounds the plan); by "
           "default the module's npu.target, else npu-v1">,
    Option<"keepOnChip", "keep-on-chip", "bool", "true",
           "Keep intermediate values that fit in the scratchpad there "
           "(=false: every one in DRAM, as does npu.keep_on_chip = false on "
           "the module)">,
  ];
}

def NpuFormLayers : Pass<"npu-form-layers", "mlir::ModuleOp"> {
  let summary = "Put @main's ops into npu.layer ops: the schedule level";
  let description = [{
    The `scheduled` phase, after `planned`. Every op that runs code goes
    into an `npu.layer`: a recorded fusion group (a convolution with its
    epilogue, a run of elementwise ops) or one op; the layer carries the
    unit and the tiles (`#npu.tiles`) as typed attributes, replacing the
    tiled phase's `npu.unit`, `npu.tiles` and `npu.fusion_group`.
    Constants and reshapes (DRAM placement only) stay outside; the plan's
    `npu.dram` attributes stay on the ops. `npu-convert-to-isa` follows the
    layers: other tiles or a fused layer split in two change the code.
    docs/codegen.md describes the level.
  }];
  let dependentDialects = ["npu::NpuDialect"];
  let options = [
    Option<"targetName", "target", "std::string", "",
           "The NPU target; by default the module's npu.target, else npu-v1">,
  ];
}

def NpuAllocateScratchpad : Pass<"npu-allocate-scratchpad", "mlir::ModuleOp"> {
  let summary = "Record each npu.layer's scratchpad buffers (the schedule level)";
  let description = [{
    The second pass of the `scheduled` phase, after `npu-form-layers`:
    gives every `npu.layer` without one its `scratchpad` attribute, the
    named buffers (`#npu.buffer<"slab", offset = 0, bytes = 8448,
    copies = 2>`) its lowering asks for with the layer's tiles, laid out in
    request order from byte 0. It finds them by lowering a copy of the
    module, so the allocation is exactly what `npu-convert-to-isa` then
    uses. A layer that already has buffers keeps them (a hand-edited or a
    later pass's allocation is followed; delete the attribute to allocate
    again). docs/codegen.md, "The schedule level".
  }];
  let dependentDialects = ["npu::NpuDialect", "npu::npuisa::NpuIsaDialect"];
  let options = [
    Option<"targetName", "target", "std::string", "",
           "The NPU target; by default the module's npu.target, else npu-v1">,
  ];
}

#endif // NPU_CONVERSION_PASSES_TD
