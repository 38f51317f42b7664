//===- LoaderFuzzer.cpp - libFuzzer target for .npubin files --------------===//
//
// Loads arbitrary bytes as an executable and, when they verify, runs them on
// the emulator under a small instruction and memory budget. Built with
// clang's -fsanitize=fuzzer,address,undefined (runtime/CMakeLists.txt):
//
//   build/bin/npu-loader-fuzzer -max_total_time=60 CORPUS_DIR
//
// Programs whose single instructions would do more than ~1M element steps,
// or which would do more than 2^24 in all, are loaded but not run, to keep
// each input fast.
//
//===----------------------------------------------------------------------===//

#include "npu/runtime/Emulator.h"

#include <cstddef>
#include <cstdint>

using namespace npu::rt;

static bool cheapToRun(const Executable &exe) {
  const uint64_t limit = 1 << 20;
  for (size_t i = 0; i < exe.numMatmul(); ++i) {
    const npu::bin::MatmulDesc &d = exe.matmul(i);
    if (uint64_t(d.m_outer()) * d.m_inner() * d.k() * d.n() > limit)
      return false;
  }
  for (size_t i = 0; i < exe.numVector(); ++i) {
    const npu::bin::VectorDesc &d = exe.vector(i);
    uint64_t n = uint64_t(d.window()->Get(0)) * d.window()->Get(1);
    for (int k = 0; k < 4; ++k)
      n *= d.dims()->Get(k);
    if (n > limit)
      return false;
  }
  for (size_t i = 0; i < exe.numDma(); ++i) {
    const npu::bin::DmaDesc &d = exe.dma(i);
    uint64_t n = 1;
    for (int k = 0; k < 4; ++k)
      n *= uint64_t(d.sizes()->Get(k)) + d.pad_before()->Get(k) +
           d.pad_after()->Get(k);
    if (n > limit)
      return false;
  }
  return true;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string error;
  auto exe =
      Executable::load(std::vector<uint8_t>(data, data + size), nullptr, error);
  if (!exe || !cheapToRun(*exe))
    return 0;
  RunOptions options;
  options.maxInstructions = 4096;
  // 4096 instructions of up to ~1M steps each would still be minutes under
  // ASan (a 15-minute run sat on one such input): bound the whole run.
  options.maxSteps = uint64_t(1) << 24;
  options.maxDramBytes = 1 << 24;
  Emulator emu(*exe, options);
  (void)emu.run(error);
  return 0;
}
