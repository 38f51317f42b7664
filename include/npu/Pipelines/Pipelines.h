//===- Pipelines.h - the compiler's phases and pass pipelines ---*- C++ -*-===//
//
// Each phase that `npu-compile --compile-to=PHASE` can stop at is the result
// of one pipeline builder, registered for npu-opt too, so that
// `npu-opt --npu-optimized-pipeline` runs exactly what npu-compile runs
// (IREE's Pipelines.h is the model).
//
//===----------------------------------------------------------------------===//

#ifndef NPU_PIPELINES_PIPELINES_H
#define NPU_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringRef.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace npu {

/// The phases, in pipeline order. Tiling and DRAM planning currently happen
/// inside the `isa` conversion; separate `tiled` and `planned` phases come
/// with the convolution and matmul backend.
enum class CompilePhase {
  Npu,       ///< Imported: the npu dialect as the ONNX importer produced it.
  Optimized, ///< Canonicalised and folded (BatchNorm into convolutions,
             ///< constant folding, dead code removed).
  Quantized, ///< INT8 ops on quant dialect types (with --quantize=int8;
             ///< the optimized IR unchanged otherwise).
  Tiled,     ///< Every op mapped onto a unit with its tiles (npu.unit,
             ///< npu.tiles attributes).
  Planned,   ///< DRAM addresses assigned (npu.dram attributes).
  Scheduled, ///< Ops grouped into npu.layer ops (one tile loop each) with
             ///< their unit and tiles as typed attributes.
  Isa,       ///< npu_isa.program: one op per instruction.
  Bin,       ///< The .npubin (written by the tool, not a pass).
};

/// The phase named `name` ("npu", "optimized"), or nullopt.
std::optional<CompilePhase> parseCompilePhase(llvm::StringRef name);
llvm::StringRef compilePhaseName(CompilePhase phase);

/// npu -> optimized: graph-level simplification on `builtin.module`.
void buildOptimizedPassPipeline(mlir::OpPassManager &pm);

/// optimized -> isa: tiling, DRAM planning and code generation for
/// `target` (a runtime target name; empty: the module's `npu.target`, else
/// npu-v1).
void buildIsaPassPipeline(mlir::OpPassManager &pm, llvm::StringRef target);

/// INT8 post-training quantization in the `quantized` phase: off unless
/// `enabled`; the ranges come from `npu.range` attributes (calibration,
/// npu/Quantization/Calibrate.h).
struct QuantizationOptions {
  bool enabled = false;
  std::vector<std::string> keepFloat; ///< ONNX node names left in FP32.
  /// Depthwise convolutions in INT8 too (npu-quantize's int8-depthwise).
  bool int8Depthwise = false;
  /// Matmuls of two signed activations in INT8 (npu-quantize's
  /// int8-attention).
  bool int8Attention = true;
};

/// optimized -> quantized: npu-quantize, then folding of the boundaries
/// it made redundant.
void buildQuantizedPassPipeline(mlir::OpPassManager &pm,
                                const QuantizationOptions &options);

/// Appends the passes that take IR of phase `from` (by default the
/// imported IR) up to and including `phase` (`bin` runs the same passes as
/// `isa`). Without `scheduleLevel`, a pipeline through `isa` leaves out the
/// `scheduled` phase's passes (npu-form-layers, npu-allocate-scratchpad):
/// they record what npu-convert-to-isa decides without them, so the program
/// is the same (`test/Tools/npu-compile/phases.test`), one lowering
/// cheaper (the allocation lowers a copy of the module); for callers that
/// only run the program (calibration's measurements).
void buildPipelineToPhase(mlir::OpPassManager &pm, CompilePhase phase,
                          llvm::StringRef target = "npu-v1",
                          CompilePhase from = CompilePhase::Npu,
                          const QuantizationOptions &quantization = {},
                          bool scheduleLevel = true);

/// Registers the pipelines with the pass registry (`--npu-optimized-pipeline`).
void registerNpuPipelines();

//===----------------------------------------------------------------------===//
// Extension points (LLVM's PassBuilder callbacks): named places in the
// builders above where a plugin, or `npu-compile --insert-passes`, adds
// passes. Every builder that reaches a point calls its callbacks in
// registration order, so npu-compile, npu-opt's registered pipelines and
// calibration all see the same passes (docs/sdk.md).
//===----------------------------------------------------------------------===//

/// Where extension passes run, in pipeline order. Each callback gets the
/// `builtin.module` pass manager; nest on `func.func` for per-function passes.
enum class ExtensionPoint {
  AfterImport,        ///< First in npu -> optimized, on the imported IR.
  AfterOptimization,  ///< Last in npu -> optimized (in --compile-to=optimized).
  BeforeQuantization, ///< With --quantize only: after calibration (npu.range
                      ///< attributes set), before npu-quantize.
  AfterQuantization,  ///< With --quantize only: last in the quantized phase.
  BeforeTiling,       ///< First in the tiled phase, before npu-assign-tiles.
  BeforeCodegen,      ///< After npu-allocate-scratchpad, before the npu_isa
                      ///< lowering.
};

/// The point named `name` (`after-import`, `after-optimization`,
/// `before-quantization`, `after-quantization`, `before-tiling`,
/// `before-codegen`), or nullopt.
std::optional<ExtensionPoint> parseExtensionPoint(llvm::StringRef name);
llvm::StringRef extensionPointName(ExtensionPoint point);

/// Adds passes to the pipeline being built at one extension point.
using PipelineExtension = std::function<void(mlir::OpPassManager &)>;

/// Registers `extension` at `point`, process-wide and for the rest of the
/// process (a plugin calls it from its registration callback). Not
/// thread-safe: register before building pipelines.
void registerPipelineExtension(ExtensionPoint point,
                               PipelineExtension extension);

/// Removes every registered extension (tests).
void clearPipelineExtensions();

} // namespace npu

#endif // NPU_PIPELINES_PIPELINES_H
