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
  std::ifstream in(path, std::ios::binary);
  onnx::TensorProto t;
  if (!in || !t.ParseFromIstream(&in)) {
    error = "not a readable ONNX TensorProto";
    return false;
  }
  switch (t.data_type()) {
  case onnx::TensorProto::FLOAT:
    out.type = bin::ElementType::F32;
    break;
  case onnx::TensorProto::INT8:
    out.type = bin::ElementType::I8;
    break;
  case onnx::TensorProto::UINT8:
    out.type = bin::ElementType::U8;
    break;
  case onnx::TensorProto::INT32:
    out.type = bin::ElementType::I32;
    break;
  case onnx::TensorProto::INT64:
    out.type = bin::ElementType::I64;
    break;
  case onnx::TensorProto::BOOL:
    out.type = bin::ElementType::Bool;
    break;
  default:
    error = "TensorProto element type " + std::to_string(t.data_type()) +
            " is not supported";
    return false;
  }
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
  auto copyField = [&](const auto &field) {
    if (size_t(field.size()) != count) {
      error = "TensorProto element count disagrees with its shape";
      return false;
    }
    for (size_t i = 0; i < count; ++i) {
      auto v = field.Get(int(i));
      switch (out.type) {
      case bin::ElementType::F32: {
        float f = float(v);
        std::memcpy(&out.data[i * 4], &f, 4);
        break;
      }
      case bin::ElementType::I64: {
        int64_t x = int64_t(v);
        std::memcpy(&out.data[i * 8], &x, 8);
        break;
      }
      case bin::ElementType::I32: {
        int32_t x = int32_t(v);
        std::memcpy(&out.data[i * 4], &x, 4);
        break;
      }
      default:
        out.data[i] = uint8_t(v);
      }
    }
    return true;
  };
  if (out.type == bin::ElementType::F32)
    return copyField(t.float_data());
  if (out.type == bin::ElementType::I64)
    return copyField(t.int64_data());
  return copyField(t.int32_data());
}

bool readTensorFile(const std::string &path, NpyArray &out,
                    std::string &error) {
  bool pb = path.size() >= 3 && path.compare(path.size() - 3, 3, ".pb") == 0;
  return pb ? readTensorProto(path, out, error) : readNpy(path, out, error);
}

} // namespace npu::tools
