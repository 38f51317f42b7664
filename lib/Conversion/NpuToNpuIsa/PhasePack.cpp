//===- PhasePack.cpp - remainder channels as row phases ------------------===//
//
// A convolution whose output channels leave a remainder r = cout % C of at
// most C / 2 on the MAC array's C columns runs its last column tile with
// r of C columns busy. Instead, those channels compute two output rows at
// once: pass B, a convolution with stride 2 and kernel height kh + 1 along
// Y whose 2r columns are (ry, m), channel c0 + m at output row 2q + ry
// (the phases-as-channels layout of a kernel-equals-stride transposed
// convolution, MacConv::phaseChannels, stored by Codegen::storePhases).
// For a 3x3 kernel the remainder then costs (4/3) / 2 = 2/3 of its column
// tile. docs/codegen.md, "Remainder channels as row phases".
//
//===----------------------------------------------------------------------===//

#include "npu/Conversion/NpuToNpuIsa/Codegen.h"

#include "npu/Dialect/Npu/IR/QuantizedTables.h"

namespace npu::codegen {

std::optional<PhasePack> phasePackConv(ConvOp op, const rt::TargetDesc &t,
                                       ArrayRef<Operation *> epilogue) {
  auto inT = op.getInput().getType();
  auto wT = op.getWeight().getType();
  // Off when the module says `npu.phase_pack = false` (npu-compile
  // --phase-pack-remainder=false, npu-convert-to-isa
  // phase-pack-remainder=false).
  if (!moduleFlagOn(op, "npu.phase_pack") || inT.getRank() != 4 ||
      wT.getRank() != 4 || op.getGroup() != 1 ||
      !op.getWeight().getDefiningOp<ConstantOp>())
    return std::nullopt;
  bool int8 = hasQuantizedInput(op);
  if (!int8 && !allF32(op))
    return std::nullopt;
  MacConv g;
  if (!convGeometry(op, g) || g.groups != 1 || g.batch <= 0 || g.oh < 2 ||
      g.ow <= 0 || g.cin <= 0 || onVectorUnit(op, g) || isDepthwise(g))
    return std::nullopt;
  // Stride and dilation 1 along Y: output rows 2q and 2q + 1 read input
  // rows one apart, so one window of kh + 1 rows covers both.
  int64_t C = t.arrayCols, r = g.cout % C;
  if (r == 0 || 2 * r > C || g.sh != 1 || op.getDilations()[0] != 1)
    return std::nullopt;
  // Pass B's columns are not channels: no per-channel epilogue operand,
  // no residual (whose box is the plain store's).
  if (!noteEpilogue(g, op.getResult(), epilogue) || g.residual)
    return std::nullopt;
  std::optional<SmallVector<EpilogueOperand>> operands =
      epilogueOperands(op.getResult(), epilogue);
  if (!operands || llvm::any_of(*operands, [](const EpilogueOperand &o) {
        return o.residual || o.count != 1;
      }))
    return std::nullopt;
  // Pruning-aware tiling (zero weight tiles skipped, compressed weights)
  // keeps the plain convolution.
  if (convWeightBlocks(op, g, t, /*compressible=*/true))
    return std::nullopt;
  PhasePack p;
  ConvTiles plain = chooseConvTiles(t, g, 0, &p.plainCycles);
  if (plain.m == 0)
    return std::nullopt;
  // FP32 sums add the same products in the same order with the plain
  // convolution's input-channel tile (the zero taps add exact zeros).
  int64_t onlyC = int8 ? 0 : plain.c;
  p.c0 = g.cout - r;
  p.r = r;
  int64_t kh = wT.getDimSize(2), kw = wT.getDimSize(3);
  int64_t dw = op.getDilations()[1];
  // Each pass's tiles alone and the DRAM bytes they read; their cycles
  // add to the packed estimate.
  ConvTiles soloA, soloB;
  double aBytes = 0, bBytes = 0;
  auto priceAlone = [&](const MacConv &pass, double &bytes) {
    double cycles = 0;
    ConvTiles tiles = chooseConvTiles(t, pass, onlyC, &cycles, nullptr, &bytes);
    p.packedCycles += cycles;
    return tiles;
  };
  if (p.c0 > 0) {
    MacConv &a = p.a;
    a = g;
    a.cout = p.c0;
    a.outChannels = a.weightCols = a.paramChannels = g.cout;
    a.inputTile = onlyC;
    if ((soloA = priceAlone(a, aBytes)).m == 0)
      return std::nullopt;
  }
  MacConv &b = p.b;
  b = g;
  b.cout = 2 * r;
  b.phaseChannels = r;
  b.oh = ceilDiv(g.oh, 2);
  b.sh = 2;
  b.taps.clear();
  for (int64_t ky = 0; ky <= kh; ++ky)
    for (int64_t kx = 0; kx < kw; ++kx)
      b.taps.push_back({ky * kw + kx, ky, kx * dw});
  b.spanY = kh + 1;
  b.weightTaps = (kh + 1) * kw;
  b.outStepY = 2;
  b.outStepX = 1;
  b.outChannels = g.cout;
  b.outChannel0 = p.c0;
  b.paramTable = "phase_requant";
  b.tableOffset = 0;
  b.inputTile = onlyC;
  if ((soloB = priceAlone(b, bBytes)).m == 0 || p.packedCycles >= p.plainCycles)
    return std::nullopt;
  // One tile loop for both passes, each slab loaded once, when the model
  // says it reads fewer DRAM bytes than the two loops' chosen tiles and is
  // as fast (within kCycleSlackForBytes, the tile chooser's allowance for
  // fewer bytes).
  if (p.c0 > 0) {
    double shared = 0, sharedBytes = 0;
    ConvTiles ta = chooseRowPhaseTiles(t, p.a, b, onlyC,
                                       rowPhaseBudget(p.a, soloA, b, soloB),
                                       &shared, &sharedBytes);
    if (ta.m && shared <= p.packedCycles * (1 + kCycleSlackForBytes) &&
        sharedBytes < aBytes + bBytes) {
      p.a.presetTiles = ta;
      p.sharedSlabs = true;
    }
  }
  // (Weights the planner cannot read, such as an unloaded blob, keep the
  // plain convolution.)
  if (!phasePackWeights(op, p))
    return std::nullopt;
  return p;
}

int64_t phasePackPaddingMacs(const PhasePack &p) {
  const MacConv &b = p.b;
  int64_t kh = b.spanY - 1, kw = b.weightTaps / b.spanY;
  int64_t executed = b.batch * b.oh * b.ow * b.weightTaps * b.cin * b.cout;
  int64_t useful = b.batch * b.outH * b.ow * kh * kw * b.cin * b.phaseChannels;
  return std::max<int64_t>(executed - useful, 0);
}

ElementsAttr phasePackWeights(ConvOp op, const PhasePack &p) {
  auto c = op.getWeight().getDefiningOp<ConstantOp>();
  auto wT = op.getWeight().getType();
  int64_t Cin = wT.getDimSize(1);
  int64_t kh = wT.getDimSize(2), kw = wT.getDimSize(3), r = p.r;
  // W_B[ky'][kx][c][ry * r + m] = W[c0 + m][c][ky' - ry][kx] (0 outside
  // the kernel): src[i], the ONNX-ordered element at position i (-1: 0).
  SmallVector<int64_t> shape = {kh + 1, kw, Cin, 2 * r};
  SmallVector<int64_t> src;
  src.reserve(size_t((kh + 1) * kw * Cin * 2 * r));
  for (int64_t ky = 0; ky <= kh; ++ky)
    for (int64_t kx = 0; kx < kw; ++kx)
      for (int64_t ci = 0; ci < Cin; ++ci)
        for (int64_t ry = 0; ry < 2; ++ry)
          for (int64_t m = 0; m < r; ++m) {
            int64_t y = ky - ry;
            src.push_back(y < 0 || y >= kh
                              ? -1
                              : (((p.c0 + m) * Cin + ci) * kh + y) * kw + kx);
          }
  if (isa<quant::QuantizedType>(wT.getElementType())) {
    auto dense = dyn_cast<DenseElementsAttr>(c.getValue());
    if (!dense || !dense.getElementType().isSignlessInteger(8))
      return {};
    auto values = llvm::to_vector(dense.getValues<int8_t>());
    SmallVector<int8_t> out;
    for (int64_t from : src)
      out.push_back(from < 0 ? 0 : values[from]);
    return DenseElementsAttr::get(
        RankedTensorType::get(shape, dense.getElementType()), ArrayRef(out));
  }
  SmallVector<float> w;
  if (!readFloatConstant(c.getValue(), w))
    return {};
  SmallVector<float> out;
  for (int64_t from : src)
    out.push_back(from < 0 ? 0.0f : w[from]);
  // Inline (not a named blob): every phase that plans the op makes the same
  // attribute, so a module lowered again prints the same program.
  return DenseElementsAttr::get(
      RankedTensorType::get(shape, wT.getElementType()), ArrayRef(out));
}

FailureOr<ElementsAttr> phasePackReadout(ConvOp op, const PhasePack &p) {
  FailureOr<std::optional<ElementsAttr>> rows = int8ReadoutTable(op);
  if (failed(rows))
    return failure();
  if (!*rows)
    return ElementsAttr();
  auto dense = cast<DenseElementsAttr>(**rows);
  auto type = cast<RankedTensorType>(dense.getType());
  // Column j = ry * r + m takes channel c0 + m's rows, in the table's
  // layout: [M] i32, [2][M] f32 or [M][3] i32 (npu::int8ReadoutTable).
  int64_t cols = 2 * p.r;
  auto channel = [&](int64_t j) { return p.c0 + j % p.r; };
  if (type.getElementType().isF32()) {
    auto v = llvm::to_vector(dense.getValues<float>());
    int64_t M = type.getDimSize(1);
    SmallVector<float> out;
    for (int64_t row = 0; row < 2; ++row)
      for (int64_t j = 0; j < cols; ++j)
        out.push_back(v[row * M + channel(j)]);
    return ElementsAttr(DenseElementsAttr::get(
        RankedTensorType::get({2, cols}, type.getElementType()),
        ArrayRef(out)));
  }
  auto v = llvm::to_vector(dense.getValues<int32_t>());
  int64_t per = type.getRank() == 2 ? type.getDimSize(1) : 1;
  SmallVector<int32_t> out;
  for (int64_t j = 0; j < cols; ++j)
    for (int64_t k = 0; k < per; ++k)
      out.push_back(v[channel(j) * per + k]);
  SmallVector<int64_t> shape = {cols};
  if (type.getRank() == 2)
    shape.push_back(per);
  return ElementsAttr(DenseElementsAttr::get(
      RankedTensorType::get(shape, type.getElementType()), ArrayRef(out)));
}

const PhasePack *Codegen::phasePackOf(ConvOp op) {
  auto [it, inserted] = phasePacks.try_emplace(op.getOperation());
  if (inserted)
    it->second = phasePackConv(op, fullTarget, epilogueOf(op));
  return it->second ? &*it->second : nullptr;
}

ArrayRef<Operation *> Codegen::epilogueOf(Operation *op) {
  auto g = groupOf.find(op);
  if (g == groupOf.end() || fusionGroups[g->second].front() != op)
    return {};
  return ArrayRef(fusionGroups[g->second]).drop_front();
}

LogicalResult Codegen::emitPhasePackedConv(ConvOp op, const PhasePack &p,
                                           int64_t layer) {
  Buffer weights = tableOf(op, "phase_w");
  if (weights.offset < 0 ||
      (p.b.inBytes == 1 && tableOf(op, "phase_requant").offset < 0))
    return op.emitError("backend: the DRAM plan has no phase-packed "
                        "weights for this convolution");
  // Both passes in one tile loop when pass A's tiles let pass B read its
  // slabs (rowPhaseShare): the input is read once.
  if (p.c0 > 0 && p.sharedSlabs) {
    FailureOr<ConvTiles> ta = macConvTiles(op, p.a, /*followRecorded=*/true);
    if (failed(ta))
      return failure();
    if (std::optional<RowPhaseShare> share = rowPhaseShare(
            target, p.a, p.b, *ta, rowPhaseBudget(target, p.a, p.b))) {
      MacConv passes[] = {p.a, p.b};
      if (failed(emitMacConv(op, passes, convWeights.lookup(op).offset,
                             op.getBias(), layer, /*followRecorded=*/true,
                             weights.offset, &*share)))
        return failure();
      SmallVector<NamedAttribute> tiles(currentLayer.getTilesAttr().getValue());
      for (NamedAttribute a : tilesAttr(b, share->b))
        tiles.push_back(b.getNamedAttr(("phase_" + a.getName().strref()).str(),
                                       a.getValue()));
      currentLayer.setTilesAttr(b.getDictionaryAttr(tiles));
      return success();
    }
  }
  DictionaryAttr first;
  if (p.c0 > 0) {
    if (failed(emitMacConv(op, ArrayRef(p.a), convWeights.lookup(op).offset,
                           op.getBias(), layer)))
      return failure();
    first = currentLayer.getTilesAttr();
  }
  // Pass B follows the recorded tiles only when it is the only pass.
  if (failed(emitMacConv(op, ArrayRef(p.b), weights.offset, op.getBias(), layer,
                         /*followRecorded=*/p.c0 == 0)))
    return failure();
  if (first) {
    SmallVector<NamedAttribute> tiles(first.getValue());
    for (NamedAttribute a : currentLayer.getTilesAttr())
      tiles.push_back(b.getNamedAttr(("phase_" + a.getName().strref()).str(),
                                     a.getValue()));
    currentLayer.setTilesAttr(b.getDictionaryAttr(tiles));
  }
  return success();
}

} // namespace npu::codegen
