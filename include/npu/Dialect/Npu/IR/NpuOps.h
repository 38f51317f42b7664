//===- NpuOps.h - npu dialect operations ------------------------*- C++ -*-===//

#ifndef NPU_DIALECT_NPU_IR_NPUOPS_H
#define NPU_DIALECT_NPU_IR_NPUOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Traits.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include "npu/Dialect/Npu/IR/NpuDialect.h"
#include "npu/runtime/HostKernels.h"
#include "npu/runtime/Target.h"
#include <vector>

#include "llvm/ADT/Hashing.h"

namespace npu::rt {
/// Hashes every figure of `t` (TargetAttr's storage key).
llvm::hash_code hash_value(const TargetDesc &t);
} // namespace npu::rt

#include "npu/Dialect/Npu/IR/NpuEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "npu/Dialect/Npu/IR/NpuAttrs.h.inc"

#define GET_OP_CLASSES
#include "npu/Dialect/Npu/IR/NpuOps.h.inc"

namespace npu {

/// The runtime's element type of a tensor element type (f16, bf16, f32, f64,
/// i1 as Bool, 8- to 64-bit signless or signed integers, unsigned ones), or
/// nullopt (index, complex, quantized, ...).
std::optional<bin::ElementType> toRuntimeElementType(mlir::Type type);

/// The runtime's view (type and shape, no data) of ranked tensor types.
std::vector<rt::HostTensorView> toHostViews(mlir::TypeRange types);

/// An ONNX node for the runtime's host kernels from its op type, opset and
/// attribute dictionary (npu.host's `onnx_attributes`: i64 integers, f32
/// floats, strings, `array<i64>`, `array<f32>`); fails with one line in
/// `why` on any other attribute kind.
llvm::LogicalResult toHostNode(llvm::StringRef opType, int64_t opset,
                               mlir::DictionaryAttr attributes,
                               rt::HostNode &node, std::string &why);

/// Whether `value` has a data-dependent shape: a result of an npu.host
/// marked in its `dynamic_shapes`, seen through the npu.layer that holds
/// it at the schedule level. Its type is its bound.
bool hasDataDependentShape(mlir::Value value);
/// Bytes of one element of `type` (a tensor or element type); quantized
/// types take their storage type's, sub-byte types (i1) a byte.
int64_t elementBytes(mlir::Type type);

/// Bytes of a ranked tensor type's elements.
int64_t byteSize(mlir::Type type);

/// The attribute holding a module's target.
inline constexpr llvm::StringLiteral kTargetAttrName = "npu.target";

/// The runtime's target names, comma-separated (for messages).
std::string getKnownTargetNames();

/// The target `module` is compiled for. `option` is a pass's `target=`
/// option: empty takes the module's `npu.target` (npu-v1 when it has none);
/// a runtime target name must agree with the module's `npu.target` when it
/// has one. The result is recorded on the module. Emits an error on the
/// module and fails for an unknown name or a disagreement.
mlir::FailureOr<TargetAttr> getOrSetModuleTarget(mlir::ModuleOp module,
                                                 llvm::StringRef option);

/// Output extent of one spatial axis of a convolution or pooling window
/// (ONNX Conv/MaxPool/AveragePool):
/// `floor_or_ceil((in + padBegin + padEnd - dilation*(kernel-1) - 1) / stride)
/// + 1`. With `ceilMode`, a last window that would start inside the end padding
/// is dropped (ONNX and PyTorch agree on this). Returns a value < 1 when the
/// window does not fit; `stride` and `dilation` must be positive.
int64_t computePooledExtent(int64_t in, int64_t kernel, int64_t stride,
                            int64_t dilation, int64_t padBegin, int64_t padEnd,
                            bool ceilMode);

/// Output extent of one spatial axis of a transposed convolution (ONNX
/// ConvTranspose): `stride*(in-1) + outputPadding + dilation*(kernel-1) + 1
/// - padBegin - padEnd`.
int64_t computeTransposedExtent(int64_t in, int64_t kernel, int64_t stride,
                                int64_t dilation, int64_t padBegin,
                                int64_t padEnd, int64_t outputPadding);

/// Whether `mean` averages both spatial axes of an NCHW tensor and keeps
/// them (ONNX GlobalAveragePool as imported).
bool isGlobalAveragePool(ReduceMeanOp mean);

/// The raw little-endian bytes of a constant's elements, `elemBytes` each,
/// inline (`dense`, splats expanded) or a loaded `dense_resource` blob;
/// false for other layouts, an unavailable blob or bytes of another size.
bool readConstantBytes(mlir::ElementsAttr value, int64_t elemBytes,
                       std::vector<uint8_t> &out);

/// Reads every element of a constant f32 tensor, inline (`dense`, splats
/// included) or a loaded `dense_resource` blob, into `out` (row-major).
/// Returns false for other element types or an unavailable blob.
bool readFloatConstant(mlir::Attribute value,
                       llvm::SmallVectorImpl<float> &out);

/// An f32 elements attribute holding `values` (row-major, one per element of
/// `type`): inline `dense` up to 4096 bytes, else a `dense_resource` blob
/// named after `resourceHint` (made unique by MLIR).
mlir::ElementsAttr makeFloatConstant(mlir::RankedTensorType type,
                                     llvm::ArrayRef<float> values,
                                     llvm::StringRef resourceHint);

/// The value of an elementwise op (add, sub, mul, div, pow, minimum,
/// maximum, clamp, leaky_relu, hard_sigmoid, hard_swish, sigmoid, tanh, erf,
/// exp, sqrt) at one point, from its operands' values, in double precision
/// with ONNX's semantics; nullopt for any other op. Compile-time folding of
/// lookup tables uses it.
std::optional<double> evaluateElementwise(mlir::Operation *op,
                                          llvm::ArrayRef<double> operands);

/// The activations that have an INT8 -> INT8 form as a lookup table when
/// their operand and result are quantized: sigmoid, hard_sigmoid,
/// hard_swish, tanh, leaky_relu, clamp.
bool isTableActivation(mlir::Operation *op);

/// The 256-entry INT8 table of a table activation whose operand and result
/// are per-tensor INT8 (`!quant.uniform<i8:f32, s:zp>`): entry q + 128 is
/// the result code of input code q, the activation evaluated in double
/// precision on the dequantized input (evaluateElementwise) and quantized to
/// the result type (npu::ptq::buildLookupTable: round half away from zero,
/// saturating). Null for any other op. The quantizer and the
/// canonicalization of such ops into `npu.lookup_table` use it, so the
/// table exists in the quantized IR and the code generator only copies it.
mlir::DenseElementsAttr int8ActivationTable(mlir::Operation *op);

/// The ONNX node name and op type the importer records in an op's location
/// (`fused<"OpType">["name"]`, possibly fused again by folding); the op's
/// own name stands in for what is missing.
std::pair<std::string, std::string> onnxNodeOf(mlir::Operation *op);

} // namespace npu

#endif // NPU_DIALECT_NPU_IR_NPUOPS_H
