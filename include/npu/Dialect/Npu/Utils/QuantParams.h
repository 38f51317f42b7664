//===- QuantParams.h - INT8 scales, zero points, requantization -*- C++ -*-===//
//
// The quantization scheme, after TFLite's ("TensorFlow Lite 8-bit
// quantization specification", tensorflow.org/lite/performance/
// quantization_spec) and TOSA's (TOSA 1.0 specification, section 4.3
// "Quantization" and the RESCALE operator):
//   - activations: INT8 asymmetric per tensor, real = scale * (q - zp),
//     q in [-128, 127], the range widened to contain 0 so 0 is exact;
//   - weights: INT8 symmetric per output channel, q in [-127, 127], zp 0;
//   - bias: INT32, scale = input scale * weight scale, zp 0;
//   - requantization: a real multiplier M = s_in * s_w / s_out applied as
//     an INT32 multiplier m in [2^30, 2^31) and a shift n, M ~ m * 2^-n
//     (mlir::tosa::computeMultiplierAndShift, 32-bit scale width), and
//     y = (x * m + 2^(n-1)) >> n in 64-bit arithmetic: TOSA's
//     apply_scale_32 with double_round = false, rounding half up. The
//     emulator's vec.requant (runtime/lib/Emulator.cpp) computes exactly
//     this; test/Unit/Quantization has an independent host reference.
//   - real -> INT8 rounding is half away from zero (std::round), in the
//     compiler's weight and LUT folding and in the emulator's
//     vec.convert quantize alike.
//
//===----------------------------------------------------------------------===//

#ifndef NPU_DIALECT_NPU_UTILS_QUANTPARAMS_H
#define NPU_DIALECT_NPU_UTILS_QUANTPARAMS_H

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace npu::ptq {

/// A closed real interval [min, max]; min <= max.
struct Range {
  double min = 0, max = 0;
};

constexpr int32_t kQMin = -128, kQMax = 127; // activations
constexpr int32_t kWeightQMax = 127;         // weights: [-127, 127]

/// Per-tensor asymmetric INT8 parameters.
struct AffineParams {
  double scale = 1.0;
  int32_t zeroPoint = 0;
  /// The real value of q (scale * (q - zp)).
  double dequantize(int32_t q) const { return scale * (q - zeroPoint); }
  /// round(x / scale) + zp, saturated to [-128, 127].
  int32_t quantize(double x) const;
};

/// Asymmetric INT8 parameters for `range`, TFLite's nudging: the range is
/// widened to contain 0, scale = (max - min) / 255 and the zero point is
/// rounded to an integer in [-128, 127] so that 0 is exactly
/// representable. An empty range (min = max = 0) gets scale 1, zp 0.
AffineParams chooseAffineParams(Range range);

/// A 256-entry INT8 lookup table: entry q + 128 is `out`'s code of
/// f(in.dequantize(q)) (round half away from zero, saturated; a NaN maps
/// to out's zero point).
std::array<int8_t, 256>
buildLookupTable(const AffineParams &in, const AffineParams &out,
                 const std::function<double(double)> &f);

/// Symmetric per-channel weight scales: max |w| / 127 over each channel's
/// values; a channel of zeros gets scale 1. `w` holds `count` values,
/// row-major, with `channels` along one axis whose inner axes hold `inner`
/// values: value i belongs to channel (i / inner) % channels (channel-major
/// data has inner = count / channels).
std::vector<double> chooseWeightScales(const float *w, int64_t count,
                                       int64_t channels, int64_t inner);

/// clamp(round(w / scale), -127, 127).
int8_t quantizeWeight(float w, double scale);

/// An INT32 multiplier and right shift standing for a positive real
/// multiplier; nullopt when it is out of what vec.requant takes
/// (0 < multiplier < 2^31 and 2 <= shift <= 62).
struct Requant {
  int32_t multiplier = 0;
  int32_t shift = 0;
};
std::optional<Requant> computeRequant(double realMultiplier);

/// The rescale of an INT8 elementwise add (or, with a2 negated, sub) of
/// per-tensor operands x1 (s1, zp1) and x2 (s2, zp2) to an output (sOut,
/// zpOut), TFLite's quantized ADD
/// (tensorflow/lite/kernels/internal/reference/integer_ops/add.h): both
/// inputs rescaled to a common scale, added, requantized to the output
/// scale, saturated. Here the common scale is sOut / 2^shift and the input
/// multipliers are integers, a_i = round(s_i / sOut * 2^shift), so that
///   y = sat(zpOut + round((a1 * (x1 - zp1) + a2 * (x2 - zp2)) / 2^shift))
/// (round half away from zero, as TFLite's RoundingDivideByPOT; saturated
/// to [-128, 127]) is exact in FP32 on the vector unit: |a_i| <= 2^15 keeps
/// every partial sum below 2^24 (vec.convert dequantize with alpha = a_i
/// and zp_i, vec.binary add, vec.convert quantize with alpha = 2^shift).
/// TFLite's 2^20 left shift and 31-bit multipliers round each input's
/// product instead of the multiplier; the results differ by at most one
/// code, where the exact sum is within 2^-15 of a rounding tie.
struct AddRescale {
  int32_t a1 = 0, a2 = 0;
  int32_t shift = 0;
};
/// The parameters for scales s1, s2, sOut (all positive); nullopt when an
/// input's scale exceeds 64 * sOut (shift < 9: a multiplier's rounding
/// could cost more than a quarter of an output step).
std::optional<AddRescale> chooseAddRescale(double s1, double s2, double sOut);

/// The rescale of an INT8 elementwise mul of per-tensor operands x1 (s1,
/// zp1) and x2 (s2, zp2) to an output (sOut, zpOut), TFLite's quantized MUL
/// (tensorflow/lite/kernels/mul.cc Prepare, output multiplier s1 s2 / sOut;
/// kernels/internal/reference/integer_ops/mul.h MulElementwise): the
/// product of the offset codes times M = s1 s2 / sOut, rounded, offset by
/// zpOut and saturated. Here M is the fixed-point m / 2^shift with m a
/// positive integer, so that
///   y = sat(zpOut + round(m * (x1 - zp1) * (x2 - zp2) / 2^shift))
/// (round half away from zero; saturated to [-128, 127]) is exact in FP32
/// on the vector unit: vec.convert dequantize of x1 with alpha = m and
/// zp1, of x2 with alpha = 1 and zp2, vec.binary mul, vec.convert quantize
/// with alpha = 2^shift. m is the largest multiplier whose products stay
/// at most 2^24: m * span(zp1) * span(zp2) <= 2^24, span(zp) =
/// max(zp + 128, 127 - zp) the largest |x - zp| (at most 255), so m has
/// at least 8 significant bits (m > 128) where TFLite's has 31; m / 2^shift
/// is within 1/258 of M relatively, a gain error of the whole tensor that
/// moves a result by at most one code beyond TFLite's rounding.
struct MulRescale {
  int32_t multiplier = 0;
  int32_t shift = 0;
};
/// The parameters for scales s1, s2, sOut (all positive) and the operands'
/// zero points (in [-128, 127]); nullopt when M is not a positive finite
/// number or 2^shift is outside FP32's normal range.
std::optional<MulRescale> chooseMulRescale(double s1, int32_t zp1, double s2,
                                           int32_t zp2, double sOut);

} // namespace npu::ptq

#endif // NPU_DIALECT_NPU_UTILS_QUANTPARAMS_H
