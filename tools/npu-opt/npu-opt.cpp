//===- npu-opt.cpp - mlir-opt for the npu compiler -----------------------===//
//
// MlirOptMain, plus pass plugins loaded before the command line is parsed:
// MlirOptMain builds its list of pass flags when it parses, so a plugin it
// loads itself only offers its passes inside --pass-pipeline. Loading each
// --load-pass-plugin first (and handing MlirOptMain the rest) makes a
// plugin's passes flags like any other (`--npu-example-annotate-macs`).
//
// Then the input file is checked for text MLIR's parser crashes on
// (tools/common/MlirInputCheck.h): one error line naming the file, line and
// column. (Standard input is not checked: it is read once, by MlirOptMain.)
//
//===----------------------------------------------------------------------===//

#include "../common/MlirInputCheck.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "npu/InitAllDialects.h"
#include "npu/InitAllPasses.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  npu::registerAllDialects(registry);
  npu::registerAllPasses();

  // `--load-pass-plugin=P`, `--load-pass-plugin P` (one or two dashes).
  std::vector<char *> args{argv[0]};
  for (int i = 1; i < argc; ++i) {
    llvm::StringRef arg = argv[i];
    std::string path;
    if (arg == "--") {
      args.insert(args.end(), argv + i, argv + argc);
      break;
    }
    llvm::StringRef flag = arg.ltrim('-');
    if (arg.starts_with("-") && flag.consume_front("load-pass-plugin")) {
      if (flag.consume_front("="))
        path = flag.str();
      else if (flag.empty() && i + 1 < argc)
        path = argv[++i];
      else {
        args.push_back(argv[i]); // not ours: MlirOptMain reports it
        continue;
      }
      auto plugin = mlir::PassPlugin::load(path);
      if (!plugin) {
        llvm::errs() << "npu-opt: error: cannot load pass plugin '" << path
                     << "': " << llvm::toString(plugin.takeError()) << "\n";
        return 1;
      }
      plugin->registerPassRegistryCallbacks();
      continue;
    }
    args.push_back(argv[i]);
  }
  int count = int(args.size());
  char **rest = args.data();
  auto [input, output] = mlir::registerAndParseCLIOptions(
      count, rest, "NPU compiler optimizer driver\n", registry);
  if (std::optional<std::string> refused =
          npu::tools::checkMlirInputFile(input)) {
    llvm::errs() << *refused << "\n";
    return 1;
  }
  // An unreadable input is MlirOptMain's to report.
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(count, rest, input, output, registry));
}
