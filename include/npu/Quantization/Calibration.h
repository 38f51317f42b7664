//===- Calibration.h - activation ranges for post-training quantization -*- C++
//-*-===//
//
// What calibration records per tensor and the three ways a range is chosen
// from it. Calibration itself (running the FP32 model over the samples on
// the emulator) is npu/Quantization/Calibrate.h; this header is plain C++
// so the methods are unit-tested on known distributions.
//
// A TensorStats holds the exact signed minimum and maximum seen and a
// histogram of |x| over [0, binWidth * kBins). The histogram grows by
// doubling: a value past the top merges bins pairwise and doubles the bin
// width, so no value is ever dropped and no second pass over the samples
// is needed (the same idea as ONNX Runtime's HistogramCollector, which
// re-bins when the range grows).
//
// Methods (docs/quantization.md):
//   minmax      the observed [min, max] (TFLite's default calibration).
//   percentile  |x| clipped at the given percentile of the histogram
//               (default 99.999 %, ONNX Runtime's), intersected with
//               [min, max].
//   entropy     the threshold whose quantization of the |x| histogram
//               has the least KL divergence from it: S. Migacz, "8-bit
//               Inference with TensorRT", GTC 2017, slides 30-37.
//               Outliers folded into the last kept bin, Q expanded
//               uniformly over P's nonzero bins. TensorRT's 128 levels for
//               data of both signs, 256 for one-sided data (the asymmetric
//               grid spends them all on [0, t]); thresholds from `levels`
//               bins past the first nonempty bin (TensorRT: bin 128), so
//               data offset from zero is never clipped to nothing; no
//               finite divergence clips nothing. Exact zeros (ReLU's,
//               padding's) are left out of P: the grid represents 0
//               exactly, and their spike would make clipping the tail look
//               free.
//
//===----------------------------------------------------------------------===//

#ifndef NPU_QUANTIZATION_CALIBRATION_H
#define NPU_QUANTIZATION_CALIBRATION_H

#include "npu/Dialect/Npu/Utils/QuantParams.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace npu::ptq {

enum class CalibrationMethod { MinMax, Percentile, Entropy };

/// Parses "minmax", "percentile" or "entropy".
std::optional<CalibrationMethod> parseCalibrationMethod(std::string_view name);

/// Statistics of one tensor over every calibration sample.
class TensorStats {
public:
  static constexpr int kBins = 2048;

  /// Adds `n` FP32 values. NaN and infinities are ignored (they have no
  /// INT8 representation to calibrate for).
  void add(const float *values, size_t n);

  bool empty() const { return count_ == 0; }
  uint64_t count() const { return count_; }
  /// The exact observed range (0, 0 when empty).
  Range observed() const { return empty() ? Range{} : Range{min_, max_}; }
  /// Width of one |x| bin; the histogram covers [0, kBins * binWidth()).
  double binWidth() const { return binWidth_; }
  const std::array<uint64_t, kBins> &histogram() const { return hist_; }
  /// How many of the values were exactly 0 (counted in bin 0 as well).
  uint64_t zeros() const { return zeros_; }

private:
  void grow(double absValue);

  double min_ = 0, max_ = 0;
  uint64_t count_ = 0, zeros_ = 0;
  double binWidth_ = 0; // 0 until the first nonzero value
  std::array<uint64_t, kBins> hist_{};
};

/// The |x| threshold below which `percent` of the values lie (the upper
/// edge of the bin where the cumulative count reaches it).
double percentileThreshold(const TensorStats &stats, double percent);

/// The percentile method's default: ONNX Runtime's (`calibrate.py`,
/// HistogramCalibrater's `percentile=99.999`). At 99.99 %, PP-OCRv4 det's
/// map lost its 0.99 cosine against FP32 (0.972).
constexpr double kDefaultPercentile = 99.999;

/// The most of a tensor's values (a fraction of those not exactly 0, which
/// entropyThreshold leaves out of its histogram) the entropy method may
/// clip: 99.99 % kept.
constexpr double kEntropyMaxClipped = 1e-4;

/// The |x| threshold minimising KL(P || Q) (TensorRT's entropy method, as
/// adapted in Calibration.cpp: from the first nonempty bin on, over the
/// grid's real levels, never clipping more than kEntropyMaxClipped of the
/// values); 0 when every value is 0.
double entropyThreshold(const TensorStats &stats);

/// The range `method` chooses: for percentile and entropy, the observed
/// range clipped to [-threshold, threshold].
Range chooseRange(const TensorStats &stats, CalibrationMethod method,
                  double percentile = kDefaultPercentile);

} // namespace npu::ptq

#endif // NPU_QUANTIZATION_CALIBRATION_H
