//===- BackendModels.h - the npu ops' backend implementations ---*- C++ -*-===//
//
// Registers npu::BackendOpInterface for every npu op the code generator
// compiles (lib/Conversion/NpuToNpuIsa/, one file per op family). Tools do
// it through npu::registerAllDialects; the backend passes also add it to
// their context, so a pass manager built elsewhere finds the models.
//
//===----------------------------------------------------------------------===//

#ifndef NPU_CONVERSION_BACKENDMODELS_H
#define NPU_CONVERSION_BACKENDMODELS_H

#include "mlir/IR/DialectRegistry.h"

namespace npu {

void registerBackendInterfaceModels(mlir::DialectRegistry &registry);

} // namespace npu

#endif // NPU_CONVERSION_BACKENDMODELS_H
