//===- HostKernelsTest.cpp - the host CPU's ONNX kernels ------------------===//
//
// Hand-worked expected values for every kernel, verify() rejections (arity,
// types, attributes, axes, output type and shape) and run() data errors
// (indices out of range, data that disagrees with the static output shape).
//
//===----------------------------------------------------------------------===//

#include "npu/runtime/HostKernels.h"
#include "npu/runtime/Executable.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

using namespace npu::rt;
using npu::bin::AttributeKind;
using npu::bin::ElementType;
using Shape = std::vector<int64_t>;

namespace {

constexpr ElementType F32 = ElementType::F32, F64 = ElementType::F64,
                      F16 = ElementType::F16, BF16 = ElementType::BF16,
                      I8 = ElementType::I8, I16 = ElementType::I16,
                      I32 = ElementType::I32, I64 = ElementType::I64,
                      U8 = ElementType::U8, U16 = ElementType::U16,
                      U32 = ElementType::U32, U64 = ElementType::U64,
                      Bool = ElementType::Bool;
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

/// A tensor owning its bytes.
struct Tensor {
  bool present = true;
  ElementType type = F32;
  Shape shape;
  std::vector<uint8_t> bytes;
};

uint64_t count(const Shape &s) {
  uint64_t n = 1;
  for (int64_t d : s)
    n *= uint64_t(d);
  return n;
}

/// Stores `v` as one element of `type` (F16/BF16: `v` is the raw bits).
void encode(ElementType type, double v, uint8_t *p) {
  auto put = [p](auto x) { std::memcpy(p, &x, sizeof(x)); };
  switch (type) {
  case ElementType::F32:
    put(float(v));
    break;
  case ElementType::F64:
    put(v);
    break;
  case ElementType::I8:
    put(int8_t(v));
    break;
  case ElementType::I16:
    put(int16_t(v));
    break;
  case ElementType::I32:
    put(int32_t(v));
    break;
  case ElementType::I64:
    put(int64_t(v));
    break;
  case ElementType::U8:
    put(uint8_t(v));
    break;
  case ElementType::U16:
    put(uint16_t(v));
    break;
  case ElementType::U32:
    put(uint32_t(v));
    break;
  case ElementType::U64:
    put(uint64_t(v));
    break;
  case ElementType::Bool:
    put(uint8_t(v != 0));
    break;
  case ElementType::F16:
  case ElementType::BF16:
    put(uint16_t(v));
    break;
  }
}

double decode(ElementType type, const uint8_t *p) {
  auto get = [p](auto x) {
    std::memcpy(&x, p, sizeof(x));
    return x;
  };
  switch (type) {
  case ElementType::F32:
    return get(float());
  case ElementType::F64:
    return get(double());
  case ElementType::I8:
    return get(int8_t());
  case ElementType::I16:
    return get(int16_t());
  case ElementType::I32:
    return get(int32_t());
  case ElementType::I64:
    return double(get(int64_t()));
  case ElementType::U8:
    return get(uint8_t());
  case ElementType::U16:
    return get(uint16_t());
  case ElementType::U32:
    return get(uint32_t());
  case ElementType::U64:
    return double(get(uint64_t()));
  case ElementType::Bool:
    return get(uint8_t());
  case ElementType::F16:
  case ElementType::BF16:
    return get(uint16_t()); // Raw bits.
  }
  return 0;
}

Tensor T(ElementType type, Shape shape, std::vector<double> values) {
  Tensor t;
  t.type = type;
  t.shape = std::move(shape);
  EXPECT_EQ(values.size(), count(t.shape)) << "bad test tensor";
  size_t eb = elementBytes(type);
  t.bytes.assign(values.size() * eb, 0);
  for (size_t i = 0; i < values.size(); ++i)
    encode(type, values[i], t.bytes.data() + i * eb);
  return t;
}
Tensor absent() {
  Tensor t;
  t.present = false;
  return t;
}

std::vector<double> values(const Tensor &t) {
  std::vector<double> v;
  size_t eb = elementBytes(t.type);
  for (size_t i = 0; i < count(t.shape); ++i)
    v.push_back(decode(t.type, t.bytes.data() + i * eb));
  return v;
}
std::vector<int64_t> int64s(const Tensor &t) {
  std::vector<int64_t> v(count(t.shape));
  std::memcpy(v.data(), t.bytes.data(), v.size() * 8);
  return v;
}

HostAttribute attrI(const char *name, int64_t v) {
  HostAttribute a;
  a.name = name;
  a.kind = AttributeKind::Int;
  a.i = v;
  return a;
}
HostAttribute attrS(const char *name, std::string v) {
  HostAttribute a;
  a.name = name;
  a.kind = AttributeKind::String;
  a.s = std::move(v);
  return a;
}
HostAttribute attrInts(const char *name, std::vector<int64_t> v) {
  HostAttribute a;
  a.name = name;
  a.kind = AttributeKind::Ints;
  a.ints = std::move(v);
  return a;
}
HostAttribute attrF(const char *name, float v) {
  HostAttribute a;
  a.name = name;
  a.kind = AttributeKind::Float;
  a.f = v;
  return a;
}

HostNode N(const char *op, std::vector<HostAttribute> attrs = {},
           int64_t opset = 17) {
  HostNode n;
  n.opType = op;
  n.opset = opset;
  n.attributes = std::move(attrs);
  return n;
}

struct OutSpec {
  ElementType type;
  Shape shape;
  bool present = true; ///< False: an absent optional output.
};

struct Result {
  bool verified = false, ran = false;
  std::string why;
  std::vector<Tensor> outs;
  HostWork work;
};

std::vector<HostTensorView> views(std::vector<Tensor> &ts) {
  std::vector<HostTensorView> v;
  for (Tensor &t : ts) {
    HostTensorView h;
    h.present = t.present;
    h.type = t.type;
    h.shape = t.shape;
    h.data = t.present ? t.bytes.data() : nullptr;
    v.push_back(h);
  }
  return v;
}

/// Verifies (without data, as the compiler does) and, if that passes, runs.
Result exec(const HostNode &node, std::vector<Tensor> ins,
            std::vector<OutSpec> outSpecs) {
  Result r;
  const HostKernel *k = lookupHostKernel(node.opType);
  if (!k) {
    r.why = "no kernel for " + node.opType;
    return r;
  }
  for (const OutSpec &s : outSpecs) {
    Tensor t;
    t.present = s.present;
    t.type = s.type;
    t.shape = s.shape;
    t.bytes.assign(count(s.shape) * elementBytes(s.type), 0xA5);
    r.outs.push_back(std::move(t));
  }
  std::vector<HostTensorView> in = views(ins), out = views(r.outs);
  std::vector<HostTensorView> inNoData = in, outNoData = out;
  for (HostTensorView &v : inNoData)
    v.data = nullptr;
  for (HostTensorView &v : outNoData)
    v.data = nullptr;
  r.verified = k->verify(node, inNoData, outNoData, r.why);
  if (!r.verified)
    return r;
  r.ran = k->run(node, in, out, r.work, r.why);
  return r;
}

/// Runs and expects success; returns output `i`'s values.
std::vector<double> ok(const HostNode &node, std::vector<Tensor> ins,
                       std::vector<OutSpec> outs, size_t i = 0) {
  Result r = exec(node, std::move(ins), std::move(outs));
  EXPECT_TRUE(r.verified && r.ran) << r.why;
  if (!r.ran)
    return {};
  return values(r.outs[i]);
}

/// Expects verify to fail with a message starting with the op type and
/// containing `part`.
void rejects(const HostNode &node, std::vector<Tensor> ins,
             std::vector<OutSpec> outs, const std::string &part) {
  Result r = exec(node, std::move(ins), std::move(outs));
  EXPECT_FALSE(r.verified) << node.opType << " verified unexpectedly";
  EXPECT_EQ(r.why.rfind(node.opType + ": ", 0), 0u) << r.why;
  EXPECT_NE(r.why.find(part), std::string::npos) << r.why;
  EXPECT_EQ(r.why.find('\n'), std::string::npos) << r.why;
}

/// Expects verify to pass and run to fail with a message containing `part`.
void runFails(const HostNode &node, std::vector<Tensor> ins,
              std::vector<OutSpec> outs, const std::string &part) {
  Result r = exec(node, std::move(ins), std::move(outs));
  ASSERT_TRUE(r.verified) << r.why;
  EXPECT_FALSE(r.ran) << node.opType << " ran unexpectedly";
  EXPECT_EQ(r.why.rfind(node.opType + ": ", 0), 0u) << r.why;
  EXPECT_NE(r.why.find(part), std::string::npos) << r.why;
}

using V = std::vector<double>;

/// Element-wise equality where NaN equals NaN.
void expectSame(const V &got, const V &want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(want[i]))
      EXPECT_TRUE(std::isnan(got[i])) << "element " << i;
    else
      EXPECT_EQ(got[i], want[i]) << "element " << i;
  }
}

//===----------------------------------------------------------------------===//
// Registry
//===----------------------------------------------------------------------===//

TEST(HostKernels, RegistryIsSortedAndComplete) {
  std::vector<std::string> ops = hostKernelOps();
  EXPECT_TRUE(std::is_sorted(ops.begin(), ops.end()));
  EXPECT_TRUE(std::adjacent_find(ops.begin(), ops.end()) == ops.end());
  for (const char *op : {"ArgMax",
                         "ArgMin",
                         "Equal",
                         "Greater",
                         "GreaterOrEqual",
                         "Less",
                         "LessOrEqual",
                         "And",
                         "Or",
                         "Xor",
                         "Not",
                         "Where",
                         "Cast",
                         "CastLike",
                         "IsNaN",
                         "IsInf",
                         "Mod",
                         "BitShift",
                         "GatherElements",
                         "ScatterElements",
                         "GatherND",
                         "ScatterND",
                         "Trilu",
                         "CumSum",
                         "Hardmax",
                         "TopK",
                         "OneHot",
                         "Range",
                         "EyeLike",
                         "ReduceProd",
                         "ReduceSum",
                         "ReduceMean",
                         "ReduceMax",
                         "ReduceMin",
                         "ReduceL1",
                         "ReduceL2",
                         "ReduceLogSum",
                         "ReduceLogSumExp",
                         "ReduceSumSquare",
                         "Resize",
                         "Upsample",
                         "MaxPool",
                         "AveragePool",
                         "LpPool",
                         "GlobalMaxPool",
                         "GlobalAveragePool",
                         "GlobalLpPool",
                         "Pad",
                         "Clip",
                         "Einsum",
                         "Exp",
                         "Relu",
                         "Sigmoid",
                         "Softmax",
                         "LogSoftmax",
                         "MatMul",
                         "Gemm",
                         "Add",
                         "Sub",
                         "Mul",
                         "Div",
                         "Max",
                         "Min",
                         "Sum",
                         "Mean",
                         "Abs",
                         "Neg",
                         "Sign",
                         "Pow",
                         "Identity",
                         "Gather",
                         "Transpose",
                         "Reshape",
                         "Flatten",
                         "Squeeze",
                         "Unsqueeze",
                         "Concat",
                         "Slice",
                         "Expand",
                         "Tile",
                         "QuantizeLinear",
                         "DequantizeLinear",
                         "DynamicQuantizeLinear",
                         "MatMulInteger",
                         "ConvInteger",
                         "QLinearMatMul",
                         "QLinearConv",
                         "GridSample",
                         "Scatter",
                         "ReverseSequence",
                         "Det",
                         "LRN",
                         "TfIdfVectorizer",
                         "RoiAlign",
                         "MaxUnpool",
                         "DFT",
                         "STFT",
                         "HannWindow",
                         "HammingWindow",
                         "BlackmanWindow",
                         "MelWeightMatrix"}) {
    const HostKernel *k = lookupHostKernel(op);
    ASSERT_NE(k, nullptr) << op;
    EXPECT_STREQ(k->opType, op);
  }
  EXPECT_EQ(lookupHostKernel("Conv"), nullptr);
  EXPECT_EQ(lookupHostKernel(""), nullptr);
}

TEST(HostKernels, CommonVerifyRejections) {
  // Arity, unknown attribute, attribute kind, output count.
  rejects(N("Add"), {T(F32, {1}, {1})}, {{F32, {1}}}, "expects 2 inputs");
  rejects(N("Add", {attrI("bogus", 1)}), {T(F32, {1}, {1}), T(F32, {1}, {1})},
          {{F32, {1}}}, "unknown attribute 'bogus'");
  rejects(N("ArgMax", {attrF("axis", 1)}), {T(F32, {2}, {1, 2})}, {{I64, {1}}},
          "attribute 'axis' is Float, expected Int");
  rejects(N("TopK"), {T(F32, {2}, {1, 2}), T(I64, {1}, {1})}, {{F32, {1}}},
          "expects 2 outputs");
  rejects(N("Where"), {absent(), T(F32, {1}, {1}), T(F32, {1}, {1})},
          {{F32, {1}}}, "input 0 is required");
}

//===----------------------------------------------------------------------===//
// ArgMax / ArgMin
//===----------------------------------------------------------------------===//

TEST(HostKernels, ArgMaxArgMin) {
  // [[2, 1], [3, 10]]: along axis 0 (default), keepdims -> [1, 2].
  Tensor x = T(F32, {2, 2}, {2, 1, 3, 10});
  expectSame(ok(N("ArgMax"), {x}, {{I64, {1, 2}}}), {1, 1});
  expectSame(ok(N("ArgMin"), {x}, {{I64, {1, 2}}}), {0, 0});
  // axis -1, keepdims 0 -> [2].
  expectSame(ok(N("ArgMax", {attrI("axis", -1), attrI("keepdims", 0)}), {x},
                {{I64, {2}}}),
             {0, 1});
  // Ties: first index, or the last with select_last_index.
  Tensor t = T(I32, {1, 4}, {5, 7, 7, 1});
  expectSame(ok(N("ArgMax", {attrI("axis", 1)}), {t}, {{I64, {1, 1}}}), {1});
  expectSame(ok(N("ArgMax", {attrI("axis", 1), attrI("select_last_index", 1)}),
                {t}, {{I64, {1, 1}}}),
             {2});
  Tensor u = T(U8, {4}, {3, 0, 9, 0});
  expectSame(
      ok(N("ArgMin", {attrI("select_last_index", 1)}), {u}, {{I64, {1}}}), {3});
  // Rejections.
  rejects(N("ArgMax", {attrI("axis", 2)}), {x}, {{I64, {1, 2}}},
          "axis 2 out of range [-2, 2)");
  rejects(N("ArgMax"), {x}, {{I32, {1, 2}}}, "expected I64 [1,2]");
  rejects(N("ArgMax"), {x}, {{I64, {2}}}, "expected I64 [1,2]");
  rejects(N("ArgMax"), {T(Bool, {2}, {0, 1})}, {{I64, {1}}},
          "unsupported element type Bool");
}

//===----------------------------------------------------------------------===//
// Comparisons and logic
//===----------------------------------------------------------------------===//

TEST(HostKernels, ComparisonsBroadcast) {
  // [2,1] vs [3] -> [2,3].
  Tensor a = T(I64, {2, 1}, {1, 5}), b = T(I64, {3}, {0, 1, 6});
  expectSame(ok(N("Equal"), {a, b}, {{Bool, {2, 3}}}), {0, 1, 0, 0, 0, 0});
  expectSame(ok(N("Greater"), {a, b}, {{Bool, {2, 3}}}), {1, 0, 0, 1, 1, 0});
  expectSame(ok(N("GreaterOrEqual"), {a, b}, {{Bool, {2, 3}}}),
             {1, 1, 0, 1, 1, 0});
  expectSame(ok(N("Less"), {a, b}, {{Bool, {2, 3}}}), {0, 0, 1, 0, 0, 1});
  expectSame(ok(N("LessOrEqual"), {a, b}, {{Bool, {2, 3}}}),
             {0, 1, 1, 0, 0, 1});
  // Floats: NaN compares unequal and neither greater nor less.
  Tensor f = T(F32, {3}, {kNaN, -0.0, 2.5}), g = T(F32, {3}, {kNaN, 0, 2});
  expectSame(ok(N("Equal"), {f, g}, {{Bool, {3}}}), {0, 1, 0});
  expectSame(ok(N("Less"), {f, g}, {{Bool, {3}}}), {0, 0, 0});
  // Unsigned and narrow types.
  expectSame(ok(N("Greater"), {T(U64, {2}, {1, 4e18}), T(U64, {1}, {2})},
                {{Bool, {2}}}),
             {0, 1});
  expectSame(
      ok(N("Less"), {T(I8, {2}, {-128, 127}), T(I8, {}, {0})}, {{Bool, {2}}}),
      {1, 0});
  // Equal takes Bool; Greater does not.
  Tensor p = T(Bool, {2}, {1, 0}), q = T(Bool, {2}, {1, 1});
  expectSame(ok(N("Equal"), {p, q}, {{Bool, {2}}}), {1, 0});
  rejects(N("Greater"), {p, q}, {{Bool, {2}}}, "unsupported element type");
  // Rejections: mixed types, shapes that do not broadcast, output type.
  rejects(N("Equal"), {a, T(I32, {3}, {0, 1, 6})}, {{Bool, {2, 3}}},
          "input 1 is I32, expected I64");
  rejects(N("Less"), {T(F32, {2}, {1, 2}), T(F32, {3}, {1, 2, 3})},
          {{Bool, {3}}}, "do not broadcast");
  rejects(N("Less"), {a, b}, {{I64, {2, 3}}}, "expected Bool [2,3]");
  // Opset-dependent types.
  rejects(N("Equal", {}, 10), {T(F32, {1}, {1}), T(F32, {1}, {1})},
          {{Bool, {1}}}, "unsupported element type F32");
  rejects(N("Greater", {}, 8), {a, b}, {{Bool, {2, 3}}},
          "unsupported element type I64");
  rejects(N("LessOrEqual", {}, 11), {a, b}, {{Bool, {2, 3}}}, "needs opset 12");
}

TEST(HostKernels, Logic) {
  Tensor a = T(Bool, {2, 2}, {0, 0, 1, 1}), b = T(Bool, {2}, {0, 1});
  expectSame(ok(N("And"), {a, b}, {{Bool, {2, 2}}}), {0, 0, 0, 1});
  expectSame(ok(N("Or"), {a, b}, {{Bool, {2, 2}}}), {0, 1, 1, 1});
  expectSame(ok(N("Xor"), {a, b}, {{Bool, {2, 2}}}), {0, 1, 1, 0});
  expectSame(ok(N("Not"), {b}, {{Bool, {2}}}), {1, 0});
  // Nonzero bytes other than 1 read as true and write as 1.
  Tensor odd = b;
  odd.bytes[1] = 7;
  expectSame(ok(N("Not"), {odd}, {{Bool, {2}}}), {1, 0});
  rejects(N("And"), {T(U8, {1}, {1}), T(U8, {1}, {1})}, {{Bool, {1}}},
          "unsupported element type U8");
  rejects(N("Not"), {b}, {{Bool, {1}}}, "expected Bool [2]");
}

TEST(HostKernels, Where) {
  Tensor c = T(Bool, {2, 1}, {1, 0});
  Tensor x = T(I16, {2}, {1, 2}), y = T(I16, {2, 2}, {10, 20, 30, 40});
  expectSame(ok(N("Where"), {c, x, y}, {{I16, {2, 2}}}), {1, 2, 30, 40});
  Tensor xf = T(F64, {}, {0.5}), yf = T(F64, {}, {-1});
  expectSame(ok(N("Where"), {T(Bool, {3}, {0, 1, 1}), xf, yf}, {{F64, {3}}}),
             {-1, 0.5, 0.5});
  rejects(N("Where"), {T(U8, {2, 1}, {1, 0}), x, y}, {{I16, {2, 2}}},
          "condition must be Bool");
  rejects(N("Where"), {c, x, T(I32, {2}, {0, 0})}, {{I16, {2, 2}}},
          "input 2 is I32");
  rejects(N("Where"), {c, x, y}, {{I16, {2}}}, "expected I16 [2,2]");
}

//===----------------------------------------------------------------------===//
// Cast, CastLike, IsNaN, IsInf
//===----------------------------------------------------------------------===//

TEST(HostKernels, CastNumeric) {
  // Float -> int truncates toward zero.
  Tensor f = T(F32, {5}, {2.7, -2.7, 0.5, -0.5, 100});
  expectSame(ok(N("Cast", {attrI("to", 6)}), {f}, {{I32, {5}}}),
             {2, -2, 0, 0, 100});
  expectSame(ok(N("Cast", {attrI("to", 3)}), {f}, {{I8, {5}}}),
             {2, -2, 0, 0, 100});
  // Anything -> bool is "!= 0"; NaN is true.
  expectSame(ok(N("Cast", {attrI("to", 9)}),
                {T(F64, {4}, {0, -0.0, 0.1, kNaN})}, {{Bool, {4}}}),
             {0, 0, 1, 1});
  // Bool -> float.
  expectSame(
      ok(N("Cast", {attrI("to", 11)}), {T(Bool, {2}, {1, 0})}, {{F64, {2}}}),
      {1, 0});
  // Integer -> integer wraps (as static_cast).
  expectSame(ok(N("Cast", {attrI("to", 2)}), {T(I32, {3}, {-1, 256, 300})},
                {{U8, {3}}}),
             {255, 0, 44});
  // int64 -> int64 keeps every bit (no detour through double).
  Tensor big;
  big.type = I64;
  big.shape = {1};
  big.bytes.resize(8);
  int64_t v = (int64_t(1) << 62) + 1;
  std::memcpy(big.bytes.data(), &v, 8);
  Result r = exec(N("Cast", {attrI("to", 7)}), {big}, {{I64, {1}}});
  ASSERT_TRUE(r.ran) << r.why;
  EXPECT_EQ(int64s(r.outs[0])[0], v);
  // NaN and out-of-range floats do not crash: NaN -> 0, beyond int64
  // saturates.
  expectSame(ok(N("Cast", {attrI("to", 7)}), {T(F32, {2}, {kNaN, 1e30})},
                {{I64, {2}}}),
             {0, double(std::numeric_limits<int64_t>::max())});
  // Rejections.
  rejects(N("Cast"), {f}, {{I32, {5}}}, "attribute 'to' is required");
  rejects(N("Cast", {attrI("to", 8)}), {f}, {{I32, {5}}},
          "unsupported target type 8");
  rejects(N("Cast", {attrI("to", 6)}), {f}, {{I64, {5}}}, "expected I32 [5]");
}

TEST(HostKernels, CastHalfAndBFloat16) {
  // F32 -> F16 (bits): 1.0 = 0x3C00, -2 = 0xC000, 65504 = 0x7BFF,
  // 65520 rounds to inf 0x7C00, 2^-24 = 0x0001 (subnormal),
  // 1 + 2^-11 ties to even 0x3C00, 1 + 3*2^-11 ties up to 0x3C02.
  Tensor f = T(F32, {7},
               {1.0, -2.0, 65504, 65520, std::ldexp(1.0, -24),
                1 + std::ldexp(1.0, -11), 1 + 3 * std::ldexp(1.0, -11)});
  expectSame(ok(N("Cast", {attrI("to", 10)}), {f}, {{F16, {7}}}),
             {0x3C00, 0xC000, 0x7BFF, 0x7C00, 0x0001, 0x3C00, 0x3C02});
  // F16 -> F32: 0x3555 = 0.333251953125, 0x0200 = 2^-15 (subnormal),
  // 0xFC00 = -inf, 0x7E00 = NaN.
  expectSame(ok(N("Cast", {attrI("to", 1)}),
                {T(F16, {4}, {0x3555, 0x0200, 0xFC00, 0x7E00})}, {{F32, {4}}}),
             {0.333251953125, std::ldexp(1.0, -15), -kInf, kNaN});
  // F32 -> BF16 rounds to nearest even: 1 + 2^-8 is a tie -> 0x3F80;
  // 1 + 3*2^-8 -> 0x3F82; 0.48 (0x3EF5C28F) -> 0x3EF6.
  expectSame(
      ok(N("Cast", {attrI("to", 16)}),
         {T(F32, {3},
            {1 + std::ldexp(1.0, -8), 1 + 3 * std::ldexp(1.0, -8), 0.48f})},
         {{BF16, {3}}}),
      {0x3F80, 0x3F82, 0x3EF6});
  // BF16 -> I32 truncates: 0xC020 = -2.5.
  expectSame(
      ok(N("Cast", {attrI("to", 6)}), {T(BF16, {1}, {0xC020})}, {{I32, {1}}}),
      {-2});
}

TEST(HostKernels, CastLike) {
  Tensor x = T(F64, {2}, {1.9, -1.9}), like = T(I16, {0}, {});
  expectSame(ok(N("CastLike"), {x, like}, {{I16, {2}}}), {1, -1});
  rejects(N("CastLike"), {x, like}, {{I32, {2}}}, "expected I16 [2]");
  rejects(N("CastLike"), {x}, {{I16, {2}}}, "expects 2 inputs");
}

TEST(HostKernels, IsNaNIsInf) {
  Tensor x = T(F32, {4}, {kNaN, kInf, -kInf, 1});
  expectSame(ok(N("IsNaN"), {x}, {{Bool, {4}}}), {1, 0, 0, 0});
  expectSame(ok(N("IsInf"), {x}, {{Bool, {4}}}), {0, 1, 1, 0});
  expectSame(ok(N("IsInf", {attrI("detect_negative", 0)}), {x}, {{Bool, {4}}}),
             {0, 1, 0, 0});
  expectSame(ok(N("IsInf", {attrI("detect_positive", 0)}), {x}, {{Bool, {4}}}),
             {0, 0, 1, 0});
  // F16 bits: 0x7C00 = inf, 0x7E01 = NaN.
  expectSame(ok(N("IsNaN"), {T(F16, {2}, {0x7C00, 0x7E01})}, {{Bool, {2}}}),
             {0, 1});
  rejects(N("IsNaN"), {T(I32, {1}, {0})}, {{Bool, {1}}},
          "unsupported element type I32");
  rejects(N("IsInf"), {x}, {{F32, {4}}}, "expected Bool [4]");
}

//===----------------------------------------------------------------------===//
// Mod, BitShift
//===----------------------------------------------------------------------===//

TEST(HostKernels, Mod) {
  Tensor a = T(I32, {4}, {-4, 7, 5, -7}), b = T(I32, {4}, {3, -3, 8, -3});
  // fmod = 0: the divisor's sign (Python): -4 % 3 = 2, 7 % -3 = -2.
  expectSame(ok(N("Mod"), {a, b}, {{I32, {4}}}), {2, -2, 5, -1});
  // fmod = 1: the dividend's sign (C fmod).
  expectSame(ok(N("Mod", {attrI("fmod", 1)}), {a, b}, {{I32, {4}}}),
             {-1, 1, 5, -1});
  expectSame(ok(N("Mod", {attrI("fmod", 1)}),
                {T(F32, {2}, {-4.5, 7.5}), T(F32, {1}, {2})}, {{F32, {2}}}),
             {-0.5, 1.5});
  expectSame(ok(N("Mod"), {T(U8, {2}, {200, 7}), T(U8, {}, {7})}, {{U8, {2}}}),
             {4, 0});
  // INT_MIN % -1 is 0, not a crash.
  expectSame(ok(N("Mod"), {T(I8, {1}, {-128}), T(I8, {1}, {-1})}, {{I8, {1}}}),
             {0});
  rejects(N("Mod"), {T(F32, {1}, {1}), T(F32, {1}, {1})}, {{F32, {1}}},
          "fmod must be 1 for floating-point inputs");
  rejects(N("Mod", {attrI("fmod", 2)}), {a, b}, {{I32, {4}}},
          "fmod must be 0 or 1");
  runFails(N("Mod"), {a, T(I32, {4}, {1, 0, 1, 1})}, {{I32, {4}}},
           "modulo by zero");
}

TEST(HostKernels, BitShift) {
  Tensor x = T(U8, {3}, {16, 4, 1}), s = T(U8, {3}, {1, 2, 8});
  expectSame(
      ok(N("BitShift", {attrS("direction", "RIGHT")}), {x, s}, {{U8, {3}}}),
      {8, 1, 0});
  expectSame(
      ok(N("BitShift", {attrS("direction", "LEFT")}), {x, s}, {{U8, {3}}}),
      {32, 16, 0});
  expectSame(ok(N("BitShift", {attrS("direction", "LEFT")}),
                {T(U16, {1}, {0x8001}), T(U16, {}, {1})}, {{U16, {1}}}),
             {2});
  rejects(N("BitShift", {attrS("direction", "UP")}), {x, s}, {{U8, {3}}},
          "direction must be");
  rejects(N("BitShift"), {x, s}, {{U8, {3}}}, "direction must be");
  rejects(N("BitShift", {attrS("direction", "LEFT")}),
          {T(I8, {1}, {1}), T(I8, {1}, {1})}, {{I8, {1}}},
          "unsupported element type I8");
}

//===----------------------------------------------------------------------===//
// Gather family and scatters
//===----------------------------------------------------------------------===//

TEST(HostKernels, GatherElements) {
  // Operators.md example 1: axis 1.
  Tensor data = T(F32, {2, 2}, {1, 2, 3, 4});
  Tensor idx = T(I64, {2, 2}, {0, 0, 1, 0});
  expectSame(
      ok(N("GatherElements", {attrI("axis", 1)}), {data, idx}, {{F32, {2, 2}}}),
      {1, 1, 4, 3});
  // Example 2: axis 0, negative index -1 = 2.
  Tensor d3 = T(I32, {3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  Tensor i3 = T(I32, {2, 3}, {1, 2, 0, 2, 0, -1});
  expectSame(ok(N("GatherElements"), {d3, i3}, {{I32, {2, 3}}}),
             {4, 8, 3, 7, 2, 9});
  runFails(N("GatherElements", {attrI("axis", 1)}),
           {d3, T(I64, {1, 2}, {0, 7})}, {{I32, {1, 2}}},
           "GatherElements: index 7 out of range [-3, 3) on axis 1");
  runFails(N("GatherElements"), {d3, T(I64, {1, 1}, {-4})}, {{I32, {1, 1}}},
           "index -4 out of range");
  rejects(N("GatherElements", {attrI("axis", 2)}), {d3, i3}, {{I32, {2, 3}}},
          "axis 2 out of range");
  rejects(N("GatherElements"), {d3, T(F32, {2, 3}, {0, 0, 0, 0, 0, 0})},
          {{I32, {2, 3}}}, "input 1 has unsupported element type F32");
  rejects(N("GatherElements"), {d3, T(I64, {3}, {0, 0, 0})}, {{I32, {3}}},
          "must have the rank of data");
  rejects(N("GatherElements"), {d3, T(I64, {1, 4}, {0, 0, 0, 0})},
          {{I32, {1, 4}}}, "exceed data");
  rejects(N("GatherElements"), {d3, i3}, {{I32, {3, 2}}}, "expected I32 [2,3]");
}

TEST(HostKernels, ScatterElements) {
  // Operators.md: data 3x3 zeros, axis 0.
  Tensor data = T(F32, {3, 3}, {0, 0, 0, 0, 0, 0, 0, 0, 0});
  Tensor idx = T(I64, {2, 3}, {1, 0, 2, 0, 2, 1});
  Tensor upd = T(F32, {2, 3}, {1.0, 1.1, 1.2, 2.0, 2.1, 2.2});
  expectSame(ok(N("ScatterElements"), {data, idx, upd}, {{F32, {3, 3}}}),
             {2.0, 1.1f, 0, 1.0, 0, 2.2f, 0, 2.1f, 1.2f});
  // Axis 1 with a negative index, and add / mul reductions with duplicates.
  Tensor d = T(I32, {1, 5}, {1, 2, 3, 4, 5});
  Tensor i = T(I64, {1, 3}, {1, -2, 1}), u = T(I32, {1, 3}, {10, 20, 30});
  expectSame(
      ok(N("ScatterElements", {attrI("axis", 1)}), {d, i, u}, {{I32, {1, 5}}}),
      {1, 30, 3, 20, 5});
  expectSame(
      ok(N("ScatterElements", {attrI("axis", 1), attrS("reduction", "add")}),
         {d, i, u}, {{I32, {1, 5}}}),
      {1, 42, 3, 24, 5});
  expectSame(
      ok(N("ScatterElements", {attrI("axis", 1), attrS("reduction", "mul")}),
         {d, i, u}, {{I32, {1, 5}}}),
      {1, 600, 3, 80, 5});
  runFails(N("ScatterElements", {attrI("axis", 1)}),
           {d, T(I64, {1, 1}, {5}), T(I32, {1, 1}, {0})}, {{I32, {1, 5}}},
           "index 5 out of range [-5, 5) on axis 1");
  rejects(N("ScatterElements", {attrS("reduction", "max2")}), {d, i, u},
          {{I32, {1, 5}}}, "unknown reduction");
  rejects(N("ScatterElements", {attrS("reduction", "add")}),
          {T(Bool, {2}, {0, 1}), T(I64, {1}, {0}), T(Bool, {1}, {1})},
          {{Bool, {2}}}, "needs a numeric type");
  rejects(N("ScatterElements", {attrI("axis", 1)}),
          {d, i, T(I32, {1, 2}, {0, 0})}, {{I32, {1, 5}}},
          "must have the shape of indices");
  rejects(N("ScatterElements", {attrI("axis", 1)}),
          {d, i, T(F32, {1, 3}, {0, 0, 0})}, {{I32, {1, 5}}}, "input 2 is F32");
  rejects(N("ScatterElements", {attrI("axis", 1)}), {d, i, u}, {{I32, {1, 3}}},
          "expected I32 [1,5]");
}

TEST(HostKernels, GatherND) {
  // Operators.md examples 1-5.
  Tensor d2 = T(I32, {2, 2}, {0, 1, 2, 3});
  expectSame(
      ok(N("GatherND"), {d2, T(I64, {2, 2}, {0, 0, 1, 1})}, {{I32, {2}}}),
      {0, 3});
  expectSame(ok(N("GatherND"), {d2, T(I64, {2, 1}, {1, 0})}, {{I32, {2, 2}}}),
             {2, 3, 0, 1});
  Tensor d3 = T(F32, {2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7});
  expectSame(
      ok(N("GatherND"), {d3, T(I64, {2, 2}, {0, 1, 1, 0})}, {{F32, {2, 2}}}),
      {2, 3, 4, 5});
  expectSame(ok(N("GatherND"), {d3, T(I64, {2, 1, 2}, {0, 1, 1, 0})},
                {{F32, {2, 1, 2}}}),
             {2, 3, 4, 5});
  expectSame(ok(N("GatherND", {attrI("batch_dims", 1)}),
                {d3, T(I64, {2, 1}, {1, 0})}, {{F32, {2, 2}}}),
             {2, 3, 4, 5});
  // Negative index.
  expectSame(ok(N("GatherND"), {d2, T(I64, {1, 2}, {-1, -2})}, {{I32, {1}}}),
             {2});
  runFails(N("GatherND"), {d2, T(I64, {1, 2}, {0, 2})}, {{I32, {1}}},
           "index 2 out of range [-2, 2) on axis 1");
  rejects(N("GatherND"), {d2, T(I32, {1, 2}, {0, 0})}, {{I32, {1}}},
          "indices must be I64");
  rejects(N("GatherND"), {d2, T(I64, {1, 3}, {0, 0, 0})}, {{I32, {1}}},
          "last dimension 3 out of range [1, 2]");
  rejects(N("GatherND", {attrI("batch_dims", 1)}),
          {d3, T(I64, {3, 1}, {0, 0, 0})}, {{F32, {3, 2}}},
          "batch dimension 0 differs");
  rejects(N("GatherND"), {d2, T(I64, {2, 2}, {0, 0, 1, 1})}, {{I32, {2, 1}}},
          "expected I32 [2]");
}

TEST(HostKernels, ScatterND) {
  // Operators.md example 1.
  Tensor d = T(I64, {8}, {1, 2, 3, 4, 5, 6, 7, 8});
  Tensor i = T(I64, {4, 1}, {4, 3, 1, 7}), u = T(I64, {4}, {9, 10, 11, 12});
  expectSame(ok(N("ScatterND"), {d, i, u}, {{I64, {8}}}),
             {1, 11, 3, 10, 9, 6, 7, 12});
  // Slices, with add and mul reductions on a duplicated index.
  Tensor m = T(F32, {2, 2}, {1, 2, 3, 4});
  Tensor ii = T(I64, {2, 1}, {1, 1}), uu = T(F32, {2, 2}, {10, 20, 2, 3});
  expectSame(ok(N("ScatterND", {attrS("reduction", "add")}), {m, ii, uu},
                {{F32, {2, 2}}}),
             {1, 2, 15, 27});
  expectSame(ok(N("ScatterND", {attrS("reduction", "mul")}), {m, ii, uu},
                {{F32, {2, 2}}}),
             {1, 2, 60, 240});
  runFails(N("ScatterND"), {d, T(I64, {1, 1}, {8}), T(I64, {1}, {0})},
           {{I64, {8}}}, "index 8 out of range [-8, 8) on axis 0");
  rejects(N("ScatterND"), {d, i, T(I64, {3}, {0, 0, 0})}, {{I64, {8}}},
          "updates are [3], expected [4]");
  rejects(N("ScatterND"), {d, i, u}, {{I64, {4}}}, "expected I64 [8]");
}

TEST(HostKernels, Gather) {
  // Operators.md: axis 0 and axis 1.
  Tensor d = T(F32, {3, 2}, {1.0, 1.2, 2.3, 3.4, 4.5, 5.7});
  expectSame(
      ok(N("Gather"), {d, T(I64, {2, 2}, {0, 1, 1, 2})}, {{F32, {2, 2, 2}}}),
      {1.0, 1.2f, 2.3f, 3.4f, 2.3f, 3.4f, 4.5, 5.7f});
  Tensor e = T(I8, {3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  expectSame(ok(N("Gather", {attrI("axis", 1)}), {e, T(I32, {1, 2}, {0, -1})},
                {{I8, {3, 1, 2}}}),
             {1, 3, 4, 6, 7, 9});
  // Scalar indices drop the axis.
  expectSame(ok(N("Gather"), {e, T(I64, {}, {2})}, {{I8, {3}}}), {7, 8, 9});
  runFails(N("Gather"), {e, T(I64, {1}, {3})}, {{I8, {1, 3}}},
           "Gather: index 3 out of range [-3, 3) on axis 0");
  rejects(N("Gather", {attrI("axis", -3)}), {e, T(I64, {1}, {0})},
          {{I8, {1, 3}}}, "axis -3 out of range");
  rejects(N("Gather"), {e, T(I64, {1}, {0})}, {{I8, {3, 1}}},
          "expected I8 [1,3]");
}

TEST(HostKernels, OneHot) {
  // indices [0, -1, 5 (out of range), 1], depth 3, values [off=0, on=7].
  Tensor idx = T(I64, {4}, {0, -1, 5, 1}), depth = T(F32, {}, {3});
  Tensor vals = T(I32, {2}, {0, 7});
  expectSame(ok(N("OneHot"), {idx, depth, vals}, {{I32, {4, 3}}}),
             {7, 0, 0, 0, 0, 7, 0, 0, 0, 0, 7, 0});
  // axis 0: [3, 4].
  expectSame(
      ok(N("OneHot", {attrI("axis", 0)}), {idx, depth, vals}, {{I32, {3, 4}}}),
      {7, 0, 0, 0, 0, 0, 0, 7, 0, 7, 0, 0});
  // Float indices truncate.
  expectSame(ok(N("OneHot"),
                {T(F32, {1}, {1.7}), T(I64, {1}, {2}), T(F32, {2}, {-1, 1})},
                {{F32, {1, 2}}}),
             {-1, 1});
  runFails(N("OneHot"), {idx, T(I64, {}, {4}), vals}, {{I32, {4, 3}}},
           "depth 4 does not match output");
  rejects(N("OneHot", {attrI("axis", 2)}), {idx, depth, vals}, {{I32, {4, 3}}},
          "axis 2 out of range [-2, 2)");
  rejects(N("OneHot"), {idx, depth, T(I32, {3}, {0, 1, 2})}, {{I32, {4, 3}}},
          "values must have shape [2]");
  rejects(N("OneHot"), {idx, depth, vals}, {{I32, {5, 3}}}, "does not extend");
  rejects(N("OneHot"), {idx, depth, vals}, {{F32, {4, 3}}},
          "expected I32 of rank 2");
}

//===----------------------------------------------------------------------===//
// Trilu, CumSum, Hardmax, TopK, Range, EyeLike, ReduceProd
//===----------------------------------------------------------------------===//

TEST(HostKernels, Trilu) {
  Tensor x = T(I64, {3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  expectSame(ok(N("Trilu"), {x}, {{I64, {3, 3}}}), {1, 2, 3, 0, 5, 6, 0, 0, 9});
  expectSame(ok(N("Trilu", {attrI("upper", 0)}), {x}, {{I64, {3, 3}}}),
             {1, 0, 0, 4, 5, 0, 7, 8, 9});
  expectSame(ok(N("Trilu"), {x, T(I64, {}, {1})}, {{I64, {3, 3}}}),
             {0, 2, 3, 0, 0, 6, 0, 0, 0});
  expectSame(ok(N("Trilu", {attrI("upper", 0)}), {x, T(I64, {}, {-1})},
                {{I64, {3, 3}}}),
             {0, 0, 0, 4, 0, 0, 7, 8, 0});
  // Batched, non-square, huge k.
  expectSame(ok(N("Trilu"),
                {T(F32, {2, 1, 2}, {1, 2, 3, 4}), T(I64, {}, {-1e18})},
                {{F32, {2, 1, 2}}}),
             {1, 2, 3, 4});
  expectSame(
      ok(N("Trilu"), {T(F32, {1, 2}, {1, 2}), absent()}, {{F32, {1, 2}}}),
      {1, 2});
  rejects(N("Trilu"), {T(F32, {3}, {1, 2, 3})}, {{F32, {3}}}, "rank >= 2");
  rejects(N("Trilu"), {x, T(I32, {}, {1})}, {{I64, {3, 3}}},
          "unsupported element type I32");
  rejects(N("Trilu"), {x}, {{I64, {3, 2}}}, "expected I64 [3,3]");
}

/// Shape and Size read the input's shape, never its data (the compiler
/// runs them on values whose shape depends on the data).
TEST(HostKernels, ShapeAndSize) {
  Tensor x = T(F32, {2, 3, 4}, std::vector<double>(24, 1.0));
  expectSame(ok(N("Shape"), {x}, {{I64, {3}}}), {2, 3, 4});
  // Shape-15's start and end: negative ones count from the end, both clamp
  // to [0, rank], and an empty range gives an empty result.
  expectSame(ok(N("Shape", {attrI("start", -2)}), {x}, {{I64, {2}}}), {3, 4});
  expectSame(
      ok(N("Shape", {attrI("start", 1), attrI("end", -1)}), {x}, {{I64, {1}}}),
      {3});
  expectSame(ok(N("Shape", {attrI("start", -10), attrI("end", 10)}), {x},
                {{I64, {3}}}),
             {2, 3, 4});
  expectSame(
      ok(N("Shape", {attrI("start", 2), attrI("end", 1)}), {x}, {{I64, {0}}}),
      {});
  expectSame(ok(N("Shape"), {T(F32, {}, {5})}, {{I64, {0}}}), {});
  expectSame(ok(N("Size"), {x}, {{I64, {}}}), {24});
  expectSame(ok(N("Size"), {T(U8, {3, 0}, {})}, {{I64, {}}}), {0});
  rejects(N("Shape"), {x}, {{I64, {2}}}, "expected I64 [3]");
  rejects(N("Size"), {x}, {{I32, {}}}, "expected I64 []");
}

TEST(HostKernels, CumSum) {
  Tensor x = T(F32, {5}, {1, 2, 3, 4, 5}), ax = T(I32, {}, {0});
  expectSame(ok(N("CumSum"), {x, ax}, {{F32, {5}}}), {1, 3, 6, 10, 15});
  expectSame(ok(N("CumSum", {attrI("exclusive", 1)}), {x, ax}, {{F32, {5}}}),
             {0, 1, 3, 6, 10});
  expectSame(ok(N("CumSum", {attrI("reverse", 1)}), {x, ax}, {{F32, {5}}}),
             {15, 14, 12, 9, 5});
  expectSame(ok(N("CumSum", {attrI("reverse", 1), attrI("exclusive", 1)}),
                {x, ax}, {{F32, {5}}}),
             {14, 12, 9, 5, 0});
  Tensor m = T(I64, {2, 3}, {1, 2, 3, 4, 5, 6});
  expectSame(ok(N("CumSum"), {m, T(I64, {1}, {-1})}, {{I64, {2, 3}}}),
             {1, 3, 6, 4, 9, 15});
  expectSame(ok(N("CumSum"), {m, T(I64, {1}, {0})}, {{I64, {2, 3}}}),
             {1, 2, 3, 5, 7, 9});
  runFails(N("CumSum"), {m, T(I64, {1}, {2})}, {{I64, {2, 3}}},
           "CumSum: axis 2 out of range [-2, 2)");
  rejects(N("CumSum"), {T(I8, {1}, {1}), ax}, {{I8, {1}}},
          "unsupported element type I8");
  rejects(N("CumSum"), {m, T(I64, {2}, {0, 1})}, {{I64, {2, 3}}},
          "must be a scalar");
  rejects(N("CumSum"), {m, T(F32, {}, {0})}, {{I64, {2, 3}}},
          "input 1 has unsupported element type F32");
}

TEST(HostKernels, Hardmax) {
  Tensor x = T(F32, {2, 3}, {3, 0, 3, -1, 5, 2});
  // Opset 13: along axis -1; first maximum wins.
  expectSame(ok(N("Hardmax"), {x}, {{F32, {2, 3}}}), {1, 0, 0, 0, 1, 0});
  expectSame(ok(N("Hardmax", {attrI("axis", 0)}), {x}, {{F32, {2, 3}}}),
             {1, 0, 1, 0, 1, 0});
  // Opset 11: coerced to 2-D at axis. axis 0 -> one row of 6 elements.
  expectSame(ok(N("Hardmax", {attrI("axis", 0)}, 11), {x}, {{F32, {2, 3}}}),
             {0, 0, 0, 0, 1, 0});
  Tensor y = T(F64, {2, 1, 2}, {1, 4, 3, 2});
  expectSame(ok(N("Hardmax", {}, 11), {y}, {{F64, {2, 1, 2}}}), {0, 1, 1, 0});
  rejects(N("Hardmax"), {T(I32, {2}, {1, 2})}, {{I32, {2}}},
          "unsupported element type I32");
  rejects(N("Hardmax", {attrI("axis", 2)}), {x}, {{F32, {2, 3}}},
          "axis 2 out of range");
  rejects(N("Hardmax"), {x}, {{F32, {3, 2}}}, "expected F32 [2,3]");
}

TEST(HostKernels, TopK) {
  Tensor x = T(F32, {2, 4}, {1, 4, 2, 4, 0, -1, 3, 3});
  Tensor k2 = T(I64, {1}, {2});
  Result r = exec(N("TopK"), {x, k2}, {{F32, {2, 2}}, {I64, {2, 2}}});
  ASSERT_TRUE(r.ran) << r.why;
  // Ties: the lower index first.
  expectSame(values(r.outs[0]), {4, 4, 3, 3});
  expectSame(values(r.outs[1]), {1, 3, 2, 3});
  EXPECT_GT(r.work.scalarOps, 0u);
  r = exec(N("TopK", {attrI("largest", 0)}), {x, k2},
           {{F32, {2, 2}}, {I64, {2, 2}}});
  ASSERT_TRUE(r.ran) << r.why;
  expectSame(values(r.outs[0]), {1, 2, -1, 0});
  expectSame(values(r.outs[1]), {0, 2, 1, 0});
  // axis 0, integer type.
  r = exec(N("TopK", {attrI("axis", 0)}),
           {T(I32, {3, 1}, {5, 9, 7}), T(I64, {1}, {1})},
           {{I32, {1, 1}}, {I64, {1, 1}}});
  ASSERT_TRUE(r.ran) << r.why;
  expectSame(values(r.outs[0]), {9});
  expectSame(values(r.outs[1]), {1});
  // Opset 1: k attribute.
  r = exec(N("TopK", {attrI("k", 1)}, 1), {x}, {{F32, {2, 1}}, {I64, {2, 1}}});
  ASSERT_TRUE(r.ran) << r.why;
  expectSame(values(r.outs[0]), {4, 3});
  // NaN counts as the largest.
  r = exec(N("TopK"), {T(F32, {3}, {1, kNaN, 2}), T(I64, {1}, {2})},
           {{F32, {2}}, {I64, {2}}});
  ASSERT_TRUE(r.ran) << r.why;
  expectSame(values(r.outs[1]), {1, 2});
  runFails(N("TopK"), {x, T(I64, {1}, {3})}, {{F32, {2, 2}}, {I64, {2, 2}}},
           "K = 3 does not match output");
  rejects(N("TopK"), {x, T(I32, {1}, {2})}, {{F32, {2, 2}}, {I64, {2, 2}}},
          "K must be an I64 tensor");
  rejects(N("TopK"), {x, k2}, {{F32, {2, 5}}, {I64, {2, 5}}},
          "does not fit input");
  rejects(N("TopK"), {x, k2}, {{F32, {3, 2}}, {I64, {3, 2}}},
          "does not fit input");
  rejects(N("TopK"), {x, k2}, {{F32, {2, 2}}, {I32, {2, 2}}},
          "expected I64 [2,2]");
  rejects(N("TopK", {attrI("axis", 2)}), {x, k2},
          {{F32, {2, 2}}, {I64, {2, 2}}}, "axis 2 out of range");
}

TEST(HostKernels, Range) {
  expectSame(ok(N("Range"),
                {T(I32, {}, {10}), T(I32, {}, {4}), T(I32, {}, {-3})},
                {{I32, {2}}}),
             {10, 7});
  expectSame(ok(N("Range"),
                {T(F32, {}, {1}), T(F32, {}, {2}), T(F32, {}, {0.25})},
                {{F32, {4}}}),
             {1, 1.25, 1.5, 1.75});
  // Empty: limit below start with a positive delta.
  expectSame(ok(N("Range"), {T(I64, {}, {5}), T(I64, {}, {1}), T(I64, {}, {2})},
                {{I64, {0}}}),
             {});
  runFails(N("Range"), {T(I16, {}, {0}), T(I16, {}, {5}), T(I16, {}, {2})},
           {{I16, {2}}}, "give 3 elements, the output has 2");
  runFails(N("Range"), {T(I16, {}, {0}), T(I16, {}, {5}), T(I16, {}, {0})},
           {{I16, {2}}}, "delta is 0");
  rejects(N("Range"), {T(I16, {}, {0}), T(I32, {}, {5}), T(I16, {}, {1})},
          {{I16, {5}}}, "input 1 is I32");
  rejects(N("Range"), {T(U8, {}, {0}), T(U8, {}, {5}), T(U8, {}, {1})},
          {{U8, {5}}}, "unsupported element type U8");
  rejects(N("Range"), {T(I32, {}, {0}), T(I32, {}, {5}), T(I32, {}, {1})},
          {{I32, {5, 1}}}, "expected I32 of rank 1");
}

TEST(HostKernels, EyeLike) {
  Tensor x = T(I32, {2, 3}, {9, 9, 9, 9, 9, 9});
  expectSame(ok(N("EyeLike"), {x}, {{I32, {2, 3}}}), {1, 0, 0, 0, 1, 0});
  expectSame(ok(N("EyeLike", {attrI("k", 1), attrI("dtype", 1)}), {x},
                {{F32, {2, 3}}}),
             {0, 1, 0, 0, 0, 1});
  expectSame(ok(N("EyeLike", {attrI("k", -1), attrI("dtype", 9)}), {x},
                {{Bool, {2, 3}}}),
             {0, 0, 0, 1, 0, 0});
  rejects(N("EyeLike"), {T(I32, {3}, {0, 0, 0})}, {{I32, {3}}},
          "input must be 2-D");
  rejects(N("EyeLike", {attrI("dtype", 1)}), {x}, {{I32, {2, 3}}},
          "expected F32 [2,3]");
  rejects(N("EyeLike", {attrI("dtype", 8)}), {x}, {{I32, {2, 3}}},
          "unsupported dtype 8");
}

TEST(HostKernels, ReduceProd) {
  Tensor x = T(F32, {2, 3}, {1, 2, 3, 4, 5, 6});
  expectSame(ok(N("ReduceProd"), {x}, {{F32, {1, 1}}}), {720});
  expectSame(ok(N("ReduceProd", {attrInts("axes", {1}), attrI("keepdims", 0)}),
                {x}, {{F32, {2}}}),
             {6, 120});
  expectSame(
      ok(N("ReduceProd", {attrInts("axes", {-2})}), {x}, {{F32, {1, 3}}}),
      {4, 10, 18});
  expectSame(ok(N("ReduceProd", {attrI("keepdims", 0)}), {T(I64, {2}, {-3, 7})},
                {{I64, {}}}),
             {-21});
  // The product of an empty set is 1.
  expectSame(ok(N("ReduceProd", {attrInts("axes", {0})}), {T(F32, {0, 2}, {})},
                {{F32, {1, 2}}}),
             {1, 1});
  rejects(N("ReduceProd", {attrInts("axes", {2})}), {x}, {{F32, {2, 3}}},
          "axis 2 out of range");
  rejects(N("ReduceProd", {attrInts("axes", {1, -1})}), {x}, {{F32, {2, 1}}},
          "repeated");
  rejects(N("ReduceProd"), {x}, {{F32, {}}}, "expected F32 [1,1]");
  rejects(N("ReduceProd"), {T(I8, {1}, {1})}, {{I8, {1}}},
          "unsupported element type I8");
}

//===----------------------------------------------------------------------===//
// Elementwise arithmetic
//===----------------------------------------------------------------------===//

TEST(HostKernels, AddSubMulDiv) {
  Tensor a = T(F32, {2, 2}, {1, 2, 3, 4}), b = T(F32, {2}, {10, 20});
  expectSame(ok(N("Add"), {a, b}, {{F32, {2, 2}}}), {11, 22, 13, 24});
  expectSame(ok(N("Sub"), {a, b}, {{F32, {2, 2}}}), {-9, -18, -7, -16});
  expectSame(ok(N("Mul"), {a, b}, {{F32, {2, 2}}}), {10, 40, 30, 80});
  expectSame(ok(N("Div"), {b, a}, {{F32, {2, 2}}}), {10, 10, 10 / 3.0f, 5});
  // Integers: division truncates toward zero; overflow wraps.
  Tensor p = T(I32, {4}, {7, -7, 7, -7}), q = T(I32, {4}, {2, 2, -2, -2});
  expectSame(ok(N("Div"), {p, q}, {{I32, {4}}}), {3, -3, -3, 3});
  expectSame(
      ok(N("Add"), {T(I8, {2}, {127, -128}), T(I8, {}, {1})}, {{I8, {2}}}),
      {-128, -127});
  expectSame(
      ok(N("Mul"), {T(U16, {1}, {65535}), T(U16, {1}, {65535})}, {{U16, {1}}}),
      {1});
  expectSame(ok(N("Sub"), {T(U8, {1}, {1}), T(U8, {1}, {2})}, {{U8, {1}}}),
             {255});
  expectSame(
      ok(N("Div"), {T(I64, {1}, {-9e18}), T(I64, {1}, {-1})}, {{I64, {1}}}),
      {9e18});
  // F16: 1.5 (0x3E00) + 0.25 (0x3400) = 1.75 (0x3F00).
  expectSame(ok(N("Add"), {T(F16, {1}, {0x3E00}), T(F16, {1}, {0x3400})},
                {{F16, {1}}}),
             {0x3F00});
  // BF16: 2 (0x4000) * 3 (0x4040) = 6 (0x40C0).
  expectSame(ok(N("Mul"), {T(BF16, {1}, {0x4000}), T(BF16, {1}, {0x4040})},
                {{BF16, {1}}}),
             {0x40C0});
  runFails(N("Div"), {p, T(I32, {4}, {1, 0, 1, 1})}, {{I32, {4}}},
           "Div: integer division by zero");
  Result r = exec(N("Add"), {a, b}, {{F32, {2, 2}}});
  EXPECT_EQ(r.work.vectorOps, 4u);
  EXPECT_EQ(r.work.laneBytes, 4u);
  rejects(N("Add"), {T(Bool, {1}, {1}), T(Bool, {1}, {1})}, {{Bool, {1}}},
          "unsupported element type Bool");
  rejects(N("Add"), {a, b}, {{F32, {2}}}, "expected F32 [2,2]");
  rejects(N("Mul"), {a, T(F64, {2}, {1, 1})}, {{F32, {2, 2}}},
          "input 1 is F64");
  rejects(N("Add", {}, 13), {T(I8, {1}, {1}), T(I8, {1}, {1})}, {{I8, {1}}},
          "unsupported element type I8");
}

TEST(HostKernels, VariadicMaxMinSumMean) {
  Tensor a = T(F32, {3}, {1, 5, kNaN}), b = T(F32, {3}, {4, 2, 0}),
         c = T(F32, {1}, {3});
  expectSame(ok(N("Max"), {a, b, c}, {{F32, {3}}}), {4, 5, kNaN});
  expectSame(ok(N("Min"), {a, b, c}, {{F32, {3}}}), {1, 2, kNaN});
  expectSame(ok(N("Max"), {b, a}, {{F32, {3}}}), {4, 5, kNaN});
  expectSame(ok(N("Sum"), {a, b, c}, {{F32, {3}}}), {8, 10, kNaN});
  expectSame(ok(N("Mean"), {b, c}, {{F32, {3}}}), {3.5, 2.5, 1.5});
  expectSame(ok(N("Sum"), {b}, {{F32, {3}}}), {4, 2, 0});
  expectSame(
      ok(N("Max"), {T(U32, {2}, {1, 4e9}), T(U32, {}, {7})}, {{U32, {2}}}),
      {7, 4e9});
  expectSame(ok(N("Min"), {T(I16, {2, 1}, {-5, 5}), T(I16, {2}, {0, 9})},
                {{I16, {2, 2}}}),
             {-5, -5, 0, 5});
  rejects(N("Sum"), {T(I32, {1}, {1})}, {{I32, {1}}},
          "unsupported element type I32");
  rejects(N("Max"), {}, {{F32, {1}}}, "expects 1 to");
  rejects(N("Max", {}, 11), {T(I32, {1}, {1})}, {{I32, {1}}},
          "unsupported element type I32");
  rejects(N("Mean"), {b, T(F32, {2}, {1, 2})}, {{F32, {3}}},
          "do not broadcast");
}

TEST(HostKernels, UnaryAbsNegSign) {
  Tensor x = T(F32, {4}, {-2.5, 0, 3, kNaN});
  expectSame(ok(N("Abs"), {x}, {{F32, {4}}}), {2.5, 0, 3, kNaN});
  expectSame(ok(N("Neg"), {x}, {{F32, {4}}}), {2.5, 0, -3, kNaN});
  expectSame(ok(N("Sign"), {x}, {{F32, {4}}}), {-1, 0, 1, kNaN});
  Tensor i = T(I8, {3}, {-128, -1, 5});
  expectSame(ok(N("Abs"), {i}, {{I8, {3}}}), {-128, 1, 5});
  expectSame(ok(N("Neg"), {i}, {{I8, {3}}}), {-128, 1, -5});
  expectSame(ok(N("Sign"), {i}, {{I8, {3}}}), {-1, -1, 1});
  expectSame(ok(N("Sign"), {T(U64, {2}, {0, 9})}, {{U64, {2}}}), {0, 1});
  rejects(N("Neg"), {T(U8, {1}, {1})}, {{U8, {1}}},
          "unsupported element type U8");
  rejects(N("Abs"), {x}, {{F32, {3}}}, "expected F32 [4]");
}

TEST(HostKernels, Pow) {
  expectSame(ok(N("Pow"), {T(F32, {3}, {2, 4, -8}), T(F32, {3}, {3, 0.5, 0})},
                {{F32, {3}}}),
             {8, 2, 1});
  // Exponent of another type, broadcast.
  expectSame(
      ok(N("Pow"), {T(I64, {3}, {2, -3, 10}), T(I8, {}, {3})}, {{I64, {3}}}),
      {8, -27, 1000});
  expectSame(
      ok(N("Pow"), {T(I32, {2}, {2, 1}), T(F32, {1}, {-1})}, {{I32, {2}}}),
      {0, 1});
  expectSame(ok(N("Pow"), {T(F64, {1}, {9}), T(U8, {1}, {2})}, {{F64, {1}}}),
             {81});
  rejects(N("Pow"), {T(U8, {1}, {2}), T(U8, {1}, {2})}, {{U8, {1}}},
          "input 0 has unsupported element type U8");
  rejects(N("Pow"), {T(F32, {1}, {2}), T(I32, {1}, {2})}, {{I32, {1}}},
          "expected F32 [1]");
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

TEST(HostKernels, IdentityFlattenReshape) {
  Tensor x = T(I16, {2, 3}, {1, 2, 3, 4, 5, 6});
  expectSame(ok(N("Identity"), {x}, {{I16, {2, 3}}}), {1, 2, 3, 4, 5, 6});
  rejects(N("Identity"), {x}, {{I16, {3, 2}}}, "expected I16 [2,3]");
  Tensor y = T(F32, {2, 3, 2}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  expectSame(ok(N("Flatten"), {y}, {{F32, {2, 6}}}),
             {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  ok(N("Flatten", {attrI("axis", 0)}), {y}, {{F32, {1, 12}}});
  ok(N("Flatten", {attrI("axis", 3)}), {y}, {{F32, {12, 1}}});
  ok(N("Flatten", {attrI("axis", -1)}), {y}, {{F32, {6, 2}}});
  rejects(N("Flatten", {attrI("axis", 4)}), {y}, {{F32, {12, 1}}},
          "axis 4 out of range");
  rejects(N("Flatten"), {y}, {{F32, {6, 2}}}, "expected F32 [2,6]");
  // Reshape with 0 (copy) and -1 (inferred).
  expectSame(ok(N("Reshape"), {x, T(I64, {3}, {0, -1, 1})}, {{I16, {2, 3, 1}}}),
             {1, 2, 3, 4, 5, 6});
  ok(N("Reshape", {attrI("allowzero", 1)}),
     {T(F32, {0, 3}, {}), T(I64, {2}, {3, 0})}, {{F32, {3, 0}}});
  runFails(N("Reshape"), {x, T(I64, {2}, {2, 4})}, {{I16, {3, 2}}},
           "shape data gives [2,4]");
  runFails(N("Reshape"), {x, T(I64, {2}, {-1, -1})}, {{I16, {3, 2}}},
           "more than one -1");
  runFails(N("Reshape"), {x, T(I64, {3}, {1, 1, 0})}, {{I16, {1, 1, 6}}},
           "input has rank 2");
  rejects(N("Reshape"), {x, T(I64, {2}, {3, 2})}, {{I16, {3, 3}}},
          "does not hold input");
  rejects(N("Reshape"), {x, T(I64, {3}, {3, 2, 1})}, {{I16, {3, 2}}},
          "shape has 3 entries");
  rejects(N("Reshape"), {x, T(I32, {2}, {3, 2})}, {{I16, {3, 2}}},
          "unsupported element type I32");
}

TEST(HostKernels, SqueezeUnsqueeze) {
  Tensor x = T(U8, {1, 3, 1}, {1, 2, 3});
  expectSame(ok(N("Squeeze"), {x}, {{U8, {3}}}), {1, 2, 3});
  ok(N("Squeeze"), {x, T(I64, {1}, {-1})}, {{U8, {1, 3}}});
  ok(N("Squeeze", {attrInts("axes", {0})}, 11), {x}, {{U8, {3, 1}}});
  runFails(N("Squeeze"), {x, T(I64, {1}, {1})}, {{U8, {1, 3}}},
           "cannot squeeze axis 1 of size 3");
  runFails(N("Squeeze"), {x, T(I64, {1}, {0})}, {{U8, {1, 3}}},
           "axes give [3,1], the output is [1,3]");
  runFails(N("Squeeze"), {x, T(I64, {1}, {3})}, {{U8, {3, 1}}},
           "axis 3 out of range");
  rejects(N("Squeeze"), {x}, {{U8, {1, 3}}}, "expected U8 [3]");
  rejects(N("Squeeze"), {x, T(I64, {1}, {0})}, {{U8, {3}}}, "must have rank 2");
  Tensor y = T(F32, {2}, {1, 2});
  expectSame(ok(N("Unsqueeze"), {y, T(I64, {2}, {0, -1})}, {{F32, {1, 2, 1}}}),
             {1, 2});
  ok(N("Unsqueeze", {attrInts("axes", {1})}, 11), {y}, {{F32, {2, 1}}});
  runFails(N("Unsqueeze"), {y, T(I64, {2}, {0, 0})}, {{F32, {1, 1, 2}}},
           "repeated");
  runFails(N("Unsqueeze"), {y, T(I64, {1}, {0})}, {{F32, {2, 1}}},
           "axes give [1,2]");
  rejects(N("Unsqueeze"), {y}, {{F32, {1, 2}}}, "expects 2 inputs");
  rejects(N("Unsqueeze", {}, 11), {y}, {{F32, {1, 2}}},
          "attribute 'axes' is required");
  rejects(N("Unsqueeze", {attrInts("axes", {3})}, 11), {y}, {{F32, {1, 2}}},
          "axis 3 out of range");
}

TEST(HostKernels, Concat) {
  Tensor a = T(I32, {2, 1}, {1, 2}), b = T(I32, {2, 2}, {3, 4, 5, 6});
  expectSame(ok(N("Concat", {attrI("axis", 1)}), {a, b}, {{I32, {2, 3}}}),
             {1, 3, 4, 2, 5, 6});
  expectSame(ok(N("Concat", {attrI("axis", -2)}), {b, b}, {{I32, {4, 2}}}),
             {3, 4, 5, 6, 3, 4, 5, 6});
  rejects(N("Concat"), {a, b}, {{I32, {2, 3}}}, "attribute 'axis' is required");
  rejects(N("Concat", {attrI("axis", 0)}), {a, b}, {{I32, {4, 1}}},
          "does not fit input 0");
  rejects(N("Concat", {attrI("axis", 1)}), {a, T(F32, {2, 2}, {0, 0, 0, 0})},
          {{I32, {2, 3}}}, "input 1 is F32");
  rejects(N("Concat", {attrI("axis", 1)}), {a, b}, {{I32, {2, 4}}},
          "expected I32 [2,3]");
}

TEST(HostKernels, Slice) {
  Tensor x = T(F32, {2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
  // Operators.md example 1: starts [1,0], ends [2,3], steps [1,2].
  expectSame(ok(N("Slice"),
                {x, T(I64, {2}, {1, 0}), T(I64, {2}, {2, 3}),
                 T(I64, {2}, {0, 1}), T(I64, {2}, {1, 2})},
                {{F32, {1, 2}}}),
             {5, 7});
  // Example 2: ends clamp, negative start.
  expectSame(ok(N("Slice"), {x, T(I32, {2}, {0, 1}), T(I32, {2}, {-1, 1000})},
                {{F32, {1, 3}}}),
             {2, 3, 4});
  // Negative step reverses; INT64_MIN-ish end means "through the start".
  expectSame(ok(N("Slice"),
                {x, T(I64, {1}, {-1}), T(I64, {1}, {-1e18}), T(I64, {1}, {1}),
                 T(I64, {1}, {-1})},
                {{F32, {2, 4}}}),
             {4, 3, 2, 1, 8, 7, 6, 5});
  // Absent optional axes with steps present.
  expectSame(
      ok(N("Slice"),
         {x, T(I64, {1}, {1}), T(I64, {1}, {5}), absent(), T(I64, {1}, {1})},
         {{F32, {1, 4}}}),
      {5, 6, 7, 8});
  // Opset 1: attributes.
  expectSame(ok(N("Slice",
                  {attrInts("starts", {2}), attrInts("ends", {4}),
                   attrInts("axes", {1})},
                  9),
                {x}, {{F32, {2, 2}}}),
             {3, 4, 7, 8});
  runFails(N("Slice"), {x, T(I64, {1}, {0}), T(I64, {1}, {2})}, {{F32, {1, 4}}},
           "give [2,4], the output is [1,4]");
  runFails(N("Slice"),
           {x, T(I64, {1}, {0}), T(I64, {1}, {2}), T(I64, {1}, {0}),
            T(I64, {1}, {0})},
           {{F32, {2, 4}}}, "step 0");
  runFails(N("Slice"),
           {x, T(I64, {2}, {0, 0}), T(I64, {2}, {1, 1}), T(I64, {2}, {1, -1})},
           {{F32, {2, 1}}}, "repeated");
  runFails(N("Slice"),
           {x, T(I64, {1}, {0}), T(I64, {1}, {1}), T(I64, {1}, {2})},
           {{F32, {2, 4}}}, "axis 2 out of range");
  // Extreme steps and empty axes neither overflow nor index out of bounds.
  Tensor steps;
  steps.type = I64;
  steps.shape = {1};
  steps.bytes.resize(8);
  int64_t minStep = std::numeric_limits<int64_t>::min();
  std::memcpy(steps.bytes.data(), &minStep, 8);
  expectSame(
      ok(N("Slice"),
         {x, T(I64, {1}, {3}), T(I64, {1}, {-1e18}), T(I64, {1}, {1}), steps},
         {{F32, {2, 1}}}),
      {4, 8});
  expectSame(ok(N("Slice"),
                {T(F32, {0, 2}, {}), T(I64, {1}, {-1}), T(I64, {1}, {-9}),
                 T(I64, {1}, {0}), T(I64, {1}, {-1})},
                {{F32, {0, 2}}}),
             {});
  rejects(N("Slice"), {x, T(I64, {1}, {0}), T(I64, {2}, {1, 1})},
          {{F32, {1, 4}}}, "must have the shape of starts");
  rejects(N("Slice"), {x, T(I64, {1}, {0}), T(I32, {1}, {1})}, {{F32, {1, 4}}},
          "input 2 is I32");
  rejects(N("Slice"), {x, T(I64, {1}, {0}), T(I64, {1}, {1})}, {{F32, {1}}},
          "expected F32 of rank 2");
}

TEST(HostKernels, ExpandTileTranspose) {
  Tensor x = T(I32, {3, 1}, {1, 2, 3});
  expectSame(ok(N("Expand"), {x, T(I64, {2}, {1, 2})}, {{I32, {3, 2}}}),
             {1, 1, 2, 2, 3, 3});
  expectSame(ok(N("Expand"), {x, T(I64, {3}, {2, 1, 1})}, {{I32, {2, 3, 1}}}),
             {1, 2, 3, 1, 2, 3});
  runFails(N("Expand"), {x, T(I64, {2}, {3, 3})}, {{I32, {3, 2}}},
           "do not give the output [3,2]");
  runFails(N("Expand"), {x, T(I64, {2}, {2, 2})}, {{I32, {3, 2}}},
           "do not give the output");
  rejects(N("Expand"), {x, T(I64, {3}, {1, 1, 2})}, {{I32, {3, 2}}},
          "expected I32 of rank 3");
  rejects(N("Expand"), {x, T(I64, {2}, {1, 2})}, {{I32, {2, 2}}},
          "is not a broadcast of input");

  Tensor m = T(U16, {2, 2}, {1, 2, 3, 4});
  expectSame(ok(N("Tile"), {m, T(I64, {2}, {1, 2})}, {{U16, {2, 4}}}),
             {1, 2, 1, 2, 3, 4, 3, 4});
  expectSame(ok(N("Tile"), {m, T(I64, {2}, {2, 1})}, {{U16, {4, 2}}}),
             {1, 2, 3, 4, 1, 2, 3, 4});
  ok(N("Tile"), {m, T(I64, {2}, {0, 1})}, {{U16, {0, 2}}});
  runFails(N("Tile"), {m, T(I64, {2}, {1, 3})}, {{U16, {2, 4}}},
           "repeats [1,3] do not give [2,4]");
  runFails(N("Tile"), {m, T(I64, {2}, {-1, 2})}, {{U16, {2, 4}}},
           "do not give");
  runFails(N("Tile"), {m, T(I64, {2}, {int64_t(1) << 62, 1})}, {{U16, {2, 2}}},
           "do not give");
  rejects(N("Tile"), {m, T(I64, {1}, {2})}, {{U16, {4, 2}}},
          "repeats has 1 entries");
  rejects(N("Tile"), {m, T(I64, {2}, {1, 1})}, {{U16, {2, 3}}},
          "does not tile input");

  Tensor t = T(F64, {2, 3}, {1, 2, 3, 4, 5, 6});
  expectSame(ok(N("Transpose"), {t}, {{F64, {3, 2}}}), {1, 4, 2, 5, 3, 6});
  Tensor u = T(I8, {1, 2, 3}, {1, 2, 3, 4, 5, 6});
  expectSame(
      ok(N("Transpose", {attrInts("perm", {1, 2, 0})}), {u}, {{I8, {2, 3, 1}}}),
      {1, 2, 3, 4, 5, 6});
  expectSame(
      ok(N("Transpose", {attrInts("perm", {2, 0, 1})}), {u}, {{I8, {3, 1, 2}}}),
      {1, 4, 2, 5, 3, 6});
  rejects(N("Transpose", {attrInts("perm", {0, 0, 1})}), {u}, {{I8, {1, 1, 2}}},
          "is not a permutation");
  rejects(N("Transpose", {attrInts("perm", {0, 1})}), {u}, {{I8, {1, 2}}},
          "does not fit rank 3");
  rejects(N("Transpose"), {t}, {{F64, {2, 3}}}, "expected F64 [3,2]");
}

//===----------------------------------------------------------------------===//
// Reduce*, Resize / Upsample, pooling
//===----------------------------------------------------------------------===//

HostAttribute attrFs(const char *name, std::vector<float> v) {
  HostAttribute a;
  a.name = name;
  a.kind = AttributeKind::Floats;
  a.floats = std::move(v);
  return a;
}

TEST(HostKernels, ReduceFamily) {
  Tensor x = T(F32, {2, 3}, {1, 2, 3, 4, 5, 6});
  // ReduceSum: axes attribute before opset 13, an input from 13.
  expectSame(
      ok(N("ReduceSum", {attrInts("axes", {0})}, 11), {x}, {{F32, {1, 3}}}),
      {5, 7, 9});
  expectSame(ok(N("ReduceSum", {attrI("keepdims", 0)}, 13),
                {x, T(I64, {1}, {-1})}, {{F32, {2}}}),
             {6, 15});
  expectSame(ok(N("ReduceSum", {}, 13), {x}, {{F32, {1, 1}}}), {21});
  expectSame(ok(N("ReduceSum", {attrI("noop_with_empty_axes", 1)}, 13),
                {x, T(I64, {0}, {})}, {{F32, {2, 3}}}),
             {1, 2, 3, 4, 5, 6});
  expectSame(ok(N("ReduceSum", {}, 13), {x, T(I64, {0}, {})}, {{F32, {1, 1}}}),
             {21});
  // Integers wrap.
  expectSame(ok(N("ReduceSum", {}, 13), {T(U32, {2}, {4294967295.0, 2})},
                {{U32, {1}}}),
             {1});
  expectSame(ok(N("ReduceMean", {attrInts("axes", {1})}), {x}, {{F32, {2, 1}}}),
             {2, 5});
  expectSame(ok(N("ReduceMean"), {T(I32, {2}, {1, 2})}, {{I32, {1}}}), {1});
  expectSame(ok(N("ReduceMax"), {T(F64, {3}, {1, kNaN, 3})}, {{F64, {1}}}),
             {kNaN});
  expectSame(ok(N("ReduceMax", {}, 12), {T(I8, {2}, {-5, 3})}, {{I8, {1}}}),
             {3});
  expectSame(ok(N("ReduceMin", {attrI("keepdims", 0)}), {T(U8, {3}, {7, 2, 9})},
                {{U8, {}}}),
             {2});
  expectSame(ok(N("ReduceL1"), {T(I64, {2}, {-3, 4})}, {{I64, {1}}}), {7});
  expectSame(ok(N("ReduceL2"), {T(F32, {2}, {3, -4})}, {{F32, {1}}}), {5});
  expectSame(ok(N("ReduceSumSquare"), {T(F32, {2}, {3, -4})}, {{F32, {1}}}),
             {25});
  expectSame(ok(N("ReduceLogSum"), {T(F32, {2}, {0.5, 0.5})}, {{F32, {1}}}),
             {0});
  // LogSumExp is stable for large inputs.
  expectSame(
      ok(N("ReduceLogSumExp"), {T(F64, {2}, {1000, 1000})}, {{F64, {1}}}),
      {1000 + std::log(2.0)});
  // The reduction of no elements.
  Tensor e = T(F32, {0, 2}, {});
  expectSame(ok(N("ReduceMax", {attrInts("axes", {0})}), {e}, {{F32, {1, 2}}}),
             {-kInf, -kInf});
  expectSame(ok(N("ReduceMin", {attrInts("axes", {0})}), {e}, {{F32, {1, 2}}}),
             {kInf, kInf});
  expectSame(ok(N("ReduceMean", {attrInts("axes", {0})}), {e}, {{F32, {1, 2}}}),
             {kNaN, kNaN});
  expectSame(
      ok(N("ReduceLogSum", {attrInts("axes", {0})}), {e}, {{F32, {1, 2}}}),
      {-kInf, -kInf});
  // Opset 18: axes as an input for every Reduce*.
  expectSame(ok(N("ReduceMax", {}, 18), {x, T(I64, {1}, {0})}, {{F32, {1, 3}}}),
             {4, 5, 6});
  rejects(N("ReduceMax", {attrInts("axes", {0})}, 18), {x}, {{F32, {1, 3}}},
          "unknown attribute 'axes'");
  rejects(N("ReduceMean", {}, 17), {x, T(I64, {1}, {0})}, {{F32, {1, 3}}},
          "expects 1 inputs");
  rejects(N("ReduceMax", {}, 11), {T(I8, {1}, {1})}, {{I8, {1}}},
          "unsupported element type I8");
  rejects(N("ReduceSum", {}, 12), {T(BF16, {1}, {0})}, {{BF16, {1}}},
          "unsupported element type BF16");
  rejects(N("ReduceSum", {attrInts("axes", {-1})}, 10), {x}, {{F32, {2, 1}}},
          "axis -1 out of range [0, 2)");
  rejects(N("ReduceSum", {}, 13), {x, T(I64, {1, 1}, {0})}, {{F32, {1, 3}}},
          "axes must be 1-D");
  rejects(N("ReduceSum", {attrI("keepdims", 0)}, 13), {x, T(I64, {1}, {0})},
          {{F32, {1, 3}}}, "expected F32 of rank 1");
  rejects(N("ReduceSum", {}, 13), {x, T(I64, {1}, {0})}, {{F32, {3, 3}}},
          "is not a reduction of input");
  // Axes data is checked against the static output at run time.
  runFails(N("ReduceSum", {}, 13), {x, T(I64, {1}, {0})}, {{F32, {2, 1}}},
           "axes give [1,3], the output is [2,1]");
  runFails(N("ReduceSum", {}, 13), {x, T(I64, {1}, {5})}, {{F32, {2, 1}}},
           "axis 5 out of range");
  runFails(N("ReduceSum", {}, 13), {x, T(I64, {2}, {1, -1})}, {{F32, {2, 1}}},
           "repeated");
}

TEST(HostKernels, Resize) {
  Tensor x = T(F32, {1, 1, 2, 2}, {1, 2, 3, 4});
  Tensor up2 = T(F32, {4}, {1, 1, 2, 2});
  V nearest = {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4};
  // Opset 13: roi and scales optional; half_pixel, round_prefer_floor.
  expectSame(ok(N("Resize", {}, 13), {x, absent(), up2}, {{F32, {1, 1, 4, 4}}}),
             nearest);
  expectSame(ok(N("Resize", {}, 10), {x, up2}, {{F32, {1, 1, 4, 4}}}), nearest);
  Tensor v = T(F32, {1, 1, 1, 2}, {1, 3});
  Tensor s4 = T(F32, {4}, {1, 1, 1, 2});
  expectSame(ok(N("Resize", {attrS("mode", "linear")}, 13), {v, absent(), s4},
                {{F32, {1, 1, 1, 4}}}),
             {1, 1.5, 2.5, 3});
  expectSame(ok(N("Resize",
                  {attrS("mode", "linear"),
                   attrS("coordinate_transformation_mode", "asymmetric")},
                  13),
                {v, absent(), s4}, {{F32, {1, 1, 1, 4}}}),
             {1, 2, 3, 3});
  Tensor sizes3 = T(I64, {4}, {1, 1, 1, 3});
  expectSame(ok(N("Resize",
                  {attrS("mode", "linear"),
                   attrS("coordinate_transformation_mode", "align_corners")},
                  11),
                {v, T(F32, {0}, {}), T(F32, {0}, {}), sizes3},
                {{F32, {1, 1, 1, 3}}}),
             {1, 2, 3});
  // Cubic weights sum to 1: a constant stays constant.
  expectSame(ok(N("Resize", {attrS("mode", "cubic")}, 13),
                {T(F64, {1, 1, 1, 2}, {2, 2}), absent(), absent(),
                 T(I64, {4}, {1, 1, 1, 4})},
                {{F64, {1, 1, 1, 4}}}),
             {2, 2, 2, 2});
  // tf_crop_and_resize: coordinates outside the input give the
  // extrapolation value.
  expectSame(
      ok(N("Resize",
           {attrS("mode", "linear"),
            attrS("coordinate_transformation_mode", "tf_crop_and_resize"),
            attrF("extrapolation_value", 9)},
           13),
         {v, T(F32, {8}, {0, 0, 0, 0, 1, 1, 1, 2}), absent(), sizes3},
         {{F32, {1, 1, 1, 3}}}),
      {1, 3, 9});
  // Nearest moves any type, bit-exactly.
  expectSame(ok(N("Resize", {attrS("nearest_mode", "ceil")}, 13),
                {T(I64, {3}, {5, 6, 7}), absent(), T(F32, {1}, {0.5})},
                {{I64, {1}}}),
             {6});
  // Upsample: scales attribute (7), then input (9).
  Tensor u = T(I64, {1, 2}, {5, 7});
  expectSame(
      ok(N("Upsample", {attrFs("scales", {1, 2})}, 7), {u}, {{I64, {1, 4}}}),
      {5, 5, 7, 7});
  expectSame(
      ok(N("Upsample", {}, 9), {u, T(F32, {2}, {1, 2})}, {{I64, {1, 4}}}),
      {5, 5, 7, 7});
  rejects(N("Upsample", {attrFs("scales", {1, 2})}, 7), {u}, {{I64, {1, 3}}},
          "expected I64 [1,4]");
  rejects(N("Resize", {}, 13), {x, absent(), up2, T(I64, {4}, {1, 1, 4, 4})},
          {{F32, {1, 1, 4, 4}}}, "exactly one of scales and sizes");
  rejects(N("Resize", {attrS("mode", "area")}, 13), {x, absent(), up2},
          {{F32, {1, 1, 4, 4}}}, "unknown mode 'area'");
  rejects(N("Resize", {}, 13), {x, absent(), T(F32, {2}, {2, 2})},
          {{F32, {1, 1, 4, 4}}}, "scales must be 1-D with 4 elements");
  rejects(N("Resize",
            {attrS("coordinate_transformation_mode", "tf_crop_and_resize")},
            13),
          {x, absent(), up2}, {{F32, {1, 1, 4, 4}}}, "needs roi");
  rejects(N("Resize", {attrS("mode", "linear")}, 13),
          {T(Bool, {1}, {1}), absent(), T(F32, {1}, {2})}, {{Bool, {2}}},
          "unsupported element type");
  rejects(N("Resize", {}, 13), {x, absent(), up2}, {{F32, {4, 4}}},
          "of rank 4");
  runFails(N("Resize", {}, 13), {x, absent(), up2}, {{F32, {1, 1, 3, 3}}},
           "scales give [1,1,4,4], the output is [1,1,3,3]");
  runFails(N("Resize", {}, 13),
           {x, absent(), absent(), T(I64, {4}, {1, 1, 2, 3})},
           {{F32, {1, 1, 3, 3}}}, "sizes [1,1,2,3] are not the output");
  runFails(N("Resize", {}, 13), {x, absent(), T(F32, {4}, {1, 1, -1, 1})},
           {{F32, {1, 1, 0, 2}}}, "is not positive");
}

TEST(HostKernels, Pooling) {
  Tensor x = T(F32, {1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  HostNode max2 = N("MaxPool", {attrInts("kernel_shape", {2, 2})});
  expectSame(ok(max2, {x}, {{F32, {1, 1, 2, 2}}}), {5, 6, 8, 9});
  expectSame(ok(max2, {x}, {{F32, {1, 1, 2, 2}}, {I64, {1, 1, 2, 2}}}, 1),
             {4, 5, 7, 8});
  expectSame(ok(N("MaxPool", {attrInts("kernel_shape", {2, 2}),
                              attrI("storage_order", 1)}),
                {x}, {{F32, {1, 1, 2, 2}}, {I64, {1, 1, 2, 2}}}, 1),
             {4, 7, 5, 8});
  expectSame(ok(N("MaxPool", {attrInts("kernel_shape", {3, 3}),
                              attrInts("pads", {1, 1, 1, 1}),
                              attrInts("strides", {2, 2})}),
                {x}, {{F32, {1, 1, 2, 2}}}),
             {5, 6, 8, 9});
  expectSame(
      ok(N("MaxPool", {attrInts("kernel_shape", {2, 2}),
                       attrInts("strides", {2, 2}), attrI("ceil_mode", 1)}),
         {x}, {{F32, {1, 1, 2, 2}}}),
      {5, 6, 8, 9});
  expectSame(ok(N("MaxPool", {attrInts("kernel_shape", {2})}, 12),
                {T(U8, {1, 1, 3}, {200, 7, 255})}, {{U8, {1, 1, 2}}}),
             {200, 255});
  // AveragePool: count_include_pad divides by the padded window.
  HostNode avg = N("AveragePool", {attrInts("kernel_shape", {2, 2}),
                                   attrInts("pads", {1, 1, 1, 1}),
                                   attrInts("strides", {2, 2})});
  expectSame(ok(avg, {x}, {{F32, {1, 1, 2, 2}}}), {1, 2.5, 5.5, 7});
  avg.attributes.push_back(attrI("count_include_pad", 1));
  expectSame(ok(avg, {x}, {{F32, {1, 1, 2, 2}}}), {0.25, 1.25, 2.75, 7});
  Tensor l = T(F64, {1, 1, 3}, {1, 2, 3});
  expectSame(ok(N("AveragePool", {attrInts("kernel_shape", {2}),
                                  attrS("auto_pad", "SAME_UPPER")}),
                {l}, {{F64, {1, 1, 3}}}),
             {1.5, 2.5, 3});
  expectSame(ok(N("AveragePool", {attrInts("kernel_shape", {2}),
                                  attrS("auto_pad", "SAME_LOWER")}),
                {l}, {{F64, {1, 1, 3}}}),
             {1, 1.5, 2.5});
  expectSame(ok(N("AveragePool",
                  {attrInts("kernel_shape", {2}), attrS("auto_pad", "VALID")}),
                {l}, {{F64, {1, 1, 2}}}),
             {1.5, 2.5});
  // LpPool with dilations (opset 18): |1| + |3| + |7| + |9|.
  expectSame(ok(N("LpPool",
                  {attrInts("kernel_shape", {2, 2}),
                   attrInts("dilations", {2, 2}), attrI("p", 1)},
                  18),
                {x}, {{F32, {1, 1, 1, 1}}}),
             {20});
  Tensor g = T(F32, {1, 2, 2}, {1, 3, 5, 7});
  expectSame(ok(N("GlobalAveragePool"), {g}, {{F32, {1, 2, 1}}}), {2, 6});
  expectSame(ok(N("GlobalMaxPool"), {g}, {{F32, {1, 2, 1}}}), {3, 7});
  expectSame(
      ok(N("GlobalLpPool"), {T(F32, {1, 1, 2}, {3, -4})}, {{F32, {1, 1, 1}}}),
      {5});
  rejects(N("MaxPool"), {x}, {{F32, {1, 1, 2, 2}}},
          "attribute 'kernel_shape' is required");
  rejects(max2, {x}, {{F32, {1, 1, 3, 3}}}, "expected F32 [1,1,2,2]");
  rejects(N("MaxPool",
            {attrInts("kernel_shape", {2, 2}), attrInts("pads", {0, 0, 0, 0}),
             attrS("auto_pad", "VALID")}),
          {x}, {{F32, {1, 1, 2, 2}}}, "cannot be used together");
  rejects(N("MaxPool", {attrInts("kernel_shape", {4, 4})}), {x},
          {{F32, {1, 1, 0, 0}}}, "exceeds the padded input");
  rejects(N("MaxPool", {attrInts("kernel_shape", {2})}, 11),
          {T(U8, {1, 1, 3}, {1, 2, 3})}, {{U8, {1, 1, 2}}},
          "unsupported element type U8");
  rejects(N("AveragePool",
            {attrInts("kernel_shape", {2, 2}), attrInts("dilations", {2, 2})}),
          {x}, {{F32, {1, 1, 1, 1}}}, "dilations need a later opset");
  rejects(N("MaxPool", {attrInts("kernel_shape", {2, 2}),
                        attrInts("pads", {0, 0, int64_t(1) << 62, 0})}),
          {x}, {{F32, {1, 1, 2, 2}}}, "pads must be in [0, 2^32]");
  rejects(N("MaxPool", {attrInts("kernel_shape", {1 << 30, 2}),
                        attrInts("dilations", {1 << 30, 1})}),
          {x}, {{F32, {1, 1, 1, 2}}}, "is too large");
  rejects(N("GlobalMaxPool"), {T(F32, {2, 2}, {1, 2, 3, 4})}, {{F32, {2, 2}}},
          "input must be [N, C, D1, ...]");
}

//===----------------------------------------------------------------------===//
// Pad, Clip, Einsum
//===----------------------------------------------------------------------===//

TEST(HostKernels, Pad) {
  Tensor x = T(I32, {1, 3}, {1, 2, 3});
  Tensor pads = T(I64, {4}, {0, 2, 0, 1});
  expectSame(ok(N("Pad"), {x, pads}, {{I32, {1, 6}}}), {0, 0, 1, 2, 3, 0});
  expectSame(ok(N("Pad"), {x, pads, T(I32, {}, {7})}, {{I32, {1, 6}}}),
             {7, 7, 1, 2, 3, 7});
  expectSame(
      ok(N("Pad", {attrS("mode", "reflect")}), {x, pads}, {{I32, {1, 6}}}),
      {3, 2, 1, 2, 3, 2});
  expectSame(ok(N("Pad", {attrS("mode", "edge")}), {x, pads}, {{I32, {1, 6}}}),
             {1, 1, 1, 2, 3, 3});
  // Reflect repeats for pads wider than the axis (numpy.pad).
  expectSame(ok(N("Pad", {attrS("mode", "reflect")}),
                {T(F32, {2}, {1, 2}), T(I64, {2}, {3, 0})}, {{F32, {5}}}),
             {2, 1, 2, 1, 2});
  // Negative pads crop.
  expectSame(ok(N("Pad"), {x, T(I64, {4}, {0, -1, 0, 1})}, {{I32, {1, 3}}}),
             {2, 3, 0});
  // Opset 2-10: attributes; opset 18: axes.
  expectSame(ok(N("Pad", {attrInts("pads", {1, 0}), attrF("value", 1.5f)}, 10),
                {T(F32, {1}, {4})}, {{F32, {2}}}),
             {1.5, 4});
  expectSame(ok(N("Pad", {}, 18),
                {x, T(I64, {2}, {1, 0}), absent(), T(I64, {1}, {-1})},
                {{I32, {1, 4}}}),
             {0, 1, 2, 3});
  expectSame(
      ok(N("Pad"), {T(Bool, {1}, {1}), T(I64, {2}, {1, 1})}, {{Bool, {3}}}),
      {0, 1, 0});
  rejects(N("Pad", {attrS("mode", "wrap")}), {x, pads}, {{I32, {1, 6}}},
          "unknown mode 'wrap'");
  rejects(N("Pad", {attrInts("pads", {1, 0})}, 10), {x}, {{I32, {1, 4}}},
          "unsupported element type I32");
  rejects(N("Pad", {attrInts("pads", {1, 0})}, 10), {T(F32, {1}, {4})},
          {{F32, {3}}}, "expected F32 [2]");
  rejects(N("Pad"), {x, pads, T(I64, {}, {7})}, {{I32, {1, 6}}},
          "expected I32 like input 0");
  rejects(N("Pad"), {x, pads}, {{I32, {6}}}, "of rank 2");
  runFails(N("Pad"), {x, pads}, {{I32, {1, 5}}},
           "pads give [1,6], the output is [1,5]");
  runFails(N("Pad"), {x, T(I64, {2}, {0, 1})}, {{I32, {1, 6}}},
           "pads has 2 entries, expected 4");
  runFails(N("Pad"), {x, T(I64, {4}, {0, -4, 0, 0})}, {{I32, {1, 0}}},
           "do not fit axis 1");
  runFails(N("Pad", {attrS("mode", "edge")}),
           {T(F32, {0}, {}), T(I64, {2}, {1, 0})}, {{F32, {1}}},
           "cannot pad the empty axis 0");
}

TEST(HostKernels, Clip) {
  Tensor x = T(F32, {4}, {-2, 0.5, 3, kNaN});
  expectSame(ok(N("Clip"), {x, T(F32, {}, {0}), T(F32, {}, {1})}, {{F32, {4}}}),
             {0, 0.5, 1, kNaN});
  expectSame(ok(N("Clip"), {x, absent(), T(F32, {}, {1})}, {{F32, {4}}}),
             {-2, 0.5, 1, kNaN});
  expectSame(ok(N("Clip"), {x}, {{F32, {4}}}), {-2, 0.5, 3, kNaN});
  expectSame(ok(N("Clip", {attrF("min", -1)}, 6), {x}, {{F32, {4}}}),
             {-1, 0.5, 3, kNaN});
  // min > max: everything becomes max.
  expectSame(ok(N("Clip"), {x, T(F32, {}, {2}), T(F32, {}, {1})}, {{F32, {4}}}),
             {1, 1, 1, kNaN});
  expectSame(ok(N("Clip"), {T(I8, {3}, {-128, 5, 127}), T(I8, {1}, {-100})},
                {{I8, {3}}}),
             {-100, 5, 127});
  rejects(N("Clip", {}, 11), {T(I8, {1}, {1})}, {{I8, {1}}},
          "unsupported element type I8");
  rejects(N("Clip"), {x, T(F32, {2}, {0, 1})}, {{F32, {4}}},
          "input 1 must be a scalar");
  rejects(N("Clip"), {x, T(F64, {}, {0})}, {{F32, {4}}},
          "expected F32 like input 0");
}

TEST(HostKernels, Einsum) {
  Tensor a = T(F32, {2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor b = T(F32, {3, 2}, {1, 0, 0, 1, 1, 1});
  auto eq = [](const char *e) { return N("Einsum", {attrS("equation", e)}); };
  expectSame(ok(eq("ij,jk->ik"), {a, b}, {{F32, {2, 2}}}), {4, 5, 10, 11});
  // Implicit output: letters used once, alphabetically.
  expectSame(ok(eq("ij,jk"), {a, b}, {{F32, {2, 2}}}), {4, 5, 10, 11});
  expectSame(ok(eq("ij->ji"), {a}, {{F32, {3, 2}}}), {1, 4, 2, 5, 3, 6});
  expectSame(ok(eq("ij->"), {a}, {{F32, {}}}), {21});
  expectSame(ok(eq("ji"), {a}, {{F32, {3, 2}}}), {1, 4, 2, 5, 3, 6});
  // Repeated labels: the diagonal (trace without the output).
  Tensor m = T(I64, {2, 2}, {1, 2, 3, 4});
  expectSame(ok(eq("ii->i"), {m}, {{I64, {2}}}), {1, 4});
  expectSame(ok(eq("ii"), {m}, {{I64, {}}}), {5});
  // "..." broadcasts.
  expectSame(ok(eq("...i,...i->..."),
                {T(F64, {2, 2}, {1, 2, 3, 4}), T(F64, {2}, {10, 1})},
                {{F64, {2}}}),
             {12, 34});
  expectSame(ok(eq("i,i"), {T(F32, {3}, {1, 2, 3}), T(F32, {3}, {4, 5, 6})},
                {{F32, {}}}),
             {32});
  rejects(eq("ij,jk->ik"), {a, a}, {{F32, {2, 3}}}, "label sizes 3 and 2");
  rejects(eq("ij->k"), {a}, {{F32, {2}}}, "output label 'k' is not in");
  rejects(eq("ij->ii"), {a}, {{F32, {2, 2}}}, "repeated");
  rejects(eq("ijk"), {a}, {{F32, {2, 3}}}, "does not fit input rank 2");
  rejects(eq("ij,jk"), {a}, {{F32, {2, 3}}}, "the equation has 2 inputs");
  rejects(eq("i1"), {T(F32, {2}, {1, 2})}, {{F32, {2}}}, "bad character");
  rejects(N("Einsum"), {a}, {{F32, {2, 3}}}, "'equation' is required");
  // Work out of proportion to the operands: 1000^4 steps from four [1000]s.
  Tensor k = T(F32, {1000}, std::vector<double>(1000, 1.0));
  rejects(eq("a,b,c,d->"), {k, k, k, k}, {{F32, {}}}, "exceed 2^34 steps");
  rejects(eq("ij->ji"), {a}, {{F32, {2, 3}}}, "expected F32 [3,2]");
}

//===----------------------------------------------------------------------===//
// Unary float math, Softmax / LogSoftmax
//===----------------------------------------------------------------------===//

TEST(HostKernels, UnaryFloatMath) {
  Tensor x = T(F64, {4}, {-2, -0.5, 0, 2.5});
  expectSame(ok(N("Relu"), {x}, {{F64, {4}}}), {0, 0, 0, 2.5});
  expectSame(ok(N("Floor"), {x}, {{F64, {4}}}), {-2, -1, 0, 2});
  expectSame(ok(N("Ceil"), {x}, {{F64, {4}}}), {-2, -0.0, 0, 3});
  // Round: halves to even.
  expectSame(ok(N("Round"), {x}, {{F64, {4}}}), {-2, -0.0, 0, 2});
  expectSame(ok(N("Exp"), {T(F64, {2}, {0, 1})}, {{F64, {2}}}),
             {1, std::exp(1.0)});
  expectSame(ok(N("Reciprocal"), {T(F64, {2}, {4, 0})}, {{F64, {2}}}),
             {0.25, kInf});
  // Float attributes: alpha is 0.01f, not 0.01.
  const double a = double(0.01f), h = double(0.2f);
  expectSame(ok(N("LeakyRelu"), {x}, {{F64, {4}}}), {-2 * a, -0.5 * a, 0, 2.5});
  expectSame(ok(N("LeakyRelu", {attrF("alpha", 0.5f)}), {x}, {{F64, {4}}}),
             {-1, -0.25, 0, 2.5});
  expectSame(ok(N("HardSigmoid"), {x}, {{F64, {4}}}),
             {-2 * h + 0.5, -0.5 * h + 0.5, 0.5, 1});
  expectSame(ok(N("ThresholdedRelu"), {x}, {{F64, {4}}}), {0, 0, 0, 2.5});
  expectSame(ok(N("Softsign"), {x}, {{F64, {4}}}),
             {-2.0 / 3, -0.5 / 1.5, 0, 2.5 / 3.5});
  // Sigmoid and Softplus do not overflow.
  expectSame(ok(N("Sigmoid"), {T(F64, {3}, {-1000, 0, 1000})}, {{F64, {3}}}),
             {0, 0.5, 1});
  expectSame(ok(N("Softplus"), {T(F64, {2}, {-1000, 1000})}, {{F64, {2}}}),
             {0, 1000});
  // Half: 0x3C00 = 1.0, 0x4000 = 2.0, 0x3800 = 0.5.
  expectSame(ok(N("Sqrt"), {T(F16, {1}, {0x4400})}, {{F16, {1}}}), {0x4000});
  expectSame(ok(N("Relu", {}, 14), {T(I8, {2}, {-3, 4})}, {{I8, {2}}}), {0, 4});
  rejects(N("Relu", {}, 13), {T(I8, {1}, {1})}, {{I8, {1}}},
          "unsupported element type I8");
  rejects(N("Exp", {}, 12), {T(BF16, {1}, {0})}, {{BF16, {1}}},
          "unsupported element type BF16");
  rejects(N("Exp"), {T(I32, {1}, {1})}, {{I32, {1}}},
          "unsupported element type I32");
  rejects(N("Elu", {attrF("beta", 1)}), {x}, {{F64, {4}}},
          "unknown attribute 'beta'");
  rejects(N("HardSwish", {}, 13), {x}, {{F64, {4}}}, "needs opset 14");
  rejects(N("Tanh"), {x}, {{F32, {4}}}, "expected F64 [4]");
}

TEST(HostKernels, SoftmaxLogSoftmax) {
  // Stable for large inputs.
  Tensor x = T(F64, {2, 2}, {0, 0, 1000, 1000 + std::log(3.0)});
  V sm = ok(N("Softmax"), {x}, {{F64, {2, 2}}});
  ASSERT_EQ(sm.size(), 4u);
  EXPECT_EQ(sm[0], 0.5);
  EXPECT_NEAR(sm[2], 0.25, 1e-12);
  EXPECT_NEAR(sm[3], 0.75, 1e-12);
  V ls = ok(N("LogSoftmax"), {x}, {{F64, {2, 2}}});
  ASSERT_EQ(ls.size(), 4u);
  EXPECT_NEAR(ls[0], -std::log(2.0), 1e-12);
  EXPECT_NEAR(ls[2], -std::log(4.0), 1e-12);
  EXPECT_NEAR(ls[3], std::log(0.75), 1e-12);
  // axis 0 (opset 13) vs coerced 2-D (opset 11: axis 0 is the whole).
  Tensor y = T(F64, {2, 2}, {0, 0, 0, 0});
  expectSame(ok(N("Softmax", {attrI("axis", 0)}), {y}, {{F64, {2, 2}}}),
             {0.5, 0.5, 0.5, 0.5});
  expectSame(ok(N("Softmax", {attrI("axis", 0)}, 11), {y}, {{F64, {2, 2}}}),
             {0.25, 0.25, 0.25, 0.25});
  rejects(N("Softmax", {attrI("axis", 2)}), {y}, {{F64, {2, 2}}},
          "axis 2 out of range");
  rejects(N("Softmax"), {T(I32, {1}, {0})}, {{I32, {1}}},
          "unsupported element type");
}

//===----------------------------------------------------------------------===//
// MatMul, Gemm
//===----------------------------------------------------------------------===//

TEST(HostKernels, MatMulGemm) {
  Tensor a = T(I64, {2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor b = T(I64, {3, 2}, {1, 0, 0, 1, 1, 1});
  expectSame(ok(N("MatMul"), {a, b}, {{I64, {2, 2}}}), {4, 5, 10, 11});
  // 1-D operands: the promoted axis is dropped.
  expectSame(ok(N("MatMul"),
                {T(F64, {3}, {1, 1, 1}), T(F64, {3, 2}, {1, 0, 0, 1, 1, 1})},
                {{F64, {2}}}),
             {2, 2});
  expectSame(ok(N("MatMul"),
                {T(F64, {2, 3}, {1, 2, 3, 4, 5, 6}), T(F64, {3}, {1, 1, 1})},
                {{F64, {2}}}),
             {6, 15});
  // Batch axes broadcast.
  expectSame(ok(N("MatMul"),
                {T(I32, {2, 1, 2}, {1, 2, 3, 4}), T(I32, {2, 1}, {10, 1})},
                {{I32, {2, 1, 1}}}),
             {12, 34});
  // Integers wrap.
  expectSame(ok(N("MatMul"), {T(U32, {1, 1}, {65536}), T(U32, {1, 1}, {65536})},
                {{U32, {1, 1}}}),
             {0});
  rejects(N("MatMul"), {a, a}, {{I64, {2, 2}}}, "inner dimensions");
  rejects(N("MatMul", {}, 8), {a, b}, {{I64, {2, 2}}},
          "unsupported element type I64");
  rejects(N("MatMul"), {a, b}, {{I64, {2, 3}}}, "expected I64 [2,2]");

  Tensor c = T(I64, {2}, {100, 200});
  expectSame(ok(N("Gemm"), {a, b, c}, {{I64, {2, 2}}}), {104, 205, 110, 211});
  expectSame(ok(N("Gemm", {attrF("alpha", 2), attrF("beta", -1)}), {a, b, c},
                {{I64, {2, 2}}}),
             {-92, -190, -80, -178});
  expectSame(ok(N("Gemm", {attrI("transA", 1), attrI("transB", 1)}),
                {T(F64, {3, 2}, {1, 4, 2, 5, 3, 6}),
                 T(F64, {2, 3}, {1, 0, 1, 0, 1, 1})},
                {{F64, {2, 2}}}),
             {4, 5, 10, 11});
  expectSame(ok(N("Gemm", {attrF("alpha", 0.5f)}),
                {T(I32, {1, 1}, {3}), T(I32, {1, 1}, {1})}, {{I32, {1, 1}}}),
             {1});
  rejects(N("Gemm", {}, 9), {a, b}, {{I64, {2, 2}}}, "expects 3 inputs");
  rejects(N("Gemm"), {a, b, T(I64, {3}, {1, 2, 3})}, {{I64, {2, 2}}},
          "does not broadcast to [2,2]");
  rejects(N("Gemm"), {T(I64, {6}, {1, 2, 3, 4, 5, 6}), b}, {{I64, {2, 2}}},
          "must be 2-D");
}

//===----------------------------------------------------------------------===//
// Quantization (expected values hand-worked from the formulas in
// Quantize.cpp, or ONNX's operator documentation examples where noted)
//===----------------------------------------------------------------------===//

TEST(HostKernels, QuantizeLinear) {
  // ONNX's example, plus halves (round half to even) and saturation.
  Tensor x = T(F32, {8}, {0, 2, 3, 1000, -254, -1000, 5, -5});
  expectSame(ok(N("QuantizeLinear"), {x, T(F32, {}, {2}), T(U8, {}, {128})},
                {{U8, {8}}}),
             {128, 129, 130, 255, 1, 0, 130, 126});
  // int8: 0.5 -> 0, -1.5 -> -2, 150 saturates.
  expectSame(ok(N("QuantizeLinear"),
                {T(F32, {3}, {1, -3, 300}), T(F32, {1}, {2}), T(I8, {1}, {-1})},
                {{I8, {3}}}),
             {-1, -3, 127});
  // No zero point: uint8 with zero point 0; int32 data; NaN gives 0.
  expectSame(ok(N("QuantizeLinear"),
                {T(F32, {3}, {-1, 3.4, kNaN}), T(F32, {}, {1})}, {{U8, {3}}}),
             {0, 3, 0});
  expectSame(ok(N("QuantizeLinear"), {T(I32, {2}, {7, 9}), T(F32, {}, {2})},
                {{U8, {2}}}),
             {4, 4});
  // Per axis 1: channel 1 has scale 2 and zero point 10.
  Tensor px = T(F32, {1, 2, 2}, {1, 2, 3, 4});
  expectSame(ok(N("QuantizeLinear"),
                {px, T(F32, {2}, {1, 2}), T(U8, {2}, {0, 10})},
                {{U8, {1, 2, 2}}}),
             {1, 2, 12, 12});
  expectSame(ok(N("QuantizeLinear", {attrI("axis", -1)}),
                {px, T(F32, {2}, {1, 2}), T(U8, {2}, {0, 10})},
                {{U8, {1, 2, 2}}}),
             {1, 11, 3, 12});
  rejects(N("QuantizeLinear", {}, 10), {px, T(F32, {2}, {1, 2})},
          {{U8, {1, 2, 2}}}, "must be a scalar before opset 13");
  rejects(N("QuantizeLinear", {attrI("axis", 1)}, 10), {px, T(F32, {}, {1})},
          {{U8, {1, 2, 2}}}, "unknown attribute 'axis'");
  rejects(N("QuantizeLinear"), {px, T(F32, {3}, {1, 2, 3})}, {{U8, {1, 2, 2}}},
          "must be a scalar or [2]");
  rejects(N("QuantizeLinear"), {px, T(F32, {2}, {1, 2}), T(U8, {}, {0})},
          {{U8, {1, 2, 2}}}, "must have the scale's shape");
  rejects(N("QuantizeLinear"), {px, T(F32, {}, {1}), T(I8, {}, {0})},
          {{U8, {1, 2, 2}}}, "expected I8 [1,2,2]");
  rejects(N("QuantizeLinear"), {T(I8, {1}, {1}), T(F32, {}, {1})}, {{U8, {1}}},
          "unsupported element type I8");
  rejects(N("QuantizeLinear"), {px, T(F64, {}, {1})}, {{U8, {1, 2, 2}}},
          "unsupported element type F64");
}

TEST(HostKernels, DequantizeLinear) {
  expectSame(
      ok(N("DequantizeLinear"),
         {T(U8, {4}, {0, 3, 128, 255}), T(F32, {}, {2}), T(U8, {}, {128})},
         {{F32, {4}}}),
      {-256, -250, 0, 254});
  expectSame(ok(N("DequantizeLinear"),
                {T(I32, {2}, {-30, 100}), T(F32, {}, {0.5})}, {{F32, {2}}}),
             {-15, 50});
  // Per axis 0: row 1 has scale 0.5 and zero point -1.
  expectSame(ok(N("DequantizeLinear", {attrI("axis", 0)}),
                {T(I8, {2, 2}, {0, 1, 2, 3}), T(F32, {2}, {1, 0.5}),
                 T(I8, {2}, {1, -1})},
                {{F32, {2, 2}}}),
             {-1, 0, 1.5, 2});
  runFails(N("DequantizeLinear"),
           {T(I32, {2}, {1, 2}), T(F32, {}, {1}), T(I32, {}, {1})},
           {{F32, {2}}}, "zero point of int32 data must be 0, got 1");
  rejects(N("DequantizeLinear"),
          {T(U8, {2}, {1, 2}), T(F32, {}, {1}), T(I8, {}, {0})}, {{F32, {2}}},
          "input 2 is I8, expected U8");
  rejects(N("DequantizeLinear"), {T(U8, {2}, {1, 2}), T(F32, {}, {1})},
          {{F16, {2}}}, "expected F32 [2]");
}

TEST(HostKernels, DynamicQuantizeLinear) {
  // ONNX's documentation example: scale 5/255, zero point 153.
  Result r = exec(N("DynamicQuantizeLinear"),
                  {T(F32, {6}, {0, 2, -3, -2.5, 1.34, 0.5})},
                  {{U8, {6}}, {F32, {}}, {U8, {}}});
  ASSERT_TRUE(r.ran) << r.why;
  expectSame(values(r.outs[0]), {153, 255, 0, 26, 221, 179});
  expectSame(values(r.outs[1]), {double(5.0f / 255.0f)});
  expectSame(values(r.outs[2]), {153});
  // A range of 255: scale 1, zero point 55; halves round to even.
  auto dq = [](V x) {
    Result q = exec(N("DynamicQuantizeLinear"),
                    {T(F32, {Shape::value_type(x.size())}, x)},
                    {{U8, {int64_t(x.size())}}, {F32, {}}, {U8, {}}});
    EXPECT_TRUE(q.ran) << q.why;
    V all = values(q.outs[0]);
    all.push_back(values(q.outs[1])[0]);
    all.push_back(values(q.outs[2])[0]);
    return all;
  };
  expectSame(dq({-55, 200, 10.5, 11.5}), {0, 255, 65, 67, 1, 55});
  // The zero point 0.5 rounds to 0, 1.5 to 2 (then 253.5 -> 254 + 2
  // saturates).
  expectSame(dq({-0.5, 254.5}), {0, 254, 1, 0});
  expectSame(dq({-1.5, 253.5}), {0, 255, 1, 2});
  // All zero: scale 1, zero point 0.
  expectSame(dq({0, 0}), {0, 0, 1, 0});
  runFails(N("DynamicQuantizeLinear"), {T(F32, {0}, {})},
           {{U8, {0}}, {F32, {}}, {U8, {}}}, "x is empty");
  rejects(N("DynamicQuantizeLinear"), {T(F32, {1}, {1})},
          {{U8, {1}}, {F32, {1}}, {U8, {}}}, "expected F32 []");
}

TEST(HostKernels, MatMulInteger) {
  // ONNX's documentation example.
  Tensor a = T(U8, {4, 3}, {11, 7, 3, 10, 6, 2, 9, 5, 1, 8, 4, 0});
  Tensor b = T(U8, {3, 2}, {1, 4, 2, 5, 3, 6});
  expectSame(ok(N("MatMulInteger"), {a, b, T(U8, {}, {12}), T(U8, {}, {0})},
                {{I32, {4, 2}}}),
             {-38, -83, -44, -98, -50, -113, -56, -128});
  // Per column of B, per row of A.
  expectSame(ok(N("MatMulInteger"),
                {T(I8, {1, 2}, {1, 2}), T(I8, {2, 2}, {1, 2, 3, 4}), absent(),
                 T(I8, {2}, {1, 2})},
                {{I32, {1, 2}}}),
             {4, 4});
  expectSame(ok(N("MatMulInteger"),
                {T(U8, {2, 1}, {5, 5}), T(U8, {1, 1}, {2}), T(U8, {2}, {1, 2})},
                {{I32, {2, 1}}}),
             {8, 6});
  // Batches broadcast; a 1-D A drops its row axis.
  expectSame(ok(N("MatMulInteger"),
                {T(I8, {2}, {1, -1}), T(I8, {2, 2, 1}, {3, 1, 5, 2})},
                {{I32, {2, 1}}}),
             {2, 3});
  rejects(N("MatMulInteger"), {a, b, T(I8, {}, {12})}, {{I32, {4, 2}}},
          "input 2 is I8, expected U8");
  rejects(N("MatMulInteger"), {a, b, absent(), T(U8, {3}, {0, 0, 0})},
          {{I32, {4, 2}}}, "b_zero_point must be a scalar or [2]");
  rejects(N("MatMulInteger"), {a, b}, {{I64, {4, 2}}}, "expected I32 [4,2]");
  rejects(N("MatMulInteger"), {a, a}, {{I32, {4, 3}}}, "inner dimensions");
}

TEST(HostKernels, QLinearMatMul) {
  // ONNX's documentation example (2-D).
  Tensor a = T(U8, {2, 4}, {208, 236, 0, 238, 3, 214, 255, 29});
  Tensor b =
      T(U8, {4, 3}, {152, 51, 244, 60, 26, 255, 0, 127, 246, 127, 254, 247});
  expectSame(
      ok(N("QLinearMatMul"),
         {a, T(F32, {}, {0.0066f}), T(U8, {}, {113}), b, T(F32, {}, {0.00705f}),
          T(U8, {}, {114}), T(F32, {}, {0.0107f}), T(U8, {}, {118})},
         {{U8, {2, 3}}}),
      {168, 115, 255, 1, 66, 151});
  // The zero point is added before rounding (as ONNX's reference):
  // 3 * 0.5 - 3 = -1.5 -> -2 and 5 * 0.5 - 3 = -0.5 -> 0 (half to even).
  expectSame(ok(N("QLinearMatMul"),
                {T(I8, {2, 2}, {1, 2, 1, 4}), T(F32, {}, {0.5}), T(I8, {}, {0}),
                 T(I8, {2, 1}, {1, 1}), T(F32, {}, {1}), T(I8, {}, {0}),
                 T(F32, {}, {1}), T(I8, {}, {-3})},
                {{I8, {2, 1}}}),
             {-2, 0});
  rejects(N("QLinearMatMul"),
          {a, T(F32, {}, {1}), T(U8, {}, {0}), b, T(F32, {2}, {1, 1}),
           T(U8, {}, {0}), T(F32, {}, {1}), T(U8, {}, {0})},
          {{U8, {2, 3}}}, "b_scale must be a scalar or [3]");
  rejects(N("QLinearMatMul"),
          {a, T(F32, {}, {1}), T(U8, {}, {0}), b, T(F32, {}, {1}),
           T(U8, {}, {0}), T(F32, {}, {1}), T(I8, {}, {0})},
          {{U8, {2, 3}}}, "expected I8 [2,3]");
}

TEST(HostKernels, ConvInteger) {
  // ONNX's documentation examples: 3x3 data (zero point 1), 2x2 ones.
  Tensor x = T(U8, {1, 1, 3, 3}, {2, 3, 4, 5, 6, 7, 8, 9, 10});
  Tensor w = T(U8, {1, 1, 2, 2}, {1, 1, 1, 1});
  Tensor xz = T(U8, {}, {1});
  expectSame(ok(N("ConvInteger"), {x, w, xz}, {{I32, {1, 1, 2, 2}}}),
             {12, 16, 24, 28});
  expectSame(ok(N("ConvInteger", {attrInts("pads", {1, 1, 1, 1})}), {x, w, xz},
                {{I32, {1, 1, 4, 4}}}),
             {1, 3, 5, 3, 5, 12, 16, 9, 11, 24, 28, 15, 7, 15, 17, 9});
  // Groups: each output channel reads its own input channel.
  expectSame(ok(N("ConvInteger", {attrI("group", 2)}),
                {T(U8, {1, 2, 1, 1}, {3, 5}), T(U8, {2, 1, 1, 1}, {2, 3})},
                {{I32, {1, 2, 1, 1}}}),
             {6, 15});
  // Dilation 2, stride 2 over [1..5]: (1 + 3), (3 + 5).
  Tensor row = T(I8, {1, 1, 1, 5}, {1, 2, 3, 4, 5});
  Tensor pair = T(I8, {1, 1, 1, 2}, {1, 1});
  expectSame(ok(N("ConvInteger",
                  {attrInts("dilations", {1, 2}), attrInts("strides", {1, 2})}),
                {row, pair}, {{I32, {1, 1, 1, 2}}}),
             {4, 8});
  // SAME padding: one pad, at the end (UPPER) or the beginning (LOWER).
  Tensor row4 = T(I8, {1, 1, 1, 4}, {1, 2, 3, 4});
  expectSame(ok(N("ConvInteger", {attrS("auto_pad", "SAME_UPPER")}),
                {row4, pair}, {{I32, {1, 1, 1, 4}}}),
             {3, 5, 7, 4});
  expectSame(ok(N("ConvInteger", {attrS("auto_pad", "SAME_LOWER")}),
                {row4, pair}, {{I32, {1, 1, 1, 4}}}),
             {1, 3, 5, 7});
  // Per-channel weight zero points.
  expectSame(ok(N("ConvInteger"),
                {T(U8, {1, 1, 1, 1}, {4}), T(U8, {2, 1, 1, 1}, {3, 3}),
                 absent(), T(U8, {2}, {1, 2})},
                {{I32, {1, 2, 1, 1}}}),
             {8, 4});
  rejects(N("ConvInteger", {attrI("group", 2)}), {x, w}, {{I32, {1, 1, 2, 2}}},
          "group 2 must divide");
  rejects(N("ConvInteger", {attrInts("kernel_shape", {3, 3})}), {x, w},
          {{I32, {1, 1, 2, 2}}}, "does not match w");
  rejects(N("ConvInteger",
            {attrS("auto_pad", "VALID"), attrInts("pads", {0, 0, 0, 0})}),
          {x, w}, {{I32, {1, 1, 2, 2}}}, "cannot be used together");
  rejects(N("ConvInteger"), {x, w, T(U8, {2}, {1, 1})}, {{I32, {1, 1, 2, 2}}},
          "x_zero_point must be a scalar");
  rejects(N("ConvInteger"), {x, w}, {{I32, {1, 1, 3, 3}}},
          "expected I32 [1,1,2,2]");
  rejects(N("ConvInteger"), {x, T(U8, {1, 1, 4, 4}, V(16, 1))},
          {{I32, {1, 1, 0, 0}}}, "exceeds the padded input");
}

TEST(HostKernels, QLinearConv) {
  // Channel 0: acc = 2 (x - 10) + 1 = {1, 21}, m = 0.5: 100.5 -> 100,
  // 110.5 -> 110. Channel 1: w - zp = -2, acc = {4, -16}, m = 0.125:
  // 100.5 -> 100, 98.
  Tensor x = T(U8, {1, 1, 1, 2}, {10, 20});
  std::vector<Tensor> in = {x,
                            T(F32, {}, {0.5}),
                            T(U8, {}, {10}),
                            T(I8, {2, 1, 1, 1}, {2, -1}),
                            T(F32, {2}, {1, 0.25}),
                            T(I8, {2}, {0, 1}),
                            T(F32, {}, {1}),
                            T(U8, {}, {100}),
                            T(I32, {2}, {1, 4})};
  expectSame(ok(N("QLinearConv"), in, {{U8, {1, 2, 1, 2}}}),
             {100, 110, 100, 98});
  // Saturation at the zero point 250.
  std::vector<Tensor> sat = in;
  sat[7] = T(U8, {}, {250});
  expectSame(ok(N("QLinearConv"), sat, {{U8, {1, 2, 1, 2}}}),
             {250, 255, 250, 248});
  std::vector<Tensor> badB = in;
  badB[8] = T(I32, {1}, {1});
  rejects(N("QLinearConv"), badB, {{U8, {1, 2, 1, 2}}}, "B must be I32 [2]");
  std::vector<Tensor> badScale = in;
  badScale[6] = T(F32, {2}, {1, 1});
  rejects(N("QLinearConv"), badScale, {{U8, {1, 2, 1, 2}}},
          "y_scale must be a scalar");
}

//===----------------------------------------------------------------------===//
// GridSample (expected values hand-worked from ONNX's reference algorithm)
//===----------------------------------------------------------------------===//

TEST(HostKernels, GridSample) {
  Tensor x = T(F32, {1, 1, 2, 2}, {1, 2, 3, 4});
  // align_corners: -1 and 1 are the centres of the edge pixels.
  expectSame(ok(N("GridSample", {attrI("align_corners", 1)}, 16),
                {x, T(F32, {1, 1, 3, 2}, {0, 0, -1, -1, 1, -1})},
                {{F32, {1, 1, 1, 3}}}),
             {2.5, 1, 2});
  // Without: -1 maps to -0.5 (half a pixel outside) and -2, 0 to
  // (-1.5, 0.5). zeros: 0.25 * 1 and nothing; border: the index -1 reads
  // the edge, -1.5 clamps to 0; reflection: -1 reflects to 0, -1.5 to 0.5.
  Tensor g = T(F32, {1, 1, 2, 2}, {-1, -1, -2, 0});
  expectSame(ok(N("GridSample", {}, 16), {x, g}, {{F32, {1, 1, 1, 2}}}),
             {0.25, 0});
  expectSame(ok(N("GridSample", {attrS("padding_mode", "border")}, 16), {x, g},
                {{F32, {1, 1, 1, 2}}}),
             {1, 2});
  expectSame(ok(N("GridSample", {attrS("padding_mode", "reflection")}, 16),
                {x, g}, {{F32, {1, 1, 1, 2}}}),
             {1, 2.5});
  // nearest: 0.5 rounds to 0 (half to even), 1.0 is pixel 1, 1.5 rounds to
  // 2, outside (zeros).
  expectSame(ok(N("GridSample", {attrS("mode", "nearest")}, 16),
                {x, T(F32, {1, 1, 3, 2}, {0, 0, 0.5, 0.5, 1, -1})},
                {{F32, {1, 1, 1, 3}}}),
             {1, 4, 0});
  // bicubic at x = 1.5 of [1, 2, 4, 8]: weights -0.09375, 0.59375, 0.59375,
  // -0.09375; at x = 0 only the pixel itself.
  expectSame(ok(N("GridSample",
                  {attrS("mode", "bicubic"), attrI("align_corners", 1)}, 16),
                {T(F64, {1, 1, 1, 4}, {1, 2, 4, 8}),
                 T(F32, {1, 1, 2, 2}, {0, 0, -1, 0})},
                {{F64, {1, 1, 1, 2}}}),
             {2.71875, 1});
  // A NaN coordinate gives NaN; a far one reads the padding.
  expectSame(ok(N("GridSample", {}, 16),
                {x, T(F32, {1, 1, 2, 2}, {kNaN, 0, 1e30, 0})},
                {{F32, {1, 1, 1, 2}}}),
             {kNaN, 0});
  rejects(N("GridSample", {attrS("mode", "linear")}, 16), {x, g},
          {{F32, {1, 1, 1, 2}}}, "unknown mode 'linear'");
  rejects(N("GridSample", {attrS("padding_mode", "wrap")}, 16), {x, g},
          {{F32, {1, 1, 1, 2}}}, "unknown padding_mode 'wrap'");
  rejects(N("GridSample", {}, 16), {x, T(F32, {1, 1, 2, 3}, V(6, 0))},
          {{F32, {1, 1, 1, 2}}}, "grid must be [1, H_out, W_out, 2]");
  rejects(N("GridSample", {}, 16), {T(F32, {1, 1, 0, 2}, {}), g},
          {{F32, {1, 1, 1, 2}}}, "with H, W >= 1");
  rejects(N("GridSample", {}, 16), {T(I32, {1, 1, 2, 2}, {1, 2, 3, 4}), g},
          {{I32, {1, 1, 1, 2}}}, "unsupported element type I32");
  rejects(N("GridSample", {}, 16), {x, g}, {{F32, {1, 1, 2, 1}}},
          "expected F32 [1,1,1,2]");
}

//===----------------------------------------------------------------------===//
// Scatter, ReverseSequence, Det, LRN, TfIdfVectorizer
//===----------------------------------------------------------------------===//

/// Element-wise closeness (results of pow, division and elimination).
void expectNear(const V &got, const V &want, double tol = 1e-12) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], tol) << "element " << i;
}

TEST(HostKernels, Scatter) {
  // ONNX's example (axis 1), integral updates.
  Tensor data = T(F32, {1, 5}, {1, 2, 3, 4, 5});
  expectSame(ok(N("Scatter", {attrI("axis", 1)}, 10),
                {data, T(I64, {1, 2}, {1, 3}), T(F32, {1, 2}, {10, 20})},
                {{F32, {1, 5}}}),
             {1, 10, 3, 20, 5});
  // Axis 0: update (0, 0) goes to row 1, update (0, 1) to row -2 = 0.
  expectSame(ok(N("Scatter", {}, 9),
                {T(I32, {2, 2}, {1, 2, 3, 4}), T(I32, {1, 2}, {1, -2}),
                 T(I32, {1, 2}, {7, 8})},
                {{I32, {2, 2}}}),
             {1, 8, 7, 4});
  runFails(N("Scatter", {attrI("axis", 1)}, 10),
           {data, T(I64, {1, 1}, {5}), T(F32, {1, 1}, {0})}, {{F32, {1, 5}}},
           "index 5 out of range [-5, 5) on axis 1");
  rejects(N("Scatter", {attrS("reduction", "add")}, 10),
          {data, T(I64, {1, 1}, {0}), T(F32, {1, 1}, {0})}, {{F32, {1, 5}}},
          "unknown attribute 'reduction'");
}

TEST(HostKernels, ReverseSequence) {
  // ONNX's examples: x[t][b] = 4t + b (time_axis 0) and x[b][t] = 4b + t.
  V x(16);
  for (int i = 0; i < 16; ++i)
    x[i] = i;
  expectSame(ok(N("ReverseSequence", {}, 10),
                {T(I32, {4, 4}, x), T(I64, {4}, {4, 3, 2, 1})},
                {{I32, {4, 4}}}),
             {12, 9, 6, 3, 8, 5, 2, 7, 4, 1, 10, 11, 0, 13, 14, 15});
  auto batch =
      N("ReverseSequence", {attrI("batch_axis", 0), attrI("time_axis", 1)}, 10);
  expectSame(ok(batch, {T(I32, {4, 4}, x), T(I64, {4}, {1, 2, 3, 4})},
                {{I32, {4, 4}}}),
             {0, 1, 2, 3, 5, 4, 6, 7, 10, 9, 8, 11, 15, 14, 13, 12});
  // Trailing axes move as blocks; length 0 copies.
  expectSame(
      ok(batch,
         {T(F64, {2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8}), T(I64, {2}, {2, 0})},
         {{F64, {2, 2, 2}}}),
      {3, 4, 1, 2, 5, 6, 7, 8});
  runFails(batch, {T(I32, {4, 4}, x), T(I64, {4}, {1, 5, 1, 1})},
           {{I32, {4, 4}}}, "sequence length 5 of batch 1 out of range [0, 4]");
  runFails(batch, {T(I32, {4, 4}, x), T(I64, {4}, {1, 1, -1, 1})},
           {{I32, {4, 4}}}, "sequence length -1 of batch 2");
  rejects(N("ReverseSequence", {attrI("batch_axis", 2)}, 10),
          {T(I32, {4, 4}, x), T(I64, {4}, {1, 1, 1, 1})}, {{I32, {4, 4}}},
          "must be 0 and 1");
  rejects(N("ReverseSequence", {}, 10),
          {T(I32, {4, 4}, x), T(I32, {4}, {1, 1, 1, 1})}, {{I32, {4, 4}}},
          "sequence_lens must be I64 [4]");
}

TEST(HostKernels, Det) {
  expectNear(ok(N("Det"), {T(F64, {2, 2}, {1, 2, 3, 4})}, {{F64, {}}}), {-2});
  // The first pivot is 0: rows swap. Batches; a singular matrix; 0 x 0.
  expectNear(
      ok(N("Det"), {T(F64, {3, 3}, {0, 1, 2, 1, 0, 3, 4, -3, 8})}, {{F64, {}}}),
      {-2});
  expectNear(ok(N("Det"),
                {T(F32, {3, 2, 2}, {1, 2, 3, 4, 2, 0, 0, 3, 1, 2, 2, 4})},
                {{F32, {3}}}),
             {-2, 6, 0}, 1e-6);
  expectSame(ok(N("Det"), {T(F32, {0, 0}, {})}, {{F32, {}}}), {1});
  rejects(N("Det"), {T(F32, {2, 3}, V(6, 1))}, {{F32, {}}},
          "must be [*, M, M]");
  rejects(N("Det"), {T(I32, {2, 2}, V(4, 1))}, {{I32, {}}},
          "unsupported element type I32");
  rejects(N("Det"), {T(F32, {2, 2}, V(4, 1))}, {{F32, {1}}}, "expected F32 []");
}

TEST(HostKernels, LRN) {
  // alpha / size = 1. size 3: channel windows {0, 1}, {0, 1, 2}, {1, 2}.
  Tensor x = T(F64, {1, 3, 1, 1}, {1, 2, 3});
  expectNear(ok(N("LRN", {attrI("size", 3), attrF("alpha", 3), attrF("beta", 1),
                          attrF("bias", 1)}),
                {x}, {{F64, {1, 3, 1, 1}}}),
             {1.0 / 6, 2.0 / 15, 3.0 / 14});
  // size 2 looks one channel ahead: {0, 1}, {1, 2}, {2}.
  expectNear(ok(N("LRN", {attrI("size", 2), attrF("alpha", 2),
                          attrF("beta", 0.5), attrF("bias", 0)}),
                {x}, {{F64, {1, 3, 1, 1}}}),
             {1 / std::sqrt(5.0), 2 / std::sqrt(13.0), 1});
  // Defaults: alpha 1e-4, beta 0.75, bias 1.
  expectNear(ok(N("LRN", {attrI("size", 1)}), {T(F32, {1, 1, 1, 1}, {100})},
                {{F32, {1, 1, 1, 1}}}),
             {100 / std::pow(2.0, 0.75)}, 1e-4);
  rejects(N("LRN"), {x}, {{F64, {1, 3, 1, 1}}}, "attribute 'size' is required");
  rejects(N("LRN", {attrI("size", 0)}), {x}, {{F64, {1, 3, 1, 1}}},
          "size must be >= 1");
  rejects(N("LRN", {attrI("size", 1)}), {T(F32, {3}, {1, 2, 3})}, {{F32, {3}}},
          "input must be [N, C, D1, ...]");
}

TEST(HostKernels, TfIdfVectorizer) {
  // ONNX's examples: pool unigrams 2 3 5 4 (columns 0-3), bigrams (5 6),
  // (7 8), (6 7) (columns 4-6).
  Tensor x = T(I32, {12}, {1, 1, 3, 3, 3, 7, 8, 6, 7, 5, 6, 8});
  auto tfidf = [](const char *mode, int64_t minN, int64_t skip,
                  std::vector<float> weights = {}) {
    std::vector<HostAttribute> a = {
        attrS("mode", mode),
        attrI("min_gram_length", minN),
        attrI("max_gram_length", 2),
        attrI("max_skip_count", skip),
        attrInts("ngram_counts", {0, 4}),
        attrInts("ngram_indexes", {0, 1, 2, 3, 4, 5, 6}),
        attrInts("pool_int64s", {2, 3, 5, 4, 5, 6, 7, 8, 6, 7})};
    if (!weights.empty())
      a.push_back(attrFs("weights", weights));
    return N("TfIdfVectorizer", a, 9);
  };
  expectSame(ok(tfidf("TF", 2, 0), {x}, {{F32, {7}}}), {0, 0, 0, 0, 1, 1, 1});
  // Skips up to 5: (7 8) also 6 and 3 apart; unigrams count once.
  expectSame(ok(tfidf("TF", 1, 5), {x}, {{F32, {7}}}), {0, 3, 1, 0, 1, 3, 1});
  expectSame(ok(tfidf("IDF", 1, 5, {1, 2, 3, 4, 5, 6, 7}), {x}, {{F32, {7}}}),
             {0, 2, 3, 0, 5, 6, 7});
  expectSame(ok(tfidf("TFIDF", 1, 5, {1, 2, 3, 4, 5, 6, 7}), {x}, {{F32, {7}}}),
             {0, 6, 3, 0, 5, 18, 7});
  expectSame(ok(tfidf("IDF", 1, 5), {x}, {{F32, {7}}}), {0, 1, 1, 0, 1, 1, 1});
  // Rows of a batch count separately.
  expectSame(ok(tfidf("TF", 2, 0),
                {T(I64, {2, 6}, {1, 1, 3, 3, 3, 7, 8, 6, 7, 5, 6, 8})},
                {{F32, {2, 7}}}),
             {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1});
  rejects(tfidf("TF", 3, 0), {x}, {{F32, {7}}}, "gram lengths [3, 2]");
  rejects(tfidf("BM25", 1, 0), {x}, {{F32, {7}}}, "unknown mode 'BM25'");
  rejects(tfidf("IDF", 1, 0, {1, 2}), {x}, {{F32, {7}}},
          "weights has 2 entries for 7 output columns");
  HostNode bad = tfidf("TF", 1, 0);
  bad.attributes[4] = attrInts("ngram_counts", {0, 3});
  rejects(bad, {x}, {{F32, {7}}}, "7 pool items of 2-grams");
  bad = tfidf("TF", 1, 0);
  bad.attributes[5] = attrInts("ngram_indexes", {0, 1});
  rejects(bad, {x}, {{F32, {2}}}, "ngram_indexes has 2 entries for 7");
  rejects(tfidf("TF", 1, 0), {T(F32, {2}, {1, 2})}, {{F32, {7}}},
          "unsupported element type F32");
  rejects(tfidf("TF", 1, 0), {x}, {{F32, {1, 7}}}, "expected F32 [7]");
}

TEST(HostKernels, RoiAlign) {
  Tensor x = T(F64, {1, 1, 2, 2}, {1, 2, 3, 4});
  Tensor b0 = T(I64, {1}, {0});
  auto roi = [](std::vector<HostAttribute> a, int64_t opset = 16) {
    return N("RoiAlign", std::move(a), opset);
  };
  // Opset 10 (no shift): one sample at the centre (0.5, 0.5).
  expectSame(ok(roi({attrI("sampling_ratio", 1)}, 10),
                {x, T(F64, {1, 4}, {0, 0, 1, 1}), b0}, {{F64, {1, 1, 1, 1}}}),
             {2.5});
  // half_pixel: [-0.5, 1.5]^2, a 2x2 grid at the four pixel centres.
  Tensor whole = T(F64, {1, 4}, {0, 0, 2, 2});
  expectSame(ok(roi({}), {x, whole, b0}, {{F64, {1, 1, 1, 1}}}), {2.5});
  expectSame(
      ok(roi({attrS("mode", "max")}), {x, whole, b0}, {{F64, {1, 1, 1, 1}}}),
      {4});
  expectSame(ok(roi({attrI("output_height", 2), attrI("output_width", 2),
                     attrI("sampling_ratio", 1)}),
                {x, whole, b0}, {{F64, {1, 1, 2, 2}}}),
             {1, 2, 3, 4});
  // spatial_scale halves the RoI; a RoI beyond the image samples 0.
  expectSame(
      ok(roi({attrF("spatial_scale", 0.5), attrI("sampling_ratio", 1)}, 10),
         {x, T(F64, {2, 4}, {0, 0, 2, 2, 20, 20, 24, 24}), T(I64, {2}, {0, 0})},
         {{F64, {2, 1, 1, 1}}}),
      {2.5, 0});
  // The batch index picks the image.
  Tensor two = T(F32, {2, 1, 1, 1}, {7, 9});
  expectSame(ok(roi({}, 10),
                {two, T(F32, {1, 4}, {0, 0, 1, 1}), T(I64, {1}, {1})},
                {{F32, {1, 1, 1, 1}}}),
             {9});
  runFails(roi({}, 10), {two, T(F32, {1, 4}, {0, 0, 1, 1}), T(I64, {1}, {2})},
           {{F32, {1, 1, 1, 1}}}, "batch index 2 of RoI 0 out of range [0, 2)");
  runFails(roi({}), {x, T(F64, {1, 4}, {0, kNaN, 1, 1}), b0},
           {{F64, {1, 1, 1, 1}}}, "RoI 0 has a non-finite coordinate");
  runFails(roi({}), {x, T(F64, {1, 4}, {0, 0, 1e7, 1e7}), b0},
           {{F64, {1, 1, 1, 1}}}, "at most 2^20 points");
  rejects(roi({}), {T(F64, {1, 1, 2, 0}, {}), whole, b0}, {{F64, {1, 1, 1, 1}}},
          "with H, W >= 1");
  rejects(roi({}), {x, T(F64, {1, 3}, {0, 0, 1}), b0}, {{F64, {1, 1, 1, 1}}},
          "rois must be [R, 4]");
  rejects(roi({}), {x, whole, T(I32, {1}, {0})}, {{F64, {1, 1, 1, 1}}},
          "batch_indices must be I64 [1]");
  rejects(roi({attrS("coordinate_transformation_mode", "half_pixel")}, 10),
          {x, whole, b0}, {{F64, {1, 1, 1, 1}}},
          "unknown attribute 'coordinate_transformation_mode'");
  rejects(roi({attrS("mode", "min")}), {x, whole, b0}, {{F64, {1, 1, 1, 1}}},
          "unknown mode 'min'");
  rejects(roi({}), {x, whole, b0}, {{F64, {1, 1, 2, 1}}},
          "expected F64 [1,1,1,1]");
}

TEST(HostKernels, MaxUnpool) {
  // ONNX's examples: indices into the unpooled 4x4 plane; with
  // output_shape 5x5 the 4x4 result sits at the origin.
  Tensor x = T(F32, {1, 1, 2, 2}, {5, 6, 7, 8});
  Tensor idx = T(I64, {1, 1, 2, 2}, {5, 7, 13, 15});
  HostNode n =
      N("MaxUnpool",
        {attrInts("kernel_shape", {2, 2}), attrInts("strides", {2, 2})}, 11);
  expectSame(ok(n, {x, idx}, {{F32, {1, 1, 4, 4}}}),
             {0, 0, 0, 0, 0, 5, 0, 6, 0, 0, 0, 0, 0, 7, 0, 8});
  V five(25, 0);
  five[6] = 5, five[8] = 6, five[16] = 7, five[18] = 8;
  expectSame(ok(n, {x, idx, T(I64, {4}, {1, 1, 5, 5})}, {{F32, {1, 1, 5, 5}}}),
             five);
  runFails(n, {x, T(I64, {1, 1, 2, 2}, {5, 7, 13, 16})}, {{F32, {1, 1, 4, 4}}},
           "index 16 out of range [0, 16)");
  runFails(n, {x, idx, T(I64, {4}, {1, 1, 5, 6})}, {{F32, {1, 1, 5, 5}}},
           "output_shape entry 3 is 6");
  rejects(n, {x, idx, T(I64, {4}, {1, 1, 3, 3})}, {{F32, {1, 1, 3, 3}}},
          "smaller than the unpooled [1,1,4,4]");
  rejects(N("MaxUnpool", {}, 11), {x, idx}, {{F32, {1, 1, 4, 4}}},
          "attribute 'kernel_shape' is required");
  rejects(n, {x, T(I32, {1, 1, 2, 2}, {5, 7, 13, 15})}, {{F32, {1, 1, 4, 4}}},
          "I must be I64 [1,1,2,2]");
  rejects(N("MaxUnpool", {attrInts("kernel_shape", {2, 2})}, 9),
          {x, idx, T(I64, {4}, {1, 1, 3, 3})}, {{F32, {1, 1, 3, 3}}},
          "expects 2 inputs");
}

TEST(HostKernels, DFT) {
  // [1, 2, 3, 4]: X = 10, -2 + 2i, -2, -2 - 2i.
  Tensor x = T(F64, {1, 4, 1}, {1, 2, 3, 4});
  expectNear(ok(N("DFT"), {x}, {{F64, {1, 4, 2}}}),
             {10, 0, -2, 2, -2, 0, -2, -2});
  expectNear(ok(N("DFT", {attrI("onesided", 1)}), {x}, {{F64, {1, 3, 2}}}),
             {10, 0, -2, 2, -2, 0});
  // The inverse of the spectrum (complex input) is the signal again.
  expectNear(ok(N("DFT", {attrI("inverse", 1)}),
                {T(F64, {1, 4, 2}, {10, 0, -2, 2, -2, 0, -2, -2})},
                {{F64, {1, 4, 2}}}),
             {1, 0, 2, 0, 3, 0, 4, 0});
  // dft_length truncates (2 points: 3, -1) or pads with zeros (6 points,
  // onesided: 10, -3.5 - 2.5 sqrt(3) i, 2.5 + sqrt(3) / 2 i, -2).
  expectNear(ok(N("DFT"), {x, T(I64, {}, {2})}, {{F64, {1, 2, 2}}}),
             {3, 0, -1, 0});
  double r3 = std::sqrt(3.0);
  expectNear(ok(N("DFT", {attrI("onesided", 1)}), {x, T(I32, {1}, {6})},
                {{F64, {1, 4, 2}}}),
             {10, 0, -3.5, -2.5 * r3, 2.5, r3 / 2, -2, 0});
  runFails(N("DFT"), {x, T(I64, {}, {3})}, {{F64, {1, 4, 2}}},
           "dft_length 3 does not give the output [1,4,2] on axis 1");
  // Along axis 2 (also as -2): the lines (1, 2) and (3, 4).
  Tensor x2 = T(F32, {1, 2, 2, 1}, {1, 2, 3, 4});
  for (int64_t axis : {2, -2})
    expectNear(ok(N("DFT", {attrI("axis", axis)}), {x2}, {{F32, {1, 2, 2, 2}}}),
               {3, 0, -1, 0, 7, 0, -1, 0}, 1e-6);
  rejects(N("DFT", {attrI("axis", -1)}), {x}, {{F64, {1, 4, 2}}},
          "axis -1 out of range [-3, -2] or [0, 1]");
  // 2^18 points over 2^18 samples: 2^36 products, past the 2^34 bound, is
  // refused before any is computed.
  runFails(N("DFT"), {T(F64, {1, 1 << 18, 1}, V(1 << 18, 0))},
           {{F64, {1, 1 << 18, 2}}}, "takes more than");
  rejects(N("DFT"), {T(F64, {1, 2, 3}, V(6, 0))}, {{F64, {1, 2, 2}}},
          "input must be [batch, ..., 1 or 2]");
  rejects(N("DFT", {attrI("inverse", 2)}), {x}, {{F64, {1, 4, 2}}},
          "inverse must be 0 or 1");
  rejects(N("DFT"), {x}, {{F64, {1, 4, 1}}}, "expected F64 [1,4,2]");
}

TEST(HostKernels, STFT) {
  // Frames [1, 2, 3, 4] and [5, 6, 7, 8] (4 points, 4 apart), onesided:
  // 10, -2 + 2i, -2 and 26, -2 + 2i, -2.
  Tensor x = T(F32, {1, 8, 1}, {1, 2, 3, 4, 5, 6, 7, 8});
  Tensor step4 = T(I64, {}, {4}), four = T(I64, {}, {4});
  expectNear(ok(N("STFT"), {x, step4, absent(), four}, {{F32, {1, 2, 3, 2}}}),
             {10, 0, -2, 2, -2, 0, 26, 0, -2, 2, -2, 0}, 1e-5);
  // The window [0, 1, 1, 0] sets the frame's length: frames [0, 2, 3, 0]
  // and [0, 6, 7, 0] give 5, -3 - 2i, 1 and 13, -7 - 6i, 1.
  expectNear(ok(N("STFT"), {x, step4, T(F32, {4}, {0, 1, 1, 0})},
                {{F32, {1, 2, 3, 2}}}),
             {5, 0, -3, -2, 1, 0, 13, 0, -7, -6, 1, 0}, 1e-5);
  // A complex signal, every bin (onesided = 0), one frame.
  expectNear(ok(N("STFT", {attrI("onesided", 0)}),
                {T(F64, {1, 4, 2}, {1, 0, 2, 0, 3, 0, 4, 0}), T(I32, {}, {1}),
                 absent(), T(I32, {}, {4})},
                {{F64, {1, 1, 4, 2}}}),
             {10, 0, -2, 2, -2, 0, -2, -2});
  rejects(N("STFT"), {T(F32, {1, 4, 2}, V(8, 0)), step4, absent(), four},
          {{F32, {1, 1, 3, 2}}}, "a complex signal has no onesided transform");
  rejects(N("STFT"), {x, step4}, {{F32, {1, 2, 3, 2}}},
          "needs a window or a frame_length");
  rejects(N("STFT"), {x, step4, T(F32, {2, 2}, {1, 1, 1, 1})},
          {{F32, {1, 2, 2, 2}}}, "the window must be 1-D and not empty");
  rejects(N("STFT"), {T(F32, {8}, V(8, 0)), step4, absent(), four},
          {{F32, {1, 2, 3, 2}}}, "signal must be [batch, length, 1 or 2]");
  runFails(N("STFT"), {x, T(I64, {}, {0}), absent(), four},
           {{F32, {1, 2, 3, 2}}}, "frame_step must be positive, got 0");
  runFails(N("STFT"), {x, step4, absent(), T(I64, {}, {9})},
           {{F32, {1, 1, 5, 2}}}, "a frame of 9 points in a signal of 8");
  runFails(N("STFT"), {x, T(I64, {}, {2}), absent(), four},
           {{F32, {1, 2, 3, 2}}}, "give the output [1,3,3,2], not [1,2,3,2]");
  runFails(N("STFT"), {x, step4, T(F32, {4}, {1, 1, 1, 1}), T(I64, {}, {2})},
           {{F32, {1, 2, 3, 2}}},
           "frame_length 2 and a window of 4 points differ");
}

TEST(HostKernels, WindowFunctions) {
  Tensor four = T(I64, {}, {4});
  // a0 - a1 cos(2 pi n / M) + a2 cos(4 pi n / M), M = size (periodic).
  expectNear(ok(N("HannWindow"), {four}, {{F32, {4}}}), {0, 0.5, 1, 0.5}, 1e-7);
  expectNear(ok(N("BlackmanWindow"), {four}, {{F32, {4}}}), {0, 0.34, 1, 0.34},
             1e-7);
  expectNear(ok(N("HammingWindow"), {T(I32, {}, {2})}, {{F32, {2}}}),
             {4.0 / 46, 1}, 1e-7);
  // Symmetric: M = size - 1, and a window of one point is 1.
  expectNear(ok(N("HannWindow", {attrI("periodic", 0)}), {T(I32, {}, {3})},
                {{F32, {3}}}),
             {0, 1, 0}, 1e-7);
  expectNear(ok(N("HammingWindow", {attrI("periodic", 0)}), {T(I32, {}, {1})},
                {{F32, {1}}}),
             {1});
  // output_datatype: DOUBLE, and an integer type truncates as Cast does.
  expectNear(ok(N("BlackmanWindow", {attrI("output_datatype", 11)}), {four},
                {{F64, {4}}}),
             {0, 0.34, 1, 0.34}, 1e-15);
  expectSame(
      ok(N("HannWindow", {attrI("output_datatype", 7)}), {four}, {{I64, {4}}}),
      {0, 0, 1, 0});
  rejects(N("HannWindow", {attrI("output_datatype", 8)}), {four}, {{F32, {4}}},
          "output_datatype 8 is not a numeric type");
  rejects(N("HannWindow", {attrI("periodic", 2)}), {four}, {{F32, {4}}},
          "periodic must be 0 or 1");
  rejects(N("HannWindow"), {T(F32, {}, {4})}, {{F32, {4}}}, "input 0");
  runFails(N("HannWindow"), {T(I64, {}, {5})}, {{F32, {4}}},
           "size 5 does not give the output [4]");
}

TEST(HostKernels, MelWeightMatrix) {
  // ONNX's backend test: 8 mel bins over 9 spectrogram bins (16-point DFT
  // at 8192 Hz, 0 to 4096 Hz). The band edges fall on bins 0, 0, 1, 1, 2,
  // 3, 4, 5, 6, 7: each filter is 1 at its centre bin.
  std::vector<Tensor> in = {T(I32, {}, {8}), T(I32, {}, {16}),
                            T(I32, {}, {8192}), T(F32, {}, {0}),
                            T(F32, {}, {4096})};
  V want(9 * 8, 0);
  for (auto [row, col] : {std::pair{0, 0},
                          {0, 1},
                          {1, 2},
                          {1, 3},
                          {2, 4},
                          {3, 5},
                          {4, 6},
                          {5, 7}})
    want[size_t(row * 8 + col)] = 1;
  expectSame(ok(N("MelWeightMatrix"), in, {{F32, {9, 8}}}), want);
  // A wider DFT resolves the triangles: 2 mel bins (32-point DFT at
  // 1000 Hz, 0 to 400 Hz). The 4 points are 0, 127.3, 254.7 and 382.0 mel,
  // 0, 83.8, 177.5 and 282.6 Hz, bins floor(33 f / 1000) = 0, 2, 5, 9:
  // filter 0 rises over bins 0-2 and falls to bin 5, filter 1 rises over
  // 2-5 and falls to 9.
  V tri(17 * 2, 0);
  for (auto [row, col, v] : {std::tuple{1, 0, 0.5},
                             {2, 0, 1.0},
                             {3, 0, 2.0 / 3},
                             {4, 0, 1.0 / 3},
                             {3, 1, 1.0 / 3},
                             {4, 1, 2.0 / 3},
                             {5, 1, 1.0},
                             {6, 1, 0.75},
                             {7, 1, 0.5},
                             {8, 1, 0.25}})
    tri[size_t(row * 2 + col)] = v;
  expectNear(ok(N("MelWeightMatrix"),
                {T(I64, {}, {2}), T(I64, {}, {32}), T(I64, {}, {1000}),
                 T(F64, {}, {0}), T(F64, {}, {400})},
                {{F32, {17, 2}}}),
             tri, 1e-7);
  rejects(N("MelWeightMatrix"), {T(F32, {}, {8}), in[1], in[2], in[3], in[4]},
          {{F32, {9, 8}}}, "input 0");
  std::vector<Tensor> nyquist = in;
  nyquist[4] = T(F32, {}, {5000});
  runFails(N("MelWeightMatrix"), nyquist, {{F32, {9, 8}}},
           "must lie in [0, sample_rate / 2 = 4096]");
  runFails(N("MelWeightMatrix"), in, {{F32, {8, 8}}},
           "give the output [9,8], not [8,8]");
}

//===----------------------------------------------------------------------===//
// Data-dependent output shapes: NonZero, Compress, Unique, NonMaxSuppression
//===----------------------------------------------------------------------===//

/// The outputs of a kernel with HostKernel::bound, cut to the actual shapes
/// it recorded in HostWork::outputShapes.
struct Dyn {
  std::vector<Shape> shapes;
  std::vector<V> outs;
};

/// Checks that `bound` gives the present outputs' shapes in `outs`, then
/// verifies and runs; every actual shape has the bound's rank and no larger
/// dimensions, and the bytes past the actual output are untouched.
Dyn dyn(const HostNode &node, std::vector<Tensor> ins,
        std::vector<OutSpec> outs) {
  Dyn d;
  const HostKernel *k = lookupHostKernel(node.opType);
  EXPECT_TRUE(k && k->bound) << node.opType;
  if (!k || !k->bound)
    return d;
  std::vector<HostTensorView> inNoData = views(ins);
  for (HostTensorView &v : inNoData)
    v.data = nullptr;
  std::vector<Shape> bounds;
  std::string why;
  EXPECT_TRUE(k->bound(node, inNoData, bounds, why)) << why;
  EXPECT_GE(bounds.size(), outs.size());
  for (size_t i = 0; i < outs.size() && i < bounds.size(); ++i) {
    if (outs[i].present) {
      EXPECT_EQ(bounds[i], outs[i].shape) << "bound of output " << i;
    }
  }
  Result r = exec(node, std::move(ins), outs);
  EXPECT_TRUE(r.verified && r.ran) << r.why;
  if (!r.ran)
    return d;
  EXPECT_EQ(r.work.outputShapes.size(), outs.size());
  if (r.work.outputShapes.size() != outs.size())
    return d;
  d.shapes = r.work.outputShapes;
  for (size_t i = 0; i < outs.size(); ++i) {
    const Shape &s = d.shapes[i];
    EXPECT_EQ(s.size(), outs[i].shape.size()) << "output " << i;
    for (size_t j = 0; j < s.size() && j < outs[i].shape.size(); ++j)
      EXPECT_TRUE(s[j] >= 0 && s[j] <= outs[i].shape[j]) << "output " << i;
    Tensor t = r.outs[i];
    if (!t.present) {
      d.outs.push_back({});
      continue;
    }
    size_t used = count(s) * elementBytes(t.type);
    for (size_t b = used; b < t.bytes.size(); ++b)
      EXPECT_EQ(t.bytes[b], 0xA5) << "output " << i << " byte " << b;
    t.shape = s;
    d.outs.push_back(values(t));
  }
  return d;
}

TEST(HostKernels, OnlyDataDependentKernelsHaveBounds) {
  for (const std::string &op : hostKernelOps()) {
    bool dynamic = op == "NonZero" || op == "Compress" || op == "Unique" ||
                   op == "NonMaxSuppression" || op == "SelectBranch";
    EXPECT_EQ(lookupHostKernel(op)->bound != nullptr, dynamic) << op;
  }
}

TEST(HostKernels, SelectBranch) {
  // The output of a data-dependent If whose branches differ in shape: the
  // taken branch in its own shape, bounded by the larger extent per axis.
  Dyn d =
      dyn(N("SelectBranch"),
          {T(Bool, {}, {1}), T(F32, {1, 3}, {1, 2, 3}), T(F32, {2, 1}, {7, 8})},
          {{F32, {2, 3}}});
  EXPECT_EQ(d.shapes, (std::vector<Shape>{{1, 3}}));
  expectSame(d.outs[0], {1, 2, 3});
  d = dyn(
      N("SelectBranch"),
      {T(Bool, {1}, {0}), T(F32, {1, 3}, {1, 2, 3}), T(F32, {2, 1}, {7, 8})},
      {{F32, {2, 3}}});
  EXPECT_EQ(d.shapes, (std::vector<Shape>{{2, 1}}));
  expectSame(d.outs[0], {7, 8});
  // An empty branch (a detector's "no boxes").
  d = dyn(N("SelectBranch"),
          {T(Bool, {}, {0}), T(I64, {2, 2}, {1, 2, 3, 4}), T(I64, {2, 0}, {})},
          {{I64, {2, 2}}});
  EXPECT_EQ(d.shapes, (std::vector<Shape>{{2, 0}}));

  rejects(N("SelectBranch"),
          {T(Bool, {}, {1}), T(F32, {1, 3}, {1, 2, 3}), T(F32, {3}, {1, 2, 3})},
          {{F32, {1, 3}}}, "the branches' ranks differ: [1,3] and [3]");
  rejects(N("SelectBranch"),
          {T(Bool, {}, {1}), T(F32, {1}, {1}), T(I32, {1}, {1})}, {{F32, {1}}},
          "input 2 is I32, expected F32");
  rejects(N("SelectBranch"),
          {T(Bool, {2}, {1, 0}), T(F32, {1}, {1}), T(F32, {1}, {2})},
          {{F32, {1}}}, "cond must be a one-element BOOL tensor");
  rejects(N("SelectBranch"),
          {T(Bool, {}, {1}), T(F32, {1, 3}, {1, 2, 3}), T(F32, {2, 1}, {7, 8})},
          {{F32, {1, 3}}}, "expected F32 [2,3]");
}

TEST(HostKernels, CheckLoopBound) {
  // A Loop unrolled to --max-trip-count: the value passes through while the
  // loop stays within its bound; past it, the run stops with one line.
  HostNode node = N("CheckLoopBound", {attrI("bound", 5)});
  expectSame(ok(node, {T(Bool, {}, {0}), T(F32, {2}, {1.5, -2})}, {{F32, {2}}}),
             {1.5, -2});
  runFails(node, {T(Bool, {1}, {1}), T(F32, {2}, {1.5, -2})}, {{F32, {2}}},
           "the Loop needs more than the 5 iterations it was unrolled for");
  rejects(N("CheckLoopBound"), {T(Bool, {}, {0}), T(F32, {1}, {1})},
          {{F32, {1}}}, "needs a non-negative 'bound' attribute");
  rejects(node, {T(I32, {}, {0}), T(F32, {1}, {1})}, {{F32, {1}}},
          "over must be a one-element BOOL tensor");
  rejects(node, {T(Bool, {}, {0}), T(F32, {1}, {1})}, {{F32, {2}}},
          "expected F32 [1]");
}

TEST(HostKernels, NonZero) {
  // Operators.md: [[1, 0], [1, 1]] -> [[0, 1, 1], [0, 0, 1]].
  Dyn d = dyn(N("NonZero"), {T(Bool, {2, 2}, {1, 0, 1, 1})}, {{I64, {2, 4}}});
  EXPECT_EQ(d.shapes, (std::vector<Shape>{{2, 3}}));
  expectSame(d.outs[0], {0, 1, 1, 0, 0, 1});
  // Rows of [rank, nnz] are dense: (0, 0, 1) and (1, 1, 0).
  d = dyn(N("NonZero", {}, 9), {T(I8, {2, 2, 2}, {0, 1, 0, 0, 0, 0, 3, 0})},
          {{I64, {3, 8}}});
  EXPECT_EQ(d.shapes, (std::vector<Shape>{{3, 2}}));
  expectSame(d.outs[0], {0, 1, 0, 1, 1, 0});
  // NaN is nonzero, -0.0 is not (F32 and F16 bits 0x8000).
  d = dyn(N("NonZero"), {T(F32, {4}, {0, -0.0, kNaN, 2})}, {{I64, {1, 4}}});
  EXPECT_EQ(d.shapes, (std::vector<Shape>{{1, 2}}));
  expectSame(d.outs[0], {2, 3});
  d = dyn(N("NonZero"), {T(F16, {2}, {0x8000, 0x3c00})}, {{I64, {1, 2}}});
  expectSame(d.outs[0], {1});
  // All zero: [2, 0]. A scalar is a one-element 1-D tensor.
  d = dyn(N("NonZero"), {T(U64, {2, 2}, {0, 0, 0, 0})}, {{I64, {2, 4}}});
  EXPECT_EQ(d.shapes, (std::vector<Shape>{{2, 0}}));
  d = dyn(N("NonZero"), {T(I32, {}, {7})}, {{I64, {1, 1}}});
  EXPECT_EQ(d.shapes, (std::vector<Shape>{{1, 1}}));
  expectSame(d.outs[0], {0});
  // Empty input.
  d = dyn(N("NonZero"), {T(F32, {0, 3}, {})}, {{I64, {2, 0}}});
  EXPECT_EQ(d.shapes, (std::vector<Shape>{{2, 0}}));

  rejects(N("NonZero"), {T(F32, {2, 2}, {1, 0, 1, 1})}, {{I64, {2, 3}}},
          "expected I64 [2,4]");
  rejects(N("NonZero"), {T(F32, {2}, {1, 0})}, {{I32, {1, 2}}},
          "expected I64 [1,2]");
  rejects(N("NonZero", {attrI("axis", 0)}), {T(F32, {2}, {1, 0})},
          {{I64, {1, 2}}}, "unknown attribute 'axis'");
}

TEST(HostKernels, Compress) {
  Tensor x = T(F32, {3, 2}, {1, 2, 3, 4, 5, 6});
  // Operators.md / ONNX's test data: axis 0, axis 1, no axis, axis -1.
  Dyn d = dyn(N("Compress", {attrI("axis", 0)}), {x, T(Bool, {3}, {0, 1, 1})},
              {{F32, {3, 2}}});
  EXPECT_EQ(d.shapes, (std::vector<Shape>{{2, 2}}));
  expectSame(d.outs[0], {3, 4, 5, 6});
  for (int64_t axis : {1, -1}) {
    d = dyn(N("Compress", {attrI("axis", axis)}, axis < 0 ? 11 : 9),
            {x, T(Bool, {2}, {0, 1})}, {{F32, {3, 2}}});
    EXPECT_EQ(d.shapes, (std::vector<Shape>{{3, 1}}));
    expectSame(d.outs[0], {2, 4, 6});
  }
  d = dyn(N("Compress"), {x, T(Bool, {5}, {0, 1, 0, 0, 1})}, {{F32, {5}}});
  EXPECT_EQ(d.shapes, (std::vector<Shape>{{2}}));
  expectSame(d.outs[0], {2, 5});
  // A shorter condition drops the rest: bound min(len, dim).
  d = dyn(N("Compress", {attrI("axis", 0)}), {x, T(Bool, {2}, {1, 1})},
          {{F32, {2, 2}}});
  expectSame(d.outs[0], {1, 2, 3, 4});
  // A longer one may only hold false past the axis.
  d = dyn(N("Compress", {attrI("axis", 0)}), {x, T(Bool, {5}, {1, 0, 1, 0, 0})},
          {{F32, {3, 2}}});
  EXPECT_EQ(d.shapes, (std::vector<Shape>{{2, 2}}));
  expectSame(d.outs[0], {1, 2, 5, 6});
  runFails(N("Compress", {attrI("axis", 0)}), {x, T(Bool, {4}, {0, 0, 0, 1})},
           {{F32, {3, 2}}},
           "condition selects index 3 beyond the axis extent 3");
  runFails(N("Compress"), {T(I8, {2}, {1, 2}), T(Bool, {3}, {0, 0, 1})},
           {{I8, {2}}}, "condition selects index 2 beyond the axis extent 2");
  // Middle axis of a 3-D U8 tensor; an empty condition.
  d = dyn(N("Compress", {attrI("axis", 1)}),
          {T(U8, {2, 3, 2}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}),
           T(Bool, {3}, {1, 0, 1})},
          {{U8, {2, 3, 2}}});
  EXPECT_EQ(d.shapes, (std::vector<Shape>{{2, 2, 2}}));
  expectSame(d.outs[0], {1, 2, 5, 6, 7, 8, 11, 12});
  d = dyn(N("Compress", {attrI("axis", 0)}), {x, T(Bool, {0}, {})},
          {{F32, {0, 2}}});
  EXPECT_EQ(d.shapes, (std::vector<Shape>{{0, 2}}));
  d = dyn(N("Compress", {attrI("axis", 0)}), {x, T(Bool, {3}, {0, 0, 0})},
          {{F32, {3, 2}}});
  EXPECT_EQ(d.shapes, (std::vector<Shape>{{0, 2}}));

  rejects(N("Compress"), {x, T(I64, {2}, {0, 1})}, {{F32, {2}}},
          "condition must be a 1-D BOOL tensor, got I64 [2]");
  rejects(N("Compress"), {x, T(Bool, {1, 2}, {0, 1})}, {{F32, {2}}},
          "condition must be a 1-D BOOL tensor");
  rejects(N("Compress", {attrI("axis", -1)}, 9), {x, T(Bool, {2}, {0, 1})},
          {{F32, {3, 1}}}, "a negative axis needs opset 11, got -1 at opset 9");
  rejects(N("Compress", {attrI("axis", 2)}), {x, T(Bool, {2}, {0, 1})},
          {{F32, {3, 2}}}, "axis 2 out of range [-2, 2)");
  rejects(N("Compress", {attrI("axis", 0)}), {x, T(Bool, {3}, {0, 1, 1})},
          {{F32, {2, 2}}}, "expected F32 [3,2]");
  rejects(N("Compress"), {x, T(Bool, {3}, {0, 1, 1})}, {{I32, {3}}},
          "expected F32 [3]");
  rejects(N("Compress"), {x}, {{F32, {3}}}, "expects 2 inputs");
}

TEST(HostKernels, Unique) {
  std::vector<OutSpec> all6 = {{F32, {6}}, {I64, {6}}, {I64, {6}}, {I64, {6}}};
  Tensor x = T(F32, {6}, {2, 1, 1, 3, 4, 3});
  // Operators.md example 1 (sorted = 0) and its sorted counterpart.
  Dyn d = dyn(N("Unique", {attrI("sorted", 0)}), {x}, all6);
  EXPECT_EQ(d.shapes, (std::vector<Shape>{{4}, {4}, {6}, {4}}));
  expectSame(d.outs[0], {2, 1, 3, 4});
  expectSame(d.outs[1], {0, 1, 3, 4});
  expectSame(d.outs[2], {0, 1, 1, 2, 3, 2});
  expectSame(d.outs[3], {1, 2, 2, 1});
  d = dyn(N("Unique"), {x}, all6);
  expectSame(d.outs[0], {1, 2, 3, 4});
  expectSame(d.outs[1], {1, 0, 3, 4});
  expectSame(d.outs[2], {1, 0, 0, 2, 3, 2});
  expectSame(d.outs[3], {2, 1, 2, 1});
  // Y alone keeps the first-occurrence order (ONNX's reference sorts it).
  d = dyn(N("Unique", {attrI("sorted", 0)}), {x}, {{F32, {6}}});
  expectSame(d.outs[0], {2, 1, 3, 4});
  // Absent optional outputs.
  d = dyn(N("Unique"), {x},
          {{F32, {6}}, {I64, {6}, false}, {I64, {6}, false}, {I64, {6}}});
  EXPECT_EQ(d.shapes[3], (Shape{4}));
  expectSame(d.outs[3], {2, 1, 2, 1});

  // Example 2: a 2-D input without axis is flattened.
  d = dyn(N("Unique", {attrI("sorted", 1)}), {T(I32, {2, 2}, {1, 3, 2, 3})},
          {{I32, {4}}, {I64, {4}}, {I64, {4}}, {I64, {4}}});
  expectSame(d.outs[0], {1, 2, 3});
  expectSame(d.outs[1], {0, 2, 1});
  expectSame(d.outs[2], {0, 2, 1, 2});
  expectSame(d.outs[3], {1, 1, 2});

  // Example 3: rows (axis 0).
  Tensor x3 = T(F32, {3, 3}, {1, 0, 0, 1, 0, 0, 2, 3, 4});
  std::vector<OutSpec> o3 = {{F32, {3, 3}}, {I64, {3}}, {I64, {3}}, {I64, {3}}};
  d = dyn(N("Unique", {attrI("axis", 0)}), {x3}, o3);
  EXPECT_EQ(d.shapes, (std::vector<Shape>{{2, 3}, {2}, {3}, {2}}));
  expectSame(d.outs[0], {1, 0, 0, 2, 3, 4});
  expectSame(d.outs[1], {0, 2});
  expectSame(d.outs[2], {0, 0, 1});
  expectSame(d.outs[3], {2, 1});

  // Example 4: slices along axis 1 of a 3-D input, sorted and not.
  Tensor x4 =
      T(F32, {2, 4, 2}, {1, 1, 0, 1, 2, 1, 0, 1, 1, 1, 0, 1, 2, 1, 0, 1});
  std::vector<OutSpec> o4 = {
      {F32, {2, 4, 2}}, {I64, {4}}, {I64, {4}}, {I64, {4}}};
  d = dyn(N("Unique", {attrI("axis", 1)}), {x4}, o4);
  EXPECT_EQ(d.shapes, (std::vector<Shape>{{2, 3, 2}, {3}, {4}, {3}}));
  expectSame(d.outs[0], {0, 1, 1, 1, 2, 1, 0, 1, 1, 1, 2, 1});
  expectSame(d.outs[1], {1, 0, 2});
  expectSame(d.outs[2], {1, 0, 2, 0});
  expectSame(d.outs[3], {2, 1, 1});
  d = dyn(N("Unique", {attrI("axis", 1), attrI("sorted", 0)}), {x4}, o4);
  expectSame(d.outs[0], {1, 1, 0, 1, 2, 1, 1, 1, 0, 1, 2, 1});
  expectSame(d.outs[1], {0, 1, 2});
  expectSame(d.outs[2], {0, 1, 2, 1});
  expectSame(d.outs[3], {1, 2, 1});

  // Negative axis (ONNX's test data): columns (1, 1, 2), (0, 0, 3) twice.
  Tensor x5 = T(F32, {3, 3}, {1, 0, 0, 1, 0, 0, 2, 3, 3});
  d = dyn(N("Unique", {attrI("axis", -1)}), {x5}, o3);
  EXPECT_EQ(d.shapes[0], (Shape{3, 2}));
  expectSame(d.outs[0], {0, 1, 0, 1, 3, 2});
  expectSame(d.outs[1], {1, 0});
  expectSame(d.outs[2], {1, 0, 0});
  expectSame(d.outs[3], {2, 1});
  d = dyn(N("Unique", {attrI("axis", -1), attrI("sorted", 0)}), {x5}, o3);
  expectSame(d.outs[0], {1, 0, 1, 0, 2, 3});
  expectSame(d.outs[1], {0, 1});
  expectSame(d.outs[2], {0, 1, 1});
  expectSame(d.outs[3], {1, 2});

  // NaN after numbers and equal to NaN; -0.0 equals 0.0 (first kept).
  d = dyn(N("Unique"), {T(F32, {5}, {kNaN, 0, -0.0, kNaN, -1})},
          {{F32, {5}}, {I64, {5}}, {I64, {5}}, {I64, {5}}});
  expectSame(d.outs[0], {-1, 0, kNaN});
  EXPECT_FALSE(std::signbit(d.outs[0][1]));
  expectSame(d.outs[1], {4, 1, 0});
  expectSame(d.outs[2], {2, 1, 1, 2, 0});
  expectSame(d.outs[3], {1, 2, 2});
  // BOOL and unsigned; an empty input.
  d = dyn(N("Unique"), {T(Bool, {3}, {1, 0, 1})}, {{Bool, {3}}, {I64, {3}}});
  expectSame(d.outs[0], {0, 1});
  expectSame(d.outs[1], {1, 0});
  d = dyn(N("Unique"), {T(U64, {3}, {5, 1ull << 40, 5})}, {{U64, {3}}});
  expectSame(d.outs[0], {5, double(1ull << 40)});
  d = dyn(N("Unique", {attrI("axis", 0)}), {T(I16, {0, 2}, {})},
          {{I16, {0, 2}}, {I64, {0}}, {I64, {0}}, {I64, {0}}});
  EXPECT_EQ(d.shapes, (std::vector<Shape>{{0, 2}, {0}, {0}, {0}}));

  rejects(N("Unique", {attrI("sorted", 2)}), {x}, {{F32, {6}}},
          "sorted must be 0 or 1");
  rejects(N("Unique", {attrI("axis", 1)}), {x}, {{F32, {6}}},
          "axis 1 out of range [-1, 1)");
  rejects(N("Unique"), {x}, {{F32, {4}}}, "expected F32 [6]");
  rejects(N("Unique"), {x}, {{F32, {6}}, {I32, {6}}}, "expected I64 [6]");
  rejects(N("Unique", {attrI("axis", 0)}), {x3}, {{F32, {3, 3}}, {I64, {9}}},
          "expected I64 [3]");
  rejects(N("Unique"), {x}, {{F32, {6}, false}}, "output 0 is required");
  rejects(N("Unique"), {x},
          {{F32, {6}}, {I64, {6}}, {I64, {6}}, {I64, {6}}, {I64, {6}}},
          "expects 1 to 4 outputs");
  rejects(N("Unique"), {T(BF16, {1}, {0})}, {{BF16, {1}}},
          "unsupported element type BF16");
}

TEST(HostKernels, NonMaxSuppression) {
  // ONNX's test data: six boxes, two clusters near (0, 0) and (0, 10) and
  // one at (0, 100).
  std::vector<double> b6 = {0, 0,  1, 1,  0, 0.1,  1, 1.1,  0, -0.1, 1, 0.9,
                            0, 10, 1, 11, 0, 10.1, 1, 11.1, 0, 100,  1, 101};
  std::vector<double> s6 = {0.9, 0.75, 0.6, 0.95, 0.5, 0.3};
  Tensor boxes = T(F32, {1, 6, 4}, b6), scores = T(F32, {1, 1, 6}, s6);
  auto nms = [](std::vector<Tensor> ins, Shape bound,
                std::vector<HostAttribute> attrs = {}) {
    return dyn(N("NonMaxSuppression", attrs, 11), std::move(ins),
               {{I64, bound}});
  };
  Tensor three = T(I64, {1}, {3}), iou = T(F32, {1}, {0.5}),
         zero = T(F32, {1}, {0});
  Dyn d = nms({boxes, scores, three, iou, zero}, {6, 3});
  EXPECT_EQ(d.shapes, (std::vector<Shape>{{3, 3}}));
  expectSame(d.outs[0], {0, 0, 3, 0, 0, 0, 0, 0, 5});
  // suppress_by_IOU_and_scores: box 5 (0.3) is not above 0.4.
  d = nms({boxes, scores, three, iou, T(F32, {1}, {0.4})}, {6, 3});
  expectSame(d.outs[0], {0, 0, 3, 0, 0, 0});
  // limit_output_size: 2 per class.
  d = nms({boxes, scores, T(I64, {}, {2}), iou, zero}, {6, 3});
  expectSame(d.outs[0], {0, 0, 3, 0, 0, 0});
  // flipped_coordinates: corners in either order.
  d = nms({T(F32, {1, 6, 4}, {1, 1,  0, 0,  0, 0.1,  1, 1.1,  0, 0.9, 1, -0.1,
                              0, 10, 1, 11, 1, 10.1, 0, 11.1, 1, 101, 0, 100}),
           scores, three, iou, zero},
          {6, 3});
  expectSame(d.outs[0], {0, 0, 3, 0, 0, 0, 0, 0, 5});
  // center_point_box_format.
  d = nms(
      {T(F32, {1, 6, 4}, {0.5, 0.5,  1, 1, 0.5, 0.6,  1, 1, 0.5, 0.4,   1, 1,
                          0.5, 10.5, 1, 1, 0.5, 10.6, 1, 1, 0.5, 100.5, 1, 1}),
       scores, three, iou, zero},
      {6, 3}, {attrI("center_point_box", 1)});
  expectSame(d.outs[0], {0, 0, 3, 0, 0, 0, 0, 0, 5});
  // identical_boxes: ten copies of one box, equal scores: the first.
  std::vector<double> same, s10(10, 0.9);
  for (int i = 0; i < 10; ++i)
    same.insert(same.end(), {0, 0, 1, 1});
  d = nms({T(F32, {1, 10, 4}, same), T(F32, {1, 1, 10}, s10), three, iou, zero},
          {10, 3});
  EXPECT_EQ(d.shapes, (std::vector<Shape>{{1, 3}}));
  expectSame(d.outs[0], {0, 0, 0});
  // single_box.
  d = nms({T(F32, {1, 1, 4}, {0, 0, 1, 1}), T(F32, {1, 1, 1}, {0.9}), three,
           iou, zero},
          {1, 3});
  expectSame(d.outs[0], {0, 0, 0});
  // two_batches and two_classes, 2 per class.
  std::vector<double> b12 = b6, s12 = s6;
  b12.insert(b12.end(), b6.begin(), b6.end());
  s12.insert(s12.end(), s6.begin(), s6.end());
  Tensor two = T(I64, {1}, {2});
  d = nms({T(F32, {2, 6, 4}, b12), T(F32, {2, 1, 6}, s12), two, iou, zero},
          {12, 3});
  expectSame(d.outs[0], {0, 0, 3, 0, 0, 0, 1, 0, 3, 1, 0, 0});
  d = nms({boxes, T(F32, {1, 2, 6}, s12), two, iou, zero}, {12, 3});
  expectSame(d.outs[0], {0, 0, 3, 0, 0, 0, 0, 1, 3, 0, 1, 0});

  // max_output_boxes_per_class absent, empty or negative: nothing.
  for (Tensor m : {absent(), T(I64, {0}, {}), T(I64, {1}, {-4})}) {
    d = nms({boxes, scores, m}, {6, 3});
    EXPECT_EQ(d.shapes, (std::vector<Shape>{{0, 3}}));
  }
  // Without score_threshold every score counts (negative too); with 0 none.
  // iou_threshold absent is 0: any overlap suppresses.
  Tensor apart = T(F32, {1, 3, 4}, {0, 0, 1, 1, 0, 2, 1, 3, 0, 0.5, 1, 1.5});
  Tensor neg = T(F32, {1, 1, 3}, {-1, -2, -0.5});
  d = nms({apart, neg, three}, {3, 3});
  expectSame(d.outs[0], {0, 0, 2, 0, 0, 1});
  d = nms({apart, neg, three, iou}, {3, 3});
  expectSame(d.outs[0], {0, 0, 2, 0, 0, 0, 0, 0, 1});
  d = nms({apart, neg, three, iou, zero}, {3, 3});
  EXPECT_EQ(d.shapes, (std::vector<Shape>{{0, 3}}));
  // Equal scores go by box index; a score equal to the threshold is out.
  d = nms({apart, T(F32, {1, 1, 3}, {0.5, 0.5, 0.7}), three, iou,
           T(F32, {}, {0.5})},
          {3, 3});
  expectSame(d.outs[0], {0, 0, 2});
  d = nms({T(F32, {1, 3, 4}, {0, 0, 1, 1, 0, 2, 1, 3, 0, 4, 1, 5}),
           T(F32, {1, 1, 3}, {0.5, 0.5, 0.5}), three},
          {3, 3});
  expectSame(d.outs[0], {0, 0, 0, 0, 0, 1, 0, 0, 2});
  // IoU exactly at the threshold does not suppress: [0,0,1,1] in
  // [0,0,1,2] has IoU 1/2.
  Tensor half = T(F32, {1, 2, 4}, {0, 0, 1, 1, 0, 0, 1, 2});
  Tensor s2 = T(F32, {1, 1, 2}, {0.9, 0.8});
  d = nms({half, s2, three, iou}, {2, 3});
  expectSame(d.outs[0], {0, 0, 0, 0, 0, 1});
  d = nms({half, s2, three, T(F32, {1}, {0.49})}, {2, 3});
  expectSame(d.outs[0], {0, 0, 0});
  // NaN scores come last; NaN boxes never suppress or get suppressed.
  d = nms({T(F32, {1, 3, 4}, {0, 0, 1, 1, 0, 0, 1, 1, 0, 0, kNaN, 1}),
           T(F32, {1, 1, 3}, {kNaN, 0.1, 0.2}), three, iou},
          {3, 3});
  expectSame(d.outs[0], {0, 0, 2, 0, 0, 1});
  // Huge max_output_boxes_per_class: bounded by the boxes.
  d = nms({boxes, scores, T(I64, {1}, {double(1ll << 62)}), T(F32, {1}, {1})},
          {6, 3});
  EXPECT_EQ(d.shapes, (std::vector<Shape>{{6, 3}}));

  HostNode n = N("NonMaxSuppression");
  rejects(n, {T(F32, {1, 6, 3}, V(18, 0)), scores}, {{I64, {6, 3}}},
          "boxes must be [batches, boxes, 4], got [1,6,3]");
  rejects(n, {T(F32, {6, 4}, V(24, 0)), scores}, {{I64, {6, 3}}},
          "boxes must be [batches, boxes, 4]");
  rejects(n, {boxes, T(F32, {1, 1, 5}, V(5, 0))}, {{I64, {5, 3}}},
          "scores must be [1, classes, 6], got [1,1,5]");
  rejects(n, {T(F16, {1, 6, 4}, V(24, 0)), scores}, {{I64, {6, 3}}},
          "input 0 has unsupported element type F16");
  rejects(n, {boxes, scores, T(I32, {1}, {3})}, {{I64, {6, 3}}},
          "input 2 has unsupported element type I32");
  rejects(n, {boxes, scores, three, T(F32, {2}, {0.5, 0.5})}, {{I64, {6, 3}}},
          "input 3 must be a scalar, got [2]");
  rejects(N("NonMaxSuppression", {attrI("center_point_box", 2)}),
          {boxes, scores}, {{I64, {6, 3}}}, "center_point_box must be 0 or 1");
  rejects(n, {boxes, scores}, {{I64, {3, 3}}}, "expected I64 [6,3]");
  rejects(n, {boxes}, {{I64, {6, 3}}}, "expects 2 to 5 inputs");
}

} // namespace

// Shape inference through verify (inferHostOutputShapes): how values of
// data-dependent shape flow through host ops.
TEST(HostKernels, InferOutputShapesFromInputShapes) {
  auto view = [](ElementType type, Shape shape) {
    HostTensorView v;
    v.type = type;
    v.shape = std::move(shape);
    return v;
  };
  auto infer = [](const HostNode &node, std::vector<HostTensorView> in,
                  std::vector<ElementType> types, std::vector<Shape> &shapes,
                  std::string &why) {
    const HostKernel *k = lookupHostKernel(node.opType);
    return k && inferHostOutputShapes(*k, node, in, types, shapes, why);
  };
  std::vector<Shape> shapes;
  std::string why;
  // NonZero's [2, 7] (two axes, seven non-zeros) transposed.
  ASSERT_TRUE(infer(N("Transpose"), {view(I64, {2, 7})}, {I64}, shapes, why))
      << why;
  EXPECT_EQ(shapes, std::vector<Shape>{Shape({7, 2})});
  // Gathering those seven coordinates from a 2x6 tensor.
  ASSERT_TRUE(infer(N("GatherND"), {view(F32, {2, 6}), view(I64, {7, 2})},
                    {F32}, shapes, why))
      << why;
  EXPECT_EQ(shapes, std::vector<Shape>{Shape({7})});
  // Broadcasting.
  ASSERT_TRUE(infer(N("Add"), {view(F32, {3, 1}), view(F32, {1, 4})}, {F32},
                    shapes, why))
      << why;
  EXPECT_EQ(shapes, std::vector<Shape>{Shape({3, 4})});
  // A kernel with a bound gives its bound.
  ASSERT_TRUE(infer(N("NonZero"), {view(F32, {2, 3})}, {I64}, shapes, why))
      << why;
  EXPECT_EQ(shapes, std::vector<Shape>{Shape({2, 6})});
  // Reshape's target is data: without it, inference says so ...
  EXPECT_FALSE(infer(N("Reshape"), {view(F32, {7}), view(I64, {2})}, {F32},
                     shapes, why));
  EXPECT_NE(why.find("depends on the values of input 1, which are not known"),
            std::string::npos)
      << why;
  // ... with it, the shape follows (shapesFromData), -1 inferred.
  int64_t target[2] = {-1, 1};
  HostTensorView t = view(I64, {2});
  t.data = reinterpret_cast<uint8_t *>(target);
  ASSERT_TRUE(infer(N("Reshape"), {view(F32, {7}), t}, {F32}, shapes, why))
      << why;
  EXPECT_EQ(shapes, std::vector<Shape>{Shape({7, 1})});
  // Slice's starts/ends/axes/steps: rows 1.. of 7, every second.
  int64_t starts[1] = {1}, ends[1] = {100}, axes[1] = {0}, steps[1] = {2};
  std::vector<HostTensorView> slice = {view(I64, {7, 2})};
  for (int64_t *p : {starts, ends, axes, steps}) {
    slice.push_back(view(I64, {1}));
    slice.back().data = reinterpret_cast<uint8_t *>(p);
  }
  ASSERT_TRUE(infer(N("Slice"), slice, {I64}, shapes, why)) << why;
  EXPECT_EQ(shapes, std::vector<Shape>{Shape({3, 2})});
  // TopK's K, both outputs; a K past the axis is refused.
  int64_t k[1] = {3};
  HostTensorView kv = view(I64, {1});
  kv.data = reinterpret_cast<uint8_t *>(k);
  ASSERT_TRUE(
      infer(N("TopK"), {view(F32, {2, 5}), kv}, {F32, I64}, shapes, why))
      << why;
  EXPECT_EQ(shapes, (std::vector<Shape>{Shape({2, 3}), Shape({2, 3})}));
  k[0] = 9;
  EXPECT_FALSE(
      infer(N("TopK"), {view(F32, {2, 5}), kv}, {F32, I64}, shapes, why));
  // ReduceSum's axes input (opset 13).
  int64_t axis1[1] = {1};
  HostTensorView av = view(I64, {1});
  av.data = reinterpret_cast<uint8_t *>(axis1);
  ASSERT_TRUE(infer(N("ReduceSum", {}, 13), {view(F32, {4, 6}), av}, {F32},
                    shapes, why))
      << why;
  EXPECT_EQ(shapes, std::vector<Shape>{Shape({4, 1})});
  // A shape that depends on values no kernel can read (Range's limits).
  EXPECT_FALSE(infer(N("Range"), {view(F32, {}), view(F32, {}), view(F32, {})},
                     {F32}, shapes, why));
  // A wrong element type is still refused.
  EXPECT_FALSE(infer(N("Transpose"), {view(I64, {2, 7})}, {F32}, shapes, why));
}
