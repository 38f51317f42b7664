//===- npu-compare.cpp - compare a result with a reference tensor --------===//
//
// npu-compare ACTUAL EXPECTED [--rtol=R] [--atol=A] [--peak-tol=T]
//             [--min-cosine=C]
// npu-compare --outputs=DIR/outputs.json EXPECTED_0 EXPECTED_1 ... [--rtol]
// [--atol] [--peak-tol] [--min-cosine]
//
// The second form compares every output npu-run wrote (in graph output
// order, as outputs.json lists them) with the expected file of that index.
//
// Both files are .npy or ONNX TensorProto .pb. Shapes and element types must
// match; floats pass when |actual - expected| <= atol + rtol * |expected| for
// every element (numpy.testing.assert_allclose, which ONNX's backend tests
// use with rtol = 1e-3, atol = 1e-7, the defaults here), NaN matching NaN;
// integers and booleans must be equal. With --peak-tol=T, floats pass when
// |actual - expected| <= T * max|expected| instead (the error relative to the
// output's largest magnitude, for whole-model comparisons against ONNX
// Runtime, where tiny elements carry only rounding noise). With
// --min-cosine=C, floats pass when the cosine similarity of the two tensors
// is at least C (INT8 against FP32 results, where elementwise tolerances
// say little); the line also gives the SQNR in dB. Prints one line;
// exit code 0 when the tensors match, 1 when they do not or a file cannot be
// read.
//
//===----------------------------------------------------------------------===//

#include "../common/TensorFiles.h"

#include <nlohmann/json.hpp>

#include <fstream>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace npu::rt;
namespace bin = npu::bin;

namespace {

/// IEEE 754 binary16 / bfloat16 bits as a double.
double halfToDouble(uint16_t h) {
  int exp = (h >> 10) & 0x1F, mant = h & 0x3FF;
  double v = exp == 0    ? std::ldexp(mant, -24)
             : exp == 31 ? (mant ? NAN : INFINITY)
                         : std::ldexp(mant | 0x400, exp - 25);
  return (h & 0x8000) ? -v : v;
}
double bf16ToDouble(uint16_t h) {
  uint32_t bits = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

/// Element `i` of `a` as a double (64-bit integers beyond 2^53 round).
double element(const NpyArray &a, size_t i) {
  const uint8_t *p = a.data.data() + i * elementBytes(a.type);
  auto load = [p](auto v) {
    std::memcpy(&v, p, sizeof(v));
    return double(v);
  };
  switch (a.type) {
  case bin::ElementType::F32:
    return load(float());
  case bin::ElementType::F64:
    return load(double());
  case bin::ElementType::I8:
    return load(int8_t());
  case bin::ElementType::I16:
    return load(int16_t());
  case bin::ElementType::I32:
    return load(int32_t());
  case bin::ElementType::I64:
    return load(int64_t());
  case bin::ElementType::U8:
  case bin::ElementType::Bool:
    return load(uint8_t());
  case bin::ElementType::U16:
    return load(uint16_t());
  case bin::ElementType::U32:
    return load(uint32_t());
  case bin::ElementType::U64:
    return load(uint64_t());
  case bin::ElementType::F16: {
    uint16_t h;
    std::memcpy(&h, p, 2);
    return halfToDouble(h);
  }
  case bin::ElementType::BF16: {
    uint16_t h;
    std::memcpy(&h, p, 2);
    return bf16ToDouble(h);
  }
  }
  return NAN;
}

/// Compares two tensor files; prints one line; true when they match.
bool compareFiles(const std::string &actualPath,
                  const std::string &expectedPath, double rtol, double atol,
                  double peakTol, double minCosine, bool &readError) {
  NpyArray actual, expected;
  std::string error;
  readError = false;
  for (auto [file, array] :
       {std::pair{&actualPath, &actual}, {&expectedPath, &expected}})
    if (!npu::tools::readTensorFile(*file, *array, error)) {
      std::fprintf(stderr, "npu-compare: error: %s: %s\n", file->c_str(),
                   error.c_str());
      readError = true;
      return false;
    }
  npu::tools::matchElementType(actual.type, expected);
  if (actual.type != expected.type || actual.shape != expected.shape) {
    std::printf("npu-compare: MISMATCH: %s%s vs expected %s%s\n",
                elementTypeName(actual.type), shapeString(actual.shape).c_str(),
                elementTypeName(expected.type),
                shapeString(expected.shape).c_str());
    return false;
  }
  size_t n =
      actual.data.size() / std::max<uint32_t>(1, elementBytes(actual.type));
  bool isFloat = actual.type == bin::ElementType::F32 ||
                 actual.type == bin::ElementType::F64 ||
                 actual.type == bin::ElementType::F16 ||
                 actual.type == bin::ElementType::BF16;
  if (isFloat && peakTol > 0) {
    double peak = 0;
    for (size_t i = 0; i < n; ++i)
      if (std::isfinite(element(expected, i)))
        peak = std::max(peak, std::fabs(element(expected, i)));
    rtol = 0;
    atol = peakTol * peak;
  }
  if (isFloat && minCosine > 0) {
    double aa = 0, ee = 0, ae = 0, noise = 0;
    for (size_t i = 0; i < n; ++i) {
      double a = element(actual, i), e = element(expected, i);
      aa += a * a;
      ee += e * e;
      ae += a * e;
      noise += (a - e) * (a - e);
    }
    double cosine = aa > 0 && ee > 0 ? ae / std::sqrt(aa * ee) : aa == ee;
    double sqnr = noise > 0 ? 10 * std::log10(ee / noise) : INFINITY;
    bool ok = cosine >= minCosine; // NaN fails
    std::printf("npu-compare: %s: %zu elements, cosine %.6f (min %g), SQNR "
                "%.2f dB\n",
                ok ? "OK" : "MISMATCH", n, cosine, minCosine, sqnr);
    return ok;
  }
  double maxAbs = 0, maxRel = 0;
  size_t bad = 0, first = 0;
  for (size_t i = 0; i < n; ++i) {
    double a = element(actual, i), e = element(expected, i);
    bool ok;
    if (isFloat) {
      // NaN matches NaN; an infinite expected value only itself (|a - inf|
      // <= rtol * inf would pass anything, unlike NumPy's assert_allclose).
      ok = (std::isnan(a) && std::isnan(e)) || (a == e) ||
           (std::isfinite(e) && std::fabs(a - e) <= atol + rtol * std::fabs(e));
      if (!std::isnan(a) && !std::isnan(e) && std::isfinite(a - e)) {
        maxAbs = std::max(maxAbs, std::fabs(a - e));
        if (e != 0)
          maxRel = std::max(maxRel, std::fabs(a - e) / std::fabs(e));
      }
    } else {
      ok = a == e;
    }
    if (!ok && bad++ == 0)
      first = i;
  }
  if (bad) {
    std::printf("npu-compare: MISMATCH: %zu of %zu elements differ (first at "
                "%zu: %.9g vs expected %.9g); max abs error %.3g, max rel "
                "error %.3g\n",
                bad, n, first, element(actual, first), element(expected, first),
                maxAbs, maxRel);
    return false;
  }
  std::printf("npu-compare: OK: %zu elements, max abs error %.3g, max rel "
              "error %.3g (rtol %g, atol %g)\n",
              n, maxAbs, maxRel, rtol, atol);
  return true;
}

} // namespace

int main(int argc, char **argv) {
  double rtol = 1e-3, atol = 1e-7, peakTol = 0, minCosine = 0;
  std::string outputsJson;
  std::vector<std::string> files;
  // A tolerance must be a finite, non-negative number, all of the text.
  auto number = [](const char *option, const char *text, double &out) {
    char *end = nullptr;
    out = std::strtod(text, &end);
    if (!*text || *end || !std::isfinite(out) || out < 0) {
      std::fprintf(stderr,
                   "npu-compare: error: %s takes a finite, non-negative "
                   "number, not '%s'\n",
                   option, text);
      return false;
    }
    return true;
  };
  for (int i = 1; i < argc; ++i) {
    if (!std::strncmp(argv[i], "--rtol=", 7)) {
      if (!number("--rtol", argv[i] + 7, rtol))
        return 1;
    } else if (!std::strncmp(argv[i], "--atol=", 7)) {
      if (!number("--atol", argv[i] + 7, atol))
        return 1;
    } else if (!std::strncmp(argv[i], "--peak-tol=", 11)) {
      if (!number("--peak-tol", argv[i] + 11, peakTol))
        return 1;
    } else if (!std::strncmp(argv[i], "--min-cosine=", 13)) {
      if (!number("--min-cosine", argv[i] + 13, minCosine))
        return 1;
    } else if (!std::strncmp(argv[i], "--outputs=", 10))
      outputsJson = argv[i] + 10;
    else if (argv[i][0] == '-') {
      std::fprintf(stderr, "npu-compare: error: unknown option '%s'\n",
                   argv[i]);
      return 1;
    } else
      files.push_back(argv[i]);
  }
  bool readError = false;
  if (outputsJson.empty()) {
    if (files.size() != 2) {
      std::fprintf(stderr,
                   "usage: npu-compare ACTUAL EXPECTED [--rtol=R] "
                   "[--atol=A] [--peak-tol=T] [--min-cosine=C]\n       "
                   "npu-compare --outputs=OUTPUTS.json EXPECTED... [--rtol=R] "
                   "[--atol=A] [--peak-tol=T] [--min-cosine=C]\n");
      return 1;
    }
    return compareFiles(files[0], files[1], rtol, atol, peakTol, minCosine,
                        readError)
               ? 0
               : 1;
  }
  std::ifstream in(outputsJson);
  nlohmann::json list =
      nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!list.is_array()) {
    std::fprintf(stderr, "npu-compare: error: %s: not an outputs.json list\n",
                 outputsJson.c_str());
    return 1;
  }
  if (list.size() != files.size()) {
    std::printf("npu-compare: MISMATCH: %zu outputs, %zu expected\n",
                list.size(), files.size());
    return 1;
  }
  std::string dir = outputsJson.substr(0, outputsJson.find_last_of('/') + 1);
  bool all = true;
  for (size_t k = 0; k < files.size(); ++k) {
    const nlohmann::json &entry = list[k];
    if (!entry.is_object() || !entry.contains("file") ||
        !entry["file"].is_string()) {
      std::fprintf(stderr, "npu-compare: error: %s: entry %zu has no file\n",
                   outputsJson.c_str(), k);
      return 1;
    }
    all &= compareFiles(dir + entry["file"].get<std::string>(), files[k], rtol,
                        atol, peakTol, minCosine, readError);
    if (readError)
      return 1;
  }
  return all ? 0 : 1;
}
