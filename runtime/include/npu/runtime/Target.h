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

/// The SoC's application core that runs host segments (ONNX nodes the NPU
/// cannot execute) beside the NPU, sharing its DRAM. Cycles are host cycles;
/// the emulator converts them to NPU cycles through the two clocks. Figures
/// for an Arm Cortex-A55-class core in an NPU SoC:
struct HostDesc {
  /// 1.8 GHz: Rockchip RK3588 datasheet (Rev 1.0), whose four Cortex-A55
  /// cores run at up to 1.8 GHz beside its NPU.
  uint64_t clockHz;
  /// 16: one 128-bit Advanced SIMD (Q-form) arithmetic instruction per cycle
  /// (Arm Cortex-A55 Software Optimization Guide, section 3, ASIMD
  /// throughput). A vectorised kernel does 16 / element bytes lane
  /// operations per cycle.
  uint32_t simdBytesPerCycle;
  /// 4 bytes per host cycle (7.2 GB/s at 1.8 GHz): an assumption, about
  /// what one little core streams from a shared LPDDR4X memory system.
  uint32_t dramBytesPerCycle;
  /// 10,000 cycles (5.6 us at 1.8 GHz) per handoff (a host segment right
  /// after NPU work): the NPU's completion interrupt, the driver waking the
  /// CPU side and dispatching the kernel. An assumption of the order of Linux
  /// interrupt-to-thread latencies; it is what makes ping-ponging between
  /// devices expensive.
  uint32_t callOverheadCycles;
  /// 70 pJ per instruction, the overhead-dominated figure for a simple core
  /// (Horowitz, ISSCC 2014, Figure 1.1.9: "instruction ~70 pJ"); DRAM bytes
  /// cost EnergyModel::dramBytePj, the memory being shared.
  double instructionPj;
};

/// The widest DRAM address of any target (validateTarget refuses wider): no
/// tensor of any program is larger than 2^40 bytes, which the importer
/// checks before a target is chosen.
constexpr uint32_t kMaxDramAddressBits = 40;

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
  uint32_t dramAddressBits;     ///< DRAM addresses are this wide (at most
                                ///< kMaxDramAddressBits).
  /// One burst of the DRAM interface, bytes: tensors are placed on this
  /// boundary so no DMA row starts mid-burst (LPDDR4, JESD209-4: burst
  /// length 16 on a 32-bit channel = 64 bytes). A power of two.
  uint32_t dramBurstBytes;
  /// Copies inside the scratchpad (dma.load and dma.store with the ISA v9
  /// Local bit: a value kept on chip between layers), bytes per cycle. A
  /// design figure of this NPU: the scratchpad port is 512 bits wide, the
  /// width the vector unit reads (vectorLanes32 = 16 FP32 lanes x 4 bytes),
  /// so 64 on every target.
  uint32_t localDmaBytesPerCycle;
  /// Latency per local DMA command, cycles: 8, a design figure for a
  /// command to the on-chip SRAM, which has none of DRAM's page and memory
  /// controller latency (dramLatencyCycles).
  uint32_t localDmaLatencyCycles;
  EnergyModel energy;
  HostDesc host; ///< The application core beside the NPU.

  uint32_t int8MacsPerCycle() const { return arrayRows * arrayCols; }
  uint32_t fp32MacsPerCycle() const {
    return arrayRows * arrayCols / fp32RateDivisor;
  }
  uint64_t maxDramBytes() const { return uint64_t(1) << dramAddressBits; }
};

/// Every numeric field of TargetDesc with its key in textual forms (the
/// compiler's `#npu.target<...>` attribute): X(member, "key", kind), kind
/// being `Int` (a positive integer) or `Real` (a non-negative figure). One
/// list, so a field added to TargetDesc is added here and every printer,
/// parser and verifier follows.
#define NPU_TARGET_FIELDS(X)                                                   \
  X(clockHz, "clock_hz", Int)                                                  \
  X(arrayRows, "array_rows", Int)                                              \
  X(arrayCols, "array_cols", Int)                                              \
  X(fp32RateDivisor, "fp32_rate_divisor", Int)                                 \
  X(accumulatorBytes, "accumulator_bytes", Int)                                \
  X(scratchpadBytes, "scratchpad_bytes", Int)                                  \
  X(vectorLanesInt8, "vector_lanes_int8", Int)                                 \
  X(vectorLanes32, "vector_lanes_32", Int)                                     \
  X(vectorTranscendentalCycles, "vector_transcendental_cycles", Int)           \
  X(vectorStartupCycles, "vector_startup_cycles", Int)                         \
  X(lutEntries, "lut_entries", Int)                                            \
  X(dramBytesPerCycle, "dram_bytes_per_cycle", Int)                            \
  X(dramLatencyCycles, "dram_latency_cycles", Int)                             \
  X(dramAddressBits, "dram_address_bits", Int)                                 \
  X(dramBurstBytes, "dram_burst_bytes", Int)                                   \
  X(localDmaBytesPerCycle, "local_dma_bytes_per_cycle", Int)                   \
  X(localDmaLatencyCycles, "local_dma_latency_cycles", Int)                    \
  X(energy.int8MacPj, "int8_mac_pj", Real)                                     \
  X(energy.fp32MacPj, "fp32_mac_pj", Real)                                     \
  X(energy.int8LaneOpPj, "int8_lane_op_pj", Real)                              \
  X(energy.int32LaneOpPj, "int32_lane_op_pj", Real)                            \
  X(energy.fp32LaneOpPj, "fp32_lane_op_pj", Real)                              \
  X(energy.sramBytePj, "sram_byte_pj", Real)                                   \
  X(energy.dramBytePj, "dram_byte_pj", Real)                                   \
  X(host.clockHz, "host_clock_hz", Int)                                        \
  X(host.simdBytesPerCycle, "host_simd_bytes_per_cycle", Int)                  \
  X(host.dramBytesPerCycle, "host_dram_bytes_per_cycle", Int)                  \
  X(host.callOverheadCycles, "host_call_overhead_cycles", Int)                 \
  X(host.instructionPj, "host_instruction_pj", Real)

/// Whether `t`'s figures describe a machine the compiler and the emulator
/// can work with: every integer positive, 256 lookup-table entries, the FP32
/// rate divisor dividing rows x cols, at most 40 address bits, at most 2^31
/// bytes of scratchpad and accumulator, energy figures finite and non-negative.
/// Sets `why` (naming the field by its key) and returns false otherwise.
bool validateTarget(const TargetDesc &t, std::string &why);

/// Field-by-field equality (name included).
bool operator==(const TargetDesc &a, const TargetDesc &b);
inline bool operator!=(const TargetDesc &a, const TargetDesc &b) {
  return !(a == b);
}

/// The named targets: `npu-v1` (default), `npu-v1-small`, `npu-v1-large`.
/// Returns null for an unknown name.
const TargetDesc *lookupTarget(std::string_view name);

/// Names of every target, default first.
std::vector<std::string> targetNames();

/// The default target, `npu-v1`.
const TargetDesc &defaultTarget();

} // namespace npu::rt

#endif // NPU_RUNTIME_TARGET_H
