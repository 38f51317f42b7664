//===- OnChip.cpp - values kept in the scratchpad between layers ---------===//
//
// The first step of cascading (docs/codegen.md, "Values kept on chip"): an
// intermediate value whose bytes fit in the scratchpad above what every
// layer from its producer to its last reader uses is held there instead of
// making a round trip through DRAM. npu-plan-memory chooses them
// (Codegen::keepOnChip) from the buffers each layer's lowering asks for
// (scratchpadHighWater); the plan gives them scratchpad addresses
// (kOnChipBase), and their loads and stores become local DMAs (ISA v9).
// Arm Vela places feature maps in SRAM the same way when they fit
// (ethos-u-vela, `tensor_allocation.py`: the SRAM feature-map allocator).
//
//===----------------------------------------------------------------------===//

#include "npu/Conversion/NpuToNpuIsa/Codegen.h"

using namespace mlir;
using namespace npu;

namespace {
/// The share of the scratchpad a layer that sizes its buffers by what it
/// is given keeps when values are kept on chip around it: a compiler
/// choice. Its tiles are at least half as large as with the whole
/// scratchpad (one more DMA command's latency per tile at most).
constexpr double kFlexibleShare = 0.5;
/// A slice's or concat's: a side kept on chip needs no tile buffer
/// (Codegen::emitMove copies straight into or out of it), and a copy from
/// DRAM to DRAM streams through what is left.
constexpr int64_t kFlexibleMoveBytes = 16384;
} // namespace

namespace npu::codegen {

FailureOr<llvm::DenseMap<Operation *, int64_t>>
scratchpadHighWater(ModuleOp module, func::FuncOp func,
                    const rt::TargetDesc &target) {
  // Quietly: a model the code generator refuses is refused with its message
  // by npu-convert-to-isa, not here.
  auto allocations =
      lowerCopyForScratchpad(module, func, target, /*quiet=*/true);
  if (failed(allocations))
    return failure();
  llvm::DenseMap<Operation *, int64_t> highWater;
  for (auto &[anchor, buffers] : *allocations) {
    int64_t end = 0;
    for (Attribute a : buffers)
      end = std::max(end, cast<ScratchpadBufferAttr>(a).getEnd());
    highWater[anchor] = end;
  }
  return highWater;
}

FailureOr<bool>
Codegen::keepOnChip(const llvm::DenseMap<Operation *, int64_t> &highWater,
                    bool shrinkFlexible) {
  if (failed(verifyFusionGroups()))
    return failure();
  Block &body = func.getBody().front();
  SmallVector<Operation *> ops;
  llvm::DenseMap<Operation *, int64_t> index;
  for (Operation &op : body) {
    index[&op] = int64_t(ops.size());
    ops.push_back(&op);
  }
  // (A fusion group runs as one layer: groupFront to groupBack.)
  // The scratchpad bytes in use at each op index: the high-water mark of
  // the layer running then. A layer with recorded tiles (a convolution,
  // matmul or pooling) keeps its buffers; one that sizes its buffers by the
  // scratchpad it is given (a vector program, data movement, a reduction:
  // layerScratchpad) can make do with kFlexibleShare of it. A host op is a
  // barrier: nothing stays on chip across the NPU's segments.
  const int64_t capacity = int64_t(target.scratchpadBytes);
  SmallVector<int64_t> used(ops.size(), 0), full(ops.size(), 0);
  for (Operation *op : ops) {
    if (!runsCode(op) || groupFront(op) != op)
      continue;
    int64_t hw = highWater.lookup(op), need = hw;
    if (isa<HostOp>(op))
      need = capacity;
    else if (shrinkFlexible && isa<SliceOp, ConcatOp>(op))
      need = std::min(hw, kFlexibleMoveBytes);
    else if (shrinkFlexible && !op->hasAttr("npu.tiles"))
      need = std::min(hw, alignUp(int64_t(capacity * kFlexibleShare)));
    for (int64_t t = index[op]; t <= index[groupBack(op)]; ++t) {
      full[t] = std::max(full[t], hw);
      used[t] = std::max(used[t], need);
    }
  }
  // Candidates: one-result NPU ops whose value every reader reads on the
  // NPU (through views, too), and which some later layer reads.
  struct Candidate {
    Operation *def;
    int64_t bytes, first, last, saved;
  };
  // The inputs and results of concats computed in place stay in DRAM:
  // their bytes are one buffer (planDram).
  llvm::DenseSet<Operation *> inPlace;
  for (auto concat : body.getOps<ConcatOp>())
    if (concatInPlace(concat)) {
      inPlace.insert(concat);
      for (Value in : concat.getInputs())
        inPlace.insert(in.getDefiningOp());
    }
  SmallVector<Candidate> candidates;
  for (Operation *op : ops) {
    if (!runsCode(op) || isa<HostOp>(op) || op->getNumResults() != 1 ||
        op->hasAttr("npu.on_chip") || inPlace.count(op))
      continue;
    Value result = op->getResult(0);
    if (isFusedInternal(result))
      continue;
    int64_t last = -1, readers = 0;
    bool onNpu = true;
    SmallVector<Value> values = {result};
    while (!values.empty() && onNpu) {
      Value v = values.pop_back_val();
      for (Operation *user : v.getUsers()) {
        if (isa<ViewLikeOpInterface>(user) && user->getNumResults() == 1) {
          values.push_back(user->getResult(0));
          last = std::max(last, index.lookup(user));
          continue;
        }
        if (!index.count(user) || !runsCode(user) ||
            isa<HostOp, func::ReturnOp>(user)) {
          onNpu = false;
          break;
        }
        last = std::max(last, index[groupBack(user)]);
        readers += groupFront(user) != groupFront(op);
      }
    }
    int64_t bytes = byteSize(result.getType());
    if (!onNpu || readers == 0 || bytes <= 0 || bytes > capacity)
      continue;
    // The DRAM bytes it saves: its store and at least one load per reader.
    candidates.push_back(
        {op, bytes, index[groupFront(op)], last, bytes * (1 + readers)});
  }
  // Greedy by bytes saved (program order among equals: stable), each at the
  // highest aligned offset above the layers' use that overlaps no value
  // chosen before and alive at the same time.
  llvm::stable_sort(candidates, [](const Candidate &a, const Candidate &b) {
    return a.saved > b.saved;
  });
  auto alignDown = [](int64_t v) { return v / kAlign * kAlign; };
  struct Placed {
    int64_t offset, bytes, first, last;
  };
  SmallVector<Placed> placed;
  bool shrinks = false;
  Builder b(func.getContext());
  for (const Candidate &c : candidates) {
    int64_t floor = 0;
    for (int64_t t = c.first; t <= c.last; ++t)
      floor = std::max(floor, used[t]);
    floor = alignUp(floor);
    auto alive = [&](const Placed &p) {
      return c.first <= p.last && p.first <= c.last;
    };
    SmallVector<int64_t> tries = {alignDown(capacity - c.bytes)};
    for (const Placed &p : placed)
      if (alive(p) && p.offset >= c.bytes)
        tries.push_back(alignDown(p.offset - c.bytes));
    llvm::sort(tries, std::greater<int64_t>());
    for (int64_t at : tries) {
      if (at < floor)
        break;
      if (llvm::any_of(placed, [&](const Placed &p) {
            return alive(p) && at < p.offset + p.bytes &&
                   p.offset < at + c.bytes;
          }))
        continue;
      placed.push_back({at, c.bytes, c.first, c.last});
      c.def->setAttr("npu.on_chip", b.getI64IntegerAttr(at));
      for (int64_t t = c.first; t <= c.last; ++t)
        shrinks |= full[t] > at;
      break;
    }
  }
  return shrinks;
}

int64_t Codegen::layerScratchpad(int64_t first, int64_t last) const {
  int64_t end = int64_t(target.scratchpadBytes);
  for (const OnChipValue &v : onChip)
    if (first <= v.last && v.first <= last)
      end = std::min(end, v.offset);
  return end;
}

} // namespace npu::codegen
