//===- Quantize.cpp - INT8 post-training quantization from ranges ---------===//
//
// See the pass description in Passes.td and docs/quantization.md. The
// parameter choices (nudged zero points, symmetric per-channel weights,
// bias at s_in * s_w) are npu/Dialect/Npu/Utils/QuantParams.h.
//
//===----------------------------------------------------------------------===//

#include "ConvFolding.h"

#include "npu/Dialect/Npu/IR/NpuBackendInterface.h"
#include "npu/Dialect/Npu/IR/NpuOps.h"
#include "npu/Dialect/Npu/IR/ResizeSampling.h"
#include "npu/Dialect/Npu/Transforms/Passes.h"
#include "npu/Dialect/Npu/Utils/QuantParams.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringSet.h"

#include <cmath>

namespace npu {
#define GEN_PASS_DEF_QUANTIZE
#include "npu/Dialect/Npu/Transforms/Passes.h.inc"
} // namespace npu

using namespace mlir;
using namespace npu;

namespace {

/// The most elements of one channel's map a global average pool in INT8
/// averages: its slab (two one-byte copies) and output fit the smallest
/// built-in target's 128 KiB scratchpad (npu-v1-small) with room to spare,
/// one channel per tile (the pooling emitter's tiling: whole maps, channels
/// as they fit), and a map's code sum stays exact in FP32 (127 * 32768 <
/// 2^24). Larger maps pool in FP32, chunked.
constexpr int64_t kMaxInt8GlobalPool = 32768;

/// A global average pool (isGlobalAveragePool) of a map small enough to
/// pool in INT8.
bool isGlobalPool(ReduceMeanOp mean) {
  auto type = cast<RankedTensorType>(mean.getInput().getType());
  return isGlobalAveragePool(mean) &&
         type.getDimSize(2) * type.getDimSize(3) <= kMaxInt8GlobalPool &&
         type.getNumElements() > 0;
}

RankedTensorType withElementType(Type type, Type element) {
  return cast<RankedTensorType>(type).clone(element);
}

quant::UniformQuantizedType activationType(MLIRContext *ctx,
                                           const ptq::AffineParams &p) {
  return quant::UniformQuantizedType::get(
      quant::QuantizationFlags::Signed, IntegerType::get(ctx, 8),
      Float32Type::get(ctx), p.scale, p.zeroPoint, ptq::kQMin, ptq::kQMax);
}

struct QuantizePass : npu::impl::QuantizeBase<QuantizePass> {
  using Base::Base;

  void runOnOperation() override;

private:
  /// The calibrated range of `v`, if any.
  std::optional<ptq::Range> rangeOf(Value v);
  /// The INT8 type `v` is quantized to, from its range.
  std::optional<RankedTensorType> quantizedTypeOf(Value v);
  /// `v` as INT8: the quantized value it was dequantized from, or a new
  /// `npu.quantize` right after its definition (shared by every reader).
  Value int8Of(Value v, OpBuilder &b);
  bool keptFloat(Operation *op) { return keep.contains(onnxNodeOf(op).first); }
  /// Replaces `old`'s FP32 result by `q` (INT8): FP32 readers get one
  /// `npu.dequantize`, INT8 readers look through it to `q`.
  void replaceWithInt8(Value old, Value q, OpBuilder &b);
  /// Replaces single-result `op` by a copy reading the INT8 codes `in` as
  /// its first operand, its result of `in`'s element type (an op that
  /// moves or selects codes without changing their scale).
  void onCodes(Operation *op, Value in, OpBuilder &b);

  /// Whether `op` will read INT8: an INT8-capable convolution, max pooling
  /// or activation this pass quantizes.
  bool willBeInt8(Operation *op);
  /// Whether `op` has readers and every one willBeInt8 (memoized).
  bool readersTakeInt8(Operation *op);
  bool isInt8Conv(ConvOp conv);
  /// A matmul of two activations whose ranges both reach below 0
  /// (attention's Q K^T); quantizeActivationMatmul makes it INT8.
  bool isInt8ActivationMatmul(MatMulOp mm);
  LogicalResult quantizeActivationMatmul(MatMulOp mm, OpBuilder &b);
  /// `v` as INT8 with zero point 0 (scale max|range| / 127), a new
  /// `npu.quantize` right after its definition shared by such readers.
  Value symmetricInt8Of(Value v, OpBuilder &b);
  /// The constant `w` (FP32 values of `weight`'s type) quantized
  /// symmetrically per slice along `axis`, created before `user`; `scales`
  /// receives the per-channel scales.
  Value quantizeWeights(OpBuilder &b, Operation *user, Value weight,
                        ArrayRef<float> w, int64_t axis,
                        std::vector<double> &scales);
  LogicalResult quantizeConv(ConvOp conv, OpBuilder &b);
  /// Whether `op` is a matmul with a 2-D right operand or a transposed
  /// convolution of one group, with an FP32 result and constant weights:
  /// what quantizeWithFloatResult makes read INT8.
  static bool takesInt8WithFloatResult(Operation *op);
  LogicalResult quantizeWithFloatResult(Operation *op, OpBuilder &b);
  /// An activation that willBeInt8 as an INT8 -> INT8 op.
  void quantizeLut(Operation *op, OpBuilder &b);
  /// A max pooling whose input is INT8 already, on its codes: the result
  /// keeps the input's type (max commutes with the monotonic quantization).
  void quantizeMaxPool(MaxPoolOp pool, OpBuilder &b);
  /// A global average pool (a mean over both spatial axes of NCHW, kept)
  /// whose readers take INT8 and whose input is INT8 already: an INT8
  /// average pooling over the whole map on the codes, its result of the
  /// input's type (TFLite's MEAN with matching input and output
  /// parameters: the codes' mean, rounded).
  void quantizeGlobalPool(ReduceMeanOp mean, OpBuilder &b);
  /// `v` as INT8 of element type `element`: its INT8 value when of that
  /// type, else that value requantized by a lookup table (exact: each code
  /// dequantized and quantized again), else a new `npu.quantize` of `v`.
  Value int8As(Value v, quant::UniformQuantizedType element, OpBuilder &b);
  /// Whether `op` is an add or sub the backend runs in INT8 with rescale:
  /// operands and result with ranges whose scales ptq::chooseAddRescale
  /// takes.
  bool isInt8AddSub(Operation *op);
  /// The scale `v` has in INT8: its INT8 value's (once quantized), else
  /// that of its range.
  std::optional<double> scaleOf(Value v);
  void quantizeAddSub(Operation *op, OpBuilder &b);
  /// The per-tensor INT8 parameters of a constant that is not a splat (a
  /// per-channel scale): those of its values' range, TFLite's for a MUL's
  /// constant operand; `values` receives them.
  std::optional<ptq::AffineParams>
  constantParams(Value v, SmallVectorImpl<float> *values = nullptr);
  /// The INT8 parameters `v` has or will have as a mul operand: its INT8
  /// value's, else its range's, else constantParams.
  std::optional<ptq::AffineParams> mulOperandParams(Value v);
  /// Whether `op` is a mul the backend runs in INT8 (TFLite's quantized
  /// MUL, ptq::chooseMulRescale): per-tensor INT8 operands (at least one
  /// not constant) and a result with a range, and each operand of the
  /// result's shape read by INT8 ops only (no quantize pass of its own). A
  /// mul by a splat constant, or a square, is not: it goes into its
  /// operand's lookup table (findTableRegion).
  bool isInt8Mul(Operation *op);
  void quantizeMul(MulOp mul, OpBuilder &b);
  /// A concat whose result has a range: every input requantized to the
  /// result's type (TFLite's rule for CONCATENATION: inputs and output
  /// share one scale and zero point), then the codes copied.
  void quantizeConcat(ConcatOp concat, OpBuilder &b);
  /// A nearest resize that is a strided copy, on the codes of its input
  /// (quantized here if it is not INT8 yet): the result keeps its type.
  void quantizeResize(ResizeOp resize, OpBuilder &b);
  /// Gives the producers that only feed an INT8 concat (directly or
  /// through nearest resizes that only feed it) the concat's range, so
  /// that they produce its type and no requantization is needed (TFLite's
  /// quantizer does the same: CONCATENATION's inputs take its output's
  /// scale). ReLU clamps keep theirs: a convolution absorbs them only at
  /// zero point -128.
  void shareConcatRanges(func::FuncOp func);
  /// The elementwise FP32 ops that only `v` and constants feed, as far as
  /// they reach, when they end in one value (with a range) whose readers
  /// take INT8: what one lookup table can compute. In program order.
  struct TableRegion {
    SmallVector<Operation *> ops;
    Value output;
  };
  std::optional<TableRegion> findTableRegion(Value v);
  /// Replaces findTableRegion(v) by one npu.lookup_table of `v`'s INT8
  /// value; true when it did. `v` must be INT8 already, unless
  /// `quantizeInput`: then an FP32 `v` with a range is quantized for a
  /// region of at least kMinQuantizedTableOps ops.
  bool collapseIntoTable(Value v, OpBuilder &b, bool quantizeInput = false);

  llvm::StringSet<> keep;
  llvm::DenseMap<Value, Value> int8;
  /// symmetricInt8Of's values.
  llvm::DenseMap<Value, Value> symmetricInt8;
  /// Ops of the walk erased before the walk reached them (absorbed clamps).
  llvm::SmallPtrSet<Operation *, 16> erased;
  /// readersTakeInt8's answers (the recursion meets shared readers).
  llvm::DenseMap<Operation *, bool> readerDecisions;
};

std::optional<ptq::Range> QuantizePass::rangeOf(Value v) {
  DenseF64ArrayAttr attr;
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    auto func = cast<func::FuncOp>(arg.getOwner()->getParentOp());
    attr = func.getArgAttrOfType<DenseF64ArrayAttr>(arg.getArgNumber(),
                                                    "npu.range");
  } else if (Operation *def = v.getDefiningOp()) {
    attr = def->getAttrOfType<DenseF64ArrayAttr>("npu.range");
  }
  if (!attr || attr.size() != 2 || !(attr[0] <= attr[1]))
    return std::nullopt;
  return ptq::Range{attr[0], attr[1]};
}

std::optional<RankedTensorType> QuantizePass::quantizedTypeOf(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  std::optional<ptq::Range> r = rangeOf(v);
  if (!type || !type.getElementType().isF32() || !r)
    return std::nullopt;
  return withElementType(
      type, activationType(&getContext(), ptq::chooseAffineParams(*r)));
}

/// An `npu.quantize` of `v` to `type` right after `v`'s definition (at the
/// start of the block for an argument), so every reader can share it.
static Value quantizeAfterDefinition(Value v, RankedTensorType type,
                                     OpBuilder &b) {
  OpBuilder::InsertionGuard guard(b);
  if (Operation *def = v.getDefiningOp())
    b.setInsertionPointAfter(def);
  else
    b.setInsertionPointToStart(cast<BlockArgument>(v).getOwner());
  return QuantizeOp::create(b, v.getLoc(), type, v);
}

Value QuantizePass::int8Of(Value v, OpBuilder &b) {
  if (Value q = int8.lookup(v))
    return q;
  std::optional<RankedTensorType> type = quantizedTypeOf(v);
  if (!type)
    return nullptr;
  return int8[v] = quantizeAfterDefinition(v, *type, b);
}

Value QuantizePass::symmetricInt8Of(Value v, OpBuilder &b) {
  if (Value q = symmetricInt8.lookup(v))
    return q;
  auto type = dyn_cast<RankedTensorType>(v.getType());
  std::optional<ptq::Range> r = rangeOf(v);
  if (!type || !type.getElementType().isF32() || !r)
    return nullptr;
  double top = std::max(std::fabs(r->min), std::fabs(r->max));
  ptq::AffineParams p{top > 0 ? top / ptq::kWeightQMax : 1.0, 0};
  return symmetricInt8[v] = quantizeAfterDefinition(
             v, withElementType(type, activationType(&getContext(), p)), b);
}

void QuantizePass::replaceWithInt8(Value old, Value q, OpBuilder &b) {
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointAfterValue(q);
  Value dq = DequantizeOp::create(b, q.getLoc(), old.getType(), q);
  old.replaceAllUsesWith(dq);
  int8[dq] = q;
}

Value QuantizePass::quantizeWeights(OpBuilder &b, Operation *user, Value weight,
                                    ArrayRef<float> w, int64_t axis,
                                    std::vector<double> &scales) {
  b.setInsertionPoint(user);
  return createInt8Weights(b, weight.getLoc(),
                           cast<RankedTensorType>(weight.getType()), w, axis,
                           scales);
}

/// A convolution with constant FP32 weights that the backend runs in INT8
/// (its BackendOpInterface says so: on the MAC array, depthwise ones
/// included when their channels make blocks of at least 8) and the policy
/// quantizes (depthwise ones only with int8-depthwise).
bool QuantizePass::isInt8Conv(ConvOp conv) {
  auto backend = dyn_cast<BackendOpInterface>(conv.getOperation());
  Attribute w;
  return backend && backend.supportsInt8() &&
         (int8Depthwise || !conv.isDepthwise()) &&
         conv.getType().getElementType().isF32() &&
         matchPattern(conv.getWeight(), m_Constant(&w));
}

bool QuantizePass::readersTakeInt8(Operation *op) {
  if (op->use_empty())
    return false;
  // (false while being decided: a cycle through it reads FP32.) The
  // decision is stored by key, not through an iterator: deciding the
  // readers inserts other entries, which may grow the map.
  if (!readerDecisions.try_emplace(op, false).second)
    return readerDecisions.lookup(op);
  bool all =
      llvm::all_of(op->getUsers(), [&](Operation *u) { return willBeInt8(u); });
  readerDecisions[op] = all;
  return all;
}

bool QuantizePass::willBeInt8(Operation *op) {
  if (keptFloat(op))
    return false;
  if (auto conv = dyn_cast<ConvOp>(op))
    return isInt8Conv(conv);
  // A matmul with constant 2-D weights, or a transposed convolution of one
  // group with constant weights, reads INT8 (quantizeWithFloatResult).
  if (isa<MatMulOp, ConvTransposeOp>(op))
    return takesInt8WithFloatResult(op);
  // A reshape is a view: it passes INT8 codes on when its readers take
  // them (a pooled map flattened for a fully connected layer).
  if (isa<ReshapeOp>(op))
    return readersTakeInt8(op);
  // A max pooling pools INT8 codes when its readers take INT8 (so the
  // value it reads is made INT8 for it).
  if (isa<MaxPoolOp>(op)) {
    auto backend = dyn_cast<BackendOpInterface>(op);
    return backend && backend.supportsInt8() && readersTakeInt8(op);
  }
  // Data movement and add/sub with rescale run in INT8 when their result
  // goes on in INT8 (their inputs are then made INT8 for them).
  if (isa<AddOp, SubOp>(op))
    return isInt8AddSub(op) && readersTakeInt8(op);
  if (isa<MulOp>(op))
    return isInt8Mul(op) && readersTakeInt8(op);
  if (isa<ConcatOp, ResizeOp>(op)) {
    auto backend = dyn_cast<BackendOpInterface>(op);
    auto resize = dyn_cast<ResizeOp>(op);
    return backend && backend.supportsInt8() &&
           cast<RankedTensorType>(op->getResult(0).getType())
               .getElementType()
               .isF32() &&
           (resize ? isResizeStridedCopy(resize) && scaleOf(resize.getInput())
                   : rangeOf(op->getResult(0)).has_value()) &&
           readersTakeInt8(op);
  }
  // An activation is a lookup table when its result goes on in INT8;
  // feeding FP32 readers, it stays FP32 (one quantization fewer, and fused
  // into the convolution before it).
  if (auto mean = dyn_cast<ReduceMeanOp>(op))
    return isGlobalPool(mean) && readersTakeInt8(op);
  return isTableActivation(op) && rangeOf(op->getResult(0)) &&
         readersTakeInt8(op);
}

LogicalResult QuantizePass::quantizeConv(ConvOp conv, OpBuilder &b) {
  auto wType = conv.getWeight().getType();
  int64_t cout = wType.getDimSize(0);
  if (!isInt8Conv(conv))
    return failure();
  SmallVector<float> w, bias;
  Attribute wAttr, bAttr;
  if (!matchPattern(conv.getWeight(), m_Constant(&wAttr)) ||
      !readFloatConstant(wAttr, w))
    return failure();
  if (conv.getBias() && (!matchPattern(conv.getBias(), m_Constant(&bAttr)) ||
                         !readFloatConstant(bAttr, bias)))
    return failure();
  // A ReLU or ReLU6 that only this convolution feeds, and whose readers
  // take INT8, is the requantization's saturation: the result takes its
  // range (min 0: zero point -128).
  Value result = conv.getResult();
  Operation *absorbed = nullptr;
  if (conv->hasOneUse())
    if (auto clamp = dyn_cast<ClampOp>(*conv->user_begin()))
      if (clamp.getMin().isZero() && !keptFloat(clamp) &&
          rangeOf(clamp.getResult()) &&
          llvm::all_of(clamp->getUsers(),
                       [&](Operation *u) { return willBeInt8(u); })) {
        absorbed = clamp;
        result = clamp.getResult();
      }
  // The result is INT8 when every reader takes INT8 (or a clamp was
  // absorbed); otherwise FP32, scaled out of the accumulator, so the float
  // readers see no output quantization error.
  std::optional<TableRegion> table = findTableRegion(conv.getResult());
  bool int8Result =
      absorbed || llvm::all_of(conv->getUsers(), [&](Operation *u) {
        return willBeInt8(u) || (table && llvm::is_contained(table->ops, u));
      });
  std::optional<RankedTensorType> outType =
      int8Result ? quantizedTypeOf(result) : conv.getType();
  if (!outType)
    return failure();
  Value input = int8Of(conv.getInput(), b);
  if (!input)
    return failure();
  double inScale = cast<quant::UniformQuantizedType>(
                       cast<RankedTensorType>(input.getType()).getElementType())
                       .getScale();

  // Weights: symmetric per output channel.
  std::vector<double> scales;
  Value weight = quantizeWeights(b, conv, conv.getWeight(), w, 0, scales);
  MLIRContext *ctx = &getContext();
  auto i32 = IntegerType::get(ctx, 32);
  // Bias: INT32 at scale s_in * s_w[c], zero point 0 (an FP32 result keeps
  // the FP32 bias).
  Value qbias = int8Result ? Value() : conv.getBias();
  if (conv.getBias() && int8Result) {
    SmallVector<int32_t> qb(cout);
    for (int64_t c = 0; c < cout; ++c) {
      double v = std::round(double(bias[c]) / (inScale * scales[c]));
      qb[c] = int32_t(std::clamp(v, double(INT32_MIN), double(INT32_MAX)));
    }
    auto bType = RankedTensorType::get({cout}, i32);
    qbias = ConstantOp::create(b, conv.getBias().getLoc(), bType,
                               DenseElementsAttr::get(bType, ArrayRef(qb)));
  }
  SmallVector<Value> operands = {input, weight};
  if (qbias)
    operands.push_back(qbias);
  Operation *q = b.create(conv.getLoc(), conv->getName().getIdentifier(),
                          operands, TypeRange{*outType}, conv->getAttrs());
  if (absorbed) {
    // The clamp's node first: the INT8 value is its output, at its range.
    q->setLoc(b.getFusedLoc({absorbed->getLoc(), conv.getLoc()}));
    q->setAttr("npu.range", absorbed->getAttr("npu.range"));
    replaceWithInt8(absorbed->getResult(0), q->getResult(0), b);
    erased.insert(absorbed);
    absorbed->erase();
  } else if (int8Result) {
    replaceWithInt8(conv.getResult(), q->getResult(0), b);
  } else {
    conv.getResult().replaceAllUsesWith(q->getResult(0));
  }
  conv->erase();
  return success();
}

/// The most columns an INT8 matmul's result may have: its readout table,
/// two FP32 rows of N, is loaded by one DMA box (16-bit extents); wider
/// ones stay FP32.
constexpr int64_t kMaxReadoutColumns = 65535 / 2;

/// A matmul with constant 2-D FP32 weights [K][N] (Gemm, fully connected
/// layers) or a transposed convolution of one group (constant weights
/// [C][M][k...]): INT8 operand 0 per tensor, weights (operand 1) per output
/// channel along axis 1, FP32 result (scaled per channel out of the INT32
/// accumulator) and bias.
bool QuantizePass::takesInt8WithFloatResult(Operation *op) {
  auto mm = dyn_cast<MatMulOp>(op);
  auto t = dyn_cast<ConvTransposeOp>(op);
  Attribute w;
  return (mm || t) &&
         (mm ? mm.getRhs().getType().getRank() == 2 &&
                   mm.getRhs().getType().getDimSize(1) <= kMaxReadoutColumns
             : t.getGroup() == 1) &&
         cast<RankedTensorType>(op->getResult(0).getType())
             .getElementType()
             .isF32() &&
         matchPattern(op->getOperand(1), m_Constant(&w));
}

/// Attention's matmuls multiply two activations: no constant operand, so
/// no per-column weight sums to fold an asymmetric zero point with. Both
/// operands are quantized symmetrically per tensor (zero point 0): the
/// INT32 sums are then exactly sum(q_a q_b), scaled by s_a s_b into the
/// FP32 result (TensorRT quantizes every tensor so). The operands' ranges
/// come from calibration; the right operand's columns are limited as a
/// weight matrix's are (its readout table). Only when both ranges reach
/// below 0: a non-negative operand (the softmax's probabilities in P V)
/// would use half the grid, and per-tensor codes crush the small
/// probabilities attention sums (PaddleOCR rec's cosine fell to 0.991).
bool QuantizePass::isInt8ActivationMatmul(MatMulOp mm) {
  Attribute c;
  auto backend = dyn_cast<BackendOpInterface>(mm.getOperation());
  RankedTensorType lhs = mm.getLhs().getType(), rhs = mm.getRhs().getType();
  auto signedRange = [&](Value v) {
    std::optional<ptq::Range> r = rangeOf(v);
    return r && r->min < 0;
  };
  return backend && backend.supportsInt8() && !keptFloat(mm) &&
         !matchPattern(mm.getLhs(), m_Constant(&c)) &&
         !matchPattern(mm.getRhs(), m_Constant(&c)) &&
         lhs.getElementType().isF32() && rhs.getElementType().isF32() &&
         mm.getType().getElementType().isF32() && rhs.getRank() >= 2 &&
         rhs.getShape().back() <= kMaxReadoutColumns &&
         signedRange(mm.getLhs()) && signedRange(mm.getRhs());
}

LogicalResult QuantizePass::quantizeActivationMatmul(MatMulOp mm,
                                                     OpBuilder &b) {
  if (!isInt8ActivationMatmul(mm))
    return failure();
  Value lhs = symmetricInt8Of(mm.getLhs(), b);
  Value rhs = symmetricInt8Of(mm.getRhs(), b);
  if (!lhs || !rhs)
    return failure();
  b.setInsertionPoint(mm);
  auto q = MatMulOp::create(b, mm.getLoc(), mm.getType(), lhs, rhs);
  q->setDiscardableAttrs(mm->getDiscardableAttrDictionary());
  mm.getResult().replaceAllUsesWith(q.getResult());
  mm->erase();
  return success();
}

LogicalResult QuantizePass::quantizeWithFloatResult(Operation *op,
                                                    OpBuilder &b) {
  Value weightIn = op->getOperand(1);
  SmallVector<float> w;
  Attribute wAttr;
  if (!takesInt8WithFloatResult(op) ||
      !matchPattern(weightIn, m_Constant(&wAttr)) ||
      !readFloatConstant(wAttr, w))
    return failure();
  Value input = int8Of(op->getOperand(0), b);
  if (!input)
    return failure();
  std::vector<double> scales;
  SmallVector<Value> operands(op->getOperands());
  operands[0] = input;
  operands[1] = quantizeWeights(b, op, weightIn, w, 1, scales);
  Operation *q = b.create(op->getLoc(), op->getName().getIdentifier(), operands,
                          op->getResultTypes(), op->getAttrs());
  op->getResult(0).replaceAllUsesWith(q->getResult(0));
  op->erase();
  return success();
}

void QuantizePass::quantizeLut(Operation *op, OpBuilder &b) {
  Value input = int8.lookup(op->getOperand(0));
  std::optional<RankedTensorType> outType = quantizedTypeOf(op->getResult(0));
  if (!input || !outType)
    return;
  b.setInsertionPoint(op);
  // The INT8 activation, then its table (computed here, in the quantized
  // IR: the code generator only places it).
  Operation *q =
      b.create(op->getLoc(), op->getName().getIdentifier(), ValueRange{input},
               TypeRange{*outType}, op->getAttrs());
  DenseElementsAttr table = int8ActivationTable(q);
  auto lut = LookupTableOp::create(b, op->getLoc(), *outType, input, table);
  lut->setDiscardableAttrs(op->getDiscardableAttrDictionary());
  q->erase();
  replaceWithInt8(op->getResult(0), lut.getResult(), b);
  op->erase();
}

/// The fewest elementwise ops a lookup table replaces after quantizing its
/// FP32 input: two FP32 vector steps (16 lanes each, more for erf, exp or
/// a division) cost more than a quantize (16 lanes) and a table (64 INT8
/// lanes), and their result is quantized anyway.
constexpr int64_t kMinQuantizedTableOps = 2;

/// The single value of a constant whose elements are all equal.
static std::optional<double> splatValue(Value v) {
  Attribute attr;
  SmallVector<float> values;
  if (!matchPattern(v, m_Constant(&attr)) || !readFloatConstant(attr, values) ||
      values.empty() ||
      !llvm::all_of(values, [&](float x) { return x == values[0]; }))
    return std::nullopt;
  return double(values[0]);
}

std::optional<QuantizePass::TableRegion>
QuantizePass::findTableRegion(Value v) {
  llvm::SetVector<Operation *> region;
  SmallVector<Value> frontier = {v};
  auto inRegion = [&](Value x) {
    return x == v || (x.getDefiningOp() && region.contains(x.getDefiningOp()));
  };
  while (!frontier.empty()) {
    Value x = frontier.pop_back_val();
    for (Operation *user : x.getUsers()) {
      if (region.contains(user) || user->getNumResults() != 1 ||
          user->getResult(0).getType() != v.getType() || keptFloat(user) ||
          !evaluateElementwise(
              user, SmallVector<double>(user->getNumOperands(), 0.5)))
        continue;
      if (!llvm::all_of(user->getOperands(),
                        [&](Value o) { return inRegion(o) || splatValue(o); }))
        continue;
      region.insert(user);
      frontier.push_back(user->getResult(0));
    }
  }
  // One value leaves the region, read by INT8 ops.
  Value output;
  for (Operation *op : region)
    for (Operation *user : op->getResult(0).getUsers())
      if (!region.contains(user)) {
        if (output && output != op->getResult(0))
          return std::nullopt;
        output = op->getResult(0);
      }
  if (!output || !rangeOf(output) ||
      !llvm::all_of(output.getUsers(),
                    [&](Operation *u) { return willBeInt8(u); }))
    return std::nullopt;
  TableRegion r{SmallVector<Operation *>(region.begin(), region.end()), output};
  llvm::sort(r.ops,
             [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  return r;
}

bool QuantizePass::collapseIntoTable(Value v, OpBuilder &b,
                                     bool quantizeInput) {
  Value input = int8.lookup(v);
  std::optional<TableRegion> region = input || (quantizeInput && rangeOf(v))
                                          ? findTableRegion(v)
                                          : std::nullopt;
  if (!region ||
      (!input && int64_t(region->ops.size()) < kMinQuantizedTableOps))
    return false;
  if (!input && !(input = int8Of(v, b)))
    return false;
  SmallVector<Operation *> &order = region->ops;
  Value output = region->output;
  std::optional<RankedTensorType> outType = quantizedTypeOf(output);
  // The region (program order) at each input code.
  auto params = [](Type t) {
    auto q = cast<quant::UniformQuantizedType>(
        cast<RankedTensorType>(t).getElementType());
    return ptq::AffineParams{q.getScale(), int32_t(q.getZeroPoint())};
  };
  std::array<int8_t, 256> table = ptq::buildLookupTable(
      params(input.getType()), params(*outType), [&](double x) {
        llvm::DenseMap<Value, double> value;
        value[v] = x;
        for (Operation *op : order) {
          SmallVector<double> args;
          for (Value o : op->getOperands())
            args.push_back(value.count(o) ? value[o] : *splatValue(o));
          value[op->getResult(0)] = *evaluateElementwise(op, args);
        }
        return value[output];
      });
  SmallVector<Location> locs;
  for (Operation *op : order)
    locs.push_back(op->getLoc());
  Operation *last = output.getDefiningOp();
  b.setInsertionPointAfter(last);
  auto tableType =
      RankedTensorType::get({256}, IntegerType::get(&getContext(), 8));
  auto lut = LookupTableOp::create(
      b, b.getFusedLoc(llvm::to_vector(llvm::reverse(locs))), *outType, input,
      DenseElementsAttr::get(tableType, ArrayRef(table)));
  replaceWithInt8(output, lut.getResult(), b);
  // The FP32 ops are dead now; canonicalization removes them.
  return true;
}

void QuantizePass::quantizeGlobalPool(ReduceMeanOp mean, OpBuilder &b) {
  Value in = int8.lookup(mean.getInput());
  if (!in || !isGlobalPool(mean))
    return;
  auto inType = cast<RankedTensorType>(in.getType());
  b.setInsertionPoint(mean);
  auto pool = AvgPoolOp::create(
      b, mean.getLoc(), mean.getType().clone(inType.getElementType()), in,
      b.getDenseI64ArrayAttr({inType.getDimSize(2), inType.getDimSize(3)}),
      b.getDenseI64ArrayAttr({1, 1}), b.getDenseI64ArrayAttr({0, 0, 0, 0}),
      b.getBoolAttr(false), b.getBoolAttr(false));
  replaceWithInt8(mean.getResult(), pool.getResult(), b);
  mean.erase();
}

void QuantizePass::quantizeMaxPool(MaxPoolOp pool, OpBuilder &b) {
  Value in = int8.lookup(pool.getInput());
  auto backend = dyn_cast<BackendOpInterface>(pool.getOperation());
  if (!in || !backend || !backend.supportsInt8())
    return;
  onCodes(pool, in, b);
}

void QuantizePass::onCodes(Operation *op, Value in, OpBuilder &b) {
  b.setInsertionPoint(op);
  Operation *q = b.clone(*op);
  q->setOperand(0, in);
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  q->getResult(0).setType(
      type.clone(cast<RankedTensorType>(in.getType()).getElementType()));
  replaceWithInt8(op->getResult(0), q->getResult(0), b);
  op->erase();
}

Value QuantizePass::int8As(Value v, quant::UniformQuantizedType element,
                           OpBuilder &b) {
  auto type = withElementType(v.getType(), element);
  Value q = int8.lookup(v);
  if (q && q.getType() == type)
    return q;
  OpBuilder::InsertionGuard guard(b);
  if (!q) {
    if (Operation *def = v.getDefiningOp())
      b.setInsertionPointAfter(def);
    else
      b.setInsertionPointToStart(cast<BlockArgument>(v).getOwner());
    return QuantizeOp::create(b, v.getLoc(), type, v);
  }
  auto params = [](Type t) {
    auto u = cast<quant::UniformQuantizedType>(
        cast<RankedTensorType>(t).getElementType());
    return ptq::AffineParams{u.getScale(), int32_t(u.getZeroPoint())};
  };
  if (!isa<quant::UniformQuantizedType>(
          cast<RankedTensorType>(q.getType()).getElementType()))
    return nullptr;
  std::array<int8_t, 256> table = ptq::buildLookupTable(
      params(q.getType()), params(type), [](double x) { return x; });
  b.setInsertionPointAfterValue(q);
  auto tableType =
      RankedTensorType::get({256}, IntegerType::get(&getContext(), 8));
  return LookupTableOp::create(
      b, v.getLoc(), type, q,
      DenseElementsAttr::get(tableType, ArrayRef(table)));
}

bool QuantizePass::isInt8AddSub(Operation *op) {
  auto backend = dyn_cast<BackendOpInterface>(op);
  if (!backend || !backend.supportsInt8() ||
      !cast<RankedTensorType>(op->getResult(0).getType())
           .getElementType()
           .isF32())
    return false;
  std::optional<double> a = scaleOf(op->getOperand(0)),
                        c = scaleOf(op->getOperand(1)),
                        out = scaleOf(op->getResult(0));
  return a && c && out && ptq::chooseAddRescale(*a, *c, *out);
}

std::optional<double> QuantizePass::scaleOf(Value v) {
  Value q = int8.lookup(v);
  std::optional<RankedTensorType> type =
      q ? cast<RankedTensorType>(q.getType()) : quantizedTypeOf(v);
  if (!type)
    return std::nullopt;
  if (auto u = dyn_cast<quant::UniformQuantizedType>(type->getElementType()))
    return u.getScale();
  return std::nullopt;
}

void QuantizePass::quantizeAddSub(Operation *op, OpBuilder &b) {
  std::optional<RankedTensorType> outType = quantizedTypeOf(op->getResult(0));
  Value lhs = int8Of(op->getOperand(0), b), rhs = int8Of(op->getOperand(1), b);
  if (!outType || !lhs || !rhs)
    return;
  auto scale = [](Value v) {
    return cast<quant::UniformQuantizedType>(
               cast<RankedTensorType>(v.getType()).getElementType())
        .getScale();
  };
  auto out = cast<quant::UniformQuantizedType>(outType->getElementType());
  if (!ptq::chooseAddRescale(scale(lhs), scale(rhs), out.getScale()))
    return;
  b.setInsertionPoint(op);
  Operation *q =
      b.create(op->getLoc(), op->getName().getIdentifier(),
               ValueRange{lhs, rhs}, TypeRange{*outType}, op->getAttrs());
  replaceWithInt8(op->getResult(0), q->getResult(0), b);
  op->erase();
}

std::optional<ptq::AffineParams>
QuantizePass::constantParams(Value v, SmallVectorImpl<float> *values) {
  Attribute attr;
  SmallVector<float> x;
  if (splatValue(v) || !matchPattern(v, m_Constant(&attr)) ||
      !cast<RankedTensorType>(v.getType()).getElementType().isF32() ||
      !readFloatConstant(attr, x) || x.empty() ||
      !llvm::all_of(x, [](float f) { return std::isfinite(f); }))
    return std::nullopt;
  auto [lo, hi] = std::minmax_element(x.begin(), x.end());
  ptq::AffineParams p = ptq::chooseAffineParams({*lo, *hi});
  if (values)
    *values = std::move(x);
  return p;
}

std::optional<ptq::AffineParams> QuantizePass::mulOperandParams(Value v) {
  Value q = int8.lookup(v);
  std::optional<RankedTensorType> type =
      q ? cast<RankedTensorType>(q.getType()) : quantizedTypeOf(v);
  if (!type)
    return constantParams(v);
  if (auto u = dyn_cast<quant::UniformQuantizedType>(type->getElementType()))
    return ptq::AffineParams{u.getScale(), int32_t(u.getZeroPoint())};
  return std::nullopt;
}

bool QuantizePass::isInt8Mul(Operation *op) {
  auto backend = dyn_cast<BackendOpInterface>(op);
  if (!backend || !backend.supportsInt8() ||
      !cast<RankedTensorType>(op->getResult(0).getType())
           .getElementType()
           .isF32() ||
      llvm::any_of(op->getOperands(),
                   [](Value v) { return splatValue(v).has_value(); }) ||
      op->getOperand(0) == op->getOperand(1) ||
      llvm::all_of(op->getOperands(),
                   [](Value v) { return matchPattern(v, m_Constant()); }))
    return false;
  // By cost: an operand of the result's size that other readers take in
  // FP32 (a squeeze-excitation activation its average pool reads) would
  // need a quantize pass of its own, which costs more than the FP32 mul
  // and quantize it saves (PaddleOCR cls: docs/quantization.md).
  auto shape = cast<RankedTensorType>(op->getResult(0).getType()).getShape();
  for (Value v : op->getOperands())
    if (cast<RankedTensorType>(v.getType()).getShape() == shape &&
        !llvm::all_of(v.getUsers(),
                      [&](Operation *u) { return u == op || willBeInt8(u); }))
      return false;
  std::optional<ptq::AffineParams> a = mulOperandParams(op->getOperand(0)),
                                   c = mulOperandParams(op->getOperand(1));
  std::optional<double> out = scaleOf(op->getResult(0));
  return a && c && out &&
         ptq::chooseMulRescale(a->scale, a->zeroPoint, c->scale, c->zeroPoint,
                               *out);
}

void QuantizePass::quantizeMul(MulOp mul, OpBuilder &b) {
  std::optional<RankedTensorType> outType = quantizedTypeOf(mul.getResult());
  if (!outType)
    return;
  SmallVector<Value, 2> operands;
  for (Value v : mul->getOperands()) {
    SmallVector<float> values;
    std::optional<ptq::AffineParams> p;
    if (!int8.lookup(v) && !rangeOf(v) && (p = constantParams(v, &values))) {
      // A constant operand: its codes, at its own per-tensor parameters.
      SmallVector<int8_t> codes;
      for (float x : values)
        codes.push_back(int8_t(p->quantize(x)));
      auto type =
          withElementType(v.getType(), activationType(&getContext(), *p));
      b.setInsertionPoint(mul);
      operands.push_back(ConstantOp::create(
          b, v.getLoc(), type,
          DenseElementsAttr::get(
              withElementType(v.getType(), IntegerType::get(&getContext(), 8)),
              ArrayRef(codes))));
      continue;
    }
    operands.push_back(int8Of(v, b));
    if (!operands.back())
      return;
  }
  auto params = [](Value v) {
    return cast<quant::UniformQuantizedType>(
        cast<RankedTensorType>(v.getType()).getElementType());
  };
  auto lhs = params(operands[0]), rhs = params(operands[1]);
  if (!ptq::chooseMulRescale(
          lhs.getScale(), int32_t(lhs.getZeroPoint()), rhs.getScale(),
          int32_t(rhs.getZeroPoint()),
          cast<quant::UniformQuantizedType>(outType->getElementType())
              .getScale()))
    return;
  b.setInsertionPoint(mul);
  Operation *q = b.create(mul.getLoc(), mul->getName().getIdentifier(),
                          operands, TypeRange{*outType}, mul->getAttrs());
  replaceWithInt8(mul.getResult(), q->getResult(0), b);
  mul->erase();
}

void QuantizePass::quantizeConcat(ConcatOp concat, OpBuilder &b) {
  std::optional<RankedTensorType> outType = quantizedTypeOf(concat.getResult());
  if (!outType)
    return;
  auto element = cast<quant::UniformQuantizedType>(outType->getElementType());
  SmallVector<Value> inputs;
  for (Value v : concat.getInputs()) {
    Value q = int8As(v, element, b);
    if (!q)
      return;
    inputs.push_back(q);
  }
  b.setInsertionPoint(concat);
  Operation *q = b.clone(*concat);
  q->setOperands(inputs);
  q->getResult(0).setType(*outType);
  replaceWithInt8(concat.getResult(), q->getResult(0), b);
  concat->erase();
}

void QuantizePass::quantizeResize(ResizeOp resize, OpBuilder &b) {
  Value in = int8Of(resize.getInput(), b);
  if (!in)
    return;
  onCodes(resize, in, b);
}

void QuantizePass::shareConcatRanges(func::FuncOp func) {
  func.walk([&](ConcatOp concat) {
    Attribute range = concat->getAttr("npu.range");
    if (!range || !willBeInt8(concat))
      return;
    for (Value v : concat.getInputs()) {
      while (auto resize = v.getDefiningOp<ResizeOp>()) {
        if (!resize->hasOneUse() || !willBeInt8(resize))
          break;
        v = resize.getInput();
      }
      Operation *def = v.getDefiningOp();
      if (def && v.hasOneUse() && !isa<ClampOp>(def) && !keptFloat(def) &&
          def->hasAttr("npu.range"))
        def->setAttr("npu.range", range);
    }
  });
}

void QuantizePass::runOnOperation() {
  for (const std::string &name : keepFloat)
    keep.insert(name);
  func::FuncOp func = getOperation();
  OpBuilder b(&getContext());
  shareConcatRanges(func);
  SmallVector<Operation *> ops;
  for (Operation &op : func.getBody().front())
    ops.push_back(&op);
  for (Operation *op : ops) {
    if (erased.contains(op) || keptFloat(op) ||
        (op->getNumResults() == 1 && op->use_empty()))
      continue;
    if (auto conv = dyn_cast<ConvOp>(op)) {
      (void)quantizeConv(conv, b);
      continue;
    }
    if (isa<MatMulOp, ConvTransposeOp>(op)) {
      if (failed(quantizeWithFloatResult(op, b)))
        if (auto mm = dyn_cast<MatMulOp>(op); mm && int8Attention)
          (void)quantizeActivationMatmul(mm, b);
      continue;
    }
    if (isTableActivation(op) && willBeInt8(op)) {
      quantizeLut(op, b);
      continue;
    }
    if (auto pool = dyn_cast<MaxPoolOp>(op)) {
      quantizeMaxPool(pool, b);
      continue;
    }
    // A reshape of INT8 codes whose readers take INT8: the same view of
    // the codes.
    if (auto reshape = dyn_cast<ReshapeOp>(op))
      if (Value in = int8.lookup(reshape.getInput()); in && willBeInt8(op)) {
        onCodes(reshape, in, b);
        continue;
      }
    if (auto mean = dyn_cast<ReduceMeanOp>(op))
      if (int8.lookup(mean.getInput()) && willBeInt8(mean)) {
        quantizeGlobalPool(mean, b);
        continue;
      }
    if (isa<AddOp, SubOp, MulOp, ConcatOp, ResizeOp>(op) && willBeInt8(op)) {
      if (auto concat = dyn_cast<ConcatOp>(op))
        quantizeConcat(concat, b);
      else if (auto mul = dyn_cast<MulOp>(op))
        quantizeMul(mul, b);
      else if (auto resize = dyn_cast<ResizeOp>(op))
        quantizeResize(resize, b);
      else
        quantizeAddSub(op, b);
      continue;
    }
    // A chain of elementwise ops of one INT8 value: one lookup table. Of
    // one FP32 value with a range (a GELU written out, after a matmul's
    // FP32 result and its bias): that value quantized, then one table,
    // when the chain has kMinQuantizedTableOps ops or more.
    for (Value operand : op->getOperands())
      if (collapseIntoTable(operand, b, /*quantizeInput=*/true))
        break;
  }
  // Boundaries nothing reads (the INT8 value had only INT8 readers).
  func.walk([](DequantizeOp dq) {
    if (dq->use_empty())
      dq->erase();
  });
}

} // namespace
