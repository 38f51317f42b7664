//===- Shape.cpp - data movement and constant-making host kernels ---------===//
//
// Identity, Reshape (14), Flatten (13), Squeeze / Unsqueeze (1-11 axes
// attribute, 13 axes input), Concat (13), Slice (1-9 attributes, 10-13
// inputs), Expand (13), Tile (13), Transpose (13), Trilu (14), Range (11),
// EyeLike (9), Shape (15) and Size (13), after onnx/docs/Operators.md (onnx
// 1.12). They move whole elements (bytes) except Range, EyeLike, Shape and
// Size, which make values.
//
// Where the output shape depends on input data (Reshape's shape, Squeeze /
// Unsqueeze axes inputs, Slice's starts..., Expand's shape, Tile's repeats,
// Range's bounds), verify checks what the shapes alone determine and run
// checks the data yields exactly the given output shape.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include <algorithm>

namespace npu::rt::hk {
namespace {

using AK = bin::AttributeKind;

/// Calls f(counter) for each multi-index of `shape` in row-major order.
template <class F> void forEachIndex(const Shape &shape, F f) {
  uint64_t n = product(shape);
  Shape c(shape.size(), 0);
  for (uint64_t i = 0; i < n; ++i) {
    f(c);
    for (size_t d = shape.size(); d-- > 0;) {
      if (++c[d] < shape[d])
        break;
      c[d] = 0;
    }
  }
}

bool copyInput(const Tensors &in, const Tensors &out, HostWork &work) {
  copyBytes(out[0].data, in[0].data, in[0].sizeBytes());
  work.vectorOps += in[0].numElements();
  work.laneBytes = elementBytes(in[0].type);
  return true;
}
bool runCopy(HK_RUN_ARGS) { return copyInput(in, out, work); }

bool sameCount(const HostNode &node, const Tensors &in, const Tensors &out,
               std::string &why) {
  if (out[0].type != in[0].type || out[0].numElements() != in[0].numElements())
    return fail(why, node, "output ", typeStr(out[0].type), " ",
                shapeStr(out[0].shape), " does not hold input ",
                typeStr(in[0].type), " ", shapeStr(in[0].shape));
  return true;
}

//===----------------------------------------------------------------------===//
// Identity, Flatten
//===----------------------------------------------------------------------===//

bool verifyIdentity(HK_VERIFY_ARGS) {
  return checkAttrs(node, {}, why) && checkArity(node, in, out, 1, 1, 1, why) &&
         checkOutput(node, out, 0, in[0].type, in[0].shape, why);
}

/// Flatten: [prod(d[:axis]), prod(d[axis:])], axis in [-r, r], default 1.
bool verifyFlatten(HK_VERIFY_ARGS) {
  int64_t axis;
  if (!checkAttrs(node, {{"axis", AK::Int}}, why) ||
      !checkArity(node, in, out, 1, 1, 1, why) ||
      !axisAttr(node, int64_t(in[0].shape.size()), 1, axis, why, true))
    return false;
  Shape shape{int64_t(product(in[0].shape, 0, axis)),
              int64_t(product(in[0].shape, axis))};
  return checkOutput(node, out, 0, in[0].type, shape, why);
}

//===----------------------------------------------------------------------===//
// Reshape (opset 14): 0 copies the input dimension (unless allowzero), one
// -1 is inferred.
//===----------------------------------------------------------------------===//

bool verifyReshape(HK_VERIFY_ARGS) {
  if (!checkAttrs(node, {{"allowzero", AK::Int}}, why) ||
      !checkArity(node, in, out, 2, 2, 1, why) ||
      !check1DInts(node, in, 1, bit(ElementType::I64), why) ||
      !sameCount(node, in, out, why))
    return false;
  if (in[1].shape[0] != int64_t(out[0].shape.size()))
    return fail(why, node, "shape has ", in[1].shape[0],
                " entries but the output has rank ", out[0].shape.size());
  return true;
}

/// The output shape `shape` (the shape input's values) gives for the
/// input: 0 entries copied (unless allowzero), one -1 inferred.
bool reshapeShape(const HostNode &node, const Tensors &in,
                  std::vector<int64_t> &shape, std::string &why) {
  bool allowZero = node.getInt("allowzero", 0) != 0;
  const Shape &s = in[0].shape;
  int64_t inferred = -1;
  uint64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    int64_t &d = shape[i];
    if (d == 0 && !allowZero) {
      if (i >= s.size())
        return fail(why, node, "shape entry ", i,
                    " is 0 but the input has rank ", s.size());
      d = s[i];
    } else if (d == -1) {
      if (inferred >= 0)
        return fail(why, node, "shape has more than one -1");
      inferred = int64_t(i);
      continue;
    } else if (d < 0) {
      return fail(why, node, "shape entry ", i, " is ", d);
    }
    known *= uint64_t(d);
  }
  if (inferred >= 0) {
    if (known == 0 || in[0].numElements() % known)
      return fail(why, node, "cannot infer the -1 of the shape for input ",
                  shapeStr(s));
    shape[inferred] = int64_t(in[0].numElements() / known);
  }
  return true;
}

bool runReshape(HK_RUN_ARGS) {
  std::vector<int64_t> shape = loadInts(in[1]);
  if (!reshapeShape(node, in, shape, why))
    return false;
  if (shape != out[0].shape)
    return fail(why, node, "shape data gives ", shapeStr(shape),
                ", the output is ", shapeStr(out[0].shape));
  return copyInput(in, out, work);
}

bool shapesReshape(HK_SHAPES_ARGS) {
  std::vector<int64_t> shape;
  if (in.size() != 2 ||
      !paramInts(node, in, 1, bit(ElementType::I64), shape, why) ||
      !reshapeShape(node, in, shape, why))
    return false;
  shapes = {shape};
  return true;
}

//===----------------------------------------------------------------------===//
// Squeeze / Unsqueeze: axes attribute before opset 13, optional (Squeeze)
// or required (Unsqueeze) I64 input from 13.
//===----------------------------------------------------------------------===//

bool squeezeShape(const HostNode &node, const Shape &s,
                  const std::vector<int64_t> *axes, Shape &result,
                  std::string &why) {
  int64_t r = int64_t(s.size());
  std::vector<bool> drop(s.size(), false);
  if (!axes) {
    for (size_t i = 0; i < s.size(); ++i)
      drop[i] = s[i] == 1;
  } else {
    for (int64_t a : *axes) {
      int64_t n = a;
      if (!normAxis(n, r))
        return fail(why, node, "axis ", a, " out of range [", -r, ", ", r, ")");
      if (drop[n])
        return fail(why, node, "axis ", a, " repeated");
      if (s[n] != 1)
        return fail(why, node, "cannot squeeze axis ", a, " of size ", s[n]);
      drop[n] = true;
    }
  }
  result.clear();
  for (size_t i = 0; i < s.size(); ++i)
    if (!drop[i])
      result.push_back(s[i]);
  return true;
}

bool unsqueezeShape(const HostNode &node, const Shape &s,
                    const std::vector<int64_t> &axes, Shape &result,
                    std::string &why) {
  int64_t r = int64_t(s.size() + axes.size());
  std::vector<bool> add(size_t(r), false);
  for (int64_t a : axes) {
    int64_t n = a;
    if (!normAxis(n, r))
      return fail(why, node, "axis ", a, " out of range [", -r, ", ", r, ")");
    if (add[n])
      return fail(why, node, "axis ", a, " repeated");
    add[n] = true;
  }
  result.clear();
  size_t j = 0;
  for (int64_t i = 0; i < r; ++i)
    result.push_back(add[i] ? 1 : s[j++]);
  return true;
}

template <bool Un> bool verifySqueeze(HK_VERIFY_ARGS) {
  bool attr = node.opset < 13;
  if (!(attr ? checkAttrs(node, {{"axes", AK::Ints}}, why)
             : checkAttrs(node, {}, why)) ||
      !checkArity(node, in, out, Un && !attr ? 2 : 1, attr ? 1 : 2, 1, why))
    return false;
  bool axesInput = in.size() == 2 && in[1].present;
  Shape shape;
  if (!axesInput) {
    const std::vector<int64_t> *axes = node.getInts("axes");
    if (Un) {
      if (!axes)
        return fail(why, node, "attribute 'axes' is required");
      if (!unsqueezeShape(node, in[0].shape, *axes, shape, why))
        return false;
    } else if (!squeezeShape(node, in[0].shape, axes, shape, why)) {
      return false;
    }
    return checkOutput(node, out, 0, in[0].type, shape, why);
  }
  if (!check1DInts(node, in, 1, bit(ElementType::I64), why) ||
      !sameCount(node, in, out, why))
    return false;
  int64_t r = int64_t(in[0].shape.size()), n = in[1].shape[0],
          expect = Un ? r + n : r - n;
  if (int64_t(out[0].shape.size()) != expect)
    return fail(why, node, "output ", shapeStr(out[0].shape),
                " must have rank ", expect);
  return true;
}

template <bool Un> bool shapesSqueeze(HK_SHAPES_ARGS) {
  Shape shape;
  if (in.size() == 2 && in[1].present) {
    std::vector<int64_t> axes;
    if (!paramInts(node, in, 1, bit(ElementType::I64), axes, why) ||
        !(Un ? unsqueezeShape(node, in[0].shape, axes, shape, why)
             : squeezeShape(node, in[0].shape, &axes, shape, why)))
      return false;
  } else {
    const std::vector<int64_t> *axes = node.getInts("axes");
    if (Un ? !axes || !unsqueezeShape(node, in[0].shape, *axes, shape, why)
           : !squeezeShape(node, in[0].shape, axes, shape, why))
      return fail(why, node, "its axes are missing or invalid");
  }
  shapes = {shape};
  return true;
}

template <bool Un> bool runSqueeze(HK_RUN_ARGS) {
  if (in.size() == 2 && in[1].present) {
    std::vector<int64_t> axes = loadInts(in[1]);
    Shape shape;
    if (!(Un ? unsqueezeShape(node, in[0].shape, axes, shape, why)
             : squeezeShape(node, in[0].shape, &axes, shape, why)))
      return false;
    if (shape != out[0].shape)
      return fail(why, node, "axes give ", shapeStr(shape), ", the output is ",
                  shapeStr(out[0].shape));
  }
  return copyInput(in, out, work);
}

//===----------------------------------------------------------------------===//
// Concat (opset 13): inputs of one type and rank, equal off `axis`.
//===----------------------------------------------------------------------===//

bool verifyConcat(HK_VERIFY_ARGS) {
  if (!checkAttrs(node, {{"axis", AK::Int}}, why) ||
      !checkArity(node, in, out, 1, SIZE_MAX, 1, why))
    return false;
  if (!node.find("axis"))
    return fail(why, node, "attribute 'axis' is required");
  const Shape &s0 = in[0].shape;
  int64_t axis;
  if (s0.empty())
    return fail(why, node, "inputs must have rank >= 1");
  if (!axisAttr(node, int64_t(s0.size()), 0, axis, why))
    return false;
  Shape shape = s0;
  for (size_t i = 1; i < in.size(); ++i) {
    if (!in[i].present)
      return fail(why, node, "input ", i, " is required");
    if (!checkSameType(node, in, 0, i, why))
      return false;
    Shape a = in[i].shape, b = s0;
    if (a.size() == b.size())
      a[axis] = b[axis] = 0;
    if (a != b)
      return fail(why, node, "input ", i, " ", shapeStr(in[i].shape),
                  " does not fit input 0 ", shapeStr(s0), " off axis ", axis);
    shape[axis] += in[i].shape[axis];
  }
  return checkOutput(node, out, 0, in[0].type, shape, why);
}

bool runConcat(HK_RUN_ARGS) {
  int64_t axis = node.getInt("axis", 0);
  normAxis(axis, int64_t(in[0].shape.size()));
  size_t eb = elementBytes(in[0].type);
  uint64_t outer = product(in[0].shape, 0, axis);
  uint8_t *dst = out[0].data;
  for (uint64_t o = 0; o < outer; ++o)
    for (const HostTensorView &t : in) {
      uint64_t block = product(t.shape, axis) * eb;
      copyBytes(dst, t.data + o * block, block);
      dst += block;
    }
  work.vectorOps += out[0].numElements();
  work.laneBytes = uint32_t(eb);
  return true;
}

//===----------------------------------------------------------------------===//
// Slice: starts/ends/axes/steps as attributes (opset < 10) or I32/I64
// inputs (10+); negative indices count from the end; starts and ends are
// clamped (to [0, d] for positive steps, [-1, d-1] for negative ones).
//===----------------------------------------------------------------------===//

bool verifySlice(HK_VERIFY_ARGS) {
  bool attr = node.opset < 10;
  if (attr) {
    if (!checkAttrs(
            node,
            {{"starts", AK::Ints}, {"ends", AK::Ints}, {"axes", AK::Ints}},
            why) ||
        !checkArity(node, in, out, 1, 1, 1, why))
      return false;
    if (!node.getInts("starts") || !node.getInts("ends"))
      return fail(why, node, "attributes 'starts' and 'ends' are required");
  } else {
    if (!checkAttrs(node, {}, why) || !checkArity(node, in, out, 3, 5, 1, why))
      return false;
    for (size_t i = 1; i < in.size(); ++i)
      if (in[i].present && (!check1DInts(node, in, i, kIndexTypes, why) ||
                            !checkSameType(node, in, 1, i, why)))
        return false;
    for (size_t i = 2; i < in.size(); ++i)
      if (in[i].present && in[i].shape != in[1].shape)
        return fail(why, node, "input ", i, " ", shapeStr(in[i].shape),
                    " must have the shape of starts ", shapeStr(in[1].shape));
  }
  return checkOutputRank(node, out, 0, in[0].type, in[0].shape.size(), why);
}

/// Slice's parameters: attributes before opset 10, inputs 1-4 from then on
/// (their data must be present).
void sliceParams(const HostNode &node, const Tensors &in,
                 std::vector<int64_t> &starts, std::vector<int64_t> &ends,
                 std::vector<int64_t> &axes, std::vector<int64_t> &steps) {
  if (node.opset < 10) {
    starts = *node.getInts("starts");
    ends = *node.getInts("ends");
    if (const std::vector<int64_t> *a = node.getInts("axes"))
      axes = *a;
  } else {
    starts = loadInts(in[1]);
    ends = loadInts(in[2]);
    if (in.size() > 3 && in[3].present)
      axes = loadInts(in[3]);
    if (in.size() > 4 && in[4].present)
      steps = loadInts(in[4]);
  }
}

/// What Slice reads of input shape `s`: per axis the first index and the
/// step, and the output shape.
bool sliceGeometry(const HostNode &node, const Shape &s,
                   std::vector<int64_t> starts, std::vector<int64_t> ends,
                   std::vector<int64_t> axes, std::vector<int64_t> steps,
                   Shape &first, Shape &step, Shape &shape, std::string &why) {
  if (ends.size() != starts.size())
    return fail(why, node, "starts and ends differ in length");
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(int64_t(i));
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (axes.size() != starts.size() || steps.size() != starts.size())
    return fail(why, node, "axes and steps must match starts in length");
  int64_t r = int64_t(s.size());
  first.assign(s.size(), 0);
  step.assign(s.size(), 1);
  shape = s;
  std::vector<bool> seen(s.size(), false);
  for (size_t i = 0; i < starts.size(); ++i) {
    int64_t a = axes[i];
    if (!normAxis(a, r))
      return fail(why, node, "axis ", axes[i], " out of range [", -r, ", ", r,
                  ")");
    if (seen[a])
      return fail(why, node, "axis ", axes[i], " repeated");
    seen[a] = true;
    int64_t d = s[a], st = steps[i], b = starts[i], e = ends[i];
    if (st == 0)
      return fail(why, node, "step 0 on axis ", a);
    if (b < 0)
      b += d;
    if (e < 0)
      e += d;
    // Count = ceil(distance / |step|), written so no step overflows.
    if (st > 0) {
      b = std::min(std::max<int64_t>(b, 0), d);
      e = std::min(std::max<int64_t>(e, 0), d);
      shape[a] = e > b ? (e - b - 1) / st + 1 : 0;
    } else {
      b = std::min(std::max<int64_t>(b, 0), d - 1);
      e = std::min(std::max<int64_t>(e, -1), d - 1);
      uint64_t mag = uint64_t(-(st + 1)) + 1;
      shape[a] = b > e ? int64_t(uint64_t(b - e - 1) / mag + 1) : 0;
    }
    first[a] = b;
    step[a] = st;
  }
  return true;
}

bool shapesSlice(HK_SHAPES_ARGS) {
  std::vector<int64_t> starts, ends, axes, steps;
  if (node.opset >= 10) {
    if (in.size() < 3)
      return fail(why, node, "starts and ends are required");
    for (size_t i = 1; i < in.size() && i < 5; ++i) {
      if (!in[i].present)
        continue;
      std::vector<int64_t> v;
      if (!paramInts(node, in, i, kIndexTypes, v, why))
        return false;
      (i == 1 ? starts : i == 2 ? ends : i == 3 ? axes : steps) = v;
    }
  } else {
    if (!node.getInts("starts") || !node.getInts("ends"))
      return fail(why, node, "attributes 'starts' and 'ends' are required");
    sliceParams(node, in, starts, ends, axes, steps);
  }
  Shape first, step, shape;
  if (!sliceGeometry(node, in[0].shape, starts, ends, axes, steps, first, step,
                     shape, why))
    return false;
  shapes = {shape};
  return true;
}

bool runSlice(HK_RUN_ARGS) {
  std::vector<int64_t> starts, ends, axes, steps;
  sliceParams(node, in, starts, ends, axes, steps);
  const Shape &s = in[0].shape;
  Shape first, step, shape;
  if (!sliceGeometry(node, s, starts, ends, axes, steps, first, step, shape,
                     why))
    return false;
  if (shape != out[0].shape)
    return fail(why, node, "starts/ends/axes/steps give ", shapeStr(shape),
                ", the output is ", shapeStr(out[0].shape));
  Shape strides = stridesOf(s);
  size_t eb = elementBytes(in[0].type);
  uint8_t *dst = out[0].data;
  forEachIndex(shape, [&](const Shape &c) {
    int64_t off = 0;
    for (size_t d = 0; d < c.size(); ++d)
      off += (first[d] + c[d] * step[d]) * strides[d];
    copyBytes(dst, in[0].data + off * eb, eb);
    dst += eb;
  });
  work.vectorOps += out[0].numElements();
  work.laneBytes = uint32_t(eb);
  return true;
}

//===----------------------------------------------------------------------===//
// Expand (opset 13): broadcast the input with the shape input.
//===----------------------------------------------------------------------===//

bool verifyExpand(HK_VERIFY_ARGS) {
  if (!checkAttrs(node, {}, why) || !checkArity(node, in, out, 2, 2, 1, why) ||
      !check1DInts(node, in, 1, bit(ElementType::I64), why))
    return false;
  size_t rank = std::max<size_t>(in[0].shape.size(), size_t(in[1].shape[0]));
  if (!checkOutputRank(node, out, 0, in[0].type, rank, why))
    return false;
  Shape b;
  if (!broadcastShapes({&in[0].shape, &out[0].shape}, b) || b != out[0].shape)
    return fail(why, node, "output ", shapeStr(out[0].shape),
                " is not a broadcast of input ", shapeStr(in[0].shape));
  return true;
}

bool shapesExpand(HK_SHAPES_ARGS) {
  Shape shape, b;
  if (!paramInts(node, in, 1, bit(ElementType::I64), shape, why))
    return false;
  if (!broadcastShapes({&in[0].shape, &shape}, b))
    return fail(why, node, "shape ", shapeStr(shape), " and input ",
                shapeStr(in[0].shape), " do not broadcast");
  shapes = {b};
  return true;
}

bool runExpand(HK_RUN_ARGS) {
  Shape shape = loadInts(in[1]), b;
  if (!broadcastShapes({&in[0].shape, &shape}, b) || b != out[0].shape)
    return fail(why, node, "shape ", shapeStr(shape), " and input ",
                shapeStr(in[0].shape), " do not give the output ",
                shapeStr(out[0].shape));
  size_t eb = elementBytes(in[0].type);
  BroadcastIndex it(out[0].shape, {&in[0].shape});
  uint64_t n = out[0].numElements();
  for (uint64_t i = 0; i < n; ++i, it.next())
    copyBytes(out[0].data + i * eb, in[0].data + it[0] * eb, eb);
  work.vectorOps += n;
  work.laneBytes = uint32_t(eb);
  return true;
}

//===----------------------------------------------------------------------===//
// Tile (opset 13): output dim d = input dim d * repeats[d].
//===----------------------------------------------------------------------===//

bool verifyTile(HK_VERIFY_ARGS) {
  if (!checkAttrs(node, {}, why) || !checkArity(node, in, out, 2, 2, 1, why) ||
      !check1DInts(node, in, 1, bit(ElementType::I64), why))
    return false;
  const Shape &s = in[0].shape;
  if (in[1].shape[0] != int64_t(s.size()))
    return fail(why, node, "repeats has ", in[1].shape[0],
                " entries, the input has rank ", s.size());
  if (!checkOutputRank(node, out, 0, in[0].type, s.size(), why))
    return false;
  for (size_t d = 0; d < s.size(); ++d)
    if (s[d] == 0 ? out[0].shape[d] != 0 : out[0].shape[d] % s[d] != 0)
      return fail(why, node, "output ", shapeStr(out[0].shape),
                  " does not tile input ", shapeStr(s));
  return true;
}

bool shapesTile(HK_SHAPES_ARGS) {
  std::vector<int64_t> reps;
  if (!paramInts(node, in, 1, bit(ElementType::I64), reps, why))
    return false;
  const Shape &s = in[0].shape;
  if (reps.size() != s.size())
    return fail(why, node, "repeats has ", reps.size(),
                " entries, the input has rank ", s.size());
  Shape shape(s.size());
  for (size_t d = 0; d < s.size(); ++d) {
    // At most 2^40 elements per dimension (HostTensorView's limit), checked
    // before the product is formed.
    if (reps[d] < 0 || (s[d] != 0 && reps[d] > (int64_t(1) << 40) / s[d]))
      return fail(why, node, "repeats ", reps[d], " on axis ", d);
    shape[d] = s[d] * reps[d];
  }
  shapes = {shape};
  return true;
}

bool runTile(HK_RUN_ARGS) {
  std::vector<int64_t> reps = loadInts(in[1]);
  const Shape &s = in[0].shape;
  for (size_t d = 0; d < s.size(); ++d)
    if (reps[d] < 0 || (s[d] != 0 && reps[d] != out[0].shape[d] / s[d]))
      return fail(why, node, "repeats ", shapeStr(reps), " do not give ",
                  shapeStr(out[0].shape), " from ", shapeStr(s));
  Shape strides = stridesOf(s);
  size_t eb = elementBytes(in[0].type);
  uint8_t *dst = out[0].data;
  forEachIndex(out[0].shape, [&](const Shape &c) {
    int64_t off = 0;
    for (size_t d = 0; d < c.size(); ++d)
      off += (c[d] % s[d]) * strides[d];
    copyBytes(dst, in[0].data + off * eb, eb);
    dst += eb;
  });
  work.vectorOps += out[0].numElements();
  work.laneBytes = uint32_t(eb);
  return true;
}

//===----------------------------------------------------------------------===//
// Transpose (opset 13): perm (default: reversed axes).
//===----------------------------------------------------------------------===//

Shape permOf(const HostNode &node, size_t rank) {
  if (const std::vector<int64_t> *p = node.getInts("perm"))
    return *p;
  Shape perm(rank);
  for (size_t i = 0; i < rank; ++i)
    perm[i] = int64_t(rank - 1 - i);
  return perm;
}

bool verifyTranspose(HK_VERIFY_ARGS) {
  if (!checkAttrs(node, {{"perm", AK::Ints}}, why) ||
      !checkArity(node, in, out, 1, 1, 1, why))
    return false;
  const Shape &s = in[0].shape;
  Shape perm = permOf(node, s.size()), shape;
  std::vector<bool> seen(s.size(), false);
  if (perm.size() != s.size())
    return fail(why, node, "perm ", shapeStr(perm), " does not fit rank ",
                s.size());
  for (int64_t p : perm) {
    if (p < 0 || p >= int64_t(s.size()) || seen[p])
      return fail(why, node, "perm ", shapeStr(perm), " is not a permutation");
    seen[p] = true;
    shape.push_back(s[p]);
  }
  return checkOutput(node, out, 0, in[0].type, shape, why);
}

bool runTranspose(HK_RUN_ARGS) {
  const Shape &s = in[0].shape;
  Shape perm = permOf(node, s.size()), strides = stridesOf(s);
  size_t eb = elementBytes(in[0].type);
  uint8_t *dst = out[0].data;
  forEachIndex(out[0].shape, [&](const Shape &c) {
    int64_t off = 0;
    for (size_t d = 0; d < c.size(); ++d)
      off += c[d] * strides[perm[d]];
    copyBytes(dst, in[0].data + off * eb, eb);
    dst += eb;
  });
  work.vectorOps += out[0].numElements();
  work.laneBytes = uint32_t(eb);
  return true;
}

//===----------------------------------------------------------------------===//
// Trilu (opset 14): keeps the upper (j - i >= k) or lower (j - i <= k)
// triangle of each matrix in the last two dimensions, zeroing the rest.
//===----------------------------------------------------------------------===//

bool verifyTrilu(HK_VERIFY_ARGS) {
  if (!checkAttrs(node, {{"upper", AK::Int}}, why) ||
      !checkArity(node, in, out, 1, 2, 1, why))
    return false;
  if (in.size() == 2 && in[1].present &&
      (!checkType(node, in, 1, bit(ElementType::I64), why) ||
       !checkScalar(node, in, 1, why)))
    return false;
  if (in[0].shape.size() < 2)
    return fail(why, node, "input must have rank >= 2");
  return checkOutput(node, out, 0, in[0].type, in[0].shape, why);
}

bool runTrilu(HK_RUN_ARGS) {
  int64_t k = in.size() == 2 && in[1].present ? loadIndex(in[1], 0) : 0;
  bool upper = node.getInt("upper", 1) != 0;
  const Shape &s = in[0].shape;
  int64_t rows = s[s.size() - 2], cols = s.back();
  uint64_t mats = product(s, 0, s.size() - 2);
  size_t eb = elementBytes(in[0].type);
  for (uint64_t m = 0; m < mats; ++m)
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j) {
        uint64_t at = ((m * rows + i) * cols + j) * eb;
        bool keep = upper ? j - i >= k : j - i <= k;
        if (keep)
          copyBytes(out[0].data + at, in[0].data + at, eb);
        else
          zeroBytes(out[0].data + at, eb);
      }
  work.vectorOps += in[0].numElements();
  work.laneBytes = uint32_t(eb);
  return true;
}

//===----------------------------------------------------------------------===//
// Range (opset 11): start + i * delta for i < max(ceil((limit - start) /
// delta), 0).
//===----------------------------------------------------------------------===//

bool verifyRange(HK_VERIFY_ARGS) {
  TypeSet types = bit(ElementType::F32) | bit(ElementType::F64) |
                  bit(ElementType::I16) | bit(ElementType::I32) |
                  bit(ElementType::I64);
  if (!checkAttrs(node, {}, why) || !checkArity(node, in, out, 3, 3, 1, why))
    return false;
  for (size_t i = 0; i < 3; ++i)
    if (!checkType(node, in, i, types, why) ||
        !checkSameType(node, in, 0, i, why) || !checkScalar(node, in, i, why))
      return false;
  return checkOutputRank(node, out, 0, in[0].type, 1, why);
}

bool runRange(HK_RUN_ARGS) {
  bool ok = visitType(in[0].type, [&](auto tag) -> bool {
    using S = typename decltype(tag)::type;
    using C = Compute<S>;
    if constexpr (std::is_same_v<S, Bool8>) {
      return false;
    } else {
      C start = Elem<S>::load(in[0].data, 0),
        limit = Elem<S>::load(in[1].data, 0),
        delta = Elem<S>::load(in[2].data, 0);
      if (delta == C(0))
        return fail(why, node, "delta is 0");
      double count;
      if constexpr (std::is_integral_v<C>) {
        __int128 diff = __int128(limit) - __int128(start), d = delta;
        __int128 q = diff / d;
        if (q * d != diff && ((diff < 0) == (d < 0)))
          ++q; // Ceiling of a positive quotient.
        count = q > 0 ? double(q) : 0;
      } else {
        count = std::max(
            std::ceil((double(limit) - double(start)) / double(delta)), 0.0);
      }
      if (std::isnan(count) || count != double(out[0].shape[0]))
        return fail(why, node, "start, limit and delta give ", count,
                    " elements, the output has ", out[0].shape[0]);
      for (int64_t i = 0; i < out[0].shape[0]; ++i) {
        C v;
        if constexpr (std::is_integral_v<C>)
          v = C(uint64_t(start) + uint64_t(i) * uint64_t(delta));
        else
          v = C(start + C(i) * delta);
        Elem<S>::store(out[0].data, uint64_t(i), v);
      }
      return true;
    }
  });
  work.vectorOps += out[0].numElements();
  work.laneBytes = elementBytes(out[0].type);
  return ok;
}

//===----------------------------------------------------------------------===//
// Shape (1, 13, 15: `start` and `end` clamp to [0, rank] after adding the
// rank to a negative one) and Size (1, 13): the input's dimensions, or its
// element count, as int64. The compiler folds them when the input's shape
// is static; these run on a value whose shape depends on the data
// (docs/heterogeneous.md), so they read the input's shape, never its data.
//===----------------------------------------------------------------------===//

/// The [start, end) range of dimensions Shape-15 returns for rank `r`.
std::pair<int64_t, int64_t> shapeRange(const HostNode &node, int64_t r) {
  auto clampDim = [r](int64_t v) {
    if (v < 0)
      v = v < -r ? 0 : v + r;
    return std::min(v, r);
  };
  int64_t start = clampDim(node.getInt("start", 0));
  int64_t end = clampDim(node.getInt("end", r));
  return {start, std::max(start, end)};
}

bool verifyShape(HK_VERIFY_ARGS) {
  if (!checkAttrs(node, {{"start", AK::Int}, {"end", AK::Int}}, why) ||
      !checkArity(node, in, out, 1, 1, 1, why))
    return false;
  auto [start, end] = shapeRange(node, int64_t(in[0].shape.size()));
  return checkOutput(node, out, 0, ElementType::I64, Shape{end - start}, why);
}

bool runShape(HK_RUN_ARGS) {
  auto [start, end] = shapeRange(node, int64_t(in[0].shape.size()));
  for (int64_t d = start; d < end; ++d)
    Elem<int64_t>::store(out[0].data, uint64_t(d - start), in[0].shape[d]);
  work.vectorOps += uint64_t(end - start);
  work.laneBytes = 8;
  return true;
}

bool verifySize(HK_VERIFY_ARGS) {
  return checkAttrs(node, {}, why) && checkArity(node, in, out, 1, 1, 1, why) &&
         checkOutput(node, out, 0, ElementType::I64, Shape{}, why);
}

bool runSize(HK_RUN_ARGS) {
  Elem<int64_t>::store(out[0].data, 0, int64_t(in[0].numElements()));
  work.vectorOps += 1;
  work.laneBytes = 8;
  return true;
}

//===----------------------------------------------------------------------===//
// EyeLike (opset 9): a 2-D tensor of the input's shape with ones on the
// k-th diagonal, of type `dtype` (default: the input's).
//===----------------------------------------------------------------------===//

bool verifyEyeLike(HK_VERIFY_ARGS) {
  if (!checkAttrs(node, {{"dtype", AK::Int}, {"k", AK::Int}}, why) ||
      !checkArity(node, in, out, 1, 1, 1, why))
    return false;
  if (in[0].shape.size() != 2)
    return fail(why, node, "input must be 2-D, got ", shapeStr(in[0].shape));
  ElementType type = in[0].type;
  if (const HostAttribute *d = node.find("dtype"))
    if (!typeFromOnnx(d->i, type))
      return fail(why, node, "unsupported dtype ", d->i);
  return checkOutput(node, out, 0, type, in[0].shape, why);
}

bool runEyeLike(HK_RUN_ARGS) {
  int64_t k = node.getInt("k", 0);
  int64_t rows = out[0].shape[0], cols = out[0].shape[1];
  zeroBytes(out[0].data, out[0].sizeBytes());
  visitType(out[0].type, [&](auto tag) {
    using S = typename decltype(tag)::type;
    for (int64_t i = 0; i < rows; ++i) {
      int64_t j = i + k;
      if (j >= 0 && j < cols)
        Elem<S>::store(out[0].data, uint64_t(i * cols + j),
                       convert<Compute<S>>(1));
    }
  });
  work.vectorOps += out[0].numElements();
  work.laneBytes = elementBytes(out[0].type);
  return true;
}

const HostKernel kKernels[] = {
    {"Concat", verifyConcat, runConcat},
    {"Expand", verifyExpand, runExpand, nullptr, shapesExpand},
    {"EyeLike", verifyEyeLike, runEyeLike},
    {"Flatten", verifyFlatten, runCopy},
    {"Identity", verifyIdentity, runCopy},
    {"Range", verifyRange, runRange},
    {"Reshape", verifyReshape, runReshape, nullptr, shapesReshape},
    {"Shape", verifyShape, runShape},
    {"Size", verifySize, runSize},
    {"Slice", verifySlice, runSlice, nullptr, shapesSlice},
    {"Squeeze", verifySqueeze<false>, runSqueeze<false>, nullptr,
     shapesSqueeze<false>},
    {"Tile", verifyTile, runTile, nullptr, shapesTile},
    {"Transpose", verifyTranspose, runTranspose},
    {"Trilu", verifyTrilu, runTrilu},
    {"Unsqueeze", verifySqueeze<true>, runSqueeze<true>, nullptr,
     shapesSqueeze<true>},
};

} // namespace

KernelTable shapeKernels() {
  return {kKernels, sizeof(kKernels) / sizeof(kKernels[0])};
}

} // namespace npu::rt::hk
