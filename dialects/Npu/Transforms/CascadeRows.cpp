//===- CascadeRows.cpp - chains of layers run band by band on chip -------===//
//
// A cascade (docs/codegen.md, "Row-band cascades"): a chain of layers whose
// intermediate tensors are too large for the scratchpad runs band by band.
// Band b of every layer is computed before band b + 1 of any, each band
// small enough to be kept on chip (npu-plan-memory's keepOnChip), so the
// chain reads its input once and writes its output once, and nothing in
// between reaches DRAM. A consumer's band reads the rows its window needs:
// its producer's band plus the halo rows the band before it computed (a
// slice and a concat in the scratchpad), so no row is computed twice.
//
// The band partition is worked backwards from the chain's last value (equal
// bands of its rows): each producer's band b ends at the last row its
// consumer's band b reads, so a consumer never waits for a later band of
// its producer. TPU-MLIR's layer groups (lib/Dialect/Tpu/Transforms/
// LayerGroup: slices along H with backward-inferred input ranges, kept in
// local memory) and Arm Vela's cascades (ethos-u-vela `cascade_builder.py`:
// stripes of the IFM with the rows the next kernel needs) are the anchors;
// unlike TPU-MLIR's slices, bands here share halo rows instead of computing
// them again.
//
//===----------------------------------------------------------------------===//

#include "npu/Dialect/Npu/IR/NpuOps.h"
#include "npu/Dialect/Npu/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Builders.h"

namespace npu {
#define GEN_PASS_DEF_CASCADEROWS
#include "npu/Dialect/Npu/Transforms/Passes.h.inc"
} // namespace npu

using namespace mlir;
using namespace npu;

namespace {

/// The row axis of an NCHW tensor.
constexpr unsigned kRowAxis = 2;

/// A half-open range of rows.
struct Rows {
  int64_t begin = 0, end = 0;
  int64_t size() const { return end - begin; }
  bool empty() const { return end <= begin; }
  /// The rows of these within [0, height): what a window reads of a
  /// tensor of `height` rows, the rest being its padding.
  Rows within(int64_t height) const {
    return {std::max<int64_t>(begin, 0), std::min(end, height)};
  }
};

int64_t rowsOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getDimSize(kRowAxis);
}

int64_t bytesOf(Value v) { return byteSize(v.getType()); }

/// A convolution over NCHW with a rank-4 result: row-local along H.
ConvOp rowConv(Operation *op) {
  auto conv = dyn_cast<ConvOp>(op);
  if (!conv || conv.getInput().getType().getRank() != 4 ||
      conv.getType().getRank() != 4 || conv.getPads().size() != 4 ||
      conv.getStrides().size() != 2 || conv.getDilations().size() != 2)
    return {};
  return conv;
}

/// Whether operand `i` of the elementwise op `op` (rank-4 result) has the
/// result's rows (else it broadcasts along H and is read whole).
bool rowOperand(Operation *op, unsigned i) {
  auto out = cast<RankedTensorType>(op->getResult(0).getType());
  auto t = dyn_cast<RankedTensorType>(op->getOperand(i).getType());
  if (!t)
    return false;
  int64_t axis = t.getRank() - out.getRank() + kRowAxis;
  return axis >= 0 && t.getDimSize(axis) == out.getDimSize(kRowAxis) &&
         out.getDimSize(kRowAxis) != 1;
}

/// Whether `op` computes each output row from a window of rows of its row
/// operands: a 2-D convolution, or an elementwise op (with broadcasting)
/// of a rank-4 static result whose operands have its rows or broadcast
/// along them.
bool isRowLocal(Operation *op) {
  if (op->getNumResults() != 1 || op->getNumRegions() != 0)
    return false;
  auto out = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!out || out.getRank() != 4 || !out.hasStaticShape())
    return false;
  // A band of a value quantized per row would need its own scales.
  auto perRow = [](Type t) {
    auto q = dyn_cast<quant::UniformQuantizedPerAxisType>(
        cast<RankedTensorType>(t).getElementType());
    return q && q.getQuantizedDimension() == int32_t(kRowAxis);
  };
  if (perRow(out) || (op->getNumOperands() > 0 &&
                      isa<RankedTensorType>(op->getOperand(0).getType()) &&
                      perRow(op->getOperand(0).getType())))
    return false;
  if (rowConv(op))
    return true;
  if (!op->hasTrait<OpTrait::Elementwise>() &&
      !op->hasTrait<OpTrait::ResultsBroadcastableShape>())
    return false;
  for (unsigned i = 0; i < op->getNumOperands(); ++i) {
    auto t = dyn_cast<RankedTensorType>(op->getOperand(i).getType());
    if (!t || !t.hasStaticShape() || t.getRank() > 4)
      return false;
    int64_t axis = t.getRank() - out.getRank() + kRowAxis;
    if (axis >= 0 && !rowOperand(op, i) && t.getDimSize(axis) != 1)
      return false;
  }
  return true;
}

/// Whether operand `i` of the row-local `op` is read by rows.
bool readsRows(Operation *op, unsigned i) {
  if (rowConv(op))
    return i == 0;
  return rowOperand(op, i);
}

/// The rows of operand `i` (read by rows) that output rows `out` of `op`
/// read: unclipped, so a convolution's rows before 0 or past the input's
/// end are its padding.
Rows rowsRead(Operation *op, Rows out) {
  if (ConvOp conv = rowConv(op)) {
    int64_t stride = conv.getStrides()[0], dilation = conv.getDilations()[0];
    int64_t kernel =
        cast<RankedTensorType>(conv.getWeight().getType()).getDimSize(2);
    int64_t top = conv.getPads()[0];
    return {out.begin * stride - top,
            (out.end - 1) * stride - top + (kernel - 1) * dilation + 1};
  }
  return out;
}

RankedTensorType withRows(Type type, int64_t rows) {
  auto t = cast<RankedTensorType>(type);
  SmallVector<int64_t> shape(t.getShape());
  shape[kRowAxis] = rows;
  return RankedTensorType::get(shape, t.getElementType(), t.getEncoding());
}

/// Rows `rows` of `v` (all of it: `v` itself).
Value sliceRows(OpBuilder &b, Location loc, Value v, Rows rows) {
  if (rows.begin == 0 && rows.end == rowsOf(v))
    return v;
  SmallVector<int64_t> offsets = {0, 0, rows.begin, 0}, strides(4, 1);
  return SliceOp::create(b, loc, withRows(v.getType(), rows.size()), v, offsets,
                         strides);
}

class CascadeRowsPass : public npu::impl::CascadeRowsBase<CascadeRowsPass> {
public:
  using CascadeRowsBase::CascadeRowsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // npu-compile --cascade sets npu.cascade; keep-on-chip=false leaves
    // the bands nowhere to stay.
    auto flag = [&](StringRef name) {
      return module->getAttrOfType<BoolAttr>(name);
    };
    if (BoolAttr keep = flag("npu.keep_on_chip"); keep && !keep.getValue())
      return;
    BoolAttr on = flag("npu.cascade");
    if (on ? !on.getValue() : !byDefault)
      return;
    FailureOr<TargetAttr> t = getOrSetModuleTarget(module, target);
    if (failed(t))
      return signalPassFailure();
    int64_t capacity = int64_t(t->getDesc().scratchpadBytes);
    int64_t budget = capacity / std::max<int64_t>(1, bandShare);
    module.walk([&](func::FuncOp func) {
      for (SmallVector<Operation *> &chain : chains(func))
        cascadeParts(chain, budget, capacity);
    });
  }

private:
  /// Chains of row-local ops in program order, each starting at a
  /// convolution: each op's result is read by the next op alone, by rows.
  SmallVector<SmallVector<Operation *>> chains(func::FuncOp func) {
    SmallVector<SmallVector<Operation *>> result;
    llvm::DenseSet<Operation *> taken;
    for (Operation &first : func.getBody().front()) {
      if (taken.count(&first) || !isRowLocal(&first))
        continue;
      SmallVector<Operation *> chain = {&first};
      while (true) {
        Value r = chain.back()->getResult(0);
        if (!r.hasOneUse())
          break;
        Operation *next = *r.getUsers().begin();
        if (next->getBlock() != first.getBlock() || !isRowLocal(next) ||
            !llvm::all_of(next->getOpOperands(), [&](OpOperand &use) {
              return use.get() != r || readsRows(next, use.getOperandNumber());
            }))
          break;
        chain.push_back(next);
      }
      taken.insert(chain.begin(), chain.end());
      // Start at a convolution: an elementwise op before the first one (an
      // INT8 model's input quantize) runs once over the whole tensor, not
      // once per band.
      while (!chain.empty() && !rowConv(chain.front()))
        chain.erase(chain.begin());
      if (chain.size() >= 2)
        result.push_back(std::move(chain));
    }
    return result;
  }

  /// A cascade's DRAM bytes saved per weight byte its bands read again, at
  /// least (a compiler choice: weight reads are the DMA's longest runs, and
  /// a band's convolution reloads its weights before its first tile).
  static constexpr int64_t kMinSavedPerReread = 4;
  /// A consumer's band with its halo rows is at most this many budgets.
  static constexpr int64_t kMaxHaloOverBudget = 2;
  /// At most this many ops in a cascade's bands (a compiler choice that
  /// bounds the IR it writes; PaddleOCR det's largest chain has 2,880).
  static constexpr int64_t kMaxBandOps = 1 << 16;
  /// At most this many elementwise ops after a chain's last convolution.
  static constexpr int64_t kEpilogueOps = 4;

  /// `chain` up to its last convolution and at most kEpilogueOps
  /// elementwise ops after it (what its epilogue takes), so that the last
  /// value is stored by the convolution's layer into the rows of the whole
  /// (an in-place concat, docs/codegen.md); empty without a convolution.
  static ArrayRef<Operation *> trimTail(ArrayRef<Operation *> chain) {
    while (!chain.empty()) {
      auto conv = llvm::find_if(llvm::reverse(chain), [](Operation *op) {
        return bool(rowConv(op));
      });
      if (conv == chain.rend())
        return {};
      if (std::distance(chain.rbegin(), conv) <= kEpilogueOps)
        return chain;
      chain = chain.drop_back();
    }
    return chain;
  }

  /// Cascades the longest prefix of `chain` worth it that ends before a
  /// convolution (or at the chain's end), then the longest of what follows
  /// (from its next convolution), and so on: a chain whose later layers'
  /// rows are too wide (PaddleOCR rec's 240-channel 5x5 stage) still runs
  /// its earlier ones in bands.
  void cascadeParts(ArrayRef<Operation *> chain, int64_t budget,
                    int64_t capacity) {
    size_t begin = 0;
    while (begin + 2 <= chain.size()) {
      size_t done = 0;
      for (size_t end = chain.size(); end >= begin + 2 && !done; --end) {
        ArrayRef<Operation *> part = trimTail(chain.slice(begin, end - begin));
        if (part.size() < 2)
          break;
        end = begin + part.size();
        // Not between a convolution and its epilogue's ops (which would
        // then run over the whole result, not in its layer).
        if (end < chain.size() && !rowConv(chain[end]))
          continue;
        if (auto rows = partition(part, budget, capacity)) {
          rewrite(part, *rows);
          done = part.size();
        }
      }
      begin += std::max<size_t>(done, 1);
      while (begin < chain.size() && !rowConv(chain[begin]))
        ++begin;
    }
  }

  /// The bands of `chain`'s ops (rows[i][b]: band b of op i's result
  /// rows), each band's intermediates at most about `budget` bytes, when
  /// running it band by band is worth it on a scratchpad of `capacity`
  /// bytes (the criteria are the pass's description, Passes.td).
  static std::optional<SmallVector<SmallVector<Rows>>>
  partition(ArrayRef<Operation *> chain, int64_t budget, int64_t capacity) {
    int64_t k = chain.size();
    Value sink = chain.back()->getResult(0);
    int64_t sinkRows = rowsOf(sink);
    // What reaches DRAM without the cascade: each convolution's input
    // (elementwise ops run in their producer's epilogue), written once and
    // read at least once; the weights each further band reads again. The
    // bands: enough that the largest of those inputs' bands fits the
    // budget (the other intermediates are a convolution's epilogue's).
    int64_t largest = 0, saved = 0, weights = 0;
    for (int64_t i = 0; i < k; ++i)
      if (ConvOp conv = rowConv(chain[i])) {
        if (i > 0) {
          saved += 2 * bytesOf(conv.getInput());
          largest = std::max(largest, bytesOf(conv.getInput()));
        }
        weights += bytesOf(conv.getWeight());
        if (conv.getBias())
          weights += bytesOf(conv.getBias());
      }
    // Values up to half the scratchpad are kept on chip whole when they fit
    // (keepOnChip); a band of the chain's result is stored into DRAM.
    if (largest <= capacity / 2 || bytesOf(sink) <= capacity / 2)
      return std::nullopt;
    int64_t bands = std::min(sinkRows, (largest + budget - 1) / budget);
    // A bound on the ops it writes (bands x chain length).
    if (bands * k > kMaxBandOps)
      return std::nullopt;
    // Worth it only when the round trips it saves are more than
    // kMinSavedPerReread times the weight bytes read again.
    if (bands < 2 || (bands - 1) * weights * kMinSavedPerReread > saved)
      return std::nullopt;
    // rows[i][b]: band b of op i's output rows, from the last op back.
    SmallVector<SmallVector<Rows>> rows(k, SmallVector<Rows>(bands));
    for (int64_t b = 0; b < bands; ++b)
      rows[k - 1][b] = {b * sinkRows / bands, (b + 1) * sinkRows / bands};
    for (int64_t i = k - 1; i > 0; --i) {
      int64_t height = rowsOf(chain[i - 1]->getResult(0)), end = 0;
      for (int64_t b = 0; b < bands; ++b) {
        int64_t need = end;
        if (!rows[i][b].empty())
          need = std::clamp(rowsRead(chain[i], rows[i][b]).end, end, height);
        if (b == bands - 1)
          need = height;
        rows[i - 1][b] = {end, need};
        end = need;
      }
    }
    // A consumer's band with its halo rows must fit too (in the steady
    // state: the first bands also hold the rows every later kernel's
    // window reaches ahead): else the chain's rows are too wide, or its
    // kernels too tall, for bands to help.
    for (int64_t i = 0; i + 1 < k; ++i) {
      Value v = chain[i]->getResult(0);
      int64_t rowBytes = bytesOf(v) / std::max<int64_t>(1, rowsOf(v));
      Rows middle = rows[i + 1][bands / 2];
      if (middle.empty())
        continue;
      int64_t have = rowsRead(chain[i + 1], middle).within(rowsOf(v)).size();
      if (have * rowBytes > kMaxHaloOverBudget * budget)
        return std::nullopt;
    }
    return rows;
  }

  /// Rewrites `chain` into the bands `rows` (partition's).
  static void rewrite(ArrayRef<Operation *> chain,
                      ArrayRef<SmallVector<Rows>> rows) {
    int64_t k = chain.size(), bands = rows.front().size();
    Value sink = chain.back()->getResult(0);
    OpBuilder b(chain.back());
    // The band values of each op, and the rows of each band that later
    // bands of its consumer read (its halo rows: sliced off as soon as the
    // band is computed, so the band itself need not stay on chip).
    SmallVector<SmallVector<Value>> bandsOf(k, SmallVector<Value>(bands)),
        tailsOf(k, SmallVector<Value>(bands));
    SmallVector<SmallVector<Rows>> tailRows(k, SmallVector<Rows>(bands));
    auto clippedRead = [&](int64_t i, int64_t band) {
      return rowsRead(chain[i + 1], rows[i + 1][band])
          .within(rowsOf(chain[i]->getResult(0)));
    };
    // Rows `need` of op i's result for band `band` of its consumer: its
    // band `band` and the halo rows of the bands before.
    auto assemble = [&](int64_t i, int64_t band, Rows need,
                        Location loc) -> Value {
      SmallVector<Value> pieces;
      for (int64_t p = 0; p <= band; ++p) {
        Rows have = p == band ? rows[i][p] : tailRows[i][p];
        Value from = p == band ? bandsOf[i][p] : tailsOf[i][p];
        Rows part = {std::max(need.begin, have.begin),
                     std::min(need.end, have.end)};
        if (part.empty())
          continue;
        pieces.push_back(sliceRows(
            b, loc, from, {part.begin - have.begin, part.end - have.begin}));
      }
      if (pieces.size() == 1)
        return pieces.front();
      return ConcatOp::create(
          b, loc, withRows(chain[i]->getResult(0).getType(), need.size()),
          pieces, kRowAxis);
    };
    for (int64_t band = 0; band < bands; ++band)
      for (int64_t i = 0; i < k; ++i) {
        Rows out = rows[i][band];
        if (out.empty())
          continue;
        Operation *op = chain[i];
        SmallVector<Value> operands(op->getOperands());
        int64_t padTop = 0, padBottom = 0;
        for (auto [j, operand] : llvm::enumerate(operands)) {
          if (!readsRows(op, j))
            continue;
          Rows read = rowsRead(op, out);
          Rows have = read.within(rowsOf(operand));
          padTop = have.begin - read.begin;
          padBottom = read.end - have.end;
          operand = i > 0 && operand == chain[i - 1]->getResult(0)
                        ? assemble(i - 1, band, have, op->getLoc())
                        : sliceRows(b, op->getLoc(), operand, have);
        }
        Operation *clone = b.clone(*op);
        clone->setOperands(operands);
        clone->getResult(0).setType(
            withRows(op->getResult(0).getType(), out.size()));
        if (ConvOp conv = rowConv(clone)) {
          SmallVector<int64_t> pads(conv.getPads());
          pads[0] = padTop;
          pads[2] = padBottom;
          conv.setPads(pads);
        }
        Value v = clone->getResult(0);
        bandsOf[i][band] = v;
        // The halo: rows of this band the consumer's later bands read.
        if (i + 1 == k)
          continue;
        for (int64_t later = band + 1; later < bands; ++later) {
          if (rows[i + 1][later].empty())
            continue;
          Rows tail = {std::max(out.begin, clippedRead(i, later).begin),
                       out.end};
          if (!tail.empty()) {
            tailRows[i][band] = tail;
            tailsOf[i][band] =
                sliceRows(b, chain[i + 1]->getLoc(), v,
                          {tail.begin - out.begin, tail.end - out.begin});
          }
          break;
        }
      }
    SmallVector<Value> parts;
    for (Value v : bandsOf[k - 1])
      if (v)
        parts.push_back(v);
    Value whole = ConcatOp::create(b, chain.back()->getLoc(), sink.getType(),
                                   parts, kRowAxis);
    sink.replaceAllUsesWith(whole);
    for (Operation *op : llvm::reverse(chain))
      op->erase();
  }
};

} // namespace
