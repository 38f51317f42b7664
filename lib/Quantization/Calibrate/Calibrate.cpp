//===- Calibrate.cpp - calibration and the quantization report -----------===//

#include "npu/Quantization/Calibrate.h"

#include "npu/Dialect/Npu/IR/NpuOps.h"
#include "npu/Dialect/NpuIsa/IR/NpuIsaOps.h"
#include "npu/Pipelines/Pipelines.h"
#include "npu/Target/Npubin/NpubinEmitter.h"
#include "npu/runtime/Emulator.h"
#include "npu/runtime/Npy.h"
#include "npu/runtime/Timing.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Threading.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <optional>
#include <thread>

using namespace mlir;

namespace npu {

namespace {

func::FuncOp mainOf(ModuleOp module) {
  return module.lookupSymbol<func::FuncOp>("main");
}

std::string inputName(func::FuncOp main, unsigned i) {
  auto name = main.getArgAttrOfType<StringAttr>(i, "npu.name");
  return name ? name.str() : "input" + std::to_string(i);
}

/// Inputs frozen at import (`--input-value`) take no calibration samples:
/// the executable already holds their value.
bool isFrozen(func::FuncOp main, unsigned i) {
  return bool(main.getArgAttr(i, "npu.frozen_value"));
}

bool isF32Tensor(Type type) {
  auto t = dyn_cast<RankedTensorType>(type);
  return t && t.getElementType().isF32() && t.getNumElements() > 0;
}

/// Values worth observing in an FP32 module: every FP32 op result, in
/// program order (the order is what matches a module with its clone).
SmallVector<Value> floatValues(func::FuncOp main) {
  SmallVector<Value> values;
  for (Operation &op : main.getBody().front())
    if (!isa<ConstantOp, func::ReturnOp>(op) && op.getNumResults() == 1 &&
        isF32Tensor(op.getResult(0).getType()))
      values.push_back(op.getResult(0));
  return values;
}

bool isQuantized(Type type) {
  auto t = dyn_cast<RankedTensorType>(type);
  return t && isa<quant::QuantizedType>(t.getElementType());
}

/// Results of the INT8 ops of a quantized module: INT8 results, and the
/// FP32 results of convolutions that compute in INT8.
SmallVector<Value> int8Values(func::FuncOp main) {
  SmallVector<Value> values;
  for (Operation &op : main.getBody().front())
    if (!isa<ConstantOp, QuantizeOp>(op) && op.getNumResults() == 1 &&
        (isQuantized(op.getResult(0).getType()) ||
         (isa<ConvOp>(op) && isQuantized(op.getOperand(0).getType()))))
      values.push_back(op.getResult(0));
  return values;
}

/// Catches the first diagnostic the constructing thread emits while it
/// lives (not printed: the caller reports it in its one error line). Other
/// threads' diagnostics pass on to the handlers registered before it, so
/// that compilations run side by side (chooseInt8Depthwise's measurements)
/// each keep their own.
class CapturedDiagnostic {
public:
  explicit CapturedDiagnostic(MLIRContext *ctx)
      : handler(ctx, [this](Diagnostic &diag) {
          if (std::this_thread::get_id() != thread)
            return failure();
          if (text.empty())
            text = diag.str();
          return success();
        }) {}
  const std::string &str() const { return text; }

private:
  std::thread::id thread = std::this_thread::get_id();
  std::string text;
  ScopedDiagnosticHandler handler;
};

/// Compiles a clone of `module` (phase `from`) in which the values `select`
/// picks in the clone are extra graph outputs (INT8 ones dequantized), after
/// the graph's own outputs.
std::unique_ptr<rt::Executable>
compileObserved(ModuleOp module, CompilePhase from,
                function_ref<SmallVector<Value>(func::FuncOp)> select,
                StringRef target, std::string &error) {
  OwningOpRef<ModuleOp> clone = module.clone();
  func::FuncOp main = mainOf(*clone);
  if (!main)
    return error = "no func.func @main", nullptr;
  auto ret = cast<func::ReturnOp>(main.getBody().front().getTerminator());
  OpBuilder b(ret);
  SmallVector<Value> results(ret.getOperands());
  unsigned graphOutputs = results.size();
  for (Value v : select(main)) {
    if (!isF32Tensor(v.getType()))
      v = DequantizeOp::create(
          b, v.getLoc(),
          cast<RankedTensorType>(v.getType()).clone(b.getF32Type()), v);
    results.push_back(v);
  }
  SmallVector<DictionaryAttr> resultAttrs;
  for (unsigned k = 0; k < results.size(); ++k)
    resultAttrs.push_back(
        k < graphOutputs
            ? main.getResultAttrDict(k)
            : b.getDictionaryAttr(b.getNamedAttr(
                  "npu.name",
                  b.getStringAttr("observed" + std::to_string(k)))));
  ret->setOperands(results);
  main.setFunctionType(FunctionType::get(module.getContext(),
                                         main.getArgumentTypes(),
                                         ValueRange(results).getTypes()));
  main.setAllResultAttrs(resultAttrs);

  CapturedDiagnostic diagnostic(module.getContext());
  // The observed values are outputs, in DRAM: choosing values to keep on
  // chip would cost two trial lowerings and buy the measurement nothing.
  (*clone)->setAttr("npu.keep_on_chip",
                    BoolAttr::get(module.getContext(), false));
  PassManager pm(module.getContext());
  buildPipelineToPhase(pm, CompilePhase::Isa, target, from, {},
                       /*scheduleLevel=*/false);
  std::vector<uint8_t> bytes;
  if (failed(pm.run(*clone)))
    return error = "compiling the observed model: " + diagnostic.str(), nullptr;
  auto programs = (*clone).getOps<npuisa::ProgramOp>();
  if (programs.empty() || failed(emitNpubin(*programs.begin(), bytes)))
    return error = "compiling the observed model: " + diagnostic.str(), nullptr;
  return rt::Executable::load(std::move(bytes), nullptr, error);
}

/// The most DRAM images (rt::Executable::dramSize) runSamples keeps at
/// once: it bounds the memory of running samples side by side (a 640x640
/// detector's observed FP32 model holds a few hundred MB per run).
constexpr uint64_t kMaxConcurrentDramBytes = uint64_t(2) << 30;

/// Runs each of `exes` on every sample of `samples` and then calls
/// `consume(s, runs)` for sample s, in sample order, on the calling thread,
/// with `runs[e]` the finished emulator of `exes[e]` (its outputs readable:
/// the graph's own outputs first, then the observed values). The runs go
/// in waves of as many at once as the context has threads
/// (mlir::parallelFor; one at a time with threading disabled) and as
/// kMaxConcurrentDramBytes allows; each emulator is independent
/// (npu_runtime.h: no shared mutable state) and `consume` sees the samples
/// in order, so every sum over samples is the one a sequential loop forms:
/// the result does not depend on the thread count.
LogicalResult runSamples(
    MLIRContext *ctx, ArrayRef<const rt::Executable *> exes,
    ArrayRef<CalibrationSample> samples,
    function_ref<LogicalResult(size_t, ArrayRef<rt::Emulator *>)> consume,
    std::string &error) {
  uint64_t dram = 0;
  for (const rt::Executable *exe : exes)
    dram += std::max<uint64_t>(exe->dramSize(), 1);
  size_t wave =
      std::max<size_t>(1, std::min<uint64_t>(ctx->getNumThreads(),
                                             kMaxConcurrentDramBytes / dram) /
                              std::max<size_t>(exes.size(), 1));
  for (size_t first = 0; first < samples.size(); first += wave) {
    size_t count = std::min(wave, samples.size() - first);
    size_t tasks = count * exes.size();
    std::vector<std::unique_ptr<rt::Emulator>> runs(tasks);
    std::vector<std::string> errors(tasks);
    mlir::parallelFor(ctx, 0, tasks, [&](size_t t) {
      const CalibrationSample &sample = samples[first + t / exes.size()];
      const rt::Executable &exe = *exes[t % exes.size()];
      auto emu = std::make_unique<rt::Emulator>(exe);
      std::string &err = errors[t];
      for (auto [i, data] : llvm::enumerate(sample.inputs)) {
        const std::vector<uint8_t> &frozen = exe.inputs()[i].frozen;
        bool ok = frozen.empty()
                      ? emu->setInput(i, data.data(),
                                      data.size() * sizeof(float), err)
                      : emu->setInput(i, frozen.data(), frozen.size(), err);
        if (!ok)
          return;
      }
      if (emu->run(err))
        runs[t] = std::move(emu);
    });
    for (size_t t = 0; t < tasks; ++t)
      if (!runs[t])
        return error = samples[first + t / exes.size()].name + ": " + errors[t],
               failure();
    for (size_t k = 0; k < count; ++k) {
      SmallVector<rt::Emulator *> sampleRuns;
      for (size_t e = 0; e < exes.size(); ++e)
        sampleRuns.push_back(runs[k * exes.size() + e].get());
      if (failed(consume(first + k, sampleRuns)))
        return failure();
    }
  }
  return success();
}

/// Output k of a finished run, as FP32 data (every output of an observed
/// model is FP32: compileObserved dequantizes INT8 values).
ArrayRef<float> outputOf(const rt::Executable &exe, const rt::Emulator &emu,
                         size_t k) {
  return ArrayRef(reinterpret_cast<const float *>(emu.output(k)),
                  exe.outputs()[k].sizeBytes / sizeof(float));
}

/// A clone of `reference` (phase `optimized`, calibrated) quantized with
/// `options` (phase `quantized`), or null with one line in `error`.
OwningOpRef<ModuleOp> quantizeClone(ModuleOp reference,
                                    const QuantizationOptions &options,
                                    std::string &error) {
  OwningOpRef<ModuleOp> quantized = reference.clone();
  CapturedDiagnostic diagnostic(reference.getContext());
  PassManager pm(reference.getContext());
  buildQuantizedPassPipeline(pm, options);
  if (failed(pm.run(*quantized)))
    return error = "quantizing: " + diagnostic.str(), nullptr;
  return quantized;
}

/// One measurement of a quantized model (OutputMeter::measure).
struct Measurement {
  /// The worst graph output's noise-to-signal ratio against FP32 over the
  /// samples: sum (f - q)^2 / sum f^2 (infinite for noise on an all-zero
  /// output).
  double nsr = 0;
  /// The program's cycles and each layer's busy cycles (by ONNX node
  /// name), from the runtime's timing model (rt::scheduleStatically: what
  /// npu-run reports).
  uint64_t cycles = 0;
  llvm::StringMap<uint64_t> layerCycles;
};

/// The graph outputs of an FP32 module over (the first kMaxMeasuredSamples
/// of) a calibration set, against which quantizations of it are measured:
/// each measurement compiles one, runs those samples and compares the
/// outputs. The FP32 outputs are kept, so the cap also bounds the memory.
class OutputMeter {
public:
  static constexpr size_t kMaxMeasuredSamples = 8;

  OutputMeter(ModuleOp reference, ArrayRef<CalibrationSample> samples,
              StringRef target)
      : reference(reference),
        samples(
            samples.take_front(std::min(samples.size(), kMaxMeasuredSamples))),
        target(target) {}

  /// Compiles and runs the FP32 reference once.
  LogicalResult init(std::string &error) {
    std::unique_ptr<rt::Executable> exe = compileObserved(
        reference, CompilePhase::Optimized, noValues, target, error);
    if (!exe)
      return failure();
    return runSamples(
        reference.getContext(), {exe.get()}, samples,
        [&](size_t, ArrayRef<rt::Emulator *> runs) {
          expected.emplace_back();
          for (size_t k = 0; k < exe->outputs().size(); ++k)
            expected.back().push_back(outputOf(*exe, *runs[0], k).vec());
          return success();
        },
        error);
  }

  /// Measures `reference` quantized with `options`.
  FailureOr<Measurement> measure(const QuantizationOptions &options,
                                 std::string &error) {
    OwningOpRef<ModuleOp> quantized = quantizeClone(reference, options, error);
    if (!quantized)
      return failure();
    return measure(*quantized, error);
  }

  /// Measures a quantization of `reference` (phase `quantized`). Safe to
  /// call from several threads at once (after init).
  FailureOr<Measurement> measure(ModuleOp quantized, std::string &error) {
    ++count;
    std::unique_ptr<rt::Executable> exe = compileObserved(
        quantized, CompilePhase::Quantized, noValues, target, error);
    if (!exe)
      return failure();
    std::vector<std::pair<double, double>> signalNoise(exe->outputs().size());
    if (failed(runSamples(
            quantized.getContext(), {exe.get()}, samples,
            [&](size_t s, ArrayRef<rt::Emulator *> runs) {
              for (auto [k, sn] : llvm::enumerate(signalNoise)) {
                ArrayRef<float> data = outputOf(*exe, *runs[0], k);
                const std::vector<float> &want = expected[s][k];
                for (size_t i = 0; i < data.size() && i < want.size(); ++i) {
                  double f = want[i], d = f - data[i];
                  sn.first += f * f;
                  sn.second += d * d;
                }
              }
              return success();
            },
            error)))
      return failure();
    Measurement m;
    for (auto [signal, noise] : signalNoise)
      if (noise > 0)
        m.nsr = std::max(m.nsr, signal > 0 ? noise / signal : INFINITY);
    rt::StaticSchedule schedule;
    if (!rt::scheduleStatically(*exe, schedule, error))
      return error = "scheduling the quantized model: " + error, failure();
    m.cycles = schedule.cycles;
    for (auto [layer, info] : llvm::zip(schedule.layers, exe->layers()))
      m.layerCycles[info.name] += layer.cycles;
    return m;
  }

  unsigned measurements() const { return count; }

private:
  static SmallVector<Value> noValues(func::FuncOp) { return {}; }

  ModuleOp reference;
  ArrayRef<CalibrationSample> samples;
  StringRef target;
  std::vector<std::vector<std::vector<float>>> expected; // [sample][output]
  std::atomic<unsigned> count = 0; // measure may run on several threads
};

LogicalResult readSample(const std::string &path, RankedTensorType type,
                         std::vector<float> &out, std::string &error) {
  rt::NpyArray array;
  if (!rt::readNpy(path, array, error))
    return error = path + ": " + error, failure();
  if (array.type != bin::ElementType::F32)
    return error = path + ": calibration data must be float32, not " +
                   rt::npyDtypeName(array.type),
           failure();
  if (ArrayRef<int64_t>(array.shape) != type.getShape()) {
    std::string want, got;
    for (int64_t d : type.getShape())
      want += (want.empty() ? "" : "x") + std::to_string(d);
    for (int64_t d : array.shape)
      got += (got.empty() ? "" : "x") + std::to_string(d);
    return error =
               path + ": shape " + got + " does not match the input's " + want,
           failure();
  }
  out.resize(array.data.size() / sizeof(float));
  std::memcpy(out.data(), array.data.data(), array.data.size());
  // Ranges come from the values: a NaN or an infinity would leave a range
  // with no finite scale (it fell back to 1.0 without a word).
  size_t nonFinite =
      llvm::count_if(out, [](float v) { return !std::isfinite(v); });
  if (nonFinite)
    return error = path + ": " + std::to_string(nonFinite) +
                   " values are NaN or infinite; calibration needs finite "
                   "inputs",
           failure();
  return success();
}

} // namespace

LogicalResult loadCalibrationSet(const std::string &dir, func::FuncOp main,
                                 std::vector<CalibrationSample> &samples,
                                 std::string &error) {
  if (!llvm::sys::fs::is_directory(dir))
    return error = "calibration directory '" + dir + "' does not exist",
           failure();
  // The inputs that take samples: all but the frozen ones.
  SmallVector<unsigned> live;
  for (unsigned i = 0; i < main.getNumArguments(); ++i)
    if (!isFrozen(main, i))
      live.push_back(i);
  unsigned inputs = live.size();
  for (unsigned i : live)
    if (!isF32Tensor(main.getArgument(i).getType()))
      return error = "calibration needs FP32 graph inputs; '" +
                     inputName(main, i) + "' is not",
             failure();
  std::vector<std::string> entries;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec)) {
    std::string path = it->path();
    bool isDir = llvm::sys::fs::is_directory(path);
    if (inputs == 1 ? (!isDir && StringRef(path).ends_with(".npy")) : isDir)
      entries.push_back(path);
  }
  if (ec)
    return error = "cannot read '" + dir + "': " + ec.message(), failure();
  std::sort(entries.begin(), entries.end());
  if (entries.empty())
    return error = "calibration directory '" + dir + "' holds no samples (" +
                   (inputs == 1 ? "one .npy per sample"
                                : "one directory of NAME.npy per sample") +
                   ")",
           failure();
  for (const std::string &entry : entries) {
    CalibrationSample sample;
    sample.name = entry;
    sample.inputs.resize(main.getNumArguments());
    for (unsigned i : live) {
      std::string path =
          inputs == 1 ? entry : entry + "/" + inputName(main, i) + ".npy";
      if (inputs > 1 && !llvm::sys::fs::exists(path))
        return error = entry + ": no " + inputName(main, i) + ".npy", failure();
      if (failed(readSample(
              path, cast<RankedTensorType>(main.getArgument(i).getType()),
              sample.inputs[i], error)))
        return failure();
    }
    samples.push_back(std::move(sample));
  }
  return success();
}

LogicalResult calibrate(ModuleOp module, ArrayRef<CalibrationSample> samples,
                        ptq::CalibrationMethod method, StringRef target,
                        std::string &error) {
  func::FuncOp main = mainOf(module);
  if (!main)
    return error = "no func.func @main", failure();
  SmallVector<Value> values = floatValues(main);
  unsigned graphOutputs =
      main.getBody().front().getTerminator()->getNumOperands();
  std::vector<ptq::TensorStats> stats(values.size()),
      inputs(main.getNumArguments());
  for (const CalibrationSample &sample : samples)
    for (auto [i, data] : llvm::enumerate(sample.inputs))
      if (!isFrozen(main, i))
        inputs[i].add(data.data(), data.size());
  std::unique_ptr<rt::Executable> exe = compileObserved(
      module, CompilePhase::Optimized, floatValues, target, error);
  if (!exe)
    return failure();
  // Each value's statistics take the samples in order (a histogram's bins
  // follow the values seen so far); different values fill in parallel.
  if (failed(runSamples(
          module.getContext(), {exe.get()}, samples,
          [&](size_t, ArrayRef<rt::Emulator *> runs) {
            mlir::parallelFor(module.getContext(), 0, stats.size(),
                              [&](size_t v) {
                                ArrayRef<float> data =
                                    outputOf(*exe, *runs[0], graphOutputs + v);
                                stats[v].add(data.data(), data.size());
                              });
            return success();
          },
          error)))
    return failure();
  Builder b(module.getContext());
  auto rangeAttr = [&](const ptq::TensorStats &s, Value v) {
    // A value a global average pool reads (which pools INT8 codes at this
    // value's scale) keeps its observed range: clipping errors do not
    // cancel in a mean, they shift it (on PaddleOCR rec, entropy's clipped
    // squeeze-excitation activations moved the gates and the output's
    // cosine fell from 0.9998 to 0.972).
    bool averaged = v && llvm::any_of(v.getUsers(), [](Operation *u) {
                      auto mean = dyn_cast<ReduceMeanOp>(u);
                      return mean && isGlobalAveragePool(mean);
                    });
    ptq::Range r =
        ptq::chooseRange(s, averaged ? ptq::CalibrationMethod::MinMax : method);
    return b.getDenseF64ArrayAttr({r.min, r.max});
  };
  for (auto [i, s] : llvm::enumerate(inputs))
    if (!isFrozen(main, i))
      main.setArgAttr(i, "npu.range", rangeAttr(s, main.getArgument(i)));
  for (auto [v, s] : llvm::zip(values, stats))
    v.getDefiningOp()->setAttr("npu.range", rangeAttr(s, v));
  return success();
}

FailureOr<llvm::json::Value>
buildQuantReport(ModuleOp reference, ModuleOp quantized,
                 ArrayRef<CalibrationSample> samples, StringRef target,
                 std::string &error) {
  func::FuncOp refMain = mainOf(reference), qMain = mainOf(quantized);
  if (!refMain || !qMain)
    return error = "no func.func @main", failure();
  SmallVector<Value> refValues = floatValues(refMain);
  SmallVector<Value> qValues = int8Values(qMain);
  unsigned graphOutputs =
      refMain.getBody().front().getTerminator()->getNumOperands();
  // Each INT8 value's FP32 counterpart: the reference value of the same
  // ONNX node and shape (the last one, the node's output, when it made
  // several). A node can make ops of different shapes (PaddleOCR det's
  // squeeze-excitation Add: the 1x96x1x1 gate and the 1x96x40x40 product);
  // an INT8 value with no counterpart of its shape is not reported (pairing
  // it with another shape compared unrelated elements: cosine -0.18).
  std::map<std::pair<std::string, ArrayRef<int64_t>>, size_t> refIndex;
  auto shapeOf = [](Value v) {
    return cast<RankedTensorType>(v.getType()).getShape();
  };
  for (auto [i, v] : llvm::enumerate(refValues))
    refIndex[{onnxNodeOf(v.getDefiningOp()).first, shapeOf(v)}] = i;
  struct Pair {
    Value q;
    size_t qIndex, refIndex; // in int8Values and floatValues
  };
  std::vector<Pair> pairs;
  for (auto [i, q] : llvm::enumerate(qValues)) {
    auto it = refIndex.find({onnxNodeOf(q.getDefiningOp()).first, shapeOf(q)});
    if (it != refIndex.end())
      pairs.push_back({q, i, it->second});
  }
  // Both models observe just the paired values (in pair order, after the
  // graph outputs), compiled once and run sample by sample.
  auto picks = [&](auto values, size_t Pair::*index) {
    return [&pairs, values, index](func::FuncOp clone) {
      SmallVector<Value> all = values(clone), picked;
      for (const Pair &p : pairs)
        picked.push_back(all[p.*index]);
      return picked;
    };
  };
  std::unique_ptr<rt::Executable> refExe =
      compileObserved(reference, CompilePhase::Optimized,
                      picks(floatValues, &Pair::refIndex), target, error);
  if (!refExe)
    return failure();
  std::unique_ptr<rt::Executable> qExe =
      compileObserved(quantized, CompilePhase::Quantized,
                      picks(int8Values, &Pair::qIndex), target, error);
  if (!qExe)
    return failure();
  struct Acc {
    double ff = 0, qq = 0, fq = 0, noise = 0;
    void add(ArrayRef<float> f, ArrayRef<float> q) {
      for (size_t i = 0; i < f.size() && i < q.size(); ++i) {
        ff += double(f[i]) * f[i];
        qq += double(q[i]) * q[i];
        fq += double(f[i]) * q[i];
        noise += (double(f[i]) - q[i]) * (double(f[i]) - q[i]);
      }
    }
    llvm::json::Value sqnr() const {
      if (noise == 0)
        return nullptr;
      return std::round(100 * 10 * std::log10(ff / noise)) / 100;
    }
    double cosine() const {
      return ff > 0 && qq > 0 ? fq / std::sqrt(ff * qq) : (ff == qq ? 1 : 0);
    }
  };
  // Output k: a graph output for k < graphOutputs, else pair k - graphOutputs.
  std::vector<Acc> acc(graphOutputs + pairs.size());
  if (failed(runSamples(
          reference.getContext(), {refExe.get(), qExe.get()}, samples,
          [&](size_t, ArrayRef<rt::Emulator *> runs) {
            mlir::parallelFor(reference.getContext(), 0, acc.size(),
                              [&](size_t k) {
                                acc[k].add(outputOf(*refExe, *runs[0], k),
                                           outputOf(*qExe, *runs[1], k));
                              });
            return success();
          },
          error)))
    return failure();
  llvm::json::Array layers, outputs;
  llvm::DenseSet<Operation *> reported;
  for (const Pair &pair : pairs)
    reported.insert(pair.q.getDefiningOp());
  for (auto [j, pair] : llvm::enumerate(pairs)) {
    const Acc &a = acc[graphOutputs + j];
    Operation *op = pair.q.getDefiningOp();
    llvm::json::Object layer{{"name", onnxNodeOf(op).first},
                             {"op", op->getName().stripDialect().str()},
                             {"sqnr_db", a.sqnr()},
                             {"cosine", a.cosine()}};
    // The nearest reported layer its first operand comes from (through
    // quantize, dequantize, reshapes and FP32 ops), if any.
    for (Operation *def = op->getOperand(0).getDefiningOp(); def;
         def = def->getNumOperands() ? def->getOperand(0).getDefiningOp()
                                     : nullptr)
      if (reported.contains(def)) {
        layer["input_layer"] = onnxNodeOf(def).first;
        break;
      }
    // The result's parameters; an FP32 result has none.
    if (auto type = dyn_cast<quant::UniformQuantizedType>(
            cast<RankedTensorType>(pair.q.getType()).getElementType())) {
      layer["scale"] = type.getScale();
      layer["zero_point"] = type.getZeroPoint();
    }
    if (auto in = dyn_cast<quant::UniformQuantizedType>(
            cast<RankedTensorType>(op->getOperand(0).getType())
                .getElementType())) {
      layer["input_scale"] = in.getScale();
      layer["input_zero_point"] = in.getZeroPoint();
    }
    if (op->getNumOperands() > 1)
      if (auto w = dyn_cast<quant::UniformQuantizedPerAxisType>(
              cast<RankedTensorType>(op->getOperand(1).getType())
                  .getElementType())) {
        ArrayRef<double> scales = w.getScales();
        layer["weight_scale_min"] =
            *std::min_element(scales.begin(), scales.end());
        layer["weight_scale_max"] =
            *std::max_element(scales.begin(), scales.end());
      }
    layers.push_back(std::move(layer));
  }
  for (unsigned k = 0; k < graphOutputs; ++k) {
    auto name = refMain.getResultAttrOfType<StringAttr>(k, "npu.name");
    outputs.push_back(llvm::json::Object{
        {"name", name ? name.str() : "output" + std::to_string(k)},
        {"sqnr_db", acc[k].sqnr()},
        {"cosine", acc[k].cosine()}});
  }
  return llvm::json::Value(
      llvm::json::Object{{"samples", int64_t(samples.size())},
                         {"layers", std::move(layers)},
                         {"outputs", std::move(outputs)}});
}

LogicalResult keepFloatForSqnr(ModuleOp reference,
                               ArrayRef<CalibrationSample> samples,
                               StringRef target, double minSqnrDb,
                               QuantizationOptions &options,
                               llvm::json::Value &report, std::string &error) {
  // Noise-to-signal ratio of an SQNR in dB (an exact result, null, has 0).
  auto nsr = [](const llvm::json::Value *db) {
    std::optional<double> v = db ? db->getAsNumber() : std::nullopt;
    return v ? std::pow(10.0, -*v / 10) : 0.0;
  };
  llvm::StringSet<> kept;
  for (const std::string &name : options.keepFloat)
    kept.insert(name);
  SmallVector<std::string> added;
  for (unsigned round = 1;; ++round) {
    OwningOpRef<ModuleOp> quantized = quantizeClone(reference, options, error);
    if (!quantized)
      return failure();
    FailureOr<llvm::json::Value> measured =
        buildQuantReport(reference, *quantized, samples, target, error);
    if (failed(measured))
      return failure();
    llvm::json::Object *object = measured->getAsObject();
    double outputNsr = 0;
    for (const llvm::json::Value &out : *object->getArray("outputs"))
      outputNsr = std::max(outputNsr, nsr(out.getAsObject()->get("sqnr_db")));
    double outputDb = outputNsr > 0 ? -10 * std::log10(outputNsr) : INFINITY;
    // The layers that add the most noise: each one's noise-to-signal ratio
    // minus its input layer's (what this layer's own quantization adds).
    llvm::StringMap<double> layerNsr;
    for (const llvm::json::Value &l : *object->getArray("layers"))
      layerNsr[*l.getAsObject()->getString("name")] =
          nsr(l.getAsObject()->get("sqnr_db"));
    SmallVector<std::pair<double, std::string>> candidates;
    for (const llvm::json::Value &l : *object->getArray("layers")) {
      const llvm::json::Object &layer = *l.getAsObject();
      std::string name = layer.getString("name")->str();
      if (kept.contains(name))
        continue;
      std::optional<StringRef> input = layer.getString("input_layer");
      double own = layerNsr[name] - (input ? layerNsr.lookup(*input) : 0.0);
      if (own > 0)
        candidates.push_back({-own, name});
    }
    bool met = outputDb >= minSqnrDb;
    if (met || candidates.empty()) {
      llvm::json::Array names;
      for (const std::string &name : added)
        names.push_back(name);
      (*object)["mixed_precision"] = llvm::json::Object{
          {"min_sqnr_db", minSqnrDb},
          {"output_sqnr_db",
           std::isfinite(outputDb)
               ? llvm::json::Value(std::round(outputDb * 100) / 100)
               : llvm::json::Value(nullptr)},
          {"met", met},
          {"rounds", int64_t(round)},
          {"kept_float", std::move(names)}};
      report = std::move(*measured);
      return success();
    }
    // Worst first; a sixteenth of the candidates per round (at least one)
    // bounds the rounds on deep models.
    llvm::sort(candidates);
    size_t take = std::max<size_t>(1, (candidates.size() + 15) / 16);
    for (size_t i = 0; i < take && i < candidates.size(); ++i) {
      kept.insert(candidates[i].second);
      added.push_back(candidates[i].second);
      options.keepFloat.push_back(candidates[i].second);
    }
  }
}

/// An output SQNR at which INT8 depthwise convolutions are accepted
/// whatever the base's: cosine similarity about 0.9995.
constexpr double kGoodEnoughSqnrDb = 30;

LogicalResult chooseInt8Depthwise(ModuleOp reference,
                                  ArrayRef<CalibrationSample> samples,
                                  StringRef target, double maxLossDb,
                                  QuantizationOptions &options,
                                  llvm::json::Value &report,
                                  std::string &error) {
  options.int8Depthwise = true;
  // The candidates: the depthwise convolutions the quantizer makes INT8,
  // by ONNX node, in program order.
  OwningOpRef<ModuleOp> all = quantizeClone(reference, options, error);
  if (!all)
    return failure();
  SmallVector<std::string> candidates;
  if (func::FuncOp main = mainOf(*all))
    main.walk([&](ConvOp conv) {
      std::string name = onnxNodeOf(conv).first;
      if (conv.isDepthwise() && isQuantized(conv.getInput().getType()) &&
          !llvm::is_contained(candidates, name))
        candidates.push_back(name);
    });
  auto db = [](double nsr) {
    return nsr > 0
               ? llvm::json::Value(std::round(-1000 * std::log10(nsr)) / 100)
               : llvm::json::Value(nullptr);
  };
  auto names = [](ArrayRef<std::string> list) {
    llvm::json::Array array;
    for (const std::string &name : list)
      array.push_back(name);
    return array;
  };
  OutputMeter meter(reference, samples, target);
  if (!candidates.empty() && failed(meter.init(error)))
    return failure();
  // The options with `keep` kept FP32 too.
  auto keeping = [&](ArrayRef<std::string> keep) {
    QuantizationOptions o = options;
    o.keepFloat.insert(o.keepFloat.end(), keep.begin(), keep.end());
    return o;
  };
  auto measure = [&](ArrayRef<std::string> keep) {
    return meter.measure(keeping(keep), error);
  };
  // Measures two choices side by side (each an independent compilation
  // and run: what a sequential pair would give, in about half the time on
  // two cores); the first failure's error, in order.
  using Keep = SmallVector<std::string>;
  auto measurePair =
      [&](const Keep &a,
          const Keep &b) -> FailureOr<std::pair<Measurement, Measurement>> {
    std::optional<Measurement> results[2];
    std::string errors[2];
    const Keep *keeps[2] = {&a, &b};
    mlir::parallelFor(reference.getContext(), 0, 2, [&](size_t i) {
      if (FailureOr<Measurement> m =
              meter.measure(keeping(*keeps[i]), errors[i]);
          succeeded(m))
        results[i] = std::move(*m);
    });
    for (int i = 0; i < 2; ++i)
      if (!results[i])
        return error = errors[i], failure();
    return std::make_pair(std::move(*results[0]), std::move(*results[1]));
  };
  Measurement baseM, currentM;
  SmallVector<std::string> kept;
  // The base (every candidate FP32) and the first round's all-INT8 model
  // (none kept: the quantization `all` is) are measured together.
  std::optional<Measurement> allInt8;
  if (!candidates.empty()) {
    FailureOr<std::pair<Measurement, Measurement>> first =
        measurePair(Keep(candidates), Keep());
    if (failed(first))
      return failure();
    baseM = currentM = first->first;
    allInt8 = std::move(first->second);
  }
  double base = baseM.nsr, current = base;
  // Within maxLossDb of the base, or at least kGoodEnoughSqnrDb however
  // far that is from a base that is nearly exact (a softmax of confident
  // logits: PaddleOCR cls's base is 79 dB).
  double budget = std::max(base * std::pow(10.0, maxLossDb / 10),
                           std::pow(10.0, -kGoodEnoughSqnrDb / 10));
  while (kept.size() < candidates.size()) {
    // (With none kept, the all-INT8 model measured with the base.)
    if (kept.empty()) {
      currentM = std::move(*allInt8);
    } else {
      FailureOr<Measurement> now = measure(kept);
      if (failed(now))
        return failure();
      currentM = std::move(*now);
    }
    current = currentM.nsr;
    if (current <= budget)
      break;
    // Bisect the INT8 candidates for the one whose keeping removes the most
    // noise: the half whose keeping (with those kept already) leaves less.
    SmallVector<std::string> set;
    for (const std::string &c : candidates)
      if (!llvm::is_contained(kept, c))
        set.push_back(c);
    while (set.size() > 1) {
      size_t half = set.size() / 2;
      // Both halves measured: where noise compounds rather than adds (one
      // layer's INT8 noise amplified by the next), the second half's share
      // inferred from the first's misleads (PaddleOCR det with entropy
      // calibration kept the wrong layer and lost 0.014 of cosine).
      Keep trial(kept), other(kept);
      trial.append(set.begin(), set.begin() + half);
      other.append(set.begin() + half, set.end());
      FailureOr<std::pair<Measurement, Measurement>> halves =
          measurePair(trial, other);
      if (failed(halves))
        return failure();
      if (halves->first.nsr <= halves->second.nsr)
        set.resize(half);
      else
        set.erase(set.begin(), set.begin() + half);
    }
    kept.push_back(set.front());
    if (kept.size() == candidates.size()) {
      currentM = baseM; // the base policy, measured first
      current = base;
    }
  }
  // Speed: an INT8 depthwise convolution on the MAC array takes B channels
  // per cycle from block-diagonal weights, the FP32 one on the vector unit
  // 16 lanes (one mac per tap), so on small feature maps, where the array
  // reloads its weight tile often, FP32 can be the faster. The INT8 ones
  // whose layer took more cycles than in the base are kept FP32 too if the
  // whole program then takes fewer cycles within the budget (the
  // dequantize and quantize around them are in that total).
  // A program slower than the base as a whole (the quantize and dequantize
  // at its edges can cost more than the INT8 layers save) is replaced by
  // the base, which is within the budget and measured already.
  SmallVector<std::string> slower;
  bool wholeSlower = currentM.cycles > baseM.cycles;
  for (const std::string &c : candidates)
    if (!llvm::is_contained(kept, c) &&
        (wholeSlower ||
         currentM.layerCycles.lookup(c) > baseM.layerCycles.lookup(c)))
      slower.push_back(c);
  SmallVector<std::string> keptForSpeed;
  if (wholeSlower) {
    kept.append(slower.begin(), slower.end());
    keptForSpeed = std::move(slower);
    currentM = baseM;
    current = base;
  } else if (!slower.empty()) {
    SmallVector<std::string> trial(kept);
    trial.append(slower.begin(), slower.end());
    FailureOr<Measurement> m = measure(trial);
    if (failed(m))
      return failure();
    if (m->nsr <= budget && m->cycles < currentM.cycles) {
      kept = std::move(trial);
      keptForSpeed = std::move(slower);
      currentM = std::move(*m);
      current = currentM.nsr;
    }
  }
  SmallVector<std::string> int8;
  for (const std::string &c : candidates)
    if (!llvm::is_contained(kept, c))
      int8.push_back(c);
  options.keepFloat.insert(options.keepFloat.end(), kept.begin(), kept.end());
  report = llvm::json::Object{{"policy", "auto"},
                              {"max_loss_db", maxLossDb},
                              {"good_enough_sqnr_db", kGoodEnoughSqnrDb},
                              {"base_sqnr_db", db(base)},
                              {"sqnr_db", db(current)},
                              {"int8", names(int8)},
                              {"kept_float", names(kept)},
                              {"kept_float_for_speed", names(keptForSpeed)},
                              {"base_cycles", int64_t(baseM.cycles)},
                              {"cycles", int64_t(currentM.cycles)},
                              {"measurements", int64_t(meter.measurements())}};
  return success();
}

} // namespace npu
