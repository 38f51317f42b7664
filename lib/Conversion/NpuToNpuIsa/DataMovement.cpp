//===- DataMovement.cpp - transpose, slice, concat, gather, resize, pad
//-----===//
//
// Data movement as strided DMA copies through the scratchpad
// (docs/codegen.md, "Data movement").
//
//===----------------------------------------------------------------------===//

#include "npu/Conversion/NpuToNpuIsa/Codegen.h"

#include "npu/Dialect/Npu/IR/ResizeSampling.h"

#include "mlir/IR/Matchers.h"

#include <string>
#include <type_traits>

using namespace mlir;
using namespace npu;
namespace rt = npu::rt;

namespace npu::codegen {

/// The axes of a strided copy once unit axes are dropped and neighbours both
/// sides step through alike are merged (what one DMA box must cover).
static void
collapseMoveAxes(ArrayRef<int64_t> shape, ArrayRef<int64_t> srcStrides,
                 ArrayRef<int64_t> dstStrides, SmallVectorImpl<int64_t> &dims,
                 SmallVectorImpl<int64_t> &ss, SmallVectorImpl<int64_t> &ds) {
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1)
      continue;
    if (!dims.empty() && ss.back() == srcStrides[i] * shape[i] &&
        ds.back() == dstStrides[i] * shape[i]) {
      dims.back() *= shape[i];
      ss.back() = srcStrides[i];
      ds.back() = dstStrides[i];
      continue;
    }
    dims.push_back(shape[i]);
    ss.push_back(srcStrides[i]);
    ds.push_back(dstStrides[i]);
  }
}

/// The most DMA boxes one data movement loops over when its copy has more
/// than a box's four axes (each is a load and a store).
constexpr int64_t kMaxMoveBoxes = 4096;

/// A transpose's copy as the emitter issues it: output order, source
/// strides permuted.
static void transposeStrides(TransposeOp t, SmallVectorImpl<int64_t> &src,
                             SmallVectorImpl<int64_t> &dst) {
  SmallVector<int64_t> in = denseStrides(t.getInput().getType().getShape());
  for (int64_t p : t.getPerm())
    src.push_back(in[p]);
  dst = denseStrides(t.getType().getShape());
}

namespace {
/// How Codegen::emitMove issues a copy: the collapsed and split axes, of
/// which the first `lead` are looped over (one DMA box per index, `outer`
/// boxes) and the rest (at most four) form each box, whose axes after the
/// first hold `inner` elements, at most a buffer's `budget`.
struct MovePlan {
  SmallVector<int64_t> dims, ss, ds;
  int64_t lead = 0, outer = 1, inner = 1, budget = 0;
};

/// Plans a copy of `shape` with the given element strides on `target`, or
/// says why it cannot be issued (one home for emitMove and the transpose's
/// isLegalOn).
FailureOr<MovePlan> planMove(ArrayRef<int64_t> shape, int64_t elemBytes,
                             ArrayRef<int64_t> srcStrides,
                             ArrayRef<int64_t> dstStrides,
                             const rt::TargetDesc &target, std::string &why) {
  MovePlan p;
  collapseMoveAxes(shape, srcStrides, dstStrides, p.dims, p.ss, p.ds);
  if (p.dims.empty()) {
    p.dims = {1};
    p.ss = {1};
    p.ds = {1};
  }
  // Elements per buffer, two buffers.
  p.budget = int64_t(target.scratchpadBytes) / 2 / kAlign * kAlign / elemBytes;
  // Split axes longer than a 16-bit extent or a buffer.
  if (!splitLongAxes(p.dims, {&p.ss, &p.ds}, std::min(p.budget, kMaxExtent))) {
    why = "a data movement axis does not split";
    return failure();
  }
  // A DMA box has four axes: the axes before the last four (a 5-D or 6-D
  // transpose's, DepthToSpace's) are looped over, one box per index, and
  // more of them while a box's rows do not fit a buffer.
  int64_t rank = p.dims.size();
  p.lead = std::max<int64_t>(0, rank - 4);
  auto innerOf = [&](int64_t lead) {
    int64_t inner = 1;
    for (int64_t d = lead + 1; d < rank; ++d)
      inner *= p.dims[d];
    return inner;
  };
  while (p.lead + 1 < rank && innerOf(p.lead) > p.budget)
    ++p.lead;
  for (int64_t d = 0; d < p.lead; ++d)
    p.outer = std::min(p.outer * p.dims[d], kMaxMoveBoxes + 1);
  p.inner = innerOf(p.lead);
  if (p.outer > kMaxMoveBoxes) {
    why = "a data movement needs more than " + std::to_string(kMaxMoveBoxes) +
          " DMA boxes (four axes each)";
    return failure();
  }
  if (p.inner > p.budget) {
    why = "a data movement tile does not fit the scratchpad";
    return failure();
  }
  return p;
}
} // namespace

LogicalResult Codegen::emitMove(Operation *op, ArrayRef<int64_t> shape,
                                int64_t elemBytes, int64_t src,
                                ArrayRef<int64_t> srcStrides, int64_t dst,
                                ArrayRef<int64_t> dstStrides, int64_t layer,
                                bool oneChunkBuffers) {
  int64_t count = 1;
  for (int64_t d : shape)
    count *= d;
  if (count == 0)
    return success();
  std::string why;
  FailureOr<MovePlan> plan =
      planMove(shape, elemBytes, srcStrides, dstStrides, target, why);
  if (failed(plan))
    return op->emitError("backend: " + why);
  SmallVector<int64_t> dims = plan->dims, ss = plan->ss, ds = plan->ds;
  int64_t lead = plan->lead, outer = plan->outer, inner = plan->inner,
          budget = plan->budget;
  SmallVector<int64_t> leadDims(dims.begin(), dims.begin() + lead),
      leadSrc(ss.begin(), ss.begin() + lead),
      leadDst(ds.begin(), ds.begin() + lead);
  dims.erase(dims.begin(), dims.begin() + lead);
  ss.erase(ss.begin(), ss.begin() + lead);
  ds.erase(ds.begin(), ds.begin() + lead);
  int64_t rank = dims.size();
  // Innermost-first box sizes and byte strides of `tdims`, and the dense
  // strides of a scratchpad tile of them.
  auto boxOf = [&](ArrayRef<int64_t> tdims, SmallVector<int64_t> &sizes,
                   SmallVector<int64_t> &srcB, SmallVector<int64_t> &dstB,
                   SmallVector<int64_t> &dense) {
    int64_t compact = elemBytes;
    for (int64_t d = rank - 1; d >= 0; --d) {
      sizes.push_back(tdims[d]);
      srcB.push_back(ss[d] * elemBytes);
      dstB.push_back(ds[d] * elemBytes);
      dense.push_back(compact);
      compact *= tdims[d];
    }
    sizes.resize(4, 1);
    srcB.resize(4, 0);
    dstB.resize(4, 0);
    dense.resize(4, 0);
  };
  auto leadOffsets = [&](int64_t box) {
    int64_t srcBase = src, dstBase = dst;
    for (int64_t d = lead - 1, rest = box; d >= 0; --d) {
      srcBase += rest % leadDims[d] * leadSrc[d] * elemBytes;
      dstBase += rest % leadDims[d] * leadDst[d] * elemBytes;
      rest /= leadDims[d];
    }
    return std::make_pair(srcBase, dstBase);
  };
  Location loc = op->getLoc();
  // A side kept on chip (a cascade's bands, CascadeRows.cpp) is its own
  // tile: each box is one DMA straight from the source into the
  // destination (local when both are on chip), and no tile buffer is
  // asked for. The other queue only passes the tokens on.
  bool srcOnChip = src >= kOnChipBase, dstOnChip = dst >= kOnChipBase;
  if (srcOnChip || dstOnChip) {
    noteTiles({{"elements", dims[0] * inner}});
    auto sync = [&](StringRef queue) {
      auto s = npuisa::SyncOp::create(
          b, loc, TypeRange{}, ValueRange{},
          {b.getNamedAttr("queue", b.getStringAttr(queue))});
      s.setLayerAttr(b.getI64IntegerAttr(layer));
      return s;
    };
    for (int64_t i = 0; i < outer; ++i) {
      auto [srcBase, dstBase] = leadOffsets(i);
      SmallVector<int64_t> sizes, srcB, dstB, dense;
      boxOf(dims, sizes, srcB, dstB, dense);
      if (dstOnChip) {
        auto load =
            emitDma<npuisa::DmaLoadOp>(loc, dstBase - kOnChipBase, srcBase,
                                       elemBytes, sizes, srcB, dstB, layer);
        load.setPopNext(firstLoadWaits(i));
        load.setPushNext(true);
      } else {
        auto load = sync("load");
        load.setPopNext(firstLoadWaits(i));
        load.setPushNext(true);
      }
      emitHandOver(loc, i, outer, layer);
      if (dstOnChip) {
        auto store = sync("store");
        store.setPopPrev(true);
        store.setPushPrev(i + 2 < outer || i == outer - 1);
      } else {
        markTileStore(emitDma<npuisa::DmaStoreOp>(loc, srcBase - kOnChipBase,
                                                  dstBase, elemBytes, sizes,
                                                  dstB, srcB, layer),
                      i, outer);
      }
    }
    emitOpBarrier(loc);
    return success();
  }
  // Tile the outermost box axis into row chunks that fit a buffer.
  int64_t rows = std::max<int64_t>(1, std::min(dims[0], budget / inner));
  int64_t chunks = (dims[0] + rows - 1) / rows, n = outer * chunks;
  noteTiles({{"elements", rows * inner}});
  // Scratchpad: two tiles (double buffering), half of it each or one chunk.
  beginScratchpadPass();
  SpBuffer buf = scratchpad(
      "tile", (oneChunkBuffers ? rows * inner : budget) * elemBytes, 2);
  for (int64_t i = 0; i < n; ++i) {
    // Box `i / chunks` of the looped axes (row-major), chunk `i % chunks`.
    auto [srcBase, dstBase] = leadOffsets(i / chunks);
    int64_t r0 = i % chunks * rows, r = std::min(rows, dims[0] - r0);
    SmallVector<int64_t> tdims = {r};
    tdims.append(dims.begin() + 1, dims.end());
    // Innermost-first boxes; the scratchpad tile is dense.
    SmallVector<int64_t> sizes, srcB, dstB, dense;
    boxOf(tdims, sizes, srcB, dstB, dense);
    int64_t sram = buf.at(i);
    auto load =
        emitDma<npuisa::DmaLoadOp>(loc, sram, srcBase + r0 * ss[0] * elemBytes,
                                   elemBytes, sizes, srcB, dense, layer);
    load.setPopNext(firstLoadWaits(i));
    load.setPushNext(true);
    // The compute queue only hands the tile over (and recycles buffers).
    emitHandOver(loc, i, n, layer);
    auto store =
        emitDma<npuisa::DmaStoreOp>(loc, sram, dstBase + r0 * ds[0] * elemBytes,
                                    elemBytes, sizes, dstB, dense, layer);
    markTileStore(store, i, n);
  }
  emitOpBarrier(loc);
  return success();
}

/// The indices of a Gather whose indices are constant, negative ones
/// counted from the end of the axis. Fails with one error otherwise: indices
/// computed at run time (naming the graph input they are and the option that
/// freezes it) or out of range.
static std::optional<SmallVector<int64_t>>
constantGatherIndices(GatherOp g, std::string &reason) {
  DenseIntElementsAttr attr;
  if (!matchPattern(g.getIndices(), m_Constant(&attr))) {
    reason = "Gather with indices computed at run time needs an indirect DMA";
    if (auto arg = dyn_cast<BlockArgument>(g.getIndices()))
      if (auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp()))
        if (auto name = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                          "npu.name"))
          reason += "; they are graph input '" + name.getValue().str() +
                    "' (freeze it with --input-value=" + name.getValue().str() +
                    "=FILE)";
    return std::nullopt;
  }
  int64_t dim = g.getData().getType().getDimSize(g.getAxis());
  SmallVector<int64_t> indices;
  for (const APInt &v : attr.getValues<APInt>()) {
    int64_t i = v.getSExtValue();
    if (i < -dim || i >= dim) {
      reason = "Gather index " + std::to_string(i) +
               " is outside the axis of " + std::to_string(dim) + " elements";
      return std::nullopt;
    }
    indices.push_back(i < 0 ? i + dim : i);
  }
  return indices;
}

LogicalResult Codegen::emitDataMovement(Operation *op, int64_t layer) {
  auto outType = cast<RankedTensorType>(op->getResult(0).getType());
  int64_t eb = elementBytes(outType);
  if (eb != 1 && eb != 2 && eb != 4)
    return op->emitError("backend: data movement of ")
           << outType.getElementType() << " elements is not supported";
  int64_t dst = buffers.lookup(op->getResult(0)).offset;
  SmallVector<int64_t> outStrides = denseStrides(outType.getShape());
  if (auto t = dyn_cast<TransposeOp>(op)) {
    SmallVector<int64_t> src, unused;
    transposeStrides(t, src, unused);
    return emitMove(op, outType.getShape(), eb,
                    buffers.lookup(root(t.getInput())).offset, src, dst,
                    outStrides, layer);
  }
  if (auto sl = dyn_cast<SliceOp>(op)) {
    SmallVector<int64_t> in = denseStrides(sl.getInput().getType().getShape());
    SmallVector<int64_t> src;
    int64_t base = 0;
    for (auto [d, stride] : llvm::enumerate(sl.getStrides())) {
      if (stride < 0)
        return op->emitError("backend: slices with negative steps are not "
                             "supported yet");
      src.push_back(in[d] * stride);
      base += sl.getOffsets()[d] * in[d];
    }
    return emitMove(op, outType.getShape(), eb,
                    buffers.lookup(root(sl.getInput())).offset + base * eb, src,
                    dst, outStrides, layer);
  }
  if (auto rs = dyn_cast<ResizeOp>(op))
    return emitResizeNearest(rs, layer);
  if (auto pad = dyn_cast<PadOp>(op))
    return emitPad(pad, layer);
  if (auto g = dyn_cast<GatherOp>(op)) {
    // One strided move per index: data[outer, idx, inner] to
    // out[outer, j, inner]; the index axes are contiguous in the result, so
    // index j starts j * inner elements in, and `inner` (the product of the
    // axes after `axis`) is the data's stride along `axis`.
    std::string reason;
    std::optional<SmallVector<int64_t>> indices =
        constantGatherIndices(g, reason);
    if (!indices)
      return g.emitError("backend: ") << reason;
    auto dataType = g.getData().getType();
    int64_t axis = g.getAxis();
    SmallVector<int64_t> in = denseStrides(dataType.getShape());
    SmallVector<int64_t> shape, src, dstSt;
    for (int64_t d = 0; d < dataType.getRank(); ++d) {
      if (d == axis)
        continue;
      shape.push_back(dataType.getDimSize(d));
      src.push_back(in[d]);
      // Outer axes keep their result position; inner ones follow the
      // index axes.
      int64_t r = d < axis ? d : d - 1 + g.getIndices().getType().getRank();
      dstSt.push_back(outStrides[r]);
    }
    int64_t base = buffers.lookup(root(g.getData())).offset;
    for (auto [j, idx] : llvm::enumerate(*indices))
      if (failed(emitMove(op, shape, eb, base + idx * in[axis] * eb, src,
                          dst + int64_t(j) * in[axis] * eb, dstSt, layer)))
        return failure();
    return success();
  }
  auto concat = cast<ConcatOp>(op);
  int64_t axis = concat.getAxis(), at = 0;
  for (Value in : concat.getInputs()) {
    auto type = cast<RankedTensorType>(in.getType());
    int64_t src = buffers.lookup(root(in)).offset;
    int64_t slice = dst + at * outStrides[axis] * eb;
    at += type.getDimSize(axis);
    if (src == slice)
      continue; // computed in place (concatInPlace): nothing to move
    if (failed(emitMove(op, type.getShape(), eb, src,
                        denseStrides(type.getShape()), slice, outStrides,
                        layer)))
      return failure();
  }
  return success();
}

LogicalResult Codegen::emitResizeNearest(ResizeOp op, int64_t layer) {
  auto inType = op.getInput().getType(), outType = op.getType();
  if (outType.getNumElements() == 0)
    return success(); // nothing to move (and no tile to divide by)
  int64_t eb = elementBytes(outType);
  SmallVector<int64_t> inSt = denseStrides(inType.getShape());
  SmallVector<int64_t> outSt = denseStrides(outType.getShape());
  // Each axis samples an affine index (first + o*step) or repeats every
  // input element `repeat` times (o / repeat): both are strided copies.
  // npu-lower-resize has turned every other resize into matmuls.
  SmallVector<int64_t> shape, src, dst;
  int64_t base = 0;
  for (int64_t d = 0; d < inType.getRank(); ++d) {
    std::optional<ResizeAxisCopy> copy = resizeAxisCopy(op, d);
    if (!copy)
      return op.emitError("backend: this Resize is not a strided copy; run "
                          "npu-lower-resize first");
    if (copy->repeat > 1) {
      shape.append({inType.getDimSize(d), copy->repeat});
      src.append({inSt[d], 0});
      dst.append({outSt[d] * copy->repeat, outSt[d]});
    } else {
      shape.push_back(outType.getDimSize(d));
      src.push_back(inSt[d] * copy->step);
      dst.push_back(outSt[d]);
      base += copy->first * inSt[d];
    }
  }
  int64_t from = buffers.lookup(root(op.getInput())).offset + base * eb;
  int64_t to = buffers.lookup(op.getResult()).offset;
  // Up-sampled: dense rows in, repeated in the scratchpad by the vector
  // unit (a bit-exact copy: INT8 codes in narrow lanes, 4-byte elements in
  // 32-bit ones), dense rows out (a DMA run per repeated element would cost
  // a DRAM beat each, and read each input element once per repeat).
  Type element = outType.getElementType();
  StringRef vecType = eb == 1                         ? "i8"
                      : element.isF32()               ? "f32"
                      : element.isSignlessInteger(32) ? "i32"
                                                      : "";
  if (!vecType.empty() && llvm::is_contained(src, 0)) {
    FailureOr<bool> expanded =
        emitExpandingCopy(op, eb, vecType, shape, from, src, to, dst, layer);
    if (failed(expanded) || *expanded)
      return expanded;
  }
  return emitMove(op, shape, eb, from, src, to, dst, layer);
}

FailureOr<bool>
Codegen::emitExpandingCopy(Operation *op, int64_t eb, StringRef vecType,
                           ArrayRef<int64_t> shape, int64_t src,
                           ArrayRef<int64_t> srcStrides, int64_t dst,
                           ArrayRef<int64_t> dstStrides, int64_t layer) {
  SmallVector<int64_t> dims, ss, ds;
  collapseMoveAxes(shape, srcStrides, dstStrides, dims, ss, ds);
  // Four buffers (two in, two out) of `eb`-byte elements.
  int64_t budget = int64_t(target.scratchpadBytes) / 4 / kAlign * kAlign / eb;
  if (dims.empty() || dims.size() > 4 || ss[0] == 0 ||
      !splitLongAxes(dims, {&ss, &ds}, std::min(budget, kMaxExtent)) ||
      dims.size() > 4)
    return false;
  int64_t rank = dims.size(), inner = 1, innerIn = 1;
  for (int64_t d = 1; d < rank; ++d) {
    inner *= dims[d];
    innerIn *= ss[d] == 0 ? 1 : dims[d];
  }
  if (inner > budget)
    return false;
  int64_t rows = std::max<int64_t>(1, std::min(dims[0], budget / inner));
  int64_t n = ceilDiv(dims[0], rows);
  noteTiles({{"elements", rows * inner}});
  // One DMA box (innermost first, byte strides) over `tdims` with DRAM and
  // scratchpad element strides, unit and mergeable axes collapsed.
  auto box = [&](ArrayRef<int64_t> tdims, ArrayRef<int64_t> dram,
                 ArrayRef<int64_t> sram, SmallVectorImpl<int64_t> &sizes,
                 SmallVectorImpl<int64_t> &dramB,
                 SmallVectorImpl<int64_t> &sramB) {
    SmallVector<int64_t> bd, bs, bt;
    collapseMoveAxes(tdims, dram, sram, bd, bs, bt);
    if (bd.empty()) {
      bd = {1};
      bs = {1};
      bt = {1};
    }
    if (!splitLongAxes(bd, {&bs, &bt}, kMaxExtent) || bd.size() > 4)
      return false;
    for (size_t d = bd.size(); d-- > 0;) {
      sizes.push_back(bd[d]);
      dramB.push_back(eb * bs[d]);
      sramB.push_back(eb * bt[d]);
    }
    sizes.resize(4, 1);
    dramB.resize(4, 0);
    sramB.resize(4, 0);
    return true;
  };
  struct TileIo {
    SmallVector<int64_t> loadSizes, loadDram, loadSram, storeSizes, storeDram,
        storeSram, vecDims, vecIn, vecOut;
  };
  // The tiles differ only in their row count: a full tile and the last.
  auto plan = [&](int64_t r, TileIo &io) {
    SmallVector<int64_t> tdims = {r};
    tdims.append(dims.begin() + 1, dims.end());
    // The input tile holds the non-repeated axes densely; the vector copy
    // reads it with stride 0 along the repeated ones.
    SmallVector<int64_t> inDims, inDram, inStrides(rank, 0);
    for (int64_t d = 0; d < rank; ++d)
      if (ss[d] != 0) {
        inDims.push_back(tdims[d]);
        inDram.push_back(ss[d]);
      }
    SmallVector<int64_t> inDense = denseStrides(inDims);
    for (int64_t d = 0, k = 0; d < rank; ++d)
      if (ss[d] != 0)
        inStrides[d] = inDense[k++];
    SmallVector<int64_t> outDense = denseStrides(tdims);
    if (!box(inDims, inDram, inDense, io.loadSizes, io.loadDram, io.loadSram) ||
        !box(tdims, ds, outDense, io.storeSizes, io.storeDram, io.storeSram))
      return false;
    for (int64_t d = rank; d-- > 0;) {
      io.vecDims.push_back(tdims[d]);
      io.vecIn.push_back(inStrides[d]);
      io.vecOut.push_back(outDense[d]);
    }
    io.vecDims.resize(4, 1);
    io.vecIn.resize(4, 0);
    io.vecOut.resize(4, 0);
    return true;
  };
  TileIo full, last;
  if (!plan(rows, full) || !plan(dims[0] - (n - 1) * rows, last))
    return false;
  Location loc = op->getLoc();
  // Scratchpad: two input and two output tiles, a quarter of it each.
  beginScratchpadPass();
  SpBuffer inSp = scratchpad("in", budget * eb, 2);
  SpBuffer outSp = scratchpad("out", budget * eb, 2);
  for (int64_t i = 0; i < n; ++i) {
    const TileIo &io = i + 1 < n ? full : last;
    int64_t r0 = i * rows;
    int64_t in = inSp.at(i), out = outSp.at(i);
    auto load = emitDma<npuisa::DmaLoadOp>(loc, in, src + eb * r0 * ss[0], eb,
                                           io.loadSizes, io.loadDram,
                                           io.loadSram, layer);
    load.setPopNext(firstLoadWaits(i));
    load.setPushNext(true);
    Operation *copy =
        emitVecStep(loc, VecFunc{false, "copy"}, {in, io.vecIn}, std::nullopt,
                    {out, io.vecOut}, io.vecDims, vecType, layer);
    markTileCompute({copy}, i, n);
    auto store = emitDma<npuisa::DmaStoreOp>(loc, out, dst + eb * r0 * ds[0],
                                             eb, io.storeSizes, io.storeDram,
                                             io.storeSram, layer);
    markTileStore(store, i, n);
  }
  emitOpBarrier(loc);
  return true;
}

LogicalResult Codegen::emitPad(PadOp op, int64_t layer) {
  auto inType = op.getInput().getType(), outType = op.getType();
  int64_t eb = elementBytes(outType);
  if (eb != 1 && eb != 2 && eb != 4)
    return op.emitError("backend: padding ")
           << outType.getElementType() << " elements is not supported";
  if (outType.getNumElements() == 0)
    return success();
  int64_t rank = inType.getRank();
  ArrayRef<int64_t> pads = op.getPads();
  SmallVector<int64_t> inSt = denseStrides(inType.getShape());
  // Negative pads crop the input; what remains is padded on both sides.
  SmallVector<int64_t> in, before, after, srcSt;
  int64_t src = buffers.lookup(root(op.getInput())).offset;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t cropB = std::max<int64_t>(0, -pads[d]);
    int64_t cropA = std::max<int64_t>(0, -pads[d + rank]);
    src += eb * cropB * inSt[d];
    in.push_back(inType.getDimSize(d) - cropB - cropA);
    before.push_back(std::max<int64_t>(0, pads[d]));
    after.push_back(std::max<int64_t>(0, pads[d + rank]));
    srcSt.push_back(inSt[d]);
  }
  if (op.getMode() != PadMode::constant) {
    // Edge and reflect: the interior, then each axis in turn copies its
    // border slices from the output itself (axes before it already padded,
    // axes after it not yet), so corners come out as numpy.pad makes them.
    SmallVector<int64_t> out;
    for (int64_t d = 0; d < rank; ++d)
      out.push_back(in[d] + before[d] + after[d]);
    SmallVector<int64_t> outSt = denseStrides(out);
    int64_t dst = buffers.lookup(op.getResult()).offset, interior = 0;
    for (int64_t d = 0; d < rank; ++d)
      interior += before[d] * outSt[d];
    if (failed(emitMove(op, in, eb, src, srcSt, dst + eb * interior, outSt,
                        layer)))
      return failure();
    bool edge = op.getMode() == PadMode::edge;
    for (int64_t d = 0; d < rank; ++d) {
      SmallVector<int64_t> slice;
      int64_t base = 0;
      for (int64_t a = 0; a < rank; ++a) {
        slice.push_back(a < d ? out[a] : a == d ? 1 : in[a]);
        if (a > d)
          base += before[a] * outSt[a];
      }
      auto copySlice = [&](int64_t from, int64_t to) {
        return emitMove(op, slice, eb, dst + eb * (base + from * outSt[d]),
                        outSt, dst + eb * (base + to * outSt[d]), outSt, layer);
      };
      for (int64_t j = 0; j < before[d]; ++j)
        if (failed(copySlice(edge ? before[d] : 2 * before[d] - j, j)))
          return failure();
      int64_t last = before[d] + in[d] - 1;
      for (int64_t k = 0; k < after[d]; ++k)
        if (failed(copySlice(edge ? last : last - 1 - k, last + 1 + k)))
          return failure();
    }
    return success();
  }
  // Merge an axis into its outer neighbour when it is unpadded and whole
  // (contiguous in both tensors), and drop unpadded unit axes.
  for (int64_t d = int64_t(in.size()) - 1; d >= 1; --d) {
    bool whole =
        before[d] == 0 && after[d] == 0 && srcSt[d - 1] == srcSt[d] * in[d];
    if (!whole)
      continue;
    before[d - 1] *= in[d];
    after[d - 1] *= in[d];
    in[d - 1] *= in[d];
    srcSt[d - 1] = srcSt[d];
    for (auto *v : {&in, &before, &after, &srcSt})
      v->erase(v->begin() + d);
  }
  if (in.size() > 4 ||
      llvm::any_of(in, [](int64_t d) { return d > kMaxExtent; }))
    return op.emitError("backend: a pad over more than four padded axes or "
                        "with a 16-bit-overflowing axis is not supported");
  int64_t r = in.size();
  SmallVector<int64_t> out;
  for (int64_t d = 0; d < r; ++d)
    out.push_back(in[d] + before[d] + after[d]);
  SmallVector<int64_t> outSt = denseStrides(out);
  int64_t inner = r > 1 ? outSt[0] : 1;
  int64_t budget = int64_t(target.scratchpadBytes) / 2 / kAlign * kAlign / eb;
  if (inner > budget)
    return op.emitError("backend: a pad's rows do not fit the scratchpad");
  int64_t rows = std::max<int64_t>(1, std::min(out[0], budget / inner));
  int64_t n = ceilDiv(out[0], rows);
  noteTiles({{"elements", rows * inner}});
  uint32_t bits = 0;
  float value = op.getValue().convertToFloat();
  if (outType.getElementType().isF32())
    std::memcpy(&bits, &value, 4);
  else
    bits = uint32_t(int64_t(value));
  int64_t dst = buffers.lookup(op.getResult()).offset;
  auto innermostFirst = [&](ArrayRef<int64_t> v, int64_t scale) {
    SmallVector<int64_t> w;
    for (int64_t d = r - 1; d >= 0; --d)
      w.push_back(v[d] * scale);
    w.resize(4, scale == 1 ? 1 : 0);
    return w;
  };
  Location loc = op.getLoc();
  auto i64 = [&](int64_t v) { return b.getI64IntegerAttr(v); };
  beginScratchpadPass();
  SpBuffer buf = scratchpad("tile", budget * eb, 2);
  for (int64_t i = 0; i < n; ++i) {
    int64_t o0 = i * rows, o1 = std::min(out[0], o0 + rows);
    // The input rows this tile of output rows covers; the rest is padding.
    WindowClip rowsIn = clipWindow(o0 - before[0], o1 - o0, in[0]);
    int64_t i0 = rowsIn.count ? std::max<int64_t>(0, o0 - before[0]) : 0;
    SmallVector<int64_t> sizes(in), pb(before), pa(after), tile(out);
    sizes[0] = rowsIn.count;
    pb[0] = rowsIn.before;
    pa[0] = rowsIn.after;
    tile[0] = o1 - o0;
    int64_t sram = buf.at(i);
    auto load = emitDma<npuisa::DmaLoadOp>(
        loc, sram, src + eb * i0 * srcSt[0], eb, innermostFirst(sizes, 1),
        innermostFirst(srcSt, eb), innermostFirst(denseStrides(tile), eb),
        layer);
    SmallVector<int64_t> pbv = innermostFirst(pb, 1),
                         pav = innermostFirst(pa, 1);
    for (int64_t d = r; d < 4; ++d)
      pbv[d] = pav[d] = 0;
    load.setPadBeforeAttr(b.getDenseI64ArrayAttr(pbv));
    load.setPadAfterAttr(b.getDenseI64ArrayAttr(pav));
    load.setPadValueAttr(i64(bits));
    load.setPopNext(firstLoadWaits(i));
    load.setPushNext(true);
    emitHandOver(loc, i, n, layer);
    auto store = emitDma<npuisa::DmaStoreOp>(
        loc, sram, dst + eb * o0 * (r > 1 ? outSt[0] : 1), eb,
        innermostFirst(tile, 1), innermostFirst(outSt, eb),
        innermostFirst(denseStrides(tile), eb), layer);
    markTileStore(store, i, n);
  }
  emitOpBarrier(loc);
  return success();
}

namespace {

/// Transpose, slice, concat, gather (constant indices), nearest resize at
/// integer scales (the rest are lowered to matmuls earlier) and pad as
/// strided DMA copies.
template <typename OpTy>
struct DataMovementModel
    : BackendOpInterface::ExternalModel<DataMovementModel<OpTy>, OpTy> {
  ExecutionUnit getExecutionUnit(Operation *) const {
    return ExecutionUnit::dma;
  }
  /// Concat (inputs of the result's type) and resize copy INT8 codes.
  bool supportsInt8(Operation *) const {
    return std::is_same_v<OpTy, ConcatOp> || std::is_same_v<OpTy, ResizeOp>;
  }
  bool isLegalOn(Operation *op, const rt::TargetDesc &target,
                 std::string &reason) const {
    int64_t eb = elementBytes(op->getResult(0).getType());
    if (eb != 1 && eb != 2 && eb != 4) {
      reason = "the DMA moves 1-, 2- and 4-byte elements only";
      return false;
    }
    // Copies move codes as they are: a quantized result needs inputs of its
    // very type (npu-quantize requantizes them).
    Type element = getElementTypeOrSelf(op->getResult(0).getType());
    if constexpr (std::is_same_v<OpTy, ConcatOp> ||
                  std::is_same_v<OpTy, ResizeOp>)
      if (isa<quant::QuantizedType>(element) &&
          llvm::any_of(op->getOperandTypes(), [&](Type t) {
            return getElementTypeOrSelf(t) != element;
          })) {
        reason = "its quantized inputs differ from the result's type; copies "
                 "move codes, so they need one scale and zero point";
        return false;
      }
    if constexpr (std::is_same_v<OpTy, GatherOp>)
      return constantGatherIndices(cast<GatherOp>(op), reason).has_value();
    if constexpr (std::is_same_v<OpTy, TransposeOp>) {
      SmallVector<int64_t> src, dst;
      auto t = cast<TransposeOp>(op);
      transposeStrides(t, src, dst);
      if (t.getType().getNumElements() != 0 &&
          failed(
              planMove(t.getType().getShape(), eb, src, dst, target, reason)))
        return false;
    }
    return true;
  }
  LogicalResult emit(Operation *op, Codegen &codegen, int64_t layer) const {
    return codegen.emitDataMovement(op, layer);
  }
};

template <typename... Ops> void attach(MLIRContext *context) {
  (Ops::template attachInterface<DataMovementModel<Ops>>(*context), ...);
}

} // namespace

void registerDataMovementModels(MLIRContext *context) {
  attach<TransposeOp, SliceOp, ConcatOp, GatherOp, ResizeOp, PadOp>(context);
}

} // namespace npu::codegen
