//===- Pipelines.cpp - the compiler's phases and pass pipelines ----------===//

#include "npu/Pipelines/Pipelines.h"

#include "npu/Conversion/Passes.h"
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
  if (name == "quantized")
    return CompilePhase::Quantized;
  if (name == "tiled")
    return CompilePhase::Tiled;
  if (name == "planned")
    return CompilePhase::Planned;
  if (name == "scheduled")
    return CompilePhase::Scheduled;
  if (name == "isa")
    return CompilePhase::Isa;
  if (name == "bin")
    return CompilePhase::Bin;
  return std::nullopt;
}

llvm::StringRef compilePhaseName(CompilePhase phase) {
  switch (phase) {
  case CompilePhase::Npu:
    return "npu";
  case CompilePhase::Optimized:
    return "optimized";
  case CompilePhase::Quantized:
    return "quantized";
  case CompilePhase::Tiled:
    return "tiled";
  case CompilePhase::Planned:
    return "planned";
  case CompilePhase::Scheduled:
    return "scheduled";
  case CompilePhase::Isa:
    return "isa";
  case CompilePhase::Bin:
    return "bin";
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
  // Scalar or per-channel scales and shifts after a convolution (PP-OCRv4's
  // learnable affine blocks) into its weights and bias; decomposed hard
  // swish back into one op.
  func.addPass(createFoldAffine());
  // Linear, cubic and irregular nearest Resize into interpolation matmuls.
  func.addPass(createLowerResize());
  // Folds what the rewrites above exposed and drops the dead constants.
  func.addPass(createCanonicalizerPass());
  // Shares duplicate constants and ops (exporters repeat shape constants).
  func.addPass(createCSEPass());
}

void buildQuantizedPassPipeline(OpPassManager &pm,
                                const QuantizationOptions &options) {
  if (!options.enabled)
    return;
  OpPassManager &func = pm.nest<func::FuncOp>();
  // Convolutions and activations onto quant types, boundaries inserted.
  QuantizeOptions quantize;
  quantize.keepFloat.assign(options.keepFloat.begin(), options.keepFloat.end());
  quantize.int8Depthwise = options.int8Depthwise;
  func.addPass(createQuantize(quantize));
  // Drops the FP32 weights the INT8 ones replaced and folds quantize(
  // dequantize(x)) pairs of equal type.
  func.addPass(createCanonicalizerPass());
  // One quantize per value, shared by its INT8 readers.
  func.addPass(createCSEPass());
}

void buildIsaPassPipeline(OpPassManager &pm, llvm::StringRef target) {
  buildPipelineToPhase(pm, CompilePhase::Isa, target, CompilePhase::Optimized);
}

void buildPipelineToPhase(OpPassManager &pm, CompilePhase phase,
                          llvm::StringRef target, CompilePhase from,
                          const QuantizationOptions &quantization) {
  if (from < CompilePhase::Optimized && phase >= CompilePhase::Optimized)
    buildOptimizedPassPipeline(pm);
  if (from < CompilePhase::Quantized && phase >= CompilePhase::Quantized)
    buildQuantizedPassPipeline(pm, quantization);
  // Maps every op onto a unit and chooses its tiles by the cost models.
  if (from < CompilePhase::Tiled && phase >= CompilePhase::Tiled) {
    NpuAssignTilesOptions options;
    options.targetName = target.str();
    pm.addPass(createNpuAssignTiles(options));
  }
  // Plans DRAM: inputs, outputs, constants, the liveness-packed arena.
  if (from < CompilePhase::Planned && phase >= CompilePhase::Planned) {
    NpuPlanMemoryOptions options;
    options.targetName = target.str();
    pm.addPass(createNpuPlanMemory(options));
  }
  // The schedule level: every op that runs code in an npu.layer.
  if (from < CompilePhase::Scheduled && phase >= CompilePhase::Scheduled) {
    NpuFormLayersOptions options;
    options.targetName = target.str();
    pm.addPass(createNpuFormLayers(options));
  }
  // Emits every op's instructions with double-buffered DMA, following the
  // recorded tiles and plan; replaces @main by an npu_isa.program.
  if (from < CompilePhase::Isa && phase >= CompilePhase::Isa) {
    ConvertNpuToNpuIsaOptions options;
    options.targetName = target.str();
    pm.addPass(createConvertNpuToNpuIsa(options));
  }
}

namespace {
/// `--npu-isa-pipeline='target=NAME'`.
struct IsaPipelineOptions : PassPipelineOptions<IsaPipelineOptions> {
  Option<std::string> target{
      *this, "target",
      llvm::cl::desc("The NPU target (npu-v1, npu-v1-small, npu-v1-large); "
                     "by default the module's npu.target, else npu-v1"),
      llvm::cl::init("")};
};
} // namespace

void registerNpuPipelines() {
  PassPipelineRegistration<IsaPipelineOptions>(
      "npu-isa-pipeline",
      "The optimized -> isa phases of npu-compile (tiling, DRAM planning, "
      "code generation) for the module's target or target=NAME",
      [](OpPassManager &pm, const IsaPipelineOptions &options) {
        buildIsaPassPipeline(pm, options.target);
      });
  PassPipelineRegistration<>(
      "npu-optimized-pipeline",
      "The npu -> optimized phase of npu-compile (canonicalisation, "
      "BatchNorm folding, constant folding, CSE)",
      buildOptimizedPassPipeline);
}

} // namespace npu
