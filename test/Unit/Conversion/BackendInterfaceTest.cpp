//===- BackendInterfaceTest.cpp - every npu op has one backend home ------===//

#include "npu/Dialect/Npu/IR/NpuBackendInterface.h"
#include "npu/InitAllDialects.h"

#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace {

// The npu ops the code generator never sees, each with the reason: they are
// folded or lowered before the tiled phase, or belong to the schedule level.
// Any other npu op must implement BackendOpInterface, so that adding an op
// without its backend model (its unit, legality, tiles and emission) fails
// here rather than as "not supported by the code generator" on a model.
const std::set<std::string> kNotCompiled = {
    "npu.batch_norm", // folded into convolutions or an affine mul/add

    "npu.layer", // the schedule level's grouping, inlined before emission
    "npu.yield", // npu.layer's terminator
};

TEST(BackendInterface, EveryNpuOpHasABackendModel) {
  mlir::DialectRegistry registry;
  npu::registerAllDialects(registry);
  mlir::MLIRContext context(registry);
  context.loadAllAvailableDialects();
  int npuOps = 0;
  for (mlir::RegisteredOperationName name : context.getRegisteredOperations()) {
    if (name.getDialectNamespace() != "npu")
      continue;
    ++npuOps;
    std::string op = name.getStringRef().str();
    bool hasModel = name.hasInterface<npu::BackendOpInterface>();
    if (kNotCompiled.count(op))
      EXPECT_FALSE(hasModel) << op << " is listed as never compiled";
    else
      EXPECT_TRUE(hasModel) << op << " has no BackendOpInterface model";
  }
  EXPECT_GT(npuOps, 60);
}

} // namespace
