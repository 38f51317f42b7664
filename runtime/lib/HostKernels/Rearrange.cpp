//===- Rearrange.cpp - DepthToSpace and SpaceToDepth on the host ---------===//
//
// ONNX DepthToSpace (opset 13: blocksize, mode DCR or CRD) and SpaceToDepth
// (opset 13: blocksize) on NCHW tensors of any element type. Each is a
// 6-D transpose between two reshapes, as the operator documentation
// defines it; the NPU runs them too when its DMA boxes can (four axes).
//
//===----------------------------------------------------------------------===//

#include "Common.h"

namespace npu::rt::hk {
namespace {

using AK = bin::AttributeKind;

/// The 6-D view and permutation of the operator documentation: the input
/// reshaped to `view`, transposed by `perm`, then reshaped to the output.
struct Rearrangement {
  Shape view, perm, out;
};

bool plan(const HostNode &node, const Shape &s, bool toSpace, Rearrangement &r,
          std::string &why) {
  int64_t b = node.getInt("blocksize", 0);
  if (b < 1)
    return fail(why, node, "blocksize must be a positive integer");
  if (s.size() != 4)
    return fail(why, node, "input must have rank 4 (NCHW)");
  int64_t n = s[0], c = s[1], h = s[2], w = s[3];
  if (toSpace) {
    if (c % (b * b))
      return fail(why, node, "channels ", c, " are not a multiple of ", b * b);
    if (node.getString("mode", "DCR") == "DCR") {
      r.view = {n, b, b, c / (b * b), h, w};
      r.perm = {0, 3, 4, 1, 5, 2};
    } else {
      r.view = {n, c / (b * b), b, b, h, w};
      r.perm = {0, 1, 4, 2, 5, 3};
    }
    r.out = {n, c / (b * b), h * b, w * b};
  } else {
    if (h % b || w % b)
      return fail(why, node, "height ", h, " and width ", w,
                  " are not multiples of ", b);
    r.view = {n, c, h / b, b, w / b, b};
    r.perm = {0, 3, 5, 1, 2, 4};
    r.out = {n, c * b * b, h / b, w / b};
  }
  return true;
}

template <bool ToSpace> bool verifyRearrange(HK_VERIFY_ARGS) {
  bool attrsOk =
      ToSpace ? checkAttrs(node, {{"blocksize", AK::Int}, {"mode", AK::String}},
                           why)
              : checkAttrs(node, {{"blocksize", AK::Int}}, why);
  if (!attrsOk || !checkArity(node, in, out, 1, 1, 1, why))
    return false;
  std::string mode = node.getString("mode", "DCR");
  if (ToSpace && mode != "DCR" && mode != "CRD")
    return fail(why, node, "mode must be DCR or CRD, not '", mode, "'");
  Rearrangement r;
  return plan(node, in[0].shape, ToSpace, r, why) &&
         checkOutput(node, out, 0, in[0].type, r.out, why);
}

template <bool ToSpace> bool runRearrange(HK_RUN_ARGS) {
  Rearrangement r;
  if (!plan(node, in[0].shape, ToSpace, r, why))
    return false;
  Shape strides = stridesOf(r.view), permuted;
  for (int64_t p : r.perm)
    permuted.push_back(r.view[p]);
  size_t eb = elementBytes(in[0].type);
  uint8_t *dst = out[0].data;
  // Output elements in order: an odometer over the permuted view.
  Shape c(permuted.size(), 0);
  for (uint64_t i = 0, n = out[0].numElements(); i < n; ++i) {
    int64_t off = 0;
    for (size_t d = 0; d < c.size(); ++d)
      off += c[d] * strides[r.perm[d]];
    copyBytes(dst, in[0].data + off * eb, eb);
    dst += eb;
    for (size_t d = c.size(); d-- > 0;) {
      if (++c[d] < permuted[d])
        break;
      c[d] = 0;
    }
  }
  work.vectorOps += out[0].numElements();
  work.laneBytes = uint32_t(eb);
  return true;
}

const HostKernel kKernels[] = {
    {"DepthToSpace", verifyRearrange<true>, runRearrange<true>},
    {"SpaceToDepth", verifyRearrange<false>, runRearrange<false>},
};

} // namespace

KernelTable rearrangeKernels() {
  return {kKernels, sizeof(kKernels) / sizeof(kKernels[0])};
}

} // namespace npu::rt::hk
