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
};

/// optimized -> quantized: npu-quantize, then folding of the boundaries
/// it made redundant.
void buildQuantizedPassPipeline(mlir::OpPassManager &pm,
                                const QuantizationOptions &options);

/// Appends the passes that take IR of phase `from` (by default the
/// imported IR) up to and including `phase` (`bin` runs the same passes as
/// `isa`).
void buildPipelineToPhase(mlir::OpPassManager &pm, CompilePhase phase,
                          llvm::StringRef target = "npu-v1",
                          CompilePhase from = CompilePhase::Npu,
                          const QuantizationOptions &quantization = {});

/// Registers the pipelines with the pass registry (`--npu-optimized-pipeline`).
void registerNpuPipelines();

} // namespace npu

#endif // NPU_PIPELINES_PIPELINES_H
