//===- EmulatorBench.cpp - host speed of the emulator's MAC array --------===//
//
// Simulated MACs per host second for one matmul instruction of
// 128 x 512 x 128 (8.4 M MACs; A and W in the scratchpad, the result filling
// the 64 KiB accumulator), INT8 and FP32, dense and with half the weight
// blocks pruned. Counter "MAC/s" counts executed MACs.
//
// Elements per host second of one vec.convert quantize of 32768 FP32
// values to INT8 (counter "elem/s").
//
// Host nanoseconds per element step (rt::instructionSteps) of one
// instruction whose zero strides revisit the same few bytes, the shape a
// hostile .npubin uses to ask for much work in few bytes: a DMA load, an
// FP32 matmul, a vec.binary add and a max pool. Counter "ns_per_step"
// (google-benchmark prints the inverted rate with an "s" suffix: read
// "3.4s" as 3.4 ns); these figures size npu-run's default --max-steps
// (README, rt::defaultStepBudget).
//
//===----------------------------------------------------------------------===//

#include "npu/runtime/Descriptors.h"
#include "npu/runtime/Emulator.h"
#include "npu/runtime/Timing.h"

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

/// One vec.convert quantize of 32768 dense FP32 values (128 KiB
/// of the scratchpad) to INT8, out of place: the AVX2 quantize rows.
void BM_VecQuantizeInt8(benchmark::State &state) {
  const TargetDesc &t = *lookupTarget("npu-v1");
  const int n = 32768;
  ProgramBuilder b(t);
  b.setDramSize(64);
  bin::VectorDesc q =
      makeVectorDesc({n, 1, 1, 1}, bin::ElementType::F32, {1, 0, 0, 0},
                     bin::ElementType::I8, {1, 0, 0, 0});
  q.mutate_alpha(0.05f);
  q.mutate_zp_out(-3);
  q.mutate_lo(-128);
  q.mutate_hi(127);
  b.emit(makeVector(Opcode::VecConvert, b.addVector(q),
                    vecfunc::VecConvert_Quantize, 0, 0, uint32_t(4 * n)));
  std::string error;
  auto exe = Executable::load(b.finish(), &t, error);
  Emulator emu(*exe);
  if (!exe || !emu.prepare(error)) {
    state.SkipWithError(error.c_str());
    return;
  }
  std::mt19937 rng(2);
  for (int i = 0; i < n; ++i) {
    float f = float(int(rng() % 20000) - 10000) / 1000.0f;
    std::memcpy(&emu.scratchpad()[size_t(i) * 4], &f, 4);
  }
  uint64_t elements = 0;
  for (auto _ : state) {
    if (!emu.run(error)) {
      state.SkipWithError(error.c_str());
      return;
    }
    elements += n;
    benchmark::DoNotOptimize(emu.scratchpad().data());
  }
  state.counters["elem/s"] =
      benchmark::Counter(double(elements), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_VecQuantizeInt8)->Unit(benchmark::kMicrosecond);

/// Runs the one-instruction program `b` and reports host ns per step.
void runSteps(benchmark::State &state, ProgramBuilder &b) {
  std::string error;
  auto exe = Executable::load(b.finish(), nullptr, error);
  if (!exe) {
    state.SkipWithError(error.c_str());
    return;
  }
  RunOptions options;
  options.maxSteps = UINT64_MAX;
  Emulator emu(*exe, options);
  uint64_t steps = 0;
  for (auto _ : state) {
    if (!emu.run(error)) {
      state.SkipWithError(error.c_str());
      return;
    }
    steps += programSteps(*exe);
  }
  state.counters["steps"] = double(programSteps(*exe));
  state.counters["ns_per_step"] =
      benchmark::Counter(double(steps) * 1e-9, benchmark::Counter::kIsRate |
                                                   benchmark::Counter::kInvert);
}

// 2^24 steps each.
void BM_StepsDmaZeroStride(benchmark::State &state) {
  ProgramBuilder b(*lookupTarget("npu-v1"));
  b.setDramSize(64);
  uint16_t d =
      b.addDma(makeDmaDesc(4, {256, 256, 256, 1}, {0, 0, 0, 0}, {0, 0, 0, 0}));
  b.emit(makeDmaLoad(d, 0, 0));
  runSteps(state, b);
}
void BM_StepsMatmulZeroStride(benchmark::State &state) {
  ProgramBuilder b(*lookupTarget("npu-v1"));
  b.setDramSize(64);
  uint16_t mm = b.addMatmul(makeMatmulDesc(256, 256, 256, 0, 0, 0));
  b.emit(makeMatmul(mm, 0, 0, 0, /*fp32=*/true, false, false));
  runSteps(state, b);
}
void BM_StepsVecBinaryZeroStride(benchmark::State &state) {
  ProgramBuilder b(*lookupTarget("npu-v1"));
  b.setDramSize(64);
  uint16_t v = b.addVector(makeVectorDesc({256, 256, 256, 1},
                                          bin::ElementType::F32, {0, 0, 0, 0},
                                          bin::ElementType::F32, {0, 0, 0, 0},
                                          bin::ElementType::F32, {0, 0, 0, 0}));
  b.emit(makeVector(Opcode::VecBinary, v, vecfunc::VecBinary_Add, 0, 0, 0));
  runSteps(state, b);
}
void BM_StepsVecPoolZeroStride(benchmark::State &state) {
  ProgramBuilder b(*lookupTarget("npu-v1"));
  b.setDramSize(64);
  bin::VectorDesc d =
      makeVectorDesc({256, 256, 16, 1}, bin::ElementType::F32, {0, 0, 0, 0},
                     bin::ElementType::F32, {0, 0, 0, 0});
  d.mutable_window()->Mutate(0, 4);
  d.mutable_window()->Mutate(1, 4);
  uint16_t v = b.addVector(d);
  b.emit(makeVector(Opcode::VecPool, v, vecfunc::VecPool_Max, 0, 0, 0));
  runSteps(state, b);
}
BENCHMARK(BM_StepsDmaZeroStride)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StepsMatmulZeroStride)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StepsVecBinaryZeroStride)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StepsVecPoolZeroStride)->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
