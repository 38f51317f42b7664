//===- Sparsity.cpp - zero weight blocks of constant matmul weights ------===//
//
// The sparsity analysis behind pruning-aware matmul tiling: which of the
// MAC array's R x C weight tiles of a constant W[K,N] are all zero, and how
// each K step of a tiling is then issued (skipped, block-sparse from a
// compile-time image, or dense). docs/codegen.md, "Sparse weights".
//
//===----------------------------------------------------------------------===//

#include "npu/Conversion/NpuToNpuIsa/Codegen.h"

#include "npu/runtime/Descriptors.h"
#include "npu/runtime/Executable.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>

using namespace mlir;
using namespace npu;
namespace rt = npu::rt;

namespace npu::codegen {

int64_t WeightBlocks::present(int64_t i, int64_t kb0, int64_t kb1, int64_t nb0,
                              int64_t nb1) const {
  int64_t count = 0;
  for (int64_t kb = kb0; kb < kb1; ++kb)
    for (int64_t nb = nb0; nb < nb1; ++nb)
      count += nonZero[size_t((i * kBlocks + kb) * nBlocks + nb)];
  return count;
}

bool WeightBlocks::analyze() {
  kBlocks = ceilDiv(K, R);
  nBlocks = ceilDiv(N, C);
  nonZero.clear();
  nonZero.resize(size_t(matrices * kBlocks * nBlocks));
  zeroElements = 0;
  // Row by row, one block's run of a row at a time (a linear pass over the
  // bytes: every compile analyses every constant weight, several times).
  const uint8_t *p = bytes.data();
  for (int64_t i = 0; i < matrices; ++i)
    for (int64_t k = 0; k < K; ++k) {
      size_t rowBlocks = size_t((i * kBlocks + k / R) * nBlocks);
      for (int64_t nb = 0; nb < nBlocks; ++nb) {
        int64_t run = std::min(C, N - nb * C);
        // Elements whose value is zero (-0.0 too: its products add nothing)
        // and whose bytes are (an element image keeps -0.0).
        int64_t zeroValues = 0, zeroBytes = 0;
        if (elemBytes == 1) {
          for (int64_t n = 0; n < run; ++n)
            zeroValues += p[n] == 0;
          zeroBytes = zeroValues;
        } else {
          for (int64_t n = 0; n < run; ++n) {
            uint32_t bits;
            std::memcpy(&bits, p + 4 * n, 4);
            zeroValues += (bits & 0x7fffffffu) == 0;
            zeroBytes += bits == 0;
          }
        }
        zeroElements += zeroBytes;
        if (zeroValues != run)
          nonZero.set(rowBlocks + size_t(nb));
        p += run * elemBytes;
      }
    }
  zeroBlock = !nonZero.all();
  return zeroBlock;
}

/// The constant behind `v` (through views: reshapes, storage casts) and its
/// raw bytes, when its elements are FP32 (`int8` false) or 8-bit integer
/// codes.
static bool weightBytes(Value v, bool int8, std::vector<uint8_t> &out) {
  while (auto view = v.getDefiningOp<ViewLikeOpInterface>())
    v = view.getViewSource();
  auto constant = v.getDefiningOp<ConstantOp>();
  if (!constant)
    return false;
  Type element =
      cast<ShapedType>(constant.getValue().getType()).getElementType();
  if (int8 ? !element.isSignlessInteger(8) : !element.isF32())
    return false;
  auto value = dyn_cast<ElementsAttr>(constant.getValue());
  return value && readConstantBytes(value, int8 ? 1 : 4, out);
}

/// False when the module says `npu.sparse_weights = false` (npu-compile
/// --sparse-weights=false): every weight tile is then issued dense.
static bool sparseWeightsEnabled(Operation *op) {
  return moduleFlagOn(op, "npu.sparse_weights");
}

/// False when the module says `npu.compress_weights = false` (npu-compile
/// --compress-weights=false): the dense weights stay in the executable.
static bool compressWeightsEnabled(Operation *op) {
  return moduleFlagOn(op, "npu.compress_weights");
}

std::optional<WeightBlocks>
matmulWeightBlocks(MatMulOp op, const rt::TargetDesc &t, bool compressible) {
  if (!sparseWeightsEnabled(op) && !compressWeightsEnabled(op))
    return std::nullopt;
  MatmulShape s = matmulShape(op);
  if (s.w.size() != 2 || s.k == 0 || s.n == 0)
    return std::nullopt;
  WeightBlocks blocks;
  bool int8 = hasQuantizedInput(op);
  blocks.elemBytes = int8 ? 1 : 4;
  if (!weightBytes(op.getRhs(), int8, blocks.bytes))
    return std::nullopt;
  blocks.R = t.arrayRows;
  blocks.C = t.arrayCols;
  blocks.K = s.k;
  blocks.N = s.n;
  blocks.skip = sparseWeightsEnabled(op);
  if (!blocks.analyze() && !(compressible && compressWeightsEnabled(op) &&
                             blocks.elementCompressible()))
    return std::nullopt; // dense weights keep today's code exactly
  return blocks;
}

std::optional<WeightBlocks> convWeightBlocks(ConvOp op, const MacConv &g,
                                             const rt::TargetDesc &t,
                                             bool compressible) {
  if (isDepthwise(g) || g.cin == 0 || g.cout == 0 ||
      (!sparseWeightsEnabled(op) && !compressWeightsEnabled(op)))
    return std::nullopt;
  bool int8 = g.inBytes == 1;
  std::vector<uint8_t> raw;
  if (!weightBytes(op.getWeight(), int8, raw))
    return std::nullopt;
  WeightBlocks blocks;
  blocks.elemBytes = int8 ? 1 : 4;
  int64_t eb = blocks.elemBytes, taps = g.weightTaps;
  if (int64_t(raw.size()) != g.groups * g.cout * g.cin * taps * eb)
    return std::nullopt;
  // [M][C/g][taps] -> [g][taps][C/g][M/g], the order emitMacConv loads.
  blocks.bytes.resize(raw.size());
  for (int64_t grp = 0; grp < g.groups; ++grp)
    for (int64_t tap = 0; tap < taps; ++tap)
      for (int64_t c = 0; c < g.cin; ++c)
        for (int64_t m = 0; m < g.cout; ++m)
          std::memcpy(blocks.bytes.data() +
                          (((grp * taps + tap) * g.cin + c) * g.cout + m) * eb,
                      raw.data() +
                          (((grp * g.cout + m) * g.cin + c) * taps + tap) * eb,
                      size_t(eb));
  blocks.R = t.arrayRows;
  blocks.C = t.arrayCols;
  blocks.K = g.cin;
  blocks.N = g.cout;
  blocks.matrices = g.groups * taps;
  blocks.skip = sparseWeightsEnabled(op);
  if (!blocks.analyze() && !(compressible && compressWeightsEnabled(op) &&
                             blocks.elementCompressible()))
    return std::nullopt;
  return blocks;
}

SparseStep classifyWeightStep(const WeightBlocks &w, int64_t i, int64_t k0,
                              int64_t kt, int64_t n0, int64_t nt) {
  int64_t kb0 = k0 / w.R, kb1 = ceilDiv(k0 + kt, w.R);
  int64_t nb0 = n0 / w.C, nb1 = ceilDiv(n0 + nt, w.C);
  int64_t total = (kb1 - kb0) * (nb1 - nb0);
  SparseStep step;
  if (!w.skip) { // every tile issued dense
    step.blocks = total;
    return step;
  }
  step.blocks = w.present(i, kb0, kb1, nb0, nb1);
  if (step.blocks == 0) {
    step.kind = SparseStep::Empty;
    return step;
  }
  int64_t imageBytes = int64_t(rt::sparseMaskBytes(uint64_t(total))) +
                       step.blocks * w.R * w.C * w.elemBytes;
  // Block-sparse when its image fits where the dense tile goes (eb * kt *
  // nt bytes) and one DMA command (a 16-bit count of 4-byte elements); a
  // full tile stays dense.
  if (step.blocks < total && imageBytes <= kt * nt * w.elemBytes &&
      imageBytes / 4 <= kMaxExtent) {
    step.kind = SparseStep::Sparse;
    step.imageBytes = imageBytes;
  } else {
    step.blocks = total;
  }
  return step;
}

/// Appends to `image` the block image of W_i[k0:k0+kt, n0:n0+nt] for
/// i in [i0, i0 + planes): the mask (bit b = (plane * KB + kb) * NB + nb,
/// LSB first) then the present blocks, R x C row-major each, edges
/// zero-padded. For one plane it is the layout the MAC array's sparse mode
/// reads (rt::sparseMaskBytes); for several, the image dma.expand expands
/// (rt::ExpandGeometry). Returns its offset; its size is `bytes`.
static int64_t appendImage(const WeightBlocks &w, int64_t i0, int64_t planes,
                           int64_t k0, int64_t kt, int64_t n0, int64_t nt,
                           std::vector<uint8_t> &image, int64_t &bytes) {
  int64_t R = w.R, C = w.C, eb = w.elemBytes;
  int64_t offset = int64_t(image.size());
  int64_t kb0 = k0 / R, nb0 = n0 / C;
  int64_t KB = ceilDiv(kt, R), NB = ceilDiv(nt, C);
  size_t mask = image.size();
  image.resize(mask + rt::sparseMaskBytes(uint64_t(planes * KB * NB)), 0);
  for (int64_t p = 0; p < planes; ++p) {
    int64_t i = i0 + p;
    const uint8_t *matrix = w.bytes.data() + i * w.K * w.N * eb;
    for (int64_t kb = 0; kb < KB; ++kb)
      for (int64_t nb = 0; nb < NB; ++nb) {
        if (!w.nonZero[size_t((i * w.kBlocks + kb0 + kb) * w.nBlocks + nb0 +
                              nb)])
          continue;
        int64_t b = (p * KB + kb) * NB + nb;
        image[mask + size_t(b / 8)] |= uint8_t(1u << (b % 8));
        size_t at = image.size();
        image.resize(at + size_t(R * C * eb), 0);
        int64_t rows = std::min(R, kt - kb * R),
                cols = std::min(C, nt - nb * C);
        for (int64_t r = 0; r < rows; ++r)
          std::memcpy(image.data() + at + r * C * eb,
                      matrix + ((k0 + kb * R + r) * w.N + n0 + nb * C) * eb,
                      size_t(cols * eb));
      }
  }
  bytes = int64_t(image.size()) - offset;
  return offset;
}

/// Appends W_i[k0:k0+kt, n0:n0+nt] for i in [i0, i0 + planes) for a dense
/// step: its dma.expand image, or (`raw`) when every block is present its
/// bytes as they are, [plane][kt][nt] row-major. Raw bytes are replaced by
/// their dma.expand.elem image (`elements`, rt::compressElements) when that
/// is strictly smaller; a block image is not: dma.expand.elem writes the
/// dense box at the DRAM rate (rt::dmaExpandElemCycles), dma.expand only
/// reads its smaller image, so the element image would save bytes but cost
/// cycles.
static int64_t appendDense(const WeightBlocks &w, int64_t i0, int64_t planes,
                           int64_t k0, int64_t kt, int64_t n0, int64_t nt,
                           std::vector<uint8_t> &image, int64_t &bytes,
                           bool &raw, bool &elements) {
  int64_t kb0 = k0 / w.R, kb1 = ceilDiv(k0 + kt, w.R);
  int64_t nb0 = n0 / w.C, nb1 = ceilDiv(n0 + nt, w.C);
  int64_t eb = w.elemBytes, offset = int64_t(image.size());
  raw = true;
  for (int64_t p = 0; p < planes; ++p)
    raw &= w.present(i0 + p, kb0, kb1, nb0, nb1) == (kb1 - kb0) * (nb1 - nb0);
  elements = false;
  if (!raw)
    return appendImage(w, i0, planes, k0, kt, n0, nt, image, bytes);
  // The box as the expansion writes it: [plane][kt][nt].
  std::vector<uint8_t> box;
  box.reserve(size_t(planes * kt * nt * eb));
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t k = k0; k < k0 + kt; ++k) {
      const uint8_t *row =
          w.bytes.data() + (((i0 + p) * w.K + k) * w.N + n0) * eb;
      box.insert(box.end(), row, row + nt * eb);
    }
  image.insert(image.end(), box.begin(), box.end());
  bytes = int64_t(image.size()) - offset;
  if (w.zeroElements == 0)
    return offset;
  bin::DmaDesc desc = rt::makeDmaDesc(
      uint8_t(eb), {uint16_t(nt), uint16_t(kt), uint16_t(planes), 1}, {}, {});
  std::vector<uint8_t> packed =
      rt::compressElements(desc, uint32_t(w.R), uint32_t(w.C), box.data());
  if (int64_t(packed.size()) < bytes) {
    image.resize(size_t(offset));
    image.insert(image.end(), packed.begin(), packed.end());
    bytes = int64_t(packed.size());
    raw = false;
    elements = true;
  }
  return offset;
}

/// The plan over `matrices` x N tiles x K steps of (kTile, nTile): the
/// all-zero mask first, then one image per sparse step in step order; with
/// `compress`, also one dma.expand image per chunk whose steps are all
/// dense (all its taps), else per dense step, so no step reads the dense
/// weights.
static SparseWeightPlan planSteps(const WeightBlocks &w, int64_t kTile,
                                  int64_t nTile, int64_t matricesPerTile,
                                  bool compress) {
  SparseWeightPlan plan;
  plan.kSteps = ceilDiv(w.K, kTile);
  plan.nTiles = ceilDiv(w.N, nTile);
  plan.taps = matricesPerTile;
  plan.zeroMaskBytes = int64_t(
      rt::sparseMaskBytes(uint64_t(ceilDiv(std::min(kTile, w.K), w.R) *
                                   ceilDiv(std::min(nTile, w.N), w.C))));
  int64_t groups = w.matrices / matricesPerTile;
  // Tiles off the block grid (hand-edited) are issued dense.
  if ((kTile % w.R && kTile < w.K) || (nTile % w.C && nTile < w.N)) {
    SparseStep dense;
    dense.blocks = ceilDiv(kTile, w.R) * ceilDiv(nTile, w.C);
    plan.steps.assign(
        size_t(groups * plan.nTiles * plan.kSteps * matricesPerTile), dense);
    plan.chunks.assign(size_t(groups * plan.nTiles * plan.kSteps),
                       SparseChunk());
    return plan;
  }
  std::vector<uint8_t> image(size_t(plan.zeroMaskBytes), 0);
  bool anyImage = false, anyEmptyTile = false;
  for (int64_t grp = 0; grp < groups; ++grp)
    for (int64_t ni = 0; ni < plan.nTiles; ++ni) {
      int64_t n0 = ni * nTile, nt = std::min(nTile, w.N - n0);
      bool empty = true;
      for (int64_t ki = 0; ki < plan.kSteps; ++ki) {
        int64_t k0 = ki * kTile, kt = std::min(kTile, w.K - k0);
        size_t first = plan.steps.size();
        for (int64_t tap = 0; tap < matricesPerTile; ++tap) {
          int64_t i = grp * matricesPerTile + tap;
          SparseStep step = classifyWeightStep(w, i, k0, kt, n0, nt);
          empty &= step.kind == SparseStep::Empty;
          if (step.kind == SparseStep::Sparse) {
            anyImage = true;
            [[maybe_unused]] int64_t predicted = step.imageBytes;
            step.imageOffset =
                appendImage(w, i, 1, k0, kt, n0, nt, image, step.imageBytes);
            assert(step.imageBytes == predicted && "the image's size moved");
          }
          plan.steps.push_back(step);
        }
        SparseChunk chunk;
        if (compress) {
          auto steps =
              MutableArrayRef<SparseStep>(plan.steps).drop_front(first);
          if (llvm::all_of(steps, [](const SparseStep &st) {
                return st.kind == SparseStep::Dense;
              }))
            chunk.expandOffset =
                appendDense(w, grp * matricesPerTile, matricesPerTile, k0, kt,
                            n0, nt, image, chunk.expandBytes, chunk.expandRaw,
                            chunk.expandElements);
          else
            for (auto [tap, st] : llvm::enumerate(steps))
              if (st.kind == SparseStep::Dense)
                st.expandOffset = appendDense(
                    w, grp * matricesPerTile + int64_t(tap), 1, k0, kt, n0, nt,
                    image, st.expandBytes, st.expandRaw, st.expandElements);
        }
        plan.chunks.push_back(chunk);
      }
      anyEmptyTile |= empty;
    }
  plan.compressed = compress;
  if (!compress && !anyImage && !anyEmptyTile)
    return plan; // only skipped and dense steps: no table
  plan.table = std::move(image);
  return plan;
}

/// The compressed plan when the module allows it, every image fits one
/// dma.expand (its 24-bit Bytes field) and its table is smaller than the
/// dense weights plus the uncompressed plan's table; else the uncompressed
/// plan.
static SparseWeightPlan choosePlan(Operation *op, const WeightBlocks &w,
                                   int64_t kTile, int64_t nTile,
                                   int64_t matricesPerTile) {
  SparseWeightPlan plain = planSteps(w, kTile, nTile, matricesPerTile, false);
  if (!compressWeightsEnabled(op))
    return plain;
  SparseWeightPlan packed = planSteps(w, kTile, nTile, matricesPerTile, true);
  constexpr int64_t kMaxImage = (int64_t(1) << 24) - 1;
  bool fits = llvm::all_of(packed.chunks,
                           [](const SparseChunk &c) {
                             return c.expandBytes <= kMaxImage;
                           }) &&
              llvm::all_of(packed.steps, [](const SparseStep &st) {
                return st.expandBytes <= kMaxImage;
              });
  if (fits && !packed.table.empty() &&
      packed.table.size() < plain.table.size() + w.bytes.size())
    return packed;
  return plain;
}

SparseWeightPlan planSparseMatmul(MatMulOp op, const WeightBlocks &w,
                                  MatmulTiles tiles) {
  // The dense W can be left out only when nothing else reads it.
  auto constant = op.getRhs().getDefiningOp<ConstantOp>();
  if (!constant || !constant->hasOneUse())
    return planSteps(w, tiles.k, tiles.n, 1, false);
  return choosePlan(op, w, tiles.k, tiles.n, 1);
}

SparseWeightPlan planSparseConv(ConvOp op, const WeightBlocks &w,
                                const MacConv &g, ConvTiles tiles) {
  return choosePlan(op, w, tiles.c, tiles.m, g.weightTaps);
}

ElementsAttr SparseWeightPlan::tableAttr(MLIRContext *context) const {
  if (table.empty())
    return {};
  auto type = RankedTensorType::get({int64_t(table.size())},
                                    IntegerType::get(context, 8));
  return DenseElementsAttr::get(
      type, ArrayRef<int8_t>(reinterpret_cast<const int8_t *>(table.data()),
                             table.size()));
}

namespace {
/// A matmul's sparse plan for its recorded (else chosen) tiles, or nullopt
/// (dense weights, or no tiling).
std::optional<SparseWeightPlan> sparseMatmulPlan(MatMulOp op,
                                                 const rt::TargetDesc &target) {
  std::optional<WeightBlocks> blocks =
      matmulWeightBlocks(op, target, /*compressible=*/true);
  if (!blocks)
    return std::nullopt;
  MatmulShape s = matmulShape(op);
  MatmulTiles tiles =
      chooseMatmulTiles(matmulTarget(op, target), s.m, s.n, s.k,
                        hasQuantizedInput(op), blocks->forTiling());
  if (auto rec = recordedTiles(op, {"m", "n", "k"}))
    tiles = {(*rec)[0], (*rec)[1], (*rec)[2]};
  if (tiles.m <= 0 || tiles.n <= 0 || tiles.k <= 0)
    return std::nullopt;
  return planSparseMatmul(op, *blocks, tiles);
}

/// A MAC-array convolution's sparse plan for its recorded tiles, or nullopt
/// (dense or depthwise weights, or no recorded tiles: emitted dense).
std::optional<SparseWeightPlan> sparseConvPlan(ConvOp op,
                                               const rt::TargetDesc &target) {
  MacConv g;
  if (!convGeometry(op, g) || isDepthwise(g))
    return std::nullopt;
  auto rec = recordedTiles(op, {"oh", "ow", "m", "c"});
  if (!rec || (*rec)[2] <= 0 || (*rec)[3] <= 0)
    return std::nullopt;
  std::optional<WeightBlocks> blocks =
      convWeightBlocks(op, g, target, /*compressible=*/true);
  if (!blocks)
    return std::nullopt;
  ConvTiles tiles{(*rec)[0], (*rec)[1], (*rec)[2], (*rec)[3]};
  return planSparseConv(op, *blocks, g, tiles);
}
} // namespace

ElementsAttr sparseMatmulTable(MatMulOp op, const rt::TargetDesc &target) {
  std::optional<SparseWeightPlan> plan = sparseMatmulPlan(op, target);
  return plan ? plan->tableAttr(op.getContext()) : ElementsAttr();
}

ElementsAttr sparseConvTable(ConvOp op, const rt::TargetDesc &target) {
  std::optional<SparseWeightPlan> plan = sparseConvPlan(op, target);
  return plan ? plan->tableAttr(op.getContext()) : ElementsAttr();
}

bool sparseConvCompressed(ConvOp op, const rt::TargetDesc &target) {
  std::optional<SparseWeightPlan> plan = sparseConvPlan(op, target);
  return plan && plan->compressed;
}

bool sparseMatmulCompressed(MatMulOp op, const rt::TargetDesc &target) {
  std::optional<SparseWeightPlan> plan = sparseMatmulPlan(op, target);
  return plan && plan->compressed;
}

} // namespace npu::codegen
