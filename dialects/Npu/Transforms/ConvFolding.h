//===- ConvFolding.h - rewriting a convolution's constant parameters -*- C++
//-*-===//
//
// Shared by the passes that fold arithmetic into convolution weights and
// biases (FoldBatchNorm, FoldAffine). Not installed.
//
//===----------------------------------------------------------------------===//

#ifndef NPU_DIALECTS_NPU_TRANSFORMS_CONVFOLDING_H
#define NPU_DIALECTS_NPU_TRANSFORMS_CONVFOLDING_H

#include "npu/Dialect/Npu/IR/NpuOps.h"

#include "mlir/IR/PatternMatch.h"

namespace npu {

/// The constant FP32 weights (ONNX order, [M][C/group][k...]) and bias
/// (zeros when the convolution has none) of `conv`; false when either is
/// not a constant.
bool readConvParams(ConvOp conv, llvm::SmallVectorImpl<float> &weight,
                    llvm::SmallVectorImpl<float> &bias);

/// Creates `conv` again at `loc` with input `input`, the weights `weight`
/// (nullopt: unchanged) and the bias `bias` as new constants.
ConvOp rebuildConv(mlir::PatternRewriter &rewriter, ConvOp conv,
                   mlir::Value input,
                   std::optional<llvm::ArrayRef<float>> weight,
                   llvm::ArrayRef<float> bias, mlir::Location loc);

} // namespace npu

#endif // NPU_DIALECTS_NPU_TRANSFORMS_CONVFOLDING_H
