//===- OnnxSemantics.h - ONNX parameter resolution shared by import ---*- C++
//-*-===//
//
// Turns ONNX operator parameters into the normalised, static form the npu
// dialect uses. Shared by the host constant folder and the op importers so
// that a folded Slice and an imported Slice can never disagree.
//
//===----------------------------------------------------------------------===//

#ifndef NPU_LIB_IMPORTER_ONNX_ONNXSEMANTICS_H
#define NPU_LIB_IMPORTER_ONNX_ONNXSEMANTICS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <string>

namespace npu::onnx_import {

/// Full-rank strided slice: result index i on axis d reads
/// offsets[d] + i * strides[d]; sizes[d] elements.
struct SliceParams {
  llvm::SmallVector<int64_t> offsets, sizes, strides;
};

/// Resolves ONNX Slice (opset 10+ inputs, or opset 1-9 attributes with unit
/// steps) on a tensor of `shape`: negative axes and indices count from the
/// end, starts/ends are clamped as the ONNX specification says (to [0, dim]
/// for positive steps, [-1, dim-1] for negative ones). `axes` empty means
/// axes 0..n-1. Fails, with `error` set, on mismatched lengths, zero steps or
/// out-of-range/repeated axes.
bool resolveSlice(llvm::ArrayRef<int64_t> shape, llvm::ArrayRef<int64_t> starts,
                  llvm::ArrayRef<int64_t> ends, llvm::ArrayRef<int64_t> axes,
                  llvm::ArrayRef<int64_t> steps, SliceParams &out,
                  std::string &error);

/// Normalises `axis` against `rank` (negative counts from the end); false
/// when it is outside [-rank, rank).
bool normalizeAxis(int64_t &axis, int64_t rank);

/// NumPy multidirectional broadcast of `a` and `b` into `out`; false when the
/// shapes are incompatible.
bool broadcastShapes(llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b,
                     llvm::SmallVectorImpl<int64_t> &out);

/// Row-major flat index into a tensor of `inShape` (right-aligned and
/// broadcast against `outShape`) for each flat index of `outShape`.
std::vector<int64_t> broadcastIndexMap(llvm::ArrayRef<int64_t> outShape,
                                       llvm::ArrayRef<int64_t> inShape);

} // namespace npu::onnx_import

#endif // NPU_LIB_IMPORTER_ONNX_ONNXSEMANTICS_H
