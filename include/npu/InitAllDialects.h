//===- InitAllDialects.h - every dialect the npu tools load -----*- C++ -*-===//

#ifndef NPU_INITALLDIALECTS_H
#define NPU_INITALLDIALECTS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/DialectRegistry.h"
#include "npu/Conversion/BackendModels.h"
#include "npu/Dialect/Npu/IR/NpuDialect.h"
#include "npu/Dialect/NpuIsa/IR/NpuIsaDialect.h"

namespace npu {

/// Registers the dialects that appear in npu compiler IR: `npu`, `func` (the
/// graph's `@main`), `quant` (INT8 element types on `npu` ops) and `npu_isa`
/// (the instruction level); and the backend's BackendOpInterface models of
/// the npu ops (npu/Conversion/BackendModels.h).
inline void registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<NpuDialect, npuisa::NpuIsaDialect, mlir::func::FuncDialect,
                  mlir::quant::QuantDialect>();
  registerBackendInterfaceModels(registry);
}

} // namespace npu

#endif // NPU_INITALLDIALECTS_H
