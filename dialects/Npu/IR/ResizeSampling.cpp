//===- ResizeSampling.cpp - where ONNX Resize samples its input -----------===//

#include "npu/Dialect/Npu/IR/ResizeSampling.h"

#include "llvm/ADT/Sequence.h"

#include <algorithm>
#include <cmath>

using namespace npu;

double npu::resizeSourceCoordinate(int64_t o, int64_t in, int64_t out,
                                   float scale,
                                   CoordinateTransformationMode coord) {
  double s = scale;
  switch (coord) {
  case CoordinateTransformationMode::half_pixel:
    return (o + 0.5) / s - 0.5;
  case CoordinateTransformationMode::pytorch_half_pixel:
    return out > 1 ? (o + 0.5) / s - 0.5 : -0.5;
  case CoordinateTransformationMode::align_corners: {
    // ONNX's output width is `scale * in`, not rounded (scales 0.6 over 4
    // elements give 2.4). Scales computed from sizes are f32 here: snap a
    // width within rounding of the integer `out` back to it.
    double width = s * double(in);
    if (std::abs(width - double(out)) < 1e-5 * double(out))
      width = double(out);
    return width == 1.0 ? 0.0 : double(o) * double(in - 1) / (width - 1.0);
  }
  case CoordinateTransformationMode::asymmetric:
    return o / s;
  case CoordinateTransformationMode::tf_half_pixel_for_nn:
    return (o + 0.5) / s;
  }
  return 0.0;
}

int64_t npu::resizeNearestIndex(int64_t o, int64_t in, int64_t out, float scale,
                                CoordinateTransformationMode coord,
                                NearestMode mode) {
  double x = resizeSourceCoordinate(o, in, out, scale, coord);
  double r = 0;
  switch (mode) {
  case NearestMode::round_prefer_floor:
    r = x == std::floor(x) + 0.5 ? std::floor(x) : std::round(x);
    break;
  case NearestMode::round_prefer_ceil:
    r = x == std::floor(x) + 0.5 ? std::ceil(x) : std::round(x);
    break;
  case NearestMode::floor:
    r = std::floor(x);
    break;
  case NearestMode::ceil:
    r = std::ceil(x);
    break;
  }
  return std::clamp<int64_t>(int64_t(r), 0, in - 1);
}

llvm::SmallVector<double> npu::resizeAxisWeights(ResizeOp op, unsigned axis) {
  int64_t in = op.getInput().getType().getDimSize(axis);
  int64_t out = op.getType().getDimSize(axis);
  float scale = op.getScales()[axis];
  auto coord = op.getCoordinateTransformationMode();
  llvm::SmallVector<double> w(out * in, 0.0);
  for (int64_t o = 0; o < out; ++o) {
    double *row = &w[o * in];
    if (op.getMode() == ResizeMode::nearest) {
      row[resizeNearestIndex(o, in, out, scale, coord, op.getNearestMode())] =
          1.0;
      continue;
    }
    double x = resizeSourceCoordinate(o, in, out, scale, coord);
    double f = std::floor(x);
    // ONNX's `ratio`, in (0, 1]: an integer x weighs the tap on its left
    // at 0 and x itself at 1.
    double t = x == f ? 1.0 : x - f;
    int64_t left = int64_t(f) - (x == f ? 1 : 0); // the tap just below x
    llvm::SmallVector<double, 4> c;
    if (op.getMode() == ResizeMode::linear) {
      c = {1.0 - t, t};
    } else {
      // Keys' cubic convolution kernel with parameter A (ONNX's
      // cubic_coeff_a; Keys 1981, "Cubic convolution interpolation for
      // digital image processing"), at distances 1+t, t, 1-t, 2-t.
      double a = op.getCubicCoeffA().convertToDouble();
      auto near = [a](double d) { return ((a + 2) * d - (a + 3)) * d * d + 1; };
      auto far = [a](double d) {
        return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a;
      };
      c = {far(1 + t), near(t), near(1 - t), far(2 - t)};
    }
    int64_t first = left - (int64_t(c.size()) / 2 - 1);
    double sum = 0;
    for (auto [k, coeff] : llvm::enumerate(c)) {
      int64_t i = first + int64_t(k);
      if (op.getExcludeOutside() && (i < 0 || i >= in))
        coeff = 0;
      sum += coeff;
    }
    for (auto [k, coeff] : llvm::enumerate(c)) {
      int64_t i = first + int64_t(k);
      if (i < 0 || i >= in) {
        if (op.getExcludeOutside())
          continue;
        i = std::clamp<int64_t>(i, 0, in - 1); // the edge element
      }
      row[i] += op.getExcludeOutside() ? coeff / sum : coeff;
    }
  }
  return w;
}

std::optional<ResizeAxisCopy> npu::resizeAxisCopy(ResizeOp op, unsigned axis) {
  if (op.getMode() != ResizeMode::nearest)
    return std::nullopt;
  int64_t in = op.getInput().getType().getDimSize(axis);
  int64_t out = op.getType().getDimSize(axis);
  llvm::SmallVector<int64_t> idx;
  for (int64_t o = 0; o < out; ++o)
    idx.push_back(resizeNearestIndex(o, in, out, op.getScales()[axis],
                                     op.getCoordinateTransformationMode(),
                                     op.getNearestMode()));
  int64_t r = out % in == 0 ? out / in : 0;
  if (r > 1 && llvm::all_of(llvm::seq<int64_t>(0, out),
                            [&](int64_t o) { return idx[o] == o / r; }))
    return ResizeAxisCopy{r, 0, 0};
  int64_t k = out > 1 ? idx[1] - idx[0] : 0;
  if (k >= 0 && llvm::all_of(llvm::seq<int64_t>(0, out), [&](int64_t o) {
        return idx[o] == idx[0] + o * k;
      }))
    return ResizeAxisCopy{0, idx.empty() ? 0 : idx[0], k};
  return std::nullopt;
}

bool npu::isResizeStridedCopy(ResizeOp op) {
  for (int64_t d = 0; d < op.getType().getRank(); ++d)
    if (!resizeAxisCopy(op, d))
      return false;
  return true;
}
