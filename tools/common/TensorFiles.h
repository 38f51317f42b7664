//===- TensorFiles.h - reading .npy and ONNX TensorProto files ---*- C++
//-*-===//
//
// Shared by npu-run and npu-compare. Links the runtime alone: no protobuf,
// no ONNX, no LLVM or MLIR (TensorProto's wire format is decoded here).
//
//===----------------------------------------------------------------------===//

#ifndef NPU_TOOLS_COMMON_TENSORFILES_H
#define NPU_TOOLS_COMMON_TENSORFILES_H

#include "npu/runtime/Npy.h"

#include <string>

namespace npu::tools {

/// Decodes a serialized ONNX TensorProto (onnx.proto; protobuf's wire
/// format, packed or unpacked repeated fields): raw or typed data of every
/// numeric type and BOOL, row-major in `out.shape` (its dims). Malformed
/// bytes, an unsupported data_type or a data size that disagrees with the
/// dims give false and one line in `error`.
bool parseTensorProto(const uint8_t *bytes, size_t size, rt::NpyArray &out,
                      std::string &error);

/// Reads an ONNX TensorProto file (.pb, what ONNX's test data uses) with
/// parseTensorProto.
bool readTensorProto(const std::string &path, rt::NpyArray &out,
                     std::string &error);

/// Reads `path` as a TensorProto when it ends in ".pb", else as .npy.
bool readTensorFile(const std::string &path, rt::NpyArray &out,
                    std::string &error);

/// Reinterprets `array` as `want` when only the name differs: a UINT16 array
/// holding bfloat16 bit patterns (ONNX 1.12's test data stores BFLOAT16
/// tensors that way, and NumPy has no bfloat16). True when `array` now has
/// element type `want`.
bool matchElementType(bin::ElementType want, rt::NpyArray &array);

} // namespace npu::tools

#endif // NPU_TOOLS_COMMON_TENSORFILES_H
