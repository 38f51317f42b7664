//===- TensorFiles.h - reading .npy and ONNX TensorProto files ---*- C++
//-*-===//
//
// Shared by npu-run and npu-compare. Links protobuf and ONNX's generated
// message classes (for TensorProto), never LLVM or MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef NPU_TOOLS_COMMON_TENSORFILES_H
#define NPU_TOOLS_COMMON_TENSORFILES_H

#include "npu/runtime/Npy.h"

#include <string>

namespace npu::tools {

/// Reads an ONNX TensorProto (.pb, what ONNX's test data uses): raw or typed
/// data of FLOAT, INT8, UINT8, INT32, INT64 or BOOL.
bool readTensorProto(const std::string &path, rt::NpyArray &out,
                     std::string &error);

/// Reads `path` as a TensorProto when it ends in ".pb", else as .npy.
bool readTensorFile(const std::string &path, rt::NpyArray &out,
                    std::string &error);

} // namespace npu::tools

#endif // NPU_TOOLS_COMMON_TENSORFILES_H
