//===- Timing.h - the NPU's cycle model, per instruction ----------*- C++
//-*-===//
//
// The cycle formulas of docs/npu-architecture.md ("Timing"), shared by the
// emulator (which adds the queues' overlap and dependences) and by static
// estimates of an executable (the compiler's --report). All results are
// cycles of the target's clock.
//
//===----------------------------------------------------------------------===//

#ifndef NPU_RUNTIME_TIMING_H
#define NPU_RUNTIME_TIMING_H

#include "npu/runtime/Executable.h"
#include "npu/runtime/Target.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace npu::rt {

/// Units with their own timelines: the NPU's four and the host CPU.
enum class Unit : uint8_t { DmaLoad = 0, DmaStore, Mac, Vector, Host, None };
inline constexpr unsigned kNumUnits = 5;
const char *unitName(Unit unit);
/// The unit that executes an instruction of opcode `op` (None: sync, end).
Unit unitOf(Opcode op);

/// `commands` DMA commands moving `runs` contiguous runs of `runBytes`
/// bytes between them: the latency per command, plus one DRAM beat
/// (dramBytesPerCycle bytes) per started beat of each run; a run shorter
/// than a beat still costs a beat. (The compiler's tile cost models call
/// this with the runs their tiles' commands move.)
uint64_t dmaCycles(const TargetDesc &t, uint64_t commands, uint64_t runs,
                   uint64_t runBytes);

/// The same for copies inside the scratchpad (ISA v9 local DMAs): the
/// local latency per command (localDmaLatencyCycles), plus one scratchpad
/// port beat (localDmaBytesPerCycle bytes) per started beat of each run.
uint64_t localDmaCycles(const TargetDesc &t, uint64_t commands, uint64_t runs,
                        uint64_t runBytes);

/// One dma.expand of a `bytes`-byte block image: one command reading the
/// image as one contiguous run (the expander writes the scratchpad as the
/// bytes arrive; only the image crosses DRAM).
uint64_t dmaExpandCycles(const TargetDesc &t, uint64_t bytes);

/// One dma.expand.elem of a `bytes`-byte element image into a box of
/// `boxBytes` dense bytes: one command, then whichever is slower of reading
/// the image (one contiguous run, dramBytesPerCycle per cycle) and writing
/// the dense box. An assumption of this model (no published figure): the
/// element decoder emits one DRAM beat's width (dramBytesPerCycle) of dense
/// bytes per cycle, the scratchpad write rate a dense dma.load has, since
/// decoding a tile (a prefix count over its element mask, then a shift of
/// the packed values into place, as NVDLA's weight decompression does with
/// its weight mask bits: nvdla.org/hw/v1/hwarch.html, "Weight compression")
/// is a fixed-latency pipeline, not a wider write port. So it saves DRAM
/// bytes, not load cycles, and is never slower than loading the same box
/// densely as one run.
uint64_t dmaExpandElemCycles(const TargetDesc &t, uint64_t bytes,
                             uint64_t boxBytes);

/// The contiguous DRAM runs of a DMA box: `runs` runs of `runBytes` bytes
/// each. Dimensions merge from the innermost (index 0) while each one's
/// DRAM stride (bytes) equals the bytes of the run the dimensions inside it
/// make, so a run is a maximal range of consecutive DRAM addresses the box
/// covers in order: the DMA engine issues one burst over consecutive
/// addresses whatever the descriptor's dimension boundaries (an AXI4 INCR
/// burst; the scratchpad side is read or written at any stride, as for the
/// innermost dimension). An innermost stride other than `elemBytes` makes
/// every element its own run. A box with an empty dimension has no runs.
struct DmaRuns {
  uint64_t runs;
  uint64_t runBytes;
};
DmaRuns dmaRuns(uint64_t elemBytes, const std::array<uint64_t, 4> &sizes,
                const std::array<uint64_t, 4> &dramStrides);

/// One DMA command: dmaCycles of its runs (dmaRuns). A
/// `local` command (the ISA v9 Local bit: a copy inside the scratchpad)
/// counts the same runs on its far side (the descriptor's DRAM strides),
/// at localDmaCycles.
uint64_t dmaCommandCycles(const TargetDesc &t, const bin::DmaDesc &d,
                          bool local = false);

/// One matmul with `rows` rows of A and `weightTiles` R x C weight tiles
/// present: R cycles to preload each tile's weights, then one row per cycle
/// (fp32RateDivisor cycles per row in FP32), plus one fill and drain
/// (R + C) when any tile is present.
uint64_t matmulCycles(const TargetDesc &t, uint64_t rows, uint64_t weightTiles,
                      bool fp32);

/// One vector instruction doing `work` lane operations: a startup, then
/// one cycle per group of lanes (vectorLanesInt8 when every operand is one
/// byte wide, else vectorLanes32), vectorTranscendentalCycles per group for
/// transcendental functions.
uint64_t vectorCycles(const TargetDesc &t, uint64_t work, bool narrow,
                      bool transcendental);

/// One `vec.pool dot` (ISA v10) of `outputs` sums over `window` elements
/// each: a startup, then the products at vectorLanesInt8 per cycle (INT8
/// sources; every lane keeps its 32-bit sum in a register for the window,
/// as Arm's SDOT and Hexagon's vrmpy do), or the sums' writes at
/// vectorLanes32 per cycle when the window is shorter than the ratio of the
/// two lane counts.
uint64_t poolDotCycles(const TargetDesc &t, uint64_t outputs, uint64_t window);

/// The cycles of one tile of a double-buffered layer on each queue: its
/// loads, its compute and its store.
struct TileStages {
  uint64_t load = 0, compute = 0, store = 0;
};

/// Cycles from the first load to the last store of `tiles`, run in order
/// with two buffers per operand and result (the compiler's tile pipeline,
/// docs/codegen.md "Double buffering"): tile i's loads wait for the load
/// queue and for tile i-2's compute (which frees its input buffers), its
/// compute for its loads, the compute queue and tile i-2's store (its
/// result buffer), its store for its compute and the store queue. Uneven
/// tiles (a partial last tile) pipeline worse than the sum of each queue's
/// work suggests; the compiler's tile cost models price a sequence with it.
uint64_t doubleBufferedCycles(const std::vector<TileStages> &tiles);

/// Whether a vector instruction's function is transcendental (exp, log,
/// the trigonometric and hyperbolic functions, tanh, erf, sigmoid,
/// softplus, elu, softsign, reciprocal, rsqrt, sqrt, division, power);
/// copies, clamps, abs, floor, ceil, round, sign, thresholded ReLU,
/// shrink, the ISA v4 comparisons, logic (and, or, xor, not) and select,
/// and every reduction (sum, max, min, and ISA v5's argmax/argmin, whose
/// lane keeps an index register beside its running extreme: one compare and
/// two masked moves, issued together as a max's compare-select is) are not.
bool isTranscendental(Opcode op, unsigned func);

/// Whether a vector instruction is ISA v13's add_rescale or mul_rescale:
/// INT8 in and out, but 32-bit arithmetic, so the 32-bit lanes' rate.
bool isRescale(Opcode op, unsigned func);

/// The cycles `insn` takes by the formulas above, from the executable's
/// descriptors alone (no data): a block-sparse matmul counts every weight
/// tile, as a dense one does; a matmul with an empty dimension takes 0.
/// The emulator takes the same cycles for every instruction but sparse
/// matmuls, whose present tiles it reads from the scratchpad;
/// scheduleStatically reads them from the masks the program loaded from the
/// constant segment (StaticSchedule::instructionCycles).
uint64_t staticInstructionCycles(const Executable &exe,
                                 const Instruction &insn);

/// The issue order of the NPU's three instruction queues (load, compute,
/// store; docs/npu-architecture.md, "Timing model"): the stream is split by
/// queue in program order; each step issues, among the queue heads whose
/// dependence tokens are available and whose unit is free, the one that can
/// start earliest (the lowest queue on a tie). Both the emulator (which
/// executes each instruction) and the static schedule below (which only
/// costs it) drive this one class, so their timelines agree by
/// construction.
///
///   QueueScheduler s(exe.instructions());
///   uint32_t pc; uint64_t start;
///   while (s.next(pc, start, error)) s.retire(cyclesOf(pc));
///   if (!error.empty()) ...   // a deadlock
class QueueScheduler {
public:
  /// Schedules instructions [begin, end) of `insns` (one NPU segment; by
  /// default the whole stream), every queue free from cycle `startCycle`.
  explicit QueueScheduler(const std::vector<Instruction> &insns,
                          size_t begin = 0, size_t end = SIZE_MAX,
                          uint64_t startCycle = 0);
  /// The next instruction to issue and the cycle it starts at; false when
  /// every queue is drained (`error` untouched) or when every queue waits
  /// for a token (`error` names each queue's head pc).
  bool next(uint32_t &pc, uint64_t &start, std::string &error);
  /// Completes the instruction `next` returned, after `cycles`: frees its
  /// queue and unit and pushes its tokens. Returns the cycle it ends at.
  uint64_t retire(uint64_t cycles);
  /// The time at which the last instruction retired so far ends.
  uint64_t makespan() const { return makespan_; }

private:
  const std::vector<Instruction> &insns_;
  std::vector<uint32_t> queue_[kNumQueues];
  size_t head_[kNumQueues] = {0, 0, 0};
  uint64_t queueReady_[kNumQueues] = {0, 0, 0};
  uint64_t unitFree_[kNumUnits] = {};
  /// Token channels: the cycles tokens were pushed at. 0: load->compute,
  /// 1: compute->load, 2: compute->store, 3: store->compute.
  std::vector<uint64_t> tokens_[4];
  size_t tokenHead_[4] = {0, 0, 0, 0};
  int issued_ = -1; ///< Queue of the instruction between next and retire.
  uint64_t issuedStart_ = 0;
  uint64_t makespan_ = 0;
};

/// The host CPU's cost of one host op (HostDesc), in host cycles: the call
/// overhead when the op follows NPU work (`handoff`: the segment before it
/// in program order is an NPU segment, so the CPU is woken by the NPU's
/// completion interrupt; consecutive host ops run back to back, and a host
/// op that starts the program runs on the CPU that launched it), then the
/// longer of its compute (vector lane operations packed simdBytesPerCycle /
/// laneBytes per instruction, plus scalar operations, one instruction per
/// cycle) and its DRAM traffic (`bytes`, every operand read or written
/// once, at dramBytesPerCycle). `instructions` receives the instruction
/// count, for the energy model (HostDesc::instructionPj).
uint64_t hostOpCycles(const TargetDesc &t, const HostWork &work, uint64_t bytes,
                      uint64_t &instructions, bool handoff);
/// Host cycles as NPU cycles (rounded up), the timeline's unit.
uint64_t hostToNpuCycles(const TargetDesc &t, uint64_t hostCycles);
/// The work a host op is assumed to do before it runs (the static schedule
/// and the compiler's --report): one lane operation per element of its
/// largest operand, at the width of its widest element type. `npu-run`
/// counts what the kernel reports instead.
HostWork estimateHostWork(const HostOpSpec &op);
/// Bytes a host op reads and writes: the sum of its operands' sizes.
uint64_t hostOpBytes(const HostOpSpec &op);

/// When each segment may start: the NPU and the host each run their
/// segments in program order, and a segment waits for every earlier one
/// whose DRAM writes it reads or overwrites, or whose reads it overwrites
/// (the loader's SegmentSpec ranges). Segments on different devices with
/// no such conflict overlap.
///
///   SegmentTimeline timeline;
///   for (const SegmentSpec &seg : exe.segments()) {
///     uint64_t start = timeline.earliestStart(seg);
///     ... run the segment from `start`, ending at `end` ...
///     timeline.finish(seg, end);
///   }
class SegmentTimeline {
public:
  uint64_t earliestStart(const SegmentSpec &seg) const;
  void finish(const SegmentSpec &seg, uint64_t end);
  uint64_t makespan() const { return makespan_; }

private:
  /// Piecewise-constant over DRAM addresses: from each key up to the next,
  /// when the last write and the last read of those bytes end.
  struct Cell {
    uint64_t writeEnd = 0, readEnd = 0;
  };
  std::map<uint64_t, Cell> cells_{{0, Cell()}};
  uint64_t deviceFree_[2] = {0, 0}; ///< NPU, host.
  uint64_t makespan_ = 0;
  void split(uint64_t at);
};

/// Widens a layer's span [`start`, `end`) to an instruction's [`from`,
/// `to`): the first one (`spanned` false) sets it. The one rule of
/// StaticSchedule::Layer and the emulator's LayerStats.
inline void widenSpan(uint64_t &start, uint64_t &end, bool &spanned,
                      uint64_t from, uint64_t to) {
  start = spanned ? std::min(start, from) : from;
  end = std::max(end, to);
  spanned = true;
}

/// The timeline of an executable by the timing model alone: what
/// `npu-run` measures (RunStats::cycles, LayerStats::cycles), computed
/// without executing any arithmetic. A block-sparse matmul's present weight
/// tiles come from its mask as the program's DMA commands loaded it from the
/// executable's constant segment (the compiler loads every block image from
/// there), followed in the emulator's issue order; a mask not loaded from
/// the constants (none in a compiled program) counts every tile. So the
/// figures equal the emulator's for every compiled program.
struct StaticSchedule {
  uint64_t cycles = 0;     ///< When the last unit idles.
  uint64_t hostCycles = 0; ///< Busy NPU-clock cycles of host segments.
  struct Layer {
    uint64_t cycles = 0;         ///< Busy cycles of the layer's instructions.
    uint64_t start = 0, end = 0; ///< First start and last end (cycles).
    bool spanned = false;        ///< Some instruction of the layer issued.
  };
  std::vector<Layer> layers; ///< Indexed by layer id.
  /// Each NPU instruction's cycles (indexed by pc; 0 for host segments'
  /// and instructions that never issued).
  std::vector<uint64_t> instructionCycles;
};

/// The element steps the emulator performs for `insn`: a DMA's padded box
/// (every element it writes), a matmul's rows x K x N multiply-accumulates,
/// a vector op's iteration space (times its window for vec.pool). What a
/// run costs on the host, whatever its cycles on the device: one
/// instruction's 16-bit sizes allow 2^64 steps.
uint64_t instructionSteps(const Executable &exe, const Instruction &insn);

/// The element steps of every NPU instruction of `exe` (saturating at
/// 2^64 - 1); the program is straight-line, so this is what a run does.
uint64_t programSteps(const Executable &exe);

/// The default element-step budget of a run grows with the program: a
/// compiled program's instructions each work on tiles that fit the
/// scratchpad, so its steps are a bounded multiple of its instruction count
/// (PaddleOCR det at 960x960: 84,699 instructions, 5.9e9 steps, 69 K per
/// instruction on average, 2.1 M at most). A hostile program asks for much
/// work in few instructions (zero strides, 16-bit sizes): it gets
/// kStepsPerInstruction per NPU instruction, and at least kMinStepBudget.
/// At the emulator's slowest paths (up to 3.4 ns per step on zero-stride
/// operands, bench/EmulatorBench.cpp "ns/step") kMinStepBudget is a second
/// or two, so a hostile 512-byte file stops within seconds.
constexpr uint64_t kStepsPerInstruction = uint64_t(1) << 20;
constexpr uint64_t kMinStepBudget = uint64_t(1) << 28;

/// max(kMinStepBudget, kStepsPerInstruction x the NPU instructions of
/// `exe`): `npu-run`'s budget when --max-steps is not given.
uint64_t defaultStepBudget(const Executable &exe);

/// Schedules `exe` (see QueueScheduler); false with `error` on a deadlock
/// or when more than `maxInstructions` would issue.
bool scheduleStatically(const Executable &exe, StaticSchedule &schedule,
                        std::string &error,
                        uint64_t maxInstructions = uint64_t(1) << 32);

/// A static account of one layer of an executable: its MACs, DRAM bytes and
/// the busy cycles of its instructions per queue (its time on the timeline
/// is StaticSchedule's). No execution.
struct LayerEstimate {
  uint64_t macs = 0; ///< Dense MACs.
  /// Bytes moved by DMA between DRAM and the scratchpad (local DMAs are not
  /// counted: they touch no DRAM).
  uint64_t dramReadBytes = 0, dramWriteBytes = 0;
  /// Bytes copied inside the scratchpad by local dma.load and dma.store
  /// (ISA v9; each box's bytes, padding not counted): values kept on chip.
  uint64_t localBytes = 0;
  /// Of dramReadBytes, those of loads from the constant segment (weights,
  /// their block-sparse images and the ops' constant tables).
  uint64_t constantReadBytes = 0;
  /// The constant bytes those loads cover (each counted once): the layer's
  /// weights as the executable stores them, compressed where dma.expand
  /// reads them. (A dense load counts its box's hull in DRAM.)
  uint64_t constantBytes = 0;
  uint64_t loadCycles = 0, computeCycles = 0, storeCycles = 0;
  uint64_t instructions = 0;
};

/// Per layer (indexed by layer id) estimates of `exe`'s instructions;
/// instructions without a layer are not counted. With `schedule` (of `exe`),
/// the queues' busy cycles are its instructionCycles (block-sparse matmuls
/// by their present tiles), else staticInstructionCycles (every tile).
std::vector<LayerEstimate>
estimateLayers(const Executable &exe, const StaticSchedule *schedule = nullptr);

} // namespace npu::rt

#endif // NPU_RUNTIME_TIMING_H
