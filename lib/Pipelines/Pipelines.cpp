//===- Pipelines.cpp - the compiler's phases and pass pipelines ----------===//

#include "npu/Pipelines/Pipelines.h"

#include "npu/Dialect/Npu/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace npu {

std::optional<CompilePhase> parseCompilePhase(llvm::StringRef name) {
  if (name == "npu")
    return CompilePhase::Npu;
  if (name == "optimized")
    return CompilePhase::Optimized;
  return std::nullopt;
}

llvm::StringRef compilePhaseName(CompilePhase phase) {
  switch (phase) {
  case CompilePhase::Npu:
    return "npu";
  case CompilePhase::Optimized:
    return "optimized";
  }
  return "?";
}

void buildOptimizedPassPipeline(OpPassManager &pm) {
  OpPassManager &func = pm.nest<func::FuncOp>();
  // Folds identity data movement, composes reshapes and transposes, and folds
  // arithmetic on constants (Gemm's transposed weights, constant shape math),
  // so the BatchNorm folding below sees constant operands.
  func.addPass(createCanonicalizerPass());
  // BatchNormalization into the preceding convolution's weights and bias; a
  // BatchNormalization elsewhere into a per-channel multiply and add.
  func.addPass(createFoldBatchNorm());
  // Folds what the BatchNorm rewrite exposed and drops the dead constants.
  func.addPass(createCanonicalizerPass());
  // Shares duplicate constants and ops (exporters repeat shape constants).
  func.addPass(createCSEPass());
}

void buildPipelineToPhase(OpPassManager &pm, CompilePhase phase) {
  if (phase >= CompilePhase::Optimized)
    buildOptimizedPassPipeline(pm);
}

void registerNpuPipelines() {
  PassPipelineRegistration<>(
      "npu-optimized-pipeline",
      "The npu -> optimized phase of npu-compile (canonicalisation, "
      "BatchNorm folding, constant folding, CSE)",
      buildOptimizedPassPipeline);
}

} // namespace npu
