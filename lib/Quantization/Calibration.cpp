//===- Calibration.cpp - range statistics and calibration methods ---------===//

#include "npu/Quantization/Calibration.h"

#include <algorithm>
#include <cmath>
#include <limits>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

namespace npu::ptq {

std::optional<CalibrationMethod> parseCalibrationMethod(std::string_view name) {
  if (name == "minmax")
    return CalibrationMethod::MinMax;
  if (name == "percentile")
    return CalibrationMethod::Percentile;
  if (name == "entropy")
    return CalibrationMethod::Entropy;
  return std::nullopt;
}

void TensorStats::grow(double absValue) {
  if (binWidth_ == 0) {
    // The first nonzero value: a power-of-two top at or above it, so the
    // doublings below keep bin edges on one grid.
    binWidth_ = std::exp2(std::ceil(std::log2(absValue))) / kBins;
    while (absValue >= binWidth_ * kBins)
      binWidth_ *= 2;
    return;
  }
  while (absValue >= binWidth_ * kBins) {
    for (int i = 0; i < kBins / 2; ++i)
      hist_[i] = hist_[2 * i] + hist_[2 * i + 1];
    std::fill(hist_.begin() + kBins / 2, hist_.end(), 0);
    binWidth_ *= 2;
  }
}

namespace {

/// What the first pass of TensorStats::add learns of a batch: the first of
/// its finite values equal to their minimum and to their maximum (so a
/// zero keeps the sign of the first zero, as std::min and std::max over the
/// values in order do), the largest |x|, and the finite and zero counts.
struct BatchSummary {
  float lo = 0, hi = 0, top = 0;
  uint64_t finite = 0, zeros = 0;
};

BatchSummary summarize(const float *values, size_t n) {
  BatchSummary s;
  for (size_t i = 0; i < n; ++i) {
    float x = values[i];
    if (!std::isfinite(x))
      continue;
    s.lo = s.finite ? std::min(s.lo, x) : x;
    s.hi = s.finite ? std::max(s.hi, x) : x;
    s.top = std::max(s.top, std::fabs(x));
    s.zeros += x == 0;
    ++s.finite;
  }
  return s;
}

#if defined(__x86_64__) && defined(__GNUC__)
#define NPU_CALIBRATION_AVX2 1
bool hasAvx2() {
  static const bool avx2 = __builtin_cpu_supports("avx2");
  return avx2;
}

/// summarize() eight lanes at a time. Minimum, maximum and largest |x| are
/// exact in any order; only the sign of a zero minimum or maximum depends
/// on it, so it is taken from the batch's first zero afterwards.
[[gnu::target("avx2")]] BatchSummary summarizeAvx2(const float *values,
                                                   size_t n) {
  const __m256i expMask = _mm256_set1_epi32(0x7f800000);
  const __m256 absMask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256 inf = _mm256_set1_ps(INFINITY), zero = _mm256_setzero_ps();
  __m256 lo = inf, hi = _mm256_set1_ps(-INFINITY), top = zero;
  uint64_t nonFinite = 0, zeros = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 x = _mm256_loadu_ps(values + i);
    __m256 bad = _mm256_castsi256_ps(_mm256_cmpeq_epi32(
        _mm256_and_si256(_mm256_castps_si256(x), expMask), expMask));
    lo = _mm256_min_ps(lo, _mm256_blendv_ps(x, inf, bad));
    hi = _mm256_max_ps(hi, _mm256_blendv_ps(x, _mm256_set1_ps(-INFINITY), bad));
    top = _mm256_max_ps(top,
                        _mm256_blendv_ps(_mm256_and_ps(x, absMask), zero, bad));
    nonFinite += uint64_t(__builtin_popcount(_mm256_movemask_ps(bad)));
    zeros += uint64_t(__builtin_popcount(
        _mm256_movemask_ps(_mm256_cmp_ps(x, zero, _CMP_EQ_OQ))));
  }
  alignas(32) float l[8], h[8], t[8];
  _mm256_store_ps(l, lo);
  _mm256_store_ps(h, hi);
  _mm256_store_ps(t, top);
  BatchSummary s;
  s.finite = i - nonFinite;
  s.zeros = zeros;
  s.lo = INFINITY;
  s.hi = -INFINITY;
  for (int k = 0; k < 8; ++k) {
    s.lo = std::min(s.lo, l[k]);
    s.hi = std::max(s.hi, h[k]);
    s.top = std::max(s.top, t[k]);
  }
  BatchSummary tail = summarize(values + i, n - i);
  if (tail.finite) {
    s.lo = s.finite ? std::min(s.lo, tail.lo) : tail.lo;
    s.hi = s.finite ? std::max(s.hi, tail.hi) : tail.hi;
    s.top = std::max(s.top, tail.top);
    s.finite += tail.finite;
    s.zeros += tail.zeros;
  }
  if (s.finite && (s.lo == 0 || s.hi == 0)) {
    const float *first = std::find(values, values + n, 0.0f); // -0 == 0
    if (s.lo == 0)
      s.lo = *first;
    if (s.hi == 0)
      s.hi = *first;
  }
  return s;
}

/// Counts the finite nonzero values of `values[0, n)` (n a multiple of 8)
/// into `split`, four histograms of kBins + 1 counts (the last one a sink
/// for the values not counted), at bin trunc(|x| * inverse), at most
/// kBins - 1: TensorStats::add's bins when `inverse` (1 / the bin width, a
/// power of two) is an FP32 normal and every |x| * inverse is below kBins,
/// as then |x| * inverse is exact in FP32.
[[gnu::target("avx2")]] void binAvx2(const float *values, size_t n,
                                     float inverse, uint32_t *split) {
  constexpr int kBins = TensorStats::kBins, kRow = kBins + 1;
  const __m256i expMask = _mm256_set1_epi32(0x7f800000);
  const __m256 absMask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256 scale = _mm256_set1_ps(inverse), zero = _mm256_setzero_ps();
  const __m256i last = _mm256_set1_epi32(kBins - 1),
                sink = _mm256_set1_epi32(kBins);
  alignas(32) int32_t bins[8];
  for (size_t i = 0; i < n; i += 8) {
    __m256 x = _mm256_loadu_ps(values + i);
    __m256i bad = _mm256_or_si256(
        _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_castps_si256(x), expMask),
                           expMask),
        _mm256_castps_si256(_mm256_cmp_ps(x, zero, _CMP_EQ_OQ)));
    __m256i b = _mm256_min_epi32(
        _mm256_cvttps_epi32(_mm256_mul_ps(_mm256_and_ps(x, absMask), scale)),
        last);
    _mm256_store_si256(reinterpret_cast<__m256i *>(bins),
                       _mm256_blendv_epi8(b, sink, bad));
    for (int k = 0; k < 8; ++k)
      ++split[(k & 3) * kRow + bins[k]];
  }
}
#endif

} // namespace

void TensorStats::add(const float *values, size_t n) {
  // Two passes that bin exactly as adding value by value would: the grid's
  // top is a power of two (grow), so growing it once to this batch's
  // largest |x| and binning every value into it equals binning into the
  // finer grids on the way and merging their bins pairwise (halving by 2 is
  // exact); and x / w equals x * (1 / w) for a power-of-two w.
#ifdef NPU_CALIBRATION_AVX2
  BatchSummary batch =
      hasAvx2() ? summarizeAvx2(values, n) : summarize(values, n);
#else
  BatchSummary batch = summarize(values, n);
#endif
  auto [lo, hi, top, finite, zeros] = batch;
  if (finite == 0)
    return;
  min_ = count_ ? std::min(min_, double(lo)) : double(lo);
  max_ = count_ ? std::max(max_, double(hi)) : double(hi);
  count_ += finite;
  zeros_ += zeros;
  hist_[0] += zeros;
  if (top == 0)
    return; // all zeros: binned once there is a grid
  if (binWidth_ == 0 || double(top) >= binWidth_ * kBins)
    grow(top);
  double inverse = 1.0 / binWidth_;
  auto bin = [&](float x) {
    return std::min<int64_t>(int64_t(double(std::fabs(x)) * inverse),
                             kBins - 1);
  };
  // Large batches count into four histograms of their own, element i into
  // histogram i % 4, and add them up: the same counts, without every
  // increment waiting for the one before it to the same bin (a feature
  // map's values crowd into few bins). Each has a last count that sinks
  // the values not counted (the vector path's).
  constexpr size_t kSplit = 4, kMinSplit = 16 * kBins, kRow = kBins + 1;
  size_t i = 0;
  if (n >= kMinSplit) {
    std::vector<uint32_t> split(kSplit * kRow, 0);
#ifdef NPU_CALIBRATION_AVX2
    float inverseF = float(inverse);
    bool simd =
        hasAvx2() && double(inverseF) == inverse && std::isnormal(inverseF);
#endif
    // Chunks short enough that no count passes 2^32.
    while (i + 8 <= n) {
      size_t end = i + std::min<size_t>(n - i, size_t(1) << 31) / 8 * 8;
#ifdef NPU_CALIBRATION_AVX2
      if (simd) {
        binAvx2(values + i, end - i, inverseF, split.data());
        i = end;
      }
#endif
      for (; i < end; i += kSplit)
        for (size_t k = 0; k < kSplit; ++k) {
          float x = values[i + k];
          if (std::isfinite(x) && x != 0)
            ++split[k * kRow + size_t(bin(x))];
        }
      for (size_t k = 0; k < kSplit; ++k)
        for (int b = 0; b <= kBins; ++b) {
          if (b < kBins)
            hist_[b] += split[k * kRow + b];
          split[k * kRow + b] = 0;
        }
    }
  }
  for (; i < n; ++i) {
    float x = values[i];
    if (!std::isfinite(x) || x == 0)
      continue;
    ++hist_[bin(x)];
  }
}

double percentileThreshold(const TensorStats &stats, double percent) {
  if (stats.binWidth() == 0)
    return 0;
  const auto &h = stats.histogram();
  uint64_t total = 0;
  for (uint64_t c : h)
    total += c;
  double target = std::clamp(percent, 0.0, 100.0) / 100.0 * double(total);
  uint64_t cumulative = 0;
  for (int i = 0; i < TensorStats::kBins; ++i) {
    cumulative += h[i];
    if (double(cumulative) >= target)
      return (i + 1) * stats.binWidth();
  }
  return TensorStats::kBins * stats.binWidth();
}

double entropyThreshold(const TensorStats &stats) {
  const int bins = TensorStats::kBins;
  if (stats.binWidth() == 0)
    return 0;
  // Quantization levels over [0, threshold]: TensorRT's 128 (the positive
  // half of a symmetric INT8 grid) for data of both signs; all 256 for
  // one-sided data, which the asymmetric grid (zero point at an end)
  // spends entirely on [0, threshold].
  Range observed = stats.observed();
  const int levels = observed.min >= 0 || observed.max <= 0 ? 256 : 128;
  // Exact zeros carry no quantization error (the grid holds 0 exactly):
  // left out, their spike (ReLU's, padding's) would dominate P and make
  // clipping the tail look free.
  std::array<uint64_t, TensorStats::kBins> h = stats.histogram();
  h[0] -= std::min(h[0], stats.zeros());
  int first = 0, last = bins;
  while (first < bins && h[first] == 0)
    ++first;
  while (last > 0 && h[last - 1] == 0)
    --last;
  if (first == bins)
    return 0;
  // Candidates keep at least `levels` bins of data: from the first nonempty
  // bin on (TensorRT starts at bin 128 because ReLU-like data starts at 0;
  // for data offset from zero a threshold just above its lower edge folds
  // everything into one bin that Q represents exactly, KL 0, and clips the
  // whole range to nothing). A threshold past the last nonempty bin clips
  // nothing: the search stops there (every larger one has the same P and a
  // coarser Q).
  int start = std::min(bins, first + levels);
  // Nor may a candidate clip more than kEntropyMaxClipped of the values:
  // KL(P || Q) counts the clipped values in the last bin whatever their
  // distance, so on heavy-tailed activations (PP-OCRv4 rec's convolutions)
  // its minimum clipped a tenth of them and a third of their energy, and
  // the recognised text was lost. From the first threshold that keeps
  // 1 - kEntropyMaxClipped of the values on, as the percentile method's.
  double total = 0;
  for (int k = 0; k < bins; ++k)
    total += double(h[k]);
  double kept = 0;
  int keepAll = 0;
  while (keepAll < bins && kept < (1 - kEntropyMaxClipped) * total)
    kept += double(h[keepAll++]);
  start = std::max(start, keepAll);
  int stop = std::max(start, last);
  double bestKl = std::numeric_limits<double>::infinity();
  int best = stop;
  std::vector<double> p(bins), q(bins);
  for (int i = start; i <= stop; ++i) {
    double outliers = 0;
    for (int k = i; k < bins; ++k)
      outliers += double(h[k]);
    double pSum = 0;
    for (int k = 0; k < i; ++k) {
      p[k] = double(h[k]);
      pSum += p[k];
    }
    p[i - 1] += outliers;
    pSum += outliers;
    // Q: the first i bins merged into `levels` levels, each spread evenly
    // over its nonempty source bins.
    double qSum = 0;
    for (int j = 0; j < levels; ++j) {
      int lo = int(int64_t(j) * i / levels);
      int hi = int(int64_t(j + 1) * i / levels);
      double sum = 0;
      int nonzero = 0;
      for (int k = lo; k < hi; ++k) {
        sum += double(h[k]);
        nonzero += h[k] != 0;
      }
      for (int k = lo; k < hi; ++k)
        q[k] = h[k] != 0 ? sum / nonzero : 0;
      qSum += sum;
    }
    if (pSum == 0 || qSum == 0)
      continue;
    double kl = 0;
    for (int k = 0; k < i; ++k) {
      if (p[k] == 0)
        continue;
      double pk = p[k] / pSum;
      // A bin of P that Q leaves empty (only the outlier bin can be):
      // a small floor keeps the divergence finite, as TensorRT's.
      double qk = std::max(q[k] / qSum, 1e-12);
      kl += pk * std::log(pk / qk);
    }
    if (kl < bestKl) {
      bestKl = kl;
      best = i;
    }
  }
  // No candidate had a finite divergence: clip nothing.
  if (!std::isfinite(bestKl))
    best = stop;
  return best * stats.binWidth();
}

Range chooseRange(const TensorStats &stats, CalibrationMethod method,
                  double percentile) {
  Range r = stats.observed();
  if (method == CalibrationMethod::MinMax || stats.empty())
    return r;
  double t = method == CalibrationMethod::Percentile
                 ? percentileThreshold(stats, percentile)
                 : entropyThreshold(stats);
  return {std::max(r.min, -t), std::min(r.max, t)};
}

} // namespace npu::ptq
