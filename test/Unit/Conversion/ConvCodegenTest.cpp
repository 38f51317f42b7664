//===- ConvCodegenTest.cpp - convolutions compiled, emulated, compared ---===//
//
// Differential tests of the convolution code generator: small npu graphs
// are compiled through the real pipeline (optimized -> isa -> .npubin) for a
// small target, so that inputs exceed the scratchpad and the tiler needs
// several tiles with halos, run on the emulator and compared with a direct
// host convolution. Also: the tile cost model's limits, and the static
// cycle estimate against the emulator's unit busy times.
//
//===----------------------------------------------------------------------===//

#include "npu/Conversion/NpuToNpuIsa/Codegen.h"

#include "npu/InitAllDialects.h"
#include "npu/Pipelines/Pipelines.h"
#include "npu/Target/Npubin/NpubinEmitter.h"
#include "npu/runtime/Emulator.h"
#include "npu/runtime/Timing.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <sstream>

using namespace mlir;

namespace {

struct ConvCase {
  int64_t n, c, h, w, m, kh, kw, sh, sw, dh, dw, group;
  int64_t padT, padL, padB, padR;
  bool bias, constWeights, transposed = false;
  int64_t outPadH = 0, outPadW = 0;
  /// Follows the convolution by a hard-swish and a per-channel scale,
  /// which the code generator fuses as the convolution's epilogue.
  bool hardSwish = false;
  /// Follows the convolution by a ReLU and the add of a residual input `r`
  /// of the result's shape (a skip connection), fused likewise.
  bool residual = false;
  /// Zeroes the weights of input channel c and output channel m where
  /// (c / 8 + 3 (m / 8)) % 4 == 1, on every tap: a quarter of npu-v1-small's
  /// 8 x 8 MAC weight tiles, one in every 16 x 16 square, so the
  /// pruning-aware emission issues block-sparse steps (docs/codegen.md,
  /// "Sparse weights").
  bool prunedBlocks = false;
};

int64_t outExtent(const ConvCase &k, bool rows) {
  int64_t in = rows ? k.h : k.w, kk = rows ? k.kh : k.kw;
  int64_t s = rows ? k.sh : k.sw, d = rows ? k.dh : k.dw;
  int64_t p = rows ? k.padT + k.padB : k.padL + k.padR;
  if (k.transposed)
    return s * (in - 1) + (rows ? k.outPadH : k.outPadW) + d * (kk - 1) + 1 - p;
  return (in + p - d * (kk - 1) - 1) / s + 1;
}

std::string tensorType(std::initializer_list<int64_t> dims) {
  std::ostringstream os;
  os << "tensor<";
  for (int64_t d : dims)
    os << d << "x";
  os << "f32>";
  return os.str();
}

/// `dense<"0x...">`: the values' little-endian bytes, any shape.
std::string denseLiteral(const std::vector<float> &v) {
  static const char *hex = "0123456789ABCDEF";
  std::string out = "dense<\"0x";
  const auto *bytes = reinterpret_cast<const unsigned char *>(v.data());
  for (size_t i = 0; i < v.size() * 4; ++i) {
    out += hex[bytes[i] >> 4];
    out += hex[bytes[i] & 15];
  }
  return out + "\">";
}

/// Direct convolution (or transposed convolution), NCHW, double sums; then
/// the case's epilogue (`r` the residual, FP32 adds).
std::vector<float> reference(const ConvCase &k, const std::vector<float> &x,
                             const std::vector<float> &w,
                             const std::vector<float> &bias,
                             const std::vector<float> &r) {
  int64_t oh = outExtent(k, true), ow = outExtent(k, false);
  int64_t cg = k.c / k.group, mg = k.m / k.group;
  std::vector<double> y(size_t(k.n * k.m * oh * ow), 0.0);
  for (int64_t b = 0; b < k.n; ++b)
    for (int64_t g = 0; g < k.group; ++g)
      for (int64_t mm = 0; mm < mg; ++mm)
        for (int64_t cc = 0; cc < cg; ++cc)
          for (int64_t ky = 0; ky < k.kh; ++ky)
            for (int64_t kx = 0; kx < k.kw; ++kx) {
              int64_t m = g * mg + mm, c = g * cg + cc;
              float wt = k.transposed
                             ? w[((c * mg + mm) * k.kh + ky) * k.kw + kx]
                             : w[((m * cg + cc) * k.kh + ky) * k.kw + kx];
              if (!k.transposed) {
                for (int64_t oy = 0; oy < oh; ++oy)
                  for (int64_t ox = 0; ox < ow; ++ox) {
                    int64_t iy = oy * k.sh - k.padT + ky * k.dh;
                    int64_t ix = ox * k.sw - k.padL + kx * k.dw;
                    if (iy < 0 || iy >= k.h || ix < 0 || ix >= k.w)
                      continue;
                    y[((b * k.m + m) * oh + oy) * ow + ox] +=
                        double(x[((b * k.c + c) * k.h + iy) * k.w + ix]) * wt;
                  }
              } else {
                for (int64_t iy = 0; iy < k.h; ++iy)
                  for (int64_t ix = 0; ix < k.w; ++ix) {
                    int64_t oy = iy * k.sh + ky * k.dh - k.padT;
                    int64_t ox = ix * k.sw + kx * k.dw - k.padL;
                    if (oy < 0 || oy >= oh || ox < 0 || ox >= ow)
                      continue;
                    y[((b * k.m + m) * oh + oy) * ow + ox] +=
                        double(x[((b * k.c + c) * k.h + iy) * k.w + ix]) * wt;
                  }
              }
            }
  std::vector<float> out(y.size());
  for (size_t i = 0; i < y.size(); ++i) {
    int64_t m = (int64_t(i) / (oh * ow)) % k.m;
    float v = float(y[i] + (k.bias ? bias[m] : 0.0f));
    if (k.hardSwish)
      v = v * std::min(std::max(v + 3.0f, 0.0f), 6.0f) / 6.0f *
          (0.5f + 0.25f * float(m));
    if (k.residual)
      v = std::max(v, 0.0f) + r[i];
    out[i] = v;
  }
  return out;
}

struct Compiled {
  std::vector<uint8_t> bytes;
  std::string error;
};

/// Parses `source` (an npu-dialect module) and compiles it to a .npubin.
Compiled compile(const std::string &source, llvm::StringRef target) {
  DialectRegistry registry;
  npu::registerAllDialects(registry);
  MLIRContext context(registry);
  Compiled out;
  context.getDiagEngine().registerHandler([&](Diagnostic &d) {
    if (out.error.empty())
      out.error = d.str();
    return success();
  });
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, &context);
  if (!module)
    return out;
  PassManager pm(&context);
  npu::buildPipelineToPhase(pm, npu::CompilePhase::Isa, target);
  if (failed(pm.run(*module)))
    return out;
  auto programs = module->getOps<npu::npuisa::ProgramOp>();
  if (programs.empty() || failed(npu::emitNpubin(*programs.begin(), out.bytes)))
    out.bytes.clear();
  return out;
}

/// Compiles, runs and checks `k`; returns the number of dma.load commands.
size_t runCase(const ConvCase &k, const char *target = "npu-v1-small") {
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  int64_t oh = outExtent(k, true), ow = outExtent(k, false);
  int64_t cg = k.c / k.group, mg = k.m / k.group;
  std::vector<float> x(size_t(k.n * k.c * k.h * k.w)), bias(size_t(k.m));
  std::vector<float> w(
      size_t(k.transposed ? k.c * mg * k.kh * k.kw : k.m * cg * k.kh * k.kw));
  for (float &v : x)
    v = dist(rng);
  for (float &v : w)
    v = dist(rng);
  if (k.prunedBlocks) // W[m][c][ky][kx], one group
    for (size_t i = 0; i < w.size(); ++i) {
      int64_t c = int64_t(i) / (k.kh * k.kw) % cg,
              m = int64_t(i) / (cg * k.kh * k.kw);
      if ((c / 8 + 3 * (m / 8)) % 4 == 1)
        w[i] = 0.0f;
    }
  for (float &v : bias)
    v = dist(rng);
  std::vector<float> r(k.residual ? size_t(k.n * k.m * oh * ow) : 0);
  for (float &v : r)
    v = dist(rng);

  std::string xT = tensorType({k.n, k.c, k.h, k.w});
  std::string wT = k.transposed ? tensorType({k.c, mg, k.kh, k.kw})
                                : tensorType({k.m, cg, k.kh, k.kw});
  std::string bT = tensorType({k.m}), yT = tensorType({k.n, k.m, oh, ow});
  std::ostringstream src;
  src << "func.func @main(%x: " << xT << " {npu.name = \"x\"}";
  if (!k.constWeights)
    src << ", %w: " << wT << " {npu.name = \"w\"}";
  if (k.residual)
    src << ", %res: " << yT << " {npu.name = \"r\"}";
  src << ") -> (" << yT << " {npu.name = \"y\"}) {\n";
  if (k.constWeights)
    src << "  %w = npu.constant " << denseLiteral(w) << " : " << wT << "\n";
  if (k.bias)
    src << "  %b = npu.constant " << denseLiteral(bias) << " : " << bT << "\n";
  src << "  %y = npu." << (k.transposed ? "conv_transpose" : "conv")
      << " %x, %w" << (k.bias ? ", %b" : "")
      << " {dilations = array<i64: " << k.dh << ", " << k.dw
      << ">, group = " << k.group << " : i64, pads = array<i64: " << k.padT
      << ", " << k.padL << ", " << k.padB << ", " << k.padR
      << ">, strides = array<i64: " << k.sh << ", " << k.sw << ">";
  if (k.transposed)
    src << ", output_padding = array<i64: " << k.outPadH << ", " << k.outPadW
        << ">";
  src << "} : (" << xT << ", " << wT << (k.bias ? ", " + bT : "") << ") -> "
      << yT << "\n";
  std::string result = "%y";
  if (k.hardSwish) {
    std::vector<float> scale;
    for (int64_t m = 0; m < k.m; ++m)
      scale.push_back(0.5f + 0.25f * float(m));
    std::string sT = tensorType({k.m, 1, 1});
    auto bin = [&](const char *op, const char *out, const char *a,
                   const char *b, const std::string &bType) {
      src << "  " << out << " = npu." << op << " " << a << ", " << b << " : ("
          << yT << ", " << bType << ") -> " << yT << "\n";
    };
    src << "  %three = npu.constant dense<3.0> : tensor<f32>\n"
        << "  %six = npu.constant dense<6.0> : tensor<f32>\n"
        << "  %scale = npu.constant " << denseLiteral(scale) << " : " << sT
        << "\n";
    bin("add", "%a", "%y", "%three", "tensor<f32>");
    src << "  %r = npu.clamp %a {max = 6.0 : f32, min = 0.0 : f32} : " << yT
        << " -> " << yT << "\n";
    bin("mul", "%p", "%y", "%r", yT);
    bin("div", "%q", "%p", "%six", "tensor<f32>");
    bin("mul", "%z", "%q", "%scale", sT);
    result = "%z";
  }
  if (k.residual) {
    src << "  %relu = npu.clamp %y {max = 0x7F800000 : f32, min = 0.0 : f32} : "
        << yT << " -> " << yT << "\n"
        << "  %z = npu.add %relu, %res : (" << yT << ", " << yT << ") -> " << yT
        << "\n";
    result = "%z";
  }
  src << "  return " << result << " : " << yT << "\n}\n";

  Compiled c = compile(src.str(), target);
  EXPECT_FALSE(c.bytes.empty()) << c.error;
  if (c.bytes.empty())
    return 0;
  std::string error;
  auto exe =
      npu::rt::Executable::load(c.bytes, npu::rt::lookupTarget(target), error);
  EXPECT_TRUE(exe) << error;
  if (!exe)
    return 0;
  if (k.hardSwish) { // one layer: the epilogue is fused
    EXPECT_EQ(exe->layers().size(), 1u);
    if (!exe->layers().empty()) {
      // npu-fold-affine turned the decomposed hard swish into one op.
      EXPECT_EQ(exe->layers().front().op, "Fused(conv+hard_swish+mul)");
    }
  }
  if (k.residual) { // one layer: the ReLU and the residual add are fused
    std::vector<std::string> ops, expected = {"Fused(conv+clamp+add)"};
    for (const auto &layer : exe->layers())
      ops.push_back(layer.op);
    EXPECT_EQ(ops, expected);
  }
  npu::rt::Emulator emu(*exe);
  bool ran =
      emu.prepare(error) && emu.setInput(0, x.data(), x.size() * 4, error) &&
      (k.constWeights || emu.setInput(1, w.data(), w.size() * 4, error)) &&
      (!k.residual ||
       emu.setInput(k.constWeights ? 1 : 2, r.data(), r.size() * 4, error)) &&
      emu.run(error);
  EXPECT_TRUE(ran) << error;
  if (!ran)
    return 0;

  std::vector<float> expected = reference(k, x, w, bias, r);
  const float *got = reinterpret_cast<const float *>(emu.output(0));
  double peak = 0, worst = 0;
  for (float v : expected)
    peak = std::max(peak, double(std::fabs(v)));
  for (size_t i = 0; i < expected.size(); ++i)
    worst = std::max(worst, double(std::fabs(got[i] - expected[i])));
  EXPECT_LE(worst, 1e-5 * std::max(peak, 1.0))
      << "max abs error " << worst << " (peak " << peak << ")";

  // The static estimate uses the emulator's own formulas: summed per unit,
  // it equals the emulator's busy cycles on every unit.
  npu::rt::StaticSchedule schedule;
  std::string scheduleError;
  EXPECT_TRUE(npu::rt::scheduleStatically(*exe, schedule, scheduleError))
      << scheduleError;
  std::vector<npu::rt::LayerEstimate> est =
      npu::rt::estimateLayers(*exe, &schedule);
  uint64_t load = 0, compute = 0, store = 0;
  for (const auto &l : est) {
    load += l.loadCycles;
    compute += l.computeCycles;
    store += l.storeCycles;
  }
  const npu::rt::RunStats &s = emu.stats();
  using npu::rt::Unit;
  EXPECT_EQ(load, s.unitBusy[unsigned(Unit::DmaLoad)]);
  EXPECT_EQ(store, s.unitBusy[unsigned(Unit::DmaStore)]);
  EXPECT_EQ(compute, s.unitBusy[unsigned(Unit::Mac)] +
                         s.unitBusy[unsigned(Unit::Vector)]);
  EXPECT_GE(s.cycles, std::max({load, compute, store}));
  // The static schedule (npu-compile --report) is the emulator's timeline
  // without the data: the same total and the same busy cycles per layer.
  EXPECT_EQ(schedule.cycles, s.cycles);
  EXPECT_EQ(schedule.layers.size(), s.layers.size());
  for (size_t i = 0; i < std::min(schedule.layers.size(), s.layers.size());
       ++i) {
    EXPECT_EQ(schedule.layers[i].cycles, s.layers[i].cycles) << "layer " << i;
    EXPECT_EQ(schedule.layers[i].start, s.layers[i].start) << "layer " << i;
    EXPECT_EQ(schedule.layers[i].end, s.layers[i].end) << "layer " << i;
    EXPECT_LE(schedule.layers[i].end, s.cycles) << "layer " << i;
  }
  size_t loads = 0, sparse = 0;
  for (const npu::rt::Instruction &insn : exe->instructions()) {
    loads += insn.opcode() == npu::rt::Opcode::DmaLoad;
    sparse += insn.opcode() == npu::rt::Opcode::Matmul &&
              insn.get(npu::rt::FieldId::Matmul_Sparse);
  }
  if (k.prunedBlocks) // the case is about block-sparse steps
    EXPECT_GT(sparse, 0u);
  return loads;
}

// Inputs of 24 x 40 x 40 x 4 B = 150 KiB against npu-v1-small's 128 KiB
// scratchpad and 16 KiB accumulator: several row tiles, each with a halo.
TEST(ConvCodegen, LargerThanScratchpadWithHalos) {
  size_t loads =
      runCase({1, 24, 40, 40, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true, true});
  EXPECT_GE(loads, 8u); // a slab and its weights per tile, four tiles or more
}

// Pruned weight blocks: block-sparse steps, whose present tiles the static
// schedule reads from the masks it follows the constants into, so that
// npu-compile --report's timeline is still the emulator's (checked by
// runCase), and the outputs still the reference's.
TEST(ConvCodegen, PrunedWeightBlocks) {
  ConvCase k{1, 32, 12, 12, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true, true};
  k.prunedBlocks = true;
  runCase(k);
}

TEST(ConvCodegen, StridedDilatedAsymmetricPadsRuntimeWeights) {
  runCase({2, 5, 23, 19, 7, 3, 2, 2, 3, 2, 1, 1, 2, 0, 1, 3, false, false});
}

TEST(ConvCodegen, ManyInputChannelsAccumulateOverChunks) {
  runCase({1, 70, 9, 11, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true, true},
          "npu-v1-small");
}

// So many input channels that the stationary operand cannot keep a copy
// per chunk in npu-v1-small's scratchpad: it falls back to two copies
// (ConvTiles::resident false) and still compiles and computes.
TEST(ConvCodegen, StationaryChunksThatDoNotFitStream) {
  runCase({1, 4096, 4, 4, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true, true});
}

TEST(ConvCodegen, GroupedAndDepthwise) {
  runCase({1, 12, 17, 15, 18, 3, 3, 1, 2, 1, 1, 3, 1, 1, 1, 1, true, true});
  runCase({1, 40, 33, 31, 40, 3, 3, 2, 2, 1, 1, 40, 1, 1, 1, 1, true, true});
  runCase({1, 8, 12, 12, 8, 5, 5, 1, 1, 2, 2, 8, 4, 4, 4, 4, false, false});
}

// A hard-swish and a per-channel scale after the convolution run as its
// epilogue (MAC array, then depthwise) and compute the same.
TEST(ConvCodegen, FusedEpilogue) {
  ConvCase mac{1, 16, 30, 22, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true, true};
  mac.hardSwish = true;
  runCase(mac);
  ConvCase dw{1, 24, 21, 19, 24, 3, 3, 2, 2, 1, 1, 24, 1, 1, 1, 1, true, true};
  dw.hardSwish = true;
  runCase(dw);
}

// A ReLU and a residual add after the convolution run as its epilogue, the
// residual loaded tile by tile: MAC array (two images, several
// output-channel tiles), grouped with runtime weights, and depthwise (vector
// unit). On npu-v1-small the residual's buffers leave less room: the tiles
// are chosen among those that keep the 70 input channels in one chunk, as
// the convolution alone has them (its FP32 sums in the same order).
TEST(ConvCodegen, FusedResidual) {
  ConvCase mac{2, 70, 9, 11, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true, true};
  mac.residual = true;
  runCase(mac, "npu-v1");
  runCase(mac);
  ConvCase grouped{1, 12, 17, 15, 18, 3, 3, 1,    2,
                   1, 1,  3,  1,  1,  1, 1, true, false};
  grouped.residual = true;
  runCase(grouped);
  ConvCase dw{1, 24, 21, 19, 24, 3, 3, 2, 2, 1, 1, 24, 1, 1, 1, 1, true, true};
  dw.residual = true;
  runCase(dw);
}

TEST(ConvCodegen, OneDimensional) {
  runCase({1, 6, 1, 300, 10, 1, 5, 1, 2, 1, 1, 1, 0, 2, 0, 2, true, true});
}

TEST(ConvCodegen, TransposedConvolutionPhases) {
  ConvCase k{1, 6, 9, 7, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, true, true};
  k.transposed = true;
  k.outPadH = k.outPadW = 1;
  runCase(k);
  ConvCase det{1, 8, 20, 20, 8, 2, 2, 2, 2, 1, 1, 1, 0, 0, 0, 0, false, false};
  det.transposed = true; // PaddleOCR det's kernel == stride upsampling
  runCase(det);
  // Kernel == stride: the phases are one matmul's columns (phasesAsChannels)
  // with constant weights and a bias; one output channel (det's last, 4 of
  // 16 columns instead of 1); 3x3 phases of 5 channels (tiles of columns
  // that are multiples of 3); a 1-D kernel of 4; two images.
  ConvCase biased{1, 24, 17, 13, 24, 2, 2, 2,    2,
                  1, 1,  1,  0,  0,  0, 0, true, true};
  biased.transposed = true;
  runCase(biased);
  ConvCase one{1, 24, 12, 30, 1, 2, 2, 2, 2, 1, 1, 1, 0, 0, 0, 0, true, true};
  one.transposed = true;
  runCase(one);
  ConvCase three{2, 7, 6, 5, 5, 3, 3, 3, 3, 1, 1, 1, 0, 0, 0, 0, true, true};
  three.transposed = true;
  runCase(three);
  ConvCase line{1, 9, 1, 40, 6, 1, 4, 1, 4, 1, 1, 1, 0, 0, 0, 0, true, false};
  line.transposed = true;
  runCase(line);
}

/// A stride-1 `k` x `k` convolution's geometry, padded to keep `oh` x `ow`:
/// `groups` groups of `cin` -> `cout` channels.
npu::codegen::MacConv samePadded(int64_t groups, int64_t cin, int64_t cout,
                                 int64_t oh, int64_t ow, int64_t k) {
  npu::codegen::MacConv g;
  g.batch = 1;
  g.groups = groups;
  g.cin = cin;
  g.cout = cout;
  g.h = g.oh = g.outH = oh;
  g.w = g.ow = g.outW = ow;
  g.sh = g.sw = 1;
  g.originY = g.originX = -(k / 2);
  for (int64_t ky = 0; ky < k; ++ky)
    for (int64_t kx = 0; kx < k; ++kx)
      g.taps.push_back({ky * k + kx, ky, kx});
  g.spanY = g.spanX = k;
  g.weightTaps = k * k;
  g.outStepY = g.outStepX = 1;
  g.outOffY = g.outOffX = 0;
  return g;
}

// The cost model never exceeds the accumulator or the scratchpad, uses the
// whole array width when there are enough output channels, and takes the
// whole layer as one tile when it fits.
// The tile cost model sees pruned weight tiles (chooseConvTiles with the
// weights' blocks): a 64 -> 64 3x3 convolution at 56 x 56 (FP32, npu-v1)
// whose 16 x 16 weight tiles are zero in a checkerboard (input-channel
// block + output-channel block odd) is priced at about half the dense
// estimate, and its tiles lie on the block grid, where the zero tiles can
// be skipped; priced dense, the same weights cost the dense estimate.
TEST(ConvCodegen, TileCostModelSeesPrunedWeightTiles) {
  const npu::rt::TargetDesc &t = *npu::rt::lookupTarget("npu-v1");
  npu::codegen::MacConv g = samePadded(/*groups=*/1, 64, 64, 56, 56, 3);
  npu::codegen::WeightBlocks w;
  w.R = t.arrayRows;
  w.C = t.arrayCols;
  w.K = g.cin;
  w.N = g.cout;
  w.matrices = g.weightTaps;
  w.elemBytes = 4;
  std::vector<float> values(size_t(w.matrices * w.K * w.N));
  for (size_t i = 0; i < values.size(); ++i) {
    int64_t k = int64_t(i) / w.N % w.K, n = int64_t(i) % w.N;
    values[i] = (k / 16 + n / 16) % 2 ? 0.0f : 0.5f + float(i % 7);
  }
  w.bytes.resize(values.size() * 4);
  std::memcpy(w.bytes.data(), values.data(), w.bytes.size());
  ASSERT_TRUE(w.analyze());
  double dense = 0, pruned = 0;
  npu::codegen::ConvTiles denseTiles =
      npu::codegen::chooseConvTiles(t, g, 0, &dense);
  npu::codegen::ConvTiles tiles = npu::codegen::chooseConvTiles(
      t, g, 0, &pruned, nullptr, nullptr, w.forTiling());
  ASSERT_GT(denseTiles.m, 0);
  ASSERT_GT(tiles.m, 0);
  EXPECT_GT(pruned, 0.45 * dense);
  EXPECT_LT(pruned, 0.6 * dense);
  EXPECT_EQ(tiles.c % w.R, 0);
  EXPECT_EQ(tiles.m % w.C, 0);
  // --sparse-weights=false: every tile issued dense, priced dense.
  w.skip = false;
  double issuedDense = 0;
  npu::codegen::chooseConvTiles(t, g, 0, &issuedDense, nullptr, nullptr, &w);
  EXPECT_EQ(issuedDense, dense);
}

TEST(ConvCodegen, TileCostModelRespectsLimits) {
  const npu::rt::TargetDesc &t = *npu::rt::lookupTarget("npu-v1");
  npu::codegen::MacConv g = samePadded(/*groups=*/1, 64, 64, 112, 112, 3);
  npu::codegen::ConvTiles tiles = npu::codegen::chooseConvTiles(t, g);
  ASSERT_GT(tiles.m, 0);
  EXPECT_LE(tiles.oh * tiles.ow * tiles.m, int64_t(t.accumulatorBytes / 4));
  int64_t slab = 4 * (tiles.oh + 2) * (tiles.ow + 2) * tiles.c;
  int64_t weights = 4 * 9 * tiles.c * tiles.m;
  int64_t out = 4 * tiles.oh * tiles.ow * tiles.m;
  auto [slabCopies, weightCopies] = npu::codegen::macConvCopies(g, tiles);
  EXPECT_LE(slabCopies * slab + weightCopies * weights + 2 * out,
            int64_t(t.scratchpadBytes));
  EXPECT_EQ(tiles.m % t.arrayCols, 0);
  EXPECT_LT(tiles.oh * tiles.ow, g.oh * g.ow); // it had to tile

  g.h = g.w = g.oh = g.ow = g.outH = g.outW = 4;
  g.cin = g.cout = 8;
  tiles = npu::codegen::chooseConvTiles(t, g);
  EXPECT_EQ(tiles.oh, 4);
  EXPECT_EQ(tiles.ow, 4);
  EXPECT_EQ(tiles.m, 8);
  EXPECT_EQ(tiles.c, 8);
}

/// A 1x1 convolution's geometry: `cin` -> `cout` channels over oh x ow.
npu::codegen::MacConv pointwise(int64_t cin, int64_t cout, int64_t oh,
                                int64_t ow) {
  npu::codegen::MacConv g;
  g.batch = g.groups = 1;
  g.cin = cin;
  g.cout = cout;
  g.h = g.oh = g.outH = oh;
  g.w = g.ow = g.outW = ow;
  g.sh = g.sw = 1;
  g.originY = g.originX = 0;
  g.taps = {{0, 0, 0}};
  g.spanY = g.spanX = 1;
  g.weightTaps = 1;
  g.outStepY = g.outStepX = 1;
  g.outOffY = g.outOffX = 0;
  return g;
}

// Chunk loads by loop order, worked by hand: 128 -> 128 channels over 12 x
// 160 pixels in tiles of 4 x 160 pixels, 16 output and 64 input channels:
// 8 output-channel tiles, 3 spatial tiles, 2 chunks each (48 steps).
TEST(ConvCodegen, TrafficCountsReuseByLoopOrder) {
  using npu::LoopOrder;
  npu::codegen::MacConv g = pointwise(128, 128, 12, 160);
  npu::codegen::ConvTiles t = {4, 160, 16, 64, LoopOrder::weight_stationary};
  int64_t slabChunk = 4 * 64 * 4 * 160, weightChunk = 4 * 64 * 16;
  // Weights stationary: each output-channel tile loads its two weight
  // chunks once; the slab streams, six distinct chunks through two copies:
  // every step loads one.
  npu::codegen::ConvTraffic ws = npu::codegen::convTraffic(g, t);
  EXPECT_EQ(ws.steps, 48);
  EXPECT_EQ(ws.weightLoads, 16);
  EXPECT_EQ(ws.slabLoads, 48);
  EXPECT_EQ(ws.slabBytes, 48 * slabChunk);
  EXPECT_EQ(ws.weightBytes, 16 * weightChunk);
  EXPECT_EQ(npu::codegen::macConvCopies(g, t),
            std::make_pair(int64_t(2), int64_t(2)));
  // Input stationary: the input is read once (3 x 2 chunks), the weights
  // stream (16 distinct chunks: every step loads one).
  t.order = LoopOrder::input_stationary;
  npu::codegen::ConvTraffic is = npu::codegen::convTraffic(g, t);
  EXPECT_EQ(is.slabLoads, 6);
  EXPECT_EQ(is.weightLoads, 48);
  EXPECT_EQ(is.slabBytes, 6 * slabChunk); // the input's 983,040 bytes
  EXPECT_EQ(is.slabBytes, 4 * 128 * 12 * 160);

  // Eight chunks (c = 16): the stationary operand keeps eight copies.
  t = {4, 160, 16, 16, LoopOrder::input_stationary};
  EXPECT_EQ(npu::codegen::macConvCopies(g, t),
            std::make_pair(int64_t(8), int64_t(2)));
  EXPECT_EQ(npu::codegen::convTraffic(g, t).slabLoads, 3 * 8);

  // One spatial tile, one chunk, weights stationary: the slab is read once
  // and then held while all output-channel tiles use it.
  g = pointwise(384, 384, 20, 20);
  t = {20, 20, 16, 384, LoopOrder::weight_stationary};
  npu::codegen::ConvTraffic one = npu::codegen::convTraffic(g, t);
  EXPECT_EQ(one.steps, 24);
  EXPECT_EQ(one.slabLoads, 1);
  EXPECT_EQ(one.weightLoads, 24);
}

// Among tilings within kCycleSlackForBytes of the fastest the cost model
// takes the one that moves fewer DRAM bytes: for 64 -> 16 channels over 24 x
// 24 pixels on npu-v1-small (test/Conversion/NpuToNpuIsa/loop-order.mlir),
// one tile of all 16 output channels, reading the input once; two 8-channel
// tiles with the weights stationary read it twice.
TEST(ConvCodegen, TileCostModelBreaksTiesByDramBytes) {
  const npu::rt::TargetDesc &t = *npu::rt::lookupTarget("npu-v1-small");
  npu::codegen::MacConv g = pointwise(64, 16, 24, 24);
  npu::codegen::ConvTiles tiles = npu::codegen::chooseConvTiles(t, g);
  EXPECT_EQ(tiles.m, 16);
  EXPECT_EQ(npu::codegen::convTraffic(g, tiles).slabBytes, 4 * 64 * 24 * 24);
  npu::codegen::ConvTiles other = tiles;
  other.m = 8;
  other.order = npu::LoopOrder::weight_stationary;
  EXPECT_EQ(npu::codegen::convTraffic(g, other).slabBytes,
            2 * npu::codegen::convTraffic(g, tiles).slabBytes);
}

// Depthwise tiles priced as they pipeline (rt::doubleBufferedCycles): PaddleOCR
// cls's last 5x5 depthwise layer, 200 channels over 2 x 96. Three tiles of
// all 200 channels and 32 columns leave the first tile's load and the last
// one's store alone on their queues for a third of the layer each; 13 tiles
// of 16 channels and whole rows overlap them (the emulator measures 66,786
// cycles against 73,480) and take under a quarter of the scratchpad (the
// 200-channel tiles took over three quarters), so the value the layer
// writes can stay on chip beside it.
TEST(ConvCodegen, DepthwiseTilesPricedAsTheyPipeline) {
  const npu::rt::TargetDesc &t = *npu::rt::lookupTarget("npu-v1");
  npu::codegen::MacConv g = samePadded(/*groups=*/200, 1, 1, 2, 96, 5);
  npu::codegen::ConvTiles tiles = npu::codegen::chooseDepthwiseTiles(t, g);
  EXPECT_EQ(tiles.c, 16);
  EXPECT_EQ(tiles.oh, 2);
  EXPECT_EQ(tiles.ow, 96);
  EXPECT_LE(npu::codegen::packedBytes(npu::codegen::depthwiseLayout(g, tiles)),
            int64_t(t.scratchpadBytes) / 4);
  EXPECT_GT(npu::codegen::packedBytes(
                npu::codegen::depthwiseLayout(g, {2, 32, 1, 200})),
            int64_t(t.scratchpadBytes) * 3 / 4);
}

} // namespace
