//===- HostTensor.h - ONNX tensors held on the host at import ---*- C++ -*-===//
//
// Small constant tensors the importer reads, folds and writes back: shape
// arithmetic, Slice/Pad/Resize parameters, Constant nodes. Large weights never
// go through this type; they are copied once from the TensorProto into an
// MLIR resource blob (see rawTensorBytes).
//
//===----------------------------------------------------------------------===//

#ifndef NPU_LIB_IMPORTER_ONNX_HOSTTENSOR_H
#define NPU_LIB_IMPORTER_ONNX_HOSTTENSOR_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/LogicalResult.h"

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

namespace npu::onnx_import {

/// A dense tensor with ONNX element type `dtype`; integer and boolean elements
/// live in `ints`, floating-point elements in `reals` (exact for every ONNX
/// float type up to double).
struct HostTensor {
  int32_t dtype = onnx::TensorProto::FLOAT;
  llvm::SmallVector<int64_t> shape;
  std::vector<int64_t> ints;
  std::vector<double> reals;

  static bool isRealType(int32_t dtype);
  bool isReal() const { return isRealType(dtype); }
  int64_t size() const;
  int64_t intAt(int64_t i) const {
    return isReal() ? static_cast<int64_t>(reals[i]) : ints[i];
  }
  double realAt(int64_t i) const {
    return isReal() ? reals[i] : static_cast<double>(ints[i]);
  }
  /// Resizes the storage matching `dtype` to `n` elements.
  void resize(int64_t n);
};

/// Bytes per element of an ONNX data type in raw_data (bool is one byte);
/// 0 for types the importer does not handle (string, complex, ...).
int64_t elementByteSize(int32_t dtype);

/// Name of an ONNX data type ("FLOAT", "INT64", ...).
llvm::StringRef dataTypeName(int32_t dtype);

/// Element count of `dims`, or failure when a dimension is negative or the
/// product exceeds `limit`.
llvm::LogicalResult checkedNumElements(llvm::ArrayRef<int64_t> dims,
                                       int64_t limit, int64_t &count);

/// Returns the little-endian raw bytes of `tensor`: a view of `raw_data`
/// when the data is inline and raw (no copy); otherwise the bytes are read
/// from external data under `modelDir` or packed from the typed repeated
/// fields into `storage`. Sizes are checked against the dimensions.
llvm::LogicalResult rawTensorBytes(const onnx::TensorProto &tensor,
                                   llvm::StringRef modelDir,
                                   std::string &storage,
                                   llvm::ArrayRef<char> &bytes,
                                   std::string &error);

/// Decodes `tensor` into `out`. Fails for unsupported element types and
/// inconsistent sizes, with the reason in `error`.
llvm::LogicalResult readTensor(const onnx::TensorProto &tensor,
                               llvm::StringRef modelDir, HostTensor &out,
                               std::string &error);

/// Encodes `tensor` as a TensorProto with raw little-endian data.
void writeTensor(const HostTensor &tensor, llvm::StringRef name,
                 onnx::TensorProto &out);

} // namespace npu::onnx_import

#endif // NPU_LIB_IMPORTER_ONNX_HOSTTENSOR_H
