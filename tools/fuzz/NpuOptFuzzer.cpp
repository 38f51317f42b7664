//===- NpuOptFuzzer.cpp - libFuzzer target for npu-opt's parser+verifier --===//
//
// Parses arbitrary bytes as MLIR with the dialects npu-opt registers (npu,
// npu_isa, func, quant, builtin) and verifies the result, as `npu-opt`
// does before any pass: the op, type and attribute parsers and every
// verifier of the `npu` and `npu_isa` dialects. An error diagnostic is a
// correct answer; a crash, a sanitizer report or a timeout is a finding.
// Input npu-opt refuses before MLIR's parser (a dense array of `index`
// elements, which crashes LLVM 22's parser: tools/common/MlirInputCheck)
// is skipped the same way. Built with NPU_ENABLE_FUZZERS (scripts/fuzz.sh,
// docs/fuzzing.md).
//
//===----------------------------------------------------------------------===//

#include "../common/MlirInputCheck.h"
#include "npu/InitAllDialects.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // MLIR's lexer stops at a NUL past the end, which npu-opt's file buffers
  // have (MemoryBuffer::getFile) and libFuzzer's do not: copy.
  std::string copy(reinterpret_cast<const char *>(data), size);
  llvm::StringRef text(copy.c_str(), size);
  if (npu::tools::findIndexDenseArray(text) != llvm::StringRef::npos)
    return 0;
  static mlir::DialectRegistry *registry = [] {
    auto *r = new mlir::DialectRegistry;
    npu::registerAllDialects(*r);
    return r;
  }();
  mlir::MLIRContext context(*registry, mlir::MLIRContext::Threading::DISABLED);
  context.loadAllAvailableDialects();
  mlir::ScopedDiagnosticHandler quiet(
      &context, [](mlir::Diagnostic &) { return mlir::success(); });
  // parseSourceString verifies what it parsed (ParserConfig's default).
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(text, &context);
  return 0;
}
