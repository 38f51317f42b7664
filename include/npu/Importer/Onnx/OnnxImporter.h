//===- OnnxImporter.h - ONNX model to npu dialect ---------------*- C++ -*-===//
//
// The ONNX importer: one call turns a `.onnx` file into a module holding
// `func.func @main` in the `npu` dialect, with static shapes throughout.
//
//===----------------------------------------------------------------------===//

#ifndef NPU_IMPORTER_ONNX_ONNXIMPORTER_H
#define NPU_IMPORTER_ONNX_ONNXIMPORTER_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include "npu/runtime/Target.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace npu {

struct OnnxImportOptions {
  /// Shapes bound to graph inputs by ONNX name (`--input-shape=x:1x3x48x192`).
  /// A bound shape replaces the declared one: symbolic (`N`) and unknown
  /// dimensions take the bound value; a declared static dimension must match.
  llvm::StringMap<llvm::SmallVector<int64_t>> inputShapes;

  /// Graph inputs frozen to a value (`--input-value=sizes=sizes.npy`), by ONNX
  /// name: the file (`.npy`, or an ONNX TensorProto `.pb` as ONNX's test data
  /// stores inputs) is read at import and the input becomes a constant, so
  /// shape-determining inputs (Resize sizes, Slice starts, Pad pads, Gather
  /// indices) fold as initializers would. The input stays in `@main`'s
  /// signature, unused, with the value in an `npu.frozen_value` argument
  /// attribute: the executable keeps the model's interface and the runtime
  /// refuses any other contents for it (TVM's `freeze_params` and
  /// onnx-simplifier's input overwriting do the same for static compilers).
  llvm::StringMap<std::string> inputValues;

  /// Largest model file accepted, in bytes. Protobuf refuses messages of
  /// 2 GiB or more; larger models must store weights as external data.
  uint64_t maxModelBytes = (uint64_t(1) << 31) - 1;

  /// Constants up to this many bytes become inline `dense<...>` attributes;
  /// larger ones become `dense_resource<...>` blobs, copied once from the
  /// protobuf and printed in the module's resource section.
  uint64_t maxInlineConstantBytes = 4096;

  /// Iterations a `Loop` whose trip count is known only at run time (a
  /// graph input, or absent with an early exit) is unrolled to
  /// (`--max-trip-count=N`, at most 4096): every copy runs predicated on
  /// i < M and the loop's condition, and a run that needs more iterations
  /// stops with one error line (docs/heterogeneous.md, "Control flow").
  /// 0: such a Loop is refused, naming the graph input to freeze.
  int64_t maxTripCount = 0;

  /// Heterogeneous execution (docs/heterogeneous.md). The target whose
  /// backend decides which nodes the NPU can run (`--target`; empty:
  /// npu-v1). A node runs on the host CPU (`npu.host`) when it has no NPU
  /// lowering, when its lowering fails for this instance or the target's
  /// backend refuses an op of it, or when `execOnCpu` names it
  /// (`--exec-on-cpu`, by ONNX node name, or output name for unnamed
  /// nodes). With `npuOnly` (`--npu-only`) the import fails instead, listing
  /// every such node at once. With `placeByCost` (`--place-by-cost`, the
  /// default) islands of NPU nodes between host nodes move to the host when
  /// that is cheaper (cheaperOnHost); without it placement is by legality.
  std::string targetName;
  llvm::StringSet<> execOnCpu;
  bool npuOnly = false;
  bool placeByCost = true;
};

/// Where the importer placed one ONNX node and why (`--placement-report`).
struct NodePlacement {
  /// The node's name; its op type ("domain.Type" for a custom domain).
  std::string node, opType;
  bool host = false;
  std::string reason; ///< Empty for NPU nodes.
  /// An NPU node whose lowering made only constants (its inputs were
  /// constant): computed at compile time, no instruction runs for it.
  bool constantFolded = false;
  /// An NPU node whose lowering made only views of its input (ops the
  /// backend runs on no unit, BackendOpInterface::getExecutionUnit() ==
  /// none: reshapes, storage casts; or ops that fold to an operand, such as
  /// a Cast to the type it reads) or nothing at all (Identity, inference
  /// Dropout): the NPU runs no instruction for it, the host would copy.
  bool alias = false;
  /// The version of the op's ONNX schema the model's opset selects (the
  /// schema's since_version; 0 when ONNX has no schema for it).
  int64_t sinceVersion = 0;
  /// Element types of the node's inputs as ONNX names ("FLOAT", "INT64";
  /// "" for an absent optional input, "?" for one whose type is unknown).
  std::vector<std::string> inputTypes;
};

/// One node's estimated time on each device, in NPU cycles: the host's
/// from rt::hostOpCycles over `elements` lane operations of `laneBytes`
/// and `bytes` of operands (converted by rt::hostToNpuCycles); the NPU's
/// as two DMA commands moving `bytes` plus `elements` vector lanes.
struct HostNpuCycles {
  uint64_t host, npu;
};
HostNpuCycles placementCycles(const rt::TargetDesc &target, uint64_t elements,
                              uint32_t laneBytes, uint64_t bytes);

/// Whether running an island of NPU-legal nodes (connected nodes with host
/// kernels, every node they read from or feed on the host) on the host CPU
/// instead saves time: moving them removes one NPU segment and with it one
/// NPU-to-host handoff (HostDesc::callOverheadCycles, the transfer between
/// the devices, which share DRAM), which pays when the host computes them
/// in less than their NPU time plus that handoff (sums of `nodes`).
bool cheaperOnHost(const rt::TargetDesc &target,
                   llvm::ArrayRef<HostNpuCycles> nodes);

/// Where each ONNX op type (default domain) can run, from the importer's
/// and the runtime's own tables (never a hand list): `npu` when the
/// importer has an NPU lowering for it (an instance may still be placed on
/// the host: a lowering that fails for its attributes or types, or the
/// target's backend refusing it), `cpu` when the host CPU has a kernel.
struct OpSupport {
  std::string opType;
  bool npu = false, cpu = false;
};
/// Every op type with an NPU lowering or a host kernel, sorted by name.
std::vector<OpSupport> supportedOnnxOps();

/// A plugin's importer for ONNX nodes of a custom domain (an op ONNX does
/// not define: the model must give its outputs' types, in value_info or as
/// graph outputs, since shape inference has no schema for it). Called with
/// the builder at the node's place, the node's location, its inputs (an
/// absent optional input is a null Value), its outputs' static types, and
/// its attributes (INT as i64, FLOAT as f32, STRING, INTS and FLOATS as
/// dense arrays). Builds the ops that compute the outputs and returns them,
/// one per output; or fails with one line in `error`. The ops must
/// implement npu::BackendOpInterface (NpuBackendInterface.td) to compile;
/// a custom node has no host-CPU fallback.
using CustomOpImporter =
    std::function<mlir::FailureOr<llvm::SmallVector<mlir::Value>>(
        mlir::OpBuilder &builder, mlir::Location loc, mlir::ValueRange inputs,
        mlir::TypeRange resultTypes, mlir::DictionaryAttr attributes,
        std::string &error)>;

/// Registers `importer` for nodes of op type `opType` in ONNX domain
/// `domain` (not the default one), replacing an earlier registration. A
/// dialect plugin calls it when it is loaded (docs/sdk.md).
void registerCustomOpImporter(llvm::StringRef domain, llvm::StringRef opType,
                              CustomOpImporter importer);

/// The importer registered for (`domain`, `opType`), or null.
const CustomOpImporter *lookupCustomOpImporter(llvm::StringRef domain,
                                               llvm::StringRef opType);

/// One ONNX node of the model file as `npu-compile --check` reports it.
struct NodeCheck {
  std::string node;   ///< Node name, or its first output's for unnamed nodes.
  std::string opType; ///< With the domain for non-default domains.
  int64_t opset = 0;  ///< The model's opset for the node's domain.
  enum class Device {
    Npu,        ///< Lowered to NPU instructions.
    Cpu,        ///< Runs on the host CPU (`reason` says why not the NPU).
    Folded,     ///< Computed at compile time (constant folding, inlined
                ///< control flow) or folded into another op.
    Unsupported ///< Neither: the model does not compile (`reason`).
  } device = Device::Npu;
  std::string reason;
};
llvm::StringRef nodeDeviceName(NodeCheck::Device device);

/// Checks the model at `path` in one pass over its nodes, in graph order:
/// nodes of op types with neither an NPU lowering, a host kernel nor a
/// constant folder are Unsupported; when there are none, the model is
/// imported as importOnnxModel does (same options, so the same placement)
/// and every node is Npu, Cpu or Folded. When there are unsupported nodes,
/// or the import fails (`importError` gets its one line), the other nodes
/// are reported by what their op type supports (`npu` first). Fails only
/// when the file cannot be read or parsed, with one line in `error`.
mlir::FailureOr<std::vector<NodeCheck>>
checkOnnxModel(llvm::StringRef path, mlir::MLIRContext &context,
               const OnnxImportOptions &options, std::string &importError,
               std::string &error);

/// Parses one `--input-shape` value, `NAME:D0xD1x...` (a scalar is `NAME:`),
/// into `options`. Returns false with a message in `error` on bad syntax,
/// non-positive dimensions or a name bound twice. The name is everything
/// before the last `:`, so ONNX names containing `:` work.
bool parseInputShapeBinding(llvm::StringRef spec, OnnxImportOptions &options,
                            std::string &error);

/// Parses one `--input-value` value, `NAME=FILE`, into `options`. Returns
/// false with a message in `error` on bad syntax or a name bound twice. The
/// name is everything before the last `=`.
bool parseInputValueBinding(llvm::StringRef spec, OnnxImportOptions &options,
                            std::string &error);

/// Imports the ONNX model at `path` into a new module in `context` (which
/// gets the `npu` and `func` dialects loaded).
///
/// Runs ONNX's own `checker::check_model` and `shape_inference::InferShapes`
/// (with data propagation), binds `options.inputShapes` and
/// `options.inputValues`, folds constant
/// shape arithmetic, reads external data relative to the model's directory,
/// and maps graph inputs and outputs to `@main`'s arguments and results,
/// which carry their ONNX names in an `npu.name` attribute. Each op's
/// location is `fused<"OnnxOpType">["onnx node name"]`.
///
/// On failure returns failure after emitting exactly one error diagnostic
/// (located at the file) naming the problem: unreadable, oversized or
/// malformed file; checker or shape-inference error; unsupported operators
/// (all of them, each with op type, node name and opset); an input
/// dimension left unbound; a value whose shape is not static; a frozen
/// input's file unreadable, naming another tensor, or of another element
/// type or shape than the input declares. An operator parameter that must be
/// constant but comes from graph inputs names them and `--input-value`.
///
/// `placements`, when given, receives one entry per imported node (folded
/// nodes have none), in graph order.
mlir::FailureOr<mlir::OwningOpRef<mlir::ModuleOp>>
importOnnxModel(llvm::StringRef path, mlir::MLIRContext &context,
                const OnnxImportOptions &options = {},
                std::vector<NodePlacement> *placements = nullptr);

} // namespace npu

#endif // NPU_IMPORTER_ONNX_ONNXIMPORTER_H
