//===- Charts.h - SVG charts beside the compile report ------------*- C++
//-*-===//
//
// Pictures where people would rather look than read (npu-compile
// --report-charts, written beside the JSON report):
//
// - The roofline chart (Williams, Waterman and Patterson, "Roofline",
//   CACM 2009): per layer with MACs, its operational intensity (MACs per
//   DRAM byte it moves, x, log scale) against the MACs per cycle it
//   achieves over its span on the timeline (y, log scale), under the roofs
//   min(peak MACs per cycle, intensity x DRAM bytes per cycle). A layer far
//   below the roof is latency- or overhead-bound; one left of the ridge
//   point is DRAM-bound.
// - The memory chart: per layer (x, in program order) the byte ranges its
//   DMAs read and write, in DRAM (inputs, outputs, constants and the
//   activation arena, y) and in the scratchpad where values kept on chip
//   live (local DMAs: the first step of cascading). A tensor's lifetime
//   reads as its write at its producer and its reads up to its last
//   consumer.
//
// Both are plain SVG 1.1 with a <title> per mark (the layer, its op and
// figures) for tooltips; sizes are in CSS pixels.
//
//===----------------------------------------------------------------------===//

#ifndef NPU_TARGET_REPORT_CHARTS_H
#define NPU_TARGET_REPORT_CHARTS_H

#include "npu/runtime/Executable.h"

#include "llvm/Support/JSON.h"

#include <string>

namespace npu {

/// The roofline chart of a compile report (buildCompileReport's JSON:
/// per layer `macs`, `dram_read_bytes`, `dram_write_bytes`, `start_cycle`,
/// `end_cycle`; totals' `peak_macs_per_cycle`) for a target moving
/// `dramBytesPerCycle` DRAM bytes per cycle. Layers without MACs or DRAM
/// traffic, or with an empty span, are left out (listed in the title).
std::string rooflineChartSvg(const llvm::json::Value &report,
                             double dramBytesPerCycle);

/// The memory chart of `exe`: per layer the DRAM and scratchpad ranges its
/// DMA instructions read (loads) and write (stores), adjacent ranges of one
/// layer merged.
std::string memoryChartSvg(const rt::Executable &exe);

} // namespace npu

#endif // NPU_TARGET_REPORT_CHARTS_H
