//===- Planning.cpp - the tiled and planned phases -----------------------===//
//
// npu-assign-tiles and npu-plan-memory record the code generator's
// decisions on the npu graph, so each phase can be printed, checked with
// FileCheck and edited before npu-convert-to-isa follows it.
//
//===----------------------------------------------------------------------===//

#include "npu/Conversion/Passes.h"

#include "npu/Conversion/BackendModels.h"
#include "npu/Conversion/NpuToNpuIsa/Codegen.h"

namespace npu {
#define GEN_PASS_DEF_NPUASSIGNTILES
#define GEN_PASS_DEF_NPUPLANMEMORY
#include "npu/Conversion/Passes.h.inc"
} // namespace npu

using namespace mlir;
using namespace npu;
using namespace npu::codegen;

namespace {} // namespace

bool npu::codegen::moduleFlagOn(Operation *op, StringRef name) {
  auto module = dyn_cast<ModuleOp>(op);
  if (!module)
    module = op->getParentOfType<ModuleOp>();
  auto flag = module ? module->getAttrOfType<BoolAttr>(name) : nullptr;
  return !flag || flag.getValue();
}

/// The module's target (see getOrSetModuleTarget) and @main; a null target
/// (and an error on the module) when either is missing.
std::pair<const rt::TargetDesc *, func::FuncOp>
npu::codegen::targetAndMain(ModuleOp module, StringRef targetOption) {
  FailureOr<TargetAttr> target = getOrSetModuleTarget(module, targetOption);
  if (failed(target))
    return {nullptr, nullptr};
  auto func = module.lookupSymbol<func::FuncOp>("main");
  if (!func) {
    module.emitError("no func.func @main to compile");
    return {nullptr, nullptr};
  }
  // Every value must be something DRAM can hold: a statically shaped tensor
  // of integers, floats or quantized integers (not index, complex, ...).
  auto storable = [](Type type) {
    auto t = dyn_cast<RankedTensorType>(type);
    if (!t || !t.hasStaticShape())
      return false;
    Type e = t.getElementType();
    if (auto q = dyn_cast<quant::QuantizedType>(e))
      e = q.getStorageType();
    return isa<IntegerType, FloatType>(e);
  };
  auto refuse = [&](Operation *op, Type type) {
    op->emitError("backend: a value of type ")
        << type
        << " cannot be compiled: the NPU holds statically shaped tensors of "
           "integers, floats and quantized integers only";
  };
  // ... and fits the target's DRAM on its own: checked before any backend
  // model derives tables from it (an average pooling's divisor map is as
  // large as its output), so no size from the model is allocated unchecked.
  const rt::TargetDesc &desc = target->getDesc();
  auto tooLarge = [&](Operation *op, Type type) {
    auto t = cast<RankedTensorType>(type);
    // Element counts were bounded at import (2^40 bytes); checked again
    // here for hand-written IR, in floating point so nothing wraps.
    double elements = 1;
    for (int64_t d : t.getShape())
      elements *= double(d);
    if (elements * double(elementBytes(t)) <= double(desc.maxDramBytes()))
      return false;
    op->emitError("backend: a value of type ")
        << type << " needs more than the target's " << desc.maxDramBytes()
        << " bytes of DRAM";
    return true;
  };
  for (BlockArgument arg : func.getArguments()) {
    if (!storable(arg.getType())) {
      refuse(func, arg.getType());
      return {nullptr, nullptr};
    }
    if (tooLarge(func, arg.getType()))
      return {nullptr, nullptr};
  }
  WalkResult walked = func.walk([&](Operation *op) {
    for (Type type : op->getResultTypes()) {
      if (!storable(type)) {
        refuse(op, type);
        return WalkResult::interrupt();
      }
      if (tooLarge(op, type))
        return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (walked.wasInterrupted())
    return {nullptr, nullptr};
  return {&target->getDesc(), func};
}

namespace {

struct NpuAssignTilesPass
    : WithBackendModels<npu::impl::NpuAssignTilesBase<NpuAssignTilesPass>> {
  using WithBackendModels::WithBackendModels;
  void runOnOperation() override {
    std::pair<const rt::TargetDesc *, func::FuncOp> found =
        targetAndMain(getOperation(), targetName);
    const rt::TargetDesc *target = found.first;
    func::FuncOp func = found.second;
    if (!target)
      return signalPassFailure();
    Builder b(&getContext());
    // Elementwise runs fused into one vector program each, or into the
    // convolution they follow (its epilogue, which needs scratchpad too).
    Codegen(getOperation(), func, *target).recordFusionGroups();
    llvm::DenseMap<int64_t, SmallVector<Operation *>> groups;
    func.walk([&](Operation *op) {
      if (auto id = op->getAttrOfType<IntegerAttr>("npu.fusion_group"))
        groups[id.getInt()].push_back(op);
    });
    WalkResult walked = func.walk([&](Operation *op) {
      if (op == func || isa<func::ReturnOp>(op))
        return WalkResult::advance();
      auto backend = dyn_cast<BackendOpInterface>(op);
      if (!backend) {
        emitUnsupported(op);
        return WalkResult::interrupt();
      }
      op->setAttr("npu.unit", b.getStringAttr(stringifyExecutionUnit(
                                  backend.getExecutionUnit())));
      ArrayRef<Operation *> epilogue;
      if (auto id = op->getAttrOfType<IntegerAttr>("npu.fusion_group"))
        if (groups[id.getInt()].front() == op)
          epilogue = ArrayRef(groups[id.getInt()]).drop_front();
      if (DictionaryAttr tiles = backend.chooseTiles(*target, epilogue))
        op->setAttr("npu.tiles", tiles);
      return WalkResult::advance();
    });
    if (walked.wasInterrupted())
      return signalPassFailure();
  }
};

/// An output of data-dependent shape is written in place by the host op
/// that makes it (planDram), so a value returned more than once (two equal
/// NonZero nodes that CSE merged) gets a copy of that host op per extra
/// output, placed just before the return.
void splitRepeatedDynamicOutputs(func::FuncOp func) {
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  llvm::DenseSet<Value> seen;
  OpBuilder b(ret);
  for (OpOperand &use : ret->getOpOperands()) {
    Value v = use.get();
    auto host = v.getDefiningOp<HostOp>();
    if (!host || !host.isDynamicResult(cast<OpResult>(v).getResultNumber()) ||
        seen.insert(v).second)
      continue;
    Operation *copy = b.clone(*host);
    use.set(copy->getResult(cast<OpResult>(v).getResultNumber()));
  }
}

struct NpuPlanMemoryPass
    : WithBackendModels<npu::impl::NpuPlanMemoryBase<NpuPlanMemoryPass>> {
  using WithBackendModels::WithBackendModels;
  void runOnOperation() override {
    auto [target, func] = targetAndMain(getOperation(), targetName);
    if (!target)
      return signalPassFailure();
    if (!func->hasAttr("npu.dram_size"))
      splitRepeatedDynamicOutputs(func);
    // Values kept on chip first (unless the plan or the choice is recorded,
    // or keep-on-chip=false, or npu-compile --keep-on-chip=false): the plan
    // gives them no DRAM.
    ModuleOp module = getOperation();
    bool chosen = func.walk([](Operation *op) {
                        return op->hasAttr("npu.on_chip")
                                   ? WalkResult::interrupt()
                                   : WalkResult::advance();
                      })
                      .wasInterrupted();
    if (keepOnChip && moduleFlagOn(module, "npu.keep_on_chip") && !chosen &&
        !func->hasAttr("npu.dram_size")) {
      // The layers must still lower around the chosen values; when one
      // that sizes its buffers by the scratchpad cannot shrink as assumed,
      // the choice is made again with every layer at its full size, and
      // failing that everything stays in DRAM.
      auto highWater = scratchpadHighWater(module, func, *target);
      for (bool shrink : {true, false}) {
        if (failed(highWater))
          break;
        FailureOr<bool> shrinks =
            Codegen(module, func, *target).keepOnChip(*highWater, shrink);
        if (failed(shrinks))
          return signalPassFailure();
        // No layer gave up scratchpad: nothing to check.
        if (!*shrinks || succeeded(scratchpadHighWater(module, func, *target)))
          break;
        func.walk([](Operation *op) { op->removeAttr("npu.on_chip"); });
      }
    }
    Codegen codegen(module, func, *target);
    if (failed(codegen.plan()))
      return signalPassFailure();
    codegen.recordPlan();
  }
};

} // namespace
