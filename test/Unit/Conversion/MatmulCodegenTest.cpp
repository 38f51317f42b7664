//===- MatmulCodegenTest.cpp - matmul tiles, loop order and reuse --------===//
//
// The matmul cost model's DRAM traffic by loop order, worked by hand
// (docs/codegen.md "Loop order and reuse"), and the chooser keeping an
// operand stationary when that moves fewer bytes at no more cycles.
// Functional results of both orders: test/Conversion/NpuToNpuIsa/
// matmul-loop-order.mlir (bit-identical outputs) and the ONNX conformance
// matmul cases.
//
//===----------------------------------------------------------------------===//

#include "npu/Conversion/NpuToNpuIsa/Codegen.h"

#include "npu/runtime/Target.h"

#include <gtest/gtest.h>

#include <tuple>

namespace {

using npu::LoopOrder;
using npu::codegen::MatmulTiles;

// 96 x 320 x 160 in tiles of 96 x 32 x 32: one row of tiles, five columns,
// ten K chunks (50 steps).
TEST(MatmulCodegen, TrafficCountsReuseByLoopOrder) {
  MatmulTiles t = {96, 32, 32, LoopOrder::input_stationary};
  npu::codegen::MatmulTraffic is = npu::codegen::matmulTraffic(96, 160, 320, t);
  EXPECT_EQ(is.steps, 50);
  // A stays: its ten chunks once (one row of tiles), in ten copies.
  EXPECT_EQ(is.aLoads, 10);
  EXPECT_EQ(npu::codegen::matmulCopies(96, 160, 320, t),
            std::make_pair(int64_t(10), int64_t(2)));
  // W streams: 50 distinct chunks, every step loads one.
  EXPECT_EQ(is.wLoads, 50);

  // W stays: each of its 50 chunks once per column (once in all); A
  // streams, ten chunks per column through two copies: every step loads.
  t.order = LoopOrder::weight_stationary;
  npu::codegen::MatmulTraffic ws = npu::codegen::matmulTraffic(96, 160, 320, t);
  EXPECT_EQ(ws.wLoads, 50);
  EXPECT_EQ(ws.aLoads, 50);
  EXPECT_EQ(npu::codegen::matmulCopies(96, 160, 320, t),
            std::make_pair(int64_t(2), int64_t(10)));

  // K in one chunk, two rows of tiles, W stationary: A's two chunks fit its
  // two copies and are loaded once; W's once per column.
  t = {48, 32, 320, LoopOrder::weight_stationary};
  ws = npu::codegen::matmulTraffic(96, 160, 320, t);
  EXPECT_EQ(ws.steps, 10);
  EXPECT_EQ(ws.aLoads, 2);
  EXPECT_EQ(ws.wLoads, 5);
}

// Steps whose loads are uneven, worked by hand: each step takes the longer
// of its loads (5 cycles for a stationary chunk, 3 for a streaming one) and
// its compute (4).
TEST(MatmulCodegen, PipelinedStepCyclesCountUnevenLoads) {
  // Streaming every step, stationary in two: 2 x max(8, 4) + 8 x max(3, 4).
  EXPECT_EQ(npu::codegen::pipelinedStepCycles(10, 2, 10, 5, 3, 4), 48.0);
  // Streaming reused after two, stationary in four: 2 x 8 (both) + 2 x 5
  // (stationary only) + 6 x 4 (nothing to load).
  EXPECT_EQ(npu::codegen::pipelinedStepCycles(10, 4, 2, 5, 3, 4), 50.0);
}

// The 96 x 320 x 160 FP32 matmul of test/Tools/npu-compile/report.test on
// npu-v1: the chosen tiles move each byte of A and W once.
TEST(MatmulCodegen, ChooserKeepsAnOperandStationary) {
  const npu::rt::TargetDesc &target = *npu::rt::lookupTarget("npu-v1");
  MatmulTiles t = npu::codegen::chooseMatmulTiles(target, 96, 160, 320,
                                                  /*int8=*/false, nullptr);
  ASSERT_GT(t.m, 0);
  npu::codegen::MatmulTraffic traffic =
      npu::codegen::matmulTraffic(96, 160, 320, t);
  int64_t nM = (96 + t.m - 1) / t.m, nN = (160 + t.n - 1) / t.n;
  int64_t nK = (320 + t.k - 1) / t.k;
  // Every A chunk and every W chunk exactly once.
  EXPECT_EQ(traffic.aLoads, nM * nK);
  EXPECT_EQ(traffic.wLoads, nN * nK);
}

// A K so deep (8 x 25088 x 4096: VGG's fc6 at batch 8, and 5 x 7000 x 40 on
// npu-v1-small) that no tiling keeps a copy per K chunk of either operand:
// the stationary one falls back to two copies and the matmul still tiles.
TEST(MatmulCodegen, DeepKFallsBackToTwoCopies) {
  for (auto [target, M, N, K] : {std::tuple("npu-v1", 8, 4096, 25088),
                                 std::tuple("npu-v1-small", 5, 40, 7000)}) {
    const npu::rt::TargetDesc &t = *npu::rt::lookupTarget(target);
    MatmulTiles tiles =
        npu::codegen::chooseMatmulTiles(t, M, N, K,
                                        /*int8=*/false, nullptr);
    ASSERT_GT(tiles.m, 0) << target;
    auto [aCopies, wCopies] = npu::codegen::matmulCopies(M, N, K, tiles);
    EXPECT_LE(4 * (aCopies * tiles.m * tiles.k + wCopies * tiles.k * tiles.n +
                   2 * tiles.m * tiles.n),
              int64_t(t.scratchpadBytes))
        << target;
  }
}

} // namespace
