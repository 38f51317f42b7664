//===- ConstantFolding.h - import-time folding of ONNX shape arithmetic -*- C++
//-*-===//
//
// Exporters emit shape arithmetic (Shape -> Gather -> Concat -> Reshape,
// Cast of constants, ConstantOfShape, Range, ...) that is constant once the
// graph's input shapes are bound. The importer evaluates such nodes on the
// host, replaces them by initializers and re-runs ONNX shape inference, so
// the MLIR it emits is static and holds none of that arithmetic.
//
//===----------------------------------------------------------------------===//

#ifndef NPU_LIB_IMPORTER_ONNX_CONSTANTFOLDING_H
#define NPU_LIB_IMPORTER_ONNX_CONSTANTFOLDING_H

#include "HostTensor.h"

#include "llvm/ADT/StringRef.h"

#include <onnx/onnx_pb.h>

#include <string>
#include <vector>

namespace npu::onnx_import {

/// Largest tensor (in elements) the host folder reads or produces; anything
/// bigger is left to the graph (and to MLIR folding later).
constexpr int64_t kMaxFoldElements = 1 << 16;

enum class FoldStatus {
  Folded,      ///< `outputs` hold one tensor per node output.
  NotFoldable, ///< The node stays in the graph.
  Error,       ///< The node is malformed; `error` says why.
};

/// Evaluates `node` on the host when every input it reads is known.
/// `inputs[i]` is the constant value of input i, or null when it is not a
/// constant or absent; `inputTypes[i]` is its inferred type (null if
/// unknown), which is enough to fold Shape and Size.
FoldStatus foldNode(const onnx::NodeProto &node, int64_t opset,
                    llvm::ArrayRef<const HostTensor *> inputs,
                    llvm::ArrayRef<const onnx::TypeProto *> inputTypes,
                    std::vector<HostTensor> &outputs, std::string &error);

/// Reads initializer `tensor` on the host when it has at most
/// kMaxFoldElements elements; false for larger or unreadable ones (those are
/// reported when the graph importer materialises them).
bool readFoldableConstant(const onnx::TensorProto &tensor,
                          llvm::StringRef modelDir, HostTensor &out);

/// Ops the importer supports only when they fold to constants (they have no
/// npu dialect counterpart).
bool isFoldOnlyOp(llvm::StringRef opType);

} // namespace npu::onnx_import

#endif // NPU_LIB_IMPORTER_ONNX_CONSTANTFOLDING_H
