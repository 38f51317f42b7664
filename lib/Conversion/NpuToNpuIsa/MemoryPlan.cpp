//===- MemoryPlan.cpp - the DRAM plan -------------------------------------===//
//
// Inputs, outputs, the constant segment (convolution weights rearranged
// for the MAC array; the tables the ops' backend models ask for:
// requantization parameters, lookup tables, pooling divisors)
// and the liveness-packed activation arena (docs/codegen.md, "DRAM
// planning"); a plan recorded by npu-plan-memory is followed.
//
//===----------------------------------------------------------------------===//

#include "npu/Conversion/NpuToNpuIsa/Codegen.h"

#include "llvm/ADT/MapVector.h"

using namespace mlir;
using namespace npu;
namespace rt = npu::rt;

namespace npu::codegen {

namespace {

/// ONNX convolution weights [M][C/group][KH][KW] (KH absent in 1-D), or
/// transposed convolution weights [C][M/group][KH][KW], rearranged to
/// [group][KH][KW][C/group][M/group]: per tap, the K x N matrix of the MAC
/// array; depthwise weights (one input and one output channel per group)
/// computed on the vector unit (`vectorUnit`) to [KH][KW][C], and for the MAC
/// array
/// (`block` > 0, INT8) to block-diagonal [C/block][KH][KW][block][block]
/// (channel g*block + i's taps on the diagonal of block g, zeros elsewhere);
/// with `phases` (a transposed convolution whose output phases are
/// channels, phasesAsChannels) to [C][KH][M][KW].
std::optional<ElementsAttr> convWeightsForArray(ConstantOp c, int64_t groups,
                                                bool transposed,
                                                bool vectorUnit, int64_t block,
                                                bool phases = false) {
  auto type = cast<RankedTensorType>(c.getType());
  if (type.getRank() < 3)
    return std::nullopt;
  ArrayRef<int64_t> spatial = type.getShape().drop_front(2);
  int64_t taps = 1;
  for (int64_t k : spatial)
    taps *= k;
  int64_t Cg = transposed ? type.getDimSize(0) / groups : type.getDimSize(1);
  int64_t Mg = transposed ? type.getDimSize(1) : type.getDimSize(0) / groups;
  // src[i]: the ONNX-ordered element that lands at position i (-1: zero).
  SmallVector<int64_t> src(type.getNumElements());
  SmallVector<int64_t> shape;
  if (block > 0) {
    int64_t blocks = groups / block;
    src.assign(groups * taps * block, -1);
    for (int64_t g = 0; g < blocks; ++g)
      for (int64_t tap = 0; tap < taps; ++tap)
        for (int64_t i = 0; i < block; ++i)
          src[((g * taps + tap) * block + i) * block + i] =
              (g * block + i) * taps + tap;
    shape = {blocks};
    shape.append(spatial.begin(), spatial.end());
    shape.append({block, block});
  } else if (phases) {
    // A transposed convolution whose phases are channels (one group):
    // [C][KH][M][KW], one K x N matrix.
    int64_t kw = spatial.back(), kh = taps / kw;
    for (int64_t c = 0; c < Cg; ++c)
      for (int64_t ky = 0; ky < kh; ++ky)
        for (int64_t m = 0; m < Mg; ++m)
          for (int64_t kx = 0; kx < kw; ++kx)
            src[((c * kh + ky) * Mg + m) * kw + kx] =
                (c * Mg + m) * taps + ky * kw + kx;
    shape = {Cg, taps * Mg};
  } else if (vectorUnit) {
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
      out[i] = from < 0 ? 0 : values[from];
    return DenseElementsAttr::get(
        RankedTensorType::get(shape, dense.getElementType()), ArrayRef(out));
  }
  SmallVector<float> w;
  if (!readFloatConstant(c.getValue(), w))
    return std::nullopt;
  SmallVector<float> out(src.size());
  for (auto [i, from] : llvm::enumerate(src))
    out[i] = from < 0 ? 0.0f : w[from];
  return makeFloatConstant(RankedTensorType::get(shape, type.getElementType()),
                           out, "conv_weights");
}

} // namespace

bool Codegen::concatInPlace(ConcatOp op) {
  auto type = cast<RankedTensorType>(op.getType());
  int64_t outer = 1;
  for (int64_t d = 0; d < int64_t(op.getAxis()); ++d)
    outer *= type.getDimSize(d);
  // Along the rows of an NCHW tensor, each input is a box of the result
  // that a convolution's layer stores into with the result's row pitch
  // (storedRows): the bands of a cascade (CascadeRows.cpp).
  bool rows = outer != 1 && type.getRank() == 4 && op.getAxis() == 2;
  if ((outer != 1 && !rows) || op->hasAttr("npu.on_chip"))
    return false;
  llvm::SmallPtrSet<Value, 4> seen;
  for (Value in : op.getInputs()) {
    Operation *def = in.getDefiningOp();
    if (!def || !seen.insert(in).second || def->getNumResults() != 1 ||
        isa<ConstantOp, HostOp, ConcatOp, ViewLikeOpInterface>(def) ||
        def->hasAttr("npu.on_chip") ||
        cast<RankedTensorType>(in.getType()).getElementType() !=
            type.getElementType())
      return false;
    if (llvm::any_of(in.getUsers(), [&](Operation *user) {
          return isa<func::ReturnOp>(user) ||
                 (user != op.getOperation() && isa<ConcatOp>(user));
        }))
      return false;
    if (rows) {
      auto conv = dyn_cast<ConvOp>(groupFront(def));
      if (!in.hasOneUse() || !conv || conv.getType().getRank() != 4 ||
          groupBack(def) != def || phasePackOf(conv))
        return false;
    }
  }
  return true;
}

int64_t Codegen::storedRows(Value v, int64_t rows) {
  if (cast<RankedTensorType>(v.getType()).getRank() != 4 || !v.hasOneUse())
    return rows;
  auto concat = dyn_cast<ConcatOp>(*v.getUsers().begin());
  if (!concat || concat.getAxis() != 2 || !concatInPlace(concat))
    return rows;
  return concat.getType().getDimSize(2);
}

LogicalResult Codegen::planDram(func::ReturnOp ret) {
  Block &body = func.getBody().front();
  if (failed(verifyFusionGroups()))
    return failure();
  // A plan recorded by npu-plan-memory (the `planned` phase) is followed;
  // otherwise it is made here, the same way.
  bool recorded = func->hasAttr("npu.dram_size");
  // Every placement starts on a DRAM burst.
  const int64_t burst = target.dramBurstBytes;
  std::string missing;
  auto place = [&](int64_t bytes, IntegerAttr at, const Twine &what) {
    if (recorded) {
      if (!at && missing.empty())
        missing = what.str();
      return Buffer{at ? at.getInt() : 0, bytes};
    }
    Buffer buf{dramSize, bytes};
    dramSize = alignUp(dramSize + bytes, burst);
    return buf;
  };
  auto i64Attr = [](Operation *op, StringRef name) {
    return op->getAttrOfType<IntegerAttr>(name);
  };
  // A value's recorded offset: `npu.dram` on a one-result op,
  // `npu.results_dram[i]` for result i of several.
  auto recordedDram = [&](Value v) -> IntegerAttr {
    Operation *def = v.getDefiningOp();
    if (def->getNumResults() == 1)
      return i64Attr(def, "npu.dram");
    auto list = def->getAttrOfType<DenseI64ArrayAttr>("npu.results_dram");
    unsigned i = cast<OpResult>(v).getResultNumber();
    if (!list || int64_t(i) >= list.size())
      return {};
    return b.getI64IntegerAttr(list[i]);
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
  // output, also through views (a reshape or storage cast of its result
  // returned); anything else (an input, a constant, a value already placed)
  // is copied there.
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    auto name = func.getResultAttrOfType<StringAttr>(i, "npu.name");
    Buffer buf = place(byteSize(v.getType()),
                       func.getResultAttrOfType<IntegerAttr>(i, "npu.dram"),
                       "output " + Twine(i));
    bool dynamic = func.getResultAttr(i, "npu.dynamic_shape") != nullptr;
    outputs.push_back({(name ? name.getValue() : "output").str(),
                       buf,
                       v.getType(),
                       {},
                       dynamic});
    Operation *def = v.getDefiningOp();
    auto host = dyn_cast_or_null<HostOp>(def);
    // An output of data-dependent shape is its host op's result, written in
    // place (the runtime knows its shape from the op that made it).
    if (dynamic != (host && host.isDynamicResult(
                                cast<OpResult>(v).getResultNumber())) ||
        (dynamic && buffers.count(v)))
      return func.emitError("output ")
             << i
             << (dynamic ? " of data-dependent shape must be a host op's "
                           "result of data-dependent shape, returned once"
                         : " is a host op's result of data-dependent shape "
                           "but not marked npu.dynamic_shape");
    Value r = root(v);
    Operation *rootDef = r.getDefiningOp();
    if (rootDef && !isa<ConstantOp>(rootDef) && !buffers.count(r) &&
        !buffers.count(v))
      buffers[r] = buf;
    else
      copies.push_back({v, buf});
  }
  for (Value v : ret.getOperands())
    if (Operation *def = root(v).getDefiningOp();
        def && def->hasAttr("npu.on_chip"))
      return def->emitError("backend: a returned value cannot be kept on "
                            "chip: outputs are in DRAM");
  // Constants: the executable's constant segment. Convolution weights are
  // stored in the order the MAC array reads them, [group][KH][KW][C/group]
  // [M/group]; the ONNX-ordered copy is kept only if something else uses it.
  // Weights whose op's plan is compressed (docs/codegen.md, "Compressed
  // weights") are read only as block images from its sparse_w table: no
  // dense copy is stored for that op.
  llvm::SmallPtrSet<Operation *, 8> compressed;
  auto isCompressed = [&](Operation *user) {
    auto conv = dyn_cast<ConvOp>(user);
    auto mm = dyn_cast<MatMulOp>(user);
    return (conv && sparseConvCompressed(conv, target)) ||
           (mm && sparseMatmulCompressed(mm, target));
  };
  for (auto c : body.getOps<ConstantOp>()) {
    bool otherUse = c->use_empty();
    llvm::SmallDenseMap<int64_t, Buffer> byGroup;
    for (OpOperand &use : c->getUses()) {
      Operation *user = use.getOwner();
      if (use.getOperandNumber() == 1 && isCompressed(user)) {
        compressed.insert(user);
        continue;
      }
      if (!isa<ConvOp, ConvTransposeOp>(user) || use.getOperandNumber() != 1) {
        otherUse = true;
        continue;
      }
      bool transposed = isa<ConvTransposeOp>(user);
      // A phase-packed convolution without a pass A reads only its
      // phase_w table.
      if (auto conv = dyn_cast<ConvOp>(user)) {
        const PhasePack *packed = phasePackOf(conv);
        if (packed && packed->c0 == 0)
          continue;
      }
      int64_t groups = transposed ? cast<ConvTransposeOp>(user).getGroup()
                                  : cast<ConvOp>(user).getGroup();
      // Depthwise weights for the vector unit, or (INT8) block-diagonal
      // for the MAC array.
      MacConv g;
      bool vector = false;
      int64_t block = 0;
      if (!transposed && convGeometry(cast<ConvOp>(user), g)) {
        vector = onVectorUnit(user, g);
        block = forMacArray(user, target, g);
      }
      bool phases = transposed && phasesAsChannels(cast<ConvTransposeOp>(user));
      // (The weights' shape and `groups` decide depthwise and the block;
      // key 0: phases as channels.)
      auto [it, inserted] = byGroup.try_emplace(phases       ? 0
                                                : transposed ? -groups
                                                             : groups);
      if (inserted) {
        std::optional<ElementsAttr> rearranged =
            convWeightsForArray(c, groups, transposed, vector, block, phases);
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
  // The ops' constant tables (requantization parameters, lookup tables,
  // divisor maps), in program order: whatever each op's backend model
  // asks for, recorded as npu.<role>_dram.
  for (Operation &op : body) {
    auto backend = dyn_cast<BackendOpInterface>(&op);
    SmallVector<ConstantTable> list;
    if (backend && failed(backend.getConstantTables(target, list)))
      return failure();
    // A phase-packed convolution's pass B weights and (INT8) readout rows.
    if (auto conv = dyn_cast<ConvOp>(&op))
      if (const PhasePack *packed = phasePackOf(conv)) {
        ElementsAttr weights = phasePackWeights(conv, *packed);
        FailureOr<ElementsAttr> readout = phasePackReadout(conv, *packed);
        if (!weights || failed(readout))
          return op.emitError("backend: no phase-packed weights for this "
                              "convolution");
        list.push_back({"phase_w", weights});
        if (*readout)
          list.push_back({"phase_requant", *readout});
      }
    for (const ConstantTable &table : list) {
      std::string attr = ("npu." + table.role + "_dram").str();
      Buffer buf = place(byteSize(table.value.getType()), i64Attr(&op, attr),
                         "the " + table.role + " table of '" +
                             op.getName().getStringRef() + "'");
      tables[{&op, table.role}] = buf;
      constants.push_back({op.getLoc(), buf.offset, table.value});
    }
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
  auto defTime = [&](Operation *op) { return index[groupFront(op)]; };
  auto useTime = [&](Operation *op) { return index[groupBack(op)]; };
  // Program order (MapVector), then a stable sort: values of equal size and
  // first use keep the order they appear in, so the plan is the same on
  // every run (DenseMap's order is pointer order).
  // Concat elimination: the inputs of an in-place concat are slices of its
  // result's buffer (one interval from the first input's definition).
  llvm::DenseMap<Value, std::pair<Value, int64_t>> sliceOf;
  if (!recorded)
    for (auto concat : body.getOps<ConcatOp>()) {
      if (!concatInPlace(concat))
        continue;
      // Bytes per index of the axis (inside one index of the axes before
      // it, whose pitch the inputs' stores keep: storedRows).
      auto outType = cast<RankedTensorType>(concat.getType());
      int64_t stride = byteSize(outType);
      for (int64_t d = 0; d <= int64_t(concat.getAxis()); ++d)
        stride /= std::max<int64_t>(1, outType.getDimSize(d));
      int64_t at = 0;
      for (Value in : concat.getInputs()) {
        sliceOf[in] = {concat.getResult(), at * stride};
        at += cast<RankedTensorType>(in.getType()).getDimSize(concat.getAxis());
      }
    }
  auto storage = [&](Value r) {
    auto it = sliceOf.find(r);
    return it == sliceOf.end() ? r : it->second.first;
  };
  llvm::MapVector<Value, Interval> live;
  for (Operation &op : body)
    for (Value operand : op.getOperands()) {
      Value v = root(operand), r = storage(v);
      if (buffers.count(r) || !r.getDefiningOp() ||
          isa<ConstantOp>(r.getDefiningOp()) || isFusedInternal(r))
        continue; // placed already, or never in DRAM
      auto [it, inserted] = live.try_emplace(
          r, Interval{r, byteSize(r.getType()), defTime(r.getDefiningOp()), 0});
      it->second.first = std::min(it->second.first, defTime(v.getDefiningOp()));
      it->second.last = std::max(it->second.last, useTime(&op));
    }
  // A host op writes every output, read or not.
  for (auto host : body.getOps<HostOp>())
    for (Value r : host.getOutputs())
      if (!buffers.count(r))
        live.try_emplace(r, Interval{r, byteSize(r.getType()), defTime(host),
                                     defTime(host)});
  // Values kept on chip (npu.on_chip, keepOnChip) take no DRAM: their
  // address is kOnChipBase + their scratchpad offset.
  opIndex = index;
  SmallVector<Interval> order;
  for (auto &entry : live) {
    const Interval &iv = entry.second;
    Operation *def = iv.value.getDefiningOp();
    auto at = i64Attr(def, "npu.on_chip");
    if (!at) {
      order.push_back(iv);
      continue;
    }
    if (isa<HostOp>(def) || def->getNumResults() != 1)
      return def->emitError("backend: only the one result of an op that "
                            "runs on the NPU can be kept on chip");
    int64_t offset = at.getInt();
    if (offset % kAlign || offset + iv.bytes > int64_t(target.scratchpadBytes))
      return def->emitError("backend: a value kept on chip at scratchpad byte ")
             << offset << " (" << iv.bytes << " bytes) must start on a "
             << kAlign << "-byte boundary and end within the target's "
             << target.scratchpadBytes << "-byte scratchpad";
    for (const OnChipValue &other : onChip)
      if (iv.first <= other.last && other.first <= iv.last &&
          offset < other.offset + other.bytes &&
          other.offset < offset + iv.bytes)
        return def->emitError("backend: a value kept on chip at scratchpad "
                              "bytes [")
               << offset << ", " << offset + iv.bytes
               << ") overlaps another alive at the same time";
    // Its readers, through any chain of views: none may be a host op.
    SmallVector<Value> reads = {iv.value};
    while (!reads.empty()) {
      Value v = reads.pop_back_val();
      for (Operation *user : v.getUsers()) {
        if (isa<HostOp>(user))
          return def->emitError("backend: a value kept on chip is read by a "
                                "host op, which reads DRAM");
        if (isa<ViewLikeOpInterface>(user))
          reads.append(user->getResults().begin(), user->getResults().end());
      }
    }
    onChip.push_back({iv.value, offset, iv.bytes, iv.first, iv.last});
    buffers[iv.value] = Buffer{kOnChipBase + offset, iv.bytes};
  }
  llvm::stable_sort(order, [](const Interval &a, const Interval &b) {
    return a.bytes != b.bytes ? a.bytes > b.bytes : a.first < b.first;
  });
  int64_t arenaBase = dramSize, arenaSize = 0;
  SmallVector<std::pair<Interval, int64_t>> placed;
  for (const Interval &iv : order) {
    if (recorded) {
      buffers[iv.value] =
          place(iv.bytes, recordedDram(iv.value), "an intermediate value");
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
          offset = alignUp(at + other.bytes, burst);
          moved = true;
        }
      }
    }
    placed.push_back({iv, offset});
    buffers[iv.value] = Buffer{arenaBase + offset, iv.bytes};
    arenaSize = std::max(arenaSize, alignUp(offset + iv.bytes, burst));
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
  auto onlyPhaseWeights = [&](Operation &op) {
    auto conv = dyn_cast<ConvOp>(op);
    const PhasePack *packed = conv ? phasePackOf(conv) : nullptr;
    return packed && packed->c0 == 0;
  };
  for (Operation &op : body)
    if (isa<ConvOp, ConvTransposeOp>(op) && !convWeights.count(&op) &&
        !compressed.count(&op) && !onlyPhaseWeights(op))
      convWeights[&op] = place(byteSize(op.getOperand(1).getType()),
                               i64Attr(&op, "npu.weights_dram"), "weights");
  // An in-place concat's inputs are slices of its result's buffer.
  for (auto &[in, slice] : sliceOf)
    if (auto it = buffers.find(slice.first); it != buffers.end())
      buffers[in] =
          Buffer{it->second.offset + slice.second, byteSize(in.getType())};
  // Aliases share their root's bytes.
  for (Operation &op : body)
    if (auto view = dyn_cast<ViewLikeOpInterface>(op))
      if (!buffers.count(view->getResult(0)))
        buffers[view->getResult(0)] = buffers.lookup(root(view->getResult(0)));
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
    if (op.getNumResults() == 1 && !isa<ViewLikeOpInterface>(op))
      if (auto it = buffers.find(op.getResult(0));
          it != buffers.end() && it->second.offset < kOnChipBase)
        op.setAttr("npu.dram", i64(it->second.offset));
    if (op.getNumResults() > 1 && llvm::all_of(op.getResults(), [&](Value r) {
          return buffers.count(r);
        }))
      op.setAttr("npu.results_dram",
                 b.getDenseI64ArrayAttr(llvm::to_vector(
                     llvm::map_range(op.getResults(), [&](Value r) {
                       return buffers.lookup(r).offset;
                     }))));
    if (auto it = convWeights.find(&op); it != convWeights.end())
      op.setAttr("npu.weights_dram", i64(it->second.offset));
  }
  for (auto &[key, buf] : tables)
    key.first->setAttr(("npu." + key.second + "_dram").str(), i64(buf.offset));
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
                             TypeAttr::get(out.type), b.getStringAttr("dense"),
                             out.dynamicShape ? b.getUnitAttr() : UnitAttr());
  for (auto &[loc, offset, value] : constants)
    npuisa::DataOp::create(b, loc, offset, value);
  program.setArenaBytesAttr(b.getI64IntegerAttr(arenaBytes));
  program.setArenaLowerBoundAttr(b.getI64IntegerAttr(arenaLowerBound));
}

namespace {
/// Constants (the executable's constant segment), reshapes and storage
/// casts (aliases of their operand's bytes) are DRAM placement only: no
/// instructions.
template <typename OpTy>
struct PlacementModel
    : BackendOpInterface::ExternalModel<PlacementModel<OpTy>, OpTy> {
  ExecutionUnit getExecutionUnit(Operation *) const {
    return ExecutionUnit::none;
  }
  LogicalResult emit(Operation *, Codegen &, int64_t) const {
    return success();
  }
};
} // namespace

void registerPlacementModels(MLIRContext *context) {
  ConstantOp::attachInterface<PlacementModel<ConstantOp>>(*context);
  ReshapeOp::attachInterface<PlacementModel<ReshapeOp>>(*context);
  StorageCastOp::attachInterface<PlacementModel<StorageCastOp>>(*context);
}

} // namespace npu::codegen
