//===- npu-translate.cpp - mlir-translate for the npu compiler -----------===//
//
// npu-translate --npu-isa-to-npubin program.mlir -o program.npubin
//
// mlirTranslateMain, after the input file is checked for text MLIR's parser
// crashes on (tools/common/MlirInputCheck.h): one error line naming the
// file, line and column. The input is the first argument that is not an
// option or the value of a separate `-o`; standard input is not checked.
//
//===----------------------------------------------------------------------===//

#include "npu/Target/Npubin/NpubinEmitter.h"

#include "../common/MlirInputCheck.h"

#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "llvm/Support/raw_ostream.h"

int main(int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    llvm::StringRef arg = argv[i];
    if (arg == "-o" || arg == "--o") {
      ++i; // its value
      continue;
    }
    if (arg == "--") {
      if (i + 1 < argc)
        if (auto refused = npu::tools::checkMlirInputFile(argv[i + 1])) {
          llvm::errs() << *refused << "\n";
          return 1;
        }
      break;
    }
    if (arg.starts_with("-"))
      continue;
    if (auto refused = npu::tools::checkMlirInputFile(arg)) {
      llvm::errs() << *refused << "\n";
      return 1;
    }
    break;
  }
  npu::registerNpubinTranslation();
  return mlir::failed(
      mlir::mlirTranslateMain(argc, argv, "NPU compiler translation driver"));
}
