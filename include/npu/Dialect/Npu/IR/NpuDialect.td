//===- NpuDialect.td - npu dialect definition --------------*- tablegen -*-===//

#ifndef NPU_DIALECT_NPU_IR_NPUDIALECT_TD
#define NPU_DIALECT_NPU_IR_NPUDIALECT_TD

include "mlir/IR/OpBase.td"

def Npu_Dialect : Dialect {
  let name = "npu";
  let cppNamespace = "::npu";
  let summary = "Graph-level operations of the NPU compiler, on tensors";
  let description = [{
    The `npu` dialect is the graph level of the NPU compiler: the ONNX importer
    produces it, and fusion, quantization and tiling consume it. Ops have
    value (tensor) semantics and static shapes after import. It is a
    normalised subset of ONNX: each op has one canonical form (for example
    ONNX `Gemm` becomes `npu.matmul` plus `npu.add`, `Relu` and `Clip` become
    `npu.clamp`, `Split` becomes `npu.slice`s, `Flatten`/`Squeeze`/`Unsqueeze`
    become `npu.reshape`), with each ONNX opset's attribute/input variants
    resolved at import into attributes.

    Layout is ONNX's (NCHW activations, OIHW weights) at this level; the
    NPU's native layout is chosen by a later phase. Element types are any
    MLIR type, so MLIR `quant` dialect types flow through the same ops.
  }];
  let useDefaultAttributePrinterParser = 1;
  // The discardable attributes the phases record (npu.unit, npu.tiles,
  // npu.fusion_group, npu.dram, npu.target, ...) are verified wherever they
  // appear: see NpuDialect.cpp.
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let hasRegionResultAttrVerify = 1;
  let hasConstantMaterializer = 1;
  let hasCanonicalizer = 1;
  let dependentDialects = ["mlir::quant::QuantDialect"];
}

class Npu_Op<string mnemonic, list<Trait> traits = []>
    : Op<Npu_Dialect, mnemonic, traits>;

#endif // NPU_DIALECT_NPU_IR_NPUDIALECT_TD
