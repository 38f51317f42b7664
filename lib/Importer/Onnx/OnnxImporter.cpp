//===- OnnxImporter.cpp - ONNX model to npu dialect -----------------------===//

#include "npu/Importer/Onnx/OnnxImporter.h"
#include "ConstantFolding.h"
#include "ControlFlow.h"
#include "GraphImporter.h"
#include "ModelLoader.h"

#include "npu/Dialect/Npu/IR/NpuBackendInterface.h"
#include "npu/Dialect/Npu/IR/NpuOps.h"
#include "npu/runtime/HostKernels.h"
#include "npu/runtime/Timing.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"

#include <functional>

using namespace mlir;
using namespace npu;
using namespace npu::onnx_import;

//===----------------------------------------------------------------------===//
// Public API
//===----------------------------------------------------------------------===//

bool npu::parseInputShapeBinding(llvm::StringRef spec,
                                 OnnxImportOptions &options,
                                 std::string &error) {
  size_t colon = spec.rfind(':');
  if (colon == llvm::StringRef::npos || colon == 0) {
    error = "--input-shape expects NAME:D0xD1x..., got '" + spec.str() + "'";
    return false;
  }
  llvm::StringRef name = spec.take_front(colon),
                  dims = spec.drop_front(colon + 1);
  llvm::SmallVector<int64_t> shape;
  if (!dims.empty()) {
    llvm::SmallVector<llvm::StringRef> parts;
    dims.split(parts, 'x');
    for (llvm::StringRef p : parts) {
      int64_t d;
      if (p.getAsInteger(10, d) || d <= 0) {
        error = "--input-shape for '" + name.str() + "' has a bad dimension '" +
                p.str() + "' (dimensions are positive integers joined by 'x')";
        return false;
      }
      shape.push_back(d);
    }
  }
  if (!options.inputShapes.try_emplace(name, shape).second) {
    error = "--input-shape binds '" + name.str() + "' twice";
    return false;
  }
  return true;
}

bool npu::parseInputValueBinding(llvm::StringRef spec,
                                 OnnxImportOptions &options,
                                 std::string &error) {
  size_t eq = spec.rfind('=');
  if (eq == llvm::StringRef::npos || eq == 0 || eq + 1 == spec.size()) {
    error = "--input-value expects NAME=FILE, got '" + spec.str() + "'";
    return false;
  }
  llvm::StringRef name = spec.take_front(eq);
  if (!options.inputValues.try_emplace(name, spec.drop_front(eq + 1)).second) {
    error = "--input-value binds '" + name.str() + "' twice";
    return false;
  }
  return true;
}

FailureOr<OwningOpRef<ModuleOp>>
npu::importOnnxModel(llvm::StringRef path, MLIRContext &context,
                     const OnnxImportOptions &options,
                     std::vector<NodePlacement> *placements) {
  context.loadDialect<NpuDialect, func::FuncDialect>();
  Location fileLoc = FileLineColLoc::get(&context, path, 0, 0);
  std::string error;
  LoadedModel loaded;
  // A node is importable when the NPU or the host CPU can run its op type.
  auto hasImporter = [](llvm::StringRef op) {
    return lookupOpImporter(op) != nullptr ||
           rt::lookupHostKernel(op) != nullptr;
  };
  if (failed(loadModel(path, options, hasImporter, loaded, error))) {
    emitError(fileLoc) << error;
    return failure();
  }
  GraphImporter importer(loaded, context, options);
  auto module = importer.run(error);
  if (failed(module)) {
    emitError(fileLoc) << error;
    return failure();
  }
  // Cost: an island of NPU nodes whose every neighbour runs on the host
  // moves there when that is cheaper (cheaperOnHost); the model is
  // imported again.
  const rt::TargetDesc *target = rt::lookupTarget(options.targetName);
  if (!target)
    target = &rt::defaultTarget();
  llvm::StringMap<std::string> costPlaced;
  if (!options.npuOnly && options.placeByCost) {
    const auto &nodes = loaded.model.graph().node();
    const auto &placed = importer.placements;
    // Imported nodes in graph order: folded ones have no placement.
    llvm::StringMap<size_t> producer; // value -> placement index
    llvm::StringMap<size_t> index;    // node label -> placement index
    for (size_t i = 0; i < placed.size(); ++i)
      index[placed[i].node] = i;
    for (const auto &n : nodes) {
      std::string label = n.name().empty() ? n.output(0) : n.name();
      auto it = index.find(label);
      if (it == index.end())
        continue;
      for (const std::string &out : n.output())
        producer[out] = it->second;
    }
    // Producers and consumers of each placed node; views
    // (NodePlacement::alias: a reshape, a Cast to the type it reads), which
    // the NPU runs as aliases of their input, with no instruction and no
    // NPU segment.
    std::vector<std::vector<size_t>> neighbours(placed.size());
    std::vector<std::vector<size_t>> consumers(placed.size());
    std::vector<bool> view(placed.size(), false);
    for (const auto &n : nodes) {
      std::string label = n.name().empty() ? n.output(0) : n.name();
      auto it = index.find(label);
      if (it == index.end())
        continue;
      view[it->second] = placed[it->second].alias;
      for (const std::string &in : n.input())
        if (auto p = producer.find(in); p != producer.end()) {
          neighbours[it->second].push_back(p->second);
          neighbours[p->second].push_back(it->second);
          consumers[p->second].push_back(it->second);
        }
    }
    // Islands: connected sets of NPU nodes that have host kernels (a node
    // computed at import time costs neither device and stays out, and a
    // view costs the NPU nothing, the host a copy).
    auto movable = [&](size_t i) {
      return !placed[i].host && !placed[i].constantFolded && !view[i] &&
             rt::lookupHostKernel(placed[i].opType);
    };
    std::vector<size_t> island(placed.size(), SIZE_MAX);
    // Whether node j, outside island `seed`, is on the host side: a host
    // node, or an NPU view whose other neighbours all are (through chains
    // of views); `reachesHost` is set when a host node is found.
    auto hostSide = [&](size_t j, size_t seed, bool &reachesHost) {
      std::vector<size_t> stack = {j};
      llvm::DenseSet<size_t> seen = {j};
      while (!stack.empty()) {
        size_t k = stack.back();
        stack.pop_back();
        if (placed[k].host) {
          reachesHost = true;
          continue;
        }
        if (!view[k])
          return false;
        for (size_t l : neighbours[k])
          if (island[l] != seed && seen.insert(l).second)
            stack.push_back(l);
      }
      return true;
    };
    for (size_t seed = 0; seed < placed.size(); ++seed) {
      if (!movable(seed) || island[seed] != SIZE_MAX)
        continue;
      std::vector<size_t> members = {seed}, stack = {seed};
      island[seed] = seed;
      while (!stack.empty()) {
        size_t i = stack.back();
        stack.pop_back();
        for (size_t j : neighbours[i])
          if (movable(j) && island[j] == SIZE_MAX) {
            island[j] = seed;
            members.push_back(j);
            stack.push_back(j);
          }
      }
      // Every neighbour outside runs on the host, and a host node reads
      // one of its results: moving it removes a handoff.
      bool enclosed = true, read = false;
      uint64_t elements = 0;
      std::vector<HostNpuCycles> costs;
      for (size_t i : members) {
        bool ignored = false;
        for (size_t j : neighbours[i])
          enclosed &= island[j] == seed || hostSide(j, seed, ignored);
        for (size_t j : consumers[i])
          if (island[j] != seed) {
            bool reaches = false;
            read |= hostSide(j, seed, reaches) && reaches;
          }
        const auto &size = importer.sizes[i];
        costs.push_back(placementCycles(*target, size.elements, size.laneBytes,
                                        size.bytes));
        elements += size.elements;
      }
      if (!enclosed || !read || !cheaperOnHost(*target, costs))
        continue;
      size_t others = members.size() - 1;
      std::string why =
          (others == 0
               ? std::string("every node it reads from or feeds runs "
                             "there, and its ")
               : "with the " + std::to_string(others) +
                     (others == 1 ? " other NPU node" : " other NPU nodes") +
                     " connected to it, every node they read from or "
                     "feed runs there, and their ") +
          std::to_string(elements) +
          " elements cost less than a handoff from the NPU";
      for (size_t i : members)
        costPlaced[placed[i].node] = "cheaper on the host CPU: " + why;
    }
  }
  if (!costPlaced.empty()) {
    // A host kernel may still refuse a moved node's instance (its
    // attributes or types): then the placement by legality stands.
    GraphImporter second(loaded, context, options, &costPlaced);
    std::string secondError;
    auto again = second.run(secondError);
    if (succeeded(again)) {
      module = std::move(again);
      importer.placements = std::move(second.placements);
    }
  }
  if (options.npuOnly) {
    std::string list;
    unsigned count = 0;
    for (const NodePlacement &p : importer.placements)
      if (p.host)
        list += (count++ ? "; " : "") + p.opType + " '" + p.node + "' (" +
                p.reason + ")";
    if (count) {
      emitError(fileLoc) << "--npu-only: " << count << " node"
                         << (count > 1 ? "s" : "")
                         << " would run on the host CPU: " << list;
      return failure();
    }
  }
  if (placements)
    *placements = std::move(importer.placements);
  return module;
}

llvm::StringRef npu::nodeDeviceName(NodeCheck::Device device) {
  switch (device) {
  case NodeCheck::Device::Npu:
    return "npu";
  case NodeCheck::Device::Cpu:
    return "cpu";
  case NodeCheck::Device::Folded:
    return "folded";
  case NodeCheck::Device::Unsupported:
    return "unsupported";
  }
  return "?";
}

FailureOr<std::vector<NodeCheck>>
npu::checkOnnxModel(llvm::StringRef path, MLIRContext &context,
                    const OnnxImportOptions &options, std::string &importError,
                    std::string &error) {
  onnx::ModelProto model;
  if (failed(parseModel(path, options.maxModelBytes, model, error)))
    return failure();
  llvm::StringMap<int64_t> opsets;
  for (const auto &op : model.opset_import())
    opsets[op.domain() == "ai.onnx" ? "" : op.domain()] = op.version();

  // The op-type level, from the same tables as --list-ops.
  std::vector<NodeCheck> nodes;
  bool anyUnsupported = false;
  for (const auto &n : model.graph().node()) {
    NodeCheck c;
    c.node = n.name().empty() && n.output_size() ? n.output(0) : n.name();
    bool defaultDomain = isDefaultDomain(n);
    c.opType = defaultDomain ? n.op_type() : n.domain() + "." + n.op_type();
    c.opset = opsets.lookup(defaultDomain ? "" : n.domain());
    bool npu = defaultDomain
                   ? bool(lookupOpImporter(n.op_type()))
                   : bool(lookupCustomOpImporter(n.domain(), n.op_type()));
    bool cpu = defaultDomain && rt::lookupHostKernel(n.op_type());
    if (!defaultDomain && !npu) {
      c.device = NodeCheck::Device::Unsupported;
      c.reason = "custom domain '" + n.domain() +
                 "' with no importer (a dialect plugin can register one)";
    } else if (npu || cpu) {
      c.device = npu ? NodeCheck::Device::Npu : NodeCheck::Device::Cpu;
      if (!npu)
        c.reason = "no NPU lowering for ONNX " + n.op_type();
    } else if (n.op_type() == "Constant" || isFoldOnlyOp(n.op_type())) {
      c.device = NodeCheck::Device::Folded;
      bool controlFlow =
          n.op_type() == "If" || n.op_type() == "Loop" || n.op_type() == "Scan";
      c.reason = n.op_type() == "Constant" ? ""
                 : controlFlow
                     ? "inlined or unrolled at compile time (a constant "
                       "condition or trip count, or a static sequence length)"
                     : "computed at compile time; supported only with "
                       "constant inputs";
    } else {
      c.device = NodeCheck::Device::Unsupported;
      c.reason = "no NPU lowering, host kernel or constant folder for ONNX " +
                 n.op_type();
    }
    anyUnsupported |= c.device == NodeCheck::Device::Unsupported;
    nodes.push_back(std::move(c));
  }
  if (anyUnsupported)
    return nodes;

  // The instance level: the importer's own placement.
  std::vector<NodePlacement> placements;
  std::string firstError;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error && firstError.empty())
      firstError = diag.str();
    return success();
  });
  auto module = importOnnxModel(path, context, options, &placements);
  if (failed(module)) {
    importError = firstError.empty() ? "import failed" : firstError;
    return nodes;
  }
  llvm::StringMap<const NodePlacement *> placed;
  for (const NodePlacement &p : placements)
    placed[p.node] = &p;
  for (NodeCheck &c : nodes) {
    const NodePlacement *p = placed.lookup(c.node);
    if (!p) {
      c.device = NodeCheck::Device::Folded;
      c.reason = "computed at compile time";
      continue;
    }
    c.device = p->host ? NodeCheck::Device::Cpu : NodeCheck::Device::Npu;
    c.reason = p->reason;
  }
  return nodes;
}

npu::HostNpuCycles npu::placementCycles(const rt::TargetDesc &t,
                                        uint64_t elements, uint32_t laneBytes,
                                        uint64_t bytes) {
  rt::HostWork work;
  work.vectorOps = elements;
  work.laneBytes = laneBytes;
  uint64_t instructions = 0;
  uint64_t host = rt::hostToNpuCycles(
      t, rt::hostOpCycles(t, work, bytes, instructions, /*handoff=*/false));
  uint64_t npu = rt::dmaCycles(t, 2, 1, bytes) +
                 (elements + t.vectorLanes32 - 1) / t.vectorLanes32;
  return {host, npu};
}

bool npu::cheaperOnHost(const rt::TargetDesc &t,
                        llvm::ArrayRef<HostNpuCycles> nodes) {
  uint64_t host = 0, npu = 0;
  for (const HostNpuCycles &c : nodes) {
    host += c.host;
    npu += c.npu;
  }
  uint64_t handoff = rt::hostToNpuCycles(t, t.host.callOverheadCycles);
  return host < npu + handoff;
}

//===----------------------------------------------------------------------===//
// Types and constants
//===----------------------------------------------------------------------===//

Type npu::onnx_import::convertElementType(MLIRContext *ctx, int32_t dtype) {
  Builder b(ctx);
  switch (dtype) {
  case onnx::TensorProto::FLOAT:
    return b.getF32Type();
  case onnx::TensorProto::DOUBLE:
    return b.getF64Type();
  case onnx::TensorProto::FLOAT16:
    return b.getF16Type();
  case onnx::TensorProto::BFLOAT16:
    return b.getBF16Type();
  case onnx::TensorProto::BOOL:
    return b.getI1Type();
  case onnx::TensorProto::INT8:
    return b.getIntegerType(8);
  case onnx::TensorProto::INT16:
    return b.getIntegerType(16);
  case onnx::TensorProto::INT32:
    return b.getIntegerType(32);
  case onnx::TensorProto::INT64:
    return b.getIntegerType(64);
  case onnx::TensorProto::UINT8:
    return b.getIntegerType(8, false);
  case onnx::TensorProto::UINT16:
    return b.getIntegerType(16, false);
  case onnx::TensorProto::UINT32:
    return b.getIntegerType(32, false);
  case onnx::TensorProto::UINT64:
    return b.getIntegerType(64, false);
  default:
    return {};
  }
}

/// A dense attribute with the values of `host`.
static DenseElementsAttr denseFromHost(RankedTensorType type,
                                       const HostTensor &host) {
  Type elem = type.getElementType();
  if (auto floatType = dyn_cast<FloatType>(elem)) {
    SmallVector<APFloat> vals;
    for (double v : host.reals) {
      APFloat f(v);
      bool lost;
      f.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                &lost);
      vals.push_back(f);
    }
    return DenseElementsAttr::get(type, vals);
  }
  unsigned width = elem.getIntOrFloatBitWidth();
  SmallVector<APInt> vals;
  for (int64_t v : host.ints)
    vals.push_back(APInt(width, static_cast<uint64_t>(v), /*isSigned=*/true,
                         /*implicitTrunc=*/true));
  return DenseElementsAttr::get(type, vals);
}

/// A resource key MLIR can print bare: ONNX names may hold any character.
static std::string resourceKey(llvm::StringRef name) {
  std::string key;
  for (char c : name)
    key += llvm::isAlnum(c) || c == '_' || c == '.' ? c : '_';
  if (key.empty() || !llvm::isAlpha(key[0]))
    key = "w_" + key;
  return key;
}

//===----------------------------------------------------------------------===//
// GraphImporter
//===----------------------------------------------------------------------===//

GraphImporter::GraphImporter(LoadedModel &loaded, MLIRContext &context,
                             const OnnxImportOptions &options,
                             const llvm::StringMap<std::string> *costPlaced)
    : loaded(loaded), context(context), options(options), builder(&context),
      costPlaced(costPlaced) {
  target = rt::lookupTarget(options.targetName);
  if (!target)
    target = &rt::defaultTarget();
  const onnx::GraphProto &graph = loaded.model.graph();
  for (const auto &t : graph.initializer())
    initializers[t.name()] = &t;
  types = collectValueTypes(graph);
}

static std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? "," : "") + std::to_string(d);
  return s + "]";
}

FailureOr<RankedTensorType> GraphImporter::staticType(const std::string &name) {
  auto it = types.find(name);
  if (it == types.end() || !it->second->has_tensor_type() ||
      !it->second->tensor_type().has_shape()) {
    error = "shape inference left '" + name + "' without a shape";
    return failure();
  }
  const auto &tensor = it->second->tensor_type();
  SmallVector<int64_t> shape;
  for (const auto &d : tensor.shape().dim()) {
    if (d.has_dim_value() && d.dim_value() < 0) {
      error = "shape inference gave '" + name + "' a negative dimension (" +
              std::to_string(d.dim_value()) +
              "): the pads, strides, kernel, dilations or scales of the node "
              "that makes it leave no valid output";
      return failure();
    }
    if (!d.has_dim_value()) {
      error = "shape inference left '" + name + "' with a dynamic dimension" +
              (d.has_dim_param() ? " ('" + d.dim_param() + "')" : "");
      return failure();
    }
    shape.push_back(d.dim_value());
  }
  Type elem = convertElementType(&context, tensor.elem_type());
  if (!elem) {
    error = "'" + name + "' has unsupported element type " +
            dataTypeName(tensor.elem_type()).str();
    return failure();
  }
  // No tensor can exceed the target's DRAM (at most 2^40 bytes): a larger
  // shape is refused here, before any element count can wrap and before
  // any pass works over its elements (a Resize's sampling tables).
  int64_t count = 0;
  const int64_t maxBytes = int64_t(target->maxDramBytes());
  if (failed(checkedNumElements(shape, maxBytes, count)) ||
      count * std::max<int64_t>(1, elementByteSize(tensor.elem_type())) >
          maxBytes) {
    error = "'" + name + "' has shape " + shapeString(shape) +
            ", larger than the target's DRAM (" + std::to_string(maxBytes) +
            " bytes)";
    return failure();
  }
  return RankedTensorType::get(shape, elem);
}

const HostTensor *GraphImporter::hostConstant(const std::string &name) {
  auto cached = hostCache.find(name);
  if (cached != hostCache.end())
    return &cached->second;
  auto init = initializers.find(name);
  HostTensor host;
  if (init == initializers.end() ||
      !readFoldableConstant(*init->second, loaded.modelDir, host))
    return nullptr;
  return &(hostCache[name] = std::move(host));
}

FailureOr<Value>
GraphImporter::materializeInitializer(const onnx::TensorProto &t) {
  Type elem = convertElementType(&context, t.data_type());
  if (!elem) {
    error = "initializer '" + t.name() + "' has unsupported element type " +
            dataTypeName(t.data_type()).str();
    return failure();
  }
  SmallVector<int64_t> dims(t.dims().begin(), t.dims().end());
  auto type = RankedTensorType::get(dims, elem);
  Location loc = NameLoc::get(StringAttr::get(&context, t.name()));
  std::string storage;
  ArrayRef<char> bytes;
  if (failed(rawTensorBytes(t, loaded.modelDir, storage, bytes, error))) {
    error = "initializer '" + t.name() + "': " + error;
    return failure();
  }
  TypedAttr attr;
  if (elem.isInteger(1)) {
    // MLIR packs i1 densely; go through the host decoder instead.
    HostTensor host;
    if (failed(readTensor(t, loaded.modelDir, host, error)))
      return failure();
    attr = denseFromHost(type, host);
  } else if (bytes.size() <= options.maxInlineConstantBytes) {
    attr = DenseElementsAttr::getFromRawBuffer(type, bytes);
  } else {
    // The one copy of a large weight: protobuf bytes into the blob.
    size_t align = std::max<size_t>(elem.getIntOrFloatBitWidth() / 8, 1);
    attr = DenseResourceElementsAttr::get(
        type, resourceKey(t.name()),
        HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, align));
  }
  return ConstantOp::create(builder, loc, type, attr).getResult();
}

FailureOr<Value> GraphImporter::lookupValue(const std::string &name) {
  auto it = values.find(name);
  if (it != values.end())
    return it->second;
  auto init = initializers.find(name);
  if (init == initializers.end()) {
    error = "value '" + name + "' is used before it is defined";
    return failure();
  }
  auto value = materializeInitializer(*init->second);
  if (succeeded(value))
    values[name] = *value;
  return value;
}

bool GraphImporter::hasUnknownDimension(const std::string &name) const {
  auto it = types.find(name);
  if (it == types.end() || !it->second->has_tensor_type() ||
      !it->second->tensor_type().has_shape())
    return false;
  for (const auto &d : it->second->tensor_type().shape().dim())
    if (!d.has_dim_value())
      return true;
  return false;
}

const std::string *
GraphImporter::dataDependentInput(const onnx::NodeProto &node) const {
  for (const std::string &in : node.input())
    if (dynamicValues.contains(in))
      return &in;
  return nullptr;
}

bool GraphImporter::isDataDependentOutput(const std::string &name) const {
  // Shape inference could not say, or a graph output: the shape the test
  // data or an exporter saw is one run's, the bound is every run's.
  return hasUnknownDimension(name) || graphOutputs.contains(name);
}

LogicalResult GraphImporter::importNode(const onnx::NodeProto &node) {
  std::string label = node.name().empty() ? node.output(0) : node.name();
  auto describe = [&] {
    return "node '" + label + "' (" + node.op_type() + ")";
  };
  // A reader of a value of data-dependent shape runs on the host, and its
  // outputs' shapes depend on the data too (importOnHost).
  std::string readsDynamic;
  if (const std::string *in = dataDependentInput(node))
    readsDynamic = "it reads '" + *in +
                   "', whose shape depends on the data (made by " +
                   dynamicValues.lookup(*in) + ")";
  // Ops whose output shapes depend on data (NonZero, Unique, ...) run on
  // the host, their outputs bounded by the kernel (importOnHost).
  const rt::HostKernel *hostKernel = rt::lookupHostKernel(node.op_type());
  bool dataDependent = hostKernel && hostKernel->bound;
  for (const std::string &out : node.output())
    if (!out.empty() && !(dataDependent && isDataDependentOutput(out)) &&
        readsDynamic.empty() && failed(staticType(out))) {
      // A shape computed from a small graph input (a window's size, a
      // Range's limit) becomes static once that input is frozen.
      SmallVector<std::string> inputs(node.input().begin(), node.input().end());
      SmallVector<std::string> params =
          graphInputsFeeding(inputs, /*maxElements=*/64);
      if (!params.empty())
        error += "; it depends on graph input '" + params.front() +
                 "' (freeze it with --input-value=" + params.front() + "=FILE)";
      error = describe() + ": " + error;
      return failure();
    }
  // Resolve every input first, so that op importers never see a null value
  // (an unreadable initializer fails here, naming the node). Constants only
  // read on the host (Slice starts, Resize scales, ...) die unused and are
  // erased at the end.
  for (const std::string &in : node.input())
    if (!in.empty() && failed(lookupValue(in))) {
      error = describe() + ": " + error;
      return failure();
    }
  // Placement: the NPU when its lowering succeeds and the target's backend
  // takes every op of it; the host CPU otherwise (docs/heterogeneous.md).
  std::function<LogicalResult(NodeContext &)> fn;
  bool custom = !isDefaultDomain(node);
  if (!custom)
    fn = lookupOpImporter(node.op_type());
  else if (const CustomOpImporter *plugin =
               lookupCustomOpImporter(node.domain(), node.op_type()))
    fn = [&, plugin](NodeContext &ctx) -> LogicalResult {
      SmallVector<Value> inputs;
      for (int i = 0; i < node.input_size(); ++i)
        inputs.push_back(ctx.hasInput(i) ? ctx.input(i) : Value());
      SmallVector<Type> results;
      for (int i = 0; i < node.output_size(); ++i)
        results.push_back(ctx.resultType(i));
      std::string bad, problem;
      DictionaryAttr attributes = attributesOf(node, bad);
      if (!attributes)
        return ctx.fail("attribute '" + bad +
                        "' is a tensor or graph, which plugin importers do "
                        "not take");
      FailureOr<SmallVector<Value>> values =
          (*plugin)(ctx.b, ctx.loc, inputs, results, attributes, problem);
      if (failed(values))
        return ctx.fail(problem.empty() ? "the plugin's importer failed"
                                        : problem);
      if (values->size() != results.size())
        return ctx.fail("the plugin's importer made " + Twine(values->size()) +
                        " values for " + Twine(results.size()) + " outputs");
      for (auto [i, v] : llvm::enumerate(*values)) {
        if (!v || v.getType() != results[i])
          return ctx.fail("the plugin's importer made output " + Twine(i) +
                          " of another type than the node's");
        ctx.setResult(i, v);
      }
      return success();
    };
  bool forced = options.execOnCpu.contains(label) ||
                options.execOnCpu.contains(node.name());
  // Operand sizes, for the cost model.
  Size size;
  for (const auto *list : {&node.input(), &node.output()})
    for (const std::string &name : *list) {
      if (name.empty())
        continue;
      auto type = staticType(name);
      if (failed(type))
        continue;
      uint64_t eb =
          std::max<uint64_t>(1, (type->getElementTypeBitWidth() + 7) / 8);
      size.elements = std::max<uint64_t>(size.elements, type->getNumElements());
      size.bytes += uint64_t(type->getNumElements()) * eb;
      size.laneBytes = std::max<uint32_t>(size.laneBytes, uint32_t(eb));
    }
  sizes.push_back(size);
  std::string why;
  if (!readsDynamic.empty()) {
    why = readsDynamic;
  } else if (dataDependent) {
    why = "its output shape depends on the data";
  } else if (forced) {
    why = "--exec-on-cpu";
  } else if (auto it = costPlaced
                           ? costPlaced->find(label)
                           : llvm::StringMap<std::string>::const_iterator();
             costPlaced && it != costPlaced->end()) {
    why = it->second;
  } else if (!fn) {
    why = isImporterHostOp(node.op_type())
              ? "the importer's own host op (docs/heterogeneous.md)"
              : "no NPU lowering for ONNX " + node.op_type();
  } else {
    Block *body = builder.getInsertionBlock();
    Operation *last = body->empty() ? nullptr : &body->back();
    Location loc = FusedLoc::get(
        &context, {NameLoc::get(StringAttr::get(&context, label))},
        StringAttr::get(&context, node.op_type()));
    NodeContext ctx(*this, node, builder, loc);
    bool constants = false, others = false, computes = false;
    if (failed(fn(ctx))) {
      why = error;
    } else {
      for (int i = 0; i < node.output_size() && why.empty(); ++i)
        if (!node.output(i).empty() && !values.count(node.output(i)) &&
            !initializers.count(node.output(i)))
          why = "output " + std::to_string(i) +
                " is not supported by the NPU importer";
      // One walk over the ops the lowering made: the backend's legality of
      // each (ops without a backend model are rewritten before code
      // generation: batch normalization folds into its convolution; an op
      // that folds away, a clamp to +-inf or a cast to its own type, never
      // reaches the backend), and what they are: constants and nothing
      // else (computed at import), or views and ops that fold to an
      // operand and nothing else (an alias, asked of the backend models;
      // Identity makes nothing at all).
      Operation *first = last            ? last->getNextNode()
                         : body->empty() ? nullptr
                                         : &body->front();
      for (Operation *op = first; op && why.empty(); op = op->getNextNode()) {
        if (isa<ConstantOp>(op)) {
          constants = true;
          continue;
        }
        others = true;
        auto backend = dyn_cast<BackendOpInterface>(op);
        SmallVector<OpFoldResult> folded;
        bool folds = succeeded(op->fold(folded)) && !folded.empty();
        bool forwards = folds && folded.size() == 1 &&
                        llvm::is_contained(op->getOperands(),
                                           dyn_cast<Value>(folded.front()));
        computes |= !forwards && !(backend && backend.getExecutionUnit() ==
                                                  ExecutionUnit::none);
        std::string reason;
        if (backend && !folds && !backend.isLegalOn(*target, reason))
          why = "the NPU backend refuses '" +
                op->getName().getStringRef().str() + "': " + reason;
      }
    }
    if (why.empty()) {
      placements.push_back(placementOf(node, label, false, ""));
      placements.back().constantFolded = constants && !others;
      placements.back().alias = !constants && !computes;
      return success();
    }
    rollBack(last);
    error.clear();
  }
  if (custom) { // ops of a custom domain have no host kernels
    error = describe() + ": " + why;
    return failure();
  }
  if (failed(importOnHost(node, why))) {
    error = describe() + ": " + error;
    return failure();
  }
  placements.push_back(placementOf(node, label, true, why));
  return success();
}

NodePlacement GraphImporter::placementOf(const onnx::NodeProto &node,
                                         const std::string &label, bool host,
                                         const std::string &why) const {
  NodePlacement p{label,
                  isDefaultDomain(node) ? node.op_type()
                                        : node.domain() + "." + node.op_type(),
                  host, why};
  p.sinceVersion = schemaSinceVersion(node, loaded.opset);
  for (const std::string &in : node.input()) {
    int32_t dtype = 0;
    if (auto it = initializers.find(in); it != initializers.end())
      dtype = it->second->data_type();
    else if (const onnx::TypeProto *type = types.lookup(in);
             type && type->has_tensor_type())
      dtype = type->tensor_type().elem_type();
    p.inputTypes.push_back(in.empty() ? ""
                           : dtype    ? dataTypeName(dtype).str()
                                      : "?");
  }
  return p;
}

void GraphImporter::rollBack(Operation *last) {
  Block *body = builder.getInsertionBlock();
  llvm::SmallPtrSet<Operation *, 8> erased;
  while (!body->empty() && &body->back() != last) {
    Operation *op = &body->back();
    erased.insert(op);
    op->dropAllUses();
    op->erase();
  }
  if (erased.empty())
    return;
  SmallVector<StringRef> stale;
  for (auto &entry : values)
    if (Operation *def = entry.second.getDefiningOp(); def && erased.count(def))
      stale.push_back(entry.first());
  for (StringRef name : stale)
    values.erase(name);
}

DictionaryAttr GraphImporter::attributesOf(const onnx::NodeProto &node,
                                           std::string &bad) {
  SmallVector<NamedAttribute> attrs;
  for (const auto &a : node.attribute()) {
    Attribute value;
    switch (a.type()) {
    case onnx::AttributeProto::INT:
      value = builder.getI64IntegerAttr(a.i());
      break;
    case onnx::AttributeProto::FLOAT:
      value = builder.getF32FloatAttr(a.f());
      break;
    case onnx::AttributeProto::STRING:
      value = builder.getStringAttr(a.s());
      break;
    case onnx::AttributeProto::INTS:
      value = builder.getDenseI64ArrayAttr(
          SmallVector<int64_t>(a.ints().begin(), a.ints().end()));
      break;
    case onnx::AttributeProto::FLOATS:
      value = builder.getDenseF32ArrayAttr(
          SmallVector<float>(a.floats().begin(), a.floats().end()));
      break;
    default:
      bad = a.name();
      return nullptr;
    }
    attrs.push_back(builder.getNamedAttr(a.name(), value));
  }
  return builder.getDictionaryAttr(attrs);
}

LogicalResult GraphImporter::importOnHost(const onnx::NodeProto &node,
                                          const std::string &why) {
  auto refuse = [&](const Twine &msg) {
    error = why + "; the host CPU cannot run it either: " + msg.str();
    return failure();
  };
  const rt::HostKernel *kernel = rt::lookupHostKernel(node.op_type());
  if (!kernel)
    return refuse("it has no host kernel");
  // Attributes, as host kernels take them.
  std::string badAttribute;
  DictionaryAttr attrs = attributesOf(node, badAttribute);
  if (!attrs)
    return refuse("attribute '" + badAttribute +
                  "' is a tensor, graph or list kind host kernels do not "
                  "take");
  SmallVector<Value> inputs;
  SmallVector<bool> present;
  for (const std::string &in : node.input()) {
    present.push_back(!in.empty());
    if (!in.empty())
      inputs.push_back(*lookupValue(in));
  }
  // Outputs whose shape depends on data are typed at the kernel's bound
  // once the op exists (a placeholder until then).
  // A reader of a value of data-dependent shape: every output's shape
  // depends on the data, typed at what ONNX's inference gives for its
  // inputs' bounds.
  const std::string *dynamicInput = dataDependentInput(node);
  bool readsDynamic = dynamicInput != nullptr;
  SmallVector<Type> results;
  SmallVector<bool> dynamic;
  for (const std::string &out : node.output()) {
    if (out.empty())
      return refuse("an omitted optional output");
    dynamic.push_back(readsDynamic ||
                      (kernel->bound && isDataDependentOutput(out)));
    if (dynamic.back()) {
      const onnx::TypeProto *type = types.lookup(out);
      Type elem =
          type && type->has_tensor_type()
              ? convertElementType(&context, type->tensor_type().elem_type())
              : Type();
      if (!elem)
        return refuse("shape inference gave '" + out +
                      "' no tensor element type it can hold");
      results.push_back(RankedTensorType::get({}, elem));
      continue;
    }
    results.push_back(*staticType(out));
  }
  for (Type t : llvm::concat<Type>(
           llvm::to_vector(ValueRange(inputs).getTypes()), results))
    if (!toRuntimeElementType(cast<RankedTensorType>(t).getElementType())) {
      std::string name;
      llvm::raw_string_ostream os(name);
      os << t;
      return refuse("element type of " + name);
    }
  std::string label = node.name().empty() ? node.output(0) : node.name();
  Location loc =
      FusedLoc::get(&context, {NameLoc::get(StringAttr::get(&context, label))},
                    StringAttr::get(&context, node.op_type()));
  auto host = HostOp::create(
      builder, loc, results, builder.getStringAttr(node.op_type()),
      builder.getI64IntegerAttr(loaded.opset), attrs,
      builder.getDenseBoolArrayAttr(present), builder.getStringAttr(why),
      /*dynamic_shapes=*/nullptr, inputs);
  std::string problem;
  if (llvm::is_contained(dynamic, true)) {
    std::vector<std::vector<int64_t>> bounds;
    if (failed(readsDynamic ? host.inferResultShapes(bounds, problem)
                            : host.getResultBounds(bounds, problem))) {
      host.erase();
      return refuse(problem);
    }
    for (auto [result, bound] : llvm::zip(host.getResults(), bounds)) {
      int64_t count = 0;
      if (failed(checkedNumElements(bound, int64_t(1) << 40, count))) {
        host.erase();
        return refuse("its output bound " + shapeString(bound) +
                      " is larger than any target's DRAM");
      }
      result.setType(RankedTensorType::get(
          bound, cast<RankedTensorType>(result.getType()).getElementType()));
    }
    host.setDynamicShapes(dynamic);
  }
  if (failed(host.verifyWithHostKernel(problem))) {
    host.erase();
    return refuse(problem);
  }
  // A reader's outputs name the op that made their data-dependent shape.
  std::string maker = readsDynamic ? dynamicValues.lookup(*dynamicInput)
                                   : node.op_type() + " '" + label + "'";
  for (auto [i, out] : llvm::enumerate(node.output())) {
    values[out] = host.getResult(i);
    if (dynamic[i])
      dynamicValues[out] = maker;
  }
  return success();
}

FailureOr<OwningOpRef<ModuleOp>> GraphImporter::run(std::string &errorOut) {
  const onnx::GraphProto &graph = loaded.model.graph();
  Location fileLoc = FileLineColLoc::get(&context, loaded.path, 0, 0);
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  (*module)->setAttr("npu.onnx_opset", builder.getI64IntegerAttr(loaded.opset));
  if (!loaded.model.producer_name().empty())
    (*module)->setAttr("npu.onnx_producer",
                       builder.getStringAttr(loaded.model.producer_name()));

  auto fail = [&]() -> FailureOr<OwningOpRef<ModuleOp>> {
    errorOut = error;
    return failure();
  };

  SmallVector<Type> argTypes, resultTypes;
  SmallVector<std::string> argNames;
  for (const auto &in : graph.input()) {
    if (initializers.count(in.name()) &&
        !loaded.frozenInputs.contains(in.name()))
      continue;
    auto type = staticType(in.name());
    if (failed(type))
      return fail();
    argTypes.push_back(*type);
    argNames.push_back(in.name());
  }
  // An output whose shape shape inference left open may be one of data-
  // dependent shape: its type is known once its node is imported.
  SmallVector<bool> openOutputs;
  for (const auto &out : graph.output())
    graphOutputs.insert(out.name());
  for (const auto &out : graph.output()) {
    openOutputs.push_back(hasUnknownDimension(out.name()));
    if (openOutputs.back()) {
      resultTypes.push_back(RankedTensorType::get({}, builder.getF32Type()));
      continue;
    }
    auto type = staticType(out.name());
    if (failed(type))
      return fail();
    resultTypes.push_back(*type);
  }

  builder.setInsertionPointToEnd(module->getBody());
  auto func = func::FuncOp::create(
      builder, fileLoc, "main", builder.getFunctionType(argTypes, resultTypes));
  Block *entry = func.addEntryBlock();
  builder.setInsertionPointToEnd(entry);
  for (auto [i, name] : llvm::enumerate(argNames)) {
    func.setArgAttr(i, "npu.name", builder.getStringAttr(name));
    if (!loaded.frozenInputs.contains(name)) {
      values[name] = entry->getArgument(i);
      continue;
    }
    // A frozen input: readers see its initializer; the argument keeps the
    // interface and carries the value the runtime will insist on.
    auto value = lookupValue(name);
    if (failed(value))
      return fail();
    func.setArgAttr(i, "npu.frozen_value",
                    cast<ConstantOp>(value->getDefiningOp()).getValue());
  }
  for (auto [i, out] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, "npu.name", builder.getStringAttr(out.name()));

  for (const auto &node : graph.node())
    if (failed(importNode(node)))
      return fail();

  SmallVector<Value> results;
  for (const auto &out : graph.output()) {
    auto value = lookupValue(out.name());
    if (failed(value))
      return fail();
    unsigned i = results.size();
    if (openOutputs[i] && !dynamicValues.count(out.name())) {
      (void)staticType(out.name()); // its error
      return fail();
    }
    if (dynamicValues.count(out.name())) {
      // Typed at its bound; the runtime reports its actual shape.
      resultTypes[i] = value->getType();
      func.setResultAttr(i, "npu.dynamic_shape", builder.getUnitAttr());
    }
    if (value->getType() != resultTypes[i]) {
      error = "graph output '" + out.name() + "' has type mismatching " +
              "shape inference";
      return fail();
    }
    results.push_back(*value);
  }
  func::ReturnOp::create(builder, fileLoc, results);
  func.setType(builder.getFunctionType(argTypes, resultTypes));
  // Constants go first, in creation order; unused ones (host-only
  // parameters) are dropped.
  Operation *lastConstant = nullptr;
  for (Operation &op : llvm::make_early_inc_range(*entry)) {
    if (!isa<ConstantOp>(op))
      continue;
    if (op.use_empty()) {
      op.erase();
    } else if (lastConstant) {
      op.moveAfter(lastConstant);
      lastConstant = &op;
    } else {
      op.moveBefore(entry, entry->begin());
      lastConstant = &op;
    }
  }
  if (failed(mlir::verify(*module))) {
    error = "the imported IR does not verify (an importer bug; the "
            "diagnostic above says where)";
    return fail();
  }
  return module;
}

//===----------------------------------------------------------------------===//
// NodeContext
//===----------------------------------------------------------------------===//

NodeContext::NodeContext(GraphImporter &graph, const onnx::NodeProto &node,
                         OpBuilder &builder, Location loc)
    : node(node), b(builder), loc(loc), opset(graph.loaded.opset), attrs(node),
      graph(graph) {}

bool NodeContext::hasInput(unsigned i) const {
  return i < static_cast<unsigned>(node.input_size()) && !node.input(i).empty();
}

Value NodeContext::input(unsigned i) {
  auto v = graph.lookupValue(node.input(i));
  return succeeded(v) ? *v : Value();
}

RankedTensorType NodeContext::inputType(unsigned i) {
  Value v = input(i);
  return v ? cast<RankedTensorType>(v.getType()) : RankedTensorType();
}

const HostTensor *NodeContext::constant(unsigned i) {
  return hasInput(i) ? graph.hostConstant(node.input(i)) : nullptr;
}

std::optional<SmallVector<int64_t>> NodeContext::constantInts(unsigned i) {
  const HostTensor *t = constant(i);
  if (!t)
    return std::nullopt;
  SmallVector<int64_t> v;
  for (int64_t k = 0; k < t->size(); ++k)
    v.push_back(t->intAt(k));
  return v;
}

RankedTensorType NodeContext::resultType(unsigned i) {
  return *graph.staticType(node.output(i));
}

bool NodeContext::hasOutput(unsigned i) const {
  return i < static_cast<unsigned>(node.output_size()) &&
         !node.output(i).empty();
}

void NodeContext::setResult(unsigned i, Value value) {
  graph.values[node.output(i)] = value;
}

LogicalResult NodeContext::fail(const llvm::Twine &msg) {
  graph.error = msg.str();
  return failure();
}

SmallVector<std::string>
GraphImporter::graphInputsFeeding(ArrayRef<std::string> values,
                                  int64_t maxElements) const {
  llvm::StringMap<const onnx::NodeProto *> producer;
  for (const auto &n : loaded.model.graph().node())
    for (const auto &out : n.output())
      producer[out] = &n;
  llvm::StringSet<> seen;
  SmallVector<std::string> work(values.begin(), values.end());
  while (!work.empty()) {
    std::string name = work.pop_back_val();
    if (name.empty() || !seen.insert(name).second)
      continue;
    if (auto it = producer.find(name); it != producer.end())
      for (const auto &in : it->second->input())
        work.push_back(in);
  }
  SmallVector<std::string> names;
  for (const auto &in : loaded.model.graph().input()) {
    if (!seen.contains(in.name()) || initializers.count(in.name()))
      continue;
    if (maxElements != INT64_MAX) {
      if (!in.type().has_tensor_type() || !in.type().tensor_type().has_shape())
        continue;
      int64_t elements = 1;
      for (const auto &d : in.type().tensor_type().shape().dim())
        elements =
            d.has_dim_value() && d.dim_value() >= 0 && elements <= maxElements
                ? elements * d.dim_value()
                : maxElements + 1;
      if (elements > maxElements)
        continue;
    }
    names.push_back(in.name());
  }
  return names;
}

LogicalResult NodeContext::failNotConstant(ArrayRef<unsigned> inputs,
                                           const llvm::Twine &what) {
  // The graph inputs the parameters are computed from, in graph order.
  SmallVector<std::string> starts;
  for (unsigned i : inputs)
    if (hasInput(i))
      starts.push_back(node.input(i));
  SmallVector<std::string> names;
  for (const std::string &in : graph.graphInputsFeeding(starts))
    names.push_back("'" + in + "'");
  if (names.empty())
    return fail(what + " must be constant");
  bool one = names.size() == 1;
  return fail(what + " must be constant; " + (one ? "it comes" : "they come") +
              " from graph input" + (one ? " " : "s ") +
              llvm::join(names, ", ") + " (freeze " + (one ? "it" : "them") +
              " with --input-value=" +
              StringRef(names[0]).drop_front().drop_back() + "=FILE)");
}

bool NodeContext::legalOnTarget(Operation *op) const {
  auto backend = dyn_cast<BackendOpInterface>(op);
  std::string reason;
  return !backend || !graph.target || backend.isLegalOn(*graph.target, reason);
}

Value NodeContext::scalar(Type elementType, double value) {
  auto type = RankedTensorType::get({}, elementType);
  HostTensor host;
  host.dtype = isa<FloatType>(elementType) ? onnx::TensorProto::FLOAT
                                           : onnx::TensorProto::INT64;
  host.resize(1);
  if (host.isReal())
    host.reals[0] = value;
  else
    host.ints[0] = static_cast<int64_t>(value);
  return ConstantOp::create(graph.builder, loc, type,
                            denseFromHost(type, host));
}
