//===- FoldAffine.cpp - fold scalar affines into convolutions, find hard swish
//-===//
//
// See the pass description in Passes.td.
//
//===----------------------------------------------------------------------===//

#include "ConvFolding.h"
#include "npu/Dialect/Npu/IR/NpuOps.h"
#include "npu/Dialect/Npu/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace npu {
#define GEN_PASS_DEF_FOLDAFFINE
#include "npu/Dialect/Npu/Transforms/Passes.h.inc"
} // namespace npu

using namespace mlir;
using namespace npu;

namespace {

/// The values of a constant operand that broadcasts against an NCHW-like
/// `result` as one scalar or one value per channel (axis 1), expanded to
/// `channels` values; false otherwise.
bool readChannelConstant(Value v, RankedTensorType result, int64_t channels,
                         SmallVectorImpl<double> &out) {
  Attribute attr;
  SmallVector<float> values;
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || type.getRank() > result.getRank() ||
      !matchPattern(v, m_Constant(&attr)) || !readFloatConstant(attr, values))
    return false;
  if (values.size() == 1) {
    out.assign(channels, values[0]);
    return true;
  }
  for (int64_t i = 0; i < type.getRank(); ++i) {
    int64_t axis = result.getRank() - type.getRank() + i;
    int64_t size = type.getDimSize(i);
    if (size != 1 && (axis != 1 || size != channels))
      return false;
  }
  out.assign(values.begin(), values.end());
  return int64_t(out.size()) == channels;
}

/// The ConvT producing one operand of binary `op` (as its only use, of
/// `op`'s f32 type) and `op`'s other operand; a null ConvT otherwise.
template <typename ConvT, typename OpT>
std::pair<ConvT, Value> producerOf(OpT op) {
  auto conv = op.getLhs().template getDefiningOp<ConvT>();
  Value other = op.getRhs();
  if (!conv) {
    conv = op.getRhs().template getDefiningOp<ConvT>();
    other = op.getLhs();
  }
  if (!conv || !conv->hasOneUse() || op.getType() != conv.getType() ||
      !conv.getType().getElementType().isF32())
    return {ConvT(), other};
  return {conv, other};
}

/// mul(conv(x, W, b), s) -> conv(x, W * s, b * s) and
/// add(conv(x, W, b), t) -> conv(x, W, b + t), for constant s and t that
/// are scalars or per output channel, the convolution's only user the op.
template <typename OpT> struct FoldIntoConv : OpRewritePattern<OpT> {
  using OpRewritePattern<OpT>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpT op,
                                PatternRewriter &rewriter) const override {
    auto [conv, other] = producerOf<ConvOp>(op);
    if (!conv)
      return rewriter.notifyMatchFailure(op, "not after an f32 conv");
    int64_t channels = conv.getWeight().getType().getDimSize(0);
    SmallVector<double> k;
    SmallVector<float> weight, bias;
    if (!readChannelConstant(other, op.getType(), channels, k) ||
        !readConvParams(conv, weight, bias))
      return rewriter.notifyMatchFailure(op, "non-constant operands");
    constexpr bool isMul = std::is_same_v<OpT, MulOp>;
    int64_t perChannel = int64_t(weight.size()) / channels;
    for (int64_t c = 0; c < channels; ++c) {
      if (isMul)
        for (int64_t i = 0; i < perChannel; ++i)
          weight[c * perChannel + i] =
              float(double(weight[c * perChannel + i]) * k[c]);
      bias[c] = float(isMul ? double(bias[c]) * k[c] : double(bias[c]) + k[c]);
    }
    ConvOp folded = rebuildConv(
        rewriter, conv, conv.getInput(),
        isMul ? std::optional<ArrayRef<float>>(weight) : std::nullopt, bias,
        rewriter.getFusedLoc({conv.getLoc(), op.getLoc()}));
    rewriter.replaceOp(op, folded);
    rewriter.eraseOp(conv);
    return success();
  }
};

/// mul(conv_transpose(x, W, b), s) -> conv_transpose(x, W * s, b * s) and
/// add(conv_transpose(x, W, b), t) -> conv_transpose(x, W, b + t), as
/// FoldIntoConv for a transposed convolution (weights [C][M/g][k...]: output
/// channel g * M/g + m's weights are W[c][m] for the group's input channels
/// c). PaddleOCR det's up-sampling head writes its bias and batch norm as
/// such adds and multiplies.
template <typename OpT> struct FoldIntoConvTranspose : OpRewritePattern<OpT> {
  using OpRewritePattern<OpT>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpT op,
                                PatternRewriter &rewriter) const override {
    auto [ct, other] = producerOf<ConvTransposeOp>(op);
    if (!ct)
      return rewriter.notifyMatchFailure(op, "not after an f32 conv_transpose");
    RankedTensorType wType = ct.getWeight().getType();
    int64_t groups = ct.getGroup(), channels = ct.getType().getDimSize(1);
    int64_t cin = wType.getDimSize(0), mg = wType.getDimSize(1);
    SmallVector<double> k;
    SmallVector<float> weight, bias(channels, 0.0f);
    Attribute wAttr, bAttr;
    if (!readChannelConstant(other, op.getType(), channels, k) ||
        !matchPattern(ct.getWeight(), m_Constant(&wAttr)) ||
        !readFloatConstant(wAttr, weight) ||
        (ct.getBias() && (!matchPattern(ct.getBias(), m_Constant(&bAttr)) ||
                          !readFloatConstant(bAttr, bias))) ||
        int64_t(bias.size()) != channels || mg * groups != channels)
      return rewriter.notifyMatchFailure(op, "non-constant operands");
    constexpr bool isMul = std::is_same_v<OpT, MulOp>;
    int64_t taps = int64_t(weight.size()) / (cin * mg);
    int64_t cg = cin / groups;
    if (isMul)
      for (int64_t c = 0; c < cin; ++c)
        for (int64_t m = 0; m < mg; ++m)
          for (int64_t t = 0; t < taps; ++t) {
            float &w = weight[(c * mg + m) * taps + t];
            w = float(double(w) * k[(c / cg) * mg + m]);
          }
    for (int64_t m = 0; m < channels; ++m)
      bias[m] = float(isMul ? double(bias[m]) * k[m] : double(bias[m]) + k[m]);
    Location loc = rewriter.getFusedLoc({ct.getLoc(), op.getLoc()});
    Value newW = ct.getWeight();
    if (isMul)
      newW =
          ConstantOp::create(rewriter, ct.getWeight().getLoc(), wType,
                             makeFloatConstant(wType, weight, "folded_weight"));
    auto bType = RankedTensorType::get({channels}, wType.getElementType());
    Value newB = ConstantOp::create(
        rewriter, loc, bType, makeFloatConstant(bType, bias, "folded_bias"));
    auto folded = ConvTransposeOp::create(
        rewriter, loc, ct.getType(), ct.getInput(), newW, newB,
        ct.getStridesAttr(), ct.getDilationsAttr(), ct.getPadsAttr(),
        ct.getOutputPaddingAttr(), ct.getGroupAttr());
    rewriter.replaceOp(op, folded);
    rewriter.eraseOp(ct);
    return success();
  }
};

/// conv(mul(y, s), W, b) -> conv(y, W * s, b) and
/// conv(add(y, t), W, b) -> conv(y, W, b + sum(W * t)), for constant s and
/// t that are scalars or one value per input channel, the mul or add having
/// no other user, and a convolution without padding (padding would be
/// scaled and shifted too, and is not).
struct FoldIntoNextConv : OpRewritePattern<ConvOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ConvOp conv,
                                PatternRewriter &rewriter) const override {
    Operation *def = conv.getInput().getDefiningOp();
    if (!isa_and_nonnull<MulOp, AddOp>(def) || !def->hasOneUse() ||
        llvm::any_of(conv.getPads(), [](int64_t p) { return p != 0; }) ||
        !conv.getType().getElementType().isF32())
      return rewriter.notifyMatchFailure(conv, "no affine input to fold");
    bool isMul = isa<MulOp>(def);
    auto inType = conv.getInput().getType();
    int64_t cin = inType.getDimSize(1);
    SmallVector<double> k;
    Value y = def->getOperand(0);
    if (!readChannelConstant(def->getOperand(1), inType, cin, k)) {
      y = def->getOperand(1);
      if (!readChannelConstant(def->getOperand(0), inType, cin, k))
        return rewriter.notifyMatchFailure(conv, "non-constant affine");
    }
    if (y.getType() != inType)
      return rewriter.notifyMatchFailure(conv, "the affine broadcasts y");
    SmallVector<float> weight, bias;
    RankedTensorType wType = conv.getWeight().getType();
    int64_t cout = wType.getDimSize(0), cg = wType.getDimSize(1);
    if (!readConvParams(conv, weight, bias))
      return rewriter.notifyMatchFailure(conv, "non-constant weights");
    int64_t taps = int64_t(weight.size()) / (cout * cg);
    int64_t mg = cout / conv.getGroup();
    for (int64_t m = 0; m < cout; ++m) {
      double shift = 0;
      for (int64_t cc = 0; cc < cg; ++cc) {
        int64_t c = (m / mg) * cg + cc;
        for (int64_t t = 0; t < taps; ++t) {
          float &w = weight[(m * cg + cc) * taps + t];
          if (isMul)
            w = float(double(w) * k[c]);
          else
            shift += double(w) * k[c];
        }
      }
      bias[m] = float(double(bias[m]) + shift);
    }
    ConvOp folded = rebuildConv(
        rewriter, conv, y,
        isMul ? std::optional<ArrayRef<float>>(weight) : std::nullopt, bias,
        rewriter.getFusedLoc({conv.getLoc(), def->getLoc()}));
    rewriter.replaceOp(conv, folded);
    rewriter.eraseOp(def);
    return success();
  }
};

/// True when `v` is a constant whose every element equals `value`.
bool isSplat(Value v, float value) {
  Attribute attr;
  SmallVector<float> values;
  if (!matchPattern(v, m_Constant(&attr)) || !readFloatConstant(attr, values) ||
      values.empty())
    return false;
  return llvm::all_of(values, [&](float x) { return x == value; });
}

/// div(mul(x, clamp(add(x, 3), 0, 6)), 6) -> hard_swish(x), as PyTorch and
/// Paddle export HardSwish when the ONNX opset lacks it (either operand
/// order of the mul and the add).
struct HardSwishFromParts : OpRewritePattern<DivOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DivOp div,
                                PatternRewriter &rewriter) const override {
    auto mul = div.getLhs().getDefiningOp<MulOp>();
    if (!mul || !isSplat(div.getRhs(), 6.0f) ||
        !div.getType().getElementType().isF32())
      return rewriter.notifyMatchFailure(div, "not x * gate / 6");
    for (auto [x, gate] : {std::pair{mul.getLhs(), mul.getRhs()},
                           {mul.getRhs(), mul.getLhs()}}) {
      auto clamp = gate.getDefiningOp<ClampOp>();
      if (!clamp || !clamp.getMin().isZero() ||
          !clamp.getMax().isExactlyValue(6.0))
        continue;
      auto add = clamp.getInput().getDefiningOp<AddOp>();
      if (!add)
        continue;
      bool matches = (add.getLhs() == x && isSplat(add.getRhs(), 3.0f)) ||
                     (add.getRhs() == x && isSplat(add.getLhs(), 3.0f));
      if (!matches || x.getType() != div.getType())
        continue;
      rewriter.replaceOpWithNewOp<HardSwishOp>(div, div.getType(), x);
      return success();
    }
    return rewriter.notifyMatchFailure(div, "not a hard swish");
  }
};

/// add(x, mul(x, g)) -> mul(x, add(g, 1)) when g broadcasts against x with
/// fewer elements (a squeeze-and-excitation style gate, [N][C][1][1]), the
/// mul's only user the add (either operand order of both): one full-size
/// op instead of two, and x read by one op instead of two (PaddleOCR det's
/// RSE blocks, `x + x * se(x)`). FP32 rounds 1 + g, then the product,
/// instead of the product, then the sum.
struct ResidualGateToScale : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AddOp add,
                                PatternRewriter &rewriter) const override {
    RankedTensorType type = add.getType();
    if (!type.getElementType().isF32() || !type.hasStaticShape())
      return rewriter.notifyMatchFailure(add, "not a static f32 add");
    for (auto [x, product] : {std::pair{add.getLhs(), add.getRhs()},
                              {add.getRhs(), add.getLhs()}}) {
      auto mul = product.getDefiningOp<MulOp>();
      if (!mul || !mul->hasOneUse() || x.getType() != type ||
          mul.getType() != type)
        continue;
      Value gate = mul.getLhs() == x   ? mul.getRhs()
                   : mul.getRhs() == x ? mul.getLhs()
                                       : Value();
      auto gateType =
          gate ? dyn_cast<RankedTensorType>(gate.getType()) : nullptr;
      if (!gateType || !gateType.hasStaticShape() ||
          !gateType.getElementType().isF32() ||
          gateType.getNumElements() >= type.getNumElements())
        continue;
      auto oneType = RankedTensorType::get(
          SmallVector<int64_t>(gateType.getRank(), 1), rewriter.getF32Type());
      Location loc = add.getLoc();
      Value one = ConstantOp::create(rewriter, loc, oneType,
                                     makeFloatConstant(oneType, {1.0f}, "one"));
      Value scale = AddOp::create(rewriter, loc, gateType, gate, one);
      rewriter.replaceOpWithNewOp<MulOp>(add, type, x, scale);
      return success();
    }
    return rewriter.notifyMatchFailure(add, "not x + x * gate");
  }
};

/// reduce_mean(conv(x, W, b)) over every spatial axis (keepdims) ->
/// conv(reduce_mean(x), W, b) for a pointwise convolution (every kernel
/// extent 1, strides 1, no padding): it maps each pixel alone and linearly,
/// so mean_p(b + W x[p]) = b + W mean_p(x[p]). Rewritten when x has fewer
/// elements than the convolution's result, or the mean is its only reader
/// (the full-size convolution then goes away): the mean reads the smaller
/// tensor, and the convolution runs on one pixel. PaddleOCR det's RSE
/// blocks take a squeeze-and-excitation gate from a 1x1 projection of 12
/// to 96 channels at 160x160: the mean read 9.8 MB, it now reads 1.2 MB.
/// FP32 rounds the mean, then the products, instead of the products, then
/// the mean.
struct MeanBeforePointwiseConv : OpRewritePattern<ReduceMeanOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ReduceMeanOp mean,
                                PatternRewriter &rewriter) const override {
    auto conv = mean.getInput().getDefiningOp<ConvOp>();
    if (!conv || !mean.getKeepdims() ||
        !conv.getType().getElementType().isF32() ||
        !conv.getType().hasStaticShape() ||
        !conv.getInput().getType().hasStaticShape())
      return rewriter.notifyMatchFailure(mean, "not a mean of an f32 conv");
    int64_t rank = conv.getType().getRank();
    ArrayRef<int64_t> axes = mean.getAxes();
    if (rank < 3 || int64_t(axes.size()) != rank - 2 ||
        llvm::any_of(llvm::enumerate(axes), [](auto a) {
          return a.value() != int64_t(a.index()) + 2;
        }))
      return rewriter.notifyMatchFailure(mean, "not over every spatial axis");
    auto one = [](int64_t v) { return v == 1; };
    if (!llvm::all_of(conv.getWeight().getType().getShape().drop_front(2),
                      one) ||
        !llvm::all_of(conv.getStrides(), one) ||
        llvm::any_of(conv.getPads(), [](int64_t p) { return p != 0; }))
      return rewriter.notifyMatchFailure(mean, "not a pointwise convolution");
    RankedTensorType inType = conv.getInput().getType();
    if (!conv->hasOneUse() &&
        inType.getNumElements() >= conv.getType().getNumElements())
      return rewriter.notifyMatchFailure(mean, "the input is not smaller");
    SmallVector<int64_t> shape(inType.getShape());
    std::fill(shape.begin() + 2, shape.end(), 1);
    Location loc = mean.getLoc();
    Value inputMean = ReduceMeanOp::create(
        rewriter, loc, RankedTensorType::get(shape, inType.getElementType()),
        conv.getInput(), mean.getAxesAttr(), mean.getKeepdimsAttr());
    rewriter.replaceOpWithNewOp<ConvOp>(
        mean, mean.getType(), inputMean, conv.getWeight(), conv.getBias(),
        conv.getStridesAttr(), conv.getDilationsAttr(), conv.getPadsAttr(),
        conv.getGroupAttr());
    if (conv->use_empty())
      rewriter.eraseOp(conv);
    return success();
  }
};

struct FoldAffinePass : npu::impl::FoldAffineBase<FoldAffinePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldIntoConv<MulOp>, FoldIntoConv<AddOp>,
                 FoldIntoConvTranspose<MulOp>, FoldIntoConvTranspose<AddOp>,
                 FoldIntoNextConv, HardSwishFromParts, ResidualGateToScale,
                 MeanBeforePointwiseConv>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
