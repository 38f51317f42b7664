//===- HostTensor.cpp - ONNX TensorProto decoding and encoding -----------===//

#include "HostTensor.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cstring>

using namespace llvm;
using onnx::TensorProto;

namespace npu::onnx_import {

bool HostTensor::isRealType(int32_t dtype) {
  return dtype == TensorProto::FLOAT || dtype == TensorProto::DOUBLE ||
         dtype == TensorProto::FLOAT16 || dtype == TensorProto::BFLOAT16;
}

int64_t HostTensor::size() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

void HostTensor::resize(int64_t n) {
  if (isReal())
    reals.assign(n, 0.0);
  else
    ints.assign(n, 0);
}

int64_t elementByteSize(int32_t dtype) {
  switch (dtype) {
  case TensorProto::FLOAT:
  case TensorProto::INT32:
  case TensorProto::UINT32:
    return 4;
  case TensorProto::DOUBLE:
  case TensorProto::INT64:
  case TensorProto::UINT64:
    return 8;
  case TensorProto::FLOAT16:
  case TensorProto::BFLOAT16:
  case TensorProto::INT16:
  case TensorProto::UINT16:
    return 2;
  case TensorProto::INT8:
  case TensorProto::UINT8:
  case TensorProto::BOOL:
    return 1;
  default:
    return 0;
  }
}

StringRef dataTypeName(int32_t dtype) {
  if (!TensorProto::DataType_IsValid(dtype))
    return "INVALID";
  // Protobuf returns a reference to its own static name.
  return TensorProto::DataType_Name(static_cast<TensorProto::DataType>(dtype));
}

LogicalResult checkedNumElements(ArrayRef<int64_t> dims, int64_t limit,
                                 int64_t &count) {
  count = 1;
  for (int64_t d : dims) {
    if (d < 0)
      return failure();
    if (d != 0 && count > limit / d)
      return failure();
    count *= d;
  }
  return success(count <= limit);
}

/// Reads `tensor`'s external data (ONNX external data spec: keys `location`,
/// `offset`, `length`, path relative to the model's directory).
static LogicalResult readExternal(const TensorProto &tensor, StringRef modelDir,
                                  int64_t expectedBytes, std::string &storage,
                                  std::string &error) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto &entry : tensor.external_data()) {
    auto parseNum = [&](int64_t &v) {
      return !StringRef(entry.value()).getAsInteger(10, v) && v >= 0;
    };
    if (entry.key() == "location")
      location = entry.value();
    else if (entry.key() == "offset" && !parseNum(offset))
      return error = "bad external data offset '" + entry.value() + "'",
             failure();
    else if (entry.key() == "length" && !parseNum(length))
      return error = "bad external data length '" + entry.value() + "'",
             failure();
  }
  if (location.empty())
    return error = "external data without a location", failure();
  if (sys::path::is_absolute(location) || StringRef(location).contains(".."))
    return error = "external data location '" + location +
                   "' must be relative to the model's directory",
           failure();
  SmallString<256> path(modelDir);
  sys::path::append(path, location);
  auto buffer = MemoryBuffer::getFile(path, /*IsText=*/false,
                                      /*RequiresNullTerminator=*/false);
  if (!buffer)
    return error = ("cannot read external data '" + path +
                    "': " + buffer.getError().message())
                       .str(),
           failure();
  int64_t fileSize = (*buffer)->getBufferSize();
  if (length < 0)
    length = expectedBytes;
  if (length != expectedBytes || offset > fileSize ||
      length > fileSize - offset)
    return error = ("external data '" + location + "' holds " +
                    Twine(fileSize) + " bytes; tensor needs " +
                    Twine(expectedBytes) + " at offset " + Twine(offset))
                       .str(),
           failure();
  storage.assign((*buffer)->getBufferStart() + offset, length);
  return success();
}

LogicalResult rawTensorBytes(const TensorProto &tensor, StringRef modelDir,
                             std::string &storage, ArrayRef<char> &bytes,
                             std::string &error) {
  int32_t dtype = tensor.data_type();
  int64_t elemSize = elementByteSize(dtype);
  if (elemSize == 0)
    return error =
               ("unsupported tensor element type " + dataTypeName(dtype)).str(),
           failure();
  SmallVector<int64_t> dims(tensor.dims().begin(), tensor.dims().end());
  int64_t count;
  if (failed(checkedNumElements(dims, (int64_t(1) << 40) / elemSize, count)))
    return error = "tensor dimensions are negative or too large", failure();
  int64_t expected = count * elemSize;

  if (tensor.data_location() == TensorProto::EXTERNAL) {
    if (failed(readExternal(tensor, modelDir, expected, storage, error)))
      return failure();
    bytes = ArrayRef<char>(storage.data(), storage.size());
    return success();
  }
  if (tensor.has_raw_data()) {
    if (static_cast<int64_t>(tensor.raw_data().size()) != expected)
      return error = ("raw data holds " + Twine(tensor.raw_data().size()) +
                      " bytes; dimensions need " + Twine(expected))
                         .str(),
             failure();
    bytes = ArrayRef<char>(tensor.raw_data().data(), tensor.raw_data().size());
    return success();
  }

  // Typed repeated fields, as the ONNX TensorProto documentation assigns
  // them: the field must hold every element before any byte is allocated
  // (a few bytes of file must not declare gigabytes).
  int64_t have;
  switch (dtype) {
  case TensorProto::FLOAT:
    have = tensor.float_data_size();
    break;
  case TensorProto::DOUBLE:
    have = tensor.double_data_size();
    break;
  case TensorProto::INT64:
    have = tensor.int64_data_size();
    break;
  case TensorProto::UINT32:
  case TensorProto::UINT64:
    have = tensor.uint64_data_size();
    break;
  default:
    have = tensor.int32_data_size();
    break;
  }
  if (have != count)
    return error = ("tensor has " + Twine(have) +
                    " elements; dimensions need " + Twine(count))
                       .str(),
           failure();
  storage.assign(expected, '\0');
  char *dst = storage.data();
  switch (dtype) {
  case TensorProto::FLOAT:
    if (expected) // an empty repeated field's data() is null
      std::memcpy(dst, tensor.float_data().data(), expected);
    break;
  case TensorProto::DOUBLE:
    if (expected)
      std::memcpy(dst, tensor.double_data().data(), expected);
    break;
  case TensorProto::INT64:
    if (expected)
      std::memcpy(dst, tensor.int64_data().data(), expected);
    break;
  case TensorProto::UINT32:
  case TensorProto::UINT64:
    for (int64_t i = 0; i < count; ++i) {
      uint64_t v = tensor.uint64_data(i);
      std::memcpy(dst + i * elemSize, &v, elemSize); // little-endian host
    }
    break;
  default: // int32_data carries INT32/16/8, UINT16/8, BOOL, FLOAT16, BFLOAT16
    for (int64_t i = 0; i < count; ++i) {
      int32_t v = tensor.int32_data(i);
      std::memcpy(dst + i * elemSize, &v, elemSize);
    }
    break;
  }
  bytes = ArrayRef<char>(storage.data(), storage.size());
  return success();
}

static double halfToDouble(uint16_t bits, bool bfloat) {
  APFloat f(bfloat ? APFloat::BFloat() : APFloat::IEEEhalf(), APInt(16, bits));
  return f.convertToDouble();
}

static uint16_t doubleToHalf(double v, bool bfloat) {
  APFloat f(v);
  bool lost;
  f.convert(bfloat ? APFloat::BFloat() : APFloat::IEEEhalf(),
            APFloat::rmNearestTiesToEven, &lost);
  return static_cast<uint16_t>(f.bitcastToAPInt().getZExtValue());
}

LogicalResult readTensor(const TensorProto &tensor, StringRef modelDir,
                         HostTensor &out, std::string &error) {
  std::string storage;
  ArrayRef<char> bytes;
  if (failed(rawTensorBytes(tensor, modelDir, storage, bytes, error)))
    return failure();
  out.dtype = tensor.data_type();
  out.shape.assign(tensor.dims().begin(), tensor.dims().end());
  int64_t n = out.size();
  out.resize(n);
  const char *p = bytes.data();
  auto load = [&](auto tag, int64_t i) {
    decltype(tag) v;
    std::memcpy(&v, p + i * sizeof(v), sizeof(v));
    return v;
  };
  for (int64_t i = 0; i < n; ++i) {
    switch (out.dtype) {
    case TensorProto::FLOAT:
      out.reals[i] = load(float(), i);
      break;
    case TensorProto::DOUBLE:
      out.reals[i] = load(double(), i);
      break;
    case TensorProto::FLOAT16:
      out.reals[i] = halfToDouble(load(uint16_t(), i), false);
      break;
    case TensorProto::BFLOAT16:
      out.reals[i] = halfToDouble(load(uint16_t(), i), true);
      break;
    case TensorProto::INT64:
      out.ints[i] = load(int64_t(), i);
      break;
    case TensorProto::UINT64:
      out.ints[i] = static_cast<int64_t>(load(uint64_t(), i));
      break;
    case TensorProto::INT32:
      out.ints[i] = load(int32_t(), i);
      break;
    case TensorProto::UINT32:
      out.ints[i] = load(uint32_t(), i);
      break;
    case TensorProto::INT16:
      out.ints[i] = load(int16_t(), i);
      break;
    case TensorProto::UINT16:
      out.ints[i] = load(uint16_t(), i);
      break;
    case TensorProto::INT8:
      out.ints[i] = load(int8_t(), i);
      break;
    case TensorProto::UINT8:
      out.ints[i] = load(uint8_t(), i);
      break;
    case TensorProto::BOOL:
      out.ints[i] = load(uint8_t(), i) != 0;
      break;
    default:
      return error =
                 ("unsupported tensor element type " + dataTypeName(out.dtype))
                     .str(),
             failure();
    }
  }
  return success();
}

void writeTensor(const HostTensor &tensor, StringRef name, TensorProto &out) {
  out.Clear();
  out.set_name(name.str());
  out.set_data_type(tensor.dtype);
  for (int64_t d : tensor.shape)
    out.add_dims(d);
  int64_t n = tensor.size(), elemSize = elementByteSize(tensor.dtype);
  std::string raw(n * elemSize, '\0');
  char *p = raw.data();
  auto store = [&](auto v, int64_t i) {
    std::memcpy(p + i * sizeof(v), &v, sizeof(v));
  };
  for (int64_t i = 0; i < n; ++i) {
    switch (tensor.dtype) {
    case TensorProto::FLOAT:
      store(static_cast<float>(tensor.reals[i]), i);
      break;
    case TensorProto::DOUBLE:
      store(tensor.reals[i], i);
      break;
    case TensorProto::FLOAT16:
      store(doubleToHalf(tensor.reals[i], false), i);
      break;
    case TensorProto::BFLOAT16:
      store(doubleToHalf(tensor.reals[i], true), i);
      break;
    case TensorProto::INT64:
    case TensorProto::UINT64:
      store(tensor.ints[i], i);
      break;
    case TensorProto::INT32:
    case TensorProto::UINT32:
      store(static_cast<int32_t>(tensor.ints[i]), i);
      break;
    case TensorProto::INT16:
    case TensorProto::UINT16:
      store(static_cast<int16_t>(tensor.ints[i]), i);
      break;
    default:
      store(static_cast<int8_t>(tensor.ints[i]), i);
      break;
    }
  }
  out.set_raw_data(std::move(raw));
}

} // namespace npu::onnx_import
