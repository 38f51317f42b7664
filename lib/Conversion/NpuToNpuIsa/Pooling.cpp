//===- Pooling.cpp - max and average pooling on the vector unit ----------===//
//
// vec.pool slides a window over descriptor axes 1 and 2; the input slab is
// staged in the scratchpad as it lies in DRAM ([C][H][W] rows, contiguous
// DMA runs) with its halo filled by the DMA's padding: -inf for max pooling
// (padded positions never win), 0 for average pooling, whose divisors are
// applied afterwards by a per-position reciprocal map when they vary
// (borders without count_include_pad, ceil_mode's extra positions).
//
//===----------------------------------------------------------------------===//

#include "npu/Conversion/NpuToNpuIsa/Codegen.h"

#include <cstring>
#include <type_traits>

namespace npu::codegen {

namespace {

/// Pooling parameters of a 1-D or 2-D max_pool / avg_pool.
struct PoolParams {
  bool isMax;
  ConvGeometry g; // cin = cout = channels, groups = 1
  int64_t padBottom, padRight;
  bool countIncludePad;
};

std::optional<PoolParams> poolParams(Operation *op) {
  auto in = cast<RankedTensorType>(op->getOperand(0).getType());
  auto out = cast<RankedTensorType>(op->getResult(0).getType());
  int64_t rank = in.getRank();
  if (rank != 3 && rank != 4)
    return std::nullopt;
  ArrayRef<int64_t> k, st, pads;
  PoolParams p;
  if (auto mp = dyn_cast<MaxPoolOp>(op)) {
    if (llvm::any_of(mp.getDilations(), [](int64_t d) { return d != 1; }))
      return std::nullopt;
    k = mp.getKernelShape();
    st = mp.getStrides();
    pads = mp.getPads();
    p.isMax = true;
    p.countIncludePad = false;
  } else {
    auto ap = cast<AvgPoolOp>(op);
    k = ap.getKernelShape();
    st = ap.getStrides();
    pads = ap.getPads();
    p.isMax = false;
    p.countIncludePad = ap.getCountIncludePad();
  }
  bool oneD = rank == 3;
  int64_t n = rank - 2;
  ConvGeometry &g = p.g;
  g.batch = in.getDimSize(0);
  g.groups = 1;
  g.cin = g.cout = in.getDimSize(1);
  g.h = oneD ? 1 : in.getDimSize(2);
  g.w = in.getShape().back();
  g.kh = oneD ? 1 : k[0];
  g.kw = k.back();
  g.oh = oneD ? 1 : out.getDimSize(2);
  g.ow = out.getShape().back();
  g.sh = oneD ? 1 : st[0];
  g.sw = st.back();
  g.dh = g.dw = 1;
  g.padTop = oneD ? 0 : pads[0];
  g.padLeft = pads[n - 1];
  p.padBottom = oneD ? 0 : pads[n];
  p.padRight = pads[2 * n - 1];
  return p;
}

/// Window sizes counted by average pooling along one axis, per output.
SmallVector<int64_t> windowCounts(int64_t size, int64_t out, int64_t k,
                                  int64_t stride, int64_t padBegin,
                                  int64_t padEnd, bool includePad) {
  SmallVector<int64_t> counts;
  int64_t lo = includePad ? -padBegin : 0;
  int64_t hi = includePad ? size + padEnd : size;
  for (int64_t o = 0; o < out; ++o) {
    int64_t start = o * stride - padBegin;
    counts.push_back(
        std::max<int64_t>(0, std::min(start + k, hi) - std::max(start, lo)));
  }
  return counts;
}

} // namespace

std::optional<ConvGeometry> poolGeometry(Operation *op) {
  if (auto p = poolParams(op))
    return p->g;
  return std::nullopt;
}

std::optional<ElementsAttr> avgPoolReciprocals(Operation *op) {
  auto p = poolParams(op);
  if (!p || p->isMax)
    return std::nullopt;
  const ConvGeometry &g = p->g;
  SmallVector<int64_t> cy = windowCounts(g.h, g.oh, g.kh, g.sh, g.padTop,
                                         p->padBottom, p->countIncludePad);
  SmallVector<int64_t> cx = windowCounts(g.w, g.ow, g.kw, g.sw, g.padLeft,
                                         p->padRight, p->countIncludePad);
  SmallVector<float> recip;
  bool uniform = true;
  for (int64_t y : cy)
    for (int64_t x : cx) {
      recip.push_back(y * x != 0 ? 1.0f / float(y * x) : 0.0f);
      uniform &= y * x == g.kh * g.kw;
    }
  if (uniform)
    return std::nullopt; // vec.pool's alpha divides
  auto type =
      RankedTensorType::get({g.oh, g.ow}, Float32Type::get(op->getContext()));
  return makeFloatConstant(type, recip, "avg_pool_reciprocals");
}

bool isInt8Pool(Operation *op) {
  auto in = cast<RankedTensorType>(op->getOperand(0).getType());
  auto out = cast<RankedTensorType>(op->getResult(0).getType());
  auto q = dyn_cast<quant::UniformQuantizedType>(in.getElementType());
  if (!q || !q.isSigned() || in.getElementType() != out.getElementType() ||
      elementBytes(in) != 1)
    return false;
  if (isa<MaxPoolOp>(op))
    return true;
  // Average pooling of the codes: windows without padding (each counts
  // every element, whatever count_include_pad says), one divisor.
  auto avg = dyn_cast<AvgPoolOp>(op);
  return avg && llvm::all_of(avg.getPads(), [](int64_t p) { return p == 0; }) &&
         !avg.getCeilMode() && !avgPoolReciprocals(op);
}

SmallVector<SpRequest, 4> poolLayout(const ConvGeometry &g, int64_t oht,
                                     int64_t ct, int64_t elemBytes,
                                     int64_t reservedBytes) {
  int64_t ihs = (oht - 1) * g.sh + g.kh, iws = (g.ow - 1) * g.sw + g.kw;
  return {{"slab", alignUp(elemBytes * ct * ihs * iws), 2},
          {"out", alignUp(elemBytes * ct * oht * g.ow), 2},
          {"reciprocals", reservedBytes}};
}

std::pair<int64_t, int64_t> choosePoolTiles(const rt::TargetDesc &t,
                                            const ConvGeometry &g,
                                            int64_t reservedBytes,
                                            int64_t elemBytes) {
  auto tooBig = [&](int64_t oht, int64_t ct) {
    return packedBytes(poolLayout(g, oht, ct, elemBytes, reservedBytes)) >
           int64_t(t.scratchpadBytes);
  };
  int64_t oht = g.oh, ct = g.cin;
  while (tooBig(oht, ct) && oht > 1)
    oht = ceilDiv(oht, 2);
  while (tooBig(oht, ct) && ct > 1)
    ct = ceilDiv(ct, 2);
  if (tooBig(oht, ct))
    return {0, 0};
  return {oht, ct};
}

static bool poolRowFits(Operation *op, const rt::TargetDesc &target) {
  auto outType = cast<RankedTensorType>(op->getResult(0).getType());
  auto p = poolParams(op);
  if (!p || outType.getNumElements() == 0)
    return true;
  const ConvGeometry &g = p->g;
  int64_t eb = isInt8Pool(op) ? 1 : 4;
  int64_t mapBytes = avgPoolReciprocals(op) ? alignUp(4 * g.oh * g.ow) : 0;
  auto [oht, ct] = choosePoolTiles(target, g, mapBytes, eb);
  int64_t iwsFull = (g.ow - 1) * g.sw + g.kw;
  return oht > 0 &&
         packedBytes(poolLayout(g, oht, ct, eb, mapBytes)) <=
             int64_t(target.scratchpadBytes) &&
         iwsFull <= kMaxExtent && ct <= kMaxExtent;
}

LogicalResult Codegen::emitPool(Operation *op, int64_t layer) {
  auto in = cast<RankedTensorType>(op->getOperand(0).getType());
  auto outType = cast<RankedTensorType>(op->getResult(0).getType());
  bool int8 = isInt8Pool(op);
  if (!in.getElementType().isF32() && !int8)
    return op->emitError("backend: only FP32 pooling and INT8 max pooling "
                         "and unpadded average pooling are supported");
  // INT8 pooling moves, compares and sums one-byte codes (narrow lanes):
  // the average is the codes' sum times 1 / window, rounded half away from
  // zero, of the input's type.
  int64_t eb = int8 ? 1 : 4;
  StringRef type = int8 ? "i8" : "f32";
  auto p = poolParams(op);
  if (!p)
    return op->emitError("backend: only 1-D and 2-D pooling without "
                         "dilation is supported");
  if (outType.getNumElements() == 0)
    return success();
  const ConvGeometry &g = p->g;
  Buffer map = tableOf(op, "reciprocals");
  bool hasMap = map.offset >= 0;
  int64_t mapBytes = hasMap ? alignUp(4 * g.oh * g.ow) : 0;
  std::pair<int64_t, int64_t> chosen = choosePoolTiles(target, g, mapBytes, eb);
  int64_t oht = chosen.first, ct = chosen.second;
  if (auto rec = recordedTiles(op, {"oh", "c"})) {
    oht = (*rec)[0];
    ct = (*rec)[1];
  }
  int64_t iwsFull = (g.ow - 1) * g.sw + g.kw;
  if (oht <= 0 ||
      packedBytes(poolLayout(g, oht, ct, eb, mapBytes)) >
          int64_t(target.scratchpadBytes) ||
      iwsFull > kMaxExtent || ct > kMaxExtent)
    return op->emitError("backend: a pooling row does not fit the "
                         "scratchpad");
  noteTiles({{"oh", oht}, {"ow", g.ow}, {"c", ct}});
  // Scratchpad (poolLayout): two slabs, two output tiles, the divisor map.
  beginScratchpadPass();
  SmallVector<SpBuffer, 8> sb =
      scratchpad(poolLayout(g, oht, ct, eb, mapBytes));
  auto slabBuf = [&](int64_t i) { return sb[0].at(i); };
  auto outBuf = [&](int64_t i) { return sb[1].at(i); };
  int64_t mapBuf = sb[2].offset;

  struct Tile {
    int64_t batch, c0, ct, oy0, oht;
  };
  SmallVector<Tile> tiles;
  for (int64_t bi = 0; bi < g.batch; ++bi)
    for (int64_t c0 = 0; c0 < g.cin; c0 += ct)
      for (int64_t oy0 = 0; oy0 < g.oh; oy0 += oht)
        tiles.push_back(
            {bi, c0, std::min(ct, g.cin - c0), oy0, std::min(oht, g.oh - oy0)});
  int64_t n = int64_t(tiles.size());
  int64_t inBase = buffers.lookup(root(op->getOperand(0))).offset;
  int64_t outBase = buffers.lookup(op->getResult(0)).offset;
  // Max pooling pads with the smallest value: -inf, or INT8's -128.
  float negInf = -INFINITY;
  uint32_t padBits = 0;
  if (p->isMax && int8)
    padBits = 0x80;
  else if (p->isMax)
    std::memcpy(&padBits, &negInf, 4);
  auto i64 = [&](int64_t v) { return b.getI64IntegerAttr(v); };
  Location loc = op->getLoc();
  for (int64_t i = 0; i < n; ++i) {
    const Tile &t = tiles[i];
    int64_t ihs = (t.oht - 1) * g.sh + g.kh, iws = iwsFull;
    int64_t iy0 = t.oy0 * g.sh - g.padTop, ix0 = -g.padLeft;
    WindowClip y = clipWindow(iy0, ihs, g.h), x = clipWindow(ix0, iws, g.w);
    int64_t inOffset = ((t.batch * g.cin + t.c0) * g.h +
                        std::clamp<int64_t>(iy0, 0, g.h - 1)) *
                           g.w +
                       std::clamp<int64_t>(ix0, 0, g.w - 1);
    auto load = emitDma<npuisa::DmaLoadOp>(
        loc, slabBuf(i), inBase + eb * inOffset, eb,
        {x.count, y.count, t.ct, 1}, {eb, eb * g.w, eb * g.h * g.w, 0},
        {eb, eb * iws, eb * ihs * iws, 0}, layer);
    if (y.before || y.after || x.before || x.after) {
      load.setPadBeforeAttr(b.getDenseI64ArrayAttr({x.before, y.before, 0, 0}));
      load.setPadAfterAttr(b.getDenseI64ArrayAttr({x.after, y.after, 0, 0}));
      load.setPadValueAttr(i64(padBits));
    }
    load.setPopNext(firstLoadWaits(i));
    Operation *lastLoad = load;
    if (i == 0 && hasMap)
      lastLoad = emitDma<npuisa::DmaLoadOp>(loc, mapBuf, map.offset, 4,
                                            {g.oh * g.ow, 1, 1, 1},
                                            {4, 0, 0, 0}, {4, 0, 0, 0}, layer);
    lastLoad->setAttr("push_next", b.getUnitAttr());
    // Window over (x, y), channels outermost.
    SmallVector<int64_t> dims = {1, g.ow, t.oht, t.ct};
    SmallVector<int64_t> dst = {0, 1, g.ow, t.oht * g.ow};
    auto pool = npuisa::VecPoolOp::create(
        b, loc, TypeRange{}, ValueRange{},
        {b.getNamedAttr("func", b.getStringAttr(p->isMax ? "max" : "avg")),
         b.getNamedAttr("src0", i64(slabBuf(i))),
         b.getNamedAttr("dst", i64(outBuf(i)))});
    pool.setDims(dims);
    pool.setSrc0Strides(SmallVector<int64_t>{0, 1, iws, ihs * iws});
    pool.setDstStrides(dst);
    pool.setSrc0Type(type);
    pool.setDstType(type);
    pool.setWindow(SmallVector<int64_t>{g.kw, g.kh});
    pool.setWindowStrides(SmallVector<int64_t>{g.sw, g.sh});
    if (!p->isMax)
      pool.setAlphaAttr(
          b.getF32FloatAttr(hasMap ? 1.0f : 1.0f / float(g.kh * g.kw)));
    pool.setLayerAttr(i64(layer));
    Operation *last = pool;
    if (hasMap) {
      auto mul = npuisa::VecBinaryOp::create(
          b, loc, TypeRange{}, ValueRange{},
          {b.getNamedAttr("func", b.getStringAttr("mul")),
           b.getNamedAttr("src0", i64(outBuf(i))),
           b.getNamedAttr("src1", i64(mapBuf + 4 * t.oy0 * g.ow)),
           b.getNamedAttr("dst", i64(outBuf(i)))});
      mul.setDims(dims);
      mul.setSrc0Strides(dst);
      mul.setSrc1Strides(SmallVector<int64_t>{0, 1, g.ow, 0});
      mul.setDstStrides(dst);
      mul.setSrc0Type(StringRef("f32"));
      mul.setSrc1Type(StringRef("f32"));
      mul.setDstType(StringRef("f32"));
      mul.setLayerAttr(i64(layer));
      last = mul;
    }
    markTileCompute({pool, last}, i, n);
    // [c][oy][ox] rows, contiguous in DRAM.
    int64_t outOffset = ((t.batch * g.cout + t.c0) * g.oh + t.oy0) * g.ow;
    auto store = emitDma<npuisa::DmaStoreOp>(
        loc, outBuf(i), outBase + eb * outOffset, eb, {g.ow, t.oht, t.ct, 1},
        {eb, eb * g.ow, eb * g.oh * g.ow, 0},
        {eb, eb * g.ow, eb * t.oht * g.ow, 0}, layer);
    markTileStore(store, i, n);
  }
  emitOpBarrier(loc);
  return success();
}

namespace {

/// Max and average pooling on the vector unit, tiles {oh, c} from
/// choosePoolTiles (the divisor map's scratchpad reserved).
template <typename OpTy>
struct PoolModel : BackendOpInterface::ExternalModel<PoolModel<OpTy>, OpTy> {
  ExecutionUnit getExecutionUnit(Operation *) const {
    return ExecutionUnit::vector;
  }
  /// Pooling of INT8 codes (the result keeps the input's type): max, and
  /// unpadded average (npu-quantize's global average pools).
  bool supportsInt8(Operation *) const { return true; }
  bool isLegalOn(Operation *op, const rt::TargetDesc &target,
                 std::string &reason) const {
    auto in = cast<RankedTensorType>(op->getOperand(0).getType());
    if (!in.getElementType().isF32() && !isInt8Pool(op))
      reason = "only FP32 pooling, INT8 max pooling and unpadded INT8 "
               "average pooling are supported";
    else if (!poolParams(op))
      reason = "only 1-D and 2-D pooling without dilation is supported";
    else if (!poolRowFits(op, target))
      reason = "a pooling row does not fit the scratchpad";
    return reason.empty();
  }
  /// An average pooling whose windows count different numbers of inputs
  /// reads its reciprocal map (avgPoolReciprocals).
  LogicalResult
  getConstantTables(Operation *op, const rt::TargetDesc &,
                    SmallVectorImpl<ConstantTable> &tables) const {
    if (std::optional<ElementsAttr> map = avgPoolReciprocals(op))
      tables.push_back({"reciprocals", *map});
    return success();
  }
  DictionaryAttr chooseTiles(Operation *op, const rt::TargetDesc &target,
                             ArrayRef<Operation *>) const {
    std::optional<ConvGeometry> g = poolGeometry(op);
    if (!g)
      return nullptr;
    int64_t reserved = 0;
    if (std::optional<ElementsAttr> map = avgPoolReciprocals(op))
      reserved = alignUp(byteSize(map->getType()));
    auto [oh, c] =
        choosePoolTiles(target, *g, reserved, isInt8Pool(op) ? 1 : 4);
    Builder b(op->getContext());
    return oh ? tilesAttr(b, {{"oh", oh}, {"c", c}}) : nullptr;
  }
  LogicalResult emit(Operation *op, Codegen &codegen, int64_t layer) const {
    return codegen.emitPool(op, layer);
  }
};

} // namespace

void registerPoolingModels(MLIRContext *context) {
  MaxPoolOp::attachInterface<PoolModel<MaxPoolOp>>(*context);
  AvgPoolOp::attachInterface<PoolModel<AvgPoolOp>>(*context);
}

} // namespace npu::codegen
