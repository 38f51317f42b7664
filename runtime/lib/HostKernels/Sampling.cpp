//===- Sampling.cpp - sampling images at computed positions ---------------===//
//
// GridSample (opset 16) and RoiAlign (10, 16: described above its kernel),
// after onnx/docs/Operators.md and ONNX's reference
// implementation (onnx/reference/ops/op_grid_sample.py, which follows
// PyTorch's grid_sample):
//
// X is [N, C, H, W], grid [N, Hout, Wout, 2] holds (x, y) in [-1, 1]; Y is
// [N, C, Hout, Wout]. A normalised coordinate n on an axis of size d maps
// to x = (n + 1) / 2 * (d - 1) with align_corners, else ((n + 1) d - 1) / 2
// (float32 unless the grid is double). mode "nearest" rounds it half to
// even. A coordinate outside [lo, hi] = [0, d - 1] (align_corners) or
// [-0.5, d - 0.5] is then clamped to [0, d - 1] (padding_mode "border") or
// reflected at lo and hi until inside ("reflection"). The samples: nearest,
// the pixel at the coordinate truncated; "bilinear", the 2x2 pixels at
// floor(x) + {0, 1} weighted 1 - t and t (t = x - floor(x)); "bicubic", the
// 4x4 pixels at floor(x) + {-1, 0, 1, 2} weighted by Keys' cubic
// convolution with A = -0.75. A pixel index outside [0, d) reads 0
// ("zeros"), the edge ("border") or its reflection ("reflection",
// truncated). Separable per axis.
//
// A NaN grid coordinate (or an infinite one with reflection) gives NaN.
// Types: X and grid float16, float, double, bfloat16.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include <algorithm>

namespace npu::rt::hk {
namespace {

using AK = bin::AttributeKind;

enum class SampleMode { Nearest, Linear, Cubic };
enum class Padding { Zeros, Border, Reflection };

bool gridSampleAttrs(const HostNode &node, SampleMode &mode, Padding &pad,
                     std::string &why) {
  std::string m = node.getString("mode", "bilinear");
  std::string p = node.getString("padding_mode", "zeros");
  bool later = node.opset >= 20; // Opset 20 renames the modes.
  if (m == "nearest")
    mode = SampleMode::Nearest;
  else if (m == (later ? "linear" : "bilinear"))
    mode = SampleMode::Linear;
  else if (m == (later ? "cubic" : "bicubic"))
    mode = SampleMode::Cubic;
  else
    return fail(why, node, "unknown mode '", m, "'");
  if (p == "zeros")
    pad = Padding::Zeros;
  else if (p == "border")
    pad = Padding::Border;
  else if (p == "reflection")
    pad = Padding::Reflection;
  else
    return fail(why, node, "unknown padding_mode '", p, "'");
  int64_t ac = node.getInt("align_corners", 0);
  if (ac != 0 && ac != 1)
    return fail(why, node, "align_corners must be 0 or 1, got ", ac);
  return true;
}

bool verifyGridSample(HK_VERIFY_ARGS) {
  SampleMode mode;
  Padding pad;
  if (!checkAttrs(node,
                  {{"align_corners", AK::Int},
                   {"mode", AK::String},
                   {"padding_mode", AK::String}},
                  why) ||
      !checkArity(node, in, out, 2, 2, 1, why) ||
      !checkType(node, in, 0, kFloatTypes, why) ||
      !checkType(node, in, 1, kFloatTypes, why) ||
      !gridSampleAttrs(node, mode, pad, why))
    return false;
  const Shape &x = in[0].shape, &g = in[1].shape;
  if (x.size() != 4 || x[2] < 1 || x[3] < 1)
    return fail(why, node, "X must be [N, C, H, W] with H, W >= 1, got ",
                shapeStr(x));
  if (g.size() != 4 || g[0] != x[0] || g[3] != 2)
    return fail(why, node, "grid must be [", x[0], ", H_out, W_out, 2], got ",
                shapeStr(g));
  return checkOutput(node, out, 0, in[0].type, {x[0], x[1], g[1], g[2]}, why);
}

/// Reflects `x` at `lo` and `hi` until it lies in [lo, hi] (ONNX's
/// _gs_reflect).
double reflect(double x, double lo, double hi) {
  double range = hi - lo;
  if (range <= 0)
    return lo;
  if (x < lo || x > hi) {
    bool below = x < lo;
    double dx = below ? lo - x : x - hi;
    double n = std::floor(dx / range), r = dx - n * range;
    bool even = std::fmod(n, 2.0) == 0;
    return below == even ? lo + r : hi - r;
  }
  return x;
}

/// One spatial axis of size `d`: its padding bounds and how it pads.
struct Axis {
  int64_t d;
  double lo, hi;
  Padding pad;

  /// Maps a coordinate outside [lo, hi] back in (border, reflection).
  /// Then clamps it to [-8, d + 8]: that changes nothing (the taps
  /// floor(x) - 1 .. + 2 of a coordinate beyond stay outside [0, d)) but
  /// keeps the integer conversion of far (or imprecisely reflected huge)
  /// coordinates defined.
  double coordinate(double x) const {
    if (x < lo || x > hi) {
      if (pad == Padding::Border)
        x = std::clamp(x, 0.0, double(d - 1));
      else if (pad == Padding::Reflection)
        x = reflect(x, lo, hi);
    }
    return std::clamp(x, -8.0, double(d) + 8.0);
  }
  /// Maps a pixel index into [0, d); false when it reads 0 (zeros).
  bool index(int64_t &i) const {
    if (i >= 0 && i < d)
      return true;
    if (pad == Padding::Zeros)
      return false;
    i = pad == Padding::Border
            ? std::clamp<int64_t>(i, 0, d - 1)
            : std::clamp<int64_t>(int64_t(reflect(double(i), lo, hi)), 0,
                                  d - 1);
    return true;
  }
};

/// Keys' cubic convolution weights for taps -1, 0, 1, 2 at fraction t.
void cubicWeights(double t, double w[4]) {
  const double A = -0.75;
  auto near = [&](double x) { return ((A + 2) * x - (A + 3)) * x * x + 1; };
  auto far = [&](double x) {
    return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
  };
  w[0] = far(t + 1);
  w[1] = near(t);
  w[2] = near(1 - t);
  w[3] = far(2 - t);
}

/// The taps (pixel indices, mapped by the axis's padding; -1 when they
/// read 0) and weights of coordinate `x` on `axis`.
int taps(SampleMode mode, const Axis &axis, double x, int64_t idx[4],
         double w[4]) {
  int n = mode == SampleMode::Nearest ? 1 : mode == SampleMode::Linear ? 2 : 4;
  double f = std::floor(x), t = x - f;
  int64_t first = mode == SampleMode::Nearest  ? int64_t(std::trunc(x))
                  : mode == SampleMode::Linear ? int64_t(f)
                                               : int64_t(f) - 1;
  if (mode == SampleMode::Nearest) {
    w[0] = 1;
  } else if (mode == SampleMode::Linear) {
    w[0] = 1 - t;
    w[1] = t;
  } else {
    cubicWeights(t, w);
  }
  for (int k = 0; k < n; ++k) {
    idx[k] = first + k;
    if (!axis.index(idx[k]))
      idx[k] = -1;
  }
  return n;
}

bool runGridSample(HK_RUN_ARGS) {
  SampleMode mode;
  Padding pad;
  gridSampleAttrs(node, mode, pad, why);
  bool corners = node.getInt("align_corners", 0) != 0;
  const Shape &xs = in[0].shape, &gs = in[1].shape;
  int64_t N = xs[0], C = xs[1], H = xs[2], W = xs[3];
  uint64_t outPlane = uint64_t(gs[1]) * uint64_t(gs[2]);
  uint64_t inPlane = uint64_t(H) * uint64_t(W);
  auto axisOf = [&](int64_t d) {
    return corners ? Axis{d, 0.0, double(d - 1), pad}
                   : Axis{d, -0.5, double(d) - 0.5, pad};
  };
  Axis ax = axisOf(W), ay = axisOf(H);
  bool f64 = in[1].type == ElementType::F64;
  // ONNX's reference denormalises in the grid's precision.
  auto denorm = [&](double n, int64_t d) -> double {
    if (f64)
      return corners ? (n + 1) / 2.0 * double(d - 1)
                     : ((n + 1) * double(d) - 1) / 2.0;
    float v = float(n);
    return corners ? (v + 1) / 2.0f * float(d - 1)
                   : ((v + 1) * float(d) - 1) / 2.0f;
  };
  std::vector<double> plane(inPlane);
  visitType(in[0].type, [&](auto tag) {
    using S = typename decltype(tag)::type;
    using Cv = Compute<S>;
    if constexpr (std::is_floating_point_v<Cv>)
      for (int64_t n = 0; n < N; ++n)
        for (int64_t c = 0; c < C; ++c) {
          uint64_t base = uint64_t(n * C + c) * inPlane;
          for (uint64_t i = 0; i < inPlane; ++i)
            plane[i] = double(Elem<S>::load(in[0].data, base + i));
          for (uint64_t o = 0; o < outPlane; ++o) {
            uint64_t g = (uint64_t(n) * outPlane + o) * 2;
            double x = denorm(loadDouble(in[1], g), W),
                   y = denorm(loadDouble(in[1], g + 1), H);
            if (mode == SampleMode::Nearest) {
              x = std::nearbyint(x);
              y = std::nearbyint(y);
            }
            x = ax.coordinate(x);
            y = ay.coordinate(y);
            double v = std::numeric_limits<double>::quiet_NaN();
            if (std::isfinite(x) && std::isfinite(y)) {
              int64_t xi[4], yi[4];
              double wx[4], wy[4];
              int nx = taps(mode, ax, x, xi, wx),
                  ny = taps(mode, ay, y, yi, wy);
              v = 0;
              for (int j = 0; j < ny; ++j) {
                if (yi[j] < 0)
                  continue;
                double row = 0;
                for (int i = 0; i < nx; ++i)
                  if (xi[i] >= 0)
                    row += wx[i] * plane[uint64_t(yi[j] * W + xi[i])];
                v += wy[j] * row;
              }
            }
            Elem<S>::store(out[0].data, uint64_t(n * C + c) * outPlane + o,
                           Cv(v));
          }
        }
  });
  uint64_t taps2 = mode == SampleMode::Nearest  ? 1
                   : mode == SampleMode::Linear ? 4
                                                : 16;
  work.vectorOps += out[0].numElements() * taps2 * 2;
  work.laneBytes = elementBytes(in[0].type);
  work.scalarOps += out[0].numElements() * 8;
  return true;
}

//===----------------------------------------------------------------------===//
// RoiAlign (10, 16), after ONNX's reference (onnx/reference/ops/
// op_roi_align.py, a port of ONNX Runtime's kernel). RoI r ([x1, y1, x2,
// y2] in rois [R, 4], of image batch_indices[r]) is scaled by
// spatial_scale and shifted by -0.5 (coordinate_transformation_mode
// "half_pixel", opset 16's default) or not ("output_half_pixel", the only
// behaviour before 16; then RoIs smaller than 1x1 grow to 1x1). Each of the
// output_height x output_width bins averages ("avg") or takes the maximum
// ("max", of each sample's largest weighted corner, as ONNX Runtime) of
// grid_h x grid_w bilinear samples at the centres of a regular grid
// (sampling_ratio per axis, or ceil(bin size) when 0). A sample beyond
// [-1, size] on an axis counts as 0; others clamp to the image. Computed in
// double. Run time refuses a batch index outside [0, N), a non-finite RoI
// and sampling grids of more than 2^20 points per bin.
//===----------------------------------------------------------------------===//

bool roiAlignAttrs(const HostNode &node, bool &halfPixel, bool &isMax,
                   std::string &why) {
  std::string ctm =
      node.getString("coordinate_transformation_mode",
                     node.opset >= 16 ? "half_pixel" : "output_half_pixel");
  if (ctm != "half_pixel" && ctm != "output_half_pixel")
    return fail(why, node, "unknown coordinate_transformation_mode '", ctm,
                "'");
  std::string mode = node.getString("mode", "avg");
  if (mode != "avg" && mode != "max")
    return fail(why, node, "unknown mode '", mode, "'");
  halfPixel = ctm == "half_pixel";
  isMax = mode == "max";
  int64_t oh = node.getInt("output_height", 1),
          ow = node.getInt("output_width", 1),
          sr = node.getInt("sampling_ratio", 0);
  if (oh < 1 || ow < 1 || sr < 0 || sr > 65536)
    return fail(why, node, "output_height ", oh, " and output_width ", ow,
                " must be >= 1 and sampling_ratio ", sr, " in [0, 65536]");
  return true;
}

bool verifyRoiAlign(HK_VERIFY_ARGS) {
  bool halfPixel, isMax;
  bool ok = node.opset >= 16
                ? checkAttrs(node,
                             {{"coordinate_transformation_mode", AK::String},
                              {"mode", AK::String},
                              {"output_height", AK::Int},
                              {"output_width", AK::Int},
                              {"sampling_ratio", AK::Int},
                              {"spatial_scale", AK::Float}},
                             why)
                : checkAttrs(node,
                             {{"mode", AK::String},
                              {"output_height", AK::Int},
                              {"output_width", AK::Int},
                              {"sampling_ratio", AK::Int},
                              {"spatial_scale", AK::Float}},
                             why);
  if (!ok || !checkArity(node, in, out, 3, 3, 1, why) ||
      !checkType(node, in, 0, kFloatTypes & ~bit(ElementType::BF16), why) ||
      !checkSameType(node, in, 0, 1, why) ||
      !roiAlignAttrs(node, halfPixel, isMax, why))
    return false;
  const Shape &x = in[0].shape, &rois = in[1].shape;
  if (x.size() != 4 || x[2] < 1 || x[3] < 1)
    return fail(why, node, "X must be [N, C, H, W] with H, W >= 1, got ",
                shapeStr(x));
  if (rois.size() != 2 || rois[1] != 4)
    return fail(why, node, "rois must be [R, 4], got ", shapeStr(rois));
  if (in[2].type != ElementType::I64 || in[2].shape != Shape{rois[0]})
    return fail(why, node, "batch_indices must be I64 [", rois[0], "], got ",
                typeStr(in[2].type), " ", shapeStr(in[2].shape));
  return checkOutput(node, out, 0, in[0].type,
                     {rois[0], x[1], node.getInt("output_height", 1),
                      node.getInt("output_width", 1)},
                     why);
}

/// One bilinear sample: four pixel offsets in the image plane and weights.
struct RoiSample {
  uint64_t pos[4] = {0, 0, 0, 0};
  double w[4] = {0, 0, 0, 0};
};

RoiSample roiSample(double y, double x, int64_t H, int64_t W) {
  RoiSample s;
  if (y < -1.0 || y > double(H) || x < -1.0 || x > double(W))
    return s;
  y = std::max(y, 0.0);
  x = std::max(x, 0.0);
  int64_t y0 = int64_t(y), x0 = int64_t(x), y1, x1;
  if (y0 >= H - 1) {
    y1 = y0 = H - 1;
    y = double(y0);
  } else {
    y1 = y0 + 1;
  }
  if (x0 >= W - 1) {
    x1 = x0 = W - 1;
    x = double(x0);
  } else {
    x1 = x0 + 1;
  }
  double ly = y - double(y0), lx = x - double(x0), hy = 1 - ly, hx = 1 - lx;
  s.pos[0] = uint64_t(y0 * W + x0);
  s.pos[1] = uint64_t(y0 * W + x1);
  s.pos[2] = uint64_t(y1 * W + x0);
  s.pos[3] = uint64_t(y1 * W + x1);
  s.w[0] = hy * hx;
  s.w[1] = hy * lx;
  s.w[2] = ly * hx;
  s.w[3] = ly * lx;
  return s;
}

bool runRoiAlign(HK_RUN_ARGS) {
  bool halfPixel, isMax;
  roiAlignAttrs(node, halfPixel, isMax, why);
  const Shape &xs = in[0].shape;
  int64_t N = xs[0], C = xs[1], H = xs[2], W = xs[3];
  int64_t R = in[1].shape[0], OH = node.getInt("output_height", 1),
          OW = node.getInt("output_width", 1),
          ratio = node.getInt("sampling_ratio", 0);
  double scale = node.getFloat("spatial_scale", 1.0f),
         offset = halfPixel ? 0.5 : 0.0;
  uint64_t plane = uint64_t(H) * uint64_t(W), bins = uint64_t(OH * OW);
  std::vector<RoiSample> samples;
  for (int64_t r = 0; r < R; ++r) {
    int64_t b = loadIndex(in[2], uint64_t(r));
    if (b < 0 || b >= N)
      return fail(why, node, "batch index ", b, " of RoI ", r,
                  " out of range [0, ", N, ")");
    double c[4];
    for (int k = 0; k < 4; ++k) {
      c[k] = loadDouble(in[1], uint64_t(r * 4 + k)) * scale - offset;
      if (!std::isfinite(c[k]))
        return fail(why, node, "RoI ", r, " has a non-finite coordinate");
    }
    double roiW = c[2] - c[0], roiH = c[3] - c[1];
    if (!halfPixel) {
      roiW = std::max(roiW, 1.0);
      roiH = std::max(roiH, 1.0);
    }
    double binH = roiH / double(OH), binW = roiW / double(OW);
    double gh = ratio > 0 ? double(ratio) : std::ceil(binH),
           gw = ratio > 0 ? double(ratio) : std::ceil(binW);
    if (!(gh * gw <= double(1 << 20)))
      return fail(why, node, "RoI ", r, " needs a sampling grid of ", gh, " x ",
                  gw, " per bin (at most 2^20 points)");
    int64_t gridH = std::max<int64_t>(0, int64_t(gh)),
            gridW = std::max<int64_t>(0, int64_t(gw));
    uint64_t perBin = uint64_t(gridH * gridW);
    double count = double(std::max<uint64_t>(perBin, 1));
    for (uint64_t bin = 0; bin < bins; ++bin) {
      int64_t ph = int64_t(bin) / OW, pw = int64_t(bin) % OW;
      samples.clear();
      for (int64_t iy = 0; iy < gridH; ++iy) {
        double y = c[1] + double(ph) * binH +
                   (double(iy) + 0.5) * binH / double(gridH);
        for (int64_t ix = 0; ix < gridW; ++ix)
          samples.push_back(
              roiSample(y,
                        c[0] + double(pw) * binW +
                            (double(ix) + 0.5) * binW / double(gridW),
                        H, W));
      }
      visitType(in[0].type, [&](auto tag) {
        using S = typename decltype(tag)::type;
        using Cv = Compute<S>;
        if constexpr (std::is_floating_point_v<Cv>)
          for (int64_t ch = 0; ch < C; ++ch) {
            uint64_t base = uint64_t(b * C + ch) * plane;
            double v = 0;
            for (uint64_t k = 0; k < perBin; ++k) {
              const RoiSample &sm = samples[k];
              double t[4];
              for (int j = 0; j < 4; ++j)
                t[j] = sm.w[j] *
                       double(Elem<S>::load(in[0].data, base + sm.pos[j]));
              if (isMax) {
                double m = std::max(std::max(t[0], t[1]), std::max(t[2], t[3]));
                v = k == 0 ? m : std::max(v, m);
              } else {
                v += t[0] + t[1] + t[2] + t[3];
              }
            }
            if (!isMax)
              v /= count;
            Elem<S>::store(out[0].data, uint64_t(r * C + ch) * bins + bin,
                           Cv(v));
          }
      });
    }
    work.vectorOps += uint64_t(C) * bins * perBin * 8;
    work.scalarOps += bins * perBin * 12;
  }
  work.laneBytes = elementBytes(in[0].type);
  return true;
}

const HostKernel kKernels[] = {
    {"GridSample", verifyGridSample, runGridSample},
    {"RoiAlign", verifyRoiAlign, runRoiAlign},
};

} // namespace

KernelTable samplingKernels() {
  return {kKernels, sizeof(kKernels) / sizeof(kKernels[0])};
}

} // namespace npu::rt::hk
