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
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace npu {

/// The per-channel constants the readout of an INT8 `npu.conv` or 2-D
/// `npu.matmul` needs (docs/quantization.md, "Scheme"):
/// - a convolution with an INT8 (or UINT8) result: [M][3] i32 rows {bias -
///   zp_in * sum(q_w[c]), multiplier, shift} (TOSA's apply_scale_32
///   multiplier and shift of s_in * s_w[c] / s_out, ptq::computeRequant);
/// - a convolution with an FP32 result: [2][M] f32, the scales s_in *
///   s_w[c], then the biases bias[c] - s_in * s_w[c] * zp_in * sum(q_w[c]);
/// - a matmul (FP32 result): [2][N] f32 likewise, per column;
/// - a convolution or matmul with an INT32 result (ONNX ConvInteger and
///   MatMulInteger: the exact sums of (x - zp_in) * q_w, every scale 1):
///   [M] (or [N]) i32, bias[c] - zp_in * sum(q_w[c]) wrapped to 32 bits,
///   which the readout adds to the accumulator.
/// nullopt for an op whose input is not quantized (or another op); failure,
/// with the error on the op, when its types or constants are not the
/// scheme's (a per-tensor INT8 input, constant per-channel INT8 weights, an
/// INT32 or FP32 bias) or a multiplier is out of range.
/// - a transposed convolution (FP32 result, one group, weights per output
///   channel on axis 1): [2 x phases][M] f32, per output phase (in
///   transposedPhases' order) its scale row and its bias row, the zero-point
///   fold summing only the weight taps that phase reads.
mlir::FailureOr<std::optional<mlir::ElementsAttr>>
int8ReadoutTable(mlir::Operation *op);

/// Whether `op`'s first operand holds quantized values (an INT8 layer).
bool hasQuantizedInput(mlir::Operation *op);

/// The sub-pixel decomposition of a transposed convolution along one
/// spatial axis: output position o = q * stride + r (residue r) receives
/// kernel tap k from input q + offset for each {k, offset} of residue r.
struct PhaseTap {
  int64_t k, offset;
};

/// One output phase of a 1-D or 2-D transposed convolution: its residues
/// (ry, rx) and the taps along each axis (y is one tap {0, 0} for 1-D).
struct TransposedPhase {
  int64_t ry = 0, rx = 0;
  llvm::SmallVector<PhaseTap, 4> y, x;
};

/// The phases of `op` in row-major (ry, rx) order, over the residues below
/// min(stride, output extent) on each axis. Failure, with the error on the
/// op, for ranks other than 3 and 4 or a phase that no tap reaches (a
/// stride above the dilated kernel).
mlir::FailureOr<llvm::SmallVector<TransposedPhase, 4>>
transposedPhases(mlir::Operation *op);

} // namespace npu

#endif // NPU_DIALECT_NPU_IR_QUANTIZEDTABLES_H
