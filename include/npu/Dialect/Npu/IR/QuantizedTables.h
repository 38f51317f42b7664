//===- QuantizedTables.h - INT8 readout constants from quantized IR -*- C++
//-*-===//
//
// Part of the npu dialect: computed from an op's quantized types and
// constants alone, so the quantizer, the code generator and tools agree.
//
//===----------------------------------------------------------------------===//

#ifndef NPU_DIALECT_NPU_IR_QUANTIZEDTABLES_H
#define NPU_DIALECT_NPU_IR_QUANTIZEDTABLES_H

#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/Operation.h"

#include <optional>

namespace npu {

/// The per-channel constants the readout of an INT8 `npu.conv` or 2-D
/// `npu.matmul` needs (docs/quantization.md, "Scheme"):
/// - a convolution with an INT8 (or UINT8) result: [M][3] i32 rows {bias -
///   zp_in * sum(q_w[c]), multiplier, shift} (TOSA's apply_scale_32
///   multiplier and shift of s_in * s_w[c] / s_out, ptq::computeRequant);
/// - a convolution with an FP32 result: [2][M] f32, the scales s_in *
///   s_w[c], then the biases bias[c] - s_in * s_w[c] * zp_in * sum(q_w[c]);
/// - a matmul (FP32 result): [2][N] f32 likewise, per column.
/// nullopt for an op whose input is not quantized (or another op); failure,
/// with the error on the op, when its types or constants are not the
/// scheme's (a per-tensor INT8 input, constant per-channel INT8 weights, an
/// INT32 or FP32 bias) or a multiplier is out of range.
mlir::FailureOr<std::optional<mlir::ElementsAttr>>
int8ReadoutTable(mlir::Operation *op);

} // namespace npu

#endif // NPU_DIALECT_NPU_IR_QUANTIZEDTABLES_H
