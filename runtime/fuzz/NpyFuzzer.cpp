//===- NpyFuzzer.cpp - libFuzzer target for the .npy reader ---------------===//
//
// Parses arbitrary bytes as a .npy file image (the reader behind npu-run's,
// npu-compare's and npu-compile's --input, --input-value and --calibration
// files). A parse that succeeds must describe exactly the bytes it was given:
// data.size() == product(shape) * element size, and encodeNpy of the result
// must parse back to the same array. Built with clang's
// -fsanitize=fuzzer,address,undefined (runtime/CMakeLists.txt):
//
//   build/bin/npu-npy-fuzzer -max_total_time=60 CORPUS_DIR
//
//===----------------------------------------------------------------------===//

#include "npu/runtime/Executable.h"
#include "npu/runtime/Npy.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace npu::rt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  NpyArray array;
  std::string error;
  if (!parseNpy(data, size, array, error)) {
    if (error.empty())
      std::abort(); // a refusal always says why
    return 0;
  }
  uint64_t count = 1;
  for (int64_t d : array.shape) {
    if (d < 0)
      std::abort();
    count *= uint64_t(d);
  }
  if (array.data.size() != count * elementBytes(array.type))
    std::abort();
  std::vector<uint8_t> again =
      encodeNpy(array.type, array.shape, array.data.data(), array.data.size());
  NpyArray back;
  if (!parseNpy(again.data(), again.size(), back, error) ||
      back.type != array.type || back.shape != array.shape ||
      back.data != array.data)
    std::abort();
  return 0;
}
