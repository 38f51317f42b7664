//===- TensorFiles.cpp - reading .npy and ONNX TensorProto files ---------===//

#include "TensorFiles.h"

#include <cstring>
#include <fstream>

using namespace npu::rt;
namespace bin = npu::bin;

namespace npu::tools {

namespace {

/// A reader of protobuf's wire format
/// (https://protobuf.dev/programming-guides/encoding/) over one message.
struct Wire {
  const uint8_t *p, *end;
  bool varint(uint64_t &v) {
    v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
      if (p == end)
        return false;
      uint8_t b = *p++;
      v |= uint64_t(b & 0x7F) << shift;
      if (!(b & 0x80))
        return true;
    }
    return false; // more than ten bytes
  }
  bool fixed(unsigned bytes, uint64_t &v) {
    if (size_t(end - p) < bytes)
      return false;
    v = 0;
    for (unsigned i = 0; i < bytes; ++i)
      v |= uint64_t(p[i]) << (8 * i);
    p += bytes;
    return true;
  }
  /// A length-delimited field's bytes.
  bool bytes(const uint8_t *&data, size_t &size) {
    uint64_t n;
    if (!varint(n) || n > uint64_t(end - p))
      return false;
    data = p;
    size = size_t(n);
    p += n;
    return true;
  }
  /// Skips the value of one field whose tag was `tag` (a group up to its
  /// end-group tag, which must carry the same field number).
  bool skip(uint64_t tag, unsigned depth = 0) {
    uint64_t v;
    const uint8_t *data;
    size_t size;
    switch (tag & 7) {
    case 0:
      return varint(v);
    case 1:
      return fixed(8, v);
    case 2:
      return bytes(data, size);
    case 5:
      return fixed(4, v);
    case 3:
      while (depth < 64) {
        uint64_t inner;
        if (!varint(inner) || (inner >> 3) == 0 || (inner >> 3) > 0x1FFFFFFF)
          return false;
        if ((inner & 7) == 4)
          return inner == tag + 1; // the same field number, wire type 4
        if (!skip(inner, depth + 1))
          return false;
      }
      return false;
    default:
      return false;
    }
  }
  /// Checks that the rest is a well-formed message (a nested one whose
  /// fields are not needed; protobuf's parser refuses a malformed one).
  bool message() {
    while (p != end) {
      uint64_t tag;
      if (!varint(tag) || (tag >> 3) == 0 || (tag >> 3) > 0x1FFFFFFF ||
          (tag & 7) == 4 || !skip(tag))
        return false;
    }
    return true;
  }
};

/// A repeated scalar field of TensorProto, packed or not (a parser must
/// accept both, and concatenate occurrences): varint or fixed-width
/// elements, kept as their 64-bit wire values.
struct RepeatedField {
  std::vector<uint64_t> values;
  /// Reads one occurrence, whose tag was `tag`; `fixedBytes` is 0 for a
  /// varint field, else 4 or 8.
  bool read(Wire &w, uint64_t tag, unsigned fixedBytes) {
    unsigned wt = unsigned(tag & 7);
    unsigned scalarWt = fixedBytes == 0 ? 0 : fixedBytes == 4 ? 5 : 1;
    uint64_t v;
    if (wt == scalarWt) {
      if (!(fixedBytes ? w.fixed(fixedBytes, v) : w.varint(v)))
        return false;
      values.push_back(v);
      return true;
    }
    if (wt != 2)
      return w.skip(tag); // another wire type: an unknown field
    const uint8_t *data;
    size_t size;
    if (!w.bytes(data, size))
      return false;
    Wire packed{data, data + size};
    if (fixedBytes) {
      if (size % fixedBytes)
        return false;
      values.reserve(values.size() + size / fixedBytes);
    }
    while (packed.p != packed.end) {
      if (!(fixedBytes ? packed.fixed(fixedBytes, v) : packed.varint(v)))
        return false;
      values.push_back(v);
    }
    return true;
  }
};

} // namespace

/// An ONNX TensorProto's serialized bytes into `out`: protobuf's wire format
/// decoded here, the fields and numbers of onnx.proto's TensorProto
/// (dims = 1, data_type = 2, float_data = 4, int32_data = 5, int64_data = 7,
/// raw_data = 9, double_data = 10, uint64_data = 11; every other field is
/// skipped), so npu-run and npu-compare need neither protobuf nor ONNX's
/// generated classes (their start-up cost was a fifth of a small model's
/// run). What protobuf's parser refuses (a truncated field, a bad wire type,
/// field number 0, a malformed nested message) is refused here too.
bool parseTensorProto(const uint8_t *bytes, size_t size, NpyArray &out,
                      std::string &error) {
  Wire w{bytes, bytes + size};
  RepeatedField dims, floats, int32s, int64s, doubles, uint64s;
  uint64_t dataType = 0;
  const uint8_t *raw = nullptr;
  size_t rawSize = 0;
  bool hasRaw = false, ok = true;
  while (ok && w.p != w.end) {
    uint64_t tag;
    if (!w.varint(tag) || (tag >> 3) == 0 || (tag >> 3) > 0x1FFFFFFF) {
      ok = false;
      break;
    }
    unsigned wt = unsigned(tag & 7);
    switch (tag >> 3) {
    case 1:
      ok = dims.read(w, tag, 0);
      break;
    case 2:
      ok = wt == 0 ? w.varint(dataType) : w.skip(tag);
      break;
    case 4:
      ok = floats.read(w, tag, 4);
      break;
    case 5:
      ok = int32s.read(w, tag, 0);
      break;
    case 7:
      ok = int64s.read(w, tag, 0);
      break;
    case 9:
      if (wt == 2) {
        ok = w.bytes(raw, rawSize);
        hasRaw = true;
      } else {
        ok = w.skip(tag);
      }
      break;
    case 10:
      ok = doubles.read(w, tag, 8);
      break;
    case 3:  // segment
    case 13: // external_data
    case 16: // metadata_props
      if (wt == 2) {
        const uint8_t *data;
        size_t size;
        ok = w.bytes(data, size) && Wire{data, data + size}.message();
      } else {
        ok = w.skip(tag);
      }
      break;
    case 11:
      ok = uint64s.read(w, tag, 0);
      break;
    default:
      ok = wt != 4 && w.skip(tag); // an end-group tag outside a group
    }
  }
  if (!ok) {
    error = "not a readable ONNX TensorProto";
    return false;
  }
  std::optional<bin::ElementType> type =
      elementTypeOfOnnx(int32_t(uint32_t(dataType)));
  if (!type) {
    error = "TensorProto element type " +
            std::to_string(int32_t(uint32_t(dataType))) + " is not supported";
    return false;
  }
  out.type = *type;
  uint64_t count = 1;
  for (uint64_t u : dims.values) {
    int64_t d = int64_t(u);
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
  size_t eb = elementBytes(out.type), dataBytes = count * eb;
  if (hasRaw) {
    if (rawSize != dataBytes) {
      error = "TensorProto raw data size disagrees with its shape";
      return false;
    }
    out.data.assign(raw, raw + rawSize);
    return true;
  }
  // The typed fields (onnx.proto): each value is stored in the element's
  // own width, little-endian; FLOAT16/BFLOAT16 keep their bits in int32_data.
  // Wire values: float_data and double_data their IEEE bits, the varint
  // fields their two's complement (an int32 sign-extended to 64 bits), so
  // the low bytes are the element's.
  const RepeatedField *field;
  switch (out.type) {
  case bin::ElementType::F32:
    field = &floats;
    break;
  case bin::ElementType::F64:
    field = &doubles;
    break;
  case bin::ElementType::I64:
    field = &int64s;
    break;
  case bin::ElementType::U32:
  case bin::ElementType::U64:
    field = &uint64s;
    break;
  default:
    field = &int32s;
  }
  if (field->values.size() != count) {
    error = "TensorProto element count disagrees with its shape";
    return false;
  }
  if (eb > sizeof(uint64_t)) {
    error = "TensorProto element type has no typed field";
    return false;
  }
  out.data.assign(dataBytes, 0);
  // The element's width of low bytes of each value (a little-endian host,
  // as everywhere in the runtime).
  for (size_t i = 0; i < count; ++i)
    std::memcpy(&out.data[i * eb], &field->values[i], eb);
  return true;
}

bool readTensorProto(const std::string &path, NpyArray &out,
                     std::string &error) {
  std::vector<uint8_t> file;
  return readFileBytes(path, uint64_t(1) << 31, file, error) &&
         parseTensorProto(file.data(), file.size(), out, error);
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
