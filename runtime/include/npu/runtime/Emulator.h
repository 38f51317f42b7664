//===- Emulator.h - the NPU reference emulator ------------------*- C++ -*-===//
//
// Functional and timing model of one NPU running one executable. Functional
// results are bit-exact for INT8 and IEEE 754 single precision for FP32; the
// timing model is documented in docs/npu-architecture.md ("Timing model").
//
//===----------------------------------------------------------------------===//

#ifndef NPU_RUNTIME_EMULATOR_H
#define NPU_RUNTIME_EMULATOR_H

#include "npu/runtime/Executable.h"
#include "npu/runtime/Timing.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <new>
#include <string>
#include <utility>
#include <vector>

namespace npu::rt {

/// Zero-filled host memory of `bytes` bytes whose untouched pages cost
/// nothing, or null. From 2 MiB up: its own anonymous mapping, 2 MiB
/// aligned and marked for transparent huge pages (madvise), so a DRAM the
/// program touches takes one page fault per 2 MiB instead of per 4 KiB (on
/// PaddleOCR det a tenth of npu-run's time went to faults); smaller, calloc.
void *allocateZeroPages(size_t bytes);
/// Frees what allocateZeroPages(bytes) returned.
void freeZeroPages(void *p, size_t bytes);

/// Zero-initialised storage whose untouched pages cost nothing: memory from
/// allocateZeroPages and elements left as they are when the vector grows,
/// so a program that declares a large DRAM but touches little of it takes
/// little host memory.
template <typename T> struct ZeroPageAllocator {
  using value_type = T;
  ZeroPageAllocator() = default;
  template <typename U> ZeroPageAllocator(const ZeroPageAllocator<U> &) {}
  T *allocate(size_t n) {
    if (n > SIZE_MAX / sizeof(T))
      throw std::bad_alloc();
    void *p = allocateZeroPages(n * sizeof(T));
    if (!p)
      throw std::bad_alloc();
    return static_cast<T *>(p);
  }
  void deallocate(T *p, size_t n) { freeZeroPages(p, n * sizeof(T)); }
  template <typename U> void construct(U *) noexcept {} // already zero
  template <typename U, typename V> void construct(U *p, V &&v) {
    ::new (static_cast<void *>(p)) U(std::forward<V>(v));
  }
  template <typename U> bool operator==(const ZeroPageAllocator<U> &) const {
    return true;
  }
  template <typename U> bool operator!=(const ZeroPageAllocator<U> &) const {
    return false;
  }
};
/// The emulator's memories.
using Memory = std::vector<uint8_t, ZeroPageAllocator<uint8_t>>;

struct RunOptions {
  /// Instructions executed before the run stops with an error.
  uint64_t maxInstructions = uint64_t(1) << 32;
  /// Element steps (rt::programSteps) a program may take; a program over
  /// it is refused before it starts. 0: rt::defaultStepBudget, which grows
  /// with the program's instruction count (one hostile instruction could
  /// ask for 2^64 steps).
  uint64_t maxSteps = 0;
  /// Host memory the emulated DRAM may take, in bytes.
  uint64_t maxDramBytes = uint64_t(1) << 31;
  /// Record one TraceEvent per instruction.
  bool trace = false;
};

/// Energy by where it is spent, in pJ, from the target's EnergyModel
/// (Target.h, whose figures name their sources): the MAC array's MACs
/// (INT8 and FP32), the vector unit's lane operations, scratchpad and
/// accumulator bytes read and written (local DMA copies included), the
/// NPU's DRAM bytes (its DMA), and the host CPU's segments (instructions
/// and the DRAM bytes they move).
struct EnergySplit {
  double macPj = 0, vectorPj = 0, sramPj = 0, dramPj = 0, hostPj = 0;
  double total() const { return macPj + vectorPj + sramPj + dramPj + hostPj; }
};

/// Counters attributed to one layer (the instruction's layer field, or the
/// host op's layer).
/// `cycles` are busy cycles of the layer's instructions: overlapping units
/// make per-layer cycles add up to more than the run's total.
struct LayerStats {
  uint64_t cycles = 0;
  /// The first start and last end of the layer's instructions (cycles on
  /// the run's timeline; 0 and 0 when none issued): its span, where
  /// `cycles` adds its queues' busy cycles.
  uint64_t start = 0, end = 0;
  bool spanned = false;  ///< Some instruction of the layer issued.
  uint64_t macs = 0;     ///< Executed MACs.
  uint64_t macsFp32 = 0; ///< Of them, FP32 ones.
  /// Of them, those over zero weights the compiler inserted
  /// (LayerInfo::paddingMacs, at most macs; set when the run ends).
  uint64_t paddingMacs = 0;
  uint64_t dramBytes = 0; ///< Read plus written.
  /// Of the bytes read, those from the constant segment (weights, their
  /// block images, tables): what dma.load or dma.expand moved, compressed.
  uint64_t weightBytes = 0;
  /// Bytes copied inside the scratchpad by local dma.load and dma.store
  /// (ISA v9: values kept on chip; each box's bytes, padding not counted).
  /// Not in dramBytes: they cost scratchpad reads and writes only.
  uint64_t localBytes = 0;
  EnergySplit energy; ///< Its total is the layer's energy.
};

struct RunStats {
  uint64_t cycles = 0;               ///< Time at which the last unit idles.
  uint64_t unitBusy[kNumUnits] = {}; ///< Busy cycles per Unit.
  uint64_t instructions = 0;
  uint64_t macsDense = 0; ///< MACs a dense array would do.
  uint64_t macsInt8 = 0;  ///< Executed INT8 MACs (zero blocks skipped).
  uint64_t macsFp32 = 0;  ///< Executed FP32 MACs.
  uint64_t dramReadBytes = 0, dramWriteBytes = 0;
  uint64_t sramReadBytes = 0, sramWriteBytes = 0; ///< Scratchpad+accumulator.
  /// Bytes copied inside the scratchpad by local dma.load and dma.store
  /// (ISA v9; each box's bytes, padding not counted). They are counted in
  /// sramReadBytes and sramWriteBytes (and so in the energy), not in the
  /// DRAM bytes.
  uint64_t localDmaBytes = 0;
  uint64_t peakSramBytes = 0; ///< Highest scratchpad address written, + 1.
  uint64_t laneOpsInt8 = 0, laneOpsInt32 = 0, laneOpsFp32 = 0;
  /// The host CPU (host segments): its busy cycles (host clock), the
  /// instructions its cost model counts, the operand bytes it moves to and
  /// from the shared DRAM (not in dramReadBytes/dramWriteBytes, which are
  /// the NPU's DMA), and their energy (included in energyPj).
  uint64_t hostOps = 0, hostCycles = 0, hostInstructions = 0, hostDramBytes = 0;
  double hostEnergyPj = 0;
  double energyPj = 0; ///< NPU and host: energy.total().
  EnergySplit energy;
  /// Of the executed MACs, those over zero weights the compiler inserted
  /// (LayerInfo::paddingMacs, at most each layer's executed MACs): counted
  /// in macsInt8/macsFp32 and the energy (the array does them), not in
  /// modelMacs() or macUtilization.
  uint64_t paddingMacsInt8 = 0, paddingMacsFp32 = 0;
  /// The model's MACs over the peak for their datatype during the run:
  /// ((macsInt8 - paddingMacsInt8) / int8 peak + (macsFp32 -
  /// paddingMacsFp32) / fp32 peak) / cycles.
  double macUtilization = 0;
  std::vector<LayerStats> layers; ///< Indexed by layer id.

  uint64_t macs() const { return macsInt8 + macsFp32; }
  /// The executed MACs that are the model's (padding left out).
  uint64_t modelMacs() const {
    return macs() - paddingMacsInt8 - paddingMacsFp32;
  }
};

/// The code `vec.convert quantize` (`quantize_even` with `even`) computes for
/// one FP32 element before its [lo, hi] clamp and its saturation to the
/// stored type: x / alpha in FP32, rounded half away from zero (half to
/// even), clamped to +-2^20 (NaN gives 0), plus `zpOut`. The compiler
/// calls it to know the codes an instruction will produce.
int64_t quantizeCode(float x, float alpha, int32_t zpOut, bool even);

struct TraceEvent {
  Unit unit;
  uint32_t pc; ///< Unit::Host: the host op's index.
  uint32_t layer;
  uint64_t start, end; ///< Cycles.
};

class Emulator {
public:
  explicit Emulator(const Executable &exe, RunOptions options = {});

  /// Allocates DRAM, scratchpad and accumulator and copies the constant
  /// segment into DRAM; `setInput` and `run` call it when needed. Fails when
  /// the program needs more DRAM than `RunOptions::maxDramBytes`.
  bool prepare(std::string &error);
  /// Copies the bytes of graph input `index` into DRAM. The size must be the
  /// input's `sizeBytes`.
  bool setInput(size_t index, const void *data, size_t size,
                std::string &error);
  /// Runs the program once. On failure (out-of-bounds access, illegal
  /// parameter, deadlock, budget overrun) returns false with one line in
  /// `error` naming the pc and the reason; memory and counters are then
  /// whatever they were at the failure.
  bool run(std::string &error);

  /// Bytes of graph output `index` in DRAM (valid after `run`): dense,
  /// row-major in outputShape(index).
  const uint8_t *output(size_t index) const;
  /// The shape of graph output `index` after `run`: its declared shape, or
  /// for an output of data-dependent shape the one the run produced.
  std::vector<int64_t> outputShape(size_t index) const;
  const RunStats &stats() const { return stats_; }
  const std::vector<TraceEvent> &trace() const { return trace_; }

  /// Raw memories, for tests and debugging.
  Memory &dram() { return dram_; }
  Memory &scratchpad() { return sram_; }
  Memory &accumulator() { return acc_; }

private:
  struct Access; // one bounds-checked operand of an instruction

  /// Executes `insn` (functional model) and sets its duration in cycles;
  /// dispatches to one `exec<Name>` per instruction of Isa.def.
  bool execute(const Instruction &insn, uint64_t &cycles, std::string &why);
#define NPU_INSN(Name, Code, Queue, Mnemonic)                                  \
  bool exec##Name(const Instruction &insn, uint64_t &cycles, std::string &why);
#include "npu/runtime/Isa.def"
  /// The vector unit, shared by the vec.* instructions.
  bool vector(const Instruction &insn, uint64_t &cycles, std::string &why);
  /// Runs one segment from cycle `start` and sets the cycle it ends at;
  /// `handoff`: a host segment right after NPU work (hostOpCycles).
  bool runNpuSegment(const SegmentSpec &seg, uint64_t start, uint64_t &end,
                     std::string &error);
  bool runHostSegment(const SegmentSpec &seg, uint64_t start, bool handoff,
                      uint64_t &end, std::string &error);
  void finishStats();
  /// [lo, hi) lies in the executable's constant segment.
  bool inConstants(int64_t lo, int64_t hi) const;

  const Executable &exe_;
  const TargetDesc &target_;
  RunOptions options_;
  Memory dram_, sram_, acc_;
  bool allocated_ = false;
  RunStats stats_;
  std::vector<TraceEvent> trace_;
  /// Actual shapes of host outputs of data-dependent shape, by DRAM
  /// offset, with the element type they were made with: a reader (or a
  /// graph output) takes one only when the type agrees and its bytes fit
  /// the reader's own buffer (a hostile file can make two such values at
  /// one offset).
  struct DynamicShape {
    bin::ElementType type = bin::ElementType::F32;
    std::vector<int64_t> shape;
  };
  std::map<uint64_t, DynamicShape> dynamicShapes_;
  /// The recorded shape at `dramOffset` when it has `type` and fits
  /// `sizeBytes`; null otherwise.
  const std::vector<int64_t> *recordedShape(uint64_t dramOffset,
                                            bin::ElementType type,
                                            uint64_t sizeBytes) const;
  LayerStats *currentLayer_ = nullptr;
};

} // namespace npu::rt

#endif // NPU_RUNTIME_EMULATOR_H
