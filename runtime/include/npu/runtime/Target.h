//===- Target.h - NPU target descriptions -----------------------*- C++ -*-===//
//
// The one place that holds the NPU's parameters. The compiler (tiling, memory
// planning, cost model) and the emulator (bounds, timing, energy) both read
// them from here; docs/npu-architecture.md explains each figure.
//
//===----------------------------------------------------------------------===//

#ifndef NPU_RUNTIME_TARGET_H
#define NPU_RUNTIME_TARGET_H

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace npu::rt {

/// Energy per event, in picojoules. Source: M. Horowitz, "Computing's Energy
/// Problem (and what we can do about it)", ISSCC 2014, Figure 1.1.9 (45 nm,
/// 0.9 V). A MAC is one multiply plus one add of the operand width.
struct EnergyModel {
  double int8MacPj;     ///< 8-bit multiply 0.2 pJ + 8-bit add 0.03 pJ.
  double fp32MacPj;     ///< FP32 multiply 3.7 pJ + FP32 add 0.9 pJ.
  double int8LaneOpPj;  ///< One 8-bit vector-lane ALU op (an 8-bit add).
  double int32LaneOpPj; ///< One 32-bit integer lane op (32-bit mult 3.1 pJ;
                        ///< requantization is multiply-dominated).
  double fp32LaneOpPj;  ///< One FP32 lane op (FP32 multiply 3.7 pJ).
  double sramBytePj;    ///< 8 KB SRAM: 10 pJ per 32-bit read = 2.5 pJ/byte.
  double dramBytePj;    ///< DRAM: 1.3-2.6 nJ per 64-bit access; the low
                        ///< end, 1300 pJ / 8 bytes = 162.5, taken as 160.
};

/// Every parameter of one NPU. Sizes in bytes, rates per cycle.
struct TargetDesc {
  std::string name;
  uint64_t clockHz;          ///< Converts cycles to time.
  uint32_t arrayRows;        ///< Systolic array rows (the K direction).
  uint32_t arrayCols;        ///< Systolic array columns (the N direction).
  uint32_t fp32RateDivisor;  ///< FP32 MACs/cycle = rows*cols / this.
  uint32_t accumulatorBytes; ///< Accumulator buffer (4-byte entries).
  uint32_t scratchpadBytes;  ///< Unified on-chip SRAM.
  uint32_t vectorLanesInt8;  ///< Vector unit lanes for 8-bit elements.
  uint32_t vectorLanes32;    ///< Vector unit lanes for 32-bit elements.
  uint32_t vectorTranscendentalCycles; ///< Cycles per lane group for exp,
                                       ///< tanh, erf, rsqrt, reciprocal.
  uint32_t vectorStartupCycles; ///< Pipeline fill per vector instruction.
  uint32_t lutEntries;          ///< INT8 activation lookup tables.
  uint32_t dramBytesPerCycle;   ///< DRAM bandwidth.
  uint32_t dramLatencyCycles;   ///< Latency per DMA command.
  uint32_t dramAddressBits;     ///< DRAM addresses are this wide.
  EnergyModel energy;

  uint32_t int8MacsPerCycle() const { return arrayRows * arrayCols; }
  uint32_t fp32MacsPerCycle() const {
    return arrayRows * arrayCols / fp32RateDivisor;
  }
  uint64_t maxDramBytes() const { return uint64_t(1) << dramAddressBits; }
};

/// The named targets: `npu-v1` (default), `npu-v1-small`, `npu-v1-large`.
/// Returns null for an unknown name.
const TargetDesc *lookupTarget(std::string_view name);

/// Names of every target, default first.
std::vector<std::string> targetNames();

/// The default target, `npu-v1`.
const TargetDesc &defaultTarget();

} // namespace npu::rt

#endif // NPU_RUNTIME_TARGET_H
