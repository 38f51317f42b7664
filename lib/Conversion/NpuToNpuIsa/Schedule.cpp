//===- Schedule.cpp - the schedule level (npu.layer) ---------------------===//
//
// npu-form-layers (the `scheduled` phase) puts every op that runs code into
// an npu.layer: the ops that share one tile loop (a fusion group recorded by
// the tiled phase, or one op), with the layer's unit and tiles as typed
// attributes; npu-allocate-scratchpad records the scratchpad buffers each
// layer's lowering asks for (Codegen::scratchpad). npu-convert-to-isa
// follows the layers (inlineLayers), so a hand-edited schedule changes the
// code. docs/codegen.md, "The schedule
// level", says what comes next at this level.
//
//===----------------------------------------------------------------------===//

#include "npu/Conversion/Passes.h"

#include "npu/Conversion/BackendModels.h"
#include "npu/Conversion/NpuToNpuIsa/Codegen.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/MapVector.h"

#include <optional>

namespace npu {
#define GEN_PASS_DEF_NPUFORMLAYERS
#define GEN_PASS_DEF_NPUALLOCATESCRATCHPAD
#include "npu/Conversion/Passes.h.inc"
} // namespace npu

using namespace mlir;
using namespace npu;

namespace npu::codegen {

void Codegen::beginScratchpad(Operation *anchor) {
  sp.anchor = anchor;
  sp.recorded =
      anchor ? anchor->getAttrOfType<ArrayAttr>("npu.scratchpad") : ArrayAttr();
  sp.buffers.clear();
  sp.cursor = sp.pass = 0;
  sp.failed = false;
}

void Codegen::beginScratchpadPass(bool newPass) {
  if (newPass && llvm::any_of(sp.buffers, [&](Attribute a) {
        return cast<ScratchpadBufferAttr>(a).getPass() == sp.pass;
      }))
    ++sp.pass;
  sp.cursor = 0;
}

int64_t packedBytes(ArrayRef<SpRequest> layout) {
  int64_t end = 0;
  for (const SpRequest &r : layout)
    if (r.bytes > 0 && r.copies > 0)
      end = alignUp(end) + r.bytes * r.copies;
  return end;
}

SpBuffer Codegen::scratchpad(StringRef name, int64_t bytes, int64_t copies) {
  if (bytes <= 0 || copies <= 0)
    return {sp.cursor, 0, 1};
  auto find = [&](ArrayRef<Attribute> list) -> ScratchpadBufferAttr {
    for (Attribute a : list) {
      auto buf = cast<ScratchpadBufferAttr>(a);
      if (buf.getName() == name && buf.getPass() == sp.pass)
        return buf;
    }
    return {};
  };
  auto refuse = [&]() {
    sp.failed = true;
    Operation *at = sp.anchor ? sp.anchor : func.getOperation();
    return at->emitError() << "backend: the layer's scratchpad buffer '" << name
                           << "' (pass " << sp.pass << ") ";
  };
  ScratchpadBufferAttr buf;
  if (sp.recorded) {
    buf = find(sp.recorded.getValue());
    if (!buf)
      refuse() << "is missing: its lowering needs " << copies << " x " << bytes
               << " bytes";
    else if (buf.getCopies() != copies || buf.getBytes() < bytes)
      refuse() << "holds " << buf.getCopies() << " x " << buf.getBytes()
               << " bytes; its lowering needs " << copies << " x " << bytes;
    if (sp.failed)
      return {alignUp(sp.cursor), bytes, copies}; // unused: the layer fails
  } else {
    buf = ScratchpadBufferAttr::get(b.getContext(), name, alignUp(sp.cursor),
                                    bytes, copies, sp.pass);
    // The same buffer asked for again in this pass (the next emitter of
    // the layer) must be the same buffer.
    if (auto before = find(sp.buffers)) {
      if (before != buf)
        refuse() << "is asked for twice with different layouts";
      buf = before;
    }
  }
  // The lowering's own fit checks keep packed buffers inside the
  // scratchpad; this is the last word on it.
  if (buf.getEnd() > int64_t(target.scratchpadBytes)) {
    refuse() << "ends at byte " << buf.getEnd() << ", beyond the target's "
             << target.scratchpadBytes << "-byte scratchpad";
    return {alignUp(sp.cursor), bytes, copies};
  }
  if (!find(sp.buffers))
    sp.buffers.push_back(buf);
  sp.cursor = std::max(sp.cursor, buf.getEnd());
  return {buf.getOffset(), buf.getBytes(), buf.getCopies()};
}

LogicalResult Codegen::endScratchpad() {
  // No buffer of the layer may lie where a value kept on chip is held
  // while the layer runs (a hand-edited allocation or plan).
  if (sp.anchor && !onChip.empty()) {
    int64_t first = opIndex.lookup(sp.anchor),
            last = opIndex.lookup(groupBack(sp.anchor));
    for (Attribute a : sp.buffers) {
      if (sp.failed)
        break; // one error per layer
      auto buf = cast<ScratchpadBufferAttr>(a);
      for (const OnChipValue &v : onChip)
        if (first <= v.last && v.first <= last &&
            buf.getOffset() < v.offset + v.bytes && v.offset < buf.getEnd()) {
          sp.failed = true;
          sp.anchor->emitError()
              << "backend: the layer's scratchpad buffer '" << buf.getName()
              << "' [" << buf.getOffset() << ", " << buf.getEnd()
              << ") overlaps a value kept on chip at [" << v.offset << ", "
              << v.offset + v.bytes << ")";
          break;
        }
    }
  }
  if (sp.anchor && !sp.buffers.empty())
    allocations.push_back({sp.anchor, b.getArrayAttr(sp.buffers)});
  sp.anchor = nullptr;
  return failure(sp.failed);
}

FailureOr<llvm::DenseMap<Operation *, ArrayAttr>>
lowerCopyForScratchpad(ModuleOp module, func::FuncOp func,
                       const rt::TargetDesc &target, bool quiet) {
  IRMapping mapping;
  OwningOpRef<ModuleOp> copy = cast<ModuleOp>(module->clone(mapping));
  auto copyFunc = cast<func::FuncOp>(mapping.lookup(func.getOperation()));
  // The copy's ops back to the originals (before inlining moves them).
  llvm::DenseMap<Operation *, Operation *> original;
  func.walk([&](Operation *op) { original[mapping.lookup(op)] = op; });
  std::optional<ScopedDiagnosticHandler> silence;
  if (quiet)
    silence.emplace(module.getContext(),
                    [](Diagnostic &) { return success(); });
  FailureOr<bool> scheduled = inlineLayers(copyFunc);
  if (failed(scheduled))
    return failure();
  Codegen codegen(*copy, copyFunc, target);
  codegen.followsSchedule = *scheduled;
  if (failed(codegen.run()))
    return failure();
  llvm::DenseMap<Operation *, ArrayAttr> byAnchor;
  for (auto [anchor, buffers] : codegen.scratchpadAllocations())
    if (Operation *op = original.lookup(anchor))
      byAnchor[op] = buffers;
  return byAnchor;
}

FailureOr<bool> inlineLayers(func::FuncOp func) {
  Block &body = func.getBody().front();
  Builder b(func.getContext());
  int64_t nextGroup = 0;
  bool inlined = false;
  for (Operation &op : llvm::make_early_inc_range(body)) {
    auto layer = dyn_cast<LayerOp>(op);
    if (!layer)
      continue;
    Block &inner = layer.getBody().front();
    Operation *anchor = &inner.front();
    auto backend = dyn_cast<BackendOpInterface>(anchor);
    if (backend && backend.getExecutionUnit() != layer.getUnit())
      return layer.emitOpError("puts '")
             << anchor->getName() << "' on the "
             << stringifyExecutionUnit(layer.getUnit())
             << " unit, but the backend runs it on the "
             << stringifyExecutionUnit(backend.getExecutionUnit()) << " unit";
    if (auto tiles = layer.getTilesAttr())
      anchor->setAttr("npu.tiles", tiles.toDictionary());
    if (auto buffers = layer.getScratchpadAttr())
      anchor->setAttr("npu.scratchpad", buffers);
    auto yield = cast<YieldOp>(inner.getTerminator());
    bool fused = inner.getOperations().size() > 2;
    for (Operation &member : inner.without_terminator())
      if (fused)
        member.setAttr("npu.fusion_group", b.getI64IntegerAttr(nextGroup));
    nextGroup += fused;
    layer.getResults().replaceAllUsesWith(yield.getValues());
    yield.erase();
    body.getOperations().splice(layer->getIterator(), inner.getOperations());
    layer.erase();
    inlined = true;
  }
  return inlined;
}

} // namespace npu::codegen

namespace {

using namespace npu::codegen;

struct NpuFormLayersPass
    : WithBackendModels<npu::impl::NpuFormLayersBase<NpuFormLayersPass>> {
  using WithBackendModels::WithBackendModels;
  void runOnOperation() override {
    auto [target, func] = targetAndMain(getOperation(), targetName);
    if (!target)
      return signalPassFailure();
    Block &body = func.getBody().front();
    // The recorded fusion groups (the tiled phase), checked; then the
    // groups, in program order of their first op.
    {
      Codegen codegen(getOperation(), func, *target);
      if (failed(codegen.verifyFusionGroups()))
        return signalPassFailure();
      codegen.recordFusionGroups(); // made here when none were recorded
    }
    llvm::MapVector<int64_t, SmallVector<Operation *>> groups;
    for (Operation &op : body)
      if (auto id = op.getAttrOfType<IntegerAttr>("npu.fusion_group"))
        groups[id.getInt()].push_back(&op);
    llvm::DenseSet<Operation *> done;
    OpBuilder b(&getContext());
    // The ops in their order before any moves (members move into layers).
    SmallVector<Operation *> ops;
    for (Operation &op : body)
      ops.push_back(&op);
    for (Operation *opPtr : ops) {
      Operation &op = *opPtr;
      if (done.count(&op) || isa<func::ReturnOp, LayerOp>(op))
        continue;
      auto backend = dyn_cast<BackendOpInterface>(&op);
      if (!backend) {
        emitUnsupported(&op);
        return signalPassFailure();
      }
      if (backend.getExecutionUnit() == ExecutionUnit::none)
        continue; // DRAM placement only: stays outside the layers
      SmallVector<Operation *> members = {&op};
      if (auto id = op.getAttrOfType<IntegerAttr>("npu.fusion_group"))
        members = groups[id.getInt()];
      llvm::SmallPtrSet<Operation *, 8> memberSet(members.begin(),
                                                  members.end());
      Operation *front = members.front();
      // Values the members read that are defined after the layer's place
      // (constants between fused ops) move before it.
      for (Operation *member : members)
        for (Value v : member->getOperands()) {
          Operation *def = v.getDefiningOp();
          if (!def || memberSet.count(def) || def->isBeforeInBlock(front))
            continue;
          if (!isa<ConstantOp>(def)) {
            def->emitError("backend: the layer of '")
                << front->getName()
                << "' reads this value, computed between its ops";
            return signalPassFailure();
          }
          def->moveBefore(front);
        }
      // The values later layers read.
      SmallVector<Value> escaping;
      for (Operation *member : members)
        for (Value r : member->getResults())
          if (llvm::any_of(r.getUsers(), [&](Operation *user) {
                return !memberSet.count(user);
              }))
            escaping.push_back(r);
      TilesAttr tiles;
      if (auto dict = front->getAttrOfType<DictionaryAttr>("npu.tiles")) {
        tiles = TilesAttr::fromDictionary(
            [&] { return front->emitError("backend: npu.tiles: "); }, dict);
        if (!tiles)
          return signalPassFailure();
      }
      b.setInsertionPoint(front);
      auto layer = LayerOp::create(
          b, front->getLoc(), ValueRange(escaping).getTypes(),
          // Named as the code generator names the layer: a convolution
          // with its epilogue after the convolution, a run after its last.
          b.getStringAttr(
              onnxNodeOf(leadsEpilogue(front) ? front : members.back()).first),
          backend.getExecutionUnit(), tiles, ArrayAttr());
      Block *inner = b.createBlock(&layer.getBody());
      for (Operation *member : members) {
        member->moveBefore(inner, inner->end());
        member->removeAttr("npu.fusion_group");
        member->removeAttr("npu.tiles");
        member->removeAttr("npu.unit");
        done.insert(member);
      }
      b.setInsertionPointToEnd(inner);
      YieldOp::create(b, front->getLoc(), escaping);
      for (auto [value, result] : llvm::zip(escaping, layer.getResults()))
        value.replaceUsesWithIf(result, [&](OpOperand &use) {
          return !layer->isAncestor(use.getOwner());
        });
    }
  }
};

struct NpuAllocateScratchpadPass
    : WithBackendModels<
          npu::impl::NpuAllocateScratchpadBase<NpuAllocateScratchpadPass>> {
  using WithBackendModels::WithBackendModels;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto [target, func] = targetAndMain(module, targetName);
    if (!target)
      return signalPassFailure();
    auto byAnchor = lowerCopyForScratchpad(module, func, *target);
    if (failed(byAnchor))
      return signalPassFailure();
    func.walk([&](LayerOp layer) {
      if (layer.getScratchpadAttr())
        return; // followed as it is
      Operation *anchor = &layer.getBody().front().front();
      if (ArrayAttr buffers = byAnchor->lookup(anchor))
        layer.setScratchpadAttr(buffers);
    });
  }
};

} // namespace
