//===- Timing.cpp - the NPU's cycle model, per instruction ---------------===//

#include "npu/runtime/Timing.h"

#include <algorithm>

namespace npu::rt {

namespace {
uint64_t ceilDiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }
} // namespace

uint64_t dmaCommandCycles(const TargetDesc &t, const bin::DmaDesc &d) {
  uint64_t eb = d.elem_bytes();
  uint64_t s[4];
  for (int i = 0; i < 4; ++i)
    s[i] = d.sizes()->Get(i);
  if (!s[0] || !s[1] || !s[2] || !s[3])
    return dmaCycles(t, 1, 0, 0);
  bool contiguous = d.dram_strides()->Get(0) == eb;
  uint64_t runs = s[1] * s[2] * s[3] * (contiguous ? 1 : s[0]);
  uint64_t runBytes = contiguous ? s[0] * eb : eb;
  return dmaCycles(t, 1, runs, runBytes);
}

uint64_t dmaCycles(const TargetDesc &t, uint64_t commands, uint64_t runs,
                   uint64_t runBytes) {
  return commands * t.dramLatencyCycles +
         runs * ceilDiv(runBytes, t.dramBytesPerCycle);
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

bool isTranscendental(Opcode op, unsigned func) {
  if (op == Opcode::VecBinary)
    return func == vecfunc::VecBinary_Div || func == vecfunc::VecBinary_Pow;
  if (op == Opcode::VecUnary)
    switch (func) {
    case vecfunc::VecUnary_Copy:
    case vecfunc::VecUnary_AffineClamp:
    case vecfunc::VecUnary_LeakyRelu:
    case vecfunc::VecUnary_HardSwish:
    case vecfunc::VecUnary_Abs:
    case vecfunc::VecUnary_Floor:
    case vecfunc::VecUnary_Ceil:
    case vecfunc::VecUnary_Round:
    case vecfunc::VecUnary_Sign:
    case vecfunc::VecUnary_ThresholdedRelu:
    case vecfunc::VecUnary_Shrink:
      return false;
    default: // exp, log, trigonometric, division-based, ...
      return true;
    }
  return false;
}

Unit unitOf(Opcode op) {
  switch (op) {
  case Opcode::DmaLoad:
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

uint64_t staticInstructionCycles(const Executable &exe,
                                 const Instruction &insn) {
  const TargetDesc &t = exe.target();
  switch (insn.opcode()) {
  case Opcode::DmaLoad:
    return dmaCommandCycles(t, exe.dma(insn.get(FieldId::DmaLoad_Desc)));
  case Opcode::DmaStore:
    return dmaCommandCycles(t, exe.dma(insn.get(FieldId::DmaStore_Desc)));
  case Opcode::Matmul: {
    const bin::MatmulDesc &d = exe.matmul(insn.get(FieldId::Matmul_Desc));
    uint64_t rows = uint64_t(d.m_outer()) * d.m_inner();
    if (rows == 0 || d.k() == 0 || d.n() == 0)
      return 0;
    uint64_t tiles = ceilDiv(d.k(), t.arrayRows) * ceilDiv(d.n(), t.arrayCols);
    return matmulCycles(t, rows, tiles, insn.get(FieldId::Matmul_Fp32));
  }
  case Opcode::Sync:
  case Opcode::End:
    return 0;
  default: { // vector: every vec.* has Desc and Func where vec.binary does
    const bin::VectorDesc &d = exe.vector(insn.get(FieldId::VecBinary_Desc));
    uint64_t work = 1;
    for (int i = 0; i < 4; ++i)
      work *= d.dims()->Get(i);
    if (insn.opcode() == Opcode::VecPool)
      work *= uint64_t(d.window()->Get(0)) * d.window()->Get(1);
    bool narrow =
        elementBytes(d.src0_type()) == 1 && elementBytes(d.dst_type()) == 1;
    unsigned func = unsigned(insn.get(FieldId::VecBinary_Func));
    return vectorCycles(t, work, narrow, isTranscendental(insn.opcode(), func));
  }
  }
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

QueueScheduler::QueueScheduler(const std::vector<Instruction> &insns)
    : insns_(insns) {
  for (uint32_t pc = 0; pc < insns.size(); ++pc)
    if (insns[pc].opcode() != Opcode::End)
      queue_[unsigned(queueOf(insns[pc]))].push_back(pc);
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

bool scheduleStatically(const Executable &exe, StaticSchedule &schedule,
                        std::string &error, uint64_t maxInstructions) {
  const std::vector<Instruction> &insns = exe.instructions();
  schedule = StaticSchedule();
  schedule.layers.assign(exe.layers().size(), StaticSchedule::Layer());
  std::vector<bool> started(schedule.layers.size(), false);
  QueueScheduler queues(insns);
  uint32_t pc;
  uint64_t start;
  uint64_t issued = 0;
  while (queues.next(pc, start, error)) {
    if (++issued > maxInstructions) {
      error = "instruction budget of " + std::to_string(maxInstructions) +
              " exceeded at pc " + std::to_string(pc);
      return false;
    }
    const Instruction &insn = insns[pc];
    uint64_t cycles = staticInstructionCycles(exe, insn);
    uint64_t end = queues.retire(cycles);
    uint32_t layer = insn.layer();
    if (layer < schedule.layers.size()) {
      StaticSchedule::Layer &l = schedule.layers[layer];
      l.cycles += cycles;
      l.start = started[layer] ? std::min(l.start, start) : start;
      l.end = std::max(l.end, end);
      started[layer] = true;
    }
  }
  if (!error.empty())
    return false;
  schedule.cycles = queues.makespan();
  return true;
}

std::vector<LayerEstimate> estimateLayers(const Executable &exe) {
  std::vector<LayerEstimate> layers(exe.layers().size());
  auto bytesOf = [](const bin::DmaDesc &d) {
    uint64_t n = d.elem_bytes();
    for (int i = 0; i < 4; ++i)
      n *= d.sizes()->Get(i);
    return n;
  };
  for (const Instruction &insn : exe.instructions()) {
    uint64_t id = insn.get(FieldId::Layer);
    if (id >= layers.size())
      continue;
    LayerEstimate &l = layers[id];
    ++l.instructions;
    uint64_t cycles = staticInstructionCycles(exe, insn);
    switch (unitOf(insn.opcode())) {
    case Unit::DmaLoad:
      l.loadCycles += cycles;
      l.dramReadBytes += bytesOf(exe.dma(insn.get(FieldId::DmaLoad_Desc)));
      break;
    case Unit::DmaStore:
      l.storeCycles += cycles;
      l.dramWriteBytes += bytesOf(exe.dma(insn.get(FieldId::DmaStore_Desc)));
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
    case Unit::None:
      break;
    }
  }
  return layers;
}

} // namespace npu::rt
