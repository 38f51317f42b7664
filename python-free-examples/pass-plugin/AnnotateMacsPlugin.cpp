//===- AnnotateMacsPlugin.cpp - a pass plugin for npu-compile and npu-opt -===//
//
// Shows how a pass written outside the tree plugs into the compiler:
//
//   npu-compile model.onnx --load-pass-plugin=NpuExamplePassPlugin.so
//   npu-opt --load-pass-plugin=NpuExamplePassPlugin.so \
//           --npu-example-annotate-macs model.mlir
//
// The pass sets `npu.example.macs` (an i64: multiply-accumulates per
// inference) on every npu.conv and npu.matmul. Loading the plugin also adds
// the pass at the `after-optimization` extension point, so npu-compile runs
// it on every model (visible with --compile-to=optimized) and
// `npu-opt --npu-optimized-pipeline` runs it too.
//
//===----------------------------------------------------------------------===//

#include "npu/Dialect/Npu/IR/NpuOps.h"
#include "npu/Pipelines/Pipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"

using namespace mlir;

namespace {

int64_t product(ArrayRef<int64_t> dims) {
  int64_t p = 1;
  for (int64_t d : dims)
    p *= d;
  return p;
}

struct AnnotateMacsPass
    : PassWrapper<AnnotateMacsPass, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(AnnotateMacsPass)

  StringRef getArgument() const final { return "npu-example-annotate-macs"; }
  StringRef getDescription() const final {
    return "Annotate npu.conv and npu.matmul with their MAC counts";
  }

  void runOnOperation() override {
    Builder b(&getContext());
    getOperation().walk([&](Operation *op) {
      int64_t macs = -1;
      if (auto conv = dyn_cast<npu::ConvOp>(op)) {
        // Every output element needs (C/group) * prod(kernel) MACs, and the
        // weight's dimension 1 is C/group.
        macs = product(conv.getType().getShape()) *
               product(conv.getWeight().getType().getShape().drop_front());
      } else if (auto mm = dyn_cast<npu::MatMulOp>(op)) {
        macs = product(mm.getType().getShape()) *
               mm.getLhs().getType().getShape().back();
      }
      if (macs >= 0)
        op->setAttr("npu.example.macs", b.getI64IntegerAttr(macs));
    });
  }
};

} // namespace

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "NpuExamplePassPlugin", LLVM_VERSION_STRING,
          [] {
            PassRegistration<AnnotateMacsPass>();
            npu::registerPipelineExtension(
                npu::ExtensionPoint::AfterOptimization, [](OpPassManager &pm) {
                  pm.addNestedPass<func::FuncOp>(
                      std::make_unique<AnnotateMacsPass>());
                });
          }};
}
