//===- EmulatorTest.cpp - semantics and timing of every instruction kind -===//
//
// Each test builds a small program with ProgramBuilder, runs it, and compares
// memory with a plain C++ reference and cycles with the formulas of
// docs/npu-architecture.md ("Timing model").
//
//===----------------------------------------------------------------------===//

#include "npu/runtime/Emulator.h"
#include "hand-built/TiledMatmul.h"
#include "npu/runtime/Descriptors.h"
#include "npu/runtime/Timing.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <unistd.h>

using namespace npu::rt;
namespace bin = npu::bin;

namespace {

const TargetDesc &v1() { return *lookupTarget("npu-v1"); }

/// Builds, loads and runs; returns the emulator (memories and stats).
struct ProgramRun {
  std::unique_ptr<Executable> exe;
  std::unique_ptr<Emulator> emu;
  std::string error;
  bool ok = false;
};

ProgramRun runProgram(ProgramBuilder &b, RunOptions options = {},
                      const std::function<void(Emulator &)> &setup = nullptr) {
  ProgramRun r;
  r.exe = Executable::load(b.finish(), nullptr, r.error);
  if (!r.exe)
    return r;
  r.emu = std::make_unique<Emulator>(*r.exe, options);
  if (setup) {
    EXPECT_TRUE(r.emu->prepare(r.error)) << r.error;
    setup(*r.emu);
  }
  r.ok = r.emu->run(r.error);
  return r;
}

template <typename T>
void put(Memory &mem, size_t at, const std::vector<T> &v) {
  std::memcpy(mem.data() + at, v.data(), v.size() * sizeof(T));
}
template <typename T>
std::vector<T> get(const Memory &mem, size_t at, size_t n) {
  std::vector<T> v(n);
  std::memcpy(v.data(), mem.data() + at, n * sizeof(T));
  return v;
}

std::vector<int8_t> randomInt8(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(-128, 127);
  std::vector<int8_t> v(n);
  for (auto &x : v)
    x = int8_t(d(rng));
  return v;
}

//===----------------------------------------------------------------------===//
// DMA
//===----------------------------------------------------------------------===//

// Tests a 2-D load with zero padding (a convolution halo) and the store back,
// with the documented cycles: latency + one beat per started 16 bytes of each
// run, rows consecutive in DRAM making one run (rt::dmaRuns).
TEST(Emulator, DmaLoadPadsAndStoreCopiesBack) {
  ProgramBuilder b(v1());
  std::vector<uint8_t> image(3 * 5);
  for (size_t i = 0; i < image.size(); ++i)
    image[i] = uint8_t(i + 1);
  uint32_t src = b.addConstant(image.data(), image.size());
  // 3x5 image -> 5x7 scratchpad box with a one-element border of 0xEE.
  uint16_t pad =
      b.addDma(makeDmaDesc(1, {5, 3, 1, 1}, {1, 5, 0, 0}, {1, 7, 0, 0},
                           {1, 1, 0, 0}, {1, 1, 0, 0}, 0xEE));
  uint16_t back = b.addDma(makeDma2D(1, 5, 7, 7, 7));
  b.setDramSize(4096);
  b.emit(withDeps(makeDmaLoad(pad, 64, src), false, false, false, true));
  b.emit(withDeps(makeSync(Queue::Compute), true, false, false, true));
  b.emit(withDeps(makeDmaStore(back, 64, 1024), true, false, false, false));
  ProgramRun r = runProgram(b);
  ASSERT_TRUE(r.ok) << r.error;
  std::vector<uint8_t> box = get<uint8_t>(r.emu->dram(), 1024, 35);
  for (int y = 0; y < 5; ++y)
    for (int x = 0; x < 7; ++x) {
      bool border = y == 0 || y == 4 || x == 0 || x == 6;
      EXPECT_EQ(box[y * 7 + x], border ? 0xEE : image[(y - 1) * 5 + (x - 1)])
          << y << "," << x;
    }
  const RunStats &s = r.emu->stats();
  EXPECT_EQ(s.dramReadBytes, 15u);
  EXPECT_EQ(s.dramWriteBytes, 35u);
  EXPECT_EQ(s.sramWriteBytes, 35u);
  // Load: 64 + one run of 3 x 5 bytes (DRAM row stride 5); store: 64 + one
  // run of 5 x 7 bytes (three beats).
  EXPECT_EQ(s.unitBusy[unsigned(Unit::DmaLoad)], 64u + 1u);
  EXPECT_EQ(s.unitBusy[unsigned(Unit::DmaStore)], 64u + 3u);
  EXPECT_EQ(s.cycles, 65u + 67u);
  EXPECT_EQ(s.peakSramBytes, 64u + 35u);
}

// Tests that an out-of-bounds DMA stops the run with the pc and the reason.
TEST(Emulator, OutOfBoundsDmaIsCaught) {
  ProgramBuilder b(v1());
  uint16_t d = b.addDma(makeDma2D(1, 4, 16, 16, 16));
  b.setDramSize(64);
  b.emit(makeDmaLoad(d, 0, 32)); // reads [32, 96) of a 64-byte DRAM
  ProgramRun r = runProgram(b);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "pc 0 (dma.load desc=0 sram=0x000000 dram=0x000020): "
                     "dma.load reads DRAM [32, 96) outside the 64-byte DRAM");
  ProgramBuilder b2(v1());
  uint16_t d2 = b2.addDma(makeDma2D(1, 1, 16, 16, 16));
  b2.setDramSize(64);
  b2.emit(makeDmaLoad(d2, v1().scratchpadBytes - 8, 0));
  ProgramRun r2 = runProgram(b2);
  EXPECT_FALSE(r2.ok);
  EXPECT_NE(r2.error.find("outside the 524288-byte scratchpad"),
            std::string::npos)
      << r2.error;
}

//===----------------------------------------------------------------------===//
// Local DMA (ISA v9): copies inside the scratchpad
//===----------------------------------------------------------------------===//

// Tests a local dma.load: an FP32 matrix loaded from DRAM, then a strided,
// padded box of it (every other element of every other row) copied to
// another scratchpad address and stored back to DRAM, bit for bit. The local
// load touches no DRAM: the DRAM counters hold the two DRAM transfers only,
// its bytes are scratchpad reads and writes (and their energy), and its
// cycles are the local latency plus one port beat per run.
TEST(Emulator, LocalDmaLoadCopiesInsideTheScratchpad) {
  const TargetDesc &t = v1();
  std::vector<uint32_t> in(4 * 8); // 4 rows of 8 elements
  for (size_t i = 0; i < in.size(); ++i)
    in[i] = 0x9E3779B9u * uint32_t(i + 1); // NaN patterns among them
  ProgramBuilder b(t);
  uint16_t layer = b.addLayer("keep", "Identity");
  uint32_t at = b.addConstant(in.data(), in.size() * 4);
  uint16_t dense = b.addDma(makeDma2D(4, 4, 8, 32, 32));
  // Elements 0, 2, 4 of rows 0 and 2, into a 5 x 3 box with a border.
  uint16_t local =
      b.addDma(makeDmaDesc(4, {3, 2, 1, 1}, {8, 64, 0, 0}, {4, 20, 0, 0},
                           {1, 1, 0, 0}, {1, 0, 0, 0}, 0xDEADBEEFu));
  uint16_t back = b.addDma(makeDma2D(4, 3, 5, 20, 20));
  b.setDramSize(4096);
  b.emit(makeDmaLoad(dense, 0, at, layer));
  b.emit(withDeps(makeDmaLoad(local, 1024, 0, layer, /*local=*/true), false,
                  false, false, true));
  b.emit(withDeps(makeSync(Queue::Compute), true, false, false, true));
  b.emit(withDeps(makeDmaStore(back, 1024, 2048, layer), true, false, false,
                  false));
  ProgramRun r = runProgram(b);
  ASSERT_TRUE(r.ok) << r.error;
  std::vector<uint32_t> got = get<uint32_t>(r.emu->dram(), 2048, 15);
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 5; ++x) {
      bool pad = y == 0 || x == 0 || x == 4;
      EXPECT_EQ(got[y * 5 + x],
                pad ? 0xDEADBEEFu : in[(y - 1) * 2 * 8 + (x - 1) * 2])
          << y << "," << x;
    }
  const RunStats &s = r.emu->stats();
  EXPECT_EQ(s.dramReadBytes, 128u); // the dense load only
  EXPECT_EQ(s.dramWriteBytes, 60u); // the store only
  EXPECT_EQ(s.localDmaBytes, 24u);  // six elements
  EXPECT_EQ(s.sramReadBytes, 24u + 60u);
  EXPECT_EQ(s.sramWriteBytes, 128u + 60u); // the local box with its border
  EXPECT_EQ(s.peakSramBytes, 1024u + 60u);
  EXPECT_EQ(s.layers[0].localBytes, 24u);
  EXPECT_EQ(s.layers[0].dramBytes, 128u + 60u);
  EXPECT_EQ(s.layers[0].weightBytes, 128u);
  // Far-side stride 8 is not the element size: six runs of one element.
  uint64_t localCycles =
      t.localDmaLatencyCycles +
      6 * ((4 + t.localDmaBytesPerCycle - 1) / t.localDmaBytesPerCycle);
  EXPECT_EQ(localCycles, 8u + 6u);
  EXPECT_EQ(dmaCommandCycles(t, r.exe->dma(local), /*local=*/true),
            localCycles);
  EXPECT_EQ(s.unitBusy[unsigned(Unit::DmaLoad)], 64u + 4 * 2 + localCycles);
  // The store's three rows of 20 bytes are consecutive in DRAM: one run of
  // 60 bytes, four beats.
  EXPECT_EQ(s.unitBusy[unsigned(Unit::DmaStore)], 64u + 4);
  EXPECT_EQ(s.cycles, 72u + localCycles + 68u);
  const EnergyModel &e = t.energy;
  EXPECT_DOUBLE_EQ(s.energyPj,
                   (s.sramReadBytes + s.sramWriteBytes) * e.sramBytePj +
                       (s.dramReadBytes + s.dramWriteBytes) * e.dramBytePj);
  // Split by destination: DMA only, so scratchpad and DRAM bytes, nothing
  // on the MAC array, the vector unit or the host; the layer's is the run's.
  EXPECT_DOUBLE_EQ(s.energy.sramPj,
                   (s.sramReadBytes + s.sramWriteBytes) * e.sramBytePj);
  EXPECT_DOUBLE_EQ(s.energy.dramPj,
                   (s.dramReadBytes + s.dramWriteBytes) * e.dramBytePj);
  EXPECT_EQ(s.energy.macPj, 0.0);
  EXPECT_EQ(s.energy.vectorPj, 0.0);
  EXPECT_EQ(s.energy.hostPj, 0.0);
  EXPECT_DOUBLE_EQ(s.energy.total(), s.energyPj);
  EXPECT_DOUBLE_EQ(s.layers[0].energy.total(), s.energyPj);
  EXPECT_DOUBLE_EQ(s.layers[0].energy.dramPj, s.energy.dramPj);
  // The static account: the local load is no DRAM read, no constant read.
  std::vector<LayerEstimate> est = estimateLayers(*r.exe);
  EXPECT_EQ(est[0].localBytes, 24u);
  EXPECT_EQ(est[0].dramReadBytes, 128u);
  EXPECT_EQ(est[0].constantReadBytes, 128u);
  EXPECT_EQ(est[0].dramWriteBytes, 60u);
  EXPECT_EQ(est[0].loadCycles, 72u + localCycles);
}

// Tests a local dma.store: INT8 rows of 100 bytes copied from one
// scratchpad box (rows 128 apart) to a dense one, then stored to DRAM. Its
// far side is dense (rows 100 bytes apart): one run of 400 bytes, the local
// latency plus seven 64-byte port beats. Its scratchpad
// destination lies past the end of DRAM, which it never touches.
TEST(Emulator, LocalDmaStoreCopiesInsideTheScratchpad) {
  const TargetDesc &t = v1();
  std::vector<int8_t> in = randomInt8(4 * 100, 21);
  ProgramBuilder b(t);
  uint16_t layer = b.addLayer("keep", "Identity");
  uint32_t at = b.addConstant(in.data(), in.size());
  uint16_t load = b.addDma(makeDma2D(1, 4, 100, 100, 128));
  uint16_t local = b.addDma(makeDma2D(1, 4, 100, 100, 128));
  uint16_t store = b.addDma(makeDma2D(1, 4, 100, 100, 100));
  b.setDramSize(2048);
  b.emit(withDeps(makeDmaLoad(load, 0, at, layer), false, false, false, true));
  b.emit(withDeps(makeSync(Queue::Compute), true, false, false, true));
  b.emit(withDeps(makeDmaStore(local, 0, 2048, layer, /*local=*/true), true,
                  false, false, false));
  b.emit(makeDmaStore(store, 2048, 1024, layer));
  ProgramRun r = runProgram(b);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(get<int8_t>(r.emu->scratchpad(), 2048, in.size()), in);
  EXPECT_EQ(get<int8_t>(r.emu->dram(), 1024, in.size()), in);
  const RunStats &s = r.emu->stats();
  EXPECT_EQ(s.dramReadBytes, 400u);
  EXPECT_EQ(s.dramWriteBytes, 400u);
  EXPECT_EQ(s.localDmaBytes, 400u);
  EXPECT_EQ(s.sramReadBytes, 400u + 400u);
  EXPECT_EQ(s.sramWriteBytes, 400u + 400u);
  EXPECT_EQ(s.peakSramBytes, 2048u + 400u); // the local store's destination
  EXPECT_EQ(s.layers[0].localBytes, 400u);
  EXPECT_EQ(s.layers[0].dramBytes, 800u);
  uint64_t localCycles =
      t.localDmaLatencyCycles +
      (400 + t.localDmaBytesPerCycle - 1) / t.localDmaBytesPerCycle;
  EXPECT_EQ(localCycles, 8u + 7);
  EXPECT_EQ(dmaCommandCycles(t, r.exe->dma(local), /*local=*/true),
            localCycles);
  EXPECT_EQ(s.unitBusy[unsigned(Unit::DmaStore)], localCycles + 64 + 25);
  std::vector<LayerEstimate> est = estimateLayers(*r.exe);
  EXPECT_EQ(est[0].localBytes, 400u);
  EXPECT_EQ(est[0].dramWriteBytes, 400u);
  EXPECT_EQ(est[0].storeCycles, localCycles + 64 + 25);
}

// Tests local DMAs through the transposing fast paths (transposeBox and
// transposeStoreBox, here with both ends in the scratchpad): a load of
// planes into pixels with padding, and a store of them back into planes,
// against element-by-element references.
TEST(Emulator, LocalDmaTransposesLikeADramDma) {
  const int W = 11, C = 6, PW = W + 2;
  std::vector<uint32_t> planes(C * W);
  for (size_t i = 0; i < planes.size(); ++i)
    planes[i] = 0x03000000u + uint32_t(i);
  ProgramBuilder b(v1());
  uint16_t load =
      b.addDma(makeDmaDesc(4, {W, C, 1, 1}, {4, W * 4, 0, 0}, {C * 4, 4, 0, 0},
                           {1, 0, 0, 0}, {1, 0, 0, 0}, 0xA5A5A5A5u));
  uint16_t store = b.addDma(
      makeDmaDesc(4, {W, C, 1, 1}, {4, W * 4, 0, 0}, {C * 4, 4, 0, 0}));
  b.setDramSize(64);
  b.emit(withDeps(makeDmaLoad(load, 4096, 0, kNoLayer, true), false, false,
                  false, true));
  b.emit(withDeps(makeSync(Queue::Compute), true, false, false, true));
  b.emit(withDeps(makeDmaStore(store, 4096 + C * 4, 8192, kNoLayer, true), true,
                  false, false, false));
  ProgramRun r = runProgram(
      b, {}, [&](Emulator &emu) { put(emu.scratchpad(), 0, planes); });
  ASSERT_TRUE(r.ok) << r.error;
  std::vector<uint32_t> pixels =
      get<uint32_t>(r.emu->scratchpad(), 4096, size_t(PW * C));
  for (int x = 0; x < PW; ++x)
    for (int c = 0; c < C; ++c)
      EXPECT_EQ(pixels[x * C + c],
                x >= 1 && x <= W ? planes[c * W + x - 1] : 0xA5A5A5A5u)
          << x << "," << c;
  EXPECT_EQ(get<uint32_t>(r.emu->scratchpad(), 8192, planes.size()), planes);
  EXPECT_EQ(r.emu->stats().dramReadBytes + r.emu->stats().dramWriteBytes, 0u);
}

// Tests that a local DMA whose scratchpad source or destination lies past
// the scratchpad stops the run with the pc and the range.
TEST(Emulator, OutOfBoundsLocalDmaIsCaught) {
  for (bool store : {false, true}) {
    ProgramBuilder b(v1());
    uint16_t d = b.addDma(makeDma2D(1, 1, 16, 16, 16));
    b.setDramSize(64);
    uint32_t far = v1().scratchpadBytes - 8;
    b.emit(store ? makeDmaStore(d, 0, far, kNoLayer, true)
                 : makeDmaLoad(d, 0, far, kNoLayer, true));
    ProgramRun r = runProgram(b);
    EXPECT_FALSE(r.ok);
    std::string name = store ? "dma.store" : "dma.load";
    EXPECT_EQ(r.error, "pc 0 (" + name +
                           " desc=0 sram=0x000000 dram=0x07fff8 local): " +
                           name + " local " + (store ? "writes" : "reads") +
                           " scratchpad [524280, 524296) outside the "
                           "524288-byte scratchpad");
  }
}

// Tests that a local DMA whose source and destination share a byte is
// refused (the copy's order is not defined), and that adjacent ones run.
TEST(Emulator, OverlappingLocalDmaIsRefused) {
  auto run = [](bool store, uint32_t sram, uint32_t dram) {
    ProgramBuilder b(v1());
    uint16_t d = b.addDma(makeDma2D(1, 2, 16, 16, 16)); // 32 bytes
    b.setDramSize(64);
    b.emit(store ? makeDmaStore(d, sram, dram, kNoLayer, true)
                 : makeDmaLoad(d, sram, dram, kNoLayer, true));
    return runProgram(b);
  };
  ProgramRun load = run(false, 16, 0);
  EXPECT_FALSE(load.ok);
  EXPECT_EQ(load.error, "pc 0 (dma.load desc=0 sram=0x000010 dram=0x000000 "
                        "local): dma.load local: source [0, 32) and "
                        "destination [16, 48) overlap");
  ProgramRun store = run(true, 0, 31);
  EXPECT_FALSE(store.ok);
  EXPECT_EQ(store.error, "pc 0 (dma.store desc=0 sram=0x000000 dram=0x00001f "
                         "local): dma.store local: source [0, 32) and "
                         "destination [31, 63) overlap");
  EXPECT_TRUE(run(false, 32, 0).ok);
  EXPECT_TRUE(run(true, 0, 32).ok);
}

// Tests that the static schedule (rt::scheduleStatically, what
// npu-compile --report prints) equals the emulated timeline for a program
// that keeps a value on chip between two layers: layer 0 loads x from
// DRAM, copies it and stores it locally into a reserved region; layer 1
// loads it locally, with a border, copies it and stores it to DRAM.
TEST(Emulator, LocalDmaStaticScheduleEqualsEmulation) {
  std::vector<uint32_t> x(16 * 16);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = 0x3F800000u + uint32_t(i) * 0x1000u;
  ProgramBuilder b(v1());
  uint16_t l0 = b.addLayer("produce", "Identity");
  uint16_t l1 = b.addLayer("consume", "Pad");
  uint32_t at = b.addConstant(x.data(), x.size() * 4);
  uint16_t tile = b.addDma(makeDma2D(4, 16, 16, 64, 64));
  uint16_t bordered =
      b.addDma(makeDmaDesc(4, {16, 16, 1, 1}, {4, 64, 0, 0}, {4, 64, 0, 0},
                           {0, 1, 0, 0}, {0, 1, 0, 0}));
  uint16_t out = b.addDma(makeDma2D(4, 18, 16, 64, 64));
  uint16_t copy16 = b.addVector(makeVectorDesc(
      {16, 16, 1, 1}, bin::ElementType::F32, denseStrides({16, 16, 1, 1}),
      bin::ElementType::F32, denseStrides({16, 16, 1, 1})));
  uint16_t copy18 = b.addVector(makeVectorDesc(
      {16, 18, 1, 1}, bin::ElementType::F32, denseStrides({16, 18, 1, 1}),
      bin::ElementType::F32, denseStrides({16, 18, 1, 1})));
  const uint32_t reserved = 65536; // where the value stays between layers
  b.setDramSize(4096);
  auto copy = [&](uint16_t d, uint32_t src, uint32_t dst, uint16_t layer) {
    return makeVector(Opcode::VecUnary, d, vecfunc::VecUnary_Copy, src, 0, dst,
                      layer);
  };
  b.emit(withDeps(makeDmaLoad(tile, 0, at, l0), false, false, false, true));
  b.emit(withDeps(copy(copy16, 0, 2048, l0), true, false, false, true));
  b.emit(withDeps(makeDmaStore(tile, 2048, reserved, l0, true), true, false,
                  true, false));
  b.emit(withDeps(makeSync(Queue::Compute), false, true, true, false));
  b.emit(withDeps(makeDmaLoad(bordered, 4096, reserved, l1, true), false, true,
                  false, true));
  b.emit(withDeps(copy(copy18, 4096, 8192, l1), true, false, false, true));
  b.emit(
      withDeps(makeDmaStore(out, 8192, 2048, l1), true, false, false, false));
  ProgramRun r = runProgram(b);
  ASSERT_TRUE(r.ok) << r.error;
  std::vector<uint32_t> got = get<uint32_t>(r.emu->dram(), 2048, 18 * 16);
  for (int y = 0; y < 18; ++y)
    for (int c = 0; c < 16; ++c)
      EXPECT_EQ(got[y * 16 + c], y == 0 || y == 17 ? 0u : x[(y - 1) * 16 + c])
          << y << "," << c;

  const RunStats &s = r.emu->stats();
  StaticSchedule schedule;
  std::string error;
  ASSERT_TRUE(scheduleStatically(*r.exe, schedule, error)) << error;
  EXPECT_EQ(schedule.cycles, s.cycles);
  for (size_t id = 0; id < 2; ++id) {
    EXPECT_EQ(schedule.layers[id].cycles, s.layers[id].cycles) << id;
    uint64_t busy = 0;
    for (const Instruction &insn : r.exe->instructions())
      if (insn.layer() == id)
        busy += staticInstructionCycles(*r.exe, insn);
    EXPECT_EQ(busy, s.layers[id].cycles) << id;
  }
  // The local store and load: 8 + 16 rows of one 64-byte beat each.
  EXPECT_EQ(staticInstructionCycles(*r.exe, r.exe->instructions()[2]), 24u);
  EXPECT_EQ(staticInstructionCycles(*r.exe, r.exe->instructions()[4]), 24u);
  std::vector<LayerEstimate> est = estimateLayers(*r.exe);
  EXPECT_EQ(est[0].dramReadBytes, 1024u);
  EXPECT_EQ(est[0].dramWriteBytes, 0u);
  EXPECT_EQ(est[0].localBytes, 1024u);
  EXPECT_EQ(est[1].dramReadBytes, 0u);
  EXPECT_EQ(est[1].constantReadBytes, 0u);
  EXPECT_EQ(est[1].dramWriteBytes, 18u * 64);
  EXPECT_EQ(est[1].localBytes, 1024u); // the box, not its border
  EXPECT_EQ(s.layers[0].localBytes, est[0].localBytes);
  EXPECT_EQ(s.layers[1].localBytes, est[1].localBytes);
  EXPECT_EQ(s.layers[0].dramBytes, 1024u);
  EXPECT_EQ(s.layers[1].dramBytes, 18u * 64);
  EXPECT_EQ(s.localDmaBytes, 2048u);
}

//===----------------------------------------------------------------------===//
// Scheduling
//===----------------------------------------------------------------------===//

// Tests that a queue waiting for a token nobody pushes is reported.
TEST(Emulator, DeadlockIsReported) {
  ProgramBuilder b(v1());
  b.setDramSize(64);
  b.emit(withDeps(makeSync(Queue::Compute), true, false, false, false));
  b.emit(withDeps(makeSync(Queue::Load), false, true, false, false));
  ProgramRun r = runProgram(b);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "deadlock: every queue waits for a dependence token "
                     "(load at pc 1, compute at pc 0)");
}

// Tests the instruction budget.
TEST(Emulator, InstructionBudgetIsEnforced) {
  ProgramBuilder b(v1());
  b.setDramSize(64);
  for (int i = 0; i < 5; ++i)
    b.emit(makeSync(Queue::Compute));
  RunOptions options;
  options.maxInstructions = 3;
  ProgramRun r = runProgram(b, options);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "instruction budget of 3 exceeded at pc 3");
}

// Tests the work budget: one in-bounds instruction whose zero strides and
// 16-bit sizes ask for 65535^4 element steps is refused before anything
// runs (it would take the host centuries); an ordinary program counts its
// steps exactly.
TEST(Emulator, StepBudgetRefusesHostileInstructionsUpFront) {
  ProgramBuilder b(v1());
  b.setDramSize(64);
  uint16_t big = b.addVector(
      makeVectorDesc({65535, 65535, 65535, 65535}, bin::ElementType::F32,
                     {0, 0, 0, 0}, bin::ElementType::F32, {0, 0, 0, 0},
                     bin::ElementType::F32, {0, 0, 0, 0}));
  b.emit(makeVector(Opcode::VecBinary, big, vecfunc::VecBinary_Add, 0, 0, 0));
  ProgramRun r = runProgram(b);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "the program takes 18445618199572250625 element steps, "
                     "more than the budget of 268435456 (2^20 per "
                     "instruction, at least 2^28; --max-steps=N sets "
                     "another)");

  ProgramBuilder small(v1());
  small.setDramSize(64);
  uint16_t v = small.addVector(makeVectorDesc(
      {4, 10, 1, 1}, bin::ElementType::F32, {1, 4, 0, 0}, bin::ElementType::F32,
      {1, 4, 0, 0}, bin::ElementType::F32, {1, 0, 0, 0}));
  small.emit(
      makeVector(Opcode::VecBinary, v, vecfunc::VecBinary_Add, 0, 512, 1024));
  small.emit(makeSync(Queue::Compute));
  std::string error;
  auto exe = Executable::load(small.finish(), nullptr, error);
  ASSERT_TRUE(exe) << error;
  EXPECT_EQ(programSteps(*exe), 40u);
  RunOptions tight;
  tight.maxSteps = 39;
  Emulator emu(*exe, tight);
  EXPECT_FALSE(emu.run(error));
  EXPECT_EQ(error, "the program takes 40 element steps, more than the "
                   "budget of 39 (--max-steps)");
}

// Tests that the default budget grows with the program, not with what its
// descriptors ask for: one zero-stride vec.binary of 65535 x 65535 x 15
// (6.4e10 steps, under the old fixed default of 2^36) ran for minutes on
// the same few bytes; it is now refused before the run, as are a DMA and a
// matmul of the same kind. A program of 513 instructions gets 513 x 2^20.
TEST(Emulator, DefaultStepBudgetFollowsTheProgram) {
  const std::string rule = " (2^20 per instruction, at least 2^28; "
                           "--max-steps=N sets another)";
  ProgramBuilder vec(v1());
  vec.setDramSize(64);
  uint16_t v = vec.addVector(
      makeVectorDesc({65535, 65535, 15, 1}, bin::ElementType::F32, {0, 0, 0, 0},
                     bin::ElementType::F32, {0, 0, 0, 0}, bin::ElementType::F32,
                     {0, 0, 0, 0}));
  vec.emit(makeVector(Opcode::VecBinary, v, vecfunc::VecBinary_Add, 0, 0, 0));
  ProgramRun r = runProgram(vec);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "the program takes 64422543375 element steps, more "
                     "than the budget of 268435456" +
                         rule);

  ProgramBuilder dma(v1());
  dma.setDramSize(64);
  uint16_t d = dma.addDma(
      makeDmaDesc(4, {65535, 65535, 1, 1}, {0, 0, 0, 0}, {0, 0, 0, 0}));
  dma.emit(makeDmaLoad(d, 0, 0));
  r = runProgram(dma);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "the program takes 4294836225 element steps, more "
                     "than the budget of 268435456" +
                         rule);

  ProgramBuilder mm(v1());
  mm.setDramSize(64);
  uint16_t m = mm.addMatmul(makeMatmulDesc(65535, 1024, 16, 0, 0, 0));
  mm.emit(makeMatmul(m, 0, 0, 0, /*fp32=*/true, false, false));
  r = runProgram(mm);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "the program takes 1073725440 element steps, more "
                     "than the budget of 268435456" +
                         rule);

  // 512 syncs and the end: the budget is 513 x 2^20, above the minimum.
  ProgramBuilder many(v1());
  many.setDramSize(64);
  for (int i = 0; i < 512; ++i)
    many.emit(makeSync(Queue::Compute));
  std::string error;
  auto exe = Executable::load(many.finish(), nullptr, error);
  ASSERT_TRUE(exe) << error;
  EXPECT_EQ(defaultStepBudget(*exe), uint64_t(513) << 20);
}

//===----------------------------------------------------------------------===//
// MAC array
//===----------------------------------------------------------------------===//

std::vector<int32_t> refMatmul(const std::vector<int8_t> &a,
                               const std::vector<int8_t> &w, int m, int k,
                               int n) {
  std::vector<int32_t> c(size_t(m * n), 0);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j)
      for (int p = 0; p < k; ++p)
        c[i * n + j] += int32_t(a[i * k + p]) * int32_t(w[p * n + j]);
  return c;
}

// Tests INT8 matmul (overwrite, then accumulate) against a reference, and
// its cycles: per weight tile R + M, plus R + C fill/drain.
TEST(Emulator, Int8MatmulMatchesReferenceAndTiming) {
  const int M = 20, K = 40, N = 24;
  std::vector<int8_t> a = randomInt8(M * K, 1), w = randomInt8(K * N, 2);
  ProgramBuilder b(v1());
  b.setDramSize(64);
  uint16_t mm = b.addMatmul(makeMatmulDesc(M, K, N, K, N, N));
  b.emit(makeMatmul(mm, 0, 4096, 0, false, false, false));
  b.emit(makeMatmul(mm, 0, 4096, 0, false, true, false));
  std::string error;
  auto exe = Executable::load(b.finish(), nullptr, error);
  ASSERT_TRUE(exe) << error;
  Emulator emu(*exe);
  ASSERT_TRUE(emu.prepare(error)) << error;
  put(emu.scratchpad(), 0, a);
  put(emu.scratchpad(), 4096, w);
  ASSERT_TRUE(emu.run(error)) << error;
  std::vector<int32_t> ref = refMatmul(a, w, M, K, N);
  std::vector<int32_t> got = get<int32_t>(emu.accumulator(), 0, M * N);
  for (int i = 0; i < M * N; ++i)
    ASSERT_EQ(got[i], 2 * ref[i]) << i; // overwrite then accumulate
  // KB = 3, NB = 2: 6 tiles x (16 + 20) + 32, twice.
  EXPECT_EQ(emu.stats().unitBusy[unsigned(Unit::Mac)], 2u * (6 * 36 + 32));
  EXPECT_EQ(emu.stats().macsInt8, 2u * M * K * N);
  EXPECT_EQ(emu.stats().macsDense, 2u * M * K * N);
}

// Tests FP32 matmul (IEEE single precision, k-order accumulation) and the
// quarter-rate timing.
TEST(Emulator, Fp32MatmulMatchesReferenceAndTiming) {
  const int M = 3, K = 5, N = 4;
  std::vector<float> a(M * K), w(K * N);
  for (int i = 0; i < M * K; ++i)
    a[i] = 0.25f * float(i) - 1.0f;
  for (int i = 0; i < K * N; ++i)
    w[i] = 0.5f - 0.125f * float(i);
  ProgramBuilder b(v1());
  b.setDramSize(64);
  uint16_t mm = b.addMatmul(makeMatmulDesc(M, K, N, K * 4, N * 4, N));
  b.emit(makeMatmul(mm, 0, 1024, 8, true, false, false));
  std::string error;
  auto exe = Executable::load(b.finish(), nullptr, error);
  ASSERT_TRUE(exe) << error;
  Emulator emu(*exe);
  ASSERT_TRUE(emu.prepare(error)) << error;
  put(emu.scratchpad(), 0, a);
  put(emu.scratchpad(), 1024, w);
  ASSERT_TRUE(emu.run(error)) << error;
  std::vector<float> got = get<float>(emu.accumulator(), 8 * 4, M * N);
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      float ref = 0.0f;
      for (int p = 0; p < K; ++p)
        ref += a[i * K + p] * w[p * N + j];
      EXPECT_EQ(got[i * N + j], ref);
    }
  // One tile: R + M * 4 cycles, plus R + C.
  EXPECT_EQ(emu.stats().unitBusy[unsigned(Unit::Mac)], 16u + 3 * 4 + 32);
  EXPECT_EQ(emu.stats().macsFp32, uint64_t(M * K * N));
}

// Tests block sparsity: zero blocks cost no cycles and no MACs, and the
// compressed layout gives the dense result.
TEST(Emulator, SparseMatmulSkipsZeroBlocks) {
  const int M = 8, K = 32, N = 32, R = 16, C = 16;
  std::vector<int8_t> a = randomInt8(M * K, 3), w(K * N, 0);
  std::vector<int8_t> dense = randomInt8(K * N, 4);
  // Keep blocks (0,0) and (1,1); zero the other two.
  for (int k = 0; k < K; ++k)
    for (int n = 0; n < N; ++n)
      if ((k / R) == (n / C))
        w[k * N + n] = dense[k * N + n];
  // Compressed: 16-byte mask (bits 0 and 3 set) then the two blocks.
  std::vector<int8_t> packed(16 + 2 * R * C, 0);
  packed[0] = 0x09;
  for (int blk = 0; blk < 2; ++blk)
    for (int k = 0; k < R; ++k)
      for (int n = 0; n < C; ++n)
        packed[16 + blk * R * C + k * C + n] =
            w[(blk * R + k) * N + blk * C + n];
  ProgramBuilder b(v1());
  b.setDramSize(64);
  uint16_t mm = b.addMatmul(makeMatmulDesc(M, K, N, K, N, N));
  b.emit(makeMatmul(mm, 0, 4096, 0, false, false, true));
  std::string error;
  auto exe = Executable::load(b.finish(), nullptr, error);
  ASSERT_TRUE(exe) << error;
  Emulator emu(*exe);
  ASSERT_TRUE(emu.prepare(error)) << error;
  put(emu.scratchpad(), 0, a);
  put(emu.scratchpad(), 4096, packed);
  ASSERT_TRUE(emu.run(error)) << error;
  std::vector<int32_t> ref = refMatmul(a, w, M, K, N);
  EXPECT_EQ(get<int32_t>(emu.accumulator(), 0, M * N), ref);
  EXPECT_EQ(emu.stats().macsDense, uint64_t(M * K * N));
  EXPECT_EQ(emu.stats().macsInt8, uint64_t(M * K * N / 2));
  EXPECT_EQ(emu.stats().unitBusy[unsigned(Unit::Mac)], 2u * (16 + 8) + 32);
}

// Tests that the static schedule (npu-compile --report) counts a
// block-sparse matmul's present tiles from its mask, loaded from the
// constants as the compiler loads a block image, so that it equals the
// emulation: 1, 3 and 4 of 4 tiles present, the last mask loaded in two
// pieces (the mask's first byte by a bordered load whose padding is the
// byte, the rest from the constants).
TEST(Emulator, SparseMatmulStaticScheduleEqualsEmulation) {
  const int M = 8, K = 32, N = 32, R = 16, C = 16;
  ProgramBuilder b(v1());
  uint16_t layer = b.addLayer("mm", "MatMul");
  std::vector<uint32_t> images;
  for (uint8_t mask : {uint8_t(0x01), uint8_t(0x0d), uint8_t(0x0f)}) {
    std::vector<int8_t> image(16 + 4 * R * C, 0);
    image[0] = int8_t(mask);
    for (size_t i = 16; i < image.size(); ++i)
      image[i] = int8_t(i % 7 - 3);
    images.push_back(b.addConstant(image.data(), image.size()));
  }
  const uint32_t imageBytes = 16 + 4 * R * C;
  uint16_t whole =
      b.addDma(makeDma2D(1, 1, imageBytes, imageBytes, imageBytes));
  // The image but its first byte, the padding before it that byte (0x0f).
  bin::DmaDesc bordered =
      makeDmaDesc(1, {uint16_t(imageBytes - 1), 1, 1, 1}, {1, imageBytes, 0, 0},
                  {1, imageBytes, 0, 0}, {1, 0, 0, 0}, {0, 0, 0, 0});
  bordered.mutate_pad_value(0x0f);
  uint16_t tail = b.addDma(bordered);
  uint16_t mm = b.addMatmul(makeMatmulDesc(M, K, N, K, N, N));
  b.setDramSize(64);
  for (int i = 0; i < 3; ++i) {
    Instruction load = i < 2 ? makeDmaLoad(whole, 4096, images[i], layer)
                             : makeDmaLoad(tail, 4096, images[2] + 1, layer);
    b.emit(withDeps(load, false, i > 0, false, true));
    b.emit(withDeps(makeMatmul(mm, 0, 4096, 0, false, i > 0, true, layer), true,
                    false, i < 2, false));
  }
  ProgramRun r = runProgram(b);
  ASSERT_TRUE(r.ok) << r.error;
  const RunStats &s = r.emu->stats();
  // 1 + 3 + 4 present tiles of M rows after R preload cycles each, and a
  // fill and drain per instruction.
  EXPECT_EQ(s.unitBusy[unsigned(Unit::Mac)], 8u * (R + M) + 3u * (R + C));
  StaticSchedule schedule;
  std::string error;
  ASSERT_TRUE(scheduleStatically(*r.exe, schedule, error)) << error;
  EXPECT_EQ(schedule.cycles, s.cycles);
  EXPECT_EQ(schedule.layers[layer].cycles, s.layers[layer].cycles);
  // One layer: its span is the run, from the first load to the last matmul.
  EXPECT_EQ(s.layers[layer].start, 0u);
  EXPECT_EQ(s.layers[layer].end, s.cycles);
  EXPECT_EQ(schedule.layers[layer].start, s.layers[layer].start);
  EXPECT_EQ(schedule.layers[layer].end, s.layers[layer].end);
}

/// A dense box of `planes` x `rows` x `cols` elements of `eb` bytes whose
/// R x C blocks (16 x 16 on npu-v1) are random where `present(b)` and zero
/// elsewhere, b numbered as dma.expand numbers them; and its image, packed
/// here by hand from the documented layout.
struct BlockBox {
  std::vector<uint8_t> dense, image;
};
BlockBox makeBlockBox(int planes, int rows, int cols, int eb,
                      const std::function<bool(int)> &present, unsigned seed) {
  const int R = 16, C = 16;
  int KB = (rows + R - 1) / R, NB = (cols + C - 1) / C;
  BlockBox box;
  box.dense.assign(size_t(planes * rows * cols * eb), 0);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(1, 255); // never a zero block
  int blocks = planes * KB * NB;
  box.image.assign(size_t(((blocks + 7) / 8 + 15) / 16 * 16), 0);
  for (int p = 0, b = 0; p < planes; ++p)
    for (int kb = 0; kb < KB; ++kb)
      for (int nb = 0; nb < NB; ++nb, ++b) {
        if (!present(b))
          continue;
        box.image[size_t(b / 8)] |= uint8_t(1 << (b % 8));
        size_t at = box.image.size();
        box.image.resize(at + size_t(R * C * eb), 0); // edges stay zero
        for (int r = 0; r < R && kb * R + r < rows; ++r)
          for (int c = 0; c < C && nb * C + c < cols; ++c)
            for (int i = 0; i < eb; ++i) {
              uint8_t v = uint8_t(byte(rng));
              box.dense[size_t(
                  ((p * rows + kb * R + r) * cols + nb * C + c) * eb + i)] = v;
              box.image[at + size_t((r * C + c) * eb + i)] = v;
            }
      }
  return box;
}

// Runs `b` (a dense load into the scratchpad at `a`, then an expansion of
// the same box at `c`) over a scratchpad filled with 0xAB, and checks that
// the two boxes, `planes` x `rows` rows of `rowBytes` at the given byte
// strides, are equal and that nothing past the expanded box's first row
// was written. The caller checks `ok` and the statistics.
ProgramRun runExpansionBesideDenseLoad(ProgramBuilder &b, uint32_t a,
                                       uint32_t c, int planes, int rows,
                                       int64_t planeStride, int64_t rowStride,
                                       size_t rowBytes) {
  ProgramRun r = runProgram(b, {}, [&](Emulator &emu) {
    std::memset(emu.scratchpad().data(), 0xAB, size_t(4 * planeStride));
  });
  if (!r.ok)
    return r;
  const Memory &sp = r.emu->scratchpad();
  for (int p = 0; p < planes; ++p)
    for (int row = 0; row < rows; ++row) {
      size_t at = size_t(p * planeStride + row * rowStride);
      EXPECT_EQ(get<uint8_t>(sp, c + at, rowBytes),
                get<uint8_t>(sp, a + at, rowBytes))
          << "plane " << p << " row " << row;
    }
  EXPECT_EQ(get<uint8_t>(sp, c + rowBytes, 1)[0], 0xAB);
  return r;
}

// Tests dma.expand (ISA v3) bit-exact against dma.load of the dense box:
// INT8 and FP32 boxes with partial edge blocks on both axes, two planes, a
// strided scratchpad destination pre-filled with garbage (absent blocks must
// be written as zeros), a hand-made bitmap; compressBlocks packs the same
// image; only the image counts as DRAM traffic and energy, and its cycles
// are one contiguous run (dmaExpandCycles).
TEST(Emulator, DmaExpandEqualsTheDenseLoad) {
  for (int eb : {1, 4}) {
    SCOPED_TRACE(eb);
    const int planes = 2, rows = 35, cols = 40; // 3 x 3 blocks per plane
    // Blocks 0, 2, 4, 8 (the corner, partial both ways), 10, 13 and 17.
    auto present = [](int b) {
      return b == 0 || b == 2 || b == 4 || b == 8 || b == 10 || b == 13 ||
             b == 17;
    };
    BlockBox box = makeBlockBox(planes, rows, cols, eb, present, 11 + eb);
    ASSERT_EQ(box.image.size(), 16u + 7 * 256 * eb);
    EXPECT_EQ(box.image[0], 0x15); // 0, 2, 4
    EXPECT_EQ(box.image[1], 0x25); // 8, 10, 13
    EXPECT_EQ(box.image[2], 0x02); // 17

    ProgramBuilder b(v1());
    uint16_t layer = b.addLayer("w", "Conv");
    // Scratchpad rows 64 bytes apart, planes 4096 apart: both boxes.
    int64_t rowStride = 64 * eb, planeStride = 4096 * eb;
    Strides4 sramStrides = {uint32_t(eb), uint32_t(rowStride),
                            uint32_t(planeStride), 0};
    uint16_t dense = b.addDma(makeDmaDesc(
        uint8_t(eb), {cols, rows, planes, 1},
        {uint32_t(eb), uint32_t(eb * cols), uint32_t(eb * cols * rows), 0},
        sramStrides));
    bin::DmaDesc expandDesc = makeDmaDesc(uint8_t(eb), {cols, rows, planes, 1},
                                          {0, 0, 0, 0}, sramStrides);
    uint16_t expand = b.addDma(expandDesc);
    EXPECT_EQ(compressBlocks(expandDesc, 16, 16, box.dense.data()), box.image);
    uint32_t denseAt = b.addConstant(box.dense.data(), box.dense.size());
    uint32_t imageAt = b.addConstant(box.image.data(), box.image.size());
    b.setDramSize(imageAt + box.image.size());
    uint32_t a = 0, c = uint32_t(2 * planeStride);
    b.emit(makeDmaLoad(dense, a, denseAt, layer));
    b.emit(
        makeDmaExpand(expand, c, imageAt, uint32_t(box.image.size()), layer));
    ProgramRun r = runExpansionBesideDenseLoad(
        b, a, c, planes, rows, planeStride, rowStride, size_t(cols * eb));
    ASSERT_TRUE(r.ok) << r.error;
    Emulator &emu = *r.emu;
    const RunStats &s = emu.stats();
    EXPECT_EQ(s.dramReadBytes, box.dense.size() + box.image.size());
    EXPECT_EQ(s.sramWriteBytes, 2 * box.dense.size());
    EXPECT_EQ(s.layers[0].weightBytes, box.dense.size() + box.image.size());
    EXPECT_EQ(dmaExpandCycles(v1(), box.image.size()),
              64 + (box.image.size() + 15) / 16);
    EXPECT_EQ(s.unitBusy[unsigned(Unit::DmaLoad)],
              dmaCommandCycles(v1(), r.exe->dma(dense)) +
                  dmaExpandCycles(v1(), box.image.size()));
    // The static model counts the same bytes, and what the layer stores.
    std::vector<LayerEstimate> est = estimateLayers(*r.exe);
    EXPECT_EQ(est[0].dramReadBytes, box.dense.size() + box.image.size());
    EXPECT_EQ(est[0].constantBytes, box.dense.size() + box.image.size());
  }
}

// Tests that an image overwritten at run time (a store of 0xFF bytes over
// its mask, ordered before the expand by tokens) stops the run with one
// error, not an out-of-bounds read.
TEST(Emulator, DmaExpandRefusesAnImageChangedAtRunTime) {
  BlockBox box = makeBlockBox(
      1, 16, 32, 1, [](int b) { return b == 1; }, 5);
  ProgramBuilder b(v1());
  uint16_t expand =
      b.addDma(makeDmaDesc(1, {32, 16, 1, 1}, {0, 0, 0, 0}, {1, 32, 0, 0}));
  uint16_t mask = b.addDma(makeDma2D(1, 1, 16, 16, 16));
  uint32_t imageAt = b.addConstant(box.image.data(), box.image.size());
  b.setDramSize(imageAt + box.image.size());
  b.emit(
      withDeps(makeDmaStore(mask, 4096, imageAt), false, false, true, false));
  b.emit(withDeps(makeSync(Queue::Compute), false, true, true, false));
  b.emit(withDeps(makeDmaExpand(expand, 0, imageAt, uint32_t(box.image.size())),
                  false, true, false, false));
  ProgramRun r = runProgram(b, {}, [](Emulator &emu) {
    std::memset(emu.scratchpad().data() + 4096, 0xFF, 16);
  });
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("dma.expand: the block mask at DRAM"),
            std::string::npos)
      << r.error;
}

// Tests the dma.expand.elem image layout (ISA v7) on a hand-made case: a
// 16 x 16 INT8 box whose only non-zero element is 9 at row 3, column 5 is a
// 1-byte block mask (block 0 present), the block's 32-byte element mask with
// bit 3 * 16 + 5 = 53 set (byte 6, bit 5), then the element: 34 bytes.
TEST(Emulator, DmaExpandElemImageLayout) {
  std::vector<uint8_t> dense(256, 0);
  dense[3 * 16 + 5] = 9;
  std::vector<uint8_t> want(34, 0);
  want[0] = 0x01;
  want[1 + 6] = 0x20;
  want[33] = 9;
  bin::DmaDesc desc =
      makeDmaDesc(1, {16, 16, 1, 1}, {0, 0, 0, 0}, {1, 16, 0, 0});
  EXPECT_EQ(compressElements(desc, 16, 16, dense.data()), want);
  ExpandGeometry g = expandGeometry(desc, 16, 16);
  EXPECT_EQ(checkElementImage(g, want.data(), want.size()), "");
  std::vector<uint8_t> tile(256, 0xAB);
  EXPECT_EQ(decodeElementTile(g, want.data() + 1, want.data() + want.size(),
                              tile.data()),
            want.data() + want.size());
  EXPECT_EQ(tile, dense);
  // All zero: just the block mask, no block.
  std::vector<uint8_t> zeros(256, 0);
  EXPECT_EQ(compressElements(desc, 16, 16, zeros.data()),
            std::vector<uint8_t>(1, 0));
}

// Tests dma.expand.elem bit-exact against dma.load of the dense box: INT8
// and FP32 boxes with partial edge blocks on both axes, two planes, about
// half the elements zero and scattered, one block all zero, an FP32 -0.0
// (kept: only all-zero bytes are left out), into a strided scratchpad
// destination pre-filled with garbage. Only the image counts as DRAM
// traffic, and its cycles are the dense box written at one DRAM beat per
// cycle (dmaExpandElemCycles), the image being smaller.
TEST(Emulator, DmaExpandElemEqualsTheDenseLoad) {
  for (int eb : {1, 4}) {
    SCOPED_TRACE(eb);
    const int planes = 2, rows = 35, cols = 40; // 3 x 3 blocks per plane
    std::vector<uint8_t> dense(size_t(planes * rows * cols * eb), 0);
    std::mt19937 rng(21 + eb);
    std::uniform_int_distribution<int> byte(1, 255);
    size_t nonZero = 0;
    for (int p = 0; p < planes; ++p)
      for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) {
          if (p == 1 && r < 16 && c >= 16 && c < 32)
            continue; // block 10 stays all zero
          if (rng() % 2)
            continue;
          ++nonZero;
          for (int i = 0; i < eb; ++i)
            dense[size_t(((p * rows + r) * cols + c) * eb + i)] =
                uint8_t(byte(rng));
        }
    if (eb == 4) { // -0.0 at plane 0, row 0, column 0
      const float negZero = -0.0f;
      if (std::all_of(dense.begin(), dense.begin() + 4,
                      [](uint8_t v) { return v == 0; }))
        ++nonZero;
      std::memcpy(dense.data(), &negZero, 4);
    }
    ProgramBuilder b(v1());
    uint16_t layer = b.addLayer("w", "Conv");
    int64_t rowStride = 64 * eb, planeStride = 4096 * eb;
    Strides4 sramStrides = {uint32_t(eb), uint32_t(rowStride),
                            uint32_t(planeStride), 0};
    uint16_t denseDesc = b.addDma(makeDmaDesc(
        uint8_t(eb), {cols, rows, planes, 1},
        {uint32_t(eb), uint32_t(eb * cols), uint32_t(eb * cols * rows), 0},
        sramStrides));
    bin::DmaDesc expandDesc = makeDmaDesc(uint8_t(eb), {cols, rows, planes, 1},
                                          {0, 0, 0, 0}, sramStrides);
    uint16_t expand = b.addDma(expandDesc);
    std::vector<uint8_t> image =
        compressElements(expandDesc, 16, 16, dense.data());
    // 18 blocks: a 3-byte block mask; 17 present blocks, each a 32-byte
    // element mask; then the non-zero elements.
    ASSERT_EQ(image.size(), 3 + 17 * 32 + nonZero * eb);
    EXPECT_EQ(image[1] & 0x04, 0); // block 10 absent
    ExpandGeometry geo = expandGeometry(expandDesc, 16, 16);
    EXPECT_EQ(checkElementImage(geo, image.data(), image.size()), "");
    uint32_t denseAt = b.addConstant(dense.data(), dense.size());
    uint32_t imageAt = b.addConstant(image.data(), image.size());
    b.setDramSize(imageAt + image.size());
    uint32_t a = 0, c = uint32_t(2 * planeStride);
    b.emit(makeDmaLoad(denseDesc, a, denseAt, layer));
    b.emit(
        makeDmaExpandElem(expand, c, imageAt, uint32_t(image.size()), layer));
    ProgramRun r = runExpansionBesideDenseLoad(
        b, a, c, planes, rows, planeStride, rowStride, size_t(cols * eb));
    ASSERT_TRUE(r.ok) << r.error;
    Emulator &emu = *r.emu;
    const RunStats &s = emu.stats();
    EXPECT_EQ(s.dramReadBytes, dense.size() + image.size());
    EXPECT_EQ(s.sramWriteBytes, 2 * dense.size());
    EXPECT_EQ(s.layers[0].weightBytes, dense.size() + image.size());
    // npu-v1: 64 cycles of latency, 16 bytes a beat.
    EXPECT_EQ(dmaExpandElemCycles(v1(), image.size(), dense.size()),
              64 + (dense.size() + 15) / 16);
    EXPECT_EQ(s.unitBusy[unsigned(Unit::DmaLoad)],
              dmaCommandCycles(v1(), r.exe->dma(denseDesc)) +
                  dmaExpandElemCycles(v1(), image.size(), dense.size()));
    std::vector<LayerEstimate> est = estimateLayers(*r.exe);
    EXPECT_EQ(est[0].dramReadBytes, dense.size() + image.size());
    EXPECT_EQ(est[0].loadCycles, s.unitBusy[unsigned(Unit::DmaLoad)]);
  }
}

// Tests that an element image overwritten at run time (0xFF stored over its
// masks: every element then claims a value the image does not hold) stops
// the run with one error line, not a read past the image.
TEST(Emulator, DmaExpandElemRefusesAnImageChangedAtRunTime) {
  std::vector<uint8_t> dense(16 * 32, 0);
  dense[17] = 3;
  bin::DmaDesc desc =
      makeDmaDesc(1, {32, 16, 1, 1}, {0, 0, 0, 0}, {1, 32, 0, 0});
  std::vector<uint8_t> image = compressElements(desc, 16, 16, dense.data());
  ASSERT_EQ(image.size(), 1u + 32 + 1);
  ProgramBuilder b(v1());
  uint16_t expand = b.addDma(desc);
  uint16_t mask = b.addDma(makeDma2D(1, 1, 16, 16, 16));
  uint32_t imageAt = b.addConstant(image.data(), image.size());
  b.setDramSize(imageAt + 64);
  b.emit(
      withDeps(makeDmaStore(mask, 4096, imageAt), false, false, true, false));
  b.emit(withDeps(makeSync(Queue::Compute), false, true, true, false));
  b.emit(withDeps(makeDmaExpandElem(expand, 0, imageAt, uint32_t(image.size())),
                  false, true, false, false));
  ProgramRun r = runProgram(b, {}, [](Emulator &emu) {
    std::memset(emu.scratchpad().data() + 4096, 0xFF, 16);
  });
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("dma.expand.elem at DRAM"), std::string::npos)
      << r.error;
}

// Tests a tiled 64x64x64 INT8 matmul with double-buffered W tiles and output
// buffers (load/compute/store overlapping through dependence tokens; the
// program is python-free-examples/hand-built/TiledMatmul.h). The result
// matches the reference and the cycles are the ones worked out from the
// timing model in docs/npu-architecture.md ("Worked example").
TEST(Emulator, DoubleBufferedTiledMatmul) {
  const int S = 64;
  std::vector<int8_t> a = randomInt8(S * S, 5), w = randomInt8(S * S, 6);
  ProgramBuilder b(v1());
  npu::examples::buildTiledMatmul(b, w);
  std::string error;
  auto exe = Executable::load(b.finish(), &v1(), error);
  ASSERT_TRUE(exe) << error;
  Emulator emu(*exe);
  ASSERT_TRUE(emu.setInput(0, a.data(), a.size(), error)) << error;
  ASSERT_TRUE(emu.run(error)) << error;
  std::vector<int32_t> ref = refMatmul(a, w, S, S, S);
  EXPECT_EQ(get<int32_t>(emu.dram(), exe->outputs()[0].dramOffset, S * S), ref);
  const RunStats &s = emu.stats();
  EXPECT_EQ(s.cycles, 2448u);
  EXPECT_EQ(s.unitBusy[unsigned(Unit::DmaLoad)], 320u + 4 * 128);
  EXPECT_EQ(s.unitBusy[unsigned(Unit::Mac)], 4u * 352);
  EXPECT_EQ(s.unitBusy[unsigned(Unit::Vector)], 4u * 68);
  EXPECT_EQ(s.unitBusy[unsigned(Unit::DmaStore)], 4u * 320);
  EXPECT_EQ(s.macsInt8, uint64_t(S) * S * S);
  EXPECT_NEAR(s.macUtilization, double(S * S * S) / 256 / 2448, 1e-12);
  // Energy from the counters and Horowitz's figures.
  const EnergyModel &e = v1().energy;
  double expected = s.macsInt8 * e.int8MacPj +
                    (s.sramReadBytes + s.sramWriteBytes) * e.sramBytePj +
                    (s.dramReadBytes + s.dramWriteBytes) * e.dramBytePj +
                    s.laneOpsInt32 * e.int32LaneOpPj;
  EXPECT_DOUBLE_EQ(s.energyPj, expected);
  EXPECT_EQ(s.dramReadBytes, uint64_t(S * S * 2));
  EXPECT_EQ(s.dramWriteBytes, uint64_t(S * S * 4));
  EXPECT_EQ(s.layers[0].macs, uint64_t(S) * S * S);
  EXPECT_DOUBLE_EQ(s.layers[0].energy.total(), s.energyPj);
  // By destination: the INT8 MACs on the array, the INT32 readout on the
  // vector unit.
  EXPECT_DOUBLE_EQ(s.energy.macPj, s.macsInt8 * e.int8MacPj);
  EXPECT_DOUBLE_EQ(s.energy.vectorPj, s.laneOpsInt32 * e.int32LaneOpPj);
  EXPECT_DOUBLE_EQ(s.layers[0].energy.macPj, s.energy.macPj);
}

//===----------------------------------------------------------------------===//
// Vector unit
//===----------------------------------------------------------------------===//

/// TOSA apply_scale_32 (double_round = false), written from the TOSA
/// specification's pseudo-code: the host reference for vec.requant.
int32_t tosaApplyScale32(int32_t value, int32_t multiplier, int32_t shift) {
  int64_t round = int64_t(1) << (shift - 1);
  int64_t result = int64_t(value) * multiplier + round;
  return int32_t(result >> shift);
}

// Tests requantization bit-exactly, including rounding ties, negative
// values, per-channel parameters, the output zero point and saturation.
TEST(Emulator, RequantIsBitExact) {
  // Known answers: multiplier 2^30 with shift 31 halves; ties round up.
  EXPECT_EQ(tosaApplyScale32(3, 1 << 30, 31), 2);   // 1.5 -> 2
  EXPECT_EQ(tosaApplyScale32(-3, 1 << 30, 31), -1); // -1.5 -> -1
  EXPECT_EQ(tosaApplyScale32(5, 1 << 30, 31), 3);   // 2.5 -> 3
  EXPECT_EQ(tosaApplyScale32(-5, 1 << 30, 31), -2); // -2.5 -> -2

  const int C = 3, P = 8; // channels (innermost), positions
  std::vector<int32_t> acc = {3, -3, 5,  -5, 255, -256, 1000000, -1000000,
                              0, 1,  -1, 2,  127, -128, 300,     -300,
                              7, 8,  9,  10, 11,  12,   13,      14};
  // Per channel {bias, multiplier, shift}.
  std::vector<int32_t> params = {0,  1 << 30,    31,  // x 0.5
                                 10, 1518500250, 32,  // x ~0.3535
                                 -7, 2147483647, 40}; // x ~2^-9
  ProgramBuilder b(v1());
  b.setDramSize(64);
  bin::VectorDesc d =
      makeVectorDesc({C, P, 1, 1}, bin::ElementType::I32, {1, C, 0, 0},
                     bin::ElementType::I8, {1, C, 0, 0});
  d.mutate_zp_out(-5);
  d.mutate_lo(-128);
  d.mutate_hi(100); // a fused clamp
  uint16_t v = b.addVector(d);
  b.emit(makeVector(Opcode::VecRequant, v, 0, 0, 1024, 2048));
  std::string error;
  auto exe = Executable::load(b.finish(), nullptr, error);
  ASSERT_TRUE(exe) << error;
  Emulator emu(*exe);
  ASSERT_TRUE(emu.prepare(error)) << error;
  put(emu.scratchpad(), 0, acc);
  put(emu.scratchpad(), 1024, params);
  ASSERT_TRUE(emu.run(error)) << error;
  std::vector<int8_t> got = get<int8_t>(emu.scratchpad(), 2048, C * P);
  for (int i = 0; i < C * P; ++i) {
    int c = i % C;
    int32_t bias = params[c * 3], mult = params[c * 3 + 1],
            shift = params[c * 3 + 2];
    int64_t x =
        std::clamp<int64_t>(int64_t(acc[i]) + bias, INT32_MIN, INT32_MAX);
    int32_t y = tosaApplyScale32(int32_t(x), mult, shift) - 5;
    y = std::clamp(y, -128, 100);
    EXPECT_EQ(got[i], y) << "element " << i;
  }
  EXPECT_EQ(got[0], 2 - 5);  // 1.5 rounds to 2
  EXPECT_EQ(got[3], -2 - 5); // -2.5 rounds to -2 (half up)
  EXPECT_EQ(got[6], 100);    // saturates at the fused clamp
}

// Tests that an illegal requant shift is refused, naming the channel.
TEST(Emulator, RequantRefusesBadShift) {
  ProgramBuilder b(v1());
  b.setDramSize(64);
  uint16_t v = b.addVector(makeVectorDesc({2, 1, 1, 1}, bin::ElementType::I32,
                                          {1, 0, 0, 0}, bin::ElementType::I8,
                                          {1, 0, 0, 0}));
  b.emit(makeVector(Opcode::VecRequant, v, 0, 0, 64, 128));
  std::vector<int32_t> params = {0, 1 << 30, 31, 0, 1 << 30, 70};
  std::string error;
  auto exe = Executable::load(b.finish(), nullptr, error);
  Emulator emu(*exe);
  ASSERT_TRUE(emu.prepare(error)) << error;
  put(emu.scratchpad(), 64, params);
  EXPECT_FALSE(emu.run(error));
  EXPECT_NE(error.find("channel 1 has multiplier 1073741824 and shift 70"),
            std::string::npos)
      << error;
}

// Tests FP32 binary ops with broadcasting (a per-channel bias) and the
// vector timing: startup + ceil(elements / 16 lanes).
TEST(Emulator, BinaryBroadcastAndTiming) {
  const int C = 4, P = 10;
  std::vector<float> x(C * P), bias = {0.5f, -1.0f, 2.0f, 0.0f};
  for (int i = 0; i < C * P; ++i)
    x[i] = 0.1f * float(i);
  ProgramBuilder b(v1());
  b.setDramSize(64);
  uint16_t v = b.addVector(makeVectorDesc(
      {C, P, 1, 1}, bin::ElementType::F32, {1, C, 0, 0}, bin::ElementType::F32,
      {1, C, 0, 0}, bin::ElementType::F32, {1, 0, 0, 0}));
  b.emit(
      makeVector(Opcode::VecBinary, v, vecfunc::VecBinary_Add, 0, 512, 1024));
  b.emit(
      makeVector(Opcode::VecBinary, v, vecfunc::VecBinary_Max, 0, 512, 2048));
  std::string error;
  auto exe = Executable::load(b.finish(), nullptr, error);
  Emulator emu(*exe);
  ASSERT_TRUE(emu.prepare(error)) << error;
  put(emu.scratchpad(), 0, x);
  put(emu.scratchpad(), 512, bias);
  ASSERT_TRUE(emu.run(error)) << error;
  std::vector<float> sum = get<float>(emu.scratchpad(), 1024, C * P);
  std::vector<float> mx = get<float>(emu.scratchpad(), 2048, C * P);
  for (int i = 0; i < C * P; ++i) {
    EXPECT_EQ(sum[i], x[i] + bias[i % C]);
    EXPECT_EQ(mx[i], std::max(x[i], bias[i % C]));
  }
  EXPECT_EQ(emu.stats().unitBusy[unsigned(Unit::Vector)], 2u * (4 + 3));
  EXPECT_EQ(emu.stats().laneOpsFp32, 2u * C * P);
}

// Tests that a vec.binary of no elements (dims[0] = 0) reads nothing, even
// with an operand whose row stride would put later rows far outside the
// scratchpad: the bounds are checked for the elements touched, none. The
// loader fuzzer found the AVX2 row path reading the broadcast scalar of
// every row first (a segfault).
TEST(Emulator, EmptyBinaryReadsNothing) {
  ProgramBuilder b(v1());
  b.setDramSize(64);
  uint16_t v = b.addVector(makeVectorDesc(
      {0, 4, 1, 1}, bin::ElementType::F32, {1, 16, 0, 0}, bin::ElementType::F32,
      {0, 1 << 28, 0, 0}, bin::ElementType::F32, {1, 16, 0, 0}));
  b.emit(makeVector(Opcode::VecBinary, v, vecfunc::VecBinary_Add, 0, 0, 2560));
  std::string error;
  auto exe = Executable::load(b.finish(), nullptr, error);
  ASSERT_TRUE(exe) << error;
  Emulator emu(*exe);
  ASSERT_TRUE(emu.prepare(error)) << error;
  put(emu.scratchpad(), 2560, std::vector<float>(64, 7.0f));
  ASSERT_TRUE(emu.run(error)) << error;
  EXPECT_EQ(get<float>(emu.scratchpad(), 2560, 64),
            std::vector<float>(64, 7.0f));
}

// Tests integer vec.binary on INT8, UINT8 and INT32: computed exactly and
// wrapped to the element width (ONNX's integer Add/Sub/Mul overflow as
// NumPy's do), division truncating toward zero and 0 for a zero divisor;
// INT8 operands at the INT8 lane rate.
TEST(Emulator, IntegerBinaryWrapsToElementWidth) {
  const std::vector<int> xs = {100, -100, 127, -128, 7, -7, 0, 200};
  const std::vector<int> ys = {100, 100, 2, -1, 2, 2, 5, 0};
  const int n = int(xs.size());
  const std::vector<uint8_t> funcs = {
      vecfunc::VecBinary_Add, vecfunc::VecBinary_Sub, vecfunc::VecBinary_Mul,
      vecfunc::VecBinary_Div, vecfunc::VecBinary_Min, vecfunc::VecBinary_Max};
  auto reference = [](uint8_t f, int64_t x, int64_t y) -> int64_t {
    switch (f) {
    case vecfunc::VecBinary_Add:
      return x + y;
    case vecfunc::VecBinary_Sub:
      return x - y;
    case vecfunc::VecBinary_Mul:
      return x * y;
    case vecfunc::VecBinary_Div:
      return y == 0 ? 0 : x / y;
    case vecfunc::VecBinary_Min:
      return std::min(x, y);
    default:
      return std::max(x, y);
    }
  };
  for (bin::ElementType type :
       {bin::ElementType::I8, bin::ElementType::U8, bin::ElementType::I32}) {
    SCOPED_TRACE(bin::EnumNameElementType(type));
    int eb = type == bin::ElementType::I32 ? 4 : 1;
    // The operands as the type holds them.
    auto narrow = [&](int64_t v) -> int64_t {
      if (type == bin::ElementType::I8)
        return int8_t(uint8_t(uint64_t(v) & 0xff));
      if (type == bin::ElementType::U8)
        return int64_t(uint64_t(v) & 0xff);
      return int32_t(uint32_t(uint64_t(v) & 0xffffffffu));
    };
    ProgramBuilder b(v1());
    b.setDramSize(64);
    uint16_t v =
        b.addVector(makeVectorDesc({uint16_t(n), 1, 1, 1}, type, {1, 0, 0, 0},
                                   type, {1, 0, 0, 0}, type, {1, 0, 0, 0}));
    for (size_t f = 0; f < funcs.size(); ++f)
      b.emit(makeVector(Opcode::VecBinary, v, funcs[f], 0, 256,
                        uint32_t(1024 + 256 * f)));
    std::string error;
    auto exe = Executable::load(b.finish(), nullptr, error);
    ASSERT_TRUE(exe) << error;
    Emulator emu(*exe);
    ASSERT_TRUE(emu.prepare(error)) << error;
    for (int i = 0; i < n; ++i) {
      int64_t x = narrow(xs[i]), y = narrow(ys[i]);
      std::memcpy(emu.scratchpad().data() + i * eb, &x, size_t(eb));
      std::memcpy(emu.scratchpad().data() + 256 + i * eb, &y, size_t(eb));
    }
    ASSERT_TRUE(emu.run(error)) << error;
    for (size_t f = 0; f < funcs.size(); ++f)
      for (int i = 0; i < n; ++i) {
        int64_t got = 0;
        std::memcpy(&got, emu.scratchpad().data() + 1024 + 256 * f + i * eb,
                    size_t(eb));
        EXPECT_EQ(narrow(got),
                  narrow(reference(funcs[f], narrow(xs[i]), narrow(ys[i]))))
            << "func " << int(funcs[f]) << " element " << i;
      }
    if (eb == 1)
      EXPECT_EQ(emu.stats().laneOpsInt8, funcs.size() * n);
    // Spot checks by hand: INT8 100 + 100 = -56 and -7 / 2 = -3; UINT8
    // 100 * 100 = 10000 mod 256 = 16.
    const uint8_t *sp = emu.scratchpad().data();
    if (type == bin::ElementType::I8) {
      EXPECT_EQ(int8_t(sp[1024 + 0]), -56);
      EXPECT_EQ(int8_t(sp[1024 + 3 * 256 + 5]), -3);
    } else if (type == bin::ElementType::U8) {
      EXPECT_EQ(sp[1024 + 2 * 256 + 0], 16);
    }
  }
}

// Tests the FP32 functions against the C++ library in single precision, and
// the transcendental cost.
/// Runs one vec.unary `func` over the 8 values `x` (alpha 0.1, beta 0.5,
/// lo 0, hi 1) and returns its results; `vectorCycles` gets the vector
/// unit's busy cycles. Empty (with a test failure) when the run fails.
std::vector<float> runUnary(uint8_t func, const std::vector<float> &x,
                            uint64_t &vectorCycles) {
  ProgramBuilder b(v1());
  b.setDramSize(64);
  bin::VectorDesc d =
      makeVectorDesc({8, 1, 1, 1}, bin::ElementType::F32, {1, 0, 0, 0},
                     bin::ElementType::F32, {1, 0, 0, 0});
  d.mutate_alpha(0.1f);
  d.mutate_beta(0.5f);
  d.mutate_lo(0.0f);
  d.mutate_hi(1.0f);
  b.emit(makeVector(Opcode::VecUnary, b.addVector(d), func, 0, 0, 64));
  std::string error;
  auto exe = Executable::load(b.finish(), nullptr, error);
  Emulator emu(*exe);
  if (!emu.prepare(error)) {
    ADD_FAILURE() << error;
    return {};
  }
  put(emu.scratchpad(), 0, x);
  if (!emu.run(error)) {
    ADD_FAILURE() << error;
    return {};
  }
  vectorCycles = emu.stats().unitBusy[unsigned(Unit::Vector)];
  return get<float>(emu.scratchpad(), 64, 8);
}

TEST(Emulator, UnaryFunctions) {
  std::vector<float> x = {-3.0f, -0.5f, 0.0f, 0.25f, 1.0f, 2.5f, 7.0f, 0.75f};
  struct Case {
    uint8_t func;
    float (*ref)(float);
  };
  const Case cases[] = {
      {vecfunc::VecUnary_Exp, [](float v) { return std::exp(v); }},
      {vecfunc::VecUnary_Tanh, [](float v) { return std::tanh(v); }},
      {vecfunc::VecUnary_Erf, [](float v) { return std::erf(v); }},
      {vecfunc::VecUnary_Sigmoid,
       [](float v) { return 1.0f / (1.0f + std::exp(-v)); }},
      {vecfunc::VecUnary_Reciprocal, [](float v) { return 1.0f / v; }},
      {vecfunc::VecUnary_LeakyRelu,
       [](float v) { return v >= 0 ? v : 0.1f * v; }},
      {vecfunc::VecUnary_AffineClamp,
       [](float v) { return std::min(std::max(0.1f * v + 0.5f, 0.0f), 1.0f); }},
      {vecfunc::VecUnary_HardSwish,
       [](float v) {
         return v * std::min(std::max(0.1f * v + 0.5f, 0.0f), 1.0f);
       }},
      {vecfunc::VecUnary_Abs, [](float v) { return std::fabs(v); }},
      {vecfunc::VecUnary_Floor, [](float v) { return std::floor(v); }},
      {vecfunc::VecUnary_Ceil, [](float v) { return std::ceil(v); }},
      {vecfunc::VecUnary_Sign,
       [](float v) { return v > 0   ? 1.0f
                            : v < 0 ? -1.0f
                                    : v; }},
      {vecfunc::VecUnary_Log, [](float v) { return std::log(v); }},
      {vecfunc::VecUnary_Sin, [](float v) { return std::sin(v); }},
      {vecfunc::VecUnary_Cos, [](float v) { return std::cos(v); }},
      {vecfunc::VecUnary_Softplus,
       [](float v) { return std::log(std::exp(v) + 1.0f); }},
      {vecfunc::VecUnary_Softsign,
       [](float v) { return v / (1.0f + std::fabs(v)); }},
      {vecfunc::VecUnary_Tan, [](float v) { return std::tan(v); }},
      {vecfunc::VecUnary_Asin, [](float v) { return std::asin(v); }},
      {vecfunc::VecUnary_Acos, [](float v) { return std::acos(v); }},
      {vecfunc::VecUnary_Atan, [](float v) { return std::atan(v); }},
      {vecfunc::VecUnary_Sinh, [](float v) { return std::sinh(v); }},
      {vecfunc::VecUnary_Cosh, [](float v) { return std::cosh(v); }},
      {vecfunc::VecUnary_Asinh, [](float v) { return std::asinh(v); }},
      {vecfunc::VecUnary_Acosh, [](float v) { return std::acosh(v); }},
      {vecfunc::VecUnary_Atanh, [](float v) { return std::atanh(v); }},
      // alpha 0.1, beta 0.5: hand-worked at the inputs below.
      {vecfunc::VecUnary_ThresholdedRelu,
       [](float v) { return v > 0.1f ? v : 0.0f; }},
      {vecfunc::VecUnary_Shrink,
       [](float v) {
         return v < -0.1f ? v + 0.5f : v > 0.1f ? v - 0.5f : 0.0f;
       }},
      // alpha 0.1, beta (the scale) 0.5.
      {vecfunc::VecUnary_Elu,
       [](float v) {
         return 0.5f * (v > 0 ? v : 0.1f * (std::exp(v) - 1.0f));
       }},
  };
  for (const Case &c : cases) {
    uint64_t vectorCycles = 0;
    std::vector<float> got = runUnary(c.func, x, vectorCycles);
    ASSERT_EQ(got.size(), x.size());
    for (int i = 0; i < 8; ++i) {
      float want = c.ref(x[i]);
      if (std::isnan(want))
        EXPECT_TRUE(std::isnan(got[i]))
            << vecFuncName(Opcode::VecUnary, c.func);
      else
        EXPECT_EQ(got[i], want) << vecFuncName(Opcode::VecUnary, c.func);
    }
    bool transcendental = isTranscendental(Opcode::VecUnary, c.func);
    EXPECT_EQ(vectorCycles, 4u + (transcendental ? 4u : 1u));
  }
}

// vec.unary round: halves go to the even integer (ONNX Round), whatever the
// FPU's rounding mode; hand-worked values.
TEST(Emulator, RoundHalfToEven) {
  std::vector<float> x = {-2.5f, -0.5f, 0.5f, 1.5f, 2.5f, 3.5f, 2.4f, -3.6f};
  std::vector<float> want = {-2.0f, -0.0f, 0.0f, 2.0f, 2.0f, 4.0f, 2.0f, -4.0f};
  uint64_t vectorCycles = 0;
  std::vector<float> got = runUnary(vecfunc::VecUnary_Round, x, vectorCycles);
  ASSERT_EQ(got.size(), x.size());
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(got[i], want[i]) << "round(" << x[i] << ")";
    EXPECT_EQ(std::signbit(got[i]), std::signbit(want[i]))
        << "round(" << x[i] << ")";
  }
}

// Tests INT8 lookup tables (index = x + 128).
TEST(Emulator, LookupTable) {
  std::vector<int8_t> table(256), x = {-128, -1, 0, 1, 127, 42};
  for (int i = 0; i < 256; ++i)
    table[i] = int8_t(255 - i);
  ProgramBuilder b(v1());
  b.setDramSize(64);
  uint16_t v = b.addVector(makeVectorDesc({6, 1, 1, 1}, bin::ElementType::I8,
                                          {1, 0, 0, 0}, bin::ElementType::I8,
                                          {1, 0, 0, 0}));
  b.emit(makeVector(Opcode::VecLut, v, 0, 0, 256, 1024));
  std::string error;
  auto exe = Executable::load(b.finish(), nullptr, error);
  Emulator emu(*exe);
  ASSERT_TRUE(emu.prepare(error)) << error;
  put(emu.scratchpad(), 0, x);
  put(emu.scratchpad(), 256, table);
  ASSERT_TRUE(emu.run(error)) << error;
  std::vector<int8_t> got = get<int8_t>(emu.scratchpad(), 1024, 6);
  for (size_t i = 0; i < x.size(); ++i)
    EXPECT_EQ(got[i], table[x[i] + 128]);
  EXPECT_EQ(emu.stats().unitBusy[unsigned(Unit::Vector)], 4u + 1u);
}

// Tests reductions: a mean over the inner axis (sum x alpha) and a max.
TEST(Emulator, Reductions) {
  const int C = 5, P = 3;
  std::vector<float> x(C * P);
  for (int i = 0; i < C * P; ++i)
    x[i] = float((i * 7) % 11) - 4.0f;
  ProgramBuilder b(v1());
  b.setDramSize(64);
  bin::VectorDesc mean =
      makeVectorDesc({C, P, 1, 1}, bin::ElementType::F32, {1, C, 0, 0},
                     bin::ElementType::F32, {0, 1, 0, 0});
  mean.mutate_alpha(1.0f / C);
  b.emit(makeVector(Opcode::VecReduce, b.addVector(mean),
                    vecfunc::VecReduce_Sum, 0, 0, 256));
  b.emit(makeVector(Opcode::VecReduce, b.addVector(mean),
                    vecfunc::VecReduce_Max, 0, 0, 512));
  b.emit(makeVector(Opcode::VecReduce, b.addVector(mean),
                    vecfunc::VecReduce_Min, 0, 0, 768));
  b.emit(makeVector(Opcode::VecReduce, b.addVector(mean),
                    vecfunc::VecReduce_Prod, 0, 0, 1024));
  std::string error;
  auto exe = Executable::load(b.finish(), nullptr, error);
  Emulator emu(*exe);
  ASSERT_TRUE(emu.prepare(error)) << error;
  put(emu.scratchpad(), 0, x);
  ASSERT_TRUE(emu.run(error)) << error;
  std::vector<float> m = get<float>(emu.scratchpad(), 256, P);
  std::vector<float> mx = get<float>(emu.scratchpad(), 512, P);
  std::vector<float> mn = get<float>(emu.scratchpad(), 768, P);
  std::vector<float> prod = get<float>(emu.scratchpad(), 1024, P);
  for (int p = 0; p < P; ++p) {
    float s = 0, best = -INFINITY, least = INFINITY, product = 1;
    for (int c = 0; c < C; ++c) {
      s += x[p * C + c];
      best = std::max(best, x[p * C + c]);
      least = std::min(least, x[p * C + c]);
      product *= x[p * C + c];
    }
    EXPECT_EQ(m[p], s * (1.0f / C));
    EXPECT_EQ(mx[p], best);
    EXPECT_EQ(mn[p], least);     // min ignores alpha, as max does
    EXPECT_EQ(prod[p], product); // and so does prod (ISA v11)
  }
  // Hand-worked: column 0 is x[0..4] = -4, 3, -1, 6, 2.
  EXPECT_EQ(mn[0], -4.0f);
  EXPECT_EQ(mx[0], 6.0f);
  EXPECT_EQ(prod[0], 144.0f);
}

// Index reductions (ISA v5): per column the index of the largest or
// smallest element, the first or the last among equals; a NaN is kept only
// when it comes first (it never compares greater), as ONNX Runtime's
// ArgMax. Hand-worked columns, INT32 indices.
TEST(Emulator, IndexReductions) {
  const int C = 5, P = 3;
  // Column-major groups: x[p * C + c].
  std::vector<float> x = {
      1,   7,  3,  7,  -2,  // ties at 1 and 3 for the max
      NAN, 4,  9,  -5, -5,  // NaN first: kept by argmax; min tie at 3, 4
      -1,  -1, -1, -1, -1}; // all equal
  ProgramBuilder b(v1());
  b.setDramSize(64);
  bin::VectorDesc desc =
      makeVectorDesc({C, P, 1, 1}, bin::ElementType::F32, {1, C, 0, 0},
                     bin::ElementType::I32, {0, 1, 0, 0});
  uint32_t d = b.addVector(desc);
  b.emit(
      makeVector(Opcode::VecReduce, d, vecfunc::VecReduce_ArgMax, 0, 0, 256));
  b.emit(makeVector(Opcode::VecReduce, d, vecfunc::VecReduce_ArgMaxLast, 0, 0,
                    512));
  b.emit(
      makeVector(Opcode::VecReduce, d, vecfunc::VecReduce_ArgMin, 0, 0, 768));
  b.emit(makeVector(Opcode::VecReduce, d, vecfunc::VecReduce_ArgMinLast, 0, 0,
                    1024));
  std::string error;
  auto exe = Executable::load(b.finish(), nullptr, error);
  ASSERT_TRUE(exe) << error;
  Emulator emu(*exe);
  ASSERT_TRUE(emu.prepare(error)) << error;
  put(emu.scratchpad(), 0, x);
  ASSERT_TRUE(emu.run(error)) << error;
  EXPECT_EQ(get<int32_t>(emu.scratchpad(), 256, P),
            (std::vector<int32_t>{1, 0, 0}));
  EXPECT_EQ(get<int32_t>(emu.scratchpad(), 512, P),
            (std::vector<int32_t>{3, 0, 4}));
  EXPECT_EQ(get<int32_t>(emu.scratchpad(), 768, P),
            (std::vector<int32_t>{4, 0, 0}));
  EXPECT_EQ(get<int32_t>(emu.scratchpad(), 1024, P),
            (std::vector<int32_t>{4, 0, 4}));
}

//===----------------------------------------------------------------------===//
// Host fast paths (AVX2 kernels, vectorised rows): bit-identical to the
// element-by-element definitions
//===----------------------------------------------------------------------===//

bool sameBits(float a, float b) { return std::memcmp(&a, &b, 4) == 0; }

/// Emits one vec.unary affine_clamp over `n` dense FP32 elements from
/// `src` to `dst` with the given scalars: the pass an ISA v14 output stage
/// (or hard_swish_affine) replaces, for the tests that compare the two.
void emitAffineClampPass(ProgramBuilder &b, uint16_t n, uint32_t src,
                         uint32_t dst, float alpha, float beta, float lo,
                         float hi) {
  bin::VectorDesc d =
      makeVectorDesc({n, 1, 1, 1}, bin::ElementType::F32, {1, 0, 0, 0},
                     bin::ElementType::F32, {1, 0, 0, 0});
  d.mutate_alpha(alpha);
  d.mutate_beta(beta);
  d.mutate_lo(lo);
  d.mutate_hi(hi);
  b.emit(makeVector(Opcode::VecUnary, b.addVector(d),
                    vecfunc::VecUnary_AffineClamp, src, 0, dst));
}

/// The programs `build(b, fused)` makes with an instruction's output stage
/// (fused) and with the pass it replaces, each run on the target npu-v1 on
/// an emulator `setup` prepares; both runs are expected to succeed.
std::pair<ProgramRun, ProgramRun>
runFusedAndPair(const std::function<void(ProgramBuilder &, bool)> &build,
                const std::function<void(Emulator &)> &setup) {
  auto run = [&](bool fused) {
    ProgramBuilder b(v1());
    b.setDramSize(64);
    build(b, fused);
    ProgramRun r = runProgram(b, {}, setup);
    EXPECT_TRUE(r.ok) << r.error;
    return r;
  };
  return {run(true), run(false)};
}

/// Values that tell orders and operand choices apart: signed zeros, NaN,
/// infinities, and magnitudes whose sums depend on the order of addition.
std::vector<float> awkwardFloats(size_t n, unsigned seed) {
  const float special[] = {0.0f,  -0.0f,  NAN,    INFINITY, -INFINITY,
                           1e30f, -1e30f, 1e-30f, 3.0f,     -2.5f};
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-4.0f, 4.0f);
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = rng() % 5 == 0 ? special[rng() % 10] : d(rng) * float(1 << (i % 20));
  return v;
}

// Tests the FP32 matmul's register blocks (16 and 8 columns, then a tail of
// 3; two groups of four rows, then one row alone), with and without
// accumulation, W's rows dense or 3 floats apart (the kernel reads W in
// place): every sum is the k-ordered sum of single-precision products, bit
// for bit, including NaN and signed zeros.
TEST(Emulator, Fp32MatmulBlocksKeepTheOrderOfSums) {
  const int M = 9, K = 7, N = 27;
  std::vector<float> a = awkwardFloats(M * K, 1), w = awkwardFloats(K * N, 2);
  std::vector<float> init = awkwardFloats(M * N, 3);
  for (int gap : {0, 3})
    for (bool accumulate : {false, true}) {
      ProgramBuilder b(v1());
      b.setDramSize(64);
      uint16_t mm =
          b.addMatmul(makeMatmulDesc(M, K, N, K * 4, (N + gap) * 4, N));
      b.emit(makeMatmul(mm, 0, 4096, 0, true, accumulate, false));
      ProgramRun r = runProgram(b, {}, [&](Emulator &emu) {
        put(emu.scratchpad(), 0, a);
        std::vector<float> spread(size_t(K * (N + gap)), NAN);
        for (int p = 0; p < K; ++p)
          std::copy_n(&w[p * N], N, &spread[p * (N + gap)]);
        put(emu.scratchpad(), 4096, spread);
        put(emu.accumulator(), 0, init);
      });
      ASSERT_TRUE(r.ok) << r.error;
      std::vector<float> got = get<float>(r.emu->accumulator(), 0, M * N);
      for (int i = 0; i < M; ++i)
        for (int j = 0; j < N; ++j) {
          float ref = accumulate ? init[i * N + j] : 0.0f;
          for (int p = 0; p < K; ++p)
            ref += a[i * K + p] * w[p * N + j];
          EXPECT_TRUE(sameBits(got[i * N + j], ref))
              << i << "," << j << ": " << got[i * N + j] << " vs " << ref;
        }
    }
}

// Tests the INT8 matmul's register blocks (two blocks of 16 columns, one
// of 8 and a tail of 5; two groups of four rows and one row alone; an odd
// k, so the last pair of k has a zero partner; -128 x -128 products
// summed in pairs) against the exact integer sums, overwriting then
// accumulating.
TEST(Emulator, Int8MatmulBlocksMatchExactSums) {
  const int M = 9, K = 13, N = 45;
  std::vector<int8_t> a = randomInt8(M * K, 7), w = randomInt8(K * N, 8);
  for (int kk = 0; kk < K; ++kk) {
    a[kk] = -128; // row 0 of A, and columns 0 and 40 of W
    w[kk * N] = w[kk * N + 40] = -128;
  }
  ProgramBuilder b(v1());
  b.setDramSize(64);
  uint16_t mm = b.addMatmul(makeMatmulDesc(M, K, N, K, N, N));
  b.emit(makeMatmul(mm, 0, 4096, 0, false, false, false));
  b.emit(makeMatmul(mm, 0, 4096, 0, false, true, false));
  ProgramRun r = runProgram(b, {}, [&](Emulator &emu) {
    put(emu.scratchpad(), 0, a);
    put(emu.scratchpad(), 4096, w);
  });
  ASSERT_TRUE(r.ok) << r.error;
  std::vector<int32_t> ref = refMatmul(a, w, M, K, N);
  std::vector<int32_t> got = get<int32_t>(r.emu->accumulator(), 0, M * N);
  for (int i = 0; i < M * N; ++i)
    ASSERT_EQ(got[i], 2 * ref[i]) << i;
}

// Tests vec.binary on planes of short rows (a per-channel row of 20
// repeated over 6 pixels, in place and out of place) and on a broadcast
// scalar, and hard_swish on dense rows: the same bits as the scalar
// definitions, including NaN, infinities and signed zeros.
TEST(Emulator, Fp32VectorRowsMatchElementwiseDefinitions) {
  const int C = 20, P = 6;
  std::vector<float> x = awkwardFloats(C * P, 4), ch = awkwardFloats(C, 5);
  ProgramBuilder b(v1());
  b.setDramSize(64);
  uint16_t perChannel = b.addVector(makeVectorDesc(
      {C, P, 1, 1}, bin::ElementType::F32, {1, C, 0, 0}, bin::ElementType::F32,
      {1, C, 0, 0}, bin::ElementType::F32, {1, 0, 0, 0}));
  uint16_t scalar = b.addVector(
      makeVectorDesc({C * P, 1, 1, 1}, bin::ElementType::F32, {1, 0, 0, 0},
                     bin::ElementType::F32, {1, 0, 0, 0}, bin::ElementType::F32,
                     {0, 0, 0, 0}));
  bin::VectorDesc hs =
      makeVectorDesc({C * P, 1, 1, 1}, bin::ElementType::F32, {1, 0, 0, 0},
                     bin::ElementType::F32, {1, 0, 0, 0});
  hs.mutate_alpha(1.0f / 6.0f);
  hs.mutate_beta(0.5f);
  uint16_t hsDesc = b.addVector(hs);
  const uint8_t funcs[] = {vecfunc::VecBinary_Add, vecfunc::VecBinary_Sub,
                           vecfunc::VecBinary_Mul, vecfunc::VecBinary_Div};
  // Out of place at 4096 + 1024 f, in place on a copy at 16384 + 1024 f.
  for (int f = 0; f < 4; ++f) {
    b.emit(makeVector(Opcode::VecBinary, perChannel, funcs[f], 0, 2048,
                      4096 + 1024 * f));
    b.emit(makeVector(Opcode::VecBinary, perChannel, funcs[f], 16384 + 1024 * f,
                      2048, 16384 + 1024 * f));
    b.emit(makeVector(Opcode::VecBinary, scalar, funcs[f], 0, 2048 + 4,
                      8192 + 1024 * f));
  }
  b.emit(makeVector(Opcode::VecUnary, hsDesc, vecfunc::VecUnary_HardSwish, 0, 0,
                    12288));
  ProgramRun r = runProgram(b, {}, [&](Emulator &emu) {
    put(emu.scratchpad(), 0, x);
    put(emu.scratchpad(), 2048, ch);
    for (int f = 0; f < 4; ++f)
      put(emu.scratchpad(), 16384 + 1024 * f, x);
  });
  ASSERT_TRUE(r.ok) << r.error;
  auto op = [](int f, float u, float v) {
    return f == 0 ? u + v : f == 1 ? u - v : f == 2 ? u * v : u / v;
  };
  for (int f = 0; f < 4; ++f) {
    std::vector<float> out =
        get<float>(r.emu->scratchpad(), 4096 + 1024 * f, C * P);
    std::vector<float> in =
        get<float>(r.emu->scratchpad(), 16384 + 1024 * f, C * P);
    std::vector<float> sc =
        get<float>(r.emu->scratchpad(), 8192 + 1024 * f, C * P);
    for (int i = 0; i < C * P; ++i) {
      float ref = op(f, x[i], ch[i % C]);
      EXPECT_TRUE(sameBits(out[i], ref)) << f << " " << i;
      EXPECT_TRUE(sameBits(in[i], ref)) << f << " in place " << i;
      EXPECT_TRUE(sameBits(sc[i], op(f, x[i], ch[1]))) << f << " scalar " << i;
    }
  }
  std::vector<float> h = get<float>(r.emu->scratchpad(), 12288, C * P);
  for (int i = 0; i < C * P; ++i) {
    float v = x[i];
    float ref = v * std::min(std::max((1.0f / 6.0f) * v + 0.5f, 0.0f), 1.0f);
    EXPECT_TRUE(sameBits(h[i], ref)) << i << ": " << h[i] << " vs " << ref;
  }
}

// Tests the output stage of FP32 vec.binary add, sub, mul and div (ISA
// v14): min(max(alpha * (x op y) + beta, lo), hi) when a scalar is not its
// default, bit-identical to the operation then an affine_clamp with those
// scalars (NaN, infinities and signed zeros included), on dense rows (AVX2
// and a scalar tail), a plane of rows with a per-channel src1 and a
// strided view (the element path); one pass at the operation's rate; with
// every scalar at its default, the operation alone (-0 stays -0).
TEST(Emulator, BinaryResultsPassTheOutputStage) {
  const int C = 20, P = 6, N = C * P;
  std::vector<float> x = awkwardFloats(2 * N, 10), y = awkwardFloats(N, 11);
  const uint8_t funcs[] = {vecfunc::VecBinary_Add, vecfunc::VecBinary_Sub,
                           vecfunc::VecBinary_Mul, vecfunc::VecBinary_Div};
  // Dense rows of N; a [P][C] plane of rows with src1 per channel; src0
  // read with stride 2.
  struct Layout {
    Dims4 dims;
    ElemStrides4 s0, s1;
  };
  const Layout layouts[] = {{{N, 1, 1, 1}, {1, 0, 0, 0}, {1, 0, 0, 0}},
                            {{C, P, 1, 1}, {1, C, 0, 0}, {1, 0, 0, 0}},
                            {{N, 1, 1, 1}, {2, 0, 0, 0}, {1, 0, 0, 0}}};
  struct Stage {
    float alpha, beta, lo, hi;
  };
  const Stage stages[] = {{1, 0, 0, INFINITY},
                          {1, 0, -1.5f, 6},
                          {0.5f, 1, -INFINITY, INFINITY},
                          {1, 0, -INFINITY, INFINITY}};
  for (const Layout &l : layouts)
    for (uint8_t func : funcs)
      for (const Stage &st : stages) {
        bool on = st.alpha != 1 || st.beta != 0 || !std::isinf(st.lo) ||
                  !std::isinf(st.hi);
        auto [fused, pair] = runFusedAndPair(
            [&](ProgramBuilder &b, bool fused) {
              bin::VectorDesc op = makeVectorDesc(
                  l.dims, bin::ElementType::F32, l.s0, bin::ElementType::F32,
                  denseStrides(l.dims), bin::ElementType::F32, l.s1);
              if (fused) {
                op.mutate_alpha(st.alpha);
                op.mutate_beta(st.beta);
                op.mutate_lo(st.lo);
                op.mutate_hi(st.hi);
              }
              b.emit(makeVector(Opcode::VecBinary, b.addVector(op), func, 0,
                                4096, 8192));
              if (!fused && on)
                emitAffineClampPass(b, N, 8192, 8192, st.alpha, st.beta, st.lo,
                                    st.hi);
            },
            [&](Emulator &emu) {
              put(emu.scratchpad(), 0, x);
              put(emu.scratchpad(), 4096, y);
            });
        ASSERT_TRUE(fused.ok && pair.ok);
        std::vector<float> got = get<float>(fused.emu->scratchpad(), 8192, N);
        std::vector<float> want = get<float>(pair.emu->scratchpad(), 8192, N);
        for (int i = 0; i < N; ++i)
          EXPECT_TRUE(sameBits(got[i], want[i]))
              << int(func) << " " << st.alpha << " " << st.beta << " [" << st.lo
              << ", " << st.hi << "] " << i << ": " << got[i] << " vs "
              << want[i];
        // One instruction: the operation's cycles (div: transcendental).
        EXPECT_EQ(
            fused.emu->stats().unitBusy[unsigned(Unit::Vector)],
            staticInstructionCycles(*fused.exe, fused.exe->instructions()[0]));
      }
  // By hand: ReLU of 1 - 3 is 0, of 3 - 1 is 2; Clip(-1.5, 6) of 4 * 2 is 6.
  ProgramBuilder b(v1());
  b.setDramSize(64);
  bin::VectorDesc relu = makeVectorDesc(
      {2, 1, 1, 1}, bin::ElementType::F32, {1, 0, 0, 0}, bin::ElementType::F32,
      {1, 0, 0, 0}, bin::ElementType::F32, {1, 0, 0, 0});
  relu.mutate_lo(0.0f);
  b.emit(makeVector(Opcode::VecBinary, b.addVector(relu),
                    vecfunc::VecBinary_Sub, 0, 64, 128));
  bin::VectorDesc clip = relu;
  clip.mutate_lo(-1.5f);
  clip.mutate_hi(6.0f);
  b.emit(makeVector(Opcode::VecBinary, b.addVector(clip),
                    vecfunc::VecBinary_Mul, 0, 64, 192));
  ProgramRun r = runProgram(b, {}, [&](Emulator &emu) {
    put(emu.scratchpad(), 0, std::vector<float>{1.0f, 4.0f});
    put(emu.scratchpad(), 64, std::vector<float>{3.0f, 2.0f});
  });
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(get<float>(r.emu->scratchpad(), 128, 2),
            (std::vector<float>{0.0f, 2.0f}));
  EXPECT_EQ(get<float>(r.emu->scratchpad(), 192, 2),
            (std::vector<float>{3.0f, 6.0f}));
}

// Tests vec.unary hard_swish_affine (ISA v14): lo * hard_swish(x) + hi,
// bit-identical to hard_swish then affine_clamp (alpha lo, beta hi, no
// bounds) on awkward values (NaN, infinities, signed zeros), on dense rows
// (the AVX2 path and a scalar tail) and on a strided view (the scalar
// path); one vector pass at hard_swish's rate; two lane operations per
// element for energy, as the pair's.
TEST(Emulator, HardSwishAffineIsHardSwishThenAffine) {
  const int N = 100; // 12 blocks of 8 and a tail of 4
  std::vector<float> x = awkwardFloats(2 * N, 9);
  const float scale = 0.632965862f, offset = -0.546588659f;
  auto desc = [&](int stride) {
    bin::VectorDesc d =
        makeVectorDesc({N, 1, 1, 1}, bin::ElementType::F32, {stride, 0, 0, 0},
                       bin::ElementType::F32, {1, 0, 0, 0});
    d.mutate_alpha(1.0f / 6.0f);
    d.mutate_beta(0.5f);
    return d;
  };
  for (int stride : {1, 2}) {
    auto [fused, pair] = runFusedAndPair(
        [&](ProgramBuilder &b, bool fused) {
          bin::VectorDesc hs = desc(stride);
          if (fused) {
            hs.mutate_lo(scale);
            hs.mutate_hi(offset);
            b.emit(makeVector(Opcode::VecUnary, b.addVector(hs),
                              vecfunc::VecUnary_HardSwishAffine, 0, 0, 4096));
            return;
          }
          b.emit(makeVector(Opcode::VecUnary, b.addVector(hs),
                            vecfunc::VecUnary_HardSwish, 0, 0, 2048));
          emitAffineClampPass(b, N, 2048, 4096, scale, offset, -INFINITY,
                              INFINITY);
        },
        [&](Emulator &emu) { put(emu.scratchpad(), 0, x); });
    ASSERT_TRUE(fused.ok && pair.ok);
    std::vector<float> got = get<float>(fused.emu->scratchpad(), 4096, N);
    std::vector<float> want = get<float>(pair.emu->scratchpad(), 4096, N);
    for (int i = 0; i < N; ++i) {
      float v = x[size_t(i * stride)];
      float h = v * std::min(std::max((1.0f / 6.0f) * v + 0.5f, 0.0f), 1.0f);
      float ref = scale * h + offset;
      EXPECT_TRUE(sameBits(got[i], want[i]))
          << stride << " " << i << ": " << got[i] << " vs " << want[i];
      EXPECT_TRUE(sameBits(got[i], ref)) << stride << " " << i;
    }
    // One pass at hard_swish's rate: startup + ceil(100 / 16) lane groups.
    const TargetDesc &t = v1();
    uint64_t onePass =
        t.vectorStartupCycles + (N + t.vectorLanes32 - 1) / t.vectorLanes32;
    EXPECT_EQ(fused.emu->stats().unitBusy[unsigned(Unit::Vector)], onePass);
    EXPECT_EQ(pair.emu->stats().unitBusy[unsigned(Unit::Vector)], 2 * onePass);
    EXPECT_EQ(
        fused.emu->stats().unitBusy[unsigned(Unit::Vector)],
        staticInstructionCycles(*fused.exe, fused.exe->instructions()[0]));
    // The arithmetic's energy is the pair's; the scratchpad's is less.
    EXPECT_DOUBLE_EQ(fused.emu->stats().energy.vectorPj,
                     pair.emu->stats().energy.vectorPj);
    EXPECT_LT(fused.emu->stats().energy.sramPj,
              pair.emu->stats().energy.sramPj);
  }
}

// Tests vec.binary mac (ISA v7): FP32 dst + src0 * src1 bit-identical to a
// mul into a temporary then an add (the product rounded first: a depthwise
// convolution's taps give the bytes they gave before), on dense rows of 20
// (AVX2 blocks and a scalar tail), a per-channel broadcast src1 and a
// scalar src1, accumulated three times; INT32 wrapping; one lane cycle per
// lane group, like mul; other element types refused.
TEST(Emulator, MacIsMulThenAdd) {
  const int C = 20, P = 6;
  std::vector<float> x = awkwardFloats(C * P, 6), ch = awkwardFloats(C, 7),
                     acc = awkwardFloats(C * P, 8);
  ProgramBuilder b(v1());
  b.setDramSize(64);
  uint16_t perChannel = b.addVector(makeVectorDesc(
      {C, P, 1, 1}, bin::ElementType::F32, {1, C, 0, 0}, bin::ElementType::F32,
      {1, C, 0, 0}, bin::ElementType::F32, {1, 0, 0, 0}));
  uint16_t scalar = b.addVector(
      makeVectorDesc({C * P, 1, 1, 1}, bin::ElementType::F32, {1, 0, 0, 0},
                     bin::ElementType::F32, {1, 0, 0, 0}, bin::ElementType::F32,
                     {0, 0, 0, 0}));
  for (int k = 0; k < 3; ++k) {
    b.emit(makeVector(Opcode::VecBinary, perChannel, vecfunc::VecBinary_Mac, 0,
                      2048, 4096));
    b.emit(makeVector(Opcode::VecBinary, scalar, vecfunc::VecBinary_Mac, 0,
                      2048 + 4, 8192));
  }
  ProgramRun r = runProgram(b, {}, [&](Emulator &emu) {
    put(emu.scratchpad(), 0, x);
    put(emu.scratchpad(), 2048, ch);
    put(emu.scratchpad(), 4096, acc);
    put(emu.scratchpad(), 8192, acc);
  });
  ASSERT_TRUE(r.ok) << r.error;
  std::vector<float> out = get<float>(r.emu->scratchpad(), 4096, C * P);
  std::vector<float> sc = get<float>(r.emu->scratchpad(), 8192, C * P);
  for (int i = 0; i < C * P; ++i) {
    volatile float want = acc[i], wantScalar = acc[i];
    for (int k = 0; k < 3; ++k) {
      volatile float p = x[i] * ch[i % C], q = x[i] * ch[1];
      want = want + p;
      wantScalar = wantScalar + q;
    }
    EXPECT_TRUE(sameBits(out[i], want)) << i;
    EXPECT_TRUE(sameBits(sc[i], wantScalar)) << i;
  }
  // 6 instructions of C * P = 120 lane operations: startup + 8 groups each.
  EXPECT_EQ(r.emu->stats().unitBusy[unsigned(Unit::Vector)],
            6u * (v1().vectorStartupCycles + 8));
  // Energy counts a multiply and an add per element, as the pair did.
  EXPECT_EQ(r.emu->stats().laneOpsFp32, 2u * 6 * C * P);

  // INT32: 64-bit products and sums, wrapped to 32 bits.
  ProgramBuilder bi(v1());
  bi.setDramSize(64);
  uint16_t iv = bi.addVector(makeVectorDesc(
      {3, 1, 1, 1}, bin::ElementType::I32, {1, 0, 0, 0}, bin::ElementType::I32,
      {1, 0, 0, 0}, bin::ElementType::I32, {1, 0, 0, 0}));
  bi.emit(
      makeVector(Opcode::VecBinary, iv, vecfunc::VecBinary_Mac, 0, 64, 128));
  ProgramRun ri = runProgram(bi, {}, [&](Emulator &emu) {
    put(emu.scratchpad(), 0, std::vector<int32_t>{65536, -7, INT32_MAX});
    put(emu.scratchpad(), 64, std::vector<int32_t>{65536, 6, 2});
    put(emu.scratchpad(), 128, std::vector<int32_t>{5, 40, 3});
  });
  ASSERT_TRUE(ri.ok) << ri.error;
  EXPECT_EQ(get<int32_t>(ri.emu->scratchpad(), 128, 3),
            (std::vector<int32_t>{5, -2, 1})); // 2^32 + 5, 40 - 42, 2^32 + 1

  // INT8 operands: refused with the reason.
  ProgramBuilder bq(v1());
  bq.setDramSize(64);
  uint16_t qv = bq.addVector(makeVectorDesc(
      {4, 1, 1, 1}, bin::ElementType::I8, {1, 0, 0, 0}, bin::ElementType::I8,
      {1, 0, 0, 0}, bin::ElementType::I8, {1, 0, 0, 0}));
  bq.emit(
      makeVector(Opcode::VecBinary, qv, vecfunc::VecBinary_Mac, 0, 64, 128));
  ProgramRun rq = runProgram(bq, {}, [](Emulator &) {});
  EXPECT_FALSE(rq.ok);
  EXPECT_NE(rq.error.find("vec.binary mac needs FP32 or INT32 operands"),
            std::string::npos)
      << rq.error;
}

// Tests a dma.load that transposes 4-byte elements (DRAM dense along
// dimension 0, the scratchpad along dimension 1), with padding along
// dimensions 0 and 2 and sizes that leave partial 4 x 4 blocks.
TEST(Emulator, TransposingDmaLoadMatchesElementwiseCopy) {
  const int W = 11, C = 6, H = 2; // DRAM: H planes of C rows of W
  std::vector<uint32_t> src(H * C * W);
  for (size_t i = 0; i < src.size(); ++i)
    src[i] = 0x01000000u + uint32_t(i);
  ProgramBuilder b(v1());
  uint32_t at = b.addConstant(src.data(), src.size() * 4);
  // Scratchpad: (H + 1) planes of (W + 3) pixels of C channels.
  const int PW = W + 3, PH = H + 1;
  uint16_t box = b.addDma(makeDmaDesc(4, {W, C, H, 1}, {4, W * 4, C * W * 4, 0},
                                      {C * 4, 4, PW * C * 4, 0}, {1, 0, 1, 0},
                                      {2, 0, 0, 0}, 0xA5A5A5A5u));
  b.setDramSize(8192);
  b.emit(makeDmaLoad(box, 0, at));
  ProgramRun r = runProgram(b);
  ASSERT_TRUE(r.ok) << r.error;
  std::vector<uint32_t> got =
      get<uint32_t>(r.emu->scratchpad(), 0, size_t(PH * PW * C));
  for (int y = 0; y < PH; ++y)
    for (int xx = 0; xx < PW; ++xx)
      for (int c = 0; c < C; ++c) {
        bool inside = y >= 1 && xx >= 1 && xx < 1 + W;
        uint32_t ref =
            inside ? src[(y - 1) * C * W + c * W + (xx - 1)] : 0xA5A5A5A5u;
        EXPECT_EQ(got[(y * PW + xx) * C + c], ref)
            << y << "," << xx << "," << c;
      }
}

// Tests a dma.store that transposes 4-byte elements (the scratchpad dense
// along dimension 1, DRAM along dimension 0: NHWC pixels to NCHW planes),
// with sizes that leave partial 4 x 4 blocks, two planes, and DRAM rows
// that leave gaps (which must keep what they held).
TEST(Emulator, TransposingDmaStoreMatchesElementwiseCopy) {
  const int W = 11, C = 6, H = 2, DW = W + 2; // DRAM rows of DW, W written
  std::vector<uint32_t> sram(H * W * C);
  for (size_t i = 0; i < sram.size(); ++i)
    sram[i] = 0x02000000u + uint32_t(i);
  ProgramBuilder b(v1());
  uint16_t box = b.addDma(makeDmaDesc(
      4, {W, C, H, 1}, {4, DW * 4, C * DW * 4, 0}, {C * 4, 4, W * C * 4, 0}));
  b.setDramSize(8192);
  b.emit(makeDmaStore(box, 0, 256));
  std::vector<uint32_t> before(H * C * DW, 0xEEEEEEEEu);
  ProgramRun r = runProgram(b, {}, [&](Emulator &emu) {
    put(emu.scratchpad(), 0, sram);
    put(emu.dram(), 256, before);
  });
  ASSERT_TRUE(r.ok) << r.error;
  std::vector<uint32_t> got = get<uint32_t>(r.emu->dram(), 256, before.size());
  for (int y = 0; y < H; ++y)
    for (int c = 0; c < C; ++c)
      for (int x = 0; x < DW; ++x) {
        uint32_t ref = x < W ? sram[(y * W + x) * C + c] : 0xEEEEEEEEu;
        EXPECT_EQ(got[(y * C + c) * DW + x], ref) << y << " " << c << " " << x;
      }
}

// Tests 1-byte transposing DMA boxes (the 8 x 8 byte blocks): a load of
// NCHW planes into NHWC pixels with padding along dimensions 0 and 2, then
// a store of them back, with sizes that leave partial blocks (19 = 2 x 8 +
// 3 pixels, 10 = 8 + 2 channels).
TEST(Emulator, TransposingInt8DmaMatchesElementwiseCopy) {
  const int W = 19, C = 10, H = 2, PW = W + 3, PH = H + 1;
  std::vector<uint8_t> src(H * C * W);
  for (size_t i = 0; i < src.size(); ++i)
    src[i] = uint8_t(i * 7 + 1);
  ProgramBuilder b(v1());
  uint32_t at = b.addConstant(src.data(), src.size());
  uint16_t load =
      b.addDma(makeDmaDesc(1, {W, C, H, 1}, {1, W, C * W, 0}, {C, 1, PW * C, 0},
                           {1, 0, 1, 0}, {2, 0, 0, 0}, 0xA5));
  // The interior back to DRAM rows of W + 1 bytes (a gap byte each).
  uint16_t store = b.addDma(makeDmaDesc(
      1, {W, C, H, 1}, {1, W + 1, C * (W + 1), 0}, {C, 1, PW * C, 0}));
  b.setDramSize(8192);
  b.emit(withDeps(makeDmaLoad(load, 0, at), false, false, false, true));
  b.emit(withDeps(makeSync(Queue::Compute), true, false, false, true));
  b.emit(withDeps(makeDmaStore(store, PW * C + C, 4096), true, false, false,
                  false));
  std::vector<uint8_t> before(H * C * (W + 1), 0xEE);
  ProgramRun r =
      runProgram(b, {}, [&](Emulator &emu) { put(emu.dram(), 4096, before); });
  ASSERT_TRUE(r.ok) << r.error;
  std::vector<uint8_t> got =
      get<uint8_t>(r.emu->scratchpad(), 0, size_t(PH * PW * C));
  for (int y = 0; y < PH; ++y)
    for (int xx = 0; xx < PW; ++xx)
      for (int c = 0; c < C; ++c) {
        bool inside = y >= 1 && xx >= 1 && xx < 1 + W;
        uint8_t ref = inside ? src[(y - 1) * C * W + c * W + (xx - 1)] : 0xA5;
        EXPECT_EQ(got[(y * PW + xx) * C + c], ref)
            << y << " " << xx << " " << c;
      }
  std::vector<uint8_t> back = get<uint8_t>(r.emu->dram(), 4096, before.size());
  for (int y = 0; y < H; ++y)
    for (int c = 0; c < C; ++c)
      for (int xx = 0; xx <= W; ++xx)
        EXPECT_EQ(back[(y * C + c) * (W + 1) + xx],
                  xx < W ? src[(y * C + c) * W + xx] : 0xEE)
            << y << " " << c << " " << xx;
}

// Tests that empty boxes (dimension 0 is 0, the others 65535) cost nothing:
// they used to loop over 65535^3 empty rows (minutes; programSteps counts
// them as 0 steps), found by npu-loader-fuzzer.
TEST(Emulator, EmptyBoxesDoNoRowLoops) {
  ProgramBuilder b(v1());
  b.setDramSize(64);
  uint16_t dma = b.addDma(
      makeDmaDesc(4, {0, 65535, 65535, 65535}, {4, 0, 0, 0}, {4, 0, 0, 0}));
  uint16_t red = b.addVector(
      makeVectorDesc({0, 65535, 65535, 65535}, bin::ElementType::F32,
                     {1, 0, 0, 0}, bin::ElementType::F32, {0, 0, 0, 0}));
  b.emit(withDeps(makeDmaLoad(dma, 0, 0), false, false, false, true));
  b.emit(withDeps(
      makeVector(Opcode::VecReduce, red, vecfunc::VecReduce_Sum, 0, 0, 64),
      true, false, false, true));
  b.emit(withDeps(makeDmaStore(dma, 0, 0), true, false, false, false));
  ProgramRun r = runProgram(b);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.emu->stats().dramReadBytes, 0u);
  EXPECT_EQ(r.emu->stats().dramWriteBytes, 0u);
}

// Tests 2x2/stride-2 max and average pooling over an NHWC tile.
TEST(Emulator, Pooling) {
  const int C = 2, W = 4, H = 4;
  std::vector<float> x(C * W * H);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = float((i * 5) % 13);
  ProgramBuilder b(v1());
  b.setDramSize(64);
  bin::VectorDesc d =
      makeVectorDesc({C, 2, 2, 1}, bin::ElementType::F32, {1, C, C * W, 0},
                     bin::ElementType::F32, {1, C, C * 2, 0});
  d.mutable_window()->Mutate(0, 2);
  d.mutable_window()->Mutate(1, 2);
  d.mutable_window_strides()->Mutate(0, 2);
  d.mutable_window_strides()->Mutate(1, 2);
  d.mutate_alpha(0.25f);
  uint16_t v = b.addVector(d);
  b.emit(makeVector(Opcode::VecPool, v, vecfunc::VecPool_Max, 0, 0, 512));
  b.emit(makeVector(Opcode::VecPool, v, vecfunc::VecPool_Avg, 0, 0, 768));
  std::string error;
  auto exe = Executable::load(b.finish(), nullptr, error);
  Emulator emu(*exe);
  ASSERT_TRUE(emu.prepare(error)) << error;
  put(emu.scratchpad(), 0, x);
  ASSERT_TRUE(emu.run(error)) << error;
  std::vector<float> mx = get<float>(emu.scratchpad(), 512, C * 4);
  std::vector<float> avg = get<float>(emu.scratchpad(), 768, C * 4);
  for (int oy = 0; oy < 2; ++oy)
    for (int ox = 0; ox < 2; ++ox)
      for (int c = 0; c < C; ++c) {
        float best = -INFINITY, sum = 0;
        for (int ky = 0; ky < 2; ++ky)
          for (int kx = 0; kx < 2; ++kx) {
            float v = x[((oy * 2 + ky) * W + ox * 2 + kx) * C + c];
            best = std::max(best, v);
            sum += v;
          }
        int o = (oy * 2 + ox) * C + c;
        EXPECT_EQ(mx[o], best);
        EXPECT_EQ(avg[o], sum * 0.25f);
      }
}

// Tests vec.pool dot (ISA v11) against a host evaluation: a 3x3 window at
// x stride 2 over a 3-channel NHWC tile of INT8 and of UINT8 codes, weights
// [ky][kx][c], INT32 sums (exact, including the extremes 255 x -128 and
// -128 x -128); the cycles are Timing's poolDotCycles (64 INT8 products per
// cycle on npu-v1); mismatched element types and weights reaching outside
// the scratchpad stop the run with one error naming the instruction. Both
// layouts: sums with channels dense (the emulator's row-of-channels path)
// and at a channel stride of 2 (its element-by-element path).
TEST(Emulator, PoolDotSumsInt8Windows) {
  const int C = 3, W = 7, H = 5, OW = 3, OH = 3, K = 3;
  for (int gap : {1, 2})
    for (bin::ElementType type : {bin::ElementType::I8, bin::ElementType::U8}) {
      bool isUnsigned = type == bin::ElementType::U8;
      std::vector<uint8_t> x(C * W * H);
      std::vector<int8_t> w(K * K * C);
      for (size_t i = 0; i < x.size(); ++i)
        x[i] = uint8_t((i * 37 + 11) % 256);
      x[0] = isUnsigned ? 255 : 0x80; // 255 or -128
      for (size_t i = 0; i < w.size(); ++i)
        w[i] = int8_t(int((i * 53 + 7) % 255) - 127);
      w[0] = -128;
      ProgramBuilder b(v1());
      b.setDramSize(64);
      bin::VectorDesc d =
          makeVectorDesc({C, OW, OH, 1}, type, {1, C, C * W, 0},
                         bin::ElementType::I32, {gap, gap * C, gap * C * OW, 0},
                         bin::ElementType::I8, {1, C, C * K, 0});
      for (int i = 0; i < 2; ++i) {
        d.mutable_window()->Mutate(i, K);
        d.mutable_window_strides()->Mutate(i, i == 0 ? 2 : 1);
      }
      uint16_t v = b.addVector(d);
      b.emit(makeVector(Opcode::VecPool, v, vecfunc::VecPool_Dot, 0, 256, 512));
      ProgramRun r = runProgram(b, {}, [&](Emulator &emu) {
        put(emu.scratchpad(), 0, x);
        put(emu.scratchpad(), 256, w);
      });
      ASSERT_TRUE(r.ok) << r.error;
      std::vector<int32_t> got =
          get<int32_t>(r.emu->scratchpad(), 512, gap * C * OW * OH);
      for (int oy = 0; oy < OH; ++oy)
        for (int ox = 0; ox < OW; ++ox)
          for (int c = 0; c < C; ++c) {
            int64_t sum = 0;
            for (int ky = 0; ky < K; ++ky)
              for (int kx = 0; kx < K; ++kx) {
                uint8_t byte = x[((oy + ky) * W + ox * 2 + kx) * C + c];
                int64_t xv = isUnsigned ? byte : int8_t(byte);
                sum += xv * w[(ky * K + kx) * C + c];
              }
            EXPECT_EQ(got[gap * ((oy * OW + ox) * C + c)], sum)
                << "at (" << oy << ", " << ox << ", " << c << "), channel gap "
                << gap;
          }
      uint64_t products = uint64_t(C * OW * OH * K * K); // 243
      EXPECT_EQ(r.emu->stats().unitBusy[unsigned(Unit::Vector)],
                poolDotCycles(v1(), C * OW * OH, K * K));
      EXPECT_EQ(poolDotCycles(v1(), C * OW * OH, K * K),
                4u + (products + 63) / 64);
    }
  // A window whose byte spans overflow 64 bits (two 32800-element counts
  // times 2^31 - 1 element strides, each about 2^61 bytes after the window
  // stride 65535): refused as out of bounds, not wrapped into range
  // (found by review: a segfault before the spans were summed in 128 bits).
  {
    ProgramBuilder b(v1());
    b.setDramSize(64);
    bin::VectorDesc d =
        makeVectorDesc({1, 32800, 32800, 1}, bin::ElementType::I8,
                       {0, INT32_MAX, INT32_MAX, 0}, bin::ElementType::I32,
                       {0, 0, 0, 0}, bin::ElementType::I8, {0, 0, 0, 0});
    for (int i = 0; i < 2; ++i)
      d.mutable_window_strides()->Mutate(i, 65535);
    b.emit(makeVector(Opcode::VecPool, b.addVector(d), vecfunc::VecPool_Dot, 0,
                      256, 512));
    RunOptions options;
    options.maxSteps = uint64_t(1) << 40; // the budget would refuse it first
    ProgramRun r = runProgram(b, options);
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.error.find("vec.pool src0 at 0x000000 reaches outside the "
                           "scratchpad"),
              std::string::npos)
        << r.error;
  }
  // FP32 sources are not dot's: one error naming the instruction.
  {
    ProgramBuilder b(v1());
    b.setDramSize(64);
    bin::VectorDesc d =
        makeVectorDesc({4, 1, 1, 1}, bin::ElementType::F32, {1, 0, 0, 0},
                       bin::ElementType::I32, {1, 0, 0, 0},
                       bin::ElementType::I8, {1, 0, 0, 0});
    b.emit(makeVector(Opcode::VecPool, b.addVector(d), vecfunc::VecPool_Dot, 0,
                      256, 512));
    ProgramRun r = runProgram(b);
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.error.find("vec.pool dot reads INT8 or UINT8 and INT8"),
              std::string::npos)
        << r.error;
  }
  // Weights whose window reaches past the scratchpad.
  {
    ProgramBuilder b(v1());
    b.setDramSize(64);
    bin::VectorDesc d = makeVectorDesc(
        {4, 1, 1, 1}, bin::ElementType::I8, {1, 0, 0, 0}, bin::ElementType::I32,
        {1, 0, 0, 0}, bin::ElementType::I8, {1, 1000, 30000, 0});
    d.mutable_window()->Mutate(0, 3);
    d.mutable_window()->Mutate(1, 20);
    b.emit(makeVector(Opcode::VecPool, b.addVector(d), vecfunc::VecPool_Dot, 0,
                      256, 512));
    ProgramRun r = runProgram(b);
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.error.find("vec.pool src1 at 0x000100 reaches outside the "
                           "scratchpad"),
              std::string::npos)
        << r.error;
  }
}

// Tests vec.convert itof_affine (ISA v11): an INT32 tile of 3 channels
// (channel_axis 1 here) read out as fp32(fp32(x) * scale[c]) + bias[c],
// with the rows [2][5] (scales, then biases 5 elements after), bit for bit
// the same as itof, then mul, then add on the same values (the sequence it
// replaces), including INT32 extremes and a product that rounds; rows past
// the scratchpad stop the run with one error.
TEST(Emulator, AffineReadoutMatchesItofMulAdd) {
  const uint16_t C = 3, P = 4;
  std::vector<int32_t> acc = {0,         1,         -1,        16777217,
                              INT32_MAX, INT32_MIN, 123456789, -987654321,
                              7,         -7,        1 << 30,   3};
  std::vector<float> rows = {0.1f,  3.0e-5f, -2.5f, 1.0f, 9.0f,  // scales
                             0.25f, -1.0e3f, 0.0f,  7.0f, 9.0f}; // biases
  ProgramBuilder b(v1());
  b.setDramSize(64);
  // [pixel][channel] would be axis 0; [channel][pixel] puts it on axis 1.
  bin::VectorDesc d = makeVectorDesc(
      {P, C, 1, 1}, bin::ElementType::I32, {1, P, 0, 0}, bin::ElementType::F32,
      {1, P, 0, 0}, bin::ElementType::F32, {1, 5, 0, 0});
  d.mutate_channel_axis(1);
  b.emit(makeVector(Opcode::VecConvert, b.addVector(d),
                    vecfunc::VecConvert_IntToFloatAffine, 0, 256, 512));
  ProgramRun r = runProgram(b, {}, [&](Emulator &emu) {
    put(emu.scratchpad(), 0, acc);
    put(emu.scratchpad(), 256, rows);
  });
  ASSERT_TRUE(r.ok) << r.error;
  std::vector<float> got = get<float>(r.emu->scratchpad(), 512, C * P);
  for (int c = 0; c < C; ++c)
    for (int p = 0; p < P; ++p) {
      volatile float x = float(acc[c * P + p]);
      volatile float scaled = x * rows[c];
      float want = scaled + rows[5 + c];
      uint32_t gotBits, wantBits;
      std::memcpy(&gotBits, &got[c * P + p], 4);
      std::memcpy(&wantBits, &want, 4);
      EXPECT_EQ(gotBits, wantBits) << "channel " << c << " pixel " << p;
    }
  // One pass at the 32-bit lane rate: 12 elements, one lane group.
  EXPECT_EQ(r.emu->stats().unitBusy[unsigned(Unit::Vector)], 4u + 1u);
  // Rows whose biases lie past the scratchpad's end.
  ProgramBuilder bad(v1());
  bad.setDramSize(64);
  bin::VectorDesc far = makeVectorDesc(
      {P, C, 1, 1}, bin::ElementType::I32, {1, P, 0, 0}, bin::ElementType::F32,
      {1, P, 0, 0}, bin::ElementType::F32, {1, 1 << 30, 0, 0});
  far.mutate_channel_axis(1);
  bad.emit(makeVector(Opcode::VecConvert, bad.addVector(far),
                      vecfunc::VecConvert_IntToFloatAffine, 0, 256, 512));
  ProgramRun rb = runProgram(bad);
  EXPECT_FALSE(rb.ok);
  EXPECT_NE(rb.error.find("itof_affine rows reach outside the scratchpad"),
            std::string::npos)
      << rb.error;
}

// Tests the output stage of vec.convert itof_affine (ISA v14): with lo 0
// (a ReLU after an INT8 convolution's FP32 readout) the readout equals
// itof_affine then affine_clamp, bit for bit (a channel whose scale is
// negative and bias -0 reads 0 out as -0, which the clamp's 1 * x + 0
// turns into +0 both ways), in one pass.
TEST(Emulator, AffineReadoutPassesTheOutputStage) {
  const uint16_t C = 3, P = 4;
  std::vector<int32_t> acc = {0,  1, -1, 16777217, INT32_MAX, INT32_MIN,
                              -5, 3, 7,  -7,       1 << 30,   0};
  // Channel 2: scale -2.5, bias -0, so its 0 reads out as -0 * ... = -0.
  std::vector<float> rows = {0.1f,  3.0e-5f, -2.5f, 1.0f, 9.0f,  // scales
                             0.25f, -1.0e3f, -0.0f, 7.0f, 9.0f}; // biases
  auto [fused, pair] = runFusedAndPair(
      [&](ProgramBuilder &b, bool fused) {
        bin::VectorDesc d =
            makeVectorDesc({P, C, 1, 1}, bin::ElementType::I32, {1, P, 0, 0},
                           bin::ElementType::F32, {1, P, 0, 0},
                           bin::ElementType::F32, {1, 5, 0, 0});
        d.mutate_channel_axis(1);
        if (fused)
          d.mutate_lo(0.0f);
        b.emit(makeVector(Opcode::VecConvert, b.addVector(d),
                          vecfunc::VecConvert_IntToFloatAffine, 0, 256, 512));
        if (!fused)
          emitAffineClampPass(b, C * P, 512, 512, 1.0f, 0.0f, 0.0f, INFINITY);
      },
      [&](Emulator &emu) {
        put(emu.scratchpad(), 0, acc);
        put(emu.scratchpad(), 256, rows);
      });
  ASSERT_TRUE(fused.ok && pair.ok);
  std::vector<float> got = get<float>(fused.emu->scratchpad(), 512, C * P);
  std::vector<float> want = get<float>(pair.emu->scratchpad(), 512, C * P);
  for (int i = 0; i < C * P; ++i) {
    EXPECT_TRUE(sameBits(got[i], want[i])) << i << ": " << got[i];
    EXPECT_GE(got[i], 0.0f) << i;
  }
  // 0 * -2.5 + -0 is -0; the clamp's 1 * x + 0 makes it +0.
  EXPECT_EQ(got[11], 0.0f);
  EXPECT_FALSE(std::signbit(got[11]));
  // One pass at the 32-bit lane rate: 12 elements, one lane group.
  EXPECT_EQ(fused.emu->stats().unitBusy[unsigned(Unit::Vector)], 4u + 1u);
}

// Tests vec.binary add_rescale and mul_rescale (ISA v13) against the
// documented arithmetic worked by hand: a = (x0 - zp_in) * alpha, b = (x1 -
// zp_in1) * beta, the sum or product rounded half away from zero, plus
// zp_out, clamped to [lo, hi] and saturated; UINT8 operands too; and the
// cycles at the 32-bit lane rate.
TEST(Emulator, RescaleFunctionsComputeQuantizedAddAndMul) {
  const TargetDesc &t = v1();
  const std::vector<int8_t> base0 = {-128, -3, 0, 5, 127, 100, -100, 10};
  const std::vector<int8_t> base1 = {127, 4, 0, -6, 127, 100, -100, -10};
  // 72 elements, more than one group of the 64 narrow lanes: the 32-bit
  // lanes' rate shows in the cycles (5 groups of 16, not 2 of 64).
  std::vector<int8_t> x0, x1;
  for (int k = 0; k < 9; ++k) {
    x0.insert(x0.end(), base0.begin(), base0.end());
    x1.insert(x1.end(), base1.begin(), base1.end());
  }
  const uint16_t n = uint16_t(x0.size());
  auto run = [&](uint8_t func, bin::ElementType type, float alpha, float beta,
                 int32_t zp0, int32_t zp1, int32_t zpOut, float lo, float hi,
                 std::vector<uint8_t> &out, std::string &error) {
    ProgramBuilder b(t);
    b.setDramSize(64);
    bin::VectorDesc d = makeVectorDesc({n, 1, 1, 1}, type, {1, 0, 0, 0}, type,
                                       {1, 0, 0, 0}, type, {1, 0, 0, 0});
    d.mutate_alpha(alpha);
    d.mutate_beta(beta);
    d.mutate_zp_in(zp0);
    d.mutate_zp_in1(zp1);
    d.mutate_zp_out(zpOut);
    d.mutate_lo(lo);
    d.mutate_hi(hi);
    b.emit(makeVector(Opcode::VecBinary, b.addVector(d), func, 0, 128, 256));
    ProgramRun r = runProgram(b, {}, [&](Emulator &emu) {
      put(emu.scratchpad(), 0, x0);
      put(emu.scratchpad(), 128, x1);
    });
    error = r.error;
    if (r.ok) {
      out = get<uint8_t>(r.emu->scratchpad(), 256, n);
      EXPECT_EQ(r.emu->stats().unitBusy[unsigned(Unit::Vector)],
                t.vectorStartupCycles + 5u);
      // The static estimate (the compile report's) agrees.
      EXPECT_EQ(r.emu->stats().unitBusy[unsigned(Unit::Vector)],
                staticInstructionCycles(*r.exe, r.exe->instructions()[0]));
    }
    return r.ok;
  };
  std::vector<uint8_t> out;
  std::string error;
  // add: 0.5 (x0 - 2) + 0.25 (x1 + 4), then + 3, saturated to INT8.
  ASSERT_TRUE(run(vecfunc::VecBinary_AddRescale, bin::ElementType::I8, 0.5f,
                  0.25f, 2, -4, 3, -INFINITY, INFINITY, out, error))
      << error;
  std::vector<int8_t> want(n);
  for (size_t i = 0; i < n; ++i) {
    double v = 0.5 * (x0[i] - 2) + 0.25 * (x1[i] + 4);
    want[i] = int8_t(std::clamp<long>(std::lround(v) + 3, -128, 127));
  }
  // By hand: -65 + 32.75 = -32.25 -> -32 + 3; -2.5 + 2 = -0.5 -> -1 + 3
  // (half away from zero); 49 + 26 = 75 -> 78 ...
  EXPECT_EQ(want[0], -29);
  EXPECT_EQ(want[1], 2);
  EXPECT_EQ(want[5], 78);
  EXPECT_EQ(std::vector<int8_t>(out.begin(), out.end()), want);
  // mul with a code range [-10, 20] (an absorbed clamp): 0.125 x0 x1.
  ASSERT_TRUE(run(vecfunc::VecBinary_MulRescale, bin::ElementType::I8, 0.125f,
                  1.0f, 0, 0, 0, -10.0f, 20.0f, out, error))
      << error;
  for (size_t i = 0; i < n; ++i) {
    double v = 0.125 * x0[i] * x1[i];
    want[i] = int8_t(std::clamp<long>(std::lround(v), -10, 20));
  }
  EXPECT_EQ(want[1], -2); // -1.5 rounds away from zero
  EXPECT_EQ(std::vector<int8_t>(out.begin(), out.end()), want);
  // UINT8: the codes as unsigned bytes, zero points 128.
  ASSERT_TRUE(run(vecfunc::VecBinary_AddRescale, bin::ElementType::U8, 1.0f,
                  -1.0f, 128, 128, 128, -INFINITY, INFINITY, out, error))
      << error;
  for (size_t i = 0; i < n; ++i) {
    int v = (uint8_t(x0[i]) - 128) - (uint8_t(x1[i]) - 128) + 128;
    EXPECT_EQ(out[i], uint8_t(std::clamp(v, 0, 255))) << i;
  }
  // FP32 operands are not theirs.
  EXPECT_FALSE(run(vecfunc::VecBinary_AddRescale, bin::ElementType::F32, 1.0f,
                   1.0f, 0, 0, 0, -INFINITY, INFINITY, out, error));
  EXPECT_NE(error.find("add_rescale and mul_rescale need INT8"),
            std::string::npos)
      << error;
}

// Tests vec.convert ftoi (ISA v12), FP32 to INT32 as ONNX Cast and the
// host CPU's kernel convert: truncated toward zero, NaN 0, beyond INT64
// saturated, then wrapped to 32 bits; and itof back.
TEST(Emulator, FloatToIntTruncatesAndWraps) {
  std::vector<float> x = {2.75f,       -2.75f, 0.5f,     -0.0f,
                          16777216.0f, 3.0e9f, -3.0e9f,  1.0e30f,
                          -1.0e30f,    NAN,    INFINITY, -INFINITY};
  std::vector<int32_t> want = {2,
                               -2,
                               0,
                               0,
                               16777216,
                               int32_t(uint32_t(3000000000u)),
                               int32_t(uint32_t(-3000000000ll)),
                               -1, // INT64_MAX's low 32 bits
                               0,  // INT64_MIN's
                               0,
                               -1,
                               0};
  const uint16_t n = uint16_t(x.size());
  // One dense vec.convert of n elements, `from` at `src` to `to` at `dst`.
  auto convert = [&](ProgramBuilder &pb, bin::ElementType from,
                     bin::ElementType to, uint8_t func, uint32_t src,
                     uint32_t dst) {
    pb.emit(makeVector(Opcode::VecConvert,
                       pb.addVector(makeVectorDesc(
                           {n, 1, 1, 1}, from, {1, 0, 0, 0}, to, {1, 0, 0, 0})),
                       func, src, 0, dst));
  };
  ProgramBuilder b(v1());
  b.setDramSize(64);
  convert(b, bin::ElementType::F32, bin::ElementType::I32,
          vecfunc::VecConvert_FloatToInt, 0, 256);
  convert(b, bin::ElementType::I32, bin::ElementType::F32,
          vecfunc::VecConvert_IntToFloat, 256, 512);
  ProgramRun r =
      runProgram(b, {}, [&](Emulator &emu) { put(emu.scratchpad(), 0, x); });
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(get<int32_t>(r.emu->scratchpad(), 256, n), want);
  std::vector<float> back = get<float>(r.emu->scratchpad(), 512, n);
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_EQ(back[i], float(want[i])) << i;
  // FP32 to INT8 is not ftoi's.
  ProgramBuilder bad(v1());
  bad.setDramSize(64);
  convert(bad, bin::ElementType::F32, bin::ElementType::I8,
          vecfunc::VecConvert_FloatToInt, 0, 256);
  ProgramRun rb = runProgram(bad);
  EXPECT_FALSE(rb.ok);
  EXPECT_NE(rb.error.find("ftoi maps FP32 to INT32"), std::string::npos)
      << rb.error;
}

// Tests quantize (round half away from zero, saturation) and dequantize.
TEST(Emulator, QuantizeAndDequantize) {
  std::vector<float> x = {0.0f,   0.25f,   -0.25f, 0.75f,
                          100.0f, -100.0f, 1.1f,   -1.1f};
  ProgramBuilder b(v1());
  b.setDramSize(64);
  bin::VectorDesc q =
      makeVectorDesc({8, 1, 1, 1}, bin::ElementType::F32, {1, 0, 0, 0},
                     bin::ElementType::I8, {1, 0, 0, 0});
  q.mutate_alpha(0.5f); // scale
  q.mutate_zp_out(3);
  q.mutate_lo(-128);
  q.mutate_hi(127);
  bin::VectorDesc dq =
      makeVectorDesc({8, 1, 1, 1}, bin::ElementType::I8, {1, 0, 0, 0},
                     bin::ElementType::F32, {1, 0, 0, 0});
  dq.mutate_alpha(0.5f);
  dq.mutate_zp_in(3);
  b.emit(makeVector(Opcode::VecConvert, b.addVector(q),
                    vecfunc::VecConvert_Quantize, 0, 0, 128));
  b.emit(makeVector(Opcode::VecConvert, b.addVector(dq),
                    vecfunc::VecConvert_Dequantize, 128, 0, 256));
  std::string error;
  auto exe = Executable::load(b.finish(), nullptr, error);
  Emulator emu(*exe);
  ASSERT_TRUE(emu.prepare(error)) << error;
  put(emu.scratchpad(), 0, x);
  ASSERT_TRUE(emu.run(error)) << error;
  std::vector<int8_t> qv = get<int8_t>(emu.scratchpad(), 128, 8);
  EXPECT_EQ(qv, (std::vector<int8_t>{3, 4, 2, 5, 127, -128, 5, 1}));
  std::vector<float> back = get<float>(emu.scratchpad(), 256, 8);
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(back[i], float(qv[i] - 3) * 0.5f);
}

// Tests quantize_even (ISA v8, ONNX QuantizeLinear): ties go to the even
// integer, hand-worked.
TEST(Emulator, QuantizeEvenRoundsTiesToEven) {
  // x / 0.5 = 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.4, 2.2; plus 3, saturating.
  std::vector<float> x = {0.25f,  0.75f, 1.25f, -0.25f, -0.75f,
                          -1.25f, 0.2f,  1.1f,  70.0f};
  ProgramBuilder b(v1());
  b.setDramSize(64);
  bin::VectorDesc q =
      makeVectorDesc({9, 1, 1, 1}, bin::ElementType::F32, {1, 0, 0, 0},
                     bin::ElementType::U8, {1, 0, 0, 0});
  q.mutate_alpha(0.5f);
  q.mutate_zp_out(3);
  q.mutate_lo(-128);
  q.mutate_hi(255);
  b.emit(makeVector(Opcode::VecConvert, b.addVector(q),
                    vecfunc::VecConvert_QuantizeEven, 0, 0, 128));
  ProgramRun r =
      runProgram(b, {}, [&](Emulator &emu) { put(emu.scratchpad(), 0, x); });
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(get<uint8_t>(r.emu->scratchpad(), 128, 9),
            (std::vector<uint8_t>{3, 5, 5, 3, 1, 1, 3, 5, 143}));
}

// Tests quantize and quantize_even rows long enough for the AVX2 blocks (8
// lanes, then a tail): halves of both signs (away from zero, or to even),
// values past +-2^20 and +-2^23, NaN and infinities, a fused clamp, INT8
// and UINT8, out of place and in place, against the element-wise
// definition.
TEST(Emulator, QuantizeRowsMatchElementwiseDefinition) {
  const int N = 45;
  std::vector<float> x = awkwardFloats(N, 6);
  const float halves[] = {0.5f,      -0.5f, 1.5f,        -1.5f,
                          2.5f,      -2.5f, 0.49999997f, -0.49999997f,
                          8388609.f, -3e6f, 2097153.f};
  for (size_t i = 0; i < std::size(halves); ++i)
    x[3 * i] = halves[i];
  struct Case {
    bin::ElementType type;
    float alpha;
    int32_t zp, lo, hi;
  } cases[] = {{bin::ElementType::I8, 1.0f, 0, -128, 127},
               {bin::ElementType::I8, 0.5f, -3, -100, 90},
               {bin::ElementType::U8, 1.0f, 128, 0, 255},
               {bin::ElementType::U8, 0.25f, 7, -128, 200},
               {bin::ElementType::I8, 1.0f, 0, 200, 255}}; // ranges apart
  for (uint8_t func :
       {vecfunc::VecConvert_Quantize, vecfunc::VecConvert_QuantizeEven})
    for (const Case &c : cases) {
      bool even = func == vecfunc::VecConvert_QuantizeEven;
      ProgramBuilder b(v1());
      b.setDramSize(64);
      bin::VectorDesc q = makeVectorDesc({N, 1, 1, 1}, bin::ElementType::F32,
                                         {1, 0, 0, 0}, c.type, {1, 0, 0, 0});
      q.mutate_alpha(c.alpha);
      q.mutate_zp_out(c.zp);
      q.mutate_lo(float(c.lo));
      q.mutate_hi(float(c.hi));
      uint16_t desc = b.addVector(q);
      b.emit(makeVector(Opcode::VecConvert, desc, func, 0, 0, 1024));
      b.emit(makeVector(Opcode::VecConvert, desc, func, 2048, 0,
                        2048)); // in place
      ProgramRun r = runProgram(b, {}, [&](Emulator &emu) {
        put(emu.scratchpad(), 0, x);
        put(emu.scratchpad(), 2048, x);
      });
      ASSERT_TRUE(r.ok) << r.error;
      std::vector<uint8_t> out = get<uint8_t>(r.emu->scratchpad(), 1024, N),
                           in = get<uint8_t>(r.emu->scratchpad(), 2048, N);
      bool isSigned = c.type == bin::ElementType::I8;
      for (int i = 0; i < N; ++i) {
        float v = x[i] / c.alpha;
        float r = even ? std::nearbyint(v) : std::round(v);
        int64_t rounded = std::isnan(v)      ? 0
                          : r <= -1048576.0f ? -1048576
                          : r >= 1048576.0f  ? 1048576
                                             : int64_t(r);
        int64_t y = std::clamp<int64_t>(rounded + c.zp, c.lo, c.hi);
        int64_t ref = isSigned ? std::clamp<int64_t>(y, -128, 127)
                               : std::clamp<int64_t>(y, 0, 255);
        int64_t got = isSigned ? int64_t(int8_t(out[i])) : int64_t(out[i]);
        int64_t gotIn = isSigned ? int64_t(int8_t(in[i])) : int64_t(in[i]);
        EXPECT_EQ(got, ref) << (even ? "even " : "") << i << ": " << x[i];
        EXPECT_EQ(gotIn, ref) << "in place " << i << ": " << x[i];
      }
    }
}

} // namespace

namespace {
/// Resident set size of this process, in bytes (Linux /proc/self/statm).
uint64_t residentBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * uint64_t(sysconf(_SC_PAGESIZE));
}
} // namespace

//===----------------------------------------------------------------------===//
// Comparisons, logic and select (ISA v4)
//===----------------------------------------------------------------------===//

/// Runs the vec.binary `funcs` over `n` elements of src0 (at 0) and src1
/// (at 256, `src1Stride` 0 broadcasts its first element), each into its own
/// BOOL destination (at 1024 + 64 * f); returns the destinations.
template <typename T>
std::vector<std::vector<uint8_t>>
runCompares(bin::ElementType type, const std::vector<T> &x,
            const std::vector<T> &y, const std::vector<uint8_t> &funcs,
            uint64_t &vectorCycles) {
  const uint16_t n = uint16_t(x.size());
  ProgramBuilder b(v1());
  b.setDramSize(64);
  // Two rows of n / 2: src1 is one row repeated (stride 0 along dim 1).
  uint16_t half = n / 2;
  uint16_t v = b.addVector(makeVectorDesc(
      {half, 2, 1, 1}, type, {1, half, 0, 0}, bin::ElementType::Bool,
      {1, half, 0, 0}, type, {1, 0, 0, 0}));
  for (size_t f = 0; f < funcs.size(); ++f)
    b.emit(makeVector(Opcode::VecBinary, v, funcs[f], 0, 256,
                      uint32_t(1024 + 64 * f)));
  ProgramRun r = runProgram(b, {}, [&](Emulator &emu) {
    put(emu.scratchpad(), 0, x);
    put(emu.scratchpad(), 256, y);
  });
  if (!r.ok) {
    ADD_FAILURE() << r.error;
    return {};
  }
  vectorCycles = r.emu->stats().unitBusy[unsigned(Unit::Vector)];
  std::vector<std::vector<uint8_t>> out;
  for (size_t f = 0; f < funcs.size(); ++f)
    out.push_back(get<uint8_t>(r.emu->scratchpad(), 1024 + 64 * f, n));
  return out;
}

// Tests the FP32 comparisons against hand-worked masks: IEEE semantics (NaN
// compares false, even with itself; -0 equals +0), src1 broadcast by a zero
// stride, a BOOL byte 1 or 0 per element; FP32 sources run at the 32-bit
// lane rate (8 elements: one lane group plus the startup, per instruction).
TEST(Emulator, Fp32ComparisonsMakeBoolMasks) {
  const float nan = NAN, inf = INFINITY;
  // Pairs (x, y): (0,0) (2,3) (3,2) (nan,nan) | (-0,0) (inf,3) (-1,2) (5,nan).
  std::vector<float> x = {0.0f, 2.0f, 3.0f, nan, -0.0f, inf, -1.0f, 5.0f};
  std::vector<float> y = {0.0f, 3.0f, 2.0f, nan};
  const std::vector<uint8_t> funcs = {
      vecfunc::VecBinary_Equal, vecfunc::VecBinary_Greater,
      vecfunc::VecBinary_GreaterEqual, vecfunc::VecBinary_Less,
      vecfunc::VecBinary_LessEqual};
  uint64_t cycles = 0;
  auto got = runCompares<float>(bin::ElementType::F32, x, y, funcs, cycles);
  ASSERT_EQ(got.size(), funcs.size());
  EXPECT_EQ(got[0], (std::vector<uint8_t>{1, 0, 0, 0, 1, 0, 0, 0})); // eq
  EXPECT_EQ(got[1], (std::vector<uint8_t>{0, 0, 1, 0, 0, 1, 0, 0})); // gt
  EXPECT_EQ(got[2], (std::vector<uint8_t>{1, 0, 1, 0, 1, 1, 0, 0})); // ge
  EXPECT_EQ(got[3], (std::vector<uint8_t>{0, 1, 0, 0, 0, 0, 1, 0})); // lt
  EXPECT_EQ(got[4], (std::vector<uint8_t>{1, 1, 0, 0, 1, 0, 1, 0})); // le
  EXPECT_EQ(cycles, 5u * (4 + 1));
}

// Tests INT32 comparisons at the extremes of the type (exact, no
// conversion through float).
TEST(Emulator, Int32ComparisonsAreExact) {
  // Pairs: (-5,-5) (7,8) | (INT32_MAX,-5) (INT32_MIN,8).
  std::vector<int32_t> x = {-5, 7, INT32_MAX, INT32_MIN};
  std::vector<int32_t> y = {-5, 8};
  const std::vector<uint8_t> funcs = {vecfunc::VecBinary_Equal,
                                      vecfunc::VecBinary_Greater,
                                      vecfunc::VecBinary_LessEqual};
  uint64_t cycles = 0;
  auto got = runCompares<int32_t>(bin::ElementType::I32, x, y, funcs, cycles);
  ASSERT_EQ(got.size(), funcs.size());
  EXPECT_EQ(got[0], (std::vector<uint8_t>{1, 0, 0, 0}));
  EXPECT_EQ(got[1], (std::vector<uint8_t>{0, 0, 1, 0}));
  EXPECT_EQ(got[2], (std::vector<uint8_t>{1, 1, 0, 1}));
}

// Tests and, or, xor and not on BOOL bytes: any nonzero byte is true, the
// results are 1 or 0; one-byte operands run at the INT8 lane rate.
TEST(Emulator, LogicOnBoolBytes) {
  std::vector<uint8_t> a = {0, 0, 1, 1, 0, 7}, c = {0, 1, 0, 1, 255, 2};
  ProgramBuilder b(v1());
  b.setDramSize(64);
  auto B = bin::ElementType::Bool;
  uint16_t v = b.addVector(makeVectorDesc({6, 1, 1, 1}, B, {1, 0, 0, 0}, B,
                                          {1, 0, 0, 0}, B, {1, 0, 0, 0}));
  b.emit(makeVector(Opcode::VecBinary, v, vecfunc::VecBinary_And, 0, 64, 128));
  b.emit(makeVector(Opcode::VecBinary, v, vecfunc::VecBinary_Or, 0, 64, 192));
  b.emit(makeVector(Opcode::VecBinary, v, vecfunc::VecBinary_Xor, 0, 64, 256));
  b.emit(makeVector(Opcode::VecUnary, v, vecfunc::VecUnary_Not, 0, 0, 320));
  ProgramRun r = runProgram(b, {}, [&](Emulator &emu) {
    put(emu.scratchpad(), 0, a);
    put(emu.scratchpad(), 64, c);
  });
  ASSERT_TRUE(r.ok) << r.error;
  const Memory &sp = r.emu->scratchpad();
  EXPECT_EQ(get<uint8_t>(sp, 128, 6), (std::vector<uint8_t>{0, 0, 0, 1, 0, 1}));
  EXPECT_EQ(get<uint8_t>(sp, 192, 6), (std::vector<uint8_t>{0, 1, 1, 1, 1, 1}));
  EXPECT_EQ(get<uint8_t>(sp, 256, 6), (std::vector<uint8_t>{0, 1, 1, 0, 1, 0}));
  EXPECT_EQ(get<uint8_t>(sp, 320, 6), (std::vector<uint8_t>{1, 1, 0, 0, 1, 0}));
  EXPECT_EQ(r.emu->stats().unitBusy[unsigned(Unit::Vector)], 4u * (4 + 1));
  EXPECT_EQ(r.emu->stats().laneOpsInt8, 4u * 6);
}

// Tests ONNX Where as the compiler emits it: a copy of y into dst, then
// select moves x where the mask is nonzero (dst = src0 ? src1 : dst); x
// broadcast from one element (stride 0) and y a full row, NaN and -0 moved
// bit for bit.
TEST(Emulator, SelectIsAMaskedMove) {
  std::vector<uint8_t> mask = {1, 0, 2, 0, 0, 1};
  std::vector<float> xs = {-0.0f};
  std::vector<float> ys = {10.0f, NAN, 30.0f, -40.0f, 50.0f, 60.0f};
  ProgramBuilder b(v1());
  b.setDramSize(64);
  auto F = bin::ElementType::F32;
  uint16_t copy = b.addVector(
      makeVectorDesc({6, 1, 1, 1}, F, {1, 0, 0, 0}, F, {1, 0, 0, 0}));
  uint16_t select = b.addVector(
      makeVectorDesc({6, 1, 1, 1}, bin::ElementType::Bool, {1, 0, 0, 0}, F,
                     {1, 0, 0, 0}, F, {0, 0, 0, 0}));
  b.emit(
      makeVector(Opcode::VecUnary, copy, vecfunc::VecUnary_Copy, 128, 0, 256));
  b.emit(makeVector(Opcode::VecBinary, select, vecfunc::VecBinary_Select, 0, 64,
                    256));
  ProgramRun r = runProgram(b, {}, [&](Emulator &emu) {
    put(emu.scratchpad(), 0, mask);
    put(emu.scratchpad(), 64, xs);
    put(emu.scratchpad(), 128, ys);
  });
  ASSERT_TRUE(r.ok) << r.error;
  std::vector<float> got = get<float>(r.emu->scratchpad(), 256, 6);
  std::vector<float> want = {-0.0f, NAN, -0.0f, -40.0f, 50.0f, -0.0f};
  for (size_t i = 0; i < want.size(); ++i) {
    uint32_t g, w;
    std::memcpy(&g, &got[i], 4);
    std::memcpy(&w, &want[i], 4);
    EXPECT_EQ(g, w) << "element " << i;
  }
  // A BOOL source with 32-bit results: the 32-bit lane rate.
  EXPECT_EQ(r.emu->stats().unitBusy[unsigned(Unit::Vector)], 2u * (4 + 1));
}

// Tests that the ISA v4 functions refuse element types they do not define,
// with one line naming the instruction.
TEST(Emulator, ComparisonLogicAndSelectCheckTypes) {
  auto F = bin::ElementType::F32, B = bin::ElementType::Bool;
  struct Case {
    Opcode op;
    uint8_t func;
    bin::ElementType s0, s1, dst;
    const char *why;
  } cases[] = {
      {Opcode::VecBinary, vecfunc::VecBinary_Greater, F, F, F,
       "vec.binary gt compares FP32 or INT32 operands of one type into a "
       "BOOL mask"},
      {Opcode::VecBinary, vecfunc::VecBinary_Equal, F, bin::ElementType::I32, B,
       "vec.binary eq compares FP32 or INT32 operands of one type into a "
       "BOOL mask"},
      {Opcode::VecBinary, vecfunc::VecBinary_And, F, B, B,
       "vec.binary and needs BOOL operands and result"},
      {Opcode::VecBinary, vecfunc::VecBinary_Select, F, F, F,
       "vec.binary select needs a BOOL mask (src0) and src1 and dst of one "
       "numeric type"},
      {Opcode::VecUnary, vecfunc::VecUnary_Not, B, B, F,
       "vec.unary not needs BOOL operands"},
  };
  for (uint8_t func :
       {vecfunc::VecConvert_Quantize, vecfunc::VecConvert_QuantizeEven})
    for (const Case &c : cases) {
      bool even = func == vecfunc::VecConvert_QuantizeEven;
      ProgramBuilder b(v1());
      b.setDramSize(64);
      uint16_t v =
          b.addVector(makeVectorDesc({4, 1, 1, 1}, c.s0, {1, 0, 0, 0}, c.dst,
                                     {1, 0, 0, 0}, c.s1, {1, 0, 0, 0}));
      // vec.unary has no Src1 field: its bits stay 0.
      b.emit(makeVector(c.op, v, c.func, 0, c.op == Opcode::VecUnary ? 0 : 64,
                        128));
      ProgramRun r = runProgram(b);
      EXPECT_FALSE(r.ok);
      EXPECT_NE(r.error.find(c.why), std::string::npos) << r.error;
    }
}

// Tests that a program declaring a large DRAM (a 1.5 GiB arena, as a tiny
// hostile file can) costs host memory only for the pages it touches: the
// emulator's memories are zero pages until written (ZeroPageAllocator).
TEST(Emulator, UntouchedDramCostsNoHostMemory) {
  ProgramBuilder b(v1());
  uint16_t d = b.addDma(makeDma2D(4, 4, 4, 16, 16));
  b.addInput({"x", {4, 4}, bin::ElementType::F32, bin::Layout::Dense, 0, 64});
  b.addOutput({"y", {4, 4}, bin::ElementType::F32, bin::Layout::Dense, 64, 64});
  b.setDramSize(uint64_t(3) << 29);
  b.emit(withDeps(makeDmaLoad(d, 0, 0), false, false, false, true));
  b.emit(withDeps(makeSync(Queue::Compute), true, false, false, true));
  b.emit(withDeps(makeDmaStore(d, 0, 64), true, false, false, false));
  std::string error;
  auto exe = Executable::load(b.finish(), &v1(), error);
  ASSERT_TRUE(exe) << error;
  uint64_t before = residentBytes();
  Emulator emu(*exe);
  float x[16] = {1, 2, 3};
  ASSERT_TRUE(emu.setInput(0, x, sizeof(x), error)) << error;
  ASSERT_TRUE(emu.run(error)) << error;
  EXPECT_EQ(std::memcmp(emu.output(0), x, sizeof(x)), 0);
  EXPECT_EQ(emu.dram().size(), uint64_t(3) << 29);
  EXPECT_LT(residentBytes() - before, uint64_t(64) << 20);
}

// The double-buffered tile pipeline the compiler's cost models price, worked
// by hand. Equal tiles: the first load, then the busiest queue once per
// tile, then the last store (10 + 4 x 30 + 5).
TEST(Timing, DoubleBufferedCyclesOfEqualTiles) {
  EXPECT_EQ(doubleBufferedCycles({}), 0u);
  std::vector<TileStages> tiles(4, TileStages{10, 30, 5});
  EXPECT_EQ(doubleBufferedCycles(tiles), 135u);
  tiles.assign(3, TileStages{40, 7, 2}); // load-bound: 3 x 40 + 7 + 2
  EXPECT_EQ(doubleBufferedCycles(tiles), 129u);
}

// A long compute, a short tile, then a long load: the third tile's load
// waits for the first tile's compute to free its buffers (two copies), so
// it cannot start at cycle 2 as the queues' totals alone suggest (102 load
// cycles, 102 compute, 3 store: about 104). Tile 0 loads 0-1, computes
// 1-101, stores 101-102; tile 1 loads 1-2, computes 101-102, stores
// 102-103; tile 2 loads 101-201, computes 201-202, stores 202-203.
TEST(Timing, DoubleBufferedCyclesWaitForFreeBuffers) {
  EXPECT_EQ(doubleBufferedCycles({{1, 100, 1}, {1, 1, 1}, {100, 1, 1}}), 203u);
  // A long store holds its result buffer: the compute two tiles on waits
  // for it (tile 0 stores 2-52, tile 2 computes 52-53, stores 53-54).
  EXPECT_EQ(doubleBufferedCycles({{1, 1, 50}, {1, 1, 1}, {1, 1, 1}}), 54u);
}

// A DMA box's DRAM runs, worked by hand: dimensions merge from the innermost
// while each one's stride continues the run inside it.
TEST(Timing, DmaRunsMergeDimensionsConsecutiveInDram) {
  // A dense 3-D box of FP32: one run of 4 x 8 x 2 x 3 bytes.
  DmaRuns dense = dmaRuns(4, {8, 2, 3, 1}, {4, 32, 64, 0});
  EXPECT_EQ(dense.runs, 1u);
  EXPECT_EQ(dense.runBytes, 4u * 8 * 2 * 3);
  // A transposed convolution's phase store (storePhases): the two phases of
  // a pixel (stride 1), then the pixels (stride 2): one run per row and
  // channel; the channels (a plane apart) and rows (two rows apart) do not
  // continue it.
  DmaRuns phases = dmaRuns(1, {2, 160, 48, 4}, {1, 2, 320 * 320, 2 * 320});
  EXPECT_EQ(phases.runs, 48u * 4);
  EXPECT_EQ(phases.runBytes, 320u);
  // An innermost stride other than the element size: single elements.
  DmaRuns strided = dmaRuns(4, {8, 2, 1, 1}, {8, 64, 0, 0});
  EXPECT_EQ(strided.runs, 16u);
  EXPECT_EQ(strided.runBytes, 4u);
  // Extent-1 dimensions continue any run; a zero stride (a broadcast read)
  // stops it; an empty box has none.
  DmaRuns unit = dmaRuns(2, {1, 5, 1, 3}, {999, 2, 7, 10});
  EXPECT_EQ(unit.runs, 1u);
  EXPECT_EQ(unit.runBytes, 30u);
  DmaRuns broadcast = dmaRuns(4, {16, 4, 1, 1}, {4, 0, 0, 0});
  EXPECT_EQ(broadcast.runs, 4u);
  EXPECT_EQ(broadcast.runBytes, 64u);
  EXPECT_EQ(dmaRuns(4, {16, 0, 1, 1}, {4, 64, 0, 0}).runs, 0u);
  // The cycles of one such command: latency + 20 beats of 16 bytes per run.
  EXPECT_EQ(dmaCycles(v1(), 1, phases.runs, phases.runBytes),
            v1().dramLatencyCycles + 48u * 4 * 20);
}
