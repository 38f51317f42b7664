//===- NpuIsaDialect.h - the NPU instruction-level dialect ------*- C++ -*-===//

#ifndef NPU_DIALECT_NPUISA_IR_NPUISADIALECT_H
#define NPU_DIALECT_NPUISA_IR_NPUISADIALECT_H

#include "mlir/IR/Dialect.h"

#include "npu/Dialect/NpuIsa/IR/NpuIsaDialect.h.inc"

#endif // NPU_DIALECT_NPUISA_IR_NPUISADIALECT_H
