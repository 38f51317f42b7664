//===- Reduction.cpp - reductions and scans along axes ----------------------===//
//
// ArgMax / ArgMin (opset 13), Hardmax (1-11 coerced 2-D, 13 along an
// axis), TopK (10/11), CumSum (14) and ReduceProd (13, axes attribute),
// after onnx/docs/Operators.md (onnx 1.12). Most view their input as
// [outer, dim, inner] around one axis.
//
// NaN: ArgMax/ArgMin and Hardmax skip NaN unless it is the first element
// (plain comparisons); TopK orders NaN above every number.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include <algorithm>
#include <numeric>

namespace npu::rt::hk {
namespace {

using AK = bin::AttributeKind;

/// An operand viewed as [outer, dim, inner] around `axis`.
struct AxisView {
  uint64_t outer, dim, inner;
  AxisView(const Shape &s, int64_t axis)
      : outer(product(s, 0, axis)), dim(uint64_t(s[axis])),
        inner(product(s, axis + 1)) {}
  uint64_t at(uint64_t o, uint64_t j, uint64_t i) const {
    return (o * dim + j) * inner + i;
  }
};

template <class C> bool greaterKey(C a, C b) {
  if constexpr (!std::is_integral_v<C>)
    if (std::isnan(a) || std::isnan(b))
      return std::isnan(a) && !std::isnan(b);
  return a > b;
}

//===----------------------------------------------------------------------===//
// ArgMax / ArgMin: int64 index of the first (or, with select_last_index,
// last) extreme element along `axis`; keepdims keeps the axis as 1.
//===----------------------------------------------------------------------===//

bool verifyArg(HK_VERIFY_ARGS) {
  if (!checkAttrs(node,
                  {{"axis", AK::Int},
                   {"keepdims", AK::Int},
                   {"select_last_index", AK::Int}},
                  why) ||
      !checkArity(node, in, out, 1, 1, 1, why) ||
      !checkType(node, in, 0, kNumericTypes, why))
    return false;
  const Shape &s = in[0].shape;
  int64_t axis;
  if (s.empty())
    return fail(why, node, "data must have rank >= 1");
  if (!axisAttr(node, int64_t(s.size()), 0, axis, why))
    return false;
  if (s[axis] == 0 && product(s, 0, axis) * product(s, axis + 1) != 0)
    return fail(why, node, "axis ", axis, " has no elements");
  Shape shape = s;
  if (node.getInt("keepdims", 1))
    shape[axis] = 1;
  else
    shape.erase(shape.begin() + axis);
  return checkOutput(node, out, 0, ElementType::I64, shape, why);
}

template <bool Max> bool runArg(HK_RUN_ARGS) {
  int64_t axis = node.getInt("axis", 0);
  normAxis(axis, int64_t(in[0].shape.size()));
  bool last = node.getInt("select_last_index", 0) != 0;
  AxisView v(in[0].shape, axis);
  visitType(in[0].type, [&](auto tag) {
    using S = typename decltype(tag)::type;
    using C = Compute<S>;
    for (uint64_t o = 0; o < v.outer; ++o)
      for (uint64_t i = 0; i < v.inner; ++i) {
        C best = Elem<S>::load(in[0].data, v.at(o, 0, i));
        int64_t at = 0;
        for (uint64_t j = 1; j < v.dim; ++j) {
          C x = Elem<S>::load(in[0].data, v.at(o, j, i));
          bool better = Max ? (last ? x >= best : x > best)
                            : (last ? x <= best : x < best);
          if (better) {
            best = x;
            at = int64_t(j);
          }
        }
        Elem<int64_t>::store(out[0].data, o * v.inner + i, at);
      }
  });
  work.vectorOps += in[0].numElements();
  work.laneBytes = elementBytes(in[0].type);
  return true;
}

//===----------------------------------------------------------------------===//
// Hardmax: 1 at the first maximum, 0 elsewhere. Opset < 13: the input is
// coerced to 2-D [prod(d[:axis]), prod(d[axis:])] (default axis 1, range
// [-r, r]); opset 13: along `axis` (default -1).
//===----------------------------------------------------------------------===//

bool verifyHardmax(HK_VERIFY_ARGS) {
  if (!checkAttrs(node, {{"axis", AK::Int}}, why) ||
      !checkArity(node, in, out, 1, 1, 1, why) ||
      !checkType(node, in, 0, kFloatTypes, why))
    return false;
  int64_t axis, r = int64_t(in[0].shape.size());
  if (node.opset >= 13 ? !axisAttr(node, r, -1, axis, why)
                       : !axisAttr(node, r, 1, axis, why, true))
    return false;
  if (node.opset >= 13 && r == 0)
    return fail(why, node, "input must have rank >= 1");
  return checkOutput(node, out, 0, in[0].type, in[0].shape, why);
}

bool runHardmax(HK_RUN_ARGS) {
  const Shape &s = in[0].shape;
  int64_t axis, r = int64_t(s.size());
  uint64_t outer, dim, inner;
  if (node.opset >= 13) {
    axisAttr(node, r, -1, axis, why);
    AxisView v(s, axis);
    outer = v.outer, dim = v.dim, inner = v.inner;
  } else {
    axisAttr(node, r, 1, axis, why, true);
    outer = product(s, 0, axis), dim = product(s, axis), inner = 1;
  }
  visitType(in[0].type, [&](auto tag) {
    using S = typename decltype(tag)::type;
    using C = Compute<S>;
    for (uint64_t o = 0; o < outer; ++o)
      for (uint64_t i = 0; i < inner; ++i) {
        uint64_t at = 0;
        C best{};
        for (uint64_t j = 0; j < dim; ++j) {
          C x = Elem<S>::load(in[0].data, (o * dim + j) * inner + i);
          if (j == 0 || x > best)
            best = x, at = j;
        }
        for (uint64_t j = 0; j < dim; ++j)
          Elem<S>::store(out[0].data, (o * dim + j) * inner + i,
                         C(j == at ? 1 : 0));
      }
  });
  work.vectorOps += 2 * in[0].numElements();
  work.laneBytes = elementBytes(in[0].type);
  return true;
}

//===----------------------------------------------------------------------===//
// TopK: the K largest (or smallest) elements along `axis` and their int64
// indices, sorted (ties: lower index first; sorted=0 also yields sorted
// output, which the spec allows). K is an input (opset 10+; attribute `k`
// before): the output's dimension along axis must equal it.
//===----------------------------------------------------------------------===//

bool verifyTopK(HK_VERIFY_ARGS) {
  bool kInput = node.opset >= 10;
  if (!checkAttrs(node,
                  {{"axis", AK::Int},
                   {"largest", AK::Int},
                   {"sorted", AK::Int},
                   {"k", AK::Int}},
                  why) ||
      !checkArity(node, in, out, kInput ? 2 : 1, kInput ? 2 : 1, 2, why) ||
      !checkType(node, in, 0, kNumericTypes, why))
    return false;
  if (kInput && (in[1].type != ElementType::I64 || in[1].shape.size() > 1 ||
                 in[1].numElements() != 1))
    return fail(why, node, "K must be an I64 tensor of shape [1], got ",
                typeStr(in[1].type), " ", shapeStr(in[1].shape));
  if (!kInput && !node.find("k"))
    return fail(why, node, "attribute 'k' is required before opset 10");
  const Shape &s = in[0].shape;
  if (s.empty())
    return fail(why, node, "input must have rank >= 1");
  int64_t axis;
  if (!axisAttr(node, int64_t(s.size()), -1, axis, why) ||
      !checkOutputRank(node, out, 0, in[0].type, s.size(), why))
    return false;
  Shape shape = out[0].shape;
  int64_t k = shape[axis];
  shape[axis] = s[axis];
  if (shape != s || k > s[axis])
    return fail(why, node, "output ", shapeStr(out[0].shape),
                " does not fit input ", shapeStr(s), " on axis ", axis);
  if (!kInput && node.getInt("k", 0) != k)
    return fail(why, node, "k = ", node.getInt("k", 0),
                " does not match output ", shapeStr(out[0].shape));
  return checkOutput(node, out, 1, ElementType::I64, out[0].shape, why);
}

bool runTopK(HK_RUN_ARGS) {
  int64_t axis = node.getInt("axis", -1);
  normAxis(axis, int64_t(in[0].shape.size()));
  uint64_t k = uint64_t(out[0].shape[axis]);
  int64_t kIn = node.opset >= 10 ? loadIndex(in[1], 0) : node.getInt("k", 0);
  if (kIn != int64_t(k))
    return fail(why, node, "K = ", kIn, " does not match output ",
                shapeStr(out[0].shape), " on axis ", axis);
  bool largest = node.getInt("largest", 1) != 0;
  AxisView v(in[0].shape, axis);
  std::vector<uint64_t> order(v.dim);
  visitType(in[0].type, [&](auto tag) {
    using S = typename decltype(tag)::type;
    using C = Compute<S>;
    if constexpr (!std::is_same_v<S, Bool8>) { // Bool: rejected by verify.
      std::vector<C> line(v.dim);
      for (uint64_t o = 0; o < v.outer; ++o)
        for (uint64_t i = 0; i < v.inner; ++i) {
          for (uint64_t j = 0; j < v.dim; ++j)
            line[j] = Elem<S>::load(in[0].data, v.at(o, j, i));
          std::iota(order.begin(), order.end(), 0);
          std::partial_sort(order.begin(), order.begin() + k, order.end(),
                            [&](uint64_t a, uint64_t b) {
                              if (largest ? greaterKey(line[a], line[b])
                                          : greaterKey(line[b], line[a]))
                                return true;
                              if (greaterKey(line[a], line[b]) ||
                                  greaterKey(line[b], line[a]))
                                return false;
                              return a < b;
                            });
          for (uint64_t j = 0; j < k; ++j) {
            uint64_t at = (o * k + j) * v.inner + i;
            Elem<S>::store(out[0].data, at, line[order[j]]);
            Elem<int64_t>::store(out[1].data, at, int64_t(order[j]));
          }
        }
    }
  });
  uint64_t logk = 1;
  while ((uint64_t(1) << logk) < k + 1)
    ++logk;
  work.scalarOps += v.outer * v.inner * v.dim * logk;
  return true;
}

//===----------------------------------------------------------------------===//
// CumSum (opset 14): running sums along the axis given as a scalar input;
// `exclusive` leaves out the element itself, `reverse` sums from the end.
//===----------------------------------------------------------------------===//

constexpr TypeSet kCumSumTypes =
    kFloatTypes | bit(ElementType::I32) | bit(ElementType::I64) |
    bit(ElementType::U32) | bit(ElementType::U64);

bool verifyCumSum(HK_VERIFY_ARGS) {
  if (!checkAttrs(node, {{"exclusive", AK::Int}, {"reverse", AK::Int}},
                  why) ||
      !checkArity(node, in, out, 2, 2, 1, why) ||
      !checkType(node, in, 0, kCumSumTypes, why) ||
      !checkType(node, in, 1, kIndexTypes, why) ||
      !checkScalar(node, in, 1, why))
    return false;
  if (in[0].shape.empty())
    return fail(why, node, "input must have rank >= 1");
  return checkOutput(node, out, 0, in[0].type, in[0].shape, why);
}

bool runCumSum(HK_RUN_ARGS) {
  int64_t r = int64_t(in[0].shape.size()), axis = loadIndex(in[1], 0);
  if (!normAxis(axis, r))
    return fail(why, node, "axis ", axis, " out of range [", -r, ", ", r, ")");
  bool exclusive = node.getInt("exclusive", 0) != 0,
       reverse = node.getInt("reverse", 0) != 0;
  AxisView v(in[0].shape, axis);
  visitType(in[0].type, [&](auto tag) {
    using S = typename decltype(tag)::type;
    using C = Compute<S>;
    if constexpr (!std::is_same_v<S, Bool8>)
      for (uint64_t o = 0; o < v.outer; ++o)
        for (uint64_t i = 0; i < v.inner; ++i) {
          C sum = 0;
          for (uint64_t step = 0; step < v.dim; ++step) {
            uint64_t j = reverse ? v.dim - 1 - step : step;
            C x = Elem<S>::load(in[0].data, v.at(o, j, i));
            C next;
            if constexpr (std::is_integral_v<C>)
              next = C(uint64_t(sum) + uint64_t(x));
            else
              next = sum + x;
            Elem<S>::store(out[0].data, v.at(o, j, i), exclusive ? sum : next);
            sum = next;
          }
        }
  });
  work.vectorOps += in[0].numElements();
  work.laneBytes = elementBytes(in[0].type);
  return true;
}

//===----------------------------------------------------------------------===//
// ReduceProd (opset 13, `axes` attribute; all axes when absent or empty):
// products over the axes, kept as 1 with keepdims. The product of nothing
// is 1.
//===----------------------------------------------------------------------===//

constexpr TypeSet kReduceTypes = kCumSumTypes;

/// The reduced shape with keepdims (1 on reduced axes), and the flags.
bool reducedShape(const HostNode &node, const Shape &s, Shape &kept,
                  std::vector<bool> &reduced, std::string &why) {
  int64_t r = int64_t(s.size());
  reduced.assign(s.size(), false);
  const std::vector<int64_t> *axes = node.getInts("axes");
  if (!axes || axes->empty())
    reduced.assign(s.size(), true);
  else
    for (int64_t a : *axes) {
      int64_t n = a;
      if (!normAxis(n, r))
        return fail(why, node, "axis ", a, " out of range [", -r, ", ", r,
                    ")");
      if (reduced[n])
        return fail(why, node, "axis ", a, " repeated");
      reduced[n] = true;
    }
  kept = s;
  for (size_t i = 0; i < s.size(); ++i)
    if (reduced[i])
      kept[i] = 1;
  return true;
}

bool verifyReduceProd(HK_VERIFY_ARGS) {
  if (!checkAttrs(node, {{"axes", AK::Ints}, {"keepdims", AK::Int}}, why) ||
      !checkArity(node, in, out, 1, 1, 1, why) ||
      !checkType(node, in, 0, kReduceTypes, why))
    return false;
  if (node.opset >= 18)
    return fail(why, node, "opset 18 (axes as an input) is not supported");
  Shape kept, shape;
  std::vector<bool> reduced;
  if (!reducedShape(node, in[0].shape, kept, reduced, why))
    return false;
  bool keep = node.getInt("keepdims", 1) != 0;
  for (size_t i = 0; i < kept.size(); ++i)
    if (keep || !reduced[i])
      shape.push_back(kept[i]);
  return checkOutput(node, out, 0, in[0].type, shape, why);
}

bool runReduceProd(HK_RUN_ARGS) {
  Shape kept;
  std::vector<bool> reduced;
  reducedShape(node, in[0].shape, kept, reduced, why);
  visitType(in[0].type, [&](auto tag) {
    using S = typename decltype(tag)::type;
    using C = Compute<S>;
    if constexpr (!std::is_same_v<S, Bool8>) {
      std::vector<C> acc(out[0].numElements(), C(1));
      BroadcastIndex it(in[0].shape, {&kept});
      uint64_t n = in[0].numElements();
      for (uint64_t i = 0; i < n; ++i, it.next()) {
        C x = Elem<S>::load(in[0].data, i);
        C &a = acc[it[0]];
        if constexpr (std::is_integral_v<C>)
          a = C(uint64_t(a) * uint64_t(x));
        else
          a = a * x;
      }
      for (uint64_t i = 0; i < acc.size(); ++i)
        Elem<S>::store(out[0].data, i, acc[i]);
    }
  });
  work.vectorOps += in[0].numElements();
  work.laneBytes = elementBytes(in[0].type);
  return true;
}

const HostKernel kKernels[] = {
    {"ArgMax", verifyArg, runArg<true>},
    {"ArgMin", verifyArg, runArg<false>},
    {"CumSum", verifyCumSum, runCumSum},
    {"Hardmax", verifyHardmax, runHardmax},
    {"ReduceProd", verifyReduceProd, runReduceProd},
    {"TopK", verifyTopK, runTopK},
};

} // namespace

KernelTable reductionKernels() {
  return {kKernels, sizeof(kKernels) / sizeof(kKernels[0])};
}

} // namespace npu::rt::hk
