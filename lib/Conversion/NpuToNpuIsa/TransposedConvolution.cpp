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
  // The rows are the dialect's (npu::int8ReadoutTable, phase by phase);
  // only their layout is the lowering's.
  FailureOr<std::optional<ElementsAttr>> rows = int8ReadoutTable(op);
  if (failed(rows) || !*rows || !phasesAsChannels(op))
    return rows;
  auto dense = cast<DenseElementsAttr>(**rows);
  SmallVector<float> table = llvm::to_vector(dense.getValues<float>());
  int64_t M = op.getWeight().getType().getDimSize(1);
  int64_t phases = int64_t(table.size()) / (2 * M);
  // One [2][phases x M] table, columns (ry, m, rx) as the weights' (phase
  // p = ry * sx + rx, of tap p, holds rows 2p and 2p + 1 of the dialect's).
  int64_t sx = op.getStrides().back(), sy = phases / sx;
  SmallVector<float> merged;
  for (int64_t row = 0; row < 2; ++row)
    for (int64_t ry = 0; ry < sy; ++ry)
      for (int64_t m = 0; m < M; ++m)
        for (int64_t rx = 0; rx < sx; ++rx)
          merged.push_back(table[(2 * (ry * sx + rx) + row) * M + m]);
  auto type =
      RankedTensorType::get({2, phases * M}, Float32Type::get(op.getContext()));
  return std::optional<ElementsAttr>(
      DenseElementsAttr::get(type, ArrayRef(merged)));
}

FailureOr<SmallVector<MacConv, 4>> transposedConvPasses(ConvTransposeOp op) {
  auto inT = op.getInput().getType(), outT = op.getType();
  auto wT = op.getWeight().getType();
  // The phase geometry is the dialect's (npu::transposedPhases), which the
  // INT8 readout table follows too; it refuses ranks other than 3 and 4.
  FailureOr<SmallVector<TransposedPhase, 4>> phases = transposedPhases(op);
  if (failed(phases))
    return failure();
  bool oneD = inT.getRank() == 3;
  ArrayRef<int64_t> strides = op.getStrides();
  int64_t groups = op.getGroup();
  int64_t cin = inT.getDimSize(1) / groups, cout = outT.getDimSize(1) / groups;
  int64_t kh = oneD ? 1 : wT.getDimSize(2), kw = wT.getShape().back();
  int64_t taps = kh * kw;
  bool int8 = hasQuantizedInput(op);
  int64_t inY = oneD ? 1 : inT.getDimSize(2),
          outY = oneD ? 1 : outT.getDimSize(2);
  int64_t inX = inT.getShape().back(), outX = outT.getShape().back();
  int64_t sy = oneD ? 1 : strides[0], sx = strides.back();
  SmallVector<MacConv, 4> passes;
  for (const TransposedPhase &ph : *phases) {
    int64_t ry = ph.ry, rx = ph.rx;
    MacConv g;
    g.batch = inT.getDimSize(0);
    g.groups = groups;
    g.cin = cin;
    g.cout = cout;
    g.h = inY;
    g.w = inX;
    g.oh = ceilDiv(outY - ry, sy);
    g.ow = ceilDiv(outX - rx, sx);
    g.sh = g.sw = 1;
    int64_t minY = INT64_MAX, maxY = INT64_MIN, minX = INT64_MAX,
            maxX = INT64_MIN;
    for (const PhaseTap &t : ph.y) {
      minY = std::min(minY, t.offset);
      maxY = std::max(maxY, t.offset);
    }
    for (const PhaseTap &t : ph.x) {
      minX = std::min(minX, t.offset);
      maxX = std::max(maxX, t.offset);
    }
    g.originY = minY;
    g.originX = minX;
    for (const PhaseTap &ty : ph.y)
      for (const PhaseTap &tx : ph.x)
        g.taps.push_back(
            {ty.k * kw + tx.k, ty.offset - minY, tx.offset - minX});
    g.spanY = maxY - minY + 1;
    g.spanX = maxX - minX + 1;
    g.weightTaps = taps;
    g.outH = outY;
    g.outW = outX;
    g.outStepY = sy;
    g.outStepX = sx;
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
  bool int8 = hasQuantizedInput(op);
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
  // A phase-packed convolution's pass B writes channels [outChannel0,
  // outChannel0 + M) of an output of outChannels, and its last row phase
  // may fall below the output (an odd number of rows): such rows are not
  // stored.
  int64_t M = g.phaseChannels, sx = g.outStepX, sy = g.outStepY;
  int64_t channels = g.outChannels ? g.outChannels : M;
  int64_t rowColumns = M * sx;
  SmallVector<Operation *> stores;
  for (int64_t ry = 0; ry < sy; ++ry) {
    int64_t lo = std::max(m0, ry * rowColumns) - ry * rowColumns;
    int64_t hi = std::min(m0 + mt, (ry + 1) * rowColumns) - ry * rowColumns;
    int64_t rows =
        std::clamp<int64_t>(ceilDiv(g.outH - ry - oy0 * sy, sy), 0, oht);
    if (lo >= hi || rows == 0)
      continue;
    int64_t offset = ((batch * channels + g.outChannel0 + lo / sx) * g.outH +
                      oy0 * sy + ry) *
                         g.outW +
                     ox0 * sx;
    // (rx, x, m, y): runs of sx, the tile's pixels, channels, rows.
    stores.push_back(emitDma<npuisa::DmaStoreOp>(
        loc, sram + eb * (ry * rowColumns + lo - m0), outBase + eb * offset, eb,
        {sx, owt, (hi - lo) / sx, rows},
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
