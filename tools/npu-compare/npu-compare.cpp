//===- npu-compare.cpp - compare a result with a reference tensor --------===//
//
// npu-compare ACTUAL EXPECTED [--rtol=R] [--atol=A]
//
// Both files are .npy or ONNX TensorProto .pb. Shapes and element types must
// match; floats pass when |actual - expected| <= atol + rtol * |expected| for
// every element (numpy.testing.assert_allclose, which ONNX's backend tests
// use with rtol = 1e-3, atol = 1e-7, the defaults here), NaN matching NaN;
// integers and booleans must be equal. Prints one line; exit code 0 when the
// tensors match, 1 when they do not or a file cannot be read.
//
//===----------------------------------------------------------------------===//

#include "../common/TensorFiles.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace npu::rt;
namespace bin = npu::bin;

namespace {

double element(const NpyArray &a, size_t i) {
  const uint8_t *p = a.data.data() + i * elementBytes(a.type);
  switch (a.type) {
  case bin::ElementType::F32: {
    float f;
    std::memcpy(&f, p, 4);
    return f;
  }
  case bin::ElementType::I32: {
    int32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }
  case bin::ElementType::I64: {
    int64_t v;
    std::memcpy(&v, p, 8);
    return double(v);
  }
  case bin::ElementType::I8:
    return int8_t(*p);
  case bin::ElementType::U8:
  case bin::ElementType::Bool:
    return *p;
  case bin::ElementType::F16:
    return NAN; // not produced by the NPU
  }
  return NAN;
}

std::string shapeStr(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

} // namespace

int main(int argc, char **argv) {
  double rtol = 1e-3, atol = 1e-7;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    if (!std::strncmp(argv[i], "--rtol=", 7))
      rtol = std::atof(argv[i] + 7);
    else if (!std::strncmp(argv[i], "--atol=", 7))
      atol = std::atof(argv[i] + 7);
    else if (argv[i][0] == '-') {
      std::fprintf(stderr, "npu-compare: error: unknown option '%s'\n",
                   argv[i]);
      return 1;
    } else
      files.push_back(argv[i]);
  }
  if (files.size() != 2) {
    std::fprintf(stderr,
                 "usage: npu-compare ACTUAL EXPECTED [--rtol=R] [--atol=A]\n");
    return 1;
  }
  NpyArray actual, expected;
  std::string error;
  for (auto [file, array] :
       {std::pair{&files[0], &actual}, {&files[1], &expected}})
    if (!npu::tools::readTensorFile(*file, *array, error)) {
      std::fprintf(stderr, "npu-compare: error: %s: %s\n", file->c_str(),
                   error.c_str());
      return 1;
    }
  if (actual.type != expected.type || actual.shape != expected.shape) {
    std::printf("npu-compare: MISMATCH: %s%s vs expected %s%s\n",
                elementTypeName(actual.type), shapeStr(actual.shape).c_str(),
                elementTypeName(expected.type),
                shapeStr(expected.shape).c_str());
    return 1;
  }
  size_t n =
      actual.data.size() / std::max<uint32_t>(1, elementBytes(actual.type));
  bool isFloat = actual.type == bin::ElementType::F32;
  double maxAbs = 0, maxRel = 0;
  size_t bad = 0, first = 0;
  for (size_t i = 0; i < n; ++i) {
    double a = element(actual, i), e = element(expected, i);
    bool ok;
    if (isFloat) {
      ok = (std::isnan(a) && std::isnan(e)) || (a == e) ||
           std::fabs(a - e) <= atol + rtol * std::fabs(e);
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
    return 1;
  }
  std::printf("npu-compare: OK: %zu elements, max abs error %.3g, max rel "
              "error %.3g (rtol %g, atol %g)\n",
              n, maxAbs, maxRel, rtol, atol);
  return 0;
}
