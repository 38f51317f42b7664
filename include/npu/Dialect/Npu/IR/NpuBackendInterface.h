//===- NpuBackendInterface.h - what the backend asks of an op ---*- C++ -*-===//
//
// npu::BackendOpInterface (NpuBackendInterface.td): an op's unit, legality
// on a target, tiles and emission, in one place per op. The npu ops'
// implementations are external models in lib/Conversion/NpuToNpuIsa/,
// registered with npu::registerBackendInterfaceModels
// (npu/Conversion/BackendModels.h).
//
//===----------------------------------------------------------------------===//

#ifndef NPU_DIALECT_NPU_IR_NPUBACKENDINTERFACE_H
#define NPU_DIALECT_NPU_IR_NPUBACKENDINTERFACE_H

#include "npu/Dialect/Npu/IR/NpuOps.h"
#include "npu/runtime/Target.h"

#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/OpDefinition.h"

#include <string>

namespace npu::codegen {
class Codegen;
} // namespace npu::codegen

namespace npu {
/// A constant an op reads from DRAM besides its operands (its requantization
/// parameters, lookup table, divisor map), made from the op by its backend
/// model: `role` names it (a string literal; the plan records the table's
/// offset as `npu.<role>_dram` on the op), `value` holds its bytes.
struct ConstantTable {
  llvm::StringRef role;
  mlir::ElementsAttr value;
};
} // namespace npu

#include "npu/Dialect/Npu/IR/NpuBackendInterface.h.inc"

namespace npu {

/// Whether `op` can be compiled for `target`: it implements
/// BackendOpInterface and its isLegalOn holds. Otherwise `reason` says why
/// (empty for an op without the interface: the code generator has no
/// lowering for it at all).
bool isLegalOnTarget(mlir::Operation *op, const rt::TargetDesc &target,
                     std::string &reason);

/// The most indices of the axes before the innermost four that a vector
/// program's tiles loop over (each index at least one tile: a load per
/// operand, the program, a store), so that instructions stay in proportion
/// to elements: a tile spans at most the four innermost axes of its
/// iteration space (a DMA box's and a vector instruction's). A compiler
/// choice; rewrites that widen elementwise ops (npu-broadcast-upsample)
/// keep within it.
inline constexpr int64_t kMaxVectorOuterTiles = 4096;

} // namespace npu

#endif // NPU_DIALECT_NPU_IR_NPUBACKENDINTERFACE_H
