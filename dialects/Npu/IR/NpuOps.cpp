//===- NpuOps.cpp - npu dialect verifiers, folders, canonicalisation -----===//

#include "npu/Dialect/Npu/IR/NpuOps.h"
#include "npu/Dialect/Npu/Utils/QuantParams.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/Dialect/Traits.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"
#include <cmath>
#include <cstring>
#include <limits>

using namespace mlir;
using namespace npu;

std::optional<double> npu::evaluateElementwise(Operation *op,
                                               ArrayRef<double> in) {
  using R = std::optional<double>;
  return llvm::TypeSwitch<Operation *, R>(op)
      .Case([&](AddOp) { return in[0] + in[1]; })
      .Case([&](SubOp) { return in[0] - in[1]; })
      .Case([&](MulOp) { return in[0] * in[1]; })
      .Case([&](DivOp) { return in[0] / in[1]; })
      .Case([&](PowOp) { return std::pow(in[0], in[1]); })
      .Case([&](MinimumOp) { return std::min(in[0], in[1]); })
      .Case([&](MaximumOp) { return std::max(in[0], in[1]); })
      .Case([&](ClampOp c) {
        return std::min(std::max(in[0], c.getMin().convertToDouble()),
                        c.getMax().convertToDouble());
      })
      .Case([&](LeakyReluOp l) {
        return in[0] >= 0 ? in[0] : l.getAlpha().convertToDouble() * in[0];
      })
      .Case([&](HardSigmoidOp h) {
        return std::clamp(h.getAlpha().convertToDouble() * in[0] +
                              h.getBeta().convertToDouble(),
                          0.0, 1.0);
      })
      .Case([&](HardSwishOp) {
        return in[0] * std::clamp(in[0] / 6 + 0.5, 0.0, 1.0);
      })
      .Case([&](SigmoidOp) { return 1 / (1 + std::exp(-in[0])); })
      .Case([&](TanhOp) { return std::tanh(in[0]); })
      .Case([&](ErfOp) { return std::erf(in[0]); })
      .Case([&](ExpOp) { return std::exp(in[0]); })
      .Case([&](SqrtOp) { return std::sqrt(in[0]); })
      .Case([&](NegOp) { return -in[0]; })
      .Case([&](ReciprocalOp) { return 1 / in[0]; })
      .Case([&](AbsOp) { return std::fabs(in[0]); })
      .Case([&](FloorOp) { return std::floor(in[0]); })
      .Case([&](CeilOp) { return std::ceil(in[0]); })
      .Case([&](RoundOp) { return std::nearbyint(in[0]); })
      .Case([&](SignOp) { return in[0] > 0   ? 1.0
                                 : in[0] < 0 ? -1.0
                                             : in[0]; })
      .Case([&](LogOp) { return std::log(in[0]); })
      .Case([&](SinOp) { return std::sin(in[0]); })
      .Case([&](CosOp) { return std::cos(in[0]); })
      .Case([&](SoftplusOp) { return std::log(std::exp(in[0]) + 1); })
      .Case([&](SoftsignOp) { return in[0] / (1 + std::fabs(in[0])); })
      .Case([&](TanOp) { return std::tan(in[0]); })
      .Case([&](AsinOp) { return std::asin(in[0]); })
      .Case([&](AcosOp) { return std::acos(in[0]); })
      .Case([&](AtanOp) { return std::atan(in[0]); })
      .Case([&](SinhOp) { return std::sinh(in[0]); })
      .Case([&](CoshOp) { return std::cosh(in[0]); })
      .Case([&](AsinhOp) { return std::asinh(in[0]); })
      .Case([&](AcoshOp) { return std::acosh(in[0]); })
      .Case([&](AtanhOp) { return std::atanh(in[0]); })
      .Case([&](ThresholdedReluOp t) {
        return in[0] > t.getAlpha().convertToDouble() ? in[0] : 0.0;
      })
      .Case([&](ShrinkOp k) {
        double l = k.getLambd().convertToDouble(),
               b = k.getBias().convertToDouble();
        return in[0] < -l ? in[0] + b : in[0] > l ? in[0] - b : 0.0;
      })
      .Case([&](EluOp e) {
        return e.getScale().convertToDouble() *
               (in[0] > 0
                    ? in[0]
                    : e.getAlpha().convertToDouble() * (std::exp(in[0]) - 1));
      })
      .Default([](Operation *) { return R(); });
}

int64_t npu::elementBytes(Type type) {
  if (auto shaped = dyn_cast<ShapedType>(type))
    type = shaped.getElementType();
  if (auto q = dyn_cast<quant::QuantizedType>(type))
    type = q.getStorageType();
  return (type.getIntOrFloatBitWidth() + 7) / 8;
}

int64_t npu::byteSize(Type type) {
  return cast<RankedTensorType>(type).getNumElements() * elementBytes(type);
}

bool npu::isTableActivation(Operation *op) {
  return isa<SigmoidOp, HardSigmoidOp, HardSwishOp, TanhOp, LeakyReluOp,
             ClampOp>(op);
}

DenseElementsAttr npu::int8ActivationTable(Operation *op) {
  auto uniformOf = [](Type type) {
    auto t = dyn_cast<RankedTensorType>(type);
    auto q =
        t ? dyn_cast<quant::UniformQuantizedType>(t.getElementType()) : nullptr;
    return q && q.getStorageTypeIntegralWidth() == 8 && q.isSigned() ? q
                                                                     : nullptr;
  };
  if (!isTableActivation(op) || op->getNumOperands() != 1 ||
      op->getNumResults() != 1)
    return nullptr;
  auto in = uniformOf(op->getOperand(0).getType());
  auto out = uniformOf(op->getResult(0).getType());
  if (!in || !out)
    return nullptr;
  std::array<int8_t, 256> table = ptq::buildLookupTable(
      {in.getScale(), int32_t(in.getZeroPoint())},
      {out.getScale(), int32_t(out.getZeroPoint())},
      [&](double x) { return *evaluateElementwise(op, {x}); });
  auto type =
      RankedTensorType::get({256}, IntegerType::get(op->getContext(), 8));
  return DenseElementsAttr::get(type, ArrayRef(table));
}

namespace {
/// An activation with INT8 operand and result is its lookup table: the
/// table is computed here, in the quantized IR, once (TOSA's TABLE, TFLite's
/// LUT-based INT8 activations).
struct Int8ActivationToTable : RewritePattern {
  Int8ActivationToTable(MLIRContext *context)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, context) {}
  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    DenseElementsAttr table = int8ActivationTable(op);
    if (!table)
      return failure();
    rewriter.replaceOpWithNewOp<LookupTableOp>(op, op->getResult(0).getType(),
                                               op->getOperand(0), table);
    return success();
  }
};
} // namespace

void NpuDialect::getCanonicalizationPatterns(RewritePatternSet &results) const {
  results.add<Int8ActivationToTable>(getContext());
}

std::pair<std::string, std::string> npu::onnxNodeOf(Operation *op) {
  std::string name, type;
  op->getLoc()->walk([&](Location loc) {
    if (auto fused = dyn_cast<FusedLoc>(loc))
      if (auto md = dyn_cast_or_null<StringAttr>(fused.getMetadata()))
        if (type.empty())
          type = md.str();
    if (auto named = dyn_cast<NameLoc>(loc))
      if (name.empty())
        name = named.getName().str();
    return WalkResult::advance();
  });
  if (type.empty())
    type = op->getName().stripDialect().str();
  if (name.empty())
    name = type;
  return {name, type};
}

//===----------------------------------------------------------------------===//
// Shape helpers
//===----------------------------------------------------------------------===//

// Extents are computed in 128 bits (attributes from a file can be any
// int64, and their sums must not wrap) and saturated to int64: an absurd
// extent then differs from the declared shape and the verifier says so.
using Wide = __int128;
static int64_t saturate(Wide v) {
  constexpr Wide hi = std::numeric_limits<int64_t>::max();
  constexpr Wide lo = std::numeric_limits<int64_t>::min();
  return int64_t(v > hi ? hi : v < lo ? lo : v);
}

static Wide floorDiv(Wide a, Wide b) {
  Wide q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int64_t npu::computePooledExtent(int64_t in, int64_t kernel, int64_t stride,
                                 int64_t dilation, int64_t padBegin,
                                 int64_t padEnd, bool ceilMode) {
  Wide span = Wide(in) + padBegin + padEnd - Wide(dilation) * (kernel - 1) - 1;
  if (span < 0 || stride <= 0)
    return 0;
  Wide out = (ceilMode ? floorDiv(span + stride - 1, stride)
                       : floorDiv(span, stride)) +
             1;
  // The last window must start inside the input or the begin padding.
  if (ceilMode && (out - 1) * stride >= Wide(in) + padBegin)
    --out;
  return saturate(out);
}

int64_t npu::computeTransposedExtent(int64_t in, int64_t kernel, int64_t stride,
                                     int64_t dilation, int64_t padBegin,
                                     int64_t padEnd, int64_t outputPadding) {
  return saturate(Wide(stride) * (in - 1) + outputPadding +
                  Wide(dilation) * (kernel - 1) + 1 - padBegin - padEnd);
}

static std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s;
  llvm::raw_string_ostream os(s);
  llvm::interleave(shape, os, "x");
  return s;
}

/// Checks the spatial attribute arrays shared by conv and pooling ops.
static LogicalResult verifyWindowAttrs(Operation *op, int64_t spatialRank,
                                       ArrayRef<int64_t> strides,
                                       ArrayRef<int64_t> dilations,
                                       ArrayRef<int64_t> pads) {
  if (static_cast<int64_t>(strides.size()) != spatialRank ||
      static_cast<int64_t>(dilations.size()) != spatialRank)
    return op->emitOpError("expects strides and dilations with one entry per "
                           "spatial axis (")
           << spatialRank << ")";
  if (static_cast<int64_t>(pads.size()) != 2 * spatialRank)
    return op->emitOpError("expects pads with two entries per spatial axis (")
           << 2 * spatialRank << ")";
  if (llvm::any_of(strides, [](int64_t s) { return s < 1; }) ||
      llvm::any_of(dilations, [](int64_t d) { return d < 1; }))
    return op->emitOpError("expects positive strides and dilations");
  if (llvm::any_of(pads, [](int64_t p) { return p < 0; }))
    return op->emitOpError("expects non-negative pads");
  return success();
}

static LogicalResult verifyShape(Operation *op, ShapedType actual,
                                 ArrayRef<int64_t> expected) {
  if (actual.getShape() != expected)
    return op->emitOpError("result shape ")
           << shapeStr(actual.getShape()) << " does not match the expected "
           << shapeStr(expected);
  return success();
}

//===----------------------------------------------------------------------===//
// Constant helpers
//===----------------------------------------------------------------------===//

bool npu::isGlobalAveragePool(ReduceMeanOp mean) {
  auto type = cast<RankedTensorType>(mean.getInput().getType());
  return type.getRank() == 4 && mean.getKeepdims() &&
         mean.getAxes() == ArrayRef<int64_t>{2, 3};
}

bool npu::readConstantBytes(ElementsAttr value, int64_t elemBytes,
                            std::vector<uint8_t> &out) {
  size_t n = size_t(cast<ShapedType>(value.getType()).getNumElements());
  out.resize(n * size_t(elemBytes));
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    ArrayRef<char> raw = dense.getRawData();
    if (dense.isSplat()) {
      if (raw.size() != size_t(elemBytes))
        return false;
      for (size_t i = 0; i < n; ++i)
        std::memcpy(out.data() + i * elemBytes, raw.data(), elemBytes);
      return true;
    }
    if (raw.size() != out.size())
      return false;
    if (!raw.empty())
      std::memcpy(out.data(), raw.data(), raw.size());
    return true;
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || blob->getData().size() != out.size())
      return false;
    if (!out.empty())
      std::memcpy(out.data(), blob->getData().data(), out.size());
    return true;
  }
  return false;
}

bool npu::readFloatConstant(Attribute value, SmallVectorImpl<float> &out) {
  auto typed = dyn_cast_or_null<TypedAttr>(value);
  auto type = typed ? dyn_cast<RankedTensorType>(typed.getType()) : nullptr;
  if (!type || !type.getElementType().isF32() || !type.hasStaticShape())
    return false;
  int64_t n = type.getNumElements();
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    out.assign(dense.getValues<float>().begin(),
               dense.getValues<float>().end());
    return int64_t(out.size()) == n;
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return false;
    ArrayRef<char> bytes = blob->getData();
    if (int64_t(bytes.size()) != n * int64_t(sizeof(float)))
      return false;
    out.resize(n);
    std::memcpy(out.data(), bytes.data(), bytes.size());
    return true;
  }
  return false;
}

ElementsAttr npu::makeFloatConstant(RankedTensorType type,
                                    ArrayRef<float> values,
                                    StringRef resourceHint) {
  if (values.size() * sizeof(float) <= 4096)
    return DenseElementsAttr::get(type, values);
  return DenseResourceElementsAttr::get(
      type, resourceHint,
      HeapAsmResourceBlob::allocateAndCopyInferAlign(values));
}

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::verify() {
  if (!isa<ElementsAttr>(getValue()))
    return emitOpError("expects an elements attribute");
  Type valueType = getValue().getType(), type = getType();
  if (valueType == type)
    return success();
  auto vt = dyn_cast<RankedTensorType>(valueType);
  auto rt = cast<RankedTensorType>(type);
  auto q = dyn_cast<quant::QuantizedType>(rt.getElementType());
  if (!vt || !q || vt.getShape() != rt.getShape() ||
      vt.getElementType() != q.getStorageType())
    return emitOpError("result type ")
           << type << " is neither the value's type " << valueType
           << " nor a quantized type stored as it";
  return success();
}

/// A constant's value, then `-> type` when the result type differs from
/// the value's (quantized weights).
static ParseResult parseConstantValue(OpAsmParser &parser, TypedAttr &value,
                                      Type &type) {
  Attribute attr;
  if (parser.parseAttribute(attr))
    return failure();
  value = dyn_cast<TypedAttr>(attr);
  if (!value)
    return parser.emitError(parser.getCurrentLocation(),
                            "expected a typed elements attribute");
  type = value.getType();
  if (succeeded(parser.parseOptionalArrow()))
    return parser.parseType(type);
  return success();
}

static void printConstantValue(OpAsmPrinter &printer, Operation *,
                               TypedAttr value, Type type) {
  printer.printAttribute(value);
  if (type != value.getType())
    printer << " -> " << type;
}

//===----------------------------------------------------------------------===//
// QuantizeOp / DequantizeOp
//===----------------------------------------------------------------------===//

/// Whether `tensorType` holds per-tensor uniform quantized 8-bit values
/// over f32: signed (`i8`), or with `allowUnsigned` also `u8`.
static bool isInt8PerTensor(Type tensorType, bool allowUnsigned = false) {
  auto q = dyn_cast<quant::UniformQuantizedType>(
      cast<RankedTensorType>(tensorType).getElementType());
  return q && q.getStorageType().isSignlessInteger(8) &&
         q.getExpressedType().isF32() && (q.isSigned() || allowUnsigned);
}

/// Verifies that `floatType` is an f32 tensor and `quantType` a tensor of
/// per-tensor uniform quantized i8 or u8 over f32.
static LogicalResult verifyQuantBoundary(Operation *op, Type floatType,
                                         Type quantType) {
  auto f = cast<RankedTensorType>(floatType).getElementType();
  if (!f.isF32())
    return op->emitOpError("expects f32 on the real side, got ") << f;
  if (!isInt8PerTensor(quantType, /*allowUnsigned=*/true))
    return op->emitOpError("expects !quant.uniform<i8:f32, ...> or "
                           "!quant.uniform<u8:f32, ...> per tensor, got ")
           << cast<RankedTensorType>(quantType).getElementType();
  return success();
}

LogicalResult QuantizeOp::verify() {
  return verifyQuantBoundary(*this, getInput().getType(), getType());
}

OpFoldResult QuantizeOp::fold(FoldAdaptor) {
  // quantize(dequantize(q)) to the same type is q.
  if (auto dq = getInput().getDefiningOp<DequantizeOp>())
    if (dq.getInput().getType() == getType())
      return dq.getInput();
  return {};
}

LogicalResult LookupTableOp::verify() {
  auto table = cast<ElementsAttr>(getTable());
  auto tableType = cast<ShapedType>(table.getType());
  if (tableType.getRank() != 1 || tableType.getNumElements() != 256 ||
      !tableType.getElementType().isSignlessInteger(8))
    return emitOpError("expects a table of 256 i8 codes, got ") << tableType;
  for (Type t : {getInput().getType(), getType()}) {
    if (!isInt8PerTensor(t))
      return emitOpError("expects !quant.uniform<i8:f32, ...> operand and "
                         "result, got ")
             << t;
  }
  return success();
}

LogicalResult DequantizeOp::verify() {
  return verifyQuantBoundary(*this, getType(), getInput().getType());
}

OpFoldResult DequantizeOp::fold(FoldAdaptor adaptor) {
  // Constant codes (npu.constant's storage form): `(q - zp) * scale` in
  // FP32, as the NPU's vec.convert computes it.
  auto codes = dyn_cast_if_present<DenseIntElementsAttr>(adaptor.getInput());
  auto q =
      cast<quant::UniformQuantizedType>(getInput().getType().getElementType());
  if (!codes || codes.getElementType().getIntOrFloatBitWidth() != 8)
    return {};
  float scale = float(q.getScale());
  int64_t zp = q.getZeroPoint();
  SmallVector<float> values;
  values.reserve(codes.getNumElements());
  for (const APInt &v : codes.getValues<APInt>()) {
    int64_t x = q.isSigned() ? v.getSExtValue() : int64_t(v.getZExtValue());
    values.push_back(float(x - zp) * scale);
  }
  return DenseElementsAttr::get(getType(), ArrayRef(values));
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

//===----------------------------------------------------------------------===//
// StorageCastOp
//===----------------------------------------------------------------------===//

LogicalResult StorageCastOp::verify() {
  Type in = getInput().getType().getElementType();
  Type out = getType().getElementType();
  auto quantized = dyn_cast<quant::QuantizedType>(in);
  Type storage = out;
  if (!quantized) {
    quantized = dyn_cast<quant::QuantizedType>(out);
    storage = in;
  }
  auto integer = dyn_cast<IntegerType>(storage);
  if (!quantized || !integer || isa<quant::QuantizedType>(storage))
    return emitOpError("expects one quantized and one integer element type, "
                       "got ")
           << in << " and " << out;
  // ONNX's uint8 is `ui8`; a quantized type's storage is signless, with
  // its signedness a flag.
  if (integer.getWidth() != quantized.getStorageTypeIntegralWidth() ||
      integer.isUnsigned() == quantized.isSigned() ||
      (quantized.isSigned() && !integer.isSignless()))
    return emitOpError("expects ")
           << quantized << " to be stored as "
           << (quantized.isSigned() ? "i" : "ui")
           << quantized.getStorageTypeIntegralWidth() << ", got " << integer;
  return success();
}

OpFoldResult StorageCastOp::fold(FoldAdaptor adaptor) {
  // A cast back is the original value.
  if (auto producer = getInput().getDefiningOp<StorageCastOp>())
    if (producer.getInput().getType() == getType())
      return producer.getInput();
  // Constant integers become constant quantized values (npu.constant's
  // storage form) and back: the same bytes.
  if (auto value = dyn_cast_if_present<DenseElementsAttr>(adaptor.getInput())) {
    Type element = getType().getElementType();
    if (auto q = dyn_cast<quant::QuantizedType>(element))
      element = q.getStorageType();
    return value.bitcast(element);
  }
  return {};
}

Value StorageCastOp::getViewSource() { return getInput(); }

//===----------------------------------------------------------------------===//
// ConvOp / ConvTransposeOp
//===----------------------------------------------------------------------===//

LogicalResult ConvOp::verify() {
  auto in = getInput().getType(), w = getWeight().getType();
  auto out = getOutput().getType();
  int64_t rank = in.getRank();
  if (rank < 3 || w.getRank() != rank || out.getRank() != rank)
    return emitOpError("expects input, weight and result of equal rank >= 3");
  int64_t spatial = rank - 2;
  if (failed(verifyWindowAttrs(*this, spatial, getStrides(), getDilations(),
                               getPads())))
    return failure();
  int64_t group = getGroup();
  if (in.getDimSize(1) != w.getDimSize(1) * group)
    return emitOpError("input channels (")
           << in.getDimSize(1) << ") must equal weight channels ("
           << w.getDimSize(1) << ") times group (" << group << ")";
  if (w.getDimSize(0) % group != 0)
    return emitOpError("output channels must be divisible by group");
  if (getBias() && (getBias().getType().getRank() != 1 ||
                    getBias().getType().getDimSize(0) != w.getDimSize(0)))
    return emitOpError("expects a bias of shape ") << w.getDimSize(0);
  SmallVector<int64_t> expected = {in.getDimSize(0), w.getDimSize(0)};
  for (int64_t i = 0; i < spatial; ++i)
    expected.push_back(computePooledExtent(
        in.getDimSize(i + 2), w.getDimSize(i + 2), getStrides()[i],
        getDilations()[i], getPads()[i], getPads()[i + spatial], false));
  return verifyShape(*this, out, expected);
}

LogicalResult ConvTransposeOp::verify() {
  auto in = getInput().getType(), w = getWeight().getType();
  auto out = getOutput().getType();
  int64_t rank = in.getRank();
  if (rank < 3 || w.getRank() != rank || out.getRank() != rank)
    return emitOpError("expects input, weight and result of equal rank >= 3");
  int64_t spatial = rank - 2;
  if (failed(verifyWindowAttrs(*this, spatial, getStrides(), getDilations(),
                               getPads())))
    return failure();
  if (static_cast<int64_t>(getOutputPadding().size()) != spatial)
    return emitOpError(
        "expects output_padding with one entry per spatial axis");
  int64_t group = getGroup();
  if (in.getDimSize(1) != w.getDimSize(0))
    return emitOpError("input channels must equal weight dimension 0");
  if (in.getDimSize(1) % group != 0)
    return emitOpError("input channels must be divisible by group");
  int64_t outChannels = w.getDimSize(1) * group;
  if (getBias() && (getBias().getType().getRank() != 1 ||
                    getBias().getType().getDimSize(0) != outChannels))
    return emitOpError("expects a bias of shape ") << outChannels;
  SmallVector<int64_t> expected = {in.getDimSize(0), outChannels};
  for (int64_t i = 0; i < spatial; ++i)
    expected.push_back(computeTransposedExtent(
        in.getDimSize(i + 2), w.getDimSize(i + 2), getStrides()[i],
        getDilations()[i], getPads()[i], getPads()[i + spatial],
        getOutputPadding()[i]));
  return verifyShape(*this, out, expected);
}

//===----------------------------------------------------------------------===//
// MatMulOp
//===----------------------------------------------------------------------===//

LogicalResult MatMulOp::verify() {
  ArrayRef<int64_t> a = getLhs().getType().getShape();
  ArrayRef<int64_t> b = getRhs().getType().getShape();
  if (a.empty() || b.empty())
    return emitOpError("expects operands of rank >= 1");
  int64_t k0 = a.back(), k1 = b.size() == 1 ? b[0] : b[b.size() - 2];
  if (k0 != k1)
    return emitOpError("contraction dimensions differ (")
           << k0 << " vs " << k1 << ")";
  SmallVector<int64_t> batch;
  ArrayRef<int64_t> ba = a.size() > 2 ? a.drop_back(2) : ArrayRef<int64_t>();
  ArrayRef<int64_t> bb = b.size() > 2 ? b.drop_back(2) : ArrayRef<int64_t>();
  if (!OpTrait::util::getBroadcastedShape(ba, bb, batch))
    return emitOpError("batch dimensions do not broadcast");
  SmallVector<int64_t> expected(batch);
  if (a.size() >= 2)
    expected.push_back(a[a.size() - 2]);
  if (b.size() >= 2)
    expected.push_back(b.back());
  return verifyShape(*this, getOutput().getType(), expected);
}

//===----------------------------------------------------------------------===//
// Normalisation
//===----------------------------------------------------------------------===//

LogicalResult BatchNormOp::verify() {
  auto in = getInput().getType();
  if (in.getRank() < 2)
    return emitOpError("expects an input of rank >= 2");
  for (Value v : {getScale(), getBias(), getMean(), getVar()}) {
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getRank() != 1 || t.getDimSize(0) != in.getDimSize(1))
      return emitOpError("expects per-channel operands of shape ")
             << in.getDimSize(1);
  }
  return verifyShape(*this, getOutput().getType(), in.getShape());
}

LogicalResult LayerNormOp::verify() {
  auto in = getInput().getType();
  int64_t axis = getAxis();
  if (axis >= in.getRank())
    return emitOpError("axis ") << axis << " out of range";
  ArrayRef<int64_t> normShape = in.getShape().drop_front(axis);
  auto checkParam = [&](Value v, StringRef what) -> LogicalResult {
    if (!v)
      return success();
    ArrayRef<int64_t> s = cast<RankedTensorType>(v.getType()).getShape();
    SmallVector<int64_t> b;
    if (!OpTrait::util::getBroadcastedShape(normShape, s, b) ||
        ArrayRef<int64_t>(b) != normShape)
      return emitOpError() << what << " must broadcast to the normalised shape "
                           << shapeStr(normShape);
    return success();
  };
  if (failed(checkParam(getScale(), "scale")) ||
      failed(checkParam(getBias(), "bias")))
    return failure();
  return verifyShape(*this, getOutput().getType(), in.getShape());
}

LogicalResult SoftmaxOp::verify() {
  if (getAxis() >= getInput().getType().getRank())
    return emitOpError("axis ") << getAxis() << " out of range";
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

/// Largest constant (in elements) that folders materialise.
static constexpr int64_t kMaxFoldElements = int64_t(1) << 22;

/// Folds an f32 elementwise binary op over constant operands with NumPy
/// broadcasting; `fn` computes one element in single precision.
template <typename Fn>
static OpFoldResult foldBinary(Operation *op, Attribute lhsAttr,
                               Attribute rhsAttr, Fn fn) {
  auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  SmallVector<float> lhs, rhs;
  if (!type || !type.getElementType().isF32() || !type.hasStaticShape() ||
      type.getNumElements() > kMaxFoldElements ||
      !readFloatConstant(lhsAttr, lhs) || !readFloatConstant(rhsAttr, rhs))
    return {};
  ArrayRef<int64_t> out = type.getShape();
  auto shapeOf = [](Attribute a) {
    return cast<ShapedType>(cast<TypedAttr>(a).getType()).getShape();
  };
  // Element strides of each operand over the result's axes (0: broadcast).
  auto strides = [&](ArrayRef<int64_t> in) {
    SmallVector<int64_t> s(out.size(), 0);
    int64_t stride = 1;
    for (int64_t i = int64_t(in.size()) - 1; i >= 0; --i) {
      int64_t axis = int64_t(out.size()) - int64_t(in.size()) + i;
      s[axis] = in[i] == 1 ? 0 : stride;
      stride *= in[i];
    }
    return s;
  };
  SmallVector<int64_t> ls = strides(shapeOf(lhsAttr)),
                       rs = strides(shapeOf(rhsAttr));
  SmallVector<float> result(type.getNumElements());
  SmallVector<int64_t> idx(out.size(), 0);
  for (float &r : result) {
    int64_t li = 0, ri = 0;
    for (size_t d = 0; d < out.size(); ++d) {
      li += idx[d] * ls[d];
      ri += idx[d] * rs[d];
    }
    r = fn(lhs[li], rhs[ri]);
    for (size_t d = out.size(); d-- > 0;) {
      if (++idx[d] < out[d])
        break;
      idx[d] = 0;
    }
  }
  return makeFloatConstant(type, result, "folded");
}

OpFoldResult AddOp::fold(FoldAdaptor a) {
  return foldBinary(*this, a.getLhs(), a.getRhs(),
                    [](float x, float y) { return x + y; });
}
OpFoldResult SubOp::fold(FoldAdaptor a) {
  return foldBinary(*this, a.getLhs(), a.getRhs(),
                    [](float x, float y) { return x - y; });
}
OpFoldResult MulOp::fold(FoldAdaptor a) {
  return foldBinary(*this, a.getLhs(), a.getRhs(),
                    [](float x, float y) { return x * y; });
}
OpFoldResult DivOp::fold(FoldAdaptor a) {
  return foldBinary(*this, a.getLhs(), a.getRhs(),
                    [](float x, float y) { return x / y; });
}
OpFoldResult PowOp::fold(FoldAdaptor a) {
  return foldBinary(*this, a.getLhs(), a.getRhs(),
                    [](float x, float y) { return std::pow(x, y); });
}
OpFoldResult MinimumOp::fold(FoldAdaptor a) {
  return foldBinary(*this, a.getLhs(), a.getRhs(),
                    [](float x, float y) { return std::fmin(x, y); });
}
OpFoldResult MaximumOp::fold(FoldAdaptor a) {
  return foldBinary(*this, a.getLhs(), a.getRhs(),
                    [](float x, float y) { return std::fmax(x, y); });
}

OpFoldResult ClampOp::fold(FoldAdaptor) {
  // clamp(-inf, +inf) is the identity.
  if (getMin().isInfinity() && getMin().isNegative() && getMax().isInfinity() &&
      !getMax().isNegative() && getInput().getType() == getOutput().getType())
    return getInput();
  return {};
}

OpFoldResult CastOp::fold(FoldAdaptor) {
  if (getInput().getType() == getOutput().getType())
    return getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// Pooling and reductions
//===----------------------------------------------------------------------===//

static LogicalResult verifyPool(Operation *op, RankedTensorType in,
                                RankedTensorType out, ArrayRef<int64_t> kernel,
                                ArrayRef<int64_t> strides,
                                ArrayRef<int64_t> dilations,
                                ArrayRef<int64_t> pads, bool ceilMode) {
  int64_t rank = in.getRank();
  if (rank < 3 || out.getRank() != rank)
    return op->emitOpError("expects input and result of equal rank >= 3");
  int64_t spatial = rank - 2;
  if (static_cast<int64_t>(kernel.size()) != spatial ||
      llvm::any_of(kernel, [](int64_t k) { return k < 1; }))
    return op->emitOpError("expects a positive kernel_shape entry per spatial "
                           "axis");
  if (failed(verifyWindowAttrs(op, spatial, strides, dilations, pads)))
    return failure();
  SmallVector<int64_t> expected = {in.getDimSize(0), in.getDimSize(1)};
  for (int64_t i = 0; i < spatial; ++i)
    expected.push_back(computePooledExtent(in.getDimSize(i + 2), kernel[i],
                                           strides[i], dilations[i], pads[i],
                                           pads[i + spatial], ceilMode));
  return verifyShape(op, out, expected);
}

LogicalResult MaxPoolOp::verify() {
  return verifyPool(*this, getInput().getType(), getOutput().getType(),
                    getKernelShape(), getStrides(), getDilations(), getPads(),
                    getCeilMode());
}

LogicalResult AvgPoolOp::verify() {
  SmallVector<int64_t> ones(getKernelShape().size(), 1);
  return verifyPool(*this, getInput().getType(), getOutput().getType(),
                    getKernelShape(), getStrides(), ones, getPads(),
                    getCeilMode());
}

template <typename ReduceOpT> static LogicalResult verifyReduce(ReduceOpT op) {
  auto in = op.getInput().getType();
  ArrayRef<int64_t> axes = op.getAxes();
  if (axes.empty())
    return op.emitOpError("expects at least one axis");
  for (auto [i, a] : llvm::enumerate(axes))
    if (a < 0 || a >= in.getRank() || (i > 0 && axes[i - 1] >= a))
      return op.emitOpError("expects strictly increasing axes in [0, ")
             << in.getRank() << ")";
  SmallVector<int64_t> expected;
  for (int64_t d = 0; d < in.getRank(); ++d) {
    if (!llvm::is_contained(axes, d))
      expected.push_back(in.getDimSize(d));
    else if (op.getKeepdims())
      expected.push_back(1);
  }
  return verifyShape(op, op.getOutput().getType(), expected);
}

LogicalResult ReduceMeanOp::verify() { return verifyReduce(*this); }
LogicalResult ReduceMaxOp::verify() { return verifyReduce(*this); }
LogicalResult ReduceSumOp::verify() { return verifyReduce(*this); }
LogicalResult ReduceMinOp::verify() { return verifyReduce(*this); }
LogicalResult ReduceProdOp::verify() { return verifyReduce(*this); }

template <typename ArgOpT> static LogicalResult verifyArgReduce(ArgOpT op) {
  auto in = op.getInput().getType();
  int64_t axis = op.getAxis();
  if (axis >= in.getRank())
    return op.emitOpError("axis ")
           << axis << " out of range for rank " << in.getRank();
  SmallVector<int64_t> expected(in.getShape());
  if (op.getKeepdims())
    expected[axis] = 1;
  else
    expected.erase(expected.begin() + axis);
  if (in.getDimSize(axis) == 0 && llvm::product_of(expected) != 0)
    return op.emitOpError("axis ") << axis << " has no elements to index";
  return verifyShape(op, op.getOutput().getType(), expected);
}

LogicalResult ArgMaxOp::verify() { return verifyArgReduce(*this); }
LogicalResult ArgMinOp::verify() { return verifyArgReduce(*this); }

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError("expects at least one input");
  auto first = cast<RankedTensorType>(getInputs().front().getType());
  int64_t axis = getAxis();
  if (axis >= first.getRank())
    return emitOpError("axis ") << axis << " out of range";
  SmallVector<int64_t> expected(first.getShape());
  expected[axis] = 0;
  for (Value v : getInputs()) {
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getRank() != first.getRank())
      return emitOpError("expects inputs of equal rank");
    for (int64_t d = 0; d < t.getRank(); ++d)
      if (d != axis && t.getDimSize(d) != first.getDimSize(d))
        return emitOpError("inputs differ in dimension ") << d;
    expected[axis] += t.getDimSize(axis);
  }
  return verifyShape(*this, getOutput().getType(), expected);
}

OpFoldResult ConcatOp::fold(FoldAdaptor) {
  if (getInputs().size() == 1 &&
      getInputs().front().getType() == getOutput().getType())
    return getInputs().front();
  return {};
}

LogicalResult SliceOp::verify() {
  auto in = getInput().getType();
  auto out = getOutput().getType();
  int64_t rank = in.getRank();
  if (out.getRank() != rank ||
      static_cast<int64_t>(getOffsets().size()) != rank ||
      static_cast<int64_t>(getStrides().size()) != rank)
    return emitOpError("expects offsets, strides and result with one entry "
                       "per input axis");
  for (int64_t d = 0; d < rank; ++d) {
    int64_t size = out.getDimSize(d), off = getOffsets()[d];
    int64_t stride = getStrides()[d];
    if (stride == 0)
      return emitOpError("stride of axis ") << d << " is zero";
    if (size == 0)
      continue;
    int64_t last = off + (size - 1) * stride;
    if (off < 0 || off >= in.getDimSize(d) || last < 0 ||
        last >= in.getDimSize(d))
      return emitOpError("slice of axis ")
             << d << " reads outside [0, " << in.getDimSize(d) << ")";
  }
  return success();
}

OpFoldResult SliceOp::fold(FoldAdaptor) {
  if (getInput().getType() == getOutput().getType() &&
      llvm::all_of(getOffsets(), [](int64_t o) { return o == 0; }) &&
      llvm::all_of(getStrides(), [](int64_t s) { return s == 1; }))
    return getInput();
  return {};
}

LogicalResult ReshapeOp::verify() {
  auto in = getInput().getType(), out = getOutput().getType();
  if (!in.hasStaticShape() || !out.hasStaticShape())
    return emitOpError("expects static shapes");
  if (in.getNumElements() != out.getNumElements())
    return emitOpError("element count changes from ")
           << in.getNumElements() << " to " << out.getNumElements();
  return success();
}

Value ReshapeOp::getViewSource() { return getInput(); }

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getOutput().getType())
    return getInput();
  // Constants fold only to their own element type, as for transposes (a
  // reshape of INT8 codes to !quant.uniform stays an op).
  if (getInput().getType().getElementType() !=
      getOutput().getType().getElementType())
    return {};
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput()))
    return dense.reshape(getOutput().getType());
  // A blob is row-major bytes: the reshaped constant shares it, no copy.
  if (auto blob =
          dyn_cast_or_null<DenseResourceElementsAttr>(adaptor.getInput()))
    return DenseResourceElementsAttr::get(getOutput().getType(),
                                          blob.getRawHandle());
  return {};
}

namespace {
/// reshape(reshape(x)) -> reshape(x): only the final shape matters.
struct ComposeReshapes : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    auto producer = op.getInput().getDefiningOp<ReshapeOp>();
    if (!producer)
      return failure();
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(),
                                           producer.getInput());
    return success();
  }
};

/// transpose(transpose(x, p1), p2) -> transpose(x, p1 o p2).
struct ComposeTransposes : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto producer = op.getInput().getDefiningOp<TransposeOp>();
    if (!producer)
      return failure();
    SmallVector<int64_t> perm;
    for (int64_t p : op.getPerm())
      perm.push_back(producer.getPerm()[p]);
    rewriter.replaceOpWithNewOp<TransposeOp>(op, op.getType(),
                                             producer.getInput(), perm);
    return success();
  }
};
} // namespace

void ReshapeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *context) {
  results.add<ComposeReshapes>(context);
}

LogicalResult TransposeOp::verify() {
  auto in = getInput().getType();
  ArrayRef<int64_t> perm = getPerm();
  if (static_cast<int64_t>(perm.size()) != in.getRank())
    return emitOpError("expects a permutation of ") << in.getRank() << " axes";
  SmallVector<bool> seen(perm.size(), false);
  SmallVector<int64_t> expected;
  for (int64_t p : perm) {
    if (p < 0 || p >= in.getRank() || seen[p])
      return emitOpError("perm is not a permutation");
    seen[p] = true;
    expected.push_back(in.getDimSize(p));
  }
  return verifyShape(*this, getOutput().getType(), expected);
}

OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  bool identity = llvm::all_of(llvm::enumerate(getPerm()), [](auto it) {
    return static_cast<int64_t>(it.index()) == it.value();
  });
  if (identity && getInput().getType() == getOutput().getType())
    return getInput();
  // Constants fold only to their own element type: an elements attribute
  // cannot hold a quantized type (a transpose of INT8 codes to
  // !quant.uniform stays an op).
  if (getInput().getType().getElementType() !=
      getOutput().getType().getElementType())
    return {};
  // A splat is unchanged by any permutation.
  if (auto dense = dyn_cast_or_null<SplatElementsAttr>(adaptor.getInput()))
    return dense.resizeSplat(getOutput().getType());
  // Permute constant f32 data (Gemm's transB weights, for example).
  SmallVector<float> in;
  RankedTensorType outType = getOutput().getType();
  if (!adaptor.getInput() || outType.getNumElements() > kMaxFoldElements ||
      !readFloatConstant(adaptor.getInput(), in))
    return {};
  ArrayRef<int64_t> inShape = getInput().getType().getShape();
  int64_t rank = inShape.size();
  SmallVector<int64_t> inStrides(rank, 1), idx(rank, 0);
  for (int64_t d = rank - 1; d > 0; --d)
    inStrides[d - 1] = inStrides[d] * inShape[d];
  SmallVector<float> out(outType.getNumElements());
  for (float &o : out) {
    int64_t src = 0;
    for (int64_t d = 0; d < rank; ++d)
      src += idx[d] * inStrides[getPerm()[d]];
    o = in[src];
    for (int64_t d = rank; d-- > 0;) {
      if (++idx[d] < outType.getDimSize(d))
        break;
      idx[d] = 0;
    }
  }
  return makeFloatConstant(outType, out, "transposed");
}

void TransposeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<ComposeTransposes>(context);
}

LogicalResult PadOp::verify() {
  auto in = getInput().getType();
  ArrayRef<int64_t> pads = getPads();
  int64_t rank = in.getRank();
  if (static_cast<int64_t>(pads.size()) != 2 * rank)
    return emitOpError("expects two pads per axis (") << 2 * rank << ")";
  SmallVector<int64_t> expected;
  for (int64_t d = 0; d < rank; ++d)
    expected.push_back(
        saturate(Wide(in.getDimSize(d)) + pads[d] + pads[d + rank]));
  if (llvm::any_of(expected, [](int64_t e) { return e < 0; }))
    return emitOpError("negative pads crop more than the axis holds");
  if (getMode() == PadMode::reflect)
    for (int64_t d = 0; d < rank; ++d)
      if (pads[d] >= in.getDimSize(d) || pads[d + rank] >= in.getDimSize(d))
        return emitOpError("reflect pads must be smaller than the axis (")
               << in.getDimSize(d) << ")";
  if (getMode() == PadMode::edge)
    for (int64_t d = 0; d < rank; ++d)
      if (in.getDimSize(d) == 0 && (pads[d] > 0 || pads[d + rank] > 0))
        return emitOpError("edge padding of an empty axis");
  return verifyShape(*this, getOutput().getType(), expected);
}

OpFoldResult PadOp::fold(FoldAdaptor) {
  if (llvm::all_of(getPads(), [](int64_t p) { return p == 0; }) &&
      getInput().getType() == getOutput().getType())
    return getInput();
  return {};
}

LogicalResult GatherOp::verify() {
  auto data = getData().getType(), idx = getIndices().getType();
  int64_t axis = getAxis();
  if (axis >= data.getRank())
    return emitOpError("axis ") << axis << " out of range";
  if (!idx.getElementType().isInteger())
    return emitOpError("expects integer indices");
  SmallVector<int64_t> expected(data.getShape().take_front(axis));
  llvm::append_range(expected, idx.getShape());
  llvm::append_range(expected, data.getShape().drop_front(axis + 1));
  return verifyShape(*this, getOutput().getType(), expected);
}

LogicalResult ResizeOp::verify() {
  auto in = getInput().getType();
  if (static_cast<int64_t>(getScales().size()) != in.getRank() ||
      getOutput().getType().getRank() != in.getRank())
    return emitOpError("expects one scale per axis and a result of the "
                       "input's rank");
  if (llvm::any_of(getScales(), [](float s) { return !(s > 0.0f); }))
    return emitOpError("expects positive scales");
  return success();
}

#define GET_OP_CLASSES
#include "npu/Dialect/Npu/IR/NpuOps.cpp.inc"

//===----------------------------------------------------------------------===//
// HostOp
//===----------------------------------------------------------------------===//

std::optional<bin::ElementType> npu::toRuntimeElementType(Type type) {
  using ET = bin::ElementType;
  if (type.isF32())
    return ET::F32;
  if (type.isF16())
    return ET::F16;
  if (type.isBF16())
    return ET::BF16;
  if (type.isF64())
    return ET::F64;
  auto i = dyn_cast<IntegerType>(type);
  if (!i)
    return std::nullopt;
  bool u = i.isUnsigned();
  switch (i.getWidth()) {
  case 1:
    return u ? std::nullopt : std::optional(ET::Bool);
  case 8:
    return u ? ET::U8 : ET::I8;
  case 16:
    return u ? ET::U16 : ET::I16;
  case 32:
    return u ? ET::U32 : ET::I32;
  case 64:
    return u ? ET::U64 : ET::I64;
  default:
    return std::nullopt;
  }
}

std::vector<rt::HostTensorView> npu::toHostViews(TypeRange types) {
  std::vector<rt::HostTensorView> views;
  for (Type t : types) {
    auto ranked = cast<RankedTensorType>(t);
    rt::HostTensorView v;
    v.type = toRuntimeElementType(ranked.getElementType())
                 .value_or(bin::ElementType::F32);
    v.shape.assign(ranked.getShape().begin(), ranked.getShape().end());
    views.push_back(std::move(v));
  }
  return views;
}

LogicalResult HostOp::getHostNode(rt::HostNode &node, std::string &why) {
  return toHostNode(getOpType(), getOpset(), getOnnxAttributes(), node, why);
}

LogicalResult npu::toHostNode(StringRef opType, int64_t opset,
                              DictionaryAttr attributes, rt::HostNode &node,
                              std::string &why) {
  node.opType = opType.str();
  node.opset = opset;
  node.attributes.clear();
  for (NamedAttribute named : attributes) {
    rt::HostAttribute a;
    a.name = named.getName().str();
    Attribute v = named.getValue();
    if (auto i = dyn_cast<IntegerAttr>(v)) {
      a.kind = bin::AttributeKind::Int;
      a.i = i.getValue().getSExtValue();
    } else if (auto f = dyn_cast<FloatAttr>(v)) {
      a.kind = bin::AttributeKind::Float;
      a.f = float(f.getValueAsDouble());
    } else if (auto s = dyn_cast<StringAttr>(v)) {
      a.kind = bin::AttributeKind::String;
      a.s = s.str();
    } else if (auto ints = dyn_cast<DenseI64ArrayAttr>(v)) {
      a.kind = bin::AttributeKind::Ints;
      a.ints.assign(ints.asArrayRef().begin(), ints.asArrayRef().end());
    } else if (auto floats = dyn_cast<DenseF32ArrayAttr>(v)) {
      a.kind = bin::AttributeKind::Floats;
      a.floats.assign(floats.asArrayRef().begin(), floats.asArrayRef().end());
    } else {
      why = "attribute '" + a.name +
            "' is not an integer, float, string or integer/float list";
      return failure();
    }
    node.attributes.push_back(std::move(a));
  }
  return success();
}

LogicalResult HostOp::verify() {
  if (size_t(llvm::count(getPresent(), true)) != getInputs().size())
    return emitOpError("has ")
           << getInputs().size() << " operands but `present` marks "
           << llvm::count(getPresent(), true);
  for (Type t : llvm::concat<Type>(llvm::to_vector(getInputs().getTypes()),
                                   llvm::to_vector(getResultTypes()))) {
    auto ranked = cast<RankedTensorType>(t);
    if (!ranked.hasStaticShape() ||
        !toRuntimeElementType(ranked.getElementType()))
      return emitOpError("operand and result types must be statically "
                         "shaped tensors of ONNX numeric types; got ")
             << t;
  }
  std::string why;
  if (failed(verifyWithHostKernel(why)))
    return emitOpError(why);
  if (auto dynamic = getDynamicShapesAttr()) {
    if (dynamic.size() != int64_t(getNumResults()))
      return emitOpError("has ")
             << getNumResults() << " results but `dynamic_shapes` marks "
             << dynamic.size();
    bool readsDynamic = llvm::any_of(getInputs(), hasDataDependentShape);
    std::vector<std::vector<int64_t>> bounds;
    if (llvm::is_contained(dynamic.asArrayRef(), true) &&
        failed(readsDynamic ? inferResultShapes(bounds, why)
                            : getResultBounds(bounds, why)))
      return emitOpError("marks a result of data-dependent shape, but ") << why;
    for (auto [i, result] : llvm::enumerate(getResults())) {
      if (!dynamic[i]) {
        if (readsDynamic)
          return emitOpError("reads a value of data-dependent shape, so "
                             "result ")
                 << i << " has one too and must be marked `dynamic_shapes`";
        continue;
      }
      if (cast<RankedTensorType>(result.getType()).getShape() !=
          ArrayRef<int64_t>(bounds[i]))
        return emitOpError("result ")
               << i << " of data-dependent shape must be typed at its bound";
      // func.return (or the npu.yield of the layer holding this op at the
      // schedule level), or another host op.
      for (Operation *user : result.getUsers())
        if (!user->hasTrait<OpTrait::ReturnLike>() && !isa<HostOp>(user))
          return emitOpError("result ")
                 << i
                 << " has a data-dependent shape; only the graph's return "
                    "and host ops may read it, not '"
                 << user->getName() << "'";
    }
  } else if (llvm::any_of(getInputs(), hasDataDependentShape)) {
    return emitOpError("reads a value of data-dependent shape, so its "
                       "results have one too and must be marked "
                       "`dynamic_shapes`");
  }
  return success();
}

const rt::HostKernel *HostOp::getHostKernel(rt::HostNode &node,
                                            std::string &why) {
  if (failed(getHostNode(node, why)))
    return nullptr;
  const rt::HostKernel *kernel = rt::lookupHostKernel(node.opType);
  if (!kernel)
    why = "the host CPU has no kernel for ONNX " + node.opType;
  return kernel;
}

bool npu::hasDataDependentShape(Value value) {
  auto result = dyn_cast<OpResult>(value);
  if (!result)
    return false;
  Operation *def = result.getOwner();
  if (auto host = dyn_cast<HostOp>(def))
    return host.isDynamicResult(result.getResultNumber());
  if (auto layer = dyn_cast<LayerOp>(def)) {
    Operation *yield = layer.getBody().front().getTerminator();
    return yield && result.getResultNumber() < yield->getNumOperands() &&
           hasDataDependentShape(yield->getOperand(result.getResultNumber()));
  }
  return false;
}

LogicalResult
HostOp::inferResultShapes(std::vector<std::vector<int64_t>> &shapes,
                          std::string &why) {
  rt::HostNode node;
  const rt::HostKernel *kernel = getHostKernel(node, why);
  if (!kernel)
    return failure();
  std::vector<bin::ElementType> types;
  for (Type t : getResultTypes()) {
    auto elem =
        toRuntimeElementType(cast<RankedTensorType>(t).getElementType());
    if (!elem) {
      why = "a result's element type has no runtime equivalent";
      return failure();
    }
    types.push_back(*elem);
  }
  // Constant integer operands (Reshape's shape, Slice's starts, ...) carry
  // their values, as the runtime's operands do.
  std::vector<rt::HostTensorView> slots = inputSlots();
  std::vector<std::vector<uint8_t>> constants;
  constants.reserve(slots.size()); // the data pointers stay valid
  size_t next = 0;
  for (rt::HostTensorView &slot : slots) {
    if (!slot.present)
      continue;
    Value operand = getInputs()[next++];
    ElementsAttr value;
    auto type = dyn_cast<IntegerType>(getElementTypeOrSelf(operand.getType()));
    if (!type || (type.getWidth() != 32 && type.getWidth() != 64) ||
        !matchPattern(operand, m_Constant(&value)))
      continue;
    // Dense, row-major, little-endian: the runtime's layout.
    std::vector<uint8_t> &bytes = constants.emplace_back();
    unsigned width = type.getWidth() / 8;
    for (const APInt &v : value.getValues<APInt>())
      for (unsigned b = 0; b < width; ++b)
        bytes.push_back(uint8_t(v.getZExtValue() >> (8 * b)));
    slot.data = bytes.data();
  }
  return success(
      rt::inferHostOutputShapes(*kernel, node, slots, types, shapes, why));
}

std::vector<rt::HostTensorView> HostOp::inputSlots() {
  std::vector<rt::HostTensorView> present = toHostViews(getInputs().getTypes());
  std::vector<rt::HostTensorView> inputs;
  size_t next = 0;
  for (bool p : getPresent()) {
    if (p) {
      inputs.push_back(present[next++]);
    } else {
      inputs.emplace_back();
      inputs.back().present = false;
    }
  }
  return inputs;
}

LogicalResult HostOp::getResultBounds(std::vector<std::vector<int64_t>> &bounds,
                                      std::string &why) {
  rt::HostNode node;
  if (failed(getHostNode(node, why)))
    return failure();
  const rt::HostKernel *kernel = rt::lookupHostKernel(node.opType);
  if (!kernel || !kernel->bound) {
    why = "ONNX " + node.opType + "'s output shapes do not depend on data";
    return failure();
  }
  bounds.clear();
  if (!kernel->bound(node, inputSlots(), bounds, why))
    return failure();
  // Trailing optional outputs the node omits (Unique's indices and
  // counts) have bounds it does not need.
  if (bounds.size() > getNumResults())
    bounds.resize(getNumResults());
  if (bounds.size() != getNumResults()) {
    why = "the kernel bounds " + std::to_string(bounds.size()) +
          " outputs, the node has " + std::to_string(getNumResults());
    return failure();
  }
  return success();
}

LogicalResult HostOp::verifyWithHostKernel(std::string &why) {
  rt::HostNode node;
  const rt::HostKernel *kernel = getHostKernel(node, why);
  if (!kernel)
    return failure();
  // The kernel sees every input slot, absent ones marked.
  return success(
      kernel->verify(node, inputSlots(), toHostViews(getResultTypes()), why));
}
