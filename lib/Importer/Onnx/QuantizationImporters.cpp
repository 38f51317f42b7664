//===- QuantizationImporters.cpp - pre-quantized ONNX ops onto the NPU ---===//
//
// QuantizeLinear, DequantizeLinear, QLinearConv and QLinearMatMul as the
// npu dialect's quantization boundaries and the QDQ form (docs/
// quantization.md, "Pre-quantized models"); npu-fold-qdq then runs the
// convolutions and matmuls between them in INT8. ConvInteger and
// MatMulInteger as INT8 convolutions and matmuls with INT32 results.
//
//===----------------------------------------------------------------------===//

#include "OnnxSemantics.h"
#include "OpImporters.h"

#include "npu/Dialect/Npu/IR/NpuOps.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <cmath>
#include <optional>

using namespace mlir;
using namespace npu;
using namespace npu::onnx_import;

namespace {

/// A QuantizeLinear's or DequantizeLinear's constant scale and zero point
/// (inputs 1 and 2): per tensor (one element), or per axis (opset 13: 1-D,
/// one per index of `axis`). `storage` is the integer side's element type,
/// 8-bit signed or unsigned.
struct LinearQuantization {
  SmallVector<float> scales;
  SmallVector<int64_t> zeroPoints;
  int64_t axis = -1; ///< -1: per tensor
  IntegerType storage;
};

/// Reads the scale and zero point (inputs `scaleIn` and `zpIn`) of a
/// tensor of `shape` stored as `storage`; fails (the node then runs on the
/// host CPU) when they are not constant, not FP32, not positive and
/// finite, or the storage is not 8-bit. Per axis along `axisOf` when given
/// (QLinearConv's weights: 0; QLinearMatMul's b: its last), else along the
/// node's `axis` attribute (QuantizeLinear, DequantizeLinear opset 13);
/// `perTensorOnly` refuses per-axis parameters.
FailureOr<LinearQuantization>
linearQuantization(NodeContext &ctx, Type storage, ArrayRef<int64_t> shape,
                   unsigned scaleIn = 1, unsigned zpIn = 2,
                   std::optional<int64_t> axisOf = std::nullopt,
                   bool perTensorOnly = false) {
  LinearQuantization q;
  q.storage = dyn_cast<IntegerType>(storage);
  if (!q.storage || q.storage.getWidth() != 8)
    return ctx.fail("the NPU quantizes to INT8 and UINT8 only");
  const HostTensor *scale = ctx.constant(scaleIn);
  const HostTensor *zp = ctx.hasInput(zpIn) ? ctx.constant(zpIn) : nullptr;
  if (!scale || (ctx.hasInput(zpIn) && !zp))
    return ctx.failNotConstant({scaleIn, zpIn}, "the scale and zero point");
  if (scale->dtype != onnx::TensorProto::FLOAT)
    return ctx.fail("the NPU takes FP32 scales only");
  int64_t count = scale->size();
  if (zp && zp->size() != count)
    return ctx.fail("the zero point must have one element per scale");
  if (count != 1) {
    int64_t axis = axisOf ? *axisOf : ctx.attrs.getInt("axis", 1);
    if (perTensorOnly || (!axisOf && ctx.opset < 13) ||
        scale->shape.size() != 1 ||
        !normalizeAxis(axis, int64_t(shape.size())) || shape[axis] != count)
      return ctx.fail("a per-axis scale must be 1-D with one element per "
                      "index of its axis");
    q.axis = axis;
  }
  for (int64_t i = 0; i < count; ++i) {
    double s = scale->realAt(i);
    // quant.uniform's scale, and a division the NPU computes in FP32.
    if (!(s > 0) || !std::isfinite(s) || !std::isnormal(float(s)))
      return ctx.fail("the NPU takes positive, finite, normal scales only");
    q.scales.push_back(float(s));
    q.zeroPoints.push_back(zp ? zp->intAt(i) : 0);
  }
  return q;
}

/// The per-tensor quantized FP32 type of 8-bit codes stored as `storage`
/// (signed: [-128, 127], unsigned: [0, 255]).
Type uniform8(IntegerType storage, double scale, int64_t zeroPoint) {
  MLIRContext *context = storage.getContext();
  bool isSigned = !storage.isUnsigned();
  return quant::UniformQuantizedType::get(
      isSigned ? unsigned(quant::QuantizationFlags::Signed) : 0u,
      IntegerType::get(context, 8), Float32Type::get(context), scale, zeroPoint,
      isSigned ? -128 : 0, isSigned ? 127 : 255);
}

/// The per-tensor quantized element type of `q` (or, per axis, the unit
/// type `1.0:0`, the codes themselves).
Type quantizedElementType(const LinearQuantization &q, MLIRContext *) {
  bool perTensor = q.axis < 0;
  return uniform8(q.storage, perTensor ? double(q.scales[0]) : 1.0,
                  perTensor ? q.zeroPoints[0] : 0);
}

/// Per-axis values `v` of FP32 broadcast along `axis` of a `rank`-D tensor:
/// shape [D_axis, 1, ...] (trailing ones after the axis).
Value perAxisConstant(NodeContext &ctx, ArrayRef<float> v, int64_t axis,
                      int64_t rank) {
  SmallVector<int64_t> shape(rank - axis, 1);
  shape[0] = int64_t(v.size());
  auto type = RankedTensorType::get(shape, ctx.b.getF32Type());
  return ConstantOp::create(ctx.b, ctx.loc, type,
                            DenseElementsAttr::get(type, v));
}

/// FP32 `x` quantized by `q` to the integers of `outType`: per tensor one
/// npu.quantize (`half_to_even`); per axis the division by the broadcast
/// scales, a rounding, the zero points added, then a quantize with unit
/// scale.
Value quantizeLinear(NodeContext &ctx, Value x, const LinearQuantization &q,
                     RankedTensorType outType) {
  auto inType = cast<RankedTensorType>(x.getType());
  int64_t rank = inType.getRank();
  if (q.axis >= 0) {
    x = DivOp::create(ctx.b, ctx.loc, inType, x,
                      perAxisConstant(ctx, q.scales, q.axis, rank));
    x = RoundOp::create(ctx.b, ctx.loc, inType, x);
    SmallVector<float> zps(q.zeroPoints.begin(), q.zeroPoints.end());
    x = AddOp::create(ctx.b, ctx.loc, inType, x,
                      perAxisConstant(ctx, zps, q.axis, rank));
  }
  auto quantized = inType.clone(quantizedElementType(q, ctx.b.getContext()));
  Value codes = QuantizeOp::create(ctx.b, ctx.loc, quantized, x,
                                   RoundingMode::half_to_even);
  return StorageCastOp::create(ctx.b, ctx.loc, outType, codes);
}

/// The integers `codes` dequantized by `q` to FP32: per tensor one
/// npu.dequantize; per axis the codes as FP32, minus the broadcast zero
/// points, times the scales.
Value dequantizeLinear(NodeContext &ctx, Value codes,
                       const LinearQuantization &q) {
  auto inType = cast<RankedTensorType>(codes.getType());
  auto outType = inType.clone(ctx.b.getF32Type());
  auto quantized = inType.clone(quantizedElementType(q, ctx.b.getContext()));
  Value y = DequantizeOp::create(
      ctx.b, ctx.loc, outType,
      StorageCastOp::create(ctx.b, ctx.loc, quantized, codes));
  if (q.axis >= 0) {
    int64_t rank = inType.getRank();
    SmallVector<float> zps(q.zeroPoints.begin(), q.zeroPoints.end());
    y = SubOp::create(ctx.b, ctx.loc, outType, y,
                      perAxisConstant(ctx, zps, q.axis, rank));
    y = MulOp::create(ctx.b, ctx.loc, outType, y,
                      perAxisConstant(ctx, q.scales, q.axis, rank));
  }
  return y;
}

/// A QLinearConv's or QLinearMatMul's parameters: input 0's (inputs 1, 2,
/// per tensor), input 3's (inputs 4, 5, per tensor or along `weightAxis`;
/// -1: per tensor only) and the result's (inputs 6, 7, per tensor).
struct QLinearParams {
  LinearQuantization in, weight, out;
};

FailureOr<QLinearParams> qlinearParams(NodeContext &ctx, int64_t weightAxis) {
  auto inType = ctx.inputType(0), wType = ctx.inputType(3);
  auto outType = ctx.resultType(0);
  FailureOr<LinearQuantization> in = linearQuantization(
      ctx, inType.getElementType(), inType.getShape(), 1, 2, -1, true);
  if (failed(in))
    return failure();
  FailureOr<LinearQuantization> weight =
      linearQuantization(ctx, wType.getElementType(), wType.getShape(), 4, 5,
                         weightAxis, /*perTensorOnly=*/weightAxis < 0);
  if (failed(weight))
    return failure();
  FailureOr<LinearQuantization> out = linearQuantization(
      ctx, outType.getElementType(), outType.getShape(), 6, 7, -1, true);
  if (failed(out))
    return failure();
  return QLinearParams{*in, *weight, *out};
}

} // namespace

Value npu::onnx_import::unitCodes(NodeContext &ctx, Value v,
                                  RankedTensorType out) {
  auto codes =
      cast<RankedTensorType>(v.getType())
          .clone(uniform8(cast<IntegerType>(out.getElementType()), 1.0, 0));
  Value q =
      QuantizeOp::create(ctx.b, ctx.loc, codes, v, RoundingMode::half_to_even);
  return StorageCastOp::create(ctx.b, ctx.loc, out, q);
}

Value npu::onnx_import::unitValues(NodeContext &ctx, Value codes) {
  auto type = cast<RankedTensorType>(codes.getType());
  auto unit =
      type.clone(uniform8(cast<IntegerType>(type.getElementType()), 1.0, 0));
  return DequantizeOp::create(
      ctx.b, ctx.loc, type.clone(ctx.b.getF32Type()),
      StorageCastOp::create(ctx.b, ctx.loc, unit, codes));
}

namespace {

/// QuantizeLinear whose per-tensor scale (and zero point) are computed at
/// run time (DynamicQuantizeLinear's expansion): `rint(x / y_scale)` on the
/// vector unit, the zero point's codes read as FP32 and added, then the
/// codes at unit scale.
LogicalResult quantizeAtRunTimeScale(NodeContext &ctx) {
  auto inType = ctx.inputType(0);
  auto outType = ctx.resultType(0);
  auto storage = dyn_cast<IntegerType>(outType.getElementType());
  if (!storage || storage.getWidth() != 8)
    return ctx.fail("the NPU quantizes to INT8 and UINT8 only");
  if (!ctx.inputType(1).getElementType().isF32() ||
      ctx.inputType(1).getNumElements() != 1 ||
      (ctx.hasInput(2) && ctx.inputType(2).getNumElements() != 1))
    return ctx.failNotConstant({1, 2},
                               "a scale and zero point that are not one "
                               "FP32 scale and one zero point");
  Value scale = reshapeTo(ctx, ctx.input(1), {});
  Value y = DivOp::create(ctx.b, ctx.loc, inType, ctx.input(0), scale);
  y = RoundOp::create(ctx.b, ctx.loc, inType, y);
  if (ctx.hasInput(2)) {
    auto zpStorage = dyn_cast<IntegerType>(ctx.inputType(2).getElementType());
    if (!zpStorage || zpStorage.getWidth() != 8)
      return ctx.fail("the zero point must be INT8 or UINT8");
    y = AddOp::create(ctx.b, ctx.loc, inType, y,
                      reshapeTo(ctx, unitValues(ctx, ctx.input(2)), {}));
  }
  ctx.setResult(0, unitCodes(ctx, y, outType));
  return success();
}

} // namespace

/// ONNX QuantizeLinear (opsets 10, 13): `saturate(rint(x / y_scale) +
/// y_zero_point)`, rounding half to even.
LogicalResult npu::onnx_import::importQuantizeLinear(NodeContext &ctx) {
  auto inType = ctx.inputType(0);
  auto outType = ctx.resultType(0);
  if (!inType.getElementType().isF32())
    return ctx.fail("the NPU quantizes FP32 values only");
  if (!ctx.constant(1) || (ctx.hasInput(2) && !ctx.constant(2)))
    return quantizeAtRunTimeScale(ctx);
  FailureOr<LinearQuantization> q =
      linearQuantization(ctx, outType.getElementType(), inType.getShape());
  if (failed(q))
    return failure();
  ctx.setResult(0, quantizeLinear(ctx, ctx.input(0), *q, outType));
  return success();
}

/// ONNX DynamicQuantizeLinear (opset 11) on the NPU, as its function body
/// (onnx/defs/quantization/defs.cc) spelled in npu ops: the range
/// [min(0, min x), max(0, max x)] by two reductions over every axis (NaN
/// left out, as the host kernel does), y_scale = range / 255 (1 for an
/// all-zero input, as ONNX Runtime gives), y_zero_point = rint(clip(0 - min /
/// y_scale, 0, 255)), and y = saturate(rint(x / y_scale) + y_zero_point) as
/// QuantizeLinear with a run-time scale (a division, a rounding half to even,
/// the zero point added, then the codes at unit scale: exact for the integers
/// the rounding leaves).
LogicalResult npu::onnx_import::importDynamicQuantizeLinear(NodeContext &ctx) {
  auto inType = ctx.inputType(0);
  if (!inType.getElementType().isF32() || inType.getNumElements() == 0)
    return ctx.fail("the NPU quantizes non-empty FP32 values only");
  Type f32 = ctx.b.getF32Type();
  auto scalar = RankedTensorType::get({}, f32);
  SmallVector<int64_t> all =
      llvm::to_vector(llvm::seq<int64_t>(0, inType.getRank()));
  Value x = ctx.input(0);
  // NaN takes no part in the range, as in the host kernel's fmin/fmax (ONNX's
  // reference gives a NaN scale; ONNX Runtime's SIMD min/max depends on
  // where the NaN is): 0 stands in for it, which the range holds anyway.
  auto boolType = inType.clone(ctx.b.getI1Type());
  Value number = EqualOp::create(ctx.b, ctx.loc, boolType, x, x);
  Value ranged =
      WhereOp::create(ctx.b, ctx.loc, inType, number, x, ctx.scalar(f32, 0));
  Value lo = ReduceMinOp::create(ctx.b, ctx.loc, scalar, ranged, all, false);
  Value hi = ReduceMaxOp::create(ctx.b, ctx.loc, scalar, ranged, all, false);
  lo = MinimumOp::create(ctx.b, ctx.loc, scalar, lo, ctx.scalar(f32, 0));
  hi = MaximumOp::create(ctx.b, ctx.loc, scalar, hi, ctx.scalar(f32, 0));
  Value range = SubOp::create(ctx.b, ctx.loc, scalar, hi, lo);
  // An all-zero input has scale 1, as in ONNX Runtime and the host kernel
  // (the function body would divide by 0).
  Value empty = EqualOp::create(ctx.b, ctx.loc,
                                RankedTensorType::get({}, ctx.b.getI1Type()),
                                range, ctx.scalar(f32, 0));
  Value scale = WhereOp::create(
      ctx.b, ctx.loc, scalar, empty, ctx.scalar(f32, 1),
      DivOp::create(ctx.b, ctx.loc, scalar, range, ctx.scalar(f32, 255)));
  Value minScaled = DivOp::create(ctx.b, ctx.loc, scalar, lo, scale);
  Value zp =
      SubOp::create(ctx.b, ctx.loc, scalar, ctx.scalar(f32, 0), minScaled);
  zp = ClampOp::create(ctx.b, ctx.loc, scalar, zp, ctx.b.getF32FloatAttr(0),
                       ctx.b.getF32FloatAttr(255));
  zp = RoundOp::create(ctx.b, ctx.loc, scalar, zp);
  Value y = DivOp::create(ctx.b, ctx.loc, inType, x, scale);
  y = RoundOp::create(ctx.b, ctx.loc, inType, y);
  y = AddOp::create(ctx.b, ctx.loc, inType, y, zp);
  ctx.setResult(0, unitCodes(ctx, y, ctx.resultType(0)));
  ctx.setResult(1, scale);
  ctx.setResult(2, unitCodes(ctx, zp, ctx.resultType(2)));
  return success();
}

/// ONNX DequantizeLinear (opsets 10, 13) of INT8 or UINT8: `(x -
/// x_zero_point) * x_scale`.
LogicalResult npu::onnx_import::importDequantizeLinear(NodeContext &ctx) {
  auto inType = ctx.inputType(0);
  if (!ctx.resultType(0).getElementType().isF32())
    return ctx.fail("the NPU dequantizes to FP32 only");
  FailureOr<LinearQuantization> q =
      linearQuantization(ctx, inType.getElementType(), inType.getShape());
  if (failed(q))
    return failure();
  ctx.setResult(0, dequantizeLinear(ctx, ctx.input(0), *q));
  return success();
}

/// ONNX QLinearConv (opset 10) as the QDQ form it means:
/// QuantizeLinear(Conv(DequantizeLinear(x), DequantizeLinear(w), B * s_x *
/// s_w), y_scale, y_zero_point), x and y per tensor, w per tensor or per
/// output channel, the INT32 bias B constant. npu-fold-qdq runs it in INT8
/// when the weights allow.
LogicalResult npu::onnx_import::importQLinearConv(NodeContext &ctx) {
  FailureOr<QLinearParams> q = qlinearParams(ctx, /*weightAxis=*/0);
  if (failed(q))
    return failure();
  Value bias;
  if (ctx.hasInput(8)) {
    const HostTensor *b = ctx.constant(8);
    int64_t m = ctx.inputType(3).getDimSize(0);
    if (!b)
      return ctx.failNotConstant({8}, "the bias");
    if (b->dtype != onnx::TensorProto::INT32)
      return ctx.fail("the bias must be INT32");
    if (b->size() != m)
      return ctx.fail("the bias must have one element per output channel");
    SmallVector<float> real(m);
    for (int64_t c = 0; c < m; ++c)
      real[c] = float(double(b->intAt(c)) * double(q->in.scales[0]) *
                      double(q->weight.scales[q->weight.axis < 0 ? 0 : c]));
    auto type = RankedTensorType::get({m}, ctx.b.getF32Type());
    bias = ConstantOp::create(ctx.b, ctx.loc, type,
                              DenseElementsAttr::get(type, ArrayRef(real)));
  }
  auto outType = ctx.resultType(0);
  FailureOr<Value> conv =
      buildConv(ctx, dequantizeLinear(ctx, ctx.input(0), q->in),
                dequantizeLinear(ctx, ctx.input(3), q->weight), bias,
                outType.clone(ctx.b.getF32Type()));
  if (failed(conv))
    return failure();
  ctx.setResult(0, quantizeLinear(ctx, *conv, q->out, outType));
  return success();
}

/// ONNX QLinearMatMul (opset 10) as the QDQ form it means:
/// QuantizeLinear(MatMul(DequantizeLinear(a), DequantizeLinear(b)),
/// y_scale, y_zero_point), a and y per tensor, b per tensor or per column.
LogicalResult npu::onnx_import::importQLinearMatMul(NodeContext &ctx) {
  // b per column (its last axis) when it has columns; a 1-D b is one
  // column, per tensor.
  int64_t bRank = ctx.inputType(3).getRank();
  FailureOr<QLinearParams> q =
      qlinearParams(ctx, /*weightAxis=*/bRank >= 2 ? bRank - 1 : -1);
  if (failed(q))
    return failure();
  auto outType = ctx.resultType(0);
  Value y = MatMulOp::create(ctx.b, ctx.loc, outType.clone(ctx.b.getF32Type()),
                             dequantizeLinear(ctx, ctx.input(0), q->in),
                             dequantizeLinear(ctx, ctx.input(3), q->weight));
  ctx.setResult(0, quantizeLinear(ctx, y, q->out, outType));
  return success();
}

namespace {

/// The 8-bit integers of constant `value` (inline, a splat, or a loaded
/// dense_resource blob), sign-extended when `isSigned`; false when it is
/// not such a constant.
bool read8BitConstant(Value value, bool isSigned,
                      SmallVectorImpl<int64_t> &out) {
  auto c = value.getDefiningOp<ConstantOp>();
  auto attr = c ? dyn_cast<ElementsAttr>(c.getValue()) : nullptr;
  std::vector<uint8_t> bytes;
  if (!attr || !readConstantBytes(attr, 1, bytes))
    return false;
  out.clear();
  for (uint8_t byte : bytes)
    out.push_back(isSigned ? int64_t(int8_t(byte)) : int64_t(byte));
  return true;
}

/// The constant per-tensor zero point of input `in` (8-bit, one element;
/// 0 when absent).
FailureOr<int64_t> scalarZeroPoint(NodeContext &ctx, unsigned in,
                                   const Twine &what) {
  if (!ctx.hasInput(in))
    return int64_t(0);
  const HostTensor *zp = ctx.constant(in);
  if (!zp)
    return ctx.failNotConstant({in}, what);
  if (zp->size() != 1)
    return ctx.fail(what + " must be one value (per tensor) on the "
                           "NPU");
  return zp->intAt(0);
}

/// The run-time 8-bit integers of input `in` (INT8 or UINT8) less the
/// constant zero point of input `zpIn`, as INT8 codes of
/// `!quant.uniform<i8:f32, 1.0:zp'>` (real value = code - zp' = x - zp):
/// INT8 as it is; UINT8 shifted by -128 (a dequantize and a quantize at
/// unit scale, exact), its zero point with it.
FailureOr<Value> int8CodesOf(NodeContext &ctx, unsigned in, unsigned zpIn,
                             const Twine &zpWhat) {
  auto type = ctx.inputType(in);
  auto storage = dyn_cast<IntegerType>(type.getElementType());
  if (!storage || storage.getWidth() != 8)
    return ctx.fail("the NPU takes INT8 and UINT8 operands only");
  FailureOr<int64_t> zp = scalarZeroPoint(ctx, zpIn, zpWhat);
  if (failed(zp))
    return failure();
  auto i8 = IntegerType::get(ctx.b.getContext(), 8);
  if (!storage.isUnsigned())
    return Value(StorageCastOp::create(
        ctx.b, ctx.loc, type.clone(uniform8(i8, 1.0, *zp)), ctx.input(in)));
  Value real = DequantizeOp::create(
      ctx.b, ctx.loc, type.clone(ctx.b.getF32Type()),
      StorageCastOp::create(ctx.b, ctx.loc,
                            type.clone(uniform8(storage, 1.0, *zp)),
                            ctx.input(in)));
  return Value(QuantizeOp::create(ctx.b, ctx.loc,
                                  type.clone(uniform8(i8, 1.0, *zp - 128)),
                                  real, RoundingMode::half_to_even));
}

/// The constant 8-bit weights of input `in` less their zero points (input
/// `zpIn`: one, or one per index of `axis`) as an npu.constant of
/// `!quant.uniform<i8:f32:axis, {1.0, ...}>`; fails when they are not
/// constant or a difference leaves INT8 (the MAC array's operands).
/// `sums` receives the sum of the INT8 weights of each index of `axis`.
FailureOr<Value> int8WeightsOf(NodeContext &ctx, unsigned in, unsigned zpIn,
                               int64_t axis, SmallVectorImpl<int64_t> &sums) {
  auto type = ctx.inputType(in);
  auto storage = dyn_cast<IntegerType>(type.getElementType());
  if (!storage || storage.getWidth() != 8)
    return ctx.fail("the NPU takes INT8 and UINT8 weights only");
  bool isSigned = !storage.isUnsigned();
  SmallVector<int64_t> w;
  if (!read8BitConstant(ctx.input(in), isSigned, w))
    return ctx.failNotConstant({in}, "the weights");
  int64_t channels = type.getDimSize(axis), inner = 1;
  for (int64_t d = axis + 1; d < type.getRank(); ++d)
    inner *= type.getDimSize(d);
  SmallVector<int64_t> zps(channels, 0);
  if (ctx.hasInput(zpIn)) {
    const HostTensor *zp = ctx.constant(zpIn);
    if (!zp)
      return ctx.failNotConstant({zpIn}, "the weights' zero point");
    if (zp->size() != 1 && zp->size() != channels)
      return ctx.fail("the weights' zero point must be one value "
                      "or one per output channel");
    for (int64_t c = 0; c < channels; ++c)
      zps[c] = zp->intAt(zp->size() == 1 ? 0 : c);
  }
  SmallVector<int8_t> q(w.size());
  sums.assign(channels, 0);
  for (auto [i, v] : llvm::enumerate(w)) {
    int64_t channel = (int64_t(i) / inner) % channels;
    int64_t d = v - zps[channel];
    if (d < -128 || d > 127)
      return ctx.fail("the weights less their zero point must fit "
                      "INT8 (the MAC array's operands)");
    q[i] = int8_t(d);
    sums[channel] += d;
  }
  MLIRContext *context = ctx.b.getContext();
  auto i8 = IntegerType::get(context, 8);
  auto qType = quant::UniformQuantizedPerAxisType::get(
      quant::QuantizationFlags::Signed, i8, Float32Type::get(context),
      SmallVector<double>(channels, 1.0), SmallVector<int64_t>(channels, 0),
      int32_t(axis), -128, 127);
  return Value(
      ConstantOp::create(ctx.b, ctx.loc, type.clone(qType),
                         DenseElementsAttr::get(type.clone(i8), ArrayRef(q))));
}

/// An 8-bit input whose zero point is computed at run time: its codes at
/// unit scale with the zero point -128 (UINT8) or 0 (INT8), so the real
/// values are the integers themselves, and the zero point as an INT32
/// scalar. `pads` (the spatial begin pads, then the end pads; none for a
/// matmul) pad the input with the zero point first: (x - zp) padded with 0,
/// plus zp, in FP32, exact for 8-bit integers.
struct RunTimeZeroPoint {
  Value codes, zeroPoint;
};

FailureOr<RunTimeZeroPoint> runTimeZeroPointCodes(NodeContext &ctx, unsigned in,
                                                  unsigned zpIn,
                                                  ArrayRef<int64_t> pads) {
  auto type = ctx.inputType(in);
  auto storage = dyn_cast<IntegerType>(type.getElementType());
  if (!storage || storage.getWidth() != 8 ||
      ctx.inputType(zpIn).getElementType() != storage)
    return ctx.fail("the NPU takes INT8 and UINT8 operands only");
  if (ctx.inputType(zpIn).getNumElements() != 1)
    return ctx.fail("a zero point computed at run time must be one value on "
                    "the NPU");
  Type f32 = ctx.b.getF32Type();
  Value x = unitValues(ctx, ctx.input(in));
  Value zp = reshapeTo(ctx, unitValues(ctx, ctx.input(zpIn)), {});
  if (llvm::any_of(pads, [](int64_t p) { return p != 0; })) {
    int64_t rank = type.getRank(), spatial = int64_t(pads.size()) / 2;
    SmallVector<int64_t> all(2 * rank, 0), shape(type.getShape());
    for (int64_t i = 0; i < spatial; ++i) {
      all[rank - spatial + i] = pads[i];
      all[2 * rank - spatial + i] = pads[spatial + i];
      shape[rank - spatial + i] += pads[i] + pads[spatial + i];
    }
    if (llvm::any_of(pads, [](int64_t p) { return p < 0; }))
      return ctx.fail("negative pads with a run-time zero point are not "
                      "supported on the NPU");
    auto inF = type.clone(f32);
    auto padded = RankedTensorType::get(shape, f32);
    Value centred = SubOp::create(ctx.b, ctx.loc, inF, x, zp);
    centred = PadOp::create(ctx.b, ctx.loc, padded, centred, all,
                            llvm::APFloat(0.0f), PadMode::constant);
    x = AddOp::create(ctx.b, ctx.loc, padded, centred, zp);
  }
  auto i8 = IntegerType::get(ctx.b.getContext(), 8);
  auto xType = cast<RankedTensorType>(x.getType());
  Value codes = QuantizeOp::create(
      ctx.b, ctx.loc,
      xType.clone(uniform8(i8, 1.0, storage.isUnsigned() ? -128 : 0)), x,
      RoundingMode::half_to_even);
  Value zpInt = CastOp::create(
      ctx.b, ctx.loc, RankedTensorType::get({}, ctx.b.getI32Type()), zp);
  return RunTimeZeroPoint{codes, zpInt};
}

/// `sumsOfCodes` (INT32, the exact sums of x * w) less zp * sums[c], the
/// sums broadcast as a constant of `shape` (one per channel or column).
Value subtractZeroPointSums(NodeContext &ctx, Value sumsOfCodes,
                            Value zeroPoint, ArrayRef<int64_t> sums,
                            ArrayRef<int64_t> shape) {
  auto type = RankedTensorType::get(shape, ctx.b.getI32Type());
  SmallVector<int32_t> wrapped;
  for (int64_t s : sums)
    wrapped.push_back(int32_t(s));
  Value weightSums = ConstantOp::create(
      ctx.b, ctx.loc, type, DenseElementsAttr::get(type, ArrayRef(wrapped)));
  Value fold = MulOp::create(ctx.b, ctx.loc, type, zeroPoint, weightSums);
  return SubOp::create(ctx.b, ctx.loc, sumsOfCodes.getType(), sumsOfCodes,
                       fold);
}

} // namespace

/// ONNX ConvInteger (opset 10): the INT32 convolution of (x - x_zero_point)
/// and (w - w_zero_point), padded with x_zero_point (0 once subtracted, as
/// ONNX's reference pads). On the NPU as an INT8 npu.conv with an INT32
/// result, its exact sums: x as INT8 codes (int8CodesOf), the constant
/// weights less their zero points as INT8 (int8WeightsOf, per output
/// channel).
LogicalResult npu::onnx_import::importConvInteger(NodeContext &ctx) {
  SmallVector<int64_t> sums;
  FailureOr<Value> w = int8WeightsOf(ctx, 1, 3, /*axis=*/0, sums);
  if (failed(w))
    return failure();
  RankedTensorType outType = ctx.resultType(0);
  if (ctx.hasInput(2) && !ctx.constant(2)) {
    // A zero point computed at run time: padded explicitly with it, the
    // convolution of the codes unpadded, less zp * sum(w) per channel.
    FailureOr<SmallVector<int64_t>> pads =
        convPads(ctx, ctx.inputType(0), ctx.inputType(1));
    if (failed(pads))
      return failure();
    FailureOr<RunTimeZeroPoint> x = runTimeZeroPointCodes(ctx, 0, 2, *pads);
    if (failed(x))
      return failure();
    SmallVector<int64_t> unpadded(pads->size(), 0);
    FailureOr<Value> conv =
        buildConv(ctx, x->codes, *w, Value(), outType, ArrayRef(unpadded));
    if (failed(conv))
      return failure();
    SmallVector<int64_t> perChannel(outType.getRank() - 1, 1);
    perChannel[0] = int64_t(sums.size());
    ctx.setResult(
        0, subtractZeroPointSums(ctx, *conv, x->zeroPoint, sums, perChannel));
    return success();
  }
  FailureOr<Value> x = int8CodesOf(ctx, 0, 2, "the input's zero point");
  if (failed(x))
    return failure();
  FailureOr<Value> conv = buildConv(ctx, *x, *w, Value(), outType);
  if (failed(conv))
    return failure();
  ctx.setResult(0, *conv);
  return success();
}

/// ONNX MatMulInteger (opset 10): the INT32 product of (A - a_zero_point)
/// and (B - b_zero_point), numpy.matmul's shapes. On the NPU as an INT8
/// npu.matmul with an INT32 result: A as INT8 codes with one zero point,
/// B constant and 2-D, less its zero points (one, or one per column).
LogicalResult npu::onnx_import::importMatMulInteger(NodeContext &ctx) {
  if (ctx.inputType(1).getRank() != 2)
    return ctx.fail("the NPU takes 2-D constant B only");
  SmallVector<int64_t> sums;
  FailureOr<Value> b = int8WeightsOf(ctx, 1, 3, /*axis=*/1, sums);
  if (failed(b))
    return failure();
  RankedTensorType outType = ctx.resultType(0);
  if (ctx.hasInput(2) && !ctx.constant(2)) {
    // A zero point computed at run time (DynamicQuantizeLinear's): the
    // product of the codes less zp * sum(b) per column.
    FailureOr<RunTimeZeroPoint> a = runTimeZeroPointCodes(ctx, 0, 2, {});
    if (failed(a))
      return failure();
    Value product = MatMulOp::create(ctx.b, ctx.loc, outType, a->codes, *b);
    ctx.setResult(0, subtractZeroPointSums(ctx, product, a->zeroPoint, sums,
                                           {int64_t(sums.size())}));
    return success();
  }
  FailureOr<Value> a = int8CodesOf(ctx, 0, 2, "a_zero_point");
  if (failed(a))
    return failure();
  ctx.setResult(0, MatMulOp::create(ctx.b, ctx.loc, outType, *a, *b));
  return success();
}
