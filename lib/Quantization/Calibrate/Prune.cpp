//===- Prune.cpp - magnitude pruning of whole MAC weight tiles ------------===//
//
// npu-compile --prune=block:RATIO (include/npu/Quantization/Prune.h).
//
//===----------------------------------------------------------------------===//

#include "npu/Quantization/Prune.h"

#include "npu/Dialect/Npu/IR/NpuOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

using namespace mlir;
using namespace llvm;

namespace npu {

bool parsePruneSpec(StringRef spec, PruneOptions &options, std::string &error) {
  double ratio = 0;
  bool global = spec.consume_front("block-global:");
  if ((!global && !spec.consume_front("block:")) || spec.getAsDouble(ratio) ||
      !(ratio >= 0 && ratio < 1)) {
    error = "--prune takes block:RATIO (per layer) or block-global:RATIO "
            "(all layers together) with RATIO in [0, 1)";
    return false;
  }
  options.ratio = ratio;
  options.global = global;
  return true;
}

namespace {

/// A layer's weights seen as `matrices` row-major [K][N] matrices:
/// element (i, k, n) is values[offset(i, k, n)].
struct WeightView {
  int64_t matrices, K, N;
  std::function<int64_t(int64_t, int64_t, int64_t)> offset;
};

} // namespace

void pruneWeightBlocks(ModuleOp module, const rt::TargetDesc &target,
                       const PruneOptions &options, json::Array &layers) {
  int64_t R = target.arrayRows, C = target.arrayCols;
  SmallVector<Operation *> ops;
  module.walk([&](Operation *op) {
    if (isa<ConvOp, MatMulOp>(op))
      ops.push_back(op);
  });
  // Each prunable layer's weights, their tiles' squared L2 norms and
  // element counts, and which tiles die.
  struct Layer {
    Operation *op;
    ConstantOp constant;
    RankedTensorType type;
    SmallVector<float> values;
    WeightView view;
    int64_t kb, nb;
    std::vector<double> norm, elements;
    std::vector<bool> dead;
  };
  std::vector<Layer> found;
  for (Operation *op : ops) {
    Layer l;
    l.op = op;
    Value weight = op->getOperand(1);
    l.constant = weight.getDefiningOp<ConstantOp>();
    l.type = dyn_cast<RankedTensorType>(weight.getType());
    if (!l.constant || !l.type || !l.type.hasStaticShape() ||
        !readFloatConstant(l.constant.getValue(), l.values))
      continue;
    if (llvm::is_contained(options.keepDense, onnxNodeOf(op).first))
      continue;
    ArrayRef<int64_t> s = l.type.getShape();
    if (auto conv = dyn_cast<ConvOp>(op)) {
      // [M][C/g][taps...]: per group and tap a [C/g][M/g] matrix.
      int64_t groups = conv.getGroup(), M = s[0], cg = s[1];
      int64_t taps = 1;
      for (int64_t d : s.drop_front(2))
        taps *= d;
      int64_t mg = M / groups;
      if (cg == 1 && mg == 1 && groups > 1)
        continue; // depthwise: the vector unit, no weight tiles
      l.view = {groups * taps, cg, mg, [=](int64_t i, int64_t k, int64_t n) {
                  int64_t grp = i / taps, tap = i % taps;
                  return ((grp * mg + n) * cg + k) * taps + tap;
                }};
    } else {
      if (s.size() != 2)
        continue;
      int64_t N = s[1];
      l.view = {1, s[0], N,
                [=](int64_t, int64_t k, int64_t n) { return k * N + n; }};
    }
    const WeightView &view = l.view;
    l.kb = (view.K + R - 1) / R;
    l.nb = (view.N + C - 1) / C;
    int64_t tiles = view.matrices * l.kb * l.nb;
    l.norm.assign(size_t(tiles), 0);
    l.elements.assign(size_t(tiles), 0);
    l.dead.assign(size_t(tiles), false);
    for (int64_t i = 0; i < view.matrices; ++i)
      for (int64_t k = 0; k < view.K; ++k)
        for (int64_t n = 0; n < view.N; ++n) {
          double v = l.values[size_t(view.offset(i, k, n))];
          size_t t = size_t((i * l.kb + k / R) * l.nb + n / C);
          l.norm[t] += v * v;
          l.elements[t] += 1;
        }
    found.push_back(std::move(l));
  }
  if (options.global) {
    // All layers' tiles by root-mean-square value.
    std::vector<std::pair<size_t, size_t>> order; // (layer, tile)
    for (size_t li = 0; li < found.size(); ++li)
      for (size_t t = 0; t < found[li].norm.size(); ++t)
        order.push_back({li, t});
    auto rms = [&](const std::pair<size_t, size_t> &x) {
      const Layer &l = found[x.first];
      return std::sqrt(l.norm[x.second] / l.elements[x.second]);
    };
    std::stable_sort(
        order.begin(), order.end(),
        [&](const auto &a, const auto &b) { return rms(a) < rms(b); });
    int64_t pruned = int64_t(std::floor(options.ratio * double(order.size())));
    for (int64_t t = 0; t < pruned; ++t)
      found[order[size_t(t)].first].dead[order[size_t(t)].second] = true;
  } else {
    for (Layer &l : found) {
      std::vector<int64_t> order(l.norm.size());
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
        return l.norm[size_t(a)] < l.norm[size_t(b)];
      });
      int64_t pruned =
          int64_t(std::floor(options.ratio * double(order.size())));
      for (int64_t t = 0; t < pruned; ++t)
        l.dead[size_t(order[size_t(t)])] = true;
    }
  }
  for (Layer &l : found) {
    const WeightView &view = l.view;
    int64_t pruned = std::count(l.dead.begin(), l.dead.end(), true);
    int64_t nonZero = 0;
    for (int64_t i = 0; i < view.matrices; ++i)
      for (int64_t k = 0; k < view.K; ++k)
        for (int64_t n = 0; n < view.N; ++n) {
          float &v = l.values[size_t(view.offset(i, k, n))];
          if (l.dead[size_t((i * l.kb + k / R) * l.nb + n / C)])
            v = 0;
          nonZero += v != 0;
        }
    if (pruned > 0) {
      OpBuilder b(l.op);
      auto copy = ConstantOp::create(b, l.constant.getLoc(), l.type,
                                     cast<TypedAttr>(makeFloatConstant(
                                         l.type, l.values, "pruned_weight")));
      l.op->setOperand(1, copy);
      if (l.constant->use_empty())
        l.constant->erase();
    }
    auto [name, onnxOp] = onnxNodeOf(l.op);
    json::Object layer{
        {"name", name},
        {"op", onnxOp},
        {"tiles", int64_t(l.dead.size())},
        {"pruned", pruned},
        {"density",
         l.values.empty() ? 1.0 : double(nonZero) / double(l.values.size())}};
    // A convolution's kernel (spatial dims), to tell 1x1 layers apart.
    if (isa<ConvOp>(l.op))
      layer["kernel"] =
          json::Array(llvm::to_vector(l.type.getShape().drop_front(2)));
    layers.push_back(std::move(layer));
  }
}

} // namespace npu
