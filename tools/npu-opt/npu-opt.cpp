//===- npu-opt.cpp - mlir-opt for the npu compiler -----------------------===//

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "npu/InitAllDialects.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  npu::registerAllDialects(registry);
  // Upstream transforms that npu pipelines use (canonicalize, cse, ...).
  mlir::registerTransformsPasses();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "NPU compiler optimizer driver\n", registry));
}
