//===- Fusion.cpp - operator fusion
//-----------------------------------------===//
//
// Fusion groups: convolutions with their epilogues (activations,
// per-channel and scalar operands, residuals), runs of elementwise ops of
// one shape as one vector program (docs/codegen.md, "Operator fusion");
// groups recorded as npu.fusion_group are followed.
//
//===----------------------------------------------------------------------===//

#include "npu/Conversion/NpuToNpuIsa/Codegen.h"

using namespace mlir;
using namespace npu;
namespace rt = npu::rt;

namespace npu::codegen {

bool Codegen::residualFusible(ConvOp conv, ArrayRef<Operation *> with) {
  MacConv g;
  if (!convGeometry(conv, g) || hasQuantizedInput(conv) ||
      !noteEpilogue(g, conv.getResult(), with))
    return false;
  if (onVectorUnit(conv, g)) // each output sums its taps alone
    return chooseDepthwiseTiles(target, g).c != 0;
  int64_t c = residualInputTile(target, conv, with);
  return c != 0 && chooseConvTiles(target, g, c).m != 0;
}

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
  if (!recorded && !followsSchedule) {
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
      if (!convGeometry(conv, g))
        continue;
      // An INT8 convolution read only by an INT8 activation's lookup table
      // (a hard swish npu-quantize made a table) takes it as its epilogue:
      // one vec.lut on each requantized tile before the store, instead of
      // a layer of its own that stores the codes and loads them again.
      if (isInt8(conv) && conv.getResult().hasOneUse()) {
        Operation *user = *conv.getResult().getUsers().begin();
        if (isa<LookupTableOp>(user) && lutTable(user) &&
            vecElementType(conv.getType()) == "i8" &&
            vecElementType(user->getResult(0).getType()) == "i8") {
          fusionGroups.push_back({conv, user});
          inChain.insert(conv);
          inChain.insert(user);
        }
        continue;
      }
      if (!conv.getType().getElementType().isF32())
        continue;
      SmallVector<Operation *> chain = {conv};
      Value v = conv.getResult();
      size_t unaryPrefix = 1;
      // The chain's length before its residual op, if it has one.
      size_t beforeResidual = 0;
      while (v.hasOneUse()) {
        Operation *user = *v.getUsers().begin();
        std::optional<VecFunc> fn = vecFuncOf(user);
        // A quantize ends the chain: the convolution stores INT8 (after a
        // residual, the quantize stays a layer of its own).
        if (isa<QuantizeOp>(user)) {
          if (!beforeResidual)
            chain.push_back(user);
          break;
        }
        if (!fn || fn->kind != VecFunc::Arith ||
            user->getResult(0).getType() != v.getType())
          break;
        // A binary op joins with a constant other operand (a per-channel
        // scale after the activation), or with a residual: a tensor of
        // the result's type computed before the convolution (a skip
        // connection; add, sub or mul), checked below.
        if (fn->binary) {
          Value other = user->getOperand(0) == v ? user->getOperand(1)
                                                 : user->getOperand(0);
          if (other == v)
            break;
          if (!other.getDefiningOp<ConstantOp>()) {
            Operation *def = other.getDefiningOp();
            bool ready = !def || def->isBeforeInBlock(conv);
            if (beforeResidual || !ready || other.getType() != v.getType() ||
                !llvm::is_contained({"add", "sub", "mul"}, fn->func))
              break;
            beforeResidual = chain.size();
          }
        } else if (unaryPrefix == chain.size()) {
          ++unaryPrefix;
        }
        chain.push_back(user);
        v = user->getResult(0);
      }
      // A residual joins when a tiling fits its buffers (and keeps the
      // convolution's sums those of the unfused program).
      if (beforeResidual &&
          !residualFusible(conv, ArrayRef(chain).drop_front()))
        chain.resize(beforeResidual);
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
    // The chain after `lead` (a transposed convolution or a matmul) that
    // becomes its epilogue: elementwise ops of its result's type, each the
    // only reader of the one before, binary ones (with
    // `binaryWithConstants`) only with a constant other operand, and a
    // final quantize; taken when its operands are per-channel or scalar
    // (no residual).
    auto takeEpilogue = [&](Operation *lead, bool binaryWithConstants) {
      SmallVector<Operation *> chain = {lead};
      Value v = lead->getResult(0);
      while (v.hasOneUse()) {
        Operation *user = *v.getUsers().begin();
        if (isa<QuantizeOp>(user)) {
          chain.push_back(user);
          break;
        }
        std::optional<VecFunc> fn = vecFuncOf(user);
        if (!fn || fn->kind != VecFunc::Arith ||
            user->getResult(0).getType() != v.getType())
          break;
        if (fn->binary) {
          Value other = user->getOperand(0) == v ? user->getOperand(1)
                                                 : user->getOperand(0);
          if (!binaryWithConstants || other == v ||
              !other.getDefiningOp<ConstantOp>())
            break;
        }
        chain.push_back(user);
        v = user->getResult(0);
      }
      int64_t tiles, bytes;
      bool residual = false;
      if (chain.size() >= 2 &&
          epilogueResources(lead->getResult(0), ArrayRef(chain).drop_front(),
                            tiles, bytes, &residual) &&
          !residual) {
        fusionGroups.push_back(chain);
        inChain.insert(chain.begin(), chain.end());
      }
    };
    // A transposed convolution takes a chain of unary activations (and a
    // final quantize) alone: its tiles' columns may be output phases
    // (phasesAsChannels), which per-channel operands would not follow.
    for (auto ct : body.getOps<ConvTransposeOp>())
      if (ct.getType().getElementType().isF32())
        takeEpilogue(ct, /*binaryWithConstants=*/false);
    // A matmul takes a chain of elementwise ops of its result's shape whose
    // other operands are constants, one value per column (a Gemm's bias) or
    // a scalar, and a final quantize: applied to each C tile in the
    // scratchpad before the store. Not with pruned weights (their sparse
    // plan is made for the tiles of the matmul alone).
    // (A 1-D right operand has no columns: its result's last axis is M.)
    for (auto mm : body.getOps<MatMulOp>())
      if (mm.getType().getElementType().isF32() &&
          mm.getRhs().getType().getRank() >= 2 &&
          !matmulWeightBlocks(mm, target, /*compressible=*/true))
        takeEpilogue(mm, /*binaryWithConstants=*/true);
    SmallVector<Operation *> run;
    // Whether `run` with `op` still fits one vector program: its values
    // share the scratchpad, so each buffer is smaller than an op alone gets.
    auto runFits = [&](Operation *op) {
      SmallVector<Operation *> ops(run.begin(), run.end());
      ops.push_back(op);
      return vectorProgramFits(ops, target);
    };
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
          int64_t(run.size()) < kMaxFusedRun &&
          llvm::any_of(op.getOperands(),
                       [&](Value v) {
                         return llvm::is_contained(run, v.getDefiningOp());
                       }) &&
          runFits(&op);
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
      if (leadsEpilogue(group.front()))
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
      bool residual = false;
      bool ok =
          convGeometry(conv, g) && conv.getType().getElementType().isF32() &&
          llvm::all_of(conv->getUsers(),
                       [&](Operation *u) { return members.count(u); }) &&
          epilogueResources(conv.getResult(), group, tiles, bytes, &residual) &&
          (!residual ||
           (residualFusible(conv, group) && !isa<QuantizeOp>(group.back())));
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

LogicalResult Codegen::verifyFusionGroups() {
  formFusionGroups();
  // Groups come from formFusionGroups or from a hand-edited tiled or
  // scheduled file: only the shapes the emitters handle share a loop.
  for (ArrayRef<Operation *> group : fusionGroups) {
    Operation *front = group.front();
    bool conv = leadsEpilogue(front);
    // A recorded group of one op (its partners' npu.fusion_group edited
    // away) is emitted as a fused layer too: only ops that can lead one.
    if (group.size() < 2) {
      if (!conv && !vecFuncOf(front))
        return front->emitError("backend: '")
               << front->getName()
               << "' cannot form a fusion group (npu.fusion_group) alone: a "
                  "fused layer is led by a convolution, a matmul or an "
                  "elementwise op";
      continue;
    }
    auto shapeOf = [](Operation *op) {
      return cast<RankedTensorType>(op->getResult(0).getType()).getShape();
    };
    // A convolution followed by elementwise ops of its result's shape, or
    // elementwise ops of one shape; anything else is refused at its second
    // op (the first that cannot join).
    bool leads = conv || vecFuncOf(front);
    for (auto [i, op] : llvm::enumerate(group.drop_front())) {
      bool joins = leads && vecFuncOf(op) && op->getNumResults() == 1 &&
                   shapeOf(op) == shapeOf(front);
      // After a transposed convolution: unary activations, then a quantize.
      std::optional<VecFunc> fn = vecFuncOf(op);
      if (isa<ConvTransposeOp>(front) && !isa<QuantizeOp>(op) &&
          (!fn || fn->kind != VecFunc::Arith || fn->binary))
        joins = false;
      if (isa<ConvTransposeOp, MatMulOp>(front) && isa<QuantizeOp>(op) &&
          op != group.back())
        joins = false;
      // After a matmul: a chain computed in place in the C tile, each op
      // reading the one before (its only reader) and constants.
      if (auto mm = dyn_cast<MatMulOp>(front)) {
        Value previous = group[i]->getResult(0); // the op before `op`
        bool chained = previous.hasOneUse() &&
                       llvm::all_of(op->getOperands(), [&](Value v) {
                         return v == previous || v.getDefiningOp<ConstantOp>();
                       });
        if ((!isa<QuantizeOp>(op) && (!fn || fn->kind != VecFunc::Arith)) ||
            !chained || mm.getRhs().getType().getRank() < 2)
          joins = false;
      }
      if (!joins)
        return op->emitError("backend: '")
               << op->getName() << "' cannot share a tile loop with '"
               << front->getName()
               << "': a layer is one op, a convolution or matmul with "
                  "elementwise ops of its result's shape (after a matmul, "
                  "with constant operands), or elementwise ops of one shape";
      // The group runs where its first op is: what it reads from outside
      // (a residual, say) must be computed by then.
      for (Value v : op->getOperands()) {
        Operation *def = v.getDefiningOp();
        if (def && !isa<ConstantOp>(def) && !llvm::is_contained(group, def) &&
            !def->isBeforeInBlock(front))
          return op->emitError("backend: '")
                 << op->getName() << "' reads a value computed after '"
                 << front->getName() << "', the first op of its fusion group";
      }
    }
    // A convolution's or matmul's layer stores only its last value.
    if (conv)
      for (Operation *op : group.drop_back())
        for (Operation *user : op->getUsers())
          if (!llvm::is_contained(group, user))
            return user->emitError("backend: '")
                   << user->getName() << "' reads '" << op->getName()
                   << "' inside a fusion group led by '" << front->getName()
                   << "', which stores only its last value";
  }
  return success();
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
  Operation *front = group.front();
  if (leadsEpilogue(front)) {
    // A convolution or matmul with an epilogue: the leading op's layer.
    beginLayer(front);
    currentLayer.setOnnxOpAttr(b.getStringAttr("Fused(" + types + ")"));
    epilogue.assign(group.begin() + 1, group.end());
    epilogueSource = front->getResult(0);
    LogicalResult emitted =
        isa<ConvOp>(front) ? emitConv(cast<ConvOp>(front), layer)
        : isa<MatMulOp>(front)
            ? emitMatmul(cast<MatMulOp>(front), layer)
            : emitConvTranspose(cast<ConvTransposeOp>(front), layer);
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
  // A clamp (ReLU, Clip) of an FP32 add, sub, mul or div's result that
  // nothing else reads is that step's output stage (ISA v14, as
  // foldClampInto in an epilogue): the step writes the clamp's result, one
  // pass fewer, the same bits.
  // (outputStageBounds: an FP32 clamp with a finite bound, of a value
  // nothing else reads.)
  auto clampStage = [&](Operation *op, const VecFunc &fn,
                        size_t i) -> std::optional<std::pair<float, float>> {
    if (i + 1 >= group.size() || group[i + 1]->getNumOperands() == 0 ||
        group[i + 1]->getOperand(0) != op->getResult(0) || !fn.binary ||
        fn.kind != VecFunc::Arith || fn.alpha || fn.beta || fn.lo || fn.hi ||
        !takesOutputStage(fn.func) ||
        !getElementTypeOrSelf(op->getResult(0).getType()).isF32())
      return std::nullopt;
    return outputStageBounds(group[i + 1]);
  };
  for (size_t i = 0; i < group.size(); ++i) {
    Operation *op = group[i];
    FusedStep step{*vecFuncOf(op), {}, 0};
    if (step.fn.kind == VecFunc::Lut)
      step.fn.tableDram = tableOf(op, "lut").offset;
    for (Value v : op->getOperands())
      step.operands.push_back(valueIndex(v));
    Value result = op->getResult(0);
    if (auto bounds = clampStage(op, step.fn, i)) {
      std::tie(step.fn.lo, step.fn.hi) = *bounds;
      result = group[++i]->getResult(0);
    }
    step.result = valueIndex(result);
    appendStep(p, step, op);
  }
  return emitVectorProgram(group.back(), p, layer);
}

} // namespace npu::codegen
