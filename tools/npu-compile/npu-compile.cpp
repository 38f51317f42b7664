//===- npu-compile.cpp - ONNX model to NPU executable ---------------------===//
//
// npu-compile MODEL.onnx [--compile-to=PHASE] [--input-shape=NAME:AxBxC]...
//             [--input-value=NAME=FILE]...
//             [--target=NAME] [-o OUT] [--report=FILE.json [--report-charts]]
//             [--quantize=int8 --calibration=DIR
//              [--calibration-method=minmax|percentile|entropy]
//              [--keep-float=NODE,...] [--int8-depthwise[=auto|all|none]]
//              [--int8-depthwise-max-loss=DB] [--min-sqnr=DB]
//              [--quant-report=FILE.json]]
//             [--prune=block[-global]:RATIO [--keep-dense=NODE,...]
//              [--prune-report=FILE.json]] [--sparse-weights=false]
//              [--compress-weights=false] [--keep-on-chip=false]
//              [--phase-pack-remainder=false]
//             [--load-pass-plugin=P.so]... [--load-dialect-plugin=D.so]...
//             [--insert-passes=POINT:PIPELINE]...
// npu-compile --check MODEL.onnx [options above]   (per-node support report)
// npu-compile --list-ops
//
// Phases (IREE's --compile-to convention, see npu/Pipelines/Pipelines.h):
// `npu` stops after import, `optimized` after graph simplification, `tiled`
// after unit and tile assignment, `planned` after DRAM planning, `isa` after
// code generation; each prints the IR of that phase (to stdout unless
// -o names a file). `bin`, the default, writes the .npubin executable (to
// MODEL.npubin in the current directory unless -o names a file), and with
// --report a JSON report (npu/Target/Report/CompileReport.h). Errors are one
// line, `npu-compile: error: FILE: what is wrong`, exit code 1, and nothing
// is written.
//
// --input-value freezes a graph input to the tensor in FILE (.npy, or an
// ONNX TensorProto .pb): for inputs that set shapes or operator parameters
// (Resize sizes, Slice starts, Pad pads, Gather indices), which a
// static-shape compiler needs as constants. The executable keeps the input;
// npu-run refuses any other value for it.
//
// Nodes the NPU cannot run go to the SoC's host CPU (docs/heterogeneous.md):
// --exec-on-cpu forces nodes there, --npu-only refuses any, and
// --placement-report writes where each node runs and why.
//
// --quantize=int8 calibrates the optimized FP32 model on the emulator over
// the samples in DIR (npu/Quantization/Calibrate.h) and compiles it through
// the `quantized` phase (docs/quantization.md).
//
// Extending (docs/sdk.md): --load-pass-plugin=P.so (repeatable) loads an MLIR
// pass plugin, whose registration callback may add passes at the pipeline's
// extension points (npu/Pipelines/Pipelines.h); --insert-passes=POINT:PIPELINE
// runs any registered pass (a plugin's by its own name) at a point;
// --load-dialect-plugin=D.so registers a dialect whose ops implement
// npu::BackendOpInterface to reach code generation.
//
//===----------------------------------------------------------------------===//

#include "npu/Importer/Onnx/OnnxImporter.h"
#include "npu/InitAllDialects.h"
#include "npu/InitAllPasses.h"
#include "npu/Pipelines/Pipelines.h"
#include "npu/Quantization/Calibrate.h"
#include "npu/Quantization/Prune.h"
#include "npu/Target/Npubin/NpubinEmitter.h"
#include "npu/Target/Report/Charts.h"
#include "npu/Target/Report/CompileReport.h"
#include "npu/runtime/Executable.h"
#include "npu/runtime/Timing.h"

#include "mlir/Bytecode/BytecodeWriter.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <map>
#include <optional>

using namespace llvm;

namespace {

cl::OptionCategory category("npu-compile options");

cl::opt<std::string> inputPath(cl::Positional, cl::desc("<model.onnx>"),
                               cl::cat(category));
cl::opt<std::string>
    outputPath("o",
               cl::desc("Output file ('-' for stdout; default: stdout for IR, "
                        "MODEL.npubin for bin)"),
               cl::value_desc("file"), cl::cat(category));
cl::opt<npu::CompilePhase> compileTo(
    "compile-to", cl::desc("Stop after this phase and write its output"),
    cl::values(clEnumValN(npu::CompilePhase::Npu, "npu",
                          "imported npu dialect (graph level, tensors)"),
               clEnumValN(npu::CompilePhase::Optimized, "optimized",
                          "canonicalised and folded npu dialect"),
               clEnumValN(npu::CompilePhase::Quantized, "quantized",
                          "INT8 ops on quant dialect types (--quantize)"),
               clEnumValN(npu::CompilePhase::Tiled, "tiled",
                          "every op mapped onto a unit, with its tiles"),
               clEnumValN(npu::CompilePhase::Planned, "planned",
                          "DRAM addresses assigned"),
               clEnumValN(npu::CompilePhase::Scheduled, "scheduled",
                          "ops in npu.layer ops with their unit and tiles"),
               clEnumValN(npu::CompilePhase::Isa, "isa",
                          "npu_isa dialect, one op per instruction"),
               clEnumValN(npu::CompilePhase::Bin, "bin",
                          "the .npubin executable")),
    cl::init(npu::CompilePhase::Bin), cl::cat(category));
cl::opt<std::string> targetName("target",
                                cl::desc("NPU target (npu-v1, npu-v1-small, "
                                         "npu-v1-large)"),
                                cl::init("npu-v1"), cl::cat(category));
cl::list<std::string> inputShapes(
    "input-shape",
    cl::desc("Bind a graph input's shape, e.g. x:1x3x48x192 (repeatable)"),
    cl::value_desc("name:DxDx..."), cl::cat(category));
cl::list<std::string> inputValues(
    "input-value",
    cl::desc("Freeze a graph input to the tensor in FILE (.npy or ONNX "
             "TensorProto .pb), e.g. sizes=sizes.npy (repeatable)"),
    cl::value_desc("name=file"), cl::cat(category));
cl::opt<int64_t> maxTripCount(
    "max-trip-count",
    cl::desc("Unroll a Loop whose trip count is known only at run time to N "
             "iterations, each predicated on i < M and the loop's condition "
             "(at most 4096; a run that needs more stops with an error)"),
    cl::value_desc("N"), cl::init(0), cl::cat(category));
cl::opt<std::string> reportPath(
    "report",
    cl::desc("Write a JSON report of the generated code (bin phase): per "
             "layer tiles, MACs, DRAM bytes, estimated cycles; totals "
             "against the arena's and the roofline's lower bounds"),
    cl::value_desc("file.json"), cl::cat(category));
cl::opt<std::string>
    quantize("quantize",
             cl::desc("Post-training quantization (int8), calibrated on "
                      "--calibration"),
             cl::value_desc("int8"), cl::cat(category));
cl::opt<std::string> calibrationDir(
    "calibration",
    cl::desc("Calibration samples: one .npy per sample (one input) or one "
             "directory of NAME.npy per sample"),
    cl::value_desc("dir"), cl::cat(category));
cl::opt<std::string> calibrationMethod(
    "calibration-method",
    cl::desc("How a range is chosen: minmax, percentile (99.999 %) or "
             "entropy (KL divergence)"),
    cl::init("minmax"), cl::cat(category));
cl::list<std::string> keepFloat("keep-float",
                                cl::desc("ONNX nodes to leave in FP32"),
                                cl::CommaSeparated, cl::value_desc("node,..."),
                                cl::cat(category));
enum class DepthwisePolicy { Auto, All, None };
cl::opt<DepthwisePolicy> int8Depthwise(
    "int8-depthwise",
    cl::desc("Which depthwise convolutions run in INT8 (on the vector "
             "unit's INT8 dot products; dilated ones on the MAC array with "
             "block-diagonal weights)"),
    cl::values(clEnumValN(DepthwisePolicy::Auto, "auto",
                          "those that cost the outputs at most "
                          "--int8-depthwise-max-loss dB of SQNR on the "
                          "calibration set and are not slower than FP32 "
                          "(default)"),
               clEnumValN(DepthwisePolicy::All, "all", "every one"),
               clEnumValN(DepthwisePolicy::All, "", "every one (no value)"),
               clEnumValN(DepthwisePolicy::None, "none", "none (FP32)")),
    cl::ValueOptional, cl::init(DepthwisePolicy::Auto), cl::cat(category));
cl::opt<bool> int8Attention(
    "int8-attention",
    cl::desc("Matmuls of two signed activations (attention's Q K^T) in INT8, "
             "both operands symmetric per tensor (default; =false keeps "
             "them FP32)"),
    cl::init(true), cl::cat(category));
cl::opt<double> int8DepthwiseMaxLoss(
    "int8-depthwise-max-loss",
    cl::desc("--int8-depthwise=auto: the most the graph outputs' SQNR may "
             "lose to INT8 depthwise convolutions, against keeping them all "
             "FP32"),
    cl::value_desc("dB"), cl::init(3.0), cl::cat(category));
cl::opt<double> minSqnr(
    "min-sqnr",
    cl::desc("Mixed precision: keep the INT8 layers that add the most noise "
             "in FP32 until every graph output's SQNR against FP32 on the "
             "calibration set is at least DB (the quant report lists them)"),
    cl::value_desc("dB"), cl::init(-INFINITY), cl::cat(category));
cl::opt<std::string> quantReportPath(
    "quant-report",
    cl::desc("Write per-layer SQNR and cosine similarity of the INT8 model "
             "against FP32 on the calibration set, with the chosen scales"),
    cl::value_desc("file.json"), cl::cat(category));
cl::list<std::string> execOnCpu(
    "exec-on-cpu",
    cl::desc("ONNX nodes to run on the host CPU even if the NPU can (by node "
             "name, or first output name for unnamed nodes)"),
    cl::CommaSeparated, cl::value_desc("node,..."), cl::cat(category));
cl::opt<bool> npuOnly(
    "npu-only",
    cl::desc("Fail, listing them all, if any node would run on the host CPU"),
    cl::init(false), cl::cat(category));
cl::opt<bool> placeByCost(
    "place-by-cost",
    cl::desc("Move islands of small NPU nodes between host nodes to the host "
             "CPU when that is cheaper (default; =false places by legality "
             "alone)"),
    cl::init(true), cl::cat(category));
cl::opt<std::string> placementReportPath(
    "placement-report",
    cl::desc("Write where each ONNX node runs (npu or cpu) and why, as JSON"),
    cl::value_desc("file.json"), cl::cat(category));
cl::opt<bool> listOps(
    "list-ops",
    cl::desc("Print every ONNX op type the compiler takes and where it can "
             "run (npu: an NPU lowering; cpu: a host CPU kernel), then exit"),
    cl::init(false), cl::cat(category));
cl::opt<std::string>
    prune("prune",
          cl::desc("Zero the RATIO of each MAC-array layer's weight tiles with "
                   "the least L2 norm (block:RATIO), or of all layers' tiles "
                   "together with the least RMS value (block-global:RATIO): "
                   "magnitude pruning of whole tiles"),
          cl::value_desc("block[-global]:RATIO"), cl::cat(category));
cl::list<std::string> keepDense(
    "keep-dense", cl::desc("ONNX nodes --prune leaves dense (by node name)"),
    cl::CommaSeparated, cl::value_desc("node,..."), cl::cat(category));
cl::opt<std::string> pruneReportPath(
    "prune-report",
    cl::desc("Write per pruned layer its weight tiles, those zeroed and the "
             "density, and (with --calibration) the outputs' SQNR and "
             "cosine against the unpruned model, as JSON"),
    cl::value_desc("file.json"), cl::cat(category));
cl::opt<bool> sparseWeights(
    "sparse-weights",
    cl::desc("Skip all-zero MAC weight tiles of constant convolution and "
             "matmul weights and run partly zero ones block-sparse "
             "(default; =false issues every weight tile dense, the twin to "
             "compare against)"),
    cl::init(true), cl::cat(category));
cl::opt<bool> reportCharts(
    "report-charts",
    cl::desc("With --report=R.json, also write R.roofline.svg (each "
             "layer's MACs per DRAM byte against its MACs per cycle, under "
             "the roofs) and R.memory.svg (the DRAM and scratchpad bytes "
             "each layer reads and writes)"),
    cl::init(false), cl::cat(category));
cl::opt<bool> keepOnChip(
    "keep-on-chip",
    cl::desc("Keep intermediate values that fit in the scratchpad beside "
             "the layers that produce and read them there, not in DRAM "
             "(default; =false gives every one a DRAM round trip, the twin "
             "to compare against)"),
    cl::init(true), cl::cat(category));
cl::opt<bool> cascade(
    "cascade",
    cl::desc("Run chains of convolutions whose intermediates do not fit the "
             "scratchpad band by band of rows, keeping the bands on chip: "
             "less DRAM traffic and energy, more cycles (each band's layers "
             "wait for each other)"),
    cl::init(false), cl::cat(category));
cl::opt<bool> phasePackRemainder(
    "phase-pack-remainder",
    cl::desc("Run a convolution's remainder output channels (cout modulo "
             "the MAC array's columns, at most half of them) two output rows "
             "at a time, the rows' phases as columns, where the tile cost "
             "model finds it cheaper (default; =false keeps the plain column "
             "tiles, the twin to compare against)"),
    cl::init(true), cl::cat(category));
cl::opt<bool> compressWeights(
    "compress-weights",
    cl::desc("Store the weights of layers with all-zero MAC weight tiles "
             "compressed (block mask and non-zero tiles, expanded by the "
             "DMA) where that is smaller (default; =false keeps them dense)"),
    cl::init(true), cl::cat(category));
cl::list<std::string> passPlugins(
    "load-pass-plugin",
    cl::desc("Load an MLIR pass plugin (its passes, and the passes it adds at "
             "the pipeline's extension points) (repeatable)"),
    cl::value_desc("file.so"), cl::cat(category));
cl::list<std::string>
    dialectPlugins("load-dialect-plugin",
                   cl::desc("Load an MLIR dialect plugin (repeatable)"),
                   cl::value_desc("file.so"), cl::cat(category));
cl::list<std::string> insertPasses(
    "insert-passes",
    cl::desc("Run a textual pass pipeline on builtin.module at an extension "
             "point: after-import, after-optimization, before-quantization, "
             "after-quantization, before-tiling or before-codegen, e.g. "
             "after-optimization:func.func(cse) (repeatable)"),
    cl::value_desc("point:pipeline"), cl::cat(category));
cl::opt<bool> checkModel(
    "check",
    cl::desc("Print, per ONNX node, whether it is supported, where it runs "
             "(npu, cpu, folded at compile time) and why not the NPU, then "
             "exit: 0 when the model compiles, 1 when it does not"),
    cl::init(false), cl::cat(category));
cl::opt<bool> emitBytecode("emit-bytecode",
                           cl::desc("Write MLIR bytecode instead of text"),
                           cl::init(false), cl::cat(category));

/// Prints the one error line. Names from a (possibly hostile) model can hold
/// control characters; they are escaped so the message stays one line.
int error(StringRef what) {
  errs() << "npu-compile: error: " << inputPath << ": ";
  for (unsigned char c : what) {
    if (c < 0x20 || c == 0x7f)
      errs() << "\\x" << hexdigit(c >> 4, true) << hexdigit(c & 15, true);
    else
      errs() << c;
  }
  errs() << "\n";
  return 1;
}

/// Writes through `write` to `path`: stdout for "-"; a device or FIFO
/// (/dev/null, /dev/full, a pipe) directly, checking that every byte went
/// out; a regular file through a temporary file renamed into place, so a
/// failure leaves nothing behind (llvm::writeToOutput, which would replace a
/// device node with a regular file when run as root).
Error writeOutput(StringRef path, function_ref<Error(raw_ostream &)> write) {
  sys::fs::file_status status;
  if (path != "-" && !sys::fs::status(path, status) &&
      sys::fs::exists(status) && !sys::fs::is_regular_file(status) &&
      !sys::fs::is_directory(status)) {
    std::error_code ec;
    raw_fd_ostream os(path, ec, sys::fs::OF_None);
    if (ec)
      return createStringError(ec, ec.message());
    if (Error e = write(os))
      return e;
    os.close();
    if (os.has_error()) {
      std::error_code err = os.error();
      os.clear_error();
      return createStringError(err, err.message());
    }
    return Error::success();
  }
  return writeToOutput(path, write);
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  // --help lists this tool's options; LLVM's and MLIR's (every backend's
  // codegen flags among them) still parse, unlisted.
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv, "NPU compiler: ONNX to NPU\n");

  if (listOps) {
    // From the importer's and the runtime's tables: what the compiler
    // takes, not a list kept by hand.
    outs() << "# ONNX op type (default domain): npu = NPU lowering (an "
              "instance the target refuses runs on the cpu), cpu = host "
              "kernel\n";
    for (const npu::OpSupport &op : npu::supportedOnnxOps()) {
      outs() << op.opType;
      outs().indent(std::max<int>(1, 26 - int(op.opType.size())));
      outs() << (op.npu && op.cpu ? "npu cpu" : op.npu ? "npu" : "cpu") << "\n";
    }
    return 0;
  }
  if (inputPath.empty()) {
    errs() << "npu-compile: error: no model given (npu-compile MODEL.onnx, "
              "or --list-ops)\n";
    return 1;
  }

  // Plugins first: a pass plugin's callback registers its passes and its
  // extensions, which the pipelines built below pick up. The registry also
  // names the passes --insert-passes can run.
  npu::registerAllPasses();
  for (const std::string &path : passPlugins) {
    Expected<mlir::PassPlugin> plugin = mlir::PassPlugin::load(path);
    if (!plugin)
      return error("cannot load pass plugin '" + path +
                   "': " + toString(plugin.takeError()));
    plugin->registerPassRegistryCallbacks();
  }
  mlir::DialectRegistry registry;
  npu::registerAllDialects(registry);
  for (const std::string &path : dialectPlugins) {
    Expected<mlir::DialectPlugin> plugin = mlir::DialectPlugin::load(path);
    if (!plugin)
      return error("cannot load dialect plugin '" + path +
                   "': " + toString(plugin.takeError()));
    plugin->registerDialectRegistryCallbacks(registry);
  }
  for (const std::string &spec : insertPasses) {
    auto [pointName, pipeline] = StringRef(spec).split(':');
    std::optional<npu::ExtensionPoint> point =
        npu::parseExtensionPoint(pointName);
    if (!point)
      return error("--insert-passes: unknown extension point '" +
                   pointName.str() + "' (expected POINT:PIPELINE)");
    // Parsed once here, so a misspelt pass is an error before compiling.
    std::string message;
    raw_string_ostream os(message);
    mlir::OpPassManager check("builtin.module");
    if (failed(mlir::parsePassPipeline(pipeline, check, os)))
      return error("--insert-passes: bad pipeline '" + pipeline.str() +
                   "': " + StringRef(message).trim().str());
    npu::registerPipelineExtension(
        *point, [text = pipeline.str()](mlir::OpPassManager &pm) {
          (void)mlir::parsePassPipeline(text, pm);
        });
  }

  if (!reportPath.empty() && compileTo != npu::CompilePhase::Bin)
    return error("--report needs --compile-to=bin");
  if (reportCharts && (reportPath.empty() || reportPath == "-"))
    return error("--report-charts needs --report=FILE.json");
  if (outputPath.empty()) {
    if (compileTo == npu::CompilePhase::Bin) {
      StringRef name = inputPath;
      name = name.substr(name.find_last_of('/') + 1);
      if (name.ends_with(".onnx"))
        name = name.drop_back(5);
      outputPath = (name + ".npubin").str();
    } else {
      outputPath = "-";
    }
  }

  npu::OnnxImportOptions options;
  options.targetName = targetName;
  options.npuOnly = npuOnly;
  options.placeByCost = placeByCost;
  options.maxTripCount = maxTripCount;
  for (const std::string &node : execOnCpu)
    options.execOnCpu.insert(node);
  for (const std::string &spec : inputShapes) {
    std::string message;
    if (!npu::parseInputShapeBinding(spec, options, message))
      return error(message);
  }
  for (const std::string &spec : inputValues) {
    std::string message;
    if (!npu::parseInputValueBinding(spec, options, message))
      return error(message);
  }

  mlir::MLIRContext context(registry);

  if (checkModel) {
    std::string importError, message;
    auto nodes =
        npu::checkOnnxModel(inputPath, context, options, importError, message);
    if (failed(nodes))
      return error(message);
    // One line per node: node, op type, opset, device, reason. Names are
    // quoted when they hold spaces.
    outs() << "# npu-compile --check " << inputPath << " (target " << targetName
           << ")\n# node\top\topset\tdevice\treason\n";
    unsigned counts[4] = {0, 0, 0, 0};
    for (const npu::NodeCheck &n : *nodes) {
      ++counts[unsigned(n.device)];
      outs() << n.node << "\t" << n.opType << "\t" << n.opset << "\t"
             << npu::nodeDeviceName(n.device) << "\t" << n.reason << "\n";
    }
    outs() << "# " << nodes->size() << " nodes: " << counts[0] << " npu, "
           << counts[1] << " cpu, " << counts[2] << " folded, " << counts[3]
           << " unsupported\n";
    if (counts[3] || !importError.empty())
      outs() << "# not imported: the other nodes' devices are their op "
                "types' (--list-ops)\n";
    if (counts[3])
      return error(Twine(counts[3]).str() + " unsupported node" +
                   (counts[3] > 1 ? "s" : "") + ": the model does not compile");
    if (!importError.empty())
      return error(importError);
    return 0;
  }

  // Every diagnostic becomes one line naming the input file.
  std::string firstError;
  mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic &diag) {
    if (diag.getSeverity() == mlir::DiagnosticSeverity::Error &&
        firstError.empty())
      firstError = diag.str();
    return mlir::success();
  });

  std::vector<npu::NodePlacement> placements;
  auto module = npu::importOnnxModel(inputPath, context, options, &placements);
  if (failed(module))
    return error(firstError.empty() ? "import failed" : firstError);
  {
    // --exec-on-cpu names must exist: a typo would silently do nothing.
    StringSet<> known;
    for (const npu::NodePlacement &p : placements)
      known.insert(p.node);
    for (const std::string &node : execOnCpu)
      if (!known.contains(node))
        return error("--exec-on-cpu names '" + node +
                     "', which is not a node of the model");
  }
  std::string placementReport;
  if (!placementReportPath.empty()) {
    json::Array nodes;
    unsigned onHost = 0;
    for (const npu::NodePlacement &p : placements) {
      onHost += p.host;
      json::Array types;
      for (const std::string &t : p.inputTypes)
        types.push_back(t);
      nodes.push_back(json::Object{{"node", p.node},
                                   {"op", p.opType},
                                   {"since_version", p.sinceVersion},
                                   {"types", std::move(types)},
                                   {"constant_folded", p.constantFolded},
                                   {"device", p.host ? "cpu" : "npu"},
                                   {"reason", p.reason}});
    }
    json::Object report{{"model", inputPath.getValue()},
                        {"target", targetName.getValue()},
                        {"nodes_on_npu", int64_t(placements.size() - onHost)},
                        {"nodes_on_cpu", int64_t(onHost)},
                        {"nodes", std::move(nodes)}};
    raw_string_ostream os(placementReport);
    os << formatv("{0:2}", json::Value(std::move(report))) << "\n";
  }

  // The code generator reads it from the module (Sparsity.cpp).
  if (!sparseWeights)
    (**module)->setAttr("npu.sparse_weights",
                        mlir::BoolAttr::get(&context, false));
  if (!compressWeights)
    (**module)->setAttr("npu.compress_weights",
                        mlir::BoolAttr::get(&context, false));
  // Every backend phase reads it (PhasePack.cpp).
  if (!phasePackRemainder)
    (**module)->setAttr("npu.phase_pack", mlir::BoolAttr::get(&context, false));
  // npu-cascade-rows reads it (CascadeRows.cpp).
  if (cascade)
    (**module)->setAttr("npu.cascade", mlir::BoolAttr::get(&context, true));
  // npu-plan-memory reads it (OnChip.cpp).
  if (!keepOnChip)
    (**module)->setAttr("npu.keep_on_chip",
                        mlir::BoolAttr::get(&context, false));
  // Runs the phases after `from` up to `to`.
  auto runPhases = [&](npu::CompilePhase from, npu::CompilePhase to,
                       const npu::QuantizationOptions &q) -> bool {
    mlir::PassManager pm(&context);
    if (failed(mlir::applyPassManagerCLOptions(pm)))
      return error("bad pass manager options"), false;
    npu::buildPipelineToPhase(pm, to, targetName, from, q);
    if (failed(pm.run(**module)))
      return error(firstError.empty()
                       ? "phase '" + npu::compilePhaseName(to).str() +
                             "' failed"
                       : firstError),
             false;
    return true;
  };
  // --prune: magnitude pruning of whole weight tiles in the optimized FP32
  // graph, before calibration (npu/Quantization/Prune.h).
  std::string pruneReport;
  std::optional<json::Object> pruneJson;
  bool pruned = false;
  auto runPruning = [&]() -> bool {
    npu::PruneOptions options;
    std::string message;
    if (!npu::parsePruneSpec(prune, options, message))
      return error(message), false;
    options.keepDense.assign(keepDense.begin(), keepDense.end());
    const npu::rt::TargetDesc *target = npu::rt::lookupTarget(targetName);
    if (!target)
      return error("unknown target '" + targetName + "'"), false;
    if (!runPhases(npu::CompilePhase::Npu, npu::CompilePhase::Optimized, {}))
      return false;
    mlir::OwningOpRef<mlir::ModuleOp> unpruned = (**module).clone();
    json::Array layers;
    npu::pruneWeightBlocks(**module, *target, options, layers);
    json::Object report{{"model", inputPath.getValue()},
                        {"prune", prune.getValue()},
                        {"layers", std::move(layers)}};
    if (!pruneReportPath.empty() && !calibrationDir.empty()) {
      std::vector<npu::CalibrationSample> samples;
      auto main = unpruned->lookupSymbol<mlir::func::FuncOp>("main");
      if (!main || failed(npu::loadCalibrationSet(calibrationDir, main, samples,
                                                  message)))
        return error(message.empty() ? firstError : message), false;
      FailureOr<json::Value> cmp = npu::buildQuantReport(
          *unpruned, **module, samples, targetName, message);
      if (failed(cmp))
        return error(message), false;
      if (auto *outputs = cmp->getAsObject()->getArray("outputs"))
        report["outputs"] = std::move(*outputs);
      report["samples"] = int64_t(samples.size());
    }
    pruneJson = std::move(report); // written once the executable exists
    pruned = true;
    return true;
  };
  if (prune.empty() && (!keepDense.empty() || !pruneReportPath.empty()))
    return error("--keep-dense and --prune-report need --prune");
  if (!prune.empty() && compileTo < npu::CompilePhase::Optimized)
    return error("--prune needs --compile-to=optimized or later");
  std::string quantReport;
  if (quantize.empty()) {
    if ((!calibrationDir.empty() && pruneReportPath.empty()) ||
        !keepFloat.empty() || int8Depthwise.getNumOccurrences() ||
        int8Attention.getNumOccurrences() ||
        int8DepthwiseMaxLoss.getNumOccurrences() ||
        minSqnr.getNumOccurrences() || !quantReportPath.empty())
      return error("--calibration, --keep-float, --int8-depthwise, "
                   "--int8-attention, --int8-depthwise-max-loss, --min-sqnr "
                   "and "
                   "--quant-report need --quantize=int8 "
                   "(--calibration also serves --prune-report)");
    if (!prune.empty() && !runPruning())
      return 1;
    if (!runPhases(pruned ? npu::CompilePhase::Optimized
                          : npu::CompilePhase::Npu,
                   compileTo, {}))
      return 1;
  } else {
    if (quantize != "int8")
      return error("--quantize takes 'int8', not '" + quantize + "'");
    if (calibrationDir.empty())
      return error("--quantize=int8 needs --calibration=DIR");
    auto method = npu::ptq::parseCalibrationMethod(calibrationMethod);
    if (!method)
      return error("--calibration-method takes minmax, percentile or "
                   "entropy, not '" +
                   calibrationMethod + "'");
    if (compileTo < npu::CompilePhase::Quantized)
      return error("--quantize needs --compile-to=quantized or later");
    if (!prune.empty() ? !runPruning()
                       : !runPhases(npu::CompilePhase::Npu,
                                    npu::CompilePhase::Optimized, {}))
      return 1;
    std::vector<npu::CalibrationSample> samples;
    std::string message;
    auto main = (*module)->lookupSymbol<mlir::func::FuncOp>("main");
    if (!main ||
        failed(
            npu::loadCalibrationSet(calibrationDir, main, samples, message)) ||
        failed(npu::calibrate(**module, samples, *method, targetName, message)))
      return error(message.empty() ? firstError : message);
    mlir::OwningOpRef<mlir::ModuleOp> reference = (**module).clone();
    npu::QuantizationOptions q;
    q.enabled = true;
    q.keepFloat.assign(keepFloat.begin(), keepFloat.end());
    q.int8Depthwise = int8Depthwise == DepthwisePolicy::All;
    q.int8Attention = int8Attention;
    if (int8DepthwiseMaxLoss.getNumOccurrences() &&
        int8Depthwise != DepthwisePolicy::Auto)
      return error("--int8-depthwise-max-loss needs --int8-depthwise=auto");
    std::optional<json::Value> depthwise;
    if (int8Depthwise == DepthwisePolicy::Auto) {
      if (!std::isfinite(int8DepthwiseMaxLoss) || int8DepthwiseMaxLoss < 0)
        return error("--int8-depthwise-max-loss takes a finite, non-negative "
                     "number of dB");
      json::Value value = nullptr;
      if (failed(npu::chooseInt8Depthwise(*reference, samples, targetName,
                                          int8DepthwiseMaxLoss, q, value,
                                          message)))
        return error(message);
      depthwise = std::move(value);
    }
    std::optional<json::Value> searched;
    if (minSqnr.getNumOccurrences()) {
      if (!std::isfinite(minSqnr))
        return error("--min-sqnr takes a finite number of dB");
      json::Value value = nullptr;
      if (failed(npu::keepFloatForSqnr(*reference, samples, targetName, minSqnr,
                                       q, value, message)))
        return error(message);
      searched = std::move(value);
    }
    if (!runPhases(npu::CompilePhase::Optimized, npu::CompilePhase::Quantized,
                   q))
      return 1;
    if (!quantReportPath.empty()) {
      FailureOr<json::Value> value =
          searched ? FailureOr<json::Value>(std::move(*searched))
                   : npu::buildQuantReport(*reference, **module, samples,
                                           targetName, message);
      if (failed(value))
        return error(message);
      if (depthwise)
        (*value->getAsObject())["depthwise"] = std::move(*depthwise);
      raw_string_ostream os(quantReport);
      os << formatv("{0:2}", *value) << "\n";
    }
    if (!runPhases(npu::CompilePhase::Quantized, compileTo, q))
      return 1;
  }

  // The executable for `bin`.
  std::vector<uint8_t> executable;
  if (compileTo == npu::CompilePhase::Bin) {
    auto programs = (**module).getOps<npu::npuisa::ProgramOp>();
    if (programs.empty() ||
        failed(npu::emitNpubin(*programs.begin(), executable)))
      return error(firstError.empty() ? "cannot emit the executable"
                                      : firstError);
  }

  // The prune report's per-layer `compressed_bytes`: the constant bytes the
  // layer's loads cover in the executable (its weights as stored,
  // compressed or not, with its bias and requantization tables).
  if (pruneJson) {
    std::string loadError;
    std::unique_ptr<npu::rt::Executable> exe =
        executable.empty()
            ? nullptr
            : npu::rt::Executable::load(executable, nullptr, loadError);
    if (exe) {
      std::map<std::string, int64_t> stored;
      std::vector<npu::rt::LayerEstimate> est = npu::rt::estimateLayers(*exe);
      for (size_t i = 0; i < est.size(); ++i)
        stored[exe->layers()[i].name] += int64_t(est[i].constantBytes);
      if (json::Array *layers = pruneJson->getArray("layers"))
        for (json::Value &layer : *layers)
          if (json::Object *o = layer.getAsObject())
            if (auto name = o->getString("name"))
              if (auto it = stored.find(name->str()); it != stored.end())
                (*o)["compressed_bytes"] = it->second;
    }
    raw_string_ostream os(pruneReport);
    os << formatv("{0:2}", json::Value(std::move(*pruneJson))) << "\n";
  }

  std::string report, rooflineChart, memoryChart, rooflinePath, memoryPath;
  if (!reportPath.empty()) {
    auto programs = (**module).getOps<npu::npuisa::ProgramOp>();
    FailureOr<json::Value> value =
        npu::buildCompileReport(*programs.begin(), executable, inputPath);
    if (failed(value))
      return error(firstError.empty() ? "cannot build the report" : firstError);
    raw_string_ostream os(report);
    os << formatv("{0:2}", *value) << "\n";
    if (reportCharts) {
      std::string loadError;
      std::unique_ptr<npu::rt::Executable> exe =
          npu::rt::Executable::load(executable, nullptr, loadError);
      if (!exe)
        return error("cannot load the executable for the charts: " + loadError);
      rooflineChart = npu::rooflineChartSvg(
          *value, double(exe->target().dramBytesPerCycle));
      memoryChart = npu::memoryChartSvg(*exe);
      rooflinePath = reportPath + ".roofline.svg";
      memoryPath = reportPath + ".memory.svg";
    }
  }

  // Written to a temporary file and renamed, so a failure leaves nothing.
  Error written = writeOutput(outputPath, [&](raw_ostream &os) -> Error {
    if (compileTo == npu::CompilePhase::Bin) {
      os.write(reinterpret_cast<const char *>(executable.data()),
               executable.size());
    } else if (emitBytecode) {
      if (failed(mlir::writeBytecodeToFile(**module, os)))
        return createStringError(inconvertibleErrorCode(),
                                 "cannot write bytecode");
    } else {
      (*module)->print(os, mlir::OpPrintingFlags());
    }
    return Error::success();
  });
  if (written)
    return error("cannot write '" + outputPath +
                 "': " + toString(std::move(written)));
  std::string reportFile = reportPath;
  for (auto [path, text] : {std::pair{&reportFile, &report},
                            {&rooflinePath, &rooflineChart},
                            {&memoryPath, &memoryChart},
                            {&quantReportPath, &quantReport},
                            {&pruneReportPath, &pruneReport},
                            {&placementReportPath, &placementReport}}) {
    if (path->empty())
      continue;
    Error reported = writeOutput(*path, [&](raw_ostream &os) -> Error {
      os << *text;
      return Error::success();
    });
    if (reported) {
      if (outputPath != "-")
        sys::fs::remove(outputPath); // all or nothing
      if (path != &reportFile && !reportPath.empty())
        sys::fs::remove(reportPath);
      for (std::string *chart : {&rooflinePath, &memoryPath})
        if (path != chart && !chart->empty())
          sys::fs::remove(*chart);
      if (path == &placementReportPath && !quantReportPath.empty())
        sys::fs::remove(quantReportPath);
      return error("cannot write '" + *path +
                   "': " + toString(std::move(reported)));
    }
  }
  return 0;
}
