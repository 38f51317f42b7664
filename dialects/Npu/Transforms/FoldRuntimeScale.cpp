//===- FoldRuntimeScale.cpp - run-time channel scales into conv weights ---===//
//
// See the pass description in Passes.td.
//
//===----------------------------------------------------------------------===//

#include "npu/Dialect/Npu/IR/NpuOps.h"
#include "npu/Dialect/Npu/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace npu {
#define GEN_PASS_DEF_FOLDRUNTIMESCALE
#include "npu/Dialect/Npu/Transforms/Passes.h.inc"
} // namespace npu

using namespace mlir;
using namespace npu;

namespace {

/// True when `s` broadcasts against the convolution input `x` as one value
/// per channel of one image: rank at most x's, every dimension 1 but the
/// one on x's axis 1, which is C (or 1 for a scalar), and x's batch is 1.
bool perInputChannel(RankedTensorType s, RankedTensorType x) {
  if (s.getRank() > x.getRank() || x.getDimSize(0) != 1 || !s.hasStaticShape())
    return false;
  for (int64_t i = 0; i < s.getRank(); ++i) {
    int64_t axis = x.getRank() - s.getRank() + i;
    int64_t size = s.getDimSize(i);
    if (size != 1 && (axis != 1 || size != x.getDimSize(1)))
      return false;
  }
  return true;
}

struct FoldScaleIntoWeights : OpRewritePattern<ConvOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ConvOp conv,
                                PatternRewriter &rewriter) const override {
    auto mul = conv.getInput().getDefiningOp<MulOp>();
    RankedTensorType xType = conv.getInput().getType();
    RankedTensorType wType = conv.getWeight().getType();
    if (!mul || !mul->hasOneUse() || conv.getGroup() != 1 ||
        !xType.getElementType().isF32() || !wType.getElementType().isF32() ||
        !conv.getType().getElementType().isF32() || !xType.hasStaticShape() ||
        !wType.hasStaticShape() ||
        4 * wType.getNumElements() > xType.getNumElements())
      return rewriter.notifyMatchFailure(conv, "no run-time scale to fold");
    // mul(x, s) or mul(s, x), x of the convolution's input type.
    Value x = mul.getLhs(), s = mul.getRhs();
    if (x.getType() != xType)
      std::swap(x, s);
    auto sType = dyn_cast<RankedTensorType>(s.getType());
    if (x.getType() != xType || !sType || !sType.getElementType().isF32() ||
        !perInputChannel(sType, xType))
      return rewriter.notifyMatchFailure(conv, "not a per-channel scale");
    // s as [1, C, 1, ...] (or [1, ..., 1]): it broadcasts against the
    // weights [M, C, k...] on their input-channel axis.
    SmallVector<int64_t> shape(wType.getRank(), 1);
    int64_t channels = sType.getNumElements();
    shape[1] = channels;
    Location loc = rewriter.getFusedLoc({mul.getLoc(), conv.getLoc()});
    auto scaleType = RankedTensorType::get(shape, sType.getElementType());
    Value scale = s;
    if (sType != scaleType)
      scale = ReshapeOp::create(rewriter, loc, scaleType, s);
    Value weights =
        MulOp::create(rewriter, loc, wType, conv.getWeight(), scale);
    rewriter.modifyOpInPlace(conv, [&] {
      conv.getInputMutable().assign(x);
      conv.getWeightMutable().assign(weights);
    });
    rewriter.eraseOp(mul);
    return success();
  }
};

struct FoldRuntimeScalePass
    : npu::impl::FoldRuntimeScaleBase<FoldRuntimeScalePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldScaleIntoWeights>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
