//===- HostKernels.h - ONNX operators on the SoC's host CPU -----*- C++ -*-===//
//
// The kernels the host CPU runs for the ONNX nodes the NPU cannot execute
// (heterogeneous execution, docs/heterogeneous.md). Each kernel follows the
// ONNX operator documentation exactly (onnx/docs/Operators.md, opsets 7-17):
// every numeric element type the operator allows, multidirectional
// (NumPy) broadcasting, negative axes.
//
// A kernel has two halves. `verify` runs at compile time (the compiler asks
// before it places a node on the host) and again when the runtime loads an
// executable: it checks arity, element types, attributes and that the output
// shapes and types are the ones ONNX defines for the inputs, so `run` can
// index its operands freely. `run` computes the outputs and stops with one
// line on bad data (an index out of range), never reading or writing outside
// its operands.
//
// No LLVM or MLIR here: the runtime is a standalone library.
//
//===----------------------------------------------------------------------===//

#ifndef NPU_RUNTIME_HOSTKERNELS_H
#define NPU_RUNTIME_HOSTKERNELS_H

#include "npu/runtime/npubin_generated.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace npu::rt {

/// One ONNX attribute (the kinds host kernels use).
struct HostAttribute {
  std::string name;
  bin::AttributeKind kind = bin::AttributeKind::Int;
  int64_t i = 0;
  float f = 0;
  std::string s;
  std::vector<int64_t> ints;
  std::vector<float> floats;
};

/// An ONNX node as a host kernel sees it: op type, the model's default-domain
/// opset, and its attributes (absent ones take ONNX's defaults in the kernel).
struct HostNode {
  std::string opType;
  int64_t opset = 17;
  std::vector<HostAttribute> attributes;

  const HostAttribute *find(std::string_view name) const;
  /// The attribute's value, or `dflt` when absent. A present attribute of
  /// another kind also yields `dflt`: `verify` checks kinds first.
  int64_t getInt(std::string_view name, int64_t dflt) const;
  float getFloat(std::string_view name, float dflt) const;
  std::string getString(std::string_view name, std::string dflt) const;
  /// Null when absent.
  const std::vector<int64_t> *getInts(std::string_view name) const;
  const std::vector<float> *getFloats(std::string_view name) const;
};

/// One operand: element type and shape always; `data` (dense, row-major,
/// little-endian, numElements() * elementBytes(type) bytes) at run time,
/// null in `verify`. An absent optional input has present == false.
struct HostTensorView {
  bool present = true;
  bin::ElementType type = bin::ElementType::F32;
  std::vector<int64_t> shape;
  uint8_t *data = nullptr;
  /// Shape inference (inferHostOutputShapes): on an output view, `verify`
  /// stores the shape ONNX gives for the inputs here instead of comparing
  /// it with `shape`. Null otherwise.
  std::vector<int64_t> *inferredShape = nullptr;

  /// Product of the dimensions (1 for a scalar). Callers have checked that
  /// it, and the byte size, fit in 2^40.
  uint64_t numElements() const;
  uint64_t sizeBytes() const;
};

/// What a run did, for the host's cycle and energy model (Target.h,
/// HostDesc): `vectorOps` element operations of `laneBytes`-wide elements
/// (a vectorised loop: SIMD width / laneBytes of them per instruction) plus
/// `scalarOps` operations that do not vectorise (index chasing, sorting).
/// Operand bytes are counted by the caller, not here.
struct HostWork {
  uint64_t vectorOps = 0;
  uint32_t laneBytes = 4;
  uint64_t scalarOps = 0;
  /// Kernels whose output shapes depend on data (HostKernel::bound): the
  /// shape each output actually has, one entry per output, every dimension
  /// at most its bound's. The output's elements are dense and row-major in
  /// that shape from the start of its buffer. Empty for other kernels.
  std::vector<std::vector<int64_t>> outputShapes;
};

struct HostKernel {
  /// ONNX op type in the default domain.
  const char *opType;
  /// Compile and load time (data null): arity, element types, attribute
  /// kinds and values, and that `outputs` have exactly the types and shapes
  /// ONNX gives for `inputs`. False with one line in `why` otherwise.
  bool (*verify)(const HostNode &node,
                 const std::vector<HostTensorView> &inputs,
                 const std::vector<HostTensorView> &outputs, std::string &why);
  /// Run time, after a successful `verify` with the same types and shapes:
  /// writes every output. False with one line in `why` on bad data.
  bool (*run)(const HostNode &node, const std::vector<HostTensorView> &inputs,
              const std::vector<HostTensorView> &outputs, HostWork &work,
              std::string &why);
  /// Only for ops whose output shapes depend on the input data (NonZero,
  /// Unique, Compress, NonMaxSuppression; null for every other kernel): the
  /// largest shape each output can take, from the inputs' types and shapes
  /// and the attributes alone (never their data), so the compiler and the
  /// loader agree on it. Buffers are planned at these bounds; `verify`
  /// checks that `outputs` have exactly them, and `run` records the shapes
  /// it produced in HostWork::outputShapes. False with one line in `why`
  /// when the inputs are not acceptable.
  bool (*bound)(const HostNode &node, const std::vector<HostTensorView> &inputs,
                std::vector<std::vector<int64_t>> &bounds,
                std::string &why) = nullptr;
  /// Only for ops whose output shapes follow from the values of a
  /// parameter input (Reshape's shape, Slice's starts, ends, axes and steps,
  /// Squeeze's and Unsqueeze's and ReduceSum's axes, TopK's K, Expand's
  /// shape, Tile's repeats; null for every other kernel): the output shapes
  /// for `inputs`, whose parameter inputs carry their data (the others need
  /// not). inferHostOutputShapes uses it; `run` still checks its outputs
  /// against the data. False with one line in `why`, also when a parameter
  /// input has no data.
  bool (*shapesFromData)(const HostNode &node,
                         const std::vector<HostTensorView> &inputs,
                         std::vector<std::vector<int64_t>> &shapes,
                         std::string &why) = nullptr;
};

/// ONNX shape inference through a kernel's `verify` (data null): the shape
/// of every output of `node` for `inputs` (types and shapes), the outputs
/// having element types `outputTypes`. A kernel with a `bound` gives its
/// bound; one with `shapesFromData` computes them from its parameter
/// inputs' data (which `inputs` must then carry), confirmed by `verify`. This
/// is how values of data-dependent shape flow through host ops: the compiler
/// plans a reader of such a value at the shapes inferred from its inputs'
/// bounds, and the runtime infers the reader's actual output shapes from its
/// inputs' actual ones before it runs. False with one line in `why` when
/// `verify` refuses the inputs, or when an output's shape depends on the
/// inputs' data (Range's limits) and the kernel has no `shapesFromData`, or its
/// parameter inputs carry none.
bool inferHostOutputShapes(const HostKernel &kernel, const HostNode &node,
                           const std::vector<HostTensorView> &inputs,
                           const std::vector<bin::ElementType> &outputTypes,
                           std::vector<std::vector<int64_t>> &shapes,
                           std::string &why);

/// The kernel for ONNX op `opType`, or null when the host has none.
const HostKernel *lookupHostKernel(std::string_view opType);

/// Every op type with a host kernel, sorted.
std::vector<std::string> hostKernelOps();

} // namespace npu::rt

#endif // NPU_RUNTIME_HOSTKERNELS_H
