//===- TensorFilesTest.cpp - the tools' TensorProto decoder vs protobuf ---===//
//
// npu-run and npu-compare decode ONNX TensorProto files without protobuf
// (tools/common/TensorFiles.cpp). These tests serialize TensorProtos with
// protobuf and ONNX's generated classes and check the decoder's values,
// and that it accepts exactly the byte strings protobuf's parser accepts.
//
//===----------------------------------------------------------------------===//

#include "../../../tools/common/TensorFiles.h"

#include <onnx/onnx_pb.h>

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

using namespace npu;

namespace {

std::vector<uint8_t> serialize(const onnx::TensorProto &t) {
  std::string s = t.SerializeAsString();
  return std::vector<uint8_t>(s.begin(), s.end());
}

rt::NpyArray decode(const std::vector<uint8_t> &bytes) {
  rt::NpyArray out;
  std::string error;
  EXPECT_TRUE(tools::parseTensorProto(bytes.data(), bytes.size(), out, error))
      << error;
  return out;
}

template <typename T> std::vector<T> values(const rt::NpyArray &a) {
  std::vector<T> v(a.data.size() / sizeof(T));
  std::memcpy(v.data(), a.data.data(), a.data.size());
  return v;
}

TEST(TensorFilesTest, TypedFieldsKeepEachElementsBits) {
  onnx::TensorProto f;
  f.set_data_type(onnx::TensorProto::FLOAT);
  f.add_dims(2);
  f.add_dims(2);
  for (float v : {1.5f, -0.0f, 3e38f, -7.25f})
    f.add_float_data(v);
  rt::NpyArray a = decode(serialize(f));
  EXPECT_EQ(a.type, bin::ElementType::F32);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 2}));
  std::vector<float> fv = values<float>(a);
  EXPECT_EQ(fv, (std::vector<float>{1.5f, -0.0f, 3e38f, -7.25f}));
  EXPECT_TRUE(std::signbit(fv[1]));

  onnx::TensorProto i8; // int8 in int32_data, negative: a 10-byte varint
  i8.set_data_type(onnx::TensorProto::INT8);
  i8.add_dims(3);
  for (int v : {-128, -1, 127})
    i8.add_int32_data(v);
  EXPECT_EQ(values<int8_t>(decode(serialize(i8))),
            (std::vector<int8_t>{-128, -1, 127}));

  onnx::TensorProto bf; // BFLOAT16 bit patterns in int32_data
  bf.set_data_type(onnx::TensorProto::BFLOAT16);
  bf.add_dims(2);
  bf.add_int32_data(0x3FC0);
  bf.add_int32_data(0xFF80);
  rt::NpyArray b = decode(serialize(bf));
  EXPECT_EQ(b.type, bin::ElementType::BF16);
  EXPECT_EQ(values<uint16_t>(b), (std::vector<uint16_t>{0x3FC0, 0xFF80}));

  onnx::TensorProto i64;
  i64.set_data_type(onnx::TensorProto::INT64);
  i64.add_dims(2);
  i64.add_int64_data(INT64_MIN);
  i64.add_int64_data(42);
  EXPECT_EQ(values<int64_t>(decode(serialize(i64))),
            (std::vector<int64_t>{INT64_MIN, 42}));

  onnx::TensorProto u32; // UINT32 in uint64_data
  u32.set_data_type(onnx::TensorProto::UINT32);
  u32.add_dims(2);
  u32.add_uint64_data(0xFFFFFFFFu);
  u32.add_uint64_data(7);
  EXPECT_EQ(values<uint32_t>(decode(serialize(u32))),
            (std::vector<uint32_t>{0xFFFFFFFFu, 7}));

  onnx::TensorProto f64;
  f64.set_data_type(onnx::TensorProto::DOUBLE);
  f64.add_double_data(-2.5); // no dims: a scalar
  rt::NpyArray d = decode(serialize(f64));
  EXPECT_TRUE(d.shape.empty());
  EXPECT_EQ(values<double>(d), (std::vector<double>{-2.5}));
}

TEST(TensorFilesTest, RawDataWinsOverTypedFields) {
  onnx::TensorProto t;
  t.set_name("x");
  t.set_doc_string("skipped");
  t.set_data_type(onnx::TensorProto::UINT16);
  t.add_dims(2);
  t.add_int32_data(9); // ignored: raw_data is present
  t.set_raw_data(std::string("\x01\x02\x03\x04", 4));
  EXPECT_EQ(values<uint16_t>(decode(serialize(t))),
            (std::vector<uint16_t>{0x0201, 0x0403}));

  onnx::TensorProto empty; // present but empty raw_data, zero elements
  empty.set_data_type(onnx::TensorProto::FLOAT);
  empty.add_dims(0);
  empty.set_raw_data("");
  EXPECT_TRUE(decode(serialize(empty)).data.empty());
}

TEST(TensorFilesTest, UnpackedRepeatedFieldsAreAccepted) {
  // dims (1) and float_data (4) written unpacked, one tag per value, as
  // protobuf's parser must accept for packed fields.
  std::vector<uint8_t> bytes = {0x08, 0x02,                 // dims: 2
                                0x10, 0x01,                 // data_type: FLOAT
                                0x25, 0,    0, 0x80, 0x3F,  // float_data: 1
                                0x25, 0,    0, 0,    0xC0}; // float_data: -2
  onnx::TensorProto ref;
  ASSERT_TRUE(ref.ParseFromArray(bytes.data(), int(bytes.size())));
  EXPECT_EQ(ref.float_data_size(), 2);
  EXPECT_EQ(values<float>(decode(bytes)), (std::vector<float>{1.0f, -2.0f}));
}

TEST(TensorFilesTest, AcceptsWhatProtobufAccepts) {
  // Every prefix and every one-byte corruption of a serialized tensor:
  // where protobuf's parser refuses the bytes, so does the decoder (and
  // where it accepts them, the decoder either agrees on the values or
  // refuses them for disagreeing with the dims).
  onnx::TensorProto t;
  t.set_name("input");
  t.set_data_type(onnx::TensorProto::INT32);
  t.add_dims(3);
  for (int v : {-5, 0, 300})
    t.add_int32_data(v);
  t.mutable_segment()->set_begin(0);
  std::vector<uint8_t> good = serialize(t);
  std::vector<std::vector<uint8_t>> variants;
  for (size_t n = 0; n <= good.size(); ++n)
    variants.emplace_back(good.begin(), good.begin() + n);
  for (size_t i = 0; i < good.size(); ++i)
    for (uint8_t b : {0x00, 0x07, 0x80, 0xFF, 0x0C, 0x1A}) {
      variants.push_back(good);
      variants.back()[i] = b;
    }
  int refusedByBoth = 0;
  for (const std::vector<uint8_t> &v : variants) {
    onnx::TensorProto ref;
    bool protobufOk = ref.ParseFromArray(v.data(), int(v.size()));
    rt::NpyArray out;
    std::string error;
    bool ok = tools::parseTensorProto(v.data(), v.size(), out, error);
    if (!protobufOk) {
      EXPECT_FALSE(ok) << "accepted bytes protobuf refuses";
      ++refusedByBoth;
    } else if (ok && ref.data_type() == onnx::TensorProto::INT32 &&
               !ref.has_raw_data()) {
      std::vector<int32_t> want(ref.int32_data().begin(),
                                ref.int32_data().end());
      EXPECT_EQ(values<int32_t>(out), want);
    }
    if (!ok) {
      EXPECT_FALSE(error.empty());
    }
  }
  EXPECT_GT(refusedByBoth, 0);
}

} // namespace
