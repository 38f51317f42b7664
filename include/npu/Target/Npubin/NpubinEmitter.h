//===- NpubinEmitter.h - npu_isa.program to .npubin -------------*- C++ -*-===//

#ifndef NPU_TARGET_NPUBIN_NPUBINEMITTER_H
#define NPU_TARGET_NPUBIN_NPUBINEMITTER_H

#include "npu/Dialect/NpuIsa/IR/NpuIsaOps.h"

#include <cstdint>
#include <vector>

namespace npu {

/// Serialises `program` into a `.npubin` (docs/npu-architecture.md §8):
/// instructions in program order (an `end` appended), descriptors
/// deduplicated into their tables, `data` ops placed in the constant segment
/// (which starts at the lowest data address), inputs, outputs and layers in
/// order of appearance. Emits an error on `program` and fails for element
/// types the container has no code for or an unavailable resource blob.
mlir::LogicalResult emitNpubin(npuisa::ProgramOp program,
                               std::vector<uint8_t> &bytes);

/// Registers `--npu-isa-to-npubin` with mlir-translate's registry.
void registerNpubinTranslation();

} // namespace npu

#endif // NPU_TARGET_NPUBIN_NPUBINEMITTER_H
