//===- MemoryPlanTest.cpp - the DRAM planner's invariants ---------------===//
//
// npu-plan-memory on random graphs of elementwise ops (fused into groups by
// npu-assign-tiles): no two values alive at the same time share a DRAM
// byte, the arena does not overlap the output, it is never below its
// liveness lower bound, and dead values' bytes are reused. A fusion group
// runs as one program, so its values live across the whole group and
// values used only inside it get no DRAM.
//
//===----------------------------------------------------------------------===//

#include "npu/Conversion/Passes.h"
#include "npu/Dialect/Npu/IR/NpuOps.h"
#include "npu/InitAllDialects.h"
#include "npu/Pipelines/Pipelines.h"
#include "npu/Target/Npubin/NpubinEmitter.h"
#include "npu/runtime/Emulator.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
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
  size_t keptOnChip = 0;
  for (unsigned seed = 1; seed <= 25; ++seed) {
    std::string source = randomGraph(seed, 24);
    OwningOpRef<ModuleOp> module =
        parseSourceString<ModuleOp>(source, &context);
    ASSERT_TRUE(module) << source;
    PassManager pm(&context);
    pm.addPass(npu::createNpuAssignTiles());
    pm.addPass(npu::createNpuPlanMemory());
    ASSERT_TRUE(succeeded(pm.run(*module))) << source;
    auto func = module->lookupSymbol<func::FuncOp>("main");
    Block &body = func.getBody().front();

    // Lifetimes by op index, as the planner defines them.
    struct Placed {
      int64_t offset, bytes, first, last;
      Operation *op = nullptr;
    };
    std::vector<Placed> arena, onChip;
    llvm::DenseMap<Operation *, int64_t> index;
    llvm::DenseMap<int64_t, int64_t> firstOf, lastOf;
    for (auto [i, op] : llvm::enumerate(body)) {
      index[&op] = int64_t(i);
      if (auto g = op.getAttrOfType<IntegerAttr>("npu.fusion_group")) {
        firstOf.try_emplace(g.getInt(), int64_t(i));
        lastOf[g.getInt()] = int64_t(i);
      }
    }
    auto groupId = [](Operation *op) -> int64_t {
      auto g = op->getAttrOfType<IntegerAttr>("npu.fusion_group");
      return g ? g.getInt() : -1;
    };
    auto defTime = [&](Operation *op) {
      return groupId(op) < 0 ? index[op] : firstOf[groupId(op)];
    };
    auto useTime = [&](Operation *op) {
      return groupId(op) < 0 ? index[op] : lastOf[groupId(op)];
    };
    auto out = func.getResultAttrOfType<IntegerAttr>(0, "npu.dram");
    ASSERT_TRUE(out);
    Operation *ret = body.getTerminator();
    Value result = ret->getOperand(0);
    for (Operation &op : body) {
      if (&op == ret || op.getResult(0) == result || op.use_empty())
        continue; // the output, or dead (never computed)
      bool internal =
          groupId(&op) >= 0 &&
          llvm::all_of(op.getResult(0).getUsers(), [&](Operation *user) {
            return groupId(user) == groupId(&op);
          });
      if (internal) {
        EXPECT_FALSE(op.hasAttr("npu.dram")) << "a fused-away value in DRAM";
        continue;
      }
      int64_t last = defTime(&op);
      for (Operation *user : op.getResult(0).getUsers())
        last = std::max(last, useTime(user));
      int64_t bytes =
          cast<RankedTensorType>(op.getResult(0).getType()).getNumElements() *
          4;
      // A value kept on chip has a scratchpad offset and no DRAM.
      if (auto chip = op.getAttrOfType<IntegerAttr>("npu.on_chip")) {
        EXPECT_FALSE(op.hasAttr("npu.dram")) << "on chip and in DRAM";
        onChip.push_back({chip.getInt(), bytes, defTime(&op), last});
        continue;
      }
      auto at = op.getAttrOfType<IntegerAttr>("npu.dram");
      ASSERT_TRUE(at) << "no address for an intermediate (seed " << seed << ")";
      arena.push_back({at.getInt(), bytes, defTime(&op), last, &op});
    }
    // Values kept on chip: inside npu-v1's 512 KiB scratchpad, aligned, and
    // never two alive at once on the same bytes.
    for (const Placed &p : onChip) {
      EXPECT_EQ(p.offset % 64, 0);
      EXPECT_LE(p.offset + p.bytes, 512 * 1024);
    }
    for (size_t i = 0; i < onChip.size(); ++i)
      for (size_t j = i + 1; j < onChip.size(); ++j) {
        const Placed &a = onChip[i], &b = onChip[j];
        bool time = a.first <= b.last && b.first <= a.last;
        bool space =
            a.offset < b.offset + b.bytes && b.offset < a.offset + a.bytes;
        EXPECT_FALSE(time && space) << "values kept on chip " << i << " and "
                                    << j << " overlap (seed " << seed << ")";
      }
    keptOnChip += onChip.size();
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
        // A concat computed in place (Codegen::concatInPlace): each input
        // is its slice of the concat's buffer.
        auto sliceOf = [](const Placed &in, const Placed &cat) {
          return isa<npu::ConcatOp>(cat.op) &&
                 llvm::is_contained(cat.op->getOperands(),
                                    in.op->getResult(0)) &&
                 cat.offset <= in.offset &&
                 in.offset + in.bytes <= cat.offset + cat.bytes;
        };
        if (sliceOf(a, b) || sliceOf(b, a))
          continue;
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
  EXPECT_GT(keptOnChip, 0u) << "no graph kept a value on chip";
}

/// Evaluates a randomGraph module on the host: sigmoid, add, slice (a
/// prefix) and concat, in FP32 as the vector unit does.
std::vector<float> hostEvaluate(ModuleOp module, const std::vector<float> &x) {
  auto func = module.lookupSymbol<func::FuncOp>("main");
  std::map<void *, std::vector<float>> env;
  env[func.getArgument(0).getAsOpaquePointer()] = x;
  auto get = [&](Value v) { return env.at(v.getAsOpaquePointer()); };
  for (Operation &op : func.getBody().front()) {
    if (isa<func::ReturnOp>(op))
      return get(op.getOperand(0));
    int64_t n =
        cast<RankedTensorType>(op.getResult(0).getType()).getNumElements();
    std::vector<float> out;
    if (isa<npu::SigmoidOp>(op)) {
      for (float v : get(op.getOperand(0)))
        out.push_back(1.0f / (1.0f + std::exp(-v)));
    } else if (isa<npu::AddOp>(op)) {
      std::vector<float> a = get(op.getOperand(0)), b = get(op.getOperand(1));
      for (size_t i = 0; i < a.size(); ++i)
        out.push_back(a[i] + b[i]);
    } else if (isa<npu::SliceOp>(op)) {
      std::vector<float> a = get(op.getOperand(0));
      out.assign(a.begin(), a.begin() + n);
    } else if (isa<npu::ConcatOp>(op)) {
      for (Value v : op.getOperands()) {
        std::vector<float> a = get(v);
        out.insert(out.end(), a.begin(), a.end());
      }
    }
    env[op.getResult(0).getAsOpaquePointer()] = out;
  }
  return {};
}

// The same random graphs compiled (fused, planned, tiled) and emulated give
// what their ops compute, on both a large and a small scratchpad.
TEST(MemoryPlan, FusedGraphsComputeWhatTheirOpsDo) {
  DialectRegistry registry;
  npu::registerAllDialects(registry);
  MLIRContext context(registry);
  std::vector<float> x(1024);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = std::sin(0.37f * float(i));
  for (const char *target : {"npu-v1", "npu-v1-small"})
    for (unsigned seed = 1; seed <= 12; ++seed) {
      std::string source = randomGraph(seed, 16);
      OwningOpRef<ModuleOp> reference =
          parseSourceString<ModuleOp>(source, &context);
      ASSERT_TRUE(reference);
      std::vector<float> expected = hostEvaluate(*reference, x);
      OwningOpRef<ModuleOp> module =
          parseSourceString<ModuleOp>(source, &context);
      PassManager pm(&context);
      npu::buildPipelineToPhase(pm, npu::CompilePhase::Isa, target,
                                npu::CompilePhase::Optimized);
      ASSERT_TRUE(succeeded(pm.run(*module))) << source;
      std::vector<uint8_t> bytes;
      ASSERT_TRUE(succeeded(npu::emitNpubin(
          *module->getOps<npu::npuisa::ProgramOp>().begin(), bytes)));
      std::string error;
      auto exe = npu::rt::Executable::load(bytes, npu::rt::lookupTarget(target),
                                           error);
      ASSERT_TRUE(exe) << error;
      npu::rt::Emulator emu(*exe);
      ASSERT_TRUE(emu.prepare(error) &&
                  emu.setInput(0, x.data(), x.size() * 4, error) &&
                  emu.run(error))
          << error;
      const float *got = reinterpret_cast<const float *>(emu.output(0));
      for (size_t i = 0; i < expected.size(); ++i)
        ASSERT_NEAR(got[i], expected[i], 1e-5f * (1 + std::fabs(expected[i])))
            << "element " << i << ", seed " << seed << ", " << target;
    }
}

} // namespace
