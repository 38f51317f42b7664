//===- BroadcastUpsample.cpp - nearest upsampling read by broadcasting ----===//
//
// A feature pyramid's top-down path adds a nearest x2 upsampling of the
// coarser level to the finer one: `add(x, resize(y))`. Output element
// (h, w) of the upsampling is y[h / 2][w / 2], so the sum is, on the views
// x: [H/2, 2, W/2, 2] and y: [H/2, 1, W/2, 1], a broadcast add, which never
// materializes the upsampled tensor (docs/codegen.md, "Resize and layer
// normalisation"). TFLite's and Vela's nearest-neighbour upscaling inside an
// elementwise op's read (Vela `ifm_resampling_mode`) is the same idea.
//
//===----------------------------------------------------------------------===//

#include "npu/Dialect/Npu/IR/NpuBackendInterface.h"
#include "npu/Dialect/Npu/IR/NpuOps.h"
#include "npu/Dialect/Npu/IR/ResizeSampling.h"
#include "npu/Dialect/Npu/Transforms/Passes.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace npu {
#define GEN_PASS_DEF_BROADCASTUPSAMPLE
#include "npu/Dialect/Npu/Transforms/Passes.h.inc"
} // namespace npu

using namespace mlir;
using namespace npu;

namespace {

/// The longest axis d / s a split up-sampled axis may have (see
/// ReadUpsampleByBroadcast): a compiler choice below what the code
/// generator's vector programs hold in one buffer on the built-in targets (at
/// most 34 buffers of a 128 KiB scratchpad: 963 FP32 elements), so that the
/// widened op never meets an axis it cannot split. PaddleOCR det's finest
/// pyramid level at 1280 x 1280 splits into 160 x 2.
constexpr int64_t kMaxSplitAxisExtent = 512;

/// The integer factor nearest Resize `op` repeats each element of `axis`
/// by (1: the axis is copied as it is), or nullopt when it samples the axis
/// any other way.
std::optional<int64_t> repeatFactor(ResizeOp op, unsigned axis) {
  int64_t in = op.getInput().getType().getDimSize(axis);
  int64_t out = op.getType().getDimSize(axis);
  std::optional<ResizeAxisCopy> copy = resizeAxisCopy(op, axis);
  if (!copy || in <= 0)
    return std::nullopt;
  if (out == in && copy->repeat == 0 && copy->first == 0 &&
      (copy->step == 1 || out == 1))
    return 1;
  if (out == in * copy->repeat && copy->repeat > 1)
    return copy->repeat;
  return std::nullopt;
}

/// FP32, or INT8 with per-tensor parameters (after quantization each value
/// of an INT8 model has its own scale and zero point, which a view keeps).
bool isFloatOrQuantized(Type element) {
  if (element.isF32())
    return true;
  auto q = dyn_cast<quant::UniformQuantizedType>(element);
  return q && q.getStorageTypeIntegralWidth() == 8;
}

/// Whether elements `a` and `b` are alike for the rewrite: equal FP32, or
/// both per-tensor INT8 of the same signedness (their scales may differ:
/// an INT8 add rescales its operands).
bool sameKind(Type a, Type b) {
  if (a == b)
    return isFloatOrQuantized(a);
  auto qa = dyn_cast<quant::UniformQuantizedType>(a);
  auto qb = dyn_cast<quant::UniformQuantizedType>(b);
  return qa && qb && isFloatOrQuantized(qa) && isFloatOrQuantized(qb) &&
         qa.isSigned() == qb.isSigned();
}

/// `op` (an elementwise op with NumPy broadcasting: ResultsBroadcastableShape)
/// reading a nearest integer upsampling: each upsampled axis of the result
/// (extent d, factor s) becomes two (d / s, s), the upsampling's input is
/// read as (d / s, 1) and the other operands as (d / s, s) or, where they
/// broadcast, (1, 1); the result is reshaped back.
struct ReadUpsampleByBroadcast
    : OpTraitRewritePattern<OpTrait::ResultsBroadcastableShape> {
  using OpTraitRewritePattern::OpTraitRewritePattern;

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    if (op->getNumResults() != 1 || op->getNumRegions() != 0)
      return failure();
    auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!resultType || !resultType.hasStaticShape() ||
        !isFloatOrQuantized(resultType.getElementType()))
      return failure();
    // A value of the result's shape and kind of element.
    auto likeResult = [&](Type t) {
      auto type = dyn_cast<RankedTensorType>(t);
      return type && type.getShape() == resultType.getShape() &&
             sameKind(type.getElementType(), resultType.getElementType());
    };
    int64_t rank = resultType.getRank();
    // The factors of the first upsampling operand; every operand of the
    // result's rank.
    SmallVector<int64_t> factors;
    for (Value v : op->getOperands()) {
      auto type = dyn_cast<RankedTensorType>(v.getType());
      if (!type || !type.hasStaticShape() || type.getRank() != rank)
        return failure();
      auto resize = v.getDefiningOp<ResizeOp>();
      if (!factors.empty() || !resize || !likeResult(type))
        continue;
      for (unsigned d = 0; d < rank; ++d) {
        std::optional<int64_t> f = repeatFactor(resize, d);
        if (!f)
          return failure();
        factors.push_back(*f);
      }
    }
    // At most the two innermost axes upsampled (the code generator's
    // iteration space has four dimensions after collapsing).
    int64_t upsampled =
        llvm::count_if(factors, [](int64_t f) { return f > 1; });
    if (factors.empty() || upsampled == 0 || upsampled > 2)
      return failure();
    for (int64_t d = 0; d < rank - 2; ++d)
      if (factors[d] != 1)
        return failure();
    // The expanded shape of a value whose extent on each axis is `dims`: an
    // upsampled axis splits into (d / s, s), or (d / s, 1) for the
    // up-sampling's input, or (1, 1) where the value broadcasts.
    auto expand = [&](ArrayRef<int64_t> dims, bool reads) {
      SmallVector<int64_t> shape;
      for (int64_t d = 0; d < rank; ++d) {
        int64_t full = resultType.getDimSize(d), s = factors[d];
        if (s == 1)
          shape.push_back(dims[d]);
        else if (dims[d] == 1)
          shape.append({1, 1});
        else
          shape.append({full / s, reads ? 1 : s});
      }
      return shape;
    };
    // Operands that broadcast, and widened producers, may keep the widened
    // op's iteration space from collapsing to four dims; a vector program
    // loops over the axes before its innermost four, at most
    // kMaxVectorOuterTiles indices of them. Without room for that, only
    // full operands (whose axes collapse with the result's).
    SmallVector<int64_t> wideShape = expand(resultType.getShape(), false);
    // The split axes may not collapse again (the up-sampling's input steps
    // by half), so each must fit a vector program's buffer whole or split
    // by a divisor that does; one of at most kMaxSplitAxisExtent always
    // does (the code generator's smallest buffers hold more), a longer,
    // prime one may not: such an op is left as it is.
    for (int64_t d = 0, w = 0; d < rank; ++d, ++w) {
      if (factors[d] == 1)
        continue;
      if (wideShape[w] > kMaxSplitAxisExtent)
        return failure();
      ++w; // (d / s, s): the factor itself is small
    }
    int64_t leading = 1;
    for (size_t d = 0; d + 4 < wideShape.size(); ++d)
      leading = std::min(leading * wideShape[d], kMaxVectorOuterTiles + 1);
    bool roomy = leading <= kMaxVectorOuterTiles;
    // Whether `v` broadcasts to the result axis by axis (each extent the
    // result's or 1): the widened op then reads it through a view.
    auto broadcastsToResult = [&](Value v) {
      auto type = dyn_cast<RankedTensorType>(v.getType());
      if (!roomy)
        return likeResult(type);
      return type && type.hasStaticShape() && type.getRank() == rank &&
             sameKind(type.getElementType(), resultType.getElementType()) &&
             llvm::all_of(llvm::seq<int64_t>(0, rank), [&](int64_t d) {
               return type.getDimSize(d) == resultType.getDimSize(d) ||
                      type.getDimSize(d) == 1;
             });
    };
    // An elementwise op (of the same kind of broadcasting) that produces a
    // full operand for `op` alone is widened too, so that the two stay one
    // fused vector program (PaddleOCR det's squeeze-excitation scale before
    // each top-down add): its operands broadcast to the result, and none is
    // a convolution's result that reads nothing else when the op could be
    // that convolution's epilogue (its other operands computed before the
    // convolution; a gate computed after it, from the convolution's input,
    // cannot be).
    auto widenable = [&](Value v) -> Operation * {
      Operation *p = v.getDefiningOp();
      if (!roomy || !p || !p->hasTrait<OpTrait::ResultsBroadcastableShape>() ||
          p->getNumResults() != 1 || p->getNumRegions() != 0 ||
          !v.hasOneUse() || !likeResult(v.getType()))
        return nullptr;
      for (Value in : p->getOperands()) {
        if (!broadcastsToResult(in) || in.getDefiningOp<ResizeOp>())
          return nullptr;
        Operation *conv = in.getDefiningOp();
        if (isa_and_nonnull<ConvOp, ConvTransposeOp>(conv) && in.hasOneUse() &&
            llvm::all_of(p->getOperands(), [&](Value other) {
              Operation *def = other.getDefiningOp();
              return other == in || !def || def->isBeforeInBlock(conv);
            }))
          return nullptr;
      }
      return p;
    };
    // The other operands must broadcast to the result, and none may come
    // from a convolution, whose epilogue takes the add (with the
    // up-sampling as its residual) only on the original shapes.
    for (Value v : op->getOperands()) {
      auto resize = v.getDefiningOp<ResizeOp>();
      if (resize && likeResult(v.getType()))
        continue;
      if (!broadcastsToResult(v) ||
          isa_and_nonnull<ConvOp, ConvTransposeOp>(v.getDefiningOp()))
        return failure();
    }
    // Every check before the first op is created (a pattern that fails
    // must leave the IR as it was).
    struct Read {
      Value source;
      RankedTensorType expanded;
      Operation *widen = nullptr; // a producer widened with `op`
    };
    SmallVector<Read> reads;
    bool readsOne = false, hasFull = false;
    for (Value v : op->getOperands()) {
      auto type = cast<RankedTensorType>(v.getType());
      auto resize = v.getDefiningOp<ResizeOp>();
      bool same = resize &&
                  llvm::all_of(resize->getUsers(),
                               [&](Operation *user) { return user == op; }) &&
                  llvm::all_of(llvm::seq<unsigned>(0, rank), [&](unsigned d) {
                    return repeatFactor(resize, d) == factors[d];
                  });
      readsOne |= same;
      hasFull |= !same && likeResult(type);
      Value source = same ? resize.getInput() : v;
      auto sourceType = cast<RankedTensorType>(source.getType());
      reads.push_back(
          {source,
           RankedTensorType::get(expand(sourceType.getShape(), same),
                                 sourceType.getElementType(),
                                 sourceType.getEncoding()),
           same ? nullptr : widenable(v)});
    }
    if (!readsOne || !hasFull)
      return failure();
    Location loc = op->getLoc();
    // `original` on the expanded operands `operands`: its result of the
    // widened shape, with its own element type (an INT8 producer's scale).
    auto widened = [&](Operation *original, ValueRange operands) {
      OperationState state(original->getLoc(), original->getName());
      state.addOperands(operands);
      state.addTypes(RankedTensorType::get(
          wideShape, cast<RankedTensorType>(original->getResult(0).getType())
                         .getElementType()));
      state.addAttributes(original->getAttrs());
      return rewriter.create(state)->getResult(0);
    };
    // Every view first, then the widened producers and `op`: adjacent, so
    // that the fusion of elementwise runs (recordFusionGroups) joins them.
    SmallVector<Value> operands;
    SmallVector<SmallVector<Value>> inner(reads.size());
    for (auto [i, r] : llvm::enumerate(reads)) {
      if (!r.widen) {
        operands.push_back(
            ReshapeOp::create(rewriter, loc, r.expanded, r.source));
        continue;
      }
      operands.push_back(Value());
      for (Value in : r.widen->getOperands())
        inner[i].push_back(ReshapeOp::create(
            rewriter, r.widen->getLoc(),
            RankedTensorType::get(
                expand(cast<RankedTensorType>(in.getType()).getShape(), false),
                cast<RankedTensorType>(in.getType()).getElementType()),
            in));
    }
    for (auto [i, r] : llvm::enumerate(reads))
      if (r.widen)
        operands[i] = widened(r.widen, inner[i]);
    Value wide = widened(op, operands);
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, resultType, wide);
    for (const Read &r : reads)
      if (r.widen)
        rewriter.eraseOp(r.widen);
    return success();
  }
};

struct BroadcastUpsamplePass
    : npu::impl::BroadcastUpsampleBase<BroadcastUpsamplePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ReadUpsampleByBroadcast>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
