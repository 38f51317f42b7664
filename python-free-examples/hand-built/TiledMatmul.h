//===- TiledMatmul.h - a hand-built NPU program ---------------------*- C++
//-*-===//
//
// C = A x W for 64x64 INT8 matrices, INT32 result, tiled over N in four
// 64x16 tiles with double-buffered W tiles and output buffers, so that the
// load, compute and store queues overlap through dependence tokens. Used by
// the emulator's tests (whose cycle count is worked out in
// docs/npu-architecture.md) and by `npu-build-example`.
//
//===----------------------------------------------------------------------===//

#ifndef NPU_EXAMPLES_TILEDMATMUL_H
#define NPU_EXAMPLES_TILEDMATMUL_H

#include "npu/runtime/Descriptors.h"
#include "npu/runtime/Executable.h"

#include <cstdint>
#include <vector>

namespace npu::examples {

/// Emits the program into `b`. A is graph input "a" (INT8 64x64 at DRAM 0),
/// W the constant `w` (INT8 64x64, row-major K x N), C graph output "c"
/// (INT32 64x64 at DRAM 8192). `aScale` and `aZeroPoint` give "a"
/// quantization parameters (metadata only: the program multiplies the raw
/// INT8 codes), per tensor or per row (axis 0).
inline void buildTiledMatmul(rt::ProgramBuilder &b,
                             const std::vector<int8_t> &w,
                             std::vector<float> aScale = {},
                             std::vector<int32_t> aZeroPoint = {}) {
  using namespace rt;
  const int S = 64, T = 16; // matrix size, N per tile
  uint16_t layer = b.addLayer("matmul0", "MatMul");
  const uint32_t dA = 0, dC = 8192;
  b.setConstantsOffset(4096);
  uint32_t dW = b.addConstant(w.data(), w.size());
  b.setDramSize(dC + S * S * 4);
  rt::TensorSpec a{"a", {S, S}, bin::ElementType::I8, bin::Layout::Dense,
                   dA,  S * S};
  a.quantAxis = aScale.size() > 1 ? 0 : -1;
  a.scale = std::move(aScale);
  a.zeroPoint = std::move(aZeroPoint);
  b.addInput(a);
  b.addOutput(
      {"c", {S, S}, bin::ElementType::I32, bin::Layout::Dense, dC, S * S * 4});
  uint16_t loadA = b.addDma(makeDma2D(1, S, S, S, S));
  uint16_t loadW = b.addDma(makeDma2D(1, S, T, S, T));
  uint16_t storeC = b.addDma(makeDma2D(4, S, T, S * 4, T * 4));
  uint16_t mm = b.addMatmul(makeMatmulDesc(S, S, T, S, T, T));
  bin::VectorDesc copy =
      makeVectorDesc({T, S, 1, 1}, bin::ElementType::I32, {1, T, 0, 0},
                     bin::ElementType::I32, {1, T, 0, 0});
  copy.mutate_src0_space(bin::Space::Accumulator);
  uint16_t cp = b.addVector(copy);
  const uint32_t sA = 0, sW[2] = {4096, 4096 + 1024}, sO[2] = {8192, 12288};
  b.emit(makeDmaLoad(loadA, sA, dA, layer));
  for (int t = 0; t < 2; ++t)
    b.emit(withDeps(makeDmaLoad(loadW, sW[t], dW + t * T, layer), false, false,
                    false, true));
  for (int t = 0; t < 4; ++t) {
    if (t >= 2) // W buffer t%2 is free once compute is done with tile t-2
      b.emit(withDeps(makeDmaLoad(loadW, sW[t % 2], dW + t * T, layer), false,
                      true, false, true));
    // Wait for the W tile, and (from tile 2 on) for the output buffer.
    b.emit(
        withDeps(makeMatmul(mm, sA, sW[t % 2], 0, false, false, false, layer),
                 true, t >= 2, false, false));
    // Accumulator -> output buffer; frees the W buffer, hands over the tile.
    b.emit(withDeps(makeVector(Opcode::VecUnary, cp, vecfunc::VecUnary_Copy, 0,
                               0, sO[t % 2], layer),
                    false, false, true, true));
    b.emit(withDeps(makeDmaStore(storeC, sO[t % 2], dC + t * T * 4, layer),
                    true, false, true, false));
  }
}

} // namespace npu::examples

#endif // NPU_EXAMPLES_TILEDMATMUL_H
