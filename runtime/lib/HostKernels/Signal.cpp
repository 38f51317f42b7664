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
//===----------------------------------------------------------------------===//

#include "Common.h"

#include <algorithm>

namespace npu::rt::hk {
namespace {

using AK = bin::AttributeKind;

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
  uint64_t comp = uint64_t(s.back()), outer = product(s, 0, axis),
           inner = product(s, axis + 1, s.size() - 1);
  // exp(-+2 pi i m / N) for m in [0, N): k t is reduced mod N first.
  std::vector<double> re(n), im(n);
  const double pi = 3.14159265358979323846;
  for (int64_t m = 0; m < n; ++m) {
    double angle = 2 * pi * double(m) / double(n);
    re[m] = std::cos(angle);
    im[m] = inverse ? std::sin(angle) : -std::sin(angle);
  }
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
            double yr = 0, yi = 0;
            for (int64_t t = 0; t < used; ++t) {
              uint64_t m = uint64_t(k) * uint64_t(t) % uint64_t(n);
              yr += xr[t] * re[m] - xi[t] * im[m];
              yi += xr[t] * im[m] + xi[t] * re[m];
            }
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

const HostKernel kKernels[] = {
    {"DFT", verifyDFT, runDFT},
};

} // namespace

KernelTable signalKernels() {
  return {kKernels, sizeof(kKernels) / sizeof(kKernels[0])};
}

} // namespace npu::rt::hk
