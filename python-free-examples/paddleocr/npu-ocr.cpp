//===- npu-ocr.cpp - PaddleOCR pre- and post-processing, without Python --===//
//
// The image side of running PaddleOCR's models on the NPU:
//
//   npu-ocr render --text=TEXT -o LINE.png [--font=TTF] [--px=N]
//       Renders a black-on-white text line (stb_truetype, DejaVu Sans).
//   npu-ocr preprocess --model=cls|rec|det IMAGE.png -o X.npy
//                      [--width=W] [--size=S] [--rotate180]
//       PaddleOCR's preprocessing into a 1x3xHxW FP32 tensor:
//       cls/rec (ClsResizeImg, RecResizeImg): resize to height 48 keeping
//       the aspect ratio (width at most W: 192 for cls, 320 for rec),
//       x/255, (x - 0.5) / 0.5, zero padding on the right; det
//       (DetResizeForTest with a fixed size, NormalizeImage): fit into SxS
//       keeping the aspect ratio on a white page, (x/255 - mean) / std with
//       ImageNet's mean and std, BGR order.
//   npu-ocr decode --model=cls OUT.npy           prints "0" or "180", score
//   npu-ocr decode --model=rec OUT.npy --keys=ppocr_keys_v1.txt
//       CTC greedy decoding (PaddleOCR's CTCLabelDecode): argmax per step,
//       repeats merged, blank (index 0) dropped; the character list is
//       blank, the keys file's lines, then a space.
//   npu-ocr decode --model=det OUT.npy   DB post-processing summary: pixels
//       above the 0.3 threshold, their bounding box.
//
// Source of the procedures: PaddleOCR 2.x, ppocr/data/imaug/operators.py
// and rec_img_aug.py, tools/infer/predict_cls.py and predict_rec.py,
// ppocr/postprocess/rec_postprocess.py (Apache-2.0).
//
//===----------------------------------------------------------------------===//

#include "npu/runtime/Npy.h"

#include "stb/stb_image.h"
#include "stb/stb_image_write.h"
#include "stb/stb_truetype.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using namespace npu::rt;
namespace bin = npu::bin;

namespace {

[[noreturn]] void fail(const std::string &what) {
  std::fprintf(stderr, "npu-ocr: error: %s\n", what.c_str());
  std::exit(1);
}

/// An 8-bit RGB image, row-major.
struct Image {
  int w = 0, h = 0;
  std::vector<uint8_t> rgb;
  uint8_t at(int x, int y, int c) const {
    return rgb[(size_t(y) * w + x) * 3 + c];
  }
};

Image loadImage(const std::string &path) {
  Image img;
  int channels = 0;
  unsigned char *data = stbi_load(path.c_str(), &img.w, &img.h, &channels, 3);
  if (!data)
    fail(path + ": cannot read the image (" + stbi_failure_reason() + ")");
  img.rgb.assign(data, data + size_t(img.w) * img.h * 3);
  stbi_image_free(data);
  return img;
}

/// Bilinear resampling with half-pixel centres (OpenCV's INTER_LINEAR),
/// one channel at a time; returns floats in [0, 255].
std::vector<float> resizeBilinear(const Image &img, int ow, int oh) {
  std::vector<float> out(size_t(ow) * oh * 3);
  float sx = float(img.w) / ow, sy = float(img.h) / oh;
  for (int y = 0; y < oh; ++y) {
    float fy = std::max(0.0f, (y + 0.5f) * sy - 0.5f);
    int y0 = std::min(int(fy), img.h - 1), y1 = std::min(y0 + 1, img.h - 1);
    float wy = fy - y0;
    for (int x = 0; x < ow; ++x) {
      float fx = std::max(0.0f, (x + 0.5f) * sx - 0.5f);
      int x0 = std::min(int(fx), img.w - 1), x1 = std::min(x0 + 1, img.w - 1);
      float wx = fx - x0;
      for (int c = 0; c < 3; ++c) {
        float top = img.at(x0, y0, c) * (1 - wx) + img.at(x1, y0, c) * wx;
        float bot = img.at(x0, y1, c) * (1 - wx) + img.at(x1, y1, c) * wx;
        out[(size_t(y) * ow + x) * 3 + c] = top * (1 - wy) + bot * wy;
      }
    }
  }
  return out;
}

void writeTensor(const std::string &path, const std::vector<float> &chw, int h,
                 int w) {
  std::vector<uint8_t> bytes =
      encodeNpy(bin::ElementType::F32, {1, 3, h, w}, chw.data(),
                chw.size() * sizeof(float));
  std::string error;
  if (!writeFileAtomically(path, bytes, error))
    fail(path + ": " + error);
}

int render(const std::string &text, const std::string &fontPath, int px,
           const std::string &out) {
  std::ifstream in(fontPath, std::ios::binary);
  std::vector<unsigned char> font((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
  stbtt_fontinfo info;
  if (font.empty() ||
      !stbtt_InitFont(&info, font.data(),
                      stbtt_GetFontOffsetForIndex(font.data(), 0)))
    fail(fontPath + ": cannot read the font");
  float scale = stbtt_ScaleForPixelHeight(&info, float(px));
  int ascent, descent, gap;
  stbtt_GetFontVMetrics(&info, &ascent, &descent, &gap);
  int margin = std::max(2, px / 8);
  int baseline = margin + int(std::ceil(ascent * scale));
  int height = baseline + int(std::ceil(-descent * scale)) + margin;
  // Width: advances plus kerning.
  float pen = float(margin);
  for (size_t i = 0; i < text.size(); ++i) {
    int adv, lsb;
    stbtt_GetCodepointHMetrics(&info, (unsigned char)text[i], &adv, &lsb);
    pen += adv * scale;
    if (i + 1 < text.size())
      pen +=
          scale * stbtt_GetCodepointKernAdvance(&info, (unsigned char)text[i],
                                                (unsigned char)text[i + 1]);
  }
  int width = int(std::ceil(pen)) + margin;
  std::vector<uint8_t> gray(size_t(width) * height, 0);
  pen = float(margin);
  for (size_t i = 0; i < text.size(); ++i) {
    int cp = (unsigned char)text[i], adv, lsb, x0, y0, x1, y1;
    stbtt_GetCodepointHMetrics(&info, cp, &adv, &lsb);
    stbtt_GetCodepointBitmapBox(&info, cp, scale, scale, &x0, &y0, &x1, &y1);
    int gx = int(std::lround(pen)) + x0, gy = baseline + y0;
    int gw = x1 - x0, gh = y1 - y0;
    if (gw > 0 && gh > 0 && gx >= 0 && gy >= 0 && gx + gw <= width &&
        gy + gh <= height) {
      std::vector<uint8_t> glyph(size_t(gw) * gh);
      stbtt_MakeCodepointBitmap(&info, glyph.data(), gw, gh, gw, scale, scale,
                                cp);
      for (int y = 0; y < gh; ++y)
        for (int x = 0; x < gw; ++x) {
          uint8_t &p = gray[size_t(gy + y) * width + gx + x];
          p = std::max(p, glyph[size_t(y) * gw + x]);
        }
    }
    pen += adv * scale;
    if (i + 1 < text.size())
      pen += scale * stbtt_GetCodepointKernAdvance(&info, cp,
                                                   (unsigned char)text[i + 1]);
  }
  std::vector<uint8_t> rgb(size_t(width) * height * 3);
  for (size_t i = 0; i < gray.size(); ++i)
    rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = uint8_t(255 - gray[i]);
  std::string tmp = out + ".part";
  if (!stbi_write_png(tmp.c_str(), width, height, 3, rgb.data(), width * 3) ||
      std::rename(tmp.c_str(), out.c_str()) != 0) {
    std::remove(tmp.c_str());
    fail(out + ": cannot write the image");
  }
  std::printf("%s: %dx%d\n", out.c_str(), width, height);
  return 0;
}

int preprocess(const std::string &model, const std::string &path,
               const std::string &out, int width, int size, bool rotate) {
  Image img = loadImage(path);
  if (rotate) {
    Image r = img;
    for (int y = 0; y < img.h; ++y)
      for (int x = 0; x < img.w; ++x)
        for (int c = 0; c < 3; ++c)
          r.rgb[(size_t(img.h - 1 - y) * img.w + (img.w - 1 - x)) * 3 + c] =
              img.at(x, y, c);
    img = std::move(r);
  }
  if (model == "det") {
    // NormalizeImage on a BGR image: channel c of the tensor is BGR's c.
    const float mean[3] = {0.485f, 0.456f, 0.406f};
    const float stdv[3] = {0.229f, 0.224f, 0.225f};
    // Fit the image in S x S keeping its aspect ratio, on a white page.
    float fit = std::min(float(size) / img.w, float(size) / img.h);
    int w = std::max(1, int(std::lround(img.w * fit)));
    int h = std::max(1, int(std::lround(img.h * fit)));
    std::vector<float> px = resizeBilinear(img, w, h);
    std::vector<float> chw(size_t(3) * size * size);
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < size; ++y)
        for (int x = 0; x < size; ++x) {
          float v =
              y < h && x < w ? px[(size_t(y) * w + x) * 3 + (2 - c)] : 255.0f;
          chw[(size_t(c) * size + y) * size + x] =
              (v / 255.0f - mean[c]) / stdv[c];
        }
    writeTensor(out, chw, size, size);
    return 0;
  }
  const int h = 48;
  int w = std::min(width, int(std::ceil(h * float(img.w) / img.h)));
  std::vector<float> px = resizeBilinear(img, w, h);
  std::vector<float> chw(size_t(3) * h * width, 0.0f);
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        chw[(size_t(c) * h + y) * width + x] =
            (px[(size_t(y) * w + x) * 3 + (2 - c)] / 255.0f - 0.5f) / 0.5f;
  writeTensor(out, chw, h, width);
  return 0;
}

std::vector<float> readFloats(const std::string &path,
                              std::vector<int64_t> &shape) {
  NpyArray a;
  std::string error;
  if (!readNpy(path, a, error))
    fail(path + ": " + error);
  if (a.type != bin::ElementType::F32)
    fail(path + ": expected float32 values");
  shape = a.shape;
  std::vector<float> v(a.data.size() / 4);
  std::memcpy(v.data(), a.data.data(), a.data.size());
  return v;
}

int decode(const std::string &model, const std::string &path,
           const std::string &keysPath) {
  std::vector<int64_t> shape;
  std::vector<float> v = readFloats(path, shape);
  if (model == "cls") {
    if (v.size() != 2)
      fail(path + ": expected the classifier's 1x2 probabilities");
    int k = v[1] > v[0] ? 1 : 0;
    std::printf("%s %.4f\n", k ? "180" : "0", v[k]);
    return 0;
  }
  if (model == "rec") {
    if (shape.size() != 3 || shape[0] != 1)
      fail(path + ": expected the recogniser's 1xTxC probabilities");
    std::ifstream in(keysPath);
    if (!in)
      fail(keysPath + ": cannot read the character list");
    std::vector<std::string> chars = {""};
    for (std::string line; std::getline(in, line);)
      chars.push_back(line);
    chars.push_back(" ");
    int64_t T = shape[1], C = shape[2];
    if (int64_t(chars.size()) != C)
      fail(keysPath + ": " + std::to_string(chars.size() - 2) +
           " characters, but the model has " + std::to_string(C - 2));
    std::string text;
    double score = 0;
    int count = 0;
    int64_t prev = -1;
    for (int64_t t = 0; t < T; ++t) {
      const float *row = v.data() + t * C;
      int64_t k = std::max_element(row, row + C) - row;
      if (k != 0 && k != prev) {
        text += chars[k];
        score += row[k];
        ++count;
      }
      prev = k;
    }
    std::printf("%s\t%.4f\n", text.c_str(), count ? score / count : 0.0);
    return 0;
  }
  if (model == "det") {
    if (shape.size() != 4)
      fail(path + ": expected the detector's 1x1xHxW probability map");
    int64_t H = shape[2], W = shape[3], on = 0;
    int64_t x0 = W, y0 = H, x1 = -1, y1 = -1;
    for (int64_t y = 0; y < H; ++y)
      for (int64_t x = 0; x < W; ++x)
        if (v[y * W + x] > 0.3f) {
          ++on;
          x0 = std::min(x0, x);
          x1 = std::max(x1, x);
          y0 = std::min(y0, y);
          y1 = std::max(y1, y);
        }
    if (!on)
      std::printf("text pixels 0\n");
    else
      std::printf("text pixels %lld, box x %lld..%lld y %lld..%lld\n",
                  (long long)on, (long long)x0, (long long)x1, (long long)y0,
                  (long long)y1);
    return 0;
  }
  fail("unknown --model '" + model + "' (cls, rec or det)");
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2)
    fail("usage: npu-ocr render|preprocess|decode ... (see the source's "
         "header)");
  std::string cmd = argv[1];
  std::map<std::string, std::string> opt;
  std::vector<std::string> files;
  bool rotate = false;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-o" && i + 1 < argc)
      opt["o"] = argv[++i];
    else if (a == "--rotate180")
      rotate = true;
    else if (a.rfind("--", 0) == 0 && a.find('=') != std::string::npos)
      opt[a.substr(2, a.find('=') - 2)] = a.substr(a.find('=') + 1);
    else if (a[0] == '-')
      fail("unknown option '" + a + "'");
    else
      files.push_back(a);
  }
  auto need = [&](const char *key) {
    if (!opt.count(key))
      fail(std::string("missing ") + (key[1] ? "--" : "-") + key);
    return opt[key];
  };
  if (cmd == "render")
    return render(
        need("text"),
        opt.count("font") ? opt["font"]
                          : "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        opt.count("px") ? std::atoi(opt["px"].c_str()) : 32, need("o"));
  if (files.size() != 1)
    fail(cmd + " takes one input file");
  std::string model = need("model");
  if (cmd == "preprocess") {
    int width = opt.count("width") ? std::atoi(opt["width"].c_str())
                                   : (model == "cls" ? 192 : 320);
    int size = opt.count("size") ? std::atoi(opt["size"].c_str()) : 640;
    if (model != "cls" && model != "rec" && model != "det")
      fail("unknown --model '" + model + "' (cls, rec or det)");
    if (width <= 0 || size <= 0 || size % 32)
      fail("--width must be positive and --size a multiple of 32");
    return preprocess(model, files[0], need("o"), width, size, rotate);
  }
  if (cmd == "decode")
    return decode(model, files[0], opt.count("keys") ? opt["keys"] : "");
  fail("unknown command '" + cmd + "' (render, preprocess or decode)");
}
