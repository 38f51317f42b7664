//===- Prune.h - magnitude pruning of whole MAC weight tiles -----*- C++
//-*-===//
//
// npu-compile --prune=block:RATIO: for users who have not pruned, zeroes the
// weakest whole weight tiles of each MAC-array layer so that pruning-aware
// code generation (docs/codegen.md, "Sparse weights") can skip them.
//
//===----------------------------------------------------------------------===//

#ifndef NPU_QUANTIZATION_PRUNE_H
#define NPU_QUANTIZATION_PRUNE_H

#include "npu/runtime/Target.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/JSON.h"

#include <string>
#include <vector>

namespace npu {

/// What --prune asks for.
struct PruneOptions {
  /// Fraction of the weight tiles zeroed, in [0, 1): of each layer's
  /// (block:RATIO), or of all layers' together (block-global:RATIO).
  double ratio = 0;
  /// Rank the tiles of all layers together by their root-mean-square value
  /// (global magnitude pruning: a layer of small weights loses more of its
  /// tiles) instead of each layer's by their L2 norm.
  bool global = false;
  /// ONNX node names left dense (--keep-dense).
  std::vector<std::string> keepDense;
};

/// Parses "block:RATIO" or "block-global:RATIO" (RATIO in [0, 1)); false
/// with `error` otherwise.
bool parsePruneSpec(llvm::StringRef spec, PruneOptions &options,
                    std::string &error);

/// Magnitude pruning of whole weight tiles in `module` (phase `optimized`,
/// FP32): for every convolution on the MAC array (not depthwise) and 2-D
/// matmul whose weights are an FP32 constant, the weights are cut into the
/// tiles the code generator skips — per group and tap, `target.arrayRows`
/// input channels (K) by `target.arrayCols` output channels (N) — and the
/// floor(ratio x tiles) tiles of least L2 norm (ties: lowest index) are set
/// to zero, per layer; with `options.global`, the floor(ratio x all tiles)
/// tiles of least root-mean-square value (an edge tile's over its
/// elements; ties: earlier layer, then lowest index) among all the layers'.
/// A weight constant shared with another op is copied
/// first. Returns per pruned layer {"name" (ONNX node), "op", "kernel"
/// (a convolution's spatial dims), "tiles",
/// "pruned", "density" (weight elements non-zero / all, after)} in
/// `layers`.
void pruneWeightBlocks(mlir::ModuleOp module, const rt::TargetDesc &target,
                       const PruneOptions &options, llvm::json::Array &layers);

} // namespace npu

#endif // NPU_QUANTIZATION_PRUNE_H
