//===- CompileReport.cpp - npu-compile --report -------------------------===//

#include "npu/Target/Report/CompileReport.h"

#include "npu/runtime/Executable.h"
#include "npu/runtime/Timing.h"

#include <algorithm>

using namespace mlir;
namespace json = llvm::json;
namespace rt = npu::rt;

namespace npu {

FailureOr<json::Value>
buildCompileReport(npuisa::ProgramOp program,
                   const std::vector<uint8_t> &executable,
                   llvm::StringRef model) {
  const rt::TargetDesc *target = rt::lookupTarget(program.getTarget().str());
  std::string error;
  std::unique_ptr<rt::Executable> exe =
      target ? rt::Executable::load(executable, target, error) : nullptr;
  if (!exe)
    return program.emitError("report: the executable does not load: ")
           << (target ? error : "unknown target");
  rt::StaticSchedule schedule;
  if (!rt::scheduleStatically(*exe, schedule, error))
    return program.emitError("report: the program does not run: ") << error;
  std::vector<rt::LayerEstimate> est = rt::estimateLayers(*exe, &schedule);

  auto bytesOf = [](Type type) {
    auto t = cast<RankedTensorType>(type);
    return t.getNumElements() * ((t.getElementTypeBitWidth() + 7) / 8);
  };
  int64_t weightBytes = 0, inputBytes = 0, outputBytes = 0;
  bool allFp32 = true;
  for (Operation &op : program.getBody().front()) {
    if (auto data = dyn_cast<npuisa::DataOp>(op))
      weightBytes += bytesOf(data.getValue().getType());
    else if (auto in = dyn_cast<npuisa::InputOp>(op))
      inputBytes += bytesOf(in.getType());
    else if (auto out = dyn_cast<npuisa::OutputOp>(op))
      outputBytes += bytesOf(out.getType());
    else if (auto mm = dyn_cast<npuisa::MatmulOp>(op))
      allFp32 &= mm.getFp32();
  }

  json::Array layers;
  rt::LayerEstimate total;
  int64_t npuLayers = 0, cpuLayers = 0;
  size_t id = 0;
  for (auto layer : program.getBody().front().getOps<npuisa::LayerOp>()) {
    rt::LayerEstimate e = id < est.size() ? est[id] : rt::LayerEstimate();
    rt::StaticSchedule::Layer timed = id < schedule.layers.size()
                                          ? schedule.layers[id]
                                          : rt::StaticSchedule::Layer();
    bool host = id < exe->layers().size() && exe->layers()[id].host;
    // The model's MACs: the executed ones less those over zero weights the
    // compiler inserted (padding_macs).
    uint64_t padding = std::min<uint64_t>(
        uint64_t(layer.getPaddingMacs().value_or(0)), e.macs);
    e.macs -= padding;
    json::Object entry{{"id", int64_t(id)},
                       {"name", layer.getName()},
                       {"op", layer.getOnnxOp()},
                       {"device", host ? "cpu" : "npu"},
                       {"macs", int64_t(e.macs)},
                       {"dram_read_bytes", int64_t(e.dramReadBytes)},
                       {"dram_write_bytes", int64_t(e.dramWriteBytes)},
                       // Copied inside the scratchpad (ISA v9 local DMAs):
                       // values kept on chip, not DRAM traffic.
                       {"local_dma_bytes", int64_t(e.localBytes)},
                       {"weight_read_bytes", int64_t(e.constantReadBytes)},
                       {"weight_bytes_stored", int64_t(e.constantBytes)},
                       {"cycles", int64_t(timed.cycles)},
                       {"start_cycle", int64_t(timed.start)},
                       {"end_cycle", int64_t(timed.end)},
                       {"load_cycles", int64_t(e.loadCycles)},
                       {"compute_cycles", int64_t(e.computeCycles)},
                       {"store_cycles", int64_t(e.storeCycles)},
                       {"instructions", int64_t(e.instructions)}};
    if (auto shapes = layer.getShapes())
      entry["shapes"] = *shapes;
    if (padding)
      entry["padding_macs"] = int64_t(padding);
    // Pruning-aware layers: weight tiles non-zero of all, and the tile-steps
    // of the dense schedule skipped (docs/codegen.md, "Sparse weights").
    if (auto blocks = layer.getWeightBlockCounts()) {
      entry["weight_density"] =
          blocks->total ? double(blocks->nonzero) / double(blocks->total) : 1.0;
      entry["mac_blocks_skipped"] = blocks->skipped;
    }
    if (auto tiles = layer.getTiles()) {
      json::Object t;
      for (NamedAttribute attr : *tiles)
        if (auto v = dyn_cast<IntegerAttr>(attr.getValue()))
          t[attr.getName().str()] = v.getInt();
        else if (auto v = dyn_cast<StringAttr>(attr.getValue()))
          t[attr.getName().str()] = v.str(); // a convolution's loop order
      entry["tiles"] = std::move(t);
    }
    layers.push_back(std::move(entry));
    (host ? cpuLayers : npuLayers) += 1;
    total.macs += e.macs;
    total.dramReadBytes += e.dramReadBytes;
    total.dramWriteBytes += e.dramWriteBytes;
    total.localBytes += e.localBytes;
    total.constantReadBytes += e.constantReadBytes;
    total.instructions += e.instructions;
    ++id;
  }

  double peakMacs = double(target->arrayRows) * target->arrayCols /
                    (allFp32 ? target->fp32RateDivisor : 1);
  int64_t compulsory = weightBytes + inputBytes + outputBytes;
  double roofline =
      std::max(double(total.macs) / peakMacs,
               double(compulsory) / double(target->dramBytesPerCycle));
  json::Object totals{
      {"macs", int64_t(total.macs)},
      {"weight_bytes", weightBytes},
      {"input_bytes", inputBytes},
      {"output_bytes", outputBytes},
      {"arena_bytes", program.getArenaBytes().value_or(0)},
      {"arena_lower_bound_bytes", program.getArenaLowerBound().value_or(0)},
      {"dram_bytes", int64_t(total.dramReadBytes + total.dramWriteBytes)},
      {"local_dma_bytes", int64_t(total.localBytes)},
      {"weight_read_bytes", int64_t(total.constantReadBytes)},
      {"compulsory_dram_bytes", compulsory},
      {"cycles", int64_t(schedule.cycles)},
      {"roofline_cycles", int64_t(std::ceil(roofline))},
      {"peak_macs_per_cycle", peakMacs},
      {"instructions", int64_t(total.instructions)},
      // Per device: layers, and the host's busy NPU-clock cycles (its time
      // is estimated from operand sizes, rt::estimateHostWork).
      {"devices",
       json::Object{{"npu", json::Object{{"layers", npuLayers}}},
                    {"cpu", json::Object{{"layers", cpuLayers},
                                         {"busy_cycles",
                                          int64_t(schedule.hostCycles)}}}}}};
  return json::Value(json::Object{{"model", model},
                                  {"target", program.getTarget()},
                                  {"layers", std::move(layers)},
                                  {"totals", std::move(totals)}});
}

} // namespace npu
