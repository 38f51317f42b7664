//===- Reduction.cpp - reductions, softmax, layer normalisation
//-------------===//
//
// Reductions over grouped axes on the vector unit (docs/codegen.md,
// "Reductions and softmax").
//
//===----------------------------------------------------------------------===//

#include "npu/Conversion/NpuToNpuIsa/Codegen.h"

#include <cmath>
#include <type_traits>

using namespace mlir;
using namespace npu;
namespace rt = npu::rt;

namespace npu::codegen {

namespace {

/// Whether `kind` is an index reduction (vec.reduce argmax ... argmin_last).
bool isArgKind(StringRef kind) { return kind.starts_with("arg"); }

/// Elements of one input tile of an index reduction on `target`: the
/// scratchpad holds two input tiles (4-byte elements) and two result tiles
/// of at most as many 8-byte indices; at most kMaxExtent / 2 so that a result
/// tile's 4-byte words are one DMA run.
int64_t argTileElements(const rt::TargetDesc &target) {
  int64_t per = int64_t(target.scratchpadBytes) / 6 / kAlign * kAlign / 4;
  return std::min(per, kMaxExtent / 2);
}

/// `inType`'s axes grouped into runs of kept and reduced axes (outermost
/// first, `reduced` saying which); row-major order makes each run one
/// collapsed axis of extent `dims`.
void groupAxes(RankedTensorType inType, ArrayRef<int64_t> reducedAxes,
               SmallVectorImpl<int64_t> &dims, SmallVectorImpl<bool> &reduced) {
  for (int64_t d = 0; d < inType.getRank(); ++d) {
    bool r = llvm::is_contained(reducedAxes, d);
    if (!dims.empty() && reduced.back() == r) {
      dims.back() *= inType.getDimSize(d);
      continue;
    }
    dims.push_back(inType.getDimSize(d));
    reduced.push_back(r);
  }
}

/// Elements of one input tile of a `kind` reduction: the scratchpad holds
/// two input tiles, two result tiles and one group-sized scratch (softmax's
/// max and sum, layer norm's mean and variance), and for layer norm its
/// scale and bias (index reductions: argTileElements).
int64_t tileElements(StringRef kind, const rt::TargetDesc &target) {
  int64_t parts = kind == "layer_norm" ? 7 : 5;
  return isArgKind(kind)
             ? argTileElements(target)
             : int64_t(target.scratchpadBytes) / parts / kAlign * kAlign / 4;
}

/// The rows of the outermost group one tile takes: as many as fit `per`
/// elements (at most a 16-bit extent) when that group is kept, else all.
int64_t tileRows(ArrayRef<int64_t> dims, ArrayRef<bool> reduced, int64_t per) {
  int64_t inner = 1;
  for (size_t d = 1; d < dims.size(); ++d)
    inner *= dims[d];
  return !reduced[0] ? std::max<int64_t>(
                           1, std::min({dims[0], per / inner, kMaxExtent}))
                     : dims[0];
}

/// The element-type and shape limits of Codegen::emitReduction, as the
/// reason it refuses a reduction of `inType` over `reducedAxes` (empty when
/// it takes it): one home for the emitter and the backend models'
/// isLegalOn, so that placement sends what the emitter refuses to the host.
std::string reductionProblem(RankedTensorType inType,
                             ArrayRef<int64_t> reducedAxes, StringRef kind,
                             int64_t resultElements,
                             const rt::TargetDesc &target) {
  bool arg = isArgKind(kind);
  bool int32In = arg && inType.getElementType().isSignlessInteger(32);
  if (!inType.getElementType().isF32() && !int32In)
    return "only FP32 reductions are supported so far";
  if (inType.getNumElements() == 0)
    return resultElements == 0 ? "" : "a reduction of no elements";
  SmallVector<int64_t> dims;
  SmallVector<bool> reduced;
  groupAxes(inType, reducedAxes, dims, reduced);
  bool softmax = kind == "softmax" || kind == "layer_norm";
  int64_t per = tileElements(kind, target);
  if (!softmax && !arg && dims.size() <= 2 && reduced.back() &&
      dims.back() > std::min(per, kMaxExtent))
    return ""; // chunked (emitChunkedReduction)
  // The outermost group, when kept, is tiled (at most kMaxExtent rows a
  // tile): only the others are instruction extents.
  if (dims.size() > 4 ||
      llvm::any_of(ArrayRef(dims).drop_front(reduced[0] ? 0 : 1),
                   [](int64_t d) { return d > kMaxExtent; }))
    return "reduction iteration space exceeds four 16-bit axes";
  int64_t inner = 1;
  for (size_t d = 1; d < dims.size(); ++d)
    inner *= dims[d];
  if (tileRows(dims, reduced, per) * inner > per)
    return "a reduction's input slab does not fit the scratchpad";
  return "";
}

} // namespace

LogicalResult Codegen::emitReduction(Operation *op, Value input,
                                     ArrayRef<int64_t> reducedAxes,
                                     StringRef kind, int64_t layer,
                                     std::optional<NormParams> norm) {
  auto inType = cast<RankedTensorType>(input.getType());
  Value result = op->getResult(0);
  bool arg = isArgKind(kind);
  bool int32In = arg && inType.getElementType().isSignlessInteger(32);
  if (std::string why = reductionProblem(
          inType, reducedAxes, kind,
          cast<ShapedType>(result.getType()).getNumElements(), target);
      !why.empty())
    return op->emitError("backend: " + why);
  // An index reduction writes INT64 (ONNX's) or INT32 indices.
  bool i64Out =
      arg && cast<ShapedType>(result.getType()).getElementType().isInteger(64);
  int64_t outEb = i64Out ? 8 : 4;
  StringRef srcType = int32In ? "i32" : "f32";
  StringRef dstType = !arg ? "f32" : i64Out ? "i64" : "i32";
  if (inType.getNumElements() == 0)
    return success();
  SmallVector<int64_t> dims;
  SmallVector<bool> reduced;
  groupAxes(inType, reducedAxes, dims, reduced);
  int64_t reducedCount = 1;
  for (int64_t d = 0; d < inType.getRank(); ++d)
    if (llvm::is_contained(reducedAxes, d))
      reducedCount *= inType.getDimSize(d);
  bool layerNorm = kind == "layer_norm";
  bool softmax = kind == "softmax" || layerNorm; // whole-shape results
  // Buffers (tileElements): layer norm's scale and bias, the shape of one
  // group, are loaded once.
  int64_t per = tileElements(kind, target);
  // A plain reduction whose reduced group does not fit one buffer (a
  // global pool over a large feature map) is reduced in chunks.
  if (!softmax && !arg && dims.size() <= 2 && reduced.back() &&
      dims.back() > std::min(per, kMaxExtent))
    return emitChunkedReduction(op, input, dims.size() == 2 ? dims[0] : 1,
                                dims.back(), kind, per, layer);
  int64_t rank = dims.size();
  // Element strides: dense input; output dense over the kept groups.
  SmallVector<int64_t> inSt = denseStrides(dims),
                       outSt = keptStrides(dims, reduced);
  int64_t inner = 1;
  for (int64_t d = 1; d < rank; ++d)
    inner *= dims[d];
  int64_t rows = tileRows(dims, reduced, per);
  int64_t n = (dims[0] + rows - 1) / rows;
  int64_t bytes = per * 4;
  beginScratchpadPass();
  SpBuffer in = scratchpad("in", bytes, 2),
           out = scratchpad("out", arg ? per * outEb : bytes, 2);
  auto inBuf = [&](int64_t i) { return in.at(i); };
  auto outBuf = [&](int64_t i) { return out.at(i); };
  int64_t scratch = scratchpad("scratch", arg ? 0 : bytes).offset;
  int64_t scaleBuf = scratchpad("scale", layerNorm ? bytes : 0).offset;
  int64_t biasBuf = scratchpad("bias", layerNorm ? bytes : 0).offset;
  int64_t src = buffers.lookup(root(input)).offset;
  int64_t dst = buffers.lookup(result).offset;
  auto i64 = [&](int64_t v) { return b.getI64IntegerAttr(v); };
  auto rev = [](ArrayRef<int64_t> v, int64_t pad) {
    SmallVector<int64_t> r(v.rbegin(), v.rend());
    r.resize(4, pad);
    return r;
  };
  Location loc = op->getLoc();
  for (int64_t i = 0; i < n; ++i) {
    int64_t r0 = i * rows, r = std::min(rows, dims[0] - r0);
    SmallVector<int64_t> tdims(dims);
    tdims[0] = r;
    int64_t tileIn = r * inner, tileOut = 1;
    for (int64_t d = 0; d < rank; ++d)
      if (!reduced[d] || softmax)
        tileOut *= tdims[d];
    auto dma = [&](auto opT, int64_t sram, int64_t dram, int64_t count) {
      return emitDma<decltype(opT)>(loc, sram, dram, 4, {count, 1, 1, 1},
                                    {4, 0, 0, 0}, {4, 0, 0, 0}, layer);
    };
    auto load =
        dma(npuisa::DmaLoadOp(), inBuf(i), src + 4 * r0 * inSt[0], tileIn);
    load.setPopNext(firstLoadWaits(i));
    Operation *lastLoad = load;
    if (layerNorm && i == 0)
      for (auto [value, buf] :
           {std::pair{norm->scale, scaleBuf}, std::pair{norm->bias, biasBuf}})
        if (value)
          lastLoad = dma(npuisa::DmaLoadOp(), buf,
                         buffers.lookup(root(value)).offset, reducedCount);
    lastLoad->setAttr("push_next", b.getUnitAttr());
    // The vector program of one tile; the first pops, the last pushes.
    SmallVector<Operation *> program;
    auto vec = [&](auto opT, StringRef func, int64_t s0, ArrayRef<int64_t> s0St,
                   int64_t s1, ArrayRef<int64_t> s1St, int64_t d,
                   ArrayRef<int64_t> dSt) {
      using OpT = decltype(opT);
      auto v = OpT::create(b, loc, TypeRange{}, ValueRange{},
                           {b.getNamedAttr("func", b.getStringAttr(func)),
                            b.getNamedAttr("src0", i64(s0)),
                            b.getNamedAttr("src1", i64(s1)),
                            b.getNamedAttr("dst", i64(d))});
      v.setDims(rev(tdims, 1));
      v.setSrc0Strides(rev(s0St, 0));
      v.setDstStrides(rev(dSt, 0));
      v.setSrc0Type(srcType);
      v.setDstType(dstType);
      if (!s1St.empty()) {
        v.setSrc1Strides(rev(s1St, 0));
        v.setSrc1Type(StringRef("f32"));
      }
      v.setLayerAttr(i64(layer));
      program.push_back(v);
      return v;
    };
    SmallVector<int64_t> tileInSt = denseStrides(tdims),
                         tileOutSt = keptStrides(tdims, reduced);
    if (layerNorm) {
      // mean = sum(x) / n; x -= mean; var = sum(x * x) / n;
      // y = x * rsqrt(var + eps) * scale + bias.
      float invN = 1.0f / float(reducedCount);
      vec(npuisa::VecReduceOp(), "sum", inBuf(i), tileInSt, 0, {}, scratch,
          tileOutSt)
          .setAlphaAttr(b.getF32FloatAttr(invN));
      vec(npuisa::VecBinaryOp(), "sub", inBuf(i), tileInSt, scratch, tileOutSt,
          inBuf(i), tileInSt);
      vec(npuisa::VecBinaryOp(), "mul", inBuf(i), tileInSt, inBuf(i), tileInSt,
          outBuf(i), tileInSt);
      vec(npuisa::VecReduceOp(), "sum", outBuf(i), tileInSt, 0, {}, scratch,
          tileOutSt)
          .setAlphaAttr(b.getF32FloatAttr(invN));
      // In place on the per-group values: iterate the kept axes only.
      SmallVector<int64_t> keptDims(tdims);
      for (int64_t d = 0; d < rank; ++d)
        if (reduced[d])
          keptDims[d] = 1;
      auto scalar = [&](StringRef func) {
        auto v = vec(npuisa::VecUnaryOp(), func, scratch, tileOutSt, 0, {},
                     scratch, tileOutSt);
        v.setDims(rev(keptDims, 1));
        return v;
      };
      scalar("affine_clamp").setBetaAttr(b.getF32FloatAttr(norm->epsilon));
      scalar("rsqrt");
      vec(npuisa::VecBinaryOp(), "mul", inBuf(i), tileInSt, scratch, tileOutSt,
          outBuf(i), tileInSt);
      // scale and bias vary along the reduced (inner) axes only.
      SmallVector<int64_t> groupSt =
          keptStrides(tdims, SmallVector<bool>(llvm::map_range(
                                 reduced, [](bool r) { return !r; })));
      vec(npuisa::VecBinaryOp(), "mul", outBuf(i), tileInSt, scaleBuf, groupSt,
          outBuf(i), tileInSt);
      if (norm->bias)
        vec(npuisa::VecBinaryOp(), "add", outBuf(i), tileInSt, biasBuf, groupSt,
            outBuf(i), tileInSt);
    } else if (arg) {
      // The indices, INT64 (zero-extended) or INT32, along the reduced axis.
      vec(npuisa::VecReduceOp(), kind, inBuf(i), tileInSt, 0, {}, outBuf(i),
          tileOutSt);
    } else if (!softmax) {
      auto red = vec(npuisa::VecReduceOp(), kind == "mean" ? "sum" : kind,
                     inBuf(i), tileInSt, 0, {}, outBuf(i), tileOutSt);
      if (kind == "mean")
        red.setAlphaAttr(b.getF32FloatAttr(1.0f / float(reducedCount)));
    } else {
      // m = max(x); x = x - m; x = exp(x); s = sum(x); y = x / s.
      vec(npuisa::VecReduceOp(), "max", inBuf(i), tileInSt, 0, {}, scratch,
          tileOutSt);
      vec(npuisa::VecBinaryOp(), "sub", inBuf(i), tileInSt, scratch, tileOutSt,
          inBuf(i), tileInSt);
      vec(npuisa::VecUnaryOp(), "exp", inBuf(i), tileInSt, 0, {}, inBuf(i),
          tileInSt);
      vec(npuisa::VecReduceOp(), "sum", inBuf(i), tileInSt, 0, {}, scratch,
          tileOutSt);
      vec(npuisa::VecBinaryOp(), "div", inBuf(i), tileInSt, scratch, tileOutSt,
          outBuf(i), tileInSt);
    }
    markTileCompute(program, i, n);
    int64_t outOffset = softmax ? r0 * inSt[0] : r0 * outSt[0];
    // INT64 indices move as two 4-byte words each (at most kMaxExtent).
    auto store = dma(npuisa::DmaStoreOp(), outBuf(i), dst + outEb * outOffset,
                     tileOut * (outEb / 4));
    markTileStore(store, i, n);
  }
  emitOpBarrier(loc);
  return success();
}

LogicalResult Codegen::emitChunkedReduction(Operation *op, Value input,
                                            int64_t kept, int64_t count,
                                            StringRef kind, int64_t limit,
                                            int64_t layer) {
  // Tiles of `rowsK` kept rows x one chunk of `chunk` reduced elements; a
  // kept block's chunks accumulate: the first reduces into its result
  // buffer, each later one into `scratch`, then combines with the previous
  // tile's result (sum: add, prod: mul, max, min) into its own. Every tile
  // stores its running result (a few bytes), so the buffers and tokens follow
  // the usual per-tile discipline; the block's last store leaves the result.
  int64_t chunk = std::min({count, limit, kMaxExtent});
  int64_t chunks = ceilDiv(count, chunk);
  int64_t rowsK = std::max<int64_t>(1, std::min(kept, limit / chunk));
  if (rowsK > kMaxExtent || ceilDiv(kept, rowsK) * chunks > (int64_t(1) << 31))
    return op->emitError("backend: a reduction has too many chunks");
  int64_t bytes = limit * 4;
  beginScratchpadPass();
  SpBuffer in = scratchpad("in", bytes, 2), out = scratchpad("out", bytes, 2);
  auto inBuf = [&](int64_t i) { return in.at(i); };
  auto outBuf = [&](int64_t i) { return out.at(i); };
  int64_t scratch = scratchpad("scratch", bytes).offset;
  int64_t src = buffers.lookup(root(input)).offset;
  int64_t dst = buffers.lookup(op->getResult(0)).offset;
  StringRef reduceFunc = kind == "mean" ? "sum" : kind;
  StringRef combineFunc = kind == "mean" || kind == "sum" ? "add"
                          : kind == "prod"                ? "mul"
                                                          : kind;
  auto i64 = [&](int64_t v) { return b.getI64IntegerAttr(v); };
  Location loc = op->getLoc();
  int64_t n = ceilDiv(kept, rowsK) * chunks;
  for (int64_t i = 0; i < n; ++i) {
    int64_t k0 = i / chunks * rowsK, rk = std::min(rowsK, kept - k0);
    int64_t j = i % chunks, c0 = j * chunk, len = std::min(chunk, count - c0);
    auto load = emitDma<npuisa::DmaLoadOp>(
        loc, inBuf(i), src + 4 * (k0 * count + c0), 4, {len, rk, 1, 1},
        {4, 4 * count, 0, 0}, {4, 4 * len, 0, 0}, layer);
    load.setPopNext(firstLoadWaits(i));
    load->setAttr("push_next", b.getUnitAttr());
    SmallVector<Operation *> program;
    auto red = npuisa::VecReduceOp::create(
        b, loc, TypeRange{}, ValueRange{},
        {b.getNamedAttr("func", b.getStringAttr(reduceFunc)),
         b.getNamedAttr("src0", i64(inBuf(i))), b.getNamedAttr("src1", i64(0)),
         b.getNamedAttr("dst", i64(j == 0 ? outBuf(i) : scratch))});
    red.setDims(SmallVector<int64_t>{len, rk, 1, 1});
    red.setSrc0Strides(SmallVector<int64_t>{1, len, 0, 0});
    red.setDstStrides(SmallVector<int64_t>{0, 1, 0, 0});
    red.setSrc0Type(StringRef("f32"));
    red.setDstType(StringRef("f32"));
    if (kind == "mean") // each chunk's share of the mean
      red.setAlphaAttr(b.getF32FloatAttr(1.0f / float(count)));
    red.setLayerAttr(i64(layer));
    program.push_back(red);
    if (j > 0) {
      SmallVector<int64_t> unit = {1, 0, 0, 0};
      program.push_back(
          emitVecStep(loc, VecFunc{/*binary=*/true, combineFunc},
                      {outBuf(i - 1), unit}, VecOperand{scratch, unit},
                      {outBuf(i), unit}, {rk, 1, 1, 1}, "f32", layer));
    }
    markTileCompute(program, i, n);
    auto store = emitDma<npuisa::DmaStoreOp>(loc, outBuf(i), dst + 4 * k0, 4,
                                             {rk, 1, 1, 1}, {4, 0, 0, 0},
                                             {4, 0, 0, 0}, layer);
    markTileStore(store, i, n);
  }
  emitOpBarrier(loc);
  return success();
}

namespace {

/// Reductions, softmax and layer normalisation on the vector unit, over the
/// op's reduced axes.
template <typename OpTy>
struct ReductionModel
    : BackendOpInterface::ExternalModel<ReductionModel<OpTy>, OpTy> {
  ExecutionUnit getExecutionUnit(Operation *) const {
    return ExecutionUnit::vector;
  }
  bool isLegalOn(Operation *op, const rt::TargetDesc &target,
                 std::string &reason) const {
    auto r = cast<OpTy>(op);
    auto in = cast<RankedTensorType>(r.getInput().getType());
    SmallVector<int64_t> axes;
    StringRef kind = "layer_norm";
    if constexpr (std::is_same_v<OpTy, SoftmaxOp>) {
      axes.push_back(r.getAxis());
      kind = "softmax";
    } else if constexpr (std::is_same_v<OpTy, LayerNormOp>) {
      axes = llvm::to_vector(llvm::seq<int64_t>(r.getAxis(), in.getRank()));
    } else {
      axes = llvm::to_vector(r.getAxes());
      kind = std::is_same_v<OpTy, ReduceProdOp> ? "prod" : "sum";
    }
    reason =
        reductionProblem(in, axes, kind, r.getType().getNumElements(), target);
    return reason.empty();
  }
  LogicalResult emit(Operation *op, Codegen &codegen, int64_t layer) const {
    auto r = cast<OpTy>(op);
    if constexpr (std::is_same_v<OpTy, ReduceMeanOp>)
      return codegen.emitReduction(r, r.getInput(), r.getAxes(), "mean", layer);
    else if constexpr (std::is_same_v<OpTy, ReduceMaxOp>)
      return codegen.emitReduction(r, r.getInput(), r.getAxes(), "max", layer);
    else if constexpr (std::is_same_v<OpTy, ReduceMinOp>)
      return codegen.emitReduction(r, r.getInput(), r.getAxes(), "min", layer);
    else if constexpr (std::is_same_v<OpTy, ReduceProdOp>)
      return codegen.emitReduction(r, r.getInput(), r.getAxes(), "prod", layer);
    else if constexpr (std::is_same_v<OpTy, ReduceSumOp>)
      return codegen.emitReduction(r, r.getInput(), r.getAxes(), "sum", layer);
    else if constexpr (std::is_same_v<OpTy, SoftmaxOp>)
      return codegen.emitReduction(r, r.getInput(), {int64_t(r.getAxis())},
                                   "softmax", layer);
    else {
      SmallVector<int64_t> axes = llvm::to_vector(
          llvm::seq<int64_t>(r.getAxis(), r.getType().getRank()));
      return codegen.emitReduction(
          r, r.getInput(), axes, "layer_norm", layer,
          Codegen::NormParams{r.getScale(), r.getBias(),
                              r.getEpsilon().convertToFloat()});
    }
  }
};

/// ArgMax / ArgMin: one `vec.reduce argmax` (argmin, *_last) per tile of
/// whole groups along the axis, writing the indices in the result's type.
template <typename OpTy>
struct ArgReductionModel
    : BackendOpInterface::ExternalModel<ArgReductionModel<OpTy>, OpTy> {
  ExecutionUnit getExecutionUnit(Operation *) const {
    return ExecutionUnit::vector;
  }
  bool isLegalOn(Operation *op, const rt::TargetDesc &target,
                 std::string &reason) const {
    auto r = cast<OpTy>(op);
    RankedTensorType in = r.getInput().getType();
    if (!in.getElementType().isF32() &&
        !in.getElementType().isSignlessInteger(32)) {
      reason = "the vector unit indexes FP32 or INT32 values only";
      return false;
    }
    // The input as [outer][dim][inner] around the axis: the emitter's tile
    // is whole groups, dim x inner elements at least, in 16-bit extents.
    ArrayRef<int64_t> shape = in.getShape();
    int64_t axis = r.getAxis();
    int64_t outer = llvm::product_of(shape.take_front(axis)), dim = shape[axis],
            inner = llvm::product_of(shape.drop_front(axis + 1));
    int64_t per = argTileElements(target);
    if (in.getNumElements() == 0)
      return true;
    if (dim * inner > per) {
      reason = (Twine("its ") + Twine(dim) + " x " + Twine(inner) +
                " elements per index group exceed one vector tile (" +
                Twine(per) + "); chunked index reductions are not done yet")
                   .str();
      return false;
    }
    if (outer > kMaxExtent || dim > kMaxExtent || inner > kMaxExtent) {
      reason = (Twine("its ") + Twine(outer) + " x " + Twine(dim) + " x " +
                Twine(inner) +
                " groups around the axis exceed the vector unit's extent of " +
                Twine(kMaxExtent) + " per dimension")
                   .str();
      return false;
    }
    return true;
  }
  LogicalResult emit(Operation *op, Codegen &codegen, int64_t layer) const {
    auto r = cast<OpTy>(op);
    constexpr bool isMax = std::is_same_v<OpTy, ArgMaxOp>;
    StringRef func = r.getSelectLastIndex()
                         ? (isMax ? "argmax_last" : "argmin_last")
                         : (isMax ? "argmax" : "argmin");
    return codegen.emitReduction(r, r.getInput(), {int64_t(r.getAxis())}, func,
                                 layer);
  }
};

} // namespace

void registerReductionModels(MLIRContext *context) {
  ArgMaxOp::attachInterface<ArgReductionModel<ArgMaxOp>>(*context);
  ArgMinOp::attachInterface<ArgReductionModel<ArgMinOp>>(*context);
  ReduceMeanOp::attachInterface<ReductionModel<ReduceMeanOp>>(*context);
  ReduceMaxOp::attachInterface<ReductionModel<ReduceMaxOp>>(*context);
  ReduceMinOp::attachInterface<ReductionModel<ReduceMinOp>>(*context);
  ReduceProdOp::attachInterface<ReductionModel<ReduceProdOp>>(*context);
  ReduceSumOp::attachInterface<ReductionModel<ReduceSumOp>>(*context);
  SoftmaxOp::attachInterface<ReductionModel<SoftmaxOp>>(*context);
  LayerNormOp::attachInterface<ReductionModel<LayerNormOp>>(*context);
}

} // namespace npu::codegen
