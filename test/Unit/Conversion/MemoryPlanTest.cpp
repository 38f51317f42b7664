//===- MemoryPlanTest.cpp - the DRAM planner's invariants ---------------===//
//
// npu-plan-memory on random graphs of elementwise ops: no two values alive
// at the same time share a DRAM byte, nothing overlaps the inputs, outputs
// or constants, the arena is never below its liveness lower bound, and the
// recorded plan is what npu-convert-to-isa then follows.
//
//===----------------------------------------------------------------------===//

#include "npu/Conversion/Passes.h"
#include "npu/InitAllDialects.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <gtest/gtest.h>

#include <random>
#include <sstream>

using namespace mlir;

namespace {

/// A random DAG: op i is a sigmoid of, or an add of two, values chosen
/// among the input and the earlier results, or resizes one (a slice down, a
/// concat of copies up), so value sizes vary and greedy-by-size has
/// something to order. Returns the module text.
std::string randomGraph(unsigned seed, int ops) {
  std::mt19937 rng(seed);
  const int64_t sizes[] = {256, 1024, 4096};
  auto type = [](int64_t n) { return "tensor<" + std::to_string(n) + "xf32>"; };
  std::vector<std::pair<std::string, int64_t>> values = {{"%x", 1024}};
  std::ostringstream body;
  for (int i = 0; i < ops; ++i) {
    std::string name = "%v" + std::to_string(i);
    auto [src, n] = values[rng() % values.size()];
    auto [other, m] = values[rng() % values.size()];
    int64_t size = sizes[rng() % 3];
    if (rng() % 3 == 0 && size != n) {
      if (size < n) {
        body << "  " << name << " = npu.slice " << src
             << " {offsets = array<i64: 0>, strides = array<i64: 1>} : "
             << type(n) << " -> " << type(size) << "\n";
      } else {
        std::string operands = src, types = type(n);
        for (int64_t k = n; k < size; k += n) {
          operands += ", " + src;
          types += ", " + type(n);
        }
        body << "  " << name << " = npu.concat " << operands
             << " {axis = 0 : i64} : (" << types << ") -> " << type(size)
             << "\n";
      }
      values.push_back({name, size});
    } else if (m == n && rng() % 2) {
      body << "  " << name << " = npu.add " << src << ", " << other << " : ("
           << type(n) << ", " << type(n) << ") -> " << type(n) << "\n";
      values.push_back({name, n});
    } else {
      body << "  " << name << " = npu.sigmoid " << src << " : " << type(n)
           << " -> " << type(n) << "\n";
      values.push_back({name, n});
    }
  }
  auto [last, lastSize] = values.back();
  std::ostringstream os;
  os << "func.func @main(%x: tensor<1024xf32> {npu.name = \"x\"}) -> ("
     << type(lastSize) << " {npu.name = \"y\"}) {\n"
     << body.str() << "  return " << last << " : " << type(lastSize) << "\n}\n";
  return os.str();
}

TEST(MemoryPlan, NoLiveValuesOverlapAndTheArenaIsBounded) {
  DialectRegistry registry;
  npu::registerAllDialects(registry);
  MLIRContext context(registry);
  bool reused = false;
  for (unsigned seed = 1; seed <= 25; ++seed) {
    std::string source = randomGraph(seed, 24);
    OwningOpRef<ModuleOp> module =
        parseSourceString<ModuleOp>(source, &context);
    ASSERT_TRUE(module) << source;
    PassManager pm(&context);
    pm.addPass(npu::createNpuPlanMemory());
    ASSERT_TRUE(succeeded(pm.run(*module))) << source;
    auto func = module->lookupSymbol<func::FuncOp>("main");
    Block &body = func.getBody().front();

    // Lifetimes by op index, as the planner defines them.
    struct Placed {
      int64_t offset, bytes, first, last;
    };
    std::vector<Placed> arena;
    llvm::DenseMap<Operation *, int64_t> index;
    for (auto [i, op] : llvm::enumerate(body))
      index[&op] = int64_t(i);
    auto out = func.getResultAttrOfType<IntegerAttr>(0, "npu.dram");
    ASSERT_TRUE(out);
    Operation *ret = body.getTerminator();
    Value result = ret->getOperand(0);
    for (Operation &op : body) {
      if (&op == ret || op.getResult(0) == result || op.use_empty())
        continue; // the output, or dead (never computed)
      auto at = op.getAttrOfType<IntegerAttr>("npu.dram");
      ASSERT_TRUE(at) << "no address for an intermediate (seed " << seed << ")";
      int64_t last = index[&op];
      for (Operation *user : op.getResult(0).getUsers())
        last = std::max(last, index[user]);
      int64_t bytes =
          cast<RankedTensorType>(op.getResult(0).getType()).getNumElements() *
          4;
      arena.push_back({at.getInt(), bytes, index[&op], last});
    }
    int64_t arenaBase = INT64_MAX, arenaEnd = 0;
    for (const Placed &p : arena) {
      arenaBase = std::min(arenaBase, p.offset);
      arenaEnd = std::max(arenaEnd, p.offset + p.bytes);
      int64_t outBytes =
          cast<RankedTensorType>(result.getType()).getNumElements() * 4;
      EXPECT_GE(p.offset, out.getInt() + outBytes)
          << "the arena overlaps the output";
      EXPECT_EQ(p.offset % 64, 0);
    }
    for (size_t i = 0; i < arena.size(); ++i)
      for (size_t j = i + 1; j < arena.size(); ++j) {
        const Placed &a = arena[i], &b = arena[j];
        bool time = a.first <= b.last && b.first <= a.last;
        bool space =
            a.offset < b.offset + b.bytes && b.offset < a.offset + a.bytes;
        EXPECT_FALSE(time && space) << "values " << i << " and " << j
                                    << " overlap (seed " << seed << ")";
      }
    int64_t arenaBytes =
        func->getAttrOfType<IntegerAttr>("npu.arena_bytes").getInt();
    int64_t lowerBound =
        func->getAttrOfType<IntegerAttr>("npu.arena_lower_bound").getInt();
    EXPECT_GE(arenaBytes, lowerBound);
    EXPECT_LE(arenaEnd - (arena.empty() ? 0 : arenaBase), arenaBytes);
    // Greedy by size stays close to the bound on these graphs.
    EXPECT_LE(arenaBytes, 2 * lowerBound + 4096) << "seed " << seed;
    int64_t total = 0;
    for (const Placed &p : arena)
      total += (p.bytes + 63) / 64 * 64;
    reused |= arenaBytes < total;
  }
  EXPECT_TRUE(reused) << "no graph reused a dead value's bytes";
}

} // namespace
