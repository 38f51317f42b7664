//===- OnnxSemantics.cpp - ONNX parameter resolution ---------------------===//

#include "OnnxSemantics.h"

#include <algorithm>

namespace npu::onnx_import {

bool normalizeAxis(int64_t &axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return false;
  if (axis < 0)
    axis += rank;
  return true;
}

bool resolveSlice(llvm::ArrayRef<int64_t> shape, llvm::ArrayRef<int64_t> starts,
                  llvm::ArrayRef<int64_t> ends, llvm::ArrayRef<int64_t> axes,
                  llvm::ArrayRef<int64_t> steps, SliceParams &out,
                  std::string &error) {
  int64_t rank = shape.size();
  size_t n = starts.size();
  if (ends.size() != n || (!axes.empty() && axes.size() != n) ||
      (!steps.empty() && steps.size() != n)) {
    error = "Slice starts, ends, axes and steps differ in length";
    return false;
  }
  out.offsets.assign(rank, 0);
  out.strides.assign(rank, 1);
  out.sizes.assign(shape.begin(), shape.end());
  std::vector<bool> seen(rank, false);
  for (size_t i = 0; i < n; ++i) {
    int64_t axis = axes.empty() ? static_cast<int64_t>(i) : axes[i];
    if (!normalizeAxis(axis, rank) || seen[axis]) {
      error = "Slice axis out of range or repeated";
      return false;
    }
    seen[axis] = true;
    int64_t dim = shape[axis];
    if (dim < 0) {
      error = "Slice of a dynamic dimension";
      return false;
    }
    int64_t step = steps.empty() ? 1 : steps[i];
    if (step == 0) {
      error = "Slice step is zero";
      return false;
    }
    int64_t start = starts[i], end = ends[i];
    // Index adjustment and clamping, ONNX Slice-13 specification.
    if (start < 0)
      start = start < -dim ? 0 : start + dim;
    if (end < 0)
      end = end < -dim ? -1 : end + dim;
    if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
    } else {
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
    }
    // Count = ceil(distance / |step|) in unsigned arithmetic: a step of
    // INT64_MIN has no int64_t negation, and a huge step must not overflow
    // the rounding addend.
    uint64_t distance = step > 0 ? (end > start ? uint64_t(end - start) : 0)
                                 : (start > end ? uint64_t(start - end) : 0);
    uint64_t magnitude = step > 0 ? uint64_t(step) : 0 - uint64_t(step);
    int64_t size = distance == 0
                       ? 0
                       : static_cast<int64_t>((distance - 1) / magnitude + 1);
    out.offsets[axis] = size > 0 ? start : 0;
    out.strides[axis] = step;
    out.sizes[axis] = size;
  }
  return true;
}

bool broadcastShapes(llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b,
                     llvm::SmallVectorImpl<int64_t> &out) {
  size_t rank = std::max(a.size(), b.size());
  out.assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      return false;
    out[i] = da == 1 ? db : da;
  }
  return true;
}

std::vector<int64_t> broadcastIndexMap(llvm::ArrayRef<int64_t> outShape,
                                       llvm::ArrayRef<int64_t> inShape) {
  size_t rank = outShape.size(), offset = rank - inShape.size();
  // Stride of each output axis in the input (0 where broadcast).
  std::vector<int64_t> strides(rank, 0);
  int64_t s = 1;
  for (size_t i = inShape.size(); i-- > 0;) {
    strides[i + offset] = inShape[i] == 1 ? 0 : s;
    s *= inShape[i];
  }
  int64_t total = 1;
  for (int64_t d : outShape)
    total *= d;
  std::vector<int64_t> map(total);
  std::vector<int64_t> idx(rank, 0);
  for (int64_t flat = 0; flat < total; ++flat) {
    int64_t in = 0;
    for (size_t d = 0; d < rank; ++d)
      in += idx[d] * strides[d];
    map[flat] = in;
    for (size_t d = rank; d-- > 0;) {
      if (++idx[d] < outShape[d])
        break;
      idx[d] = 0;
    }
  }
  return map;
}

} // namespace npu::onnx_import
