//===- Timing.cpp - the NPU's cycle model, per instruction ---------------===//

#include "npu/runtime/Timing.h"

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <initializer_list>
#include <vector>

namespace npu::rt {

namespace {
uint64_t ceilDiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }
} // namespace

DmaRuns dmaRuns(uint64_t elemBytes, const std::array<uint64_t, 4> &sizes,
                const std::array<uint64_t, 4> &dramStrides) {
  for (uint64_t s : sizes)
    if (!s)
      return {0, 0};
  // Merge dimensions from the innermost while each one's stride continues
  // the run the dimensions inside it make (an extent of 1 continues any).
  uint64_t run = elemBytes;
  int i = 0;
  for (; i < 4; ++i) {
    if (sizes[i] != 1 && dramStrides[i] != run)
      break;
    if (run > UINT64_MAX / sizes[i])
      break; // a run this long is never one the loader lets through
    run *= sizes[i];
  }
  uint64_t runs = 1;
  for (int j = i; j < 4; ++j)
    runs *= sizes[j]; // at most 65535^4 < 2^64
  return {runs, run};
}

uint64_t dmaCommandCycles(const TargetDesc &t, const bin::DmaDesc &d,
                          bool local) {
  auto cycles = local ? localDmaCycles : dmaCycles;
  std::array<uint64_t, 4> sizes, strides;
  for (int i = 0; i < 4; ++i) {
    sizes[i] = d.sizes()->Get(i);
    strides[i] = d.dram_strides()->Get(i);
  }
  DmaRuns r = dmaRuns(d.elem_bytes(), sizes, strides);
  return cycles(t, 1, r.runs, r.runBytes);
}

uint64_t dmaExpandCycles(const TargetDesc &t, uint64_t bytes) {
  return dmaCycles(t, 1, 1, bytes);
}

uint64_t dmaExpandElemCycles(const TargetDesc &t, uint64_t bytes,
                             uint64_t boxBytes) {
  return dmaCycles(t, 1, 1, std::max(bytes, boxBytes));
}

uint64_t dmaCycles(const TargetDesc &t, uint64_t commands, uint64_t runs,
                   uint64_t runBytes) {
  return commands * t.dramLatencyCycles +
         runs * ceilDiv(runBytes, t.dramBytesPerCycle);
}

uint64_t localDmaCycles(const TargetDesc &t, uint64_t commands, uint64_t runs,
                        uint64_t runBytes) {
  return commands * t.localDmaLatencyCycles +
         runs * ceilDiv(runBytes, t.localDmaBytesPerCycle);
}

uint64_t matmulCycles(const TargetDesc &t, uint64_t rows, uint64_t weightTiles,
                      bool fp32) {
  uint64_t rowCycles = fp32 ? t.fp32RateDivisor : 1;
  return weightTiles * (t.arrayRows + rows * rowCycles) +
         (weightTiles ? t.arrayRows + t.arrayCols : 0);
}

uint64_t vectorCycles(const TargetDesc &t, uint64_t work, bool narrow,
                      bool transcendental) {
  uint64_t lanes = narrow ? t.vectorLanesInt8 : t.vectorLanes32;
  return t.vectorStartupCycles +
         ceilDiv(work, lanes) *
             (transcendental ? t.vectorTranscendentalCycles : 1);
}

uint64_t doubleBufferedCycles(const std::vector<TileStages> &tiles) {
  // End cycles of the last two tiles' stages (index i % 2).
  uint64_t loadEnd = 0, computeEnd[2] = {0, 0}, storeEnd[2] = {0, 0};
  uint64_t lastCompute = 0, lastStore = 0;
  for (size_t i = 0; i < tiles.size(); ++i) {
    size_t k = i % 2; // tile i-2's slot
    loadEnd = std::max(loadEnd, computeEnd[k]) + tiles[i].load;
    uint64_t c =
        std::max({loadEnd, lastCompute, storeEnd[k]}) + tiles[i].compute;
    uint64_t s = std::max(c, lastStore) + tiles[i].store;
    computeEnd[k] = lastCompute = c;
    storeEnd[k] = lastStore = s;
  }
  return lastStore;
}

uint64_t poolDotCycles(const TargetDesc &t, uint64_t outputs, uint64_t window) {
  // In 128 bits, saturated: four 16-bit dims times a 32-bit window need 96
  // (a hostile descriptor's estimate; the emulator's step budget refuses
  // such an instruction).
  auto groups = [](unsigned __int128 work, uint64_t lanes) {
    return (work + lanes - 1) / lanes;
  };
  unsigned __int128 cycles =
      t.vectorStartupCycles +
      std::max(groups((unsigned __int128)outputs * window, t.vectorLanesInt8),
               groups(outputs, t.vectorLanes32));
  return uint64_t(std::min<unsigned __int128>(cycles, UINT64_MAX));
}

bool isRescale(Opcode op, unsigned func) {
  return op == Opcode::VecBinary && (func == vecfunc::VecBinary_AddRescale ||
                                     func == vecfunc::VecBinary_MulRescale);
}

bool isTranscendental(Opcode op, unsigned func) {
  // Comparisons, logic and select (ISA v4) are single-cycle lane operations,
  // as are the reductions: an argmax/argmin lane (ISA v5) compares, then
  // moves the value and its index under the same mask, as RISC-V V's
  // vmflt + two vmerge would, with the index an incrementing lane counter;
  // modelled at a max's one cycle per lane group (vectorCycles).
  if (op == Opcode::VecBinary)
    return func == vecfunc::VecBinary_Div || func == vecfunc::VecBinary_Pow;
  if (op == Opcode::VecUnary)
    switch (func) {
    case vecfunc::VecUnary_Copy:
    case vecfunc::VecUnary_AffineClamp:
    case vecfunc::VecUnary_LeakyRelu:
    case vecfunc::VecUnary_HardSwish:
    case vecfunc::VecUnary_HardSwishAffine:
    case vecfunc::VecUnary_Abs:
    case vecfunc::VecUnary_Floor:
    case vecfunc::VecUnary_Ceil:
    case vecfunc::VecUnary_Round:
    case vecfunc::VecUnary_Sign:
    case vecfunc::VecUnary_ThresholdedRelu:
    case vecfunc::VecUnary_Shrink:
    case vecfunc::VecUnary_Not:
      return false;
    default: // exp, log, trigonometric, division-based, ...
      return true;
    }
  return false;
}

Unit unitOf(Opcode op) {
  switch (op) {
  case Opcode::DmaLoad:
  case Opcode::DmaExpand:
  case Opcode::DmaExpandElem:
    return Unit::DmaLoad;
  case Opcode::DmaStore:
    return Unit::DmaStore;
  case Opcode::Matmul:
    return Unit::Mac;
  case Opcode::Sync:
  case Opcode::End:
    return Unit::None;
  default:
    return Unit::Vector;
  }
}

namespace {
/// A matmul's cycles with the weight tiles `present(w, tiles)` says its W
/// at `w` has present of `tiles` (every one for a dense matmul); 0 with an
/// empty dimension.
template <typename PresentFn>
uint64_t matmulInstructionCycles(const Executable &exe, const Instruction &insn,
                                 PresentFn present) {
  const TargetDesc &t = exe.target();
  const bin::MatmulDesc &d = exe.matmul(insn.get(FieldId::Matmul_Desc));
  uint64_t rows = uint64_t(d.m_outer()) * d.m_inner();
  if (rows == 0 || d.k() == 0 || d.n() == 0)
    return 0;
  uint64_t tiles = ceilDiv(d.k(), t.arrayRows) * ceilDiv(d.n(), t.arrayCols);
  return matmulCycles(t, rows, present(insn.get(FieldId::Matmul_W), tiles),
                      insn.get(FieldId::Matmul_Fp32));
}
} // namespace

uint64_t staticInstructionCycles(const Executable &exe,
                                 const Instruction &insn) {
  const TargetDesc &t = exe.target();
  switch (insn.opcode()) {
  case Opcode::DmaLoad:
    return dmaCommandCycles(t, exe.dma(insn.get(FieldId::DmaLoad_Desc)),
                            insn.get(FieldId::DmaLoad_Local));
  case Opcode::DmaStore:
    return dmaCommandCycles(t, exe.dma(insn.get(FieldId::DmaStore_Desc)),
                            insn.get(FieldId::DmaStore_Local));
  case Opcode::DmaExpand:
    return dmaExpandCycles(t, insn.get(FieldId::DmaExpand_Bytes));
  case Opcode::DmaExpandElem: {
    const bin::DmaDesc &d = exe.dma(insn.get(FieldId::DmaExpandElem_Desc));
    uint64_t box = d.elem_bytes();
    for (int i = 0; i < 4; ++i)
      box *= d.sizes()->Get(i); // the loader bounds it by the scratchpad
    return dmaExpandElemCycles(t, insn.get(FieldId::DmaExpandElem_Bytes), box);
  }
  case Opcode::Matmul:
    return matmulInstructionCycles(
        exe, insn, [](uint64_t, uint64_t tiles) { return tiles; });
  case Opcode::Sync:
  case Opcode::End:
    return 0;
  default: { // vector: every vec.* has Desc and Func where vec.binary does
    const bin::VectorDesc &d = exe.vector(insn.get(FieldId::VecBinary_Desc));
    uint64_t work = 1;
    for (int i = 0; i < 4; ++i)
      work *= d.dims()->Get(i);
    unsigned func = unsigned(insn.get(FieldId::VecBinary_Func));
    if (insn.opcode() == Opcode::VecPool) {
      uint64_t window = uint64_t(d.window()->Get(0)) * d.window()->Get(1);
      if (func == vecfunc::VecPool_Dot)
        return poolDotCycles(t, work, window);
      work *= window;
    }
    // INT8 in and out runs in the narrow lanes, but for the rescaling
    // functions, whose arithmetic is 32-bit (Isa.def, ISA v13).
    bool narrow = elementBytes(d.src0_type()) == 1 &&
                  elementBytes(d.dst_type()) == 1 &&
                  !isRescale(insn.opcode(), func);
    return vectorCycles(t, work, narrow, isTranscendental(insn.opcode(), func));
  }
  }
}

uint64_t instructionSteps(const Executable &exe, const Instruction &insn) {
  // Products of at most five 16-bit factors (< 2^80): saturate at 2^64 - 1.
  auto product = [](std::initializer_list<uint64_t> factors) {
    unsigned __int128 p = 1;
    for (uint64_t f : factors)
      p = std::min<unsigned __int128>(p * f, UINT64_MAX);
    return uint64_t(p);
  };
  switch (insn.opcode()) {
  case Opcode::DmaLoad:
  case Opcode::DmaStore: {
    const bin::DmaDesc &d = exe.dma(insn.get(insn.opcode() == Opcode::DmaLoad
                                                 ? FieldId::DmaLoad_Desc
                                                 : FieldId::DmaStore_Desc));
    uint64_t extent[4];
    for (int i = 0; i < 4; ++i)
      extent[i] = uint64_t(d.sizes()->Get(i)) + d.pad_before()->Get(i) +
                  d.pad_after()->Get(i);
    return product({extent[0], extent[1], extent[2], extent[3]});
  }
  case Opcode::DmaExpand:
  case Opcode::DmaExpandElem: { // every box element is written
    const bin::DmaDesc &d = exe.dma(insn.get(FieldId::DmaExpand_Desc));
    return product({d.sizes()->Get(0), d.sizes()->Get(1), d.sizes()->Get(2),
                    d.sizes()->Get(3)});
  }
  case Opcode::Matmul: {
    const bin::MatmulDesc &d = exe.matmul(insn.get(FieldId::Matmul_Desc));
    return product({d.m_outer(), d.m_inner(), d.k(), d.n()});
  }
  case Opcode::Sync:
  case Opcode::End:
    return 0;
  default: {
    const bin::VectorDesc &d = exe.vector(insn.get(FieldId::VecBinary_Desc));
    bool pool = insn.opcode() == Opcode::VecPool;
    return product({d.dims()->Get(0), d.dims()->Get(1), d.dims()->Get(2),
                    d.dims()->Get(3), pool ? d.window()->Get(0) : 1u,
                    pool ? d.window()->Get(1) : 1u});
  }
  }
}

uint64_t programSteps(const Executable &exe) {
  uint64_t total = 0;
  for (const Instruction &insn : exe.instructions()) {
    uint64_t steps = instructionSteps(exe, insn);
    total = steps > UINT64_MAX - total ? UINT64_MAX : total + steps;
  }
  return total;
}

uint64_t defaultStepBudget(const Executable &exe) {
  // The count is capped at 2^40 (no file holds more) so the product stays
  // below 2^60.
  uint64_t n = exe.instructions().size();
  return std::max(kMinStepBudget, std::min<uint64_t>(n, uint64_t(1) << 40) *
                                      kStepsPerInstruction);
}

namespace {
// Token channels of a queue's pops and pushes (see QueueScheduler::tokens_):
// load pops next from compute (1) and pushes next to compute (0); compute
// pops prev from load (0) and next from store (3), pushes prev to load (1)
// and next to store (2); store pops prev from compute (2) and pushes prev
// to compute (3). -1: the queue has no neighbour on that side.
int popChannel(unsigned q, bool prev) {
  if (q == 0)
    return prev ? -1 : 1;
  if (q == 1)
    return prev ? 0 : 3;
  return prev ? 2 : -1;
}
int pushChannel(unsigned q, bool prev) {
  if (q == 0)
    return prev ? -1 : 0;
  if (q == 1)
    return prev ? 1 : 2;
  return prev ? 3 : -1;
}
const char *const kQueueNames[] = {"load", "compute", "store"};
} // namespace

QueueScheduler::QueueScheduler(const std::vector<Instruction> &insns,
                               size_t begin, size_t end, uint64_t startCycle)
    : insns_(insns), makespan_(startCycle) {
  end = std::min(end, insns.size());
  for (uint32_t pc = uint32_t(begin); pc < end; ++pc)
    if (insns[pc].opcode() != Opcode::End)
      queue_[unsigned(queueOf(insns[pc]))].push_back(pc);
  for (uint64_t &t : queueReady_)
    t = startCycle;
  for (uint64_t &t : unitFree_)
    t = startCycle;
}

bool QueueScheduler::next(uint32_t &pc, uint64_t &start, std::string &error) {
  int best = -1;
  uint64_t bestStart = 0;
  bool anyLeft = false;
  for (unsigned q = 0; q < kNumQueues; ++q) {
    if (head_[q] >= queue_[q].size())
      continue;
    anyLeft = true;
    const Instruction &insn = insns_[queue_[q][head_[q]]];
    uint64_t at = queueReady_[q];
    bool ready = true;
    for (bool prev : {true, false}) {
      if (!insn.get(prev ? FieldId::PopPrev : FieldId::PopNext))
        continue;
      int ch = popChannel(q, prev);
      if (ch < 0 || tokenHead_[ch] >= tokens_[ch].size()) {
        ready = false;
        break;
      }
      at = std::max(at, tokens_[ch][tokenHead_[ch]]);
    }
    if (!ready)
      continue;
    Unit unit = unitOf(insn.opcode());
    if (unit != Unit::None)
      at = std::max(at, unitFree_[unsigned(unit)]);
    if (best < 0 || at < bestStart) {
      best = int(q);
      bestStart = at;
    }
  }
  if (!anyLeft)
    return false;
  if (best < 0) {
    error = "deadlock: every queue waits for a dependence token (";
    bool first = true;
    for (unsigned q = 0; q < kNumQueues; ++q) {
      if (head_[q] >= queue_[q].size())
        continue;
      error += std::string(first ? "" : ", ") + kQueueNames[q] + " at pc " +
               std::to_string(queue_[q][head_[q]]);
      first = false;
    }
    error += ")";
    return false;
  }
  issued_ = best;
  issuedStart_ = bestStart;
  pc = queue_[best][head_[best]];
  start = bestStart;
  return true;
}

uint64_t QueueScheduler::retire(uint64_t cycles) {
  unsigned q = unsigned(issued_);
  const Instruction &insn = insns_[queue_[q][head_[q]++]];
  issued_ = -1;
  for (bool prev : {true, false})
    if (insn.get(prev ? FieldId::PopPrev : FieldId::PopNext))
      ++tokenHead_[popChannel(q, prev)];
  uint64_t end = issuedStart_ + cycles;
  queueReady_[q] = end;
  Unit unit = unitOf(insn.opcode());
  if (unit != Unit::None)
    unitFree_[unsigned(unit)] = end;
  makespan_ = std::max(makespan_, end);
  for (bool prev : {true, false})
    if (insn.get(prev ? FieldId::PushPrev : FieldId::PushNext))
      tokens_[pushChannel(q, prev)].push_back(end);
  return end;
}

uint64_t hostOpCycles(const TargetDesc &t, const HostWork &work, uint64_t bytes,
                      uint64_t &instructions, bool handoff) {
  uint64_t lanes = std::max<uint64_t>(
      1, t.host.simdBytesPerCycle / std::max<uint32_t>(work.laneBytes, 1));
  instructions = ceilDiv(work.vectorOps, lanes) + work.scalarOps;
  return (handoff ? t.host.callOverheadCycles : 0) +
         std::max(instructions, ceilDiv(bytes, t.host.dramBytesPerCycle));
}

uint64_t hostToNpuCycles(const TargetDesc &t, uint64_t hostCycles) {
  // 128-bit product: cycles up to 2^64 times a clock up to 2^64 Hz.
  unsigned __int128 npu = (unsigned __int128)hostCycles * t.clockHz;
  return uint64_t((npu + t.host.clockHz - 1) / t.host.clockHz);
}

HostWork estimateHostWork(const HostOpSpec &op) {
  HostWork work;
  work.laneBytes = 1;
  for (const auto *list : {&op.inputs, &op.outputs})
    for (const HostOpSpec::Operand &o : *list) {
      if (!o.present)
        continue;
      work.vectorOps =
          std::max(work.vectorOps, o.sizeBytes / elementBytes(o.type));
      work.laneBytes = std::max(work.laneBytes, elementBytes(o.type));
    }
  return work;
}

uint64_t hostOpBytes(const HostOpSpec &op) {
  uint64_t bytes = 0;
  for (const auto *list : {&op.inputs, &op.outputs})
    for (const HostOpSpec::Operand &o : *list)
      if (o.present)
        bytes += o.sizeBytes;
  return bytes;
}

void SegmentTimeline::split(uint64_t at) {
  auto it = cells_.upper_bound(at);
  --it; // cells_ always holds key 0
  if (it->first != at)
    cells_.emplace_hint(std::next(it), at, it->second);
}

uint64_t SegmentTimeline::earliestStart(const SegmentSpec &seg) const {
  uint64_t start = deviceFree_[seg.isHost() ? 1 : 0];
  for (bool write : {false, true})
    for (const DramRange &r : write ? seg.writes : seg.reads) {
      auto it = std::prev(cells_.upper_bound(r.begin));
      for (; it != cells_.end() && it->first < r.end; ++it)
        start = std::max(
            start, write ? std::max(it->second.writeEnd, it->second.readEnd)
                         : it->second.writeEnd);
    }
  return start;
}

void SegmentTimeline::finish(const SegmentSpec &seg, uint64_t end) {
  uint64_t &free = deviceFree_[seg.isHost() ? 1 : 0];
  free = std::max(free, end);
  makespan_ = std::max(makespan_, end);
  for (bool write : {false, true})
    for (const DramRange &r : write ? seg.writes : seg.reads) {
      split(r.begin);
      split(r.end);
      for (auto it = cells_.find(r.begin);
           it != cells_.end() && it->first < r.end; ++it) {
        uint64_t &t = write ? it->second.writeEnd : it->second.readEnd;
        t = std::max(t, end);
      }
    }
}

namespace {
/// The scratchpad bytes a program loaded from the executable's constant
/// segment, as far as its DMA commands show: what a block-sparse matmul's
/// mask is (the compiler loads each block image from the constants right
/// before the matmuls that read it), so that the static schedule costs the
/// present weight tiles as the emulator does. A load from DRAM outside the
/// constants, or a local store, makes its destination's extent unknown;
/// vector and matmul writes are not followed (a mask they overwrote would be
/// read stale: no compiled program reads a mask it did not load).
class ConstantShadow {
public:
  explicit ConstantShadow(const Executable &exe)
      : exe_(exe), bytes_(exe.target().scratchpadBytes),
        known_(exe.target().scratchpadBytes, 0) {}

  /// Follows a dma.load, local dma.store or dma.expand (other opcodes: no-op).
  void follow(const Instruction &insn) {
    switch (insn.opcode()) {
    case Opcode::DmaLoad:
      load(exe_.dma(insn.get(FieldId::DmaLoad_Desc)),
           insn.get(FieldId::DmaLoad_Sram), insn.get(FieldId::DmaLoad_Dram),
           insn.get(FieldId::DmaLoad_Local));
      return;
    case Opcode::DmaStore:
      if (insn.get(FieldId::DmaStore_Local))
        forget(box(exe_.dma(insn.get(FieldId::DmaStore_Desc)),
                   insn.get(FieldId::DmaStore_Dram), /*sramSide=*/false));
      return;
    case Opcode::DmaExpand:
    case Opcode::DmaExpandElem: {
      const bin::DmaDesc &d =
          exe_.dma(insn.opcode() == Opcode::DmaExpand
                       ? insn.get(FieldId::DmaExpand_Desc)
                       : insn.get(FieldId::DmaExpandElem_Desc));
      forget(box(d,
                 insn.opcode() == Opcode::DmaExpand
                     ? insn.get(FieldId::DmaExpand_Sram)
                     : insn.get(FieldId::DmaExpandElem_Sram),
                 /*sramSide=*/true));
      return;
    }
    default:
      return;
    }
  }

  /// The present weight tiles of a block-sparse matmul whose W is at `w`
  /// with `tiles` tiles, from its mask if every mask byte is known; else
  /// `tiles` (all present).
  uint64_t presentTiles(uint64_t w, uint64_t tiles) const {
    uint64_t maskBytes = sparseMaskBytes(tiles);
    if (w > known_.size() || maskBytes > known_.size() - w)
      return tiles;
    for (uint64_t i = 0; i < (tiles + 7) / 8; ++i)
      if (!known_[w + i])
        return tiles;
    uint64_t present = 0;
    for (uint64_t b = 0; b < tiles; ++b)
      present += (bytes_[w + b / 8] >> (b % 8)) & 1;
    return present;
  }

private:
  struct Box {
    int64_t size[4], padded[4], before[4], dstr[4], sstr[4], eb;
    int64_t lo = 0, hi = 0; ///< Byte extent on the side asked for.
    bool valid = false;
  };
  /// `d`'s box with its extent on the scratchpad side (padded box at
  /// `at`) or on the DRAM side (interior at `at`, DRAM strides).
  static Box box(const bin::DmaDesc &d, int64_t at, bool sramSide) {
    Box b;
    b.eb = d.elem_bytes();
    int64_t extent = 0;
    for (int i = 0; i < 4; ++i) {
      b.size[i] = d.sizes()->Get(i);
      b.before[i] = d.pad_before()->Get(i);
      b.padded[i] = b.size[i] + b.before[i] + d.pad_after()->Get(i);
      b.dstr[i] = d.dram_strides()->Get(i);
      b.sstr[i] = d.sram_strides()->Get(i);
      int64_t n = sramSide ? b.padded[i] : b.size[i];
      if (n == 0)
        return b; // empty: writes nothing
      extent += (n - 1) * (sramSide ? b.sstr[i] : b.dstr[i]);
    }
    b.lo = at;
    b.hi = at + extent + b.eb;
    b.valid = true;
    return b;
  }
  void forget(const Box &b) {
    if (!b.valid)
      return;
    int64_t lo = std::max<int64_t>(b.lo, 0),
            hi = std::min<int64_t>(b.hi, int64_t(known_.size()));
    if (lo < hi)
      std::fill(known_.begin() + lo, known_.begin() + hi, 0);
  }
  void load(const bin::DmaDesc &d, int64_t sram, int64_t src, bool local) {
    Box dst = box(d, sram, /*sramSide=*/true);
    if (!dst.valid)
      return;
    Box from = box(d, src, /*sramSide=*/false);
    int64_t n = int64_t(known_.size());
    if (dst.lo < 0 || dst.hi > n)
      return; // the emulator refuses it
    // A box of more elements than its extent has bytes for (it revisits
    // bytes: a zero stride, which no compiled program's load has) is not
    // followed, so the work per load stays bounded by the scratchpad.
    int64_t elements = 1;
    for (int i = 0; i < 4 && elements <= n; ++i)
      elements *= dst.padded[i];
    if (elements * dst.eb > dst.hi - dst.lo)
      return forget(dst);
    // Where the source bytes are: the constants (known), the scratchpad
    // (a local load: as known as they are) or other DRAM (unknown).
    const uint8_t *srcBytes = nullptr;
    const uint8_t *srcKnown = nullptr;
    int64_t base = 0;
    if (local) {
      if (from.valid && (from.lo < 0 || from.hi > n ||
                         (from.lo < dst.hi && dst.lo < from.hi)))
        return forget(dst);
      srcBytes = bytes_.data();
      srcKnown = known_.data();
    } else {
      int64_t begin = exe_.constantsOffset(),
              end = begin + int64_t(exe_.constantsSize());
      if (from.valid && (from.lo < begin || from.hi > end))
        return forget(dst);
      srcBytes = exe_.constants();
      base = begin;
    }
    int64_t eb = dst.eb;
    uint8_t pad[4];
    for (int b = 0; b < 4; ++b)
      pad[b] = uint8_t(d.pad_value() >> (8 * b));
    for (int64_t i3 = 0; i3 < dst.padded[3]; ++i3)
      for (int64_t i2 = 0; i2 < dst.padded[2]; ++i2)
        for (int64_t i1 = 0; i1 < dst.padded[1]; ++i1) {
          int64_t row =
              sram + i3 * dst.sstr[3] + i2 * dst.sstr[2] + i1 * dst.sstr[1];
          int64_t j3 = i3 - dst.before[3], j2 = i2 - dst.before[2],
                  j1 = i1 - dst.before[1];
          bool inside = j3 >= 0 && j3 < dst.size[3] && j2 >= 0 &&
                        j2 < dst.size[2] && j1 >= 0 && j1 < dst.size[1];
          int64_t srcRow =
              src + j3 * dst.dstr[3] + j2 * dst.dstr[2] + j1 * dst.dstr[1];
          if (inside && dst.before[0] == 0 && dst.padded[0] == dst.size[0] &&
              dst.sstr[0] == eb && dst.dstr[0] == eb) {
            // A dense row: one copy.
            int64_t bytes = dst.size[0] * eb, from0 = srcRow - base;
            std::copy(srcBytes + from0, srcBytes + from0 + bytes,
                      bytes_.begin() + row);
            if (srcKnown)
              std::copy(srcKnown + from0, srcKnown + from0 + bytes,
                        known_.begin() + row);
            else
              std::fill(known_.begin() + row, known_.begin() + row + bytes, 1);
            continue;
          }
          for (int64_t i0 = 0; i0 < dst.padded[0]; ++i0) {
            int64_t at = row + i0 * dst.sstr[0], j0 = i0 - dst.before[0];
            if (!inside || j0 < 0 || j0 >= dst.size[0]) {
              std::copy(pad, pad + eb, bytes_.begin() + at);
              std::fill(known_.begin() + at, known_.begin() + at + eb, 1);
              continue;
            }
            int64_t from0 = srcRow + j0 * dst.dstr[0] - base;
            for (int64_t k = 0; k < eb; ++k) {
              bytes_[at + k] = srcBytes[from0 + k];
              known_[at + k] = srcKnown ? srcKnown[from0 + k] : 1;
            }
          }
        }
  }

  const Executable &exe_;
  std::vector<uint8_t> bytes_, known_;
};
} // namespace

bool scheduleStatically(const Executable &exe, StaticSchedule &schedule,
                        std::string &error, uint64_t maxInstructions) {
  const std::vector<Instruction> &insns = exe.instructions();
  schedule = StaticSchedule();
  schedule.layers.assign(exe.layers().size(), StaticSchedule::Layer());
  schedule.instructionCycles.assign(insns.size(), 0);
  auto account = [&](uint32_t layer, uint64_t cycles, uint64_t start,
                     uint64_t end) {
    if (layer >= schedule.layers.size())
      return;
    StaticSchedule::Layer &l = schedule.layers[layer];
    l.cycles += cycles;
    widenSpan(l.start, l.end, l.spanned, start, end);
  };
  SegmentTimeline timeline;
  ConstantShadow shadow(exe);
  uint64_t issued = 0;
  bool afterNpu = false; // the host starts the program: no handoff first
  for (const SegmentSpec &seg : exe.segments()) {
    uint64_t segStart = timeline.earliestStart(seg);
    bool handoff = afterNpu;
    afterNpu = !seg.isHost();
    if (seg.isHost()) {
      const HostOpSpec &op = exe.hostOps()[seg.hostOp];
      uint64_t insnCount;
      uint64_t cycles = hostToNpuCycles(
          exe.target(), hostOpCycles(exe.target(), estimateHostWork(op),
                                     hostOpBytes(op), insnCount, handoff));
      schedule.hostCycles += cycles;
      account(op.layer, cycles, segStart, segStart + cycles);
      timeline.finish(seg, segStart + cycles);
      continue;
    }
    QueueScheduler queues(insns, seg.first, seg.first + seg.count, segStart);
    uint32_t pc;
    uint64_t start;
    while (queues.next(pc, start, error)) {
      if (++issued > maxInstructions) {
        error = "instruction budget of " + std::to_string(maxInstructions) +
                " exceeded at pc " + std::to_string(pc);
        return false;
      }
      const Instruction &insn = insns[pc];
      uint64_t cycles;
      if (insn.opcode() == Opcode::Matmul && insn.get(FieldId::Matmul_Sparse)) {
        // Only the present tiles, as the emulator counts them.
        cycles =
            matmulInstructionCycles(exe, insn, [&](uint64_t w, uint64_t tiles) {
              return shadow.presentTiles(w, tiles);
            });
      } else {
        cycles = staticInstructionCycles(exe, insn);
        shadow.follow(insn);
      }
      schedule.instructionCycles[pc] = cycles;
      uint64_t end = queues.retire(cycles);
      account(insn.layer(), cycles, start, end);
    }
    if (!error.empty())
      return false;
    timeline.finish(seg, queues.makespan());
  }
  schedule.cycles = timeline.makespan();
  return true;
}

std::vector<LayerEstimate> estimateLayers(const Executable &exe,
                                          const StaticSchedule *schedule) {
  std::vector<LayerEstimate> layers(exe.layers().size());
  std::vector<std::vector<DramRange>> constantRanges(layers.size());
  auto bytesOf = [](const bin::DmaDesc &d) {
    uint64_t n = d.elem_bytes();
    for (int i = 0; i < 4; ++i)
      n *= d.sizes()->Get(i);
    return n;
  };
  const std::vector<Instruction> &insns = exe.instructions();
  for (size_t pc = 0; pc < insns.size(); ++pc) {
    const Instruction &insn = insns[pc];
    uint64_t id = insn.get(FieldId::Layer);
    if (id >= layers.size())
      continue;
    LayerEstimate &l = layers[id];
    ++l.instructions;
    uint64_t cycles = schedule && pc < schedule->instructionCycles.size()
                          ? schedule->instructionCycles[pc]
                          : staticInstructionCycles(exe, insn);
    switch (unitOf(insn.opcode())) {
    case Unit::DmaLoad:
      l.loadCycles += cycles;
      if (isLocalDma(insn)) { // scratchpad to scratchpad: no DRAM read
        l.localBytes += bytesOf(exe.dma(insn.get(FieldId::DmaLoad_Desc)));
        break;
      }
      {
        bool expand = isExpand(insn.opcode());
        uint64_t bytes =
            expand ? insn.get(FieldId::DmaExpand_Bytes)
                   : bytesOf(exe.dma(insn.get(FieldId::DmaLoad_Desc)));
        uint64_t dram =
            insn.get(expand ? FieldId::DmaExpand_Dram : FieldId::DmaLoad_Dram);
        l.dramReadBytes += bytes;
        if (dram >= exe.constantsOffset() &&
            dram < exe.constantsOffset() + exe.constantsSize()) {
          l.constantReadBytes += bytes;
          // The constant bytes the layer reads at all: the hull of each
          // load's box in DRAM (dense boxes of weights are contiguous runs
          // or strided slices of one tensor), merged below.
          DramRange r =
              expand ? DramRange{dram, dram + bytes}
                     : dmaRange(exe.dma(insn.get(FieldId::DmaLoad_Desc)), dram);
          constantRanges[id].push_back(r);
        }
        break;
      }
    case Unit::DmaStore:
      l.storeCycles += cycles;
      (isLocalDma(insn) ? l.localBytes : l.dramWriteBytes) +=
          bytesOf(exe.dma(insn.get(FieldId::DmaStore_Desc)));
      break;
    case Unit::Mac: {
      const bin::MatmulDesc &d = exe.matmul(insn.get(FieldId::Matmul_Desc));
      l.computeCycles += cycles;
      l.macs += uint64_t(d.m_outer()) * d.m_inner() * d.k() * d.n();
      break;
    }
    case Unit::Vector:
      l.computeCycles += cycles;
      break;
    case Unit::Host: // host ops have no instructions
    case Unit::None:
      break;
    }
  }
  for (size_t id = 0; id < layers.size(); ++id) {
    std::vector<DramRange> &r = constantRanges[id];
    std::sort(r.begin(), r.end(), [](const DramRange &a, const DramRange &b) {
      return a.begin < b.begin;
    });
    uint64_t end = 0;
    for (const DramRange &x : r) {
      uint64_t begin = std::max(x.begin, end);
      if (x.end > begin)
        layers[id].constantBytes += x.end - begin;
      end = std::max(end, x.end);
    }
  }
  return layers;
}

} // namespace npu::rt
