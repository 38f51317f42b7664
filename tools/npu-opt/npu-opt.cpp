//===- npu-opt.cpp - mlir-opt for the npu compiler -----------------------===//

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "npu/InitAllDialects.h"
#include "npu/InitAllPasses.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  npu::registerAllDialects(registry);
  npu::registerAllPasses();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "NPU compiler optimizer driver\n", registry));
}
