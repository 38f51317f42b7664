//===- NpuDialect.h - npu dialect declaration -------------------*- C++ -*-===//

#ifndef NPU_DIALECT_NPU_IR_NPUDIALECT_H
#define NPU_DIALECT_NPU_IR_NPUDIALECT_H

#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/Dialect.h"

#include "npu/Dialect/Npu/IR/NpuDialect.h.inc"

#endif // NPU_DIALECT_NPU_IR_NPUDIALECT_H
