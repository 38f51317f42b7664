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
    return t.dramLatencyCycles;
  bool contiguous = d.dram_strides()->Get(0) == eb;
  uint64_t runs = s[1] * s[2] * s[3] * (contiguous ? 1 : s[0]);
  uint64_t runBytes = contiguous ? s[0] * eb : eb;
  return t.dramLatencyCycles + runs * ceilDiv(runBytes, t.dramBytesPerCycle);
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
    return func >= vecfunc::VecUnary_Exp;
  return false;
}

uint64_t LayerEstimate::cycles() const {
  return std::max({loadCycles, computeCycles, storeCycles});
}

std::vector<LayerEstimate> estimateLayers(const Executable &exe) {
  const TargetDesc &t = exe.target();
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
    switch (insn.opcode()) {
    case Opcode::DmaLoad: {
      const bin::DmaDesc &d = exe.dma(insn.get(FieldId::DmaLoad_Desc));
      l.loadCycles += dmaCommandCycles(t, d);
      l.dramReadBytes += bytesOf(d);
      break;
    }
    case Opcode::DmaStore: {
      const bin::DmaDesc &d = exe.dma(insn.get(FieldId::DmaStore_Desc));
      l.storeCycles += dmaCommandCycles(t, d);
      l.dramWriteBytes += bytesOf(d);
      break;
    }
    case Opcode::Matmul: {
      const bin::MatmulDesc &d = exe.matmul(insn.get(FieldId::Matmul_Desc));
      uint64_t rows = uint64_t(d.m_outer()) * d.m_inner();
      uint64_t tiles =
          ceilDiv(d.k(), t.arrayRows) * ceilDiv(d.n(), t.arrayCols);
      l.computeCycles +=
          matmulCycles(t, rows, tiles, insn.get(FieldId::Matmul_Fp32));
      l.macs += rows * d.k() * d.n();
      break;
    }
    case Opcode::Sync:
    case Opcode::End:
      break;
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
      l.computeCycles +=
          vectorCycles(t, work, narrow, isTranscendental(insn.opcode(), func));
      break;
    }
    }
  }
  return layers;
}

} // namespace npu::rt
