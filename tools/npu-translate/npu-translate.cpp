//===- npu-translate.cpp - mlir-translate for the npu compiler -----------===//
//
// npu-translate --npu-isa-to-npubin program.mlir -o program.npubin
//
//===----------------------------------------------------------------------===//

#include "npu/Target/Npubin/NpubinEmitter.h"

#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"

int main(int argc, char **argv) {
  npu::registerNpubinTranslation();
  return mlir::failed(
      mlir::mlirTranslateMain(argc, argv, "NPU compiler translation driver"));
}
