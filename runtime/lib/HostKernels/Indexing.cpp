//===- Indexing.cpp - gather, scatter and one-hot host kernels ------------===//
//
// Gather (opset 13), GatherElements (13), GatherND (13, batch_dims),
// ScatterElements (16/18, reduction), Scatter (9-10: ScatterElements
// without reduction), ScatterND (16/18, reduction), OneHot (11) and
// ReverseSequence (10), after onnx/docs/Operators.md (onnx 1.12). These move
// whole elements, so most work on bytes and need no element-type dispatch; only
// the scatter reductions compute.
//
// Every index from data is range-checked before use; negative indices count
// from the end of their axis (ONNX allows [-d, d)).
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include <algorithm>

namespace npu::rt::hk {
namespace {

using AK = bin::AttributeKind;

//===----------------------------------------------------------------------===//
// Gather: out[i..., j..., k...] = data[i..., indices[j...], k...].
//===----------------------------------------------------------------------===//

bool verifyGather(HK_VERIFY_ARGS) {
  if (!checkAttrs(node, {{"axis", AK::Int}}, why) ||
      !checkArity(node, in, out, 2, 2, 1, why) ||
      !checkType(node, in, 1, kIndexTypes, why))
    return false;
  const Shape &d = in[0].shape;
  if (d.empty())
    return fail(why, node, "data must have rank >= 1");
  int64_t axis;
  if (!axisAttr(node, int64_t(d.size()), 0, axis, why))
    return false;
  Shape shape(d.begin(), d.begin() + axis);
  shape.insert(shape.end(), in[1].shape.begin(), in[1].shape.end());
  shape.insert(shape.end(), d.begin() + axis + 1, d.end());
  return checkOutput(node, out, 0, in[0].type, shape, why);
}

bool runGather(HK_RUN_ARGS) {
  const HostTensorView &data = in[0], &idx = in[1];
  int64_t axis = node.getInt("axis", 0);
  normAxis(axis, int64_t(data.shape.size()));
  int64_t dim = data.shape[axis];
  uint64_t outer = product(data.shape, 0, axis);
  uint64_t block = product(data.shape, axis + 1) * elementBytes(data.type);
  uint64_t n = idx.numElements();
  std::vector<int64_t> index(n);
  for (uint64_t j = 0; j < n; ++j) {
    index[j] = loadIndex(idx, j);
    if (!normIndex(node, index[j], dim, axis, why))
      return false;
  }
  uint8_t *dst = out[0].data;
  for (uint64_t o = 0; o < outer; ++o)
    for (uint64_t j = 0; j < n; ++j, dst += block)
      copyBytes(dst, data.data + (o * dim + index[j]) * block, block);
  work.scalarOps += outer * n;
  return true;
}

//===----------------------------------------------------------------------===//
// GatherElements / ScatterElements: the index tensor has the data's rank;
// element p of it addresses data at p with coordinate `axis` replaced.
//===----------------------------------------------------------------------===//

/// Shared checks: data rank >= 1, indices of equal rank and (off `axis`)
/// no larger than data, so every position of indices exists in data.
bool verifyElementsIndices(const HostNode &node, const Tensors &in,
                           int64_t &axis, std::string &why) {
  if (!checkType(node, in, 1, kIndexTypes, why))
    return false;
  const Shape &d = in[0].shape, &i = in[1].shape;
  if (d.empty())
    return fail(why, node, "data must have rank >= 1");
  if (!axisAttr(node, int64_t(d.size()), 0, axis, why))
    return false;
  if (i.size() != d.size())
    return fail(why, node, "indices ", shapeStr(i),
                " must have the rank of data ", shapeStr(d));
  for (size_t k = 0; k < d.size(); ++k)
    if (int64_t(k) != axis && i[k] > d[k])
      return fail(why, node, "indices ", shapeStr(i), " exceed data ",
                  shapeStr(d), " on axis ", k);
  return true;
}

/// Calls f(position in indices, element offset in data) for every element
/// of `indices`; false on the first out-of-range index.
template <class F>
bool forEachElementIndex(const HostNode &node, const HostTensorView &data,
                         const HostTensorView &indices, int64_t axis,
                         std::string &why, F f) {
  const Shape &is = indices.shape;
  Shape ds = stridesOf(data.shape), counter(is.size(), 0);
  uint64_t n = indices.numElements(), base = 0; // base: offset without axis.
  int64_t dim = data.shape[axis];
  for (uint64_t p = 0; p < n; ++p) {
    int64_t idx = loadIndex(indices, p);
    if (!normIndex(node, idx, dim, axis, why))
      return false;
    f(p, base + uint64_t(idx) * ds[axis]);
    for (size_t d = is.size(); d-- > 0;) {
      if (int64_t(d) != axis)
        base += ds[d];
      if (++counter[d] < is[d])
        break;
      if (int64_t(d) != axis)
        base -= ds[d] * is[d];
      counter[d] = 0;
    }
  }
  return true;
}

bool verifyGatherElements(HK_VERIFY_ARGS) {
  int64_t axis;
  return checkAttrs(node, {{"axis", AK::Int}}, why) &&
         checkArity(node, in, out, 2, 2, 1, why) &&
         verifyElementsIndices(node, in, axis, why) &&
         checkOutput(node, out, 0, in[0].type, in[1].shape, why);
}

bool runGatherElements(HK_RUN_ARGS) {
  int64_t axis = node.getInt("axis", 0);
  normAxis(axis, int64_t(in[0].shape.size()));
  size_t eb = elementBytes(in[0].type);
  work.scalarOps += in[1].numElements();
  return forEachElementIndex(
      node, in[0], in[1], axis, why, [&](uint64_t p, uint64_t off) {
        copyBytes(out[0].data + p * eb, in[0].data + off * eb, eb);
      });
}

/// Scatter reductions: "none" (opset 11+), "add"/"mul" (16), "max"/"min"
/// (18). Reductions need a numeric element type.
enum class Reduction { None, Add, Mul, Max, Min };

bool reductionAttr(const HostNode &node, ElementType type, Reduction &r,
                   std::string &why) {
  std::string s = node.getString("reduction", "none");
  if (s == "none")
    r = Reduction::None;
  else if (s == "add")
    r = Reduction::Add;
  else if (s == "mul")
    r = Reduction::Mul;
  else if (s == "max")
    r = Reduction::Max;
  else if (s == "min")
    r = Reduction::Min;
  else
    return fail(why, node, "unknown reduction \"", s, "\"");
  if (r != Reduction::None && !inSet(type, kNumericTypes))
    return fail(why, node, "reduction \"", s, "\" needs a numeric type, got ",
                typeStr(type));
  return true;
}

/// dst[dOff..] op= src[sOff..] for `count` elements of `type`.
void combine(Reduction r, ElementType type, uint8_t *dst, uint64_t dOff,
             const uint8_t *src, uint64_t sOff, uint64_t count) {
  if (r == Reduction::None) {
    size_t eb = elementBytes(type);
    copyBytes(dst + dOff * eb, src + sOff * eb, count * eb);
    return;
  }
  visitType(type, [&](auto tag) {
    using S = typename decltype(tag)::type;
    using C = Compute<S>;
    if constexpr (!std::is_same_v<S, Bool8>)
      for (uint64_t i = 0; i < count; ++i) {
        C a = Elem<S>::load(dst, dOff + i), b = Elem<S>::load(src, sOff + i);
        C v;
        if constexpr (std::is_integral_v<C>)
          v = r == Reduction::Add   ? C(uint64_t(a) + uint64_t(b))
              : r == Reduction::Mul ? C(uint64_t(a) * uint64_t(b))
              : r == Reduction::Max ? std::max(a, b)
                                    : std::min(a, b);
        else
          v = r == Reduction::Add   ? a + b
              : r == Reduction::Mul ? a * b
              : r == Reduction::Max ? std::max(a, b)
                                    : std::min(a, b);
        Elem<S>::store(dst, dOff + i, v);
      }
  });
}

bool verifyScatterElements(HK_VERIFY_ARGS) {
  int64_t axis;
  Reduction r;
  if (!checkAttrs(node, {{"axis", AK::Int}, {"reduction", AK::String}}, why) ||
      !checkArity(node, in, out, 3, 3, 1, why) ||
      !verifyElementsIndices(node, in, axis, why) ||
      !checkSameType(node, in, 0, 2, why) ||
      !reductionAttr(node, in[0].type, r, why))
    return false;
  if (in[2].shape != in[1].shape)
    return fail(why, node, "updates ", shapeStr(in[2].shape),
                " must have the shape of indices ", shapeStr(in[1].shape));
  return checkOutput(node, out, 0, in[0].type, in[0].shape, why);
}

bool runScatterElements(HK_RUN_ARGS) {
  int64_t axis = node.getInt("axis", 0);
  normAxis(axis, int64_t(in[0].shape.size()));
  Reduction r;
  reductionAttr(node, in[0].type, r, why);
  copyBytes(out[0].data, in[0].data, in[0].sizeBytes());
  work.scalarOps += in[1].numElements();
  return forEachElementIndex(
      node, in[0], in[1], axis, why, [&](uint64_t p, uint64_t off) {
        combine(r, in[0].type, out[0].data, off, in[2].data, p, 1);
      });
}

/// Scatter (opsets 9-10, deprecated in 11): ScatterElements's semantics
/// without the reduction attribute.
bool verifyScatter(HK_VERIFY_ARGS) {
  return checkAttrs(node, {{"axis", AK::Int}}, why) &&
         verifyScatterElements(node, in, out, why);
}

//===----------------------------------------------------------------------===//
// GatherND / ScatterND: the last dimension of indices (k) addresses a slice
// of data; the first batch_dims dimensions of both are shared (GatherND).
//===----------------------------------------------------------------------===//

/// Checks the shared shape rules; sets k. Output/updates shape is
/// indices.shape[:-1] + data.shape[batch + k:].
bool verifyND(const HostNode &node, const Tensors &in, int64_t batch,
              Shape &sliceShape, std::string &why) {
  if (in[1].type != ElementType::I64)
    return fail(why, node, "indices must be I64, got ", typeStr(in[1].type));
  const Shape &d = in[0].shape, &i = in[1].shape;
  int64_t r = int64_t(d.size()), q = int64_t(i.size());
  if (r < 1 || q < 1)
    return fail(why, node, "data and indices must have rank >= 1");
  if (batch < 0 || batch >= std::min(r, q))
    return fail(why, node, "batch_dims ", batch, " out of range [0, ",
                std::min(r, q), ")");
  for (int64_t b = 0; b < batch; ++b)
    if (d[b] != i[b])
      return fail(why, node, "batch dimension ", b, " differs: data ",
                  shapeStr(d), ", indices ", shapeStr(i));
  int64_t k = i.back();
  if (k < 1 || k > r - batch)
    return fail(why, node, "indices' last dimension ", k, " out of range [1, ",
                r - batch, "]");
  sliceShape.assign(i.begin(), i.end() - 1);
  sliceShape.insert(sliceShape.end(), d.begin() + batch + k, d.end());
  return true;
}

/// Calls f(tuple number, element offset of the addressed slice in data)
/// for every index tuple; false on the first out-of-range index.
template <class F>
bool forEachNDTuple(const HostNode &node, const HostTensorView &data,
                    const HostTensorView &indices, int64_t batch,
                    std::string &why, F f) {
  const Shape &ds = data.shape;
  int64_t k = indices.shape.back();
  Shape strides = stridesOf(ds);
  uint64_t tuples = indices.numElements() / uint64_t(k);
  uint64_t perBatch = product(indices.shape, batch, indices.shape.size() - 1);
  uint64_t batchStride = product(ds, batch);
  for (uint64_t t = 0; t < tuples; ++t) {
    uint64_t off = perBatch ? (t / perBatch) * batchStride : 0;
    for (int64_t j = 0; j < k; ++j) {
      int64_t a = batch + j, idx = loadIndex(indices, t * k + j);
      if (!normIndex(node, idx, ds[a], a, why))
        return false;
      off += uint64_t(idx) * strides[a];
    }
    f(t, off);
  }
  return true;
}

bool verifyGatherND(HK_VERIFY_ARGS) {
  Shape shape;
  return checkAttrs(node, {{"batch_dims", AK::Int}}, why) &&
         checkArity(node, in, out, 2, 2, 1, why) &&
         verifyND(node, in, node.getInt("batch_dims", 0), shape, why) &&
         checkOutput(node, out, 0, in[0].type, shape, why);
}

bool runGatherND(HK_RUN_ARGS) {
  int64_t batch = node.getInt("batch_dims", 0);
  int64_t k = in[1].shape.back();
  uint64_t slice = product(in[0].shape, batch + k);
  size_t eb = elementBytes(in[0].type);
  work.scalarOps += in[1].numElements();
  work.vectorOps += out[0].numElements();
  work.laneBytes = uint32_t(eb);
  return forEachNDTuple(node, in[0], in[1], batch, why,
                        [&](uint64_t t, uint64_t off) {
                          copyBytes(out[0].data + t * slice * eb,
                                    in[0].data + off * eb, slice * eb);
                        });
}

bool verifyScatterND(HK_VERIFY_ARGS) {
  Shape shape;
  Reduction r;
  if (!checkAttrs(node, {{"reduction", AK::String}}, why) ||
      !checkArity(node, in, out, 3, 3, 1, why) ||
      !verifyND(node, in, 0, shape, why) ||
      !checkSameType(node, in, 0, 2, why) ||
      !reductionAttr(node, in[0].type, r, why))
    return false;
  if (in[2].shape != shape)
    return fail(why, node, "updates are ", shapeStr(in[2].shape), ", expected ",
                shapeStr(shape));
  return checkOutput(node, out, 0, in[0].type, in[0].shape, why);
}

bool runScatterND(HK_RUN_ARGS) {
  Reduction r;
  reductionAttr(node, in[0].type, r, why);
  int64_t k = in[1].shape.back();
  uint64_t slice = product(in[0].shape, k);
  copyBytes(out[0].data, in[0].data, in[0].sizeBytes());
  work.scalarOps += in[1].numElements();
  work.vectorOps += in[2].numElements();
  work.laneBytes = elementBytes(in[0].type);
  return forEachNDTuple(
      node, in[0], in[1], 0, why, [&](uint64_t t, uint64_t off) {
        combine(r, in[0].type, out[0].data, off, in[2].data, t * slice, slice);
      });
}

//===----------------------------------------------------------------------===//
// OneHot (opset 11): indices (numeric) -> a new axis of length depth with
// values[1] at the index and values[0] elsewhere. Indices in [-depth, 0)
// count from the end; others out of range give an all-off vector.
//===----------------------------------------------------------------------===//

bool verifyOneHot(HK_VERIFY_ARGS) {
  if (!checkAttrs(node, {{"axis", AK::Int}}, why) ||
      !checkArity(node, in, out, 3, 3, 1, why) ||
      !checkType(node, in, 0, kNumericTypes, why) ||
      !checkType(node, in, 1, kNumericTypes, why) ||
      !checkScalar(node, in, 1, why))
    return false;
  if (in[2].shape != Shape{2})
    return fail(why, node, "values must have shape [2], got ",
                shapeStr(in[2].shape));
  int64_t axis;
  const Shape &is = in[0].shape;
  if (!axisAttr(node, int64_t(is.size()) + 1, -1, axis, why) ||
      !checkOutputRank(node, out, 0, in[2].type, is.size() + 1, why))
    return false;
  Shape expect = out[0].shape;
  expect.erase(expect.begin() + axis);
  if (expect != is)
    return fail(why, node, "output ", shapeStr(out[0].shape),
                " does not extend indices ", shapeStr(is), " at axis ", axis);
  return true;
}

bool runOneHot(HK_RUN_ARGS) {
  int64_t axis;
  axisAttr(node, int64_t(in[0].shape.size()) + 1, -1, axis, why);
  int64_t depth = convert<int64_t>(loadDouble(in[1], 0));
  if (depth != out[0].shape[axis])
    return fail(why, node, "depth ", depth, " does not match output ",
                shapeStr(out[0].shape), " on axis ", axis);
  size_t eb = elementBytes(out[0].type);
  const uint8_t *off = in[2].data, *on = in[2].data + eb;
  uint64_t n = out[0].numElements();
  for (uint64_t i = 0; i < n; ++i)
    copyBytes(out[0].data + i * eb, off, eb);
  uint64_t outer = product(in[0].shape, 0, axis);
  uint64_t inner = product(in[0].shape, axis);
  for (uint64_t o = 0; o < outer; ++o)
    for (uint64_t j = 0; j < inner; ++j) {
      int64_t idx = convert<int64_t>(loadDouble(in[0], o * inner + j));
      if (idx < 0)
        idx += depth;
      if (idx < 0 || idx >= depth)
        continue;
      copyBytes(out[0].data + ((o * depth + idx) * inner + j) * eb, on, eb);
    }
  work.vectorOps += n;
  work.laneBytes = uint32_t(eb);
  work.scalarOps += in[0].numElements();
  return true;
}

//===----------------------------------------------------------------------===//
// ReverseSequence (10): input [batch, time, ...] (batch_axis 0, time_axis 1)
// or [time, batch, ...] (the defaults 1 and 0); for each batch b the first
// sequence_lens[b] steps along time are reversed, the rest copied. Each
// length must be in [0, time] (as ONNX Runtime checks).
//===----------------------------------------------------------------------===//

bool verifyReverseSequence(HK_VERIFY_ARGS) {
  if (!checkAttrs(node, {{"batch_axis", AK::Int}, {"time_axis", AK::Int}},
                  why) ||
      !checkArity(node, in, out, 2, 2, 1, why))
    return false;
  const Shape &s = in[0].shape;
  if (s.size() < 2)
    return fail(why, node, "input must have rank >= 2, got ", shapeStr(s));
  int64_t b = node.getInt("batch_axis", 1), t = node.getInt("time_axis", 0);
  if (!((b == 0 && t == 1) || (b == 1 && t == 0)))
    return fail(why, node, "batch_axis ", b, " and time_axis ", t,
                " must be 0 and 1 in some order");
  if (in[1].type != ElementType::I64 || in[1].shape != Shape{s[b]})
    return fail(why, node, "sequence_lens must be I64 [", s[b], "], got ",
                typeStr(in[1].type), " ", shapeStr(in[1].shape));
  return checkOutput(node, out, 0, in[0].type, s, why);
}

bool runReverseSequence(HK_RUN_ARGS) {
  const Shape &s = in[0].shape;
  int64_t b = node.getInt("batch_axis", 1), t = 1 - b;
  int64_t B = s[b], T = s[t];
  uint64_t eb = elementBytes(in[0].type), block = product(s, 2) * eb;
  uint64_t bStride = (b == 0 ? uint64_t(T) : 1) * block,
           tStride = (t == 0 ? uint64_t(B) : 1) * block;
  for (int64_t i = 0; i < B; ++i) {
    int64_t len = loadIndex(in[1], uint64_t(i));
    if (len < 0 || len > T)
      return fail(why, node, "sequence length ", len, " of batch ", i,
                  " out of range [0, ", T, "]");
  }
  for (int64_t i = 0; i < B; ++i) {
    int64_t len = loadIndex(in[1], uint64_t(i));
    for (int64_t j = 0; j < T; ++j) {
      int64_t from = j < len ? len - 1 - j : j;
      copyBytes(out[0].data + i * bStride + j * tStride,
                in[0].data + i * bStride + from * tStride, block);
    }
  }
  work.vectorOps += in[0].numElements();
  work.laneBytes = uint32_t(eb);
  work.scalarOps += uint64_t(B) * uint64_t(T);
  return true;
}

const HostKernel kKernels[] = {
    {"Gather", verifyGather, runGather},
    {"GatherElements", verifyGatherElements, runGatherElements},
    {"GatherND", verifyGatherND, runGatherND},
    {"OneHot", verifyOneHot, runOneHot},
    {"ReverseSequence", verifyReverseSequence, runReverseSequence},
    {"Scatter", verifyScatter, runScatterElements},
    {"ScatterElements", verifyScatterElements, runScatterElements},
    {"ScatterND", verifyScatterND, runScatterND},
};

} // namespace

KernelTable indexingKernels() {
  return {kKernels, sizeof(kKernels) / sizeof(kKernels[0])};
}

} // namespace npu::rt::hk
