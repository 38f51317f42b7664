//===- Elementwise.cpp - elementwise host kernels -------------------------===//
//
// Broadcasting arithmetic (Add, Sub, Mul, Div, Max, Min, Sum, Mean, Pow,
// Mod, BitShift), comparisons (Equal, Greater, GreaterOrEqual, Less,
// LessOrEqual), logic (And, Or, Xor, Not), unary math (Abs, Neg, Sign,
// IsNaN, IsInf), Where, Cast and CastLike. Source of truth: the operator
// pages of onnx/docs/Operators.md (onnx 1.12). All follow multidirectional
// broadcasting (onnx/docs/Broadcasting.md).
//
// Integer arithmetic wraps modulo 2^N (as ONNX Runtime does on its targets;
// C++ signed overflow would be undefined), integer division truncates toward
// zero, and an integer division or Mod by zero fails at run time.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include <algorithm>

namespace npu::rt::hk {
namespace {

template <class S> constexpr bool kIsBool = std::is_same_v<S, Bool8>;
template <class C> constexpr bool kIsInt = std::is_integral_v<C>;

//===----------------------------------------------------------------------===//
// Shared verify/run for broadcasting ops
//===----------------------------------------------------------------------===//

/// Arity [minIn, maxIn] (all present), one output; every input's type in
/// `types` and (if `sameType`) equal to input 0's; the output has type
/// `outType` (input 0's when unset) and the broadcast shape.
bool verifyBroadcast(const HostNode &node, const Tensors &in,
                     const Tensors &out, std::string &why, TypeSet types,
                     size_t minIn, size_t maxIn, bool sameType = true,
                     const ElementType *outType = nullptr) {
  if (!checkArity(node, in, out, minIn, maxIn, 1, why))
    return false;
  std::vector<const Shape *> shapes;
  for (size_t i = 0; i < in.size(); ++i) {
    if (!in[i].present)
      return fail(why, node, "input ", i, " is required");
    if (!checkType(node, in, i, types, why) ||
        (sameType && !checkSameType(node, in, 0, i, why)))
      return false;
    shapes.push_back(&in[i].shape);
  }
  Shape shape;
  if (!broadcastShapes(shapes, shape)) {
    std::string list;
    for (const Shape *s : shapes)
      list += (list.empty() ? "" : " and ") + shapeStr(*s);
    return fail(why, node, "input shapes ", list, " do not broadcast");
  }
  return checkOutput(node, out, 0, outType ? *outType : in[0].type, shape, why);
}

/// out[i] = f(a[ia], b[ib]) over the broadcast output.
template <class SA, class SB, class SO, class F>
void binaryLoop(const HostTensorView &a, const HostTensorView &b,
                const HostTensorView &o, F f) {
  uint64_t n = o.numElements();
  if (a.shape == o.shape && b.shape == o.shape) {
    for (uint64_t i = 0; i < n; ++i)
      Elem<SO>::store(o.data, i,
                      f(Elem<SA>::load(a.data, i), Elem<SB>::load(b.data, i)));
    return;
  }
  BroadcastIndex it(o.shape, {&a.shape, &b.shape});
  for (uint64_t i = 0; i < n; ++i, it.next())
    Elem<SO>::store(
        o.data, i,
        f(Elem<SA>::load(a.data, it[0]), Elem<SB>::load(b.data, it[1])));
}

/// out[i] = f(a[i]).
template <class SA, class SO, class F>
void unaryLoop(const HostTensorView &a, const HostTensorView &o, F f) {
  uint64_t n = o.numElements();
  for (uint64_t i = 0; i < n; ++i)
    Elem<SO>::store(o.data, i, f(Elem<SA>::load(a.data, i)));
}

void countVector(HostWork &work, const HostTensorView &o, uint64_t opsPerElem,
                 ElementType lane) {
  work.vectorOps += o.numElements() * opsPerElem;
  work.laneBytes = elementBytes(lane);
}

//===----------------------------------------------------------------------===//
// Arithmetic: Add Sub Mul Div Max Min Sum Mean
//===----------------------------------------------------------------------===//

// Each op: apply(a, b, divByZero) on computation type C.
struct AddOp {
  template <class C> static C apply(C a, C b, bool &) {
    if constexpr (kIsInt<C>)
      return C(uint64_t(a) + uint64_t(b));
    else
      return a + b;
  }
};
struct SubOp {
  template <class C> static C apply(C a, C b, bool &) {
    if constexpr (kIsInt<C>)
      return C(uint64_t(a) - uint64_t(b));
    else
      return a - b;
  }
};
struct MulOp {
  template <class C> static C apply(C a, C b, bool &) {
    if constexpr (kIsInt<C>)
      return C(uint64_t(a) * uint64_t(b));
    else
      return a * b;
  }
};
struct DivOp {
  template <class C> static C apply(C a, C b, bool &divByZero) {
    if constexpr (kIsInt<C>) {
      if (b == 0) {
        divByZero = true;
        return 0;
      }
      if constexpr (std::is_signed_v<C>)
        if (b == -1) // Avoids INT_MIN / -1 overflow: wraps to INT_MIN.
          return C(uint64_t(0) - uint64_t(a));
      return C(a / b);
    } else {
      return a / b;
    }
  }
};
/// Max and Min propagate NaN (as numpy.maximum / minimum).
struct MaxOp {
  template <class C> static C apply(C a, C b, bool &) {
    if constexpr (!kIsInt<C>)
      if (std::isnan(a) || std::isnan(b))
        return std::isnan(a) ? a : b;
    return b > a ? b : a;
  }
};
struct MinOp {
  template <class C> static C apply(C a, C b, bool &) {
    if constexpr (!kIsInt<C>)
      if (std::isnan(a) || std::isnan(b))
        return std::isnan(a) ? a : b;
    return b < a ? b : a;
  }
};

/// Add/Sub/Mul/Div (2 inputs) and Max/Min/Sum/Mean (variadic): folds the
/// inputs left to right into the output, each step broadcasting.
template <class Op, bool Mean = false> bool runFold(HK_RUN_ARGS) {
  const HostTensorView &o = out[0];
  bool divByZero = false;
  visitType(o.type, [&](auto tag) {
    using S = typename decltype(tag)::type;
    using C = Compute<S>;
    if constexpr (!kIsBool<S>) {
      if (in.size() == 1) {
        unaryLoop<S, S>(in[0], o, [](C a) { return a; });
      } else {
        binaryLoop<S, S, S>(in[0], in[1], o, [&](C a, C b) {
          return Op::apply(a, b, divByZero);
        });
        for (size_t k = 2; k < in.size(); ++k)
          binaryLoop<S, S, S>(o, in[k], o, [&](C a, C b) {
            return Op::apply(a, b, divByZero);
          });
      }
      if constexpr (Mean) {
        if constexpr (!kIsInt<C>) {
          C n = C(in.size());
          unaryLoop<S, S>(o, o, [n](C a) { return a / n; });
        }
      }
    }
  });
  if (divByZero)
    return fail(why, node, "integer division by zero");
  countVector(work, o, std::max<size_t>(in.size(), 2) - 1 + (Mean ? 1 : 0),
              o.type);
  return true;
}

/// Add/Sub/Mul/Div before opset 7 broadcast only with `broadcast` = 1, B's
/// shape matching A's from `axis` on (default: A's trailing dimensions).
/// B's shape padded with trailing 1s to A's rank aligns it the NumPy way
/// (opset 7's), so the kernels below serve both.
Tensors withLegacyBroadcast(const HostNode &node, const Tensors &in) {
  if (node.opset >= 7 || in.size() != 2 || !node.getInt("broadcast", 0) ||
      !node.find("axis"))
    return in;
  Tensors adjusted = in;
  int64_t rankA = int64_t(in[0].shape.size());
  int64_t rankB = int64_t(in[1].shape.size());
  int64_t axis = node.getInt("axis", 0);
  if (axis < 0)
    axis += rankA;
  if (axis >= 0 && axis + rankB <= rankA)
    adjusted[1].shape.resize(size_t(rankA - axis), 1);
  return adjusted;
}

/// Add/Sub/Mul/Div: every numeric type from opset 14; 32/64-bit integers
/// and floats before; `broadcast` and `axis` before opset 7.
bool verifyBinaryArith(HK_VERIFY_ARGS) {
  TypeSet types = node.opset >= 14
                      ? kNumericTypes
                      : kFloatTypes | bit(ElementType::I32) |
                            bit(ElementType::I64) | bit(ElementType::U32) |
                            bit(ElementType::U64);
  if (node.opset < 7) {
    if (!checkAttrs(node,
                    {{"broadcast", bin::AttributeKind::Int},
                     {"axis", bin::AttributeKind::Int}},
                    why))
      return false;
    if (!node.getInt("broadcast", 0) && in.size() == 2 &&
        in[0].shape != in[1].shape)
      return fail(why, node,
                  "operands of different shapes need broadcast=1 "
                  "before opset 7");
    return verifyBroadcast(node, withLegacyBroadcast(node, in), out, why, types,
                           2, 2);
  }
  return checkAttrs(node, {}, why) &&
         verifyBroadcast(node, in, out, why, types, 2, 2);
}

/// A binary kernel taking opset 1-6's legacy broadcasting too.
template <class Op> bool runBinaryArith(HK_RUN_ARGS) {
  return runFold<Op>(node, withLegacyBroadcast(node, in), out, work, why);
}
/// Max/Min: every numeric type from opset 12, floats before. Sum/Mean:
/// float types.
bool verifyVariadicNumeric(HK_VERIFY_ARGS) {
  TypeSet types = node.opset >= 12 ? kNumericTypes : kFloatTypes;
  return checkAttrs(node, {}, why) &&
         verifyBroadcast(node, in, out, why, types, 1, SIZE_MAX);
}
bool verifyVariadicFloat(HK_VERIFY_ARGS) {
  return checkAttrs(node, {}, why) &&
         verifyBroadcast(node, in, out, why, kFloatTypes, 1, SIZE_MAX);
}

//===----------------------------------------------------------------------===//
// Pow (opset 15): base T in int32/int64/float types, exponent T1 any
// numeric type; output type T.
//===----------------------------------------------------------------------===//

constexpr TypeSet kPowBase =
    kFloatTypes | bit(ElementType::I32) | bit(ElementType::I64);

bool verifyPow(HK_VERIFY_ARGS) {
  if (!checkAttrs(node, {}, why) ||
      !verifyBroadcast(node, in, out, why, kNumericTypes, 2, 2, false))
    return false;
  return checkType(node, in, 0, kPowBase, why);
}

/// Integer power by squaring, wrapping modulo 2^N.
template <class C> C intPow(C base, uint64_t e) {
  uint64_t r = 1, b = uint64_t(base);
  for (; e; e >>= 1, b *= b)
    if (e & 1)
      r *= b;
  return C(r);
}

bool runPow(HK_RUN_ARGS) {
  const HostTensorView &o = out[0];
  // The exponent as double: exact for every integer up to 2^53.
  std::vector<double> expo(in[1].numElements());
  for (uint64_t i = 0; i < expo.size(); ++i)
    expo[i] = loadDouble(in[1], i);
  HostTensorView e = in[1];
  e.type = ElementType::F64;
  e.data = reinterpret_cast<uint8_t *>(expo.data());
  visitType(o.type, [&](auto tag) {
    using S = typename decltype(tag)::type;
    using C = Compute<S>;
    if constexpr (!kIsBool<S>)
      binaryLoop<S, double, S>(in[0], e, o, [](C a, double b) -> C {
        if constexpr (kIsInt<C>) {
          if (b >= 0 && b == std::trunc(b) && b < 1e19)
            return intPow(a, uint64_t(b));
          return convert<C>(std::pow(double(a), b));
        } else {
          return C(std::pow(double(a), b));
        }
      });
  });
  countVector(work, o, 1, o.type);
  return true;
}

//===----------------------------------------------------------------------===//
// Mod (opset 13): fmod = 0 gives the integer remainder with the divisor's
// sign (Python %); fmod = 1 gives C fmod (the dividend's sign). Floating
// inputs require fmod = 1.
//===----------------------------------------------------------------------===//

bool verifyMod(HK_VERIFY_ARGS) {
  if (!checkAttrs(node, {{"fmod", bin::AttributeKind::Int}}, why) ||
      !verifyBroadcast(node, in, out, why, kNumericTypes, 2, 2))
    return false;
  int64_t fmod = node.getInt("fmod", 0);
  if (fmod != 0 && fmod != 1)
    return fail(why, node, "fmod must be 0 or 1, got ", fmod);
  if (fmod == 0 && isFloat(in[0].type))
    return fail(why, node, "fmod must be 1 for floating-point inputs");
  return true;
}

bool runMod(HK_RUN_ARGS) {
  const HostTensorView &o = out[0];
  bool fmod = node.getInt("fmod", 0) == 1, divByZero = false;
  visitType(o.type, [&](auto tag) {
    using S = typename decltype(tag)::type;
    using C = Compute<S>;
    if constexpr (!kIsBool<S>)
      binaryLoop<S, S, S>(in[0], in[1], o, [&](C a, C b) -> C {
        if constexpr (kIsInt<C>) {
          if (b == 0) {
            divByZero = true;
            return 0;
          }
          C r = 0;
          if constexpr (std::is_signed_v<C>) {
            if (b != -1) // INT_MIN % -1 would overflow; the result is 0.
              r = C(a % b);
            if (!fmod && r != 0 && ((r < 0) != (b < 0)))
              r = C(r + b);
          } else {
            r = C(a % b);
          }
          return r;
        } else {
          return C(std::fmod(double(a), double(b)));
        }
      });
  });
  if (divByZero)
    return fail(why, node, "integer modulo by zero");
  countVector(work, o, 1, o.type);
  return true;
}

//===----------------------------------------------------------------------===//
// BitShift (opset 11): unsigned integers, direction "LEFT" or "RIGHT".
// Shifting by the element width or more gives 0.
//===----------------------------------------------------------------------===//

bool verifyBitShift(HK_VERIFY_ARGS) {
  if (!checkAttrs(node, {{"direction", bin::AttributeKind::String}}, why) ||
      !verifyBroadcast(node, in, out, why, kUnsignedTypes, 2, 2))
    return false;
  std::string dir = node.getString("direction", "");
  if (dir != "LEFT" && dir != "RIGHT")
    return fail(why, node, "direction must be \"LEFT\" or \"RIGHT\", got \"",
                dir, "\"");
  return true;
}

bool runBitShift(HK_RUN_ARGS) {
  const HostTensorView &o = out[0];
  bool left = node.getString("direction", "") == "LEFT";
  visitType(o.type, [&](auto tag) {
    using S = typename decltype(tag)::type;
    using C = Compute<S>;
    if constexpr (std::is_unsigned_v<C> && !kIsBool<S>)
      binaryLoop<S, S, S>(in[0], in[1], o, [left](C a, C b) -> C {
        if (b >= sizeof(C) * 8)
          return 0;
        return left ? C(uint64_t(a) << b) : C(a >> b);
      });
  });
  countVector(work, o, 1, o.type);
  return true;
}

//===----------------------------------------------------------------------===//
// Comparisons (opset 13/16): numeric inputs (Equal also bool), Bool output.
//===----------------------------------------------------------------------===//

struct EqualOp {
  template <class C> static bool apply(C a, C b) { return a == b; }
};
struct GreaterOp {
  template <class C> static bool apply(C a, C b) { return a > b; }
};
struct GreaterOrEqualOp {
  template <class C> static bool apply(C a, C b) { return a >= b; }
};
struct LessOp {
  template <class C> static bool apply(C a, C b) { return a < b; }
};
struct LessOrEqualOp {
  template <class C> static bool apply(C a, C b) { return a <= b; }
};

/// Types per opset: Equal takes bool and int32/64 (7), every numeric type
/// too (11); Greater/Less floats (7), every numeric type (9);
/// GreaterOrEqual/LessOrEqual exist from opset 12.
enum class CompareKind { Equal, Order, OrderOrEqual };

template <CompareKind Kind> bool verifyCompare(HK_VERIFY_ARGS) {
  TypeSet types = kNumericTypes;
  if (Kind == CompareKind::Equal)
    types = node.opset >= 11 ? kAllTypes
                             : bit(ElementType::Bool) | bit(ElementType::I32) |
                                   bit(ElementType::I64);
  else if (Kind == CompareKind::Order && node.opset < 9)
    types = kFloatTypes;
  else if (Kind == CompareKind::OrderOrEqual && node.opset < 12)
    return fail(why, node, "needs opset 12, the model has ", node.opset);
  ElementType b = ElementType::Bool;
  return checkAttrs(node, {}, why) &&
         verifyBroadcast(node, in, out, why, types, 2, 2, true, &b);
}

template <class Op> bool runCompare(HK_RUN_ARGS) {
  visitType(in[0].type, [&](auto tag) {
    using S = typename decltype(tag)::type;
    using C = Compute<S>;
    binaryLoop<S, S, Bool8>(in[0], in[1], out[0],
                            [](C a, C b) { return Op::apply(a, b); });
  });
  countVector(work, out[0], 1, in[0].type);
  return true;
}

//===----------------------------------------------------------------------===//
// Logic (opset 7): And, Or, Xor on bool with broadcasting; Not.
//===----------------------------------------------------------------------===//

bool verifyLogic(HK_VERIFY_ARGS) {
  ElementType b = ElementType::Bool;
  return checkAttrs(node, {}, why) &&
         verifyBroadcast(node, in, out, why, bit(ElementType::Bool), 2, 2, true,
                         &b);
}

template <int Which> bool runLogic(HK_RUN_ARGS) {
  binaryLoop<Bool8, Bool8, Bool8>(in[0], in[1], out[0], [](bool a, bool b) {
    return Which == 0 ? (a && b) : Which == 1 ? (a || b) : (a != b);
  });
  countVector(work, out[0], 1, ElementType::Bool);
  return true;
}

//===----------------------------------------------------------------------===//
// Unary: Not, Abs, Neg, Sign, IsNaN, IsInf.
//===----------------------------------------------------------------------===//

/// One input with a type in `types`; output of `outType` (or the input's)
/// and the input's shape.
bool verifyUnary(const HostNode &node, const Tensors &in, const Tensors &out,
                 std::string &why, TypeSet types,
                 const ElementType *outType = nullptr) {
  return checkArity(node, in, out, 1, 1, 1, why) &&
         checkType(node, in, 0, types, why) &&
         checkOutput(node, out, 0, outType ? *outType : in[0].type, in[0].shape,
                     why);
}

bool verifyNot(HK_VERIFY_ARGS) {
  return checkAttrs(node, {}, why) &&
         verifyUnary(node, in, out, why, bit(ElementType::Bool));
}
bool runNot(HK_RUN_ARGS) {
  unaryLoop<Bool8, Bool8>(in[0], out[0], [](bool a) { return !a; });
  countVector(work, out[0], 1, ElementType::Bool);
  return true;
}

/// Abs, Sign: every numeric type; Neg: signed integers and floats.
bool verifyAbsSign(HK_VERIFY_ARGS) {
  return checkAttrs(node, {}, why) &&
         verifyUnary(node, in, out, why, kNumericTypes);
}
bool verifyNeg(HK_VERIFY_ARGS) {
  return checkAttrs(node, {}, why) &&
         verifyUnary(node, in, out, why, kSignedTypes | kFloatTypes);
}

template <int Which> bool runUnaryMath(HK_RUN_ARGS) {
  visitType(in[0].type, [&](auto tag) {
    using S = typename decltype(tag)::type;
    using C = Compute<S>;
    if constexpr (!kIsBool<S>)
      unaryLoop<S, S>(in[0], out[0], [](C a) -> C {
        if constexpr (Which == 0) { // Abs; |INT_MIN| wraps to INT_MIN.
          if constexpr (std::is_unsigned_v<C>)
            return a;
          else if constexpr (kIsInt<C>)
            return a < 0 ? C(uint64_t(0) - uint64_t(a)) : a;
          else
            return std::fabs(a);
        } else if constexpr (Which == 1) { // Neg.
          if constexpr (kIsInt<C>)
            return C(uint64_t(0) - uint64_t(a));
          else
            return -a;
        } else { // Sign; NaN stays NaN.
          if constexpr (!kIsInt<C>)
            if (std::isnan(a))
              return a;
          return a > C(0) ? C(1) : a < C(0) ? C(-1) : C(0);
        }
      });
  });
  countVector(work, out[0], 1, in[0].type);
  return true;
}

bool verifyIsNaN(HK_VERIFY_ARGS) {
  ElementType b = ElementType::Bool;
  return checkAttrs(node, {}, why) &&
         verifyUnary(node, in, out, why, kFloatTypes, &b);
}
bool verifyIsInf(HK_VERIFY_ARGS) {
  ElementType b = ElementType::Bool;
  return checkAttrs(node,
                    {{"detect_negative", bin::AttributeKind::Int},
                     {"detect_positive", bin::AttributeKind::Int}},
                    why) &&
         verifyUnary(node, in, out, why, kFloatTypes, &b);
}

template <bool Inf> bool runIsNaNInf(HK_RUN_ARGS) {
  bool pos = node.getInt("detect_positive", 1) != 0,
       neg = node.getInt("detect_negative", 1) != 0;
  visitType(in[0].type, [&](auto tag) {
    using S = typename decltype(tag)::type;
    using C = Compute<S>;
    if constexpr (!kIsInt<C>)
      unaryLoop<S, Bool8>(in[0], out[0], [&](C a) -> bool {
        if constexpr (Inf)
          return std::isinf(a) && (a > 0 ? pos : neg);
        else
          return std::isnan(a);
      });
  });
  countVector(work, out[0], 1, in[0].type);
  return true;
}

//===----------------------------------------------------------------------===//
// Where (opset 16): condition bool, X and Y of one type, broadcasting.
//===----------------------------------------------------------------------===//

bool verifyWhere(HK_VERIFY_ARGS) {
  if (!checkAttrs(node, {}, why) || !checkArity(node, in, out, 3, 3, 1, why))
    return false;
  if (in[0].type != ElementType::Bool)
    return fail(why, node, "condition must be Bool, got ", typeStr(in[0].type));
  if (!checkSameType(node, in, 1, 2, why))
    return false;
  Shape shape;
  if (!broadcastShapes({&in[0].shape, &in[1].shape, &in[2].shape}, shape))
    return fail(why, node, "input shapes ", shapeStr(in[0].shape), ", ",
                shapeStr(in[1].shape), " and ", shapeStr(in[2].shape),
                " do not broadcast");
  return checkOutput(node, out, 0, in[1].type, shape, why);
}

bool runWhere(HK_RUN_ARGS) {
  const HostTensorView &o = out[0];
  size_t eb = elementBytes(o.type);
  BroadcastIndex it(o.shape, {&in[0].shape, &in[1].shape, &in[2].shape});
  uint64_t n = o.numElements();
  for (uint64_t i = 0; i < n; ++i, it.next()) {
    bool c = in[0].data[it[0]] != 0;
    const uint8_t *src = c ? in[1].data + it[1] * eb : in[2].data + it[2] * eb;
    copyBytes(o.data + i * eb, src, eb);
  }
  countVector(work, o, 1, o.type);
  return true;
}

//===----------------------------------------------------------------------===//
// Cast (opset 13), CastLike (opset 15): every pair of types here. See
// convert() for float -> integer; FP16/BF16 round to nearest even.
//===----------------------------------------------------------------------===//

bool verifyCast(HK_VERIFY_ARGS) {
  if (!checkAttrs(node, {{"to", bin::AttributeKind::Int}}, why) ||
      !checkArity(node, in, out, 1, 1, 1, why))
    return false;
  const HostAttribute *to = node.find("to");
  if (!to)
    return fail(why, node, "attribute 'to' is required");
  ElementType type;
  if (!typeFromOnnx(to->i, type))
    return fail(why, node, "unsupported target type ", to->i);
  return checkOutput(node, out, 0, type, in[0].shape, why);
}

bool verifyCastLike(HK_VERIFY_ARGS) {
  return checkAttrs(node, {}, why) && checkArity(node, in, out, 2, 2, 1, why) &&
         checkOutput(node, out, 0, in[1].type, in[0].shape, why);
}

bool runCast(HK_RUN_ARGS) {
  const HostTensorView &src = in[0], &dst = out[0];
  visitType(src.type, [&](auto stag) {
    using SS = typename decltype(stag)::type;
    visitType(dst.type, [&](auto dtag) {
      using DS = typename decltype(dtag)::type;
      unaryLoop<SS, DS>(src, dst,
                        [](Compute<SS> v) { return convert<Compute<DS>>(v); });
    });
  });
  countVector(work, dst, 1,
              elementBytes(src.type) > elementBytes(dst.type) ? src.type
                                                              : dst.type);
  return true;
}

const HostKernel kKernels[] = {
    {"Abs", verifyAbsSign, runUnaryMath<0>},
    {"Add", verifyBinaryArith, runBinaryArith<AddOp>},
    {"And", verifyLogic, runLogic<0>},
    {"BitShift", verifyBitShift, runBitShift},
    {"Cast", verifyCast, runCast},
    {"CastLike", verifyCastLike, runCast},
    {"Div", verifyBinaryArith, runBinaryArith<DivOp>},
    {"Equal", verifyCompare<CompareKind::Equal>, runCompare<EqualOp>},
    {"Greater", verifyCompare<CompareKind::Order>, runCompare<GreaterOp>},
    {"GreaterOrEqual", verifyCompare<CompareKind::OrderOrEqual>,
     runCompare<GreaterOrEqualOp>},
    {"IsInf", verifyIsInf, runIsNaNInf<true>},
    {"IsNaN", verifyIsNaN, runIsNaNInf<false>},
    {"Less", verifyCompare<CompareKind::Order>, runCompare<LessOp>},
    {"LessOrEqual", verifyCompare<CompareKind::OrderOrEqual>,
     runCompare<LessOrEqualOp>},
    {"Max", verifyVariadicNumeric, runFold<MaxOp>},
    {"Mean", verifyVariadicFloat, runFold<AddOp, true>},
    {"Min", verifyVariadicNumeric, runFold<MinOp>},
    {"Mod", verifyMod, runMod},
    {"Mul", verifyBinaryArith, runBinaryArith<MulOp>},
    {"Neg", verifyNeg, runUnaryMath<1>},
    {"Not", verifyNot, runNot},
    {"Or", verifyLogic, runLogic<1>},
    {"Pow", verifyPow, runPow},
    {"Sign", verifyAbsSign, runUnaryMath<2>},
    {"Sub", verifyBinaryArith, runBinaryArith<SubOp>},
    {"Sum", verifyVariadicFloat, runFold<AddOp>},
    {"Where", verifyWhere, runWhere},
    {"Xor", verifyLogic, runLogic<2>},
};

} // namespace

KernelTable elementwiseKernels() {
  return {kKernels, sizeof(kKernels) / sizeof(kKernels[0])};
}

} // namespace npu::rt::hk
