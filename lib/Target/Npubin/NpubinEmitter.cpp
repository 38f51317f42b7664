//===- NpubinEmitter.cpp - npu_isa.program to .npubin --------------------===//
//
// The emitter builds the executable through the runtime's ProgramBuilder, the
// same API the runtime's tests and examples use, so the compiler never
// encodes an instruction or a descriptor by itself.
//
//===----------------------------------------------------------------------===//

#include "npu/Target/Npubin/NpubinEmitter.h"

#include "npu/Dialect/Npu/IR/NpuOps.h"
#include "npu/runtime/Descriptors.h"
#include "npu/runtime/Executable.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Tools/mlir-translate/Translation.h"

#include <cstring>
#include <map>

using namespace mlir;
using namespace npu;
using namespace npu::npuisa;
namespace rt = npu::rt;
namespace bin = npu::bin;

namespace {

bin::ElementType vectorType(StringRef t) {
  return t == "i8"     ? bin::ElementType::I8
         : t == "u8"   ? bin::ElementType::U8
         : t == "bool" ? bin::ElementType::Bool
         : t == "i32"  ? bin::ElementType::I32
         : t == "i64"  ? bin::ElementType::I64 // vec.reduce argmax's indices
                       : bin::ElementType::F32;
}

bin::Space space(std::optional<StringRef> s) {
  return s && *s == "acc" ? bin::Space::Accumulator : bin::Space::Scratchpad;
}

template <typename T, size_t N> std::array<T, N> array(ArrayRef<int64_t> v) {
  std::array<T, N> out{};
  for (size_t i = 0; i < N && i < v.size(); ++i)
    out[i] = T(v[i]);
  return out;
}

/// Raw little-endian bytes of a constant (splats expanded).
bool rawBytes(ElementsAttr value, std::vector<uint8_t> &out) {
  auto type = cast<ShapedType>(value.getType());
  if (type.getElementType().isInteger(1)) { // bool: one byte, 0 or 1
    auto dense = dyn_cast<DenseElementsAttr>(value);
    if (!dense)
      return false;
    out.clear();
    for (bool v : dense.getValues<bool>())
      out.push_back(v ? 1 : 0);
    return true;
  }
  size_t elemBytes = (type.getElementTypeBitWidth() + 7) / 8;
  size_t n = size_t(type.getNumElements());
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    ArrayRef<char> raw = dense.getRawData();
    out.resize(n * elemBytes);
    if (dense.isSplat()) {
      for (size_t i = 0; i < n; ++i)
        std::memcpy(out.data() + i * elemBytes, raw.data(), elemBytes);
    } else {
      if (raw.size() != out.size())
        return false;
      if (!raw.empty()) // an empty vector's data() is null
        std::memcpy(out.data(), raw.data(), raw.size());
    }
    return true;
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || blob->getData().size() != n * elemBytes)
      return false;
    out.assign(blob->getData().begin(), blob->getData().end());
    return true;
  }
  return false;
}

/// Deduplicates descriptors by their bytes (FlatBuffers structs have a fixed
/// layout, so equal bytes mean equal descriptors).
template <typename Desc> struct DescTable {
  std::map<std::string, uint16_t> index;
  uint16_t get(const Desc &d, uint16_t (rt::ProgramBuilder::*add)(const Desc &),
               rt::ProgramBuilder &b) {
    std::string key(reinterpret_cast<const char *>(&d), sizeof(Desc));
    auto it = index.find(key);
    if (it != index.end())
      return it->second;
    uint16_t i = (b.*add)(d);
    index.emplace(std::move(key), i);
    return i;
  }
};

rt::Instruction withHeader(rt::Instruction insn, Operation *op) {
  insn = rt::withDeps(insn, op->hasAttr("pop_prev"), op->hasAttr("pop_next"),
                      op->hasAttr("push_prev"), op->hasAttr("push_next"));
  if (auto layer = op->getAttrOfType<IntegerAttr>("layer"))
    insn.set(rt::FieldId::Layer, uint64_t(layer.getInt()));
  return insn;
}

template <typename DmaOpT> bin::DmaDesc dmaDesc(DmaOpT op) {
  rt::Dims4 none{};
  return rt::makeDmaDesc(
      uint8_t(op.getElemBytes()), array<uint16_t, 4>(op.getSizes()),
      array<uint32_t, 4>(op.getDramStrides()),
      array<uint32_t, 4>(op.getSramStrides()),
      op.getPadBefore() ? array<uint16_t, 4>(*op.getPadBefore()) : none,
      op.getPadAfter() ? array<uint16_t, 4>(*op.getPadAfter()) : none,
      uint32_t(op.getPadValue().value_or(0)));
}

template <typename VecOpT> bin::VectorDesc vectorDesc(VecOpT op) {
  bin::VectorDesc d = rt::makeVectorDesc(
      array<uint16_t, 4>(op.getDims()), vectorType(op.getSrc0Type()),
      array<int32_t, 4>(op.getSrc0Strides()), vectorType(op.getDstType()),
      array<int32_t, 4>(op.getDstStrides()),
      vectorType(op.getSrc1Type().value_or("f32")),
      op.getSrc1Strides() ? array<int32_t, 4>(*op.getSrc1Strides())
                          : std::array<int32_t, 4>{});
  d.mutate_src0_space(space(op.getSrc0Space()));
  d.mutate_src1_space(space(op.getSrc1Space()));
  d.mutate_dst_space(space(op.getDstSpace()));
  d.mutate_channel_axis(uint8_t(op.getChannelAxis().value_or(0)));
  if (op.getWindow())
    for (int i = 0; i < 2; ++i)
      d.mutable_window()->Mutate(i, uint16_t((*op.getWindow())[i]));
  if (op.getWindowStrides())
    for (int i = 0; i < 2; ++i)
      d.mutable_window_strides()->Mutate(i,
                                         uint16_t((*op.getWindowStrides())[i]));
  if (op.getAlpha())
    d.mutate_alpha(op.getAlpha()->convertToFloat());
  if (op.getBeta())
    d.mutate_beta(op.getBeta()->convertToFloat());
  if (op.getLo())
    d.mutate_lo(op.getLo()->convertToFloat());
  if (op.getHi())
    d.mutate_hi(op.getHi()->convertToFloat());
  d.mutate_zp_in(int32_t(op.getZpIn().value_or(0)));
  d.mutate_zp_out(int32_t(op.getZpOut().value_or(0)));
  d.mutate_zp_in1(int32_t(op.getZpIn1().value_or(0)));
  return d;
}

uint8_t funcCode(rt::Opcode op, StringRef name) {
  for (unsigned code = 0; code < 256; ++code)
    if (const char *n = rt::vecFuncName(op, uint8_t(code)); n && name == n)
      return uint8_t(code);
  return 0; // requant/lut: no function (the verifier checked the name)
}

} // namespace

LogicalResult npu::emitNpubin(ProgramOp program, std::vector<uint8_t> &bytes) {
  const rt::TargetDesc *target = rt::lookupTarget(program.getTarget().str());
  if (!target)
    return program.emitOpError("unknown target");
  // An executable names its target; figures edited in the module's
  // npu.target cannot travel with it.
  if (auto module = program->getParentOfType<ModuleOp>())
    if (auto recorded = module->getAttrOfType<TargetAttr>(kTargetAttrName))
      if (!recorded.isRuntimeTarget() || recorded.getName() != target->name)
        return program.emitOpError("was compiled for ")
               << recorded
               << ", which is not one of the runtime's targets: an "
                  "executable records its target by name only";
  rt::ProgramBuilder b(*target);
  b.setProducer("npu-compile", "0.1");
  b.setDramSize(uint64_t(program.getDramSize()));

  Block &body = program.getBody().front();
  int64_t lowestData = -1;
  for (auto data : body.getOps<DataOp>())
    if (lowestData < 0 || int64_t(data.getDram()) < lowestData)
      lowestData = data.getDram();
  if (lowestData >= 0)
    b.setConstantsOffset(uint32_t(lowestData));

  DescTable<bin::DmaDesc> dmaTable;
  DescTable<bin::MatmulDesc> matmulTable;
  DescTable<bin::VectorDesc> vectorTable;
  for (Operation &op : body) {
    if (auto layer = dyn_cast<npuisa::LayerOp>(op)) {
      uint16_t id = b.addLayer(layer.getName().str(), layer.getOnnxOp().str());
      if (auto blocks = layer.getWeightBlockCounts())
        if (blocks->nonzero >= 0 && blocks->nonzero <= blocks->total &&
            blocks->total <= UINT32_MAX && blocks->skipped >= 0)
          b.setLayerWeightTiles(id, uint32_t(blocks->total),
                                uint32_t(blocks->nonzero),
                                uint64_t(blocks->skipped));
      if (std::optional<int64_t> padding = layer.getPaddingMacs();
          padding && *padding > 0)
        b.setLayerPaddingMacs(id, uint64_t(*padding));
    } else if (llvm::isa<InputOp, OutputOp>(op)) {
      auto name = op.getAttrOfType<StringAttr>("name").getValue();
      auto type =
          cast<RankedTensorType>(op.getAttrOfType<TypeAttr>("type").getValue());
      auto elem = toRuntimeElementType(type.getElementType());
      if (!elem)
        return op.emitOpError("element type has no .npubin code");
      rt::TensorSpec spec;
      spec.name = name.str();
      spec.shape.assign(type.getShape().begin(), type.getShape().end());
      spec.type = *elem;
      spec.layout = op.getAttrOfType<StringAttr>("layout").getValue() == "nhwc"
                        ? bin::Layout::NHWC
                        : bin::Layout::Dense;
      spec.dramOffset =
          uint32_t(op.getAttrOfType<IntegerAttr>("dram").getInt());
      spec.sizeBytes =
          uint32_t(type.getNumElements() * rt::elementBytes(*elem));
      if (auto out = dyn_cast<OutputOp>(op))
        spec.dynamicShape = out.getDynamicShape();
      if (auto in = dyn_cast<InputOp>(op); in && in.getFrozenValueAttr())
        if (!rawBytes(in.getFrozenValueAttr(), spec.frozen))
          return in.emitOpError("frozen value bytes are unavailable");
      llvm::isa<InputOp>(op) ? b.addInput(spec) : b.addOutput(spec);
    } else if (auto data = dyn_cast<DataOp>(op)) {
      std::vector<uint8_t> raw;
      if (!rawBytes(data.getValue(), raw))
        return data.emitOpError("constant bytes are unavailable");
      b.placeConstant(uint32_t(data.getDram()), raw.data(), raw.size());
    } else if (auto host = dyn_cast<npuisa::HostOp>(op)) {
      rt::HostOpSpec spec;
      std::string why;
      if (failed(toHostNode(host.getOpType(), host.getOpset(),
                            host.getOnnxAttributes(), spec.node, why)))
        return host.emitOpError(why);
      spec.layer = uint32_t(host.getLayer());
      auto operands = [&](ArrayAttr types, ArrayRef<int64_t> dram,
                          ArrayRef<bool> present,
                          std::vector<rt::HostOpSpec::Operand> &out) {
        size_t next = 0;
        for (bool p : present) {
          rt::HostOpSpec::Operand o;
          o.present = p;
          if (p) {
            auto type =
                cast<RankedTensorType>(cast<TypeAttr>(types[next]).getValue());
            o.type = toRuntimeElementType(type.getElementType())
                         .value_or(bin::ElementType::F32);
            o.shape.assign(type.getShape().begin(), type.getShape().end());
            o.dramOffset = uint64_t(dram[next]);
            ++next;
          }
          out.push_back(std::move(o));
        }
      };
      operands(host.getInputTypes(), host.getInputDram(), host.getPresent(),
               spec.inputs);
      SmallVector<bool> allPresent(host.getOutputDram().size(), true);
      operands(host.getOutputTypes(), host.getOutputDram(), allPresent,
               spec.outputs);
      if (auto dynamic = host.getDynamicShapesAttr())
        for (auto [o, d] : llvm::zip(spec.outputs, dynamic.asArrayRef()))
          o.dynamicShape = d;
      if (auto dynamic = host.getDynamicInputsAttr()) {
        // One entry per present input; absent slots are never dynamic.
        size_t next = 0;
        for (rt::HostOpSpec::Operand &in : spec.inputs)
          if (in.present && next < size_t(dynamic.size()))
            in.dynamicShape = dynamic[next++];
      }
      b.addHostOp(spec);
    } else if (auto sync = dyn_cast<SyncOp>(op)) {
      StringRef q = sync.getQueue();
      b.emit(withHeader(rt::makeSync(q == "load"      ? rt::Queue::Load
                                     : q == "compute" ? rt::Queue::Compute
                                                      : rt::Queue::Store),
                        &op));
    } else if (auto load = dyn_cast<DmaLoadOp>(op)) {
      uint16_t d = dmaTable.get(dmaDesc(load), &rt::ProgramBuilder::addDma, b);
      rt::Instruction insn = rt::makeDmaLoad(d, uint32_t(load.getSram()),
                                             uint32_t(load.getDram()));
      insn.set(rt::FieldId::DmaLoad_Local, load.getLocal());
      b.emit(withHeader(insn, &op));
    } else if (auto expand = dyn_cast<DmaExpandOp>(op)) {
      uint16_t d =
          dmaTable.get(dmaDesc(expand), &rt::ProgramBuilder::addDma, b);
      b.emit(withHeader(rt::makeDmaExpand(d, uint32_t(expand.getSram()),
                                          uint32_t(expand.getDram()),
                                          uint32_t(expand.getBytes())),
                        &op));
    } else if (auto expand = dyn_cast<DmaExpandElemOp>(op)) {
      uint16_t d =
          dmaTable.get(dmaDesc(expand), &rt::ProgramBuilder::addDma, b);
      b.emit(withHeader(rt::makeDmaExpandElem(d, uint32_t(expand.getSram()),
                                              uint32_t(expand.getDram()),
                                              uint32_t(expand.getBytes())),
                        &op));
    } else if (auto store = dyn_cast<DmaStoreOp>(op)) {
      uint16_t d = dmaTable.get(dmaDesc(store), &rt::ProgramBuilder::addDma, b);
      rt::Instruction insn = rt::makeDmaStore(d, uint32_t(store.getSram()),
                                              uint32_t(store.getDram()));
      insn.set(rt::FieldId::DmaStore_Local, store.getLocal());
      b.emit(withHeader(insn, &op));
    } else if (auto mm = dyn_cast<MatmulOp>(op)) {
      bin::MatmulDesc desc(
          uint16_t(mm.getMOuter()), uint16_t(mm.getMInner()),
          uint16_t(mm.getK()), uint16_t(mm.getN()),
          uint32_t(mm.getAStrideOuter()), uint32_t(mm.getAStrideInner()),
          uint32_t(mm.getWRowStride()), uint16_t(mm.getAccRowStride()));
      uint16_t d = matmulTable.get(desc, &rt::ProgramBuilder::addMatmul, b);
      b.emit(
          withHeader(rt::makeMatmul(d, uint32_t(mm.getA()), uint32_t(mm.getW()),
                                    uint32_t(mm.getAcc()), mm.getFp32(),
                                    mm.getAccumulate(), mm.getSparse()),
                     &op));
    } else {
      // The vector instructions share one shape; dispatch by op.
      auto emitVec = [&](auto vec, rt::Opcode opcode) {
        uint16_t d =
            vectorTable.get(vectorDesc(vec), &rt::ProgramBuilder::addVector, b);
        bool hasSrc1 = opcode == rt::Opcode::VecBinary ||
                       opcode == rt::Opcode::VecRequant ||
                       opcode == rt::Opcode::VecLut ||
                       opcode == rt::Opcode::VecPool ||  // dot (ISA v10)
                       opcode == rt::Opcode::VecConvert; // itof_affine
        b.emit(withHeader(rt::makeVector(opcode, d,
                                         funcCode(opcode, vec.getFunc()),
                                         uint32_t(vec.getSrc0()),
                                         hasSrc1 ? uint32_t(vec.getSrc1()) : 0,
                                         uint32_t(vec.getDst())),
                          &op));
      };
      if (auto v = dyn_cast<VecBinaryOp>(op))
        emitVec(v, rt::Opcode::VecBinary);
      else if (auto v = dyn_cast<VecUnaryOp>(op))
        emitVec(v, rt::Opcode::VecUnary);
      else if (auto v = dyn_cast<VecRequantOp>(op))
        emitVec(v, rt::Opcode::VecRequant);
      else if (auto v = dyn_cast<VecLutOp>(op))
        emitVec(v, rt::Opcode::VecLut);
      else if (auto v = dyn_cast<VecReduceOp>(op))
        emitVec(v, rt::Opcode::VecReduce);
      else if (auto v = dyn_cast<VecPoolOp>(op))
        emitVec(v, rt::Opcode::VecPool);
      else if (auto v = dyn_cast<VecConvertOp>(op))
        emitVec(v, rt::Opcode::VecConvert);
      else
        return op.emitOpError("is not an npu_isa instruction");
    }
  }
  bytes = b.finish();
  // Verify what was written with the runtime's own loader.
  std::string error;
  if (!rt::Executable::load(bytes, target, error))
    return program.emitOpError("produced an invalid executable: ") << error;
  return success();
}

void npu::registerNpubinTranslation() {
  TranslateFromMLIRRegistration reg(
      "npu-isa-to-npubin", "Serialise an npu_isa.program into a .npubin",
      [](Operation *op, raw_ostream &os) -> LogicalResult {
        ProgramOp program = dyn_cast<ProgramOp>(op);
        if (!program)
          if (auto module = dyn_cast<ModuleOp>(op)) {
            auto programs = module.getOps<ProgramOp>();
            if (std::distance(programs.begin(), programs.end()) == 1)
              program = *programs.begin();
          }
        if (!program)
          return op->emitError("expected exactly one npu_isa.program");
        std::vector<uint8_t> bytes;
        if (failed(emitNpubin(program, bytes)))
          return failure();
        os.write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
        return success();
      },
      [](DialectRegistry &registry) {
        registry.insert<npuisa::NpuIsaDialect, npu::NpuDialect>();
      });
}
