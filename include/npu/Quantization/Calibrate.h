//===- Calibrate.h - calibration and the quantization report --*- C++ -*-===//
//
// Post-training quantization's use of the emulator: the FP32 model (the
// `optimized` phase) is compiled with every intermediate tensor made a
// graph output and run over the calibration samples on the emulator, the
// execution path users already trust; no host reimplementation of the ops.
// The same way, the quantization report runs the INT8 model with its INT8
// tensors dequantized to outputs and compares them with the FP32 ones.
//
// A calibration set is a directory: for a model with one input, one
// `.npy` per sample (FP32, the input's shape); for several inputs, one
// subdirectory per sample holding `NAME.npy` for every input NAME. Samples
// are taken in file-name order.
//
//===----------------------------------------------------------------------===//

#ifndef NPU_QUANTIZATION_CALIBRATE_H
#define NPU_QUANTIZATION_CALIBRATE_H

#include "npu/Pipelines/Pipelines.h"
#include "npu/Quantization/Calibration.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/JSON.h"

#include <string>
#include <vector>

namespace npu {

/// One calibration sample: FP32 data for every graph input, in order
/// (empty for inputs frozen with `--input-value`, which run with their
/// frozen value).
struct CalibrationSample {
  std::string name; ///< The file or directory it came from.
  std::vector<std::vector<float>> inputs;
};

/// Reads the calibration set at `dir` for `main`'s inputs that are not
/// frozen (`npu.frozen_value`): one `.npy` per sample when one such input
/// remains, else one directory of NAME.npy per sample. Fails with one
/// line in `error` for a missing or empty directory, a sample that is not
/// FP32, has the wrong shape or lacks an input.
mlir::LogicalResult loadCalibrationSet(const std::string &dir,
                                       mlir::func::FuncOp main,
                                       std::vector<CalibrationSample> &samples,
                                       std::string &error);

/// Runs the FP32 `module` (phase `optimized`) over `samples` on the
/// emulator of `target` and records on every FP32 value the range `method`
/// chooses (`npu.range = array<f64: min, max>` on the defining op, or the
/// function argument's attribute), what npu-quantize reads.
mlir::LogicalResult calibrate(mlir::ModuleOp module,
                              llvm::ArrayRef<CalibrationSample> samples,
                              ptq::CalibrationMethod method,
                              llvm::StringRef target, std::string &error);

/// The quantization report (TPU-MLIR's --compare_all is the model):
///   {"samples", "layers": [{"name" (ONNX node), "op", "input_scale",
///     "input_zero_point", "scale", "zero_point" (INT8 results only),
///     "weight_scale_min", "weight_scale_max", "sqnr_db", "cosine",
///     "input_layer" (the reported layer its first operand comes from)}...],
///    "outputs": [{"name", "sqnr_db", "cosine"}...]}
/// per INT8 op of `quantized` (phase `quantized`) against the same node's
/// FP32 result in `reference` (phase `optimized`), over every sample.
/// SQNR = 10 log10(sum f^2 / sum (f - q)^2) in dB (null when the INT8
/// result is exact); cosine = f.q / (|f| |q|).
llvm::FailureOr<llvm::json::Value>
buildQuantReport(mlir::ModuleOp reference, mlir::ModuleOp quantized,
                 llvm::ArrayRef<CalibrationSample> samples,
                 llvm::StringRef target, std::string &error);

/// Mixed precision by sensitivity: quantizes a clone of `reference` (phase
/// `optimized`, calibrated) with `options`, measures it with
/// buildQuantReport over `samples`, and while the graph outputs' SQNR (the
/// worst output, in dB) is below `minSqnrDb` adds to `options.keepFloat` the
/// INT8 layers that add the most noise (a layer's noise-to-signal ratio
/// minus that of its `input_layer`), a sixteenth of the candidates (at
/// least one) per round, and measures again. Ends when the target holds or
/// no INT8 layer adds noise; `report` is the last measurement with a
/// "mixed_precision" object: {"min_sqnr_db", "output_sqnr_db", "met",
/// "rounds", "kept_float": [ONNX node names added]}. Fails with one line in
/// `error` when quantizing, compiling or running fails.
mlir::LogicalResult keepFloatForSqnr(mlir::ModuleOp reference,
                                     llvm::ArrayRef<CalibrationSample> samples,
                                     llvm::StringRef target, double minSqnrDb,
                                     QuantizationOptions &options,
                                     llvm::json::Value &report,
                                     std::string &error);

/// Which depthwise convolutions run in INT8, by their effect on the graph
/// outputs (`npu-compile --int8-depthwise=auto`, the default). A depthwise
/// convolution has no cross-channel sum to average its input's per-tensor
/// rounding away, so one whose input channels span very different ranges
/// can cost the whole model its accuracy while its neighbours cost nothing
/// (PaddleOCR det: one of 14 takes the probability map's cosine from 0.998
/// to 0.974). Each measurement quantizes a clone of `reference` (phase
/// `optimized`, calibrated) with `options`, compiles it and runs the first
/// 8 of `samples` (a bound on the time and on the FP32 outputs kept) on the
/// emulator of `target`; its figure is the worst graph output's
/// noise-to-signal ratio against FP32 (SQNR's inverse, no dB).
///  1. base: every depthwise convolution FP32 (the policy without them);
///     the budget is base's ratio times 10^(maxLossDb / 10), or an SQNR of
///     30 dB (cosine about 0.9995) when that is more (a nearly exact base,
///     such as a softmax of confident logits, would otherwise refuse all).
///  2. every candidate INT8 (those the quantizer makes INT8 with
///     int8Depthwise, minus the kept ones); done when within the budget.
///  3. else the candidate whose FP32 keeping removes the most noise is found
///     by bisection, two measurements per halving: the half whose keeping
///     float (with the kept ones) leaves less noise at the outputs. (One
///     measurement, inferring the other half's share as if noise added,
///     picked the wrong layer where one layer's noise is amplified by the
///     next.) It joins the kept ones; back to 2.
/// Ends within the budget, or with every candidate kept (the base policy).
///  4. speed: every measurement also gives the program's cycles and each
///     layer's (the runtime's timing model); the INT8 candidates whose
///     layer took more cycles than in the base (the MAC array reloads its
///     block-diagonal weight tile per tap, the vector unit's FP32 mac does
///     not) are kept FP32 too if one more measurement shows the program
///     faster within the budget; a program slower than the base as a whole
///     (the quantize and dequantize at its edges) becomes the base.
/// On success `options` has int8Depthwise set and the kept ones appended to
/// keepFloat, and `report` is {"policy": "auto", "max_loss_db",
/// "good_enough_sqnr_db", "base_sqnr_db", "sqnr_db", "base_cycles",
/// "cycles", "int8": [names], "kept_float": [names, all kept],
/// "kept_float_for_speed": [names, of those], "measurements"} (dB figures
/// null when exact; with no candidates nothing is measured: SQNR null,
/// cycles 0). Fails with one line in `error` when quantizing, compiling or
/// running fails.
mlir::LogicalResult chooseInt8Depthwise(
    mlir::ModuleOp reference, llvm::ArrayRef<CalibrationSample> samples,
    llvm::StringRef target, double maxLossDb, QuantizationOptions &options,
    llvm::json::Value &report, std::string &error);

} // namespace npu

#endif // NPU_QUANTIZATION_CALIBRATE_H
