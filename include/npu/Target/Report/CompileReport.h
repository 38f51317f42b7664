//===- CompileReport.h - npu-compile --report ---------------------*- C++
//-*-===//
//
// The compile report: what the code generator chose per layer and what it
// should cost, next to the bounds it is measured against. JSON, written by
// `npu-compile --report=FILE.json`:
//
//   {"model", "target",
//    "layers": [{"id", "name" (ONNX node), "op" (ONNX op type), "device"
//                ("npu", or "cpu" for a host op), "shapes"
//                (operand types -> result types), "tiles" (elements),
//                "macs" (the model's: executed less "padding_macs", those
//                over zero weights the compiler inserted, present when
//                not 0), "dram_read_bytes", "dram_write_bytes",
//                "local_dma_bytes" (copied inside the scratchpad by local
//                DMAs: values kept on chip, not DRAM traffic),
//                "weight_read_bytes" (of the reads, those of constants:
//                weights, their block-sparse images, tables; moved, so
//                compressed where dma.expand reads them),
//                "weight_bytes_stored" (the constant bytes those reads
//                cover, each once: the layer's weights as stored), for
//                layers with zero weight tiles "weight_density" (non-zero
//                MAC weight tiles / all) and "mac_blocks_skipped" (weight
//                tile-steps of the dense schedule not issued), "cycles",
//                "start_cycle", "end_cycle", "load_cycles", "compute_cycles",
//                "store_cycles", "instructions"}...],
//    "totals": {"macs" (the model's, which the roofline counts),
//               "weight_bytes" (stored), "weight_read_bytes",
//               "input_bytes", "output_bytes",
//               "arena_bytes", "arena_lower_bound_bytes", "dram_bytes",
//               "local_dma_bytes",
//               "compulsory_dram_bytes", "cycles",
//               "roofline_cycles", "peak_macs_per_cycle", "instructions",
//               "devices": {"npu": {"layers"},
//                           "cpu": {"layers", "busy_cycles"}}}}
//
// Cycles are the runtime's timing model run over the executable without
// computing any data (npu::rt::scheduleStatically: the emulator's queue
// scheduler and per-instruction formulas), so they are the figures npu-run
// then measures: the totals' `cycles` is when the last unit idles, a
// layer's `cycles` the busy cycles of its instructions (npu-run's per-layer
// figure), `start_cycle`/`end_cycle` its span on the timeline, and
// `load_cycles`, `compute_cycles`, `store_cycles` its busy cycles per queue.
// (Block-sparse matmuls, whose present weight tiles only the data says,
// are counted dense: an upper bound on their cycles; a host op's work is
// estimated from its operand sizes, npu::rt::estimateHostWork, where npu-run
// counts what its kernel did.) The roofline lower bound is max(MACs / peak MACs
// per cycle, compulsory DRAM bytes / DRAM bytes per cycle), compulsory traffic
// being weights, inputs and outputs once (Williams, Waterman and Patterson,
// "Roofline", CACM 2009). Peak MACs per cycle is rows x columns of the array,
// divided by the FP32 rate divisor when every matmul is FP32.
//
//===----------------------------------------------------------------------===//

#ifndef NPU_TARGET_REPORT_COMPILEREPORT_H
#define NPU_TARGET_REPORT_COMPILEREPORT_H

#include "npu/Dialect/NpuIsa/IR/NpuIsaOps.h"

#include "llvm/Support/JSON.h"

#include <cstdint>
#include <vector>

namespace npu {

/// Builds the report of `program` and its emitted `executable` (the bytes
/// emitNpubin produced; loaded again to estimate it). Fails with an error
/// on `program` when the executable does not load.
mlir::FailureOr<llvm::json::Value>
buildCompileReport(npuisa::ProgramOp program,
                   const std::vector<uint8_t> &executable,
                   llvm::StringRef model);

} // namespace npu

#endif // NPU_TARGET_REPORT_COMPILEREPORT_H
