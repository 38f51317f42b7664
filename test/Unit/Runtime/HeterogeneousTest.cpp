//===- HeterogeneousTest.cpp - host segments beside the NPU's ------------===//
//
// The executable's segments (NPU instruction ranges and host ops), their
// verification by the loader, and the two-device timeline: independent NPU
// and host segments overlap, dependent ones wait (SegmentTimeline), with the
// host's cost model (HostDesc) converted to NPU cycles.
//
//===----------------------------------------------------------------------===//

#include "npu/runtime/Descriptors.h"
#include "npu/runtime/Emulator.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace npu::rt;
namespace bin = npu::bin;

namespace {

const TargetDesc &v1() { return *lookupTarget("npu-v1"); }

HostOpSpec::Operand f32(std::vector<int64_t> shape, uint64_t dram) {
  HostOpSpec::Operand o;
  o.type = bin::ElementType::F32;
  o.shape = std::move(shape);
  o.dramOffset = dram;
  return o;
}

/// An INT64 operand, of data-dependent shape (its bound) unless `dynamic`
/// is false.
HostOpSpec::Operand i64(std::vector<int64_t> shape, uint64_t dram,
                        bool dynamic = true) {
  HostOpSpec::Operand o = f32(std::move(shape), dram);
  o.type = bin::ElementType::I64;
  o.dynamicShape = dynamic;
  return o;
}

/// The layers, DMA descriptor and tensors the programs below share.
struct Skeleton {
  uint16_t copy, neg, d;
};

/// DRAM: x at 0, y at 64, a at 128, b at 192 (4x4 FP32 each); layers
/// "copy" (Identity) and "neg" (`opType`); one 4x4 FP32 DMA descriptor.
Skeleton addSkeleton(ProgramBuilder &b, const char *opType) {
  Skeleton s;
  s.copy = b.addLayer("copy", "Identity");
  s.neg = b.addLayer("neg", opType);
  s.d = b.addDma(makeDma2D(4, 4, 4, 16, 16));
  b.addInput({"x", {4, 4}, bin::ElementType::F32, bin::Layout::Dense, 0, 64});
  b.addInput({"a", {4, 4}, bin::ElementType::F32, bin::Layout::Dense, 128, 64});
  b.addOutput({"y", {4, 4}, bin::ElementType::F32, bin::Layout::Dense, 64, 64});
  b.addOutput(
      {"b", {4, 4}, bin::ElementType::F32, bin::Layout::Dense, 192, 64});
  b.setDramSize(256);
  return s;
}

/// addSkeleton's tensors. The NPU copies x to y (`npuCopies` times, one
/// segment); the host runs Neg on a (`hostReadsY`: on y) into b; then an
/// NPU segment copies y to y.
std::vector<uint8_t> program(bool hostReadsY, int npuCopies = 1,
                             HostOpSpec::Operand *outOverride = nullptr,
                             const char *opType = "Neg") {
  ProgramBuilder b(v1());
  auto [copy, neg, d] = addSkeleton(b, opType);
  for (int i = 0; i < npuCopies; ++i) {
    b.emit(withDeps(makeDmaLoad(d, 0, 0, copy), false, false, false, true));
    b.emit(withDeps(makeSync(Queue::Compute), true, false, false, true));
    b.emit(withDeps(makeDmaStore(d, 0, 64, copy), true, false, false, false));
  }
  HostOpSpec op;
  op.node.opType = opType;
  op.layer = neg;
  op.inputs = {f32({4, 4}, hostReadsY ? 64 : 128)};
  op.outputs = {outOverride ? *outOverride : f32({4, 4}, 192)};
  b.addHostOp(op);
  b.emit(withDeps(makeDmaLoad(d, 0, 64, copy), false, false, false, true));
  b.emit(withDeps(makeSync(Queue::Compute), true, false, false, true));
  b.emit(withDeps(makeDmaStore(d, 0, 64, copy), true, false, false, false));
  return b.finish();
}

struct Outcome {
  RunStats stats;
  std::vector<float> b;
};

Outcome run(const std::vector<uint8_t> &bytes) {
  std::string error;
  auto exe = Executable::load(bytes, &v1(), error);
  EXPECT_TRUE(exe) << error;
  if (!exe)
    return {};
  Emulator emu(*exe);
  float x[16], a[16];
  for (int i = 0; i < 16; ++i) {
    x[i] = float(i);
    a[i] = float(i) - 8.5f;
  }
  EXPECT_TRUE(emu.setInput(0, x, sizeof(x), error)) << error;
  EXPECT_TRUE(emu.setInput(1, a, sizeof(a), error)) << error;
  EXPECT_TRUE(emu.run(error)) << error;
  Outcome r{emu.stats(), std::vector<float>(16)};
  std::memcpy(r.b.data(), emu.output(1), 64);
  return r;
}

// Tests the segment table a program with a host op gets, and objdump's data.
TEST(Heterogeneous, SegmentsSplitTheStreamAroundHostOps) {
  std::string error;
  auto exe = Executable::load(program(false), &v1(), error);
  ASSERT_TRUE(exe) << error;
  ASSERT_EQ(exe->segments().size(), 3u);
  EXPECT_FALSE(exe->segments()[0].isHost());
  EXPECT_EQ(exe->segments()[0].count, 3u);
  EXPECT_TRUE(exe->segments()[1].isHost());
  EXPECT_EQ(exe->segments()[2].first, 3u);
  EXPECT_EQ(exe->segments()[2].count, 4u); // + `end`
  EXPECT_TRUE(exe->layers()[1].host);
  EXPECT_FALSE(exe->layers()[0].host);
  // DRAM footprints: the first NPU segment reads x and writes y.
  ASSERT_EQ(exe->segments()[0].reads.size(), 1u);
  EXPECT_EQ(exe->segments()[0].reads[0].begin, 0u);
  EXPECT_EQ(exe->segments()[0].reads[0].end, 64u);
  EXPECT_EQ(exe->segments()[0].writes[0].begin, 64u);
  EXPECT_EQ(exe->segments()[1].reads[0].begin, 128u);
  EXPECT_EQ(exe->segments()[1].writes[0].begin, 192u);
}

// Tests the host's result and cost: Neg of 16 FP32 values; 10,000 host
// cycles of call overhead dominate, 10,000 * 1 GHz / 1.8 GHz NPU cycles.
TEST(Heterogeneous, HostOpComputesAndIsCosted) {
  Outcome r = run(program(false));
  for (int i = 0; i < 16; ++i)
    EXPECT_EQ(r.b[i], -(float(i) - 8.5f));
  EXPECT_EQ(r.stats.hostOps, 1u);
  uint64_t instructions = 0;
  HostWork work;
  work.vectorOps = 16;
  work.laneBytes = 4;
  EXPECT_EQ(hostOpCycles(v1(), work, 128, instructions, true), 10'000u + 32u);
  // Back to back with another host op: no call overhead.
  EXPECT_EQ(hostOpCycles(v1(), work, 128, instructions, false), 32u);
  EXPECT_EQ(instructions, 4u); // 16 lanes at 4 per 128-bit instruction
  EXPECT_EQ(hostToNpuCycles(v1(), 10'032), 5'574u); // ceil(10032 / 1.8)
  EXPECT_EQ(r.stats.unitBusy[unsigned(Unit::Host)], 5'574u);
  EXPECT_DOUBLE_EQ(r.stats.hostEnergyPj, 4 * 70.0 + 128 * 160.0);
}

// Tests the overlap: a host op independent of the NPU segment before it
// runs beside it; one that reads that segment's output waits for it. The
// NPU segment after the host op copies y onto itself, so it waits for
// every segment that reads or writes y.
TEST(Heterogeneous, IndependentSegmentsOverlapDependentOnesWait) {
  // Long NPU work (many copies of x to y) against a short host op.
  Outcome independent = run(program(false, 40));
  Outcome dependent = run(program(true, 40));
  uint64_t host = independent.stats.unitBusy[unsigned(Unit::Host)];
  uint64_t npuFirst = 0;
  {
    std::string error;
    auto exe = Executable::load(program(false, 40), &v1(), error);
    ASSERT_TRUE(exe);
    StaticSchedule s;
    ASSERT_TRUE(scheduleStatically(*exe, s, error)) << error;
    npuFirst = s.layers[0].end; // copies end before the last segment's
    EXPECT_EQ(s.cycles, independent.stats.cycles);
    // Every layer's span, the host op's too, as the emulator measured it.
    ASSERT_EQ(s.layers.size(), independent.stats.layers.size());
    for (size_t i = 0; i < s.layers.size(); ++i) {
      EXPECT_EQ(s.layers[i].start, independent.stats.layers[i].start) << i;
      EXPECT_EQ(s.layers[i].end, independent.stats.layers[i].end) << i;
    }
  }
  // Independent: the host op (5,574 cycles) starts at 0, beside the copies.
  // Dependent: it starts after them. Either way the last NPU segment runs
  // after both (it rewrites y, which the dependent host op reads).
  EXPECT_LT(independent.stats.cycles, dependent.stats.cycles);
  EXPECT_GE(dependent.stats.cycles, host + npuFirst / 2);
  // Functionally a serial execution: the dependent host op negated y = x.
  for (int i = 0; i < 16; ++i) {
    EXPECT_EQ(independent.b[i], -(float(i) - 8.5f));
    EXPECT_EQ(dependent.b[i], -float(i));
  }
}

// Tests the loader's checks of host ops.
TEST(Heterogeneous, LoaderRefusesBadHostOps) {
  std::string error;
  auto load = [&](const std::vector<uint8_t> &bytes) {
    error.clear();
    return Executable::load(bytes, &v1(), error) != nullptr;
  };
  HostOpSpec::Operand overlapping = f32({4, 4}, 160); // over a at 128..192
  EXPECT_FALSE(load(program(false, 1, &overlapping)));
  EXPECT_EQ(error, "host op 0 (Neg): output 0 overlaps input 0");
  HostOpSpec::Operand outside = f32({4, 4}, 224);
  EXPECT_FALSE(load(program(false, 1, &outside)));
  EXPECT_EQ(error, "host op 0 (Neg) output 0 lies outside DRAM");
  HostOpSpec::Operand wrongShape = f32({4, 2}, 192);
  EXPECT_FALSE(load(program(false, 1, &wrongShape)));
  EXPECT_NE(error.find("host op 0 (Neg): "), std::string::npos) << error;
  EXPECT_FALSE(load(program(false, 1, nullptr, "Frobnicate")));
  EXPECT_EQ(error, "host op 0 (Frobnicate): the runtime has no host kernel "
                   "for it");
}

// Tests that local DMAs (ISA v9) are not DRAM traffic for the segment
// table: their Dram field is a scratchpad address. Here they name 192, where
// the host op writes b, yet the NPU segment's footprint is x alone and the
// host op runs beside it, from cycle 0, in the static schedule and the run.
TEST(Heterogeneous, LocalDmasTouchNoDramInTheSegmentTable) {
  ProgramBuilder b(v1());
  auto [copy, neg, d] = addSkeleton(b, "Neg");
  b.emit(makeDmaLoad(d, 0, 0, copy));
  b.emit(withDeps(makeDmaLoad(d, 512, 192, copy, /*local=*/true), false, false,
                  false, true));
  b.emit(withDeps(makeSync(Queue::Compute), true, false, false, true));
  b.emit(withDeps(makeDmaStore(d, 0, 192, copy, /*local=*/true), true, false,
                  false, false));
  HostOpSpec op;
  op.node.opType = "Neg";
  op.layer = neg;
  op.inputs = {f32({4, 4}, 128)};
  op.outputs = {f32({4, 4}, 192)};
  b.addHostOp(op);
  std::vector<uint8_t> bytes = b.finish();

  std::string error;
  auto exe = Executable::load(bytes, &v1(), error);
  ASSERT_TRUE(exe) << error;
  ASSERT_EQ(exe->segments().size(), 3u);
  const SegmentSpec &npu = exe->segments()[0];
  ASSERT_EQ(npu.reads.size(), 1u);
  EXPECT_EQ(npu.reads[0].begin, 0u);
  EXPECT_EQ(npu.reads[0].end, 64u);
  EXPECT_TRUE(npu.writes.empty());
  StaticSchedule s;
  ASSERT_TRUE(scheduleStatically(*exe, s, error)) << error;
  EXPECT_EQ(s.layers[neg].start, 0u);
  Outcome r = run(bytes);
  EXPECT_EQ(r.stats.cycles, s.cycles);
  EXPECT_EQ(r.stats.localDmaBytes, 128u);
  EXPECT_EQ(r.stats.dramReadBytes, 64u);
  EXPECT_EQ(r.stats.dramWriteBytes, 0u);
  for (int i = 0; i < 16; ++i)
    EXPECT_EQ(r.b[i], -(float(i) - 8.5f));
}

// Tests the DRAM scoreboard directly: reads after writes wait, reads after
// reads do not, writes wait for earlier reads.
TEST(Heterogeneous, SegmentTimelineOrdersConflictsOnly) {
  auto seg = [](bool host, std::vector<DramRange> reads,
                std::vector<DramRange> writes) {
    SegmentSpec s;
    s.hostOp = host ? 0 : -1;
    s.reads = std::move(reads);
    s.writes = std::move(writes);
    return s;
  };
  SegmentTimeline t;
  SegmentSpec w = seg(false, {}, {{0, 100}});
  EXPECT_EQ(t.earliestStart(w), 0u);
  t.finish(w, 50);
  SegmentSpec readOther = seg(true, {{100, 200}}, {{300, 400}});
  EXPECT_EQ(t.earliestStart(readOther), 0u); // disjoint: overlaps
  t.finish(readOther, 30);
  SegmentSpec readW = seg(true, {{90, 110}}, {{500, 600}});
  EXPECT_EQ(t.earliestStart(readW), 50u); // reads what w wrote; host free at 30
  t.finish(readW, 80);
  SegmentSpec overwrite = seg(false, {}, {{150, 160}});
  EXPECT_EQ(t.earliestStart(overwrite), 50u); // waits for readOther (30) and
                                              // the NPU itself (50)
  t.finish(overwrite, 60);
  SegmentSpec rewriteRead = seg(false, {}, {{95, 96}});
  EXPECT_EQ(t.earliestStart(rewriteRead), 80u); // readW read it until 80
  EXPECT_EQ(t.makespan(), 80u);
}

} // namespace

namespace {

/// x (2x3 FP32) at 0 -> NonZero -> nz (bound 2x6 INT64) at 64 -> Transpose
/// -> t (bound 6x2) at 192, a graph output; both of data-dependent shape.
/// `markInput` and `markOutput` mark the Transpose's operands so;
/// `makerFirst` false puts the NonZero after the Transpose.
std::vector<uint8_t> dynamicChain(bool markInput, bool markOutput,
                                  bool makerFirst = true) {
  ProgramBuilder b(v1());
  uint16_t nzLayer = b.addLayer("nz", "NonZero");
  uint16_t tLayer = b.addLayer("t", "Transpose");
  b.addInput({"x", {2, 3}, bin::ElementType::F32, bin::Layout::Dense, 0, 24});
  TensorSpec out{"t", {6, 2}, bin::ElementType::I64, bin::Layout::Dense,
                 192, 96};
  out.dynamicShape = true;
  b.addOutput(out);
  b.setDramSize(320);
  HostOpSpec nz, t;
  nz.node.opType = "NonZero";
  nz.layer = nzLayer;
  nz.inputs = {f32({2, 3}, 0)};
  nz.outputs = {i64({2, 6}, 64, true)};
  t.node.opType = "Transpose";
  t.layer = tLayer;
  t.inputs = {i64({2, 6}, 64, markInput)};
  t.outputs = {i64({6, 2}, 192, markOutput)};
  if (makerFirst) {
    b.addHostOp(nz);
    b.addHostOp(t);
  } else {
    b.addHostOp(t);
    b.addHostOp(nz);
  }
  return b.finish();
}

} // namespace

// Tests a value of data-dependent shape read by another host op: the
// Transpose runs on NonZero's actual [2, 4] result and the output has the
// shape [4, 2] the run inferred.
TEST(Heterogeneous, DataDependentShapesFlowThroughHostOps) {
  std::string error;
  auto exe = Executable::load(dynamicChain(true, true), &v1(), error);
  ASSERT_TRUE(exe) << error;
  Emulator emu(*exe);
  float x[6] = {0, 2, 0, -1, 3, 4}; // non-zeros at (0,1) (1,0) (1,1) (1,2)
  ASSERT_TRUE(emu.setInput(0, x, sizeof(x), error)) << error;
  ASSERT_TRUE(emu.run(error)) << error;
  EXPECT_EQ(emu.outputShape(0), (std::vector<int64_t>{4, 2}));
  int64_t t[8];
  std::memcpy(t, emu.output(0), sizeof(t));
  EXPECT_EQ(std::vector<int64_t>(t, t + 8),
            (std::vector<int64_t>{0, 1, 1, 0, 1, 1, 1, 2}));
}

// Tests the loader's rules for them: a reader's outputs are marked, and a
// marked input is made by an earlier host op.
TEST(Heterogeneous, LoaderRefusesUnmadeDataDependentInputs) {
  std::string error;
  EXPECT_FALSE(Executable::load(dynamicChain(true, false), &v1(), error));
  EXPECT_EQ(error, "host op 'Transpose' reads a value of data-dependent "
                   "shape, but does not mark its outputs so");
  EXPECT_FALSE(Executable::load(dynamicChain(true, true, false), &v1(), error));
  EXPECT_EQ(error, "host op 'Transpose' input 0 has a data-dependent shape "
                   "but no earlier host op makes it");
  EXPECT_FALSE(Executable::load(dynamicChain(false, true), &v1(), error));
  EXPECT_EQ(error, "host op 'Transpose' marks an output of data-dependent "
                   "shape, but its shapes do not depend on data");
}

// Tests a hostile file that makes two values of data-dependent shape at one
// offset: NonZero of a 2x3 input (bound [2,6]) then NonZero of a 4x64 one
// (bound [2,256]) both at 64, then a Transpose marked as reading the first.
// The loader accepts it (the first op makes what the reader names); the
// run refuses to give the reader the second op's [2,k] shape, which would
// read past its 96-byte buffer.
TEST(Heterogeneous, ReaderNeverTakesAShapeLargerThanItsBuffer) {
  ProgramBuilder b(v1());
  uint16_t l0 = b.addLayer("a", "NonZero"), l1 = b.addLayer("b", "NonZero"),
           l2 = b.addLayer("t", "Transpose");
  b.addInput({"x", {2, 3}, bin::ElementType::F32, bin::Layout::Dense, 0, 24});
  b.addInput(
      {"y", {4, 64}, bin::ElementType::F32, bin::Layout::Dense, 8192, 1024});
  TensorSpec out{"t",  {6, 2}, bin::ElementType::I64, bin::Layout::Dense,
                 4352, 96};
  out.dynamicShape = true;
  b.addOutput(out);
  b.setDramSize(16384);
  HostOpSpec a, c, t;
  a.node.opType = c.node.opType = "NonZero";
  t.node.opType = "Transpose";
  a.layer = l0, c.layer = l1, t.layer = l2;
  a.inputs = {f32({2, 3}, 0)};
  a.outputs = {i64({2, 6}, 64)};
  c.inputs = {f32({4, 64}, 8192)};
  c.outputs = {i64({2, 256}, 64)};
  t.inputs = {i64({2, 6}, 64)};
  t.outputs = {i64({6, 2}, 4352)};
  b.addHostOp(a);
  b.addHostOp(c);
  b.addHostOp(t);
  std::string error;
  auto exe = Executable::load(b.finish(), &v1(), error);
  ASSERT_TRUE(exe) << error;
  Emulator emu(*exe);
  std::vector<float> x(6, 1.0f), y(256, 1.0f); // 256 non-zeros in y
  ASSERT_TRUE(emu.setInput(0, x.data(), 24, error)) << error;
  ASSERT_TRUE(emu.setInput(1, y.data(), 1024, error)) << error;
  EXPECT_FALSE(emu.run(error));
  EXPECT_NE(error.find("input 0 has a data-dependent shape that no earlier "
                       "host op produced with its type within its bound"),
            std::string::npos)
      << error;
}
