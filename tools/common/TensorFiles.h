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
/// data of every numeric type and BOOL.
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
