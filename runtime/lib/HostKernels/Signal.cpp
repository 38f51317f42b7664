//===- Signal.cpp - signal processing host kernels ------------------------===//
//
// DFT (opset 17), after onnx/docs/Operators.md and ONNX's reference
// implementation (onnx/reference/ops/op_dft.py, numpy.fft):
//
// X is [batch, signal dims..., 1 or 2] (real, or complex as (re, im)); the
// transform runs along `axis` (default 1; [-r, -2] or [0, r - 2], negative
// counting from the back of X's rank r) over N = dft_length (the optional
// scalar input) or the axis's size points, the signal truncated or padded
// with zeros to N:
//   forward  Y[k] = sum_t x[t] exp(-2 pi i k t / N)
//   inverse  Y[k] = 1/N sum_t x[t] exp(+2 pi i k t / N)
// Y is X's shape with that axis N (or N / 2 + 1 with onesided) and a last
// axis of 2 (re, im). Computed directly in double (O(N^2) per line).
// Types: float types; dft_length int32 or int64.
//
// STFT (opset 17): X is [batch, signal_length, 1 or 2]; frame m of N points
// (N = frame_length, or the window's length) starts at m * frame_step, is
// multiplied by the window (ones when absent) and transformed as DFT's
// forward transform; Y is [batch, frames, N / 2 + 1 (onesided, the default,
// real signals only) or N, 2] with frames = (signal_length - N) /
// frame_step + 1 (onnx/backend/test/case/node/stft.py).
//
// HannWindow, HammingWindow, BlackmanWindow (opset 17): `size` points of
// a0 - a1 cos(2 pi n / M) + a2 cos(4 pi n / M), M = size (periodic, the
// default) or size - 1 (symmetric), with (a0, a1, a2) = (0.5, 0.5, 0),
// (25/46, 21/46, 0) and (0.42, 0.5, 0.08) (onnx/docs/Operators.md), in the
// output_datatype (default FLOAT, Cast's conversion from the double).
//
// MelWeightMatrix (opset 17): the [dft_length / 2 + 1, num_mel_bins]
// triangular filter bank of onnx/docs/Operators.md and ONNX's reference
// (onnx/backend/test/case/node/melweightmatrix.py): num_mel_bins + 2 points
// evenly spaced on the mel scale mel(f) = 2595 log10(1 + f / 700) from
// lower_edge_hertz to upper_edge_hertz (spacing (high - low) / (bins + 2)),
// each mapped to the spectrogram bin floor((dft_length + 1) f / sample_rate);
// filter i rises from point i to point i + 1 and falls to point i + 2.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include <algorithm>
#include <utility>

namespace npu::rt::hk {
namespace {

using AK = bin::AttributeKind;

/// The most complex products one DFT or STFT may compute (they are direct,
/// O(N) per output point: about a minute of host time), so that a hostile
/// dft_length or frame_length cannot make a run take hours.
constexpr double kMaxTransformProducts = double(uint64_t(1) << 34);

/// exp(-+2 pi i m / N) for m in [0, N) (minus forward, plus inverse), and
/// the transform of one line of samples against them, in double.
class Twiddles {
public:
  Twiddles(uint64_t n, bool inverse) : re_(n), im_(n) {
    const double pi = 3.14159265358979323846;
    for (uint64_t m = 0; m < n; ++m) {
      double angle = 2 * pi * double(m) / double(n);
      re_[m] = std::cos(angle);
      im_[m] = inverse ? std::sin(angle) : -std::sin(angle);
    }
  }
  /// Bin k of the samples x_re + i x_im (equal lengths, at most N): the
  /// sum over t of x[t] exp(-+2 pi i k t / N), k t reduced mod N first.
  std::pair<double, double> bin(const std::vector<double> &xr,
                                const std::vector<double> &xi,
                                uint64_t k) const {
    uint64_t n = re_.size();
    double yr = 0, yi = 0;
    for (uint64_t t = 0; t < xr.size(); ++t) {
      uint64_t m = k * t % n;
      yr += xr[t] * re_[m] - xi[t] * im_[m];
      yi += xr[t] * im_[m] + xi[t] * re_[m];
    }
    return {yr, yi};
  }

private:
  std::vector<double> re_, im_;
};

/// The transform axis in [0, r - 2], or false with a message.
bool dftAxis(const HostNode &node, int64_t r, int64_t &axis, std::string &why) {
  axis = node.getInt("axis", 1);
  if (axis < -r || axis > r - 2 || axis == -1)
    return fail(why, node, "axis ", axis, " out of range [", -r,
                ", -2] or [0, ", r - 2, "]");
  if (axis < 0)
    axis += r;
  return true;
}

int64_t dftOutLength(const HostNode &node, int64_t n) {
  return node.getInt("onesided", 0) ? n / 2 + 1 : n;
}

bool verifyDFT(HK_VERIFY_ARGS) {
  if (!checkAttrs(
          node,
          {{"axis", AK::Int}, {"inverse", AK::Int}, {"onesided", AK::Int}},
          why) ||
      !checkArity(node, in, out, 1, 2, 1, why) ||
      !checkType(node, in, 0, kFloatTypes, why))
    return false;
  for (const char *flag : {"inverse", "onesided"})
    if (int64_t v = node.getInt(flag, 0); v != 0 && v != 1)
      return fail(why, node, flag, " must be 0 or 1, got ", v);
  const Shape &s = in[0].shape;
  int64_t r = int64_t(s.size()), axis;
  if (r < 2 || (s.back() != 1 && s.back() != 2))
    return fail(why, node, "input must be [batch, ..., 1 or 2], got ",
                shapeStr(s));
  if (!dftAxis(node, r, axis, why))
    return false;
  Shape shape = s;
  shape.back() = 2;
  if (in.size() == 2 && in[1].present) {
    if (!checkType(node, in, 1, kIndexTypes, why) ||
        !checkScalar(node, in, 1, why) ||
        !checkOutputRank(node, out, 0, in[0].type, s.size(), why))
      return false;
    shape[axis] = out[0].shape[axis]; // Run time checks it.
    return checkOutput(node, out, 0, in[0].type, shape, why);
  }
  if (s[axis] < 1)
    return fail(why, node, "the transform axis ", axis, " of ", shapeStr(s),
                " is empty");
  shape[axis] = dftOutLength(node, s[axis]);
  return checkOutput(node, out, 0, in[0].type, shape, why);
}

bool runDFT(HK_RUN_ARGS) {
  const Shape &s = in[0].shape;
  int64_t axis;
  dftAxis(node, int64_t(s.size()), axis, why);
  int64_t n = s[axis];
  if (in.size() == 2 && in[1].present) {
    n = loadIndex(in[1], 0);
    if (n < 1 || dftOutLength(node, n) != out[0].shape[axis])
      return fail(why, node, "dft_length ", n, " does not give the output ",
                  shapeStr(out[0].shape), " on axis ", axis);
  }
  bool inverse = node.getInt("inverse", 0) != 0;
  int64_t outLen = out[0].shape[axis], used = std::min(n, s[axis]);
  if (double(product(out[0].shape)) / 2 * double(used) > kMaxTransformProducts)
    return fail(why, node, "a transform of ", n, " points over ",
                shapeStr(out[0].shape), " takes more than ",
                kMaxTransformProducts, " products");
  uint64_t comp = uint64_t(s.back()), outer = product(s, 0, axis),
           inner = product(s, axis + 1, s.size() - 1);
  Twiddles twiddles(uint64_t(n), inverse);
  std::vector<double> xr(used), xi(used);
  visitType(in[0].type, [&](auto tag) {
    using S = typename decltype(tag)::type;
    using C = Compute<S>;
    if constexpr (std::is_floating_point_v<C>)
      for (uint64_t o = 0; o < outer; ++o)
        for (uint64_t i = 0; i < inner; ++i) {
          for (int64_t t = 0; t < used; ++t) {
            uint64_t at =
                ((o * uint64_t(s[axis]) + uint64_t(t)) * inner + i) * comp;
            xr[t] = double(Elem<S>::load(in[0].data, at));
            xi[t] = comp == 2 ? double(Elem<S>::load(in[0].data, at + 1)) : 0;
          }
          for (int64_t k = 0; k < outLen; ++k) {
            auto [yr, yi] = twiddles.bin(xr, xi, uint64_t(k));
            if (inverse) {
              yr /= double(n);
              yi /= double(n);
            }
            uint64_t at =
                ((o * uint64_t(outLen) + uint64_t(k)) * inner + i) * 2;
            Elem<S>::store(out[0].data, at, C(yr));
            Elem<S>::store(out[0].data, at + 1, C(yi));
          }
        }
  });
  work.vectorOps += outer * inner * uint64_t(outLen) * uint64_t(used) * 4;
  work.laneBytes = 8;
  return true;
}

/// A scalar integer parameter input's value, when it carries data.
bool paramScalar(const HostNode &node, const Tensors &in, size_t i,
                 int64_t &value, std::string &why) {
  if (i >= in.size() || !in[i].present || !in[i].data)
    return fail(why, node, "input ", i, "'s value is not known");
  value = loadIndex(in[i], 0);
  return true;
}

//===----------------------------------------------------------------------===//
// STFT
//===----------------------------------------------------------------------===//

/// The DFT size N: the window's length (input 2) when present, else
/// frame_length's value (input 3); 0 when that is not known here. Both
/// present must agree (runSTFT checks).
int64_t stftPoints(const Tensors &in) {
  if (in.size() > 2 && in[2].present)
    return in[2].shape[0];
  return in.size() > 3 && in[3].present && in[3].data ? loadIndex(in[3], 0) : 0;
}

bool verifySTFT(HK_VERIFY_ARGS) {
  if (!checkAttrs(node, {{"onesided", AK::Int}}, why) ||
      !checkArity(node, in, out, 2, 4, 1, why) ||
      !checkType(node, in, 0, kFloatTypes, why) ||
      !checkType(node, in, 1, kIndexTypes, why) ||
      !checkScalar(node, in, 1, why))
    return false;
  int64_t onesided = node.getInt("onesided", 1);
  if (onesided != 0 && onesided != 1)
    return fail(why, node, "onesided must be 0 or 1, got ", onesided);
  const Shape &s = in[0].shape;
  if (s.size() != 3 || (s[2] != 1 && s[2] != 2))
    return fail(why, node, "signal must be [batch, length, 1 or 2], got ",
                shapeStr(s));
  if (onesided && s[2] == 2)
    return fail(why, node, "a complex signal has no onesided transform");
  bool window = in.size() > 2 && in[2].present;
  bool length = in.size() > 3 && in[3].present;
  if (!window && !length)
    return fail(why, node, "needs a window or a frame_length");
  if (window) {
    if (!checkSameType(node, in, 0, 2, why))
      return false;
    if (in[2].shape.size() != 1 || in[2].shape[0] < 1)
      return fail(why, node, "the window must be 1-D and not empty, got ",
                  shapeStr(in[2].shape));
  }
  if (length && (!checkType(node, in, 3, kIndexTypes, why) ||
                 !checkScalar(node, in, 3, why)))
    return false;
  if (!checkOutputRank(node, out, 0, in[0].type, 4, why))
    return false;
  // Frames and bins follow from frame_step and frame_length's values: the
  // run checks them.
  Shape shape = out[0].shape;
  shape[0] = s[0];
  shape[3] = 2;
  if (window)
    shape[2] = onesided ? in[2].shape[0] / 2 + 1 : in[2].shape[0];
  return checkOutput(node, out, 0, in[0].type, shape, why);
}

/// Frames and bins of an STFT of `length` samples, N points, `step` apart;
/// false with the reason when they do not make one.
bool stftGeometry(const HostNode &node, int64_t length, int64_t n, int64_t step,
                  Shape &shape, int64_t batch, std::string &why) {
  if (step < 1)
    return fail(why, node, "frame_step must be positive, got ", step);
  if (n < 1 || n > length)
    return fail(why, node, "a frame of ", n, " points in a signal of ", length);
  bool onesided = node.getInt("onesided", 1) != 0;
  shape = {batch, (length - n) / step + 1, onesided ? n / 2 + 1 : n, 2};
  return true;
}

bool shapesSTFT(HK_SHAPES_ARGS) {
  int64_t step = 0, n = stftPoints(in);
  if (!paramScalar(node, in, 1, step, why))
    return false;
  if (n == 0 && !paramScalar(node, in, 3, n, why))
    return false;
  Shape shape;
  if (!stftGeometry(node, in[0].shape[1], n, step, shape, in[0].shape[0], why))
    return false;
  shapes = {shape};
  return true;
}

bool runSTFT(HK_RUN_ARGS) {
  const Shape &s = in[0].shape;
  int64_t step = loadIndex(in[1], 0), n = stftPoints(in);
  bool window = in.size() > 2 && in[2].present;
  if (window && in.size() > 3 && in[3].present && loadIndex(in[3], 0) != n)
    return fail(why, node, "frame_length ", loadIndex(in[3], 0),
                " and a window of ", n, " points differ");
  Shape shape;
  if (!stftGeometry(node, s[1], n, step, shape, s[0], why))
    return false;
  if (shape != out[0].shape)
    return fail(why, node, "frame_step ", step, " and ", n,
                " points give the output ", shapeStr(shape), ", not ",
                shapeStr(out[0].shape));
  if (double(product(shape, 0, 3)) * double(n) > kMaxTransformProducts)
    return fail(why, node, "a transform of ", n, " points over ",
                shapeStr(shape), " takes more than ", kMaxTransformProducts,
                " products");
  uint64_t batch = uint64_t(s[0]), len = uint64_t(s[1]), comp = uint64_t(s[2]),
           frames = uint64_t(shape[1]), bins = uint64_t(shape[2]),
           points = uint64_t(n);
  Twiddles twiddles(points, /*inverse=*/false);
  std::vector<double> w(points, 1.0), xr(points), xi(points);
  visitType(in[0].type, [&](auto tag) {
    using S = typename decltype(tag)::type;
    using C = Compute<S>;
    if constexpr (std::is_floating_point_v<C>) {
      if (window)
        for (uint64_t t = 0; t < points; ++t)
          w[t] = double(Elem<S>::load(in[2].data, t));
      for (uint64_t b = 0; b < batch; ++b)
        for (uint64_t f = 0; f < frames; ++f) {
          for (uint64_t t = 0; t < points; ++t) {
            uint64_t at = (b * len + f * uint64_t(step) + t) * comp;
            xr[t] = double(Elem<S>::load(in[0].data, at)) * w[t];
            xi[t] = comp == 2 ? double(Elem<S>::load(in[0].data, at + 1)) * w[t]
                              : 0;
          }
          for (uint64_t k = 0; k < bins; ++k) {
            auto [yr, yi] = twiddles.bin(xr, xi, k);
            uint64_t at = ((b * frames + f) * bins + k) * 2;
            Elem<S>::store(out[0].data, at, C(yr));
            Elem<S>::store(out[0].data, at + 1, C(yi));
          }
        }
    }
  });
  work.vectorOps = batch * frames * bins * points * 4;
  work.laneBytes = 8;
  return true;
}

//===----------------------------------------------------------------------===//
// Window functions
//===----------------------------------------------------------------------===//

/// The output_datatype attribute's element type (default FLOAT).
bool outputDatatype(const HostNode &node, ElementType &type, std::string &why) {
  int64_t code = node.getInt("output_datatype", 1);
  if (!typeFromOnnx(code, type) || !inSet(type, kNumericTypes))
    return fail(why, node, "output_datatype ", code, " is not a numeric type");
  return true;
}

bool verifyWindow(HK_VERIFY_ARGS) {
  ElementType type;
  if (!checkAttrs(node, {{"output_datatype", AK::Int}, {"periodic", AK::Int}},
                  why) ||
      !checkArity(node, in, out, 1, 1, 1, why) ||
      !checkType(node, in, 0, kIndexTypes, why) ||
      !checkScalar(node, in, 0, why) || !outputDatatype(node, type, why))
    return false;
  if (int64_t p = node.getInt("periodic", 1); p != 0 && p != 1)
    return fail(why, node, "periodic must be 0 or 1, got ", p);
  // The length is `size`'s value: the run checks it.
  return checkOutputRank(node, out, 0, type, 1, why);
}

bool shapesWindow(HK_SHAPES_ARGS) {
  int64_t size = 0;
  if (!paramScalar(node, in, 0, size, why))
    return false;
  if (size < 0)
    return fail(why, node, "size must not be negative, got ", size);
  shapes = {{size}};
  return true;
}

/// a0 - a1 cos(2 pi n / M) + a2 cos(4 pi n / M) for n in [0, size).
bool runWindow(const HostNode &node, const Tensors &in, const Tensors &out,
               HostWork &work, std::string &why, double a0, double a1,
               double a2) {
  int64_t size = loadIndex(in[0], 0);
  if (size < 0 || out[0].shape[0] != size)
    return fail(why, node, "size ", size, " does not give the output ",
                shapeStr(out[0].shape));
  bool periodic = node.getInt("periodic", 1) != 0;
  double m = double(periodic ? size : size - 1);
  const double pi = 3.14159265358979323846;
  visitType(out[0].type, [&](auto tag) {
    using S = typename decltype(tag)::type;
    using C = Compute<S>;
    for (int64_t i = 0; i < size; ++i) {
      // A symmetric window of one point would divide by 0: it is 1 (NumPy's
      // hanning(1) and ONNX Runtime agree).
      double x = double(i) / m;
      double y =
          m == 0 ? 1.0
                 : a0 - a1 * std::cos(2 * pi * x) + a2 * std::cos(4 * pi * x);
      Elem<S>::store(out[0].data, uint64_t(i), convert<C>(y));
    }
  });
  work.scalarOps = uint64_t(size) * 8;
  return true;
}

bool runHannWindow(HK_RUN_ARGS) {
  return runWindow(node, in, out, work, why, 0.5, 0.5, 0);
}
bool runHammingWindow(HK_RUN_ARGS) {
  return runWindow(node, in, out, work, why, 25.0 / 46, 21.0 / 46, 0);
}
bool runBlackmanWindow(HK_RUN_ARGS) {
  return runWindow(node, in, out, work, why, 0.42, 0.5, 0.08);
}

//===----------------------------------------------------------------------===//
// MelWeightMatrix
//===----------------------------------------------------------------------===//

bool verifyMelWeightMatrix(HK_VERIFY_ARGS) {
  ElementType type;
  if (!checkAttrs(node, {{"output_datatype", AK::Int}}, why) ||
      !checkArity(node, in, out, 5, 5, 1, why) ||
      !outputDatatype(node, type, why))
    return false;
  for (size_t i = 0; i < 5; ++i)
    if (!checkType(node, in, i, i < 3 ? kIndexTypes : kFloatTypes, why) ||
        !checkScalar(node, in, i, why))
      return false;
  if (!checkSameType(node, in, 0, 1, why) ||
      !checkSameType(node, in, 0, 2, why) ||
      !checkSameType(node, in, 3, 4, why))
    return false;
  // [dft_length / 2 + 1, num_mel_bins] from the values: the run checks it.
  return checkOutputRank(node, out, 0, type, 2, why);
}

bool shapesMelWeightMatrix(HK_SHAPES_ARGS) {
  int64_t bins = 0, dft = 0;
  if (!paramScalar(node, in, 0, bins, why) ||
      !paramScalar(node, in, 1, dft, why))
    return false;
  if (bins < 1 || dft < 1)
    return fail(why, node, "num_mel_bins ", bins, " and dft_length ", dft,
                " must be positive");
  shapes = {{dft / 2 + 1, bins}};
  return true;
}

bool runMelWeightMatrix(HK_RUN_ARGS) {
  int64_t bins = loadIndex(in[0], 0), dft = loadIndex(in[1], 0),
          rate = loadIndex(in[2], 0);
  double lower = loadDouble(in[3], 0), upper = loadDouble(in[4], 0);
  if (bins < 1 || dft < 1 || rate < 1)
    return fail(why, node, "num_mel_bins ", bins, ", dft_length ", dft,
                " and sample_rate ", rate, " must be positive");
  int64_t rows = dft / 2 + 1;
  if (out[0].shape != Shape{rows, bins})
    return fail(why, node, "num_mel_bins ", bins, " and dft_length ", dft,
                " give the output ", shapeStr({rows, bins}), ", not ",
                shapeStr(out[0].shape));
  if (!(lower >= 0) || !(upper > lower) || !(upper <= double(rate) / 2))
    return fail(why, node, "the band [", lower, ", ", upper,
                "] Hz must lie in [0, sample_rate / 2 = ", double(rate) / 2,
                "] with its lower edge below its upper");
  auto mel = [](double f) { return 2595 * std::log10(1 + f / 700); };
  double low = mel(lower), step = (mel(upper) - low) / double(bins + 2);
  std::vector<int64_t> point(size_t(bins + 2));
  for (int64_t i = 0; i < bins + 2; ++i) {
    double hz = 700 * (std::pow(10.0, (double(i) * step + low) / 2595) - 1);
    // Within [0, rows): f <= rate / 2 maps to at most (dft + 1) / 2.
    point[size_t(i)] = std::clamp<int64_t>(
        int64_t(std::floor(double(dft + 1) * hz / double(rate))), 0, rows - 1);
  }
  std::vector<double> w(size_t(rows * bins), 0.0);
  for (int64_t i = 0; i < bins; ++i) {
    int64_t lo = point[size_t(i)], mid = point[size_t(i + 1)],
            hi = point[size_t(i + 2)];
    if (mid == lo)
      w[size_t(mid * bins + i)] = 1;
    else
      for (int64_t j = lo; j <= mid; ++j)
        w[size_t(j * bins + i)] = double(j - lo) / double(mid - lo);
    for (int64_t j = mid; j < hi; ++j)
      w[size_t(j * bins + i)] = double(hi - j) / double(hi - mid);
  }
  visitType(out[0].type, [&](auto tag) {
    using S = typename decltype(tag)::type;
    using C = Compute<S>;
    for (size_t i = 0; i < w.size(); ++i)
      Elem<S>::store(out[0].data, i, convert<C>(w[i]));
  });
  work.scalarOps = uint64_t(rows * bins) + uint64_t(bins + 2) * 8;
  return true;
}

const HostKernel kKernels[] = {
    {"DFT", verifyDFT, runDFT},
    {"STFT", verifySTFT, runSTFT, nullptr, shapesSTFT},
    {"HannWindow", verifyWindow, runHannWindow, nullptr, shapesWindow},
    {"HammingWindow", verifyWindow, runHammingWindow, nullptr, shapesWindow},
    {"BlackmanWindow", verifyWindow, runBlackmanWindow, nullptr, shapesWindow},
    {"MelWeightMatrix", verifyMelWeightMatrix, runMelWeightMatrix, nullptr,
     shapesMelWeightMatrix},
};

} // namespace

KernelTable signalKernels() {
  return {kKernels, sizeof(kKernels) / sizeof(kKernels[0])};
}

} // namespace npu::rt::hk
