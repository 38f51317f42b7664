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
//               (default 99.99 %), intersected with [min, max].
//   entropy     the threshold whose 128-level quantization of the |x|
//               histogram has the least KL divergence from it: S. Migacz,
//               "8-bit Inference with TensorRT", GTC 2017, slides 30-37.
//               Thresholds from bin 128 to 2048, outliers folded into the
//               last kept bin, Q expanded uniformly over P's nonzero bins.
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

private:
  void grow(double absValue);

  double min_ = 0, max_ = 0;
  uint64_t count_ = 0;
  double binWidth_ = 0; // 0 until the first nonzero value
  std::array<uint64_t, kBins> hist_{};
};

/// The |x| threshold below which `percent` of the values lie (the upper
/// edge of the bin where the cumulative count reaches it).
double percentileThreshold(const TensorStats &stats, double percent);

/// The |x| threshold minimising KL(P || Q) (TensorRT's entropy method).
double entropyThreshold(const TensorStats &stats);

/// The range `method` chooses: for percentile and entropy, the observed
/// range clipped to [-threshold, threshold].
Range chooseRange(const TensorStats &stats, CalibrationMethod method,
                  double percentile = 99.99);

} // namespace npu::ptq

#endif // NPU_QUANTIZATION_CALIBRATION_H
