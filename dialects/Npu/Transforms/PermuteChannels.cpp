//===- PermuteChannels.cpp - channel order for whole empty MAC tiles ------===//
//
// See the pass description in Passes.td and docs/codegen.md, "Sparse
// weights".
//
//===----------------------------------------------------------------------===//

#include "npu/Dialect/Npu/IR/NpuOps.h"
#include "npu/Dialect/Npu/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"

#include <algorithm>
#include <cstring>
#include <numeric>

namespace npu {
#define GEN_PASS_DEF_PERMUTECHANNELS
#include "npu/Dialect/Npu/Transforms/Passes.h.inc"
} // namespace npu

using namespace mlir;
using namespace npu;

namespace {

/// A convolution's constant weights [M][C][k...] as raw element bytes.
struct Weights {
  ConstantOp op;
  DenseElementsAttr value;
  int64_t m = 0, c = 0, taps = 1, elemBytes = 0;

  /// Reads `v` when it is a non-splat dense constant of 1- or 4-byte
  /// elements.
  bool read(Value v) {
    op = v.getDefiningOp<ConstantOp>();
    value = op ? dyn_cast<DenseElementsAttr>(op.getValue()) : nullptr;
    if (!value || value.isSplat())
      return false;
    auto type = cast<RankedTensorType>(value.getType());
    elemBytes = type.getElementTypeBitWidth() / 8;
    if ((elemBytes != 1 && elemBytes != 4) || type.getRank() < 3 ||
        int64_t(value.getRawData().size()) != type.getNumElements() * elemBytes)
      return false;
    m = type.getDimSize(0);
    c = type.getDimSize(1);
    taps = type.getNumElements() / std::max<int64_t>(1, m * c);
    return m > 0 && c > 0;
  }
  bool isZero(int64_t mi, int64_t ci, int64_t tap) const {
    const char *p =
        value.getRawData().data() + ((mi * c + ci) * taps + tap) * elemBytes;
    return std::all_of(p, p + elemBytes, [](char b) { return b == 0; });
  }
};

/// All-zero MAC tiles of `w` (per tap: `rows` input channels by `cols`
/// output channels), with output channel `outOrder[i]` at position i and
/// input channel `inOrder[j]` at position j.
int64_t zeroTiles(const Weights &w, ArrayRef<int64_t> outOrder,
                  ArrayRef<int64_t> inOrder, int64_t rows, int64_t cols) {
  int64_t count = 0;
  for (int64_t tap = 0; tap < w.taps; ++tap)
    for (int64_t n0 = 0; n0 < w.m; n0 += cols)
      for (int64_t k0 = 0; k0 < w.c; k0 += rows) {
        bool zero = true;
        for (int64_t n = n0; zero && n < std::min(w.m, n0 + cols); ++n)
          for (int64_t k = k0; zero && k < std::min(w.c, k0 + rows); ++k)
            zero = w.isZero(outOrder[n], inOrder[k], tap);
        count += zero;
      }
  return count;
}

/// `value` with axis `axis` (0 or 1) of its [d0][d1][rest] layout
/// reordered: position i takes index `order[i]`.
DenseElementsAttr permuteAxis(DenseElementsAttr value, int64_t axis,
                              ArrayRef<int64_t> order) {
  auto type = cast<RankedTensorType>(value.getType());
  int64_t eb = type.getElementTypeBitWidth() / 8;
  int64_t d0 = type.getDimSize(0),
          d1 = type.getRank() > 1 ? type.getDimSize(1) : 1;
  int64_t rest = type.getNumElements() / std::max<int64_t>(1, d0 * d1);
  ArrayRef<char> raw = value.getRawData();
  std::vector<char> out(raw.size());
  int64_t row = d1 * rest * eb, inner = rest * eb;
  for (int64_t i = 0; i < d0; ++i)
    for (int64_t j = 0; j < d1; ++j) {
      int64_t si = axis == 0 ? order[i] : i, sj = axis == 1 ? order[j] : j;
      std::memcpy(out.data() + i * row + j * inner,
                  raw.data() + si * row + sj * inner, size_t(inner));
    }
  return DenseElementsAttr::getFromRawBuffer(type, out);
}

/// `t` with its per-axis quantization (axis `axis`) reordered, or `t`.
Type permuteScales(Type t, int64_t axis, ArrayRef<int64_t> order) {
  auto shaped = cast<RankedTensorType>(t);
  auto q =
      dyn_cast<quant::UniformQuantizedPerAxisType>(shaped.getElementType());
  if (!q || q.getQuantizedDimension() != axis)
    return t;
  SmallVector<double> scales;
  SmallVector<int64_t> zps;
  for (int64_t i : order) {
    scales.push_back(q.getScales()[i]);
    zps.push_back(q.getZeroPoints()[i]);
  }
  return shaped.clone(quant::UniformQuantizedPerAxisType::get(
      q.getFlags(), q.getStorageType(), q.getExpressedType(), scales, zps,
      q.getQuantizedDimension(), q.getStorageTypeMin(), q.getStorageTypeMax()));
}

/// Whether `op` maps each element on its own, whatever its channel: an
/// elementwise op (MLIR's `Elementwise` trait: activations, quantize,
/// dequantize, lookup tables) of one operand.
bool channelAgnostic(Operation *op) {
  return op->hasTrait<OpTrait::Elementwise>() && op->getNumOperands() == 1 &&
         op->getNumResults() == 1;
}

struct PermuteChannelsPass
    : npu::impl::PermuteChannelsBase<PermuteChannelsPass> {
  using PermuteChannelsBase::PermuteChannelsBase;
  void runOnOperation() override;
  void permute(ConvOp producer, int64_t rows, int64_t cols);
};

void PermuteChannelsPass::permute(ConvOp producer, int64_t rows, int64_t cols) {
  if (producer.getGroup() != 1)
    return;
  // The chain to the consumer: each op the only reader of the one before.
  Value v = producer.getResult();
  while (v.hasOneUse() && channelAgnostic(*v.getUsers().begin()))
    v = (*v.getUsers().begin())->getResult(0);
  if (!v.hasOneUse())
    return;
  auto consumer = dyn_cast<ConvOp>(*v.getUsers().begin());
  Weights w1, w2;
  if (!consumer || consumer.getInput() != v || consumer.getGroup() != 1 ||
      !w1.read(producer.getWeight()) || !w2.read(consumer.getWeight()) ||
      w2.c != w1.m || !producer.getWeight().hasOneUse() ||
      !consumer.getWeight().hasOneUse())
    return;
  DenseElementsAttr biasValue;
  if (Value b = producer.getBias()) {
    auto c = b.getDefiningOp<ConstantOp>();
    biasValue = c ? dyn_cast<DenseElementsAttr>(c.getValue()) : nullptr;
    if (!biasValue || !b.hasOneUse())
      return;
  }
  // Each output channel's pattern: which of its input blocks it uses.
  int64_t inBlocks = (w1.c + rows - 1) / rows;
  std::vector<std::vector<bool>> uses(w1.m, std::vector<bool>(inBlocks));
  for (int64_t mi = 0; mi < w1.m; ++mi)
    for (int64_t ci = 0; ci < w1.c; ++ci)
      for (int64_t tap = 0; tap < w1.taps; ++tap)
        if (!w1.isZero(mi, ci, tap))
          uses[mi][ci / rows] = true;
  SmallVector<int64_t> identity1(w1.m), identityIn(w1.c), identityOut(w2.m);
  std::iota(identity1.begin(), identity1.end(), 0);
  std::iota(identityIn.begin(), identityIn.end(), 0);
  std::iota(identityOut.begin(), identityOut.end(), 0);
  SmallVector<int64_t> order = identity1;
  // Channels that use the first blocks first (true before false).
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return uses[a] > uses[b]; });
  if (order == identity1)
    return;
  int64_t before = zeroTiles(w1, identity1, identityIn, rows, cols) +
                   zeroTiles(w2, identityOut, identity1, rows, cols);
  int64_t after = zeroTiles(w1, order, identityIn, rows, cols) +
                  zeroTiles(w2, identityOut, order, rows, cols);
  if (after <= before)
    return;
  // Rewrite the constants in place: W1's rows, b1, W2's columns, and the
  // per-channel scales along the permuted axes.
  auto rewrite = [&](ConstantOp c, DenseElementsAttr value, int64_t axis,
                     Value result) {
    c.setValueAttr(permuteAxis(value, axis, order));
    result.setType(permuteScales(result.getType(), axis, order));
  };
  rewrite(w1.op, w1.value, 0, producer.getWeight());
  rewrite(w2.op, w2.value, 1, consumer.getWeight());
  if (biasValue)
    rewrite(producer.getBias().getDefiningOp<ConstantOp>(), biasValue, 0,
            producer.getBias());
}

void PermuteChannelsPass::runOnOperation() {
  FailureOr<TargetAttr> t = getOrSetModuleTarget(getOperation(), target);
  if (failed(t))
    return signalPassFailure();
  int64_t rows = t->getDesc().arrayRows, cols = t->getDesc().arrayCols;
  getOperation().walk([&](func::FuncOp func) {
    for (ConvOp conv : llvm::to_vector(func.getOps<ConvOp>()))
      permute(conv, rows, cols);
  });
}

} // namespace
