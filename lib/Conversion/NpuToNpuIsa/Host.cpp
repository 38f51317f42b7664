//===- Host.cpp - npu.host: ONNX nodes on the SoC's host CPU -------------===//
//
// A host op is a layer of its own that the host CPU runs with the runtime's
// host kernel (heterogeneous execution, docs/heterogeneous.md): the code
// generator emits an npu_isa.host, which ends the NPU segment before it,
// over the DRAM the plan gave its operands (dense, row-major, as every
// tensor in DRAM is).
//
//===----------------------------------------------------------------------===//

#include "npu/Conversion/NpuToNpuIsa/Codegen.h"

using namespace mlir;
using namespace npu;

namespace npu::codegen {

LogicalResult Codegen::emitHostOp(HostOp op, int64_t layer) {
  SmallVector<int64_t> inputDram, outputDram;
  SmallVector<Attribute> inputTypes, outputTypes;
  SmallVector<bool> dynamicInputs;
  for (Value in : op.getInputs()) {
    dynamicInputs.push_back(hasDataDependentShape(in));
    Buffer buf = bufferOf(in);
    if (buf.offset < 0)
      return op.emitError("backend: host op input has no DRAM buffer");
    inputDram.push_back(buf.offset);
    inputTypes.push_back(TypeAttr::get(in.getType()));
  }
  for (Value out : op.getOutputs()) {
    Buffer buf = bufferOf(out);
    if (buf.offset < 0)
      return op.emitError("backend: host op output has no DRAM buffer");
    outputDram.push_back(buf.offset);
    outputTypes.push_back(TypeAttr::get(out.getType()));
  }
  npuisa::HostOp::create(
      b, op.getLoc(), op.getOpTypeAttr(), op.getOpsetAttr(),
      op.getOnnxAttributesAttr(), op.getPresentAttr(),
      b.getDenseI64ArrayAttr(inputDram), b.getArrayAttr(inputTypes),
      b.getDenseI64ArrayAttr(outputDram), b.getArrayAttr(outputTypes),
      b.getI64IntegerAttr(layer), op.getDynamicShapesAttr(),
      llvm::is_contained(dynamicInputs, true)
          ? b.getDenseBoolArrayAttr(dynamicInputs)
          : DenseBoolArrayAttr());
  // The next NPU segment starts with empty queues: its first op waits for
  // no barrier token (the segment before drained at its own barrier).
  firstOp = true;
  return success();
}

namespace {
struct HostModel : BackendOpInterface::ExternalModel<HostModel, HostOp> {
  ExecutionUnit getExecutionUnit(Operation *) const {
    return ExecutionUnit::host;
  }
  bool isLegalOn(Operation *op, const rt::TargetDesc &,
                 std::string &reason) const {
    if (rt::lookupHostKernel(cast<HostOp>(op).getOpType()))
      return true;
    reason = "the host CPU has no kernel for it";
    return false;
  }
  LogicalResult emit(Operation *op, Codegen &codegen, int64_t layer) const {
    return codegen.emitHostOp(cast<HostOp>(op), layer);
  }
};
} // namespace

void registerHostModels(MLIRContext *context) {
  HostOp::attachInterface<HostModel>(*context);
}

} // namespace npu::codegen
