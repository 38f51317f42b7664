//===- Quantize.cpp - quantization and integer-arithmetic host kernels ----===//
//
// QuantizeLinear (10; 13: per-axis), DequantizeLinear (10; 13: per-axis),
// DynamicQuantizeLinear (11), MatMulInteger (10), QLinearMatMul (10),
// ConvInteger (10) and QLinearConv (10), after onnx/docs/Operators.md
// (onnx 1.12) and bit for bit with ONNX's reference implementation
// (onnx/reference/ops/op_*.py):
//
//   QuantizeLinear   y = saturate(rint(x / y_scale) + y_zero_point)
//                    (x / y_scale in float32 for float x, double for int32)
//   DequantizeLinear y = (float(x) - float(x_zero_point)) * x_scale
//   DynamicQuantizeLinear (uint8, all float32):
//                    maxx = max(0, max(x)), minx = min(0, min(x))
//                    y_scale = maxx == minx ? 1 : (maxx - minx) / 255
//                    y_zero_point = rint(clamp(0 - minx / y_scale, 0, 255))
//                    y = saturate(rint(x / y_scale) + y_zero_point)
//   MatMulInteger    y = (a - a_zero_point) @ (b - b_zero_point), int32
//   ConvInteger      Conv of (x - x_zero_point) and (w - w_zero_point), int32;
//                    padding is 0 after the shift (x_zero_point before it)
//   QLinearMatMul / QLinearConv
//                    y = saturate(rint(acc * m + y_zero_point)), acc the
//                    int32 MatMulInteger / ConvInteger result (+ B for
//                    QLinearConv), m = a_scale * b_scale / y_scale in
//                    float32, the product in double (NumPy's promotion).
//
// rint rounds half to even; saturate clamps to the output type's range
// (uint8 [0, 255], int8 [-128, 127]); NaN quantizes to 0. A scale or zero
// point is one value for the tensor (a scalar or a one-element 1-D tensor)
// or 1-D with one value per index of an axis: QuantizeLinear and
// DequantizeLinear along `axis` (opset 13, default 1), MatMulInteger and
// QLinearMatMul per row of A (and of Y) and per column of B, ConvInteger and
// QLinearConv per output channel of W. An absent zero point is 0 (uint8 for
// QuantizeLinear's output). DequantizeLinear of int32 needs a zero point
// of 0 (checked at run time, as ONNX Runtime does).
//
// ConvInteger and QLinearConv take Conv's attributes: kernel_shape (must
// match W), strides, dilations, pads, auto_pad (NOTSET, VALID, SAME_UPPER,
// SAME_LOWER) and group; output size per spatial axis, effective kernel
// ek = (k - 1) * d + 1: floor((D + pad_begin + pad_end - ek) / stride) + 1,
// or ceil(D / stride) with SAME_* padding of max(0, (out - 1) * stride + ek
// - D) in total, the odd one at the end (UPPER) or the beginning (LOWER).
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include <algorithm>

namespace npu::rt::hk {
namespace {

using AK = bin::AttributeKind;

constexpr TypeSet kQuantTypes = bit(ElementType::U8) | bit(ElementType::I8);

/// Clamps an integral-valued double into T's range; NaN gives 0.
template <class T> T saturate(double v) {
  if (std::isnan(v))
    return T(0);
  double lo = double(std::numeric_limits<T>::min()),
         hi = double(std::numeric_limits<T>::max());
  return T(v < lo ? lo : v > hi ? hi : v);
}

/// Stores an integral-valued double into a U8 or I8 tensor, saturating.
void storeQuant(const HostTensorView &t, uint64_t i, double v) {
  if (t.type == ElementType::U8)
    Elem<uint8_t>::store(t.data, i, saturate<uint8_t>(v));
  else
    Elem<int8_t>::store(t.data, i, saturate<int8_t>(v));
}

/// True when input `i` holds one value (a scalar or a one-element tensor of
/// rank <= 1).
bool isOne(const Tensors &in, size_t i) {
  return in[i].shape.size() <= 1 && in[i].numElements() == 1;
}

/// Input `i` (a scale or zero point) is one value, or 1-D with `dim`
/// entries when `dim` >= 0 (one per row, column or channel).
bool checkParam(const HostNode &node, const Tensors &in, size_t i, int64_t dim,
                const char *what, std::string &why) {
  if (isOne(in, i) || (dim >= 0 && in[i].shape == Shape{dim}))
    return true;
  if (dim < 0)
    return fail(why, node, what, " must be a scalar, got ",
                shapeStr(in[i].shape));
  return fail(why, node, what, " must be a scalar or [", dim, "], got ",
              shapeStr(in[i].shape));
}

/// Input `i`'s value for row/column/channel `c` (its only value when it
/// has one).
double param(const Tensors &in, size_t i, uint64_t c) {
  return loadDouble(in[i], in[i].numElements() == 1 ? 0 : c);
}
float paramF(const Tensors &in, size_t i, uint64_t c) {
  return Elem<float>::load(in[i].data, in[i].numElements() == 1 ? 0 : c);
}
int64_t paramI(const Tensors &in, size_t i, uint64_t c) {
  return loadIndex(in[i], in[i].numElements() == 1 ? 0 : c);
}

bool present(const Tensors &in, size_t i) {
  return in.size() > i && in[i].present;
}

//===----------------------------------------------------------------------===//
// QuantizeLinear / DequantizeLinear: element e uses the scale and zero point
// of its index along `axis` ((e / inner) % dim), or the only ones.
//===----------------------------------------------------------------------===//

struct PerAxis {
  uint64_t dim = 1, inner = 1;
  uint64_t at(uint64_t e) const { return dim == 1 ? 0 : (e / inner) % dim; }
};

/// Checks the scale (input 1) and zero point (input 2, optional) against
/// the data (input 0) and sets `p`. Per-axis needs opset 13.
bool verifyLinearParams(const HostNode &node, const Tensors &in, PerAxis &p,
                        std::string &why) {
  if (!checkType(node, in, 1, bit(ElementType::F32), why))
    return false;
  const Shape &x = in[0].shape, &s = in[1].shape;
  p = PerAxis();
  if (!isOne(in, 1)) {
    if (node.opset < 13)
      return fail(why, node, "the scale must be a scalar before opset 13, got ",
                  shapeStr(s));
    int64_t axis;
    if (!axisAttr(node, int64_t(x.size()), 1, axis, why))
      return false;
    if (s != Shape{x[axis]})
      return fail(why, node, "the scale must be a scalar or [", x[axis],
                  "] (axis ", axis, " of ", shapeStr(x), "), got ",
                  shapeStr(s));
    p.dim = uint64_t(x[axis]);
    p.inner = product(x, axis + 1);
  }
  if (present(in, 2) && in[2].shape != s && !(isOne(in, 1) && isOne(in, 2)))
    return fail(why, node, "the zero point ", shapeStr(in[2].shape),
                " must have the scale's shape ", shapeStr(s));
  return true;
}

bool linearAttrs(const HostNode &node, std::string &why) {
  return node.opset >= 13 ? checkAttrs(node, {{"axis", AK::Int}}, why)
                          : checkAttrs(node, {}, why);
}

bool verifyQuantizeLinear(HK_VERIFY_ARGS) {
  PerAxis p;
  if (!linearAttrs(node, why) || !checkArity(node, in, out, 2, 3, 1, why) ||
      !checkType(node, in, 0, bit(ElementType::F32) | bit(ElementType::I32),
                 why) ||
      !verifyLinearParams(node, in, p, why))
    return false;
  ElementType type = ElementType::U8;
  if (present(in, 2)) {
    if (!checkType(node, in, 2, kQuantTypes, why))
      return false;
    type = in[2].type;
  }
  return checkOutput(node, out, 0, type, in[0].shape, why);
}

bool runQuantizeLinear(HK_RUN_ARGS) {
  PerAxis p;
  verifyLinearParams(node, in, p, why);
  const HostTensorView &x = in[0];
  bool zp = present(in, 2), isF32 = x.type == ElementType::F32;
  uint64_t n = x.numElements();
  for (uint64_t e = 0; e < n; ++e) {
    uint64_t c = p.at(e);
    float s = paramF(in, 1, c);
    double q = isF32 ? double(std::nearbyint(Elem<float>::load(x.data, e) / s))
                     : std::nearbyint(double(Elem<int32_t>::load(x.data, e)) /
                                      double(s));
    storeQuant(out[0], e, q + (zp ? double(paramI(in, 2, c)) : 0.0));
  }
  work.vectorOps += 3 * n;
  return true;
}

bool verifyDequantizeLinear(HK_VERIFY_ARGS) {
  PerAxis p;
  return linearAttrs(node, why) && checkArity(node, in, out, 2, 3, 1, why) &&
         checkType(node, in, 0, kQuantTypes | bit(ElementType::I32), why) &&
         verifyLinearParams(node, in, p, why) &&
         (!present(in, 2) || checkSameType(node, in, 0, 2, why)) &&
         checkOutput(node, out, 0, ElementType::F32, in[0].shape, why);
}

bool runDequantizeLinear(HK_RUN_ARGS) {
  PerAxis p;
  verifyLinearParams(node, in, p, why);
  const HostTensorView &x = in[0];
  bool zp = present(in, 2);
  if (zp && x.type == ElementType::I32)
    for (uint64_t i = 0; i < in[2].numElements(); ++i)
      if (int64_t z = loadIndex(in[2], i); z != 0)
        return fail(why, node, "the zero point of int32 data must be 0, got ",
                    z);
  uint64_t n = x.numElements();
  for (uint64_t e = 0; e < n; ++e) {
    uint64_t c = p.at(e);
    float z = zp ? float(paramI(in, 2, c)) : 0.0f;
    Elem<float>::store(out[0].data, e,
                       (float(loadIndex(x, e)) - z) * paramF(in, 1, c));
  }
  work.vectorOps += 2 * n;
  return true;
}

bool verifyDynamicQuantizeLinear(HK_VERIFY_ARGS) {
  return checkAttrs(node, {}, why) && checkArity(node, in, out, 1, 1, 3, why) &&
         checkType(node, in, 0, bit(ElementType::F32), why) &&
         checkOutput(node, out, 0, ElementType::U8, in[0].shape, why) &&
         checkOutput(node, out, 1, ElementType::F32, {}, why) &&
         checkOutput(node, out, 2, ElementType::U8, {}, why);
}

bool runDynamicQuantizeLinear(HK_RUN_ARGS) {
  const HostTensorView &x = in[0];
  uint64_t n = x.numElements();
  if (n == 0)
    return fail(why, node, "x is empty: its range is undefined");
  // The range always includes 0; NaN elements do not widen it.
  float maxx = 0, minx = 0;
  for (uint64_t e = 0; e < n; ++e) {
    float v = Elem<float>::load(x.data, e);
    maxx = std::fmax(maxx, v);
    minx = std::fmin(minx, v);
  }
  float scale = maxx == minx ? 1.0f : (maxx - minx) / 255.0f;
  float zp0 = 0.0f - minx / scale;
  float zp = std::nearbyint(std::min(255.0f, std::max(0.0f, zp0)));
  for (uint64_t e = 0; e < n; ++e)
    storeQuant(out[0], e,
               double(std::nearbyint(Elem<float>::load(x.data, e) / scale)) +
                   double(zp));
  Elem<float>::store(out[1].data, 0, scale);
  Elem<uint8_t>::store(out[2].data, 0, saturate<uint8_t>(zp));
  work.vectorOps += 5 * n;
  return true;
}

//===----------------------------------------------------------------------===//
// MatMulInteger / QLinearMatMul
//===----------------------------------------------------------------------===//

/// The operands of an integer matmul: shapes as in matMulShape.
struct IntMatMul {
  Shape shape, a, b, batch;
  uint64_t M = 0, K = 0, N = 0;
};

bool intMatMulShape(const HostNode &node, const HostTensorView &a,
                    const HostTensorView &b, IntMatMul &mm, std::string &why) {
  if (!matMulShape(node, a.shape, b.shape, mm.shape, mm.a, mm.b, why))
    return false;
  mm.M = uint64_t(mm.a[mm.a.size() - 2]);
  mm.K = uint64_t(mm.a.back());
  mm.N = uint64_t(mm.b.back());
  Shape ab(mm.a.begin(), mm.a.end() - 2), bb(mm.b.begin(), mm.b.end() - 2);
  broadcastShapes({&ab, &bb}, mm.batch);
  return true;
}

/// An int8/uint8 tensor minus its zero point (input `zp`, optional; entry
/// `(e / zpInner) % zpDim` of it when it has several), as int32.
std::vector<int32_t> shifted(const Tensors &in, size_t t, size_t zp,
                             uint64_t zpInner, uint64_t zpDim) {
  uint64_t n = in[t].numElements();
  std::vector<int32_t> v(n);
  for (uint64_t e = 0; e < n; ++e)
    v[e] =
        int32_t(loadIndex(in[t], e)) -
        (present(in, zp) ? int32_t(paramI(in, zp, (e / zpInner) % zpDim)) : 0);
  return v;
}

/// Calls f(batch, i, j, acc) with acc the int32 (wrapping) dot product of
/// row i of A and column j of B in each broadcast batch.
template <class F>
void intMatMul(const IntMatMul &mm, const std::vector<int32_t> &A,
               const std::vector<int32_t> &B, HostWork &work, F f) {
  Shape ab(mm.a.begin(), mm.a.end() - 2), bb(mm.b.begin(), mm.b.end() - 2);
  BroadcastIndex it(mm.batch, {&ab, &bb});
  uint64_t nb = product(mm.batch), M = mm.M, K = mm.K, N = mm.N;
  for (uint64_t t = 0; t < nb; ++t, it.next()) {
    const int32_t *a = A.data() + it[0] * M * K, *b = B.data() + it[1] * K * N;
    for (uint64_t i = 0; i < M; ++i)
      for (uint64_t j = 0; j < N; ++j) {
        uint32_t acc = 0;
        for (uint64_t k = 0; k < K; ++k)
          acc += uint32_t(a[i * K + k]) * uint32_t(b[k * N + j]);
        f(t, i, j, int32_t(acc));
      }
  }
  work.vectorOps += nb * M * N * K * 2;
  work.laneBytes = 4;
}

bool verifyMatMulInteger(HK_VERIFY_ARGS) {
  IntMatMul mm;
  if (!checkAttrs(node, {}, why) || !checkArity(node, in, out, 2, 4, 1, why) ||
      !checkType(node, in, 0, kQuantTypes, why) ||
      !checkType(node, in, 1, kQuantTypes, why) ||
      !intMatMulShape(node, in[0], in[1], mm, why))
    return false;
  if (present(in, 2) &&
      (!checkSameType(node, in, 0, 2, why) ||
       !checkParam(node, in, 2, in[0].shape.size() > 1 ? int64_t(mm.M) : -1,
                   "a_zero_point", why)))
    return false;
  if (present(in, 3) &&
      (!checkSameType(node, in, 1, 3, why) ||
       !checkParam(node, in, 3, in[1].shape.size() > 1 ? int64_t(mm.N) : -1,
                   "b_zero_point", why)))
    return false;
  return checkOutput(node, out, 0, ElementType::I32, mm.shape, why);
}

bool runMatMulInteger(HK_RUN_ARGS) {
  IntMatMul mm;
  intMatMulShape(node, in[0], in[1], mm, why);
  std::vector<int32_t> A = shifted(in, 0, 2, mm.K, mm.M),
                       B = shifted(in, 1, 3, 1, mm.N);
  intMatMul(mm, A, B, work, [&](uint64_t t, uint64_t i, uint64_t j, int32_t v) {
    Elem<int32_t>::store(out[0].data, (t * mm.M + i) * mm.N + j, v);
  });
  return true;
}

/// The operand types QLinearMatMul and QLinearConv share: a, b and y
/// INT8 or UINT8 with their zero points alike, the three scales FP32 (inputs
/// a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale,
/// y_zero_point).
bool checkQLinearTypes(const HostNode &node, const Tensors &in,
                       std::string &why) {
  if (!checkType(node, in, 0, kQuantTypes, why) ||
      !checkType(node, in, 3, kQuantTypes, why) ||
      !checkType(node, in, 7, kQuantTypes, why) ||
      !checkSameType(node, in, 0, 2, why) ||
      !checkSameType(node, in, 3, 5, why))
    return false;
  for (size_t i : {1, 4, 6})
    if (!checkType(node, in, i, bit(ElementType::F32), why))
      return false;
  return true;
}

bool verifyQLinearMatMul(HK_VERIFY_ARGS) {
  IntMatMul mm;
  if (!checkAttrs(node, {}, why) || !checkArity(node, in, out, 8, 8, 1, why) ||
      !checkQLinearTypes(node, in, why))
    return false;
  if (!intMatMulShape(node, in[0], in[3], mm, why))
    return false;
  int64_t rows = in[0].shape.size() > 1 ? int64_t(mm.M) : -1,
          cols = in[3].shape.size() > 1 ? int64_t(mm.N) : -1;
  return checkParam(node, in, 1, rows, "a_scale", why) &&
         checkParam(node, in, 2, rows, "a_zero_point", why) &&
         checkParam(node, in, 4, cols, "b_scale", why) &&
         checkParam(node, in, 5, cols, "b_zero_point", why) &&
         checkParam(node, in, 6, rows, "y_scale", why) &&
         checkParam(node, in, 7, rows, "y_zero_point", why) &&
         checkOutput(node, out, 0, in[7].type, mm.shape, why);
}

bool runQLinearMatMul(HK_RUN_ARGS) {
  IntMatMul mm;
  intMatMulShape(node, in[0], in[3], mm, why);
  std::vector<int32_t> A = shifted(in, 0, 2, mm.K, mm.M),
                       B = shifted(in, 3, 5, 1, mm.N);
  intMatMul(mm, A, B, work, [&](uint64_t t, uint64_t i, uint64_t j, int32_t v) {
    float m = paramF(in, 1, i) * paramF(in, 4, j) / paramF(in, 6, i);
    storeQuant(out[0], (t * mm.M + i) * mm.N + j,
               std::nearbyint(double(v) * double(m) + param(in, 7, i)));
  });
  work.vectorOps += product(mm.shape) * 3;
  return true;
}

//===----------------------------------------------------------------------===//
// ConvInteger / QLinearConv
//===----------------------------------------------------------------------===//

struct ConvGeometry {
  int64_t N = 0, C = 0, M = 0, group = 1;
  Shape in, out, kernel, strides, dilations, padBegin;
};

/// Conv's geometry for data `x` [N, C, D1..Dn] and weights `w`
/// [M, C / group, k1..kn].
bool convGeometry(const HostNode &node, const Shape &x, const Shape &w,
                  ConvGeometry &g, std::string &why) {
  if (x.size() < 3)
    return fail(why, node, "x must be [N, C, D1, ...], got ", shapeStr(x));
  if (w.size() != x.size())
    return fail(why, node, "w ", shapeStr(w), " must have the rank of x ",
                shapeStr(x));
  size_t r = x.size() - 2;
  g.N = x[0];
  g.C = x[1];
  g.M = w[0];
  g.group = node.getInt("group", 1);
  if (g.group < 1 || g.C % g.group != 0 || g.M % g.group != 0)
    return fail(why, node, "group ", g.group, " must divide the ", g.C,
                " input and ", g.M, " output channels");
  if (w[1] * g.group != g.C)
    return fail(why, node, "w ", shapeStr(w), " must have ", g.C / g.group,
                " input channels (group ", g.group, ")");
  g.in.assign(x.begin() + 2, x.end());
  g.kernel.assign(w.begin() + 2, w.end());
  if (const std::vector<int64_t> *k = node.getInts("kernel_shape");
      k && *k != g.kernel)
    return fail(why, node, "kernel_shape ", shapeStr(*k), " does not match w ",
                shapeStr(w));
  Shape pads;
  if (!intsAttr(node, "strides", r, 1, 1, g.strides, why) ||
      !intsAttr(node, "dilations", r, 1, 1, g.dilations, why) ||
      !intsAttr(node, "pads", 2 * r, 0, 0, pads, why))
    return false;
  Shape padEnd;
  return windowOutput(node, g.in, g.kernel, g.strides, g.dilations, pads,
                      /*ceil=*/false, g.out, g.padBegin, padEnd, why);
}

Shape convOutShape(const ConvGeometry &g) {
  Shape s = {g.N, g.M};
  s.insert(s.end(), g.out.begin(), g.out.end());
  return s;
}

/// Calls f(output element, output channel, acc) with acc the int32
/// (wrapping) convolution of the shifted data X and weights W; positions
/// in the padding contribute 0.
template <class F>
void intConv(const ConvGeometry &g, const std::vector<int32_t> &X,
             const std::vector<int32_t> &W, HostWork &work, F f) {
  size_t r = g.in.size();
  uint64_t inPlane = product(g.in), outPlane = product(g.out),
           kPlane = product(g.kernel);
  int64_t cg = g.C / g.group, mg = g.M / g.group;
  Shape inStrides = stridesOf(g.in);
  uint64_t dst = 0;
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t m = 0; m < g.M; ++m) {
      int64_t c0 = (m / mg) * cg;
      Shape o(r, 0);
      for (uint64_t oi = 0; oi < outPlane; ++oi, ++dst, nextIndex(o, g.out)) {
        uint32_t acc = 0;
        Shape k(r, 0);
        for (uint64_t ki = 0; ki < kPlane; ++ki, nextIndex(k, g.kernel)) {
          int64_t at = 0;
          bool inside = true;
          for (size_t i = 0; i < r && inside; ++i) {
            int64_t p =
                o[i] * g.strides[i] - g.padBegin[i] + k[i] * g.dilations[i];
            inside = p >= 0 && p < g.in[i];
            at += p * inStrides[i];
          }
          if (!inside)
            continue;
          for (int64_t c = 0; c < cg; ++c)
            acc += uint32_t(X[uint64_t(n * g.C + c0 + c) * inPlane + at]) *
                   uint32_t(W[uint64_t(m * cg + c) * kPlane + ki]);
        }
        f(dst, uint64_t(m), int32_t(acc));
      }
    }
  work.vectorOps += dst * uint64_t(cg) * kPlane * 2;
  work.laneBytes = 4;
  work.scalarOps += dst * kPlane * r;
}

bool checkConvAttrs(const HostNode &node, std::string &why) {
  return checkAttrs(node,
                    {{"auto_pad", AK::String},
                     {"dilations", AK::Ints},
                     {"group", AK::Int},
                     {"kernel_shape", AK::Ints},
                     {"pads", AK::Ints},
                     {"strides", AK::Ints}},
                    why);
}

bool verifyConvInteger(HK_VERIFY_ARGS) {
  ConvGeometry g;
  if (!checkConvAttrs(node, why) || !checkArity(node, in, out, 2, 4, 1, why) ||
      !checkType(node, in, 0, kQuantTypes, why) ||
      !checkType(node, in, 1, kQuantTypes, why) ||
      !convGeometry(node, in[0].shape, in[1].shape, g, why))
    return false;
  if (present(in, 2) && (!checkSameType(node, in, 0, 2, why) ||
                         !checkParam(node, in, 2, -1, "x_zero_point", why)))
    return false;
  if (present(in, 3) && (!checkSameType(node, in, 1, 3, why) ||
                         !checkParam(node, in, 3, g.M, "w_zero_point", why)))
    return false;
  return checkOutput(node, out, 0, ElementType::I32, convOutShape(g), why);
}

bool runConvInteger(HK_RUN_ARGS) {
  ConvGeometry g;
  convGeometry(node, in[0].shape, in[1].shape, g, why);
  std::vector<int32_t> X = shifted(in, 0, 2, 1, 1),
                       W = shifted(in, 1, 3, product(in[1].shape, 1),
                                   uint64_t(g.M));
  intConv(g, X, W, work, [&](uint64_t e, uint64_t, int32_t v) {
    Elem<int32_t>::store(out[0].data, e, v);
  });
  return true;
}

bool verifyQLinearConv(HK_VERIFY_ARGS) {
  ConvGeometry g;
  if (!checkConvAttrs(node, why) || !checkArity(node, in, out, 8, 9, 1, why) ||
      !checkQLinearTypes(node, in, why))
    return false;
  if (!convGeometry(node, in[0].shape, in[3].shape, g, why) ||
      !checkParam(node, in, 1, -1, "x_scale", why) ||
      !checkParam(node, in, 2, -1, "x_zero_point", why) ||
      !checkParam(node, in, 4, g.M, "w_scale", why) ||
      !checkParam(node, in, 5, g.M, "w_zero_point", why) ||
      !checkParam(node, in, 6, -1, "y_scale", why) ||
      !checkParam(node, in, 7, -1, "y_zero_point", why))
    return false;
  if (present(in, 8) && (!checkType(node, in, 8, bit(ElementType::I32), why) ||
                         in[8].shape != Shape{g.M}))
    return fail(why, node, "B must be I32 [", g.M, "], got ",
                typeStr(in[8].type), " ", shapeStr(in[8].shape));
  return checkOutput(node, out, 0, in[7].type, convOutShape(g), why);
}

bool runQLinearConv(HK_RUN_ARGS) {
  ConvGeometry g;
  convGeometry(node, in[0].shape, in[3].shape, g, why);
  std::vector<int32_t> X = shifted(in, 0, 2, 1, 1),
                       W = shifted(in, 3, 5, product(in[3].shape, 1),
                                   uint64_t(g.M));
  std::vector<float> mult(g.M);
  for (int64_t m = 0; m < g.M; ++m)
    mult[m] = paramF(in, 1, 0) * paramF(in, 4, m) / paramF(in, 6, 0);
  double zp = param(in, 7, 0);
  bool bias = present(in, 8);
  intConv(g, X, W, work, [&](uint64_t e, uint64_t m, int32_t v) {
    if (bias)
      v = int32_t(uint32_t(v) + uint32_t(Elem<int32_t>::load(in[8].data, m)));
    storeQuant(out[0], e, std::nearbyint(double(v) * double(mult[m]) + zp));
  });
  work.vectorOps += out[0].numElements() * 3;
  return true;
}

const HostKernel kKernels[] = {
    {"ConvInteger", verifyConvInteger, runConvInteger},
    {"DequantizeLinear", verifyDequantizeLinear, runDequantizeLinear},
    {"DynamicQuantizeLinear", verifyDynamicQuantizeLinear,
     runDynamicQuantizeLinear},
    {"MatMulInteger", verifyMatMulInteger, runMatMulInteger},
    {"QLinearConv", verifyQLinearConv, runQLinearConv},
    {"QLinearMatMul", verifyQLinearMatMul, runQLinearMatMul},
    {"QuantizeLinear", verifyQuantizeLinear, runQuantizeLinear},
};

} // namespace

KernelTable quantizeKernels() {
  return {kKernels, sizeof(kKernels) / sizeof(kKernels[0])};
}

} // namespace npu::rt::hk
