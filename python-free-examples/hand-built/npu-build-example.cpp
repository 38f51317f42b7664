//===- npu-build-example.cpp - write a hand-built NPU program ------------===//
//
// npu-build-example DIR
// npu-build-example --random-f32=FILE.npy --shape=D0xD1x... [--seed=N]
//                   [--range=LO,HI]
//
// The first form writes DIR/tiled-matmul.npubin (see TiledMatmul.h), an input
// DIR/a.npy and the host-computed result DIR/expected_c.npy, so that
//   npu-run DIR/tiled-matmul.npubin --input=DIR/a.npy --output-dir=OUT
// can be checked with `cmp OUT/c.npy DIR/expected_c.npy`. The second writes a
// deterministic FP32 array with values uniform in [LO, HI) (default
// [-4, 4)) for tests that need large inputs or data offset from zero.
//
//===----------------------------------------------------------------------===//

#include "TiledMatmul.h"

#include "npu/runtime/Npy.h"

#include <cstdio>
#include <string>

using namespace npu;

static int writeRandom(int argc, char **argv) {
  std::string path, shapeSpec;
  unsigned seed = 1;
  float lo = -4.0f, hi = 4.0f;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--random-f32=", 0) == 0)
      path = a.substr(13);
    else if (a.rfind("--shape=", 0) == 0)
      shapeSpec = a.substr(8);
    else if (a.rfind("--seed=", 0) == 0)
      seed = unsigned(std::stoul(a.substr(7)));
    else if (a.rfind("--range=", 0) == 0 &&
             std::sscanf(a.c_str() + 8, "%f,%f", &lo, &hi) != 2) {
      std::fprintf(stderr, "npu-build-example: error: --range takes LO,HI\n");
      return 1;
    }
  }
  std::vector<int64_t> shape;
  size_t count = 1, pos = 0;
  while (pos < shapeSpec.size()) {
    size_t x = shapeSpec.find('x', pos);
    shape.push_back(std::stoll(shapeSpec.substr(pos, x - pos)));
    count *= size_t(shape.back());
    pos = x == std::string::npos ? shapeSpec.size() : x + 1;
  }
  if (path.empty() || shape.empty()) {
    std::fprintf(stderr,
                 "usage: npu-build-example --random-f32=FILE --shape=AxB\n");
    return 1;
  }
  std::vector<float> values(count);
  uint32_t state = seed * 2654435761u + 1;
  for (float &v : values) {
    state = state * 1664525u + 1013904223u; // Numerical Recipes LCG
    v = float(state >> 8) / float(1u << 24) * (hi - lo) + lo;
  }
  std::string error;
  if (!rt::writeFileAtomically(
          path,
          rt::encodeNpy(bin::ElementType::F32, shape, values.data(), count * 4),
          error)) {
    std::fprintf(stderr, "npu-build-example: error: %s\n", error.c_str());
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && std::string(argv[1]).rfind("--random-f32=", 0) == 0)
    return writeRandom(argc, argv);
  if (argc != 2) {
    std::fprintf(stderr, "usage: npu-build-example DIR\n");
    return 1;
  }
  std::string dir = argv[1];
  const int S = 64;
  // Deterministic data covering the INT8 range.
  std::vector<int8_t> a(S * S), w(S * S);
  for (int i = 0; i < S * S; ++i) {
    a[i] = int8_t((i * 37 + 11) % 256 - 128);
    w[i] = int8_t((i * 101 + 7) % 256 - 128);
  }
  std::vector<int32_t> c(S * S, 0);
  for (int i = 0; i < S; ++i)
    for (int j = 0; j < S; ++j)
      for (int k = 0; k < S; ++k)
        c[i * S + j] += int32_t(a[i * S + k]) * int32_t(w[k * S + j]);

  rt::ProgramBuilder b(*rt::lookupTarget("npu-v1"));
  b.setProducer("npu-build-example", "1");
  examples::buildTiledMatmul(b, w);
  std::string error;
  if (!rt::writeFileAtomically(dir + "/tiled-matmul.npubin", b.finish(),
                               error) ||
      !rt::writeFileAtomically(
          dir + "/a.npy",
          rt::encodeNpy(bin::ElementType::I8, {S, S}, a.data(), a.size()),
          error) ||
      !rt::writeFileAtomically(
          dir + "/expected_c.npy",
          rt::encodeNpy(bin::ElementType::I32, {S, S}, c.data(), c.size() * 4),
          error)) {
    std::fprintf(stderr, "npu-build-example: error: %s\n", error.c_str());
    return 1;
  }
  return 0;
}
