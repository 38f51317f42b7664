//===- DepthwiseConvolution.cpp - depthwise convolutions on the vectors -===//
//
// A depthwise convolution (one input channel per group, no dilation gaps
// the vector unit cannot walk) runs on the vector unit: per tile of output
// rows, columns and channels, FP32 one `mac` per tap over the
// channels-innermost slab, INT8 one `vec.pool dot` per tile, then the
// readout with its epilogue; tiles by chooseDepthwiseTiles
// (ConvolutionTiling.cpp), buffers by depthwiseLayout.
//
//===----------------------------------------------------------------------===//

#include "npu/Conversion/NpuToNpuIsa/Codegen.h"

namespace npu::codegen {

LogicalResult Codegen::emitDepthwiseConv(ConvOp op, const MacConv &g,
                                         int64_t layer) {
  int64_t C = g.groups, taps = int64_t(g.taps.size());
  ConvTiles t = chooseDepthwiseTiles(target, g);
  if (auto rec = recordedTiles(op, {"oh", "ow", "c"})) {
    t = {(*rec)[0], (*rec)[1], 1, (*rec)[2]};
    if (packedBytes(depthwiseLayout(g, t)) > int64_t(target.scratchpadBytes))
      return op.emitError("backend: the recorded depthwise tiles do not fit "
                          "the scratchpad");
  }
  if (t.c == 0)
    return op.emitError("backend: no depthwise convolution tiling fits the "
                        "target");
  noteTiles({{"oh", t.oh}, {"ow", t.ow}, {"c", t.c}});
  // Scratchpad: depthwiseLayout.
  beginScratchpadPass(/*newPass=*/true);
  SmallVector<SpBuffer, 8> sb = scratchpad(depthwiseLayout(g, t));
  auto slabBuf = [&](int64_t i) { return sb[0].at(i); };
  auto wBuf = [&](int64_t i) { return sb[1].at(i); };
  auto outBuf = [&](int64_t i) { return sb[2].at(i); };
  int64_t biasBuf = sb[3].offset;
  int64_t tempsBuf = sb[4].offset, constsBuf = sb[5].offset;
  int64_t tempBytes = sb[4].stride; // one epilogue temporary
  auto residualBuf = [&](int64_t i) { return sb[7].at(i); };

  struct Tile {
    int64_t batch, c0, ct, oy0, oht, ox0, owt;
  };
  SmallVector<Tile> tiles;
  for (int64_t bi = 0; bi < g.batch; ++bi)
    for (int64_t c0 = 0; c0 < C; c0 += t.c)
      for (int64_t oy0 = 0; oy0 < g.oh; oy0 += t.oh)
        for (int64_t ox0 = 0; ox0 < g.ow; ox0 += t.ow)
          tiles.push_back({bi, c0, std::min(t.c, C - c0), oy0,
                           std::min(t.oh, g.oh - oy0), ox0,
                           std::min(t.ow, g.ow - ox0)});
  int64_t n = int64_t(tiles.size());
  int64_t inBase = buffers.lookup(root(op.getInput())).offset;
  int64_t outBase = buffers.lookup(storedResult(op)).offset;
  int64_t storeH = storedRows(storedResult(op), g.outH);
  int64_t wBase = convWeights.lookup(op).offset;
  Value bias = op.getBias();
  Location loc = op.getLoc();
  // INT8 (the quantized phase): one-byte slabs and weights, INT32 sums in
  // the output buffer, the readout rows npu::int8ReadoutTable computes
  // (their bias includes -zp_in * sum(w), so the slab pads with zp_in).
  bool int8 = g.inBytes == 1, int8Out = g.outBytes == 1;
  if (int8Out && !epilogue.empty() &&
      (epilogue.size() != 1 || !lutTable(epilogue.front())))
    return op.emitError("backend: an INT8 depthwise convolution's INT8 "
                        "result takes no epilogue but a lookup table");
  int64_t eb = g.inBytes;
  int64_t inZp = zeroPointOf(op.getInput());
  for (int64_t i = 0; i < n; ++i) {
    const Tile &tile = tiles[i];
    int64_t ct = tile.ct;
    int64_t ihs = inputExtent(tile.oht, g.sh, g.spanY);
    int64_t iws = inputExtent(tile.owt, g.sw, g.spanX);
    auto slab = emitSlabLoad(
        loc, slabBuf(i), inBase, g, tile.batch * C + tile.c0, ct, 0,
        tile.oy0 * g.sh + g.originY, tile.ox0 * g.sw + g.originX, ihs, iws,
        layer, eb, uint8_t(inZp));
    slab.setPopNext(firstLoadWaits(i));
    Operation *lastLoad = emitDma<npuisa::DmaLoadOp>(
        loc, wBuf(i), wBase + eb * tile.c0, eb, {ct, taps, 1, 1},
        {eb, eb * C, 0, 0}, {eb, eb * ct, 0, 0}, layer);
    if (i == 0 && int8) {
      lastLoad = emitDma<npuisa::DmaLoadOp>(
          loc, biasBuf, tableOf(op, "requant").offset, 4,
          {g.paramBytes / 4 * C, 1, 1, 1}, {4, 0, 0, 0}, {4, 0, 0, 0}, layer);
      lastLoad = loadOnceOperands(loc, Value(), biasBuf, C, constsBuf, layer,
                                  lastLoad);
    } else if (i == 0) {
      lastLoad =
          loadOnceOperands(loc, bias, biasBuf, C, constsBuf, layer, lastLoad);
    }
    // Element offset of the tile's box in an output of `height` rows: the
    // output's own (the residual's box, in FP32), or the tensor it is
    // stored in (a cascade's band: storedRows).
    auto offsetIn = [&](int64_t height) {
      return ((tile.batch * C + tile.c0) * height + tile.oy0) * g.outW +
             tile.ox0;
    };
    int64_t outOffset = offsetIn(g.outH);
    if (Operation *residual = loadResidualTile(
            loc, residualBuf(i), outOffset, {tile.owt, ct, tile.oht, 1},
            {4, 4 * g.outH * g.outW, 4 * g.outW, 0},
            {4 * ct, 4, 4 * tile.owt * ct, 0}, layer))
      lastLoad = residual;
    lastLoad->setAttr("push_next", b.getUnitAttr());
    // acc = x(tap 0) * w0; acc += x(tap k) * wk (vec.binary mac, ISA v7);
    // acc += bias. Iteration (c, ox, oy), channels innermost.
    SmallVector<int64_t> dims = {ct, tile.owt, tile.oht, 1};
    SmallVector<int64_t> dense = {1, ct, tile.owt * ct, 0};
    SmallVector<int64_t> slabSt = {1, g.sw * ct, g.sh * iws * ct, 0};
    SmallVector<int64_t> perChannel = {1, 0, 0, 0};
    SmallVector<Operation *> program;
    auto binary = [&](StringRef func, int64_t s0, ArrayRef<int64_t> s0St,
                      int64_t s1, ArrayRef<int64_t> s1St, int64_t dst) {
      program.push_back(emitVecStep(loc, VecFunc{true, func}, {s0, s0St},
                                    VecOperand{s1, s1St}, {dst, dense}, dims,
                                    "f32", layer));
    };
    // INT8 results (a requantization's, or an epilogue's quantize) go to
    // quantBuf.
    int64_t quantBuf = sb[6].at(i);
    if (int8) {
      // sums = the window's dot with the tap weights ([tap][c], tap = ky *
      // kw + kx), one vec.pool dot (ISA v10); then the readout.
      auto dot = npuisa::VecPoolOp::create(
          b, loc, TypeRange{}, ValueRange{},
          {b.getNamedAttr("func", b.getStringAttr("dot")),
           b.getNamedAttr("src0", b.getI64IntegerAttr(slabBuf(i))),
           b.getNamedAttr("src1", b.getI64IntegerAttr(wBuf(i))),
           b.getNamedAttr("dst", b.getI64IntegerAttr(outBuf(i)))});
      dot.setDims(dims);
      dot.setSrc0Strides(SmallVector<int64_t>{1, ct, iws * ct, 0});
      dot.setSrc1Strides(SmallVector<int64_t>{1, ct, g.spanX * ct, 0});
      dot.setDstStrides(dense);
      dot.setSrc0Type(vecElementType(op.getInput().getType()));
      dot.setSrc1Type(StringRef("i8"));
      dot.setDstType(StringRef("i32"));
      dot.setWindow(SmallVector<int64_t>{g.spanX, g.spanY});
      dot.setWindowStrides(SmallVector<int64_t>{g.sw, g.sh});
      dot->setAttr("layer", b.getI64IntegerAttr(layer));
      program.push_back(dot);
      if (int8Out) {
        // (a ReLU absorbed by npu-quantize is the saturation).
        program.push_back(emitRequantReadout(
            loc, quantBuf, dims, dense, biasBuf + 12 * tile.c0,
            vecElementType(op.getType()), zeroPointOf(op.getResult()), layer,
            outBuf(i)));
      } else if (g.sumsOut) {
        // INT32 sums plus the folded row, in place.
        program.push_back(emitSumsReadout(loc, outBuf(i), dims, dense,
                                          biasBuf + 4 * tile.c0, layer,
                                          outBuf(i)));
      } else {
        // To FP32 in place, times s_in * s_w[c], plus the folded bias.
        program.append(emitScaledReadout(
            loc, outBuf(i), dims, dense, biasBuf + 4 * tile.c0,
            biasBuf + 4 * (C + tile.c0), layer, outBuf(i)));
      }
    } else {
      for (auto [k, tap] : llvm::enumerate(g.taps)) {
        int64_t x = slabBuf(i) + 4 * ct * (tap.dy * iws + tap.dx);
        int64_t w = wBuf(i) + 4 * ct * tap.weightTap;
        binary(k == 0 ? "mul" : "mac", x, slabSt, w, perChannel, outBuf(i));
      }
      if (bias)
        binary("add", outBuf(i), dense, biasBuf + 4 * tile.c0, perChannel,
               outBuf(i));
    }
    // An epilogue ending in a quantize leaves INT8 in quantBuf; an INT8
    // result's lookup table maps the codes there in place.
    emitEpilogue(int8Out ? quantBuf : outBuf(i), dims, dense, tile.c0, tempsBuf,
                 tempBytes, constsBuf, layer, program, quantBuf,
                 residualBuf(i));
    markTileCompute(program, i, n);
    bool int8Tile = g.quantizedOut || int8Out;
    int64_t storeEb = int8Tile ? 1 : 4;
    auto store = emitDma<npuisa::DmaStoreOp>(
        loc, int8Tile ? quantBuf : outBuf(i),
        outBase + storeEb * offsetIn(storeH), storeEb,
        {tile.owt, ct, tile.oht, 1},
        {storeEb, storeEb * storeH * g.outW, storeEb * g.outW, 0},
        {storeEb * ct, storeEb, storeEb * tile.owt * ct, 0}, layer);
    markTileStore(store, i, n);
  }
  emitOpBarrier(loc);
  return success();
}

} // namespace npu::codegen
