//===- ControlFlow.cpp - the importer's control-flow host kernels ---------===//
//
// Not ONNX ops: the importer writes these while it removes `If` and `Loop`
// (lib/Importer/Onnx/ControlFlow.cpp, docs/heterogeneous.md "Control
// flow"). ONNX's checker refuses them in a model file, so only the importer
// makes them; `npu-compile --list-ops` leaves them out.
//
//   SelectBranch
//               one output of a data-dependent `If` whose branches give
//               different shapes, both branches computed. Inputs (cond,
//               then, else): cond a one-element BOOL tensor, then and else
//               of one element type and one rank. The output is `then` when
//               cond is true and `else` otherwise, in that input's shape, as
//               ONNX Runtime's If gives it. Bound (HostKernel::bound): the
//               larger extent per axis.
//   CheckLoopBound
//               a `Loop` unrolled to the bound `--max-trip-count` gave it,
//               its trip count known only at run time. Inputs (over, value):
//               over a one-element BOOL tensor, true when the loop would
//               run an iteration past the bound; value any tensor. Attribute
//               `bound` (INT, >= 0): the iterations unrolled, for the
//               message. The output is `value`; a true `over` stops the run
//               with one line instead of a result that would be wrong.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include <algorithm>

namespace npu::rt::hk {
namespace {

/// Input `i` is a one-element BOOL tensor.
bool checkFlag(const HostNode &node, const Tensors &in, size_t i,
               const char *what, std::string &why) {
  if (in[i].type != ElementType::Bool || in[i].numElements() != 1)
    return fail(why, node, what, " must be a one-element BOOL tensor, got ",
                typeStr(in[i].type), " ", shapeStr(in[i].shape));
  return true;
}

//===----------------------------------------------------------------------===//
// SelectBranch
//===----------------------------------------------------------------------===//

bool boundSelectBranch(HK_BOUND_ARGS) {
  if (!checkAttrs(node, {}, why))
    return false;
  if (in.size() != 3 || !in[0].present || !in[1].present || !in[2].present)
    return fail(why, node, "expects 3 inputs (cond, then, else), got ",
                in.size());
  if (!checkFlag(node, in, 0, "cond", why) ||
      !checkType(node, in, 1, kAllTypes, why) ||
      !checkSameType(node, in, 1, 2, why))
    return false;
  const Shape &a = in[1].shape, &b = in[2].shape;
  if (a.size() != b.size())
    return fail(why, node, "the branches' ranks differ: ", shapeStr(a), " and ",
                shapeStr(b));
  Shape bound(a.size());
  for (size_t d = 0; d < a.size(); ++d)
    bound[d] = std::max(a[d], b[d]);
  bounds = {bound};
  return true;
}

bool verifySelectBranch(HK_VERIFY_ARGS) {
  Bounds b;
  return checkArity(node, in, out, 3, 3, 1, why) &&
         boundSelectBranch(node, in, b, why) &&
         checkOutput(node, out, 0, in[1].type, b[0], why);
}

bool runSelectBranch(HK_RUN_ARGS) {
  const HostTensorView &taken =
      Elem<Bool8>::load(in[0].data, 0) ? in[1] : in[2];
  copyBytes(out[0].data, taken.data, taken.sizeBytes());
  work.vectorOps += taken.numElements();
  work.laneBytes = uint32_t(elementBytes(taken.type));
  work.outputShapes = {taken.shape};
  return true;
}

//===----------------------------------------------------------------------===//
// CheckLoopBound
//===----------------------------------------------------------------------===//

bool verifyCheckLoopBound(HK_VERIFY_ARGS) {
  if (!checkAttrs(node, {{"bound", bin::AttributeKind::Int}}, why) ||
      !checkArity(node, in, out, 2, 2, 1, why) ||
      !checkFlag(node, in, 0, "over", why) ||
      !checkType(node, in, 1, kAllTypes, why))
    return false;
  if (!node.find("bound") || node.getInt("bound", -1) < 0)
    return fail(why, node, "needs a non-negative 'bound' attribute");
  return checkOutput(node, out, 0, in[1].type, in[1].shape, why);
}

bool runCheckLoopBound(HK_RUN_ARGS) {
  if (Elem<Bool8>::load(in[0].data, 0))
    return fail(why, node, "the Loop needs more than the ",
                node.getInt("bound", 0),
                " iterations it was unrolled for (npu-compile "
                "--max-trip-count)");
  copyBytes(out[0].data, in[1].data, in[1].sizeBytes());
  work.vectorOps += in[1].numElements();
  work.laneBytes = uint32_t(elementBytes(in[1].type));
  return true;
}

const HostKernel kKernels[] = {
    {"CheckLoopBound", verifyCheckLoopBound, runCheckLoopBound},
    {"SelectBranch", verifySelectBranch, runSelectBranch, boundSelectBranch},
};

} // namespace

KernelTable controlFlowKernels() {
  return {kKernels, sizeof(kKernels) / sizeof(kKernels[0])};
}

} // namespace npu::rt::hk
