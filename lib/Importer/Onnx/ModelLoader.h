//===- ModelLoader.h - parse, check, bind, infer and fold an ONNX model -*- C++
//-*-===//

#ifndef NPU_LIB_IMPORTER_ONNX_MODELLOADER_H
#define NPU_LIB_IMPORTER_ONNX_MODELLOADER_H

#include "npu/Importer/Onnx/OnnxImporter.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/LogicalResult.h"

#include <onnx/onnx_pb.h>

#include <optional>
#include <string>

namespace npu::onnx_import {

struct LoadedModel {
  onnx::ModelProto model;
  /// Path of the model file, for locations.
  std::string path;
  /// Directory of the model file; external data paths are relative to it.
  std::string modelDir;
  /// Version of the default ("" / "ai.onnx") opset the model imports.
  int64_t opset = 0;
  /// Graph inputs frozen by `--input-value`: each has an initializer of its
  /// name, yet stays an argument of `@main` (see OnnxImportOptions).
  llvm::StringSet<> frozenInputs;
  /// OnnxImportOptions::maxTripCount.
  int64_t maxTripCount = 0;
  /// Nodes that unrolling Loops and Scans has added so far (ControlFlow.h
  /// bounds the total).
  int64_t unrolledNodes = 0;
  /// A `Where` that a predicated Loop unrolling added to keep a
  /// loop-carried value when an iteration does not run: it selects exactly
  /// only when the value keeps one shape (`previous` and `next`, the value
  /// before and after the iteration), which the loader checks after shape
  /// inference (ControlFlow.h).
  struct SameShapeSelect {
    std::string loop, carried, previous, next;
  };
  std::vector<SameShapeSelect> sameShapeSelects;
};

/// True for nodes of the default ONNX domain ("" or "ai.onnx").
/// The since_version of the ONNX schema `node` follows in a model of
/// default-domain opset `opset` (its own domain's version is not looked up:
/// custom domains have no ONNX schema); 0 when ONNX has none.
int64_t schemaSinceVersion(const onnx::NodeProto &node, int64_t opset);

inline bool isDefaultDomain(const onnx::NodeProto &node) {
  return node.domain().empty() || node.domain() == "ai.onnx";
}

/// Every value's type as shape inference left it: graph inputs, value_info,
/// graph outputs (later entries win).
llvm::StringMap<const onnx::TypeProto *>
collectValueTypes(const onnx::GraphProto &graph);

/// The dimensions of `name` if its initializer's dims or shape inference
/// (`types`, from collectValueTypes) give every one of them.
std::optional<llvm::SmallVector<int64_t>>
knownDims(const llvm::StringMap<const onnx::TypeProto *> &types,
          const llvm::StringMap<const onnx::TensorProto *> &initializers,
          const std::string &name);

/// Reads and parses the protobuf at `path` (a regular file of at most
/// `maxBytes`), without ONNX's checker; one line in `error` on failure.
llvm::LogicalResult parseModel(llvm::StringRef path, uint64_t maxBytes,
                               onnx::ModelProto &model, std::string &error);

/// Loads `path` into `out`, in order: size limit, protobuf parse, ONNX
/// `checker::check_model`, unsupported-op scan (every node whose op type
/// neither `hasImporter` accepts nor the constant folder handles, all listed
/// in one message), `--input-shape` and `--input-value` binding, ONNX
/// `shape_inference::InferShapes` with data propagation, import-time constant
/// folding to a fixpoint (folded nodes become initializers, then shape
/// inference runs again), and a last scan for fold-only ops that did not
/// fold. On failure `error` holds one line saying what is wrong; ONNX's
/// exceptions never escape.
llvm::LogicalResult
loadModel(llvm::StringRef path, const OnnxImportOptions &options,
          llvm::function_ref<bool(llvm::StringRef opType)> hasImporter,
          LoadedModel &out, std::string &error);

} // namespace npu::onnx_import

#endif // NPU_LIB_IMPORTER_ONNX_MODELLOADER_H
