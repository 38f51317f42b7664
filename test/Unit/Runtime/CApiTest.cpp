//===- CApiTest.cpp - the runtime's C API and its C++ wrapper ------------===//
//
// Links libnpuruntime.so (the C API) as an application does; programs are
// built with the static runtime's ProgramBuilder (the hand-built tiled
// matmul, python-free-examples/hand-built/TiledMatmul.h).
//
//===----------------------------------------------------------------------===//

#include "npu/runtime/npu_runtime.h"
#include "npu/runtime/npu_runtime.hpp"

#include "hand-built/TiledMatmul.h"
#include "npu/runtime/Version.h"

#include "gtest/gtest.h"

#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <thread>

using namespace npu::rt;

namespace {

constexpr int S = 64;

std::vector<int8_t> randomInt8(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(-128, 127);
  std::vector<int8_t> v(n);
  for (auto &x : v)
    x = int8_t(d(rng));
  return v;
}

std::vector<int32_t> refMatmul(const std::vector<int8_t> &a,
                               const std::vector<int8_t> &w) {
  std::vector<int32_t> c(S * S, 0);
  for (int i = 0; i < S; ++i)
    for (int k = 0; k < S; ++k)
      for (int j = 0; j < S; ++j)
        c[i * S + j] += int32_t(a[i * S + k]) * w[k * S + j];
  return c;
}

std::vector<uint8_t> matmulImage(const std::vector<int8_t> &w,
                                 std::vector<float> scale = {},
                                 std::vector<int32_t> zeroPoint = {}) {
  ProgramBuilder b(*lookupTarget("npu-v1"));
  npu::examples::buildTiledMatmul(b, w, std::move(scale), std::move(zeroPoint));
  return b.finish();
}

struct ProgramDeleter {
  void operator()(npu_program *p) const { npu_program_free(p); }
};
using ProgramPtr = std::unique_ptr<npu_program, ProgramDeleter>;

ProgramPtr load(const std::vector<uint8_t> &image) {
  npu_program *p = nullptr;
  char err[256] = "";
  EXPECT_EQ(npu_program_load(image.data(), image.size(), "npu-v1", &p, err,
                             sizeof err),
            NPU_OK)
      << err;
  return ProgramPtr(p);
}

} // namespace

// Tests that the versions are the ones the runtime reads: the package's
// major version is the .npubin format version.
TEST(CApi, Versions) {
  EXPECT_EQ(npu_api_version(), NPU_API_VERSION);
  EXPECT_EQ(npu_format_version(), kFormatVersion);
  EXPECT_EQ(npu_isa_version(), kIsaVersion);
  EXPECT_STREQ(npu_version_string(), NPU_VERSION_STRING);
  EXPECT_EQ(uint32_t(NPU_VERSION_MAJOR), kFormatVersion);
}

// Tests shapes, element types, sizes and quantization parameters of inputs
// and outputs, and out-of-range indices.
TEST(CApi, TensorMetadata) {
  ProgramPtr p = load(matmulImage(randomInt8(S * S, 1), {0.25f}, {-3}));
  ASSERT_TRUE(p);
  EXPECT_STREQ(npu_program_target(p.get()), "npu-v1");
  ASSERT_EQ(npu_program_num_inputs(p.get()), 1u);
  ASSERT_EQ(npu_program_num_outputs(p.get()), 1u);

  npu_tensor_info in;
  ASSERT_EQ(npu_program_input_info(p.get(), 0, &in), NPU_OK);
  EXPECT_STREQ(in.name, "a");
  ASSERT_EQ(in.rank, 2u);
  EXPECT_EQ(in.shape[0], S);
  EXPECT_EQ(in.shape[1], S);
  EXPECT_EQ(in.element_type, NPU_I8);
  EXPECT_STREQ(in.element_type_name, "I8");
  EXPECT_EQ(in.size_bytes, size_t(S * S));
  ASSERT_EQ(in.num_scales, 1u);
  EXPECT_EQ(in.scales[0], 0.25f);
  EXPECT_EQ(in.zero_points[0], -3);
  EXPECT_EQ(in.quant_axis, -1);
  EXPECT_EQ(in.frozen, 0);

  npu_tensor_info out;
  ASSERT_EQ(npu_program_output_info(p.get(), 0, &out), NPU_OK);
  EXPECT_STREQ(out.name, "c");
  EXPECT_EQ(out.element_type, NPU_I32);
  EXPECT_EQ(out.size_bytes, size_t(S * S * 4));
  EXPECT_EQ(out.num_scales, 0u);
  EXPECT_EQ(out.dynamic_shape, 0);

  EXPECT_EQ(npu_program_input_info(p.get(), 1, &in),
            NPU_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(npu_program_output_info(nullptr, 0, &out),
            NPU_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(npu_program_input_name(p.get(), 1), nullptr);
  EXPECT_EQ(npu_program_output_size(p.get(), 0), size_t(S * S * 4));
}

// Tests per-channel parameters (one scale and zero point per row of "a").
TEST(CApi, PerChannelQuantization) {
  std::vector<float> scales(S);
  std::vector<int32_t> zeros(S);
  for (int i = 0; i < S; ++i) {
    scales[i] = 0.5f + i;
    zeros[i] = i - 10;
  }
  ProgramPtr p = load(matmulImage(randomInt8(S * S, 2), scales, zeros));
  ASSERT_TRUE(p);
  npu_tensor_info in;
  ASSERT_EQ(npu_program_input_info(p.get(), 0, &in), NPU_OK);
  ASSERT_EQ(in.num_scales, size_t(S));
  EXPECT_EQ(in.quant_axis, 0);
  EXPECT_EQ(in.scales[63], 63.5f);
  EXPECT_EQ(in.zero_points[63], 53);
}

// Tests each error code with its one-line message.
TEST(CApi, Errors) {
  char err[256] = "";
  npu_program *p = nullptr;
  const char junk[] = "not an executable";
  EXPECT_EQ(npu_program_load(junk, sizeof junk, nullptr, &p, err, sizeof err),
            NPU_ERROR_INVALID_EXECUTABLE);
  EXPECT_NE(std::string(err), "");
  EXPECT_EQ(p, nullptr);

  std::vector<uint8_t> image = matmulImage(randomInt8(S * S, 3));
  EXPECT_EQ(npu_program_load(image.data(), image.size(), "npu-v9", &p, err,
                             sizeof err),
            NPU_ERROR_UNKNOWN_TARGET);
  EXPECT_STREQ(err, "unknown target 'npu-v9'");
  EXPECT_EQ(npu_program_load(nullptr, 0, nullptr, &p, err, sizeof err),
            NPU_ERROR_INVALID_ARGUMENT);

  EXPECT_EQ(npu_program_load_file("/nonexistent/m.npubin", nullptr, &p, err,
                                  sizeof err),
            NPU_ERROR_IO);
  EXPECT_NE(std::string(err).find("/nonexistent/m.npubin"), std::string::npos)
      << err;

  // A short buffer truncates, NUL-terminated; NULL is allowed.
  char small[8];
  EXPECT_EQ(
      npu_program_load(junk, sizeof junk, nullptr, &p, small, sizeof small),
      NPU_ERROR_INVALID_EXECUTABLE);
  EXPECT_EQ(std::strlen(small), 7u);
  EXPECT_EQ(npu_program_load(junk, sizeof junk, nullptr, &p, nullptr, 0),
            NPU_ERROR_INVALID_EXECUTABLE);

  ProgramPtr good = load(image);
  const void *inputs[1] = {nullptr};
  EXPECT_EQ(
      npu_program_run(good.get(), inputs, nullptr, nullptr, err, sizeof err),
      NPU_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(err, "input 0 ('a') is missing");

  EXPECT_STREQ(npu_status_string(NPU_OK), "ok");
  EXPECT_STREQ(npu_status_string(NPU_ERROR_INVALID_EXECUTABLE),
               "invalid executable");
  EXPECT_STREQ(npu_status_string(99), "unknown status");
}

// Tests two independent programs (different weights) run concurrently on
// two threads, each many times: every result is bit-exact with the
// reference and the cycles are those of a single-threaded run.
TEST(CApi, TwoInstancesOnTwoThreads) {
  std::vector<int8_t> a = randomInt8(S * S, 4);
  std::vector<int8_t> w[2] = {randomInt8(S * S, 5), randomInt8(S * S, 6)};
  ProgramPtr p[2] = {load(matmulImage(w[0])), load(matmulImage(w[1]))};
  ASSERT_TRUE(p[0] && p[1]);
  std::vector<int32_t> ref[2] = {refMatmul(a, w[0]), refMatmul(a, w[1])};
  npu_stats single;
  {
    std::vector<int32_t> c(S * S);
    const void *in[1] = {a.data()};
    void *out[1] = {c.data()};
    ASSERT_EQ(npu_program_run(p[0].get(), in, out, &single, nullptr, 0),
              NPU_OK);
  }
  int mismatches[2] = {0, 0};
  auto work = [&](int t) {
    for (int run = 0; run < 20; ++run) {
      std::vector<int32_t> c(S * S, 0);
      const void *in[1] = {a.data()};
      void *out[1] = {c.data()};
      npu_stats stats;
      if (npu_program_run(p[t].get(), in, out, &stats, nullptr, 0) != NPU_OK ||
          c != ref[t] || stats.cycles != single.cycles)
        ++mismatches[t];
    }
  };
  std::thread t0(work, 0), t1(work, 1);
  t0.join();
  t1.join();
  EXPECT_EQ(mismatches[0], 0);
  EXPECT_EQ(mismatches[1], 0);
}

// Tests one program run from two threads at once (each run has its own
// emulator; the program is read-only after loading): both get the reference
// result every time.
TEST(CApi, OneProgramOnTwoThreads) {
  std::vector<int8_t> a[2] = {randomInt8(S * S, 9), randomInt8(S * S, 10)};
  std::vector<int8_t> w = randomInt8(S * S, 11);
  ProgramPtr p = load(matmulImage(w));
  ASSERT_TRUE(p);
  std::vector<int32_t> ref[2] = {refMatmul(a[0], w), refMatmul(a[1], w)};
  int mismatches[2] = {0, 0};
  auto work = [&](int t) {
    for (int run = 0; run < 20; ++run) {
      std::vector<int32_t> c(S * S, 0);
      const void *in[1] = {a[t].data()};
      void *out[1] = {c.data()};
      if (npu_program_run(p.get(), in, out, nullptr, nullptr, 0) != NPU_OK ||
          c != ref[t])
        ++mismatches[t];
    }
  };
  std::thread t0(work, 0), t1(work, 1);
  t0.join();
  t1.join();
  EXPECT_EQ(mismatches[0], 0);
  EXPECT_EQ(mismatches[1], 0);
}

// Tests the C++ wrapper: metadata copies, a run, and errors as Status.
TEST(CApi, CppWrapper) {
  std::vector<int8_t> a = randomInt8(S * S, 7), w = randomInt8(S * S, 8);
  std::vector<uint8_t> image = matmulImage(w, {0.125f}, {4});
  npu::Status status;
  npu::Program program =
      npu::Program::load(image.data(), image.size(), &status);
  ASSERT_TRUE(program) << status.message;
  EXPECT_TRUE(status);
  std::vector<npu::TensorInfo> inputs = program.inputs();
  ASSERT_EQ(inputs.size(), 1u);
  EXPECT_EQ(inputs[0].shape, (std::vector<int64_t>{S, S}));
  EXPECT_EQ(inputs[0].scales, std::vector<float>{0.125f});
  EXPECT_EQ(inputs[0].zeroPoints, std::vector<int32_t>{4});
  EXPECT_EQ(program.outputs()[0].elementTypeName, "I32");

  std::vector<int32_t> c(S * S);
  npu_stats stats;
  npu::Status ran = program.run({a.data()}, {c.data()}, &stats);
  ASSERT_TRUE(ran) << ran.message;
  EXPECT_EQ(c, refMatmul(a, w));
  EXPECT_GT(stats.cycles, 0u);

  npu::Status wrong = program.run({}, {c.data()});
  EXPECT_EQ(wrong.code, NPU_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(wrong.message, "expected 1 inputs and 1 outputs");

  npu::Program missing = npu::Program::loadFile("/nonexistent.npubin", &status);
  EXPECT_FALSE(missing);
  EXPECT_EQ(status.code, NPU_ERROR_IO);
}
