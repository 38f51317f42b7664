//===- OpImporters.h - shared by the op importer files ----------*- C++ -*-===//
//
// The ONNX op importers live in OpImporters.cpp (one function per op,
// registered in its table) and QuantizationImporters.cpp (pre-quantized
// models). Not installed.
//
//===----------------------------------------------------------------------===//

#ifndef NPU_LIB_IMPORTER_ONNX_OPIMPORTERS_H
#define NPU_LIB_IMPORTER_ONNX_OPIMPORTERS_H

#include "GraphImporter.h"

namespace npu::onnx_import {

/// npu.conv of `x` and `w` (and `bias`, may be null) of `resultType` with
/// the node's Conv attributes (auto_pad or pads, strides, dilations,
/// group): Conv, QLinearConv and ConvInteger; `pads` (begins, then ends)
/// instead of the node's when given. Fails with the node's error set when
/// the ranks or pads do not fit.
mlir::FailureOr<mlir::Value>
buildConv(NodeContext &ctx, mlir::Value x, mlir::Value w, mlir::Value bias,
          mlir::RankedTensorType resultType,
          std::optional<llvm::ArrayRef<int64_t>> pads = std::nullopt);
/// The node's Conv pads for an input of `x` and weights of `w` (auto_pad
/// resolved): the begin pads of every spatial axis, then the end pads.
mlir::FailureOr<llvm::SmallVector<int64_t>>
convPads(NodeContext &ctx, mlir::RankedTensorType x, mlir::RankedTensorType w);

/// Pre-quantized models (QuantizationImporters.cpp, docs/quantization.md
/// "Pre-quantized models"): QuantizeLinear and DequantizeLinear (opsets 10
/// and 13) as npu.quantize / npu.dequantize behind npu.storage_cast, and
/// QLinearConv and QLinearMatMul (opset 10) as the QDQ form they mean.
/// Each fails (the node then runs on the host CPU) when its scales and
/// zero points are not constant, FP32, positive, finite and normal, or its
/// codes not 8-bit.
/// Reshape of `v` to `shape` (npu.reshape, a view), omitted when it would be
/// the identity.
mlir::Value reshapeTo(NodeContext &ctx, mlir::Value v,
                      llvm::ArrayRef<int64_t> shape);

mlir::LogicalResult importQuantizeLinear(NodeContext &ctx);
/// DynamicQuantizeLinear (opset 11) as its function body in npu ops: the
/// scale and zero point computed on the NPU, then a QuantizeLinear with a
/// run-time scale.
mlir::LogicalResult importDynamicQuantizeLinear(NodeContext &ctx);
/// FP32 integers `v` (rounded already) as the 8-bit integers of `out` at
/// unit scale, saturating: one npu.quantize behind npu.storage_cast.
mlir::Value unitCodes(NodeContext &ctx, mlir::Value v,
                      mlir::RankedTensorType out);
/// 8-bit integers (INT8 or UINT8) as FP32, exactly: npu.dequantize at unit
/// scale behind npu.storage_cast.
mlir::Value unitValues(NodeContext &ctx, mlir::Value codes);
mlir::LogicalResult importDequantizeLinear(NodeContext &ctx);
mlir::LogicalResult importQLinearConv(NodeContext &ctx);
mlir::LogicalResult importQLinearMatMul(NodeContext &ctx);
/// ConvInteger and MatMulInteger (opset 10) as INT8 npu.conv and npu.matmul
/// with INT32 results (their exact sums); the weights and zero points must
/// be constant, the input's zero point one value.
mlir::LogicalResult importConvInteger(NodeContext &ctx);
mlir::LogicalResult importMatMulInteger(NodeContext &ctx);

} // namespace npu::onnx_import

#endif // NPU_LIB_IMPORTER_ONNX_OPIMPORTERS_H
