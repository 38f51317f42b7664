//===- NodeAttributes.h - typed access to ONNX node attributes --*- C++ -*-===//

#ifndef NPU_LIB_IMPORTER_ONNX_NODEATTRIBUTES_H
#define NPU_LIB_IMPORTER_ONNX_NODEATTRIBUTES_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <onnx/onnx_pb.h>

#include <optional>
#include <string>

namespace npu::onnx_import {

/// Read-only, defaulted access to the attributes of one NodeProto. The ONNX
/// checker has already verified attribute types against the schema, so a
/// lookup by name with the wrong type simply returns the default.
class NodeAttributes {
public:
  explicit NodeAttributes(const onnx::NodeProto &node) : node(node) {}

  const onnx::AttributeProto *get(llvm::StringRef name) const {
    for (const auto &a : node.attribute())
      if (a.name() == name)
        return &a;
    return nullptr;
  }
  bool has(llvm::StringRef name) const { return get(name) != nullptr; }
  int64_t getInt(llvm::StringRef name, int64_t dflt) const {
    const auto *a = get(name);
    return a && a->type() == onnx::AttributeProto::INT ? a->i() : dflt;
  }
  float getFloat(llvm::StringRef name, float dflt) const {
    const auto *a = get(name);
    return a && a->type() == onnx::AttributeProto::FLOAT ? a->f() : dflt;
  }
  std::string getString(llvm::StringRef name, llvm::StringRef dflt) const {
    const auto *a = get(name);
    return a && a->type() == onnx::AttributeProto::STRING ? a->s() : dflt.str();
  }
  std::optional<llvm::SmallVector<int64_t>>
  getInts(llvm::StringRef name) const {
    const auto *a = get(name);
    if (!a || a->type() != onnx::AttributeProto::INTS)
      return std::nullopt;
    return llvm::SmallVector<int64_t>(a->ints().begin(), a->ints().end());
  }
  llvm::SmallVector<int64_t> getInts(llvm::StringRef name,
                                     llvm::ArrayRef<int64_t> dflt) const {
    auto v = getInts(name);
    return v ? *v : llvm::SmallVector<int64_t>(dflt.begin(), dflt.end());
  }
  std::optional<llvm::SmallVector<float>>
  getFloats(llvm::StringRef name) const {
    const auto *a = get(name);
    if (!a || a->type() != onnx::AttributeProto::FLOATS)
      return std::nullopt;
    return llvm::SmallVector<float>(a->floats().begin(), a->floats().end());
  }
  std::optional<llvm::SmallVector<std::string>>
  getStrings(llvm::StringRef name) const {
    const auto *a = get(name);
    if (!a)
      return std::nullopt;
    return llvm::SmallVector<std::string>(a->strings().begin(),
                                          a->strings().end());
  }
  const onnx::TensorProto *getTensor(llvm::StringRef name) const {
    const auto *a = get(name);
    return a && a->type() == onnx::AttributeProto::TENSOR ? &a->t() : nullptr;
  }

private:
  const onnx::NodeProto &node;
};

} // namespace npu::onnx_import

#endif // NPU_LIB_IMPORTER_ONNX_NODEATTRIBUTES_H
