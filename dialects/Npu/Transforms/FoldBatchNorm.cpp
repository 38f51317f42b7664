//===- FoldBatchNorm.cpp - fold batch normalisation into convolutions ----===//

#include "ConvFolding.h"
#include "npu/Dialect/Npu/IR/NpuOps.h"
#include "npu/Dialect/Npu/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace npu {
#define GEN_PASS_DEF_FOLDBATCHNORM
#include "npu/Dialect/Npu/Transforms/Passes.h.inc"
} // namespace npu

using namespace mlir;
using namespace npu;

namespace {

/// The per-channel constants of a batch_norm: `a = scale / sqrt(var + eps)`
/// and `shift = bias - mean * a`, in double precision.
struct Affine {
  SmallVector<double> a, shift, mean, bias;
};

bool readAffine(BatchNormOp bn, Affine &out) {
  SmallVector<float> scale, bias, mean, var;
  auto read = [](Value v, SmallVectorImpl<float> &dst) {
    Attribute attr;
    return matchPattern(v, m_Constant(&attr)) && readFloatConstant(attr, dst);
  };
  if (!read(bn.getScale(), scale) || !read(bn.getBias(), bias) ||
      !read(bn.getMean(), mean) || !read(bn.getVar(), var))
    return false;
  double eps = bn.getEpsilon().convertToDouble();
  for (size_t c = 0; c < scale.size(); ++c) {
    double a = double(scale[c]) / std::sqrt(double(var[c]) + eps);
    out.a.push_back(a);
    out.mean.push_back(mean[c]);
    out.bias.push_back(bias[c]);
    out.shift.push_back(double(bias[c]) - double(mean[c]) * a);
  }
  return true;
}

/// batch_norm(conv(x, W, b)) -> conv(x, W * a, (b - mean) * a + bias).
struct FoldIntoConv : OpRewritePattern<BatchNormOp> {
  FoldIntoConv(MLIRContext *ctx, llvm::Statistic &numFolded)
      : OpRewritePattern(ctx, /*benefit=*/2), numFolded(numFolded) {}

  LogicalResult matchAndRewrite(BatchNormOp bn,
                                PatternRewriter &rewriter) const override {
    auto conv = bn.getInput().getDefiningOp<ConvOp>();
    if (!conv || !conv->hasOneUse() || !conv.getType().getElementType().isF32())
      return rewriter.notifyMatchFailure(bn, "not after an f32 conv");
    Affine affine;
    SmallVector<float> weight, convBias;
    if (!readAffine(bn, affine) || !readConvParams(conv, weight, convBias))
      return rewriter.notifyMatchFailure(bn, "non-constant parameters");
    int64_t outChannels = conv.getWeight().getType().getDimSize(0);
    int64_t perChannel = int64_t(weight.size()) / outChannels;
    for (int64_t c = 0; c < outChannels; ++c) {
      for (int64_t i = 0; i < perChannel; ++i)
        weight[c * perChannel + i] =
            float(double(weight[c * perChannel + i]) * affine.a[c]);
      convBias[c] = float((double(convBias[c]) - affine.mean[c]) * affine.a[c] +
                          affine.bias[c]);
    }
    // The folded conv keeps both ONNX nodes in its location.
    ConvOp folded = rebuildConv(
        rewriter, conv, conv.getInput(), ArrayRef<float>(weight), convBias,
        rewriter.getFusedLoc({conv.getLoc(), bn.getLoc()}));
    rewriter.replaceOp(bn, folded);
    rewriter.eraseOp(conv);
    ++numFolded;
    return success();
  }

  llvm::Statistic &numFolded;
};

/// Any other batch_norm: x * a + shift with per-channel constants shaped
/// [C, 1, ..., 1] to broadcast over the spatial axes.
struct Decompose : OpRewritePattern<BatchNormOp> {
  Decompose(MLIRContext *ctx, llvm::Statistic &decomposed)
      : OpRewritePattern(ctx, /*benefit=*/1), decomposed(decomposed) {}

  LogicalResult matchAndRewrite(BatchNormOp bn,
                                PatternRewriter &rewriter) const override {
    RankedTensorType type = bn.getType();
    Affine affine;
    if (!type.getElementType().isF32() || !readAffine(bn, affine))
      return rewriter.notifyMatchFailure(bn, "non-constant f32 parameters");
    SmallVector<int64_t> shape(type.getRank() - 1, 1);
    shape[0] = type.getDimSize(1);
    auto paramType = RankedTensorType::get(shape, type.getElementType());
    SmallVector<float> a(affine.a.begin(), affine.a.end());
    SmallVector<float> shift(affine.shift.begin(), affine.shift.end());
    Value aC = ConstantOp::create(rewriter, bn.getLoc(), paramType,
                                  makeFloatConstant(paramType, a, "bn_scale"));
    Value sC =
        ConstantOp::create(rewriter, bn.getLoc(), paramType,
                           makeFloatConstant(paramType, shift, "bn_shift"));
    Value scaled =
        MulOp::create(rewriter, bn.getLoc(), type, bn.getInput(), aC);
    rewriter.replaceOpWithNewOp<AddOp>(bn, type, scaled, sC);
    ++decomposed;
    return success();
  }

  llvm::Statistic &decomposed;
};

/// A batch_norm whose parameters are computed at run time (graph inputs):
/// the same arithmetic as ops, `(x - mean) * (scale / sqrt(var + epsilon))
/// + bias`, the parameters reshaped to [C, 1, ..., 1].
struct DecomposeRuntime : OpRewritePattern<BatchNormOp> {
  DecomposeRuntime(MLIRContext *ctx, llvm::Statistic &decomposed)
      : OpRewritePattern(ctx, /*benefit=*/0), decomposed(decomposed) {}

  LogicalResult matchAndRewrite(BatchNormOp bn,
                                PatternRewriter &rewriter) const override {
    RankedTensorType type = bn.getType();
    if (!type.getElementType().isF32())
      return rewriter.notifyMatchFailure(bn, "not f32");
    // ONNX lets the parameters have their own types (bf16 scale and mean
    // with f32 data); reshaped to f32 they would be their bits reread.
    for (Value v : {bn.getScale(), bn.getBias(), bn.getMean(), bn.getVar()})
      if (getElementTypeOrSelf(v.getType()) != type.getElementType())
        return rewriter.notifyMatchFailure(bn, "parameters not f32");
    Affine affine;
    if (readAffine(bn, affine))
      return rewriter.notifyMatchFailure(bn, "constant: Decompose folds it");
    Location loc = bn.getLoc();
    SmallVector<int64_t> shape(type.getRank() - 1, 1);
    shape[0] = type.getDimSize(1);
    auto paramType = RankedTensorType::get(shape, type.getElementType());
    auto param = [&](Value v) -> Value {
      return ReshapeOp::create(rewriter, loc, paramType, v);
    };
    auto scalarType = RankedTensorType::get({}, type.getElementType());
    Value eps = ConstantOp::create(
        rewriter, loc, scalarType,
        DenseElementsAttr::get(scalarType, bn.getEpsilon().convertToFloat()));
    Value var =
        AddOp::create(rewriter, loc, paramType, param(bn.getVar()), eps);
    Value stddev = SqrtOp::create(rewriter, loc, paramType, var);
    Value a =
        DivOp::create(rewriter, loc, paramType, param(bn.getScale()), stddev);
    Value centred =
        SubOp::create(rewriter, loc, type, bn.getInput(), param(bn.getMean()));
    Value scaled = MulOp::create(rewriter, loc, type, centred, a);
    rewriter.replaceOpWithNewOp<AddOp>(bn, type, scaled, param(bn.getBias()));
    ++decomposed;
    return success();
  }

  llvm::Statistic &decomposed;
};

struct FoldBatchNormPass : npu::impl::FoldBatchNormBase<FoldBatchNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldIntoConv>(&getContext(), numFolded);
    patterns.add<Decompose>(&getContext(), numDecomposed);
    patterns.add<DecomposeRuntime>(&getContext(), numDecomposed);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
