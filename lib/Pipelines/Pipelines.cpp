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

namespace {
/// The registered extensions, per point, in registration order.
std::vector<PipelineExtension> &extensionsAt(ExtensionPoint point) {
  static std::vector<PipelineExtension>
      extensions[size_t(ExtensionPoint::BeforeCodegen) + 1];
  return extensions[size_t(point)];
}

void runExtensions(OpPassManager &pm, ExtensionPoint point) {
  for (const PipelineExtension &extension : extensionsAt(point))
    extension(pm);
}

constexpr std::pair<ExtensionPoint, llvm::StringLiteral> extensionNames[] = {
    {ExtensionPoint::AfterImport, "after-import"},
    {ExtensionPoint::AfterOptimization, "after-optimization"},
    {ExtensionPoint::BeforeQuantization, "before-quantization"},
    {ExtensionPoint::AfterQuantization, "after-quantization"},
    {ExtensionPoint::BeforeTiling, "before-tiling"},
    {ExtensionPoint::BeforeCodegen, "before-codegen"},
};
} // namespace

std::optional<ExtensionPoint> parseExtensionPoint(llvm::StringRef name) {
  for (auto [point, pointName] : extensionNames)
    if (name == pointName)
      return point;
  return std::nullopt;
}

llvm::StringRef extensionPointName(ExtensionPoint point) {
  return extensionNames[size_t(point)].second;
}

void registerPipelineExtension(ExtensionPoint point,
                               PipelineExtension extension) {
  extensionsAt(point).push_back(std::move(extension));
}

void clearPipelineExtensions() {
  for (auto [point, name] : extensionNames)
    extensionsAt(point).clear();
}

void buildOptimizedPassPipeline(OpPassManager &pm) {
  runExtensions(pm, ExtensionPoint::AfterImport);
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
  // A pre-quantized (QDQ) model's convolutions and matmuls in INT8, as its
  // QuantizeLinear/DequantizeLinear nodes say.
  func.addPass(createFoldQdq());
  // Folds what the rewrites above exposed and drops the dead constants.
  func.addPass(createCanonicalizerPass());
  // Shares duplicate constants and ops (exporters repeat shape constants).
  func.addPass(createCSEPass());
  runExtensions(pm, ExtensionPoint::AfterOptimization);
}

void buildQuantizedPassPipeline(OpPassManager &pm,
                                const QuantizationOptions &options) {
  if (!options.enabled)
    return;
  runExtensions(pm, ExtensionPoint::BeforeQuantization);
  OpPassManager &func = pm.nest<func::FuncOp>();
  // Convolutions and activations onto quant types, boundaries inserted.
  QuantizeOptions quantize;
  quantize.keepFloat.assign(options.keepFloat.begin(), options.keepFloat.end());
  quantize.int8Depthwise = options.int8Depthwise;
  quantize.int8Attention = options.int8Attention;
  func.addPass(createQuantize(quantize));
  // Drops the FP32 weights the INT8 ones replaced and folds quantize(
  // dequantize(x)) pairs of equal type.
  func.addPass(createCanonicalizerPass());
  // One quantize per value, shared by its INT8 readers.
  func.addPass(createCSEPass());
  runExtensions(pm, ExtensionPoint::AfterQuantization);
}

void buildIsaPassPipeline(OpPassManager &pm, llvm::StringRef target) {
  buildPipelineToPhase(pm, CompilePhase::Isa, target, CompilePhase::Optimized);
}

void buildPipelineToPhase(OpPassManager &pm, CompilePhase phase,
                          llvm::StringRef target, CompilePhase from,
                          const QuantizationOptions &quantization,
                          bool scheduleLevel) {
  if (from < CompilePhase::Optimized && phase >= CompilePhase::Optimized)
    buildOptimizedPassPipeline(pm);
  if (from < CompilePhase::Quantized && phase >= CompilePhase::Quantized)
    buildQuantizedPassPipeline(pm, quantization);
  // Maps every op onto a unit and chooses its tiles by the cost models.
  if (from < CompilePhase::Tiled && phase >= CompilePhase::Tiled) {
    runExtensions(pm, ExtensionPoint::BeforeTiling);
    // Nearest upsamplings read by the FP32 or INT8 elementwise op that
    // uses them, by broadcasting (a feature pyramid's top-down adds): no
    // upsampled tensor in DRAM. After quantization: an INT8 model's adds
    // and resizes stay INT8 ones.
    pm.nest<func::FuncOp>().addPass(createBroadcastUpsample());
    // A squeeze-and-excitation gate's multiply into the next convolution's
    // weights (after quantization: INT8 convolutions keep constant ones).
    pm.nest<func::FuncOp>().addPass(createFoldRuntimeScale());
    // The channels between two convolutions ordered so that pruned weights
    // make whole empty MAC tiles (pruning-aware tiling skips those).
    PermuteChannelsOptions permute;
    permute.target = target.str();
    pm.addPass(createPermuteChannels(permute));
    // Chains whose intermediates do not fit the scratchpad, band by band
    // (before tiling: each band's layers get tiles of their own), when the
    // module asks for it (npu.cascade, npu-compile --cascade).
    CascadeRowsOptions cascade;
    cascade.target = target.str();
    cascade.byDefault = false;
    pm.addPass(createCascadeRows(cascade));
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
  // The schedule level: every op that runs code in an npu.layer, with its
  // scratchpad buffers.
  if (from < CompilePhase::Scheduled && phase >= CompilePhase::Scheduled &&
      (scheduleLevel || phase == CompilePhase::Scheduled)) {
    NpuFormLayersOptions options;
    options.targetName = target.str();
    pm.addPass(createNpuFormLayers(options));
    NpuAllocateScratchpadOptions allocate;
    allocate.targetName = target.str();
    pm.addPass(createNpuAllocateScratchpad(allocate));
  }
  // Emits every op's instructions with double-buffered DMA, following the
  // recorded tiles and plan; replaces @main by an npu_isa.program.
  if (from < CompilePhase::Isa && phase >= CompilePhase::Isa) {
    runExtensions(pm, ExtensionPoint::BeforeCodegen);
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
