//===- FoldQdq.cpp - a QDQ model's convolutions and matmuls in INT8 -------===//
//
// See the pass description in Passes.td and docs/quantization.md,
// "Pre-quantized models".
//
//===----------------------------------------------------------------------===//

#include "ConvFolding.h"

#include "npu/Dialect/Npu/IR/NpuBackendInterface.h"
#include "npu/Dialect/Npu/IR/NpuOps.h"
#include "npu/Dialect/Npu/Transforms/Passes.h"
#include "npu/Dialect/Npu/Utils/QuantParams.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Matchers.h"

#include <cmath>

namespace npu {
#define GEN_PASS_DEF_FOLDQDQ
#include "npu/Dialect/Npu/Transforms/Passes.h.inc"
} // namespace npu

using namespace mlir;
using namespace npu;

namespace {

/// The per-tensor quantized element type of `v`, or null.
quant::UniformQuantizedType uniformOf(Value v) {
  return dyn_cast<quant::UniformQuantizedType>(
      cast<RankedTensorType>(v.getType()).getElementType());
}

/// Whether `t` is per-tensor 8-bit over FP32 (signed: the MAC array's
/// operands; either: a requantized result).
bool isInt8(quant::UniformQuantizedType t, bool allowUnsigned = false) {
  return t && (t.isSigned() || allowUnsigned) &&
         t.getStorageTypeIntegralWidth() == 8 && t.getExpressedType().isF32();
}

/// The INT8 codes `x` a `dequantize(x)` reads, or null.
Value int8Codes(Value v) {
  auto dq = v.getDefiningOp<DequantizeOp>();
  return dq && isInt8(uniformOf(dq.getInput())) ? dq.getInput() : Value();
}

/// The per-slice scales (ptq::chooseWeightScales) of the FP32 weights `w`
/// of `type` quantized symmetrically along `axis` (createInt8Weights), when
/// those codes keep the weights: each weight is
/// its code times its slice's scale up to FP32 rounding (2^-20 of the
/// slice's largest magnitude; a weight between two codes is off by up to
/// half a step, 2^-8 of it). ONNX's DequantizeLinear made them so when the
/// slice's largest code is +-127; the scale then differs from the model's
/// in its last bits only. nullopt when the INT8 form would re-round the
/// model's weights (the FP32 form stays) or there are no weights.
std::optional<std::vector<double>>
exactInt8Scales(ArrayRef<float> w, RankedTensorType type, int64_t axis) {
  int64_t channels = type.getDimSize(axis), inner = 1;
  for (int64_t d = axis + 1; d < type.getRank(); ++d)
    inner *= type.getDimSize(d);
  // Weights with no elements (a dimension of 0) have nothing to keep.
  if (w.empty())
    return std::nullopt;
  std::vector<double> scales =
      ptq::chooseWeightScales(w.data(), int64_t(w.size()), channels, inner);
  for (auto [i, x] : llvm::enumerate(w)) {
    double scale = scales[(int64_t(i) / inner) % channels];
    double code = ptq::quantizeWeight(x, scale);
    if (std::abs(code * scale - double(x)) > scale * 127.0 * 0x1p-20)
      return std::nullopt;
  }
  return scales;
}

/// Whether quantizing to `t` after `clamp` (min 0) gives the codes
/// quantizing alone does: real 0 is the lowest code (the zero point is the
/// storage minimum), and the clamp's max quantizes to the highest code or
/// past it (ReLU's infinity; ReLU6's 6 at a scale of 6 / 255), so the
/// saturation clamps where the clamp did.
bool saturationIs(ClampOp clamp, quant::UniformQuantizedType t) {
  float max = clamp.getMax().convertToFloat();
  return t.getZeroPoint() == t.getStorageTypeMin() &&
         (std::isinf(max) ||
          std::nearbyint(double(max) / t.getScale()) + t.getZeroPoint() >=
              double(t.getStorageTypeMax()));
}

bool supportsInt8(Operation *op) {
  auto backend = dyn_cast<BackendOpInterface>(op);
  return backend && backend.supportsInt8();
}

struct FoldQdqPass : npu::impl::FoldQdqBase<FoldQdqPass> {
  void runOnOperation() override;

  /// UINT8 codes read only by dequantizes become INT8 (zero point - 128).
  void signCodes(QuantizeOp q);
  void foldConv(ConvOp conv);
  /// A matmul with constant 2-D weights, or a transposed convolution of
  /// one group: INT8 input, weights per output channel (axis 1), FP32
  /// result.
  void foldWithFloatResult(Operation *op);
  /// A max pooling between a dequantize and a quantize of one type.
  void foldMaxPool(MaxPoolOp pool);
};

void FoldQdqPass::signCodes(QuantizeOp q) {
  auto t = uniformOf(q.getResult());
  if (!t || t.isSigned() || t.getStorageTypeIntegralWidth() != 8 ||
      t.getStorageTypeMin() != 0 || t.getStorageTypeMax() != 255 ||
      q.getResult().use_empty() ||
      !llvm::all_of(q.getResult().getUsers(),
                    [](Operation *user) { return isa<DequantizeOp>(user); }))
    return;
  auto signedType = quant::UniformQuantizedType::get(
      quant::QuantizationFlags::Signed, t.getStorageType(),
      t.getExpressedType(), t.getScale(), t.getZeroPoint() - 128, -128, 127);
  q.getResult().setType(cast<RankedTensorType>(q.getType()).clone(signedType));
}

void FoldQdqPass::foldConv(ConvOp conv) {
  Value x = int8Codes(conv.getInput());
  if (!x || !conv.getType().getElementType().isF32() || !supportsInt8(conv) ||
      !conv.getResult().hasOneUse())
    return;
  // The reader: the quantize, or a ReLU or ReLU6 (clamp(x, 0, max)) the
  // quantize's saturation is.
  Operation *user = *conv.getResult().getUsers().begin();
  auto relu = dyn_cast<ClampOp>(user);
  if (relu &&
      (relu.getMin().convertToFloat() != 0.0f || !relu.getResult().hasOneUse()))
    return;
  auto q =
      dyn_cast<QuantizeOp>(relu ? *relu.getResult().getUsers().begin() : user);
  auto outType = q ? uniformOf(q.getResult()) : nullptr;
  // A UINT8 result (its codes leave as UINT8) is requantized to UINT8.
  if (!isInt8(outType, /*allowUnsigned=*/true) ||
      (relu && !saturationIs(relu, outType)))
    return;
  SmallVector<float> w, bias;
  RankedTensorType wType = conv.getWeight().getType();
  if (!readConvParams(conv, w, bias) ||
      !llvm::all_of(bias, [](float v) { return std::isfinite(v); }))
    return;
  std::optional<std::vector<double>> codeScales = exactInt8Scales(w, wType, 0);
  if (!codeScales)
    return;
  // The weight scales: the codes', except for an all-zero (pruned) channel,
  // whose output is its bias alone: a scale that puts the INT32 bias 2^16
  // steps to an output code keeps it exact to 2^-17 of a code (the default
  // scale of 1 would quantize it to s_x).
  double sx = uniformOf(x).getScale(), sOut = outType.getScale();
  std::vector<double> scales = std::move(*codeScales);
  int64_t cout = int64_t(scales.size()), perChannel = int64_t(w.size()) / cout;
  for (int64_t c = 0; c < cout; ++c)
    if (std::all_of(w.begin() + c * perChannel,
                    w.begin() + (c + 1) * perChannel,
                    [](float v) { return v == 0.0f; }))
      scales[c] = sOut / sx * 0x1p-16;
  // Every channel's requantization must be representable (as the readout
  // table computes it, npu::int8ReadoutTable); otherwise the FP32 form
  // stays.
  for (double sw : scales) {
    double multiplier = sx * sw / sOut;
    if (!ptq::computeRequant(multiplier) && !(multiplier < 0x1p-32))
      return;
  }
  OpBuilder b(conv);
  Value weight =
      createInt8Weights(b, conv.getWeight().getLoc(), wType, w, 0, scales);
  // Bias: INT32 at s_x * s_w[c], zero point 0.
  SmallVector<int32_t> qb(cout);
  for (int64_t c = 0; c < cout; ++c)
    qb[c] = int32_t(std::clamp(std::round(double(bias[c]) / (sx * scales[c])),
                               double(INT32_MIN), double(INT32_MAX)));
  auto bType = RankedTensorType::get({cout}, b.getI32Type());
  Value qbias = ConstantOp::create(b, conv.getLoc(), bType,
                                   DenseElementsAttr::get(bType, ArrayRef(qb)));
  auto folded = ConvOp::create(b, conv.getLoc(), q.getType(), x, weight, qbias,
                               conv.getStrides(), conv.getDilations(),
                               conv.getPads(), conv.getGroup());
  q.getResult().replaceAllUsesWith(folded.getResult());
  q.erase();
  if (relu)
    relu.erase();
  conv.erase();
}

void FoldQdqPass::foldWithFloatResult(Operation *op) {
  Value x = int8Codes(op->getOperand(0));
  Value weightIn = op->getOperand(1);
  auto wType = cast<RankedTensorType>(weightIn.getType());
  SmallVector<float> w;
  Attribute wAttr;
  if (!x || (isa<MatMulOp>(op) && wType.getRank() != 2) ||
      !cast<RankedTensorType>(op->getResult(0).getType())
           .getElementType()
           .isF32() ||
      !supportsInt8(op) || !matchPattern(weightIn, m_Constant(&wAttr)) ||
      !readFloatConstant(wAttr, w))
    return;
  std::optional<std::vector<double>> scales = exactInt8Scales(w, wType, 1);
  if (!scales)
    return;
  OpBuilder b(op);
  SmallVector<Value> operands(op->getOperands());
  operands[0] = x;
  operands[1] =
      createInt8Weights(b, weightIn.getLoc(), wType, w, /*axis=*/1, *scales);
  Operation *folded = b.create(op->getLoc(), op->getName().getIdentifier(),
                               operands, op->getResultTypes(), op->getAttrs());
  op->getResult(0).replaceAllUsesWith(folded->getResult(0));
  op->erase();
}

void FoldQdqPass::foldMaxPool(MaxPoolOp pool) {
  Value x = int8Codes(pool.getInput());
  if (!x || !pool.getResult().hasOneUse() || !supportsInt8(pool))
    return;
  auto q = dyn_cast<QuantizeOp>(*pool.getResult().getUsers().begin());
  if (!q || q.getType().getElementType() !=
                cast<RankedTensorType>(x.getType()).getElementType())
    return;
  // Max commutes with quantization at one scale: the codes' maximum, each
  // code dequantized and quantized back to itself (padding: the lowest
  // code, never above a window's real element).
  OpBuilder b(pool);
  SmallVector<Value> operands(pool->getOperands());
  operands[0] = x;
  Operation *folded =
      b.create(pool.getLoc(), pool->getName().getIdentifier(), operands,
               TypeRange{q.getType()}, pool->getAttrs());
  q.getResult().replaceAllUsesWith(folded->getResult(0));
  q.erase();
  pool.erase();
}

void FoldQdqPass::runOnOperation() {
  func::FuncOp func = getOperation();
  for (QuantizeOp q : llvm::to_vector(func.getOps<QuantizeOp>()))
    signCodes(q);
  for (ConvOp conv : llvm::to_vector(func.getOps<ConvOp>()))
    foldConv(conv);
  for (Operation &op : llvm::make_early_inc_range(func.getOps()))
    if (isa<MatMulOp, ConvTransposeOp>(op))
      foldWithFloatResult(&op);
  for (MaxPoolOp pool : llvm::to_vector(func.getOps<MaxPoolOp>()))
    foldMaxPool(pool);
}

} // namespace
