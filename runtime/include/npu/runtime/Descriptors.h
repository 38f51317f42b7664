//===- Descriptors.h - constructing DMA, matmul and vector descriptors -*- C++
//-*-===//
//
// Helpers shared by hand-written programs (tests, benchmarks) and the
// compiler's emitter. Arrays are innermost dimension first.
//
//===----------------------------------------------------------------------===//

#ifndef NPU_RUNTIME_DESCRIPTORS_H
#define NPU_RUNTIME_DESCRIPTORS_H

#include "npu/runtime/npubin_generated.h"

#include <array>
#include <cstdint>

namespace npu::rt {

using Dims4 = std::array<uint16_t, 4>;
using Strides4 = std::array<uint32_t, 4>;
using ElemStrides4 = std::array<int32_t, 4>;

/// A 4-D DMA box; pads (loads only) grow the scratchpad box.
inline bin::DmaDesc makeDmaDesc(uint8_t elemBytes, Dims4 sizes,
                                Strides4 dramStrides, Strides4 sramStrides,
                                Dims4 padBefore = {}, Dims4 padAfter = {},
                                uint32_t padValue = 0) {
  return bin::DmaDesc(elemBytes, padValue, sizes, dramStrides, sramStrides,
                      padBefore, padAfter);
}

/// `rows` x `cols` elements, rows `dramRowStride` / `sramRowStride` bytes
/// apart.
inline bin::DmaDesc makeDma2D(uint8_t elemBytes, uint16_t rows, uint16_t cols,
                              uint32_t dramRowStride, uint32_t sramRowStride) {
  return makeDmaDesc(elemBytes, {cols, rows, 1, 1},
                     {elemBytes, dramRowStride, 0, 0},
                     {elemBytes, sramRowStride, 0, 0});
}

/// A plain matrix product: M rows of A `aRowStride` bytes apart.
inline bin::MatmulDesc makeMatmulDesc(uint16_t m, uint16_t k, uint16_t n,
                                      uint32_t aRowStride, uint32_t wRowStride,
                                      uint16_t accRowStride) {
  return bin::MatmulDesc(1, m, k, n, 0, aRowStride, wRowStride, accRowStride);
}

/// A vector iteration space with operand types and element strides; scalars
/// (alpha = 1, beta = 0, lo = -inf, hi = +inf, zero points 0) and pool
/// windows (1x1) are set with the generated mutators.
inline bin::VectorDesc
makeVectorDesc(Dims4 dims, bin::ElementType src0Type, ElemStrides4 src0,
               bin::ElementType dstType, ElemStrides4 dst,
               bin::ElementType src1Type = bin::ElementType::F32,
               ElemStrides4 src1 = {}) {
  std::array<uint16_t, 2> one = {1, 1};
  return bin::VectorDesc(dims, src0, src1, dst, src0Type, src1Type, dstType,
                         bin::Space::Scratchpad, bin::Space::Scratchpad,
                         bin::Space::Scratchpad, 0, one, one, 1.0f, 0.0f,
                         -__builtin_inff(), __builtin_inff(), 0, 0, 0);
}

/// Dense row-major element strides of `dims` (innermost first).
inline ElemStrides4 denseStrides(Dims4 dims) {
  return {1, int32_t(dims[0]), int32_t(dims[0] * dims[1]),
          int32_t(dims[0] * dims[1] * dims[2])};
}

} // namespace npu::rt

#endif // NPU_RUNTIME_DESCRIPTORS_H
