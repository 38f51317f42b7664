//===- Executable.cpp - .npubin verification, loading and building -------===//

#include "npu/runtime/Executable.h"
#include "npu/runtime/Npy.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <tuple>

namespace npu::rt {

uint32_t elementBytes(bin::ElementType type) {
  switch (type) {
  case bin::ElementType::F32:
  case bin::ElementType::I32:
  case bin::ElementType::U32:
    return 4;
  case bin::ElementType::I64:
  case bin::ElementType::U64:
  case bin::ElementType::F64:
    return 8;
  case bin::ElementType::F16:
  case bin::ElementType::BF16:
  case bin::ElementType::I16:
  case bin::ElementType::U16:
    return 2;
  case bin::ElementType::I8:
  case bin::ElementType::U8:
  case bin::ElementType::Bool:
    return 1;
  }
  return 0;
}

std::optional<bin::ElementType> elementTypeOfOnnx(int32_t dtype) {
  using ET = bin::ElementType;
  switch (dtype) {
  case 1:
    return ET::F32; // FLOAT
  case 2:
    return ET::U8; // UINT8
  case 3:
    return ET::I8; // INT8
  case 4:
    return ET::U16; // UINT16
  case 5:
    return ET::I16; // INT16
  case 6:
    return ET::I32; // INT32
  case 7:
    return ET::I64; // INT64
  case 9:
    return ET::Bool; // BOOL
  case 10:
    return ET::F16; // FLOAT16
  case 11:
    return ET::F64; // DOUBLE
  case 12:
    return ET::U32; // UINT32
  case 13:
    return ET::U64; // UINT64
  case 16:
    return ET::BF16; // BFLOAT16
  default:
    return std::nullopt; // STRING, complex, float8
  }
}

std::string shapeString(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

const char *elementTypeName(bin::ElementType type) {
  const char *name = bin::EnumNameElementType(type);
  return name && *name ? name : "?";
}

namespace {

std::string str(const flatbuffers::String *s) { return s ? s->str() : ""; }

bool fail(std::string &error, const std::string &msg) {
  error = msg;
  return false;
}

/// The elements of a FlatBuffers vector of 64-bit integers. The verifier
/// (2.0.8) checks a vector's length field for 4-byte alignment only, so
/// the elements of a hostile file may be misaligned: copy them bytewise.
std::vector<int64_t> int64s(const flatbuffers::Vector<int64_t> *v) {
  std::vector<int64_t> out;
  if (!v)
    return out;
  out.resize(v->size());
  if (!out.empty())
    std::memcpy(out.data(), v->Data(), out.size() * sizeof(int64_t));
  return out;
}

/// Reads a tensor's dimensions (each at most 2^32, the product at most
/// 2^32, at most 16 of them), setting `count` to the element count.
bool readShape(const flatbuffers::Vector<int64_t> *dims,
               const std::string &label, std::vector<int64_t> &shape,
               uint64_t &count, std::string &error) {
  count = 1;
  if (!dims)
    return true;
  if (dims->size() > 16)
    return fail(error, label + " has more than 16 dimensions");
  for (int64_t d : int64s(dims)) {
    if (d < 0 || d > (int64_t(1) << 32))
      return fail(error, label + " has a bad dimension");
    shape.push_back(d);
    count *= uint64_t(d);
    if (count > (uint64_t(1) << 32))
      return fail(error, label + " is too large");
  }
  return true;
}

/// Reads one tensor descriptor, checking it against the DRAM size.
bool readTensor(const bin::TensorInfo &info, uint64_t dramSize,
                const char *what, TensorSpec &out, std::string &error) {
  out.name = info.name()->str();
  out.type = info.element_type();
  out.layout = info.layout();
  out.dramOffset = info.dram_offset();
  out.sizeBytes = info.size_bytes();
  std::string label = std::string(what) + " '" + out.name + "'";
  if (elementBytes(out.type) == 0 || !bin::EnumNameElementType(out.type)[0])
    return fail(error, label + " has an unknown element type");
  if (out.layout != bin::Layout::Dense && out.layout != bin::Layout::NHWC)
    return fail(error, label + " has an unknown layout");
  uint64_t count = 1;
  if (!readShape(info.shape(), label, out.shape, count, error))
    return false;
  if (count * elementBytes(out.type) != out.sizeBytes)
    return fail(error, label + " size_bytes disagrees with its shape");
  if (uint64_t(out.dramOffset) + out.sizeBytes > dramSize)
    return fail(error, label + " lies outside DRAM");
  out.dynamicShape = info.dynamic_shape();
  if (out.dynamicShape && std::strcmp(what, "output") != 0)
    return fail(error, label + " has a data-dependent shape; only outputs can");
  if (const flatbuffers::Vector<uint8_t> *frozen = info.frozen()) {
    if (std::strcmp(what, "input") != 0)
      return fail(error, label + " has frozen contents; only inputs can");
    if (frozen->size() != out.sizeBytes)
      return fail(error, label + " has frozen contents of the wrong size");
    out.frozen.assign(frozen->begin(), frozen->end());
  }
  if (const bin::QuantParams *q = info.quant()) {
    if (q->scale())
      out.scale.assign(q->scale()->begin(), q->scale()->end());
    if (q->zero_point())
      out.zeroPoint.assign(q->zero_point()->begin(), q->zero_point()->end());
    out.quantAxis = q->axis();
    if (out.scale.size() != out.zeroPoint.size() ||
        (out.quantAxis >= 0 && size_t(out.quantAxis) >= out.shape.size()))
      return fail(error, label + " has inconsistent quantization parameters");
  }
  return true;
}

} // namespace

bool Executable::verify(const TargetDesc *expected, std::string &error) {
  // A size-prefixed FlatBuffer: 4-byte length, then the buffer whose file
  // identifier is "NPUB". The length makes every truncation detectable.
  const uint8_t *data = bytes_.data();
  if (bytes_.size() < 12 ||
      !flatbuffers::BufferHasIdentifier(data, bin::ExecutableIdentifier(),
                                        /*size_prefixed=*/true))
    return fail(error, "not an NPU executable (missing the NPUB identifier)");
  if (uint64_t(flatbuffers::GetPrefixedSize(data)) +
          sizeof(flatbuffers::uoffset_t) !=
      bytes_.size())
    return fail(error, "truncated or padded executable (the file holds " +
                           std::to_string(bytes_.size()) +
                           " bytes; its header "
                           "says " +
                           std::to_string(flatbuffers::GetPrefixedSize(data) +
                                          sizeof(flatbuffers::uoffset_t)) +
                           ")");
  flatbuffers::Verifier verifier(data, bytes_.size());
  if (!bin::VerifySizePrefixedExecutableBuffer(verifier))
    return fail(error,
                "corrupted executable (FlatBuffers verification failed)");
  fb_ = bin::GetSizePrefixedExecutable(data);
  if (fb_->format_version() != kFormatVersion)
    return fail(error, "executable format version " +
                           std::to_string(fb_->format_version()) +
                           "; this runtime reads version " +
                           std::to_string(kFormatVersion));
  if (fb_->isa_version() != kIsaVersion)
    return fail(error, "built for ISA version " +
                           std::to_string(fb_->isa_version()) +
                           "; this runtime implements version " +
                           std::to_string(kIsaVersion));

  // Target: known by name, identical parameters, and the device's own.
  const bin::TargetInfo &t = *fb_->target();
  std::string name = t.name()->str();
  target_ = lookupTarget(name);
  if (!target_)
    return fail(error, "built for unknown target '" + name + "'");
  if (expected && expected->name != name)
    return fail(error, "built for target '" + name + "'; the device is '" +
                           expected->name + "'");
  const TargetDesc &d = *target_;
  if (t.clock_hz() != d.clockHz || t.array_rows() != d.arrayRows ||
      t.array_cols() != d.arrayCols ||
      t.fp32_rate_divisor() != d.fp32RateDivisor ||
      t.accumulator_bytes() != d.accumulatorBytes ||
      t.scratchpad_bytes() != d.scratchpadBytes ||
      t.vector_lanes_int8() != d.vectorLanesInt8 ||
      t.vector_lanes_32() != d.vectorLanes32 ||
      t.dram_bytes_per_cycle() != d.dramBytesPerCycle ||
      t.dram_latency_cycles() != d.dramLatencyCycles ||
      t.host_clock_hz() != d.host.clockHz ||
      t.host_simd_bytes_per_cycle() != d.host.simdBytesPerCycle ||
      t.host_dram_bytes_per_cycle() != d.host.dramBytesPerCycle ||
      t.host_call_overhead_cycles() != d.host.callOverheadCycles ||
      t.local_dma_bytes_per_cycle() != d.localDmaBytesPerCycle ||
      t.local_dma_latency_cycles() != d.localDmaLatencyCycles)
    return fail(error, "target '" + name +
                           "' parameters differ from this runtime's "
                           "description of it");

  uint64_t dram = fb_->dram_size();
  if (dram == 0 || dram > d.maxDramBytes())
    return fail(error, "DRAM size " + std::to_string(dram) +
                           " is outside the target's 32-bit address space");
  if (uint64_t(fb_->constants_offset()) + size(fb_->constants()) > dram)
    return fail(error, "the constant segment lies outside DRAM");

  for (auto [list, out, what] :
       {std::tuple{fb_->inputs(), &inputs_, "input"},
        std::tuple{fb_->outputs(), &outputs_, "output"}}) {
    if (!list)
      continue;
    for (const bin::TensorInfo *info : *list) {
      out->emplace_back();
      if (!readTensor(*info, dram, what, out->back(), error))
        return false;
    }
  }

  if (fb_->layers())
    for (const bin::Layer *layer : *fb_->layers()) {
      if (layer->id() != layers_.size())
        return fail(error, "layer table is not indexed by id");
      if (layer->nonzero_weight_tiles() > layer->weight_tiles())
        return fail(error, "layer " + std::to_string(layer->id()) +
                               " has more non-zero weight tiles than tiles");
      LayerInfo info{str(layer->name()), str(layer->op())};
      info.weightTiles = layer->weight_tiles();
      info.nonzeroWeightTiles = layer->nonzero_weight_tiles();
      info.macBlocksSkipped = layer->mac_blocks_skipped();
      info.paddingMacs = layer->padding_macs();
      layers_.push_back(std::move(info));
    }

  // Instructions: whole, valid, referencing existing descriptors and layers,
  // dependence flags naming existing neighbour queues, `end` last and once.
  const flatbuffers::Vector<uint8_t> *code = fb_->instructions();
  if (!code || code->size() == 0 || code->size() % kInstructionBytes)
    return fail(error, "the instruction stream is empty or not a whole "
                       "number of 16-byte instructions");
  size_t n = code->size() / kInstructionBytes;
  insns_.reserve(n);
  // dma.expand images checked so far: (address, blocks) -> present blocks.
  std::map<std::pair<uint64_t, uint64_t>, std::optional<uint64_t>> maskCounts;
  uint64_t maskBytesCounted = 0;
  // dma.expand.elem images checked so far: (address, bytes, box columns,
  // rows, planes, element bytes) -> "" or why the image is refused.
  std::map<
      std::tuple<uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t>,
      std::string>
      elementImages;
  uint64_t elementBytesChecked = 0;
  for (size_t pc = 0; pc < n; ++pc) {
    Instruction insn = Instruction::load(code->data() + pc * kInstructionBytes);
    auto bad = [&](const std::string &why) {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "pc %zu: ", pc);
      return fail(error, buf + why);
    };
    if (std::string why = insn.validate(); !why.empty())
      return bad("illegal instruction (" + why + ")");
    Opcode op = insn.opcode();
    if ((op == Opcode::End) != (pc == n - 1))
      return bad("the stream must end with exactly one 'end'");
    uint32_t layer = insn.layer();
    if (layer != kNoLayer && layer >= layers_.size())
      return bad("layer " + std::to_string(layer) + " is not in the table");
    Queue q = queueOf(insn);
    if ((q == Queue::Load &&
         (insn.get(FieldId::PopPrev) || insn.get(FieldId::PushPrev))) ||
        (q == Queue::Store &&
         (insn.get(FieldId::PopNext) || insn.get(FieldId::PushNext))) ||
        (op == Opcode::End && (insn.words[0] & 0xF00)))
      return bad("dependence flag names a queue that does not exist");
    auto descIn = [&](FieldId f, size_t count) { return insn.get(f) < count; };
    switch (op) {
    case Opcode::DmaLoad:
      if (!descIn(FieldId::DmaLoad_Desc, numDma()))
        return bad("DMA descriptor out of range");
      break;
    case Opcode::DmaStore: {
      if (!descIn(FieldId::DmaStore_Desc, numDma()))
        return bad("DMA descriptor out of range");
      const bin::DmaDesc &desc = dma(insn.get(FieldId::DmaStore_Desc));
      for (int i = 0; i < 4; ++i)
        if (desc.pad_before()->Get(i) || desc.pad_after()->Get(i))
          return bad("dma.store with a padded descriptor");
      break;
    }
    case Opcode::DmaExpand:
    case Opcode::DmaExpandElem: {
      // The image must be compile-time bytes (the constant segment) whose
      // masks account for exactly Bytes bytes: read no further than that.
      // (dma.expand.elem's fields sit at dma.expand's bits.)
      const char *name = opcodeInfo(uint8_t(op))->mnemonic;
      if (!descIn(FieldId::DmaExpand_Desc, numDma()))
        return bad("DMA descriptor out of range");
      const bin::DmaDesc &desc = dma(insn.get(FieldId::DmaExpand_Desc));
      uint8_t eb = desc.elem_bytes();
      if (eb != 1 && eb != 2 && eb != 4)
        return bad(std::string(name) + " descriptor element size " +
                   std::to_string(eb));
      for (int i = 0; i < 4; ++i)
        if (desc.pad_before()->Get(i) || desc.pad_after()->Get(i) ||
            desc.dram_strides()->Get(i))
          return bad(std::string(name) + " with padding or DRAM strides");
      // A box larger than the scratchpad cannot be written; refusing it
      // bounds the mask (one bit per block, a block per element at most)
      // and so the loader's work per instruction.
      // Checked at every factor, so the product cannot wrap.
      uint64_t boxBytes = eb;
      for (int i = 0; i < 4 && boxBytes <= d.scratchpadBytes; ++i)
        boxBytes *= desc.sizes()->Get(i);
      if (boxBytes > d.scratchpadBytes)
        return bad(std::string(name) + " box of " + std::to_string(boxBytes) +
                   " bytes is larger than the scratchpad");
      ExpandGeometry geo = expandGeometry(desc, d.arrayRows, d.arrayCols);
      uint64_t at = insn.get(FieldId::DmaExpand_Dram);
      uint64_t bytes = insn.get(FieldId::DmaExpand_Bytes);
      uint64_t begin = constantsOffset(), end = begin + constantsSize();
      if (at < begin || at > end || bytes > end - at)
        return bad(std::string(name) + " image [" + std::to_string(at) + ", +" +
                   std::to_string(bytes) +
                   ") is not inside the constant segment");
      if (op == Opcode::DmaExpandElem) {
        // Checked once per image and geometry; the images checked read at
        // most the constant segment's bytes in all (as the masks below).
        auto [it, fresh] = elementImages.try_emplace(
            {at, bytes, geo.boxCols, geo.boxRows, geo.planes, eb});
        if (fresh) {
          elementBytesChecked += bytes;
          if (elementBytesChecked > constantsSize())
            return bad("dma.expand.elem images overlap: together they read "
                       "more than the constant segment's " +
                       std::to_string(constantsSize()) + " bytes");
          it->second =
              checkElementImage(geo, constants() + (at - begin), bytes);
        }
        if (!it->second.empty())
          return bad("dma.expand.elem " + it->second);
        break;
      }
      if (bytes < geo.maskBytes)
        return bad("dma.expand image of " + std::to_string(bytes) +
                   " bytes is shorter than its " +
                   std::to_string(geo.maskBytes) + "-byte block mask");
      // Tiles of one layer expand the same images again: count each once.
      // Distinct images of a real program are disjoint pieces of the
      // constant segment, so the masks counted add up to at most its size;
      // a file whose images overlap beyond that (the same bytes read as
      // thousands of masks) would make the loader's work quadratic.
      auto [it, fresh] = maskCounts.try_emplace({at, geo.blocks});
      if (fresh) {
        maskBytesCounted += geo.maskBytes;
        if (maskBytesCounted > constantsSize())
          return bad("dma.expand block masks overlap: together they read "
                     "more than the constant segment's " +
                     std::to_string(constantsSize()) + " bytes");
        it->second = countPresentBlocks(geo, constants() + (at - begin));
      }
      std::optional<uint64_t> present = it->second;
      if (!present)
        return bad("dma.expand block mask sets bits past its " +
                   std::to_string(geo.blocks) + " blocks");
      if (geo.imageBytes(*present) != bytes)
        return bad("dma.expand image of " + std::to_string(bytes) +
                   " bytes; its mask has " + std::to_string(*present) +
                   " blocks (" + std::to_string(geo.imageBytes(*present)) +
                   " bytes)");
      break;
    }
    case Opcode::Matmul:
      if (!descIn(FieldId::Matmul_Desc, numMatmul()))
        return bad("matmul descriptor out of range");
      break;
#define NPU_VEC_INSN(Name, Code, Mnemonic) case Opcode::Name:
#define NPU_INSN(Name, Code, Queue, Mnemonic)
#include "npu/runtime/Isa.def"
      // Every vector op's Desc field sits at the same bits.
      if (!descIn(FieldId::VecBinary_Desc, numVector()))
        return bad("vector descriptor out of range");
      break;
    default:
      break;
    }
    insns_.push_back(insn);
  }
  for (size_t i = 0; i < numDma(); ++i) {
    uint8_t eb = dma(i).elem_bytes();
    if (eb != 1 && eb != 2 && eb != 4)
      return fail(error, "DMA descriptor " + std::to_string(i) +
                             " has element size " + std::to_string(eb));
  }
  return verifyHostOps(error) && verifySegments(error) &&
         verifyDynamicShapes(error);
}

bool Executable::verifyDynamicShapes(std::string &error) {
  // A host output of data-dependent shape needs a kernel that bounds it
  // (verify checked the bound); a graph output of data-dependent shape is
  // exactly such a host output, so the run knows its shape.
  //
  // A host op that reads a value of data-dependent shape (an input marked
  // like the earlier host output that made it) has outputs of
  // data-dependent shape too, all marked: the run infers them from the
  // inputs' actual shapes.
  //
  // `made`: the (offset, type, bound) of every data-dependent host output
  // so far, in program order.
  using Made = std::tuple<uint64_t, bin::ElementType, std::vector<int64_t>>;
  std::set<Made> made;
  for (const HostOpSpec &op : hostOps_) {
    bool dynamicInputs = false;
    for (size_t i = 0; i < op.inputs.size(); ++i) {
      const HostOpSpec::Operand &in = op.inputs[i];
      if (!in.present || !in.dynamicShape)
        continue;
      dynamicInputs = true;
      if (!made.count({in.dramOffset, in.type, in.shape}))
        return fail(error, "host op '" + op.node.opType + "' input " +
                               std::to_string(i) +
                               " has a data-dependent shape but no earlier "
                               "host op makes it");
    }
    for (const HostOpSpec::Operand &o : op.outputs) {
      if (o.dynamicShape && !op.kernel->bound && !dynamicInputs)
        return fail(error, "host op '" + op.node.opType +
                               "' marks an output of data-dependent shape, "
                               "but its shapes do not depend on data");
      if (!o.dynamicShape && !op.kernel->bound && dynamicInputs)
        return fail(error, "host op '" + op.node.opType +
                               "' reads a value of data-dependent shape, "
                               "but does not mark its outputs so");
    }
    for (const HostOpSpec::Operand &o : op.outputs)
      if (o.dynamicShape)
        made.insert({o.dramOffset, o.type, o.shape});
  }
  for (const TensorSpec &out : outputs_)
    if (out.dynamicShape && !made.count({out.dramOffset, out.type, out.shape}))
      return fail(error, "output '" + out.name +
                             "' has a data-dependent shape but no host op "
                             "makes it");
  return true;
}

namespace {

/// Reads one host op operand, checking its size against DRAM.
bool readHostTensor(const bin::HostTensor &t, uint64_t dramSize,
                    const std::string &label, HostOpSpec::Operand &out,
                    std::string &error) {
  out.present = t.present();
  if (!out.present)
    return true;
  out.type = t.element_type();
  if (elementBytes(out.type) == 0 || !bin::EnumNameElementType(out.type)[0])
    return fail(error, label + " has an unknown element type");
  uint64_t count = 1;
  if (!readShape(t.shape(), label, out.shape, count, error))
    return false;
  out.dramOffset = t.dram_offset();
  out.sizeBytes = count * elementBytes(out.type);
  out.dynamicShape = t.dynamic_shape();
  if (out.dramOffset > dramSize || out.sizeBytes > dramSize - out.dramOffset)
    return fail(error, label + " lies outside DRAM");
  return true;
}

bool overlaps(const HostOpSpec::Operand &a, const HostOpSpec::Operand &b) {
  return a.present && b.present && a.sizeBytes && b.sizeBytes &&
         a.dramOffset < b.dramOffset + b.sizeBytes &&
         b.dramOffset < a.dramOffset + a.sizeBytes;
}

std::vector<HostTensorView> views(const std::vector<HostOpSpec::Operand> &ops) {
  std::vector<HostTensorView> out;
  for (const HostOpSpec::Operand &o : ops)
    out.push_back({o.present, o.type, o.shape, nullptr});
  return out;
}

} // namespace

void coalesceRanges(std::vector<DramRange> &ranges) {
  ranges.erase(
      std::remove_if(ranges.begin(), ranges.end(),
                     [](const DramRange &r) { return r.end <= r.begin; }),
      ranges.end());
  std::sort(
      ranges.begin(), ranges.end(),
      [](const DramRange &a, const DramRange &b) { return a.begin < b.begin; });
  size_t out = 0;
  for (const DramRange &r : ranges) {
    if (out && r.begin <= ranges[out - 1].end)
      ranges[out - 1].end = std::max(ranges[out - 1].end, r.end);
    else
      ranges[out++] = r;
  }
  ranges.resize(out);
}

DramRange dmaRange(const bin::DmaDesc &d, uint64_t dram) {
  uint64_t last = 0;
  for (int i = 0; i < 4; ++i) {
    if (d.sizes()->Get(i) == 0)
      return {dram, dram};
    last += uint64_t(d.sizes()->Get(i) - 1) * d.dram_strides()->Get(i);
  }
  return {dram, dram + last + d.elem_bytes()};
}

std::optional<DmaAccess> Executable::dmaAccess(const Instruction &insn) const {
  switch (insn.opcode()) {
  case Opcode::DmaLoad:
    return DmaAccess{dmaRange(dma(insn.get(FieldId::DmaLoad_Desc)),
                              insn.get(FieldId::DmaLoad_Dram)),
                     false, isLocalDma(insn)};
  case Opcode::DmaStore:
    return DmaAccess{dmaRange(dma(insn.get(FieldId::DmaStore_Desc)),
                              insn.get(FieldId::DmaStore_Dram)),
                     true, isLocalDma(insn)};
  case Opcode::DmaExpand:
  case Opcode::DmaExpandElem: // (their fields sit at dma.expand's bits)
    return DmaAccess{{insn.get(FieldId::DmaExpand_Dram),
                      insn.get(FieldId::DmaExpand_Dram) +
                          insn.get(FieldId::DmaExpand_Bytes)},
                     false,
                     false};
  default:
    return std::nullopt;
  }
}

bool Executable::verifyHostOps(std::string &error) {
  if (!fb_->host_ops())
    return true;
  uint64_t dram = fb_->dram_size();
  for (const bin::HostOp *op : *fb_->host_ops()) {
    HostOpSpec spec;
    spec.node.opType = op->op_type()->str();
    spec.node.opset = op->opset();
    std::string label = "host op " + std::to_string(hostOps_.size()) + " (" +
                        spec.node.opType + ")";
    spec.kernel = lookupHostKernel(spec.node.opType);
    if (!spec.kernel)
      return fail(error, label + ": the runtime has no host kernel for it");
    spec.layer = op->layer();
    if (spec.layer >= layers_.size())
      return fail(error, label + ": layer " + std::to_string(spec.layer) +
                             " is not in the table");
    layers_[spec.layer].host = true;
    if (op->attributes())
      for (const bin::HostAttribute *a : *op->attributes()) {
        HostAttribute attr;
        attr.name = a->name()->str();
        attr.kind = a->kind();
        if (!bin::EnumNameAttributeKind(attr.kind)[0])
          return fail(error, label + ": attribute '" + attr.name +
                                 "' has an unknown kind");
        attr.i = a->i();
        attr.f = a->f();
        attr.s = str(a->s());
        attr.ints = int64s(a->ints());
        if (a->floats())
          attr.floats.assign(a->floats()->begin(), a->floats()->end());
        spec.node.attributes.push_back(std::move(attr));
      }
    for (auto [list, out, what] :
         {std::tuple{op->inputs(), &spec.inputs, "input"},
          std::tuple{op->outputs(), &spec.outputs, "output"}}) {
      if (!list)
        continue;
      if (list->size() > 64)
        return fail(error, label + ": more than 64 " + what + "s");
      for (const bin::HostTensor *t : *list) {
        out->emplace_back();
        if (!readHostTensor(*t, dram,
                            label + " " + what + " " +
                                std::to_string(out->size() - 1),
                            out->back(), error))
          return false;
      }
    }
    for (size_t i = 0; i < spec.outputs.size(); ++i) {
      if (!spec.outputs[i].present)
        return fail(error,
                    label + ": output " + std::to_string(i) + " is absent");
      for (size_t j = 0; j < spec.inputs.size(); ++j)
        if (overlaps(spec.outputs[i], spec.inputs[j]))
          return fail(error, label + ": output " + std::to_string(i) +
                                 " overlaps input " + std::to_string(j));
      for (size_t j = 0; j < i; ++j)
        if (overlaps(spec.outputs[i], spec.outputs[j]))
          return fail(error, label + ": outputs " + std::to_string(j) +
                                 " and " + std::to_string(i) + " overlap");
    }
    std::string why;
    if (!spec.kernel->verify(spec.node, views(spec.inputs), views(spec.outputs),
                             why))
      return fail(error, label + ": " + why);
    hostOps_.push_back(std::move(spec));
  }
  return true;
}

bool Executable::verifySegments(std::string &error) {
  uint32_t n = uint32_t(insns_.size());
  if (!fb_->segments() || fb_->segments()->size() == 0) {
    if (!hostOps_.empty())
      return fail(error, "host ops without a segment table");
    segments_.push_back({-1, 0, n, {}, {}});
  } else {
    uint32_t nextPc = 0;
    size_t nextHost = 0;
    for (const bin::Segment *seg : *fb_->segments()) {
      std::string label = "segment " + std::to_string(segments_.size());
      SegmentSpec spec;
      spec.hostOp = seg->host_op();
      if (spec.hostOp >= 0) {
        if (size_t(spec.hostOp) != nextHost || nextHost >= hostOps_.size())
          return fail(error, label + ": host ops must each run once, in "
                                     "order");
        ++nextHost;
      } else {
        if (spec.hostOp != -1 || seg->first_instruction() != nextPc ||
            seg->num_instructions() == 0 ||
            seg->num_instructions() > n - nextPc)
          return fail(error, label + ": NPU segments must cover the "
                                     "instruction stream in order");
        spec.first = nextPc;
        spec.count = seg->num_instructions();
        nextPc += spec.count;
      }
      segments_.push_back(std::move(spec));
    }
    if (nextPc != n || nextHost != hostOps_.size())
      return fail(error, "the segments leave instructions or host ops out");
  }
  // What each segment reads and writes in DRAM. A local dma.load or
  // dma.store (ISA v9) copies inside the scratchpad: its Dram field is a
  // scratchpad address, and it touches no DRAM byte.
  for (SegmentSpec &seg : segments_) {
    if (seg.isHost()) {
      const HostOpSpec &op = hostOps_[seg.hostOp];
      for (const HostOpSpec::Operand &in : op.inputs)
        if (in.present)
          seg.reads.push_back({in.dramOffset, in.dramOffset + in.sizeBytes});
      for (const HostOpSpec::Operand &out : op.outputs)
        seg.writes.push_back({out.dramOffset, out.dramOffset + out.sizeBytes});
    } else {
      for (uint32_t pc = seg.first; pc < seg.first + seg.count; ++pc)
        if (std::optional<DmaAccess> a = dmaAccess(insns_[pc]); a && !a->local)
          (a->write ? seg.writes : seg.reads).push_back(a->range);
    }
    coalesceRanges(seg.reads);
    coalesceRanges(seg.writes);
  }
  return true;
}

std::unique_ptr<Executable> Executable::load(std::vector<uint8_t> bytes,
                                             const TargetDesc *target,
                                             std::string &error) {
  std::unique_ptr<Executable> exe(new Executable());
  exe->bytes_ = std::move(bytes);
  if (!exe->verify(target, error))
    return nullptr;
  return exe;
}

std::unique_ptr<Executable> Executable::loadFile(const std::string &path,
                                                 const TargetDesc *target,
                                                 std::string &error) {
  std::vector<uint8_t> bytes;
  if (!readFileBytes(path, uint64_t(1) << 31, bytes, error))
    return nullptr;
  return load(std::move(bytes), target, error);
}

//===----------------------------------------------------------------------===//
// ProgramBuilder
//===----------------------------------------------------------------------===//

ProgramBuilder::ProgramBuilder(const TargetDesc &target) : target_(target) {}

uint16_t ProgramBuilder::addDma(const bin::DmaDesc &desc) {
  dma_.push_back(desc);
  return uint16_t(dma_.size() - 1);
}
uint16_t ProgramBuilder::addMatmul(const bin::MatmulDesc &desc) {
  matmul_.push_back(desc);
  return uint16_t(matmul_.size() - 1);
}
uint16_t ProgramBuilder::addVector(const bin::VectorDesc &desc) {
  vector_.push_back(desc);
  return uint16_t(vector_.size() - 1);
}
uint16_t ProgramBuilder::addLayer(const std::string &name,
                                  const std::string &op) {
  layers_.push_back({name, op});
  return uint16_t(layers_.size() - 1);
}

void ProgramBuilder::setLayerWeightTiles(uint16_t id, uint32_t tiles,
                                         uint32_t nonzero, uint64_t skipped) {
  LayerInfo &l = layers_.at(id);
  l.weightTiles = tiles;
  l.nonzeroWeightTiles = nonzero;
  l.macBlocksSkipped = skipped;
}

void ProgramBuilder::setLayerPaddingMacs(uint16_t id, uint64_t macs) {
  layers_.at(id).paddingMacs = macs;
}

uint32_t ProgramBuilder::addHostOp(const HostOpSpec &op) {
  if (insns_.size() > segmentStart_)
    segments_.push_back({-1,
                         uint32_t(segmentStart_),
                         uint32_t(insns_.size() - segmentStart_),
                         {},
                         {}});
  segmentStart_ = insns_.size();
  hostOps_.push_back(op);
  segments_.push_back({int32_t(hostOps_.size() - 1), 0, 0, {}, {}});
  return uint32_t(hostOps_.size() - 1);
}

uint32_t ProgramBuilder::addConstant(const void *data, size_t size) {
  constants_.resize((constants_.size() + 63) / 64 * 64, 0);
  uint32_t offset = constantsOffset_ + uint32_t(constants_.size());
  const uint8_t *p = static_cast<const uint8_t *>(data);
  constants_.insert(constants_.end(), p, p + size);
  return offset;
}

bool ProgramBuilder::placeConstant(uint32_t dram, const void *data,
                                   size_t size) {
  if (dram < constantsOffset_)
    return false;
  size_t at = dram - constantsOffset_;
  if (constants_.size() < at + size)
    constants_.resize(at + size, 0);
  if (size) // an empty constant may come with a null `data`
    std::memcpy(constants_.data() + at, data, size);
  return true;
}

std::vector<uint8_t> ProgramBuilder::finish() {
  if (insns_.empty() || insns_.back().opcode() != Opcode::End)
    insns_.push_back(makeEnd());
  std::vector<SegmentSpec> segments = segments_;
  if (!hostOps_.empty())
    segments.push_back({-1,
                        uint32_t(segmentStart_),
                        uint32_t(insns_.size() - segmentStart_),
                        {},
                        {}});
  flatbuffers::FlatBufferBuilder fbb(1024 + constants_.size());
  auto tensors = [&](const std::vector<TensorSpec> &specs) {
    std::vector<flatbuffers::Offset<bin::TensorInfo>> out;
    for (const TensorSpec &s : specs) {
      flatbuffers::Offset<bin::QuantParams> quant;
      if (!s.scale.empty())
        quant = bin::CreateQuantParamsDirect(fbb, &s.scale, &s.zeroPoint,
                                             s.quantAxis);
      out.push_back(bin::CreateTensorInfoDirect(
          fbb, s.name.c_str(), &s.shape, s.type, s.layout, s.dramOffset,
          s.sizeBytes, quant, s.frozen.empty() ? nullptr : &s.frozen,
          s.dynamicShape));
    }
    return fbb.CreateVector(out);
  };
  auto inputs = tensors(inputs_);
  auto outputs = tensors(outputs_);
  auto target = bin::CreateTargetInfoDirect(
      fbb, target_.name.c_str(), target_.clockHz, target_.arrayRows,
      target_.arrayCols, target_.fp32RateDivisor, target_.accumulatorBytes,
      target_.scratchpadBytes, target_.vectorLanesInt8, target_.vectorLanes32,
      target_.dramBytesPerCycle, target_.dramLatencyCycles,
      target_.host.clockHz, target_.host.simdBytesPerCycle,
      target_.host.dramBytesPerCycle, target_.host.callOverheadCycles,
      target_.localDmaBytesPerCycle, target_.localDmaLatencyCycles);
  // 32: the most FlatBuffers allows (FLATBUFFERS_MAX_ALIGNMENT; 64 failed
  // its assertion in every build with assertions on). The loader copies the
  // constants into DRAM, so their alignment in the file is only tidiness.
  fbb.ForceVectorAlignment(constants_.size(), 1, FLATBUFFERS_MAX_ALIGNMENT);
  auto constants = fbb.CreateVector(constants_);
  std::vector<uint8_t> code(insns_.size() * kInstructionBytes);
  for (size_t i = 0; i < insns_.size(); ++i)
    insns_[i].store(code.data() + i * kInstructionBytes);
  fbb.ForceVectorAlignment(code.size(), 1, 16);
  auto instructions = fbb.CreateVector(code);
  auto dma = fbb.CreateVectorOfStructs(dma_);
  auto matmul = fbb.CreateVectorOfStructs(matmul_);
  auto vector = fbb.CreateVectorOfStructs(vector_);
  std::vector<flatbuffers::Offset<bin::Layer>> layers;
  for (size_t i = 0; i < layers_.size(); ++i)
    layers.push_back(bin::CreateLayerDirect(
        fbb, uint16_t(i), layers_[i].name.c_str(), layers_[i].op.c_str(),
        layers_[i].weightTiles, layers_[i].nonzeroWeightTiles,
        layers_[i].macBlocksSkipped, layers_[i].paddingMacs));
  auto layerVec = fbb.CreateVector(layers);
  uint64_t dram = dramSize_;
  if (dram < constantsOffset_ + constants_.size())
    dram = constantsOffset_ + constants_.size();
  std::vector<flatbuffers::Offset<bin::HostOp>> hostOps;
  for (const HostOpSpec &op : hostOps_) {
    std::vector<flatbuffers::Offset<bin::HostAttribute>> attrs;
    for (const HostAttribute &a : op.node.attributes)
      attrs.push_back(bin::CreateHostAttributeDirect(
          fbb, a.name.c_str(), a.kind, a.i, a.f,
          a.kind == bin::AttributeKind::String ? a.s.c_str() : nullptr,
          a.kind == bin::AttributeKind::Ints ? &a.ints : nullptr,
          a.kind == bin::AttributeKind::Floats ? &a.floats : nullptr));
    auto operands = [&](const std::vector<HostOpSpec::Operand> &list) {
      std::vector<flatbuffers::Offset<bin::HostTensor>> out;
      for (const HostOpSpec::Operand &o : list)
        out.push_back(bin::CreateHostTensorDirect(
            fbb, o.present, o.type, o.present ? &o.shape : nullptr,
            o.dramOffset, o.dynamicShape));
      return out;
    };
    auto ins = operands(op.inputs);
    auto outs = operands(op.outputs);
    hostOps.push_back(bin::CreateHostOpDirect(fbb, op.node.opType.c_str(),
                                              uint32_t(op.node.opset), op.layer,
                                              &attrs, &ins, &outs));
  }
  std::vector<flatbuffers::Offset<bin::Segment>> segs;
  for (const SegmentSpec &seg : segments)
    segs.push_back(bin::CreateSegment(fbb, seg.hostOp, seg.first, seg.count));
  auto exe = bin::CreateExecutable(
      fbb, kFormatVersion, kIsaVersion, target, inputs, outputs, dram,
      constantsOffset_, constants, instructions, dma, matmul, vector, layerVec,
      fbb.CreateString(producer_), fbb.CreateString(producerVersion_),
      hostOps.empty() ? 0 : fbb.CreateVector(hostOps),
      segs.empty() ? 0 : fbb.CreateVector(segs));
  bin::FinishSizePrefixedExecutableBuffer(fbb, exe);
  return std::vector<uint8_t>(fbb.GetBufferPointer(),
                              fbb.GetBufferPointer() + fbb.GetSize());
}

//===----------------------------------------------------------------------===//
// Instruction helpers
//===----------------------------------------------------------------------===//

namespace {
Instruction withLayer(Instruction insn, uint32_t layer) {
  insn.set(FieldId::Layer, layer & 0xFFFF);
  return insn;
}
} // namespace

Instruction makeDmaLoad(uint16_t desc, uint32_t sram, uint32_t dram,
                        uint32_t layer, bool local) {
  Instruction insn(Opcode::DmaLoad);
  insn.set(FieldId::DmaLoad_Desc, desc);
  insn.set(FieldId::DmaLoad_Sram, sram);
  insn.set(FieldId::DmaLoad_Dram, dram);
  insn.set(FieldId::DmaLoad_Local, local);
  return withLayer(insn, layer);
}

Instruction makeDmaExpand(uint16_t desc, uint32_t sram, uint32_t dram,
                          uint32_t bytes, uint32_t layer) {
  Instruction insn(Opcode::DmaExpand);
  insn.set(FieldId::DmaExpand_Desc, desc);
  insn.set(FieldId::DmaExpand_Sram, sram);
  insn.set(FieldId::DmaExpand_Dram, dram);
  insn.set(FieldId::DmaExpand_Bytes, bytes);
  return withLayer(insn, layer);
}

Instruction makeDmaExpandElem(uint16_t desc, uint32_t sram, uint32_t dram,
                              uint32_t bytes, uint32_t layer) {
  Instruction insn(Opcode::DmaExpandElem);
  insn.set(FieldId::DmaExpandElem_Desc, desc);
  insn.set(FieldId::DmaExpandElem_Sram, sram);
  insn.set(FieldId::DmaExpandElem_Dram, dram);
  insn.set(FieldId::DmaExpandElem_Bytes, bytes);
  return withLayer(insn, layer);
}

Instruction makeDmaStore(uint16_t desc, uint32_t sram, uint32_t dram,
                         uint32_t layer, bool local) {
  Instruction insn(Opcode::DmaStore);
  insn.set(FieldId::DmaStore_Desc, desc);
  insn.set(FieldId::DmaStore_Sram, sram);
  insn.set(FieldId::DmaStore_Dram, dram);
  insn.set(FieldId::DmaStore_Local, local);
  return withLayer(insn, layer);
}

Instruction makeMatmul(uint16_t desc, uint32_t a, uint32_t w, uint32_t acc,
                       bool fp32, bool accumulate, bool sparse,
                       uint32_t layer) {
  Instruction insn(Opcode::Matmul);
  insn.set(FieldId::Matmul_Desc, desc);
  insn.set(FieldId::Matmul_A, a);
  insn.set(FieldId::Matmul_W, w);
  insn.set(FieldId::Matmul_Acc, acc);
  insn.set(FieldId::Matmul_Fp32, fp32);
  insn.set(FieldId::Matmul_Accumulate, accumulate);
  insn.set(FieldId::Matmul_Sparse, sparse);
  return withLayer(insn, layer);
}

Instruction makeVector(Opcode op, uint16_t desc, uint8_t func, uint32_t src0,
                       uint32_t src1, uint32_t dst, uint32_t layer) {
  // Every vector op keeps Desc/Func/Src0/Src1/Dst at the same bits (Isa.def),
  // so VecBinary's field ids address them all; fields an op lacks stay 0.
  Instruction insn(op);
  insn.set(FieldId::VecBinary_Desc, desc);
  insn.set(FieldId::VecBinary_Func, func);
  insn.set(FieldId::VecBinary_Src0, src0);
  insn.set(FieldId::VecBinary_Src1, src1);
  insn.set(FieldId::VecBinary_Dst, dst);
  return withLayer(insn, layer);
}

Instruction makeSync(Queue queue) {
  Instruction insn(Opcode::Sync);
  insn.set(FieldId::Sync_Queue, uint8_t(queue));
  insn.set(FieldId::Layer, kNoLayer);
  return insn;
}

Instruction makeEnd() {
  Instruction insn(Opcode::End);
  insn.set(FieldId::Layer, kNoLayer);
  return insn;
}

ExpandGeometry expandGeometry(const bin::DmaDesc &desc, uint32_t rows,
                              uint32_t cols) {
  // Sizes are 16-bit: every product below stays under 2^64.
  ExpandGeometry g;
  uint64_t r = rows ? rows : 1, c = cols ? cols : 1;
  g.rowBlocks = (desc.sizes()->Get(1) + r - 1) / r;
  g.colBlocks = (desc.sizes()->Get(0) + c - 1) / c;
  g.planes = uint64_t(desc.sizes()->Get(2)) * desc.sizes()->Get(3);
  g.blocks = g.rowBlocks * g.colBlocks * g.planes;
  g.maskBytes = sparseMaskBytes(g.blocks);
  g.blockBytes = r * c * desc.elem_bytes();
  g.tileRows = r;
  g.tileCols = c;
  g.elemBytes = desc.elem_bytes();
  g.elementMaskBytes = (r * c + 7) / 8;
  g.elementBlockMaskBytes = (g.blocks + 7) / 8;
  g.boxRows = desc.sizes()->Get(1);
  g.boxCols = desc.sizes()->Get(0);
  return g;
}

std::string checkElementImage(const ExpandGeometry &g, const uint8_t *image,
                              uint64_t bytes) {
  uint64_t at = g.elementBlockMaskBytes;
  if (bytes < at)
    return "image of " + std::to_string(bytes) + " bytes is shorter than its " +
           std::to_string(at) + "-byte block mask";
  if (g.blocks % 8 && image[at - 1] >> (g.blocks % 8))
    return "block mask sets bits past its " + std::to_string(g.blocks) +
           " blocks";
  // bytes < 2^24 and a mask per block: no sum below wraps.
  uint64_t b = 0;
  for (uint64_t p = 0; p < g.planes; ++p)
    for (uint64_t kb = 0; kb < g.rowBlocks; ++kb)
      for (uint64_t nb = 0; nb < g.colBlocks; ++nb, ++b) {
        if (!(image[b / 8] >> (b % 8) & 1))
          continue;
        if (g.elementMaskBytes > bytes - at)
          return "block " + std::to_string(b) + "'s element mask ends past " +
                 "the " + std::to_string(bytes) + "-byte image";
        const uint8_t *mask = image + at;
        uint64_t rows = std::min(g.tileRows, g.boxRows - kb * g.tileRows),
                 cols = std::min(g.tileCols, g.boxCols - nb * g.tileCols);
        uint64_t set = 0;
        for (uint64_t e = 0; e < g.tileRows * g.tileCols; ++e)
          if (mask[e / 8] >> (e % 8) & 1) {
            if (e / g.tileCols >= rows || e % g.tileCols >= cols)
              return "block " + std::to_string(b) +
                     "'s element mask sets a bit past the box's edge";
            ++set;
          }
        at += g.elementMaskBytes;
        if (set * g.elemBytes > bytes - at)
          return "block " + std::to_string(b) + "'s " + std::to_string(set) +
                 " elements end past the " + std::to_string(bytes) +
                 "-byte image";
        at += set * g.elemBytes;
      }
  if (at != bytes)
    return "image of " + std::to_string(bytes) + " bytes; its masks account " +
           "for " + std::to_string(at);
  return {};
}

const uint8_t *decodeElementTile(const ExpandGeometry &g, const uint8_t *p,
                                 const uint8_t *end, uint8_t *tile) {
  uint64_t n = g.tileRows * g.tileCols, eb = g.elemBytes;
  if (uint64_t(end - p) < g.elementMaskBytes)
    return nullptr;
  const uint8_t *mask = p, *next = p + g.elementMaskBytes;
  for (uint64_t e = 0; e < n; ++e) {
    if (!(mask[e / 8] >> (e % 8) & 1)) {
      std::memset(tile + e * eb, 0, eb);
      continue;
    }
    if (uint64_t(end - next) < eb)
      return nullptr;
    std::memcpy(tile + e * eb, next, eb);
    next += eb;
  }
  return next;
}

std::optional<uint64_t> countPresentBlocks(const ExpandGeometry &geometry,
                                           const uint8_t *mask) {
  uint64_t present = 0;
  for (uint64_t i = 0; i < geometry.maskBytes; ++i) {
    uint64_t first = i * 8;
    uint8_t valid = first >= geometry.blocks ? 0
                    : geometry.blocks - first >= 8
                        ? 0xFF
                        : uint8_t((1u << (geometry.blocks - first)) - 1);
    if (mask[i] & ~valid)
      return std::nullopt;
    present += uint64_t(__builtin_popcount(mask[i]));
  }
  return present;
}

std::vector<uint8_t> compressBlocks(const bin::DmaDesc &desc, uint32_t rows,
                                    uint32_t cols, const uint8_t *dense) {
  ExpandGeometry g = expandGeometry(desc, rows, cols);
  uint64_t eb = desc.elem_bytes(), n0 = desc.sizes()->Get(0),
           n1 = desc.sizes()->Get(1);
  std::vector<uint8_t> image(g.maskBytes, 0), block(g.blockBytes);
  uint64_t b = 0;
  for (uint64_t p = 0; p < g.planes; ++p)
    for (uint64_t kb = 0; kb < g.rowBlocks; ++kb)
      for (uint64_t nb = 0; nb < g.colBlocks; ++nb, ++b) {
        std::fill(block.begin(), block.end(), 0);
        bool any = false;
        uint64_t r0 = kb * rows, c0 = nb * cols;
        uint64_t nr = std::min<uint64_t>(rows, n1 - r0),
                 nc = std::min<uint64_t>(cols, n0 - c0);
        for (uint64_t r = 0; r < nr; ++r) {
          const uint8_t *src = dense + ((p * n1 + r0 + r) * n0 + c0) * eb;
          std::memcpy(block.data() + r * cols * eb, src, nc * eb);
          any |= std::any_of(src, src + nc * eb, [](uint8_t v) { return v; });
        }
        if (!any)
          continue;
        image[b / 8] |= uint8_t(1u << (b % 8));
        image.insert(image.end(), block.begin(), block.end());
      }
  return image;
}

std::vector<uint8_t> compressElements(const bin::DmaDesc &desc, uint32_t rows,
                                      uint32_t cols, const uint8_t *dense) {
  ExpandGeometry g = expandGeometry(desc, rows, cols);
  uint64_t eb = g.elemBytes, n0 = g.boxCols, n1 = g.boxRows;
  std::vector<uint8_t> image(g.elementBlockMaskBytes, 0), block;
  uint64_t b = 0;
  for (uint64_t p = 0; p < g.planes; ++p)
    for (uint64_t kb = 0; kb < g.rowBlocks; ++kb)
      for (uint64_t nb = 0; nb < g.colBlocks; ++nb, ++b) {
        block.assign(g.elementMaskBytes, 0);
        bool any = false;
        uint64_t r0 = kb * g.tileRows, c0 = nb * g.tileCols;
        uint64_t nr = std::min<uint64_t>(g.tileRows, n1 - r0),
                 nc = std::min<uint64_t>(g.tileCols, n0 - c0);
        for (uint64_t r = 0; r < nr; ++r)
          for (uint64_t c = 0; c < nc; ++c) {
            const uint8_t *v = dense + ((p * n1 + r0 + r) * n0 + c0 + c) * eb;
            if (std::all_of(v, v + eb, [](uint8_t x) { return x == 0; }))
              continue;
            uint64_t e = r * g.tileCols + c;
            block[e / 8] |= uint8_t(1u << (e % 8));
            block.insert(block.end(), v, v + eb);
            any = true;
          }
        if (!any)
          continue;
        image[b / 8] |= uint8_t(1u << (b % 8));
        image.insert(image.end(), block.begin(), block.end());
      }
  return image;
}

Instruction withDeps(Instruction insn, bool popPrev, bool popNext,
                     bool pushPrev, bool pushNext) {
  insn.set(FieldId::PopPrev, popPrev);
  insn.set(FieldId::PopNext, popNext);
  insn.set(FieldId::PushPrev, pushPrev);
  insn.set(FieldId::PushNext, pushNext);
  return insn;
}

} // namespace npu::rt
