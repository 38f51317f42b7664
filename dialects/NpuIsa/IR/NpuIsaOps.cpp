//===- NpuIsaOps.cpp - npu_isa dialect: registration and verifiers -------===//
//
// Every value an instruction carries is checked against the width of the
// field that will hold it, read from the runtime's Isa.def, so that what
// verifies here always encodes.
//
//===----------------------------------------------------------------------===//

#include "npu/Dialect/NpuIsa/IR/NpuIsaOps.h"

#include "npu/runtime/Isa.h"
#include "npu/runtime/Target.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"

using namespace mlir;
using namespace npu::npuisa;
namespace rt = npu::rt;

#include "npu/Dialect/NpuIsa/IR/NpuIsaDialect.cpp.inc"

void NpuIsaDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "npu/Dialect/NpuIsa/IR/NpuIsaOps.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

static bool fitsUnsigned(int64_t v, unsigned bits) {
  return v >= 0 && (bits >= 63 || v < (int64_t(1) << bits));
}

static LogicalResult checkField(Operation *op, StringRef name, int64_t value,
                                rt::FieldId field) {
  unsigned width = rt::fieldInfo(field).width;
  if (!fitsUnsigned(value, width))
    return op->emitOpError() << name << " = " << value << " does not fit the "
                             << width << "-bit instruction field";
  return success();
}

static LogicalResult checkArray(Operation *op, StringRef name,
                                ArrayRef<int64_t> values, size_t count,
                                int64_t lo, int64_t hi) {
  if (values.size() != count)
    return op->emitOpError() << name << " needs " << count << " entries";
  for (int64_t v : values)
    if (v < lo || v > hi)
      return op->emitOpError() << name << " entry " << v << " is outside ["
                               << lo << ", " << hi << "]";
  return success();
}

/// The dependence flags and layer, common to all instructions.
static LogicalResult verifyHeader(Operation *op, rt::Queue queue) {
  if (auto layer = op->getAttrOfType<IntegerAttr>("layer"))
    if (failed(checkField(op, "layer", layer.getInt(), rt::FieldId::Layer)) ||
        layer.getInt() == rt::kNoLayer)
      return op->emitOpError("layer out of range");
  if (queue == rt::Queue::Load &&
      (op->hasAttr("pop_prev") || op->hasAttr("push_prev")))
    return op->emitOpError("the load queue has no previous queue");
  if (queue == rt::Queue::Store &&
      (op->hasAttr("pop_next") || op->hasAttr("push_next")))
    return op->emitOpError("the store queue has no next queue");
  return success();
}

//===----------------------------------------------------------------------===//
// ProgramOp
//===----------------------------------------------------------------------===//

RegionKind ProgramOp::getRegionKind(unsigned) { return RegionKind::Graph; }

std::optional<LayerOp::WeightBlockCounts> LayerOp::getWeightBlockCounts() {
  std::optional<DictionaryAttr> blocks = getWeightBlocks();
  if (!blocks)
    return std::nullopt;
  auto get = [&](StringRef key) {
    auto v = blocks->getAs<IntegerAttr>(key);
    return v ? v.getInt() : 0;
  };
  return WeightBlockCounts{get("total"), get("nonzero"), get("skipped")};
}

LogicalResult LayerOp::verify() {
  if (std::optional<int64_t> padding = getPaddingMacs();
      padding && *padding < 0)
    return emitOpError("padding_macs is negative");
  std::optional<DictionaryAttr> blocks = getWeightBlocks();
  if (!blocks)
    return success();
  for (NamedAttribute entry : *blocks) {
    StringRef key = entry.getName().getValue();
    if (key != "total" && key != "nonzero" && key != "skipped")
      return emitOpError("weight_blocks has an unknown entry '") << key << "'";
    auto value = dyn_cast<IntegerAttr>(entry.getValue());
    if (!value || value.getInt() < 0)
      return emitOpError("weight_blocks entry '")
             << key << "' is not a non-negative integer";
  }
  WeightBlockCounts counts = *getWeightBlockCounts();
  if (counts.nonzero > counts.total)
    return emitOpError("weight_blocks has more non-zero tiles (")
           << counts.nonzero << ") than tiles (" << counts.total << ")";
  return success();
}

LogicalResult ProgramOp::verify() {
  const rt::TargetDesc *target = rt::lookupTarget(getTarget().str());
  if (!target)
    return emitOpError("unknown target '") << getTarget() << "'";
  if (uint64_t(getDramSize()) > target->maxDramBytes())
    return emitOpError("dram_size exceeds the target's address space");
  for (Operation &op : getBody().front()) {
    int64_t start = -1;
    ShapedType type;
    if (auto in = dyn_cast<InputOp>(op)) {
      start = in.getDram();
      type = cast<ShapedType>(in.getType());
    } else if (auto out = dyn_cast<OutputOp>(op)) {
      start = out.getDram();
      type = cast<ShapedType>(out.getType());
    } else if (auto data = dyn_cast<DataOp>(op)) {
      start = data.getDram();
      type = cast<ShapedType>(data.getValue().getType());
    }
    if (!type)
      continue;
    // Bytes of the tensor, refusing what has no byte size (index, complex,
    // dynamic shapes) and counting without overflow.
    if (!type.hasStaticShape() || !type.getElementType().isIntOrFloat())
      return op.emitOpError("needs a statically shaped tensor of integer or "
                            "floating-point elements, not ")
             << type;
    int64_t bytes = (type.getElementTypeBitWidth() + 7) / 8;
    for (int64_t d : type.getShape())
      if (d != 0 && bytes > int64_t(getDramSize()) / d + 1)
        return op.emitOpError("lies outside the program's ")
               << getDramSize() << "-byte DRAM";
      else
        bytes *= d;
    if (start >= 0 && start + bytes > int64_t(getDramSize()))
      return op.emitOpError("lies outside the program's ")
             << getDramSize() << "-byte DRAM";
  }
  return success();
}

LogicalResult InputOp::verify() {
  if (auto value = getFrozenValueAttr())
    if (value.getType() != getType())
      return emitOpError("frozen_value has type ")
             << value.getType() << ", not the input's " << getType();
  return success();
}

LogicalResult HostOp::verify() {
  auto checkTypes = [&](ArrayAttr types, ArrayRef<int64_t> dram,
                        StringRef what) -> LogicalResult {
    if (types.size() != dram.size())
      return emitOpError() << what << "_types and " << what
                           << "_dram differ in length";
    for (auto [type, at] : llvm::zip(types, dram)) {
      auto t = dyn_cast<TypeAttr>(type);
      auto ranked = t ? dyn_cast<RankedTensorType>(t.getValue()) : nullptr;
      if (!ranked || !ranked.hasStaticShape() ||
          !ranked.getElementType().isIntOrFloat())
        return emitOpError()
               << what << "_types must be statically shaped tensors";
      if (at < 0)
        return emitOpError() << what << "_dram offsets must be non-negative";
    }
    return success();
  };
  if (failed(checkTypes(getInputTypes(), getInputDram(), "input")) ||
      failed(checkTypes(getOutputTypes(), getOutputDram(), "output")))
    return failure();
  if (llvm::count(getPresent(), true) != int64_t(getInputDram().size()))
    return emitOpError("`present` must mark one entry per input operand");
  if (auto d = getDynamicShapesAttr();
      d && d.size() != int64_t(getOutputDram().size()))
    return emitOpError("`dynamic_shapes` must mark one entry per output");
  if (auto d = getDynamicInputsAttr();
      d && d.size() != int64_t(getInputDram().size()))
    return emitOpError("`dynamic_inputs` must mark one entry per input "
                       "operand");
  return success();
}

//===----------------------------------------------------------------------===//
// Instructions
//===----------------------------------------------------------------------===//

LogicalResult SyncOp::verify() {
  StringRef q = getQueue();
  rt::Queue queue = q == "load"      ? rt::Queue::Load
                    : q == "compute" ? rt::Queue::Compute
                    : q == "store"   ? rt::Queue::Store
                                     : rt::Queue::Any;
  if (queue == rt::Queue::Any)
    return emitOpError("queue must be load, compute or store");
  return verifyHeader(*this, queue);
}

template <typename DmaOpT>
static LogicalResult verifyDma(DmaOpT op, rt::FieldId sram, rt::FieldId dram,
                               rt::Queue queue) {
  int64_t eb = op.getElemBytes();
  if (eb != 1 && eb != 2 && eb != 4)
    return op.emitOpError("elem_bytes must be 1, 2 or 4");
  if (failed(checkField(op, "sram", op.getSram(), sram)) ||
      failed(checkField(op, "dram", op.getDram(), dram)) ||
      failed(checkArray(op, "sizes", op.getSizes(), 4, 0, 0xFFFF)) ||
      failed(checkArray(op, "dram_strides", op.getDramStrides(), 4, 0,
                        0xFFFFFFFF)) ||
      failed(checkArray(op, "sram_strides", op.getSramStrides(), 4, 0,
                        0xFFFFFFFF)))
    return failure();
  for (auto [name, pads] : {std::pair{"pad_before", op.getPadBefore()},
                            std::pair{"pad_after", op.getPadAfter()}})
    if (pads && failed(checkArray(op, name, *pads, 4, 0, 0xFFFF)))
      return failure();
  if (op.getPadValue() && !fitsUnsigned(*op.getPadValue(), 32))
    return op.emitOpError("pad_value must fit 32 bits");
  return verifyHeader(op, queue);
}

LogicalResult DmaLoadOp::verify() {
  return verifyDma(*this, rt::FieldId::DmaLoad_Sram, rt::FieldId::DmaLoad_Dram,
                   rt::Queue::Load);
}

/// dma_expand and dma_expand_elem (their fields sit at the same bits).
template <typename ExpandOpT> static LogicalResult verifyExpand(ExpandOpT op) {
  if (op.getPadBefore() || op.getPadAfter())
    return op.emitOpError("an expanding load has no padding");
  if (llvm::any_of(op.getDramStrides(), [](int64_t s) { return s != 0; }))
    return op.emitOpError("dram_strides must be 0 (the image is contiguous)");
  if (failed(
          checkField(op, "bytes", op.getBytes(), rt::FieldId::DmaExpand_Bytes)))
    return failure();
  return verifyDma(op, rt::FieldId::DmaExpand_Sram, rt::FieldId::DmaExpand_Dram,
                   rt::Queue::Load);
}

LogicalResult DmaExpandOp::verify() { return verifyExpand(*this); }

LogicalResult DmaExpandElemOp::verify() { return verifyExpand(*this); }

LogicalResult DmaStoreOp::verify() {
  if (getPadBefore() || getPadAfter())
    return emitOpError("a store has no padding");
  return verifyDma(*this, rt::FieldId::DmaStore_Sram,
                   rt::FieldId::DmaStore_Dram, rt::Queue::Store);
}

LogicalResult MatmulOp::verify() {
  if (failed(checkField(*this, "a", getA(), rt::FieldId::Matmul_A)) ||
      failed(checkField(*this, "w", getW(), rt::FieldId::Matmul_W)) ||
      failed(checkField(*this, "acc", getAcc(), rt::FieldId::Matmul_Acc)))
    return failure();
  for (auto [name, v, bits] : {std::tuple{"m_outer", getMOuter(), 16u},
                               {"m_inner", getMInner(), 16u},
                               {"k", getK(), 16u},
                               {"n", getN(), 16u},
                               {"a_stride_outer", getAStrideOuter(), 32u},
                               {"a_stride_inner", getAStrideInner(), 32u},
                               {"w_row_stride", getWRowStride(), 32u},
                               {"acc_row_stride", getAccRowStride(), 16u}})
    if (!fitsUnsigned(v, bits))
      return emitOpError() << name << " = " << v << " does not fit " << bits
                           << " bits";
  return verifyHeader(*this, rt::Queue::Compute);
}

/// The runtime opcode of a vector op.
template <typename OpT> static rt::Opcode vecOpcode();
template <> rt::Opcode vecOpcode<VecBinaryOp>() {
  return rt::Opcode::VecBinary;
}
template <> rt::Opcode vecOpcode<VecUnaryOp>() { return rt::Opcode::VecUnary; }
template <> rt::Opcode vecOpcode<VecRequantOp>() {
  return rt::Opcode::VecRequant;
}
template <> rt::Opcode vecOpcode<VecLutOp>() { return rt::Opcode::VecLut; }
template <> rt::Opcode vecOpcode<VecReduceOp>() {
  return rt::Opcode::VecReduce;
}
template <> rt::Opcode vecOpcode<VecPoolOp>() { return rt::Opcode::VecPool; }
template <> rt::Opcode vecOpcode<VecConvertOp>() {
  return rt::Opcode::VecConvert;
}

template <typename VecOpT> static LogicalResult verifyVec(VecOpT op) {
  rt::Opcode opcode = vecOpcode<VecOpT>();
  bool hasFunc =
      opcode != rt::Opcode::VecRequant && opcode != rt::Opcode::VecLut;
  if (hasFunc) {
    bool known = false;
    for (unsigned code = 0; code < 256 && !known; ++code)
      if (const char *name = rt::vecFuncName(opcode, uint8_t(code)))
        known = op.getFunc() == name;
    if (!known)
      return op.emitOpError("unknown function '") << op.getFunc() << "'";
  } else if (!op.getFunc().empty()) {
    return op.emitOpError("takes no function");
  }
  for (auto [name, v] : {std::pair{"src0", op.getSrc0()},
                         {"src1", op.getSrc1()},
                         {"dst", op.getDst()}})
    if (failed(checkField(op, name, v, rt::FieldId::VecBinary_Src0)))
      return failure();
  if (failed(checkArray(op, "dims", op.getDims(), 4, 0, 0xFFFF)) ||
      failed(checkArray(op, "src0_strides", op.getSrc0Strides(), 4, INT32_MIN,
                        INT32_MAX)) ||
      failed(checkArray(op, "dst_strides", op.getDstStrides(), 4, INT32_MIN,
                        INT32_MAX)))
    return failure();
  if (op.getSrc1Strides() &&
      failed(checkArray(op, "src1_strides", *op.getSrc1Strides(), 4, INT32_MIN,
                        INT32_MAX)))
    return failure();
  auto knownType = [](StringRef t) {
    return t == "f32" || t == "i32" || t == "i8" || t == "u8" || t == "bool";
  };
  // vec.reduce's index functions (ISA v5) read FP32 or INT32 and write
  // INT32 or INT64 indices; i64 is no other operand's type.
  bool argIndex =
      opcode == rt::Opcode::VecReduce && op.getFunc().starts_with("arg");
  if (argIndex && ((op.getSrc0Type() != "f32" && op.getSrc0Type() != "i32") ||
                   (op.getDstType() != "i32" && op.getDstType() != "i64")))
    return op.emitOpError("'")
           << op.getFunc()
           << "' reads f32 or i32 and writes i32 or i64 indices";
  if (!knownType(op.getSrc0Type()) ||
      (!knownType(op.getDstType()) && !argIndex) ||
      (op.getSrc1Type() && !knownType(*op.getSrc1Type())))
    return op.emitOpError("element types are f32, i32, i8, u8 or bool");
  for (std::optional<StringRef> s :
       {op.getSrc0Space(), op.getSrc1Space(), op.getDstSpace()})
    if (s && *s != "sram" && *s != "acc")
      return op.emitOpError("spaces are sram or acc");
  for (auto [name, arr] : {std::pair{"window", op.getWindow()},
                           {"window_strides", op.getWindowStrides()}})
    if (arr && failed(checkArray(op, name, *arr, 2, 0, 0xFFFF)))
      return failure();
  if (op.getChannelAxis() &&
      (*op.getChannelAxis() < 0 || *op.getChannelAxis() > 3))
    return op.emitOpError("channel_axis must be in [0, 3]");
  return verifyHeader(op, rt::Queue::Compute);
}

LogicalResult VecBinaryOp::verify() { return verifyVec(*this); }
LogicalResult VecUnaryOp::verify() { return verifyVec(*this); }
LogicalResult VecRequantOp::verify() { return verifyVec(*this); }
LogicalResult VecLutOp::verify() { return verifyVec(*this); }
LogicalResult VecReduceOp::verify() { return verifyVec(*this); }
LogicalResult VecPoolOp::verify() { return verifyVec(*this); }
LogicalResult VecConvertOp::verify() { return verifyVec(*this); }

#define GET_OP_CLASSES
#include "npu/Dialect/NpuIsa/IR/NpuIsaOps.cpp.inc"
