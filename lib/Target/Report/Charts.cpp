//===- Charts.cpp - SVG charts beside the compile report ------------------===//

#include "npu/Target/Report/Charts.h"

#include "npu/runtime/Isa.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

namespace json = llvm::json;
namespace rt = npu::rt;

namespace npu {

namespace {

constexpr double kWidth = 760, kHeight = 500, kLeft = 70, kRight = 20,
                 kTop = 40, kBottom = 50;

std::string escape(llvm::StringRef s) {
  std::string out;
  for (char c : s)
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    default:
      out += c;
    }
  return out;
}

/// A decade's label: 0.01, 0.1, 1, 10, ... 1e+06.
std::string decade(int k) {
  if (k >= 0 && k <= 5)
    return "1" + std::string(k, '0');
  if (k < 0 && k >= -3)
    return "0." + std::string(-k - 1, '0') + "1";
  return llvm::formatv("1e{0}", k).str();
}

void header(llvm::raw_ostream &os, llvm::StringRef title) {
  os << llvm::formatv("<svg xmlns=\"http://www.w3.org/2000/svg\" "
                      "width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
                      "font-family=\"sans-serif\" font-size=\"11\">\n",
                      int64_t(kWidth), int64_t(kHeight));
  os << "<title>" << escape(title) << "</title>\n";
  os << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  os << llvm::formatv("<text x=\"{0}\" y=\"20\" font-size=\"14\">{1}</text>\n",
                      kLeft, escape(title));
}

struct Point {
  std::string label;
  double intensity, rate;
};

} // namespace

std::string rooflineChartSvg(const json::Value &report,
                             double dramBytesPerCycle) {
  const json::Object *root = report.getAsObject();
  const json::Array *layers = root ? root->getArray("layers") : nullptr;
  const json::Object *totals = root ? root->getObject("totals") : nullptr;
  double peak = 1;
  if (totals)
    if (auto p = totals->getNumber("peak_macs_per_cycle"))
      peak = std::max(1.0, *p);
  std::vector<Point> points;
  int64_t leftOut = 0;
  if (layers)
    for (const json::Value &v : *layers) {
      const json::Object *l = v.getAsObject();
      if (!l)
        continue;
      double macs = l->getNumber("macs").value_or(0);
      double bytes = l->getNumber("dram_read_bytes").value_or(0) +
                     l->getNumber("dram_write_bytes").value_or(0);
      double span = l->getNumber("end_cycle").value_or(0) -
                    l->getNumber("start_cycle").value_or(0);
      if (macs <= 0 || bytes <= 0 || span <= 0) {
        ++leftOut;
        continue;
      }
      std::string label =
          llvm::formatv("{0} ({1}): {2} MACs, {3} DRAM bytes, {4} cycles, "
                        "{5:f2} MACs/byte, {6:f2} MACs/cycle",
                        l->getString("name").value_or(""),
                        l->getString("op").value_or(""), int64_t(macs),
                        int64_t(bytes), int64_t(span), macs / bytes,
                        macs / span)
              .str();
      points.push_back({label, macs / bytes, macs / span});
    }
  double ridge = peak / dramBytesPerCycle;
  double xMin = ridge, xMax = ridge, yMin = peak, yMax = peak;
  for (const Point &p : points) {
    xMin = std::min(xMin, p.intensity);
    xMax = std::max(xMax, p.intensity);
    yMin = std::min(yMin, p.rate);
  }
  int x0 = int(std::floor(std::log10(xMin))),
      x1 = std::max(x0 + 1, int(std::ceil(std::log10(xMax))));
  int y0 = int(std::floor(std::log10(yMin))),
      y1 = std::max(y0 + 1, int(std::ceil(std::log10(yMax))));
  double plotW = kWidth - kLeft - kRight, plotH = kHeight - kTop - kBottom;
  auto px = [&](double x) {
    return kLeft + (std::log10(x) - x0) / (x1 - x0) * plotW;
  };
  auto py = [&](double y) {
    return kTop + plotH - (std::log10(y) - y0) / (y1 - y0) * plotH;
  };
  std::string out;
  llvm::raw_string_ostream os(out);
  header(os, llvm::formatv("Roofline: {0} layers ({1} without MACs or DRAM "
                           "traffic left out); peak {2} MACs/cycle, {3} DRAM "
                           "bytes/cycle",
                           points.size(), leftOut, int64_t(peak),
                           int64_t(dramBytesPerCycle))
                 .str());
  // Decade grid and labels.
  for (int k = x0; k <= x1; ++k)
    os << llvm::formatv("<line x1=\"{0:f1}\" y1=\"{1}\" x2=\"{0:f1}\" "
                        "y2=\"{2}\" stroke=\"#ddd\"/><text x=\"{0:f1}\" "
                        "y=\"{3}\" text-anchor=\"middle\">{4}</text>\n",
                        px(std::pow(10.0, k)), kTop, kTop + plotH,
                        kTop + plotH + 15, decade(k));
  for (int k = y0; k <= y1; ++k)
    os << llvm::formatv("<line x1=\"{0}\" y1=\"{1:f1}\" x2=\"{2}\" "
                        "y2=\"{1:f1}\" stroke=\"#ddd\"/><text x=\"{3}\" "
                        "y=\"{4:f1}\" text-anchor=\"end\">{5}</text>\n",
                        kLeft, py(std::pow(10.0, k)), kLeft + plotW, kLeft - 5,
                        py(std::pow(10.0, k)) + 4, decade(k));
  os << llvm::formatv("<text x=\"{0}\" y=\"{1}\" text-anchor=\"middle\">"
                      "operational intensity (MACs per DRAM byte)</text>\n",
                      kLeft + plotW / 2, kHeight - 12);
  os << llvm::formatv("<text x=\"14\" y=\"{0}\" text-anchor=\"middle\" "
                      "transform=\"rotate(-90 14 {0})\">MACs per cycle "
                      "(over the layer's span)</text>\n",
                      kTop + plotH / 2);
  // The roofs: bandwidth up to the ridge point, then the MAC array's peak.
  double xl = std::pow(10.0, x0), xr = std::pow(10.0, x1);
  double yl = std::max(xl * dramBytesPerCycle, std::pow(10.0, y0));
  double xStart = yl / dramBytesPerCycle;
  os << llvm::formatv("<polyline class=\"roof\" fill=\"none\" stroke=\"#c03\" "
                      "stroke-width=\"2\" points=\"{0:f1},{1:f1} {2:f1},{3:f1} "
                      "{4:f1},{3:f1}\"><title>roofs: {5} MACs/cycle, "
                      "{6} bytes/cycle (ridge at {7:f2} MACs/byte)</title>"
                      "</polyline>\n",
                      px(xStart), py(yl), px(ridge), py(peak), px(xr),
                      int64_t(peak), int64_t(dramBytesPerCycle), ridge);
  for (const Point &p : points)
    os << llvm::formatv("<circle class=\"layer\" cx=\"{0:f1}\" cy=\"{1:f1}\" "
                        "r=\"4\" fill=\"#4878d0\" fill-opacity=\"0.7\">"
                        "<title>{2}</title></circle>\n",
                        px(p.intensity), py(p.rate), escape(p.label));
  os << "</svg>\n";
  return out;
}

std::string memoryChartSvg(const rt::Executable &exe) {
  size_t nLayers = exe.layers().size();
  // Per layer and kind (0 DRAM read, 1 DRAM write, 2 scratchpad read,
  // 3 scratchpad write): the ranges, merged below.
  std::vector<std::array<std::vector<rt::DramRange>, 4>> ranges(nLayers);
  for (const rt::Instruction &insn : exe.instructions()) {
    uint64_t layer = insn.get(rt::FieldId::Layer);
    if (std::optional<rt::DmaAccess> a = exe.dmaAccess(insn);
        a && layer < nLayers)
      ranges[layer][(a->local ? 2 : 0) + (a->write ? 1 : 0)].push_back(
          a->range);
  }
  bool anyLocal = false;
  for (auto &kinds : ranges)
    for (int k = 0; k < 4; ++k) {
      rt::coalesceRanges(kinds[k]);
      anyLocal |= k >= 2 && !kinds[k].empty();
    }
  double plotW = kWidth - kLeft - kRight, plotH = kHeight - kTop - kBottom;
  double chipH = anyLocal ? plotH * 0.3 : 0, gap = anyLocal ? 25 : 0;
  double dramH = plotH - chipH - gap;
  double dramTop = kTop + chipH + gap;
  double dramBytes = std::max<double>(1, exe.dramSize());
  double chipBytes = std::max<double>(1, exe.target().scratchpadBytes);
  double w = plotW / std::max<size_t>(1, nLayers);
  std::string out;
  llvm::raw_string_ostream os(out);
  header(os, llvm::formatv("Memory: the bytes each of {0} layers reads (blue) "
                           "and writes (orange){1}",
                           nLayers,
                           anyLocal ? "; top, the scratchpad's values kept on "
                                      "chip; bottom, DRAM"
                                    : " in DRAM")
                 .str());
  auto panel = [&](double top, double height, double bytes,
                   llvm::StringRef name) {
    os << llvm::formatv("<rect x=\"{0}\" y=\"{1:f1}\" width=\"{2}\" "
                        "height=\"{3:f1}\" fill=\"none\" stroke=\"#999\"/>\n"
                        "<text x=\"{4}\" y=\"{5:f1}\" text-anchor=\"end\">0"
                        "</text><text x=\"{4}\" y=\"{6:f1}\" "
                        "text-anchor=\"end\">{7} B</text>\n"
                        "<text x=\"14\" y=\"{8:f1}\" text-anchor=\"middle\" "
                        "transform=\"rotate(-90 14 {8:f1})\">{9}</text>\n",
                        kLeft, top, plotW, height, kLeft - 5, top + 10,
                        top + height, int64_t(bytes), top + height / 2, name);
  };
  if (anyLocal)
    panel(kTop, chipH, chipBytes, "scratchpad");
  panel(dramTop, dramH, dramBytes, "DRAM");
  static const char *kColor[4] = {"#4878d0", "#ee854a", "#4878d0", "#ee854a"};
  static const char *kVerb[4] = {"reads DRAM", "writes DRAM",
                                 "reads scratchpad", "writes scratchpad"};
  for (size_t l = 0; l < nLayers; ++l) {
    const rt::LayerInfo &info = exe.layers()[l];
    for (int k = 0; k < 4; ++k) {
      bool chip = k >= 2;
      double top = chip ? kTop : dramTop, height = chip ? chipH : dramH;
      double bytes = chip ? chipBytes : dramBytes;
      for (const rt::DramRange &r : ranges[l][k]) {
        double y = top + double(r.begin) / bytes * height;
        double h = std::max(1.0, double(r.end - r.begin) / bytes * height);
        // Reads on the left half of the layer's column, writes on the right.
        double x = kLeft + w * double(l) + (k % 2 ? w / 2 : 0);
        os << llvm::formatv(
            "<rect class=\"{0}\" x=\"{1:f2}\" y=\"{2:f2}\" width=\"{3:f2}\" "
            "height=\"{4:f2}\" fill=\"{5}\"><title>layer {6} {7} ({8}) {9} "
            "[{10}, {11})</title></rect>\n",
            chip ? "chip" : "dram", x, y, std::max(0.5, w / 2), h, kColor[k], l,
            escape(info.name), escape(info.op), kVerb[k], r.begin, r.end);
      }
    }
  }
  os << llvm::formatv("<text x=\"{0}\" y=\"{1}\" text-anchor=\"middle\">"
                      "layers in program order</text>\n",
                      kLeft + plotW / 2, kHeight - 12);
  os << "</svg>\n";
  return out;
}

} // namespace npu
