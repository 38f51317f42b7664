//===- GraphImporter.h - ONNX graph to npu ops ------------------*- C++ -*-===//

#ifndef NPU_LIB_IMPORTER_ONNX_GRAPHIMPORTER_H
#define NPU_LIB_IMPORTER_ONNX_GRAPHIMPORTER_H

#include "HostTensor.h"
#include "ModelLoader.h"
#include "NodeAttributes.h"

#include "npu/runtime/Target.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <optional>

namespace npu::onnx_import {

class GraphImporter;

/// What an op importer sees of the node it converts: its inputs as SSA
/// values or host constants, its inferred (static) result types, and typed
/// attribute access. Errors go through `fail`, which names the node.
class NodeContext {
public:
  NodeContext(GraphImporter &graph, const onnx::NodeProto &node,
              mlir::OpBuilder &builder, mlir::Location loc);

  const onnx::NodeProto &node;
  mlir::OpBuilder &b;
  mlir::Location loc;
  int64_t opset;
  NodeAttributes attrs;

  /// True when optional input `i` is given (not absent and not "").
  bool hasInput(unsigned i) const;
  /// Input `i` as an SSA value; constants are materialised on first use.
  mlir::Value input(unsigned i);
  mlir::RankedTensorType inputType(unsigned i);
  /// Input `i` as a host constant, or null when it is not a small constant.
  const HostTensor *constant(unsigned i);
  /// Constant integer input `i` as a vector; nullopt when not constant.
  std::optional<llvm::SmallVector<int64_t>> constantInts(unsigned i);
  /// Inferred type of output `i` (static; checked before the importer runs).
  mlir::RankedTensorType resultType(unsigned i);
  /// True when output `i` exists and something may read it.
  bool hasOutput(unsigned i) const;
  void setResult(unsigned i, mlir::Value value);
  /// Records `msg` as the import error (prefixed with the node) and fails.
  mlir::LogicalResult fail(const llvm::Twine &msg);
  /// Fails with "`what` must be constant" for parameters read from
  /// `inputs`, naming the graph inputs they are computed from and the
  /// `--input-value` option that freezes them.
  mlir::LogicalResult failNotConstant(llvm::ArrayRef<unsigned> inputs,
                                      const llvm::Twine &what);

  /// A rank-0 constant of `elementType` holding `value`.
  mlir::Value scalar(mlir::Type elementType, double value);

  /// Whether the target's backend takes `op` (BackendOpInterface::isLegalOn;
  /// true for ops without a backend model), for importers that choose
  /// between two lowerings.
  bool legalOnTarget(mlir::Operation *op) const;

private:
  GraphImporter &graph;
};

using OpImporterFn = mlir::LogicalResult (*)(NodeContext &);

/// The importer for ONNX op `opType` in the default domain, or null.
OpImporterFn lookupOpImporter(llvm::StringRef opType);

/// MLIR element type of an ONNX data type; null for unsupported types.
mlir::Type convertElementType(mlir::MLIRContext *context, int32_t dtype);

/// Builds `@main` for a loaded, checked, inferred and folded model.
class GraphImporter {
public:
  /// `costPlaced` names nodes the cost model moves to the host CPU, with
  /// the reason (a second import after cheaperOnHost; null on the first).
  GraphImporter(LoadedModel &loaded, mlir::MLIRContext &context,
                const OnnxImportOptions &options,
                const llvm::StringMap<std::string> *costPlaced = nullptr);

  /// Emits the module; on failure `error` holds one line.
  mlir::FailureOr<mlir::OwningOpRef<mlir::ModuleOp>> run(std::string &error);

private:
  friend class NodeContext;

  mlir::FailureOr<mlir::Value> lookupValue(const std::string &name);
  mlir::FailureOr<mlir::Value>
  materializeInitializer(const onnx::TensorProto &t);
  const HostTensor *hostConstant(const std::string &name);
  mlir::FailureOr<mlir::RankedTensorType> staticType(const std::string &name);
  mlir::LogicalResult importNode(const onnx::NodeProto &node);
  /// Imports `node` as an npu.host op (the host CPU runs it); `why` says
  /// why it is not on the NPU. Fails with `error` set when the host cannot
  /// run it either.
  mlir::LogicalResult importOnHost(const onnx::NodeProto &node,
                                   const std::string &why);
  /// Erases the ops appended after `last` (null: all of @main's ops) and
  /// forgets the values they defined: an NPU lowering that failed or that
  /// the target refuses leaves nothing behind.
  /// `node`'s placement record: device, reason, schema version and input
  /// element types.
  NodePlacement placementOf(const onnx::NodeProto &node,
                            const std::string &label, bool host,
                            const std::string &why) const;
  /// The graph inputs (not initializers) the `values` are computed from,
  /// in graph order: what --input-value can freeze to make them constant.
  /// With `maxElements`, only inputs of at most that many static elements
  /// (parameters rather than data).
  llvm::SmallVector<std::string>
  graphInputsFeeding(llvm::ArrayRef<std::string> values,
                     int64_t maxElements = INT64_MAX) const;
  /// `node`'s attributes as MLIR attributes (CustomOpImporter's kinds);
  /// null, with the attribute's name in `bad`, for a kind it has none for.
  mlir::DictionaryAttr attributesOf(const onnx::NodeProto &node,
                                    std::string &bad);
  void rollBack(mlir::Operation *last);
  /// Whether shape inference left `name` with a dimension it could not
  /// determine (a data-dependent output, or a shape it gave up on).
  bool hasUnknownDimension(const std::string &name) const;
  /// Whether output `name` of an op with a data-dependent shape (a host
  /// kernel with a bound) is typed at its bound: when shape inference left
  /// it open, or it is a graph output.
  bool isDataDependentOutput(const std::string &name) const;
  /// The first input of `node` whose shape depends on the data (an entry
  /// of `dynamicValues`), or null.
  const std::string *dataDependentInput(const onnx::NodeProto &node) const;

  LoadedModel &loaded;
  mlir::MLIRContext &context;
  const OnnxImportOptions &options;
  /// Appends to @main's body; constants are hoisted to the top at the end.
  mlir::OpBuilder builder;
  llvm::StringMap<mlir::Value> values;
  llvm::StringMap<const onnx::TensorProto *> initializers;
  llvm::StringMap<HostTensor> hostCache;
  llvm::StringMap<const onnx::TypeProto *> types;
  /// Values whose shape depends on data (a host op's `dynamic_shapes`
  /// result), by name, with the node that makes them: only graph outputs
  /// may read them.
  llvm::StringMap<std::string> dynamicValues;
  /// The graph's output names.
  llvm::StringSet<> graphOutputs;
  std::string error;
  const npu::rt::TargetDesc *target = nullptr;
  const llvm::StringMap<std::string> *costPlaced = nullptr;

public:
  /// Per placement: the largest operand's elements, its widest element
  /// bytes, and all operand bytes (for the cost model).
  struct Size {
    uint64_t elements = 0, bytes = 0;
    uint32_t laneBytes = 1;
  };
  std::vector<Size> sizes;
  /// One entry per imported node, in graph order.
  std::vector<NodePlacement> placements;
};

} // namespace npu::onnx_import

#endif // NPU_LIB_IMPORTER_ONNX_GRAPHIMPORTER_H
