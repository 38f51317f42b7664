//===- LowerResize.cpp - Resize as interpolation matmuls ------------------===//

#include "npu/Dialect/Npu/IR/NpuOps.h"
#include "npu/Dialect/Npu/IR/ResizeSampling.h"
#include "npu/Dialect/Npu/Transforms/Passes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <numeric>

namespace npu {
#define GEN_PASS_DEF_LOWERRESIZE
#include "npu/Dialect/Npu/Transforms/Passes.h.inc"
} // namespace npu

using namespace mlir;
using namespace npu;

namespace {

/// True when the `n x n` row-major `w` is the identity.
bool isIdentity(ArrayRef<double> w, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      if (w[i * n + j] != (i == j ? 1.0 : 0.0))
        return false;
  return true;
}

struct ResizeToMatmuls : OpRewritePattern<ResizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ResizeOp op,
                                PatternRewriter &rewriter) const override {
    auto inType = op.getInput().getType();
    if (!inType.getElementType().isF32())
      return rewriter.notifyMatchFailure(op, "not f32");
    if (isResizeStridedCopy(op))
      return rewriter.notifyMatchFailure(op, "a strided copy (DMA)");
    Location loc = op.getLoc();
    int64_t rank = inType.getRank();
    Value v = op.getInput();
    // Innermost axis first: it needs no transpose. Axis d still has its
    // input extent when its turn comes.
    for (int64_t d = rank - 1; d >= 0; --d) {
      int64_t in = inType.getDimSize(d), out = op.getType().getDimSize(d);
      SmallVector<double> w = resizeAxisWeights(op, d);
      if (in == out && isIdentity(w, in))
        continue;
      SmallVector<int64_t> perm(rank);
      std::iota(perm.begin(), perm.end(), 0);
      std::swap(perm[d], perm[rank - 1]);
      auto transpose = [&](Value x) -> Value {
        if (d == rank - 1)
          return x;
        auto t = cast<RankedTensorType>(x.getType());
        SmallVector<int64_t> s(t.getShape());
        std::swap(s[d], s[rank - 1]);
        return TransposeOp::create(rewriter, loc,
                                   RankedTensorType::get(s, t.getElementType()),
                                   x, perm);
      };
      // R^T: [in, out], so that x[..., in] @ R^T = x resampled.
      SmallVector<float> rt(in * out);
      for (int64_t o = 0; o < out; ++o)
        for (int64_t i = 0; i < in; ++i)
          rt[i * out + o] = float(w[o * in + i]);
      auto wType = RankedTensorType::get({in, out}, rewriter.getF32Type());
      Value weights = ConstantOp::create(
          rewriter, loc, wType,
          DenseElementsAttr::get(wType, ArrayRef<float>(rt)));
      Value x = transpose(v);
      SmallVector<int64_t> mmShape(
          cast<RankedTensorType>(x.getType()).getShape());
      mmShape.back() = out;
      Value mm = MatMulOp::create(
          rewriter, loc, RankedTensorType::get(mmShape, rewriter.getF32Type()),
          x, weights);
      v = transpose(mm);
    }
    rewriter.replaceOp(op, v);
    return success();
  }
};

struct LowerResizePass : npu::impl::LowerResizeBase<LowerResizePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ResizeToMatmuls>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
