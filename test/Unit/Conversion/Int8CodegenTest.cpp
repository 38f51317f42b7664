//===- Int8CodegenTest.cpp - INT8 ops compiled, emulated, bit-compared ---===//
//
// Every INT8 op kind the code generator emits (convolution with requantized
// or FP32 output, transposed convolution and matmul with FP32 output,
// lookup-table activation, add and sub with rescale, mul, nearest resize,
// quantize, dequantize), compiled from
// quantized npu IR through the real pipeline, run on the emulator, and
// compared bit for bit with a host evaluation of the documented integer
// arithmetic (docs/quantization.md):
//   acc = sum (q_x - zp_x) * q_w + q_b             (padding reads zp_x)
//   q_y = clamp(((acc * m + 2^(n-1)) >> n) + zp_y, -128, 127)
//   quantize: clamp(round_half_away(x / s) + zp), in FP32 like the device.
//   add: clamp(zp_y + round_half_away((a1 (q1 - zp1) + a2 (q2 - zp2)) /
//        2^k), -128, 127) (ptq::chooseAddRescale), and within one code of
//        TFLite's own integer ADD.
//   mul: clamp(zp_y + round_half_away(m (q1 - zp1) (q2 - zp2) / 2^k),
//        -128, 127) (ptq::chooseMulRescale), same-shape and broadcast
//        (squeeze-excitation gate, per-channel constant), and within one
//        code of TFLite's own integer MUL.
// Scales of the graph's edges are powers of two, so the FP32 boundary
// values carry the INT8 codes exactly.
//
//===----------------------------------------------------------------------===//

#include "npu/Dialect/Npu/Utils/QuantParams.h"
#include "npu/InitAllDialects.h"
#include "npu/Pipelines/Pipelines.h"
#include "npu/Target/Npubin/NpubinEmitter.h"
#include "npu/runtime/Emulator.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <sstream>

using namespace mlir;
namespace ptq = npu::ptq;

namespace {

/// Compiles an npu module (phase `quantized`) for `target`, runs it on
/// `inputs` (one per graph input) and returns output 0 as floats; fails the
/// test on any error.
/// `vecPoolDots`, when given, counts the program's `vec.pool dot`
/// instructions (ISA v11: INT8 depthwise convolutions on the vector unit);
/// `vecUnaryFuncs` collects its `vec.unary` functions.
std::vector<float>
compileAndRun(const std::string &source,
              const std::vector<std::vector<float>> &inputs,
              const char *target = "npu-v1-small", int *vecPoolDots = nullptr,
              std::vector<std::string> *vecUnaryFuncs = nullptr) {
  DialectRegistry registry;
  npu::registerAllDialects(registry);
  MLIRContext context(registry);
  std::string diag;
  context.getDiagEngine().registerHandler([&](Diagnostic &d) {
    if (diag.empty())
      diag = d.str();
    return success();
  });
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, &context);
  EXPECT_TRUE(module) << diag;
  if (!module)
    return {};
  PassManager pm(&context);
  // The quantized phase ends in canonicalization, which turns INT8
  // activations into their lookup tables.
  pm.addPass(createCanonicalizerPass());
  npu::buildPipelineToPhase(pm, npu::CompilePhase::Isa, target,
                            npu::CompilePhase::Quantized);
  std::vector<uint8_t> bytes;
  bool compiled = succeeded(pm.run(*module));
  auto programs = module->getOps<npu::npuisa::ProgramOp>();
  compiled = compiled && !programs.empty() &&
             succeeded(npu::emitNpubin(*programs.begin(), bytes));
  EXPECT_TRUE(compiled) << diag;
  if (!compiled)
    return {};
  if (vecUnaryFuncs)
    module->walk([&](npu::npuisa::VecUnaryOp op) {
      vecUnaryFuncs->push_back(op.getFunc().str());
    });
  if (vecPoolDots) {
    *vecPoolDots = 0;
    module->walk([&](npu::npuisa::VecPoolOp pool) {
      *vecPoolDots += pool.getFunc() == "dot";
    });
  }
  std::string error;
  auto exe = npu::rt::Executable::load(std::move(bytes), nullptr, error);
  EXPECT_TRUE(exe) << error;
  npu::rt::Emulator emu(*exe);
  for (auto [i, input] : llvm::enumerate(inputs))
    EXPECT_TRUE(emu.setInput(i, input.data(), input.size() * 4, error))
        << error;
  EXPECT_TRUE(emu.run(error)) << error;
  const float *out = reinterpret_cast<const float *>(emu.output(0));
  return std::vector<float>(out, out + exe->outputs()[0].sizeBytes / 4);
}

std::vector<float>
compileAndRun(const std::string &source, const std::vector<float> &input,
              const char *target = "npu-v1-small", int *vecPoolDots = nullptr,
              std::vector<std::string> *vecUnaryFuncs = nullptr) {
  return compileAndRun(source, std::vector<std::vector<float>>{input}, target,
                       vecPoolDots, vecUnaryFuncs);
}

/// `n` uniformly random INT8 codes (`codes`, seeded with `seed`) and the
/// FP32 values s * (code - zp) they quantize back to exactly.
std::vector<float> randomCodes(size_t n, double s, int zp, unsigned seed,
                               std::vector<int> &codes) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> code(-128, 127);
  codes.resize(n);
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i) {
    codes[i] = code(rng);
    x[i] = float(s * (codes[i] - zp));
  }
  return x;
}

/// @main(x: `in`) quantizing x to `qin`, then `op` (one npu op reading %q,
/// typed `qin` -> `qout`), then dequantizing to `out`: an INT8 op checked on
/// its codes.
std::string codesThrough(const std::string &in, const std::string &qin,
                         const std::string &op, const std::string &qout,
                         const std::string &out) {
  std::ostringstream src;
  src << "func.func @main(%x: " << in << " {npu.name = \"x\"}) -> (" << out
      << " {npu.name = \"y\"}) {\n"
      << "  %q = npu.quantize %x : " << in << " -> " << qin << "\n"
      << "  %r = " << op << " : " << qin << " -> " << qout << "\n"
      << "  %y = npu.dequantize %r : " << qout << " -> " << out << "\n"
      << "  return %y : " << out << "\n}\n";
  return src.str();
}

std::string i8Type(double scale, int zp) {
  std::ostringstream os;
  os.precision(17);
  os << "!quant.uniform<i8:f32, " << scale << ":" << zp << ">";
  return os.str();
}

/// Per-channel INT8 weights along `axis`, symmetric ([-127, 127], zp 0).
std::string weightType(const std::vector<double> &scales, int axis) {
  std::ostringstream os;
  os.precision(17);
  os << "!quant.uniform<i8<-127:127>:f32:" << axis << ", {";
  for (size_t i = 0; i < scales.size(); ++i)
    os << (i ? "," : "") << scales[i];
  os << "}>";
  return os.str();
}

std::string shape(std::initializer_list<int64_t> dims, const std::string &el) {
  std::ostringstream os;
  os << "tensor<";
  for (int64_t d : dims)
    os << d << "x";
  os << el << ">";
  return os.str();
}

/// `dense<"0x...">`: the values' little-endian bytes, any shape.
template <typename T> std::string dense(const std::vector<T> &v) {
  static const char *hex = "0123456789ABCDEF";
  std::string out = "dense<\"0x";
  const auto *bytes = reinterpret_cast<const unsigned char *>(v.data());
  for (size_t i = 0; i < v.size() * sizeof(T); ++i) {
    out += hex[bytes[i] >> 4];
    out += hex[bytes[i] & 15];
  }
  return out + "\">";
}

/// TOSA apply_scale_32, double_round = false, from the specification.
int64_t applyScale32(int64_t value, int32_t multiplier, int32_t shift) {
  return (value * multiplier + (int64_t(1) << (shift - 1))) >> shift;
}

struct Int8Conv {
  int64_t c, h, w, m, k, stride, pad, group;
  int zpIn, zpOut;
  double sIn, sOut; // powers of two
  /// An FP32 result (for FP32 readers): FP32(acc) * scale[c] + bias'[c],
  /// bias' = bias - scale * zp_in * sum(q_w[c]), in FP32 as the device.
  bool floatOut = false;
  /// Prunes the weights in 8x8 (npu-v1-small's weight tile) input x output
  /// channel blocks: all of output channels 8-15, and per tap every block
  /// with (c/8 + m/8 + ky + kx) % 3 == 0, so that output tiles, K steps and
  /// taps are empty or partly zero (docs/codegen.md, "Sparse weights").
  bool pruned = false;
  int64_t dilation = 1;
  /// An INT8 lookup table after the convolution (an activation npu-quantize
  /// made a table): the convolution's epilogue, one vec.lut per requantized
  /// tile. The table is a fixed permutation of the codes.
  bool lut = false;
  /// Whether the convolution runs as `vec.pool dot` (a depthwise one with
  /// a dense window, on the vector unit) rather than on the MAC array.
  bool onVectorUnit = false;
};

void runInt8Conv(const Int8Conv &t) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> code(-128, 127), wcode(-127, 127),
      bcode(-3000, 3000);
  int64_t cg = t.c / t.group, mg = t.m / t.group;
  int64_t span = (t.k - 1) * t.dilation + 1;
  int64_t oh = (t.h + 2 * t.pad - span) / t.stride + 1;
  int64_t ow = (t.w + 2 * t.pad - span) / t.stride + 1;
  std::vector<int> xq(size_t(t.c * t.h * t.w));
  std::vector<int8_t> wq(size_t(t.m * cg * t.k * t.k));
  std::vector<int32_t> bq(size_t(t.m));
  std::vector<float> bf(size_t(t.m));
  std::vector<double> wScale(size_t(t.m));
  for (int &v : xq)
    v = code(rng);
  for (int8_t &v : wq)
    v = int8_t(wcode(rng));
  if (t.pruned)
    for (int64_t m = 0; m < t.m; ++m)
      for (int64_t c = 0; c < cg; ++c)
        for (int64_t ky = 0; ky < t.k; ++ky)
          for (int64_t kx = 0; kx < t.k; ++kx)
            if (m / 8 == 1 || (c / 8 + m / 8 + ky + kx) % 3 == 0)
              wq[((m * cg + c) * t.k + ky) * t.k + kx] = 0;
  for (int32_t &v : bq)
    v = bcode(rng);
  for (size_t i = 0; i < bf.size(); ++i)
    bf[i] = float(bq[i]) / 64.0f;
  for (int64_t m = 0; m < t.m; ++m)
    wScale[m] = 0.002 + 0.001 * double(m % 5);
  std::string inT = shape({1, t.c, t.h, t.w}, i8Type(t.sIn, t.zpIn));
  std::string outT =
      shape({1, t.m, oh, ow}, t.floatOut ? "f32" : i8Type(t.sOut, t.zpOut));
  std::string biasT = shape({t.m}, t.floatOut ? "f32" : "i32");
  std::string wT = shape({t.m, cg, t.k, t.k}, weightType(wScale, 0));
  std::ostringstream src;
  src << "func.func @main(%x: " << shape({1, t.c, t.h, t.w}, "f32")
      << " {npu.name = \"x\"}) -> (" << shape({1, t.m, oh, ow}, "f32")
      << " {npu.name = \"y\"}) {\n"
      << "  %q = npu.quantize %x : " << shape({1, t.c, t.h, t.w}, "f32")
      << " -> " << inT << "\n"
      << "  %w = npu.constant " << dense(wq) << " : "
      << shape({t.m, cg, t.k, t.k}, "i8") << " -> " << wT << "\n"
      << "  %b = npu.constant " << (t.floatOut ? dense(bf) : dense(bq)) << " : "
      << biasT << "\n"
      << "  %c = npu.conv %q, %w, %b {dilations = array<i64: " << t.dilation
      << ", " << t.dilation << ">, group = " << t.group
      << " : i64, pads = array<i64: " << t.pad << ", " << t.pad << ", " << t.pad
      << ", " << t.pad << ">, strides = array<i64: " << t.stride << ", "
      << t.stride << ">} : (" << inT << ", " << wT << ", " << biasT << ") -> "
      << outT << "\n";
  // The table: code q maps to (37 q + 11) mod 256, as a signed code.
  auto table = [](int64_t q) {
    return int64_t(int8_t(uint8_t((37 * (q + 128) + 11) % 256)));
  };
  std::string result = "%c";
  if (t.lut) {
    std::vector<int8_t> entries;
    for (int64_t q = -128; q < 128; ++q)
      entries.push_back(int8_t(table(q)));
    src << "  %l = npu.lookup_table %c {table = " << dense(entries)
        << " : tensor<256xi8>} : " << outT << " -> " << outT << "\n";
    result = "%l";
  }
  if (t.floatOut)
    src << "  return %c : " << outT << "\n}\n";
  else
    src << "  %y = npu.dequantize " << result << " : " << outT << " -> "
        << shape({1, t.m, oh, ow}, "f32") << "\n"
        << "  return %y : " << shape({1, t.m, oh, ow}, "f32") << "\n}\n";
  std::vector<float> x(xq.size());
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = float(t.sIn * (xq[i] - t.zpIn));
  int dots = 0;
  std::vector<float> y = compileAndRun(src.str(), x, "npu-v1-small", &dots);
  ASSERT_EQ(y.size(), size_t(t.m * oh * ow));
  EXPECT_EQ(dots > 0, t.onVectorUnit);
  int saturated = 0;
  for (int64_t m = 0; m < t.m; ++m) {
    auto r = ptq::computeRequant(t.sIn * wScale[m] / t.sOut);
    ASSERT_TRUE(r);
    int64_t g = m / mg;
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox) {
        int64_t acc = t.floatOut ? 0 : bq[m], raw = 0, wsum = 0;
        for (int64_t cc = 0; cc < cg; ++cc)
          for (int64_t ky = 0; ky < t.k; ++ky)
            for (int64_t kx = 0; kx < t.k; ++kx) {
              int64_t iy = oy * t.stride - t.pad + ky * t.dilation,
                      ix = ox * t.stride - t.pad + kx * t.dilation;
              int64_t c = g * cg + cc;
              int xv = (iy < 0 || iy >= t.h || ix < 0 || ix >= t.w)
                           ? t.zpIn
                           : xq[(c * t.h + iy) * t.w + ix];
              int64_t wv = wq[((m * cg + cc) * t.k + ky) * t.k + kx];
              acc += int64_t(xv - t.zpIn) * wv;
              raw += int64_t(xv) * wv;
              wsum += wv;
            }
        float got = y[(m * oh + oy) * ow + ox];
        if (t.floatOut) {
          double scale = t.sIn * wScale[m];
          float want = float(raw) * float(scale);
          want = want + float(double(bf[m]) - scale * t.zpIn * double(wsum));
          ASSERT_EQ(got, want)
              << "channel " << m << " at (" << oy << ", " << ox << ")";
          ++saturated; // nothing saturates in FP32
          continue;
        }
        int64_t q = std::clamp<int64_t>(
            applyScale32(acc, r->multiplier, r->shift) + t.zpOut, -128, 127);
        saturated += q == -128 || q == 127;
        int64_t gotCode = int64_t(std::lround(got / t.sOut)) + t.zpOut;
        ASSERT_EQ(gotCode, t.lut ? table(q) : q)
            << "channel " << m << " at (" << oy << ", " << ox << ")";
      }
  }
  // The cases are sized so that saturation is exercised too.
  EXPECT_GT(saturated, 0);
}

TEST(Int8Codegen, ConvWithZeroPointPaddingAndTiles) {
  // 3x3, pad 1: the halo must read the input zero point; npu-v1-small
  // needs several tiles.
  runInt8Conv({16, 20, 24, 24, 3, 1, 1, 1, -7, 5, 0.0625, 0.25});
}

TEST(Int8Codegen, ConvWithLookupTableEpilogue) {
  // The table applied to each requantized tile before the store, on the
  // MAC array (3x3, several tiles and K chunks) and on the vector unit (a
  // depthwise 3x3): the codes the table maps, bit for bit.
  Int8Conv mac{40, 12, 14, 24, 3, 1, 1, 1, -7, 5, 0.0625, 0.25};
  mac.lut = true;
  runInt8Conv(mac);
  Int8Conv dw{24, 17, 13, 24, 3, 2, 1, 24, 11, -3, 0.125, 0.0625};
  dw.lut = true;
  dw.onVectorUnit = true;
  runInt8Conv(dw);
}

TEST(Int8Codegen, StridedConvManyChannels) {
  // 100 input channels: accumulated over several K chunks.
  runInt8Conv({100, 9, 11, 40, 3, 2, 1, 1, 3, -20, 0.125, 0.5});
}

TEST(Int8Codegen, GroupedConvAndPointwise) {
  runInt8Conv({8, 6, 6, 12, 3, 1, 0, 2, 0, 0, 0.25, 0.5});
  runInt8Conv({32, 7, 7, 64, 1, 1, 0, 1, -128, -128, 0.03125, 0.125});
}

TEST(Int8Codegen, DepthwiseConvOnTheVectorUnit) {
  // Depthwise (group = C = M) with a dense window: one vec.pool dot per
  // tile (ISA v11), padded with the input zero point, strided, 5x5, a
  // channel count that makes no MAC-array block (13), INT8 and FP32
  // results.
  Int8Conv a{48, 14, 15, 48, 3, 1, 1, 48, -7, 5, 0.0625, 0.03125};
  Int8Conv b{24, 17, 13, 24, 5, 2, 2, 24, 11, -3, 0.125, 0.0625};
  Int8Conv c{13, 11, 9, 13, 3, 1, 1, 13, -128, 0, 0.0625, 0.03125};
  Int8Conv f{40, 9, 9, 40, 3, 1, 1, 40, -9, 0, 0.0625, 1.0};
  f.floatOut = true;
  for (Int8Conv *t : {&a, &b, &c, &f}) {
    t->onVectorUnit = true;
    runInt8Conv(*t);
  }
}

TEST(Int8Codegen, DilatedDepthwiseConvOnTheArrayBlockDiagonal) {
  // A dilated window (which vec.pool dot does not read): on the MAC array
  // with block-diagonal weights, 48 channels in blocks of 8 on
  // npu-v1-small, INT8 and FP32 results.
  Int8Conv t{48, 14, 15, 48, 3, 1, 2, 48, -7, 5, 0.0625, 0.03125};
  t.dilation = 2;
  runInt8Conv(t);
  Int8Conv f{40, 11, 10, 40, 3, 2, 2, 40, -9, 0, 0.0625, 1.0};
  f.dilation = 2;
  f.floatOut = true;
  runInt8Conv(f);
}

TEST(Int8Codegen, PrunedConvSkipsEmptyWeightTiles) {
  // Pruned weights take the pruning-aware path (skipped taps and steps,
  // block-sparse matmuls, an output tile with no weights): the same codes
  // as the integer reference, bit for bit.
  Int8Conv t{32, 10, 12, 24, 3, 1, 1, 1, -7, 5, 0.0625, 0.25};
  t.pruned = true;
  runInt8Conv(t);
  t.floatOut = true;
  runInt8Conv(t);
}

TEST(Int8Codegen, ConvWithFloatResult) {
  Int8Conv t{24, 13, 17, 20, 3, 1, 1, 1, -9, 0, 0.0625, 1.0};
  t.floatOut = true;
  runInt8Conv(t);
}

void runInt8Matmul(bool pruned);

TEST(Int8Codegen, MatmulWithFloatResult) { runInt8Matmul(false); }

TEST(Int8Codegen, PrunedMatmulSkipsEmptyWeightTiles) {
  // Weights zero in 8x8 blocks (npu-v1-small's weight tile) and in whole
  // columns: the pruning-aware path, bit for bit the reference.
  runInt8Matmul(true);
}

void runInt8Matmul(bool pruned) {
  // [M x K] x [K x N], K and N past one tile on npu-v1-small; FP32(acc) *
  // scale[n] + bias[n], bias = -scale * zp_a * sum_k(q_w[k][n]).
  const int64_t M = 37, K = 300, N = 70;
  const double sA = 0.0625;
  const int zpA = 17;
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> code(-128, 127), wcode(-127, 127);
  std::vector<int> aq(M * K);
  std::vector<int8_t> wq(K * N);
  std::vector<double> ws(N);
  for (int &v : aq)
    v = code(rng);
  for (int8_t &v : wq)
    v = int8_t(wcode(rng));
  if (pruned)
    for (int64_t k = 0; k < K; ++k)
      for (int64_t n = 0; n < N; ++n)
        if ((k / 8 + 2 * (n / 8)) % 3 != 0 || n / 16 == 2)
          wq[k * N + n] = 0;
  for (int64_t n = 0; n < N; ++n)
    ws[n] = 0.001 * double(1 + n % 7);
  std::string aF = shape({M, K}, "f32"), aQ = shape({M, K}, i8Type(sA, zpA));
  std::string wT = shape({K, N}, weightType(ws, 1));
  std::string yT = shape({M, N}, "f32");
  std::ostringstream src;
  src << "func.func @main(%a: " << aF << " {npu.name = \"a\"}) -> (" << yT
      << " {npu.name = \"y\"}) {\n"
      << "  %q = npu.quantize %a : " << aF << " -> " << aQ << "\n"
      << "  %w = npu.constant " << dense(wq) << " : " << shape({K, N}, "i8")
      << " -> " << wT << "\n"
      << "  %y = npu.matmul %q, %w : (" << aQ << ", " << wT << ") -> " << yT
      << "\n  return %y : " << yT << "\n}\n";
  std::vector<float> a(aq.size());
  for (size_t i = 0; i < a.size(); ++i)
    a[i] = float(sA * (aq[i] - zpA));
  std::vector<float> y = compileAndRun(src.str(), a);
  ASSERT_EQ(y.size(), size_t(M * N));
  for (int64_t n = 0; n < N; ++n) {
    int64_t wsum = 0;
    for (int64_t k = 0; k < K; ++k)
      wsum += wq[k * N + n];
    double scale = sA * ws[n];
    float bias = float(-scale * zpA * double(wsum));
    for (int64_t m = 0; m < M; ++m) {
      int64_t raw = 0;
      for (int64_t k = 0; k < K; ++k)
        raw += int64_t(aq[m * K + k]) * wq[k * N + n];
      float want = float(raw) * float(scale);
      want = want + bias;
      ASSERT_EQ(y[m * N + n], want) << "at (" << m << ", " << n << ")";
    }
  }
}

TEST(Int8Codegen, TransposedConvPhasesWithFloatResult) {
  // Stride 2, 3x3 kernel, pad 1, output padding 1: four output phases with
  // 1, 2, 2 and 4 taps, each with its own zero-point correction, lowered as
  // four passes. Then a 2x2 kernel, stride 2 (PaddleOCR det's up-sampling):
  // four one-tap phases reading the same slabs, lowered as one tile loop
  // (sharedSlabs) that keeps every phase's parameter rows.
  for (auto [K, P, outPad] : {std::tuple<int64_t, int64_t, int64_t>{3, 1, 1},
                              std::tuple<int64_t, int64_t, int64_t>{2, 0, 0}}) {
    const int64_t C = 20, H = 9, W = 11, M = 6, S = 2;
    const int64_t OH = S * (H - 1) + K - 2 * P + outPad,
                  OW = S * (W - 1) + K - 2 * P + outPad;
    const double sIn = 0.125;
    const int zp = -9;
    std::mt19937 rng(9);
    std::uniform_int_distribution<int> code(-128, 127), wcode(-127, 127);
    std::vector<int> xq(C * H * W);
    std::vector<int8_t> wq(C * M * K * K);
    std::vector<float> bias(M);
    std::vector<double> ws(M);
    for (int &v : xq)
      v = code(rng);
    for (int8_t &v : wq)
      v = int8_t(wcode(rng));
    for (int64_t m = 0; m < M; ++m) {
      bias[m] = 0.25f * float(m) - 0.5f;
      ws[m] = 0.003 * double(m + 1);
    }
    std::string xF = shape({1, C, H, W}, "f32"),
                xQ = shape({1, C, H, W}, i8Type(sIn, zp));
    std::string wT = shape({C, M, K, K}, weightType(ws, 1));
    std::string yT = shape({1, M, OH, OW}, "f32");
    std::ostringstream src;
    src << "func.func @main(%x: " << xF << " {npu.name = \"x\"}) -> (" << yT
        << " {npu.name = \"y\"}) {\n"
        << "  %q = npu.quantize %x : " << xF << " -> " << xQ << "\n"
        << "  %w = npu.constant " << dense(wq) << " : "
        << shape({C, M, K, K}, "i8") << " -> " << wT << "\n"
        << "  %b = npu.constant " << dense(bias) << " : " << shape({M}, "f32")
        << "\n"
        << "  %y = npu.conv_transpose %q, %w, %b {dilations = array<i64: 1, "
           "1>, "
           "group = 1 : i64, output_padding = array<i64: "
        << outPad << ", " << outPad << ">, pads = array<i64: " << P << ", " << P
        << ", " << P << ", " << P << ">, strides = array<i64: 2, 2>} : (" << xQ
        << ", " << wT << ", " << shape({M}, "f32") << ") -> " << yT
        << "\n  return %y : " << yT << "\n}\n";
    std::vector<float> x(xq.size());
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = float(sIn * (xq[i] - zp));
    std::vector<float> y = compileAndRun(src.str(), x);
    ASSERT_EQ(y.size(), size_t(M * OH * OW));
    for (int64_t m = 0; m < M; ++m)
      for (int64_t oy = 0; oy < OH; ++oy)
        for (int64_t ox = 0; ox < OW; ++ox) {
          // The output's phase taps; inputs past the edge read the zero point.
          int64_t raw = 0, wsum = 0;
          for (int64_t ky = 0; ky < K; ++ky)
            for (int64_t kx = 0; kx < K; ++kx) {
              int64_t vy = oy + P - ky, vx = ox + P - kx;
              if (vy % S || vx % S)
                continue;
              int64_t iy = vy / S, ix = vx / S;
              for (int64_t c = 0; c < C; ++c) {
                bool inside = vy >= 0 && vx >= 0 && iy < H && ix < W;
                int64_t xv = inside ? xq[(c * H + iy) * W + ix] : zp;
                int64_t wv = wq[((c * M + m) * K + ky) * K + kx];
                raw += xv * wv;
                wsum += wv;
              }
            }
          double scale = sIn * ws[m];
          float want = float(raw) * float(scale);
          want = want + float(double(bias[m]) - scale * zp * double(wsum));
          ASSERT_EQ(y[(m * OH + oy) * OW + ox], want)
              << "kernel " << K << ", channel " << m << " at (" << oy << ", "
              << ox << ")";
        }
  }
}

TEST(Int8Codegen, ClampBeforeQuantizeIsTheSaturation) {
  // An INT8 transposed convolution's FP32 result, a Relu (or Relu6), then
  // the quantize for an INT8 reader: the clamp is absorbed as the
  // quantize's code range (absorbedClamp), and the codes are those of
  // clamping in FP32 first. Scales are powers of two, so the dequantized
  // output carries the codes exactly.
  for (float hi : {INFINITY, 6.0f}) {
    const int64_t C = 20, H = 7, W = 9, M = 6;
    const double sIn = 0.125, sOut = 0.0625;
    const int zp = -9, zpOut = -100;
    std::mt19937 rng(3);
    std::uniform_int_distribution<int> code(-128, 127), wcode(-127, 127);
    std::vector<int> xq(C * H * W);
    std::vector<int8_t> wq(C * M * 4);
    for (int &v : xq)
      v = code(rng);
    for (int8_t &v : wq)
      v = int8_t(wcode(rng));
    std::vector<double> ws(M);
    for (int64_t m = 0; m < M; ++m)
      ws[m] = 0.0005 * double(m + 1);
    std::string xF = shape({1, C, H, W}, "f32"),
                xQ = shape({1, C, H, W}, i8Type(sIn, zp));
    std::string wT = shape({C, M, 2, 2}, weightType(ws, 1));
    std::string yT = shape({1, M, 2 * H, 2 * W}, "f32"),
                yQ = shape({1, M, 2 * H, 2 * W}, i8Type(sOut, zpOut));
    std::ostringstream src;
    src << "func.func @main(%x: " << xF << " {npu.name = \"x\"}) -> (" << yT
        << " {npu.name = \"y\"}) {\n"
        << "  %q = npu.quantize %x : " << xF << " -> " << xQ << "\n"
        << "  %w = npu.constant " << dense(wq) << " : "
        << shape({C, M, 2, 2}, "i8") << " -> " << wT << "\n"
        << "  %t = npu.conv_transpose %q, %w {dilations = array<i64: 1, 1>, "
           "group = 1 : i64, output_padding = array<i64: 0, 0>, pads = "
           "array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : ("
        << xQ << ", " << wT << ") -> " << yT << "\n"
        << "  %r = npu.clamp %t {max = "
        << (std::isinf(hi) ? std::string("0x7F800000") : std::string("6.0"))
        << " : f32, min = 0.0 : f32} : " << yT << " -> " << yT << "\n"
        << "  %c = npu.quantize %r : " << yT << " -> " << yQ << "\n"
        << "  %y = npu.dequantize %c : " << yQ << " -> " << yT << "\n"
        << "  return %y : " << yT << "\n}\n";
    std::vector<float> x(xq.size());
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = float(sIn * (xq[i] - zp));
    std::vector<std::string> unary;
    std::vector<float> y =
        compileAndRun(src.str(), x, "npu-v1-small", nullptr, &unary);
    ASSERT_EQ(y.size(), size_t(M * 4 * H * W));
    // No vector pass for the clamp: the quantize saturates.
    EXPECT_FALSE(llvm::is_contained(unary, "affine_clamp"));
    int64_t saturatedLow = 0, saturatedHigh = 0;
    for (int64_t m = 0; m < M; ++m)
      for (int64_t oy = 0; oy < 2 * H; ++oy)
        for (int64_t ox = 0; ox < 2 * W; ++ox) {
          int64_t raw = 0, wsum = 0;
          for (int64_t c = 0; c < C; ++c) {
            int64_t wv = wq[((c * M + m) * 2 + oy % 2) * 2 + ox % 2];
            raw += int64_t(xq[(c * H + oy / 2) * W + ox / 2]) * wv;
            wsum += wv;
          }
          double scale = sIn * ws[m];
          float v = float(raw) * float(scale);
          v = v + float(-scale * zp * double(wsum));
          v = std::min(std::max(v, 0.0f), hi);
          int want =
              std::clamp(int(std::round(v / float(sOut))) + zpOut, -128, 127);
          float got = y[(m * 2 * H + oy) * 2 * W + ox];
          ASSERT_EQ(int(std::lround(got / sOut)) + zpOut, want)
              << "hi " << hi << ", channel " << m << " at (" << oy << ", " << ox
              << ")";
          saturatedLow += want == zpOut;
          saturatedHigh += want == zpOut + 96;
        }
    // Both ends of the range are exercised.
    EXPECT_GT(saturatedLow, 0);
    if (!std::isinf(hi))
      EXPECT_GT(saturatedHigh, 0);
  }
}

TEST(Int8Codegen, FloatConvEpilogueEndsInQuantize) {
  // An FP32 convolution (MAC array, and depthwise on the vector unit) whose
  // result only goes on quantized: the quantize runs in the convolution's
  // epilogue and the INT8 tile is what is stored. Compared with a host
  // convolution in double precision: every code within one step (FP32
  // summation order), nearly all exact.
  for (int64_t group : {1, 8}) {
    const int64_t C = 8, H = 13, W = 17, M = 8, K = 3;
    const double s = 0.05;
    const int zp = 3;
    std::mt19937 rng(21);
    std::uniform_real_distribution<float> d(-1.0f, 1.0f);
    int64_t cg = C / group;
    std::vector<float> x(C * H * W), w(M * cg * K * K);
    for (float &v : x)
      v = d(rng);
    for (float &v : w)
      v = d(rng) * 0.3f;
    std::string xT = shape({1, C, H, W}, "f32"),
                yT = shape({1, M, H, W}, "f32");
    std::string qT = shape({1, M, H, W}, i8Type(s, zp));
    std::ostringstream src;
    src << "func.func @main(%x: " << xT << " {npu.name = \"x\"}) -> (" << yT
        << " {npu.name = \"y\"}) {\n"
        << "  %w = npu.constant " << dense(w) << " : "
        << shape({M, cg, K, K}, "f32") << "\n"
        << "  %c = npu.conv %x, %w {dilations = array<i64: 1, 1>, group = "
        << group << " : i64, pads = array<i64: 1, 1, 1, 1>, strides = "
        << "array<i64: 1, 1>} : (" << xT << ", " << shape({M, cg, K, K}, "f32")
        << ") -> " << yT << "\n"
        << "  %q = npu.quantize %c : " << yT << " -> " << qT << "\n"
        << "  %y = npu.dequantize %q : " << qT << " -> " << yT << "\n"
        << "  return %y : " << yT << "\n}\n";
    std::vector<float> y = compileAndRun(src.str(), x);
    ASSERT_EQ(y.size(), size_t(M * H * W));
    int exact = 0;
    for (int64_t m = 0; m < M; ++m)
      for (int64_t oy = 0; oy < H; ++oy)
        for (int64_t ox = 0; ox < W; ++ox) {
          double acc = 0;
          for (int64_t cc = 0; cc < cg; ++cc)
            for (int64_t ky = 0; ky < K; ++ky)
              for (int64_t kx = 0; kx < K; ++kx) {
                int64_t iy = oy - 1 + ky, ix = ox - 1 + kx;
                if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                  continue;
                int64_t c = (m / (M / group)) * cg + cc;
                acc += double(x[(c * H + iy) * W + ix]) *
                       w[((m * cg + cc) * K + ky) * K + kx];
              }
          int64_t want =
              std::clamp<int64_t>(int64_t(std::round(acc / s)) + zp, -128, 127);
          int64_t got = int64_t(std::lround(y[(m * H + oy) * W + ox] / s)) + zp;
          ASSERT_LE(std::abs(got - want), 1) << "group " << group;
          exact += got == want;
        }
    EXPECT_GT(exact, int(0.98 * M * H * W)) << "group " << group;
  }
}

TEST(Int8Codegen, MaxPoolOnCodesWithPadding) {
  // quantize -> INT8 max pool (3x3, stride 2, pad 1: padding is code -128,
  // which never wins over a real code) -> dequantize, against the host
  // maximum of the codes; 20 channels on npu-v1-small take several tiles.
  const double s = 0.125;
  const int zp = -9;
  const int64_t C = 20, H = 17, W = 19, OH = 9, OW = 10;
  std::string f = shape({1, C, H, W}, "f32"), g = shape({1, C, OH, OW}, "f32");
  std::string qi = shape({1, C, H, W}, i8Type(s, zp));
  std::string qo = shape({1, C, OH, OW}, i8Type(s, zp));
  std::string src = codesThrough(
      f, qi,
      "npu.max_pool %q {ceil_mode = false, dilations = array<i64: 1, 1>, "
      "kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, "
      "strides = array<i64: 2, 2>}",
      qo, g);
  std::vector<int> xq;
  std::vector<float> x = randomCodes(size_t(C * H * W), s, zp, 5, xq);
  std::vector<float> y = compileAndRun(src, x);
  ASSERT_EQ(y.size(), size_t(C * OH * OW));
  for (int64_t c = 0; c < C; ++c)
    for (int64_t oy = 0; oy < OH; ++oy)
      for (int64_t ox = 0; ox < OW; ++ox) {
        int want = -128;
        for (int64_t ky = 0; ky < 3; ++ky)
          for (int64_t kx = 0; kx < 3; ++kx) {
            int64_t iy = oy * 2 - 1 + ky, ix = ox * 2 - 1 + kx;
            if (iy >= 0 && iy < H && ix >= 0 && ix < W)
              want = std::max(want, xq[(c * H + iy) * W + ix]);
          }
        int64_t got = int64_t(std::lround(y[(c * OH + oy) * OW + ox] / s)) + zp;
        ASSERT_EQ(got, want)
            << "channel " << c << " at (" << oy << ", " << ox << ")";
      }
}

TEST(Int8Codegen, GlobalAveragePoolOnCodes) {
  // quantize -> INT8 average pooling over the whole 13x15 map (what
  // npu-quantize makes of a global average pool) -> dequantize, against the
  // host's mean of each channel's codes rounded half away from zero (the
  // result keeps the input's type); 40 channels on npu-v1-small take
  // several tiles.
  const double s = 0.0625;
  const int zp = -20;
  const int64_t C = 40, H = 13, W = 15;
  std::string f = shape({1, C, H, W}, "f32"), g = shape({1, C, 1, 1}, "f32");
  std::string qi = shape({1, C, H, W}, i8Type(s, zp));
  std::string qo = shape({1, C, 1, 1}, i8Type(s, zp));
  std::string src = codesThrough(
      f, qi,
      "npu.avg_pool %q {ceil_mode = false, count_include_pad = false, "
      "kernel_shape = array<i64: 13, 15>, pads = array<i64: 0, 0, 0, 0>, "
      "strides = array<i64: 1, 1>}",
      qo, g);
  std::vector<int> xq;
  std::vector<float> x = randomCodes(size_t(C * H * W), s, zp, 11, xq);
  std::vector<float> y = compileAndRun(src, x);
  ASSERT_EQ(y.size(), size_t(C));
  for (int64_t c = 0; c < C; ++c) {
    int64_t sum = 0;
    for (int64_t i = 0; i < H * W; ++i)
      sum += xq[c * H * W + i];
    // The emulator's rounding of sum * (1 / n) in FP32, half away from zero.
    int64_t want = std::lround(float(sum) * (1.0f / float(H * W)));
    int64_t got = int64_t(std::lround(y[c] / s)) + zp;
    ASSERT_EQ(got, want) << "channel " << c;
    EXPECT_LE(std::abs(double(want) - double(sum) / double(H * W)), 0.5 + 1e-6);
  }
}

TEST(Int8Codegen, NearestResizeCopiesCodes) {
  // quantize -> INT8 nearest resize (x2 rows, x3 columns: each code
  // repeated in the scratchpad by the vector unit) -> dequantize, against
  // the host's copy of the codes; npu-v1-small takes several tiles.
  const double s = 0.25;
  const int zp = 7;
  const int64_t C = 20, H = 17, W = 19, OH = 34, OW = 57;
  std::string f = shape({1, C, H, W}, "f32"), g = shape({1, C, OH, OW}, "f32");
  std::string qi = shape({1, C, H, W}, i8Type(s, zp));
  std::string qo = shape({1, C, OH, OW}, i8Type(s, zp));
  std::string src = codesThrough(
      f, qi,
      "npu.resize %q {coordinate_transformation_mode = #npu<coord_mode "
      "asymmetric>, mode = #npu<resize_mode nearest>, nearest_mode = "
      "#npu<nearest_mode floor>, scales = array<f32: 1.0, 1.0, 2.0, 3.0>}",
      qo, g);
  std::vector<int> xq;
  std::vector<float> x = randomCodes(size_t(C * H * W), s, zp, 9, xq);
  std::vector<float> y = compileAndRun(src, x);
  ASSERT_EQ(y.size(), size_t(C * OH * OW));
  for (int64_t c = 0; c < C; ++c)
    for (int64_t oy = 0; oy < OH; ++oy)
      for (int64_t ox = 0; ox < OW; ++ox) {
        int64_t got = int64_t(std::lround(y[(c * OH + oy) * OW + ox] / s)) + zp;
        ASSERT_EQ(got, xq[(c * H + oy / 2) * W + ox / 3])
            << "channel " << c << " at (" << oy << ", " << ox << ")";
      }
}

TEST(Int8Codegen, LookupTableActivationsAndBoundaries) {
  // quantize -> sigmoid (LUT) -> dequantize, and quantize -> hard swish ->
  // dequantize, over all 256 input codes; scales not powers of two inside.
  const double sIn = 0.0625, sOut = 1.0 / 256;
  const int zpIn = 3, zpOut = -128;
  for (const char *op : {"sigmoid", "hard_swish"}) {
    bool swish = std::string(op) == "hard_swish";
    double so = swish ? 0.03125 : sOut;
    int zo = swish ? -20 : zpOut;
    std::string f = shape({1, 256}, "f32");
    std::string qi = shape({1, 256}, i8Type(sIn, zpIn));
    std::string qo = shape({1, 256}, i8Type(so, zo));
    std::ostringstream src;
    src << "func.func @main(%x: " << f << " {npu.name = \"x\"}) -> (" << f
        << " {npu.name = \"y\"}) {\n"
        << "  %q = npu.quantize %x : " << f << " -> " << qi << "\n"
        << "  %s = npu." << op << " %q : " << qi << " -> " << qo << "\n"
        << "  %y = npu.dequantize %s : " << qo << " -> " << f << "\n"
        << "  return %y : " << f << "\n}\n";
    std::vector<float> x(256);
    for (int q = -128; q < 128; ++q)
      x[q + 128] = float(sIn * (q - zpIn));
    std::vector<float> y = compileAndRun(src.str(), x, "npu-v1");
    ASSERT_EQ(y.size(), 256u);
    for (int q = -128; q < 128; ++q) {
      double real = sIn * (q - zpIn);
      double fy = swish ? real * std::clamp(real / 6 + 0.5, 0.0, 1.0)
                        : 1 / (1 + std::exp(-real));
      int64_t want =
          std::clamp<int64_t>(int64_t(std::round(fy / so)) + zo, -128, 127);
      int64_t got = int64_t(std::lround(y[q + 128] / so)) + zo;
      ASSERT_EQ(got, want) << op << " at code " << q;
    }
  }
}

TEST(Int8Codegen, QuantizeRoundsHalfAwayAndSaturates) {
  // quantize then dequantize at scale 0.1 (not a power of two): FP32
  // x / 0.1f, rounded half away from zero, saturated.
  const float s = 0.1f;
  const int zp = -3;
  std::vector<float> x = {0.05f,  -0.05f,  0.15f, -0.15f,   12.7f, -12.9f,
                          100.0f, -100.0f, 0.0f,  3.14159f, -2.5f, 0.25f};
  std::string f = shape({12}, "f32"), q = shape({12}, i8Type(0.1, zp));
  std::string src = "func.func @main(%x: " + f + " {npu.name = \"x\"}) -> (" +
                    f +
                    " {npu.name = \"y\"}) {\n  %q = npu.quantize %x : " + f +
                    " -> " + q + "\n  %y = npu.dequantize %q : " + q + " -> " +
                    f + "\n  return %y : " + f + "\n}\n";
  std::vector<float> y = compileAndRun(src, x, "npu-v1");
  ASSERT_EQ(y.size(), x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    int code = int(std::clamp<float>(std::round(x[i] / s) + zp, -128, 127));
    EXPECT_EQ(y[i], float(code - zp) * s) << "x = " << x[i];
  }
}

/// TFLite's quantized ADD/SUB of INT8 codes, exactly as its reference
/// kernel computes it (tensorflow/lite/kernels/add.cc Prepare: left shift
/// 20, input multipliers s_i / (2 max s), output multiplier 2 max s /
/// (2^20 s_out); kernels/internal/reference/integer_ops/add.h AddFunc;
/// gemmlowp's SaturatingRoundingDoublingHighMul and RoundingDivideByPOT;
/// QuantizeMultiplier from kernels/internal/quantization_util.cc).
struct TfliteAdd {
  int32_t m1, m2, mo;
  int e1, e2, eo;
  TfliteAdd(double s1, double s2, double so) {
    double twice = 2 * std::max(s1, s2);
    quantizeMultiplier(s1 / twice, m1, e1);
    quantizeMultiplier(s2 / twice, m2, e2);
    quantizeMultiplier(twice / ((1 << 20) * so), mo, eo);
  }
  static void quantizeMultiplier(double d, int32_t &m, int &e) {
    double q = std::frexp(d, &e);
    int64_t f = int64_t(std::round(q * (int64_t(1) << 31)));
    if (f == (int64_t(1) << 31)) {
      f /= 2;
      ++e;
    }
    m = int32_t(f);
  }
  static int32_t highMul(int32_t a, int32_t b) {
    if (a == b && a == INT32_MIN)
      return INT32_MAX;
    int64_t ab = int64_t(a) * b;
    int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    return int32_t((ab + nudge) / (int64_t(1) << 31));
  }
  static int32_t divideByPot(int32_t x, int e) {
    int32_t mask = int32_t((int64_t(1) << e) - 1);
    int32_t remainder = x & mask, threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> e) + (remainder > threshold ? 1 : 0);
  }
  /// MultiplyByQuantizedMultiplierSmallerThanOneExp (e <= 0).
  static int32_t scale(int32_t x, int32_t m, int e) {
    return divideByPot(highMul(x, m), -e);
  }
  int apply(int x1, int zp1, int x2, int zp2, int zpOut, bool sub) const {
    int32_t a = scale((x1 - zp1) * (1 << 20), m1, e1);
    int32_t b = scale((x2 - zp2) * (1 << 20), m2, e2);
    int32_t raw = scale(sub ? a - b : a + b, mo, eo) + zpOut;
    return std::clamp(raw, -128, 127);
  }
};

/// Runs quantize -> INT8 add or sub -> dequantize over every pair of input
/// codes (a 256 x 256 grid) and returns the output codes, [q1 + 128][q2 +
/// 128].
std::vector<int> runInt8AddGrid(const char *op, double s1, int zp1, double s2,
                                int zp2, double so, int zpo) {
  std::string f = shape({256, 256}, "f32");
  std::string q1 = shape({256, 256}, i8Type(s1, zp1));
  std::string q2 = shape({256, 256}, i8Type(s2, zp2));
  std::string qo = shape({256, 256}, i8Type(so, zpo));
  std::ostringstream src;
  src << "func.func @main(%a: " << f << " {npu.name = \"a\"}, %b: " << f
      << " {npu.name = \"b\"}) -> (" << f << " {npu.name = \"y\"}) {\n"
      << "  %qa = npu.quantize %a : " << f << " -> " << q1 << "\n"
      << "  %qb = npu.quantize %b : " << f << " -> " << q2 << "\n"
      << "  %s = npu." << op << " %qa, %qb : (" << q1 << ", " << q2 << ") -> "
      << qo << "\n"
      << "  %y = npu.dequantize %s : " << qo << " -> " << f << "\n"
      << "  return %y : " << f << "\n}\n";
  std::vector<float> a(256 * 256), b(256 * 256);
  for (int i = 0; i < 256; ++i)
    for (int j = 0; j < 256; ++j) {
      a[i * 256 + j] = float(s1 * (i - 128 - zp1));
      b[i * 256 + j] = float(s2 * (j - 128 - zp2));
    }
  std::vector<float> y = compileAndRun(src.str(), {a, b}, "npu-v1-small");
  std::vector<int> codes;
  for (float v : y)
    codes.push_back(int(std::lround(v / float(so))) + zpo);
  return codes;
}

TEST(Int8Codegen, AddAndSubRescaleBitExact) {
  // s1 = 0.05, s2 = 0.02, s_out = 0.06, worked by hand: the larger ratio
  // 0.05 / 0.06 = 0.8333 takes shift 15 (0.8333 * 2^15 = 27306.7 <= 2^15),
  // a1 = round(27306.67) = 27307, a2 = round(0.02 / 0.06 * 2^15) =
  // round(10922.67) = 10923; then
  //   y = clamp(zp_out + round_half_away((a1 (q1 - zp1) +- a2 (q2 - zp2))
  //             / 2^15), -128, 127)
  // for every pair of codes, in integer arithmetic on the host.
  const double s1 = 0.05, s2 = 0.02, so = 0.06;
  const int zp1 = 3, zp2 = -7, zpo = -10;
  std::optional<ptq::AddRescale> r = ptq::chooseAddRescale(s1, s2, so);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->a1, 27307);
  EXPECT_EQ(r->a2, 10923);
  EXPECT_EQ(r->shift, 15);
  for (bool sub : {false, true}) {
    std::vector<int> got =
        runInt8AddGrid(sub ? "sub" : "add", s1, zp1, s2, zp2, so, zpo);
    ASSERT_EQ(got.size(), size_t(256 * 256));
    for (int q1 = -128; q1 < 128; ++q1)
      for (int q2 = -128; q2 < 128; ++q2) {
        int64_t acc = int64_t(27307) * (q1 - zp1) +
                      (sub ? -1 : 1) * int64_t(10923) * (q2 - zp2);
        int64_t half = int64_t(1) << 14, mag = acc < 0 ? -acc : acc;
        int64_t rounded = (mag + half) >> 15;
        int64_t want = std::clamp<int64_t>(zpo + (acc < 0 ? -rounded : rounded),
                                           -128, 127);
        ASSERT_EQ(got[(q1 + 128) * 256 + q2 + 128], want)
            << (sub ? "sub" : "add") << " of codes " << q1 << ", " << q2;
      }
  }
}

TEST(Int8Codegen, AddAgreesWithTfliteWithinOneCode) {
  // Against TFLite's own integer arithmetic (2^20 shift, 31-bit
  // multipliers, a rounding per input): at most one code apart, and only
  // where the exact sum is within about 2^-15 of a rounding tie (scales as
  // calibration gives them, not decimal fractions whose sums tie exactly).
  const double s1 = 0.0213, s2 = 0.0171, so = 0.0302;
  const int zp1 = -128, zp2 = 5, zpo = -40;
  std::vector<int> got = runInt8AddGrid("add", s1, zp1, s2, zp2, so, zpo);
  ASSERT_EQ(got.size(), size_t(256 * 256));
  TfliteAdd tfl(s1, s2, so);
  int differ = 0;
  for (int q1 = -128; q1 < 128; ++q1)
    for (int q2 = -128; q2 < 128; ++q2) {
      int want = tfl.apply(q1, zp1, q2, zp2, zpo, false);
      int g = got[(q1 + 128) * 256 + q2 + 128];
      ASSERT_LE(std::abs(g - want), 1) << "codes " << q1 << ", " << q2;
      differ += g != want;
    }
  // 168 of 65536 (0.26 %) here; the exact real result (rational arithmetic)
  // differs from TFLite's in 161 pairs and from this one in 7.
  EXPECT_LE(differ, 65536 / 200);
}

/// TFLite's quantized MUL of INT8 codes, exactly as its reference kernel
/// computes it (tensorflow/lite/kernels/mul.cc Prepare: output multiplier
/// s1 s2 / s_out through QuantizeMultiplier;
/// kernels/internal/reference/integer_ops/mul.h MulElementwise:
/// MultiplyByQuantizedMultiplier of the product of the offset codes).
struct TfliteMul {
  int32_t m;
  int e;
  TfliteMul(double s1, double s2, double so) {
    TfliteAdd::quantizeMultiplier(s1 * s2 / so, m, e);
  }
  int apply(int x1, int zp1, int x2, int zp2, int zpOut) const {
    int32_t prod = (x1 - zp1) * (x2 - zp2);
    int32_t raw = e > 0 ? TfliteAdd::highMul(prod * (1 << e), m)
                        : TfliteAdd::scale(prod, m, e);
    return std::clamp(raw + zpOut, -128, 127);
  }
};

/// The documented INT8 mul (ptq::chooseMulRescale's m and shift): zp_y +
/// round_half_away(m (q1 - zp1) (q2 - zp2) / 2^shift), saturated; integer
/// arithmetic on the host.
int64_t hostMul(int q1, int zp1, int q2, int zp2, int zpo,
                const ptq::MulRescale &r) {
  int64_t acc = int64_t(r.multiplier) * (q1 - zp1) * (q2 - zp2);
  int64_t mag = acc < 0 ? -acc : acc;
  int64_t rounded = r.shift > 0
                        ? (mag + (int64_t(1) << (r.shift - 1))) >> r.shift
                        : mag << -r.shift;
  return std::clamp<int64_t>(zpo + (acc < 0 ? -rounded : rounded), -128, 127);
}

TEST(Int8Codegen, MulRescaleBitExact) {
  // s1 = 0.05 (zp 3), s2 = 0.02 (zp -7), s_out = 0.06, worked by hand:
  // |q1 - 3| <= 131 and |q2 + 7| <= 134, so products of the multiplier up
  // to floor(2^24 / (131 * 134)) = 955 are exact in FP32; M = 0.05 * 0.02
  // / 0.06 = 0.016667 takes shift 15 (M * 2^15 = 546.13 <= 955, M * 2^16 =
  // 1092.3 is not), m = 546; then hostMul for every pair of codes.
  const double s1 = 0.05, s2 = 0.02, so = 0.06;
  const int zp1 = 3, zp2 = -7, zpo = -10;
  std::optional<ptq::MulRescale> r =
      ptq::chooseMulRescale(s1, zp1, s2, zp2, so);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->multiplier, 546);
  EXPECT_EQ(r->shift, 15);
  std::vector<int> got = runInt8AddGrid("mul", s1, zp1, s2, zp2, so, zpo);
  ASSERT_EQ(got.size(), size_t(256 * 256));
  int saturated = 0;
  for (int q1 = -128; q1 < 128; ++q1)
    for (int q2 = -128; q2 < 128; ++q2) {
      int64_t want = hostMul(q1, zp1, q2, zp2, zpo, *r);
      saturated += want == -128 || want == 127;
      ASSERT_EQ(got[(q1 + 128) * 256 + q2 + 128], want)
          << "mul of codes " << q1 << ", " << q2;
    }
  EXPECT_GT(saturated, 0);
}

TEST(Int8Codegen, MulAgreesWithTfliteWithinOneCode) {
  // Scales of PaddleOCR cls's first squeeze-excitation multiply: a ReLU
  // output in [0, 8.6] (zp -128) times a hard-sigmoid gate in [0, 0.284]
  // (zp -128) into [0, 1.86]. Both operands span 255 codes, so m <= 258
  // (here 169 at shift 15 for M = 0.0051486): within 0.3 % of TFLite's
  // 31-bit multiplier, at most one code apart.
  const double s1 = 8.5969 / 255, s2 = 0.28375 / 255, so = 1.8577 / 255;
  const int zp1 = -128, zp2 = -128, zpo = -128;
  std::optional<ptq::MulRescale> r =
      ptq::chooseMulRescale(s1, zp1, s2, zp2, so);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->multiplier, 169);
  EXPECT_EQ(r->shift, 15);
  std::vector<int> got = runInt8AddGrid("mul", s1, zp1, s2, zp2, so, zpo);
  ASSERT_EQ(got.size(), size_t(256 * 256));
  TfliteMul tfl(s1, s2, so);
  int differ = 0;
  for (int q1 = -128; q1 < 128; ++q1)
    for (int q2 = -128; q2 < 128; ++q2) {
      int want = tfl.apply(q1, zp1, q2, zp2, zpo);
      int g = got[(q1 + 128) * 256 + q2 + 128];
      ASSERT_EQ(g, hostMul(q1, zp1, q2, zp2, zpo, *r));
      ASSERT_LE(std::abs(g - want), 1) << "codes " << q1 << ", " << q2;
      differ += g != want;
    }
  // 7,370 of 65,536 (11 %) here, every one a code above TFLite's: 169 /
  // 2^15 is 0.16 % above M, so results near a rounding boundary round up
  // (the exact real result differs from TFLite's in 253 pairs).
  EXPECT_LE(differ, 65536 / 8);
}

/// quantize -> INT8 mul of x [1, C, H, W] by a gate [1, C, 1, 1] (a graph
/// input, or with `constantGate` an INT8 constant of the gate's codes) ->
/// dequantize, on npu-v1-small (several tiles); checked code for code
/// against hostMul.
void runInt8MulBroadcast(bool constantGate) {
  const int64_t c = 16, h = 12, w = 20;
  const double s1 = 0.047, s2 = 0.0039, so = 0.021;
  const int zp1 = -100, zp2 = -128, zpo = -3;
  std::vector<int> xq, gq;
  std::vector<float> x = randomCodes(size_t(c * h * w), s1, zp1, 5, xq);
  std::vector<float> g = randomCodes(size_t(c), s2, zp2, 6, gq);
  std::string fx = shape({1, c, h, w}, "f32"), fg = shape({1, c, 1, 1}, "f32");
  std::string qx = shape({1, c, h, w}, i8Type(s1, zp1));
  std::string qg = shape({1, c, 1, 1}, i8Type(s2, zp2));
  std::string qy = shape({1, c, h, w}, i8Type(so, zpo));
  std::ostringstream src;
  src << "func.func @main(%x: " << fx << " {npu.name = \"x\"}";
  if (!constantGate)
    src << ", %g: " << fg << " {npu.name = \"g\"}";
  src << ") -> (" << fx << " {npu.name = \"y\"}) {\n"
      << "  %qx = npu.quantize %x : " << fx << " -> " << qx << "\n";
  if (constantGate) {
    std::vector<int8_t> codes(gq.begin(), gq.end());
    src << "  %qg = npu.constant " << dense(codes) << " : "
        << shape({1, c, 1, 1}, "i8") << " -> " << qg << "\n";
  } else {
    src << "  %qg = npu.quantize %g : " << fg << " -> " << qg << "\n";
  }
  src << "  %m = npu.mul %qx, %qg : (" << qx << ", " << qg << ") -> " << qy
      << "\n"
      << "  %y = npu.dequantize %m : " << qy << " -> " << fx << "\n"
      << "  return %y : " << fx << "\n}\n";
  std::vector<std::vector<float>> inputs = {x};
  if (!constantGate)
    inputs.push_back(g);
  std::vector<float> y = compileAndRun(src.str(), inputs);
  ASSERT_EQ(y.size(), x.size());
  std::optional<ptq::MulRescale> r =
      ptq::chooseMulRescale(s1, zp1, s2, zp2, so);
  ASSERT_TRUE(r);
  for (int64_t ch = 0; ch < c; ++ch)
    for (int64_t i = 0; i < h * w; ++i) {
      size_t at = size_t(ch * h * w + i);
      int64_t want = hostMul(xq[at], zp1, gq[ch], zp2, zpo, *r);
      ASSERT_EQ(int64_t(std::lround(y[at] / float(so))) + zpo, want)
          << "channel " << ch << ", element " << i;
    }
}

TEST(Int8Codegen, MulBySqueezeExcitationGateBitExact) {
  runInt8MulBroadcast(false);
}

TEST(Int8Codegen, MulByPerChannelConstantBitExact) {
  runInt8MulBroadcast(true);
}

} // namespace
