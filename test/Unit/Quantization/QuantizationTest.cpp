//===- QuantizationTest.cpp - calibration methods and INT8 parameters -----===//
//
// The calibration methods on distributions whose answer is known, the
// TFLite-style scale and zero-point choice, and the INT32 multiplier and
// shift against hand-computed values and an independent host evaluation
// of TOSA's apply_scale_32.
//
//===----------------------------------------------------------------------===//

#include "npu/Dialect/Npu/Utils/QuantParams.h"
#include "npu/Quantization/Calibration.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

using namespace npu::ptq;

namespace {

TEST(Calibration, MinMaxIsTheObservedRange) {
  TensorStats s;
  std::vector<float> a = {-0.5f, 2.0f, 1.0f}, b = {-3.0f, 0.0f};
  s.add(a.data(), a.size());
  s.add(b.data(), b.size());
  Range r = chooseRange(s, CalibrationMethod::MinMax);
  EXPECT_EQ(r.min, -3.0);
  EXPECT_EQ(r.max, 2.0);
  EXPECT_EQ(s.count(), 5u);
}

TEST(Calibration, NonFiniteValuesAreIgnored) {
  TensorStats s;
  std::vector<float> a = {1.0f, NAN, INFINITY, -INFINITY, -2.0f};
  s.add(a.data(), a.size());
  EXPECT_EQ(s.count(), 2u);
  EXPECT_EQ(s.observed().min, -2.0);
  EXPECT_EQ(s.observed().max, 1.0);
}

TEST(Calibration, HistogramGrowsWithoutLosingCounts) {
  TensorStats s;
  std::vector<float> zeros(10, 0.0f), small = {0.25f, 1.0f}, big = {1000.0f};
  s.add(zeros.data(), zeros.size()); // no grid yet
  s.add(small.data(), small.size());
  double before = s.binWidth();
  s.add(big.data(), big.size());
  EXPECT_GT(s.binWidth(), before);
  EXPECT_GT(s.binWidth() * TensorStats::kBins, 1000.0);
  // A power of two over the bins: the grid doubled, it was not reset.
  EXPECT_EQ(std::exp2(std::round(std::log2(s.binWidth()))), s.binWidth());
  uint64_t total = 0;
  for (uint64_t c : s.histogram())
    total += c;
  EXPECT_EQ(total, 13u);
  // Width 1024 / 2048: the zeros and 0.25 in bin 0, 1.0 in bin 2.
  EXPECT_EQ(s.histogram()[0], 11u);
  EXPECT_EQ(s.histogram()[2], 1u);
}

// A batch is binned as its values added one by one would be (TensorStats::
// add grows the grid to the batch's largest value first, and counts a
// large batch into four histograms of its own): the same histogram, grid
// and range, over values spanning eight binades, with zeros, NaN and
// infinities among them, in a batch large enough to be split and of a
// length that leaves a tail.
TEST(Calibration, BatchBinsAsValueByValue) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> mantissa(-1.0f, 1.0f);
  std::uniform_int_distribution<int> binade(-4, 4);
  std::vector<float> v;
  for (int i = 0; i < 40003; ++i)
    v.push_back(std::ldexp(mantissa(rng), binade(rng)));
  v[17] = 0.0f;
  v[18] = NAN;
  v[19] = 16.0f; // a power of two: the grid's top must exceed it
  v[20] = -INFINITY;
  v[40001] = -0.0f;
  v[40002] = INFINITY;
  TensorStats batch, single;
  batch.add(v.data(), v.size());
  for (float x : v)
    single.add(&x, 1);
  EXPECT_EQ(batch.binWidth(), single.binWidth());
  EXPECT_EQ(batch.histogram(), single.histogram());
  EXPECT_EQ(batch.count(), single.count());
  EXPECT_EQ(batch.zeros(), single.zeros());
  EXPECT_EQ(batch.observed().min, single.observed().min);
  EXPECT_EQ(batch.observed().max, single.observed().max);
}

// The batch path (eight lanes at a time where the host has AVX2) keeps the
// sign of the first zero when a zero is the minimum or the maximum, as
// adding value by value does, and counts tails shorter than a vector.
TEST(Calibration, BatchKeepsTheFirstZerosSign) {
  std::vector<std::vector<float>> batches = {
      {3, -0.0f, 5, 0.0f, 7, 1, 2, 4, 0.0f},    // minimum -0, found first
      {3, 0.0f, 5, -0.0f, 7, 1, 2, 4, -0.0f},   // minimum +0
      {-3, 0.0f, -5, -0.0f, -7, -1, NAN, -4},   // maximum +0
      {-3, -1, -5, -2, -7, -1, -2, -4, -0.0f},  // maximum -0, in the tail
      {INFINITY, -INFINITY, NAN, NAN, 1, 2, 3}, // shorter than a vector
  };
  for (const std::vector<float> &v : batches) {
    TensorStats batch, single;
    batch.add(v.data(), v.size());
    for (float x : v)
      single.add(&x, 1);
    EXPECT_EQ(batch.observed().min, single.observed().min);
    EXPECT_EQ(batch.observed().max, single.observed().max);
    EXPECT_EQ(std::signbit(batch.observed().min),
              std::signbit(single.observed().min));
    EXPECT_EQ(std::signbit(batch.observed().max),
              std::signbit(single.observed().max));
    EXPECT_EQ(batch.count(), single.count());
    EXPECT_EQ(batch.zeros(), single.zeros());
    EXPECT_EQ(batch.histogram(), single.histogram());
  }
  TensorStats first;
  first.add(batches[0].data(), batches[0].size());
  EXPECT_TRUE(std::signbit(first.observed().min));
}

TEST(Calibration, PercentileClipsARareOutlier) {
  TensorStats s;
  std::vector<float> v;
  for (int i = 0; i < 100000; ++i)
    v.push_back(float(i) / 100000.0f); // uniform on [0, 1)
  v.push_back(100.0f);
  s.add(v.data(), v.size());
  EXPECT_EQ(chooseRange(s, CalibrationMethod::MinMax).max, 100.0);
  Range r = chooseRange(s, CalibrationMethod::Percentile, 99.9);
  // 99.9 % of the values lie below 0.999; one bin of slack.
  EXPECT_NEAR(r.max, 0.999, s.binWidth() + 1e-9);
  EXPECT_EQ(r.min, 0.0);
}

// The default percentile is ONNX Runtime's 99.999 %: five outliers in
// 100,005 values (0.005 %) stay in range; at 99.99 % they are clipped.
TEST(Calibration, DefaultPercentileIsOnnxRuntimes) {
  TensorStats s;
  std::vector<float> v;
  for (int i = 0; i < 100000; ++i)
    v.push_back(float(i) / 100000.0f); // uniform on [0, 1)
  for (int i = 0; i < 5; ++i)
    v.push_back(100.0f);
  s.add(v.data(), v.size());
  EXPECT_EQ(kDefaultPercentile, 99.999);
  EXPECT_NEAR(chooseRange(s, CalibrationMethod::Percentile).max, 100.0,
              s.binWidth());
  EXPECT_NEAR(chooseRange(s, CalibrationMethod::Percentile, 99.99).max, 1.0,
              s.binWidth() + 1e-9);
}

TEST(Calibration, EntropyThresholdOfAGaussianWithOutliers) {
  TensorStats s;
  std::mt19937 gen(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> v(200000);
  for (float &x : v)
    x = normal(gen);
  v.push_back(60.0f);
  v.push_back(-60.0f);
  s.add(v.data(), v.size());
  double t = entropyThreshold(s);
  // TensorRT's method keeps a unit Gaussian's bulk and drops the outliers:
  // the threshold lands a few standard deviations out.
  EXPECT_GT(t, 2.0);
  EXPECT_LT(t, 8.0);
  Range r = chooseRange(s, CalibrationMethod::Entropy);
  EXPECT_EQ(r.max, t);
  EXPECT_EQ(r.min, -t);
}

TEST(Calibration, EntropyKeepsAnUnclippedUniformRange) {
  // Uniform data without outliers: clipping only adds error.
  TensorStats s;
  std::vector<float> v;
  for (int i = 0; i < 50000; ++i)
    v.push_back(float(i) / 50000.0f * 4.0f);
  s.add(v.data(), v.size());
  EXPECT_NEAR(entropyThreshold(s), 4.0, 4.0 * 0.05);
}

TEST(Calibration, EntropyNeverClipsOffsetDataToNothing) {
  // A CNN input spanning [3.99, 12.41] (no mass near 0): searching from
  // TensorRT's bin 128 chose t = 3.99, below every value (all saturate).
  TensorStats s;
  std::mt19937 gen(3);
  std::normal_distribution<float> normal(8.2f, 1.4f);
  std::vector<float> v;
  for (int i = 0; i < 100000; ++i)
    v.push_back(std::clamp(normal(gen), 3.99f, 12.41f));
  s.add(v.data(), v.size());
  Range r = chooseRange(s, CalibrationMethod::Entropy);
  EXPECT_EQ(r.min, s.observed().min);
  // Keeps the bulk: at least mean + 2 sigma.
  EXPECT_GT(r.max, 8.2 + 2 * 1.4);
  EXPECT_LE(r.max, 12.41 + 1e-6);
}

TEST(Calibration, EntropyOfANarrowSpikeFarFromZeroKeepsItAll) {
  // Every value in [10, 10.1]: no candidate keeps 256 bins of data, so
  // the search has one candidate past the data and nothing is clipped.
  TensorStats s;
  std::vector<float> v;
  for (int i = 0; i <= 1000; ++i)
    v.push_back(10.0f + 0.1f * float(i) / 1000.0f);
  s.add(v.data(), v.size());
  Range r = chooseRange(s, CalibrationMethod::Entropy);
  EXPECT_FLOAT_EQ(float(r.min), 10.0f);
  EXPECT_FLOAT_EQ(float(r.max), 10.1f);
}

TEST(Calibration, EntropyOfNegativeOffsetDataMirrorsPositive) {
  TensorStats pos, neg;
  std::mt19937 gen(5);
  std::normal_distribution<float> normal(6.0f, 1.0f);
  std::vector<float> a, b;
  for (int i = 0; i < 50000; ++i) {
    float x = std::max(normal(gen), 2.0f);
    a.push_back(x);
    b.push_back(-x);
  }
  pos.add(a.data(), a.size());
  neg.add(b.data(), b.size());
  Range rp = chooseRange(pos, CalibrationMethod::Entropy);
  Range rn = chooseRange(neg, CalibrationMethod::Entropy);
  EXPECT_EQ(rp.max, -rn.min);
  EXPECT_EQ(rp.min, -rn.max);
  EXPECT_GT(rp.max, 8.0);
}

TEST(Calibration, EntropyClipsAtMostTheMostAllowedOfAHeavyTail) {
  // A bulk near 0 on a lattice of 0.05 (spikes, which Q smears at any
  // wide threshold) plus, on one value in ten, a tail spread over
  // [-20, 20], as PP-OCRv4 rec's convolution outputs are: KL's minimum
  // alone lies near 2 and clips 9 % of the values (the recognised text was
  // lost); the threshold keeps all but kEntropyMaxClipped of them.
  TensorStats s;
  std::mt19937 gen(11);
  std::normal_distribution<float> bulk(0.0f, 0.3f);
  std::uniform_real_distribution<float> tail(-20.0f, 20.0f);
  std::vector<float> v;
  for (int i = 0; i < 200000; ++i)
    v.push_back(std::round(bulk(gen) * 20) / 20 +
                (i % 10 == 0 ? tail(gen) : 0));
  s.add(v.data(), v.size());
  double t = entropyThreshold(s);
  size_t clipped = 0;
  for (float x : v)
    clipped += std::fabs(x) > t + s.binWidth();
  EXPECT_LE(double(clipped), kEntropyMaxClipped * double(v.size()));
  EXPECT_GT(t, 19.0);
}

TEST(Calibration, ParsesMethodNames) {
  EXPECT_EQ(parseCalibrationMethod("entropy"), CalibrationMethod::Entropy);
  EXPECT_EQ(parseCalibrationMethod("minmax"), CalibrationMethod::MinMax);
  EXPECT_EQ(parseCalibrationMethod("percentile"),
            CalibrationMethod::Percentile);
  EXPECT_FALSE(parseCalibrationMethod("kl"));
}

TEST(QuantParams, AffineParamsFollowTFLite) {
  AffineParams relu6 = chooseAffineParams({0.0, 6.0});
  EXPECT_DOUBLE_EQ(relu6.scale, 6.0 / 255.0);
  EXPECT_EQ(relu6.zeroPoint, -128);
  EXPECT_EQ(relu6.quantize(0.0), -128);
  EXPECT_EQ(relu6.quantize(6.0), 127);
  EXPECT_EQ(relu6.quantize(100.0), 127); // saturates
  // A range that excludes 0 is widened to contain it.
  AffineParams pos = chooseAffineParams({1.0, 3.0});
  EXPECT_DOUBLE_EQ(pos.scale, 3.0 / 255.0);
  EXPECT_EQ(pos.zeroPoint, -128);
  // Symmetric: -128 - (-1) / (2/255) = -0.5, rounded away from zero.
  AffineParams sym = chooseAffineParams({-1.0, 1.0});
  EXPECT_DOUBLE_EQ(sym.scale, 2.0 / 255.0);
  EXPECT_EQ(sym.zeroPoint, -1);
  EXPECT_DOUBLE_EQ(sym.dequantize(sym.quantize(0.0)), 0.0); // 0 is exact
  AffineParams neg = chooseAffineParams({-4.0, -1.0});
  EXPECT_EQ(neg.zeroPoint, 127);
  AffineParams none = chooseAffineParams({0.0, 0.0});
  EXPECT_EQ(none.scale, 1.0);
  EXPECT_EQ(none.zeroPoint, 0);
}

TEST(QuantParams, WeightsAreSymmetricPerChannel) {
  std::vector<float> w = {0.5f, -1.0f, 0.25f, 0.0f, 0.0f,
                          0.0f, 3.0f,  -6.0f, 1.0f};
  std::vector<double> s = chooseWeightScales(w.data(), 9, 3, 3);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_DOUBLE_EQ(s[0], 1.0 / 127);
  EXPECT_DOUBLE_EQ(s[1], 1.0); // all zeros
  EXPECT_DOUBLE_EQ(s[2], 6.0 / 127);
  // The same values as a [3][3] matrix quantized per column (axis 1).
  std::vector<double> cols = chooseWeightScales(w.data(), 9, 3, 1);
  EXPECT_DOUBLE_EQ(cols[0], 3.0 / 127);
  EXPECT_DOUBLE_EQ(cols[1], 6.0 / 127);
  EXPECT_DOUBLE_EQ(cols[2], 1.0 / 127);
  EXPECT_EQ(quantizeWeight(-1.0f, s[0]), -127);
  EXPECT_EQ(quantizeWeight(0.5f, s[0]), 64);    // 63.5 rounds away from zero
  EXPECT_EQ(quantizeWeight(-5.0f, s[0]), -127); // never -128
  EXPECT_EQ(quantizeWeight(3.0f, s[2]), 64);
}

/// TOSA apply_scale_32 (double_round = false), written from the spec's
/// pseudocode rather than shared with the emulator.
int32_t applyScale32Reference(int32_t value, int32_t multiplier,
                              int32_t shift) {
  __int128 product = __int128(value) * multiplier;
  __int128 rounded = product + (__int128(1) << (shift - 1));
  return int32_t(rounded >> shift);
}

TEST(QuantParams, RequantMultiplierAndShiftKnownValues) {
  auto half = computeRequant(0.5);
  ASSERT_TRUE(half);
  EXPECT_EQ(half->multiplier, 1 << 30);
  EXPECT_EQ(half->shift, 31);
  auto quarter = computeRequant(0.25);
  ASSERT_TRUE(quarter);
  EXPECT_EQ(quarter->multiplier, 1 << 30);
  EXPECT_EQ(quarter->shift, 32);
  // 0.75 = 0.75 * 2^0: mantissa 0.75 -> 0.75 * 2^31.
  auto threeQuarters = computeRequant(0.75);
  ASSERT_TRUE(threeQuarters);
  EXPECT_EQ(threeQuarters->multiplier, 1610612736);
  EXPECT_EQ(threeQuarters->shift, 31);
  EXPECT_FALSE(computeRequant(0.0));
  EXPECT_FALSE(computeRequant(-1.0));
  EXPECT_FALSE(computeRequant(NAN));
}

TEST(QuantParams, RequantApproximatesTheRealMultiplier) {
  std::mt19937 gen(3);
  std::uniform_real_distribution<double> logScale(-20.0, 4.0);
  for (int i = 0; i < 2000; ++i) {
    double m = std::exp2(logScale(gen));
    auto r = computeRequant(m);
    ASSERT_TRUE(r) << m;
    EXPECT_GE(r->multiplier, 1 << 30);
    EXPECT_NEAR(std::ldexp(double(r->multiplier), -r->shift), m, m * 1e-9);
    // Applied to an accumulator value it rounds to within one of the
    // exact product (half up at .5).
    int32_t x = int32_t(gen() % 2000001) - 1000000;
    double exact = double(x) * std::ldexp(double(r->multiplier), -r->shift);
    int32_t y = applyScale32Reference(x, r->multiplier, r->shift);
    EXPECT_EQ(y, int32_t(std::floor(exact + 0.5))) << x << " * " << m;
  }
}

} // namespace
