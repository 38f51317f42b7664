//===- OnnxImportFuzzer.cpp - libFuzzer target for the ONNX importer ------===//
//
// Imports arbitrary bytes as an ONNX model, as `npu-compile` does before its
// pipeline: protobuf parse, ONNX's checker and shape inference, the
// attribute and shape checks, constant folding and the graph importer into
// `npu` IR (npu::importOnnxModel, default options and target). An error
// line is a correct answer; a crash, a sanitizer report, a timeout or
// running out of memory is a finding. The importer reads a path, so each
// input is written to one file per process under $TMPDIR. Built with
// NPU_ENABLE_FUZZERS (scripts/fuzz.sh, docs/fuzzing.md).
//
//===----------------------------------------------------------------------===//

#include "npu/Importer/Onnx/OnnxImporter.h"
#include "npu/InitAllDialects.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace {
const std::string &modelPath() {
  static const std::string path = [] {
    const char *dir = std::getenv("TMPDIR");
    return std::string(dir && *dir ? dir : "/tmp") + "/npu-onnx-fuzz-" +
           std::to_string(getpid()) + ".onnx";
  }();
  return path;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string &path = modelPath();
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f || std::fwrite(data, 1, size, f) != size || std::fclose(f) != 0)
    std::abort(); // the harness itself failed
  mlir::DialectRegistry registry;
  npu::registerAllDialects(registry);
  mlir::MLIRContext context(registry, mlir::MLIRContext::Threading::DISABLED);
  // Errors are answers: count them, print nothing.
  unsigned errors = 0;
  mlir::ScopedDiagnosticHandler quiet(&context, [&](mlir::Diagnostic &d) {
    errors += d.getSeverity() == mlir::DiagnosticSeverity::Error;
    return mlir::success();
  });
  auto module = npu::importOnnxModel(path, context);
  // An import that succeeds gives IR its own verifiers accept; one that
  // fails says why (OnnxImporter.h: exactly one error).
  if (succeeded(module) && failed(mlir::verify(module->get())))
    std::abort();
  if (failed(module) && errors == 0)
    std::abort();
  return 0;
}
