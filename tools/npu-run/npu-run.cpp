//===- npu-run.cpp - run an NPU executable on the reference emulator -----===//
//
// npu-run MODEL.npubin --input=[NAME=]FILE... --output-dir=DIR
//         [--report=FILE.json] [--trace=FILE.json] [--target=NAME]
//         [--max-instructions=N] [--max-steps=N]
//
// Inputs are .npy files or ONNX TensorProto .pb files (what ONNX's test data
// uses), bound to the graph inputs in order or by name; an input frozen at
// compile time (npu-compile --input-value) may be left out, and given, must
// hold its frozen value. Writes one .npy per
// output plus DIR/outputs.json, prints a summary, and optionally a JSON
// report and a Chrome trace (opens in Perfetto). Errors are one line,
// `npu-run: error: FILE: what is wrong`, exit code 1.
//
//===----------------------------------------------------------------------===//

#include "npu/runtime/Emulator.h"
#include "npu/runtime/Npy.h"
#include "npu/runtime/Timing.h"

#include "../common/TensorFiles.h"

#include <cerrno>

#include <nlohmann/json.hpp>

#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

using namespace npu::rt;
namespace bin = npu::bin;
using json = nlohmann::json;

namespace {

int fail(const std::string &file, const std::string &msg) {
  std::fprintf(stderr, "npu-run: error: %s: %s\n", file.c_str(), msg.c_str());
  return 1;
}

/// Output file names: characters outside [A-Za-z0-9_.-] become '_'.
std::string sanitize(const std::string &name) {
  std::string s = name;
  for (char &c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' ||
          c == '-'))
      c = '_';
  if (s.empty() || s == "." || s == "..")
    s = "output";
  return s;
}

/// The files one run writes (outputs, outputs.json, report, trace): all of
/// them or none. Each is written atomically; a failed write removes the
/// files written before it, and the output directory if the run made it.
class FileSet {
public:
  void madeDirectory(const std::string &dir) { dir_ = dir; }
  bool write(const std::string &path, const std::vector<uint8_t> &bytes,
             std::string &error) {
    return done(path, writeFileAtomically(path, bytes, error));
  }
  /// An output's .npy, written from the emulator's DRAM.
  bool writeNpy(const std::string &path, bin::ElementType type,
                const std::vector<int64_t> &shape, const uint8_t *data,
                size_t size, std::string &error) {
    return done(path, writeNpyFile(path, type, shape, data, size, error));
  }
  bool writeJson(const std::string &path, const json &j, std::string &error) {
    std::string text = j.dump(2) + "\n";
    return write(path, std::vector<uint8_t>(text.begin(), text.end()), error);
  }

private:
  /// Records a written file, or rolls back all of them after a failure.
  bool done(const std::string &path, bool written) {
    if (!written) {
      rollBack();
      return false;
    }
    written_.push_back(path);
    return true;
  }
  void rollBack() {
    for (const std::string &path : written_)
      ::unlink(path.c_str());
    written_.clear();
    if (!dir_.empty())
      ::rmdir(dir_.c_str());
  }
  std::vector<std::string> written_;
  std::string dir_;
};

} // namespace

/// An energy split as the report's JSON: pJ per destination.
static json energySplitJson(const npu::rt::EnergySplit &e) {
  return {{"dram", e.dramPj},
          {"scratchpad", e.sramPj},
          {"mac_array", e.macPj},
          {"vector", e.vectorPj},
          {"host_cpu", e.hostPj}};
}

/// A positive decimal count: digits only (strtoull would wrap "-1" to
/// 2^64 - 1), no overflow.
static bool parseCount(const char *v, uint64_t &out) {
  if (!*v || !std::isdigit(static_cast<unsigned char>(*v)))
    return false;
  char *end = nullptr;
  errno = 0;
  out = std::strtoull(v, &end, 10);
  return !*end && errno == 0 && out > 0;
}

int main(int argc, char **argv) {
  std::string model, outputDir, reportPath, tracePath, targetName = "npu-v1";
  std::vector<std::string> inputArgs;
  RunOptions options;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char *flag) -> const char * {
      size_t n = std::strlen(flag);
      return a.compare(0, n, flag) == 0 ? argv[i] + n : nullptr;
    };
    if (a == "--help" || a == "-h") {
      std::printf("usage: npu-run MODEL.npubin --input=[NAME=]FILE... "
                  "--output-dir=DIR [--report=FILE.json] [--trace=FILE.json] "
                  "[--target=NAME] [--max-instructions=N] [--max-steps=N]\n");
      return 0;
    } else if (const char *v = value("--input=")) {
      inputArgs.push_back(v);
    } else if (const char *v = value("--output-dir=")) {
      outputDir = v;
    } else if (const char *v = value("--report=")) {
      reportPath = v;
    } else if (const char *v = value("--trace=")) {
      tracePath = v;
      options.trace = true;
    } else if (const char *v = value("--target=")) {
      targetName = v;
    } else if (const char *v = value("--max-instructions=")) {
      if (!parseCount(v, options.maxInstructions))
        return fail(model.empty() ? "npu-run" : model,
                    "bad --max-instructions value");
    } else if (const char *v = value("--max-steps=")) {
      if (!parseCount(v, options.maxSteps))
        return fail(model.empty() ? "npu-run" : model, "bad --max-steps value");
    } else if (a.size() > 1 && a[0] == '-') {
      return fail("npu-run", "unknown option '" + a + "'");
    } else if (model.empty()) {
      model = a;
    } else {
      return fail("npu-run", "more than one model given ('" + a + "')");
    }
  }
  if (model.empty())
    return fail("npu-run", "no model given");
  if (outputDir.empty())
    return fail(model, "--output-dir=DIR is required");
  const TargetDesc *target = lookupTarget(targetName);
  if (!target)
    return fail(model, "unknown target '" + targetName + "'");

  std::string error;
  auto exe = Executable::loadFile(model, target, error);
  if (!exe)
    return fail(model, error);
  Emulator emu(*exe, options);

  // Bind inputs: NAME=FILE by name, plain FILE in order.
  const std::vector<TensorSpec> &inputs = exe->inputs();
  std::vector<bool> bound(inputs.size(), false);
  size_t next = 0;
  for (const std::string &arg : inputArgs) {
    std::string file = arg;
    size_t index = next;
    size_t eq = arg.find('=');
    if (eq != std::string::npos) {
      std::string name = arg.substr(0, eq);
      file = arg.substr(eq + 1);
      index = inputs.size();
      for (size_t i = 0; i < inputs.size(); ++i)
        if (inputs[i].name == name)
          index = i;
      if (index == inputs.size())
        return fail(file, "the model has no input named '" + name + "'");
    } else {
      while (index < inputs.size() && bound[index])
        ++index;
      next = index + 1;
    }
    if (index >= inputs.size())
      return fail(file, "the model takes only " +
                            std::to_string(inputs.size()) + " input(s)");
    NpyArray array;
    if (!npu::tools::readTensorFile(file, array, error))
      return fail(file, error);
    const TensorSpec &spec = inputs[index];
    if (!npu::tools::matchElementType(spec.type, array) ||
        array.shape != spec.shape)
      return fail(file, "input '" + spec.name + "' expects " +
                            elementTypeName(spec.type) +
                            shapeString(spec.shape) + ", got " +
                            elementTypeName(array.type) +
                            shapeString(array.shape));
    if (!emu.setInput(index, array.data.data(), array.data.size(), error))
      return fail(file, error);
    bound[index] = true;
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (bound[i])
      continue;
    if (inputs[i].frozen.empty())
      return fail(model,
                  "input '" + inputs[i].name + "' is not given (--input)");
    if (!emu.setInput(i, inputs[i].frozen.data(), inputs[i].frozen.size(),
                      error))
      return fail(model, error);
  }

  if (!emu.run(error))
    return fail(model, error);

  // Outputs.
  FileSet files;
  if (::mkdir(outputDir.c_str(), 0777) == 0)
    files.madeDirectory(outputDir);
  else if (errno != EEXIST)
    return fail(outputDir, "cannot create the output directory");
  json list = json::array();
  // Distinct names can sanitize alike ("y/1", "y_1"): later ones get a
  // numbered file, so no output overwrites another; outputs.json maps names
  // to files. (outputs.json itself is never an output's file.)
  std::set<std::string> names = {"outputs.json"};
  for (size_t i = 0; i < exe->outputs().size(); ++i) {
    const TensorSpec &spec = exe->outputs()[i];
    std::string stem = sanitize(spec.name), file = stem + ".npy";
    for (int k = 2; names.count(file); ++k)
      file = stem + "_" + std::to_string(k) + ".npy";
    names.insert(file);
    // An output of data-dependent shape has the shape the run produced
    // (dense from the start of its bound-sized buffer).
    std::vector<int64_t> shape = emu.outputShape(i);
    uint64_t bytes = elementBytes(spec.type);
    for (int64_t d : shape)
      bytes *= uint64_t(d);
    if (!files.writeNpy(outputDir + "/" + file, spec.type, shape, emu.output(i),
                        bytes, error))
      return fail(outputDir, error);
    list.push_back({{"name", spec.name},
                    {"file", file},
                    {"shape", shape},
                    {"dtype", npyDtypeName(spec.type)}});
  }
  if (!files.writeJson(outputDir + "/outputs.json", list, error))
    return fail(outputDir, error);

  const RunStats &s = emu.stats();
  const TargetDesc &t = exe->target();
  if (!reportPath.empty()) {
    json layers = json::array();
    // Weight bytes stored: the constant bytes the layer's loads cover (its
    // weights as the executable holds them, compressed or not); moved: what
    // its loads read of them in this run.
    std::vector<LayerEstimate> est = estimateLayers(*exe);
    for (size_t i = 0; i < s.layers.size(); ++i) {
      // The model's MACs: executed less those over zero weights the
      // compiler inserted, reported beside.
      uint64_t padding = s.layers[i].paddingMacs;
      layers.push_back(
          {{"name", exe->layers()[i].name},
           {"op", exe->layers()[i].op},
           {"device", exe->layers()[i].host ? "cpu" : "npu"},
           {"cycles", s.layers[i].cycles},
           {"start_cycle", s.layers[i].start},
           {"end_cycle", s.layers[i].end},
           {"macs", s.layers[i].macs - padding},
           {"dram_bytes", s.layers[i].dramBytes},
           {"local_dma_bytes", s.layers[i].localBytes},
           {"weight_bytes_stored", i < est.size() ? est[i].constantBytes : 0},
           {"weight_bytes_moved", s.layers[i].weightBytes},
           {"energy_pj", s.layers[i].energy.total()},
           {"energy_split_pj", energySplitJson(s.layers[i].energy)}});
      if (padding)
        layers.back()["padding_macs"] = padding;
      // Pruning-aware layers: the share of their MAC weight tiles that is
      // non-zero, and the tile-steps of the dense schedule not issued.
      if (const LayerInfo &l = exe->layers()[i]; l.weightTiles) {
        layers.back()["weight_density"] =
            double(l.nonzeroWeightTiles) / double(l.weightTiles);
        layers.back()["mac_blocks_skipped"] = l.macBlocksSkipped;
      }
    }
    json report = {{"cycles", s.cycles},
                   {"macs", s.modelMacs()},
                   {"padding_macs", s.paddingMacsInt8 + s.paddingMacsFp32},
                   {"macs_dense", s.macsDense},
                   {"mac_utilization", s.macUtilization},
                   {"dram_read_bytes", s.dramReadBytes},
                   {"dram_write_bytes", s.dramWriteBytes},
                   {"local_dma_bytes", s.localDmaBytes},
                   {"sram_read_bytes", s.sramReadBytes},
                   {"sram_write_bytes", s.sramWriteBytes},
                   {"peak_sram_bytes", s.peakSramBytes},
                   {"energy_pj", s.energyPj},
                   {"energy_split_pj", energySplitJson(s.energy)},
                   {"instructions", s.instructions},
                   {"devices",
                    {{"npu",
                      {{"busy_cycles", s.unitBusy[unsigned(Unit::Mac)] +
                                           s.unitBusy[unsigned(Unit::Vector)]},
                       {"dram_bytes", s.dramReadBytes + s.dramWriteBytes},
                       {"energy_pj", s.energyPj - s.hostEnergyPj}}},
                     {"cpu",
                      {{"ops", s.hostOps},
                       {"busy_cycles", s.unitBusy[unsigned(Unit::Host)]},
                       {"host_cycles", s.hostCycles},
                       {"instructions", s.hostInstructions},
                       {"dram_bytes", s.hostDramBytes},
                       {"energy_pj", s.hostEnergyPj}}}}},
                   {"target",
                    {{"name", t.name},
                     {"clock_hz", t.clockHz},
                     {"macs_per_cycle_int8", t.int8MacsPerCycle()},
                     {"macs_per_cycle_fp32", t.fp32MacsPerCycle()},
                     {"dram_bytes_per_cycle", t.dramBytesPerCycle},
                     {"sram_bytes", t.scratchpadBytes}}},
                   {"units",
                    {{"dma_load", s.unitBusy[unsigned(Unit::DmaLoad)]},
                     {"dma_store", s.unitBusy[unsigned(Unit::DmaStore)]},
                     {"mac", s.unitBusy[unsigned(Unit::Mac)]},
                     {"vector", s.unitBusy[unsigned(Unit::Vector)]},
                     {"host", s.unitBusy[unsigned(Unit::Host)]}}},
                   {"layers", layers}};
    if (!files.writeJson(reportPath, report, error))
      return fail(reportPath, error);
  }
  if (!tracePath.empty()) {
    // Chrome trace events: one process per device (0: the NPU, 1: the host
    // CPU), one track (tid) per unit, times in microseconds.
    json events = json::array();
    double usPerCycle = 1e6 / double(t.clockHz);
    auto pidOf = [](Unit u) { return u == Unit::Host ? 1 : 0; };
    for (unsigned pid = 0; pid < 2; ++pid)
      events.push_back({{"name", "process_name"},
                        {"ph", "M"},
                        {"pid", pid},
                        {"args", {{"name", pid ? "cpu" : "npu"}}}});
    for (unsigned u = 0; u < kNumUnits; ++u)
      if (Unit(u) != Unit::None)
        events.push_back({{"name", "thread_name"},
                          {"ph", "M"},
                          {"pid", pidOf(Unit(u))},
                          {"tid", u},
                          {"args", {{"name", unitName(Unit(u))}}}});
    for (const TraceEvent &e : emu.trace()) {
      if (e.unit == Unit::None)
        continue;
      std::string layer =
          e.layer < exe->layers().size() ? exe->layers()[e.layer].name : "";
      std::string name =
          e.unit == Unit::Host
              ? exe->layers()[e.layer].op
              : opcodeInfo(exe->instructions()[e.pc].opcodeBits())->mnemonic;
      events.push_back({{"name", name},
                        {"cat", unitName(e.unit)},
                        {"ph", "X"},
                        {"pid", pidOf(e.unit)},
                        {"tid", unsigned(e.unit)},
                        {"ts", double(e.start) * usPerCycle},
                        {"dur", double(e.end - e.start) * usPerCycle},
                        {"args", {{"pc", e.pc}, {"layer", layer}}}});
    }
    if (!files.writeJson(tracePath, {{"traceEvents", events}}, error))
      return fail(tracePath, error);
  }

  double seconds = double(s.cycles) / double(t.clockHz);
  std::printf("npu-run: %s on %s\n", model.c_str(), t.name.c_str());
  std::printf("  cycles       %" PRIu64 " (%.3f ms at %.2f GHz)\n", s.cycles,
              seconds * 1e3, double(t.clockHz) / 1e9);
  std::printf("  MACs         %" PRIu64 " (utilization %.1f %%)", s.modelMacs(),
              100.0 * s.macUtilization);
  if (uint64_t padding = s.paddingMacsInt8 + s.paddingMacsFp32)
    std::printf(", and %" PRIu64 " over zero weights the compiler inserted",
                padding);
  std::printf("\n");
  std::printf("  DRAM         %.3f MB read, %.3f MB written\n",
              double(s.dramReadBytes) / 1e6, double(s.dramWriteBytes) / 1e6);
  if (s.localDmaBytes) // values kept on chip (ISA v9 local DMAs)
    std::printf("  on-chip      %.3f MB copied inside the scratchpad\n",
                double(s.localDmaBytes) / 1e6);
  // Where it goes: DRAM, scratchpad, MAC array, vector unit (and host).
  auto share = [&](double pj) {
    return s.energyPj > 0 ? 100.0 * pj / s.energyPj : 0.0;
  };
  std::printf("  energy       %.3f uJ: DRAM %.1f %%, scratchpad %.1f %%, MAC "
              "array %.1f %%, vector %.1f %%",
              s.energyPj / 1e6, share(s.energy.dramPj), share(s.energy.sramPj),
              share(s.energy.macPj), share(s.energy.vectorPj));
  if (s.hostOps)
    std::printf(", host CPU %.1f %%", share(s.energy.hostPj));
  std::printf("\n");
  if (s.hostOps)
    std::printf("  host CPU     %" PRIu64 " ops, %" PRIu64
                " cycles busy (%.3f ms), %.3f MB moved, %.3f uJ\n",
                s.hostOps, s.unitBusy[unsigned(Unit::Host)],
                double(s.hostCycles) / double(t.host.clockHz) * 1e3,
                double(s.hostDramBytes) / 1e6, s.hostEnergyPj / 1e6);
  return 0;
}
