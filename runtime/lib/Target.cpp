//===- Target.cpp - the named NPU targets --------------------------------===//

#include "npu/runtime/Target.h"

#include <cmath>

namespace npu::rt {

namespace {

// Horowitz, ISSCC 2014 (45 nm): see EnergyModel.
constexpr EnergyModel kHorowitz45nm = {
    /*int8MacPj=*/0.2 + 0.03,
    /*fp32MacPj=*/3.7 + 0.9,
    /*int8LaneOpPj=*/0.03,
    /*int32LaneOpPj=*/3.1,
    /*fp32LaneOpPj=*/3.7,
    /*sramBytePj=*/10.0 / 4,
    /*dramBytePj=*/160.0,
};

// A Cortex-A55-class application core: see HostDesc.
constexpr HostDesc kCortexA55 = {
    /*clockHz=*/1'800'000'000,
    /*simdBytesPerCycle=*/16,
    /*dramBytesPerCycle=*/4,
    /*callOverheadCycles=*/10'000,
    /*instructionPj=*/70.0,
};

TargetDesc makeTarget(std::string name, uint32_t array, uint32_t sramKiB,
                      uint32_t accKiB) {
  TargetDesc t;
  t.name = std::move(name);
  t.clockHz = 1'000'000'000;
  t.arrayRows = array;
  t.arrayCols = array;
  t.fp32RateDivisor = 4;
  t.accumulatorBytes = accKiB * 1024;
  t.scratchpadBytes = sramKiB * 1024;
  t.vectorLanesInt8 = 64;
  t.vectorLanes32 = 16;
  t.vectorTranscendentalCycles = 4;
  t.vectorStartupCycles = 4;
  t.lutEntries = 256;
  t.dramBytesPerCycle = 16;
  t.dramLatencyCycles = 64;
  t.dramAddressBits = 32;
  t.dramBurstBytes = 64;
  t.localDmaBytesPerCycle = 64; // a 512-bit scratchpad port: see Target.h
  t.localDmaLatencyCycles = 8;
  t.energy = kHorowitz45nm;
  t.host = kCortexA55;
  return t;
}

const std::vector<TargetDesc> &targets() {
  // The small and large variants keep npu-v1's accumulator-to-scratchpad
  // ratio of 1:8 (64 KiB : 512 KiB).
  static const std::vector<TargetDesc> all = {
      makeTarget("npu-v1", 16, 512, 64),
      makeTarget("npu-v1-small", 8, 128, 16),
      makeTarget("npu-v1-large", 32, 2048, 256),
  };
  return all;
}

} // namespace

bool validateTarget(const TargetDesc &t, std::string &why) {
  auto fail = [&](const char *key, const char *what) {
    why = std::string(key) + " " + what;
    return false;
  };
#define NPU_CHECK_FIELD(member, key, kind)                                     \
  if constexpr (std::string_view(#kind) == "Int") {                            \
    if (t.member == 0)                                                         \
      return fail(key, "must be positive");                                    \
  } else if (!std::isfinite(double(t.member)) || double(t.member) < 0) {       \
    return fail(key, "must be a finite, non-negative figure");                 \
  }
  NPU_TARGET_FIELDS(NPU_CHECK_FIELD)
#undef NPU_CHECK_FIELD
  if (t.name.empty())
    return why = "the name must not be empty", false;
  if (t.lutEntries != 256)
    return fail("lut_entries", "must be 256 (one entry per INT8 code)");
  static_assert(kMaxDramAddressBits == 40, "the message below says 40");
  if (t.dramAddressBits > kMaxDramAddressBits)
    return fail("dram_address_bits", "must be at most 40");
  if (t.dramBurstBytes > 4096 || (t.dramBurstBytes & (t.dramBurstBytes - 1)))
    return fail("dram_burst_bytes", "must be a power of two, at most 4096");
  if (t.scratchpadBytes > (uint32_t(1) << 31))
    return fail("scratchpad_bytes", "must be at most 2^31");
  if (t.accumulatorBytes > (uint32_t(1) << 31))
    return fail("accumulator_bytes", "must be at most 2^31");
  if (t.arrayRows > 4096 || t.arrayCols > 4096)
    return fail("array_rows", "and array_cols must be at most 4096");
  if (t.host.simdBytesPerCycle > 4096 || t.host.dramBytesPerCycle > 4096)
    return fail("host_simd_bytes_per_cycle",
                "and host_dram_bytes_per_cycle must be at most 4096");
  if ((uint64_t(t.arrayRows) * t.arrayCols) % t.fp32RateDivisor)
    return fail("fp32_rate_divisor", "must divide array_rows x array_cols");
  return true;
}

bool operator==(const TargetDesc &a, const TargetDesc &b) {
  if (a.name != b.name)
    return false;
#define NPU_EQ_FIELD(member, key, kind)                                        \
  if (a.member != b.member)                                                    \
    return false;
  NPU_TARGET_FIELDS(NPU_EQ_FIELD)
#undef NPU_EQ_FIELD
  return true;
}

const TargetDesc *lookupTarget(std::string_view name) {
  for (const TargetDesc &t : targets())
    if (t.name == name)
      return &t;
  return nullptr;
}

std::vector<std::string> targetNames() {
  std::vector<std::string> names;
  for (const TargetDesc &t : targets())
    names.push_back(t.name);
  return names;
}

const TargetDesc &defaultTarget() { return targets().front(); }

} // namespace npu::rt
