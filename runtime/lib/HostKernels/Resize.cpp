//===- Resize.cpp - Resize and Upsample -----------------------------------===//
//
// Resize (opsets 10, 11, 13, 18 without antialias / axes /
// keep_aspect_ratio_policy) and the deprecated Upsample (7: scales
// attribute; 9-10: scales input), after onnx/docs/Operators.md (onnx 1.12)
// and its reference implementation (onnx/backend/test/case/node/resize.py),
// which produced ONNX's test data.
//
// Each output coordinate x maps to an input coordinate x_original per axis
// (coordinate_transformation_mode; opset 10 Resize and Upsample:
// asymmetric), where scale is the given scale, or output / input length
// with `sizes`, and length_resized = scale * length_original (a real number,
// as in the reference):
//   half_pixel            (x + 0.5) / scale - 0.5
//   pytorch_half_pixel    length_resized > 1 ? (x + 0.5) / scale - 0.5 : 0
//   align_corners         length_resized == 1 ? 0
//                         : x * (length_original - 1) / (length_resized - 1)
//   asymmetric            x / scale
//   tf_half_pixel_for_nn  (x + 0.5) / scale
//   tf_crop_and_resize    from the roi [starts..., ends...]; a coordinate
//                         outside [0, length_original - 1] on any axis makes
//                         the element extrapolation_value.
// Modes: nearest picks one input element (nearest_mode round_prefer_floor,
// round_prefer_ceil, floor, ceil; opset 10 Resize and Upsample: truncation
// when upsampling and ceil when downsampling, as ONNX Runtime); linear
// weighs the 2 and cubic (cubic_coeff_a, exclude_outside) the 4 neighbours
// on every axis, indices clamped to the axis (edge padding). The
// interpolation is separable: the weight of an input element is the
// product of its per-axis weights.
//
// Types: nearest moves any element type bit-exactly; linear and cubic
// compute in double and convert to integer types by truncation. The output
// shape is static: verify checks the rank (and, with Upsample-7's scales
// attribute, the shape); run checks that scales (floor(length * scale)) or
// sizes give exactly the output shape.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include <algorithm>

namespace npu::rt::hk {
namespace {

using AK = bin::AttributeKind;

enum class Mode { Nearest, Linear, Cubic };
enum class Coord {
  HalfPixel,
  PytorchHalfPixel,
  AlignCorners,
  Asymmetric,
  TfHalfPixelForNN,
  TfCropAndResize
};
enum class Round { PreferFloor, PreferCeil, Floor, Ceil, Simple };

/// The node's attributes, parsed and checked.
struct ResizeAttrs {
  Mode mode = Mode::Nearest;
  Coord coord = Coord::Asymmetric;
  Round round = Round::Simple;
  double cubicA = -0.75;
  bool excludeOutside = false;
  double extrapolation = 0;
};

bool isUpsample(const HostNode &node) { return node.opType == "Upsample"; }
/// Resize-11 and later: the full attribute set and roi/sizes inputs.
bool isResize11(const HostNode &node) {
  return !isUpsample(node) && node.opset >= 11;
}

bool parseAttrs(const HostNode &node, ResizeAttrs &a, std::string &why) {
  if (isUpsample(node)) {
    if (!checkAttrs(node, {{"mode", AK::String}, {"scales", AK::Floats}}, why))
      return false;
    if (node.opset >= 9 && node.find("scales"))
      return fail(why, node, "scales is an input from opset 9");
  } else if (!isResize11(node)) {
    if (!checkAttrs(node, {{"mode", AK::String}}, why))
      return false;
  } else {
    if (!checkAttrs(node,
                    {{"mode", AK::String},
                     {"coordinate_transformation_mode", AK::String},
                     {"nearest_mode", AK::String},
                     {"cubic_coeff_a", AK::Float},
                     {"exclude_outside", AK::Int},
                     {"extrapolation_value", AK::Float},
                     {"antialias", AK::Int},
                     {"keep_aspect_ratio_policy", AK::String},
                     {"axes", AK::Ints}},
                    why))
      return false;
    if (node.opset < 18 && (node.find("antialias") || node.find("axes") ||
                            node.find("keep_aspect_ratio_policy")))
      return fail(why, node,
                  "antialias, axes and keep_aspect_ratio_policy need opset 18");
    if (node.getInt("antialias", 0) != 0 || node.find("axes") ||
        node.getString("keep_aspect_ratio_policy", "stretch") != "stretch")
      return fail(why, node,
                  "antialias, axes and keep_aspect_ratio_policy are not "
                  "supported");
    std::string c =
        node.getString("coordinate_transformation_mode", "half_pixel");
    if (c == "half_pixel")
      a.coord = Coord::HalfPixel;
    else if (c == "pytorch_half_pixel")
      a.coord = Coord::PytorchHalfPixel;
    else if (c == "align_corners")
      a.coord = Coord::AlignCorners;
    else if (c == "asymmetric")
      a.coord = Coord::Asymmetric;
    else if (c == "tf_half_pixel_for_nn")
      a.coord = Coord::TfHalfPixelForNN;
    else if (c == "tf_crop_and_resize")
      a.coord = Coord::TfCropAndResize;
    else
      return fail(why, node, "unknown coordinate_transformation_mode '", c,
                  "'");
    std::string r = node.getString("nearest_mode", "round_prefer_floor");
    if (r == "round_prefer_floor")
      a.round = Round::PreferFloor;
    else if (r == "round_prefer_ceil")
      a.round = Round::PreferCeil;
    else if (r == "floor")
      a.round = Round::Floor;
    else if (r == "ceil")
      a.round = Round::Ceil;
    else
      return fail(why, node, "unknown nearest_mode '", r, "'");
    a.cubicA = node.getFloat("cubic_coeff_a", -0.75f);
    a.excludeOutside = node.getInt("exclude_outside", 0) != 0;
    a.extrapolation = node.getFloat("extrapolation_value", 0.0f);
  }
  std::string m = node.getString("mode", "nearest");
  if (m == "nearest")
    a.mode = Mode::Nearest;
  else if (m == "linear")
    a.mode = Mode::Linear;
  else if (m == "cubic" && isResize11(node))
    a.mode = Mode::Cubic;
  else
    return fail(why, node, "unknown mode '", m, "'");
  return true;
}

/// Input positions of roi, scales and sizes (-1: none).
struct ResizeInputs {
  int roi = -1, scales = -1, sizes = -1;
};
ResizeInputs inputPositions(const HostNode &node) {
  if (isUpsample(node))
    return {-1, node.opset >= 9 ? 1 : -1, -1};
  if (!isResize11(node))
    return {-1, 1, -1};
  return {1, 2, 3};
}

/// An input at `i` that is given and not empty.
bool given(const Tensors &in, int i) {
  return i >= 0 && size_t(i) < in.size() && in[i].present &&
         in[i].numElements() != 0;
}

bool verifyResize(HK_VERIFY_ARGS) {
  ResizeAttrs a;
  if (!parseAttrs(node, a, why))
    return false;
  ResizeInputs pos = inputPositions(node);
  size_t minIn = isUpsample(node)    ? (node.opset >= 9 ? 2 : 1)
                 : !isResize11(node) ? 2
                 : node.opset < 13   ? 3
                                     : 1;
  size_t maxIn = isUpsample(node) ? minIn : !isResize11(node) ? 2 : 4;
  if (!checkArity(node, in, out, minIn, maxIn, 1, why))
    return false;
  TypeSet types = a.mode == Mode::Nearest ? kAllTypes : kNumericTypes;
  if (!checkType(node, in, 0, types, why))
    return false;
  const Shape &s = in[0].shape;
  size_t r = s.size();
  auto check1D = [&](int i, TypeSet t, uint64_t n, const char *what) {
    if (!checkType(node, in, size_t(i), t, why))
      return false;
    if (in[i].shape.size() != 1 || uint64_t(in[i].shape[0]) != n)
      return fail(why, node, what, " must be 1-D with ", n, " elements, got ",
                  shapeStr(in[i].shape));
    return true;
  };
  if (isUpsample(node) && node.opset < 9) {
    const std::vector<float> *sc = node.getFloats("scales");
    if (!sc)
      return fail(why, node, "attribute 'scales' is required");
    if (sc->size() != r)
      return fail(why, node, "scales has ", sc->size(),
                  " entries for an input of rank ", r);
    Shape shape;
    for (size_t d = 0; d < r; ++d) {
      if (!((*sc)[d] >= 1))
        return fail(why, node, "scales must be >= 1, got ", (*sc)[d]);
      shape.push_back(int64_t(std::floor(double(s[d]) * (*sc)[d])));
    }
    return checkOutput(node, out, 0, in[0].type, shape, why);
  }
  bool hasScales = given(in, pos.scales), hasSizes = given(in, pos.sizes);
  if (hasScales == hasSizes)
    return fail(why, node, "exactly one of scales and sizes must be given");
  if (hasScales && !check1D(pos.scales, bit(ElementType::F32), r, "scales"))
    return false;
  if (hasSizes && !check1D(pos.sizes, bit(ElementType::I64), r, "sizes"))
    return false;
  if (a.coord == Coord::TfCropAndResize) {
    if (!given(in, pos.roi))
      return fail(why, node, "tf_crop_and_resize needs roi");
    if (!check1D(pos.roi, kFloatTypes, 2 * r, "roi"))
      return false;
  }
  return checkOutputRank(node, out, 0, in[0].type, r, why);
}

/// The cubic convolution weights of the 4 neighbours floor(x) - 1 ..
/// floor(x) + 2 for ratio = x - floor(x) (Keys, coefficient A).
void cubicCoeffs(double t, double A, double c[4]) {
  double u = t + 1, v = 1 - t, w = 2 - t;
  c[0] = ((A * u - 5 * A) * u + 8 * A) * u - 4 * A;
  c[1] = ((A + 2) * t - (A + 3)) * t * t + 1;
  c[2] = ((A + 2) * v - (A + 3)) * v * v + 1;
  c[3] = ((A * w - 5 * A) * w + 8 * A) * w - 4 * A;
}

/// One output position on one axis: its input indices and weights, or
/// `outside` (tf_crop_and_resize extrapolation).
struct Taps {
  bool outside = false;
  std::vector<std::pair<int64_t, double>> taps;
};

/// The taps of every output position along one axis.
std::vector<Taps> axisTaps(const ResizeAttrs &a, int64_t inLen, int64_t outLen,
                           double scale, double roiStart, double roiEnd) {
  std::vector<Taps> all{size_t(outLen)};
  double lenResized = scale * double(inLen), last = double(inLen - 1);
  for (int64_t x = 0; x < outLen; ++x) {
    double xo = 0, xr = double(x);
    switch (a.coord) {
    case Coord::HalfPixel:
      xo = (xr + 0.5) / scale - 0.5;
      break;
    case Coord::PytorchHalfPixel:
      xo = lenResized > 1 ? (xr + 0.5) / scale - 0.5 : 0;
      break;
    case Coord::AlignCorners:
      xo = lenResized == 1 ? 0 : xr * last / (lenResized - 1);
      break;
    case Coord::Asymmetric:
      xo = xr / scale;
      break;
    case Coord::TfHalfPixelForNN:
      xo = (xr + 0.5) / scale;
      break;
    case Coord::TfCropAndResize:
      xo = lenResized == 1 ? (roiEnd - roiStart) * last / 2
                           : xr * (roiEnd - roiStart) * last / (lenResized - 1);
      xo += roiStart * last;
      break;
    }
    Taps &t = all[size_t(x)];
    if (a.coord == Coord::TfCropAndResize && !(xo >= 0 && xo <= last)) {
      t.outside = true;
      continue;
    }
    if (!std::isfinite(xo)) // Degenerate scales: the first element.
      xo = 0;
    xo = std::max(-4.0, std::min(xo, last + 4)); // Keeps floor() in range.
    auto clampIdx = [&](double i) {
      return int64_t(std::max(0.0, std::min(i, last)));
    };
    double fl = std::floor(xo), ratio = xo - fl;
    if (a.mode == Mode::Nearest) {
      double i = fl;
      switch (a.round) {
      case Round::PreferFloor:
        i = ratio > 0.5 ? fl + 1 : fl;
        break;
      case Round::PreferCeil:
        i = ratio >= 0.5 ? fl + 1 : fl;
        break;
      case Round::Floor:
        break;
      case Round::Ceil:
        i = std::ceil(xo);
        break;
      case Round::Simple:
        i = scale < 1 ? std::ceil(xo) : std::trunc(xo);
        break;
      }
      t.taps.push_back({clampIdx(i), 1.0});
    } else if (a.mode == Mode::Linear) {
      t.taps.push_back({clampIdx(fl), 1 - ratio});
      t.taps.push_back({clampIdx(fl + 1), ratio});
    } else {
      double c[4], sum = 0;
      cubicCoeffs(ratio, a.cubicA, c);
      for (int k = 0; k < 4; ++k) {
        double i = fl - 1 + k;
        if (a.excludeOutside && (i < 0 || i > last))
          c[k] = 0;
        sum += c[k];
      }
      for (int k = 0; k < 4; ++k)
        t.taps.push_back({clampIdx(fl - 1 + k),
                          a.excludeOutside && sum != 0 ? c[k] / sum : c[k]});
    }
    // Zero weights (integral coordinates) cost a load each: drop them.
    if (t.taps.size() > 1)
      t.taps.erase(std::remove_if(t.taps.begin(), t.taps.end(),
                                  [](const std::pair<int64_t, double> &p) {
                                    return p.second == 0;
                                  }),
                   t.taps.end());
  }
  return all;
}

bool runResize(HK_RUN_ARGS) {
  ResizeAttrs a;
  parseAttrs(node, a, why);
  ResizeInputs pos = inputPositions(node);
  const Shape &s = in[0].shape, &os = out[0].shape;
  size_t r = s.size();
  std::vector<double> scale(r);
  Shape shape(r);
  if (given(in, pos.sizes)) {
    for (size_t d = 0; d < r; ++d) {
      shape[d] = loadIndex(in[pos.sizes], d);
      scale[d] = double(shape[d]) / double(s[d]);
    }
    if (shape != os)
      return fail(why, node, "sizes ", shapeStr(shape), " are not the output ",
                  shapeStr(os));
  } else {
    for (size_t d = 0; d < r; ++d) {
      scale[d] = pos.scales >= 0 ? loadDouble(in[pos.scales], d)
                                 : (*node.getFloats("scales"))[d];
      if (!(scale[d] > 0) || !std::isfinite(scale[d]))
        return fail(why, node, "scale ", scale[d], " on axis ", d,
                    " is not positive");
      double len = std::floor(double(s[d]) * scale[d]);
      shape[d] = len < 9.0e18 ? int64_t(len) : -1;
    }
    if (shape != os)
      return fail(why, node, "scales give ", shapeStr(shape),
                  ", the output is ", shapeStr(os));
  }
  uint64_t n = out[0].numElements();
  if (n == 0)
    return true;
  for (size_t d = 0; d < r; ++d)
    if (s[d] == 0)
      return fail(why, node, "cannot resize the empty axis ", d, " to ", os[d]);
  std::vector<std::vector<Taps>> taps(r);
  for (size_t d = 0; d < r; ++d) {
    double start = 0, end = 1;
    if (a.coord == Coord::TfCropAndResize) {
      start = loadDouble(in[pos.roi], d);
      end = loadDouble(in[pos.roi], r + d);
    }
    taps[d] = axisTaps(a, s[d], os[d], scale[d], start, end);
  }
  Shape strides = stridesOf(s), idx(r, 0);
  size_t eb = elementBytes(in[0].type);
  uint64_t taken = 0;
  visitType(in[0].type, [&](auto tag) {
    using S = typename decltype(tag)::type;
    using C = Compute<S>;
    std::vector<size_t> k(r);
    for (uint64_t o = 0; o < n; ++o) {
      bool outside = false;
      for (size_t d = 0; d < r; ++d)
        outside |= taps[d][idx[d]].outside;
      if (outside) {
        Elem<S>::store(out[0].data, o, convert<C>(a.extrapolation));
      } else if (a.mode == Mode::Nearest) {
        uint64_t at = 0;
        for (size_t d = 0; d < r; ++d)
          at += uint64_t(taps[d][idx[d]].taps[0].first * strides[d]);
        std::memcpy(out[0].data + o * eb, in[0].data + at * eb, eb);
        ++taken;
      } else if constexpr (!std::is_same_v<S, Bool8>) {
        // Sum over every combination of per-axis taps.
        double acc = 0;
        std::fill(k.begin(), k.end(), 0);
        for (;;) {
          uint64_t at = 0;
          double w = 1;
          for (size_t d = 0; d < r; ++d) {
            const auto &tap = taps[d][idx[d]].taps[k[d]];
            at += uint64_t(tap.first * strides[d]);
            w *= tap.second;
          }
          acc += w * double(Elem<S>::load(in[0].data, at));
          ++taken;
          size_t d = r;
          while (d-- > 0) {
            if (++k[d] < taps[d][idx[d]].taps.size())
              break;
            k[d] = 0;
          }
          if (d == size_t(-1))
            break;
        }
        Elem<S>::store(out[0].data, o, convert<C>(acc));
      }
      for (size_t d = r; d-- > 0;) {
        if (++idx[d] < os[d])
          break;
        idx[d] = 0;
      }
    }
  });
  work.vectorOps += taken;
  work.laneBytes = uint32_t(eb);
  work.scalarOps += n * r;
  return true;
}

const HostKernel kKernels[] = {
    {"Resize", verifyResize, runResize},
    {"Upsample", verifyResize, runResize},
};

} // namespace

KernelTable resizeKernels() {
  return {kKernels, sizeof(kKernels) / sizeof(kKernels[0])};
}

} // namespace npu::rt::hk
