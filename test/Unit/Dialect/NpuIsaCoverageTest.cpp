//===- NpuIsaCoverageTest.cpp - npu_isa covers every instruction ---------===//

#include "npu/Dialect/NpuIsa/IR/NpuIsaDialect.h"
#include "npu/runtime/Isa.h"

#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <string>

namespace {

// Tests that every instruction of Isa.def but `end` (implicit at the end of a
// program) has an npu_isa op named after its mnemonic ('.' becomes '_'), so
// the dialect and the ISA cannot drift apart.
TEST(NpuIsa, EveryInstructionHasAnOp) {
  mlir::MLIRContext context;
  context.loadDialect<npu::npuisa::NpuIsaDialect>();
  const char *mnemonics[] = {
#define NPU_INSN(Name, Code, Queue, Mnemonic) Mnemonic,
#include "npu/runtime/Isa.def"
  };
  for (std::string m : mnemonics) {
    if (m == "end")
      continue;
    for (char &c : m)
      if (c == '.')
        c = '_';
    EXPECT_TRUE(context.isOperationRegistered("npu_isa." + m)) << m;
  }
}

} // namespace
