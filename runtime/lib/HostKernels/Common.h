//===- Common.h - shared machinery of the host kernels ----------*- C++ -*-===//
//
// Private to runtime/lib/HostKernels*: element-type dispatch (visitType),
// FP16/BF16 conversion, type sets, error formatting, axis normalisation,
// broadcasting, and the verify helpers every kernel uses (arity, attribute
// kinds, output type and shape). Each op family (Elementwise.cpp,
// Indexing.cpp, Reduction.cpp, Shape.cpp, Resize.cpp, Pooling.cpp,
// Math.cpp, Rearrange.cpp, Quantize.cpp, DataDependent.cpp, ...) exports one
// table of kernels that HostKernels.cpp merges into the registry.
//
//===----------------------------------------------------------------------===//

#ifndef NPU_RUNTIME_LIB_HOSTKERNELS_COMMON_H
#define NPU_RUNTIME_LIB_HOSTKERNELS_COMMON_H

#include "npu/runtime/Executable.h"
#include "npu/runtime/HostKernels.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace npu::rt::hk {

using bin::ElementType;
using Shape = std::vector<int64_t>;
using Tensors = std::vector<HostTensorView>;
using Bounds = std::vector<Shape>;

// The signatures of HostKernel::verify and HostKernel::run.
#define HK_VERIFY_ARGS                                                         \
  [[maybe_unused]] const ::npu::rt::HostNode &node,                            \
      [[maybe_unused]] const ::npu::rt::hk::Tensors &in,                       \
      [[maybe_unused]] const ::npu::rt::hk::Tensors &out,                      \
      [[maybe_unused]] std::string &why
#define HK_RUN_ARGS                                                            \
  [[maybe_unused]] const ::npu::rt::HostNode &node,                            \
      [[maybe_unused]] const ::npu::rt::hk::Tensors &in,                       \
      [[maybe_unused]] const ::npu::rt::hk::Tensors &out,                      \
      [[maybe_unused]] ::npu::rt::HostWork &work,                              \
      [[maybe_unused]] std::string &why
// The signature of HostKernel::bound (data-dependent output shapes).
#define HK_BOUND_ARGS                                                          \
  [[maybe_unused]] const ::npu::rt::HostNode &node,                            \
      [[maybe_unused]] const ::npu::rt::hk::Tensors &in,                       \
      [[maybe_unused]] ::npu::rt::hk::Bounds &bounds,                          \
      [[maybe_unused]] std::string &why

// The signature of HostKernel::shapesFromData.
#define HK_SHAPES_ARGS                                                         \
  [[maybe_unused]] const ::npu::rt::HostNode &node,                            \
      [[maybe_unused]] const ::npu::rt::hk::Tensors &in,                       \
      [[maybe_unused]] ::npu::rt::hk::Bounds &shapes,                          \
      [[maybe_unused]] std::string &why

/// The kernel tables of the op families, merged by HostKernels.cpp.
struct KernelTable {
  const HostKernel *kernels;
  size_t count;
};
KernelTable elementwiseKernels();
KernelTable indexingKernels();
KernelTable reductionKernels();
KernelTable shapeKernels();
KernelTable resizeKernels();    // Resize.cpp
KernelTable poolingKernels();   // Pooling.cpp
KernelTable mathKernels();      // Math.cpp: Pad, Clip, Einsum
KernelTable rearrangeKernels(); // Rearrange.cpp: DepthToSpace, SpaceToDepth
KernelTable quantizeKernels();  // Quantize.cpp: (De)QuantizeLinear, QLinear*
KernelTable samplingKernels();  // Sampling.cpp: GridSample, RoiAlign
KernelTable textKernels();      // Text.cpp: TfIdfVectorizer
KernelTable signalKernels();    // Signal.cpp: DFT, STFT, windows, mel bank
KernelTable dataDependentKernels(); // DataDependent.cpp: NonZero, Compress,
                                    // Unique, NonMaxSuppression
KernelTable controlFlowKernels();   // ControlFlow.cpp: SelectBranch,
                                    // CheckLoopBound (the importer's own)

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

/// Sets `why` to "<OpType>: <parts...>" and returns false.
template <class... Parts>
bool fail(std::string &why, const HostNode &node, const Parts &...parts) {
  std::ostringstream os;
  os << node.opType << ": ";
  (os << ... << parts);
  why = os.str();
  return false;
}

std::string shapeStr(const Shape &shape);
const char *typeStr(ElementType type);

//===----------------------------------------------------------------------===//
// Element types
//===----------------------------------------------------------------------===//

/// Storage types without a C++ arithmetic equivalent.
struct Half {
  uint16_t bits;
}; ///< IEEE binary16.
struct BFloat16 {
  uint16_t bits;
}; ///< bfloat16.
struct Bool8 {
  uint8_t bits;
}; ///< ONNX bool: one byte, nonzero = true.

float halfToFloat(uint16_t h);
uint16_t floatToHalf(float f); ///< Round to nearest even.
float bf16ToFloat(uint16_t b);
uint16_t floatToBf16(float f); ///< Round to nearest even.

/// How kernels load and store elements of storage type S: as `C`, the
/// computation type (float for Half and BFloat16, bool for Bool8, S
/// otherwise). Unaligned operands are fine (memcpy).
template <class S> struct Elem {
  using C = S;
  static C load(const uint8_t *p, uint64_t i) {
    S v;
    std::memcpy(&v, p + i * sizeof(S), sizeof(S));
    return v;
  }
  static void store(uint8_t *p, uint64_t i, C v) {
    std::memcpy(p + i * sizeof(S), &v, sizeof(S));
  }
};
template <> struct Elem<Half> {
  using C = float;
  static C load(const uint8_t *p, uint64_t i) {
    uint16_t b;
    std::memcpy(&b, p + 2 * i, 2);
    return halfToFloat(b);
  }
  static void store(uint8_t *p, uint64_t i, C v) {
    uint16_t b = floatToHalf(v);
    std::memcpy(p + 2 * i, &b, 2);
  }
};
template <> struct Elem<BFloat16> {
  using C = float;
  static C load(const uint8_t *p, uint64_t i) {
    uint16_t b;
    std::memcpy(&b, p + 2 * i, 2);
    return bf16ToFloat(b);
  }
  static void store(uint8_t *p, uint64_t i, C v) {
    uint16_t b = floatToBf16(v);
    std::memcpy(p + 2 * i, &b, 2);
  }
};
template <> struct Elem<Bool8> {
  using C = bool;
  static C load(const uint8_t *p, uint64_t i) { return p[i] != 0; }
  static void store(uint8_t *p, uint64_t i, C v) { p[i] = v ? 1 : 0; }
};

template <class S> using Compute = typename Elem<S>::C;
template <class S> struct Tag { using type = S; };

/// Calls f(Tag<S>{}) with S the storage type of `type`.
template <class F> decltype(auto) visitType(ElementType type, F &&f) {
  switch (type) {
  case ElementType::F32:
    return f(Tag<float>{});
  case ElementType::I8:
    return f(Tag<int8_t>{});
  case ElementType::I32:
    return f(Tag<int32_t>{});
  case ElementType::U8:
    return f(Tag<uint8_t>{});
  case ElementType::I64:
    return f(Tag<int64_t>{});
  case ElementType::F16:
    return f(Tag<Half>{});
  case ElementType::Bool:
    return f(Tag<Bool8>{});
  case ElementType::I16:
    return f(Tag<int16_t>{});
  case ElementType::U16:
    return f(Tag<uint16_t>{});
  case ElementType::U32:
    return f(Tag<uint32_t>{});
  case ElementType::U64:
    return f(Tag<uint64_t>{});
  case ElementType::F64:
    return f(Tag<double>{});
  case ElementType::BF16:
    return f(Tag<BFloat16>{});
  }
  return f(Tag<float>{}); // Unreachable once verify checked the type.
}

/// Sets of element types, as bit masks.
using TypeSet = uint32_t;
constexpr TypeSet bit(ElementType t) { return TypeSet(1) << unsigned(t); }
constexpr TypeSet kFloatTypes = bit(ElementType::F16) | bit(ElementType::F32) |
                                bit(ElementType::F64) | bit(ElementType::BF16);
constexpr TypeSet kSignedTypes = bit(ElementType::I8) | bit(ElementType::I16) |
                                 bit(ElementType::I32) | bit(ElementType::I64);
constexpr TypeSet kUnsignedTypes =
    bit(ElementType::U8) | bit(ElementType::U16) | bit(ElementType::U32) |
    bit(ElementType::U64);
constexpr TypeSet kIntTypes = kSignedTypes | kUnsignedTypes;
constexpr TypeSet kNumericTypes = kFloatTypes | kIntTypes;
constexpr TypeSet kAllTypes = kNumericTypes | bit(ElementType::Bool);
constexpr TypeSet kIndexTypes = bit(ElementType::I32) | bit(ElementType::I64);
inline bool inSet(ElementType t, TypeSet s) { return (s & bit(t)) != 0; }
inline bool isFloat(ElementType t) { return inSet(t, kFloatTypes); }

/// ONNX TensorProto.DataType code <-> element type (Cast's `to`,
/// EyeLike's `dtype`). False for codes with no element type here.
bool typeFromOnnx(int64_t code, ElementType &type);

/// Converts between computation types the way ONNX Runtime's Cast does
/// (static_cast, NumPy astype): float -> integer truncates toward zero;
/// NaN becomes 0 and values beyond int64 saturate before wrapping into a
/// narrower integer (C++ leaves those undefined; we do not crash); anything
/// -> bool is "!= 0".
template <class To, class From> To convert(From v) {
  if constexpr (std::is_same_v<To, bool>) {
    return v != From(0);
  } else if constexpr (std::is_floating_point_v<From> &&
                       std::is_integral_v<To>) {
    double d = std::trunc(double(v));
    if (std::isnan(d))
      return To(0);
    if constexpr (std::is_same_v<To, uint64_t>) {
      if (d >= 18446744073709551616.0)
        return std::numeric_limits<uint64_t>::max();
      if (d >= 0)
        return uint64_t(d);
    }
    int64_t i;
    if (d >= 9223372036854775808.0)
      i = std::numeric_limits<int64_t>::max();
    else if (d < -9223372036854775808.0)
      i = std::numeric_limits<int64_t>::min();
    else
      i = int64_t(d);
    return To(i); // Modular for narrower integers.
  } else {
    return To(v);
  }
}

//===----------------------------------------------------------------------===//
// Shapes
//===----------------------------------------------------------------------===//

inline uint64_t product(const Shape &s, size_t begin = 0,
                        size_t end = size_t(-1)) {
  uint64_t n = 1;
  for (size_t i = begin; i < s.size() && i < end; ++i)
    n *= uint64_t(s[i]);
  return n;
}

/// Advances a row-major multi-index over `shape`.
inline void nextIndex(Shape &idx, const Shape &shape) {
  for (size_t d = idx.size(); d-- > 0;) {
    if (++idx[d] < shape[d])
      return;
    idx[d] = 0;
  }
}

/// Row-major strides in elements.
Shape stridesOf(const Shape &shape);

/// Normalises `axis` in [-rank, rank) to [0, rank); false if out of range.
inline bool normAxis(int64_t &axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return false;
  if (axis < 0)
    axis += rank;
  return true;
}

/// Reads the `axis` attribute (default `dflt`) and normalises it for an
/// operand of rank `rank`: range [-rank, rank), or [-rank, rank] when
/// `inclusive` (Flatten); negative values add rank. False with a message
/// when out of range.
bool axisAttr(const HostNode &node, int64_t rank, int64_t dflt, int64_t &axis,
              std::string &why, bool inclusive = false);

/// The Softmax family's (Softmax, LogSoftmax, Hardmax) `axis` for input 0
/// and its output: before opset 13 the input is coerced to 2-D at `axis`
/// (default 1, range [-r, r]); from 13 the op works along `axis` (default
/// -1) of an input of rank >= 1. The output has the input's type and shape.
bool verifySoftmaxAxis(const HostNode &node, const Tensors &in,
                       const Tensors &out, std::string &why);

/// Multidirectional (NumPy) broadcast of `shapes`; false if incompatible.
bool broadcastShapes(const std::vector<const Shape *> &shapes, Shape &result);

/// numpy.matmul's shapes (MatMul, MatMulInteger, QLinearMatMul): `shape` is
/// the output's; `a` and `b` are the operands with a 1-D A promoted to
/// [1, K] and a 1-D B to [K, 1] (those axes are dropped from `shape`), whose
/// batch axes broadcast. False with a message on mismatched inner dimensions
/// or batch shapes.
bool matMulShape(const HostNode &node, const Shape &a0, const Shape &b0,
                 Shape &shape, Shape &a, Shape &b, std::string &why);

/// Walks the elements of a broadcast output in row-major order, tracking the
/// element offset of each input.
class BroadcastIndex {
public:
  BroadcastIndex(const Shape &outShape, const std::vector<const Shape *> &ins);
  uint64_t operator[](size_t input) const { return offsets_[input]; }
  void next();

private:
  Shape outShape_, counter_;
  std::vector<Shape> strides_; // [input][dim], 0 on broadcast dims.
  std::vector<uint64_t> offsets_;
};

//===----------------------------------------------------------------------===//
// Verify helpers
//===----------------------------------------------------------------------===//

/// Checks the arity: at least `minIn` and at most `maxIn` inputs (those past
/// `minIn` optional: may have present == false), the first `minIn` present,
/// and exactly `numOut` outputs, all present.
bool checkArity(const HostNode &node, const Tensors &in, const Tensors &out,
                size_t minIn, size_t maxIn, size_t numOut, std::string &why);

struct AttrSpec {
  const char *name;
  bin::AttributeKind kind;
};
/// Every attribute of `node` is one of `specs`, with its kind.
bool checkAttrs(const HostNode &node, std::initializer_list<AttrSpec> specs,
                std::string &why);

/// Input `i` has a type in `set`.
bool checkType(const HostNode &node, const Tensors &in, size_t i, TypeSet set,
               std::string &why);
/// Inputs `i` and `j` have the same type.
bool checkSameType(const HostNode &node, const Tensors &in, size_t i, size_t j,
                   std::string &why);
/// Output `i` has exactly `type` and `shape`.
bool checkOutput(const HostNode &node, const Tensors &out, size_t i,
                 ElementType type, const Shape &shape, std::string &why);
/// Output `i` has `type` and rank `rank` (its dims come from data and are
/// checked at run time).
bool checkOutputRank(const HostNode &node, const Tensors &out, size_t i,
                     ElementType type, size_t rank, std::string &why);
/// Input `i` is a 1-D tensor of a type in `types`.
bool check1DInts(const HostNode &node, const Tensors &in, size_t i,
                 TypeSet types, std::string &why);
/// Reads a 1-D integer tensor (data present).
std::vector<int64_t> loadInts(const HostTensorView &t);
/// HostKernel::shapesFromData: input `i`, a present 1-D tensor of a type in
/// `types`, read into `values`; false with one line when it is not, or when
/// it carries no data (its values are not known where the shapes are
/// inferred).
bool paramInts(const HostNode &node, const Tensors &in, size_t i, TypeSet types,
               std::vector<int64_t> &values, std::string &why);
/// Input `i` is a scalar or a one-element 1-D tensor.
bool checkScalar(const HostNode &node, const Tensors &in, size_t i,
                 std::string &why);

/// Element `i` of an integer tensor (any integer type) as int64 (U64 above
/// INT64_MAX saturates).
int64_t loadIndex(const HostTensorView &t, uint64_t i);
/// Element `i` of a numeric tensor as double.
double loadDouble(const HostTensorView &t, uint64_t i);

/// Normalises a data index `idx` into [0, dim) (negative counts from the
/// end); false with "<Op>: index I out of range [-D, D) on axis A".
inline bool normIndex(const HostNode &node, int64_t &idx, int64_t dim,
                      int64_t axis, std::string &why) {
  if (idx < -dim || idx >= dim)
    return fail(why, node, "index ", idx, " out of range [", -dim, ", ", dim,
                ") on axis ", axis);
  if (idx < 0)
    idx += dim;
  return true;
}

/// memcpy / memset that accept null pointers for zero sizes (empty
/// tensors may have no data).
inline void copyBytes(void *dst, const void *src, uint64_t n) {
  if (n)
    std::memcpy(dst, src, n);
}
inline void zeroBytes(void *dst, uint64_t n) {
  if (n)
    std::memset(dst, 0, n);
}

/// Reads the ints attribute `name` (r entries, each in [min, 2^32]) into
/// `v`, or fills it with `dflt` when absent. The bound keeps window and
/// stride arithmetic far from int64 overflow (pooling, convolutions).
bool intsAttr(const HostNode &node, const char *name, size_t r, int64_t dflt,
              int64_t min, Shape &v, std::string &why);

/// The output extent of a windowed op (Conv, ConvInteger, QLinearConv, the
/// poolings) along each spatial axis of `in`, after ONNX's Operators.md:
/// with auto_pad SAME_UPPER/SAME_LOWER out = ceil(d / stride) and the total
/// padding split as the mode says; otherwise (NOTSET with `pads` [begins,
/// ends], or VALID) out = floor (or with `ceil`, ceil) of (d + pads -
/// dilated kernel) / stride, plus 1. Fills `out`, `padBegin` and `padEnd`;
/// false with one line on an unknown auto_pad, pads given with auto_pad, an
/// empty or oversized dilated kernel, or a kernel wider than its padded
/// input. `kernel`, `strides` and `dilations` hold one value per axis,
/// strides and dilations >= 1 (intsAttr).
bool windowOutput(const HostNode &node, const Shape &in, const Shape &kernel,
                  const Shape &strides, const Shape &dilations,
                  const Shape &pads, bool ceil, Shape &out, Shape &padBegin,
                  Shape &padEnd, std::string &why);

} // namespace npu::rt::hk

#endif // NPU_RUNTIME_LIB_HOSTKERNELS_COMMON_H
