//===- NpuToNpuIsa.cpp - generate NPU instructions for an npu graph ------===//
//
// Whole-graph code generation, so it is a pass rather than a set of local
// conversion patterns: DRAM planning needs every value's lifetime, and the
// dependence tokens of one op's tiles must balance with the next op's.
//
//===----------------------------------------------------------------------===//

#include "npu/Conversion/Passes.h"

#include "Codegen.h"
#include "npu/Dialect/Npu/IR/ResizeSampling.h"

#include "npu/Quantization/QuantParams.h"

#include "mlir/IR/Matchers.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <cstring>

namespace npu {
#define GEN_PASS_DEF_CONVERTNPUTONPUISA
#include "npu/Conversion/Passes.h.inc"
} // namespace npu

using namespace mlir;
using namespace npu;
namespace rt = npu::rt;

namespace npu::codegen {

int64_t elementBytes(Type type) {
  if (auto shaped = dyn_cast<ShapedType>(type))
    type = shaped.getElementType();
  if (auto q = dyn_cast<quant::QuantizedType>(type))
    type = q.getStorageType();
  return (type.getIntOrFloatBitWidth() + 7) / 8;
}

int64_t byteSize(Type type) {
  return cast<RankedTensorType>(type).getNumElements() * elementBytes(type);
}

/// Row-major element strides of `shape`.
SmallVector<int64_t> denseStrides(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> st(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;)
    st[i - 1] = st[i] * shape[i];
  return st;
}

/// Element strides of a reduction's result over its input axes: 0 on the
/// `reduced` axes, row-major over the kept ones.
SmallVector<int64_t> keptStrides(ArrayRef<int64_t> dims,
                                 ArrayRef<bool> reduced) {
  SmallVector<int64_t> st(dims.size(), 0);
  int64_t stride = 1;
  for (size_t d = dims.size(); d-- > 0;)
    if (!reduced[d]) {
      st[d] = stride;
      stride *= dims[d];
    }
  return st;
}

/// Splits every axis longer than `limit` into (d / f, f), f the largest
/// divisor of d not above `limit`, updating each stride list alike. False
/// when an axis has no such divisor or its outer part exceeds 16 bits.
bool splitLongAxes(SmallVectorImpl<int64_t> &dims,
                   ArrayRef<SmallVectorImpl<int64_t> *> strides,
                   int64_t limit) {
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t d = dims[i];
    if (d <= limit)
      continue;
    int64_t f = limit;
    while (f > 1 && d % f)
      --f;
    if (f <= 1 || d / f > kMaxExtent)
      return false;
    dims[i] = f;
    dims.insert(dims.begin() + i, d / f);
    for (SmallVectorImpl<int64_t> *st : strides)
      st->insert(st->begin() + i, (*st)[i] * f);
    ++i;
  }
  return true;
}

/// The per-tensor INT8 parameters of a tensor type.
static quant::UniformQuantizedType uniformOf(Type type) {
  return dyn_cast<quant::UniformQuantizedType>(
      cast<RankedTensorType>(type).getElementType());
}

/// An op that runs as a vec.lut: a lookup table, or an activation with
/// INT8 operand and result.
static bool isInt8Activation(Operation *op) {
  return isa<LookupTableOp>(op) || (isTableActivation(op) && isInt8(op));
}

std::optional<ElementsAttr> lutTable(Operation *op) {
  if (auto lut = dyn_cast<LookupTableOp>(op))
    return cast<ElementsAttr>(lut.getTable());
  if (!isInt8Activation(op))
    return std::nullopt;
  auto in = uniformOf(op->getOperand(0).getType());
  auto out = uniformOf(op->getResult(0).getType());
  if (!in || !out)
    return std::nullopt;
  std::array<int8_t, 256> table = ptq::buildLookupTable(
      {in.getScale(), int32_t(in.getZeroPoint())},
      {out.getScale(), int32_t(out.getZeroPoint())},
      [&](double x) { return *evaluateElementwise(op, {x}); });
  auto type =
      RankedTensorType::get({256}, IntegerType::get(op->getContext(), 8));
  return DenseElementsAttr::get(type, ArrayRef(table));
}

std::optional<VecFunc> vecFuncOf(Operation *op) {
  if (auto q = dyn_cast<QuantizeOp>(op)) {
    VecFunc f{false, "quantize"};
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
  if (isInt8Activation(op)) {
    VecFunc f{false, "lut"};
    f.kind = VecFunc::Lut;
    return f;
  }
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
      .Case([](SigmoidOp) {
        return VecFunc{false, "sigmoid"};
      })
      .Case([](TanhOp) {
        return VecFunc{false, "tanh"};
      })
      .Case([](ErfOp) {
        return VecFunc{false, "erf"};
      })
      .Case([](ExpOp) {
        return VecFunc{false, "exp"};
      })
      .Case([](SqrtOp) {
        return VecFunc{false, "sqrt"};
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
      .Default([](Operation *) { return std::nullopt; });
}

namespace {

/// ONNX convolution weights [M][C/group][KH][KW] (KH absent in 1-D), or
/// transposed convolution weights [C][M/group][KH][KW], rearranged to
/// [group][KH][KW][C/group][M/group]: per tap, the K x N matrix of the MAC
/// array; depthwise weights (one input and one output channel per group,
/// computed on the vector unit) to [KH][KW][C].
std::optional<ElementsAttr> convWeightsForArray(ConstantOp c, int64_t groups,
                                                bool transposed) {
  auto type = cast<RankedTensorType>(c.getType());
  if (type.getRank() < 3)
    return std::nullopt;
  ArrayRef<int64_t> spatial = type.getShape().drop_front(2);
  int64_t taps = 1;
  for (int64_t k : spatial)
    taps *= k;
  int64_t Cg = transposed ? type.getDimSize(0) / groups : type.getDimSize(1);
  int64_t Mg = transposed ? type.getDimSize(1) : type.getDimSize(0) / groups;
  // src[i]: the ONNX-ordered element that lands at position i.
  SmallVector<int64_t> src(type.getNumElements());
  SmallVector<int64_t> shape;
  if (!transposed && Cg == 1 && Mg == 1 && groups > 1 && spatial.size() <= 2) {
    // Depthwise, for the vector unit: [KH][KW][C], channels innermost.
    for (int64_t g = 0; g < groups; ++g)
      for (int64_t tap = 0; tap < taps; ++tap)
        src[tap * groups + g] = g * taps + tap;
    shape.assign(spatial.begin(), spatial.end());
    shape.push_back(groups);
  } else {
    for (int64_t g = 0; g < groups; ++g)
      for (int64_t c = 0; c < Cg; ++c)
        for (int64_t m = 0; m < Mg; ++m)
          for (int64_t tap = 0; tap < taps; ++tap)
            src[((g * taps + tap) * Cg + c) * Mg + m] =
                transposed ? ((g * Cg + c) * Mg + m) * taps + tap
                           : ((g * Mg + m) * Cg + c) * taps + tap;
    shape = {groups};
    shape.append(spatial.begin(), spatial.end());
    shape.append({Cg, Mg});
  }
  // INT8 weights (the quantized phase): their storage, reordered.
  if (isa<quant::QuantizedType>(type.getElementType())) {
    auto dense = dyn_cast<DenseElementsAttr>(c.getValue());
    if (!dense || !dense.getElementType().isSignlessInteger(8))
      return std::nullopt;
    auto values = llvm::to_vector(dense.getValues<int8_t>());
    SmallVector<int8_t> out(src.size());
    for (auto [i, from] : llvm::enumerate(src))
      out[i] = values[from];
    return DenseElementsAttr::get(
        RankedTensorType::get(shape, dense.getElementType()), ArrayRef(out));
  }
  SmallVector<float> w;
  if (!readFloatConstant(c.getValue(), w))
    return std::nullopt;
  SmallVector<float> out(src.size());
  for (auto [i, from] : llvm::enumerate(src))
    out[i] = w[from];
  return makeFloatConstant(RankedTensorType::get(shape, type.getElementType()),
                           out, "conv_weights");
}

} // namespace

void Codegen::formFusionGroups() {
  if (!fusionGroups.empty() || !groupOf.empty())
    return;
  Block &body = func.getBody().front();
  // Recorded groups (npu.fusion_group from the tiled phase) are followed.
  bool recorded = false;
  llvm::DenseMap<int64_t, size_t> byId;
  for (Operation &op : body)
    if (auto id = op.getAttrOfType<IntegerAttr>("npu.fusion_group")) {
      recorded = true;
      auto [it, inserted] = byId.try_emplace(id.getInt(), fusionGroups.size());
      if (inserted)
        fusionGroups.emplace_back();
      fusionGroups[it->second].push_back(&op);
    }
  if (!recorded) {
    // Runs of consecutive live FP32 elementwise ops with one result shape,
    // each after the first reading a value of the run; bounded so the
    // program's buffers stay a useful size.
    //
    // First, a convolution whose only user is a unary elementwise op (an
    // activation), itself used once by the next unary op and so on, takes
    // the chain as an epilogue: applied to each output tile in the
    // scratchpad before the store.
    llvm::DenseSet<Operation *> inChain;
    for (auto conv : body.getOps<ConvOp>()) {
      MacConv g;
      if (!convGeometry(conv, g) || !conv.getType().getElementType().isF32())
        continue;
      SmallVector<Operation *> chain = {conv};
      Value v = conv.getResult();
      size_t unaryPrefix = 1;
      while (v.hasOneUse()) {
        Operation *user = *v.getUsers().begin();
        std::optional<VecFunc> fn = vecFuncOf(user);
        // A quantize ends the chain: the convolution stores INT8.
        if (isa<QuantizeOp>(user)) {
          chain.push_back(user);
          break;
        }
        if (!fn || fn->kind != VecFunc::Arith ||
            user->getResult(0).getType() != v.getType())
          break;
        // A binary op joins with a constant other operand (a per-channel
        // scale after the activation), checked below.
        if (fn->binary) {
          Value other = user->getOperand(0) == v ? user->getOperand(1)
                                                 : user->getOperand(0);
          if (other == v || !other.getDefiningOp<ConstantOp>())
            break;
        } else if (unaryPrefix == chain.size()) {
          ++unaryPrefix;
        }
        chain.push_back(user);
        v = user->getResult(0);
      }
      int64_t tiles, bytes;
      if (chain.size() > unaryPrefix &&
          !epilogueResources(conv.getResult(), ArrayRef(chain).drop_front(),
                             tiles, bytes))
        chain.resize(unaryPrefix);
      if (chain.size() >= 2) {
        fusionGroups.push_back(chain);
        inChain.insert(chain.begin(), chain.end());
      }
    }
    SmallVector<Operation *> run;
    auto close = [&]() {
      if (run.size() >= 2)
        fusionGroups.push_back(run);
      run.clear();
    };
    for (Operation &op : body) {
      Type element = op.getNumResults() == 1
                         ? cast<RankedTensorType>(op.getResult(0).getType())
                               .getElementType()
                         : Type();
      bool fusible = vecFuncOf(&op) && element &&
                     !op.getResult(0).use_empty() && !inChain.count(&op) &&
                     (element.isF32() || isa<quant::QuantizedType>(element));
      if (!fusible) {
        if (!isa<ConstantOp>(op))
          close();
        continue;
      }
      bool joins =
          !run.empty() &&
          cast<RankedTensorType>(op.getResult(0).getType()).getShape() ==
              cast<RankedTensorType>(run.front()->getResult(0).getType())
                  .getShape() &&
          run.size() < 8 && llvm::any_of(op.getOperands(), [&](Value v) {
            return llvm::is_contained(run, v.getDefiningOp());
          });
      if (!joins)
        close();
      run.push_back(&op);
    }
    close();
    // Then a run that is the only reader of a convolution's result, whose
    // other operands are per-channel or scalar values ready before the
    // convolution, and whose last value is its only one used later, becomes
    // that convolution's epilogue (the hard-swish after a convolution).
    llvm::DenseMap<Operation *, int64_t> position;
    for (auto [i, op] : llvm::enumerate(body))
      position[&op] = int64_t(i);
    for (SmallVector<Operation *> &group : fusionGroups) {
      if (isa<ConvOp>(group.front()))
        continue;
      llvm::DenseSet<Operation *> members(group.begin(), group.end());
      ConvOp conv;
      for (Operation *op : group)
        for (Value v : op->getOperands())
          if (auto c = v.getDefiningOp<ConvOp>())
            if (!inChain.count(c))
              conv = c;
      // Epilogues compute in FP32 in the convolution's output tiles: a run
      // with other INT8 values (dequantize, LUT) stays a program of its own;
      // a final quantize is the epilogue's INT8 store.
      bool allF32 = llvm::all_of(group, [&](Operation *op) {
        return cast<RankedTensorType>(op->getResult(0).getType())
                   .getElementType()
                   .isF32() ||
               (op == group.back() && isa<QuantizeOp>(op));
      });
      if (!conv || !allF32 ||
          conv.getType() != group.front()->getResult(0).getType())
        continue;
      MacConv g;
      int64_t tiles, bytes;
      bool ok = convGeometry(conv, g) &&
                conv.getType().getElementType().isF32() &&
                llvm::all_of(conv->getUsers(),
                             [&](Operation *u) { return members.count(u); }) &&
                epilogueResources(conv.getResult(), group, tiles, bytes);
      for (Operation *op : group) {
        for (Value v : op->getOperands()) {
          Operation *def = v.getDefiningOp();
          if (v != conv.getResult() && def && !members.count(def) &&
              position[def] > position[conv])
            ok = false; // not ready when the convolution runs
        }
        bool usedLater = llvm::any_of(
            op->getUsers(), [&](Operation *u) { return !members.count(u); });
        if (usedLater != (op == group.back()))
          ok = false;
      }
      if (!ok)
        continue;
      group.insert(group.begin(), conv);
      inChain.insert(conv);
    }
  }
  for (auto [id, group] : llvm::enumerate(fusionGroups))
    for (Operation *op : group)
      groupOf[op] = int64_t(id);
}

bool Codegen::isFusedInternal(Value v) {
  Operation *def = v.getDefiningOp();
  auto g = def ? groupOf.find(def) : groupOf.end();
  if (g == groupOf.end())
    return false;
  return llvm::all_of(v.getUsers(), [&](Operation *user) {
    auto u = groupOf.find(user);
    return u != groupOf.end() && u->second == g->second;
  });
}

LogicalResult Codegen::emitFusedGroup(ArrayRef<Operation *> group,
                                      int64_t layer) {
  // The layer: the last op's node, the member op types.
  std::string types;
  for (Operation *op : group)
    types += (types.empty() ? "" : "+") + onnxNodeOf(op).second;
  if (auto conv = dyn_cast<ConvOp>(group.front())) {
    // A convolution with an activation epilogue: the convolution's layer.
    beginLayer(conv);
    currentLayer.setOnnxOpAttr(b.getStringAttr("Fused(" + types + ")"));
    epilogue.assign(group.begin() + 1, group.end());
    epilogueSource = conv.getResult();
    LogicalResult emitted = emitConv(conv, layer);
    epilogue.clear();
    epilogueSource = Value();
    return emitted;
  }
  beginLayer(group.back());
  currentLayer.setOnnxOpAttr(b.getStringAttr("Fused(" + types + ")"));
  VectorProgram p;
  p.shape = llvm::to_vector(
      cast<RankedTensorType>(group.back()->getResult(0).getType()).getShape());
  llvm::DenseMap<Value, int64_t> index;
  auto valueIndex = [&](Value v) {
    auto [it, inserted] = index.try_emplace(v, int64_t(p.values.size()));
    if (inserted) {
      bool produced = v.getDefiningOp() && groupOf.count(v.getDefiningOp()) &&
                      llvm::is_contained(group, v.getDefiningOp());
      if (!produced)
        p.values.push_back(
            {v.getType(), buffers.lookup(root(v)).offset, ProgramValue::Input});
      else if (isFusedInternal(v))
        p.values.push_back({v.getType(), 0, ProgramValue::Internal});
      else
        p.values.push_back(
            {v.getType(), buffers.lookup(v).offset, ProgramValue::Output});
    }
    return it->second;
  };
  for (Operation *op : group) {
    FusedStep step{*vecFuncOf(op), {}, 0};
    if (step.fn.kind == VecFunc::Lut)
      step.fn.tableDram = lutTables.lookup(op).offset;
    for (Value v : op->getOperands())
      step.operands.push_back(valueIndex(v));
    step.result = valueIndex(op->getResult(0));
    p.steps.push_back(step);
  }
  return emitVectorProgram(group.back(), p, layer);
}

LogicalResult Codegen::planDram(func::ReturnOp ret) {
  Block &body = func.getBody().front();
  formFusionGroups();
  // A plan recorded by npu-plan-memory (the `planned` phase) is followed;
  // otherwise it is made here, the same way.
  bool recorded = func->hasAttr("npu.dram_size");
  std::string missing;
  auto place = [&](int64_t bytes, IntegerAttr at, const Twine &what) {
    if (recorded) {
      if (!at && missing.empty())
        missing = what.str();
      return Buffer{at ? at.getInt() : 0, bytes};
    }
    Buffer buf{dramSize, bytes};
    dramSize = alignUp(dramSize + bytes);
    return buf;
  };
  auto i64Attr = [](Operation *op, StringRef name) {
    return op->getAttrOfType<IntegerAttr>(name);
  };
  // Inputs, in order.
  for (auto [i, arg] : llvm::enumerate(body.getArguments())) {
    auto name = func.getArgAttrOfType<StringAttr>(i, "npu.name");
    Buffer buf = place(byteSize(arg.getType()),
                       func.getArgAttrOfType<IntegerAttr>(i, "npu.dram"),
                       "input " + Twine(i));
    buffers[arg] = buf;
    inputs.push_back(
        {(name ? name.getValue() : "input").str(), buf, arg.getType(),
         func.getArgAttrOfType<ElementsAttr>(i, "npu.frozen_value")});
  }
  // Outputs: an op computing a returned value writes straight into the
  // output; anything else (an input, a constant, an alias) is copied there.
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    auto name = func.getResultAttrOfType<StringAttr>(i, "npu.name");
    Buffer buf = place(byteSize(v.getType()),
                       func.getResultAttrOfType<IntegerAttr>(i, "npu.dram"),
                       "output " + Twine(i));
    outputs.push_back(
        {(name ? name.getValue() : "output").str(), buf, v.getType()});
    Operation *def = v.getDefiningOp();
    if (def && !isa<ConstantOp, ReshapeOp>(def) && !buffers.count(v))
      buffers[v] = buf;
    else
      copies.push_back({v, buf});
  }
  // Constants: the executable's constant segment. Convolution weights are
  // stored in the order the MAC array reads them, [group][KH][KW][C/group]
  // [M/group]; the ONNX-ordered copy is kept only if something else uses it.
  for (auto c : body.getOps<ConstantOp>()) {
    bool otherUse = c->use_empty();
    llvm::SmallDenseMap<int64_t, Buffer> byGroup;
    for (OpOperand &use : c->getUses()) {
      Operation *user = use.getOwner();
      if (!isa<ConvOp, ConvTransposeOp>(user) || use.getOperandNumber() != 1) {
        otherUse = true;
        continue;
      }
      bool transposed = isa<ConvTransposeOp>(user);
      int64_t groups = transposed ? cast<ConvTransposeOp>(user).getGroup()
                                  : cast<ConvOp>(user).getGroup();
      auto [it, inserted] = byGroup.try_emplace(transposed ? -groups : groups);
      if (inserted) {
        std::optional<ElementsAttr> rearranged =
            convWeightsForArray(c, groups, transposed);
        if (!rearranged)
          return user->emitError("backend: convolution weights are not FP32 "
                                 "constants");
        it->second = place(byteSize(rearranged->getType()),
                           i64Attr(user, "npu.weights_dram"), "weights");
        constants.push_back({c.getLoc(), it->second.offset, *rearranged});
      }
      convWeights[user] = it->second;
    }
    if (otherUse) {
      auto value = cast<ElementsAttr>(c.getValue());
      buffers[c.getResult()] =
          place(byteSize(c.getType()), i64Attr(c, "npu.dram"), "a constant");
      constants.push_back({c.getLoc(), buffers[c.getResult()].offset, value});
    }
  }
  for (Operation &op : body) {
    if (!isa<ConvOp, ConvTransposeOp, MatMulOp>(op))
      continue;
    FailureOr<std::optional<ElementsAttr>> table = requantParams(&op);
    if (failed(table))
      return failure();
    if (*table) {
      requantTables[&op] =
          place(byteSize((*table)->getType()), i64Attr(&op, "npu.requant_dram"),
                "requantization parameters");
      constants.push_back({op.getLoc(), requantTables[&op].offset, **table});
    }
  }
  for (Operation &op : body)
    if (std::optional<ElementsAttr> table = lutTable(&op)) {
      lutTables[&op] =
          place(256, i64Attr(&op, "npu.lut_dram"), "a lookup table");
      constants.push_back({op.getLoc(), lutTables[&op].offset, *table});
    }
  for (auto pool : body.getOps<AvgPoolOp>())
    if (std::optional<ElementsAttr> map = avgPoolReciprocals(pool)) {
      poolReciprocals[pool] =
          place(byteSize(map->getType()), i64Attr(pool, "npu.reciprocals_dram"),
                "average pooling divisors");
      constants.push_back({pool.getLoc(), poolReciprocals[pool].offset, *map});
    }
  // Intermediates: lifetimes by op index, then greedy by size.
  llvm::DenseMap<Operation *, int64_t> index;
  for (auto [i, op] : llvm::enumerate(body))
    index[&op] = int64_t(i);
  struct Interval {
    Value value;
    int64_t bytes, first, last;
  };
  // A fusion group runs as one program, tile by tile: its inputs are read
  // and its outputs written throughout, so they live across all of it.
  auto defTime = [&](Operation *op) {
    auto g = groupOf.find(op);
    return index[g == groupOf.end() ? op : fusionGroups[g->second].front()];
  };
  auto useTime = [&](Operation *op) {
    auto g = groupOf.find(op);
    return index[g == groupOf.end() ? op : fusionGroups[g->second].back()];
  };
  // Program order (MapVector), then a stable sort: values of equal size and
  // first use keep the order they appear in, so the plan is the same on
  // every run (DenseMap's order is pointer order).
  llvm::MapVector<Value, Interval> live;
  for (Operation &op : body)
    for (Value operand : op.getOperands()) {
      Value r = root(operand);
      if (buffers.count(r) || !r.getDefiningOp() ||
          isa<ConstantOp>(r.getDefiningOp()) || isFusedInternal(r))
        continue; // placed already, or never in DRAM
      auto [it, inserted] = live.try_emplace(
          r, Interval{r, byteSize(r.getType()), defTime(r.getDefiningOp()), 0});
      it->second.last = std::max(it->second.last, useTime(&op));
    }
  SmallVector<Interval> order;
  for (auto &entry : live)
    order.push_back(entry.second);
  llvm::stable_sort(order, [](const Interval &a, const Interval &b) {
    return a.bytes != b.bytes ? a.bytes > b.bytes : a.first < b.first;
  });
  int64_t arenaBase = dramSize, arenaSize = 0;
  SmallVector<std::pair<Interval, int64_t>> placed;
  for (const Interval &iv : order) {
    if (recorded) {
      buffers[iv.value] =
          place(iv.bytes, i64Attr(iv.value.getDefiningOp(), "npu.dram"),
                "an intermediate value");
      continue;
    }
    // Lowest offset that overlaps no placed buffer alive at the same time.
    int64_t offset = 0;
    bool moved = true;
    while (moved) {
      moved = false;
      for (auto &[other, at] : placed) {
        bool timeOverlap = iv.first <= other.last && other.first <= iv.last;
        bool spaceOverlap = offset < at + other.bytes && at < offset + iv.bytes;
        if (timeOverlap && spaceOverlap) {
          offset = alignUp(at + other.bytes);
          moved = true;
        }
      }
    }
    placed.push_back({iv, offset});
    buffers[iv.value] = Buffer{arenaBase + offset, iv.bytes};
    arenaSize = std::max(arenaSize, alignUp(offset + iv.bytes));
  }
  // The liveness lower bound: the most bytes live after any one op.
  arenaLowerBound = 0;
  for (int64_t t = 0; t < int64_t(index.size()); ++t) {
    int64_t liveBytes = 0;
    for (const Interval &iv : order)
      if (iv.first <= t && t <= iv.last)
        liveBytes += iv.bytes;
    arenaLowerBound = std::max(arenaLowerBound, liveBytes);
  }
  arenaBytes = arenaSize;
  dramSize = arenaBase + arenaSize;
  // Convolution weights computed at run time (graph inputs in ONNX's tests)
  // are rearranged by a DMA pass into a buffer of their own.
  for (Operation &op : body)
    if (isa<ConvOp, ConvTransposeOp>(op) && !convWeights.count(&op))
      convWeights[&op] = place(byteSize(op.getOperand(1).getType()),
                               i64Attr(&op, "npu.weights_dram"), "weights");
  // Aliases share their root's bytes.
  for (Operation &op : body)
    if (auto reshape = dyn_cast<ReshapeOp>(op))
      if (!buffers.count(reshape.getResult()))
        buffers[reshape.getResult()] =
            buffers.lookup(root(reshape.getResult()));
  if (recorded) {
    if (!missing.empty())
      return func.emitError("the recorded memory plan has no address for ")
             << missing;
    dramSize = func->getAttrOfType<IntegerAttr>("npu.dram_size").getInt();
    if (auto a = func->getAttrOfType<IntegerAttr>("npu.arena_bytes"))
      arenaBytes = a.getInt();
  }
  if (dramSize > int64_t(target.maxDramBytes()))
    return func.emitError("the model needs ")
           << dramSize
           << " bytes of DRAM, more than the target's address space";
  return success();
}

void Codegen::recordPlan() {
  auto i64 = [&](int64_t v) { return b.getI64IntegerAttr(v); };
  Block &body = func.getBody().front();
  for (auto [i, in] : llvm::enumerate(inputs))
    func.setArgAttr(i, "npu.dram", i64(in.buffer.offset));
  for (auto [i, out] : llvm::enumerate(outputs))
    func.setResultAttr(i, "npu.dram", i64(out.buffer.offset));
  for (Operation &op : body) {
    if (op.getNumResults() == 1 && !isa<ReshapeOp>(op))
      if (auto it = buffers.find(op.getResult(0)); it != buffers.end())
        op.setAttr("npu.dram", i64(it->second.offset));
    if (auto it = convWeights.find(&op); it != convWeights.end())
      op.setAttr("npu.weights_dram", i64(it->second.offset));
    if (auto it = poolReciprocals.find(&op); it != poolReciprocals.end())
      op.setAttr("npu.reciprocals_dram", i64(it->second.offset));
    if (auto it = requantTables.find(&op); it != requantTables.end())
      op.setAttr("npu.requant_dram", i64(it->second.offset));
    if (auto it = lutTables.find(&op); it != lutTables.end())
      op.setAttr("npu.lut_dram", i64(it->second.offset));
  }
  func->setAttr("npu.dram_size", i64(dramSize));
  func->setAttr("npu.arena_bytes", i64(arenaBytes));
  func->setAttr("npu.arena_lower_bound", i64(arenaLowerBound));
}

LogicalResult Codegen::plan() {
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  return planDram(ret);
}

void Codegen::materializePlan() {
  for (const TensorPlacement &in : inputs)
    npuisa::InputOp::create(b, func.getLoc(), b.getStringAttr(in.name),
                            b.getI64IntegerAttr(in.buffer.offset),
                            TypeAttr::get(in.type), b.getStringAttr("dense"),
                            in.frozenValue);
  for (const TensorPlacement &out : outputs)
    npuisa::OutputOp::create(b, func.getLoc(), b.getStringAttr(out.name),
                             b.getI64IntegerAttr(out.buffer.offset),
                             TypeAttr::get(out.type), b.getStringAttr("dense"));
  for (auto &[loc, offset, value] : constants)
    npuisa::DataOp::create(b, loc, offset, value);
  program.setArenaBytesAttr(b.getI64IntegerAttr(arenaBytes));
  program.setArenaLowerBoundAttr(b.getI64IntegerAttr(arenaLowerBound));
}

/// Dims and per-operand element strides of an elementwise op over its result
/// (outermost first), after collapsing dims the operands traverse alike and
/// splitting dims longer than a 16-bit extent.
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
  if (!splitLongAxes(s.dims, lists, limit))
    return std::nullopt;
  if (s.dims.size() > 4)
    return std::nullopt;
  return s;
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
  p.steps.push_back(step);
  return emitVectorProgram(op, p, layer);
}

Operation *Codegen::emitVecStep(Location loc, const VecFunc &fn,
                                const VecOperand &src0,
                                std::optional<VecOperand> src1,
                                const VecOperand &dst, ArrayRef<int64_t> dims,
                                StringRef type, int64_t layer,
                                StringRef dstType) {
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
  // A table (vec.lut's src1) is an address without an element walk.
  if (src1 && fn.kind != VecFunc::Lut) {
    vec->setAttr("src1_strides", b.getDenseI64ArrayAttr(src1->strides));
    vec->setAttr("src1_type", b.getStringAttr(type));
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
                           int64_t biases, int64_t layer) {
  VecFunc itof{false, "itof"};
  itof.kind = VecFunc::Convert;
  Operation *convert = emitVecStep(loc, itof, {0, strides}, std::nullopt,
                                   {dst, strides}, dims, "i32", layer, "f32");
  convert->setAttr("src0_space", b.getStringAttr("acc"));
  SmallVector<Operation *> program = {convert};
  SmallVector<int64_t> perChannel = {1, 0, 0, 0};
  for (auto [func, table] : {std::pair{"mul", scales}, {"add", biases}})
    program.push_back(emitVecStep(loc, VecFunc{true, func}, {dst, strides},
                                  VecOperand{table, perChannel}, {dst, strides},
                                  dims, "f32", layer));
  return program;
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
  // Integer arithmetic: every value INT32, INT8 or UINT8 (one type), every
  // step an integer binary function of the vector unit (exact, wrapping to
  // the element width as ONNX's integer ops do).
  Type first = cast<RankedTensorType>(p.values.front().type).getElementType();
  StringRef integerType = first.isSignlessInteger(32)  ? "i32"
                          : first.isSignlessInteger(8) ? "i8"
                          : first.isUnsignedInteger(8) ? "u8"
                                                       : "";
  bool integer = !integerType.empty() && elementsAre([&](Type t) {
    return t == first;
  }) && llvm::all_of(p.steps, [](const FusedStep &st) {
    return st.fn.binary &&
           llvm::is_contained({"add", "sub", "mul", "div", "min", "max"},
                              st.fn.func);
  });
  // Otherwise FP32 arithmetic, with INT8 values converted at the program's
  // edges (vec.convert) or mapped through tables (vec.lut).
  auto typeOf = [&](int64_t k) -> StringRef {
    Type e = cast<RankedTensorType>(p.values[k].type).getElementType();
    if (integer)
      return integerType;
    if (e.isF32())
      return "f32";
    if (auto q = dyn_cast<quant::UniformQuantizedType>(e))
      if (q.getStorageType().isSignlessInteger(8))
        return "i8";
    return "";
  };
  auto ebOf = [&](int64_t k) {
    StringRef t = typeOf(k);
    return t == "i8" || t == "u8" ? 1 : 4;
  };
  int64_t luts = 0;
  for (const FusedStep &st : p.steps) {
    StringRef in = typeOf(st.operands[0]), out = typeOf(st.result);
    bool ok = !in.empty() && !out.empty();
    if (st.fn.kind == VecFunc::Convert)
      ok &= st.fn.func == "quantize" ? in == "f32" && out == "i8"
                                     : in == "i8" && out == "f32";
    else if (st.fn.kind == VecFunc::Lut)
      ok &= in == "i8" && out == "i8";
    else
      ok &= llvm::all_of(st.operands,
                         [&](int64_t k) { return typeOf(k) == out; }) &&
            (integer || out != "i8");
    if (!ok)
      return op->emitError("backend: only FP32 elementwise ops (INT32, INT8 "
                           "and UINT8 add, sub, mul, div, min, max; quantized "
                           "INT8 through quantize, dequantize and lookup "
                           "tables) are supported");
    luts += st.fn.kind == VecFunc::Lut;
  }
  // The tables sit after the buffers, loaded with the first tile.
  int64_t tableBytes = alignUp(luts * int64_t(target.lutEntries));
  // Scratchpad: two buffers (double buffering) per input and output, one
  // per value that never leaves the scratchpad.
  SmallVector<int64_t> inputs, outputs;
  int64_t nBuf = 0;
  for (auto [k, v] : llvm::enumerate(p.values)) {
    if (v.kind == ProgramValue::Input)
      inputs.push_back(k);
    if (v.kind == ProgramValue::Output)
      outputs.push_back(k);
    nBuf += v.kind == ProgramValue::Internal ? 1 : 2;
  }
  int64_t budget = (int64_t(target.scratchpadBytes) - tableBytes) / nBuf /
                   kAlign * kAlign / 4; // elements per buffer (at 4 bytes)
  SmallVector<ArrayRef<int64_t>> shapes;
  for (int64_t k : inputs)
    shapes.push_back(cast<RankedTensorType>(p.values[k].type).getShape());
  auto space = iterSpace(p.shape, shapes, std::min(budget, kMaxExtent));
  if (!space)
    return op->emitError("backend: the iteration space of this op does not "
                         "fit four 16-bit dimensions");
  ArrayRef<int64_t> dims = space->dims;
  int64_t rank = dims.size();
  // Tile dim t: the outermost whose inner product fits the budget; loop over
  // the dims before it, cut dim t into row chunks.
  int64_t t = rank - 1, inner = 1;
  while (t > 0 && inner * dims[t] <= budget) {
    inner *= dims[t];
    --t;
  }
  // `inner` is the product of the dims after t, which fit; a tile holds
  // `rows` of dim t (all of it when the whole space fits).
  int64_t rows = std::max<int64_t>(
      1, std::min(dims[t], budget / std::max<int64_t>(inner, 1)));
  noteTiles({{"elements", rows * inner}});
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
  int64_t count = 1;
  for (int64_t d : p.shape)
    count *= d;
  if (count == 0)
    return success(); // nothing to compute, store or wait for
  // Buffer addresses: value k's buffer for tile i (inputs and outputs
  // alternate between two).
  int64_t bufBytes = budget * 4;
  auto tableSram = [&](int64_t lut) {
    return nBuf * bufBytes + lut * int64_t(target.lutEntries);
  };
  SmallVector<int64_t> firstBuf;
  int64_t next = 0;
  for (const ProgramValue &v : p.values) {
    firstBuf.push_back(next);
    next += v.kind == ProgramValue::Internal ? 1 : 2;
  }
  auto sramOf = [&](int64_t k, int64_t i) {
    bool doubled = p.values[k].kind != ProgramValue::Internal;
    return (firstBuf[k] + (doubled ? i % 2 : 0)) * bufBytes;
  };
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
        box.push_back(size);
        dstr.push_back(eb * st[dim]);
        sstr.push_back(eb * compact);
        vst[d] = st[dim] == 0 ? 0 : compact;
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
      SmallVector<int64_t> s0St = stridesOf(st.operands[0]);
      SmallVector<int64_t> s1St =
          st.fn.binary ? stridesOf(st.operands[1]) : SmallVector<int64_t>();
      SmallVector<int64_t> dstSt = stridesOf(st.result);
      std::optional<VecOperand> src1;
      if (st.fn.binary)
        src1 = VecOperand{sramOf(st.operands[1], i), s1St};
      if (st.fn.kind == VecFunc::Lut)
        src1 = VecOperand{tableSram(table++), {}};
      program.push_back(
          emitVecStep(loc, st.fn, {sramOf(st.operands[0], i), s0St}, src1,
                      {sramOf(st.result, i), dstSt}, innermostFirst(tdims, 1),
                      typeOf(st.operands[0]), layer, typeOf(st.result)));
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

LogicalResult Codegen::emitMove(Operation *op, ArrayRef<int64_t> shape,
                                int64_t elemBytes, int64_t src,
                                ArrayRef<int64_t> srcStrides, int64_t dst,
                                ArrayRef<int64_t> dstStrides, int64_t layer) {
  int64_t count = 1;
  for (int64_t d : shape)
    count *= d;
  if (count == 0)
    return success();
  // Collapse axes both sides step through alike; drop unit axes.
  SmallVector<int64_t> dims, ss, ds;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1)
      continue;
    if (!dims.empty() && ss.back() == srcStrides[i] * shape[i] &&
        ds.back() == dstStrides[i] * shape[i]) {
      dims.back() *= shape[i];
      ss.back() = srcStrides[i];
      ds.back() = dstStrides[i];
      continue;
    }
    dims.push_back(shape[i]);
    ss.push_back(srcStrides[i]);
    ds.push_back(dstStrides[i]);
  }
  if (dims.empty()) {
    dims = {1};
    ss = {1};
    ds = {1};
  }
  int64_t budget = int64_t(target.scratchpadBytes) / 2 / kAlign * kAlign /
                   elemBytes; // elements per buffer, two buffers
  // Split axes longer than a 16-bit extent or a buffer.
  if (!splitLongAxes(dims, {&ss, &ds}, std::min(budget, kMaxExtent)))
    return op->emitError("backend: a data movement axis does not split");
  if (dims.size() > 4)
    return op->emitError("backend: data movement over more than four "
                         "non-collapsible axes");
  int64_t rank = dims.size();
  // Tile the outermost axis into row chunks that fit a buffer.
  int64_t inner = 1;
  for (int64_t d = 1; d < rank; ++d)
    inner *= dims[d];
  if (inner > budget)
    return op->emitError("backend: data movement tile does not fit");
  int64_t rows = std::max<int64_t>(1, std::min(dims[0], budget / inner));
  int64_t n = (dims[0] + rows - 1) / rows;
  noteTiles({{"elements", rows * inner}});
  Location loc = op->getLoc();
  int64_t bufBytes = budget * elemBytes;
  for (int64_t i = 0; i < n; ++i) {
    int64_t r0 = i * rows, r = std::min(rows, dims[0] - r0);
    SmallVector<int64_t> tdims = {r};
    tdims.append(dims.begin() + 1, dims.end());
    // Innermost-first boxes; the scratchpad tile is dense.
    SmallVector<int64_t> sizes, srcB, dstB, dense;
    int64_t compact = elemBytes;
    for (int64_t d = rank - 1; d >= 0; --d) {
      sizes.push_back(tdims[d]);
      srcB.push_back(ss[d] * elemBytes);
      dstB.push_back(ds[d] * elemBytes);
      dense.push_back(compact);
      compact *= tdims[d];
    }
    sizes.resize(4, 1);
    srcB.resize(4, 0);
    dstB.resize(4, 0);
    dense.resize(4, 0);
    int64_t sram = (i % 2) * bufBytes;
    auto load =
        emitDma<npuisa::DmaLoadOp>(loc, sram, src + r0 * ss[0] * elemBytes,
                                   elemBytes, sizes, srcB, dense, layer);
    load.setPopNext(firstLoadWaits(i));
    load.setPushNext(true);
    // The compute queue only hands the tile over (and recycles buffers).
    emitHandOver(loc, i, n, layer);
    auto store =
        emitDma<npuisa::DmaStoreOp>(loc, sram, dst + r0 * ds[0] * elemBytes,
                                    elemBytes, sizes, dstB, dense, layer);
    markTileStore(store, i, n);
  }
  emitOpBarrier(loc);
  return success();
}

/// The indices of a Gather whose indices are constant, negative ones
/// counted from the end of the axis. Fails with one error otherwise: indices
/// computed at run time (naming the graph input they are and the option that
/// freezes it) or out of range.
static FailureOr<SmallVector<int64_t>> constantGatherIndices(GatherOp g) {
  DenseIntElementsAttr attr;
  if (!matchPattern(g.getIndices(), m_Constant(&attr))) {
    auto diag = g.emitError("backend: Gather with indices computed at run "
                            "time is not supported yet (an indirect DMA would "
                            "do it)");
    if (auto arg = dyn_cast<BlockArgument>(g.getIndices()))
      if (auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp()))
        if (auto name = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                          "npu.name"))
          diag << "; they are graph input '" << name.getValue()
               << "' (freeze it with --input-value=" << name.getValue()
               << "=FILE)";
    return diag;
  }
  int64_t dim = g.getData().getType().getDimSize(g.getAxis());
  SmallVector<int64_t> indices;
  for (const APInt &v : attr.getValues<APInt>()) {
    int64_t i = v.getSExtValue();
    if (i < -dim || i >= dim)
      return g.emitError("backend: Gather index ")
             << i << " is outside the axis of " << dim << " elements";
    indices.push_back(i < 0 ? i + dim : i);
  }
  return indices;
}

LogicalResult Codegen::emitDataMovement(Operation *op, int64_t layer) {
  auto outType = cast<RankedTensorType>(op->getResult(0).getType());
  int64_t eb = elementBytes(outType);
  if (eb != 1 && eb != 2 && eb != 4)
    return op->emitError("backend: data movement of ")
           << outType.getElementType() << " elements is not supported";
  int64_t dst = buffers.lookup(op->getResult(0)).offset;
  SmallVector<int64_t> outStrides = denseStrides(outType.getShape());
  if (auto t = dyn_cast<TransposeOp>(op)) {
    SmallVector<int64_t> in = denseStrides(t.getInput().getType().getShape());
    SmallVector<int64_t> src;
    for (int64_t p : t.getPerm())
      src.push_back(in[p]);
    return emitMove(op, outType.getShape(), eb,
                    buffers.lookup(root(t.getInput())).offset, src, dst,
                    outStrides, layer);
  }
  if (auto sl = dyn_cast<SliceOp>(op)) {
    SmallVector<int64_t> in = denseStrides(sl.getInput().getType().getShape());
    SmallVector<int64_t> src;
    int64_t base = 0;
    for (auto [d, stride] : llvm::enumerate(sl.getStrides())) {
      if (stride < 0)
        return op->emitError("backend: slices with negative steps are not "
                             "supported yet");
      src.push_back(in[d] * stride);
      base += sl.getOffsets()[d] * in[d];
    }
    return emitMove(op, outType.getShape(), eb,
                    buffers.lookup(root(sl.getInput())).offset + base * eb, src,
                    dst, outStrides, layer);
  }
  if (auto rs = dyn_cast<ResizeOp>(op))
    return emitResizeNearest(rs, layer);
  if (auto pad = dyn_cast<PadOp>(op))
    return emitPad(pad, layer);
  if (auto g = dyn_cast<GatherOp>(op)) {
    // One strided move per index: data[outer, idx, inner] to
    // out[outer, j, inner]; the index axes are contiguous in the result, so
    // index j starts j * inner elements in, and `inner` (the product of the
    // axes after `axis`) is the data's stride along `axis`.
    FailureOr<SmallVector<int64_t>> indices = constantGatherIndices(g);
    if (failed(indices))
      return failure();
    auto dataType = g.getData().getType();
    int64_t axis = g.getAxis();
    SmallVector<int64_t> in = denseStrides(dataType.getShape());
    SmallVector<int64_t> shape, src, dstSt;
    for (int64_t d = 0; d < dataType.getRank(); ++d) {
      if (d == axis)
        continue;
      shape.push_back(dataType.getDimSize(d));
      src.push_back(in[d]);
      // Outer axes keep their result position; inner ones follow the
      // index axes.
      int64_t r = d < axis ? d : d - 1 + g.getIndices().getType().getRank();
      dstSt.push_back(outStrides[r]);
    }
    int64_t base = buffers.lookup(root(g.getData())).offset;
    for (auto [j, idx] : llvm::enumerate(*indices))
      if (failed(emitMove(op, shape, eb, base + idx * in[axis] * eb, src,
                          dst + int64_t(j) * in[axis] * eb, dstSt, layer)))
        return failure();
    return success();
  }
  auto concat = cast<ConcatOp>(op);
  int64_t axis = concat.getAxis(), at = 0;
  for (Value in : concat.getInputs()) {
    auto type = cast<RankedTensorType>(in.getType());
    if (failed(emitMove(op, type.getShape(), eb,
                        buffers.lookup(root(in)).offset,
                        denseStrides(type.getShape()),
                        dst + at * outStrides[axis] * eb, outStrides, layer)))
      return failure();
    at += type.getDimSize(axis);
  }
  return success();
}

LogicalResult Codegen::emitResizeNearest(ResizeOp op, int64_t layer) {
  auto inType = op.getInput().getType(), outType = op.getType();
  int64_t eb = elementBytes(outType);
  SmallVector<int64_t> inSt = denseStrides(inType.getShape());
  SmallVector<int64_t> outSt = denseStrides(outType.getShape());
  // Each axis samples an affine index (first + o*step) or repeats every
  // input element `repeat` times (o / repeat): both are strided copies.
  // npu-lower-resize has turned every other resize into matmuls.
  SmallVector<int64_t> shape, src, dst;
  int64_t base = 0;
  for (int64_t d = 0; d < inType.getRank(); ++d) {
    std::optional<ResizeAxisCopy> copy = resizeAxisCopy(op, d);
    if (!copy)
      return op.emitError("backend: this Resize is not a strided copy; run "
                          "npu-lower-resize first");
    if (copy->repeat > 1) {
      shape.append({inType.getDimSize(d), copy->repeat});
      src.append({inSt[d], 0});
      dst.append({outSt[d] * copy->repeat, outSt[d]});
    } else {
      shape.push_back(outType.getDimSize(d));
      src.push_back(inSt[d] * copy->step);
      dst.push_back(outSt[d]);
      base += copy->first * inSt[d];
    }
  }
  return emitMove(op, shape, eb,
                  buffers.lookup(root(op.getInput())).offset + base * eb, src,
                  buffers.lookup(op.getResult()).offset, dst, layer);
}

LogicalResult Codegen::emitPad(PadOp op, int64_t layer) {
  auto inType = op.getInput().getType(), outType = op.getType();
  int64_t eb = elementBytes(outType);
  if (eb != 1 && eb != 2 && eb != 4)
    return op.emitError("backend: padding ")
           << outType.getElementType() << " elements is not supported";
  if (outType.getNumElements() == 0)
    return success();
  int64_t rank = inType.getRank();
  ArrayRef<int64_t> pads = op.getPads();
  SmallVector<int64_t> inSt = denseStrides(inType.getShape());
  // Negative pads crop the input; what remains is padded on both sides.
  SmallVector<int64_t> in, before, after, srcSt;
  int64_t src = buffers.lookup(root(op.getInput())).offset;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t cropB = std::max<int64_t>(0, -pads[d]);
    int64_t cropA = std::max<int64_t>(0, -pads[d + rank]);
    src += eb * cropB * inSt[d];
    in.push_back(inType.getDimSize(d) - cropB - cropA);
    before.push_back(std::max<int64_t>(0, pads[d]));
    after.push_back(std::max<int64_t>(0, pads[d + rank]));
    srcSt.push_back(inSt[d]);
  }
  if (op.getMode() != PadMode::constant) {
    // Edge and reflect: the interior, then each axis in turn copies its
    // border slices from the output itself (axes before it already padded,
    // axes after it not yet), so corners come out as numpy.pad makes them.
    SmallVector<int64_t> out;
    for (int64_t d = 0; d < rank; ++d)
      out.push_back(in[d] + before[d] + after[d]);
    SmallVector<int64_t> outSt = denseStrides(out);
    int64_t dst = buffers.lookup(op.getResult()).offset, interior = 0;
    for (int64_t d = 0; d < rank; ++d)
      interior += before[d] * outSt[d];
    if (failed(emitMove(op, in, eb, src, srcSt, dst + eb * interior, outSt,
                        layer)))
      return failure();
    bool edge = op.getMode() == PadMode::edge;
    for (int64_t d = 0; d < rank; ++d) {
      SmallVector<int64_t> slice;
      int64_t base = 0;
      for (int64_t a = 0; a < rank; ++a) {
        slice.push_back(a < d ? out[a] : a == d ? 1 : in[a]);
        if (a > d)
          base += before[a] * outSt[a];
      }
      auto copySlice = [&](int64_t from, int64_t to) {
        return emitMove(op, slice, eb, dst + eb * (base + from * outSt[d]),
                        outSt, dst + eb * (base + to * outSt[d]), outSt, layer);
      };
      for (int64_t j = 0; j < before[d]; ++j)
        if (failed(copySlice(edge ? before[d] : 2 * before[d] - j, j)))
          return failure();
      int64_t last = before[d] + in[d] - 1;
      for (int64_t k = 0; k < after[d]; ++k)
        if (failed(copySlice(edge ? last : last - 1 - k, last + 1 + k)))
          return failure();
    }
    return success();
  }
  // Merge an axis into its outer neighbour when it is unpadded and whole
  // (contiguous in both tensors), and drop unpadded unit axes.
  for (int64_t d = int64_t(in.size()) - 1; d >= 1; --d) {
    bool whole =
        before[d] == 0 && after[d] == 0 && srcSt[d - 1] == srcSt[d] * in[d];
    if (!whole)
      continue;
    before[d - 1] *= in[d];
    after[d - 1] *= in[d];
    in[d - 1] *= in[d];
    srcSt[d - 1] = srcSt[d];
    for (auto *v : {&in, &before, &after, &srcSt})
      v->erase(v->begin() + d);
  }
  if (in.size() > 4 ||
      llvm::any_of(in, [](int64_t d) { return d > kMaxExtent; }))
    return op.emitError("backend: a pad over more than four padded axes or "
                        "with a 16-bit-overflowing axis is not supported");
  int64_t r = in.size();
  SmallVector<int64_t> out;
  for (int64_t d = 0; d < r; ++d)
    out.push_back(in[d] + before[d] + after[d]);
  SmallVector<int64_t> outSt = denseStrides(out);
  int64_t inner = r > 1 ? outSt[0] : 1;
  int64_t budget = int64_t(target.scratchpadBytes) / 2 / kAlign * kAlign / eb;
  if (inner > budget)
    return op.emitError("backend: a pad's rows do not fit the scratchpad");
  int64_t rows = std::max<int64_t>(1, std::min(out[0], budget / inner));
  int64_t n = ceilDiv(out[0], rows);
  noteTiles({{"elements", rows * inner}});
  uint32_t bits = 0;
  float value = op.getValue().convertToFloat();
  if (outType.getElementType().isF32())
    std::memcpy(&bits, &value, 4);
  else
    bits = uint32_t(int64_t(value));
  int64_t dst = buffers.lookup(op.getResult()).offset;
  auto innermostFirst = [&](ArrayRef<int64_t> v, int64_t scale) {
    SmallVector<int64_t> w;
    for (int64_t d = r - 1; d >= 0; --d)
      w.push_back(v[d] * scale);
    w.resize(4, scale == 1 ? 1 : 0);
    return w;
  };
  Location loc = op.getLoc();
  auto i64 = [&](int64_t v) { return b.getI64IntegerAttr(v); };
  int64_t bufBytes = budget * eb;
  for (int64_t i = 0; i < n; ++i) {
    int64_t o0 = i * rows, o1 = std::min(out[0], o0 + rows);
    // The input rows this tile of output rows covers; the rest is padding.
    WindowClip rowsIn = clipWindow(o0 - before[0], o1 - o0, in[0]);
    int64_t i0 = rowsIn.count ? std::max<int64_t>(0, o0 - before[0]) : 0;
    SmallVector<int64_t> sizes(in), pb(before), pa(after), tile(out);
    sizes[0] = rowsIn.count;
    pb[0] = rowsIn.before;
    pa[0] = rowsIn.after;
    tile[0] = o1 - o0;
    int64_t sram = (i % 2) * bufBytes;
    auto load = emitDma<npuisa::DmaLoadOp>(
        loc, sram, src + eb * i0 * srcSt[0], eb, innermostFirst(sizes, 1),
        innermostFirst(srcSt, eb), innermostFirst(denseStrides(tile), eb),
        layer);
    SmallVector<int64_t> pbv = innermostFirst(pb, 1),
                         pav = innermostFirst(pa, 1);
    for (int64_t d = r; d < 4; ++d)
      pbv[d] = pav[d] = 0;
    load.setPadBeforeAttr(b.getDenseI64ArrayAttr(pbv));
    load.setPadAfterAttr(b.getDenseI64ArrayAttr(pav));
    load.setPadValueAttr(i64(bits));
    load.setPopNext(firstLoadWaits(i));
    load.setPushNext(true);
    emitHandOver(loc, i, n, layer);
    auto store = emitDma<npuisa::DmaStoreOp>(
        loc, sram, dst + eb * o0 * (r > 1 ? outSt[0] : 1), eb,
        innermostFirst(tile, 1), innermostFirst(outSt, eb),
        innermostFirst(denseStrides(tile), eb), layer);
    markTileStore(store, i, n);
  }
  emitOpBarrier(loc);
  return success();
}

LogicalResult Codegen::emitReduction(Operation *op, Value input,
                                     ArrayRef<int64_t> reducedAxes,
                                     StringRef kind, int64_t layer,
                                     std::optional<NormParams> norm) {
  auto inType = cast<RankedTensorType>(input.getType());
  Value result = op->getResult(0);
  if (!inType.getElementType().isF32())
    return op->emitError("backend: only FP32 reductions are supported so far");
  if (inType.getNumElements() == 0)
    return success();
  // Group the input's axes into runs of kept / reduced axes (outermost
  // first); row-major order makes each run one collapsed axis.
  SmallVector<int64_t> dims;
  SmallVector<bool> reduced;
  int64_t reducedCount = 1;
  for (int64_t d = 0; d < inType.getRank(); ++d) {
    bool r = llvm::is_contained(reducedAxes, d);
    if (r)
      reducedCount *= inType.getDimSize(d);
    if (!dims.empty() && reduced.back() == r) {
      dims.back() *= inType.getDimSize(d);
      continue;
    }
    dims.push_back(inType.getDimSize(d));
    reduced.push_back(r);
  }
  if (dims.size() > 4 ||
      llvm::any_of(dims, [](int64_t d) { return d > kMaxExtent; }))
    return op->emitError("backend: reduction iteration space exceeds four "
                         "16-bit axes");
  int64_t rank = dims.size();
  // Element strides: dense input; output dense over the kept groups.
  SmallVector<int64_t> inSt = denseStrides(dims),
                       outSt = keptStrides(dims, reduced);
  bool layerNorm = kind == "layer_norm";
  bool softmax = kind == "softmax" || layerNorm; // whole-shape results
  // Buffers: two input tiles, two result tiles, and one group-sized scratch
  // (softmax's max and sum, layer norm's mean and variance); layer norm's
  // scale and bias (the shape of one group) are loaded once.
  int64_t parts = layerNorm ? 7 : 5;
  int64_t per = int64_t(target.scratchpadBytes) / parts / kAlign * kAlign / 4;
  int64_t inner = 1;
  for (int64_t d = 1; d < rank; ++d)
    inner *= dims[d];
  bool tileOuter = !reduced[0];
  int64_t rows = tileOuter
                     ? std::max<int64_t>(1, std::min(dims[0], per / inner))
                     : dims[0];
  if (rows * inner > per)
    return op->emitError("backend: a reduction's input slab does not fit the "
                         "scratchpad");
  int64_t n = (dims[0] + rows - 1) / rows;
  int64_t bytes = per * 4;
  auto inBuf = [&](int64_t i) { return (i % 2) * bytes; };
  auto outBuf = [&](int64_t i) { return (2 + i % 2) * bytes; };
  int64_t scratch = 4 * bytes, scaleBuf = 5 * bytes, biasBuf = 6 * bytes;
  int64_t src = buffers.lookup(root(input)).offset;
  int64_t dst = buffers.lookup(result).offset;
  auto i64 = [&](int64_t v) { return b.getI64IntegerAttr(v); };
  auto rev = [](ArrayRef<int64_t> v, int64_t pad) {
    SmallVector<int64_t> r(v.rbegin(), v.rend());
    r.resize(4, pad);
    return r;
  };
  Location loc = op->getLoc();
  for (int64_t i = 0; i < n; ++i) {
    int64_t r0 = i * rows, r = std::min(rows, dims[0] - r0);
    SmallVector<int64_t> tdims(dims);
    tdims[0] = r;
    int64_t tileIn = r * inner, tileOut = 1;
    for (int64_t d = 0; d < rank; ++d)
      if (!reduced[d] || softmax)
        tileOut *= tdims[d];
    auto dma = [&](auto opT, int64_t sram, int64_t dram, int64_t count) {
      return emitDma<decltype(opT)>(loc, sram, dram, 4, {count, 1, 1, 1},
                                    {4, 0, 0, 0}, {4, 0, 0, 0}, layer);
    };
    auto load =
        dma(npuisa::DmaLoadOp(), inBuf(i), src + 4 * r0 * inSt[0], tileIn);
    load.setPopNext(firstLoadWaits(i));
    Operation *lastLoad = load;
    if (layerNorm && i == 0)
      for (auto [value, buf] :
           {std::pair{norm->scale, scaleBuf}, std::pair{norm->bias, biasBuf}})
        if (value)
          lastLoad = dma(npuisa::DmaLoadOp(), buf,
                         buffers.lookup(root(value)).offset, reducedCount);
    lastLoad->setAttr("push_next", b.getUnitAttr());
    // The vector program of one tile; the first pops, the last pushes.
    SmallVector<Operation *> program;
    auto vec = [&](auto opT, StringRef func, int64_t s0, ArrayRef<int64_t> s0St,
                   int64_t s1, ArrayRef<int64_t> s1St, int64_t d,
                   ArrayRef<int64_t> dSt) {
      using OpT = decltype(opT);
      auto v = OpT::create(b, loc, TypeRange{}, ValueRange{},
                           {b.getNamedAttr("func", b.getStringAttr(func)),
                            b.getNamedAttr("src0", i64(s0)),
                            b.getNamedAttr("src1", i64(s1)),
                            b.getNamedAttr("dst", i64(d))});
      v.setDims(rev(tdims, 1));
      v.setSrc0Strides(rev(s0St, 0));
      v.setDstStrides(rev(dSt, 0));
      v.setSrc0Type(StringRef("f32"));
      v.setDstType(StringRef("f32"));
      if (!s1St.empty()) {
        v.setSrc1Strides(rev(s1St, 0));
        v.setSrc1Type(StringRef("f32"));
      }
      v.setLayerAttr(i64(layer));
      program.push_back(v);
      return v;
    };
    SmallVector<int64_t> tileInSt = denseStrides(tdims),
                         tileOutSt = keptStrides(tdims, reduced);
    if (layerNorm) {
      // mean = sum(x) / n; x -= mean; var = sum(x * x) / n;
      // y = x * rsqrt(var + eps) * scale + bias.
      float invN = 1.0f / float(reducedCount);
      vec(npuisa::VecReduceOp(), "sum", inBuf(i), tileInSt, 0, {}, scratch,
          tileOutSt)
          .setAlphaAttr(b.getF32FloatAttr(invN));
      vec(npuisa::VecBinaryOp(), "sub", inBuf(i), tileInSt, scratch, tileOutSt,
          inBuf(i), tileInSt);
      vec(npuisa::VecBinaryOp(), "mul", inBuf(i), tileInSt, inBuf(i), tileInSt,
          outBuf(i), tileInSt);
      vec(npuisa::VecReduceOp(), "sum", outBuf(i), tileInSt, 0, {}, scratch,
          tileOutSt)
          .setAlphaAttr(b.getF32FloatAttr(invN));
      // In place on the per-group values: iterate the kept axes only.
      SmallVector<int64_t> keptDims(tdims);
      for (int64_t d = 0; d < rank; ++d)
        if (reduced[d])
          keptDims[d] = 1;
      auto scalar = [&](StringRef func) {
        auto v = vec(npuisa::VecUnaryOp(), func, scratch, tileOutSt, 0, {},
                     scratch, tileOutSt);
        v.setDims(rev(keptDims, 1));
        return v;
      };
      scalar("affine_clamp").setBetaAttr(b.getF32FloatAttr(norm->epsilon));
      scalar("rsqrt");
      vec(npuisa::VecBinaryOp(), "mul", inBuf(i), tileInSt, scratch, tileOutSt,
          outBuf(i), tileInSt);
      // scale and bias vary along the reduced (inner) axes only.
      SmallVector<int64_t> groupSt =
          keptStrides(tdims, SmallVector<bool>(llvm::map_range(
                                 reduced, [](bool r) { return !r; })));
      vec(npuisa::VecBinaryOp(), "mul", outBuf(i), tileInSt, scaleBuf, groupSt,
          outBuf(i), tileInSt);
      if (norm->bias)
        vec(npuisa::VecBinaryOp(), "add", outBuf(i), tileInSt, biasBuf, groupSt,
            outBuf(i), tileInSt);
    } else if (!softmax) {
      auto red = vec(npuisa::VecReduceOp(), kind == "max" ? "max" : "sum",
                     inBuf(i), tileInSt, 0, {}, outBuf(i), tileOutSt);
      if (kind == "mean")
        red.setAlphaAttr(b.getF32FloatAttr(1.0f / float(reducedCount)));
    } else {
      // m = max(x); x = x - m; x = exp(x); s = sum(x); y = x / s.
      vec(npuisa::VecReduceOp(), "max", inBuf(i), tileInSt, 0, {}, scratch,
          tileOutSt);
      vec(npuisa::VecBinaryOp(), "sub", inBuf(i), tileInSt, scratch, tileOutSt,
          inBuf(i), tileInSt);
      vec(npuisa::VecUnaryOp(), "exp", inBuf(i), tileInSt, 0, {}, inBuf(i),
          tileInSt);
      vec(npuisa::VecReduceOp(), "sum", inBuf(i), tileInSt, 0, {}, scratch,
          tileOutSt);
      vec(npuisa::VecBinaryOp(), "div", inBuf(i), tileInSt, scratch, tileOutSt,
          outBuf(i), tileInSt);
    }
    markTileCompute(program, i, n);
    int64_t outOffset = softmax ? r0 * inSt[0] : r0 * outSt[0];
    auto store =
        dma(npuisa::DmaStoreOp(), outBuf(i), dst + 4 * outOffset, tileOut);
    markTileStore(store, i, n);
  }
  emitOpBarrier(loc);
  return success();
}

rt::TargetDesc matmulTarget(MatMulOp op, const rt::TargetDesc &target) {
  rt::TargetDesc t = target;
  if (hasInt8Input(op)) {
    int64_t table = alignUp(8 * matmulShape(op).n);
    t.scratchpadBytes = uint32_t(
        std::max<int64_t>(0, int64_t(t.scratchpadBytes) - table - kAlign));
  }
  return t;
}

MatmulTiles chooseMatmulTiles(const rt::TargetDesc &t, int64_t M, int64_t N,
                              int64_t K) {
  int64_t R = t.arrayRows, C = t.arrayCols;
  int64_t accEntries = t.accumulatorBytes / 4;
  int64_t sramFloats = t.scratchpadBytes / 4;
  auto candidates = [](int64_t full, int64_t unit) {
    SmallVector<int64_t> v;
    for (int64_t x = unit; x < full && x <= 4096; x *= 2)
      v.push_back(x);
    v.push_back(std::min<int64_t>(full, kMaxExtent));
    return v;
  };
  auto ceilDiv = [](int64_t a, int64_t b) { return (a + b - 1) / b; };
  MatmulTiles best{0, 0, 0};
  double bestCost = INFINITY;
  for (int64_t mt : candidates(M, R))
    for (int64_t nt : candidates(N, C))
      for (int64_t kt : candidates(K, R)) {
        if (mt * nt > accEntries ||
            2 * (mt * kt + kt * nt) + 2 * mt * nt > sramFloats)
          continue;
        int64_t mTiles = ceilDiv(M, mt), nTiles = ceilDiv(N, nt),
                kTiles = ceilDiv(K, kt);
        double dramBytes = 4.0 * (double(M) * K * nTiles +
                                  double(K) * N * mTiles + double(M) * N);
        double dmaCycles =
            dramBytes / t.dramBytesPerCycle +
            double(mTiles * nTiles * (2 * kTiles + 1)) * t.dramLatencyCycles;
        double macCycles = double(mTiles * nTiles * kTiles) *
                           double(ceilDiv(kt, R) * ceilDiv(nt, C)) *
                           double(R + mt * t.fp32RateDivisor);
        double cost = std::max(dmaCycles, macCycles);
        if (cost < bestCost) {
          bestCost = cost;
          best = {mt, nt, kt};
        }
      }
  return best;
}

MatmulShape matmulShape(MatMulOp op) {
  MatmulShape s;
  // NumPy promotion: a 1-D A is [1, K], a 1-D W is [K, 1]; same bytes.
  s.a.assign(op.getLhs().getType().getShape().begin(),
             op.getLhs().getType().getShape().end());
  s.w.assign(op.getRhs().getType().getShape().begin(),
             op.getRhs().getType().getShape().end());
  if (s.a.size() == 1)
    s.a.insert(s.a.begin(), 1);
  if (s.w.size() == 1)
    s.w.push_back(1);
  s.k = s.a.back();
  s.n = s.w.back();
  s.m = s.w.size() == 2
            ? op.getLhs().getType().getNumElements() / std::max<int64_t>(s.k, 1)
            : s.a[s.a.size() - 2];
  return s;
}

LogicalResult Codegen::emitMatmul(MatMulOp op, int64_t layer) {
  auto lhs = op.getLhs().getType(), rhs = op.getRhs().getType();
  auto out = op.getType();
  bool int8 = hasInt8Input(op);
  if (!int8 && (!lhs.getElementType().isF32() ||
                !rhs.getElementType().isF32() || !out.getElementType().isF32()))
    return op.emitError("backend: only FP32 matmuls and INT8 matmuls with "
                        "constant weights are supported");
  MatmulShape shape = matmulShape(op);
  SmallVector<int64_t> &a = shape.a, &w = shape.w;
  if (int8 && w.size() != 2)
    return op.emitError("backend: INT8 matmuls take 2-D weights");
  int64_t M = shape.m, N = shape.n, K = shape.k;
  int64_t aBase = buffers.lookup(root(op.getLhs())).offset;
  int64_t wBase = buffers.lookup(root(op.getRhs())).offset;
  int64_t cBase = buffers.lookup(op.getResult()).offset;
  if (w.size() == 2) // batch dims of A fold into M
    return emitMatmul2D(op, aBase, wBase, cBase, M, N, K, layer);
  // Batched W: one 2-D product per batch index, A's and W's batch dims
  // broadcast (stride 0 where a size is 1).
  size_t batchRank = std::max(a.size(), w.size()) - 2;
  SmallVector<int64_t> batch(batchRank), aSt(batchRank, 0), wSt(batchRank, 0);
  for (auto [shape, st, matrix] :
       {std::tuple{&a, &aSt, M * K}, std::tuple{&w, &wSt, K * N}}) {
    int64_t stride = matrix;
    for (size_t i = shape->size() - 2; i-- > 0;) {
      size_t axis = batchRank - (shape->size() - 2) + i;
      (*st)[axis] = (*shape)[i] == 1 ? 0 : stride;
      batch[axis] = std::max(batch[axis], (*shape)[i]);
      stride *= (*shape)[i];
    }
  }
  int64_t count = 1;
  for (int64_t d : batch)
    count *= d;
  for (int64_t bi = 0; bi < count; ++bi) {
    int64_t rest = bi, aOff = 0, wOff = 0;
    for (size_t d = batchRank; d-- > 0;) {
      int64_t idx = rest % batch[d];
      rest /= batch[d];
      aOff += idx * aSt[d];
      wOff += idx * wSt[d];
    }
    if (failed(emitMatmul2D(op, aBase + 4 * aOff, wBase + 4 * wOff,
                            cBase + 4 * bi * M * N, M, N, K, layer)))
      return failure();
  }
  return success();
}

LogicalResult Codegen::emitMatmul2D(MatMulOp op, int64_t aBase, int64_t wBase,
                                    int64_t cBase, int64_t M, int64_t N,
                                    int64_t K, int64_t layer) {
  if (M == 0 || N == 0)
    return success();
  if (K == 0)
    return op.emitError("backend: matmul with K = 0 is not supported");
  // INT8: one-byte A and W, the accumulator scaled per column to FP32 by a
  // table kept after the buffers (requantParams).
  bool int8 = hasInt8Input(op);
  int64_t eb = int8 ? 1 : 4;
  rt::TargetDesc tileTarget = matmulTarget(op, target);
  MatmulTiles tiles = chooseMatmulTiles(tileTarget, M, N, K);
  if (auto rec = recordedTiles(op, {"m", "n", "k"})) {
    tiles = {(*rec)[0], (*rec)[1], (*rec)[2]};
    if (tiles.m * tiles.n > int64_t(target.accumulatorBytes / 4) ||
        4 * (2 * (tiles.m * tiles.k + tiles.k * tiles.n) +
             2 * tiles.m * tiles.n) >
            int64_t(tileTarget.scratchpadBytes))
      return op.emitError("backend: the recorded matmul tiles do not fit the "
                          "accumulator and scratchpad");
  }
  if (tiles.m == 0)
    return op.emitError("backend: no matmul tiling fits the target");
  noteTiles({{"m", tiles.m}, {"n", tiles.n}, {"k", tiles.k}});
  // Scratchpad: two A tiles, two W tiles, two C tiles.
  int64_t aBytes = alignUp(tiles.m * tiles.k * eb);
  int64_t wBytes = alignUp(tiles.k * tiles.n * eb);
  int64_t cBytes = tiles.m * tiles.n * 4;
  int64_t tableBuf = alignUp(2 * (aBytes + wBytes + cBytes));
  auto aBuf = [&](int64_t s) { return (s % 2) * aBytes; };
  auto wBuf = [&](int64_t s) { return 2 * aBytes + (s % 2) * wBytes; };
  auto cBuf = [&](int64_t j) {
    return 2 * aBytes + 2 * wBytes + (j % 2) * cBytes;
  };
  auto i64 = [&](int64_t v) { return b.getI64IntegerAttr(v); };
  Location loc = op.getLoc();
  struct Step {
    int64_t m0, n0, k0, mt, nt, kt;
  };
  SmallVector<SmallVector<Step>> outTiles; // per C tile, its K steps
  for (int64_t m0 = 0; m0 < M; m0 += tiles.m)
    for (int64_t n0 = 0; n0 < N; n0 += tiles.n) {
      outTiles.emplace_back();
      for (int64_t k0 = 0; k0 < K; k0 += tiles.k)
        outTiles.back().push_back({m0, n0, k0, std::min(tiles.m, M - m0),
                                   std::min(tiles.n, N - n0),
                                   std::min(tiles.k, K - k0)});
    }
  int64_t totalSteps = 0, J = int64_t(outTiles.size());
  for (auto &t : outTiles)
    totalSteps += int64_t(t.size());
  auto dma2D = [&](auto opT, int64_t sram, int64_t dram, int64_t rows,
                   int64_t cols, int64_t dramRowBytes, int64_t sramRowBytes,
                   int64_t elemBytes = 4) {
    return emitDma<decltype(opT)>(loc, sram, dram, elemBytes,
                                  {cols, rows, 1, 1},
                                  {elemBytes, dramRowBytes, 0, 0},
                                  {elemBytes, sramRowBytes, 0, 0}, layer);
  };
  int64_t s = 0; // global K-step index
  for (int64_t j = 0; j < J; ++j) {
    for (auto [kIndex, st] : llvm::enumerate(outTiles[j])) {
      // Loads of A[m0:, k0:] and W[k0:, n0:] into buffer set s % 2.
      auto la =
          dma2D(npuisa::DmaLoadOp(), aBuf(s), aBase + eb * (st.m0 * K + st.k0),
                st.mt, st.kt, eb * K, eb * st.kt, eb);
      la.setPopNext(firstLoadWaits(s));
      npuisa::DmaLoadOp last =
          dma2D(npuisa::DmaLoadOp(), wBuf(s), wBase + eb * (st.k0 * N + st.n0),
                st.kt, st.nt, eb * N, eb * st.nt, eb);
      if (int8 && s == 0)
        last = dma2D(npuisa::DmaLoadOp(), tableBuf,
                     requantTables.lookup(op).offset, 1, 2 * N, 0, 0);
      last.setPushNext(true);
      auto mm = npuisa::MatmulOp::create(
          b, loc, TypeRange{}, ValueRange{},
          {b.getNamedAttr("a", i64(aBuf(s))), b.getNamedAttr("w", i64(wBuf(s))),
           b.getNamedAttr("acc", i64(0)), b.getNamedAttr("m_outer", i64(1)),
           b.getNamedAttr("m_inner", i64(st.mt)),
           b.getNamedAttr("k", i64(st.kt)), b.getNamedAttr("n", i64(st.nt)),
           b.getNamedAttr("a_stride_outer", i64(0)),
           b.getNamedAttr("a_stride_inner", i64(eb * st.kt)),
           b.getNamedAttr("w_row_stride", i64(eb * st.nt)),
           b.getNamedAttr("acc_row_stride", i64(st.nt))});
      mm.setFp32(!int8);
      mm.setAccumulate(kIndex > 0);
      mm.setPopPrev(true);
      mm.setPushPrev(s + 2 < totalSteps); // frees buffer set s % 2
      mm.setLayerAttr(i64(layer));
      ++s;
    }
    // Accumulator -> C buffer j % 2 -> DRAM.
    const Step &st = outTiles[j].front();
    SmallVector<int64_t> dims = {st.nt, st.mt, 1, 1}, cSt = {1, st.nt, 0, 0};
    SmallVector<Operation *> program;
    if (int8) { // x scale[n] + bias[n]
      program = emitScaledReadout(loc, cBuf(j), dims, cSt, tableBuf + 4 * st.n0,
                                  tableBuf + 4 * (N + st.n0), layer);
    } else {
      Operation *copy =
          emitVecStep(loc, VecFunc{false, "copy"}, {0, cSt}, std::nullopt,
                      {cBuf(j), cSt}, dims, "f32", layer);
      copy->setAttr("src0_space", b.getStringAttr("acc"));
      program.push_back(copy);
    }
    if (j >= 2) // store freed C buffer j % 2
      program.front()->setAttr("pop_next", b.getUnitAttr());
    Operation *lastCompute = program.back();
    lastCompute->setAttr("push_next", b.getUnitAttr());
    auto store =
        dma2D(npuisa::DmaStoreOp(), cBuf(j), cBase + 4 * (st.m0 * N + st.n0),
              st.mt, st.nt, 4 * N, 4 * st.nt);
    markTileStore(store, j, J);
  }
  emitOpBarrier(loc);
  return success();
}

std::optional<SmallVector<int64_t>> recordedTiles(Operation *op,
                                                  ArrayRef<StringRef> keys) {
  auto dict = op->getAttrOfType<DictionaryAttr>("npu.tiles");
  if (!dict)
    return std::nullopt;
  SmallVector<int64_t> values;
  for (StringRef key : keys) {
    auto v = dict.getAs<IntegerAttr>(key);
    if (!v || v.getInt() <= 0 || v.getInt() > kMaxExtent)
      return std::nullopt;
    values.push_back(v.getInt());
  }
  return values;
}

void Codegen::beginLayer(Operation *op) {
  auto [name, type] = onnxNodeOf(op);
  currentLayer = npuisa::LayerOp::create(b, op->getLoc(), b.getStringAttr(name),
                                         b.getStringAttr(type), StringAttr(),
                                         DictionaryAttr());
  std::string shapes;
  llvm::raw_string_ostream os(shapes);
  llvm::interleaveComma(op->getOperandTypes(), os);
  os << " -> ";
  llvm::interleaveComma(op->getResultTypes(), os);
  currentLayer.setShapesAttr(b.getStringAttr(shapes));
}

void Codegen::noteTiles(ArrayRef<std::pair<StringRef, int64_t>> tiles) {
  SmallVector<NamedAttribute> attrs;
  for (auto [key, value] : tiles)
    attrs.push_back(b.getNamedAttr(key, b.getI64IntegerAttr(value)));
  currentLayer.setTilesAttr(b.getDictionaryAttr(attrs));
}

LogicalResult Codegen::emitOp(Operation *op, int64_t layer) {
  return TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](ConvOp c) { return emitConv(c, layer); })
      .Case([&](ConvTransposeOp c) { return emitConvTranspose(c, layer); })
      .Case([&](MatMulOp m) { return emitMatmul(m, layer); })
      .Case<MaxPoolOp, AvgPoolOp>(
          [&](Operation *p) { return emitPool(p, layer); })
      .Case<TransposeOp, SliceOp, ConcatOp, ResizeOp, PadOp, GatherOp>(
          [&](Operation *m) { return emitDataMovement(m, layer); })
      .Case([&](ReduceMeanOp r) {
        return emitReduction(r, r.getInput(), r.getAxes(), "mean", layer);
      })
      .Case([&](ReduceMaxOp r) {
        return emitReduction(r, r.getInput(), r.getAxes(), "max", layer);
      })
      .Case([&](SoftmaxOp r) {
        int64_t axis = r.getAxis();
        return emitReduction(r, r.getInput(), {axis}, "softmax", layer);
      })
      .Case([&](LayerNormOp r) {
        SmallVector<int64_t> axes = llvm::to_vector(
            llvm::seq<int64_t>(r.getAxis(), r.getType().getRank()));
        return emitReduction(r, r.getInput(), axes, "layer_norm", layer,
                             NormParams{r.getScale(), r.getBias(),
                                        r.getEpsilon().convertToFloat()});
      })
      .Default([&](Operation *e) {
        // Elementwise (run() refused anything else up front).
        SmallVector<Value> operands(e->getOperands());
        SmallVector<int64_t> offsets;
        for (Value v : operands)
          offsets.push_back(buffers.lookup(root(v)).offset);
        VecFunc fn = *vecFuncOf(e);
        if (fn.kind == VecFunc::Lut)
          fn.tableDram = lutTables.lookup(e).offset;
        return emitElementwise(e, operands, offsets, e->getResult(0),
                               buffers.lookup(e->getResult(0)).offset, fn,
                               layer);
      });
}

LogicalResult Codegen::run() {
  Block &body = func.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  // Refuse what the backend cannot do yet, naming every such op's node.
  for (Operation &op : body) {
    if (auto g = dyn_cast<GatherOp>(op)) {
      if (failed(constantGatherIndices(g)))
        return failure();
      continue;
    }
    if (isa<ConstantOp, ReshapeOp, MatMulOp, ConvOp, ConvTransposeOp, MaxPoolOp,
            AvgPoolOp, TransposeOp, SliceOp, ResizeOp, PadOp, ConcatOp,
            ReduceMeanOp, ReduceMaxOp, SoftmaxOp, LayerNormOp, func::ReturnOp>(
            op) ||
        vecFuncOf(&op))
      continue;
    auto [name, type] = onnxNodeOf(&op);
    return op.emitError() << "backend: '" << op.getName() << "' (ONNX node '"
                          << name << "', " << type
                          << ") is not supported by the code generator yet";
  }
  b.setInsertionPointToEnd(module.getBody());
  program = npuisa::ProgramOp::create(
      b, func.getLoc(), b.getStringAttr("main"), b.getStringAttr(target.name),
      b.getI64IntegerAttr(1), IntegerAttr(), IntegerAttr());
  program.getBody().emplaceBlock();
  b.setInsertionPointToEnd(&program.getBody().front());
  if (failed(planDram(ret)))
    return failure();
  materializePlan();
  // One layer per live op (or fusion group), in program order.
  int64_t layer = 0;
  for (Operation &op : body) {
    if (isa<ConstantOp, ReshapeOp, func::ReturnOp>(op) ||
        op.getResult(0).use_empty())
      continue; // no code, or dead (the optimized phase removes these)
    if (auto g = groupOf.find(&op); g != groupOf.end()) {
      if (fusionGroups[g->second].front() == &op &&
          failed(emitFusedGroup(fusionGroups[g->second], layer++)))
        return failure();
      continue; // later members are emitted with their group
    }
    beginLayer(&op);
    if (failed(emitOp(&op, layer++)))
      return failure();
  }
  // Outputs that are inputs, constants or aliases: copy them (the vector
  // unit's bit-exact copy).
  for (auto [value, buf] : copies) {
    currentLayer = npuisa::LayerOp::create(
        b, func.getLoc(), b.getStringAttr("copy"), b.getStringAttr("Identity"),
        StringAttr(), DictionaryAttr());
    VecFunc copy{false, "copy"};
    // The bytes are row-major either way, so the source is read with the
    // output's shape (it may be a reshape of an input or a constant).
    Value source = root(value);
    int64_t src = buffers.lookup(source).offset;
    if (cast<RankedTensorType>(value.getType()).getElementType().isF32()) {
      if (failed(emitElementwise(func, {value}, {src}, value, buf.offset, copy,
                                 layer++)))
        return failure();
      continue;
    }
    // Other element types (shapes and sizes folded to int64 constants, say)
    // are copied as bytes by DMA, in the widest unit that divides them.
    int64_t bytes = byteSize(value.getType());
    int64_t unit = bytes % 4 == 0 ? 4 : bytes % 2 == 0 ? 2 : 1;
    if (failed(emitMove(func, {bytes / unit}, unit, src, {1}, buf.offset, {1},
                        layer++)))
      return failure();
  }
  program.setDramSize(std::max<int64_t>(dramSize, kAlign));
  func.erase();
  return success();
}

} // namespace npu::codegen

namespace {

struct ConvertNpuToNpuIsaPass
    : npu::impl::ConvertNpuToNpuIsaBase<ConvertNpuToNpuIsaPass> {
  using Base::Base;
  void runOnOperation() override {
    auto [target, func] = codegen::targetAndMain(getOperation(), targetName);
    if (!target)
      return signalPassFailure();
    codegen::Codegen codegen(getOperation(), func, *target);
    if (failed(codegen.run()))
      signalPassFailure();
  }
};

} // namespace
