//===- Convolution.cpp - convolutions on the MAC array -------------------===//
//
// A convolution is a sum over taps (ky, kx) of matrix products: for output
// pixel (oy, ox) and tap (ky, kx), the A row is the input's channel vector
// at (oy*sh + ky*dh, ox*sw + kx*dw) and W is the tap's [C][M] weight slice.
// With the input slab staged channels-innermost (NHWC) in the scratchpad,
// the A rows of one tap over an output tile are a 2-D strided walk, which is
// what MatmulDesc's (m_outer, m_inner) strides express, so one matmul
// instruction covers one tap of one tile with no im2col copy.
//
// This file holds the convolution's geometry, its epilogue and the MAC-array
// emitter; its tiles, buffer layouts and cost models are in
// ConvolutionTiling.cpp, the vector unit's depthwise emitter in
// DepthwiseConvolution.cpp.
//
//===----------------------------------------------------------------------===//

#include "npu/Conversion/NpuToNpuIsa/Codegen.h"
#include "npu/runtime/Timing.h"

#include "npu/Dialect/Npu/IR/QuantizedTables.h"

#include "mlir/IR/Matchers.h"

#include <array>
#include <cmath>

namespace npu::codegen {

DictionaryAttr tilesAttr(Builder &b, ConvTiles t) {
  return b.getDictionaryAttr(
      {b.getNamedAttr("oh", b.getI64IntegerAttr(t.oh)),
       b.getNamedAttr("ow", b.getI64IntegerAttr(t.ow)),
       b.getNamedAttr("m", b.getI64IntegerAttr(t.m)),
       b.getNamedAttr("c", b.getI64IntegerAttr(t.c)),
       b.getNamedAttr("order", b.getStringAttr(stringifyLoopOrder(t.order)))});
}

LogicalResult Codegen::emitWeightRearrangement(Operation *op, Value weight,
                                               ArrayRef<int64_t> shape,
                                               ArrayRef<int64_t> srcStrides,
                                               int64_t layer) {
  if (weight.getDefiningOp<ConstantOp>())
    return success(); // rearranged at compile time (planDram)
  return emitMove(op, shape, 4, buffers.lookup(root(weight)).offset, srcStrides,
                  convWeights.lookup(op).offset, denseStrides(shape), layer,
                  /*oneChunkBuffers=*/true);
}

bool convGeometry(ConvOp op, MacConv &g) {
  auto inT = op.getInput().getType(), outT = op.getType();
  auto wT = op.getWeight().getType();
  int64_t rank = inT.getRank(), n = rank - 2;
  if (rank < 3 || rank > 5)
    return false;
  // Spatial axis `axis` of (depth, height, width); missing ones are `unit`.
  auto spatial = [&](ArrayRef<int64_t> v, int64_t axis, int64_t unit) {
    int64_t i = axis - (3 - n);
    return i < 0 ? unit : v[i];
  };
  ArrayRef<int64_t> in = inT.getShape().drop_front(2);
  ArrayRef<int64_t> out = outT.getShape().drop_front(2);
  ArrayRef<int64_t> k = wT.getShape().drop_front(2);
  ArrayRef<int64_t> dil = op.getDilations(), st = op.getStrides();
  ArrayRef<int64_t> padsBegin = op.getPads().take_front(n);
  g.batch = inT.getDimSize(0);
  g.groups = op.getGroup();
  g.cin = inT.getDimSize(1) / g.groups;
  g.cout = outT.getDimSize(1) / g.groups;
  g.d = spatial(in, 0, 1);
  g.h = spatial(in, 1, 1);
  g.w = spatial(in, 2, 1);
  g.od = g.outD = spatial(out, 0, 1);
  g.oh = g.outH = spatial(out, 1, 1);
  g.ow = g.outW = spatial(out, 2, 1);
  int64_t kd = spatial(k, 0, 1), kh = spatial(k, 1, 1), kw = spatial(k, 2, 1);
  int64_t dd = spatial(dil, 0, 1), dh = spatial(dil, 1, 1);
  int64_t dw = spatial(dil, 2, 1);
  g.sd = spatial(st, 0, 1);
  g.sh = spatial(st, 1, 1);
  g.sw = spatial(st, 2, 1);
  g.originZ = -spatial(padsBegin, 0, 0);
  g.originY = -spatial(padsBegin, 1, 0);
  g.originX = -spatial(padsBegin, 2, 0);
  g.taps.clear();
  for (int64_t kz = 0; kz < kd; ++kz)
    for (int64_t ky = 0; ky < kh; ++ky)
      for (int64_t kx = 0; kx < kw; ++kx)
        g.taps.push_back({(kz * kh + ky) * kw + kx, ky * dh, kx * dw, kz * dd});
  g.spanZ = (kd - 1) * dd + 1;
  g.spanY = (kh - 1) * dh + 1;
  g.spanX = (kw - 1) * dw + 1;
  g.weightTaps = kd * kh * kw;
  g.outStepY = g.outStepX = 1;
  g.outOffY = g.outOffX = 0;
  bool int8 = hasQuantizedInput(op), int8Out = isInt8(op);
  g.sumsOut = int8 && cast<RankedTensorType>(op->getResult(0).getType())
                          .getElementType()
                          .isSignlessInteger(32);
  g.inBytes = int8 ? 1 : 4;
  g.outBytes = int8Out ? 1 : 4;
  // Readout rows per channel: {bias, multiplier, shift}, {scale, bias}, or
  // one INT32 row (npu::int8ReadoutTable); an FP32 bias.
  g.paramBytes = int8Out ? 12 : g.sumsOut ? 4 : int8 ? 8 : 4;
  return true;
}

bool isDepthwise(const MacConv &g) {
  return g.cin == 1 && g.cout == 1 && g.groups > 1 && g.d == 1 && g.spanZ == 1;
}

bool denseWindow(const MacConv &g) {
  return g.spanZ * g.spanY * g.spanX == int64_t(g.taps.size());
}

bool onVectorUnit(Operation *op, const MacConv &g) {
  return isDepthwise(g) && (!hasQuantizedInput(op) || denseWindow(g));
}

int64_t forMacArray(Operation *op, const rt::TargetDesc &t, MacConv &g) {
  if (!isDepthwise(g) || onVectorUnit(op, g))
    return 0;
  int64_t limit = std::min<int64_t>(t.arrayRows, t.arrayCols);
  int64_t block = 1;
  for (int64_t b = std::min(limit, g.groups); b > 1; --b)
    if (g.groups % b == 0) {
      block = b;
      break;
    }
  g.groups /= block;
  g.cin = g.cout = block;
  return block;
}

namespace {

/// How an epilogue operand that is not computed in the tile is read: per
/// channel (C values along `channelAxis`) or one scalar; nullopt for
/// anything else.
std::optional<bool> perChannelOperand(Value v, int64_t rank, int64_t channels,
                                      int64_t channelAxis) {
  auto type = cast<RankedTensorType>(v.getType());
  if (!type.getElementType().isF32() || type.getRank() > rank)
    return std::nullopt;
  bool perChannel = false;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    int64_t axis = rank - type.getRank() + i, size = type.getDimSize(i);
    if (size == 1)
      continue;
    if (axis != channelAxis || size != channels)
      return std::nullopt;
    perChannel = true;
  }
  return perChannel;
}

} // namespace

int64_t epilogueChannelAxis(Value result) {
  int64_t rank = cast<RankedTensorType>(result.getType()).getRank();
  return result.getDefiningOp<MatMulOp>() ? rank - 1 : 1;
}

std::optional<SmallVector<EpilogueOperand>>
epilogueOperands(Value convResult, ArrayRef<Operation *> rest) {
  auto type = cast<RankedTensorType>(convResult.getType());
  int64_t axis = epilogueChannelAxis(convResult);
  int64_t rank = type.getRank(), channels = type.getDimSize(axis);
  SmallVector<EpilogueOperand> operands;
  llvm::DenseSet<Value> seen = {convResult};
  int64_t offset = 0;
  bool residual = false;
  for (Operation *op : rest) {
    for (Value v : op->getOperands()) {
      if (!seen.insert(v).second)
        continue; // the tile, a value of the epilogue, or already laid out
      std::optional<bool> perChannel =
          perChannelOperand(v, rank, channels, axis);
      if (!perChannel && v.getType() == type && type.getElementType().isF32() &&
          !residual && !hasQuantizedInput(convResult.getDefiningOp())) {
        // A residual: loaded tile by tile (loadResidualTile).
        residual = true;
        operands.push_back({v, 0, 0, /*residual=*/true});
        continue;
      }
      if (!perChannel)
        return std::nullopt;
      int64_t count = *perChannel ? channels : 1;
      operands.push_back({v, offset, count});
      offset += alignUp(4 * count);
    }
    seen.insert(op->getResult(0));
  }
  return operands;
}

/// Where an epilogue's lookup table (an INT8 convolution's activation) sits
/// among its constants: after the operands (epilogueOperands' offsets).
static int64_t epilogueTableOffset(ArrayRef<EpilogueOperand> operands) {
  int64_t offset = 0;
  for (const EpilogueOperand &o : operands)
    offset += alignUp(4 * o.count);
  return offset;
}

/// The epilogue's lookup table op, if it has one.
static Operation *epilogueTableOp(ArrayRef<Operation *> rest) {
  auto it = llvm::find_if(rest, [](Operation *op) { return lutTable(op); });
  return it == rest.end() ? nullptr : *it;
}

bool epilogueResources(Value convResult, ArrayRef<Operation *> rest,
                       int64_t &tiles, int64_t &bytes, bool *residual) {
  tiles = rest.empty() ? 0 : int64_t(rest.size()) - 1;
  bytes = 0;
  auto operands = epilogueOperands(convResult, rest);
  if (!operands)
    return false;
  bytes = epilogueTableOffset(*operands);
  if (Operation *lut = epilogueTableOp(rest))
    bytes += alignUp(lutTable(lut)->getNumElements());
  if (residual)
    *residual = llvm::any_of(
        *operands, [](const EpilogueOperand &o) { return o.residual; });
  return true;
}

bool noteEpilogue(MacConv &g, Value convResult, ArrayRef<Operation *> rest) {
  g.quantizedOut = !rest.empty() && isa<QuantizeOp>(rest.back());
  if (rest.empty()) {
    g.epilogueTiles = g.epilogueBytes = 0;
    g.residual = false;
    return true;
  }
  return epilogueResources(convResult, rest, g.epilogueTiles, g.epilogueBytes,
                           &g.residual);
}

int64_t residualInputTile(const rt::TargetDesc &t, ConvOp conv,
                          ArrayRef<Operation *> epilogue) {
  std::optional<SmallVector<EpilogueOperand>> operands =
      epilogueOperands(conv.getResult(), epilogue);
  if (!operands)
    return 0;
  auto residual = llvm::find_if(
      *operands, [](const EpilogueOperand &o) { return o.residual; });
  if (residual == operands->end())
    return 0;
  // The epilogue's ops before the first that reads the residual.
  auto first = llvm::find_if(epilogue, [&](Operation *op) {
    return llvm::is_contained(op->getOperands(), residual->value);
  });
  MacConv g;
  if (!convGeometry(conv, g) ||
      !noteEpilogue(g, conv.getResult(),
                    epilogue.take_front(first - epilogue.begin())))
    return 0;
  forMacArray(conv, t, g);
  return chooseConvTiles(t, g).c;
}

Operation *Codegen::loadEpilogueOperands(Value convResult, int64_t consts,
                                         int64_t layer, Operation *last) {
  if (epilogue.empty())
    return last;
  SmallVector<EpilogueOperand> operands =
      *epilogueOperands(convResult, epilogue);
  for (const EpilogueOperand &o : operands)
    if (!o.residual)
      last = emitDma<npuisa::DmaLoadOp>(o.value.getLoc(), consts + o.offset,
                                        buffers.lookup(root(o.value)).offset, 4,
                                        {o.count, 1, 1, 1}, {4, 0, 0, 0},
                                        {4, 0, 0, 0}, layer);
  if (Operation *lut = epilogueTableOp(epilogue))
    last = emitDma<npuisa::DmaLoadOp>(
        lut->getLoc(), consts + epilogueTableOffset(operands),
        tableOf(lut, "lut").offset, 1,
        {lutTable(lut)->getNumElements(), 1, 1, 1}, {1, 0, 0, 0}, {1, 0, 0, 0},
        layer);
  return last;
}

Operation *Codegen::loadResidualTile(Location loc, int64_t sram,
                                     int64_t outOffset, ArrayRef<int64_t> sizes,
                                     ArrayRef<int64_t> dramStrides,
                                     ArrayRef<int64_t> sramStrides,
                                     int64_t layer) {
  if (epilogue.empty())
    return nullptr;
  SmallVector<EpilogueOperand> operands =
      *epilogueOperands(epilogueSource, epilogue);
  for (const EpilogueOperand &o : operands)
    if (o.residual)
      return emitDma<npuisa::DmaLoadOp>(
          loc, sram, buffers.lookup(root(o.value)).offset + 4 * outOffset, 4,
          sizes, dramStrides, sramStrides, layer);
  return nullptr;
}

void Codegen::emitEpilogue(int64_t addr, ArrayRef<int64_t> dims,
                           ArrayRef<int64_t> strides, int64_t channel0,
                           int64_t temps, int64_t tileBytes, int64_t consts,
                           int64_t layer, SmallVectorImpl<Operation *> &program,
                           int64_t quantDst, int64_t residual) {
  if (epilogue.empty())
    return;
  // Where each value is read: the tile and its temporaries with the tile's
  // strides, per-channel operands along the channel dim (from the tile's
  // first channel), scalars broadcast.
  struct Place {
    int64_t addr;
    SmallVector<int64_t> strides;
  };
  llvm::DenseMap<Value, Place> place;
  place[epilogueSource] = {addr, SmallVector<int64_t>(strides)};
  SmallVector<EpilogueOperand> operands =
      *epilogueOperands(epilogueSource, epilogue);
  for (const EpilogueOperand &o : operands) {
    if (o.residual) { // the tile's box: the tile's strides
      place[o.value] = {residual, SmallVector<int64_t>(strides)};
      continue;
    }
    bool perChannel = o.count > 1;
    place[o.value] = {consts + o.offset + (perChannel ? 4 * channel0 : 0),
                      {perChannel ? 1 : 0, 0, 0, 0}};
  }
  int64_t nextTemp = temps;
  auto placeOf = [&](Value v) { return place.lookup(v); };
  // A clamp read only by the final quantize is that quantize's saturation
  // (absorbedClamp): one FP32 pass fewer, the same codes.
  std::optional<std::pair<int64_t, int64_t>> absorbed;
  if (epilogue.size() >= 2)
    absorbed = absorbedClamp(epilogue[epilogue.size() - 2], epilogue.back());
  for (auto [k, op] : llvm::enumerate(epilogue)) {
    VecFunc fn = *vecFuncOf(op);
    Place s0 = placeOf(op->getOperand(0));
    bool last = k + 1 == epilogue.size();
    if (absorbed && k + 2 == epilogue.size()) {
      place[op->getResult(0)] = s0; // the quantize reads the clamp's input
      continue;
    }
    // A clamp (ReLU, Clip) of the value the last instruction wrote, when
    // that is an FP32 add, sub, mul or div (the readout's bias add, a
    // residual) or an unbounded affine_clamp: that instruction's bounds
    // (foldClampInto), one FP32 pass fewer, the same bits. Its result
    // stays where the instruction wrote it, the tile when it is the last.
    if (!program.empty() && program.back()->getNumResults() == 0 &&
        foldClampInto(op, program.back(), s0.addr)) {
      place[op->getResult(0)] = s0;
      if (last && s0.addr != addr)
        program.back()->setAttr("dst", b.getI64IntegerAttr(addr));
      continue;
    }
    if (absorbed && last) {
      fn.lo = float(absorbed->first);
      fn.hi = float(absorbed->second);
    }
    // A scalar multiply and the add reading it: one affine pass
    // (scalarAffine), emitted at the add on the multiply's input; with the
    // hard swish before them, one hard_swish_affine pass on the hard
    // swish's input (hardSwishAffine).
    if (k + 1 < epilogue.size() && scalarAffine(op, epilogue[k + 1]))
      continue;
    if (k + 2 < epilogue.size() &&
        hardSwishAffine(op, epilogue[k + 1], epilogue[k + 2]))
      continue;
    if (k > 0)
      if (std::optional<ScalarAffine> affine =
              k > 1 ? hardSwishAffine(epilogue[k - 2], epilogue[k - 1], op)
                    : std::nullopt;
          affine || (affine = scalarAffine(epilogue[k - 1], op))) {
        fn = affine->fn; // unary: the common path below emits it
        s0 = placeOf(affine->input);
      }
    if (fn.kind == VecFunc::Lut) {
      // An INT8 convolution's activation: its table on the tile's codes,
      // in place.
      place[op->getResult(0)] = {s0.addr, SmallVector<int64_t>(strides)};
      program.push_back(
          emitVecStep(op->getLoc(), fn, {s0.addr, s0.strides},
                      VecOperand{consts + epilogueTableOffset(operands), {}},
                      {s0.addr, strides}, dims, "i8", layer, "i8"));
      continue;
    }
    Place p1 = fn.binary ? placeOf(op->getOperand(1)) : Place{0, {}};
    std::optional<VecOperand> s1;
    if (fn.binary)
      s1 = VecOperand{p1.addr, p1.strides};
    bool quantize = fn.kind == VecFunc::Convert;
    int64_t dst = quantize ? quantDst : last ? addr : nextTemp;
    if (!last && !quantize)
      nextTemp += tileBytes;
    place[op->getResult(0)] = {dst, SmallVector<int64_t>(strides)};
    program.push_back(emitVecStep(
        op->getLoc(), fn, {s0.addr, s0.strides}, s1, {dst, strides}, dims,
        "f32", layer,
        quantize ? vecElementType(op->getResult(0).getType()) : "f32"));
  }
}

npuisa::DmaLoadOp Codegen::emitSlabLoad(Location loc, int64_t sram,
                                        int64_t inBase, const MacConv &g,
                                        int64_t channel, int64_t ct,
                                        int64_t iz0, int64_t iy0, int64_t ix0,
                                        int64_t ihs, int64_t iws, int64_t layer,
                                        int64_t eb, int64_t padValue) {
  // The slab's window of the input; what falls outside is padding.
  WindowClip z = clipWindow(iz0, g.spanZ, g.d);
  WindowClip y = clipWindow(iy0, ihs, g.h);
  WindowClip x = clipWindow(ix0, iws, g.w);
  int64_t inOffset =
      ((channel * g.d + std::clamp<int64_t>(iz0, 0, g.d - 1)) * g.h +
       std::clamp<int64_t>(iy0, 0, g.h - 1)) *
          g.w +
      std::clamp<int64_t>(ix0, 0, g.w - 1);
  // x innermost in DRAM (contiguous runs), scattered channels-innermost
  // into the scratchpad.
  auto slab = emitDma<npuisa::DmaLoadOp>(
      loc, sram, inBase + eb * inOffset, eb, {x.count, ct, y.count, z.count},
      {eb, eb * g.d * g.h * g.w, eb * g.w, eb * g.h * g.w},
      {eb * ct, eb, eb * iws * ct, eb * ihs * iws * ct}, layer);
  if (z.before || z.after || y.before || y.after || x.before || x.after) {
    slab.setPadBeforeAttr(
        b.getDenseI64ArrayAttr({x.before, 0, y.before, z.before}));
    slab.setPadAfterAttr(
        b.getDenseI64ArrayAttr({x.after, 0, y.after, z.after}));
    if (padValue)
      slab.setPadValueAttr(b.getI64IntegerAttr(padValue));
  }
  return slab;
}

Operation *Codegen::loadOnceOperands(Location loc, Value bias, int64_t biasBuf,
                                     int64_t channels, int64_t consts,
                                     int64_t layer, Operation *last) {
  if (bias)
    last = emitDma<npuisa::DmaLoadOp>(
        loc, biasBuf, buffers.lookup(root(bias)).offset, 4, {channels, 1, 1, 1},
        {4, 0, 0, 0}, {4, 0, 0, 0}, layer);
  return loadEpilogueOperands(epilogueSource, consts, layer, last);
}

int64_t zeroPointOf(Value v) {
  auto q = dyn_cast<quant::UniformQuantizedType>(
      cast<RankedTensorType>(v.getType()).getElementType());
  return q ? q.getZeroPoint() : 0;
}

bool isInt8(Operation *op) {
  return op->getNumResults() == 1 &&
         isa<quant::QuantizedType>(
             cast<RankedTensorType>(op->getResult(0).getType())
                 .getElementType());
}

FailureOr<std::optional<ElementsAttr>> requantParams(Operation *op) {
  // Every table is the quantized IR's (npu::int8ReadoutTable); a transposed
  // convolution's columns follow its lowering's layout.
  if (auto t = dyn_cast<ConvTransposeOp>(op))
    return transposedScales(t);
  return int8ReadoutTable(op);
}

bool allF32(Operation *op) {
  auto isF32 = [](Type t) {
    return cast<RankedTensorType>(t).getElementType().isF32();
  };
  return llvm::all_of(op->getOperandTypes(), isF32) &&
         isF32(op->getResult(0).getType());
}

LogicalResult Codegen::emitConv(ConvOp op, int64_t layer) {
  auto outT = op.getType();
  bool int8 = hasQuantizedInput(op);
  if (!int8 && !allF32(op))
    return op.emitError("backend: only FP32 and INT8 convolutions are "
                        "supported");
  MacConv g;
  if (!convGeometry(op, g))
    return op.emitError("backend: only 1-D, 2-D and 3-D convolutions are "
                        "supported");
  if (outT.getNumElements() == 0)
    return success();
  int64_t taps = g.weightTaps;
  if (!noteEpilogue(g, op.getResult(), epilogue))
    return op.emitError("backend: a fused epilogue reads an unsupported "
                        "operand");
  if (int8 && !op.getWeight().getDefiningOp<ConstantOp>())
    return op.emitError("backend: INT8 convolutions run "
                        "with constant weights");
  if (onVectorUnit(op, g)) {
    // [C][1][taps] -> [taps][C].
    if (failed(emitWeightRearrangement(op, op.getWeight(), {taps, g.groups},
                                       {1, taps}, layer)))
      return failure();
    return emitDepthwiseConv(op, g, layer);
  }
  // Remainder channels two output rows at a time (PhasePack.cpp): its
  // weights are constants, rearranged by the DRAM planner.
  if (const PhasePack *packed = phasePackOf(op)) {
    if (failed(emitPhasePackedConv(op, *packed, layer)))
      return failure();
    // Array work, left out of the model's MACs by the reports.
    if (int64_t padding = phasePackPaddingMacs(*packed))
      currentLayer.setPaddingMacsAttr(b.getI64IntegerAttr(padding));
    return success();
  }
  // [M][C/g][taps] -> [g][taps][C/g][M/g] (an INT8 depthwise convolution's
  // block-diagonal weights: expanded by the DRAM planner).
  forMacArray(op, target, g);
  if (failed(emitWeightRearrangement(
          op, op.getWeight(), {g.groups, taps, g.cin, g.cout},
          {g.cout * g.cin * taps, 1, taps, g.cin * taps}, layer)))
    return failure();
  return emitMacConv(op, ArrayRef(g), convWeights.lookup(op).offset,
                     op.getBias(), layer);
}

bool sharedSlabs(ArrayRef<MacConv> passes) {
  const MacConv &a = passes.front();
  return passes.size() > 1 && llvm::all_of(passes, [&](const MacConv &p) {
           return std::tie(p.batch, p.groups, p.cin, p.cout, p.h, p.w, p.d,
                           p.oh, p.ow, p.od, p.sh, p.sw, p.sd, p.originY,
                           p.originX, p.originZ, p.spanY, p.spanX, p.spanZ,
                           p.weightTaps, p.outH, p.outW, p.outD, p.outStepY,
                           p.outStepX, p.inBytes, p.outBytes, p.paramBytes,
                           p.epilogueTiles, p.epilogueBytes, p.quantizedOut,
                           p.residual) ==
                  std::tie(a.batch, a.groups, a.cin, a.cout, a.h, a.w, a.d,
                           a.oh, a.ow, a.od, a.sh, a.sw, a.sd, a.originY,
                           a.originX, a.originZ, a.spanY, a.spanX, a.spanZ,
                           a.weightTaps, a.outH, a.outW, a.outD, a.outStepY,
                           a.outStepX, a.inBytes, a.outBytes, a.paramBytes,
                           a.epilogueTiles, a.epilogueBytes, a.quantizedOut,
                           a.residual);
         });
}

FailureOr<ConvTiles> Codegen::macConvTiles(Operation *op, const MacConv &g,
                                           bool followRecorded) {
  // A residual epilogue keeps the convolution's input-channel tile.
  // A pass of a phase-packed convolution may keep the plain one's.
  auto asConv = dyn_cast<ConvOp>(op);
  // Pruned weights are priced as issued (a phase-packed pass is dense).
  std::optional<WeightBlocks> blocks;
  if (asConv && !g.outChannels && !g.presetTiles.m)
    blocks = convWeightBlocks(asConv, g, target);
  ConvTiles t = g.presetTiles.m
                    ? g.presetTiles
                    : chooseConvTiles(
                          target, g,
                          g.inputTile ? g.inputTile
                          : asConv ? residualInputTile(target, asConv, epilogue)
                                   : 0,
                          nullptr, nullptr, nullptr,
                          blocks ? blocks->forTiling() : nullptr);
  if (auto rec = asConv && followRecorded
                     ? recordedTiles(op, {"oh", "ow", "m", "c"})
                     : std::nullopt) {
    t = {(*rec)[0], (*rec)[1], (*rec)[2], (*rec)[3], recordedOrder(op)};
    // A copy per chunk of the stationary operand when that fits (as the
    // tile chooser decides), else two.
    t.resident =
        packedBytes(macConvLayout(g, t)) <= int64_t(target.scratchpadBytes);
    if (t.oh * t.ow * t.m > int64_t(target.accumulatorBytes / 4) ||
        packedBytes(macConvLayout(g, t)) > int64_t(target.scratchpadBytes))
      return op->emitError("backend: the recorded convolution tiles do not "
                           "fit the accumulator and scratchpad");
  }
  if (t.m == 0)
    return op->emitError("backend: no convolution tiling fits the target");
  return t;
}

namespace {

/// One output tile of a MAC-array convolution pass, in the order
/// emitMacConv issues them (macConvTileOrder).
struct MacTile {
  int64_t batch, grp, m0, mt, oz, oy0, oht, ox0, owt;
  int64_t pass = 0;
  int64_t ihs = 0; // the slab's rows
};

/// The tiles of `passes` (their first pass's geometry `g`, tiles `t`) in
/// loop order (ConvTiles::order): output-channel tiles outermost (weights
/// stay) or innermost (the input slab stays), every pass of a tile
/// innermost; for a phase-packed convolution (`share`: passes A and B),
/// pass B's tiles of a spatial tile after pass A's, on the slab both read.
SmallVector<MacTile> macConvTileOrder(ArrayRef<MacConv> passes,
                                      const MacConv &g, const ConvTiles &t,
                                      const RowPhaseShare *share) {
  bool rows = share != nullptr;
  int64_t nPasses = int64_t(passes.size());
  SmallVector<MacTile> tiles;
  SmallVector<int64_t> channelTiles, spatialTiles;
  for (int64_t m0 = 0; m0 < g.cout; m0 += t.m)
    channelTiles.push_back(m0);
  for (int64_t oz = 0; oz < g.od; ++oz)
    for (int64_t oy0 = 0; oy0 < g.oh; oy0 += t.oh)
      for (int64_t ox0 = 0; ox0 < g.ow; ox0 += t.ow)
        spatialTiles.push_back((oz * g.oh + oy0) * g.ow + ox0);
  bool weightsStay = t.order == LoopOrder::weight_stationary;
  if (rows) {
    // Pass A's tiles of spatial tile (oy0, ox0), channel tiles from m0s
    // below m0e, then (withB) pass B's of the grid rows [oy0 / 2, ...), on
    // the slab of the rows both read (pass B's last one, of odd rows, reads
    // one more). Input-stationary: every channel tile per slab;
    // weight-stationary: pass B's after pass A's last channel tile's.
    const MacConv &pa = passes[0], &pb = passes[1];
    const ConvTiles &tb = share->b;
    auto spatialTile = [&](int64_t bi, int64_t oy0, int64_t ox0, int64_t m0s,
                           int64_t m0e, bool withB) {
      int64_t oht = std::min(t.oh, pa.oh - oy0);
      int64_t owt = std::min(t.ow, pa.ow - ox0);
      int64_t q0 = oy0 / 2, qt = std::min(tb.oh, pb.oh - q0);
      int64_t ihs = std::max(inputExtent(oht, pa.sh, pa.spanY),
                             inputExtent(qt, pb.sh, pb.spanY));
      for (int64_t m0 = m0s; m0 < m0e; m0 += t.m)
        tiles.push_back({bi, 0, m0, std::min(t.m, pa.cout - m0), 0, oy0, oht,
                         ox0, owt, 0, ihs});
      if (withB)
        for (int64_t m0 = 0; m0 < pb.cout; m0 += tb.m)
          tiles.push_back({bi, 0, m0, std::min(tb.m, pb.cout - m0), 0, q0, qt,
                           ox0, owt, 1, ihs});
    };
    int64_t lastM = (ceilDiv(pa.cout, t.m) - 1) * t.m;
    for (int64_t bi = 0; bi < g.batch; ++bi) {
      if (weightsStay)
        for (int64_t m0 = 0; m0 < pa.cout; m0 += t.m)
          for (int64_t oy0 = 0; oy0 < pa.oh; oy0 += t.oh)
            for (int64_t ox0 = 0; ox0 < pa.ow; ox0 += t.ow)
              spatialTile(bi, oy0, ox0, m0, m0 + 1, m0 == lastM);
      else
        for (int64_t oy0 = 0; oy0 < pa.oh; oy0 += t.oh)
          for (int64_t ox0 = 0; ox0 < pa.ow; ox0 += t.ow)
            spatialTile(bi, oy0, ox0, 0, pa.cout, true);
    }
  }
  for (int64_t bi = 0; bi < (rows ? 0 : g.batch); ++bi)
    for (int64_t grp = 0; grp < g.groups; ++grp)
      for (int64_t outer : weightsStay ? channelTiles : spatialTiles)
        for (int64_t inner : weightsStay ? spatialTiles : channelTiles) {
          int64_t m0 = weightsStay ? outer : inner;
          int64_t at = weightsStay ? inner : outer;
          int64_t oz = at / (g.oh * g.ow), oy0 = at / g.ow % g.oh;
          int64_t ox0 = at % g.ow;
          int64_t oht = std::min(t.oh, g.oh - oy0);
          for (int64_t pass = 0; pass < nPasses; ++pass)
            tiles.push_back({bi, grp, m0, std::min(t.m, g.cout - m0), oz, oy0,
                             oht, ox0, std::min(t.ow, g.ow - ox0), pass,
                             inputExtent(oht, g.sh, g.spanY)});
        }
  return tiles;
}

/// The steps `tiles` take: per tile, the input-channel chunks it issues
/// (with `plan`, those with a weight step that is not empty; -1 alone for
/// a tile whose weights are all zero, its clearing step), their number,
/// and the MAC blocks (`blocks`' R x C weight tiles) the plan skips.
struct MacConvSteps {
  SmallVector<SmallVector<int64_t>> chunks;
  int64_t total = 0, skipped = 0;
};
MacConvSteps macConvSteps(ArrayRef<MacTile> tiles, ArrayRef<MacConv> passes,
                          const MacConv &g, const ConvTiles &t,
                          const SparseWeightPlan *plan,
                          const WeightBlocks *blocks) {
  // (The plan's K steps are the tiles' input-channel chunks, its N tiles
  // their output-channel tiles, its taps the weight taps.)
  auto stepOf = [&](const MacTile &tile, int64_t ci, int64_t tap) {
    return plan ? plan->step(tile.grp, tile.m0 / t.m, ci, tap) : SparseStep();
  };
  MacConvSteps steps;
  int64_t cSteps = ceilDiv(g.cin, t.c);
  for (const MacTile &tile : tiles) {
    SmallVector<int64_t> &chunks = steps.chunks.emplace_back();
    for (int64_t ci = 0; ci < cSteps; ++ci) {
      if (llvm::any_of(passes[tile.pass].taps, [&](const MacTap &tap) {
            return stepOf(tile, ci, tap.weightTap).kind != SparseStep::Empty;
          }))
        chunks.push_back(ci);
      if (!plan)
        continue;
      int64_t ct = std::min(t.c, g.cin - ci * t.c);
      for (const MacTap &tap : passes[tile.pass].taps) {
        SparseStep st = stepOf(tile, ci, tap.weightTap);
        steps.skipped += ceilDiv(ct, blocks->R) * ceilDiv(tile.mt, blocks->C) -
                         (st.kind == SparseStep::Empty ? 0 : st.blocks);
      }
    }
    if (chunks.empty())
      chunks.push_back(-1);
    steps.total += int64_t(chunks.size());
  }
  return steps;
}

} // namespace

LogicalResult Codegen::emitMacConv(Operation *op, ArrayRef<MacConv> passes,
                                   int64_t wBase, Value bias, int64_t layer,
                                   bool followRecorded, int64_t rowPhaseWeights,
                                   const RowPhaseShare *rowShare) {
  // What the passes share (sharedSlabs); the INT8 parameter rows of every
  // pass are kept at once. A phase-packed convolution's passes A and B
  // (`rows`, rowPhaseShare) share the slabs only: their own geometry,
  // weights, parameters and tiles (pass B's: share->b) per tile.
  bool rows = rowPhaseWeights >= 0;
  MacConv g = passes.front();
  int64_t nPasses = int64_t(passes.size());
  if (g.inBytes == 1 && !rows)
    g.paramBytes *= nPasses;
  if (g.oh <= 0 || g.ow <= 0)
    return success();
  FailureOr<ConvTiles> chosen = macConvTiles(op, g, followRecorded);
  if (failed(chosen))
    return failure();
  ConvTiles t = *chosen;
  std::optional<RowPhaseShare> share;
  if (rows) {
    if (nPasses != 2 || !rowShare)
      return op->emitError("backend: the phase-packed passes' tiles do not "
                           "share their input slabs");
    share = *rowShare;
  }
  noteTiles(tilesAttr(b, t));
  int64_t taps = g.weightTaps;
  // INT8 (the quantized phase): one-byte activations and weights, the INT32
  // accumulator requantized per channel {bias, multiplier, shift} to INT8,
  // or (an FP32 result, for FP32 readers) converted and scaled per channel
  // {scale, bias}.
  bool int8 = g.inBytes == 1, int8Out = g.outBytes == 1;
  int64_t eb = g.inBytes, outEb = g.outBytes;
  int64_t inZp = zeroPointOf(op->getOperand(0));
  int64_t outZp = zeroPointOf(op->getResult(0));
  int64_t inBase = buffers.lookup(root(op->getOperand(0))).offset;
  int64_t outBase = buffers.lookup(storedResult(op)).offset;
  int64_t storeH = storedRows(storedResult(op), g.outH);
  // Scratchpad (macConvLayout): two slabs, two weight tiles, two output
  // tiles, all biases, the epilogue's; an epilogue ending in a quantize
  // leaves INT8 tiles in `quantized`, stored instead.
  beginScratchpadPass(/*newPass=*/true);
  SmallVector<SpBuffer, 8> sb =
      scratchpad(rows ? share->layout : macConvLayout(g, t));
  auto outBuf = [&](int64_t j) { return sb[2].at(j); };
  int64_t biasBuf = sb[3].offset, tempsBuf = sb[4].offset;
  int64_t constsBuf = sb[5].offset;
  int64_t tempBytes = sb[4].stride; // one epilogue temporary
  auto quantBuf = [&](int64_t j) { return sb[6].at(j); };
  auto residualBuf = [&](int64_t j) { return sb[7].at(j); };
  int64_t storeEb = g.quantizedOut ? 1 : outEb;

  SmallVector<MacTile> tiles =
      macConvTileOrder(passes, g, t, rows ? &*share : nullptr);
  int64_t inC = g.groups * g.cin, outC = g.groups * g.cout;
  // The output's channels per image, the per-channel parameters' channels
  // and the weight rows' columns (a phase-packed pass writes and reads
  // part of them: MacConv::outChannels).
  int64_t outChannels = g.outChannels ? g.outChannels : outC;
  int64_t paramC = g.groups * (g.paramChannels ? g.paramChannels : g.cout);
  int64_t wCols = g.weightCols ? g.weightCols : g.cout;
  // Pruning-aware (a convolution with constant weights that have all-zero
  // weight tiles, docs/codegen.md "Sparse weights"): per tile, chunk and
  // tap, how its weights are issued. Empty taps have no matmul, chunks
  // whose taps are all empty no slab or weight load; a tile with no weight
  // at all clears the accumulator with one empty-mask matmul.
  std::optional<SparseWeightPlan> plan;
  std::optional<WeightBlocks> blocks;
  // (A phase-packed convolution's passes are dense: phasePackConv.)
  if (auto conv = dyn_cast<ConvOp>(op); conv && !g.outChannels)
    if ((blocks = convWeightBlocks(conv, g, target, /*compressible=*/true))) {
      plan = planSparseConv(conv, *blocks, g, t);
      // Zero tiles issued dense (or none: scattered zeros not worth an
      // element image) and stored dense: exactly the dense code.
      if ((!blocks->skip || !blocks->zeroBlock) && !plan->compressed) {
        plan.reset();
        blocks.reset();
      }
      if (plan && !plan->table.empty() &&
          !hasTable(op, "sparse_w", plan->tableAttr(op->getContext()))) {
        // Without the table the DRAM plan placed for these tiles, the
        // dense weights are used, unless the plan stored none (it chose
        // the compressed form for other tiles).
        if (plan->compressed && sparseConvCompressed(cast<ConvOp>(op), target))
          return op->emitError("backend: the compressed weights' table was "
                               "planned for other tiles");
        plan.reset();
      }
    }
  bool compressed = plan && plan->compressed;
  auto stepOf = [&](const MacTile &tile, int64_t ci, int64_t tap) {
    return plan ? plan->step(tile.grp, tile.m0 / t.m, ci, tap) : SparseStep();
  };
  auto chunkOf = [&](const MacTile &tile, int64_t ci) {
    return plan->chunk(tile.grp, tile.m0 / t.m, ci);
  };
  MacConvSteps steps =
      macConvSteps(tiles, passes, g, t, plan ? &*plan : nullptr,
                   blocks ? &*blocks : nullptr);
  SmallVector<SmallVector<int64_t>> &chunks = steps.chunks;
  int64_t J = int64_t(tiles.size()), total = steps.total;
  int64_t skipped = steps.skipped;
  // A step's slab and weight buffers are free after its last tap (the
  // bias and epilogue operands have buffers of their own), except when a
  // residual tile's buffer is still to be read: the residual of tile j + 2
  // goes into tile j's residual buffer with tile j + 2's last step, so when
  // that step is two after tile j's last (tiles j + 1 and j + 2 of one step
  // each), tile j's last step frees its buffers after its epilogue.
  auto freedAfterEpilogue = [&](int64_t j) {
    return g.residual && j + 2 < J && chunks[j + 1].size() == 1 &&
           chunks[j + 2].size() == 1;
  };
  if (plan)
    noteWeightBlocks(*blocks, skipped);

  auto i64 = [&](int64_t v) { return b.getI64IntegerAttr(v); };
  Location loc = op->getLoc();
  // A compressed weight image expanded into the dense tile's place.
  // (A raw one, every block present, is stored as the tile is laid out.)
  // (`elements`: an element image, dma_expand_elem.)
  auto expand = [&](int64_t sram, int64_t offset, int64_t bytes, bool raw,
                    bool elements, ArrayRef<int64_t> sizes,
                    ArrayRef<int64_t> sramStrides) -> Operation * {
    int64_t dram = tableOf(op, "sparse_w").offset + offset;
    if (raw)
      return emitDma<npuisa::DmaLoadOp>(loc, sram, dram, eb, sizes, sramStrides,
                                        sramStrides, layer);
    Operation *load;
    if (elements)
      load = emitDma<npuisa::DmaExpandElemOp>(loc, sram, dram, eb, sizes,
                                              {0, 0, 0, 0}, sramStrides, layer);
    else
      load = emitDma<npuisa::DmaExpandOp>(loc, sram, dram, eb, sizes,
                                          {0, 0, 0, 0}, sramStrides, layer);
    load->setAttr("bytes", b.getI64IntegerAttr(bytes));
    return load;
  };
  int64_t s = 0; // global step index
  // The chunks the copies of the slab and weight buffers hold.
  ChunkCopies<std::array<int64_t, 6>> slabCopies(sb[0].copies);
  ChunkCopies<std::array<int64_t, 4>> weightCopies(sb[1].copies);
  for (int64_t j = 0; j < J; ++j) {
    const MacTile &tile = tiles[j];
    // The tile pass's geometry, where the passes differ (`rows`).
    const MacConv &gq = rows ? passes[tile.pass] : g;
    int64_t qOutChannels =
        rows && gq.outChannels ? gq.outChannels : outChannels;
    int64_t qParamC =
        rows ? gq.groups * (gq.paramChannels ? gq.paramChannels : gq.cout)
             : paramC;
    int64_t qWCols = rows && gq.weightCols ? gq.weightCols
                     : rows                ? gq.cout
                                           : wCols;
    int64_t qTaps = rows ? gq.weightTaps : taps;
    int64_t qWBase = rows && tile.pass ? rowPhaseWeights : wBase;
    int64_t ihs = tile.ihs;
    int64_t iws = inputExtent(tile.owt, g.sw, g.spanX);
    // The tile's box in the output: [pixel][m] <-> NCHW, x innermost in
    // DRAM (the store's, and a residual's load).
    // This tile's pass: its taps, output phase and parameter rows.
    const MacConv &gp = passes[tile.pass];
    int64_t oy = tile.oy0 * gq.outStepY + gp.outOffY;
    int64_t ox = tile.ox0 * g.outStepX + gp.outOffX;
    int64_t passParams = rows ? (tile.pass ? share->paramsB : 0)
                              : gp.tableOffset - passes.front().tableOffset;
    // Element offset of the tile's box in an output of `height` rows: the
    // output's own (a residual's load), or the tensor it is stored in (a
    // cascade's band: storedRows).
    auto offsetIn = [&](int64_t height) {
      return (((tile.batch * qOutChannels + gq.outChannel0 +
                tile.grp * gq.cout + tile.m0) *
                   g.outD +
               tile.oz) *
                  height +
              oy) *
                 g.outW +
             ox;
    };
    int64_t outOffset = offsetIn(g.outH), storeOffset = offsetIn(storeH);
    SmallVector<int64_t> outSizes = {tile.owt, tile.mt, tile.oht, 1};
    auto outDramStrides = [&](int64_t eb, int64_t height) {
      return SmallVector<int64_t>{eb * g.outStepX,
                                  eb * g.outD * height * g.outW,
                                  eb * gq.outStepY * g.outW, 0};
    };
    auto outSramStrides = [&](int64_t eb) {
      return SmallVector<int64_t>{eb * tile.mt, eb, eb * tile.owt * tile.mt, 0};
    };
    for (auto [chunkIndex, ci] : llvm::enumerate(chunks[j])) {
      bool clear = ci < 0;
      int64_t c0 = clear ? 0 : ci * t.c, ct = std::min(t.c, g.cin - c0);
      // The step's slab and weight chunks: from the copies that hold them,
      // else loaded (ChunkCopies). The handshake counts one load set per
      // step: when both are held, a `sync` on the load queue carries its
      // tokens instead (convTraffic counts no load).
      // (The slab by its first input row: pass B's tiles read pass A's.)
      std::array<int64_t, 6> slabKey = {tile.batch, tile.grp,         c0,
                                        tile.oz,    tile.oy0 * gq.sh, tile.ox0};
      std::array<int64_t, 4> weightKey = {rows ? tile.pass : 0, tile.grp,
                                          tile.m0, c0};
      bool slabHeld = false, weightsHeld = false;
      int64_t slabBuf, wBuf;
      if (clear) {
        slabBuf = sb[0].at(slabCopies.scratch(s, /*overwritten=*/false));
        wBuf = sb[1].at(weightCopies.scratch(s, /*overwritten=*/true));
      } else {
        auto [slabCopy, slabLoad] = slabCopies.acquire(slabKey, s);
        auto [weightCopy, weightLoad] = weightCopies.acquire(weightKey, s);
        slabHeld = !slabLoad;
        weightsHeld = !weightLoad;
        slabBuf = sb[0].at(slabCopy);
        wBuf = sb[1].at(weightCopy);
      }
      Operation *firstLoad = nullptr, *lastLoad = nullptr;
      auto loaded = [&](Operation *load) {
        if (!firstLoad)
          firstLoad = load;
        lastLoad = load;
      };
      if (clear) {
        // The all-zero mask at the start of the sparse_w table.
        loaded(emitDma<npuisa::DmaLoadOp>(loc, wBuf,
                                          tableOf(op, "sparse_w").offset, 4,
                                          {plan->zeroMaskBytes / 4, 1, 1, 1},
                                          {4, 0, 0, 0}, {4, 0, 0, 0}, layer));
      } else {
        if (!slabHeld)
          loaded(emitSlabLoad(
              loc, slabBuf, inBase, g, tile.batch * inC + tile.grp * g.cin + c0,
              ct, tile.oz * g.sd + g.originZ, tile.oy0 * gq.sh + g.originY,
              tile.ox0 * g.sw + g.originX, ihs, iws, layer, eb, uint8_t(inZp)));
        // Weights [tap][c][m] of this tile from [grp][tap][cin][cout]: one
        // DMA when every tap is dense, else per tap (dense, its sparse
        // image at the same place, or nothing).
        int64_t wOffset = (tile.grp * qTaps * g.cin + c0) * qWCols + tile.m0;
        bool allDense = llvm::all_of(gp.taps, [&](const MacTap &tap) {
          return stepOf(tile, ci, tap.weightTap).kind == SparseStep::Dense;
        });
        // Compressed: the same boxes, each expanded from its image.
        SparseChunk chunk = compressed ? chunkOf(tile, ci) : SparseChunk();
        if (weightsHeld) {
          if (slabHeld) {
            auto sync = npuisa::SyncOp::create(
                b, loc, TypeRange{}, ValueRange{},
                {b.getNamedAttr("queue", b.getStringAttr("load"))});
            sync.setLayerAttr(b.getI64IntegerAttr(layer));
            loaded(sync);
          }
        } else if (allDense && chunk.expandOffset >= 0) {
          loaded(expand(wBuf, chunk.expandOffset, chunk.expandBytes,
                        chunk.expandRaw, chunk.expandElements,
                        {tile.mt, ct, taps, 1},
                        {eb, eb * tile.mt, eb * ct * tile.mt, 0}));
        } else if (allDense && !compressed) {
          loaded(emitDma<npuisa::DmaLoadOp>(
              loc, wBuf, qWBase + eb * wOffset, eb, {tile.mt, ct, qTaps, 1},
              {eb, eb * qWCols, eb * g.cin * qWCols, 0},
              {eb, eb * tile.mt, eb * ct * tile.mt, 0}, layer));
        } else {
          for (const MacTap &tap : gp.taps) {
            SparseStep st = stepOf(tile, ci, tap.weightTap);
            int64_t sram = wBuf + eb * tap.weightTap * ct * tile.mt;
            if (st.kind == SparseStep::Dense && compressed) {
              if (st.expandOffset < 0)
                return op->emitError("backend: a compressed weight step "
                                     "has no image");
              loaded(expand(sram, st.expandOffset, st.expandBytes, st.expandRaw,
                            st.expandElements, {tile.mt, ct, 1, 1},
                            {eb, eb * tile.mt, 0, 0}));
            } else if (st.kind == SparseStep::Dense)
              loaded(emitDma<npuisa::DmaLoadOp>(
                  loc, sram,
                  qWBase + eb * (wOffset + tap.weightTap * g.cin * qWCols), eb,
                  {tile.mt, ct, 1, 1}, {eb, eb * qWCols, 0, 0},
                  {eb, eb * tile.mt, 0, 0}, layer));
            else if (st.kind == SparseStep::Sparse)
              loaded(emitDma<npuisa::DmaLoadOp>(
                  loc, sram, tableOf(op, "sparse_w").offset + st.imageOffset, 4,
                  {st.imageBytes / 4, 1, 1, 1}, {4, 0, 0, 0}, {4, 0, 0, 0},
                  layer));
          }
        }
      }
      if (!firstLoad)
        return op->emitError("backend: a convolution step loads nothing");
      if (firstLoadWaits(s))
        firstLoad->setAttr("pop_next", b.getUnitAttr());
      if (s == 0 && rows) {
        // Pass A's parameters, then pass B's (from share->paramsB).
        const MacConv &pa = passes[0], &pb = passes[1];
        int64_t paramCB = pb.paramChannels ? pb.paramChannels : pb.cout;
        if (int8) {
          emitDma<npuisa::DmaLoadOp>(
              loc, biasBuf, tableOf(op, pa.paramTable).offset + pa.tableOffset,
              4, {pa.paramBytes / 4 * paramC, 1, 1, 1}, {4, 0, 0, 0},
              {4, 0, 0, 0}, layer);
          lastLoad = emitDma<npuisa::DmaLoadOp>(
              loc, biasBuf + share->paramsB,
              tableOf(op, pb.paramTable).offset + pb.tableOffset, 4,
              {pb.paramBytes / 4 * paramCB, 1, 1, 1}, {4, 0, 0, 0},
              {4, 0, 0, 0}, layer);
          lastLoad = loadOnceOperands(loc, Value(), biasBuf, paramC, constsBuf,
                                      layer, lastLoad);
        } else {
          lastLoad = loadOnceOperands(loc, bias, biasBuf, paramC, constsBuf,
                                      layer, lastLoad);
          if (bias) {
            // Every phase's column takes its channel's bias: [ry][m][rx].
            int64_t M = pb.phaseChannels, sx = pb.outStepX;
            lastLoad = emitDma<npuisa::DmaLoadOp>(
                loc, biasBuf + share->paramsB,
                buffers.lookup(root(bias)).offset + 4 * pb.outChannel0, 4,
                {sx, M, pb.outStepY, 1}, {0, 4, 0, 0},
                {4, 4 * sx, 4 * sx * M, 0}, layer);
          }
        }
      } else if (s == 0 && int8) {
        lastLoad = emitDma<npuisa::DmaLoadOp>(
            loc, biasBuf, tableOf(op, g.paramTable).offset + g.tableOffset, 4,
            {g.paramBytes / 4 * paramC * nPasses, 1, 1, 1}, {4, 0, 0, 0},
            {4, 0, 0, 0}, layer);
        lastLoad = loadOnceOperands(loc, Value(), biasBuf, paramC, constsBuf,
                                    layer, lastLoad);
      } else if (s == 0 && g.phaseChannels && bias) {
        // Every phase's column takes its channel's bias: [ry][m][rx].
        int64_t M = g.phaseChannels, sx = g.outStepX;
        lastLoad = emitDma<npuisa::DmaLoadOp>(
            loc, biasBuf, buffers.lookup(root(bias)).offset + 4 * g.outChannel0,
            4, {sx, M, g.outStepY, 1}, {0, 4, 0, 0}, {4, 4 * sx, 4 * sx * M, 0},
            layer);
        lastLoad = loadOnceOperands(loc, Value(), biasBuf, paramC, constsBuf,
                                    layer, lastLoad);
      } else if (s == 0) {
        lastLoad = loadOnceOperands(loc, bias, biasBuf, paramC, constsBuf,
                                    layer, lastLoad);
      }
      bool lastChunk = int64_t(chunkIndex) + 1 == int64_t(chunks[j].size());
      // A residual's box, with the tile's last step: its buffer j % 2 is
      // free once step s - 2 (tile j - 2's last, or later) is.
      if (lastChunk)
        if (Operation *residual = loadResidualTile(
                loc, residualBuf(j), outOffset, outSizes,
                outDramStrides(4, g.outH), outSramStrides(4), layer))
          lastLoad = residual;
      lastLoad->setAttr("push_next", b.getUnitAttr());
      // One matmul per tap (with weights); the clearing step has one, over
      // the empty mask.
      SmallVector<const MacTap *> issued;
      for (const MacTap &tap : gp.taps)
        if (clear ? issued.empty()
                  : stepOf(tile, ci, tap.weightTap).kind != SparseStep::Empty)
          issued.push_back(&tap);
      // Taps packed along the contraction (packTaps): one matmul per run.
      SmallVector<std::pair<const MacTap *, int64_t>> runs =
          plan ? SmallVector<std::pair<const MacTap *, int64_t>>(
                     llvm::map_range(issued,
                                     [](const MacTap *tap) {
                                       return std::pair{tap, int64_t(1)};
                                     }))
               : packTaps(issued, ct, target.arrayRows);
      for (auto [ti, run] : llvm::enumerate(runs)) {
        const MacTap &tap = *run.first;
        bool sparse =
            clear || stepOf(tile, ci, tap.weightTap).kind == SparseStep::Sparse;
        int64_t a =
            slabBuf + eb * ct * ((tap.dz * ihs + tap.dy) * iws + tap.dx);
        auto mm = npuisa::MatmulOp::create(
            b, loc, TypeRange{}, ValueRange{},
            {b.getNamedAttr("a", i64(a)),
             b.getNamedAttr("w", i64(wBuf + eb * tap.weightTap * ct * tile.mt)),
             b.getNamedAttr("acc", i64(0)),
             b.getNamedAttr("m_outer", i64(tile.oht)),
             b.getNamedAttr("m_inner", i64(tile.owt)),
             b.getNamedAttr("k", i64(run.second * ct)),
             b.getNamedAttr("n", i64(tile.mt)),
             b.getNamedAttr("a_stride_outer", i64(eb * gq.sh * iws * ct)),
             b.getNamedAttr("a_stride_inner", i64(eb * g.sw * ct)),
             b.getNamedAttr("w_row_stride", i64(eb * tile.mt)),
             b.getNamedAttr("acc_row_stride", i64(tile.mt))});
        bool lastTap = ti + 1 == runs.size();
        mm.setFp32(!int8);
        mm.setAccumulate(chunkIndex > 0 || ti > 0);
        mm.setSparse(sparse);
        mm.setPopPrev(ti == 0);
        mm.setPushPrev(lastTap && s + 2 < total &&
                       !(lastChunk && freedAfterEpilogue(j)));
        mm.setLayerAttr(i64(layer));
      }
      ++s;
    }
    // Accumulator (+ bias) -> output buffer j % 2, [pixel][m].
    int64_t pixels = tile.oht * tile.owt;
    SmallVector<int64_t> dims = {tile.mt, pixels, 1, 1},
                         st = {1, tile.mt, 0, 0};
    int64_t channel = tile.grp * gq.cout + tile.m0;
    SmallVector<Operation *> program;
    if (int8 && g.sumsOut) {
      // Accumulator + the folded INT32 row: the exact sums.
      program.push_back(emitSumsReadout(
          loc, outBuf(j), dims, st, biasBuf + passParams + 4 * channel, layer));
    } else if (int8 && !int8Out) {
      // Accumulator -> FP32, then x scale[c] + bias[c].
      program = emitScaledReadout(
          loc, outBuf(j), dims, st, biasBuf + passParams + 4 * channel,
          biasBuf + passParams + 4 * (qParamC + channel), layer);
    } else if (int8) {
      // Accumulator -> INT8 (the ReLU absorbed by npu-quantize is the
      // requantization's saturation).
      program.push_back(emitRequantReadout(
          loc, outBuf(j), dims, st, biasBuf + passParams + 12 * channel,
          vecElementType(op->getResult(0).getType()), outZp, layer));
    } else {
      SmallVector<NamedAttribute> attrs = {
          b.getNamedAttr("src0", i64(0)),
          b.getNamedAttr("dst", i64(outBuf(j)))};
      Operation *out;
      if (bias) {
        attrs.push_back(b.getNamedAttr("func", b.getStringAttr("add")));
        attrs.push_back(b.getNamedAttr(
            "src1", i64(biasBuf + (rows ? passParams : 0) + 4 * channel)));
        auto add = npuisa::VecBinaryOp::create(b, loc, TypeRange{},
                                               ValueRange{}, attrs);
        add.setSrc1Strides(SmallVector<int64_t>{1, 0, 0, 0});
        add.setSrc1Type(StringRef("f32"));
        out = add;
      } else {
        attrs.push_back(b.getNamedAttr("func", b.getStringAttr("copy")));
        attrs.push_back(b.getNamedAttr("src1", i64(0)));
        out = npuisa::VecUnaryOp::create(b, loc, TypeRange{}, ValueRange{},
                                         attrs);
      }
      out->setAttr("dims", b.getDenseI64ArrayAttr(dims));
      out->setAttr("src0_strides", b.getDenseI64ArrayAttr(st));
      out->setAttr("dst_strides", b.getDenseI64ArrayAttr(st));
      out->setAttr("src0_type", b.getStringAttr("f32"));
      out->setAttr("dst_type", b.getStringAttr("f32"));
      out->setAttr("src0_space", b.getStringAttr("acc"));
      out->setAttr("layer", i64(layer));
      program.push_back(out);
    }
    emitEpilogue(outBuf(j), dims, st, tile.grp * gq.cout + tile.m0, tempsBuf,
                 tempBytes, constsBuf, layer, program, quantBuf(j),
                 residualBuf(j));
    if (j >= 2) // store j-2 freed the buffer
      program.front()->setAttr("pop_next", b.getUnitAttr());
    program.back()->setAttr("push_next", b.getUnitAttr());
    if (s + 1 < total && freedAfterEpilogue(j)) // s: one past its last step
      program.back()->setAttr("push_prev", b.getUnitAttr());
    // [pixel][m] -> NCHW: x innermost in DRAM.
    int64_t storeBuf = g.quantizedOut ? quantBuf(j) : outBuf(j);
    if (gq.phaseChannels) {
      // The first store waits for the tile, the last frees its buffer
      // (markTileStore's tokens, over the tile's stores).
      SmallVector<Operation *> stores =
          storePhases(loc, gq, tile.batch, tile.m0, tile.mt, tile.oy0, tile.oht,
                      tile.ox0, tile.owt, storeBuf, outBase, storeEb, layer);
      cast<npuisa::DmaStoreOp>(stores.front()).setPopPrev(true);
      cast<npuisa::DmaStoreOp>(stores.back())
          .setPushPrev(j + 2 < J || j == J - 1);
      continue;
    }
    auto store = emitDma<npuisa::DmaStoreOp>(
        loc, storeBuf, outBase + storeEb * storeOffset, storeEb, outSizes,
        outDramStrides(storeEb, storeH), outSramStrides(storeEb), layer);
    markTileStore(store, j, J);
  }
  emitOpBarrier(loc);
  return success();
}

LogicalResult requantTable(Operation *op,
                           SmallVectorImpl<ConstantTable> &tables) {
  FailureOr<std::optional<ElementsAttr>> table = requantParams(op);
  if (failed(table))
    return failure();
  if (*table)
    tables.push_back({"requant", **table});
  return success();
}

bool hasChannels(Operation *op, std::string &reason) {
  auto dim = [](Value v, unsigned d) {
    auto type = cast<RankedTensorType>(v.getType());
    return type.getRank() > d ? type.getDimSize(d) : 1;
  };
  if (dim(op->getOperand(0), 1) == 0 || dim(op->getResult(0), 1) == 0 ||
      dim(op->getOperand(1), 0) == 0 || dim(op->getOperand(1), 1) == 0) {
    reason = "a convolution with zero input or output channels is not "
             "supported";
    return false;
  }
  return true;
}

namespace {

/// Convolutions: on the MAC array (INT8 depthwise ones with block-diagonal
/// weights), or (FP32 depthwise) on the vector unit; the tiles
/// {oh, ow, m, c} (MAC) or {oh, ow, c} (vector) from the cost models above,
/// the epilogue's scratchpad reserved.
struct ConvModel : BackendOpInterface::ExternalModel<ConvModel, ConvOp> {
  bool isLegalOn(Operation *op, const rt::TargetDesc &,
                 std::string &reason) const {
    if (!hasChannels(op, reason))
      return false;
    auto conv = cast<ConvOp>(op);
    if (conv.getType().getElementType().isSignlessInteger(32) &&
        (!hasQuantizedInput(conv) || !supportsInt8(op) ||
         !conv.getWeight().getDefiningOp<ConstantOp>())) {
      reason = "an INT32 convolution result is an INT8 convolution's exact "
               "sums, with constant weights";
      return false;
    }
    return true;
  }
  LogicalResult
  getConstantTables(Operation *op, const rt::TargetDesc &target,
                    SmallVectorImpl<ConstantTable> &tables) const {
    if (failed(requantTable(op, tables)))
      return failure();
    // Block-sparse images of the weight tiles with zero blocks.
    if (ElementsAttr sparse = sparseConvTable(cast<ConvOp>(op), target))
      tables.push_back({"sparse_w", sparse});
    return success();
  }
  ExecutionUnit getExecutionUnit(Operation *op) const {
    MacConv g;
    return convGeometry(cast<ConvOp>(op), g) && onVectorUnit(op, g)
               ? ExecutionUnit::vector
               : ExecutionUnit::mac;
  }
  bool supportsInt8(Operation *op) const {
    MacConv g;
    return convGeometry(cast<ConvOp>(op), g) &&
           (!isDepthwise(g) || denseWindow(g) ||
            g.groups % kMinDepthwiseBlock == 0);
  }
  DictionaryAttr chooseTiles(Operation *op, const rt::TargetDesc &target,
                             ArrayRef<Operation *> epilogue) const {
    auto conv = cast<ConvOp>(op);
    MacConv g;
    std::string reason;
    if (!hasChannels(op, reason) || !convGeometry(conv, g) ||
        !noteEpilogue(g, conv.getResult(), epilogue))
      return nullptr;
    Builder b(op->getContext());
    if (onVectorUnit(op, g)) {
      ConvTiles t = chooseDepthwiseTiles(target, g);
      return t.c ? tilesAttr(b, {{"oh", t.oh}, {"ow", t.ow}, {"c", t.c}})
                 : nullptr;
    }
    forMacArray(op, target, g);
    // A phase-packed convolution records its first pass's tiles.
    if (std::optional<PhasePack> p = phasePackConv(conv, target, epilogue)) {
      const MacConv &first = p->c0 ? p->a : p->b;
      ConvTiles t = first.presetTiles.m
                        ? first.presetTiles
                        : chooseConvTiles(target, first, first.inputTile);
      return t.m ? tilesAttr(b, t) : nullptr;
    }
    std::optional<WeightBlocks> blocks = convWeightBlocks(conv, g, target);
    ConvTiles t = chooseConvTiles(
        target, g, residualInputTile(target, conv, epilogue), nullptr, nullptr,
        nullptr, blocks ? blocks->forTiling() : nullptr);
    return t.m ? tilesAttr(b, t) : nullptr;
  }
  LogicalResult emit(Operation *op, Codegen &codegen, int64_t layer) const {
    return codegen.emitConv(cast<ConvOp>(op), layer);
  }
};

} // namespace

void registerConvolutionModels(MLIRContext *context) {
  ConvOp::attachInterface<ConvModel>(*context);
  registerTransposedConvolutionModels(context);
}

} // namespace npu::codegen
