//===- Elementwise.cpp - elementwise ops and vector programs
//----------------===//
//
// The vector unit's elementwise ops: which vec.* function an npu op is
// (vecFuncOf), INT8 activations as lookup tables, iteration spaces with
// broadcasting, and the tiled, double-buffered vector programs that run
// one op or a fused run of them (docs/codegen.md, "Tiling").
//
//===----------------------------------------------------------------------===//

#include "npu/Conversion/NpuToNpuIsa/Codegen.h"

#include "npu/Dialect/Npu/Utils/QuantParams.h"
#include "npu/runtime/Emulator.h"

#include "mlir/IR/Matchers.h"
#include "llvm/ADT/TypeSwitch.h"

#include <array>
#include <cmath>
#include <cstring>

using namespace mlir;
using namespace npu;
namespace rt = npu::rt;

namespace npu::codegen {

/// The per-tensor INT8 parameters of a tensor type.
static quant::UniformQuantizedType uniformOf(Type type) {
  return dyn_cast<quant::UniformQuantizedType>(
      cast<RankedTensorType>(type).getElementType());
}

StringRef vecElementType(Type type) {
  Type e = getElementTypeOrSelf(type);
  if (e.isF32())
    return "f32";
  if (auto q = dyn_cast<quant::QuantizedType>(e))
    if (q.getStorageTypeIntegralWidth() == 8)
      return q.isSigned() ? "i8" : "u8";
  return "";
}

std::optional<ElementsAttr> lutTable(Operation *op) {
  if (auto lut = dyn_cast<LookupTableOp>(op))
    return cast<ElementsAttr>(lut.getTable());
  return std::nullopt;
}

std::optional<std::pair<int64_t, int64_t>> absorbedClamp(Operation *clamp,
                                                         Operation *quantize) {
  auto c = dyn_cast<ClampOp>(clamp);
  auto q = dyn_cast<QuantizeOp>(quantize);
  if (!c || !q || q.getInput() != c.getResult() || !c->hasOneUse() ||
      !getElementTypeOrSelf(c.getType()).isF32())
    return std::nullopt;
  float lo = c.getMin().convertToFloat(), hi = c.getMax().convertToFloat();
  // 0 inside the range: a NaN (quantized to the zero point either way)
  // stays the zero point under the code bounds.
  if (!(lo <= 0.0f && hi >= 0.0f))
    return std::nullopt;
  quant::UniformQuantizedType t = uniformOf(q.getType());
  float alpha = float(t.getScale());
  if (!(alpha > 0.0f) || !std::isfinite(alpha))
    return std::nullopt;
  bool even = q.getRounding() == RoundingMode::half_to_even;
  // The code vec.convert quantize gives v.
  auto code = [&](float v) {
    return rt::quantizeCode(v, alpha, int32_t(t.getZeroPoint()), even);
  };
  // The saturation of the stored type (the instruction saturates to INT8
  // or UINT8 whatever the quantized type's narrower range).
  int64_t qmin = t.isSigned() ? -128 : 0, qmax = t.isSigned() ? 127 : 255;
  int64_t codeLo = std::isinf(lo) ? qmin : std::max(qmin, code(lo));
  int64_t codeHi = std::isinf(hi) ? qmax : std::min(qmax, code(hi));
  return std::pair{codeLo, codeHi};
}

/// The ISA v4 comparisons: FP32 or INT32 operands of one type, a BOOL mask.
static bool isCompareFunc(StringRef f) {
  return llvm::is_contained({"eq", "gt", "ge", "lt", "le"}, f);
}
std::optional<ScalarAffine> scalarAffine(Operation *mul, Operation *add) {
  if (!isa_and_nonnull<MulOp>(mul) || !isa_and_nonnull<AddOp, SubOp>(add) ||
      !mul->hasOneUse() || !llvm::all_of(mul->getOperandTypes(), [](Type t) {
        return getElementTypeOrSelf(t).isF32();
      }))
    return std::nullopt;
  // The value of a one-element FP32 constant operand.
  auto scalar = [](Value v) -> std::optional<float> {
    Attribute a;
    SmallVector<float> values;
    if (!matchPattern(v, m_Constant(&a)) || !readFloatConstant(a, values) ||
        values.size() != 1)
      return std::nullopt;
    return values.front();
  };
  // mul(x, a) or mul(a, x), with x the result's shape (no broadcast of x).
  Type shape = mul->getResult(0).getType();
  std::optional<float> alpha;
  Value x;
  for (unsigned i : {0u, 1u})
    if (!alpha && mul->getOperand(i).getType() == shape) {
      x = mul->getOperand(i);
      alpha = scalar(mul->getOperand(1 - i));
    }
  // add(m, b), add(b, m) or sub(m, b), of the mul's shape.
  std::optional<float> beta;
  Value m = mul->getResult(0);
  if (add->getResult(0).getType() == shape) {
    if (add->getOperand(0) == m)
      beta = scalar(add->getOperand(1));
    else if (isa<AddOp>(add) && add->getOperand(1) == m)
      beta = scalar(add->getOperand(0));
  }
  if (!alpha || !beta)
    return std::nullopt;
  VecFunc f{false, "affine_clamp"};
  f.alpha = *alpha;
  f.beta = isa<SubOp>(add) ? -*beta : *beta; // negation is exact
  f.lo = -INFINITY;
  f.hi = INFINITY;
  return ScalarAffine{f, x};
}

bool takesOutputStage(StringRef binaryFunc) {
  return llvm::is_contained({"add", "sub", "mul", "div"}, binaryFunc);
}

std::optional<std::pair<float, float>> outputStageBounds(Operation *clamp) {
  auto c = dyn_cast_or_null<ClampOp>(clamp);
  if (!c || !getElementTypeOrSelf(c.getType()).isF32() ||
      !c.getInput().hasOneUse())
    return std::nullopt;
  // Both bounds infinite: the stage would be off, and the clamp's own
  // 1 * x + 0 (which turns -0 into +0) would be lost.
  float lo = c.getMin().convertToFloat(), hi = c.getMax().convertToFloat();
  if (std::isinf(lo) && std::isinf(hi))
    return std::nullopt;
  return std::pair{lo, hi};
}

bool foldClampInto(Operation *clamp, Operation *inst, int64_t src) {
  std::optional<std::pair<float, float>> bounds = outputStageBounds(clamp);
  if (!bounds)
    return false;
  auto func = inst->getAttrOfType<StringAttr>("func");
  auto dst = inst->getAttrOfType<IntegerAttr>("dst");
  auto dstType = inst->getAttrOfType<StringAttr>("dst_type");
  bool binary = isa<npuisa::VecBinaryOp>(inst) && func &&
                takesOutputStage(func.getValue());
  bool affine = isa<npuisa::VecUnaryOp>(inst) && func &&
                func.getValue() == "affine_clamp";
  bool readout = isa<npuisa::VecConvertOp>(inst) && func &&
                 func.getValue() == "itof_affine";
  if ((!binary && !affine && !readout) || !dst || dst.getInt() != src ||
      !dstType || dstType.getValue() != "f32")
    return false;
  // Bounds of its own: an affine_clamp's finite ones (a binary op has none
  // before ISA v14) are kept, and the clamp stays a pass of its own.
  for (StringRef name : {"lo", "hi"})
    if (auto bound = inst->getAttrOfType<FloatAttr>(name);
        bound && !std::isinf(bound.getValueAsDouble()))
      return false;
  // The clamp runs as affine_clamp(1 * x + 0, lo, hi), which turns -0 into
  // +0; so does the output stage of a binary op it joins (alpha 1, beta 0,
  // on because a bound is finite), and of an affine_clamp whose own beta
  // is not -0 (x + beta then + 0 is x + beta).
  if (affine)
    if (auto beta = inst->getAttrOfType<FloatAttr>("beta");
        beta && beta.getValueAsDouble() == 0.0 &&
        std::signbit(beta.getValueAsDouble()))
      return false;
  Builder b(inst->getContext());
  inst->setAttr("lo", b.getF32FloatAttr(bounds->first));
  inst->setAttr("hi", b.getF32FloatAttr(bounds->second));
  return true;
}

std::optional<ScalarAffine> hardSwishAffine(Operation *hardSwish,
                                            Operation *mul, Operation *add) {
  auto hs = dyn_cast_or_null<HardSwishOp>(hardSwish);
  if (!hs || !hs->hasOneUse() || *hs->getUsers().begin() != mul ||
      !getElementTypeOrSelf(hs.getType()).isF32())
    return std::nullopt;
  std::optional<ScalarAffine> affine = scalarAffine(mul, add);
  if (!affine || affine->input != hs.getResult())
    return std::nullopt;
  VecFunc f = *vecFuncOf(hs);
  f.func = "hard_swish_affine";
  f.lo = affine->fn.alpha;
  f.hi = affine->fn.beta;
  return ScalarAffine{f, hs.getInput()};
}

/// The ISA v13 INT8 functions with rescale: INT8 operands and result.
static bool isRescaleFunc(StringRef f) {
  return f == "add_rescale" || f == "mul_rescale";
}
/// The ISA v4 logic functions: BOOL operands and result.
static bool isLogicFunc(StringRef f) {
  return llvm::is_contained({"and", "or", "xor", "not"}, f);
}

std::optional<VecFunc> vecFuncOf(Operation *op) {
  if (auto q = dyn_cast<QuantizeOp>(op)) {
    VecFunc f{false, q.getRounding() == RoundingMode::half_to_even
                         ? "quantize_even"
                         : "quantize"};
    f.kind = VecFunc::Convert;
    f.alpha = float(uniformOf(q.getType()).getScale());
    f.zpOut = uniformOf(q.getType()).getZeroPoint();
    return f;
  }
  if (auto dq = dyn_cast<DequantizeOp>(op)) {
    VecFunc f{false, "dequantize"};
    f.kind = VecFunc::Convert;
    f.alpha = float(uniformOf(dq.getInput().getType()).getScale());
    f.zpIn = uniformOf(dq.getInput().getType()).getZeroPoint();
    return f;
  }
  if (isa<LookupTableOp>(op)) {
    VecFunc f{false, "lut"};
    f.kind = VecFunc::Lut;
    return f;
  }
  // Cast between FP32 and INT32: vec.convert ftoi (ISA v12, ONNX Cast's
  // truncation) or itof; the vector unit converts no other pair.
  if (auto cast = dyn_cast<CastOp>(op)) {
    Type from = getElementTypeOrSelf(cast.getInput().getType());
    Type to = getElementTypeOrSelf(cast.getType());
    if (from.isF32() == to.isF32() ||
        !(from.isF32() || from.isSignlessInteger(32)) ||
        !(to.isF32() || to.isSignlessInteger(32)))
      return std::nullopt;
    VecFunc f{false, from.isF32() ? "ftoi" : "itof"};
    f.kind = VecFunc::Convert;
    return f;
  }
  // Unary ops whose mnemonic is the vector function's name (Isa.def).
  if (isa<SigmoidOp, TanhOp, ErfOp, ExpOp, SqrtOp, ReciprocalOp, AbsOp, FloorOp,
          CeilOp, RoundOp, SignOp, LogOp, SinOp, CosOp, TanOp, AsinOp, AcosOp,
          AtanOp, SinhOp, CoshOp, AsinhOp, AcoshOp, AtanhOp, SoftplusOp,
          SoftsignOp>(op))
    return VecFunc{false, op->getName().stripDialect()};
  return TypeSwitch<Operation *, std::optional<VecFunc>>(op)
      .Case([](ClampOp c) {
        VecFunc f{false, "affine_clamp"};
        f.lo = c.getMin().convertToFloat();
        f.hi = c.getMax().convertToFloat();
        return f;
      })
      .Case([](LeakyReluOp c) {
        VecFunc f{false, "leaky_relu"};
        f.alpha = c.getAlpha().convertToFloat();
        return f;
      })
      .Case([](HardSigmoidOp c) {
        VecFunc f{false, "affine_clamp"};
        f.alpha = c.getAlpha().convertToFloat();
        f.beta = c.getBeta().convertToFloat();
        f.lo = 0.0f;
        f.hi = 1.0f;
        return f;
      })
      .Case([](HardSwishOp) {
        VecFunc f{false, "hard_swish"};
        f.alpha = 1.0f / 6.0f;
        f.beta = 0.5f;
        return f;
      })
      .Case([](NegOp) {
        // affine_clamp(-1 * x + 0, -inf, +inf): exact for every value but
        // +0, which gives +0 rather than -0 (-0 + 0 is +0 in IEEE 754).
        VecFunc f{false, "affine_clamp"};
        f.alpha = -1.0f;
        f.beta = 0.0f;
        f.lo = -INFINITY;
        f.hi = INFINITY;
        return f;
      })
      .Case([](ThresholdedReluOp t) {
        VecFunc f{false, "thresholded_relu"};
        f.alpha = t.getAlpha().convertToFloat();
        return f;
      })
      .Case([](ShrinkOp k) {
        VecFunc f{false, "shrink"};
        f.alpha = k.getLambd().convertToFloat();
        f.beta = k.getBias().convertToFloat();
        return f;
      })
      .Case([](EluOp e) {
        VecFunc f{false, "elu"};
        f.alpha = e.getAlpha().convertToFloat();
        f.beta = e.getScale().convertToFloat();
        return f;
      })
      .Case([](AddOp) {
        return VecFunc{true, "add"};
      })
      .Case([](SubOp) {
        return VecFunc{true, "sub"};
      })
      .Case([](MulOp) {
        return VecFunc{true, "mul"};
      })
      .Case([](DivOp) {
        return VecFunc{true, "div"};
      })
      .Case([](PowOp) {
        return VecFunc{true, "pow"};
      })
      .Case([](MinimumOp) {
        return VecFunc{true, "min"};
      })
      .Case([](MaximumOp) {
        return VecFunc{true, "max"};
      })
      .Case([](EqualOp) {
        return VecFunc{true, "eq"};
      })
      .Case([](GreaterOp) {
        return VecFunc{true, "gt"};
      })
      .Case([](GreaterOrEqualOp) {
        return VecFunc{true, "ge"};
      })
      .Case([](LessOp) {
        return VecFunc{true, "lt"};
      })
      .Case([](LessOrEqualOp) {
        return VecFunc{true, "le"};
      })
      .Case([](AndOp) {
        return VecFunc{true, "and"};
      })
      .Case([](OrOp) {
        return VecFunc{true, "or"};
      })
      .Case([](XorOp) {
        return VecFunc{true, "xor"};
      })
      .Case([](NotOp) {
        return VecFunc{false, "not"};
      })
      .Default([](Operation *) { return std::nullopt; });
}

namespace {

/// The per-tensor signed INT8 types of a binary op's operands and result;
/// nullopt unless all three are.
std::optional<std::array<quant::UniformQuantizedType, 3>>
int8BinaryTypes(Operation *op) {
  std::array<quant::UniformQuantizedType, 3> t = {
      uniformOf(op->getOperand(0).getType()),
      uniformOf(op->getOperand(1).getType()),
      uniformOf(op->getResult(0).getType())};
  for (quant::UniformQuantizedType q : t)
    if (!q || !q.getStorageType().isSignlessInteger(8) || !q.isSigned())
      return std::nullopt;
  return t;
}

} // namespace

std::optional<ptq::AddRescale> int8AddRescale(Operation *op) {
  auto t = isa<AddOp, SubOp>(op) ? int8BinaryTypes(op) : std::nullopt;
  if (!t)
    return std::nullopt;
  auto [lhs, rhs, out] = *t;
  std::optional<ptq::AddRescale> r =
      ptq::chooseAddRescale(lhs.getScale(), rhs.getScale(), out.getScale());
  if (r && isa<SubOp>(op))
    r->a2 = -r->a2;
  return r;
}

std::optional<ptq::MulRescale> int8MulRescale(Operation *op) {
  auto t = isa<MulOp>(op) ? int8BinaryTypes(op) : std::nullopt;
  if (!t)
    return std::nullopt;
  auto [lhs, rhs, out] = *t;
  return ptq::chooseMulRescale(lhs.getScale(), lhs.getZeroPoint(),
                               rhs.getScale(), rhs.getZeroPoint(),
                               out.getScale());
}

void appendStep(VectorProgram &p, const FusedStep &step, Operation *op) {
  std::optional<ptq::AddRescale> r = int8AddRescale(op);
  std::optional<ptq::MulRescale> m = r ? std::nullopt : int8MulRescale(op);
  if (!r && !m) {
    p.steps.push_back(step);
    return;
  }
  // One instruction: the multipliers over 2^shift, when exact in FP32
  // (so every product and sum the instruction forms is the four steps').
  int32_t shift = r ? r->shift : m->shift;
  float first = std::ldexp(float(r ? r->a1 : m->multiplier), -shift);
  float second = r ? std::ldexp(float(r->a2), -shift) : 1.0f;
  auto exact = [&](float scaled, int32_t multiplier) {
    return (scaled == 0.0f || std::isnormal(scaled)) &&
           std::ldexp(double(scaled), shift) == double(multiplier);
  };
  if (exact(first, r ? r->a1 : m->multiplier) && (!r || exact(second, r->a2))) {
    FusedStep one{VecFunc{true, r ? "add_rescale" : "mul_rescale"},
                  step.operands, step.result};
    one.fn.alpha = first;
    one.fn.beta = second;
    one.fn.zpIn = uniformOf(op->getOperand(0).getType()).getZeroPoint();
    one.fn.zpIn1 = uniformOf(op->getOperand(1).getType()).getZeroPoint();
    one.fn.zpOut = uniformOf(op->getResult(0).getType()).getZeroPoint();
    p.steps.push_back(one);
    return;
  }
  auto f32 = RankedTensorType::get(p.shape, Float32Type::get(op->getContext()));
  auto internal = [&] {
    p.values.push_back({f32, 0, ProgramValue::Internal});
    return int64_t(p.values.size()) - 1;
  };
  // An add scales each operand by its multiplier; a mul scales the first
  // by its multiplier and the second by 1.
  SmallVector<int64_t> terms;
  const int32_t multipliers[] = {r ? r->a1 : m->multiplier, r ? r->a2 : 1};
  for (unsigned i = 0; i < 2; ++i) {
    FusedStep dq{VecFunc{false, "dequantize"}, {step.operands[i]}, internal()};
    dq.fn.kind = VecFunc::Convert;
    dq.fn.alpha = float(multipliers[i]);
    dq.fn.zpIn = uniformOf(op->getOperand(i).getType()).getZeroPoint();
    terms.push_back(dq.result);
    p.steps.push_back(dq);
  }
  FusedStep combine{VecFunc{true, r ? "add" : "mul"}, terms, internal()};
  int64_t sum = combine.result;
  p.steps.push_back(combine);
  FusedStep q{VecFunc{false, "quantize"}, {sum}, step.result};
  q.fn.kind = VecFunc::Convert;
  q.fn.alpha = std::ldexp(1.0f, r ? r->shift : m->shift);
  q.fn.zpOut = uniformOf(op->getResult(0).getType()).getZeroPoint();
  p.steps.push_back(q);
}

/// Dims and per-operand element strides of an elementwise op over its result
/// (outermost first), after dropping dims of extent 1, collapsing dims the
/// operands traverse alike and splitting dims longer than `limit` (a 16-bit
/// extent or a buffer) by their largest divisor that fits; nullopt when one
/// has none. Any number of dims (a broadcast that keeps the innermost axes
/// from collapsing leaves more than four), but at most kMaxVectorOuterTiles
/// indices of those before the innermost four.
struct IterSpace {
  SmallVector<int64_t> dims;
  SmallVector<SmallVector<int64_t>> strides; // per operand, then the result
};

std::optional<IterSpace> iterSpace(ArrayRef<int64_t> out,
                                   ArrayRef<ArrayRef<int64_t>> operands,
                                   int64_t limit) {
  IterSpace s;
  size_t rank = out.size();
  s.dims.assign(out.begin(), out.end());
  for (ArrayRef<int64_t> shape : operands) {
    if (shape.size() > rank)
      return std::nullopt;
    SmallVector<int64_t> st(rank, 0);
    int64_t stride = 1;
    for (size_t i = shape.size(); i-- > 0;) {
      size_t axis = rank - shape.size() + i;
      st[axis] = shape[i] == 1 ? 0 : stride;
      stride *= shape[i];
    }
    s.strides.push_back(st);
  }
  s.strides.push_back(denseStrides(out));
  if (rank == 0) {
    s.dims = {1};
    for (auto &st : s.strides)
      st = {0};
    s.strides.back() = {1};
  }
  // A dim of extent 1 moves no operand: drop it (keeping one dim), or a
  // broadcast's trailing 1s (W[M][C][1][1] x s[1][C][1][1]) would be the
  // innermost dim and every row, and every DMA run, one element long.
  for (size_t i = s.dims.size(); i-- > 0;) {
    if (s.dims[i] != 1 || s.dims.size() == 1)
      continue;
    s.dims.erase(s.dims.begin() + i);
    for (auto &st : s.strides)
      st.erase(st.begin() + i);
  }
  // Collapse dim i into dim i+1 when every operand steps alike.
  for (size_t i = s.dims.size(); i-- > 1;) {
    bool mergeable =
        llvm::all_of(s.strides, [&](const SmallVector<int64_t> &st) {
          return st[i - 1] == st[i] * s.dims[i];
        });
    if (!mergeable)
      continue;
    s.dims[i] *= s.dims[i - 1];
    s.dims.erase(s.dims.begin() + (i - 1));
    for (auto &st : s.strides)
      st.erase(st.begin() + (i - 1));
  }
  SmallVector<SmallVectorImpl<int64_t> *> lists;
  for (auto &st : s.strides)
    lists.push_back(&st);
  // More than four dims are fine: a tile spans at most the four innermost
  // (a DMA box's and a vector instruction's), the emitter loops over the
  // others, at most kMaxVectorOuterTiles indices of them.
  if (!splitLongAxes(s.dims, lists, limit))
    return std::nullopt;
  int64_t outer = 1;
  for (size_t d = 0; d + 4 < s.dims.size(); ++d)
    outer = std::min(outer * s.dims[d], kMaxVectorOuterTiles + 1);
  if (outer > kMaxVectorOuterTiles)
    return std::nullopt;
  return s;
}

/// Why a vector program's iteration space fails (iterSpace), after "its".
static std::string iterationSpaceRefusal() {
  return "iteration space has an axis longer than a buffer with no divisor "
         "that fits, or more than " +
         std::to_string(kMaxVectorOuterTiles) +
         " indices of the axes before its innermost four";
}

namespace {
/// How emitVectorProgram lays a program out: two scratchpad buffers
/// (double buffering) per input and output, one per value that never
/// leaves the scratchpad, its lookup tables after them; the elements each
/// buffer holds (at 4 bytes); and the iteration space that follows.
struct ProgramLayout {
  int64_t luts = 0, tableBytes = 0, buffers = 0, budget = 0;
  std::optional<IterSpace> space;
};
} // namespace

static ProgramLayout programLayout(const VectorProgram &p,
                                   const rt::TargetDesc &target) {
  ProgramLayout l;
  for (const FusedStep &st : p.steps)
    l.luts += st.fn.kind == VecFunc::Lut;
  l.tableBytes = alignUp(l.luts * int64_t(target.lutEntries));
  SmallVector<ArrayRef<int64_t>> shapes;
  for (const ProgramValue &v : p.values) {
    if (v.kind == ProgramValue::Input)
      shapes.push_back(cast<RankedTensorType>(v.type).getShape());
    l.buffers += v.kind == ProgramValue::Internal ? 1 : 2;
  }
  l.budget = (int64_t(target.scratchpadBytes) - l.tableBytes) /
             std::max<int64_t>(l.buffers, 1) / kAlign * kAlign / 4;
  if (l.budget > 0)
    l.space = iterSpace(p.shape, shapes, std::min(l.budget, kMaxExtent));
  return l;
}

bool vectorProgramFits(ArrayRef<Operation *> ops,
                       const rt::TargetDesc &target) {
  auto result = cast<RankedTensorType>(ops.back()->getResult(0).getType());
  if (result.getNumElements() == 0)
    return true; // nothing to issue
  // The program the fused layer's emitter builds (Codegen::emitFusedGroup),
  // every value of `ops` counted as an output (a later reader may need it).
  VectorProgram p;
  p.shape = llvm::to_vector(result.getShape());
  llvm::DenseMap<Value, int64_t> index;
  auto valueIndex = [&](Value v, ProgramValue::Kind kind) {
    auto [it, inserted] = index.try_emplace(v, int64_t(p.values.size()));
    if (inserted)
      p.values.push_back({v.getType(), 0, kind});
    return it->second;
  };
  for (Operation *op : ops) {
    // (An op the vector unit runs without one function, Where's copy and
    // select, lays out as any step of its operands.)
    std::optional<VecFunc> fn = vecFuncOf(op);
    FusedStep step{fn ? *fn : VecFunc{false, "copy"}, {}, 0};
    for (Value v : op->getOperands())
      step.operands.push_back(valueIndex(
          v, llvm::is_contained(ops, v.getDefiningOp()) ? ProgramValue::Output
                                                        : ProgramValue::Input));
    step.result = valueIndex(op->getResult(0), ProgramValue::Output);
    appendStep(p, step, op);
  }
  return programLayout(p, target).space.has_value();
}

bool copyProgramFits(RankedTensorType type, const rt::TargetDesc &target) {
  if (type.getNumElements() == 0)
    return true;
  VectorProgram p;
  p.shape = llvm::to_vector(type.getShape());
  p.values = {{type, 0, ProgramValue::Input}, {type, 0, ProgramValue::Output}};
  p.steps.push_back({VecFunc{false, "copy"}, {0}, 1});
  return programLayout(p, target).space.has_value();
}

LogicalResult Codegen::emitElementwise(Operation *op, ArrayRef<Value> operands,
                                       ArrayRef<int64_t> srcOffsets,
                                       Value result, int64_t dstOffset,
                                       const VecFunc &fn, int64_t layer) {
  VectorProgram p;
  p.shape =
      llvm::to_vector(cast<RankedTensorType>(result.getType()).getShape());
  FusedStep step{fn, {}, int64_t(operands.size())};
  for (auto [v, offset] : llvm::zip(operands, srcOffsets)) {
    step.operands.push_back(int64_t(p.values.size()));
    p.values.push_back({v.getType(), offset, ProgramValue::Input});
  }
  p.values.push_back({result.getType(), dstOffset, ProgramValue::Output});
  appendStep(p, step, op);
  return emitVectorProgram(op, p, layer);
}

Operation *Codegen::emitVecStep(Location loc, const VecFunc &fn,
                                const VecOperand &src0,
                                std::optional<VecOperand> src1,
                                const VecOperand &dst, ArrayRef<int64_t> dims,
                                StringRef type, int64_t layer,
                                StringRef dstType, StringRef src1Type) {
  auto attrs = SmallVector<NamedAttribute>{
      b.getNamedAttr("func",
                     b.getStringAttr(fn.kind == VecFunc::Lut ? "" : fn.func)),
      b.getNamedAttr("src0", b.getI64IntegerAttr(src0.addr)),
      b.getNamedAttr("src1", b.getI64IntegerAttr(src1 ? src1->addr : 0)),
      b.getNamedAttr("dst", b.getI64IntegerAttr(dst.addr))};
  Operation *vec;
  if (fn.kind == VecFunc::Convert)
    vec =
        npuisa::VecConvertOp::create(b, loc, TypeRange{}, ValueRange{}, attrs);
  else if (fn.kind == VecFunc::Lut)
    vec = npuisa::VecLutOp::create(b, loc, TypeRange{}, ValueRange{}, attrs);
  else if (fn.binary)
    vec = npuisa::VecBinaryOp::create(b, loc, TypeRange{}, ValueRange{}, attrs);
  else
    vec = npuisa::VecUnaryOp::create(b, loc, TypeRange{}, ValueRange{}, attrs);
  vec->setAttr("dims", b.getDenseI64ArrayAttr(dims));
  vec->setAttr("src0_strides", b.getDenseI64ArrayAttr(src0.strides));
  vec->setAttr("dst_strides", b.getDenseI64ArrayAttr(dst.strides));
  vec->setAttr("src0_type", b.getStringAttr(type));
  vec->setAttr("dst_type", b.getStringAttr(dstType.empty() ? type : dstType));
  if (fn.zpIn)
    vec->setAttr("zp_in", b.getI64IntegerAttr(*fn.zpIn));
  if (fn.zpOut)
    vec->setAttr("zp_out", b.getI64IntegerAttr(*fn.zpOut));
  if (fn.zpIn1)
    vec->setAttr("zp_in1", b.getI64IntegerAttr(*fn.zpIn1));
  // A table (vec.lut's src1) is an address without an element walk.
  if (src1 && fn.kind != VecFunc::Lut) {
    vec->setAttr("src1_strides", b.getDenseI64ArrayAttr(src1->strides));
    vec->setAttr("src1_type",
                 b.getStringAttr(src1Type.empty() ? type : src1Type));
  }
  for (auto [name, value] : {std::pair{"alpha", fn.alpha},
                             {"beta", fn.beta},
                             {"lo", fn.lo},
                             {"hi", fn.hi}})
    if (value)
      vec->setAttr(name, b.getF32FloatAttr(*value));
  vec->setAttr("layer", b.getI64IntegerAttr(layer));
  return vec;
}

SmallVector<Operation *>
Codegen::emitScaledReadout(Location loc, int64_t dst, ArrayRef<int64_t> dims,
                           ArrayRef<int64_t> strides, int64_t scales,
                           int64_t biases, int64_t layer,
                           std::optional<int64_t> scratchpadSums) {
  // One vec.convert itof_affine (ISA v10): the scale row at `scales`, the
  // bias row (biases - scales) / 4 elements after it, per channel (dims[0]).
  VecFunc affine{false, "itof_affine"};
  affine.kind = VecFunc::Convert;
  Operation *convert =
      emitVecStep(loc, affine, {scratchpadSums.value_or(0), strides},
                  VecOperand{scales, {1, (biases - scales) / 4, 0, 0}},
                  {dst, strides}, dims, "i32", layer, "f32", "f32");
  convert->setAttr("channel_axis", b.getI64IntegerAttr(0));
  if (!scratchpadSums)
    convert->setAttr("src0_space", b.getStringAttr("acc"));
  return {convert};
}

Operation *Codegen::emitRequantReadout(Location loc, int64_t dst,
                                       ArrayRef<int64_t> dims,
                                       ArrayRef<int64_t> strides,
                                       int64_t params, StringRef dstType,
                                       int64_t zpOut, int64_t layer,
                                       std::optional<int64_t> scratchpadSums) {
  auto rq = npuisa::VecRequantOp::create(
      b, loc, TypeRange{}, ValueRange{},
      {b.getNamedAttr("src0", b.getI64IntegerAttr(scratchpadSums.value_or(0))),
       b.getNamedAttr("src1", b.getI64IntegerAttr(params)),
       b.getNamedAttr("dst", b.getI64IntegerAttr(dst))});
  rq.setDims(dims);
  rq.setSrc0Strides(strides);
  rq.setDstStrides(strides);
  rq.setSrc0Type(StringRef("i32"));
  rq.setDstType(dstType);
  rq.setChannelAxisAttr(b.getI64IntegerAttr(0));
  if (zpOut)
    rq.setZpOutAttr(b.getI64IntegerAttr(zpOut));
  if (!scratchpadSums)
    rq.setSrc0SpaceAttr(b.getStringAttr("acc"));
  rq.setLayerAttr(b.getI64IntegerAttr(layer));
  return rq;
}

Operation *Codegen::emitSumsReadout(Location loc, int64_t dst,
                                    ArrayRef<int64_t> dims,
                                    ArrayRef<int64_t> strides, int64_t row,
                                    int64_t layer,
                                    std::optional<int64_t> scratchpadSums) {
  Operation *add = emitVecStep(
      loc, VecFunc{true, "add"}, {scratchpadSums.value_or(0), strides},
      VecOperand{row, {1, 0, 0, 0}}, {dst, strides}, dims, "i32", layer);
  if (!scratchpadSums)
    add->setAttr("src0_space", b.getStringAttr("acc"));
  return add;
}

LogicalResult Codegen::emitVectorProgram(Operation *op, const VectorProgram &p,
                                         int64_t layer) {
  // FP32, or INT32 for the integer-exact binary functions (the vector
  // unit's INT32 path).
  auto elementsAre = [&](auto pred) {
    return llvm::all_of(p.values, [&](const ProgramValue &v) {
      return pred(cast<RankedTensorType>(v.type).getElementType());
    });
  };
  // BOOL values (i1) are bytes, 1 or 0, whatever the other values are.
  auto isBool = [](Type t) { return t.isSignlessInteger(1); };
  // Integer arithmetic: every other value INT32, INT8 or UINT8 (one type),
  // every step an integer binary function of the vector unit (exact,
  // wrapping to the element width as ONNX's integer ops do), a comparison
  // or logic (BOOL results), or a selection (copy, select).
  Type first;
  for (const ProgramValue &v : p.values)
    if (Type e = cast<RankedTensorType>(v.type).getElementType(); !isBool(e)) {
      first = e;
      break;
    }
  StringRef integerType = !first                        ? ""
                          : first.isSignlessInteger(32) ? "i32"
                          : first.isSignlessInteger(8)  ? "i8"
                          : first.isUnsignedInteger(8)  ? "u8"
                                                        : "";
  bool integer = !integerType.empty() && elementsAre([&](Type t) {
    return t == first || isBool(t);
  }) && llvm::all_of(p.steps, [](const FusedStep &st) {
    return (st.fn.binary &&
            llvm::is_contained({"add", "sub", "mul", "div", "min", "max"},
                               st.fn.func)) ||
           isCompareFunc(st.fn.func) || isLogicFunc(st.fn.func) ||
           st.fn.func == "select" || st.fn.func == "copy";
  });
  // Otherwise FP32 arithmetic, with INT8 values converted at the program's
  // edges (vec.convert) or mapped through tables (vec.lut).
  auto typeOf = [&](int64_t k) -> StringRef {
    Type e = cast<RankedTensorType>(p.values[k].type).getElementType();
    if (isBool(e))
      return "bool";
    if (integer)
      return integerType;
    if (e.isF32())
      return "f32";
    if (e.isSignlessInteger(32)) // converted by itof and ftoi
      return "i32";
    return vecElementType(e);
  };
  auto ebOf = [&](int64_t k) {
    StringRef t = typeOf(k);
    return t == "i8" || t == "u8" || t == "bool" ? 1 : 4;
  };
  for (const FusedStep &st : p.steps) {
    StringRef in = typeOf(st.operands[0]), out = typeOf(st.result);
    bool ok = !in.empty() && !out.empty();
    if (st.fn.kind == VecFunc::Convert)
      ok &= st.fn.func.starts_with("quantize")
                ? in == "f32" && (out == "i8" || out == "u8")
            : st.fn.func == "ftoi" ? in == "f32" && out == "i32"
            : st.fn.func == "itof" ? in == "i32" && out == "f32"
                                   : (in == "i8" || in == "u8") && out == "f32";
    else if (st.fn.kind == VecFunc::Lut)
      ok &= in == "i8" && out == "i8";
    else if (isRescaleFunc(st.fn.func))
      ok &= in == "i8" && typeOf(st.operands[1]) == "i8" && out == "i8";
    else if (isCompareFunc(st.fn.func))
      ok &= (in == "f32" || in == "i32") && typeOf(st.operands[1]) == in &&
            out == "bool";
    else if (isLogicFunc(st.fn.func))
      ok &= llvm::all_of(st.operands,
                         [&](int64_t k) { return typeOf(k) == "bool"; }) &&
            out == "bool";
    else if (st.fn.func == "select") // dst = src0 ? src1 : dst
      ok &= in == "bool" && typeOf(st.operands[1]) == out &&
            (out == "f32" || out == "i32");
    else if (out == "bool")
      ok = false;
    else
      ok &= llvm::all_of(st.operands,
                         [&](int64_t k) { return typeOf(k) == out; }) &&
            (integer || out != "i8");
    if (!ok)
      return op->emitError(
          "backend: only FP32 elementwise ops (INT32, INT8 and UINT8 add, "
          "sub, mul, div, min, max; FP32 and INT32 comparisons and "
          "selection; BOOL logic; quantized INT8 through quantize, "
          "dequantize and lookup tables; FP32-INT32 conversion) are "
          "supported");
  }
  // The layout and iteration space (programLayout: the rule legality and
  // fusion check too).
  ProgramLayout layout = programLayout(p, target);
  int64_t luts = layout.luts;
  int64_t budget = layout.budget;
  SmallVector<int64_t> inputs, outputs;
  for (auto [k, v] : llvm::enumerate(p.values)) {
    if (v.kind == ProgramValue::Input)
      inputs.push_back(k);
    if (v.kind == ProgramValue::Output)
      outputs.push_back(k);
  }
  std::optional<IterSpace> &space = layout.space;
  if (!space)
    return op->emitError("backend: this op's ") << iterationSpaceRefusal();
  ArrayRef<int64_t> dims = space->dims;
  int64_t rank = dims.size();
  // Tile dim t: the outermost whose inner product fits the budget, and at
  // most four dims from the innermost (a DMA box's and a vector
  // instruction's); loop over the dims before it, cut dim t into row chunks.
  int64_t t = rank - 1, inner = 1;
  while (t > 0 && t > rank - 4 && inner * dims[t] <= budget) {
    inner *= dims[t];
    --t;
  }
  // `inner` is the product of the dims after t, which fit; a tile holds
  // `rows` of dim t (all of it when the whole space fits).
  int64_t rows = std::max<int64_t>(
      1, std::min(dims[t], budget / std::max<int64_t>(inner, 1)));
  noteTiles({{"elements", rows * inner}});
  int64_t count = 1;
  for (int64_t d : p.shape)
    count *= d;
  if (count == 0)
    return success(); // nothing to compute, store or wait for
  // The tiles, in order: an index for dims < t and a row range of dim t.
  struct Tile {
    SmallVector<int64_t> outer;
    int64_t r0, r1;
  };
  SmallVector<Tile> tiles;
  SmallVector<int64_t> idx(t, 0);
  while (true) {
    for (int64_t r0 = 0; r0 < dims[t]; r0 += rows)
      tiles.push_back({idx, r0, std::min(dims[t], r0 + rows)});
    int64_t d = t - 1;
    while (d >= 0 && ++idx[d] == dims[d])
      idx[d--] = 0;
    if (d < 0)
      break;
  }
  int64_t n = int64_t(tiles.size());
  // Buffer addresses: value k's buffer for tile i (inputs and outputs
  // alternate between two).
  // Value k's buffer: two for inputs and outputs (tile i in copy i % 2),
  // one for a value that never leaves the scratchpad; the tables after
  // them.
  beginScratchpadPass();
  SmallVector<SpBuffer> valueBufs;
  for (auto [k, v] : llvm::enumerate(p.values)) {
    bool internal = v.kind == ProgramValue::Internal;
    valueBufs.push_back(
        scratchpad((Twine(v.kind == ProgramValue::Input    ? "in"
                          : v.kind == ProgramValue::Output ? "out"
                                                           : "tmp") +
                    Twine(k))
                       .str(),
                   budget * 4, internal ? 1 : 2));
  }
  SpBuffer tables = scratchpad("luts", int64_t(target.lutEntries), luts);
  auto tableSram = [&](int64_t lut) { return tables.at(lut); };
  auto sramOf = [&](int64_t k, int64_t i) { return valueBufs[k].at(i); };
  // Iteration-space strides per value: inputs their own (0 where they
  // broadcast), everything else the result's.
  auto spaceStrides = [&](int64_t k) -> ArrayRef<int64_t> {
    auto it = llvm::find(inputs, k);
    return it != inputs.end() ? space->strides[it - inputs.begin()]
                              : space->strides.back();
  };
  Location loc = op->getLoc();
  for (int64_t i = 0; i < n; ++i) {
    const Tile &tile = tiles[i];
    // Tile dims, outermost first, from dim t on (dims before t are 1).
    SmallVector<int64_t> tdims = {tile.r1 - tile.r0};
    tdims.append(dims.begin() + t + 1, dims.end());
    int64_t trank = tdims.size();
    // Innermost-first helpers over the tile dims, padded to 4.
    auto innermostFirst = [&](ArrayRef<int64_t> outerFirst, int64_t pad) {
      SmallVector<int64_t> v(outerFirst.rbegin(), outerFirst.rend());
      v.resize(4, pad);
      return v;
    };
    auto dramBase = [&](ArrayRef<int64_t> st, int64_t base, int64_t eb) {
      int64_t e = tile.r0 * st[t];
      for (int64_t d = 0; d < t; ++d)
        e += tile.outer[d] * st[d];
      return base + eb * e;
    };
    // Loads: each input's box (broadcast dims of size 1) into a compact
    // scratchpad buffer; vector strides are 0 on the broadcast dims.
    llvm::DenseMap<int64_t, SmallVector<int64_t>> vecStrides;
    npuisa::DmaLoadOp lastLoad;
    for (auto [j, k] : llvm::enumerate(inputs)) {
      ArrayRef<int64_t> st = spaceStrides(k);
      int64_t eb = ebOf(k);
      SmallVector<int64_t> box, dstr, sstr, vst(trank, 0);
      int64_t compact = 1;
      for (int64_t d = trank - 1; d >= 0; --d) {
        int64_t dim = t + d, size = st[dim] == 0 ? 1 : tdims[d];
        vst[d] = st[dim] == 0 ? 0 : compact;
        // The box leaves out dims of one element (a broadcast one
        // innermost would cut the DMA into one-element runs).
        if (size > 1) {
          box.push_back(size);
          dstr.push_back(eb * st[dim]);
          sstr.push_back(eb * compact);
        }
        compact *= size;
      }
      box.resize(4, 1);
      dstr.resize(4, 0);
      sstr.resize(4, 0);
      vecStrides[k] = vst;
      lastLoad = emitDma<npuisa::DmaLoadOp>(loc, sramOf(k, i),
                                            dramBase(st, p.values[k].dram, eb),
                                            eb, box, dstr, sstr, layer);
      // The first load waits for the buffers to be free (tile i-2 computed)
      // or, on the op's first tile, for the previous op to have stored.
      if (j == 0 && firstLoadWaits(i))
        lastLoad.setPopNext(true);
    }
    // Lookup tables, once, behind the first tile's inputs (whose first load
    // waited for the scratchpad to be free).
    int64_t lut = 0;
    if (i == 0)
      for (const FusedStep &st : p.steps)
        if (st.fn.kind == VecFunc::Lut)
          lastLoad = emitDma<npuisa::DmaLoadOp>(
              loc, tableSram(lut++), st.fn.tableDram, 1,
              {int64_t(target.lutEntries), 1, 1, 1}, {1, 0, 0, 0}, {1, 0, 0, 0},
              layer);
    lastLoad.setPushNext(true);
    SmallVector<int64_t> dense = denseStrides(tdims);
    auto stridesOf = [&](int64_t k) {
      auto it = vecStrides.find(k);
      return innermostFirst(
          it != vecStrides.end() ? ArrayRef(it->second) : ArrayRef(dense), 0);
    };
    // Compute: one vector instruction per step, in order.
    SmallVector<Operation *> program;
    int64_t table = 0;
    for (const FusedStep &st : p.steps) {
      // A unary step of a broadcast value (an INT8 mul's per-channel
      // operand dequantized) into a value only the program reads computes
      // each distinct element once: over the operand's own extent, its
      // result laid out (and read) as the operand is.
      SmallVector<int64_t> stepDims(tdims);
      auto operandSt = vecStrides.find(st.operands[0]);
      if (!st.fn.binary && st.fn.kind != VecFunc::Lut &&
          p.values[st.result].kind == ProgramValue::Internal &&
          operandSt != vecStrides.end() &&
          llvm::is_contained(operandSt->second, 0)) {
        SmallVector<int64_t> compact = operandSt->second;
        for (int64_t d = 0; d < trank; ++d)
          if (compact[d] == 0)
            stepDims[d] = 1;
        vecStrides[st.result] = compact;
      }
      SmallVector<int64_t> s0St = stridesOf(st.operands[0]);
      SmallVector<int64_t> s1St =
          st.fn.binary ? stridesOf(st.operands[1]) : SmallVector<int64_t>();
      SmallVector<int64_t> dstSt = stridesOf(st.result);
      std::optional<VecOperand> src1;
      if (st.fn.binary)
        src1 = VecOperand{sramOf(st.operands[1], i), s1St};
      if (st.fn.kind == VecFunc::Lut)
        src1 = VecOperand{tableSram(table++), {}};
      program.push_back(emitVecStep(
          loc, st.fn, {sramOf(st.operands[0], i), s0St}, src1,
          {sramOf(st.result, i), dstSt}, innermostFirst(stepDims, 1),
          typeOf(st.operands[0]), layer, typeOf(st.result),
          st.fn.binary ? typeOf(st.operands[1]) : StringRef()));
    }
    markTileCompute(program, i, n);
    // Store the outputs; the first waits for the compute queue, the last
    // frees the output buffers for tile i+2 or, after the last tile, tells
    // the compute queue that the op is in DRAM.
    for (auto [j, k] : llvm::enumerate(outputs)) {
      ArrayRef<int64_t> outSt = space->strides.back();
      int64_t eb = ebOf(k);
      SmallVector<int64_t> dstr, sstr;
      for (int64_t d = trank - 1; d >= 0; --d) {
        dstr.push_back(eb * outSt[t + d]);
        sstr.push_back(eb * dense[d]);
      }
      dstr.resize(4, 0);
      sstr.resize(4, 0);
      auto store = emitDma<npuisa::DmaStoreOp>(
          loc, sramOf(k, i), dramBase(outSt, p.values[k].dram, eb), eb,
          innermostFirst(tdims, 1), dstr, sstr, layer);
      if (j == 0)
        store.setPopPrev(true);
      if (j + 1 == outputs.size())
        store.setPushPrev(i + 2 < n || i == n - 1);
    }
  }
  emitOpBarrier(loc);
  return success();
}

LogicalResult Codegen::emitElementwiseOp(Operation *op, int64_t layer) {
  SmallVector<Value> operands(op->getOperands());
  SmallVector<int64_t> offsets;
  for (Value v : operands)
    offsets.push_back(bufferOf(v).offset);
  VecFunc fn = *vecFuncOf(op);
  if (fn.kind == VecFunc::Lut)
    fn.tableDram = tableOf(op, "lut").offset;
  return emitElementwise(op, operands, offsets, op->getResult(0),
                         bufferOf(op->getResult(0)).offset, fn, layer);
}

namespace {

/// Elementwise ops: one vec.* function each (vecFuncOf), broadcasting by
/// zero strides; legal when the vector unit has a form of the function for
/// the op's element types.
/// Whether `op`'s result and operands iterate in a vector program's four
/// 16-bit dimensions (iterSpace, at the buffer size of `op` alone), with
/// the reason when not: a dense axis of a prime length above 65,535 does
/// not split. Placement sends such an op to the host instead of the code
/// generator failing on it.
static bool fitsIterationSpace(Operation *op, const rt::TargetDesc &target,
                               std::string &reason) {
  if (vectorProgramFits({op}, target))
    return true;
  reason = "its " + iterationSpaceRefusal();
  return false;
}

template <typename OpTy>
struct ElementwiseModel
    : BackendOpInterface::ExternalModel<ElementwiseModel<OpTy>, OpTy> {
  ExecutionUnit getExecutionUnit(Operation *) const {
    return ExecutionUnit::vector;
  }
  /// Add and sub of INT8 operands with rescale (int8AddRescale), mul with
  /// its fixed-point multiplier (int8MulRescale).
  bool supportsInt8(Operation *) const {
    return std::is_same_v<OpTy, AddOp> || std::is_same_v<OpTy, SubOp> ||
           std::is_same_v<OpTy, MulOp>;
  }
  bool isLegalOn(Operation *op, const rt::TargetDesc &target,
                 std::string &reason) const {
    if (std::optional<ElementsAttr> table = lutTable(op);
        table && table->getNumElements() != int64_t(target.lutEntries)) {
      reason = "the table has " + std::to_string(table->getNumElements()) +
               " entries; the target's vec.lut takes " +
               std::to_string(target.lutEntries);
      return false;
    }
    std::optional<VecFunc> fn = vecFuncOf(op);
    if (fn && elementTypesSupported(op, *fn))
      return fitsIterationSpace(op, target, reason);
    if (int8ActivationTable(op))
      reason = "an INT8 activation runs as an npu.lookup_table, whose table "
               "npu-quantize (or canonicalization) computes";
    else if (isa<AddOp, SubOp>(op) &&
             llvm::any_of(op->getOperandTypes(), [](Type t) {
               return isa<quant::QuantizedType>(getElementTypeOrSelf(t));
             }))
      reason = "an INT8 add or sub needs per-tensor INT8 operands and result "
               "whose input scales are at most 64 times the output's "
               "(ptq::chooseAddRescale)";
    else if (isa<MulOp>(op) && llvm::any_of(op->getOperandTypes(), [](Type t) {
               return isa<quant::QuantizedType>(getElementTypeOrSelf(t));
             }))
      reason = "an INT8 mul needs per-tensor INT8 operands and result, "
               "and a multiplier s_a s_b / s_out within FP32's normal range "
               "(ptq::chooseMulRescale)";
    else
      reason = "the vector unit has no form of it for these element types";
    return false;
  }

  /// The emitter's rule (emitVectorProgram) for one op: FP32 (INT8 values
  /// only through quantize, dequantize and lookup tables), or one integer
  /// type (INT32, INT8, UINT8) throughout add, sub, mul, div, min and max.
  static bool elementTypesSupported(Operation *op, const VecFunc &fn) {
    if (fn.kind != VecFunc::Arith || int8AddRescale(op) || int8MulRescale(op))
      return true;
    auto elementOf = [](Type t) {
      return cast<ShapedType>(t).getElementType();
    };
    // Comparisons: FP32 or INT32 operands of one type (a BOOL result, as
    // the op's type says); logic: BOOL throughout (the op's types).
    if (isCompareFunc(fn.func)) {
      Type lhs = elementOf(op->getOperand(0).getType());
      return lhs == elementOf(op->getOperand(1).getType()) &&
             (lhs.isF32() || lhs.isSignlessInteger(32));
    }
    if (isLogicFunc(fn.func))
      return true;
    Type first = cast<ShapedType>(op->getResult(0).getType()).getElementType();
    bool same = llvm::all_of(op->getOperandTypes(), [&](Type t) {
      return cast<ShapedType>(t).getElementType() == first;
    });
    if (!same)
      return false;
    if (first.isF32())
      return true;
    bool integer = first.isSignlessInteger(32) || first.isSignlessInteger(8) ||
                   first.isUnsignedInteger(8);
    return integer && fn.binary &&
           llvm::is_contained({"add", "sub", "mul", "div", "min", "max"},
                              fn.func);
  }
  /// A lookup table reads its 256 codes (lutTable).
  LogicalResult
  getConstantTables(Operation *op, const rt::TargetDesc &,
                    SmallVectorImpl<ConstantTable> &tables) const {
    if (std::optional<ElementsAttr> table = lutTable(op))
      tables.push_back({"lut", *table});
    return success();
  }
  LogicalResult emit(Operation *op, Codegen &codegen, int64_t layer) const {
    return codegen.emitElementwiseOp(op, layer);
  }
};

/// Where: a copy of `y` into the result, then `vec.binary select` moves `x`
/// where the condition holds (dst = src0 ? src1 : dst), one vector program
/// of two steps over the broadcast iteration space. FP32 or INT32 `x`, `y`
/// and result (the masked move copies 4-byte elements whatever they hold).
struct WhereModel : BackendOpInterface::ExternalModel<WhereModel, WhereOp> {
  ExecutionUnit getExecutionUnit(Operation *) const {
    return ExecutionUnit::vector;
  }
  bool isLegalOn(Operation *op, const rt::TargetDesc &target,
                 std::string &reason) const {
    auto where = cast<WhereOp>(op);
    Type e = where.getType().getElementType();
    if (where.getX().getType().getElementType() == e &&
        where.getY().getType().getElementType() == e &&
        (e.isF32() || e.isSignlessInteger(32)))
      return fitsIterationSpace(op, target, reason);
    reason = "the vector unit selects FP32 or INT32 values only";
    return false;
  }
  LogicalResult emit(Operation *op, Codegen &codegen, int64_t layer) const {
    auto where = cast<WhereOp>(op);
    VectorProgram p;
    p.shape = llvm::to_vector(where.getType().getShape());
    for (Value v : op->getOperands())
      p.values.push_back(
          {v.getType(), codegen.bufferOf(v).offset, ProgramValue::Input});
    p.values.push_back({where.getType(), codegen.bufferOf(where).offset,
                        ProgramValue::Output});
    // Values: 0 condition, 1 x, 2 y, 3 the result.
    p.steps.push_back({VecFunc{false, "copy"}, {2}, 3});
    p.steps.push_back({VecFunc{true, "select"}, {0, 1}, 3});
    return codegen.emitVectorProgram(op, p, layer);
  }
};

template <typename... Ops> void attach(MLIRContext *context) {
  (Ops::template attachInterface<ElementwiseModel<Ops>>(*context), ...);
}

} // namespace

void registerElementwiseModels(MLIRContext *context) {
  attach<ClampOp, LeakyReluOp, HardSigmoidOp, HardSwishOp, SigmoidOp, TanhOp,
         ErfOp, ExpOp, SqrtOp, NegOp, ReciprocalOp, AbsOp, FloorOp, CeilOp,
         RoundOp, SignOp, LogOp, SinOp, CosOp, SoftplusOp, SoftsignOp, EluOp,
         TanOp, AsinOp, AcosOp, AtanOp, SinhOp, CoshOp, AsinhOp, AcoshOp,
         AtanhOp, ThresholdedReluOp, ShrinkOp, AddOp, SubOp, MulOp, DivOp,
         PowOp, MinimumOp, MaximumOp, QuantizeOp, DequantizeOp, LookupTableOp,
         EqualOp, GreaterOp, GreaterOrEqualOp, LessOp, LessOrEqualOp, AndOp,
         OrOp, XorOp, NotOp, CastOp>(context);
  WhereOp::attachInterface<WhereModel>(*context);
}

} // namespace npu::codegen
