//===- NpuBackendInterface.td - what the backend asks of an op -*- tablegen -*-===//
//
// One home per op: everything the code generator needs to know about an op
// (where it runs, whether it is legal on a target and why not, its tiles,
// how it is emitted) is one implementation of this interface, found by
// asking the op. The npu dialect declares it; the backend implements it for
// the npu ops as external models, one file per op family
// (lib/Conversion/NpuToNpuIsa/, registered by
// npu::registerBackendInterfaceModels), so the dialect stays free of backend
// code; a plugin implements it for its own ops the same way.
//
//===----------------------------------------------------------------------===//

#ifndef NPU_DIALECT_NPU_IR_NPUBACKENDINTERFACE_TD
#define NPU_DIALECT_NPU_IR_NPUBACKENDINTERFACE_TD

include "mlir/IR/OpBase.td"

def Npu_BackendOpInterface : OpInterface<"BackendOpInterface"> {
  let cppNamespace = "::npu";
  let description = [{
    What the NPU backend asks of an op of `func.func @main`:

    - `getExecutionUnit()`: the unit it runs on (`npu.unit` in the `tiled`
      phase): the MAC array, the vector unit, the DMA engines, or none
      (DRAM placement only: constants, reshapes).
    - `isLegalOn(target, reason)`: whether the code generator can compile
      this instance (its types, attributes, constant operands) for
      `target`; when not, `reason` is one line naming what is missing. An
      op without this interface is not compilable at all.
    - `supportsInt8()`: whether the backend runs this op with INT8
      operands; `npu-quantize` makes an op INT8 only when it does.
    - `getConstantTables(target, tables)`: the constant tables the op reads
      from DRAM besides its operands, each under a role (`requant`: INT8
      requantization parameters, `lut`: a lookup table, `reciprocals`: an
      average pooling's divisor map); the DRAM planner places each in the
      executable's constant segment and records it as `npu.<role>_dram` on
      the op, without knowing the op.
    - `chooseTiles(target, epilogue)`: the cost model's tile sizes in
      elements (`npu.tiles`), or null where tiles are chosen at emission by
      a fixed budget; `epilogue` lists the ops fused after it.
    - `emit(codegen, layer)`: appends its instructions, as layer `layer`, to
      the program being generated (npu::codegen::Codegen, whose helpers -
      DMA, vector steps, tiles, dependence tokens - every model shares).
  }];
  let methods = [
    InterfaceMethod<"The unit the op runs on.",
      "::npu::ExecutionUnit", "getExecutionUnit">,
    InterfaceMethod<[{
        Whether the backend runs the op with INT8 operands (on any target);
        `npu-quantize` quantizes only such ops.
      }],
      "bool", "supportsInt8", (ins), "", [{ return false; }]>,
    InterfaceMethod<[{
        Whether the backend can compile the op for `target`; otherwise sets
        `reason` (one line, no trailing period) and returns false.
      }],
      "bool", "isLegalOn",
      (ins "const ::npu::rt::TargetDesc &":$target, "std::string &":$reason),
      "", [{ return true; }]>,
    InterfaceMethod<[{
        Appends the op's constant tables for `target` to `tables`; an error
        on the op and failure when one cannot be made (a requantization
        multiplier out of range).
      }],
      "::llvm::LogicalResult", "getConstantTables",
      (ins "const ::npu::rt::TargetDesc &":$target,
           "::llvm::SmallVectorImpl<::npu::ConstantTable> &":$tables),
      "", [{ return ::mlir::success(); }]>,
    InterfaceMethod<[{
        The cost model's tiles (elements) for `target`, or null.
      }],
      "::mlir::DictionaryAttr", "chooseTiles",
      (ins "const ::npu::rt::TargetDesc &":$target,
           "::llvm::ArrayRef<::mlir::Operation *>":$epilogue),
      "", [{ return {}; }]>,
    InterfaceMethod<[{
        Emits the op's instructions as layer `layer`; an error on the op and
        failure when it cannot.
      }],
      "::llvm::LogicalResult", "emit",
      (ins "::npu::codegen::Codegen &":$codegen, "int64_t":$layer)>,
  ];
}

#endif // NPU_DIALECT_NPU_IR_NPUBACKENDINTERFACE_TD
