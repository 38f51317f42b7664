//===- ResizeSampling.h - where ONNX Resize samples its input ---*- C++ -*-===//
//
// ONNX Resize (opsets 10-19) one axis at a time, as the ONNX reference does
// (onnx/reference/ops/op_resize.py, `interpolate_1d_with_x`): output index
// `o` maps to the input coordinate `x` under the coordinate transformation
// mode, and the output is a weighted sum of the input elements at the `n`
// integer positions nearest `x` (n = 2 for nearest and linear, 4 for cubic),
// positions outside the axis reading the edge element (or, with
// `exclude_outside`, dropped and the weights renormalised). Every mode is
// therefore a matrix per axis; nearest's is one-hot.
//
// Used by the `npu-lower-resize` pass (interpolation matmuls) and by the code
// generator (nearest Resize as strided DMA).
//
//===----------------------------------------------------------------------===//

#ifndef NPU_DIALECT_NPU_IR_RESIZESAMPLING_H
#define NPU_DIALECT_NPU_IR_RESIZESAMPLING_H

#include "npu/Dialect/Npu/IR/NpuOps.h"

#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <optional>

namespace npu {

/// The input coordinate ONNX Resize maps output index `o` of an axis of
/// `in` -> `out` elements to, at `scale` (ONNX's scale; `out / in` when the
/// model gives sizes). `align_corners` divides by `scale * in - 1`, as ONNX's
/// reference does.
double resizeSourceCoordinate(int64_t o, int64_t in, int64_t out, float scale,
                              CoordinateTransformationMode coord);

/// The input index nearest Resize samples for output index `o` (clamped to
/// the axis).
int64_t resizeNearestIndex(int64_t o, int64_t in, int64_t out, float scale,
                           CoordinateTransformationMode coord,
                           NearestMode mode);

/// The weights of axis `axis` of `op`: `out x in` row-major, row `o` holding
/// the coefficient of each input element in output element `o`. Computed in
/// double precision; each row sums to 1.
llvm::SmallVector<double> resizeAxisWeights(ResizeOp op, unsigned axis);

/// How a nearest Resize samples one axis when that is a strided copy:
/// `repeat > 1` repeats every input element `repeat` times (output `o` reads
/// `o / repeat`); otherwise output `o` reads `first + o * step`.
struct ResizeAxisCopy {
  int64_t repeat = 0;
  int64_t first = 0, step = 0;
};

/// The strided copy nearest Resize `op` makes along `axis`, or nullopt when
/// the axis's samples are neither affine nor a repetition (or `op` is not
/// nearest).
std::optional<ResizeAxisCopy> resizeAxisCopy(ResizeOp op, unsigned axis);

/// True when `op` is pure data movement: nearest, every axis a strided copy.
bool isResizeStridedCopy(ResizeOp op);

} // namespace npu

#endif // NPU_DIALECT_NPU_IR_RESIZESAMPLING_H
