//===- QuantParams.cpp - INT8 scales, zero points and requantization ------===//

#include "npu/Dialect/Npu/Utils/QuantParams.h"

#include "mlir/Dialect/Tosa/Utils/QuantUtils.h"

#include <algorithm>
#include <cmath>

namespace npu::ptq {

int32_t AffineParams::quantize(double x) const {
  double q = std::round(x / scale) + zeroPoint;
  return int32_t(std::clamp(q, double(kQMin), double(kQMax)));
}

AffineParams chooseAffineParams(Range range) {
  double lo = std::min(range.min, 0.0), hi = std::max(range.max, 0.0);
  if (hi - lo <= 0 || !std::isfinite(hi - lo))
    return {1.0, 0};
  AffineParams p;
  p.scale = (hi - lo) / double(kQMax - kQMin);
  // TFLite's nudge: the zero point that maps lo to -128, rounded.
  double zp = double(kQMin) - lo / p.scale;
  p.zeroPoint =
      int32_t(std::clamp(std::round(zp), double(kQMin), double(kQMax)));
  return p;
}

std::array<int8_t, 256>
buildLookupTable(const AffineParams &in, const AffineParams &out,
                 const std::function<double(double)> &f) {
  std::array<int8_t, 256> table;
  for (int q = kQMin; q <= kQMax; ++q) {
    double y = f(in.dequantize(q));
    table[size_t(q - kQMin)] =
        int8_t(std::isnan(y) ? out.zeroPoint : out.quantize(y));
  }
  return table;
}

std::vector<double> chooseWeightScales(const float *w, int64_t count,
                                       int64_t channels, int64_t inner) {
  std::vector<double> maxAbs(size_t(channels), 0.0);
  for (int64_t i = 0; i < count; ++i) {
    double &m = maxAbs[size_t((i / inner) % channels)];
    m = std::max(m, std::fabs(double(w[i])));
  }
  std::vector<double> scales(size_t(channels), 1.0);
  for (size_t c = 0; c < scales.size(); ++c)
    if (maxAbs[c] > 0 && std::isfinite(maxAbs[c]))
      scales[c] = maxAbs[c] / kWeightQMax;
  return scales;
}

int8_t quantizeWeight(float w, double scale) {
  double q = std::round(double(w) / scale);
  return int8_t(std::clamp(q, double(-kWeightQMax), double(kWeightQMax)));
}

std::optional<Requant> computeRequant(double realMultiplier) {
  if (!(realMultiplier > 0) || !std::isfinite(realMultiplier))
    return std::nullopt;
  Requant r;
  if (!mlir::tosa::computeMultiplierAndShift(realMultiplier, r.multiplier,
                                             r.shift, 32))
    return std::nullopt;
  if (r.multiplier <= 0 || r.shift < 2 || r.shift > 62)
    return std::nullopt;
  return r;
}

std::optional<AddRescale> chooseAddRescale(double s1, double s2, double sOut) {
  if (!(s1 > 0) || !(s2 > 0) || !(sOut > 0) || !std::isfinite(s1) ||
      !std::isfinite(s2) || !std::isfinite(sOut))
    return std::nullopt;
  // The largest shift whose larger multiplier stays at most 2^15.
  double r = std::max(s1, s2) / sOut;
  int32_t shift = int32_t(std::floor(std::log2(32768.0 / r)));
  while (shift > 0 && std::round(r * std::ldexp(1.0, shift)) > 32768.0)
    --shift;
  if (shift < 9 || shift > 62)
    return std::nullopt;
  double unit = std::ldexp(1.0, shift);
  return AddRescale{int32_t(std::round(s1 / sOut * unit)),
                    int32_t(std::round(s2 / sOut * unit)), shift};
}

std::optional<MulRescale> chooseMulRescale(double s1, int32_t zp1, double s2,
                                           int32_t zp2, double sOut) {
  double m = s1 * s2 / sOut;
  if (!(m > 0) || !std::isfinite(m) || zp1 < kQMin || zp1 > kQMax ||
      zp2 < kQMin || zp2 > kQMax)
    return std::nullopt;
  auto span = [](int32_t zp) {
    return int64_t(std::max(zp - kQMin, kQMax - zp));
  };
  // The largest multiplier whose products m * |x1 - zp1| * |x2 - zp2| are
  // at most 2^24 (exact in FP32), then the largest shift whose rounded
  // multiplier stays at most it.
  double bound = std::floor(16777216.0 / double(span(zp1) * span(zp2)));
  int32_t shift = int32_t(std::floor(std::log2(bound / m)));
  while (std::round(std::ldexp(m, shift)) > bound)
    --shift;
  while (std::round(std::ldexp(m, shift + 1)) <= bound)
    ++shift;
  double multiplier = std::round(std::ldexp(m, shift));
  if (multiplier < 1 || shift < -126 || shift > 126)
    return std::nullopt;
  return MulRescale{int32_t(multiplier), shift};
}

} // namespace npu::ptq
