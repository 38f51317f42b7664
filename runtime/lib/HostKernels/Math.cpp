//===- Math.cpp - Pad, Clip and Einsum
//-------------------------------------===//
//
// Pad (2-10: pads and value attributes; 11-18: pads, constant_value and
// (18) axes inputs), Clip (6: min/max attributes; 11+: optional scalar
// inputs), Einsum (12), MatMul and Gemm, Det (11), unary float math and
// activations (Exp, Log, Relu, Sigmoid, ...) and Softmax / LogSoftmax, after
// onnx/docs/Operators.md (onnx 1.12).
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include <algorithm>
#include <string_view>

namespace npu::rt::hk {
namespace {

using AK = bin::AttributeKind;

//===----------------------------------------------------------------------===//
// Pad: out dim = in + pad_begin + pad_end (negative pads crop). Modes:
// constant (value / constant_value, default 0), reflect (mirror without
// repeating the edge, repeatedly for pads wider than the axis, as
// numpy.pad), edge (repeat the edge). Reflect and edge need a non-empty
// axis to pad. Types: floats before 11, numeric from 11, any from 13.
// With pads as data, verify checks the rank and run the shape.
//===----------------------------------------------------------------------===//

enum class PadMode { Constant, Reflect, Edge };

bool padMode(const HostNode &node, PadMode &m, std::string &why) {
  std::string s = node.getString("mode", "constant");
  if (s == "constant")
    m = PadMode::Constant;
  else if (s == "reflect")
    m = PadMode::Reflect;
  else if (s == "edge")
    m = PadMode::Edge;
  else
    return fail(why, node, "unknown mode '", s, "'");
  return true;
}

/// The pads as [begin..., end...] over every axis, from the attribute or
/// the pads (and axes) inputs; false with a message on bad values.
bool padsOf(const HostNode &node, const Tensors &in, const Shape &s,
            Shape &pads, std::string &why) {
  size_t r = s.size();
  std::vector<int64_t> raw, axes;
  if (node.opset < 11) {
    raw = *node.getInts("pads");
  } else {
    for (uint64_t i = 0; i < in[1].numElements(); ++i)
      raw.push_back(loadIndex(in[1], i));
  }
  if (in.size() > 3 && in[3].present) {
    for (uint64_t i = 0; i < in[3].numElements(); ++i)
      axes.push_back(loadIndex(in[3], i));
  } else {
    for (size_t i = 0; i < r; ++i)
      axes.push_back(int64_t(i));
  }
  if (raw.size() != 2 * axes.size())
    return fail(why, node, "pads has ", raw.size(), " entries, expected ",
                2 * axes.size());
  pads.assign(2 * r, 0);
  std::vector<bool> seen(r, false);
  for (size_t i = 0; i < axes.size(); ++i) {
    int64_t a = axes[i];
    if (!normAxis(a, int64_t(r)))
      return fail(why, node, "axis ", axes[i], " out of range [", -int64_t(r),
                  ", ", r, ")");
    if (seen[a])
      return fail(why, node, "axis ", axes[i], " repeated");
    seen[a] = true;
    pads[a] = raw[i];
    pads[r + a] = raw[axes.size() + i];
  }
  for (size_t d = 0; d < r; ++d) {
    const int64_t lim = int64_t(1) << 40;
    if (pads[d] > lim || pads[d] < -lim || pads[r + d] > lim ||
        pads[r + d] < -lim || s[d] + pads[d] + pads[r + d] < 0)
      return fail(why, node, "pads ", pads[d], " and ", pads[r + d],
                  " do not fit axis ", d, " of size ", s[d]);
  }
  return true;
}

bool verifyPad(HK_VERIFY_ARGS) {
  bool attrs = node.opset < 11;
  if (!(attrs ? checkAttrs(node,
                           {{"mode", AK::String},
                            {"pads", AK::Ints},
                            {"value", AK::Float}},
                           why)
              : checkAttrs(node, {{"mode", AK::String}}, why)) ||
      !checkArity(node, in, out, attrs ? 1 : 2,
                  attrs              ? 1
                  : node.opset >= 18 ? 4
                                     : 3,
                  1, why))
    return false;
  TypeSet types = node.opset < 11   ? kFloatTypes
                  : node.opset < 13 ? kNumericTypes & ~bit(ElementType::BF16)
                                    : kAllTypes;
  PadMode m;
  if (!checkType(node, in, 0, types, why) || !padMode(node, m, why))
    return false;
  const Shape &s = in[0].shape;
  size_t r = s.size();
  if (attrs) {
    if (!node.getInts("pads"))
      return fail(why, node, "attribute 'pads' is required");
    Shape pads, shape(r);
    if (!padsOf(node, in, s, pads, why))
      return false;
    for (size_t d = 0; d < r; ++d) {
      shape[d] = s[d] + pads[d] + pads[r + d];
      if (m != PadMode::Constant && s[d] == 0 && shape[d] > 0)
        return fail(why, node, "cannot pad the empty axis ", d);
    }
    return checkOutput(node, out, 0, in[0].type, shape, why);
  }
  if (!checkType(node, in, 1, bit(ElementType::I64), why))
    return false;
  if (in[1].shape.size() != 1)
    return fail(why, node, "pads must be 1-D, got ", shapeStr(in[1].shape));
  if (in.size() > 2 && in[2].present &&
      (!checkSameType(node, in, 0, 2, why) || !checkScalar(node, in, 2, why)))
    return false;
  if (in.size() > 3 && in[3].present) {
    if (!checkType(node, in, 3, kIndexTypes, why))
      return false;
    if (in[3].shape.size() != 1)
      return fail(why, node, "axes must be 1-D, got ", shapeStr(in[3].shape));
  }
  return checkOutputRank(node, out, 0, in[0].type, r, why);
}

bool runPad(HK_RUN_ARGS) {
  const Shape &s = in[0].shape, &os = out[0].shape;
  size_t r = s.size();
  PadMode m;
  padMode(node, m, why);
  Shape pads, shape(r);
  if (!padsOf(node, in, s, pads, why))
    return false;
  for (size_t d = 0; d < r; ++d)
    shape[d] = s[d] + pads[d] + pads[r + d];
  if (shape != os)
    return fail(why, node, "pads give ", shapeStr(shape), ", the output is ",
                shapeStr(os));
  uint64_t n = out[0].numElements();
  for (size_t d = 0; d < r && n; ++d)
    if (m != PadMode::Constant && s[d] == 0)
      return fail(why, node, "cannot pad the empty axis ", d);
  // The constant's bytes.
  size_t eb = elementBytes(in[0].type);
  uint8_t constant[8] = {};
  if (node.opset < 11)
    visitType(in[0].type, [&](auto tag) {
      using S = typename decltype(tag)::type;
      Elem<S>::store(constant, 0,
                     convert<Compute<S>>(node.getFloat("value", 0)));
    });
  else if (in.size() > 2 && in[2].present)
    std::memcpy(constant, in[2].data, eb);
  Shape strides = stridesOf(s), idx(r, 0);
  for (uint64_t o = 0; o < n; ++o, nextIndex(idx, os)) {
    uint64_t at = 0;
    bool inside = true;
    for (size_t d = 0; d < r; ++d) {
      int64_t x = idx[d] - pads[d], len = s[d];
      if (x < 0 || x >= len) {
        if (m == PadMode::Constant) {
          inside = false;
          break;
        }
        if (m == PadMode::Edge || len == 1) {
          x = x < 0 ? 0 : len - 1;
        } else {
          int64_t period = 2 * (len - 1);
          x %= period;
          if (x < 0)
            x += period;
          if (x >= len)
            x = period - x;
        }
      }
      at += uint64_t(x * strides[d]);
    }
    std::memcpy(out[0].data + o * eb, inside ? in[0].data + at * eb : constant,
                eb);
  }
  work.scalarOps += n * r;
  work.vectorOps += n;
  work.laneBytes = uint32_t(eb);
  return true;
}

//===----------------------------------------------------------------------===//
// Clip: min(max(x, min), max), so min > max gives max everywhere (as
// numpy.clip) and NaN stays NaN. Bounds: attributes (opset 6, default
// -/+ infinity) or optional scalar inputs of the input's type (11+,
// default the type's range). Types: floats (bfloat16 from 13); every
// numeric type from 12.
//===----------------------------------------------------------------------===//

bool verifyClip(HK_VERIFY_ARGS) {
  bool attrs = node.opset < 11;
  if (!(attrs ? checkAttrs(node, {{"min", AK::Float}, {"max", AK::Float}}, why)
              : checkAttrs(node, {}, why)) ||
      !checkArity(node, in, out, 1, attrs ? 1 : 3, 1, why))
    return false;
  TypeSet types = node.opset < 12   ? kFloatTypes & ~bit(ElementType::BF16)
                  : node.opset < 13 ? kNumericTypes & ~bit(ElementType::BF16)
                                    : kNumericTypes;
  if (!checkType(node, in, 0, types, why))
    return false;
  for (size_t i = 1; i < in.size(); ++i)
    if (in[i].present &&
        (!checkSameType(node, in, 0, i, why) || !checkScalar(node, in, i, why)))
      return false;
  return checkOutput(node, out, 0, in[0].type, in[0].shape, why);
}

bool runClip(HK_RUN_ARGS) {
  visitType(in[0].type, [&](auto tag) {
    using S = typename decltype(tag)::type;
    using C = Compute<S>;
    if constexpr (!std::is_same_v<S, Bool8>) {
      C lo = std::numeric_limits<C>::lowest(),
        hi = std::numeric_limits<C>::max();
      if constexpr (!std::is_integral_v<C>)
        lo = -std::numeric_limits<C>::infinity(),
        hi = std::numeric_limits<C>::infinity();
      if (node.opset < 11) {
        if constexpr (!std::is_integral_v<C>) {
          lo = C(node.getFloat("min", float(lo)));
          hi = C(node.getFloat("max", float(hi)));
        }
      } else {
        if (in.size() > 1 && in[1].present)
          lo = Elem<S>::load(in[1].data, 0);
        if (in.size() > 2 && in[2].present)
          hi = Elem<S>::load(in[2].data, 0);
      }
      uint64_t n = in[0].numElements();
      for (uint64_t i = 0; i < n; ++i) {
        C x = Elem<S>::load(in[0].data, i);
        x = x < lo ? lo : x;
        x = x > hi ? hi : x;
        Elem<S>::store(out[0].data, i, x);
      }
    }
  });
  work.vectorOps += 2 * in[0].numElements();
  work.laneBytes = elementBytes(in[0].type);
  return true;
}

//===----------------------------------------------------------------------===//
// Einsum (opset 12): "term,term->out" over letters a-z A-Z and "...".
// A letter repeated in one term takes the diagonal; letters of the inputs
// missing from the output are summed. "..." stands for the leading axes
// the letters leave, broadcast (NumPy) across the inputs. Without "->" the
// output is "..." then the letters used exactly once, alphabetically.
// Every occurrence of a letter has one size. Computed as a loop over the
// output and the summed letters: correctness first. Types: every numeric
// type; floats accumulate in double, integers wrap.
//===----------------------------------------------------------------------===//

constexpr int kLetters = 52;

int letterId(char c) {
  if (c >= 'a' && c <= 'z')
    return c - 'a';
  if (c >= 'A' && c <= 'Z')
    return 26 + (c - 'A');
  return -1;
}

/// One term: letter ids in order, with -1 where "..." stands.
bool parseTerm(const HostNode &node, std::string_view t, std::vector<int> &ids,
               bool &ellipsis, std::string &why) {
  ellipsis = false;
  for (size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    if (c == ' ')
      continue;
    if (c == '.') {
      if (ellipsis || t.substr(i, 3) != "...")
        return fail(why, node, "bad ellipsis in term '", t, "'");
      ellipsis = true;
      ids.push_back(-1);
      i += 2;
      continue;
    }
    int id = letterId(c);
    if (id < 0)
      return fail(why, node, "bad character '", c, "' in the equation");
    ids.push_back(id);
  }
  return true;
}

/// The parsed equation for given input shapes: per input, the label of
/// each axis (letters 0-51, ellipsis axes 52+); the output labels; every
/// label's size.
struct Einsum {
  std::vector<std::vector<int>> inLabels;
  std::vector<int> outLabels, sumLabels;
  std::vector<int64_t> size;
  Shape outShape;
};

bool parseEinsum(const HostNode &node, const Tensors &in, Einsum &e,
                 std::string &why) {
  const HostAttribute *a = node.find("equation");
  if (!a)
    return fail(why, node, "attribute 'equation' is required");
  std::string_view eq = a->s;
  size_t arrow = eq.find("->");
  std::string_view lhs = eq.substr(0, arrow);
  std::vector<std::vector<int>> terms;
  std::vector<bool> ell;
  for (size_t start = 0;;) {
    size_t comma = lhs.find(',', start);
    terms.emplace_back();
    bool el;
    if (!parseTerm(node, lhs.substr(start, comma - start), terms.back(), el,
                   why))
      return false;
    ell.push_back(el);
    if (comma == std::string_view::npos)
      break;
    start = comma + 1;
  }
  if (terms.size() != in.size())
    return fail(why, node, "the equation has ", terms.size(),
                " inputs, the node ", in.size());
  // The ellipsis rank: the most axes "..." stands for.
  int64_t E = 0;
  for (size_t i = 0; i < terms.size(); ++i) {
    int64_t letters = int64_t(terms[i].size()) - (ell[i] ? 1 : 0);
    int64_t rank = int64_t(in[i].shape.size());
    if (ell[i] ? rank < letters : rank != letters)
      return fail(why, node, "term ", i, " does not fit input rank ", rank);
    if (ell[i])
      E = std::max(E, rank - letters);
  }
  e.size.assign(size_t(kLetters + E), -1);
  std::vector<int> uses(size_t(kLetters + E), 0);
  for (size_t i = 0; i < terms.size(); ++i) {
    const Shape &s = in[i].shape;
    int64_t k = int64_t(s.size()) - int64_t(terms[i].size()) + 1; // "..." axes
    std::vector<int> labels;
    for (int id : terms[i]) {
      if (id >= 0) {
        labels.push_back(id);
        continue;
      }
      for (int64_t j = 0; j < k; ++j)
        labels.push_back(int(kLetters + E - k + j));
    }
    for (size_t d = 0; d < labels.size(); ++d) {
      int l = labels[d];
      int64_t &sz = e.size[size_t(l)];
      if (l >= kLetters && (sz == 1 || sz == -1))
        sz = s[d];
      else if (l >= kLetters && s[d] == 1)
        ;
      else if (sz == -1)
        sz = s[d];
      else if (sz != s[d])
        return fail(why, node, "label sizes ", sz, " and ", s[d],
                    " disagree (input ", i, " axis ", d, ")");
      ++uses[size_t(l)];
    }
    e.inLabels.push_back(std::move(labels));
  }
  std::vector<bool> inOut(e.size.size(), false);
  if (arrow == std::string_view::npos) {
    for (int64_t j = 0; j < E; ++j)
      e.outLabels.push_back(int(kLetters + j));
    for (char c = 'A'; c <= 'z'; ++c) {
      int id = letterId(c);
      if (id >= 0 && uses[size_t(id)] == 1)
        e.outLabels.push_back(id);
    }
  } else {
    std::vector<int> ids;
    bool el;
    if (!parseTerm(node, eq.substr(arrow + 2), ids, el, why))
      return false;
    for (int id : ids) {
      if (id < 0) {
        for (int64_t j = 0; j < E; ++j)
          e.outLabels.push_back(int(kLetters + j));
        continue;
      }
      char c = char(id < 26 ? 'a' + id : 'A' + (id - 26));
      if (!uses[size_t(id)])
        return fail(why, node, "output label '", c, "' is not in any input");
      if (inOut[size_t(id)])
        return fail(why, node, "output label '", c, "' repeated");
      inOut[size_t(id)] = true;
      e.outLabels.push_back(id);
    }
  }
  // Labels not in the output (ellipsis axes too, when the output has no
  // "...") are summed.
  std::fill(inOut.begin(), inOut.end(), false);
  for (int l : e.outLabels) {
    inOut[size_t(l)] = true;
    e.outShape.push_back(e.size[size_t(l)]);
  }
  for (size_t l = 0; l < e.size.size(); ++l)
    if (uses[l] && !inOut[l])
      e.sumLabels.push_back(int(l));
  return true;
}

bool verifyEinsum(HK_VERIFY_ARGS) {
  if (!checkAttrs(node, {{"equation", AK::String}}, why) ||
      !checkArity(node, in, out, 1, SIZE_MAX, 1, why))
    return false;
  for (size_t i = 0; i < in.size(); ++i)
    if (!in[i].present)
      return fail(why, node, "input ", i, " is required");
    else if (!checkType(node, in, i, kNumericTypes, why) ||
             !checkSameType(node, in, 0, i, why))
      return false;
  Einsum e;
  if (!parseEinsum(node, in, e, why))
    return false;
  // The kernel visits every output element times every summed index: a
  // few-kilobyte model must not take hours ("a,b,c,d->" over [1000]s).
  constexpr uint64_t kMaxSteps = uint64_t(1) << 34;
  uint64_t steps = std::max<uint64_t>(1, in.size());
  auto grow = [&](int64_t d) {
    steps = d <= 0
                ? 0
                : (steps > kMaxSteps / uint64_t(d) ? kMaxSteps + 1 : steps * d);
  };
  for (int64_t d : e.outShape)
    grow(d);
  for (int l : e.sumLabels)
    grow(e.size[size_t(l)]);
  if (steps > kMaxSteps)
    return fail(why, node,
                "its output elements times its summed indices "
                "exceed 2^34 steps");
  return checkOutput(node, out, 0, in[0].type, e.outShape, why);
}

template <class C>
using EAcc = std::conditional_t<std::is_floating_point_v<C>, double, uint64_t>;

bool runEinsum(HK_RUN_ARGS) {
  Einsum e;
  parseEinsum(node, in, e, why);
  size_t numIn = in.size(), nl = e.size.size();
  // Per input, the element stride of each label (summed over repeated
  // labels; 0 on broadcast axes).
  std::vector<std::vector<int64_t>> stride(numIn, std::vector<int64_t>(nl, 0));
  for (size_t i = 0; i < numIn; ++i) {
    Shape st = stridesOf(in[i].shape);
    for (size_t d = 0; d < e.inLabels[i].size(); ++d)
      if (in[i].shape[d] != 1)
        stride[i][size_t(e.inLabels[i][d])] += st[d];
  }
  Shape outDims = e.outShape, sumDims;
  for (int l : e.sumLabels)
    sumDims.push_back(e.size[size_t(l)]);
  uint64_t n = product(outDims), m = product(sumDims);
  visitType(in[0].type, [&](auto tag) {
    using S = typename decltype(tag)::type;
    using C = Compute<S>;
    if constexpr (!std::is_same_v<S, Bool8>) {
      using A = EAcc<C>;
      Shape oi(outDims.size(), 0);
      for (uint64_t o = 0; o < n; ++o, nextIndex(oi, outDims)) {
        std::vector<int64_t> base(numIn, 0);
        for (size_t i = 0; i < numIn; ++i)
          for (size_t k = 0; k < oi.size(); ++k)
            base[i] += oi[k] * stride[i][size_t(e.outLabels[k])];
        A acc = 0;
        Shape si(sumDims.size(), 0);
        for (uint64_t j = 0; j < m; ++j, nextIndex(si, sumDims)) {
          A prod = 1;
          for (size_t i = 0; i < numIn; ++i) {
            int64_t at = base[i];
            for (size_t k = 0; k < si.size(); ++k)
              at += si[k] * stride[i][size_t(e.sumLabels[k])];
            A x = A(Elem<S>::load(in[i].data, uint64_t(at)));
            prod = std::is_integral_v<A> ? A(uint64_t(prod) * uint64_t(x))
                                         : prod * x;
          }
          acc = std::is_integral_v<A> ? A(uint64_t(acc) + uint64_t(prod))
                                      : acc + prod;
        }
        Elem<S>::store(out[0].data, o, C(acc));
      }
    }
  });
  work.vectorOps += n * std::max<uint64_t>(m, 1) * numIn;
  work.laneBytes = elementBytes(in[0].type);
  work.scalarOps += n * std::max<uint64_t>(m, 1);
  return true;
}

//===----------------------------------------------------------------------===//
// Unary float math and activations, elementwise, computed in double:
//   Exp Log Sqrt Reciprocal Floor Ceil Round (half to even) Erf Sigmoid
//   Tanh Sin Cos Tan Asin Acos Atan Sinh Cosh Asinh Acosh Atanh
//   Softplus log(1 + e^x)   Softsign x / (1 + |x|)
//   Relu max(0, x) (signed integers too from opset 14)
//   LeakyRelu x < 0 ? alpha x : x (alpha 0.01)
//   Elu x < 0 ? alpha (e^x - 1) : x (alpha 1)
//   Selu gamma (x <= 0 ? alpha (e^x - 1) : x) (ONNX's alpha, gamma)
//   Celu max(0, x) + min(0, alpha (e^(x/alpha) - 1)) (alpha 1; float only)
//   HardSigmoid max(0, min(1, alpha x + beta)) (alpha 0.2, beta 0.5)
//   ThresholdedRelu x > alpha ? x : 0 (alpha 1)
//   HardSwish x max(0, min(1, x / 6 + 0.5)) (14)
//   Mish x tanh(softplus(x)) (18)
// Types: float16, float, double; bfloat16 where the op's opset allows it.
//===----------------------------------------------------------------------===//

enum class Un {
  Exp,
  Log,
  Sqrt,
  Reciprocal,
  Floor,
  Ceil,
  Round,
  Erf,
  Sigmoid,
  Tanh,
  Sin,
  Cos,
  Tan,
  Asin,
  Acos,
  Atan,
  Sinh,
  Cosh,
  Asinh,
  Acosh,
  Atanh,
  Softplus,
  Softsign,
  Relu,
  LeakyRelu,
  Elu,
  Selu,
  Celu,
  HardSigmoid,
  ThresholdedRelu,
  HardSwish,
  Mish
};

/// The float attributes of each op (name, default) and the opset from which
/// it takes bfloat16 (0: never).
struct UnaryInfo {
  const char *a = nullptr, *b = nullptr;
  float da = 0, db = 0;
  int64_t bf16From = 0, since = 1;
};

UnaryInfo unaryInfo(Un op) {
  switch (op) {
  case Un::Exp:
  case Un::Log:
  case Un::Sqrt:
  case Un::Reciprocal:
  case Un::Floor:
  case Un::Ceil:
  case Un::Erf:
  case Un::Sigmoid:
  case Un::Tanh:
  case Un::Relu:
    return {nullptr, nullptr, 0, 0, 13, 1};
  case Un::Round:
    return {nullptr, nullptr, 0, 0, 0, 11};
  case Un::LeakyRelu:
    return {"alpha", nullptr, 0.01f, 0, 16, 1};
  case Un::Elu:
    return {"alpha", nullptr, 1, 0, 0, 1};
  case Un::Selu:
    return {"alpha",
            "gamma",
            1.67326319217681884765625f,
            1.05070102214813232421875f,
            0,
            1};
  case Un::Celu:
    return {"alpha", nullptr, 1, 0, 0, 12};
  case Un::HardSigmoid:
    return {"alpha", "beta", 0.2f, 0.5f, 0, 1};
  case Un::ThresholdedRelu:
    return {"alpha", nullptr, 1, 0, 0, 10};
  case Un::HardSwish:
    return {nullptr, nullptr, 0, 0, 0, 14};
  case Un::Mish:
    return {nullptr, nullptr, 0, 0, 0, 18};
  case Un::Softplus:
  case Un::Softsign:
    return {};
  default:
    return {nullptr, nullptr, 0, 0, 0, 7}; // Trigonometry.
  }
}

template <Un Op> bool verifyUnary(HK_VERIFY_ARGS) {
  UnaryInfo info = unaryInfo(Op);
  bool attrs =
      info.b ? checkAttrs(node, {{info.a, AK::Float}, {info.b, AK::Float}}, why)
      : info.a ? checkAttrs(node, {{info.a, AK::Float}}, why)
               : checkAttrs(node, {}, why);
  if (!attrs || !checkArity(node, in, out, 1, 1, 1, why))
    return false;
  if (node.opset < info.since)
    return fail(why, node, "needs opset ", info.since);
  TypeSet types = Op == Un::Celu ? bit(ElementType::F32)
                                 : kFloatTypes & ~bit(ElementType::BF16);
  if (info.bf16From && node.opset >= info.bf16From)
    types |= bit(ElementType::BF16);
  if (Op == Un::Relu && node.opset >= 14)
    types |= kSignedTypes;
  return checkType(node, in, 0, types, why) &&
         checkOutput(node, out, 0, in[0].type, in[0].shape, why);
}

double softplus(double x) {
  return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

template <Un Op> double unary(double x, double a, double b) {
  switch (Op) {
  case Un::Exp:
    return std::exp(x);
  case Un::Log:
    return std::log(x);
  case Un::Sqrt:
    return std::sqrt(x);
  case Un::Reciprocal:
    return 1 / x;
  case Un::Floor:
    return std::floor(x);
  case Un::Ceil:
    return std::ceil(x);
  case Un::Round:
    return std::nearbyint(x);
  case Un::Erf:
    return std::erf(x);
  case Un::Sigmoid:
    return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x));
  case Un::Tanh:
    return std::tanh(x);
  case Un::Sin:
    return std::sin(x);
  case Un::Cos:
    return std::cos(x);
  case Un::Tan:
    return std::tan(x);
  case Un::Asin:
    return std::asin(x);
  case Un::Acos:
    return std::acos(x);
  case Un::Atan:
    return std::atan(x);
  case Un::Sinh:
    return std::sinh(x);
  case Un::Cosh:
    return std::cosh(x);
  case Un::Asinh:
    return std::asinh(x);
  case Un::Acosh:
    return std::acosh(x);
  case Un::Atanh:
    return std::atanh(x);
  case Un::Softplus:
    return softplus(x);
  case Un::Softsign:
    return x / (1 + std::fabs(x));
  case Un::Relu:
    return x < 0 ? 0 : x;
  case Un::LeakyRelu:
    return x < 0 ? a * x : x;
  case Un::Elu:
    return x < 0 ? a * std::expm1(x) : x;
  case Un::Selu:
    return b * (x <= 0 ? a * std::expm1(x) : x);
  case Un::Celu:
    return std::max(0.0, x) + std::min(0.0, a * std::expm1(x / a));
  case Un::HardSigmoid:
    return std::max(0.0, std::min(1.0, a * x + b));
  case Un::ThresholdedRelu:
    return x > a ? x : 0;
  case Un::HardSwish:
    return x * std::max(0.0, std::min(1.0, x / 6 + 0.5));
  case Un::Mish:
    return x * std::tanh(softplus(x));
  }
  return x;
}

template <Un Op> bool runUnary(HK_RUN_ARGS) {
  UnaryInfo info = unaryInfo(Op);
  double a = info.a ? node.getFloat(info.a, info.da) : 0,
         b = info.b ? node.getFloat(info.b, info.db) : 0;
  uint64_t n = in[0].numElements();
  visitType(in[0].type, [&](auto tag) {
    using S = typename decltype(tag)::type;
    using C = Compute<S>;
    if constexpr (std::is_integral_v<C> && !std::is_same_v<C, bool>) {
      for (uint64_t i = 0; i < n; ++i) { // Relu on signed integers.
        C x = Elem<S>::load(in[0].data, i);
        Elem<S>::store(out[0].data, i, x < 0 ? C(0) : x);
      }
    } else if constexpr (!std::is_same_v<C, bool>) {
      for (uint64_t i = 0; i < n; ++i)
        Elem<S>::store(
            out[0].data, i,
            C(unary<Op>(double(Elem<S>::load(in[0].data, i)), a, b)));
    }
  });
  work.vectorOps += n;
  work.laneBytes = elementBytes(in[0].type);
  return true;
}

//===----------------------------------------------------------------------===//
// Softmax / LogSoftmax: opset < 13 coerces the input to 2-D
// [prod(d[:axis]), prod(d[axis:])] (axis default 1, range [-r, r]); opset
// 13 works along `axis` (default -1). Computed in double as
// e^(x - max) / sum and x - max - log(sum). Float types (bfloat16 from 13).
//===----------------------------------------------------------------------===//

bool verifySoftmax(HK_VERIFY_ARGS) {
  if (!checkAttrs(node, {{"axis", AK::Int}}, why) ||
      !checkArity(node, in, out, 1, 1, 1, why) ||
      !checkType(node, in, 0,
                 node.opset >= 13 ? kFloatTypes
                                  : kFloatTypes & ~bit(ElementType::BF16),
                 why))
    return false;
  return verifySoftmaxAxis(node, in, out, why);
}

template <bool Log> bool runSoftmax(HK_RUN_ARGS) {
  const Shape &s = in[0].shape;
  int64_t axis, r = int64_t(s.size());
  uint64_t outer, dim, inner;
  if (node.opset >= 13) {
    axisAttr(node, r, -1, axis, why);
    outer = product(s, 0, axis), dim = uint64_t(s[axis]),
    inner = product(s, axis + 1);
  } else {
    axisAttr(node, r, 1, axis, why, true);
    outer = product(s, 0, axis), dim = product(s, axis), inner = 1;
  }
  std::vector<double> line(dim);
  visitType(in[0].type, [&](auto tag) {
    using S = typename decltype(tag)::type;
    using C = Compute<S>;
    if constexpr (!std::is_integral_v<C>)
      for (uint64_t o = 0; o < outer; ++o)
        for (uint64_t i = 0; i < inner; ++i) {
          double mx = -std::numeric_limits<double>::infinity(), sum = 0;
          for (uint64_t j = 0; j < dim; ++j) {
            line[j] =
                double(Elem<S>::load(in[0].data, (o * dim + j) * inner + i));
            mx = std::max(mx, line[j]);
          }
          for (uint64_t j = 0; j < dim; ++j)
            sum += std::exp(line[j] - mx);
          for (uint64_t j = 0; j < dim; ++j)
            Elem<S>::store(out[0].data, (o * dim + j) * inner + i,
                           C(Log ? line[j] - mx - std::log(sum)
                                 : std::exp(line[j] - mx) / sum));
        }
  });
  work.vectorOps += 3 * in[0].numElements();
  work.laneBytes = elementBytes(in[0].type);
  return true;
}

//===----------------------------------------------------------------------===//
// MatMul (numpy.matmul: a 1-D A is [1, K] and a 1-D B is [K, 1], those
// axes dropped from the result; the batch axes broadcast) and Gemm
// (Y = alpha A' B' + beta C, A' = transA ? A^T : A, C broadcast to [M, N]
// and optional from opset 11). Types: float16, float, double; 32/64-bit
// integers from opset 9; bfloat16 from 13. Floats accumulate in double,
// integers wrap; integer Gemm with a fractional alpha or beta computes in
// double and truncates.
//===----------------------------------------------------------------------===//

TypeSet matTypes(const HostNode &node) {
  TypeSet t = kFloatTypes & ~bit(ElementType::BF16);
  if (node.opset >= 9)
    t |= bit(ElementType::I32) | bit(ElementType::I64) | bit(ElementType::U32) |
         bit(ElementType::U64);
  if (node.opset >= 13)
    t |= bit(ElementType::BF16);
  return t;
}

/// A[m, k] B[k, n] (strided views) accumulated per output element.
template <class S, class F>
void matLoop(const HostTensorView &a, const HostTensorView &b, uint64_t M,
             uint64_t N, uint64_t K, uint64_t aOff, int64_t aRow, int64_t aCol,
             uint64_t bOff, int64_t bRow, int64_t bCol, F f) {
  using C = Compute<S>;
  using A = EAcc<C>;
  for (uint64_t i = 0; i < M; ++i)
    for (uint64_t j = 0; j < N; ++j) {
      A acc = 0;
      for (uint64_t k = 0; k < K; ++k) {
        A x = A(Elem<S>::load(a.data, aOff + i * aRow + k * aCol));
        A y = A(Elem<S>::load(b.data, bOff + k * bRow + j * bCol));
        if constexpr (std::is_integral_v<A>)
          acc = A(uint64_t(acc) + uint64_t(x) * uint64_t(y));
        else
          acc += x * y;
      }
      f(i, j, acc);
    }
}

bool verifyMatMul(HK_VERIFY_ARGS) {
  Shape shape, a, b;
  return checkAttrs(node, {}, why) && checkArity(node, in, out, 2, 2, 1, why) &&
         checkType(node, in, 0, matTypes(node), why) &&
         checkSameType(node, in, 0, 1, why) &&
         matMulShape(node, in[0].shape, in[1].shape, shape, a, b, why) &&
         checkOutput(node, out, 0, in[0].type, shape, why);
}

bool runMatMul(HK_RUN_ARGS) {
  Shape shape, a, b;
  matMulShape(node, in[0].shape, in[1].shape, shape, a, b, why);
  uint64_t M = uint64_t(a[a.size() - 2]), K = uint64_t(a.back()),
           N = uint64_t(b.back());
  Shape ab(a.begin(), a.end() - 2), bb(b.begin(), b.end() - 2), batch;
  broadcastShapes({&ab, &bb}, batch);
  uint64_t nb = product(batch);
  BroadcastIndex it(batch, {&ab, &bb});
  visitType(in[0].type, [&](auto tag) {
    using S = typename decltype(tag)::type;
    using C = Compute<S>;
    if constexpr (!std::is_same_v<S, Bool8>)
      for (uint64_t t = 0; t < nb; ++t, it.next())
        matLoop<S>(in[0], in[1], M, N, K, it[0] * M * K, int64_t(K), 1,
                   it[1] * K * N, int64_t(N), 1,
                   [&](uint64_t i, uint64_t j, auto acc) {
                     Elem<S>::store(out[0].data, (t * M + i) * N + j, C(acc));
                   });
  });
  work.vectorOps += nb * M * N * K * 2;
  work.laneBytes = elementBytes(in[0].type);
  return true;
}

bool verifyGemm(HK_VERIFY_ARGS) {
  if (!checkAttrs(node,
                  {{"alpha", AK::Float},
                   {"beta", AK::Float},
                   {"transA", AK::Int},
                   {"transB", AK::Int}},
                  why) ||
      !checkArity(node, in, out, node.opset >= 11 ? 2 : 3, 3, 1, why) ||
      !checkType(node, in, 0, matTypes(node), why) ||
      !checkSameType(node, in, 0, 1, why))
    return false;
  const Shape &a = in[0].shape, &b = in[1].shape;
  if (a.size() != 2 || b.size() != 2)
    return fail(why, node, "A and B must be 2-D, got ", shapeStr(a), " and ",
                shapeStr(b));
  bool ta = node.getInt("transA", 0) != 0, tb = node.getInt("transB", 0) != 0;
  int64_t M = a[ta], K = a[!ta], K2 = b[tb], N = b[!tb];
  if (K != K2)
    return fail(why, node, "inner dimensions ", K, " and ", K2, " differ");
  if (in.size() == 3 && in[2].present) {
    Shape mn = {M, N}, bc;
    if (!checkSameType(node, in, 0, 2, why))
      return false;
    if (in[2].shape.size() > 2 || !broadcastShapes({&mn, &in[2].shape}, bc) ||
        bc != mn)
      return fail(why, node, "C ", shapeStr(in[2].shape),
                  " does not broadcast to ", shapeStr(mn));
  }
  return checkOutput(node, out, 0, in[0].type, {M, N}, why);
}

bool runGemm(HK_RUN_ARGS) {
  const Shape &a = in[0].shape, &b = in[1].shape;
  bool ta = node.getInt("transA", 0) != 0, tb = node.getInt("transB", 0) != 0;
  uint64_t M = uint64_t(a[ta]), K = uint64_t(a[!ta]), N = uint64_t(b[!tb]);
  double alpha = node.getFloat("alpha", 1), beta = node.getFloat("beta", 1);
  bool hasC = in.size() == 3 && in[2].present;
  Shape mn = {int64_t(M), int64_t(N)};
  Shape cStrides(2, 0);
  if (hasC) { // Unidirectional broadcast of C to [M, N].
    const Shape &c = in[2].shape;
    Shape own = stridesOf(c);
    for (size_t d = 0; d < c.size(); ++d)
      if (c[d] != 1)
        cStrides[2 - c.size() + d] = own[d];
  }
  bool integral = alpha == std::trunc(alpha) && beta == std::trunc(beta) &&
                  std::fabs(alpha) < 9e18 && std::fabs(beta) < 9e18;
  visitType(in[0].type, [&](auto tag) {
    using S = typename decltype(tag)::type;
    using C = Compute<S>;
    if constexpr (!std::is_same_v<S, Bool8>)
      matLoop<S>(
          in[0], in[1], M, N, K, 0, ta ? 1 : int64_t(K), ta ? int64_t(M) : 1, 0,
          tb ? 1 : int64_t(N), tb ? int64_t(K) : 1,
          [&](uint64_t i, uint64_t j, auto acc) {
            using A = decltype(acc);
            A c = hasC ? A(Elem<S>::load(in[2].data,
                                         i * cStrides[0] + j * cStrides[1]))
                       : A(0);
            C y;
            if constexpr (std::is_integral_v<A>) {
              if (integral)
                y = C(uint64_t(int64_t(alpha)) * acc +
                      uint64_t(int64_t(beta)) * c);
              else
                y = convert<C>(alpha * double(C(acc)) + beta * double(C(c)));
            } else {
              y = C(alpha * acc + beta * c);
            }
            Elem<S>::store(out[0].data, i * N + j, y);
          });
  });
  work.vectorOps += M * N * (2 * K + 2);
  work.laneBytes = elementBytes(in[0].type);
  return true;
}

//===----------------------------------------------------------------------===//
// Det (11): the determinant of each M x M matrix in X [*, M, M] (float
// types), by LU decomposition with partial pivoting in double; the
// determinant of a 0 x 0 matrix is 1.
//===----------------------------------------------------------------------===//

bool verifyDet(HK_VERIFY_ARGS) {
  if (!checkAttrs(node, {}, why) || !checkArity(node, in, out, 1, 1, 1, why) ||
      !checkType(node, in, 0, kFloatTypes & ~bit(ElementType::BF16), why))
    return false;
  const Shape &s = in[0].shape;
  if (s.size() < 2 || s[s.size() - 1] != s[s.size() - 2])
    return fail(why, node, "X must be [*, M, M], got ", shapeStr(s));
  return checkOutput(node, out, 0, in[0].type, Shape(s.begin(), s.end() - 2),
                     why);
}

bool runDet(HK_RUN_ARGS) {
  const Shape &s = in[0].shape;
  uint64_t M = uint64_t(s.back()), count = product(s, 0, s.size() - 2);
  std::vector<double> a(M * M);
  visitType(in[0].type, [&](auto tag) {
    using S = typename decltype(tag)::type;
    using C = Compute<S>;
    if constexpr (std::is_floating_point_v<C>)
      for (uint64_t b = 0; b < count; ++b) {
        for (uint64_t i = 0; i < M * M; ++i)
          a[i] = double(Elem<S>::load(in[0].data, b * M * M + i));
        double det = 1;
        for (uint64_t k = 0; k < M && det != 0; ++k) {
          uint64_t p = k;
          for (uint64_t i = k + 1; i < M; ++i)
            if (std::fabs(a[i * M + k]) > std::fabs(a[p * M + k]))
              p = i;
          if (a[p * M + k] == 0) {
            det = 0;
            break;
          }
          if (p != k) {
            for (uint64_t j = 0; j < M; ++j)
              std::swap(a[k * M + j], a[p * M + j]);
            det = -det;
          }
          det *= a[k * M + k];
          for (uint64_t i = k + 1; i < M; ++i) {
            double f = a[i * M + k] / a[k * M + k];
            for (uint64_t j = k + 1; j < M; ++j)
              a[i * M + j] -= f * a[k * M + j];
          }
        }
        Elem<S>::store(out[0].data, b, C(det));
      }
  });
  work.vectorOps += count * M * M * M;
  work.laneBytes = 8;
  return true;
}

#define HK_UNARY(name)                                                         \
  { #name, verifyUnary < Un::name>, runUnary < Un::name> }
const HostKernel kKernels[] = {
    HK_UNARY(Acos),
    HK_UNARY(Acosh),
    HK_UNARY(Asin),
    HK_UNARY(Asinh),
    HK_UNARY(Atan),
    HK_UNARY(Atanh),
    HK_UNARY(Ceil),
    HK_UNARY(Celu),
    {"Clip", verifyClip, runClip},
    HK_UNARY(Cos),
    HK_UNARY(Cosh),
    {"Det", verifyDet, runDet},
    {"Einsum", verifyEinsum, runEinsum},
    HK_UNARY(Elu),
    HK_UNARY(Erf),
    HK_UNARY(Exp),
    HK_UNARY(Floor),
    {"Gemm", verifyGemm, runGemm},
    HK_UNARY(HardSigmoid),
    HK_UNARY(HardSwish),
    HK_UNARY(LeakyRelu),
    HK_UNARY(Log),
    {"LogSoftmax", verifySoftmax, runSoftmax<true>},
    {"MatMul", verifyMatMul, runMatMul},
    HK_UNARY(Mish),
    {"Pad", verifyPad, runPad},
    HK_UNARY(Reciprocal),
    HK_UNARY(Relu),
    HK_UNARY(Round),
    HK_UNARY(Selu),
    HK_UNARY(Sigmoid),
    HK_UNARY(Sin),
    HK_UNARY(Sinh),
    {"Softmax", verifySoftmax, runSoftmax<false>},
    HK_UNARY(Softplus),
    HK_UNARY(Softsign),
    HK_UNARY(Sqrt),
    HK_UNARY(Tan),
    HK_UNARY(Tanh),
    HK_UNARY(ThresholdedRelu),
};
#undef HK_UNARY

} // namespace

KernelTable mathKernels() {
  return {kKernels, sizeof(kKernels) / sizeof(kKernels[0])};
}

} // namespace npu::rt::hk
