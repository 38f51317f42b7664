//===- Common.cpp - shared machinery of the host kernels ------------------===//

#include "Common.h"

#include <algorithm>

namespace npu::rt::hk {

std::string shapeStr(const Shape &shape) { return shapeString(shape); }
const char *typeStr(ElementType type) { return elementTypeName(type); }

//===----------------------------------------------------------------------===//
// FP16 / BF16
//===----------------------------------------------------------------------===//

static uint32_t floatBits(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  return x;
}
static float bitsFloat(uint32_t x) {
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  if (exp == 0) { // Zero or subnormal: mant * 2^-24, exact in float.
    float v = std::ldexp(float(mant), -24);
    return sign ? -v : v;
  }
  if (exp == 31)
    return bitsFloat(sign | 0x7f800000 | (mant << 13));
  return bitsFloat(sign | ((exp + 112) << 23) | (mant << 13));
}

uint16_t floatToHalf(float f) {
  uint32_t x = floatBits(f);
  uint16_t sign = uint16_t((x >> 16) & 0x8000);
  x &= 0x7fffffff;
  if (x > 0x7f800000) // NaN: keep it quiet and keep the top payload bits.
    return uint16_t(sign | 0x7e00 | ((x >> 13) & 0x3ff));
  if (x >= 0x477ff000) // >= 65520 rounds to infinity.
    return uint16_t(sign | 0x7c00);
  if (x < 0x38800000) { // Below 2^-14: a half subnormal or zero.
    if (x < 0x33000000) // <= 2^-25 rounds (ties to even) to zero.
      return sign;
    uint32_t e = x >> 23, m = (x & 0x7fffff) | 0x800000;
    uint32_t shift = 126 - e; // 14..24
    uint32_t r = m >> shift, rem = m & ((1u << shift) - 1),
             halfway = 1u << (shift - 1);
    if (rem > halfway || (rem == halfway && (r & 1)))
      ++r;
    return uint16_t(sign | r);
  }
  uint32_t h = (((x >> 23) - 112) << 10) | ((x & 0x7fffff) >> 13);
  uint32_t rem = x & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (h & 1)))
    ++h; // A carry into the exponent is still correct.
  return uint16_t(sign | h);
}

float bf16ToFloat(uint16_t b) { return bitsFloat(uint32_t(b) << 16); }

uint16_t floatToBf16(float f) {
  uint32_t x = floatBits(f);
  if ((x & 0x7fffffff) > 0x7f800000)
    return uint16_t((x >> 16) | 0x40); // Quiet NaN.
  x += 0x7fff + ((x >> 16) & 1);
  return uint16_t(x >> 16);
}

bool typeFromOnnx(int64_t code, ElementType &type) {
  switch (code) {
  case 1:
    type = ElementType::F32;
    return true;
  case 2:
    type = ElementType::U8;
    return true;
  case 3:
    type = ElementType::I8;
    return true;
  case 4:
    type = ElementType::U16;
    return true;
  case 5:
    type = ElementType::I16;
    return true;
  case 6:
    type = ElementType::I32;
    return true;
  case 7:
    type = ElementType::I64;
    return true;
  case 9:
    type = ElementType::Bool;
    return true;
  case 10:
    type = ElementType::F16;
    return true;
  case 11:
    type = ElementType::F64;
    return true;
  case 12:
    type = ElementType::U32;
    return true;
  case 13:
    type = ElementType::U64;
    return true;
  case 16:
    type = ElementType::BF16;
    return true;
  default:
    return false;
  }
}

//===----------------------------------------------------------------------===//
// Shapes
//===----------------------------------------------------------------------===//

Shape stridesOf(const Shape &shape) {
  Shape s(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;)
    s[i - 1] = s[i] * shape[i];
  return s;
}

bool axisAttr(const HostNode &node, int64_t rank, int64_t dflt, int64_t &axis,
              std::string &why, bool inclusive) {
  axis = node.getInt("axis", dflt);
  int64_t hi = inclusive ? rank + 1 : rank;
  if (axis < -rank || axis >= hi)
    return fail(why, node, "axis ", axis, " out of range [", -rank, ", ", hi,
                ")");
  if (axis < 0)
    axis += rank;
  return true;
}

bool verifySoftmaxAxis(const HostNode &node, const Tensors &in,
                       const Tensors &out, std::string &why) {
  int64_t axis, r = int64_t(in[0].shape.size());
  if (node.opset >= 13 ? !axisAttr(node, r, -1, axis, why)
                       : !axisAttr(node, r, 1, axis, why, true))
    return false;
  if (node.opset >= 13 && r == 0)
    return fail(why, node, "input must have rank >= 1");
  return checkOutput(node, out, 0, in[0].type, in[0].shape, why);
}

bool broadcastShapes(const std::vector<const Shape *> &shapes, Shape &result) {
  size_t rank = 0;
  for (const Shape *s : shapes)
    rank = std::max(rank, s->size());
  result.assign(rank, 1);
  for (const Shape *s : shapes)
    for (size_t i = 0; i < s->size(); ++i) {
      int64_t d = (*s)[s->size() - 1 - i];
      int64_t &r = result[rank - 1 - i];
      if (d == r || d == 1)
        continue;
      if (r != 1)
        return false;
      r = d;
    }
  return true;
}

BroadcastIndex::BroadcastIndex(const Shape &outShape,
                               const std::vector<const Shape *> &ins)
    : outShape_(outShape), counter_(outShape.size(), 0),
      offsets_(ins.size(), 0) {
  size_t rank = outShape.size();
  for (const Shape *s : ins) {
    Shape own = stridesOf(*s), st(rank, 0);
    for (size_t i = 0; i < s->size(); ++i) {
      size_t d = rank - s->size() + i;
      st[d] = (*s)[i] == 1 ? 0 : own[i];
    }
    strides_.push_back(std::move(st));
  }
}

void BroadcastIndex::next() {
  for (size_t d = outShape_.size(); d-- > 0;) {
    for (size_t k = 0; k < offsets_.size(); ++k)
      offsets_[k] += strides_[k][d];
    if (++counter_[d] < outShape_[d])
      return;
    for (size_t k = 0; k < offsets_.size(); ++k)
      offsets_[k] -= strides_[k][d] * outShape_[d];
    counter_[d] = 0;
  }
}

bool matMulShape(const HostNode &node, const Shape &a0, const Shape &b0,
                 Shape &shape, Shape &a, Shape &b, std::string &why) {
  if (a0.empty() || b0.empty())
    return fail(why, node, "inputs must have rank >= 1");
  a = a0.size() == 1 ? Shape{1, a0[0]} : a0;
  b = b0.size() == 1 ? Shape{b0[0], 1} : b0;
  if (a.back() != b[b.size() - 2])
    return fail(why, node, "inner dimensions of ", shapeStr(a0), " and ",
                shapeStr(b0), " differ");
  Shape ab(a.begin(), a.end() - 2), bb(b.begin(), b.end() - 2);
  if (!broadcastShapes({&ab, &bb}, shape))
    return fail(why, node, "batch shapes ", shapeStr(ab), " and ", shapeStr(bb),
                " do not broadcast");
  if (a0.size() > 1)
    shape.push_back(a[a.size() - 2]);
  if (b0.size() > 1)
    shape.push_back(b.back());
  return true;
}

//===----------------------------------------------------------------------===//
// Verify helpers
//===----------------------------------------------------------------------===//

bool checkArity(const HostNode &node, const Tensors &in, const Tensors &out,
                size_t minIn, size_t maxIn, size_t numOut, std::string &why) {
  if (in.size() < minIn || in.size() > maxIn) {
    if (minIn == maxIn)
      return fail(why, node, "expects ", minIn, " inputs, got ", in.size());
    return fail(why, node, "expects ", minIn, " to ", maxIn, " inputs, got ",
                in.size());
  }
  for (size_t i = 0; i < minIn; ++i)
    if (!in[i].present)
      return fail(why, node, "input ", i, " is required");
  if (out.size() != numOut)
    return fail(why, node, "expects ", numOut, " outputs, got ", out.size());
  for (size_t i = 0; i < out.size(); ++i)
    if (!out[i].present)
      return fail(why, node, "output ", i, " is required");
  return true;
}

static const char *kindName(bin::AttributeKind k) {
  return bin::EnumNameAttributeKind(k);
}

bool checkAttrs(const HostNode &node, std::initializer_list<AttrSpec> specs,
                std::string &why) {
  for (const HostAttribute &a : node.attributes) {
    const AttrSpec *spec = nullptr;
    for (const AttrSpec &s : specs)
      if (a.name == s.name)
        spec = &s;
    if (!spec)
      return fail(why, node, "unknown attribute '", a.name, "'");
    if (a.kind != spec->kind)
      return fail(why, node, "attribute '", a.name, "' is ", kindName(a.kind),
                  ", expected ", kindName(spec->kind));
  }
  return true;
}

bool checkType(const HostNode &node, const Tensors &in, size_t i, TypeSet set,
               std::string &why) {
  if (!inSet(in[i].type, set))
    return fail(why, node, "input ", i, " has unsupported element type ",
                typeStr(in[i].type));
  return true;
}

bool checkSameType(const HostNode &node, const Tensors &in, size_t i, size_t j,
                   std::string &why) {
  if (in[i].type != in[j].type)
    return fail(why, node, "input ", j, " is ", typeStr(in[j].type),
                ", expected ", typeStr(in[i].type), " like input ", i);
  return true;
}

bool checkOutput(const HostNode &node, const Tensors &out, size_t i,
                 ElementType type, const Shape &shape, std::string &why) {
  if (out[i].inferredShape && out[i].type == type) {
    *out[i].inferredShape = shape; // inferHostOutputShapes
    return true;
  }
  if (out[i].type != type || out[i].shape != shape)
    return fail(why, node, "output ", i, " is ", typeStr(out[i].type), " ",
                shapeStr(out[i].shape), ", expected ", typeStr(type), " ",
                shapeStr(shape));
  return true;
}

bool checkOutputRank(const HostNode &node, const Tensors &out, size_t i,
                     ElementType type, size_t rank, std::string &why) {
  if (out[i].inferredShape)
    return fail(why, node, "output ", i,
                "'s shape depends on the data of its inputs");
  if (out[i].type != type || out[i].shape.size() != rank)
    return fail(why, node, "output ", i, " is ", typeStr(out[i].type), " ",
                shapeStr(out[i].shape), ", expected ", typeStr(type),
                " of rank ", rank);
  return true;
}

bool check1DInts(const HostNode &node, const Tensors &in, size_t i,
                 TypeSet types, std::string &why) {
  if (!checkType(node, in, i, types, why))
    return false;
  if (in[i].shape.size() != 1)
    return fail(why, node, "input ", i, " must be 1-D, got ",
                shapeStr(in[i].shape));
  return true;
}

std::vector<int64_t> loadInts(const HostTensorView &t) {
  std::vector<int64_t> v(t.numElements());
  for (uint64_t i = 0; i < v.size(); ++i)
    v[i] = loadIndex(t, i);
  return v;
}

bool paramInts(const HostNode &node, const Tensors &in, size_t i, TypeSet types,
               std::vector<int64_t> &values, std::string &why) {
  if (i >= in.size() || !in[i].present)
    return fail(why, node, "input ", i, " is absent");
  if (!check1DInts(node, in, i, types, why))
    return false;
  if (!in[i].data)
    return fail(why, node, "its output shape depends on the values of input ",
                i, ", which are not known here");
  values = loadInts(in[i]);
  return true;
}

bool checkScalar(const HostNode &node, const Tensors &in, size_t i,
                 std::string &why) {
  if (in[i].shape.size() > 1 || in[i].numElements() != 1)
    return fail(why, node, "input ", i, " must be a scalar, got ",
                shapeStr(in[i].shape));
  return true;
}

int64_t loadIndex(const HostTensorView &t, uint64_t i) {
  return visitType(t.type, [&](auto tag) -> int64_t {
    using S = typename decltype(tag)::type;
    using C = Compute<S>;
    C v = Elem<S>::load(t.data, i);
    if constexpr (std::is_same_v<C, uint64_t>)
      return v > uint64_t(std::numeric_limits<int64_t>::max())
                 ? std::numeric_limits<int64_t>::max()
                 : int64_t(v);
    else
      return convert<int64_t>(v);
  });
}

double loadDouble(const HostTensorView &t, uint64_t i) {
  return visitType(t.type, [&](auto tag) -> double {
    using S = typename decltype(tag)::type;
    return double(Elem<S>::load(t.data, i));
  });
}

bool intsAttr(const HostNode &node, const char *name, size_t r, int64_t dflt,
              int64_t min, Shape &v, std::string &why) {
  const std::vector<int64_t> *a = node.getInts(name);
  if (!a) {
    v.assign(r, dflt);
    return true;
  }
  if (a->size() != r)
    return fail(why, node, name, " has ", a->size(), " entries, expected ", r);
  for (int64_t x : *a)
    if (x < min || x > (int64_t(1) << 32))
      return fail(why, node, name, " must be in [", min, ", 2^32], got ", x);
  v = *a;
  return true;
}

bool windowOutput(const HostNode &node, const Shape &in, const Shape &kernel,
                  const Shape &strides, const Shape &dilations,
                  const Shape &pads, bool ceil, Shape &out, Shape &padBegin,
                  Shape &padEnd, std::string &why) {
  std::string autoPad = node.getString("auto_pad", "NOTSET");
  if (autoPad != "NOTSET" && autoPad != "VALID" && autoPad != "SAME_UPPER" &&
      autoPad != "SAME_LOWER")
    return fail(why, node, "unknown auto_pad '", autoPad, "'");
  if (autoPad != "NOTSET" && node.find("pads"))
    return fail(why, node, "pads and auto_pad ", autoPad,
                " cannot be used together");
  size_t r = in.size();
  out.resize(r);
  padBegin.assign(pads.begin(), pads.begin() + r);
  padEnd.assign(pads.begin() + r, pads.end());
  for (size_t i = 0; i < r; ++i) {
    if (kernel[i] < 1 || kernel[i] - 1 > (int64_t(1) << 40) / dilations[i])
      return fail(why, node, "kernel ", shapeStr(kernel), " dilated by ",
                  shapeStr(dilations), " is too large or empty");
    int64_t ek = (kernel[i] - 1) * dilations[i] + 1, d = in[i], st = strides[i];
    if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      out[i] = (d + st - 1) / st;
      int64_t total = std::max<int64_t>(0, (out[i] - 1) * st + ek - d);
      padBegin[i] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
      padEnd[i] = total - padBegin[i];
      continue;
    }
    int64_t span = d + padBegin[i] + padEnd[i] - ek;
    if (span < 0)
      return fail(why, node, "kernel ", ek, " (dilated) exceeds the padded ",
                  "input ", d + padBegin[i] + padEnd[i], " on axis ", i + 2);
    out[i] = (ceil ? (span + st - 1) / st : span / st) + 1;
  }
  return true;
}

} // namespace npu::rt::hk
