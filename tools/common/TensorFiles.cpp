//===- TensorFiles.cpp - reading .npy and ONNX TensorProto files ---------===//

#include "TensorFiles.h"

#include <onnx/onnx_pb.h>

#include <cstring>
#include <fstream>

using namespace npu::rt;
namespace bin = npu::bin;

namespace npu::tools {

/// Reads an ONNX TensorProto (.pb) into `out`.
bool readTensorProto(const std::string &path, NpyArray &out,
                     std::string &error) {
  std::vector<uint8_t> file;
  if (!readFileBytes(path, uint64_t(1) << 31, file, error))
    return false;
  onnx::TensorProto t;
  if (!t.ParseFromArray(file.data(), int(file.size()))) {
    error = "not a readable ONNX TensorProto";
    return false;
  }
  std::optional<bin::ElementType> type = elementTypeOfOnnx(t.data_type());
  if (!type) {
    error = "TensorProto element type " + std::to_string(t.data_type()) +
            " is not supported";
    return false;
  }
  out.type = *type;
  uint64_t count = 1;
  for (int64_t d : t.dims()) {
    if (d < 0 || d > (int64_t(1) << 32)) {
      error = "TensorProto has a bad dimension";
      return false;
    }
    out.shape.push_back(d);
    count *= uint64_t(d);
    if (count > (uint64_t(1) << 32)) {
      error = "TensorProto is too large";
      return false;
    }
  }
  size_t eb = elementBytes(out.type), bytes = count * eb;
  if (t.has_raw_data()) {
    if (t.raw_data().size() != bytes) {
      error = "TensorProto raw data size disagrees with its shape";
      return false;
    }
    out.data.assign(t.raw_data().begin(), t.raw_data().end());
    return true;
  }
  out.data.assign(bytes, 0);
  // The typed fields (onnx.proto): each value is stored in the element's
  // own width, little-endian; FLOAT16/BFLOAT16 keep their bits in int32_data.
  auto copyField = [&](const auto &field) {
    if (size_t(field.size()) != count) {
      error = "TensorProto element count disagrees with its shape";
      return false;
    }
    for (size_t i = 0; i < count; ++i) {
      auto v = field.Get(int(i));
      uint8_t *dst = &out.data[i * eb];
      auto put = [&](auto x) { std::memcpy(dst, &x, sizeof(x)); };
      switch (out.type) {
      case bin::ElementType::F32:
        put(float(v));
        break;
      case bin::ElementType::F64:
        put(double(v));
        break;
      case bin::ElementType::I64:
      case bin::ElementType::U64:
        put(uint64_t(v));
        break;
      case bin::ElementType::I32:
      case bin::ElementType::U32:
        put(uint32_t(v));
        break;
      case bin::ElementType::I16:
      case bin::ElementType::U16:
      case bin::ElementType::F16:
      case bin::ElementType::BF16:
        put(uint16_t(v));
        break;
      default:
        *dst = uint8_t(v);
      }
    }
    return true;
  };
  switch (out.type) {
  case bin::ElementType::F32:
    return copyField(t.float_data());
  case bin::ElementType::F64:
    return copyField(t.double_data());
  case bin::ElementType::I64:
    return copyField(t.int64_data());
  case bin::ElementType::U32:
  case bin::ElementType::U64:
    return copyField(t.uint64_data());
  default:
    return copyField(t.int32_data());
  }
}

bool matchElementType(bin::ElementType want, NpyArray &array) {
  if (want == bin::ElementType::BF16 && array.type == bin::ElementType::U16)
    array.type = want;
  return array.type == want;
}

bool readTensorFile(const std::string &path, NpyArray &out,
                    std::string &error) {
  bool pb = path.size() >= 3 && path.compare(path.size() - 3, 3, ".pb") == 0;
  return pb ? readTensorProto(path, out, error) : readNpy(path, out, error);
}

} // namespace npu::tools
