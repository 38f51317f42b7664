//===- EmulatorBench.cpp - host speed of the emulator's MAC array --------===//
//
// Simulated MACs per host second for one matmul instruction of
// 128 x 512 x 128 (8.4 M MACs; A and W in the scratchpad, the result filling
// the 64 KiB accumulator), INT8 and FP32, dense and with half the weight
// blocks pruned. Counter "MAC/s" counts executed MACs.
//
//===----------------------------------------------------------------------===//

#include "npu/runtime/Descriptors.h"
#include "npu/runtime/Emulator.h"

#include <benchmark/benchmark.h>

#include <cstring>
#include <random>

using namespace npu::rt;
namespace bin = npu::bin;

namespace {

constexpr int M = 128, K = 512, N = 128;

void runMatmul(benchmark::State &state, bool fp32, bool sparse) {
  const TargetDesc &t = *lookupTarget("npu-v1");
  const int R = int(t.arrayRows), C = int(t.arrayCols);
  int eb = fp32 ? 4 : 1;
  ProgramBuilder b(t);
  b.setDramSize(64);
  uint16_t mm = b.addMatmul(makeMatmulDesc(M, K, N, K * eb, N * eb, N));
  const uint32_t aAddr = 0, wAddr = uint32_t(M * K * eb);
  b.emit(makeMatmul(mm, aAddr, wAddr, 0, fp32, false, sparse));
  std::string error;
  auto exe = Executable::load(b.finish(), &t, error);
  Emulator emu(*exe);
  if (!exe || !emu.prepare(error)) {
    state.SkipWithError(error.c_str());
    return;
  }
  std::mt19937 rng(1);
  Memory &sram = emu.scratchpad();
  for (int i = 0; i < M * K * eb; ++i)
    sram[aAddr + i] = uint8_t(rng());
  if (fp32) // small finite floats
    for (int i = 0; i < M * K + K * N; ++i) {
      float f = float(int(rng() % 200) - 100) / 64.0f;
      std::memcpy(&sram[size_t(i) * 4], &f, 4);
    }
  if (!sparse) {
    if (!fp32)
      for (int i = 0; i < K * N; ++i)
        sram[wAddr + i] = uint8_t(rng());
  } else {
    // Mask with every other block present, then the present blocks.
    int blocks = (K / R) * (N / C);
    for (int blk = 0; blk < blocks; blk += 2)
      sram[wAddr + blk / 8] |= uint8_t(1 << (blk % 8));
    size_t maskBytes = size_t((blocks + 7) / 8 + 15) / 16 * 16;
    for (size_t i = 0; i < size_t(blocks / 2) * R * C * eb; ++i)
      sram[wAddr + maskBytes + i] = fp32 ? uint8_t(0x3C) : uint8_t(rng());
  }
  uint64_t macs = 0;
  for (auto _ : state) {
    if (!emu.run(error)) {
      state.SkipWithError(error.c_str());
      return;
    }
    macs += emu.stats().macs();
    benchmark::DoNotOptimize(emu.accumulator().data());
  }
  state.counters["MAC/s"] =
      benchmark::Counter(double(macs), benchmark::Counter::kIsRate);
  state.counters["sim_cycles"] = double(emu.stats().cycles);
}

void BM_MatmulInt8Dense(benchmark::State &s) { runMatmul(s, false, false); }
void BM_MatmulInt8Sparse50(benchmark::State &s) { runMatmul(s, false, true); }
void BM_MatmulFp32Dense(benchmark::State &s) { runMatmul(s, true, false); }
BENCHMARK(BM_MatmulInt8Dense)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MatmulInt8Sparse50)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MatmulFp32Dense)->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
