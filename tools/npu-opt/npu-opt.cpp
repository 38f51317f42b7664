//===- npu-opt.cpp - mlir-opt for the npu compiler -----------------------===//
//
// MlirOptMain, plus pass plugins loaded before the command line is parsed:
// MlirOptMain builds its list of pass flags when it parses, so a plugin it
// loads itself only offers its passes inside --pass-pipeline. Loading each
// --load-pass-plugin first (and handing MlirOptMain the rest) makes a
// plugin's passes flags like any other (`--npu-example-annotate-macs`).
//
// Then one check of the input text that MLIR's own parser
// cannot make: LLVM 22's parser of dense arrays segfaults on an `index`
// element type (`array<index: 0, 0>`, also through a type alias) instead of
// refusing it, in Parser::parseDenseArrayAttr -> getIntOrFloatBitWidth.
// Such an input gets one error line naming the file, line and column.
// (Standard input is not checked: it is read once, by MlirOptMain.)
//
//===----------------------------------------------------------------------===//

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "npu/InitAllDialects.h"
#include "npu/InitAllPasses.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace {

/// Offset of the first dense array whose element type is `index` (directly
/// or through `!alias = index`, aliases of aliases included), or npos.
size_t findIndexDenseArray(llvm::StringRef text) {
  llvm::StringSet<> indexNames = {"index"};
  llvm::Regex alias("^[ \t]*!([A-Za-z_][A-Za-z0-9_.$-]*)[ \t]*=[ \t]*"
                    "(index|![A-Za-z_][A-Za-z0-9_.$-]*)[ \t]*$");
  for (bool grew = true; grew;) {
    grew = false;
    llvm::SmallVector<llvm::StringRef> lines;
    text.split(lines, '\n');
    llvm::SmallVector<llvm::StringRef, 3> m;
    for (llvm::StringRef line : lines)
      if (alias.match(line.rtrim("\r"), &m) &&
          indexNames.contains(m[2].ltrim("!")) && !indexNames.contains(m[1]))
        grew = indexNames.insert(m[1]).second;
  }
  llvm::Regex array("array[ \t\r\n]*<[ \t\r\n]*!?([A-Za-z_][A-Za-z0-9_.$-]*)");
  llvm::SmallVector<llvm::StringRef, 2> m;
  for (size_t at = 0; at < text.size();) {
    llvm::StringRef rest = text.drop_front(at);
    if (!array.match(rest, &m))
      return llvm::StringRef::npos;
    size_t found = m[0].data() - text.data();
    if (indexNames.contains(m[1]))
      return found;
    at = found + m[0].size();
  }
  return llvm::StringRef::npos;
}

} // namespace

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
  if (input != "-")
    if (auto buffer = llvm::MemoryBuffer::getFile(input, /*IsText=*/true)) {
      llvm::StringRef text = (*buffer)->getBuffer();
      size_t at = findIndexDenseArray(text);
      if (at != llvm::StringRef::npos) {
        llvm::StringRef before = text.take_front(at);
        size_t line = before.count('\n') + 1;
        size_t column = at - (before.rfind('\n') + 1) + 1;
        llvm::errs() << input << ":" << line << ":" << column
                     << ": error: a dense array of 'index' elements is not "
                        "supported (use i64)\n";
        return 1;
      }
    }
  // An unreadable input is MlirOptMain's to report.
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(count, rest, input, output, registry));
}
