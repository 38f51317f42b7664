//===- InitAllPasses.h - every pass and pipeline of the npu tools -*- C++
//-*-===//

#ifndef NPU_INITALLPASSES_H
#define NPU_INITALLPASSES_H

#include "mlir/Transforms/Passes.h"
#include "npu/Conversion/Passes.h"
#include "npu/Dialect/Npu/Transforms/Passes.h"
#include "npu/Pipelines/Pipelines.h"

namespace npu {

/// Registers the npu passes, the phase pipelines and the upstream transforms
/// the pipelines use (canonicalize, cse, ...).
inline void registerAllPasses() {
  mlir::registerTransformsPasses();
  registerNpuTransformsPasses();
  registerNpuConversionPasses();
  registerNpuPipelines();
}

} // namespace npu

#endif // NPU_INITALLPASSES_H
