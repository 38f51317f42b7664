//===- NpuToNpuIsa.cpp - generate NPU instructions for an npu graph ------===//
//
// Whole-graph code generation, so it is a pass rather than a set of local
// conversion patterns: DRAM planning needs every value's lifetime, and the
// dependence tokens of one op's tiles must balance with the next op's.
//
//===----------------------------------------------------------------------===//

#include "npu/Conversion/Passes.h"

#include "npu/Conversion/BackendModels.h"
#include "npu/Conversion/NpuToNpuIsa/Codegen.h"
#include "npu/Dialect/Npu/IR/ResizeSampling.h"

#include "npu/Dialect/Npu/Utils/QuantParams.h"

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

LoopOrder recordedOrder(Operation *op, LoopOrder fallback) {
  auto dict = op->getAttrOfType<DictionaryAttr>("npu.tiles");
  auto name = dict ? dict.getAs<StringAttr>("order") : nullptr;
  std::optional<LoopOrder> order =
      name ? symbolizeLoopOrder(name.getValue()) : std::nullopt;
  return order.value_or(fallback);
}

void Codegen::beginLayer(Operation *op) {
  auto [name, type] = onnxNodeOf(op);
  currentLayer = npuisa::LayerOp::create(
      b, op->getLoc(), b.getStringAttr(name), b.getStringAttr(type),
      StringAttr(), DictionaryAttr(), DictionaryAttr(), IntegerAttr());
  std::string shapes;
  llvm::raw_string_ostream os(shapes);
  llvm::interleaveComma(op->getOperandTypes(), os);
  os << " -> ";
  llvm::interleaveComma(op->getResultTypes(), os);
  currentLayer.setShapesAttr(b.getStringAttr(shapes));
}

void Codegen::noteTiles(ArrayRef<std::pair<StringRef, int64_t>> tiles) {
  noteTiles(tilesAttr(b, tiles));
}

void Codegen::noteTiles(DictionaryAttr tiles) {
  currentLayer.setTilesAttr(tiles);
}

InFlightDiagnostic emitUnsupported(Operation *op, StringRef reason) {
  auto [name, type] = onnxNodeOf(op);
  auto diag = op->emitError()
              << "backend: '" << op->getName() << "' (ONNX node '" << name
              << "', " << type << ") is not supported by the code generator";
  if (reason.empty())
    diag << " yet";
  else
    diag << ": " << reason;
  return diag;
}

LogicalResult Codegen::emitOp(Operation *op, int64_t layer) {
  // run() checked every op's legality, so each has the interface.
  return cast<BackendOpInterface>(op).emit(*this, layer);
}

DictionaryAttr tilesAttr(Builder &b,
                         ArrayRef<std::pair<StringRef, int64_t>> values) {
  SmallVector<NamedAttribute> attrs;
  for (auto [key, value] : values)
    attrs.push_back(b.getNamedAttr(key, b.getI64IntegerAttr(value)));
  return b.getDictionaryAttr(attrs);
}

LogicalResult Codegen::run() {
  Block &body = func.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  // Refuse what the backend cannot do yet, naming the op's node and why.
  for (Operation &op : body) {
    std::string reason;
    if (isa<func::ReturnOp>(op) || isLegalOnTarget(&op, target, reason))
      continue;
    return emitUnsupported(&op, reason);
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
  // One layer per live op (or fusion group), in program order; each sees
  // the scratchpad the values kept on chip leave it.
  const int64_t fullScratchpad = target.scratchpadBytes;
  int64_t layer = 0;
  for (Operation &op : body) {
    if (isa<func::ReturnOp>(op) || !runsCode(&op))
      continue; // no code, or dead (the optimized phase removes these)
    // (A layer with recorded tiles keeps them; endScratchpad checks that
    // its buffers miss the values kept on chip.)
    layerTarget.scratchpadBytes =
        op.hasAttr("npu.tiles")
            ? uint32_t(fullScratchpad)
            : uint32_t(layerScratchpad(opIndex.lookup(&op),
                                       opIndex.lookup(groupBack(&op))));
    if (auto g = groupOf.find(&op); g != groupOf.end()) {
      if (fusionGroups[g->second].front() != &op)
        continue; // later members are emitted with their group
      beginScratchpad(&op);
      if (failed(emitFusedGroup(fusionGroups[g->second], layer++)) ||
          failed(endScratchpad()))
        return failure();
      continue;
    }
    beginLayer(&op);
    beginScratchpad(&op);
    if (failed(emitOp(&op, layer++)) || failed(endScratchpad()))
      return failure();
  }
  layerTarget.scratchpadBytes = uint32_t(fullScratchpad);
  beginScratchpad(nullptr);
  // Outputs that are inputs, constants or aliases: copy them (the vector
  // unit's bit-exact copy, or DMA where its program would not fit).
  for (auto [value, buf] : copies) {
    currentLayer = npuisa::LayerOp::create(
        b, func.getLoc(), b.getStringAttr("copy"), b.getStringAttr("Identity"),
        StringAttr(), DictionaryAttr(), DictionaryAttr(), IntegerAttr());
    VecFunc copy{false, "copy"};
    // The bytes are row-major either way, so the source is read with the
    // output's shape (it may be a reshape of an input or a constant).
    Value source = root(value);
    int64_t src = buffers.lookup(source).offset;
    auto type = cast<RankedTensorType>(value.getType());
    if (type.getElementType().isF32() && copyProgramFits(type, layerTarget)) {
      if (failed(emitElementwise(func, {value}, {src}, value, buf.offset, copy,
                                 layer++)))
        return failure();
      continue;
    }
    // Other element types (shapes and sizes folded to int64 constants, say)
    // are copied as bytes by DMA, in the widest unit that divides them.
    int64_t bytes = byteSize(value.getType());
    int64_t unit = bytes % 4 == 0 ? 4 : bytes % 2 == 0 ? 2 : 1;
    int64_t count = bytes / unit;
    // A count past a DMA box's 16-bit extent moves as whole rows of
    // kCopyRow, then the rest (a prime count has no divisor to split by).
    constexpr int64_t kCopyRow = 4096;
    int64_t head = count > kMaxExtent ? count / kCopyRow * kCopyRow : 0;
    if (head &&
        failed(emitMove(func, {head / kCopyRow, kCopyRow}, unit, src,
                        {kCopyRow, 1}, buf.offset, {kCopyRow, 1}, layer)))
      return failure();
    if (count > head &&
        failed(emitMove(func, {count - head}, unit, src + unit * head, {1},
                        buf.offset + unit * head, {1}, layer)))
      return failure();
    ++layer;
  }
  if (failed(endScratchpad()))
    return failure();
  program.setDramSize(
      std::max<int64_t>(dramSize, int64_t(target.dramBurstBytes)));
  func.erase();
  return success();
}

} // namespace npu::codegen

void npu::registerBackendInterfaceModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, NpuDialect *) {
    codegen::registerPlacementModels(context);
    codegen::registerHostModels(context);
    codegen::registerConvolutionModels(context);
    codegen::registerMatmulModels(context);
    codegen::registerPoolingModels(context);
    codegen::registerDataMovementModels(context);
    codegen::registerReductionModels(context);
    codegen::registerElementwiseModels(context);
  });
}

namespace {

struct ConvertNpuToNpuIsaPass
    : codegen::WithBackendModels<
          npu::impl::ConvertNpuToNpuIsaBase<ConvertNpuToNpuIsaPass>> {
  using WithBackendModels::WithBackendModels;
  void runOnOperation() override {
    auto [target, func] = codegen::targetAndMain(getOperation(), targetName);
    if (!target)
      return signalPassFailure();
    // Remainder channels as row phases (PhasePack.cpp) off: recorded on the
    // module, which every phase's decision reads.
    if (!phasePackRemainder)
      getOperation()->setAttr("npu.phase_pack",
                              BoolAttr::get(&getContext(), false));
    // The schedule level, when the module has one, is followed.
    FailureOr<bool> scheduled = codegen::inlineLayers(func);
    if (failed(scheduled))
      return signalPassFailure();
    codegen::Codegen codegen(getOperation(), func, *target);
    codegen.followsSchedule = *scheduled;
    if (failed(codegen.run()))
      signalPassFailure();
  }
};

} // namespace
