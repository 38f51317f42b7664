//===- ConvolutionTiling.cpp - convolution tiles, layouts and costs -----===//
//
// How a convolution is cut into tiles and what a tiling costs: the
// scratchpad layouts of a MAC-array convolution's and a depthwise
// convolution's buffers (macConvLayout, depthwiseLayout), the DRAM traffic
// of a loop order (convTraffic), the tile cost models (chooseConvTiles,
// with pruned weight tiles priced as issued; chooseRowPhaseTiles for a
// phase-packed convolution's shared loop; chooseDepthwiseTiles), and the
// packing of taps along the contraction (packTaps). The emitters
// (Convolution.cpp, DepthwiseConvolution.cpp) follow what these choose;
// every cycle figure is the runtime's timing model (npu/runtime/Timing.h).
//
//===----------------------------------------------------------------------===//

#include "npu/Conversion/NpuToNpuIsa/Codegen.h"
#include "npu/runtime/Timing.h"

#include <array>
#include <cmath>
#include <deque>
#include <limits>

namespace npu::codegen {

std::pair<int64_t, int64_t> macConvCopies(const MacConv &g, ConvTiles t) {
  int64_t stay = t.resident ? std::max<int64_t>(2, ceilDiv(g.cin, t.c)) : 2;
  bool weightsStay = t.order == LoopOrder::weight_stationary;
  return {weightsStay ? 2 : stay, weightsStay ? stay : 2};
}

SmallVector<SpRequest, 8> macConvLayout(const MacConv &g, ConvTiles t) {
  int64_t out = alignUp(g.outBytes * t.oh * t.ow * t.m);
  auto [slabCopies, weightCopies] = macConvCopies(g, t);
  return {
      {"slab",
       alignUp(g.inBytes * g.spanZ * inputExtent(t.oh, g.sh, g.spanY) *
               inputExtent(t.ow, g.sw, g.spanX) * t.c),
       slabCopies},
      {"weights", alignUp(g.inBytes * g.weightTaps * t.c * t.m), weightCopies},
      {"out", out, 2},
      {"params", alignUp(g.paramBytes * g.groups *
                         (g.paramChannels ? g.paramChannels : g.cout))},
      {"epilogue_temps", out, g.epilogueTiles},
      {"epilogue_operands", alignUp(g.epilogueBytes)},
      {"quantized", g.quantizedOut ? alignUp(t.oh * t.ow * t.m) : 0, 2},
      {"residual", g.residual ? out : 0, 2}};
}

int64_t rowPhaseBudget(const MacConv &a, ConvTiles ta, const MacConv &b,
                       ConvTiles tb) {
  return std::max(ta.m ? packedBytes(macConvLayout(a, ta)) : 0,
                  tb.m ? packedBytes(macConvLayout(b, tb)) : 0);
}

int64_t rowPhaseBudget(const rt::TargetDesc &target, const MacConv &a,
                       const MacConv &b) {
  return rowPhaseBudget(a, chooseConvTiles(target, a, a.inputTile), b,
                        chooseConvTiles(target, b, b.inputTile));
}

/// The weight chunks both passes of a phase-packed convolution's one tile
/// loop read (pass A's tiles `ta`, pass B's `tb`): a chunk of input
/// channels of each output-channel tile of each pass.
static int64_t sharedWeightChunks(const MacConv &a, const MacConv &b,
                                  ConvTiles ta, ConvTiles tb) {
  return ceilDiv(a.cin, ta.c) * (ceilDiv(a.cout, ta.m) + ceilDiv(b.cout, tb.m));
}

std::optional<RowPhaseShare> rowPhaseShare(const rt::TargetDesc &target,
                                           const MacConv &a, const MacConv &b,
                                           ConvTiles ta, int64_t budget) {
  // Pass B's grid row q0 is pass A's row 2 q0: its tile of ta.oh / 2 rows
  // reads pass A's slab (kh + ta.oh - 1 rows from the same origin; a last
  // tile of odd rows, one more, within the full tile's).
  if (ta.m == 0 || (ta.oh % 2 != 0 && ta.oh < a.oh) || a.groups != 1 ||
      a.od != 1 || a.sh != 1 || b.sh != 2 || a.residual)
    return std::nullopt;
  RowPhaseShare share;
  ConvTiles &tb = share.b;
  tb = ta;
  tb.oh = ta.oh >= a.oh ? b.oh : ta.oh / 2;
  int64_t accEntries = int64_t(target.accumulatorBytes / 4);
  tb.m = std::min<int64_t>(b.cout, accEntries / (tb.oh * tb.ow));
  if (tb.m < b.outStepX)
    return std::nullopt;
  tb.m -= tb.m % b.outStepX;
  SmallVector<SpRequest, 8> la = macConvLayout(a, ta);
  SmallVector<SpRequest, 8> lb = macConvLayout(b, tb);
  SmallVector<SpRequest, 8> layout = la;
  for (auto [i, r] : llvm::enumerate(layout))
    r.bytes = std::max(r.bytes, lb[i].bytes);
  // [3]: the parameters, pass A's then pass B's.
  share.paramsB = la[3].bytes;
  layout[3].bytes = la[3].bytes + lb[3].bytes;
  // Copies of the slab and weight chunks (ChunkCopies reuses what they
  // hold), the first that fits. Input-stationary: pass A's channel tiles
  // then pass B's per slab, a slab copy per chunk (or two). Weight-
  // stationary: pass B's tile follows pass A's last channel tile's on its
  // slab (a copy per chunk), both passes' weight chunks staying (a copy
  // each) or reloaded (two).
  // Input-stationary, every weight chunk of both passes held when they
  // fit (a copy each): the weights are read from DRAM once, not once per
  // slab.
  bool weightsStay = ta.order == LoopOrder::weight_stationary;
  int64_t stay = std::max<int64_t>(2, ceilDiv(a.cin, ta.c));
  int64_t allWeights = std::max<int64_t>(2, sharedWeightChunks(a, b, ta, tb));
  SmallVector<std::pair<int64_t, int64_t>> copies =
      weightsStay ? SmallVector<std::pair<int64_t, int64_t>>{{stay, 2 * stay},
                                                             {stay, 2}}
                  : SmallVector<std::pair<int64_t, int64_t>>{
                        {stay, allWeights}, {stay, 2}, {2, 2}};
  for (auto [slabs, weights] : copies) {
    layout[0].copies = slabs;
    layout[1].copies = weights;
    if (packedBytes(layout) <= budget) {
      // The rest of the budget reserved: the layer's high-water mark stays
      // the two loops', so the values kept on chip around it, and the
      // tiles of the layers sized by what is left, are those of before.
      if (int64_t rest = budget - packedBytes(layout); rest > 0)
        layout.push_back({"reserve", rest, 1});
      share.layout = std::move(layout);
      return share;
    }
  }
  return std::nullopt;
}

SmallVector<SpRequest, 8> depthwiseLayout(const MacConv &g, ConvTiles t) {
  // FP32 or INT8 slabs and weights; FP32 results or INT32 sums; the bias
  // or the INT8 readout rows (g.paramBytes per channel); INT8 results (a
  // requantization's, or an epilogue's quantize) in `quantized`.
  int64_t eb = g.inBytes;
  int64_t out = alignUp(4 * t.oh * t.ow * t.c);
  bool int8Tile = g.quantizedOut || g.outBytes == 1;
  return {{"slab",
           alignUp(eb * inputExtent(t.oh, g.sh, g.spanY) *
                   inputExtent(t.ow, g.sw, g.spanX) * t.c),
           2},
          {"weights", alignUp(eb * int64_t(g.taps.size()) * t.c), 2},
          {"out", out, 2},
          {"bias", alignUp(g.paramBytes * g.groups)},
          {"epilogue_temps", out, g.epilogueTiles},
          {"epilogue_operands", alignUp(g.epilogueBytes)},
          {"quantized", int8Tile ? alignUp(t.oh * t.ow * t.c) : 0, 2},
          {"residual", g.residual ? out : 0, 2}};
}

namespace {

/// Chunk loads of an operand over `outer` x `inner` tiles of `chunks`
/// chunks each, in ChunkCopies: when it stays (its chunks change with the
/// outer index only) and has a copy per chunk (`resident`, or at most two
/// chunks), each is loaded once per outer tile; otherwise, with two copies,
/// its chunks are reused only when all the inner loop's fit in them.
int64_t chunkLoads(int64_t outer, int64_t inner, int64_t chunks, bool stays,
                   bool resident) {
  if (stays && (resident || chunks <= 2))
    return outer * chunks;
  if (stays) // the chunks cycle through two copies: every step loads
    return outer * inner * chunks;
  return inner * chunks <= 2 ? inner * chunks : outer * inner * chunks;
}

} // namespace

ConvTraffic convTraffic(const MacConv &g, ConvTiles t) {
  int64_t nM = ceilDiv(g.cout, t.m), nC = ceilDiv(g.cin, t.c);
  int64_t nSpatial = g.od * ceilDiv(g.oh, t.oh) * ceilDiv(g.ow, t.ow);
  bool weightsStay = t.order == LoopOrder::weight_stationary;
  int64_t outer = weightsStay ? nM : nSpatial;
  int64_t inner = weightsStay ? nSpatial : nM;
  int64_t passes = g.batch * g.groups;
  ConvTraffic r;
  r.steps = passes * nM * nSpatial * nC;
  r.weightLoads =
      passes * chunkLoads(outer, inner, nC, weightsStay, t.resident);
  r.slabLoads = passes * chunkLoads(outer, inner, nC, !weightsStay, t.resident);
  r.slabBytes = r.slabLoads * g.inBytes * t.c * g.spanZ *
                inputExtent(t.oh, g.sh, g.spanY) *
                inputExtent(t.ow, g.sw, g.spanX);
  r.weightBytes = r.weightLoads * g.inBytes * g.weightTaps * t.c * t.m;
  return r;
}

namespace {
/// The tiles of the candidate with the fewest cycles, then bytes
/// (fewestCyclesThenBytes), its estimate through `cycles` and `bytes` when
/// asked; no tiles without candidates. Candidate: {tiles, cycles, bytes}.
template <typename Candidate>
ConvTiles bestTiles(ArrayRef<Candidate> candidates, const rt::TargetDesc &t,
                    double *cycles, double *bytes = nullptr) {
  if (candidates.empty())
    return {};
  const Candidate &best =
      fewestCyclesThenBytes<Candidate>(candidates, t, [](const Candidate &c) {
        return std::pair(c.cycles, c.bytes);
      });
  if (cycles)
    *cycles = best.cycles;
  if (bytes)
    *bytes = double(best.bytes);
  return best.tiles;
}
} // namespace

namespace {
/// What one (output-channel tile, input-channel chunk) step of a pruned
/// convolution issues, for tiles of `mt` output and `ct` input channels
/// (whatever the spatial tiles): the present weight tiles of each tap it
/// issues (none: the step is not issued), its weight load's cycles and
/// DRAM bytes (a block image per partly empty tap; a dense chunk's taps in
/// one DMA), and its channel counts. Indexed [group][output tile][chunk].
struct SparseConvStep {
  SmallVector<int64_t, 9> tapBlocks;
  uint64_t weights = 0;
  double weightBytes = 0;
  int64_t cc = 0, mc = 0;
};
std::vector<SparseConvStep> sparseConvSteps(const rt::TargetDesc &t,
                                            const MacConv &g,
                                            const WeightBlocks &w, int64_t mt,
                                            int64_t ct) {
  int64_t ib = g.inBytes, taps = g.weightTaps;
  int64_t nM = ceilDiv(g.cout, mt), nC = ceilDiv(g.cin, ct);
  std::vector<SparseConvStep> steps(size_t(g.groups * nM * nC));
  for (int64_t grp = 0; grp < g.groups; ++grp)
    for (int64_t mi = 0; mi < nM; ++mi)
      for (int64_t ci = 0; ci < nC; ++ci) {
        SparseConvStep &s = steps[size_t((grp * nM + mi) * nC + ci)];
        int64_t m0 = mi * mt, c0 = ci * ct;
        s.mc = std::min(mt, g.cout - m0);
        s.cc = std::min(ct, g.cin - c0);
        bool allDense = true;
        uint64_t tapLoads = 0;
        for (int64_t tap = 0; tap < taps; ++tap) {
          SparseStep step =
              classifyWeightStep(w, grp * taps + tap, c0, s.cc, m0, s.mc);
          if (step.kind == SparseStep::Empty) {
            allDense = false;
            continue;
          }
          s.tapBlocks.push_back(step.blocks);
          if (step.kind == SparseStep::Sparse) {
            allDense = false;
            tapLoads += rt::dmaCycles(t, 1, 1, step.imageBytes);
            s.weightBytes += double(step.imageBytes);
          } else {
            tapLoads += rt::dmaCycles(t, 1, s.cc, ib * s.mc);
            s.weightBytes += double(ib * s.cc * s.mc);
          }
        }
        s.weights =
            allDense ? rt::dmaCycles(t, 1, taps * s.cc, ib * s.mc) : tapLoads;
      }
  return steps;
}

/// A pruned convolution's tiling priced as macConvSteps and emitMacConv
/// issue it, step by step through the tile pipeline's model
/// (rt::doubleBufferedCycles): the steps of `steps` (sparseConvSteps for
/// the tiling's channel tiles) in the loop order, each with its slab and
/// weight loads, the matmuls of its present taps; a tile's last step reads
/// the accumulator out and stores it; a tile with no step clears the
/// accumulator with one empty-mask matmul. Loads are reused as chunkLoads
/// reuses a dense tiling's: the stationary operand once per outer tile for
/// each chunk, at its first use; the streaming one once when all its
/// chunks fit two copies, else at every step. `spatial`: output tiles per
/// image; `storeCycles` and `readoutCycles`: one output tile's store and
/// accumulator readout. No value when the steps are more than
/// kMaxPricedTiles.
struct SparseConvCost {
  double cycles = 0; ///< From the first load to the last store.
  /// DRAM bytes the slab and weight loads read, plus the scratchpad and
  /// accumulator bytes the matmuls move at their energy's weight (a DRAM
  /// byte costs dram_byte_pj / sram_byte_pj of them): more chunks mean
  /// more accumulator read-modify-writes, which an INT8 tiling's few DRAM
  /// bytes do not outweigh.
  double bytes = 0;
};
std::optional<SparseConvCost>
sparseConvCost(const rt::TargetDesc &t, const MacConv &g,
               ArrayRef<SparseConvStep> steps, const ConvTiles &tile,
               int64_t ihs, int64_t iws, int64_t spatial, uint64_t storeCycles,
               uint64_t readoutCycles) {
  int64_t ib = g.inBytes;
  int64_t mt = tile.m, ct = tile.c, pixels = tile.oh * tile.ow;
  int64_t nM = ceilDiv(g.cout, mt), nC = ceilDiv(g.cin, ct);
  if (g.groups * spatial * nM * nC > kMaxPricedTiles)
    return std::nullopt;
  bool weightsStay = tile.order == LoopOrder::weight_stationary;
  bool copies = tile.resident || nC <= 2; // a copy per stationary chunk
  // The streaming operand's chunks all fit two copies: each loaded once.
  bool streamOnce = weightsStay ? spatial * nC <= 2 : nM * nC <= 2;
  int64_t outer = weightsStay ? nM : spatial;
  int64_t inner = weightsStay ? spatial : nM;
  std::vector<rt::TileStages> sequence;
  double bytes = 0, sramBytes = 0;
  for (int64_t grp = 0; grp < g.groups; ++grp) {
    // Chunks already loaded: the stationary operand's in this outer tile,
    // the streaming one's (when it is loaded once) in the whole layer.
    std::vector<bool> streamed(size_t(weightsStay ? nC : nM * nC), false);
    for (int64_t o = 0; o < outer; ++o) {
      std::vector<bool> held(size_t(nC), false); // stationary, per chunk
      for (int64_t in = 0; in < inner; ++in) {
        int64_t mi = weightsStay ? o : in;
        size_t first = sequence.size();
        for (int64_t ci = 0; ci < nC; ++ci) {
          const SparseConvStep &s = steps[size_t((grp * nM + mi) * nC + ci)];
          if (s.tapBlocks.empty())
            continue;
          rt::TileStages stage;
          for (int64_t blocks : s.tapBlocks) {
            stage.compute +=
                rt::matmulCycles(t, pixels, blocks, /*fp32=*/ib != 1);
            // Its A rows, present weight tiles and accumulator rows (read
            // and written but by a chunk's first: conservatively both).
            sramBytes += double(pixels * s.cc * ib +
                                blocks * t.arrayRows * t.arrayCols * ib +
                                2 * pixels * s.mc * 4);
          }
          bool loadSlab, loadWeights;
          size_t k = size_t(weightsStay ? ci : mi * nC + ci);
          if (weightsStay) {
            loadWeights = !copies || !held[size_t(ci)];
            loadSlab = !streamOnce || !streamed[k];
          } else {
            loadSlab = !copies || !held[size_t(ci)];
            loadWeights = !streamOnce || !streamed[k];
          }
          held[size_t(ci)] = true;
          streamed[k] = true;
          if (loadSlab) {
            stage.load += rt::dmaCycles(t, 1, s.cc * g.spanZ * ihs, ib * iws);
            bytes += double(ib * s.cc * g.spanZ * ihs * iws);
          }
          if (loadWeights) {
            stage.load += s.weights;
            bytes += s.weightBytes;
          }
          sequence.push_back(stage);
        }
        if (sequence.size() == first) { // an empty-mask matmul clears it
          rt::TileStages clear;
          clear.load = rt::dmaCycles(t, 1, 1, 16);
          sequence.push_back(clear);
        }
        sequence.back().compute += readoutCycles;
        sequence.back().store = storeCycles;
      }
    }
  }
  SparseConvCost cost;
  cost.cycles = double(g.batch) * double(rt::doubleBufferedCycles(sequence));
  cost.bytes = double(g.batch) *
               (bytes + sramBytes * t.energy.sramBytePj / t.energy.dramBytePj);
  return cost;
}
} // namespace

ConvTiles chooseConvTiles(const rt::TargetDesc &t, const MacConv &g,
                          int64_t onlyC, double *cycles,
                          SmallVectorImpl<ConvTileCandidate> *all,
                          double *bytes, const WeightBlocks *blocks) {
  if (g.batch <= 0 || g.oh <= 0 || g.ow <= 0 || g.cout <= 0 || g.cin <= 0)
    return {}; // nothing to tile: the emitter issues nothing
  // Weights issued dense (--sparse-weights=false) cost what dense ones do.
  if (blocks && !blocks->skip)
    blocks = nullptr;
  int64_t R = t.arrayRows, C = t.arrayCols;
  int64_t accEntries = t.accumulatorBytes / 4;
  int64_t sramBytes = t.scratchpadBytes;
  SmallVector<const MacTap *> tapPtrs = llvm::to_vector(
      llvm::map_range(g.taps, [](const MacTap &tap) { return &tap; }));
  int64_t ib = g.inBytes, ob = g.outBytes;
  struct Candidate {
    ConvTiles tiles;
    double cycles;
    int64_t bytes;
  };
  SmallVector<Candidate> candidates;
  // Pruned candidates are priced step by step (sparseConvCost) after the
  // loop, in the order of a lower bound on their cycles (the compute and
  // store queues' work), and only while that bound is within the slack of
  // the fewest cycles priced so far: the others cannot be chosen
  // (fewestCyclesThenBytes), so the choice is the same as pricing all.
  struct Pending {
    size_t candidate;
    double bound, residual, denseCycles;
    int64_t denseBytes;
    const std::vector<SparseConvStep> *steps;
    int64_t ihs, iws, spatial;
    uint64_t store, readout;
  };
  std::deque<std::vector<SparseConvStep>> stepTables;
  std::vector<Pending> pending;
  SmallVector<int64_t> mCandidates = tileCandidates(g.cout, C);
  if (g.phaseChannels) {
    // Whole groups of a pixel's sx phases (storePhases): each candidate
    // rounded down to a multiple of sx.
    int64_t sx = g.outStepX;
    SmallVector<int64_t> rounded;
    for (int64_t mt : mCandidates)
      if (mt >= sx && !llvm::is_contained(rounded, mt - mt % sx))
        rounded.push_back(mt - mt % sx);
    mCandidates = std::move(rounded);
  }
  for (int64_t mt : mCandidates)
    for (int64_t ct : tileCandidates(g.cin, R)) {
      // The matmuls of a step: one per run of packed taps (packTaps).
      SmallVector<std::pair<const MacTap *, int64_t>> runs =
          packTaps(tapPtrs, ct, R);
      // Pruned weights on the block grid: the steps these channel tiles
      // issue, whatever the spatial tiles (sparseConvSteps).
      const std::vector<SparseConvStep> *prunedSteps = nullptr;
      if (blocks && (ct % R == 0 || ct >= g.cin) &&
          (mt % C == 0 || mt >= g.cout))
        prunedSteps =
            &stepTables.emplace_back(sparseConvSteps(t, g, *blocks, mt, ct));
      for (int64_t oht : tileCandidates(g.oh, 1))
        for (int64_t owt : tileCandidates(g.ow, 1)) {
          if (oht * owt * mt > accEntries || (onlyC && ct != onlyC))
            continue;
          int64_t ihs = inputExtent(oht, g.sh, g.spanY);
          int64_t iws = inputExtent(owt, g.sw, g.spanX);
          if (ihs > kMaxExtent || iws > kMaxExtent)
            continue;

          int64_t nM = ceilDiv(g.cout, mt), nC = ceilDiv(g.cin, ct);
          int64_t nOH = ceilDiv(g.oh, oht), nOW = ceilDiv(g.ow, owt);
          double tiles = double(g.batch * g.groups * nM * g.od * nOH * nOW);
          // DRAM beats: slab rows of iws elements, weight rows of mt, output
          // rows of owt (element runs when the output interleaves); each
          // command pays the latency.
          int64_t storedBytes = g.quantizedOut ? 1 : ob;
          int64_t outRun = g.outStepX == 1 ? storedBytes * owt : storedBytes;
          int64_t storeRuns = mt * oht * (g.outStepX == 1 ? 1 : owt);
          int64_t storeCommands = 1;
          if (g.phaseChannels) {
            // storePhases: the tile's pixels of one output row, each with
            // its sx phases, are consecutive in DRAM: one run (rt::dmaRuns)
            // per row and channel; one command per row phase ry the tile's
            // columns reach.
            outRun = storedBytes * g.outStepX * owt;
            storeRuns = ceilDiv(mt, g.outStepX) * oht;
            storeCommands =
                std::min(g.outStepY, ceilDiv(mt, g.phaseChannels * g.outStepX));
          }
          // The runtime's timing formulas (npu/runtime/Timing.h), per tile:
          // nC slab and weight loads (as convTraffic reuses them), one
          // store, nC x the step's matmuls, and the vector op that reads the
          // accumulator out.
          double slabCycles =
              tiles *
              double(rt::dmaCycles(t, nC, g.cin * g.spanZ * ihs, ib * iws));
          double weightCycles =
              tiles *
              double(rt::dmaCycles(t, nC, g.weightTaps * g.cin, ib * mt));
          double storeCycles = tiles * double(rt::dmaCycles(t, storeCommands,
                                                            storeRuns, outRun));
          double residualCycles =
              g.residual
                  ? tiles * double(rt::dmaCycles(t, 1, storeRuns,
                                                 4 * outRun / storedBytes))
                  : 0.0;
          double stepMac = 0;
          for (auto [first, length] : runs)
            stepMac += double(rt::matmulCycles(
                t, oht * owt, ceilDiv(length * ct, R) * ceilDiv(mt, C),
                /*fp32=*/ib != 1));
          double macCycles =
              tiles * double(nC) * stepMac +
              tiles * double(rt::vectorCycles(t, oht * owt * mt,
                                              /*narrow=*/false,
                                              /*transcendental=*/false));
          // Pruned weights on the block grid (planSteps issues tiles off it
          // dense): each step as it will be issued (sparseConvCost).
          bool pruned = prunedSteps != nullptr;
          uint64_t readout = rt::vectorCycles(
              t, oht * owt * mt, /*narrow=*/false, /*transcendental=*/false);
          // The pruned steps' compute queue work (a lower bound).
          double prunedCompute = 0;
          if (pruned) {
            for (const SparseConvStep &st : *prunedSteps)
              for (int64_t blocks : st.tapBlocks)
                prunedCompute +=
                    double(rt::matmulCycles(t, oht * owt, blocks, ib != 1));
            prunedCompute = prunedCompute * double(g.batch * g.od * nOH * nOW) +
                            tiles * double(readout);
          }
          for (LoopOrder order :
               {LoopOrder::weight_stationary, LoopOrder::input_stationary}) {
            // A copy per chunk of the stationary operand when that fits,
            // else two (the rule the emitter applies to recorded tiles).
            ConvTiles tile = {oht, owt, mt, ct, order};
            tile.resident = packedBytes(macConvLayout(g, tile)) <= sramBytes;
            if (!tile.resident &&
                packedBytes(macConvLayout(g, tile)) > sramBytes)
              continue;
            ConvTraffic traffic = convTraffic(g, tile);
            double steps = double(traffic.steps);
            double loadCycles =
                slabCycles * double(traffic.slabLoads) / steps +
                weightCycles * double(traffic.weightLoads) / steps +
                residualCycles;
            // The pipeline's fill and drain: the first step's loads come
            // before any matmul, the last tile's store after all of them.
            double fill = (slabCycles + weightCycles) / steps;
            double drain = storeCycles / tiles;
            int64_t readBytes = traffic.slabBytes + traffic.weightBytes;
            double pipelined = std::max({loadCycles, storeCycles, macCycles});
            if (pruned)
              pending.push_back(
                  {candidates.size(),
                   std::max(prunedCompute,
                            tiles * double(uint64_t(storeCycles / tiles))) +
                       residualCycles,
                   residualCycles, pipelined + fill + drain, readBytes,
                   prunedSteps, ihs, iws, g.od * nOH * nOW,
                   uint64_t(storeCycles / tiles), readout});
            candidates.push_back({tile, pipelined + fill + drain, readBytes});
            if (all) {
              ConvTileCandidate c;
              c.tiles = tile;
              c.load = loadCycles;
              c.slabLoad = slabCycles * double(traffic.slabLoads) / steps;
              c.weightsEveryTile = weightCycles;
              c.store = storeCycles;
              c.mac = macCycles;
              c.fill = fill;
              c.drain = drain;
              c.bytes = readBytes;
              c.slabBytes = traffic.slabBytes;
              c.weightBytesEveryTile =
                  int64_t(tiles) * nC * g.inBytes * g.weightTaps * ct * mt;
              all->push_back(c);
            }
          }
        }
    }
  if (!pending.empty()) {
    double fewest = std::numeric_limits<double>::infinity();
    std::vector<bool> isPending(candidates.size(), false);
    for (const Pending &p : pending)
      isPending[p.candidate] = true;
    for (size_t i = 0; i < candidates.size(); ++i)
      if (!isPending[i])
        fewest = std::min(fewest, candidates[i].cycles);
    llvm::stable_sort(pending, [](const Pending &a, const Pending &b) {
      return a.bound < b.bound;
    });
    for (const Pending &p : pending) {
      Candidate &c = candidates[p.candidate];
      if (p.bound > fewest * (1 + kCycleSlackForBytes)) {
        c.cycles = p.bound; // outside the slack: never chosen
        continue;
      }
      if (std::optional<SparseConvCost> sparse =
              sparseConvCost(t, g, *p.steps, c.tiles, p.ihs, p.iws, p.spatial,
                             p.store, p.readout)) {
        // The sequence includes the pipeline's fill and drain.
        c.cycles = sparse->cycles + p.residual;
        c.bytes = int64_t(sparse->bytes);
      } else {
        c.cycles = p.denseCycles;
        c.bytes = p.denseBytes;
      }
      fewest = std::min(fewest, c.cycles);
    }
  }
  return bestTiles<Candidate>(candidates, t, cycles, bytes);
}

ConvTiles chooseRowPhaseTiles(const rt::TargetDesc &t, const MacConv &a,
                              const MacConv &b, int64_t onlyC, int64_t budget,
                              double *cycles, double *bytes) {
  SmallVector<ConvTileCandidate> as, bs;
  chooseConvTiles(t, a, onlyC, nullptr, &as);
  chooseConvTiles(t, b, onlyC, nullptr, &bs);
  struct Candidate {
    ConvTiles tiles;
    double cycles, bytes;
  };
  SmallVector<Candidate> candidates;
  for (const ConvTileCandidate &x : as) {
    std::optional<RowPhaseShare> share =
        rowPhaseShare(t, a, b, x.tiles, budget);
    if (!share)
      continue;
    const ConvTiles &tb = share->b;
    const ConvTileCandidate *y = nullptr;
    for (const ConvTileCandidate &c : bs)
      if (std::tie(c.tiles.oh, c.tiles.ow, c.tiles.m, c.tiles.c,
                   c.tiles.order) ==
          std::tie(tb.oh, tb.ow, tb.m, tb.c, tb.order))
        y = &c;
    if (!y)
      continue;
    // Pass B reads pass A's slabs. Weight-stationary with two weight
    // copies: pass A's last channel tile's weights and pass B's are loaded
    // with every tile.
    double load = x.load + y->load - y->slabLoad;
    double read = double(x.bytes + y->bytes - y->slabBytes);
    if (x.tiles.order == LoopOrder::weight_stationary &&
        share->layout[1].copies == 2) {
      int64_t nM = ceilDiv(a.cout, x.tiles.m);
      load += x.weightsEveryTile / double(nM) + y->weightsEveryTile;
      read += double(x.weightBytesEveryTile) / double(nM) +
              double(y->weightBytesEveryTile);
    }
    // Input-stationary: each model counts its own weight chunks as held
    // across the output-channel tiles of a slab; in the one tile loop both
    // passes' chunks share the weight copies, so unless those hold every
    // chunk (rowPhaseShare's first choice) each step loads its chunk again.
    if (x.tiles.order == LoopOrder::input_stationary) {
      int64_t chunks = sharedWeightChunks(a, b, x.tiles, share->b);
      if (share->layout[1].copies < chunks) {
        load += x.weightsEveryTile + y->weightsEveryTile -
                (x.load - x.slabLoad) - (y->load - y->slabLoad);
        read += double(x.weightBytesEveryTile + y->weightBytesEveryTile) -
                double(x.bytes - x.slabBytes + y->bytes - y->slabBytes);
      }
    }
    double total = std::max({load, x.store + y->store, x.mac + y->mac}) +
                   x.fill + y->drain;
    candidates.push_back({x.tiles, total, read});
  }
  return bestTiles<Candidate>(candidates, t, cycles, bytes);
}

ConvTiles chooseDepthwiseTiles(const rt::TargetDesc &target, const MacConv &g) {
  int64_t C = g.groups, taps = int64_t(g.taps.size());
  if (g.oh <= 0 || g.ow <= 0 || C <= 0)
    return ConvTiles{}; // nothing to tile: the emitter issues nothing
  int64_t lanes = target.vectorLanes32;
  struct Candidate {
    ConvTiles tiles;
    double cycles, bytes;
  };
  SmallVector<Candidate> candidates;
  for (int64_t ct : tileCandidates(C, lanes))
    for (int64_t oht : tileCandidates(g.oh, 1))
      for (int64_t owt : tileCandidates(g.ow, 1)) {
        int64_t ihs = inputExtent(oht, g.sh, g.spanY);
        int64_t iws = inputExtent(owt, g.sw, g.spanX);
        if (ihs > kMaxExtent || iws > kMaxExtent)
          continue;
        if (packedBytes(depthwiseLayout(g, {oht, owt, 1, ct})) >
            int64_t(target.scratchpadBytes))
          continue;
        // The runtime's timing formulas, per tile (the last tile along an
        // axis may be partial): the slab and the weights, one store; FP32:
        // a multiply-accumulate per tap; INT8: one dot over the window, then
        // the readout (one vec.requant, or one vec.convert itof_affine).
        int64_t eb = g.inBytes;
        bool int8Tile = g.quantizedOut || g.outBytes == 1;
        auto stages = [&](int64_t c, int64_t h, int64_t w) {
          int64_t ih = inputExtent(h, g.sh, g.spanY);
          int64_t iw = inputExtent(w, g.sw, g.spanX), outputs = h * w * c;
          rt::TileStages s;
          s.load = rt::dmaCycles(target, 1, c * ih, eb * iw) +
                   rt::dmaCycles(target, 1, taps, eb * c);
          if (g.residual) // loaded in the store's box
            s.load += rt::dmaCycles(target, 1, c * h, 4 * w);
          s.store = rt::dmaCycles(target, 1, c * h, (int8Tile ? 1 : 4) * w);
          uint64_t lanes32 = rt::vectorCycles(target, outputs, /*narrow=*/false,
                                              /*transcendental=*/false);
          s.compute = eb == 1
                          ? rt::poolDotCycles(target, outputs, taps) + lanes32
                          : uint64_t(taps) * lanes32;
          return s;
        };
        // DRAM bytes read: each tile's slab (halo rows and columns again)
        // and weights, by class of tile extents.
        double bytes = 0;
        for (auto [c, cn] : tileExtents(C, ct))
          for (auto [h, hn] : tileExtents(g.oh, oht))
            for (auto [w, wn] : tileExtents(g.ow, owt))
              bytes += double(g.batch * cn * hn * wn * eb) *
                       double(c * inputExtent(h, g.sh, g.spanY) *
                                  inputExtent(w, g.sw, g.spanX) +
                              taps * c);
        // The tiles in emission order (channels, rows, columns), priced as
        // they pipeline (rt::doubleBufferedCycles: a partial tile between
        // full ones stalls a queue), once per image. Beyond kMaxPricedTiles,
        // the steady state: the busiest queue's total plus one tile's fill
        // and drain.
        int64_t nc = ceilDiv(C, ct), nh = ceilDiv(g.oh, oht);
        int64_t nw = ceilDiv(g.ow, owt), n = g.batch * nc * nh * nw;
        double cycles = 0;
        if (n > kMaxPricedTiles) {
          rt::TileStages first = stages(ct, oht, owt);
          cycles =
              double(n) *
                  double(std::max({first.load, first.compute, first.store})) +
              double(first.load + first.store);
        } else {
          // Each axis has at most two tile extents (full, and a partial
          // last one): the stages of the (at most eight) combinations once.
          rt::TileStages classes[2][2][2];
          for (int ci = 0; ci < 2; ++ci)
            for (int yi = 0; yi < 2; ++yi)
              for (int xi = 0; xi < 2; ++xi)
                classes[ci][yi][xi] = stages(ci ? C - (nc - 1) * ct : ct,
                                             yi ? g.oh - (nh - 1) * oht : oht,
                                             xi ? g.ow - (nw - 1) * owt : owt);
          std::vector<rt::TileStages> sequence;
          sequence.reserve(size_t(nc * nh * nw));
          for (int64_t i = 0; i < nc; ++i)
            for (int64_t y = 0; y < nh; ++y)
              for (int64_t x = 0; x < nw; ++x)
                sequence.push_back(
                    classes[i == nc - 1][y == nh - 1][x == nw - 1]);
          cycles = double(g.batch) * double(rt::doubleBufferedCycles(sequence));
        }
        candidates.push_back({{oht, owt, 1, ct}, cycles, bytes});
      }
  if (candidates.empty())
    return ConvTiles{};
  return fewestCyclesThenBytes<Candidate>(
             candidates, target,
             [](const Candidate &c) { return std::pair(c.cycles, c.bytes); })
      .tiles;
}

SmallVector<std::pair<const MacTap *, int64_t>>
packTaps(ArrayRef<const MacTap *> taps, int64_t ct, int64_t arrayRows) {
  // The slab is channels-innermost ([z][y][x][c]) and a step's weights are
  // [tap][c][m]: taps one column apart in the slab and one apart in the
  // weights read as one A row of run x ct elements against run x ct
  // consecutive W rows, summed in the same order as one tap at a time.
  int64_t most = ct < arrayRows ? std::max<int64_t>(1, arrayRows / ct) : 1;
  SmallVector<std::pair<const MacTap *, int64_t>> runs;
  for (const MacTap *tap : taps) {
    if (!runs.empty()) {
      auto &[first, length] = runs.back();
      if (length < most && tap->dz == first->dz && tap->dy == first->dy &&
          tap->dx == first->dx + length &&
          tap->weightTap == first->weightTap + length) {
        ++length;
        continue;
      }
    }
    runs.push_back({tap, 1});
  }
  return runs;
}

} // namespace npu::codegen
