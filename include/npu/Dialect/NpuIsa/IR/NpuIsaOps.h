//===- NpuIsaOps.h - NPU instructions as ops --------------------*- C++ -*-===//

#ifndef NPU_DIALECT_NPUISA_IR_NPUISAOPS_H
#define NPU_DIALECT_NPUISA_IR_NPUISAOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/RegionKindInterface.h"
#include "mlir/IR/SymbolTable.h"
#include "npu/Dialect/NpuIsa/IR/NpuIsaDialect.h"

#define GET_OP_CLASSES
#include "npu/Dialect/NpuIsa/IR/NpuIsaOps.h.inc"

#endif // NPU_DIALECT_NPUISA_IR_NPUISAOPS_H
