//===- TransposedConvolution.cpp - transposed convolutions on the MAC array
//===//
//
// The sub-pixel decomposition: output phase o = q*s + r of a transposed
// convolution receives tap k when r + p - k*d is a multiple of s, reading
// input q + (r + p - k*d)/s, so each phase is a stride-1 MacConv pass with
// its own tap offsets, stored with output stride s (emitMacConv takes
// arbitrary tap offsets). A kernel equal to the stride, without padding,
// makes the phases columns of one 1x1 matmul instead (phasesAsChannels).
// Their INT8 FP32-result tables, their epilogues (unary activations and a
// final quantize, Fusion.cpp) and their backend model live here too.
// docs/codegen.md "Convolutions".
//
//===----------------------------------------------------------------------===//

#include "npu/Conversion/NpuToNpuIsa/Codegen.h"

#include "npu/Dialect/Npu/Utils/QuantParams.h"

#include "mlir/IR/Matchers.h"

namespace npu::codegen {

FailureOr<std::optional<ElementsAttr>> transposedScales(ConvTransposeOp op) {
  auto in = dyn_cast<quant::UniformQuantizedType>(
      op.getInput().getType().getElementType());
  auto w = dyn_cast<quant::UniformQuantizedPerAxisType>(
      op.getWeight().getType().getElementType());
  auto wConst = op.getWeight().getDefiningOp<ConstantOp>();
  auto wValues =
      wConst ? dyn_cast<DenseElementsAttr>(wConst.getValue()) : nullptr;
  SmallVector<float> bias;
  Attribute bAttr;
  if (!in || !w || w.getQuantizedDimension() != 1 || op.getGroup() != 1 ||
      !wValues || !op.getType().getElementType().isF32() ||
      (op.getBias() && (!matchPattern(op.getBias(), m_Constant(&bAttr)) ||
                        !readFloatConstant(bAttr, bias))))
    return op.emitError("backend: an INT8 transposed convolution needs a "
                        "per-tensor INT8 input, constant per-output-channel "
                        "INT8 weights (one group), a constant FP32 bias and "
                        "an FP32 result");
  FailureOr<SmallVector<MacConv, 4>> passes = transposedConvPasses(op);
  if (failed(passes))
    return failure();
  int64_t C = op.getWeight().getType().getDimSize(0);
  int64_t M = op.getWeight().getType().getDimSize(1);
  int64_t taps = passes->front().weightTaps;
  auto q = llvm::to_vector(wValues.getValues<int8_t>());
  SmallVector<float> table;
  for (const MacConv &g : *passes) {
    SmallVector<float> scales(M), biases(M);
    for (int64_t m = 0; m < M; ++m) {
      int64_t sum = 0;
      for (int64_t c = 0; c < C; ++c)
        for (const MacTap &tap : g.taps)
          sum += q[(c * M + m) * taps + tap.weightTap];
      double scale = in.getScale() * w.getScales()[m];
      scales[m] = float(scale);
      biases[m] = float((bias.empty() ? 0.0 : double(bias[m])) -
                        scale * in.getZeroPoint() * double(sum));
    }
    table.append(scales.begin(), scales.end());
    table.append(biases.begin(), biases.end());
  }
  auto type = RankedTensorType::get({int64_t(passes->size()) * 2, M},
                                    Float32Type::get(op.getContext()));
  if (phasesAsChannels(op)) {
    // One [2][phases x M] table, columns (ry, m, rx) as the weights' (pass
    // p = ry * sx + rx, of tap p, holds rows 2p and 2p + 1 above).
    int64_t phases = int64_t(passes->size());
    int64_t sx = op.getStrides().back(), sy = phases / sx;
    SmallVector<float> merged;
    for (int64_t row = 0; row < 2; ++row)
      for (int64_t ry = 0; ry < sy; ++ry)
        for (int64_t m = 0; m < M; ++m)
          for (int64_t rx = 0; rx < sx; ++rx)
            merged.push_back(table[(2 * (ry * sx + rx) + row) * M + m]);
    table = std::move(merged);
    type = RankedTensorType::get({2, phases * M},
                                 Float32Type::get(op.getContext()));
  }
  return std::optional<ElementsAttr>(
      DenseElementsAttr::get(type, ArrayRef(table)));
}

FailureOr<SmallVector<MacConv, 4>> transposedConvPasses(ConvTransposeOp op) {
  auto inT = op.getInput().getType(), outT = op.getType();
  auto wT = op.getWeight().getType();
  int64_t rank = inT.getRank();
  if (rank != 3 && rank != 4)
    return op.emitError("backend: only 1-D and 2-D transposed convolutions "
                        "are supported");
  bool oneD = rank == 3;
  int64_t n = rank - 2;
  ArrayRef<int64_t> strides = op.getStrides(), dil = op.getDilations(),
                    pads = op.getPads();
  int64_t groups = op.getGroup();
  int64_t cin = inT.getDimSize(1) / groups, cout = outT.getDimSize(1) / groups;
  int64_t kh = oneD ? 1 : wT.getDimSize(2), kw = wT.getShape().back();
  int64_t taps = kh * kw;
  bool int8 = hasInt8Input(op);
  // out[o] = sum over (i, k) with o = i*s + k*d - p. For the output phase
  // o = q*s + r, tap k contributes when (r + p - k*d) is a multiple of s,
  // reading input i = q + (r + p - k*d) / s: a stride-1 pass per phase.
  struct Axis {
    int64_t in, out, k, s, d, p;
  };
  Axis ay{oneD ? 1 : inT.getDimSize(2),
          oneD ? 1 : outT.getDimSize(2),
          kh,
          oneD ? 1 : strides[0],
          oneD ? 1 : dil[0],
          oneD ? 0 : pads[0]};
  Axis ax{inT.getShape().back(),
          outT.getShape().back(),
          kw,
          strides.back(),
          dil.back(),
          pads[n - 1]};
  auto phaseTaps = [](const Axis &a, int64_t r) {
    SmallVector<std::pair<int64_t, int64_t>> t; // (k, input offset)
    for (int64_t k = 0; k < a.k; ++k) {
      int64_t v = r + a.p - k * a.d;
      if (((v % a.s) + a.s) % a.s == 0)
        t.push_back({k, v / a.s});
    }
    return t;
  };
  SmallVector<MacConv, 4> passes;
  for (int64_t ry = 0; ry < std::min(ay.s, ay.out); ++ry)
    for (int64_t rx = 0; rx < std::min(ax.s, ax.out); ++rx) {
      auto ty = phaseTaps(ay, ry), tx = phaseTaps(ax, rx);
      if (ty.empty() || tx.empty())
        return op.emitError("backend: a transposed convolution with output "
                            "positions no tap reaches (stride above the "
                            "dilated kernel) is not supported");
      MacConv g;
      g.batch = inT.getDimSize(0);
      g.groups = groups;
      g.cin = cin;
      g.cout = cout;
      g.h = ay.in;
      g.w = ax.in;
      g.oh = ceilDiv(ay.out - ry, ay.s);
      g.ow = ceilDiv(ax.out - rx, ax.s);
      g.sh = g.sw = 1;
      int64_t minY = INT64_MAX, maxY = INT64_MIN, minX = INT64_MAX,
              maxX = INT64_MIN;
      for (auto [k, off] : ty) {
        minY = std::min(minY, off);
        maxY = std::max(maxY, off);
      }
      for (auto [k, off] : tx) {
        minX = std::min(minX, off);
        maxX = std::max(maxX, off);
      }
      g.originY = minY;
      g.originX = minX;
      for (auto [kyy, offY] : ty)
        for (auto [kxx, offX] : tx)
          g.taps.push_back({kyy * kw + kxx, offY - minY, offX - minX});
      g.spanY = maxY - minY + 1;
      g.spanX = maxX - minX + 1;
      g.weightTaps = taps;
      g.outH = ay.out;
      g.outW = ax.out;
      g.outStepY = ay.s;
      g.outStepX = ax.s;
      g.outOffY = ry;
      g.outOffX = rx;
      // INT8: each pass has its own {scale, bias} rows (its taps' weight
      // sums differ), at tableOffset in the op's table.
      g.inBytes = int8 ? 1 : 4;
      g.paramBytes = int8 ? 8 : 4;
      g.tableOffset = int64_t(passes.size()) * 8 * groups * cout;
      passes.push_back(std::move(g));
    }
  return passes;
}

bool phasesAsChannels(ConvTransposeOp op) {
  auto inT = op.getInput().getType(), outT = op.getType();
  auto wT = op.getWeight().getType();
  int64_t rank = inT.getRank(), n = rank - 2;
  if ((rank != 3 && rank != 4) || op.getGroup() != 1 || wT.getRank() != rank ||
      !inT.hasStaticShape() || !outT.hasStaticShape())
    return false;
  int64_t taps = 1;
  for (int64_t i = 0; i < n; ++i) {
    int64_t k = wT.getDimSize(2 + i), s = op.getStrides()[i];
    if (k != s || op.getDilations()[i] != 1 || op.getPads()[i] != 0 ||
        op.getPads()[n + i] != 0 || op.getOutputPadding()[i] != 0 ||
        outT.getDimSize(2 + i) != inT.getDimSize(2 + i) * s)
      return false;
    taps *= k;
  }
  return taps > 1;
}

LogicalResult Codegen::emitConvTranspose(ConvTransposeOp op, int64_t layer) {
  auto inT = op.getInput().getType(), outT = op.getType();
  auto wT = op.getWeight().getType();
  bool int8 = hasInt8Input(op);
  if (!int8 && !allF32(op))
    return op.emitError("backend: only FP32 and INT8 transposed convolutions "
                        "are supported");
  if (int8 && !op.getWeight().getDefiningOp<ConstantOp>())
    return op.emitError("backend: INT8 transposed convolutions take constant "
                        "weights");
  FailureOr<SmallVector<MacConv, 4>> passes = transposedConvPasses(op);
  if (failed(passes))
    return failure();
  if (outT.getNumElements() == 0)
    return success();
  // A fused epilogue (unary activations, a final quantize: Fusion.cpp).
  for (MacConv &g : *passes)
    if (!noteEpilogue(g, op.getResult(), epilogue) || g.residual)
      return op.emitError("backend: a transposed convolution's epilogue "
                          "reads an unsupported operand");
  int64_t groups = op.getGroup();
  int64_t cin = inT.getDimSize(1) / groups, cout = outT.getDimSize(1) / groups;
  int64_t taps = passes->front().weightTaps;
  int64_t kw = wT.getShape().back(), kh = taps / kw;
  // [C][M/g][KH][KW] -> [g][KH][KW][C/g][M/g].
  if (!phasesAsChannels(op) &&
      failed(emitWeightRearrangement(
          op, op.getWeight(), {groups, kh, kw, cin, cout},
          {cin * cout * taps, kw, 1, cout * taps, taps}, layer)))
    return failure();
  if (phasesAsChannels(op)) {
    // One 1x1 pass over the input; its columns are (ry, channel, rx).
    // [C][M][KH][KW] -> [C][KH][M][KW].
    if (failed(emitWeightRearrangement(op, op.getWeight(), {cin, kh, cout, kw},
                                       {cout * taps, kw, taps, 1}, layer)))
      return failure();
    MacConv g = passes->front();
    g.cout = taps * cout;
    g.phaseChannels = cout;
    g.oh = g.h;
    g.ow = g.w;
    g.originY = g.originX = 0;
    g.taps = {MacTap{0, 0, 0}};
    g.spanY = g.spanX = 1;
    g.weightTaps = 1;
    g.outOffY = g.outOffX = 0;
    g.tableOffset = 0;
    return emitMacConv(op, ArrayRef(g), convWeights.lookup(op).offset,
                       op.getBias(), layer);
  }
  int64_t wBase = convWeights.lookup(op).offset;
  if (sharedSlabs(*passes))
    return emitMacConv(op, *passes, wBase, op.getBias(), layer);
  for (const MacConv &g : *passes)
    if (failed(emitMacConv(op, ArrayRef(g), wBase, op.getBias(), layer)))
      return failure();
  return success();
}

SmallVector<Operation *>
Codegen::storePhases(Location loc, const MacConv &g, int64_t batch, int64_t m0,
                     int64_t mt, int64_t oy0, int64_t oht, int64_t ox0,
                     int64_t owt, int64_t sram, int64_t outBase, int64_t eb,
                     int64_t layer) {
  // Columns m0..m0+mt of the [pixel][column] tile, column (ry * M + m) *
  // sx + rx being channel m at phase (ry, rx); m0 and mt are multiples of
  // sx (chooseConvTiles), so the tile holds whole groups of sx columns:
  // one store per output row phase ry, each run the sx elements one pixel
  // writes into one output row.
  int64_t M = g.phaseChannels, sx = g.outStepX, sy = g.outStepY;
  int64_t rowColumns = M * sx;
  SmallVector<Operation *> stores;
  for (int64_t ry = 0; ry < sy; ++ry) {
    int64_t lo = std::max(m0, ry * rowColumns) - ry * rowColumns;
    int64_t hi = std::min(m0 + mt, (ry + 1) * rowColumns) - ry * rowColumns;
    if (lo >= hi)
      continue;
    int64_t offset =
        ((batch * M + lo / sx) * g.outH + oy0 * sy + ry) * g.outW + ox0 * sx;
    // (rx, x, m, y): runs of sx, the tile's pixels, channels, rows.
    stores.push_back(emitDma<npuisa::DmaStoreOp>(
        loc, sram + eb * (ry * rowColumns + lo - m0), outBase + eb * offset, eb,
        {sx, owt, (hi - lo) / sx, oht},
        {eb, eb * sx, eb * g.outH * g.outW, eb * sy * g.outW},
        {eb, eb * mt, eb * sx, eb * owt * mt}, layer));
  }
  return stores;
}

namespace {

/// Transposed convolutions: one MAC pass per output phase, tiled per pass
/// at emission.
struct ConvTransposeModel
    : BackendOpInterface::ExternalModel<ConvTransposeModel, ConvTransposeOp> {
  /// One group: INT8 input, weights per output channel (axis 1), FP32
  /// result (transposedScales; the weights must be constant).
  bool supportsInt8(Operation *op) const {
    return cast<ConvTransposeOp>(op).getGroup() == 1;
  }
  bool isLegalOn(Operation *op, const rt::TargetDesc &,
                 std::string &reason) const {
    return hasChannels(op, reason);
  }
  LogicalResult
  getConstantTables(Operation *op, const rt::TargetDesc &,
                    SmallVectorImpl<ConstantTable> &tables) const {
    return requantTable(op, tables);
  }
  ExecutionUnit getExecutionUnit(Operation *) const {
    return ExecutionUnit::mac;
  }
  LogicalResult emit(Operation *op, Codegen &codegen, int64_t layer) const {
    return codegen.emitConvTranspose(cast<ConvTransposeOp>(op), layer);
  }
};

} // namespace

void registerTransposedConvolutionModels(MLIRContext *context) {
  ConvTransposeOp::attachInterface<ConvTransposeModel>(*context);
}

} // namespace npu::codegen
