//===- HostKernels.cpp - ONNX operators on the host CPU -------------------===//
//
// HostNode / HostTensorView accessors and the kernel registry. The kernels
// live in HostKernels/, one file per op family (Elementwise, Indexing,
// Reduction, Shape, Resize, Pooling, Math, Rearrange, Quantize, ...), on the
// shared machinery of HostKernels/Common.h.
//
//===----------------------------------------------------------------------===//

#include "npu/runtime/HostKernels.h"

#include "npu/runtime/Executable.h"

#include "HostKernels/Common.h"

#include <algorithm>
#include <cstring>

namespace npu::rt {

const HostAttribute *HostNode::find(std::string_view name) const {
  for (const HostAttribute &a : attributes)
    if (a.name == name)
      return &a;
  return nullptr;
}

int64_t HostNode::getInt(std::string_view name, int64_t dflt) const {
  const HostAttribute *a = find(name);
  return a && a->kind == bin::AttributeKind::Int ? a->i : dflt;
}

float HostNode::getFloat(std::string_view name, float dflt) const {
  const HostAttribute *a = find(name);
  return a && a->kind == bin::AttributeKind::Float ? a->f : dflt;
}

std::string HostNode::getString(std::string_view name, std::string dflt) const {
  const HostAttribute *a = find(name);
  return a && a->kind == bin::AttributeKind::String ? a->s : dflt;
}

const std::vector<int64_t> *HostNode::getInts(std::string_view name) const {
  const HostAttribute *a = find(name);
  return a && a->kind == bin::AttributeKind::Ints ? &a->ints : nullptr;
}

const std::vector<float> *HostNode::getFloats(std::string_view name) const {
  const HostAttribute *a = find(name);
  return a && a->kind == bin::AttributeKind::Floats ? &a->floats : nullptr;
}

uint64_t HostTensorView::numElements() const {
  uint64_t n = 1;
  for (int64_t d : shape)
    n *= uint64_t(d);
  return n;
}

uint64_t HostTensorView::sizeBytes() const {
  return numElements() * elementBytes(type);
}

namespace {
/// The registry: every op family's table (runtime/lib/HostKernels/*.cpp).
const std::vector<const HostKernel *> &kernels() {
  static const std::vector<const HostKernel *> all = [] {
    std::vector<const HostKernel *> v;
    for (hk::KernelTable t :
         {hk::elementwiseKernels(), hk::indexingKernels(),
          hk::reductionKernels(), hk::shapeKernels(), hk::resizeKernels(),
          hk::poolingKernels(), hk::mathKernels(), hk::rearrangeKernels(),
          hk::quantizeKernels(), hk::samplingKernels(), hk::textKernels(),
          hk::signalKernels(), hk::dataDependentKernels(),
          hk::controlFlowKernels()})
      for (size_t i = 0; i < t.count; ++i)
        v.push_back(&t.kernels[i]);
    return v;
  }();
  return all;
}
} // namespace

const HostKernel *lookupHostKernel(std::string_view opType) {
  for (const HostKernel *k : kernels())
    if (k->verify && opType == k->opType)
      return k;
  return nullptr;
}

bool inferHostOutputShapes(const HostKernel &kernel, const HostNode &node,
                           const std::vector<HostTensorView> &inputs,
                           const std::vector<bin::ElementType> &outputTypes,
                           std::vector<std::vector<int64_t>> &shapes,
                           std::string &why) {
  std::vector<HostTensorView> in = inputs, out(outputTypes.size());
  for (HostTensorView &v : in)
    v.data = nullptr;
  shapes.assign(outputTypes.size(), {});
  // Shapes a kernel function gave, one per output, confirmed by verify.
  auto confirm = [&](const char *what) {
    if (shapes.size() != outputTypes.size()) {
      why = node.opType + ": the kernel " + what + " " +
            std::to_string(shapes.size()) + " outputs, the node has " +
            std::to_string(outputTypes.size());
      return false;
    }
    for (size_t i = 0; i < out.size(); ++i)
      out[i].type = outputTypes[i], out[i].shape = shapes[i];
    return kernel.verify(node, in, out, why);
  };
  if (kernel.bound) { // bounded kernels: the bound
    if (!kernel.bound(node, in, shapes, why))
      return false;
    if (shapes.size() > outputTypes.size()) // trailing optional outputs
      shapes.resize(outputTypes.size());
    return confirm("bounds");
  }
  if (kernel.shapesFromData) {
    // Shapes from the parameter inputs' values.
    if (inputs.empty() || !inputs[0].present) {
      why = node.opType + ": input 0 is required";
      return false;
    }
    return kernel.shapesFromData(node, inputs, shapes, why) &&
           confirm("gives shapes of");
  }
  // {-1}: no shape yet (no real shape holds a negative dimension).
  std::vector<std::vector<int64_t>> inferred(out.size(), {-1});
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].type = outputTypes[i];
    out[i].inferredShape = &inferred[i];
  }
  auto noInference = [&] {
    why = node.opType +
          ": its output shapes cannot be inferred from its input shapes "
          "alone (" +
          why + ")";
    return false;
  };
  if (!kernel.verify(node, in, out, why))
    return noInference();
  for (size_t i = 0; i < out.size(); ++i) {
    // An output verify never gave a shape to (its checks read the view's
    // own shape) cannot be inferred.
    if (inferred[i] == std::vector<int64_t>{-1}) {
      why = "verify gave output " + std::to_string(i) + " no shape";
      return noInference();
    }
    out[i].inferredShape = nullptr;
    out[i].shape = inferred[i];
  }
  // Confirm: the ordinary verify accepts the inferred shapes.
  if (!kernel.verify(node, in, out, why))
    return noInference();
  shapes = std::move(inferred);
  return true;
}

std::vector<std::string> hostKernelOps() {
  std::vector<std::string> ops;
  for (const HostKernel *k : kernels())
    if (k->verify)
      ops.push_back(k->opType);
  std::sort(ops.begin(), ops.end());
  return ops;
}

} // namespace npu::rt
