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

#include <cstdint>
#include <vector>

namespace npu::rt {

/// One DMA command: the latency, plus one DRAM beat (dramBytesPerCycle
/// bytes) per started beat of each contiguous run; a run shorter than a beat
/// still costs a beat.
uint64_t dmaCommandCycles(const TargetDesc &t, const bin::DmaDesc &d);

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

/// Whether a vector instruction's function is transcendental (exp, tanh,
/// erf, sigmoid, reciprocal, rsqrt, sqrt, division, power).
bool isTranscendental(Opcode op, unsigned func);

/// A static estimate of one layer of an executable: what its instructions
/// cost on each unit if they overlapped perfectly. No execution; dense
/// matmuls (a block-sparse one counts every weight tile).
struct LayerEstimate {
  uint64_t macs = 0;                              ///< Dense MACs.
  uint64_t dramReadBytes = 0, dramWriteBytes = 0; ///< Bytes moved by DMA.
  uint64_t loadCycles = 0, computeCycles = 0, storeCycles = 0;
  uint64_t instructions = 0;
  /// The slowest unit: the layer's time with perfect overlap.
  uint64_t cycles() const;
};

/// Per layer (indexed by layer id) estimates of `exe`'s instructions;
/// instructions without a layer are not counted.
std::vector<LayerEstimate> estimateLayers(const Executable &exe);

} // namespace npu::rt

#endif // NPU_RUNTIME_TIMING_H
