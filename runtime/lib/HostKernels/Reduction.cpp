//===- Reduction.cpp - reductions and scans along axes
//----------------------===//
//
// ArgMax / ArgMin (opset 13), Hardmax (1-11 coerced 2-D, 13 along an
// axis), TopK (10/11), CumSum (14) and the Reduce* family (1-18: axes as
// attribute or input), after onnx/docs/Operators.md (onnx 1.12). Most view
// their input as [outer, dim, inner] around one axis.
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
  return verifySoftmaxAxis(node, in, out, why);
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

bool shapesTopK(HK_SHAPES_ARGS) {
  std::vector<int64_t> k{node.getInt("k", 0)};
  if (node.opset >= 10 &&
      !paramInts(node, in, 1, bit(ElementType::I64), k, why))
    return false;
  Shape shape = in[0].shape;
  int64_t axis;
  if (shape.empty() || k.size() != 1 ||
      !axisAttr(node, int64_t(shape.size()), -1, axis, why))
    return fail(why, node, "needs an input of rank >= 1 and one K");
  if (k[0] < 0 || k[0] > shape[axis])
    return fail(why, node, "K = ", k[0], " for an axis of ", shape[axis]);
  shape[axis] = k[0];
  shapes = {shape, shape};
  return true;
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

constexpr TypeSet kCumSumTypes = kFloatTypes | bit(ElementType::I32) |
                                 bit(ElementType::I64) | bit(ElementType::U32) |
                                 bit(ElementType::U64);

bool verifyCumSum(HK_VERIFY_ARGS) {
  if (!checkAttrs(node, {{"exclusive", AK::Int}, {"reverse", AK::Int}}, why) ||
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
// Reduce* (ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1,
// ReduceL2, ReduceLogSum, ReduceLogSumExp, ReduceSumSquare), opsets 1-18:
// the reduction over `axes`, kept as 1 with keepdims (default 1). The axes
// are the `axes` attribute, or from opset 18 (ReduceSum: 13) an optional
// int64 1-D input; absent or empty axes reduce every axis, or, with
// noop_with_empty_axes (input form only), none (the output is the input).
// Axes are in [-r, r) (negative from opset 11) and may not repeat. With the
// axes input, verify checks what the static shapes allow (the rank, kept
// dims) and run checks that the axes give exactly the output shape.
//
// Types: floats, int32/int64/uint32/uint64 (bfloat16 from opset 13);
// ReduceMax/ReduceMin also int8/uint8 from opset 12. Float types
// accumulate in double; integers wrap modulo 2^64 then narrow (as ONNX
// Runtime's wrapping). The reduction of no elements is 0 (Sum, SumSquare,
// L1, L2), 1 (Prod), -inf / the type's minimum (Max), +inf / maximum
// (Min), -inf (LogSum, LogSumExp) and NaN (Mean; 0 for integers). Max and
// Min propagate NaN. L2, LogSum and LogSumExp on integers compute in double
// and truncate toward zero.
//===----------------------------------------------------------------------===//

enum class Red { Sum, Mean, Max, Min, Prod, L1, L2, LogSum, LogSumExp, SumSq };

constexpr TypeSet kReduceTypes = kCumSumTypes;

TypeSet reduceTypes(const HostNode &node, Red op) {
  TypeSet t = kReduceTypes;
  if (node.opset < 13)
    t &= ~bit(ElementType::BF16);
  if ((op == Red::Max || op == Red::Min) && node.opset >= 12)
    t |= bit(ElementType::I8) | bit(ElementType::U8);
  return t;
}

/// Whether axes come from an input (opset 18; ReduceSum opset 13).
bool axesFromInput(const HostNode &node, Red op) {
  return node.opset >= (op == Red::Sum ? 13 : 18);
}

/// Marks `axes` in `reduced` (rank r = reduced.size()); false with a
/// message on an axis out of range or repeated.
bool markAxes(const HostNode &node, const std::vector<int64_t> &axes,
              std::vector<bool> &reduced, std::string &why) {
  int64_t r = int64_t(reduced.size());
  int64_t lo = node.opset >= 11 ? -r : 0;
  for (int64_t a : axes) {
    int64_t n = a;
    if (a < lo || !normAxis(n, r))
      return fail(why, node, "axis ", a, " out of range [", lo, ", ", r, ")");
    if (reduced[n])
      return fail(why, node, "axis ", a, " repeated");
    reduced[n] = true;
  }
  return true;
}

/// The output shape for the reduced axes (kept as 1 with keepdims, else
/// dropped) and the keepdims shape `kept` the run loop indexes with.
void reducedShapes(const HostNode &node, const Shape &s,
                   const std::vector<bool> &reduced, Shape &shape,
                   Shape &kept) {
  bool keep = node.getInt("keepdims", 1) != 0;
  shape.clear();
  kept = s;
  for (size_t i = 0; i < s.size(); ++i) {
    if (reduced[i])
      kept[i] = 1;
    if (keep || !reduced[i])
      shape.push_back(kept[i]);
  }
}

/// The reduced axes given an axes list (empty: all, or none with
/// noop_with_empty_axes in the input form).
bool reduceAxes(const HostNode &node, Red op, const Shape &s,
                const std::vector<int64_t> &axes, std::vector<bool> &reduced,
                std::string &why) {
  bool noop =
      axesFromInput(node, op) && node.getInt("noop_with_empty_axes", 0) != 0;
  reduced.assign(s.size(), axes.empty() && !noop);
  return markAxes(node, axes, reduced, why);
}

template <Red Op> bool verifyReduce(HK_VERIFY_ARGS) {
  bool axesInput = axesFromInput(node, Op);
  if (!(axesInput
            ? checkAttrs(
                  node,
                  {{"keepdims", AK::Int}, {"noop_with_empty_axes", AK::Int}},
                  why)
            : checkAttrs(node, {{"axes", AK::Ints}, {"keepdims", AK::Int}},
                         why)) ||
      !checkArity(node, in, out, 1, axesInput ? 2 : 1, 1, why) ||
      !checkType(node, in, 0, reduceTypes(node, Op), why))
    return false;
  const Shape &s = in[0].shape;
  bool axesData = axesInput && in.size() > 1 && in[1].present;
  if (axesData) {
    if (!checkType(node, in, 1, bit(ElementType::I64), why))
      return false;
    if (in[1].shape.size() != 1)
      return fail(why, node, "axes must be 1-D, got ", shapeStr(in[1].shape));
  }
  if (!axesData || in[1].shape[0] == 0) { // The axes are known.
    const std::vector<int64_t> *axes = node.getInts("axes");
    std::vector<bool> reduced;
    Shape shape, kept;
    if (!reduceAxes(node, Op, s, axes ? *axes : std::vector<int64_t>(), reduced,
                    why))
      return false;
    reducedShapes(node, s, reduced, shape, kept);
    return checkOutput(node, out, 0, in[0].type, shape, why);
  }
  // The axes are data: check the rank and that kept dims are 1 or the
  // input's; run checks the rest.
  int64_t r = int64_t(s.size()), k = in[1].shape[0];
  bool keep = node.getInt("keepdims", 1) != 0;
  if (k > r)
    return fail(why, node, k, " axes for an input of rank ", r);
  if (!checkOutputRank(node, out, 0, in[0].type, keep ? r : r - k, why))
    return false;
  if (keep)
    for (int64_t i = 0; i < r; ++i)
      if (out[0].shape[i] != s[i] && out[0].shape[i] != 1)
        return fail(why, node, "output ", shapeStr(out[0].shape),
                    " is not a reduction of input ", shapeStr(s));
  return true;
}

template <Red Op> bool shapesReduce(HK_SHAPES_ARGS) {
  std::vector<int64_t> axes;
  if (axesFromInput(node, Op) && in.size() > 1 && in[1].present) {
    if (!paramInts(node, in, 1, bit(ElementType::I64), axes, why))
      return false;
  } else if (const std::vector<int64_t> *a = node.getInts("axes")) {
    axes = *a;
  }
  std::vector<bool> reduced;
  Shape shape, kept;
  if (!reduceAxes(node, Op, in[0].shape, axes, reduced, why))
    return false;
  reducedShapes(node, in[0].shape, reduced, shape, kept);
  shapes = {shape};
  return true;
}

/// The accumulator of computation type C: double for floats, wrapping
/// int64/uint64 for integers.
template <class C>
using Acc = std::conditional_t<
    std::is_floating_point_v<C>, double,
    std::conditional_t<std::is_signed_v<C>, int64_t, uint64_t>>;

template <class A> A wrapAdd(A a, A b) {
  if constexpr (std::is_integral_v<A>)
    return A(uint64_t(a) + uint64_t(b));
  else
    return a + b;
}
template <class A> A wrapMul(A a, A b) {
  if constexpr (std::is_integral_v<A>)
    return A(uint64_t(a) * uint64_t(b));
  else
    return a * b;
}

template <Red Op, class C> Acc<C> reduceInit() {
  using A = Acc<C>;
  if constexpr (Op == Red::Prod)
    return A(1);
  if constexpr (Op == Red::Max)
    return std::is_integral_v<C> ? A(std::numeric_limits<C>::lowest())
                                 : -std::numeric_limits<A>::infinity();
  if constexpr (Op == Red::Min)
    return std::is_integral_v<C> ? A(std::numeric_limits<C>::max())
                                 : std::numeric_limits<A>::infinity();
  return A(0);
}

template <Red Op, class A> A reduceStep(A acc, A x) {
  switch (Op) {
  case Red::Max:
  case Red::Min:
    if constexpr (std::is_floating_point_v<A>)
      if (std::isnan(acc) || std::isnan(x))
        return std::isnan(acc) ? acc : x;
    return (Op == Red::Max ? x > acc : x < acc) ? x : acc;
  case Red::Prod:
    return wrapMul(acc, x);
  case Red::L1:
    if constexpr (std::is_floating_point_v<A>)
      return acc + std::fabs(x);
    else if constexpr (std::is_signed_v<A>)
      return wrapAdd(acc, x < 0 ? A(uint64_t(0) - uint64_t(x)) : x);
    else
      return wrapAdd(acc, x);
  case Red::L2:
  case Red::SumSq:
    return wrapAdd(acc, wrapMul(x, x));
  default: // Sum, Mean, LogSum (LogSumExp has its own loop).
    return wrapAdd(acc, x);
  }
}

template <Red Op, class C> C reduceFinish(Acc<C> acc, uint64_t n) {
  switch (Op) {
  case Red::Mean:
    if constexpr (std::is_integral_v<C>)
      return n ? convert<C>(acc / Acc<C>(n)) : C(0);
    else
      return C(acc / double(n));
  case Red::L2:
    return convert<C>(std::sqrt(double(acc)));
  case Red::LogSum:
    return convert<C>(std::log(double(acc)));
  default:
    return C(acc); // Integers: modular narrowing.
  }
}

/// log(sum(exp(x))) per output, as max + log(sum(exp(x - max))).
template <class S>
void runLogSumExp(const HostTensorView &x, const HostTensorView &o,
                  const Shape &kept) {
  using C = Compute<S>;
  uint64_t n = x.numElements(), m = o.numElements();
  std::vector<double> mx(m, -std::numeric_limits<double>::infinity()),
      sum(m, 0.0);
  BroadcastIndex it(x.shape, {&kept});
  for (uint64_t i = 0; i < n; ++i, it.next()) {
    double v = double(Elem<S>::load(x.data, i));
    double &a = mx[it[0]];
    if (std::isnan(v) || v > a)
      a = std::isnan(a) ? a : v;
  }
  BroadcastIndex it2(x.shape, {&kept});
  for (uint64_t i = 0; i < n; ++i, it2.next()) {
    double v = double(Elem<S>::load(x.data, i)), a = mx[it2[0]];
    if (std::isfinite(a))
      sum[it2[0]] += std::exp(v - a);
  }
  for (uint64_t j = 0; j < m; ++j) {
    double r = std::isfinite(mx[j]) ? mx[j] + std::log(sum[j]) : mx[j];
    Elem<S>::store(o.data, j, convert<C>(r));
  }
}

template <Red Op> bool runReduce(HK_RUN_ARGS) {
  const Shape &s = in[0].shape;
  std::vector<int64_t> axes;
  bool axesInput = axesFromInput(node, Op) && in.size() > 1 && in[1].present;
  if (axesInput)
    for (uint64_t i = 0; i < in[1].numElements(); ++i)
      axes.push_back(loadIndex(in[1], i));
  else if (const std::vector<int64_t> *a = node.getInts("axes"))
    axes = *a;
  std::vector<bool> reduced;
  Shape shape, kept;
  if (!reduceAxes(node, Op, s, axes, reduced, why))
    return false;
  reducedShapes(node, s, reduced, shape, kept);
  if (shape != out[0].shape)
    return fail(why, node, "axes give ", shapeStr(shape), ", the output is ",
                shapeStr(out[0].shape));
  uint64_t n = in[0].numElements(), m = out[0].numElements();
  uint64_t count = m ? n / m : 0; // Elements per output (m = |kept|).
  visitType(in[0].type, [&](auto tag) {
    using S = typename decltype(tag)::type;
    using C = Compute<S>;
    if constexpr (!std::is_same_v<S, Bool8>) {
      if constexpr (Op == Red::LogSumExp) {
        runLogSumExp<S>(in[0], out[0], kept);
      } else {
        using A = Acc<C>;
        std::vector<A> acc(m, reduceInit<Op, C>());
        BroadcastIndex it(s, {&kept});
        for (uint64_t i = 0; i < n; ++i, it.next())
          acc[it[0]] =
              reduceStep<Op>(acc[it[0]], A(Elem<S>::load(in[0].data, i)));
        for (uint64_t j = 0; j < m; ++j)
          Elem<S>::store(out[0].data, j, reduceFinish<Op, C>(acc[j], count));
      }
    }
  });
  work.vectorOps += n * (Op == Red::LogSumExp ? 3 : 1) + m;
  work.laneBytes = elementBytes(in[0].type);
  return true;
}

/// The ONNX Reduce* kernel of kind `R`.
template <Red R> constexpr HostKernel reduceKernel(const char *name) {
  return {name, verifyReduce<R>, runReduce<R>, nullptr, shapesReduce<R>};
}

const HostKernel kKernels[] = {
    {"ArgMax", verifyArg, runArg<true>},
    {"ArgMin", verifyArg, runArg<false>},
    {"CumSum", verifyCumSum, runCumSum},
    {"Hardmax", verifyHardmax, runHardmax},
    reduceKernel<Red::L1>("ReduceL1"),
    reduceKernel<Red::L2>("ReduceL2"),
    reduceKernel<Red::LogSum>("ReduceLogSum"),
    reduceKernel<Red::LogSumExp>("ReduceLogSumExp"),
    reduceKernel<Red::Max>("ReduceMax"),
    reduceKernel<Red::Mean>("ReduceMean"),
    reduceKernel<Red::Min>("ReduceMin"),
    reduceKernel<Red::Prod>("ReduceProd"),
    reduceKernel<Red::Sum>("ReduceSum"),
    reduceKernel<Red::SumSq>("ReduceSumSquare"),
    {"TopK", verifyTopK, runTopK, nullptr, shapesTopK},
};

} // namespace

KernelTable reductionKernels() {
  return {kKernels, sizeof(kKernels) / sizeof(kKernels[0])};
}

} // namespace npu::rt::hk
