//===- DataDependent.cpp - host kernels with data-dependent shapes --------===//
//
// NonZero (opset 9/13), Compress (9/11), Unique (11) and NonMaxSuppression
// (10/11), after onnx/docs/Operators.md and ONNX's reference implementation
// (onnx/reference/ops/op_nonzero.py, op_compress.py, op_unique.py,
// op_non_max_suppression.py). Their output shapes depend on the input data,
// so each has a `bound` (HostKernels.h): the largest shape of every output
// from the inputs' shapes and the attributes alone. Buffers are planned at
// the bounds; `verify` checks that the outputs have exactly them, and `run`
// writes each output dense and row-major in its actual shape from the start
// of its buffer and records those shapes in HostWork::outputShapes.
//
//   NonZero     [rank, nnz] int64 coordinates of the nonzero elements in
//               row-major order (NaN is nonzero, -0.0 is zero; a scalar is
//               a one-element 1-D tensor, as NumPy and ONNX Runtime do).
//               Bound [rank, numel].
//   Compress    the slices along `axis` (negative from opset 11) or the
//               elements of the flattened input whose 1-D BOOL condition
//               entry is true; the condition may be shorter than the axis
//               (the rest is dropped), and longer only with false entries
//               past its end (numpy.compress fails on a true one). Bound:
//               the axis extent min(len(condition), dim), dim = numel when
//               flattened.
//   Unique      the distinct slices along `axis` (or elements of the
//               flattened input), sorted ascending (sorted = 1, slices
//               lexicographically, as numpy.unique) or in the order of their
//               first occurrence (sorted = 0); indices (first occurrence),
//               inverse_indices (per input slice, its position in Y) and
//               counts, all int64, each optional. NaN sorts after every
//               number and equals NaN (numpy.unique's equal_nan); -0.0 equals
//               0.0 and Y holds the first occurrence. Bounds: Y the input's
//               shape ([numel] when flattened), indices and counts [dim],
//               inverse_indices [dim] (its actual shape).
//   NonMaxSuppression
//               per batch and class: candidates with score > score_threshold
//               (all when absent), taken by score descending, equal scores by
//               box index ascending; a candidate is kept unless its IoU with
//               a box kept before in its class is > iou_threshold, until
//               max_output_boxes_per_class (absent or empty: 0; negative: 0)
//               are kept. Boxes are [y1, x1, y2, x2] in either corner order
//               (center_point_box = 0) or [x_center, y_center, width, height]
//               (1); all arithmetic in float32, in the reference's order.
//               NaN scores (which the reference's sort leaves undefined)
//               come after every number, by index. Output [selected, 3]
//               int64 (batch, class, box). Bound [B * C * N, 3].
//
// ONNX's reference departs from Operators.md for Unique with sorted = 0 in
// two places this kernel does not copy: with only the Y output it returns
// Y sorted, and it takes Y's slices along axis 0 whatever `axis` is.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include <algorithm>
#include <numeric>

namespace npu::rt::hk {
namespace {

using AK = bin::AttributeKind;

bool present(const Tensors &t, size_t i) {
  return t.size() > i && t[i].present;
}

/// Present output `i` has exactly `type` and bound `bounds[i]`.
bool checkBound(const HostNode &node, const Tensors &out, const Bounds &bounds,
                size_t i, ElementType type, std::string &why) {
  return !out[i].present || checkOutput(node, out, i, type, bounds[i], why);
}

/// Input `i`, when present, has one element of a type in `set` (a scalar or
/// [1]), or none ([0]: the reference then takes the default).
bool checkOptScalar(const HostNode &node, const Tensors &in, size_t i,
                    TypeSet set, std::string &why) {
  if (!present(in, i))
    return true;
  if (!checkType(node, in, i, set, why))
    return false;
  if (in[i].shape.size() > 1 || in[i].numElements() > 1)
    return fail(why, node, "input ", i, " must be a scalar, got ",
                shapeStr(in[i].shape));
  return true;
}

/// Element `i` of `t` is nonzero (NaN is; -0.0 is not).
bool nonzeroAt(const HostTensorView &t, uint64_t i) {
  return visitType(t.type, [&](auto tag) {
    using S = typename decltype(tag)::type;
    using C = Compute<S>;
    return Elem<S>::load(t.data, i) != C(0);
  });
}

//===----------------------------------------------------------------------===//
// NonZero
//===----------------------------------------------------------------------===//

/// The shape NonZero indexes: a scalar is [1].
Shape nonZeroShape(const HostTensorView &x) {
  return x.shape.empty() ? Shape{1} : x.shape;
}

bool boundNonZero(HK_BOUND_ARGS) {
  if (in.size() != 1 || !in[0].present)
    return fail(why, node, "expects 1 input, got ", in.size());
  if (!checkType(node, in, 0, kAllTypes, why))
    return false;
  Shape s = nonZeroShape(in[0]);
  bounds = {{int64_t(s.size()), int64_t(product(s))}};
  return true;
}

bool verifyNonZero(HK_VERIFY_ARGS) {
  Bounds b;
  return checkAttrs(node, {}, why) && checkArity(node, in, out, 1, 1, 1, why) &&
         boundNonZero(node, in, b, why) &&
         checkBound(node, out, b, 0, ElementType::I64, why);
}

bool runNonZero(HK_RUN_ARGS) {
  const HostTensorView &x = in[0];
  Shape s = nonZeroShape(x);
  uint64_t n = x.numElements(), nnz = 0;
  for (uint64_t i = 0; i < n; ++i)
    nnz += nonzeroAt(x, i);
  // Row d of the [rank, nnz] result starts at d * nnz.
  Shape idx(s.size(), 0);
  uint64_t k = 0;
  for (uint64_t i = 0; i < n; ++i, nextIndex(idx, s)) {
    if (!nonzeroAt(x, i))
      continue;
    for (size_t d = 0; d < s.size(); ++d)
      Elem<int64_t>::store(out[0].data, d * nnz + k, idx[d]);
    ++k;
  }
  work.vectorOps += n;
  work.laneBytes = uint32_t(elementBytes(x.type));
  work.scalarOps += nnz * s.size();
  work.outputShapes = {{int64_t(s.size()), int64_t(nnz)}};
  return true;
}

//===----------------------------------------------------------------------===//
// Compress: the input viewed as [outer, dim, inner] (flattened: [1, numel,
// 1]); the kept indices along dim are the true entries of the condition.
//===----------------------------------------------------------------------===//

struct Slices {
  uint64_t outer = 1, dim = 1, inner = 1;
};

/// `x` as [outer, dim, inner] around `axis` (or flattened when !hasAxis).
Slices slicesOf(const Shape &x, bool hasAxis, int64_t axis) {
  Slices s;
  if (!hasAxis) {
    s.dim = product(x);
    return s;
  }
  s.outer = product(x, 0, axis);
  s.dim = uint64_t(x[axis]);
  s.inner = product(x, axis + 1);
  return s;
}

/// Normalises the optional `axis` attribute for an input of rank `rank`.
bool optionalAxis(const HostNode &node, int64_t rank, bool &hasAxis,
                  int64_t &axis, std::string &why) {
  hasAxis = node.find("axis") != nullptr;
  axis = 0;
  return !hasAxis || axisAttr(node, rank, 0, axis, why);
}

bool boundCompress(HK_BOUND_ARGS) {
  if (!checkAttrs(node, {{"axis", AK::Int}}, why))
    return false;
  if (in.size() != 2 || !in[0].present || !in[1].present)
    return fail(why, node, "expects 2 inputs, got ", in.size());
  if (!checkType(node, in, 0, kAllTypes, why))
    return false;
  if (in[1].type != ElementType::Bool || in[1].shape.size() != 1)
    return fail(why, node, "condition must be a 1-D BOOL tensor, got ",
                typeStr(in[1].type), " ", shapeStr(in[1].shape));
  const Shape &x = in[0].shape;
  bool hasAxis;
  int64_t axis;
  if (node.opset < 11 && node.getInt("axis", 0) < 0)
    return fail(why, node, "a negative axis needs opset 11, got ",
                node.getInt("axis", 0), " at opset ", node.opset);
  if (!optionalAxis(node, int64_t(x.size()), hasAxis, axis, why))
    return false;
  int64_t len = in[1].shape[0];
  if (!hasAxis) {
    bounds = {{std::min(len, int64_t(product(x)))}};
    return true;
  }
  Shape b = x;
  b[axis] = std::min(len, x[axis]);
  bounds = {b};
  return true;
}

bool verifyCompress(HK_VERIFY_ARGS) {
  Bounds b;
  return checkArity(node, in, out, 2, 2, 1, why) &&
         boundCompress(node, in, b, why) &&
         checkBound(node, out, b, 0, in[0].type, why);
}

bool runCompress(HK_RUN_ARGS) {
  const HostTensorView &x = in[0], &cond = in[1];
  bool hasAxis;
  int64_t axis;
  optionalAxis(node, int64_t(x.shape.size()), hasAxis, axis, why);
  Slices s = slicesOf(x.shape, hasAxis, axis);
  uint64_t len = uint64_t(cond.shape[0]);
  std::vector<uint64_t> kept;
  for (uint64_t j = 0; j < len; ++j) {
    if (!Elem<Bool8>::load(cond.data, j))
      continue;
    if (j >= s.dim)
      return fail(why, node, "condition selects index ", j,
                  " beyond the axis extent ", s.dim);
    kept.push_back(j);
  }
  uint64_t eb = elementBytes(x.type), block = s.inner * eb;
  uint8_t *dst = out[0].data;
  for (uint64_t o = 0; o < s.outer; ++o)
    for (uint64_t j : kept) {
      copyBytes(dst, x.data + (o * s.dim + j) * block, block);
      dst += block;
    }
  Shape shape = {int64_t(kept.size())};
  if (hasAxis) {
    shape = x.shape;
    shape[axis] = int64_t(kept.size());
  }
  work.vectorOps += s.outer * kept.size() * s.inner;
  work.laneBytes = uint32_t(eb);
  work.scalarOps += len + s.outer * kept.size();
  work.outputShapes = {shape};
  return true;
}

//===----------------------------------------------------------------------===//
// Unique: slices j of the input viewed as [outer, dim, inner] (elements
// (o, j, i) in (o, i) row-major order, as numpy.unique's moveaxis and
// reshape), compared lexicographically.
//===----------------------------------------------------------------------===//

constexpr TypeSet kUniqueTypes = kAllTypes & ~bit(ElementType::BF16);

/// Three-way comparison of two values; NaN after every number, equal to NaN.
template <class C> int cmp3(C a, C b) {
  if constexpr (std::is_floating_point_v<C>) {
    bool na = std::isnan(a), nb = std::isnan(b);
    if (na || nb)
      return int(na) - int(nb);
  }
  return a < b ? -1 : b < a ? 1 : 0;
}

bool boundUnique(HK_BOUND_ARGS) {
  if (!checkAttrs(node, {{"axis", AK::Int}, {"sorted", AK::Int}}, why))
    return false;
  if (in.size() != 1 || !in[0].present)
    return fail(why, node, "expects 1 input, got ", in.size());
  if (!checkType(node, in, 0, kUniqueTypes, why))
    return false;
  if (int64_t v = node.getInt("sorted", 1); v != 0 && v != 1)
    return fail(why, node, "sorted must be 0 or 1, got ", v);
  const Shape &x = in[0].shape;
  bool hasAxis;
  int64_t axis;
  if (!optionalAxis(node, int64_t(x.size()), hasAxis, axis, why))
    return false;
  int64_t dim = hasAxis ? x[axis] : int64_t(product(x));
  bounds = {hasAxis ? x : Shape{dim}, {dim}, {dim}, {dim}};
  return true;
}

bool verifyUnique(HK_VERIFY_ARGS) {
  Bounds b;
  if (!boundUnique(node, in, b, why))
    return false;
  if (out.empty() || out.size() > 4)
    return fail(why, node, "expects 1 to 4 outputs, got ", out.size());
  if (!out[0].present)
    return fail(why, node, "output 0 is required");
  if (!checkBound(node, out, b, 0, in[0].type, why))
    return false;
  for (size_t i = 1; i < out.size(); ++i)
    if (!checkBound(node, out, b, i, ElementType::I64, why))
      return false;
  return true;
}

bool runUnique(HK_RUN_ARGS) {
  const HostTensorView &x = in[0];
  bool hasAxis;
  int64_t axis;
  optionalAxis(node, int64_t(x.shape.size()), hasAxis, axis, why);
  Slices s = slicesOf(x.shape, hasAxis, axis);
  // Slice j's elements are at (o * dim + j) * inner + i.
  std::vector<uint64_t> perm(s.dim);
  std::iota(perm.begin(), perm.end(), uint64_t(0));
  auto compare = [&](uint64_t a, uint64_t b) {
    return visitType(x.type, [&](auto tag) {
      using S = typename decltype(tag)::type;
      for (uint64_t o = 0; o < s.outer; ++o)
        for (uint64_t i = 0; i < s.inner; ++i) {
          uint64_t base = o * s.dim * s.inner + i;
          int c = cmp3(Elem<S>::load(x.data, base + a * s.inner),
                       Elem<S>::load(x.data, base + b * s.inner));
          if (c)
            return c;
        }
      return 0;
    });
  };
  // Stable: within a group of equal slices the first occurrence leads.
  std::stable_sort(perm.begin(), perm.end(),
                   [&](uint64_t a, uint64_t b) { return compare(a, b) < 0; });
  // Groups of equal slices in sorted order: their first index and count;
  // group[j] is slice j's group.
  std::vector<uint64_t> first, counts, group(s.dim);
  for (uint64_t k = 0; k < s.dim; ++k) {
    if (k == 0 || compare(perm[k - 1], perm[k]) != 0) {
      first.push_back(perm[k]);
      counts.push_back(0);
    }
    group[perm[k]] = first.size() - 1;
    ++counts.back();
  }
  uint64_t n = first.size();
  // order[u]: the group at position u of the output; rank[g]: its inverse.
  std::vector<uint64_t> order(n), rank(n);
  std::iota(order.begin(), order.end(), uint64_t(0));
  if (!node.getInt("sorted", 1))
    std::sort(order.begin(), order.end(),
              [&](uint64_t a, uint64_t b) { return first[a] < first[b]; });
  for (uint64_t u = 0; u < n; ++u)
    rank[order[u]] = u;

  uint64_t eb = elementBytes(x.type), block = s.inner * eb;
  uint8_t *dst = out[0].data;
  for (uint64_t o = 0; o < s.outer; ++o)
    for (uint64_t u = 0; u < n; ++u, dst += block)
      copyBytes(dst, x.data + (o * s.dim + first[order[u]]) * block, block);
  if (present(out, 1))
    for (uint64_t u = 0; u < n; ++u)
      Elem<int64_t>::store(out[1].data, u, int64_t(first[order[u]]));
  if (present(out, 2))
    for (uint64_t j = 0; j < s.dim; ++j)
      Elem<int64_t>::store(out[2].data, j, int64_t(rank[group[j]]));
  if (present(out, 3))
    for (uint64_t u = 0; u < n; ++u)
      Elem<int64_t>::store(out[3].data, u, int64_t(counts[order[u]]));

  Shape y = {int64_t(n)};
  if (hasAxis) {
    y = x.shape;
    y[axis] = int64_t(n);
  }
  Shape shapes[4] = {y, {int64_t(n)}, {int64_t(s.dim)}, {int64_t(n)}};
  work.outputShapes.assign(shapes, shapes + out.size());
  uint64_t logDim = 1;
  while ((uint64_t(1) << logDim) < s.dim)
    ++logDim;
  work.scalarOps += s.dim * logDim * s.outer * s.inner + 3 * s.dim;
  work.vectorOps += s.outer * n * s.inner;
  work.laneBytes = uint32_t(eb);
  return true;
}

//===----------------------------------------------------------------------===//
// NonMaxSuppression
//===----------------------------------------------------------------------===//

/// Python's max(a, b) and min(a, b): the first unless the second compares
/// greater (smaller), which decides the result for NaN.
float pyMax(float a, float b) { return b > a ? b : a; }
float pyMin(float a, float b) { return b < a ? b : a; }

/// The reference's suppress_by_iou: box `a` is suppressed by box `b` (both
/// four floats) when their IoU exceeds `threshold`.
bool suppressByIou(const float *a, const float *b, bool center,
                   float threshold) {
  float ax0, ax1, ay0, ay1, bx0, bx1, by0, by1;
  if (!center) {
    // [y1, x1, y2, x2], either corner first (max_min: >= swaps).
    auto minMax = [](float l, float r, float &lo, float &hi) {
      lo = l >= r ? r : l;
      hi = l >= r ? l : r;
    };
    minMax(a[1], a[3], ax0, ax1);
    minMax(b[1], b[3], bx0, bx1);
    minMax(a[0], a[2], ay0, ay1);
    minMax(b[0], b[2], by0, by1);
  } else {
    // [x_center, y_center, width, height].
    float aw = a[2] / 2, ah = a[3] / 2, bw = b[2] / 2, bh = b[3] / 2;
    ax0 = a[0] - aw;
    ax1 = a[0] + aw;
    bx0 = b[0] - bw;
    bx1 = b[0] + bw;
    ay0 = a[1] - ah;
    ay1 = a[1] + ah;
    by0 = b[1] - bh;
    by1 = b[1] + bh;
  }
  float ix0 = pyMax(ax0, bx0), ix1 = pyMin(ax1, bx1);
  if (ix1 <= ix0)
    return false;
  float iy0 = pyMax(ay0, by0), iy1 = pyMin(ay1, by1);
  if (iy1 <= iy0)
    return false;
  float inter = (ix1 - ix0) * (iy1 - iy0);
  if (inter <= 0)
    return false;
  float areaA = (ax1 - ax0) * (ay1 - ay0), areaB = (bx1 - bx0) * (by1 - by0);
  float uni = areaA + areaB - inter;
  if (areaA <= 0 || areaB <= 0 || uni <= 0)
    return false;
  return inter / uni > threshold;
}

bool boundNonMaxSuppression(HK_BOUND_ARGS) {
  if (!checkAttrs(node, {{"center_point_box", AK::Int}}, why))
    return false;
  if (in.size() < 2 || in.size() > 5 || !in[0].present || !in[1].present)
    return fail(why, node, "expects 2 to 5 inputs (boxes and scores present)");
  if (int64_t c = node.getInt("center_point_box", 0); c != 0 && c != 1)
    return fail(why, node, "center_point_box must be 0 or 1, got ", c);
  if (!checkType(node, in, 0, bit(ElementType::F32), why) ||
      !checkType(node, in, 1, bit(ElementType::F32), why) ||
      !checkOptScalar(node, in, 2, bit(ElementType::I64), why) ||
      !checkOptScalar(node, in, 3, bit(ElementType::F32), why) ||
      !checkOptScalar(node, in, 4, bit(ElementType::F32), why))
    return false;
  const Shape &b = in[0].shape, &s = in[1].shape;
  if (b.size() != 3 || b[2] != 4)
    return fail(why, node, "boxes must be [batches, boxes, 4], got ",
                shapeStr(b));
  if (s.size() != 3 || s[0] != b[0] || s[2] != b[1])
    return fail(why, node, "scores must be [", b[0], ", classes, ", b[1],
                "], got ", shapeStr(s));
  bounds = {{int64_t(product(s)), 3}};
  return true;
}

bool verifyNonMaxSuppression(HK_VERIFY_ARGS) {
  Bounds b;
  return checkArity(node, in, out, 2, 5, 1, why) &&
         boundNonMaxSuppression(node, in, b, why) &&
         checkBound(node, out, b, 0, ElementType::I64, why);
}

bool runNonMaxSuppression(HK_RUN_ARGS) {
  const Shape &s = in[1].shape;
  uint64_t batches = uint64_t(s[0]), classes = uint64_t(s[1]),
           boxes = uint64_t(s[2]);
  bool center = node.getInt("center_point_box", 0) != 0;
  auto has = [&](size_t i) { return present(in, i) && in[i].numElements(); };
  int64_t maxOut = has(2) ? std::max<int64_t>(loadIndex(in[2], 0), 0) : 0;
  float iou = has(3) ? Elem<float>::load(in[3].data, 0) : 0.0f;
  bool filter = has(4);
  float scoreMin = filter ? Elem<float>::load(in[4].data, 0) : 0.0f;

  std::vector<float> boxData(boxes * 4), scores(boxes);
  std::vector<uint64_t> cand, kept;
  uint64_t rows = 0;
  for (uint64_t b = 0; b < batches; ++b) {
    for (uint64_t i = 0; i < boxes * 4; ++i)
      boxData[i] = Elem<float>::load(in[0].data, b * boxes * 4 + i);
    for (uint64_t c = 0; c < classes; ++c) {
      uint64_t base = (b * classes + c) * boxes;
      cand.clear();
      for (uint64_t i = 0; i < boxes; ++i) {
        scores[i] = Elem<float>::load(in[1].data, base + i);
        if (!filter || scores[i] > scoreMin)
          cand.push_back(i);
      }
      // Score descending, then index ascending; NaN last.
      std::sort(cand.begin(), cand.end(), [&](uint64_t x, uint64_t y) {
        bool nx = std::isnan(scores[x]), ny = std::isnan(scores[y]);
        if (nx != ny)
          return ny;
        if (!nx && scores[x] != scores[y])
          return scores[x] > scores[y];
        return x < y;
      });
      kept.clear();
      for (uint64_t i : cand) {
        if (int64_t(kept.size()) >= maxOut)
          break;
        bool keep = true;
        for (uint64_t k : kept) {
          ++work.scalarOps;
          if (suppressByIou(&boxData[i * 4], &boxData[k * 4], center, iou)) {
            keep = false;
            break;
          }
        }
        if (!keep)
          continue;
        kept.push_back(i);
        int64_t row[3] = {int64_t(b), int64_t(c), int64_t(i)};
        for (int k = 0; k < 3; ++k)
          Elem<int64_t>::store(out[0].data, rows * 3 + k, row[k]);
        ++rows;
      }
      work.scalarOps += cand.size() * 4;
    }
  }
  work.vectorOps += batches * classes * boxes;
  work.outputShapes = {{int64_t(rows), 3}};
  return true;
}

const HostKernel kKernels[] = {
    {"Compress", verifyCompress, runCompress, boundCompress},
    {"NonMaxSuppression", verifyNonMaxSuppression, runNonMaxSuppression,
     boundNonMaxSuppression},
    {"NonZero", verifyNonZero, runNonZero, boundNonZero},
    {"Unique", verifyUnique, runUnique, boundUnique},
};

} // namespace

KernelTable dataDependentKernels() {
  return {kKernels, sizeof(kKernels) / sizeof(kKernels[0])};
}

} // namespace npu::rt::hk
