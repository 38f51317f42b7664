//===- Matmul.cpp - matmuls on the MAC array
//--------------------------------===//
//
// Matmul tiles chosen by a roofline cost model and the double-buffered
// K-loop over accumulator tiles (docs/codegen.md, "Matmul").
//
//===----------------------------------------------------------------------===//

#include "npu/Conversion/NpuToNpuIsa/Codegen.h"
#include "npu/runtime/Timing.h"

using namespace mlir;
using namespace npu;
namespace rt = npu::rt;

namespace npu::codegen {

rt::TargetDesc matmulTarget(MatMulOp op, const rt::TargetDesc &target,
                            ArrayRef<Operation *> epilogue) {
  rt::TargetDesc t = target;
  int64_t reserved = 0;
  if (hasQuantizedInput(op))
    reserved += alignUp(8 * matmulShape(op).n) + kAlign;
  int64_t tiles = 0, bytes = 0;
  if (!epilogue.empty() &&
      epilogueResources(op.getResult(), epilogue, tiles, bytes)) {
    reserved += alignUp(bytes) + kAlign;
    if (isa<QuantizeOp>(epilogue.back()))
      reserved += 2 * (alignUp(target.accumulatorBytes / 4) + kAlign);
  }
  t.scratchpadBytes =
      uint32_t(std::max<int64_t>(0, int64_t(t.scratchpadBytes) - reserved));
  return t;
}

bool leadsEpilogue(Operation *op) {
  return isa<ConvOp, ConvTransposeOp, MatMulOp>(op);
}

std::pair<int64_t, int64_t> matmulCopies(int64_t M, int64_t N, int64_t K,
                                         MatmulTiles t) {
  int64_t stay = t.resident ? std::max<int64_t>(2, ceilDiv(K, t.k)) : 2;
  bool aStays = t.order == LoopOrder::input_stationary;
  return {aStays ? stay : 2, aStays ? 2 : stay};
}

namespace {

/// Whether tiles `t` fit the accumulator and the scratchpad (A and W chunk
/// copies and two C tiles, each from a kAlign boundary, counted at 4 bytes
/// an element whatever the type).
bool matmulFits(const rt::TargetDesc &target, int64_t M, int64_t N, int64_t K,
                MatmulTiles t) {
  auto [aCopies, wCopies] = matmulCopies(M, N, K, t);
  return t.m * t.n <= int64_t(target.accumulatorBytes / 4) &&
         aCopies * alignUp(4 * t.m * t.k) + wCopies * alignUp(4 * t.k * t.n) +
                 2 * alignUp(4 * t.m * t.n) <=
             int64_t(target.scratchpadBytes);
}

} // namespace

double pipelinedStepCycles(int64_t steps, int64_t stayLoads,
                           int64_t streamLoads, double stayCycles,
                           double streamCycles, double computeCycles) {
  // The stationary operand's loads come in the first steps of each outer
  // tile; the streaming one's in every step, or (reused) in the first
  // steps only, the same ones.
  bool streamEvery = streamLoads >= steps;
  int64_t both = streamEvery ? std::min(stayLoads, steps)
                             : std::min(stayLoads, streamLoads);
  int64_t onlyStay = streamEvery ? 0 : stayLoads - both;
  int64_t onlyStream = streamEvery ? steps - both : streamLoads - both;
  int64_t none = std::max<int64_t>(0, steps - both - onlyStay - onlyStream);
  return double(both) * std::max(stayCycles + streamCycles, computeCycles) +
         double(onlyStay) * std::max(stayCycles, computeCycles) +
         double(onlyStream) * std::max(streamCycles, computeCycles) +
         double(none) * computeCycles;
}

MatmulTraffic matmulTraffic(int64_t M, int64_t N, int64_t K, MatmulTiles t) {
  int64_t nM = ceilDiv(M, t.m), nN = ceilDiv(N, t.n), nK = ceilDiv(K, t.k);
  bool aStays = t.order == LoopOrder::input_stationary;
  int64_t outer = aStays ? nM : nN, inner = aStays ? nN : nM;
  MatmulTraffic r;
  r.steps = nM * nN * nK;
  // The stationary operand: each chunk once per outer tile (with a copy
  // per chunk). The streaming one: once in all when the inner loop's
  // chunks fit its two copies.
  int64_t stay = t.resident || nK <= 2 ? outer * nK : r.steps;
  int64_t stream = inner * nK <= 2 ? inner * nK : r.steps;
  r.aLoads = aStays ? stay : stream;
  r.wLoads = aStays ? stream : stay;
  return r;
}

MatmulTiles chooseMatmulTiles(const rt::TargetDesc &t, int64_t M, int64_t N,
                              int64_t K, bool int8,
                              const WeightBlocks *blocks) {
  // Weights issued dense (--sparse-weights=false) cost what dense ones do.
  if (blocks && !blocks->skip)
    blocks = nullptr;
  int64_t R = t.arrayRows, C = t.arrayCols;
  int64_t eb = int8 ? 1 : 4;
  struct Candidate {
    MatmulTiles tiles;
    double cycles, dramBytes;
  };
  SmallVector<Candidate> candidates;
  for (int64_t mt : tileCandidates(M, R))
    for (int64_t nt : tileCandidates(N, C))
      for (int64_t kt : tileCandidates(K, R))
        for (LoopOrder order :
             {LoopOrder::input_stationary, LoopOrder::weight_stationary}) {
          // A copy per K chunk of the stationary operand when that fits,
          // else two (the rule the emitter applies to recorded tiles);
          // sparse weights are costed step by step in the row-major order.
          MatmulTiles tile = {mt, nt, kt, order};
          tile.resident = matmulFits(t, M, N, K, tile);
          if ((!tile.resident && !matmulFits(t, M, N, K, tile)) ||
              (blocks && order != LoopOrder::input_stationary))
            continue;
          // The share of A and W chunk loads issued (MatmulTraffic).
          MatmulTraffic traffic = matmulTraffic(M, N, K, tile);
          double aShare = double(traffic.aLoads) / double(traffic.steps);
          double wShare = double(traffic.wLoads) / double(traffic.steps);
          // What emitMatmul2D issues, costed by the runtime's formulas
          // (npu/runtime/Timing.h): per K step the A and W tile loads and one
          // matmul; per C tile the readout (a copy, or for INT8 one
          // vec.convert itof_affine) and one store. The slowest queue
          // bounds the layer.
          double load = 0, compute = 0, store = 0;
          double loadA = 0, loadW = 0; // without reuse
          double wBytes = double(eb) * double(K) * N * ceilDiv(M, mt) * wShare;
          double aBytes = double(eb) * double(M) * K * ceilDiv(N, nt) * aShare;
          if (blocks) {
            // Pruning-aware: each (N tile, K step) as classifyWeightStep
            // issues it, for every row of tiles.
            wBytes = aBytes = 0;
            for (auto [mi, mCount] : tileExtents(M, mt)) {
              for (int64_t n0 = 0; n0 < N; n0 += nt) {
                int64_t ni = std::min(nt, N - n0);
                bool empty = true;
                for (int64_t k0 = 0; k0 < K; k0 += kt) {
                  int64_t ki = std::min(kt, K - k0);
                  SparseStep step =
                      classifyWeightStep(*blocks, 0, k0, ki, n0, ni);
                  if (step.kind == SparseStep::Empty)
                    continue;
                  empty = false;
                  double w = step.kind == SparseStep::Sparse
                                 ? double(step.imageBytes)
                                 : double(eb * ki * ni);
                  load +=
                      double(mCount) *
                      (aShare * double(rt::dmaCycles(t, 1, mi, eb * ki)) +
                       wShare *
                           double(step.kind == SparseStep::Sparse
                                      ? rt::dmaCycles(t, 1, 1, step.imageBytes)
                                      : rt::dmaCycles(t, 1, ki, eb * ni)));
                  compute +=
                      double(mCount) *
                      double(rt::matmulCycles(t, mi, step.blocks, !int8));
                  wBytes += double(mCount) * w * wShare;
                  aBytes += double(mCount) * double(eb * mi * ki) * aShare;
                }
                if (empty) // one mask load clears the accumulator
                  load += double(mCount) * double(rt::dmaCycles(t, 1, 1, 16));
                compute += double(mCount) *
                           double(rt::vectorCycles(t, mi * ni, false, false));
                store +=
                    double(mCount) * double(rt::dmaCycles(t, 1, mi, 4 * ni));
              }
            }
          }
          for (auto [mi, mCount] : tileExtents(M, mt))
            for (auto [ni, nCount] : tileExtents(N, nt)) {
              if (blocks)
                break;
              double cTiles = double(mCount * nCount);
              for (auto [ki, kCount] : tileExtents(K, kt)) {
                double steps = cTiles * double(kCount);
                loadA += steps * double(rt::dmaCycles(t, 1, mi, eb * ki));
                loadW += steps * double(rt::dmaCycles(t, 1, ki, eb * ni));
                load +=
                    steps * (aShare * double(rt::dmaCycles(t, 1, mi, eb * ki)) +
                             wShare * double(rt::dmaCycles(t, 1, ki, eb * ni)));
                compute +=
                    steps * double(rt::matmulCycles(
                                t, mi, ceilDiv(ki, R) * ceilDiv(ni, C), !int8));
              }
              compute +=
                  cTiles * double(rt::vectorCycles(t, mi * ni, /*narrow=*/false,
                                                   /*transcendental=*/false));
              store += cTiles * double(rt::dmaCycles(t, 1, mi, 4 * ni));
            }
          // The double-buffered pipeline overlaps the queues except for its
          // fill (the first step's loads) and drain (the last tile's readout
          // and store), which a single big tile does not hide.
          int64_t m0 = std::min(mt, M), n0 = std::min(nt, N),
                  k0 = std::min(kt, K);
          int64_t firstTiles = ceilDiv(k0, R) * ceilDiv(n0, C);
          if (blocks) // the first step's present tiles (at least one: the
                      // clearing matmul has none but is as short)
            firstTiles = std::min(
                firstTiles,
                std::max<int64_t>(
                    1, classifyWeightStep(*blocks, 0, 0, k0, 0, n0).blocks));
          double fill = double(rt::dmaCycles(t, 1, m0, eb * k0) +
                               rt::dmaCycles(t, 1, k0, eb * n0)) +
                        double(rt::matmulCycles(t, m0, firstTiles, !int8));
          double drain = double(rt::vectorCycles(t, m0 * n0, false, false)) +
                         double(rt::dmaCycles(t, 1, m0, 4 * n0));
          // Reuse makes the loads uneven: the steps that load both
          // operands cannot hide behind their compute as the others do.
          double stepped = 0;
          if (!blocks) {
            bool aStays = order == LoopOrder::input_stationary;
            double steps = double(traffic.steps);
            stepped = pipelinedStepCycles(
                traffic.steps, aStays ? traffic.aLoads : traffic.wLoads,
                aStays ? traffic.wLoads : traffic.aLoads,
                (aStays ? loadA : loadW) / steps,
                (aStays ? loadW : loadA) / steps, compute / steps);
          }
          double cycles =
              std::max({load, compute, store, stepped}) + fill + drain;
          // A and W chunks as often as the loop order loads them.
          double dramBytes = aBytes + wBytes + 4.0 * M * N;
          candidates.push_back({tile, cycles, dramBytes});
        }
  if (candidates.empty())
    return {0, 0, 0};
  return fewestCyclesThenBytes<Candidate>(candidates, t,
                                          [](const Candidate &c) {
                                            return std::pair(c.cycles,
                                                             c.dramBytes);
                                          })
      .tiles;
}

DictionaryAttr tilesAttr(Builder &b, MatmulTiles t) {
  return b.getDictionaryAttr(
      {b.getNamedAttr("m", b.getI64IntegerAttr(t.m)),
       b.getNamedAttr("n", b.getI64IntegerAttr(t.n)),
       b.getNamedAttr("k", b.getI64IntegerAttr(t.k)),
       b.getNamedAttr("order", b.getStringAttr(stringifyLoopOrder(t.order)))});
}

MatmulShape matmulShape(MatMulOp op) {
  MatmulShape s;
  // NumPy promotion: a 1-D A is [1, K], a 1-D W is [K, 1]; same bytes.
  s.a.assign(op.getLhs().getType().getShape().begin(),
             op.getLhs().getType().getShape().end());
  s.w.assign(op.getRhs().getType().getShape().begin(),
             op.getRhs().getType().getShape().end());
  if (s.a.size() == 1)
    s.a.insert(s.a.begin(), 1);
  if (s.w.size() == 1)
    s.w.push_back(1);
  s.k = s.a.back();
  s.n = s.w.back();
  s.m = s.w.size() == 2
            ? op.getLhs().getType().getNumElements() / std::max<int64_t>(s.k, 1)
            : s.a[s.a.size() - 2];
  return s;
}

LogicalResult Codegen::emitMatmul(MatMulOp op, int64_t layer) {
  auto lhs = op.getLhs().getType(), rhs = op.getRhs().getType();
  auto out = op.getType();
  bool int8 = hasQuantizedInput(op);
  if (!int8 && (!lhs.getElementType().isF32() ||
                !rhs.getElementType().isF32() || !out.getElementType().isF32()))
    return op.emitError("backend: only FP32 matmuls and INT8 matmuls with "
                        "constant weights are supported");
  MatmulShape shape = matmulShape(op);
  SmallVector<int64_t> &a = shape.a, &w = shape.w;
  // INT8 with batched W: two activations (both per tensor, zero point 0).
  int64_t eb = int8 ? 1 : 4;
  int64_t M = shape.m, N = shape.n, K = shape.k;
  int64_t aBase = buffers.lookup(root(op.getLhs())).offset;
  int64_t wBase = buffers.lookup(root(op.getRhs())).offset;
  // The stored value: the result, or its epilogue's last (INT8 when that
  // is a quantize).
  int64_t cBase = buffers.lookup(storedResult(op)).offset;
  int64_t storeEb = epilogueQuantizes() ? 1 : 4;
  if (w.size() == 2) // batch dims of A fold into M
    return emitMatmul2D(op, aBase, wBase, cBase, M, N, K, layer);
  // Batched W: one 2-D product per batch index, A's and W's batch dims
  // broadcast (stride 0 where a size is 1).
  size_t batchRank = std::max(a.size(), w.size()) - 2;
  SmallVector<int64_t> batch(batchRank), aSt(batchRank, 0), wSt(batchRank, 0);
  for (auto [shape, st, matrix] :
       {std::tuple{&a, &aSt, M * K}, std::tuple{&w, &wSt, K * N}}) {
    int64_t stride = matrix;
    for (size_t i = shape->size() - 2; i-- > 0;) {
      size_t axis = batchRank - (shape->size() - 2) + i;
      (*st)[axis] = (*shape)[i] == 1 ? 0 : stride;
      batch[axis] = std::max(batch[axis], (*shape)[i]);
      stride *= (*shape)[i];
    }
  }
  int64_t count = 1;
  for (int64_t d : batch)
    count *= d;
  for (int64_t bi = 0; bi < count; ++bi) {
    int64_t rest = bi, aOff = 0, wOff = 0;
    for (size_t d = batchRank; d-- > 0;) {
      int64_t idx = rest % batch[d];
      rest /= batch[d];
      aOff += idx * aSt[d];
      wOff += idx * wSt[d];
    }
    if (failed(emitMatmul2D(op, aBase + eb * aOff, wBase + eb * wOff,
                            cBase + storeEb * bi * M * N, M, N, K, layer)))
      return failure();
  }
  return success();
}

LogicalResult Codegen::emitMatmul2D(MatMulOp op, int64_t aBase, int64_t wBase,
                                    int64_t cBase, int64_t M, int64_t N,
                                    int64_t K, int64_t layer) {
  if (M == 0 || N == 0)
    return success();
  if (K == 0)
    return op.emitError("backend: matmul with K = 0 is not supported");
  // INT8: one-byte A and W, the accumulator scaled per column to FP32 by a
  // table kept after the buffers (requantParams).
  bool int8 = hasQuantizedInput(op);
  // INT32 result (MatMulInteger): the exact sums plus one INT32 row.
  bool sums = int8 && op.getType().getElementType().isSignlessInteger(32);
  int64_t eb = int8 ? 1 : 4;
  rt::TargetDesc tileTarget = matmulTarget(op, target, epilogue);
  bool quantizedOut = epilogueQuantizes();
  int64_t storeEb = quantizedOut ? 1 : 4;
  // Pruning-aware: a constant 2-D W with all-zero weight tiles (the only
  // product of a 2-D W is the whole of it) and its planned image table.
  // (Or whose zeros are scattered, when an element image may compress it.)
  std::optional<WeightBlocks> blocks;
  if (matmulShape(op).w.size() == 2)
    blocks = matmulWeightBlocks(op, target, /*compressible=*/true);
  MatmulTiles tiles = chooseMatmulTiles(tileTarget, M, N, K, int8,
                                        blocks ? blocks->forTiling() : nullptr);
  if (auto rec = recordedTiles(op, {"m", "n", "k"})) {
    tiles = {(*rec)[0], (*rec)[1], (*rec)[2],
             recordedOrder(op, LoopOrder::input_stationary)};
    // A copy per K chunk of the stationary operand when that fits (as the
    // tile chooser decides), else two.
    tiles.resident = matmulFits(tileTarget, M, N, K, tiles);
    if (!matmulFits(tileTarget, M, N, K, tiles))
      return op.emitError("backend: the recorded matmul tiles do not fit the "
                          "accumulator and scratchpad");
  }
  if (tiles.m == 0)
    return op.emitError("backend: no matmul tiling fits the target");
  noteTiles(tilesAttr(b, tiles));
  // Scratchpad: A and W chunk copies (matmulCopies), two C tiles; an INT8
  // matmul's {scale, bias} table after them (the tile chooser counts 8
  // bytes per column; an INT32 result uses the first 4).
  beginScratchpadPass();
  auto [aCopies, wCopies] = matmulCopies(M, N, K, tiles);
  SpBuffer aSp = scratchpad("a", alignUp(tiles.m * tiles.k * eb), aCopies);
  SpBuffer wSp = scratchpad("w", alignUp(tiles.k * tiles.n * eb), wCopies);
  SpBuffer cSp = scratchpad("c", tiles.m * tiles.n * 4, 2);
  int64_t tableBuf = scratchpad("params", int8 ? 8 * N : 0).offset;
  // The epilogue's per-column and scalar operands (loaded once), and the
  // INT8 tiles an epilogue ending in a quantize stores.
  int64_t epilogueTiles = 0, epilogueBytes = 0;
  bool residual = false;
  if (!epilogue.empty() &&
      (!epilogueResources(epilogueSource, epilogue, epilogueTiles,
                          epilogueBytes, &residual) ||
       residual))
    return op.emitError("backend: a matmul epilogue reads an operand that "
                        "is neither one value per column nor a scalar");
  int64_t constsBuf =
      scratchpad("epilogue_operands", alignUp(epilogueBytes)).offset;
  SpBuffer qSp =
      scratchpad("quantized", quantizedOut ? tiles.m * tiles.n : 0, 2);
  auto cBuf = [&](int64_t j) { return cSp.at(j); };
  auto i64 = [&](int64_t v) { return b.getI64IntegerAttr(v); };
  Location loc = op.getLoc();
  struct Step {
    int64_t m0, n0, k0, mt, nt, kt;
    SparseStep w = {};
    SparseChunk chunk = {}; // compressed: the dense W's dma.expand image
    bool clear = false;     // the sparse matmul clearing an empty C tile
  };
  std::optional<SparseWeightPlan> plan;
  if (blocks) {
    plan = planSparseMatmul(op, *blocks, tiles);
    // Zero tiles issued dense (or none) and stored dense: exactly the
    // dense code.
    if ((!blocks->skip || !blocks->zeroBlock) && !plan->compressed) {
      plan.reset();
      blocks.reset();
    }
    // A plan needing images must find them in the table the DRAM plan
    // placed (for the same tiles), else the weights are issued dense; a
    // compressed plan has no dense copy to fall back on.
    if (plan && !plan->table.empty() &&
        !hasTable(op, "sparse_w", plan->tableAttr(op.getContext()))) {
      if (plan->compressed)
        return op.emitError("backend: the compressed weights' table was "
                            "planned for other tiles");
      plan.reset();
    }
  }
  SmallVector<SmallVector<Step>> outTiles; // per C tile, its K steps
  int64_t skipped = 0; // weight tile-steps of the dense schedule not issued
  // The C tiles in loop order: rows of tiles outermost (A stays) or
  // columns (W stays).
  SmallVector<std::pair<int64_t, int64_t>> cTiles;
  bool aStays = tiles.order == LoopOrder::input_stationary;
  for (int64_t outer = 0; outer < (aStays ? M : N);
       outer += aStays ? tiles.m : tiles.n)
    for (int64_t inner = 0; inner < (aStays ? N : M);
         inner += aStays ? tiles.n : tiles.m)
      cTiles.push_back(aStays ? std::pair(outer, inner)
                              : std::pair(inner, outer));
  for (auto [m0, n0] : cTiles) {
    int64_t ni = n0 / tiles.n;
    outTiles.emplace_back();
    {
      int64_t mt = std::min(tiles.m, M - m0), nt = std::min(tiles.n, N - n0);
      for (int64_t k0 = 0, ki = 0; k0 < K; k0 += tiles.k, ++ki) {
        Step st{m0, n0, k0, mt, nt, std::min(tiles.k, K - k0)};
        if (plan) {
          st.w = plan->step(0, ni, ki, 0);
          st.chunk = plan->chunk(0, ni, ki);
          skipped += ceilDiv(st.kt, blocks->R) * ceilDiv(nt, blocks->C) -
                     (st.w.kind == SparseStep::Empty ? 0 : st.w.blocks);
        }
        if (st.w.kind != SparseStep::Empty) // no DMA, no matmul
          outTiles.back().push_back(st);
      }
      if (outTiles.back().empty()) {
        // All its weights are zero: one block-sparse matmul with an empty
        // mask (no weight tiles: no cycles) zeroes the accumulator, which
        // is then read out with the bias like any other tile.
        Step st{m0, n0, 0, mt, nt, std::min(tiles.k, K)};
        st.w = {SparseStep::Sparse, 0, 0, plan->zeroMaskBytes};
        st.clear = true;
        outTiles.back().push_back(st);
      }
    }
  }
  if (plan)
    noteWeightBlocks(*blocks, skipped);
  int64_t totalSteps = 0, J = int64_t(outTiles.size());
  for (auto &t : outTiles)
    totalSteps += int64_t(t.size());
  auto dma2D = [&](auto opT, int64_t sram, int64_t dram, int64_t rows,
                   int64_t cols, int64_t dramRowBytes, int64_t sramRowBytes,
                   int64_t elemBytes = 4) {
    return emitDma<decltype(opT)>(loc, sram, dram, elemBytes,
                                  {cols, rows, 1, 1},
                                  {elemBytes, dramRowBytes, 0, 0},
                                  {elemBytes, sramRowBytes, 0, 0}, layer);
  };
  int64_t s = 0; // global K-step index
  // The chunks the copies of the A and W buffers hold (ChunkCopies).
  ChunkCopies<std::pair<int64_t, int64_t>> aCopiesHeld(aSp.copies),
      wCopiesHeld(wSp.copies);
  for (int64_t j = 0; j < J; ++j) {
    for (auto [kIndex, st] : llvm::enumerate(outTiles[j])) {
      // A[m0:, k0:] and W[k0:, n0:] (or its block-sparse image): from the
      // copies that hold them, else loaded. The handshake counts one load
      // group per step: when both are held, a `sync` on the load queue
      // carries its tokens (matmulTraffic counts no load).
      bool sparse = st.w.kind == SparseStep::Sparse;
      std::pair<int64_t, int64_t> aKey = {st.m0, st.k0}, wKey = {st.k0, st.n0};
      int64_t aBuf, wBuf;
      bool loadA = false, loadW = true;
      if (st.clear) {
        aBuf = aSp.at(aCopiesHeld.scratch(s, /*overwritten=*/false));
        wBuf = wSp.at(wCopiesHeld.scratch(s, /*overwritten=*/true));
      } else {
        auto [aCopy, aLoad] = aCopiesHeld.acquire(aKey, s);
        auto [wCopy, wLoad] = wCopiesHeld.acquire(wKey, s);
        aBuf = aSp.at(aCopy);
        wBuf = wSp.at(wCopy);
        loadA = aLoad;
        loadW = wLoad;
      }
      npuisa::DmaLoadOp la;
      if (loadA)
        la = dma2D(npuisa::DmaLoadOp(), aBuf, aBase + eb * (st.m0 * K + st.k0),
                   st.mt, st.kt, eb * K, eb * st.kt, eb);
      Operation *last = la;
      if (!loadW) {
        if (!la) {
          auto sync = npuisa::SyncOp::create(
              b, loc, TypeRange{}, ValueRange{},
              {b.getNamedAttr("queue", b.getStringAttr("load"))});
          sync.setLayerAttr(b.getI64IntegerAttr(layer));
          last = sync;
        }
      } else if (sparse)
        last = dma2D(npuisa::DmaLoadOp(), wBuf,
                     tableOf(op, "sparse_w").offset + st.w.imageOffset, 1,
                     st.w.imageBytes / 4, 0, 0);
      else if (st.chunk.expandOffset >= 0 && st.chunk.expandRaw)
        // Compressed plan, every block present: stored as the tile is.
        last = dma2D(npuisa::DmaLoadOp(), wBuf,
                     tableOf(op, "sparse_w").offset + st.chunk.expandOffset,
                     st.kt, st.nt, eb * st.nt, eb * st.nt, eb);
      else if (st.chunk.expandOffset >= 0) {
        // Compressed: W[k0:, n0:] expanded from its image.
        // (An element image: dma_expand_elem.)
        int64_t dram = tableOf(op, "sparse_w").offset + st.chunk.expandOffset;
        SmallVector<int64_t> sizes = {st.nt, st.kt, 1, 1},
                             sramStrides = {eb, eb * st.nt, 0, 0};
        if (st.chunk.expandElements)
          last = emitDma<npuisa::DmaExpandElemOp>(
              loc, wBuf, dram, eb, sizes, {0, 0, 0, 0}, sramStrides, layer);
        else
          last = emitDma<npuisa::DmaExpandOp>(loc, wBuf, dram, eb, sizes,
                                              {0, 0, 0, 0}, sramStrides, layer);
        last->setAttr("bytes", i64(st.chunk.expandBytes));
      } else
        last =
            dma2D(npuisa::DmaLoadOp(), wBuf, wBase + eb * (st.k0 * N + st.n0),
                  st.kt, st.nt, eb * N, eb * st.nt, eb);
      if (la)
        la.setPopNext(firstLoadWaits(s));
      else if (firstLoadWaits(s))
        last->setAttr("pop_next", b.getUnitAttr());
      // (W is loaded, or the sync issued, whenever A is not: `last` is that
      // then.)
      if (int8 && s == 0)
        last =
            dma2D(npuisa::DmaLoadOp(), tableBuf, tableOf(op, "requant").offset,
                  1, (sums ? 1 : 2) * N, 0, 0);
      if (s == 0)
        last = loadEpilogueOperands(epilogueSource, constsBuf, layer, last);
      last->setAttr("push_next", b.getUnitAttr());
      auto mm = npuisa::MatmulOp::create(
          b, loc, TypeRange{}, ValueRange{},
          {b.getNamedAttr("a", i64(aBuf)), b.getNamedAttr("w", i64(wBuf)),
           b.getNamedAttr("acc", i64(0)), b.getNamedAttr("m_outer", i64(1)),
           b.getNamedAttr("m_inner", i64(st.mt)),
           b.getNamedAttr("k", i64(st.kt)), b.getNamedAttr("n", i64(st.nt)),
           b.getNamedAttr("a_stride_outer", i64(0)),
           b.getNamedAttr("a_stride_inner", i64(eb * st.kt)),
           b.getNamedAttr("w_row_stride", i64(eb * st.nt)),
           b.getNamedAttr("acc_row_stride", i64(st.nt))});
      mm.setFp32(!int8);
      mm.setAccumulate(kIndex > 0);
      mm.setSparse(sparse);
      mm.setPopPrev(true);
      mm.setPushPrev(s + 2 < totalSteps); // frees buffer set s % 2
      mm.setLayerAttr(i64(layer));
      ++s;
    }
    // Accumulator -> C buffer j % 2 -> DRAM.
    const Step &st = outTiles[j].front();
    SmallVector<int64_t> dims = {st.nt, st.mt, 1, 1}, cSt = {1, st.nt, 0, 0};
    SmallVector<Operation *> program;
    if (sums) { // + row[n], INT32
      program.push_back(emitSumsReadout(loc, cBuf(j), dims, cSt,
                                        tableBuf + 4 * st.n0, layer));
    } else if (int8) { // x scale[n] + bias[n]
      program = emitScaledReadout(loc, cBuf(j), dims, cSt, tableBuf + 4 * st.n0,
                                  tableBuf + 4 * (N + st.n0), layer);
    } else {
      Operation *copy =
          emitVecStep(loc, VecFunc{false, "copy"}, {0, cSt}, std::nullopt,
                      {cBuf(j), cSt}, dims, "f32", layer);
      copy->setAttr("src0_space", b.getStringAttr("acc"));
      program.push_back(copy);
    }
    // The epilogue in place in the C tile (each op reads the one before and
    // constants), a final quantize into qSp's copy j % 2.
    emitEpilogue(cBuf(j), dims, cSt, st.n0, cBuf(j), 0, constsBuf, layer,
                 program, qSp.at(j), 0);
    if (j >= 2) // store freed C buffer j % 2
      program.front()->setAttr("pop_next", b.getUnitAttr());
    Operation *lastCompute = program.back();
    lastCompute->setAttr("push_next", b.getUnitAttr());
    auto store = dma2D(npuisa::DmaStoreOp(), quantizedOut ? qSp.at(j) : cBuf(j),
                       cBase + storeEb * (st.m0 * N + st.n0), st.mt, st.nt,
                       storeEb * N, storeEb * st.nt, storeEb);
    markTileStore(store, j, J);
  }
  emitOpBarrier(loc);
  return success();
}

namespace {

/// Matmuls on the MAC array, tiles {m, n, k} from chooseMatmulTiles.
struct MatmulModel : BackendOpInterface::ExternalModel<MatmulModel, MatMulOp> {
  /// An INT32 result is the exact sums of an INT8 matmul (MatMulInteger).
  /// An INT8 matmul keeps its readout table, one or two rows of N columns,
  /// in the scratchpad, loaded by one DMA box: its N must fit both.
  bool isLegalOn(Operation *op, const rt::TargetDesc &target,
                 std::string &reason) const {
    auto mm = cast<MatMulOp>(op);
    bool sums = mm.getType().getElementType().isSignlessInteger(32);
    if (sums &&
        (!hasQuantizedInput(mm) || mm.getRhs().getType().getRank() != 2 ||
         !mm.getRhs().getDefiningOp<ConstantOp>())) {
      reason = "an INT32 matmul result is an INT8 matmul's exact sums, "
               "with constant 2-D weights";
      return false;
    }
    MatmulShape s = matmulShape(mm);
    if (!hasQuantizedInput(mm) || s.m == 0 || s.n == 0 || s.k == 0)
      return true;
    if ((sums ? 1 : 2) * s.n > kMaxExtent || !chooseTiles(op, target, {})) {
      reason = "an INT8 matmul keeps its readout table (" +
               std::to_string(sums ? 4 : 8) +
               " bytes per column) in the scratchpad: " + std::to_string(s.n) +
               " columns leave no tiling that fits";
      return false;
    }
    return true;
  }
  /// INT8 left operand per tensor and, with a 2-D right operand, constant
  /// weights per column, or any right operand per tensor with both zero
  /// points 0 (two activations); FP32 result (matmulScales).
  bool supportsInt8(Operation *op) const { return true; }
  LogicalResult
  getConstantTables(Operation *op, const rt::TargetDesc &target,
                    SmallVectorImpl<ConstantTable> &tables) const {
    if (failed(requantTable(op, tables)))
      return failure();
    // Block-sparse images of the weight tiles with zero blocks.
    if (ElementsAttr sparse = sparseMatmulTable(cast<MatMulOp>(op), target))
      tables.push_back({"sparse_w", sparse});
    return success();
  }
  ExecutionUnit getExecutionUnit(Operation *) const {
    return ExecutionUnit::mac;
  }
  DictionaryAttr chooseTiles(Operation *op, const rt::TargetDesc &target,
                             ArrayRef<Operation *> epilogue) const {
    auto mm = cast<MatMulOp>(op);
    MatmulShape s = matmulShape(mm);
    if (s.m == 0 || s.n == 0 || s.k == 0)
      return nullptr;
    std::optional<WeightBlocks> blocks = matmulWeightBlocks(mm, target);
    MatmulTiles t =
        chooseMatmulTiles(matmulTarget(mm, target, epilogue), s.m, s.n, s.k,
                          hasQuantizedInput(mm), blocks ? &*blocks : nullptr);
    Builder b(op->getContext());
    return t.m ? tilesAttr(b, t) : nullptr;
  }
  LogicalResult emit(Operation *op, Codegen &codegen, int64_t layer) const {
    return codegen.emitMatmul(cast<MatMulOp>(op), layer);
  }
};

} // namespace

void registerMatmulModels(MLIRContext *context) {
  MatMulOp::attachInterface<MatmulModel>(*context);
}

} // namespace npu::codegen
