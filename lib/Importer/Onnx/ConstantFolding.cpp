//===- ConstantFolding.cpp - import-time folding of ONNX shape arithmetic ===//

#include "ConstantFolding.h"
#include "NodeAttributes.h"
#include "OnnxSemantics.h"

#include "llvm/ADT/STLExtras.h"

#include <cmath>

using namespace llvm;
using onnx::TensorProto;

namespace npu::onnx_import {

bool isFoldOnlyOp(StringRef opType) {
  static constexpr StringLiteral ops[] = {"Shape",   "Size",  "ConstantOfShape",
                                          "Range",   "Equal", "Where",
                                          "Expand",  "Neg",   "Min",
                                          "Max",     "Less",  "ReduceProd",
                                          "Greater", "Not",   "Floor",
                                          "Ceil",    "Abs",   "If",
                                          "Loop",    "Scan"};
  return is_contained(ops, opType);
}

namespace {

/// Folding context for one node.
struct Folder {
  const onnx::NodeProto &node;
  int64_t opset;
  ArrayRef<const HostTensor *> in;
  ArrayRef<const onnx::TypeProto *> types;
  std::vector<HostTensor> &out;
  std::string &error;
  NodeAttributes attrs{node};

  bool has(unsigned i) const { return i < in.size() && in[i]; }
  bool present(unsigned i) const {
    return i < static_cast<unsigned>(node.input_size()) &&
           !node.input(i).empty();
  }
  /// True when every present input is a known constant.
  bool allConstant() const {
    for (unsigned i = 0; i < static_cast<unsigned>(node.input_size()); ++i)
      if (present(i) && !has(i))
        return false;
    return true;
  }
  FoldStatus fail(const std::string &msg) {
    error = msg;
    return FoldStatus::Error;
  }
  HostTensor &result(int32_t dtype, ArrayRef<int64_t> shape) {
    out.emplace_back();
    out.back().dtype = dtype;
    out.back().shape.assign(shape.begin(), shape.end());
    out.back().resize(out.back().size());
    return out.back();
  }
  std::vector<int64_t> intsOf(const HostTensor &t) {
    std::vector<int64_t> v(t.size());
    for (int64_t i = 0; i < t.size(); ++i)
      v[i] = t.intAt(i);
    return v;
  }
  /// Copies element `from` of `src` to element `to` of `dst` (same dtype).
  static void copyElem(const HostTensor &src, int64_t from, HostTensor &dst,
                       int64_t to) {
    if (src.isReal())
      dst.reals[to] = src.reals[from];
    else
      dst.ints[to] = src.ints[from];
  }

  FoldStatus run();
  FoldStatus shape(bool sizeOnly);
  FoldStatus reshapeLike(SmallVector<int64_t> newShape);
  FoldStatus reshape();
  FoldStatus squeezeUnsqueeze(bool unsqueeze);
  FoldStatus concat();
  FoldStatus split();
  FoldStatus gather();
  FoldStatus slice();
  FoldStatus cast();
  FoldStatus elementwise(StringRef op);
  FoldStatus unary(StringRef op);
  FoldStatus constantOfShape();
  FoldStatus range();
  FoldStatus expand();
  FoldStatus transpose();
  FoldStatus reduceProd();
};

FoldStatus Folder::run() {
  StringRef op = node.op_type();
  if (op == "Shape" || op == "Size")
    return shape(op == "Size");
  if (!allConstant())
    return FoldStatus::NotFoldable;
  for (unsigned i = 0; i < in.size(); ++i)
    if (in[i] && in[i]->size() > kMaxFoldElements)
      return FoldStatus::NotFoldable;
  if (op == "Identity" || (op == "Dropout" && node.output_size() == 1)) {
    out.push_back(*in[0]);
    return FoldStatus::Folded;
  }
  if (op == "Reshape")
    return reshape();
  if (op == "Flatten") {
    int64_t rank = in[0]->shape.size(), axis = attrs.getInt("axis", 1);
    if (axis < 0)
      axis += rank;
    if (axis < 0 || axis > rank)
      return fail("Flatten axis out of range");
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < rank; ++d)
      (d < axis ? outer : inner) *= in[0]->shape[d];
    return reshapeLike({outer, inner});
  }
  if (op == "Squeeze" || op == "Unsqueeze")
    return squeezeUnsqueeze(op == "Unsqueeze");
  if (op == "Concat")
    return concat();
  if (op == "Split")
    return split();
  if (op == "Gather")
    return gather();
  if (op == "Slice")
    return slice();
  if (op == "Cast")
    return cast();
  if (op == "Transpose")
    return transpose();
  if (op == "ConstantOfShape")
    return constantOfShape();
  if (op == "Range")
    return range();
  if (op == "Expand")
    return expand();
  if (op == "ReduceProd")
    return reduceProd();
  if (is_contained({"Add", "Sub", "Mul", "Div", "Equal", "Less", "Greater",
                    "Min", "Max", "Where", "Pow"},
                   op))
    return elementwise(op);
  if (is_contained({"Neg", "Not", "Floor", "Ceil", "Abs", "Sqrt"}, op))
    return unary(op);
  return FoldStatus::NotFoldable;
}

FoldStatus Folder::shape(bool sizeOnly) {
  const onnx::TypeProto *type = types.empty() ? nullptr : types[0];
  if (!type || !type->has_tensor_type() || !type->tensor_type().has_shape())
    return FoldStatus::NotFoldable;
  SmallVector<int64_t> dims;
  for (const auto &d : type->tensor_type().shape().dim()) {
    if (!d.has_dim_value())
      return FoldStatus::NotFoldable;
    dims.push_back(d.dim_value());
  }
  if (sizeOnly) {
    int64_t n = 1;
    for (int64_t d : dims)
      n *= d;
    result(TensorProto::INT64, {}).ints[0] = n;
    return FoldStatus::Folded;
  }
  // Opset 15 added `start`/`end`, clamped like Slice.
  int64_t rank = dims.size();
  int64_t start = attrs.getInt("start", 0), end = attrs.getInt("end", rank);
  if (start < 0)
    start += rank;
  if (end < 0)
    end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, start, rank);
  HostTensor &r = result(TensorProto::INT64, {end - start});
  for (int64_t i = start; i < end; ++i)
    r.ints[i - start] = dims[i];
  return FoldStatus::Folded;
}

FoldStatus Folder::reshapeLike(SmallVector<int64_t> newShape) {
  out.push_back(*in[0]);
  out.back().shape = std::move(newShape);
  return FoldStatus::Folded;
}

FoldStatus Folder::reshape() {
  const HostTensor &data = *in[0];
  std::vector<int64_t> target = intsOf(*in[1]);
  bool allowZero = attrs.getInt("allowzero", 0) != 0;
  SmallVector<int64_t> dims;
  int64_t known = 1, inferAt = -1;
  for (size_t i = 0; i < target.size(); ++i) {
    int64_t d = target[i];
    if (d == 0 && !allowZero) {
      if (i >= data.shape.size())
        return fail("Reshape copies a dimension the input does not have");
      d = data.shape[i];
    }
    if (d == -1) {
      if (inferAt >= 0)
        return fail("Reshape has more than one -1");
      inferAt = i;
      dims.push_back(1);
      continue;
    }
    if (d < 0)
      return fail("Reshape has a negative dimension");
    dims.push_back(d);
    known *= d;
  }
  if (inferAt >= 0) {
    if (known == 0 || data.size() % known != 0)
      return fail("Reshape cannot infer the -1 dimension");
    dims[inferAt] = data.size() / known;
  }
  int64_t n = 1;
  for (int64_t d : dims)
    n *= d;
  if (n != data.size())
    return fail("Reshape changes the element count");
  return reshapeLike(dims);
}

FoldStatus Folder::squeezeUnsqueeze(bool unsqueeze) {
  const HostTensor &data = *in[0];
  std::optional<SmallVector<int64_t>> axes;
  if (opset >= 13) {
    if (has(1)) {
      std::vector<int64_t> v = intsOf(*in[1]);
      axes = SmallVector<int64_t>(v.begin(), v.end());
    }
  } else {
    axes = attrs.getInts("axes");
  }
  int64_t inRank = data.shape.size();
  SmallVector<int64_t> dims;
  if (unsqueeze) {
    if (!axes)
      return fail("Unsqueeze needs axes");
    int64_t outRank = inRank + axes->size();
    SmallVector<bool> inserted(outRank, false);
    for (int64_t a : *axes) {
      if (!normalizeAxis(a, outRank) || inserted[a])
        return fail("Unsqueeze axis out of range or repeated");
      inserted[a] = true;
    }
    for (int64_t d = 0, src = 0; d < outRank; ++d)
      dims.push_back(inserted[d] ? 1 : data.shape[src++]);
  } else {
    SmallVector<bool> drop(inRank, false);
    if (!axes) {
      for (int64_t d = 0; d < inRank; ++d)
        drop[d] = data.shape[d] == 1;
    } else {
      for (int64_t a : *axes) {
        if (!normalizeAxis(a, inRank) || data.shape[a] != 1)
          return fail("Squeeze axis out of range or not of size 1");
        drop[a] = true;
      }
    }
    for (int64_t d = 0; d < inRank; ++d)
      if (!drop[d])
        dims.push_back(data.shape[d]);
  }
  return reshapeLike(dims);
}

FoldStatus Folder::concat() {
  int64_t rank = in[0]->shape.size(), axis = attrs.getInt("axis", 0);
  if (!normalizeAxis(axis, rank))
    return fail("Concat axis out of range");
  SmallVector<int64_t> dims(in[0]->shape);
  dims[axis] = 0;
  for (const HostTensor *t : in) {
    if (static_cast<int64_t>(t->shape.size()) != rank ||
        t->dtype != in[0]->dtype)
      return fail("Concat inputs differ in rank or type");
    dims[axis] += t->shape[axis];
  }
  HostTensor &r = result(in[0]->dtype, dims);
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= dims[d];
  int64_t pos = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (const HostTensor *t : in) {
      int64_t chunk = t->size() / outer;
      for (int64_t i = 0; i < chunk; ++i)
        copyElem(*t, o * chunk + i, r, pos++);
    }
  return FoldStatus::Folded;
}

/// ONNX Split of a constant: the `split` sizes (attribute before opset 13,
/// optional input from 13) or equal parts, one per output.
FoldStatus Folder::split() {
  const HostTensor &data = *in[0];
  int64_t rank = data.shape.size(), axis = attrs.getInt("axis", 0);
  if (!normalizeAxis(axis, rank))
    return fail("Split axis out of range");
  int64_t outputs = node.output_size(), dim = data.shape[axis];
  std::vector<int64_t> sizes;
  if (opset >= 13 && has(1)) {
    sizes = intsOf(*in[1]);
  } else if (opset < 13 && attrs.has("split")) {
    SmallVector<int64_t> given = attrs.getInts("split", {});
    sizes.assign(given.begin(), given.end());
  } else if (outputs > 0 && dim % outputs == 0)
    sizes.assign(outputs, dim / outputs);
  else
    return fail("Split into unequal parts needs the split sizes");
  int64_t total = 0;
  for (int64_t n : sizes) {
    if (n < 0)
      return fail("Split sizes must not be negative");
    total += n;
  }
  if (static_cast<int64_t>(sizes.size()) != outputs || total != dim)
    return fail("Split sizes must give one part per output and sum to the "
                "axis");
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= data.shape[d];
  for (int64_t d = axis + 1; d < rank; ++d)
    inner *= data.shape[d];
  int64_t start = 0;
  for (int64_t n : sizes) {
    SmallVector<int64_t> dims(data.shape);
    dims[axis] = n;
    HostTensor &r = result(data.dtype, dims);
    int64_t pos = 0;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t j = start; j < start + n; ++j)
        for (int64_t i = 0; i < inner; ++i)
          copyElem(data, (o * dim + j) * inner + i, r, pos++);
    start += n;
  }
  return FoldStatus::Folded;
}

FoldStatus Folder::gather() {
  const HostTensor &data = *in[0], &idx = *in[1];
  int64_t rank = data.shape.size(), axis = attrs.getInt("axis", 0);
  if (!normalizeAxis(axis, rank))
    return fail("Gather axis out of range");
  SmallVector<int64_t> dims(data.shape.begin(), data.shape.begin() + axis);
  dims.append(idx.shape.begin(), idx.shape.end());
  dims.append(data.shape.begin() + axis + 1, data.shape.end());
  HostTensor &r = result(data.dtype, dims);
  int64_t outer = 1, inner = 1, axisDim = data.shape[axis];
  for (int64_t d = 0; d < axis; ++d)
    outer *= data.shape[d];
  for (int64_t d = axis + 1; d < rank; ++d)
    inner *= data.shape[d];
  int64_t pos = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k = 0; k < idx.size(); ++k) {
      int64_t j = idx.intAt(k);
      if (j < 0)
        j += axisDim;
      if (j < 0 || j >= axisDim)
        return fail("Gather index out of range");
      for (int64_t i = 0; i < inner; ++i)
        copyElem(data, (o * axisDim + j) * inner + i, r, pos++);
    }
  return FoldStatus::Folded;
}

FoldStatus Folder::slice() {
  const HostTensor &data = *in[0];
  std::vector<int64_t> starts, ends, axes, steps;
  if (opset >= 10) {
    starts = intsOf(*in[1]);
    ends = intsOf(*in[2]);
    if (has(3))
      axes = intsOf(*in[3]);
    if (has(4))
      steps = intsOf(*in[4]);
  } else {
    auto s = attrs.getInts("starts", {}), e = attrs.getInts("ends", {});
    starts.assign(s.begin(), s.end());
    ends.assign(e.begin(), e.end());
    if (auto a = attrs.getInts("axes"))
      axes.assign(a->begin(), a->end());
  }
  SliceParams p;
  if (!resolveSlice(data.shape, starts, ends, axes, steps, p, error))
    return FoldStatus::Error;
  HostTensor &r = result(data.dtype, p.sizes);
  int64_t rank = data.shape.size(), n = r.size();
  SmallVector<int64_t> idx(rank, 0), inStrides(rank, 1);
  for (int64_t d = rank - 1; d > 0; --d)
    inStrides[d - 1] = inStrides[d] * data.shape[d];
  for (int64_t flat = 0; flat < n; ++flat) {
    int64_t src = 0;
    for (int64_t d = 0; d < rank; ++d)
      src += (p.offsets[d] + idx[d] * p.strides[d]) * inStrides[d];
    copyElem(data, src, r, flat);
    for (int64_t d = rank; d-- > 0;) {
      if (++idx[d] < p.sizes[d])
        break;
      idx[d] = 0;
    }
  }
  return FoldStatus::Folded;
}

FoldStatus Folder::cast() {
  const HostTensor &data = *in[0];
  int32_t to = attrs.getInt("to", TensorProto::FLOAT);
  if (elementByteSize(to) == 0)
    return FoldStatus::NotFoldable;
  HostTensor &r = result(to, data.shape);
  for (int64_t i = 0; i < data.size(); ++i) {
    if (r.isReal()) {
      r.reals[i] = data.realAt(i);
      if (to == TensorProto::FLOAT)
        r.reals[i] = static_cast<float>(r.reals[i]);
    } else if (to == TensorProto::BOOL) {
      r.ints[i] = data.realAt(i) != 0.0;
    } else if (data.isReal()) {
      double v = std::trunc(data.reals[i]);
      r.ints[i] = std::isfinite(v) ? static_cast<int64_t>(v) : 0;
    } else {
      r.ints[i] = data.ints[i];
    }
  }
  return FoldStatus::Folded;
}

static double applyReal(StringRef op, double a, double b) {
  if (op == "Add")
    return a + b;
  if (op == "Sub")
    return a - b;
  if (op == "Mul")
    return a * b;
  if (op == "Div")
    return a / b;
  if (op == "Pow")
    return std::pow(a, b);
  if (op == "Min")
    return std::min(a, b);
  if (op == "Max")
    return std::max(a, b);
  if (op == "Equal")
    return a == b;
  if (op == "Less")
    return a < b;
  if (op == "Greater")
    return a > b;
  return a;
}

FoldStatus Folder::elementwise(StringRef op) {
  SmallVector<int64_t> dims;
  bool isWhere = op == "Where";
  dims.assign(in[0]->shape.begin(), in[0]->shape.end());
  for (const HostTensor *t : in.drop_front()) {
    SmallVector<int64_t> next;
    if (!broadcastShapes(dims, t->shape, next))
      return fail(op.str() + " operands do not broadcast");
    dims = next;
  }
  const HostTensor &typeSrc = isWhere ? *in[1] : *in[0];
  bool compare = op == "Equal" || op == "Less" || op == "Greater";
  HostTensor &r = result(compare ? TensorProto::BOOL : typeSrc.dtype, dims);
  std::vector<std::vector<int64_t>> maps;
  for (const HostTensor *t : in)
    maps.push_back(broadcastIndexMap(dims, t->shape));
  bool real = typeSrc.isReal();
  for (int64_t i = 0; i < r.size(); ++i) {
    if (isWhere) {
      const HostTensor &pick = in[0]->intAt(maps[0][i]) ? *in[1] : *in[2];
      copyElem(pick, maps[in[0]->intAt(maps[0][i]) ? 1 : 2][i], r, i);
      continue;
    }
    if (real) {
      double acc = in[0]->realAt(maps[0][i]);
      for (size_t k = 1; k < in.size(); ++k)
        acc = applyReal(op, acc, in[k]->realAt(maps[k][i]));
      if (compare)
        r.ints[i] = acc != 0.0;
      else
        r.reals[i] = typeSrc.dtype == TensorProto::FLOAT ? float(acc) : acc;
      continue;
    }
    int64_t acc = in[0]->intAt(maps[0][i]);
    for (size_t k = 1; k < in.size(); ++k) {
      int64_t b = in[k]->intAt(maps[k][i]);
      if (op == "Div" && b == 0)
        return fail("integer division by zero");
      if (op == "Add")
        acc += b;
      else if (op == "Sub")
        acc -= b;
      else if (op == "Mul")
        acc *= b;
      else if (op == "Div")
        acc /= b; // C++ truncation, as ONNX Runtime does
      else if (op == "Pow")
        acc = static_cast<int64_t>(std::pow(double(acc), double(b)));
      else if (op == "Min")
        acc = std::min(acc, b);
      else if (op == "Max")
        acc = std::max(acc, b);
      else if (op == "Equal")
        acc = acc == b;
      else if (op == "Less")
        acc = acc < b;
      else if (op == "Greater")
        acc = acc > b;
    }
    r.ints[i] = acc;
  }
  return FoldStatus::Folded;
}

FoldStatus Folder::unary(StringRef op) {
  const HostTensor &data = *in[0];
  HostTensor &r = result(data.dtype, data.shape);
  for (int64_t i = 0; i < data.size(); ++i) {
    if (data.isReal()) {
      double v = data.reals[i];
      r.reals[i] = op == "Neg"     ? -v
                   : op == "Floor" ? std::floor(v)
                   : op == "Ceil"  ? std::ceil(v)
                   : op == "Abs"   ? std::fabs(v)
                   : op == "Sqrt"  ? std::sqrt(v)
                                   : v;
    } else {
      int64_t v = data.ints[i];
      if (op == "Sqrt")
        return FoldStatus::NotFoldable;
      r.ints[i] = op == "Neg"   ? -v
                  : op == "Abs" ? std::abs(v)
                  : op == "Not" ? !v
                                : v;
    }
  }
  return FoldStatus::Folded;
}

FoldStatus Folder::constantOfShape() {
  std::vector<int64_t> dims = intsOf(*in[0]);
  int64_t n;
  if (failed(checkedNumElements(dims, kMaxFoldElements, n)))
    return FoldStatus::NotFoldable;
  HostTensor value;
  value.dtype = TensorProto::FLOAT;
  value.shape = {1};
  value.reals = {0.0};
  if (const onnx::TensorProto *t = attrs.getTensor("value"))
    if (failed(readTensor(*t, "", value, error)) || value.size() != 1)
      return fail("ConstantOfShape value must hold one element");
  HostTensor &r =
      result(value.dtype, SmallVector<int64_t>(dims.begin(), dims.end()));
  for (int64_t i = 0; i < n; ++i)
    copyElem(value, 0, r, i);
  return FoldStatus::Folded;
}

FoldStatus Folder::range() {
  const HostTensor &start = *in[0], &limit = *in[1], &delta = *in[2];
  if (start.size() != 1 || limit.size() != 1 || delta.size() != 1)
    return fail("Range operands must be scalars");
  // The count is checked before it becomes an int64_t: a NaN or infinite
  // operand, or a span beyond int64_t (INT64_MIN to INT64_MAX), has none.
  // Integer operands count in 128 bits, exactly.
  double count;
  if (start.isReal()) {
    double s = start.realAt(0), l = limit.realAt(0), d = delta.realAt(0);
    if (d == 0)
      return fail("Range delta is zero");
    count = std::ceil((l - s) / d);
    if (std::isnan(count))
      return fail("Range of non-finite operands");
  } else {
    __int128 s = start.ints[0], l = limit.ints[0], d = delta.ints[0];
    if (d == 0)
      return fail("Range delta is zero");
    __int128 q = (l - s) / d;
    if (q * d != l - s && ((l - s < 0) == (d < 0)))
      ++q; // ceiling of a positive quotient
    count = static_cast<double>(q);
  }
  if (count > kMaxFoldElements)
    return FoldStatus::NotFoldable;
  int64_t n = count > 0 ? static_cast<int64_t>(count) : 0;
  HostTensor &r = result(start.dtype, {n});
  for (int64_t i = 0; i < n; ++i) {
    // Every element lies between start and limit, so fits the type.
    if (r.isReal())
      r.reals[i] = start.realAt(0) + i * delta.realAt(0);
    else
      r.ints[i] = static_cast<int64_t>(__int128(start.ints[0]) +
                                       __int128(i) * delta.ints[0]);
  }
  return FoldStatus::Folded;
}

FoldStatus Folder::expand() {
  std::vector<int64_t> target = intsOf(*in[1]);
  SmallVector<int64_t> dims;
  if (!broadcastShapes(in[0]->shape, target, dims))
    return fail("Expand shape does not broadcast");
  int64_t n;
  if (failed(checkedNumElements(dims, kMaxFoldElements, n)))
    return FoldStatus::NotFoldable;
  HostTensor &r = result(in[0]->dtype, dims);
  std::vector<int64_t> map = broadcastIndexMap(dims, in[0]->shape);
  for (int64_t i = 0; i < n; ++i)
    copyElem(*in[0], map[i], r, i);
  return FoldStatus::Folded;
}

FoldStatus Folder::transpose() {
  const HostTensor &data = *in[0];
  int64_t rank = data.shape.size();
  SmallVector<int64_t> perm;
  for (int64_t d = rank - 1; d >= 0; --d)
    perm.push_back(d);
  perm = attrs.getInts("perm", perm);
  if (static_cast<int64_t>(perm.size()) != rank)
    return fail("Transpose perm has the wrong length");
  SmallVector<int64_t> dims, inStrides(rank, 1);
  for (int64_t d = rank - 1; d > 0; --d)
    inStrides[d - 1] = inStrides[d] * data.shape[d];
  for (int64_t p : perm) {
    if (p < 0 || p >= rank)
      return fail("Transpose perm out of range");
    dims.push_back(data.shape[p]);
  }
  HostTensor &r = result(data.dtype, dims);
  SmallVector<int64_t> idx(rank, 0);
  for (int64_t flat = 0; flat < r.size(); ++flat) {
    int64_t src = 0;
    for (int64_t d = 0; d < rank; ++d)
      src += idx[d] * inStrides[perm[d]];
    copyElem(data, src, r, flat);
    for (int64_t d = rank; d-- > 0;) {
      if (++idx[d] < dims[d])
        break;
      idx[d] = 0;
    }
  }
  return FoldStatus::Folded;
}

FoldStatus Folder::reduceProd() {
  // Only the full reduction of a vector, the form shape arithmetic uses.
  const HostTensor &data = *in[0];
  if (data.shape.size() != 1 || data.isReal())
    return FoldStatus::NotFoldable;
  int64_t p = 1;
  for (int64_t v : data.ints)
    p *= v;
  bool keep = attrs.getInt("keepdims", 1) != 0;
  result(data.dtype, keep ? SmallVector<int64_t>{1} : SmallVector<int64_t>{})
      .ints[0] = p;
  return FoldStatus::Folded;
}

} // namespace

bool readFoldableConstant(const onnx::TensorProto &tensor, StringRef modelDir,
                          HostTensor &out) {
  SmallVector<int64_t> dims(tensor.dims().begin(), tensor.dims().end());
  int64_t n;
  std::string ignored;
  return succeeded(checkedNumElements(dims, kMaxFoldElements, n)) &&
         succeeded(readTensor(tensor, modelDir, out, ignored));
}

FoldStatus foldNode(const onnx::NodeProto &node, int64_t opset,
                    ArrayRef<const HostTensor *> inputs,
                    ArrayRef<const onnx::TypeProto *> inputTypes,
                    std::vector<HostTensor> &outputs, std::string &error) {
  outputs.clear();
  Folder folder{node, opset, inputs, inputTypes, outputs, error};
  FoldStatus status = folder.run();
  if (status == FoldStatus::Folded &&
      static_cast<int>(outputs.size()) < node.output_size())
    return FoldStatus::NotFoldable; // e.g. Dropout's mask output
  return status;
}

} // namespace npu::onnx_import
