//===- npu-build-example.cpp - write a hand-built NPU program ------------===//
//
// npu-build-example DIR
//
// Writes DIR/tiled-matmul.npubin (see TiledMatmul.h), an input DIR/a.npy and
// the host-computed result DIR/expected_c.npy, so that
//   npu-run DIR/tiled-matmul.npubin --input=DIR/a.npy --output-dir=OUT
// can be checked with `cmp OUT/c.npy DIR/expected_c.npy`.
//
//===----------------------------------------------------------------------===//

#include "TiledMatmul.h"

#include "npu/runtime/Npy.h"

#include <cstdio>
#include <string>

using namespace npu;

int main(int argc, char **argv) {
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
