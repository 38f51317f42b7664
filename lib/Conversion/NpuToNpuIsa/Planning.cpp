//===- Planning.cpp - the tiled and planned phases -----------------------===//
//
// npu-assign-tiles and npu-plan-memory record the code generator's
// decisions on the npu graph, so each phase can be printed, checked with
// FileCheck and edited before npu-convert-to-isa follows it.
//
//===----------------------------------------------------------------------===//

#include "npu/Conversion/Passes.h"

#include "Codegen.h"

namespace npu {
#define GEN_PASS_DEF_NPUASSIGNTILES
#define GEN_PASS_DEF_NPUPLANMEMORY
#include "npu/Conversion/Passes.h.inc"
} // namespace npu

using namespace mlir;
using namespace npu;
using namespace npu::codegen;

namespace {

/// The unit an op runs on (see NpuAssignTiles's description).
StringRef unitOf(Operation *op) {
  if (isa<ConstantOp, ReshapeOp>(op))
    return "none";
  if (isa<TransposeOp, SliceOp, ConcatOp, ResizeOp, PadOp, GatherOp>(op))
    return "dma";
  if (auto conv = dyn_cast<ConvOp>(op)) {
    MacConv g;
    return convGeometry(conv, g) && isDepthwise(g) ? "vector" : "mac";
  }
  if (isa<ConvTransposeOp, MatMulOp>(op))
    return "mac";
  return "vector";
}

DictionaryAttr tilesAttr(Builder &b,
                         ArrayRef<std::pair<StringRef, int64_t>> values) {
  SmallVector<NamedAttribute> attrs;
  for (auto [key, value] : values)
    attrs.push_back(b.getNamedAttr(key, b.getI64IntegerAttr(value)));
  return b.getDictionaryAttr(attrs);
}

/// The cost model's tiles for `op`, or null where the code generator
/// chooses per pass (transposed convolutions) or tiles by a fixed budget.
DictionaryAttr chooseTiles(Builder &b, Operation *op,
                           const rt::TargetDesc &target,
                           ArrayRef<Operation *> epilogue) {
  if (auto conv = dyn_cast<ConvOp>(op)) {
    MacConv g;
    if (!convGeometry(conv, g))
      return nullptr;
    if (!noteEpilogue(g, conv.getResult(), epilogue))
      return nullptr;
    if (isDepthwise(g)) {
      ConvTiles t = chooseDepthwiseTiles(target, g);
      return t.c ? tilesAttr(b, {{"oh", t.oh}, {"ow", t.ow}, {"c", t.c}})
                 : nullptr;
    }
    ConvTiles t = chooseConvTiles(target, g);
    return t.m ? tilesAttr(b,
                           {{"oh", t.oh}, {"ow", t.ow}, {"m", t.m}, {"c", t.c}})
               : nullptr;
  }
  if (auto mm = dyn_cast<MatMulOp>(op)) {
    MatmulShape s = matmulShape(mm);
    if (s.m == 0 || s.n == 0 || s.k == 0)
      return nullptr;
    MatmulTiles t = chooseMatmulTiles(matmulTarget(mm, target), s.m, s.n, s.k);
    return t.m ? tilesAttr(b, {{"m", t.m}, {"n", t.n}, {"k", t.k}}) : nullptr;
  }
  if (isa<MaxPoolOp, AvgPoolOp>(op)) {
    std::optional<ConvGeometry> g = poolGeometry(op);
    if (!g)
      return nullptr;
    int64_t reserved = 0;
    if (std::optional<ElementsAttr> map = avgPoolReciprocals(op))
      reserved = alignUp(byteSize(map->getType()));
    auto [oh, c] = choosePoolTiles(target, *g, reserved);
    return oh ? tilesAttr(b, {{"oh", oh}, {"c", c}}) : nullptr;
  }
  return nullptr;
}

} // namespace

/// The module's target (see getOrSetModuleTarget) and @main; a null target
/// (and an error on the module) when either is missing.
std::pair<const rt::TargetDesc *, func::FuncOp>
npu::codegen::targetAndMain(ModuleOp module, StringRef targetOption) {
  FailureOr<TargetAttr> target = getOrSetModuleTarget(module, targetOption);
  if (failed(target))
    return {nullptr, nullptr};
  auto func = module.lookupSymbol<func::FuncOp>("main");
  if (!func)
    module.emitError("no func.func @main to compile");
  return {func ? &target->getDesc() : nullptr, func};
}

namespace {

struct NpuAssignTilesPass : npu::impl::NpuAssignTilesBase<NpuAssignTilesPass> {
  using Base::Base;
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
    func.walk([&](Operation *op) {
      if (op == func || isa<func::ReturnOp>(op))
        return;
      op->setAttr("npu.unit", b.getStringAttr(unitOf(op)));
      ArrayRef<Operation *> epilogue;
      if (auto id = op->getAttrOfType<IntegerAttr>("npu.fusion_group"))
        if (groups[id.getInt()].front() == op)
          epilogue = ArrayRef(groups[id.getInt()]).drop_front();
      if (DictionaryAttr tiles =
              chooseTiles(b, op, *target,
                          isa<ConvOp>(op) ? epilogue : ArrayRef<Operation *>()))
        op->setAttr("npu.tiles", tiles);
    });
  }
};

struct NpuPlanMemoryPass : npu::impl::NpuPlanMemoryBase<NpuPlanMemoryPass> {
  using Base::Base;
  void runOnOperation() override {
    auto [target, func] = targetAndMain(getOperation(), targetName);
    if (!target)
      return signalPassFailure();
    Codegen codegen(getOperation(), func, *target);
    if (failed(codegen.plan()))
      return signalPassFailure();
    codegen.recordPlan();
  }
};

} // namespace
