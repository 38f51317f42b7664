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

/// An npu.constant of the FP32 values `w` (of `type`'s shape) quantized
/// symmetrically per slice along `axis` (`!quant.uniform<i8<-127:127>:f32:
/// AXIS, {...}>`, zero points 0: ptq::chooseWeightScales), created at
/// `b`'s insertion point. `scales` receives the per-slice scales; when it
/// holds one per slice on entry, those are used instead. Shared by
/// npu-quantize and npu-fold-qdq.
mlir::Value createInt8Weights(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::RankedTensorType type,
                              llvm::ArrayRef<float> w, int64_t axis,
                              std::vector<double> &scales);

} // namespace npu

#endif // NPU_DIALECTS_NPU_TRANSFORMS_CONVFOLDING_H
