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
  if (!spec.consume_front("block:") || spec.getAsDouble(ratio) ||
      !(ratio >= 0 && ratio < 1)) {
    error = "--prune takes block:RATIO with RATIO in [0, 1)";
    return false;
  }
  options.ratio = ratio;
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
  for (Operation *op : ops) {
    Value weight = op->getOperand(1);
    auto constant = weight.getDefiningOp<ConstantOp>();
    auto type = dyn_cast<RankedTensorType>(weight.getType());
    SmallVector<float> values;
    if (!constant || !type || !type.hasStaticShape() ||
        !readFloatConstant(constant.getValue(), values))
      continue;
    auto [name, onnxOp] = onnxNodeOf(op);
    if (llvm::is_contained(options.keepDense, name))
      continue;
    ArrayRef<int64_t> s = type.getShape();
    WeightView view;
    if (auto conv = dyn_cast<ConvOp>(op)) {
      // [M][C/g][taps...]: per group and tap a [C/g][M/g] matrix.
      int64_t groups = conv.getGroup(), M = s[0], cg = s[1];
      int64_t taps = 1;
      for (int64_t d : s.drop_front(2))
        taps *= d;
      int64_t mg = M / groups;
      if (cg == 1 && mg == 1 && groups > 1)
        continue; // depthwise: the vector unit, no weight tiles
      view = {groups * taps, cg, mg, [=](int64_t i, int64_t k, int64_t n) {
                int64_t grp = i / taps, tap = i % taps;
                return ((grp * mg + n) * cg + k) * taps + tap;
              }};
    } else {
      if (s.size() != 2)
        continue;
      int64_t N = s[1];
      view = {1, s[0], N,
              [=](int64_t, int64_t k, int64_t n) { return k * N + n; }};
    }
    int64_t kb = (view.K + R - 1) / R, nb = (view.N + C - 1) / C;
    int64_t tiles = view.matrices * kb * nb;
    std::vector<double> norm(size_t(tiles), 0);
    for (int64_t i = 0; i < view.matrices; ++i)
      for (int64_t k = 0; k < view.K; ++k)
        for (int64_t n = 0; n < view.N; ++n) {
          double v = values[size_t(view.offset(i, k, n))];
          norm[size_t((i * kb + k / R) * nb + n / C)] += v * v;
        }
    std::vector<int64_t> order(static_cast<size_t>(tiles));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
      return norm[size_t(a)] < norm[size_t(b)];
    });
    int64_t pruned = int64_t(std::floor(options.ratio * double(tiles)));
    std::vector<bool> dead(size_t(tiles), false);
    for (int64_t t = 0; t < pruned; ++t)
      dead[size_t(order[size_t(t)])] = true;
    int64_t nonZero = 0;
    for (int64_t i = 0; i < view.matrices; ++i)
      for (int64_t k = 0; k < view.K; ++k)
        for (int64_t n = 0; n < view.N; ++n) {
          float &v = values[size_t(view.offset(i, k, n))];
          if (dead[size_t((i * kb + k / R) * nb + n / C)])
            v = 0;
          nonZero += v != 0;
        }
    if (pruned > 0) {
      OpBuilder b(op);
      auto copy = ConstantOp::create(
          b, constant.getLoc(), type,
          cast<TypedAttr>(makeFloatConstant(type, values, "pruned_weight")));
      op->setOperand(1, copy);
      if (constant->use_empty())
        constant->erase();
    }
    json::Object layer{
        {"name", name},
        {"op", onnxOp},
        {"tiles", tiles},
        {"pruned", pruned},
        {"density",
         values.empty() ? 1.0 : double(nonZero) / double(values.size())}};
    // A convolution's kernel (spatial dims), to tell 1x1 layers apart.
    if (isa<ConvOp>(op))
      layer["kernel"] = json::Array(llvm::to_vector(s.drop_front(2)));
    layers.push_back(std::move(layer));
  }
}

} // namespace npu
