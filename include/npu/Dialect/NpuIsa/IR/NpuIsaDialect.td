//===- NpuIsaDialect.td - the NPU instruction-level dialect --*- tablegen -*-===//

#ifndef NPU_DIALECT_NPUISA_IR_NPUISADIALECT_TD
#define NPU_DIALECT_NPUISA_IR_NPUISADIALECT_TD

include "mlir/IR/OpBase.td"

def NpuIsa_Dialect : Dialect {
  let name = "npu_isa";
  let cppNamespace = "::npu::npuisa";
  let summary = "The NPU's instructions, one op per instruction";
  let description = [{
    The last level of the compiler before the `.npubin`: an `npu_isa.program`
    holds the executable's metadata (target, DRAM size, tensors, constant
    data, layers) and its instruction stream in program order, one op per
    instruction of `runtime/include/npu/runtime/Isa.def`. Descriptor fields
    (DMA boxes, matmul geometry, vector iteration spaces) are attributes of
    the instruction that uses them; the emitter deduplicates them into the
    executable's descriptor tables. docs/npu-architecture.md defines the
    semantics; lit tests FileCheck generated code at this level.
  }];
}

class NpuIsa_Op<string mnemonic, list<Trait> traits = []>
    : Op<NpuIsa_Dialect, mnemonic, traits>;

#endif // NPU_DIALECT_NPUISA_IR_NPUISADIALECT_TD
