//===- Pooling.cpp - pooling over the spatial axes
//-------------------------===//
//
// MaxPool (8, 10, 11, 12: optional int64 Indices), AveragePool (7, 10, 11;
// dilations from 19), LpPool (2, 11; ceil_mode and dilations from 18),
// GlobalMaxPool, GlobalAveragePool, GlobalLpPool, LRN (1, 13: a window
// over the channels) and MaxUnpool (9, 11), the last two described above
// their kernels, after
// onnx/docs/Operators.md (onnx 1.12). The input is [N, C, D1, ..., Dn]
// (n >= 1); windows slide over D1..Dn.
//
// Output size per spatial axis, effective kernel ek = (k - 1) * d + 1
// (onnx/defs/nn/defs.cc shape inference):
//   NOTSET (explicit pads, default 0):
//       floor-or-ceil((D + pad_begin + pad_end - ek) / stride) + 1
//       (ceil with ceil_mode, opset 10+)
//   VALID: the same with no padding
//   SAME_UPPER / SAME_LOWER: ceil(D / stride), padded by
//       max(0, (out - 1) * stride + ek - D) in total, the odd one at the end
//       (UPPER) or the beginning (LOWER).
// Padding never contributes to MaxPool or LpPool (|0|^p = 0);
// AveragePool divides by the window's elements inside the input, or with
// count_include_pad by those inside the padded input. MaxPool takes the
// first maximum and skips NaN (a window of NaN or of padding only gives
// -inf, as ONNX Runtime); Indices flatten the position in the input,
// row-major (storage_order 0) or with the spatial axes column-major (1).
//
// Types: float types; MaxPool also int8 and uint8 (opset 12).
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include <algorithm>

namespace npu::rt::hk {
namespace {

using AK = bin::AttributeKind;

enum class Pool { Max, Average, Lp };

/// The sliding windows along each spatial axis.
struct Geometry {
  Shape in, out, kernel, strides, dilations, padBegin, padEnd;
};

/// The pooling attributes of `node` for input shape `s` (rank >= 3).
bool geometry(const HostNode &node, Pool op, const Shape &s, Geometry &g,
              std::string &why) {
  size_t r = s.size() - 2;
  g.in.assign(s.begin() + 2, s.end());
  if (!node.getInts("kernel_shape"))
    return fail(why, node, "attribute 'kernel_shape' is required");
  bool dilated = op == Pool::Max  ? node.opset >= 10
                 : op == Pool::Lp ? node.opset >= 18
                                  : node.opset >= 19;
  bool ceilable = op == Pool::Lp ? node.opset >= 18 : node.opset >= 10;
  if (node.find("dilations") && !dilated)
    return fail(why, node, "dilations need a later opset");
  if (node.find("ceil_mode") && !ceilable)
    return fail(why, node, "ceil_mode needs a later opset");
  Shape pads;
  if (!intsAttr(node, "kernel_shape", r, 1, 1, g.kernel, why) ||
      !intsAttr(node, "strides", r, 1, 1, g.strides, why) ||
      !intsAttr(node, "dilations", r, 1, 1, g.dilations, why) ||
      !intsAttr(node, "pads", 2 * r, 0, 0, pads, why))
    return false;
  return windowOutput(node, g.in, g.kernel, g.strides, g.dilations, pads,
                      node.getInt("ceil_mode", 0) != 0, g.out, g.padBegin,
                      g.padEnd, why);
}

/// Global pooling: one window covering every spatial axis.
void globalGeometry(const Shape &s, Geometry &g) {
  size_t r = s.size() - 2;
  g.in.assign(s.begin() + 2, s.end());
  g.kernel = g.in;
  g.out.assign(r, 1);
  g.strides.assign(r, 1);
  g.dilations.assign(r, 1);
  g.padBegin.assign(r, 0);
  g.padEnd.assign(r, 0);
}

constexpr TypeSet poolTypes(const HostNode &node, Pool op) {
  return op == Pool::Max && node.opset >= 12
             ? kFloatTypes | bit(ElementType::I8) | bit(ElementType::U8)
             : kFloatTypes;
}

template <Pool Op, bool Global> bool verifyPool(HK_VERIFY_ARGS) {
  bool ok = Global ? (Op == Pool::Lp ? checkAttrs(node, {{"p", AK::Int}}, why)
                                     : checkAttrs(node, {}, why))
            : Op == Pool::Max     ? checkAttrs(node,
                                               {{"auto_pad", AK::String},
                                                {"ceil_mode", AK::Int},
                                                {"dilations", AK::Ints},
                                                {"kernel_shape", AK::Ints},
                                                {"pads", AK::Ints},
                                                {"storage_order", AK::Int},
                                                {"strides", AK::Ints}},
                                               why)
            : Op == Pool::Average ? checkAttrs(node,
                                               {{"auto_pad", AK::String},
                                                {"ceil_mode", AK::Int},
                                                {"count_include_pad", AK::Int},
                                                {"dilations", AK::Ints},
                                                {"kernel_shape", AK::Ints},
                                                {"pads", AK::Ints},
                                                {"strides", AK::Ints}},
                                               why)
                                  : checkAttrs(node,
                                               {{"auto_pad", AK::String},
                                                {"ceil_mode", AK::Int},
                                                {"dilations", AK::Ints},
                                                {"kernel_shape", AK::Ints},
                                                {"p", AK::Int},
                                                {"pads", AK::Ints},
                                                {"strides", AK::Ints}},
                                               why);
  size_t numOut = out.size() == 2 && Op == Pool::Max && !Global ? 2 : 1;
  if (!ok || !checkArity(node, in, out, 1, 1, numOut, why) ||
      !checkType(node, in, 0, poolTypes(node, Op), why))
    return false;
  const Shape &s = in[0].shape;
  if (s.size() < 3)
    return fail(why, node, "input must be [N, C, D1, ...], got ", shapeStr(s));
  if (Op == Pool::Lp && node.getInt("p", 2) < 1)
    return fail(why, node, "p must be >= 1, got ", node.getInt("p", 2));
  if (Op == Pool::Max && node.getInt("storage_order", 0) != 0 &&
      node.getInt("storage_order", 0) != 1)
    return fail(why, node, "storage_order must be 0 or 1");
  Geometry g;
  if (Global)
    globalGeometry(s, g);
  else if (!geometry(node, Op, s, g, why))
    return false;
  Shape shape = {s[0], s[1]};
  shape.insert(shape.end(), g.out.begin(), g.out.end());
  return checkOutput(node, out, 0, in[0].type, shape, why) &&
         (numOut == 1 ||
          checkOutput(node, out, 1, ElementType::I64, shape, why));
}

template <Pool Op, bool Global> bool runPool(HK_RUN_ARGS) {
  const Shape &s = in[0].shape;
  Geometry g;
  if (Global)
    globalGeometry(s, g);
  else
    geometry(node, Op, s, g, why);
  size_t r = g.in.size();
  uint64_t planes = uint64_t(s[0]) * uint64_t(s[1]), inPlane = product(g.in),
           outPlane = product(g.out), window = product(g.kernel);
  bool countPad = node.getInt("count_include_pad", 0) != 0;
  bool colMajor = node.getInt("storage_order", 0) != 0;
  double p = double(node.getInt("p", 2));
  Shape inStrides = stridesOf(g.in), colStrides(r, 1);
  for (size_t i = 1; i < r; ++i)
    colStrides[i] = colStrides[i - 1] * g.in[i - 1];
  bool indices = out.size() == 2;
  visitType(in[0].type, [&](auto tag) {
    using S = typename decltype(tag)::type;
    using C = Compute<S>;
    if constexpr (!std::is_same_v<S, Bool8>) {
      Shape o(r, 0), k(r);
      for (uint64_t pl = 0; pl < planes; ++pl)
        for (uint64_t oi = 0; oi < outPlane; ++oi) {
          double acc =
              Op == Pool::Max ? -std::numeric_limits<double>::infinity() : 0;
          uint64_t inside = 0, padded = 0;
          int64_t best = -1, bestCol = 0;
          std::fill(k.begin(), k.end(), 0);
          for (uint64_t w = 0; w < window; ++w) {
            bool in0 = true, inPad = true;
            int64_t at = 0, col = 0;
            for (size_t i = 0; i < r; ++i) {
              int64_t x =
                  o[i] * g.strides[i] - g.padBegin[i] + k[i] * g.dilations[i];
              in0 &= x >= 0 && x < g.in[i];
              inPad &= x < g.in[i] + g.padEnd[i];
              at += x * inStrides[i];
              col += x * colStrides[i];
            }
            padded += inPad;
            if (in0) {
              ++inside;
              double v = double(Elem<S>::load(in[0].data, pl * inPlane + at));
              if constexpr (Op == Pool::Max) {
                if (!std::isnan(v) && (best < 0 || v > acc))
                  acc = v, best = at, bestCol = col;
              } else if constexpr (Op == Pool::Average) {
                acc += v;
              } else {
                acc += p == 1   ? std::fabs(v)
                       : p == 2 ? v * v
                                : std::pow(std::fabs(v), p);
              }
            }
            for (size_t i = r; i-- > 0;) {
              if (++k[i] < g.kernel[i])
                break;
              k[i] = 0;
            }
          }
          double res = acc;
          if constexpr (Op == Pool::Average)
            res = acc / double(countPad ? padded : inside);
          else if constexpr (Op == Pool::Lp)
            res = p == 1 ? acc : p == 2 ? std::sqrt(acc) : std::pow(acc, 1 / p);
          uint64_t dst = pl * outPlane + oi;
          Elem<S>::store(out[0].data, dst, convert<C>(res));
          if (indices)
            Elem<int64_t>::store(out[1].data, dst,
                                 int64_t(pl * inPlane) + (best < 0   ? 0
                                                          : colMajor ? bestCol
                                                                     : best));
          for (size_t i = r; i-- > 0;) {
            if (++o[i] < g.out[i])
              break;
            o[i] = 0;
          }
        }
    }
  });
  work.vectorOps += planes * outPlane * window;
  work.laneBytes = elementBytes(in[0].type);
  work.scalarOps += planes * outPlane * window * r;
  return true;
}

//===----------------------------------------------------------------------===//
// LRN (1, 13): local response normalisation across channels of X
// [N, C, D1, ...]:
//   square_sum[n, c, d] = sum of X[n, i, d]^2 for i in
//       [max(0, c - floor((size - 1) / 2)), min(C - 1, c + ceil((size - 1) /
//       2))]
//   Y[n, c, d] = X[n, c, d] / (bias + alpha / size * square_sum)^beta
// alpha 1e-4, beta 0.75, bias 1 by default; size (>= 1) is required.
// Computed in double. Types: float types (bfloat16 from 13).
//===----------------------------------------------------------------------===//

bool verifyLRN(HK_VERIFY_ARGS) {
  if (!checkAttrs(node,
                  {{"alpha", AK::Float},
                   {"beta", AK::Float},
                   {"bias", AK::Float},
                   {"size", AK::Int}},
                  why) ||
      !checkArity(node, in, out, 1, 1, 1, why) ||
      !checkType(node, in, 0,
                 node.opset >= 13 ? kFloatTypes
                                  : kFloatTypes & ~bit(ElementType::BF16),
                 why))
    return false;
  if (!node.find("size"))
    return fail(why, node, "attribute 'size' is required");
  if (node.getInt("size", 1) < 1)
    return fail(why, node, "size must be >= 1, got ", node.getInt("size", 1));
  if (in[0].shape.size() < 3)
    return fail(why, node, "input must be [N, C, D1, ...], got ",
                shapeStr(in[0].shape));
  return checkOutput(node, out, 0, in[0].type, in[0].shape, why);
}

bool runLRN(HK_RUN_ARGS) {
  const Shape &s = in[0].shape;
  int64_t size = node.getInt("size", 1), C = s[1];
  double alpha = node.getFloat("alpha", 1e-4f),
         beta = node.getFloat("beta", 0.75f),
         bias = node.getFloat("bias", 1.0f);
  int64_t before = (size - 1) / 2, after = size - 1 - before;
  uint64_t inner = product(s, 2), N = uint64_t(s[0]);
  visitType(in[0].type, [&](auto tag) {
    using S = typename decltype(tag)::type;
    using Cv = Compute<S>;
    if constexpr (std::is_floating_point_v<Cv>)
      for (uint64_t n = 0; n < N; ++n)
        for (int64_t c = 0; c < C; ++c)
          for (uint64_t d = 0; d < inner; ++d) {
            double sum = 0;
            for (int64_t i = std::max<int64_t>(0, c - before),
                         e = std::min<int64_t>(C - 1, c + after);
                 i <= e; ++i) {
              double v = double(
                  Elem<S>::load(in[0].data, (n * C + uint64_t(i)) * inner + d));
              sum += v * v;
            }
            uint64_t at = (n * C + uint64_t(c)) * inner + d;
            double x = double(Elem<S>::load(in[0].data, at));
            Elem<S>::store(
                out[0].data, at,
                Cv(x / std::pow(bias + alpha / double(size) * sum, beta)));
          }
  });
  work.vectorOps += in[0].numElements() * uint64_t(2 * size + 4);
  work.laneBytes = elementBytes(in[0].type);
  return true;
}

//===----------------------------------------------------------------------===//
// MaxUnpool (9, 11), after ONNX's reference (onnx/reference/ops/
// op_max_unpool.py): scatters X [N, C, D1, ...] into a zero tensor of the
// unpooled shape [N, C, (D - 1) * stride + kernel - pad_begin - pad_end,
// ...] at the positions I (int64, X's shape) gives, flattened over that
// whole tensor (as MaxPool's Indices). With opset 11's optional
// output_shape input the result is that shape (at least the unpooled one
// on every axis; run time checks the values against the compiled output),
// the unpooled tensor at its origin and zeros beyond. Types: float types.
// An index outside the unpooled tensor is refused at run time; of two
// elements at the same index the later wins.
//===----------------------------------------------------------------------===//

/// The unpooled shape of X `s` under the node's attributes.
bool unpooledShape(const HostNode &node, const Shape &s, Shape &shape,
                   std::string &why) {
  size_t r = s.size() - 2;
  Shape kernel, strides, pads;
  if (!intsAttr(node, "kernel_shape", r, 1, 1, kernel, why) ||
      !intsAttr(node, "strides", r, 1, 1, strides, why) ||
      !intsAttr(node, "pads", 2 * r, 0, 0, pads, why))
    return false;
  shape = {s[0], s[1]};
  for (size_t i = 0; i < r; ++i) {
    int64_t d = (s[i + 2] - 1) * strides[i] + kernel[i] - pads[i] - pads[r + i];
    if (d < 0)
      return fail(why, node, "pads ", shapeStr(pads), " exceed the output on ",
                  "axis ", i + 2);
    shape.push_back(d);
  }
  return true;
}

bool hasOutputShape(const Tensors &in) {
  return in.size() == 3 && in[2].present;
}

bool verifyMaxUnpool(HK_VERIFY_ARGS) {
  if (!checkAttrs(node,
                  {{"kernel_shape", AK::Ints},
                   {"pads", AK::Ints},
                   {"strides", AK::Ints}},
                  why) ||
      !checkArity(node, in, out, 2, node.opset >= 11 ? 3 : 2, 1, why) ||
      !checkType(node, in, 0, kFloatTypes, why))
    return false;
  const Shape &s = in[0].shape;
  if (s.size() < 3)
    return fail(why, node, "X must be [N, C, D1, ...], got ", shapeStr(s));
  if (in[1].type != ElementType::I64 || in[1].shape != s)
    return fail(why, node, "I must be I64 ", shapeStr(s), ", got ",
                typeStr(in[1].type), " ", shapeStr(in[1].shape));
  if (!node.getInts("kernel_shape"))
    return fail(why, node, "attribute 'kernel_shape' is required");
  Shape shape;
  if (!unpooledShape(node, s, shape, why))
    return false;
  if (!hasOutputShape(in))
    return checkOutput(node, out, 0, in[0].type, shape, why);
  if (in[2].type != ElementType::I64 || in[2].shape != Shape{int64_t(s.size())})
    return fail(why, node, "output_shape must be I64 [", s.size(), "], got ",
                typeStr(in[2].type), " ", shapeStr(in[2].shape));
  if (!checkOutputRank(node, out, 0, in[0].type, s.size(), why))
    return false;
  for (size_t i = 0; i < s.size(); ++i)
    if (out[0].shape[i] < shape[i])
      return fail(why, node, "output ", shapeStr(out[0].shape),
                  " is smaller than the unpooled ", shapeStr(shape));
  return true;
}

bool runMaxUnpool(HK_RUN_ARGS) {
  const Shape &os = out[0].shape;
  if (hasOutputShape(in))
    for (size_t i = 0; i < os.size(); ++i)
      if (int64_t d = loadIndex(in[2], i); d != os[i])
        return fail(why, node, "output_shape entry ", i, " is ", d,
                    ", the compiled output is ", shapeStr(os));
  Shape shape;
  unpooledShape(node, in[0].shape, shape, why);
  uint64_t total = product(shape), n = in[0].numElements();
  Shape strides = stridesOf(shape), outStrides = stridesOf(os);
  size_t eb = elementBytes(in[0].type);
  zeroBytes(out[0].data, out[0].sizeBytes());
  for (uint64_t i = 0; i < n; ++i) {
    int64_t at = loadIndex(in[1], i);
    if (at < 0 || uint64_t(at) >= total)
      return fail(why, node, "index ", at, " out of range [0, ", total, ")");
    uint64_t dst = 0, rest = uint64_t(at); // Re-address into the output.
    for (size_t d = 0; d < shape.size(); ++d) {
      dst += rest / uint64_t(strides[d]) * uint64_t(outStrides[d]);
      rest %= uint64_t(strides[d]);
    }
    copyBytes(out[0].data + dst * eb, in[0].data + i * eb, eb);
  }
  work.scalarOps += n * shape.size();
  work.vectorOps += out[0].numElements();
  work.laneBytes = uint32_t(eb);
  return true;
}

const HostKernel kKernels[] = {
    {"AveragePool", verifyPool<Pool::Average, false>,
     runPool<Pool::Average, false>},
    {"GlobalAveragePool", verifyPool<Pool::Average, true>,
     runPool<Pool::Average, true>},
    {"GlobalLpPool", verifyPool<Pool::Lp, true>, runPool<Pool::Lp, true>},
    {"GlobalMaxPool", verifyPool<Pool::Max, true>, runPool<Pool::Max, true>},
    {"LRN", verifyLRN, runLRN},
    {"LpPool", verifyPool<Pool::Lp, false>, runPool<Pool::Lp, false>},
    {"MaxPool", verifyPool<Pool::Max, false>, runPool<Pool::Max, false>},
    {"MaxUnpool", verifyMaxUnpool, runMaxUnpool},
};

} // namespace

KernelTable poolingKernels() {
  return {kKernels, sizeof(kKernels) / sizeof(kKernels[0])};
}

} // namespace npu::rt::hk
