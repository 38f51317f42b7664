//===- Isa.cpp - NPU instruction fields, validation, disassembly ---------===//

#include "npu/runtime/Isa.h"

#include <array>
#include <cctype>
#include <cstdio>

namespace npu::rt {

namespace {

constexpr FieldInfo kFields[] = {
#define NPU_HEADER_FIELD(Field, Lo, Width) {#Field, std::nullopt, Lo, Width},
#define NPU_FIELD(Insn, Field, Lo, Width) {#Field, Opcode::Insn, Lo, Width},
#include "npu/runtime/Isa.def"
};
static_assert(sizeof(kFields) / sizeof(kFields[0]) ==
                  size_t(FieldId::NumFields),
              "one FieldInfo per FieldId");

constexpr OpcodeInfo kOpcodes[] = {
#define NPU_INSN(Name, Code, Q, Mnemonic) {Opcode::Name, Queue::Q, Mnemonic},
#include "npu/runtime/Isa.def"
};

/// Opcode numbers are never shared: checked at compile time.
constexpr bool opcodesUnique() {
  for (size_t i = 0; i < std::size(kOpcodes); ++i)
    for (size_t j = i + 1; j < std::size(kOpcodes); ++j)
      if (kOpcodes[i].opcode == kOpcodes[j].opcode)
        return false;
  return true;
}
static_assert(opcodesUnique(), "two instructions share an opcode number");

/// Every field lies inside the 128 bits.
constexpr bool fieldsInRange() {
  for (const FieldInfo &f : kFields)
    if (f.width == 0 || f.width > 64 || f.lo + f.width > 128)
      return false;
  return true;
}
static_assert(fieldsInRange(), "a field is empty, too wide or past bit 127");

struct VecFuncInfo {
  Opcode op;
  uint8_t code;
  const char *name;
};
constexpr VecFuncInfo kVecFuncs[] = {
#define NPU_VEC_FUNC(Insn, Func, Code, Mnemonic) {Opcode::Insn, Code, Mnemonic},
#include "npu/runtime/Isa.def"
};

/// Mask of bits [lo, lo + width) within one 64-bit word's view.
uint64_t lowMask(unsigned width) {
  return width >= 64 ? ~uint64_t(0) : ((uint64_t(1) << width) - 1);
}

/// The bits an instruction with opcode `op` may set: header plus its fields.
constexpr std::array<uint64_t, 2> definedBitsOf(Opcode op) {
  std::array<uint64_t, 2> mask = {0, 0};
  for (const FieldInfo &f : kFields) {
    if (f.opcode && *f.opcode != op)
      continue;
    for (unsigned b = f.lo; b < unsigned(f.lo + f.width); ++b)
      mask[b / 64] |= uint64_t(1) << (b % 64);
  }
  return mask;
}

/// definedBitsOf for every opcode number, computed at compile time (the
/// loader validates every instruction; the field walk was 3 % of a small
/// model's npu-run).
struct DefinedBitsTable {
  std::array<std::array<uint64_t, 2>, 256> byCode{};
  constexpr DefinedBitsTable() {
    for (const OpcodeInfo &info : kOpcodes)
      byCode[uint8_t(info.opcode)] = definedBitsOf(info.opcode);
  }
};
constexpr DefinedBitsTable kDefinedBits;

} // namespace

const FieldInfo &fieldInfo(FieldId id) { return kFields[size_t(id)]; }

const OpcodeInfo *opcodeInfo(uint8_t code) {
  for (const OpcodeInfo &info : kOpcodes)
    if (uint8_t(info.opcode) == code)
      return &info;
  return nullptr;
}

const char *vecFuncName(Opcode op, uint8_t func) {
  for (const VecFuncInfo &f : kVecFuncs)
    if (f.op == op && f.code == func)
      return f.name;
  return nullptr;
}

uint64_t Instruction::get(FieldId id) const {
  const FieldInfo &f = fieldInfo(id);
  unsigned word = f.lo / 64, shift = f.lo % 64;
  uint64_t value = words[word] >> shift;
  if (shift + f.width > 64) // straddles into word 1
    value |= words[1] << (64 - shift);
  return value & lowMask(f.width);
}

bool Instruction::set(FieldId id, uint64_t value) {
  const FieldInfo &f = fieldInfo(id);
  if (value & ~lowMask(f.width))
    return false;
  unsigned word = f.lo / 64, shift = f.lo % 64;
  uint64_t mask = lowMask(f.width);
  words[word] = (words[word] & ~(mask << shift)) | (value << shift);
  if (shift + f.width > 64) {
    unsigned spill = 64 - shift;
    words[1] = (words[1] & ~(mask >> spill)) | (value >> spill);
  }
  return true;
}

std::string Instruction::validate() const {
  const OpcodeInfo *info = opcodeInfo(opcodeBits());
  if (!info) {
    char buf[48];
    std::snprintf(buf, sizeof(buf), "unknown opcode 0x%02x", opcodeBits());
    return buf;
  }
  const std::array<uint64_t, 2> &allowed =
      kDefinedBits.byCode[uint8_t(info->opcode)];
  if ((words[0] & ~allowed[0]) || (words[1] & ~allowed[1]))
    return std::string("reserved bits set in ") + info->mnemonic;
  if (info->opcode == Opcode::Sync && get(FieldId::Sync_Queue) >= kNumQueues)
    return "sync names no queue";
  return {};
}

void Instruction::store(uint8_t *out) const {
  for (int w = 0; w < 2; ++w)
    for (int b = 0; b < 8; ++b)
      out[w * 8 + b] = uint8_t(words[w] >> (8 * b));
}

Instruction Instruction::load(const uint8_t *in) {
  Instruction insn;
  for (int w = 0; w < 2; ++w)
    for (int b = 0; b < 8; ++b)
      insn.words[w] |= uint64_t(in[w * 8 + b]) << (8 * b);
  return insn;
}

Queue queueOf(const Instruction &insn) {
  if (insn.opcode() == Opcode::Sync)
    return Queue(insn.get(FieldId::Sync_Queue));
  const OpcodeInfo *info = opcodeInfo(insn.opcodeBits());
  return info ? info->queue : Queue::Any;
}

std::string disassemble(const Instruction &insn) {
  const OpcodeInfo *info = opcodeInfo(insn.opcodeBits());
  char buf[64];
  if (!info) {
    std::snprintf(buf, sizeof(buf), ".word 0x%016llx%016llx",
                  (unsigned long long)insn.words[1],
                  (unsigned long long)insn.words[0]);
    return buf;
  }
  std::string text = info->mnemonic;
  for (size_t i = 0; i < std::size(kFields); ++i) {
    const FieldInfo &f = kFields[i];
    if (!f.opcode || *f.opcode != info->opcode)
      continue;
    uint64_t v = insn.get(FieldId(i));
    std::string name = f.name;
    if (name == "Func") {
      const char *fn = vecFuncName(info->opcode, uint8_t(v));
      text += std::string(" ") + (fn ? fn : "func?" + std::to_string(v));
      continue;
    }
    if (name == "Local") {
      // ISA v9: a word when set, nothing when clear, so a DMA between DRAM
      // and the scratchpad prints as it did before the bit existed.
      if (v)
        text += " local";
      continue;
    }
    if (name == "Queue") {
      static const char *queues[] = {"load", "compute", "store", "?"};
      text += std::string(" ") + queues[v < 3 ? v : 3];
      continue;
    }
    for (char &c : name)
      c = char(std::tolower(static_cast<unsigned char>(c)));
    bool address = name == "sram" || name == "dram" || name == "a" ||
                   name == "w" || name == "src0" || name == "src1" ||
                   name == "dst";
    if (address)
      std::snprintf(buf, sizeof(buf), " %s=0x%06llx", name.c_str(),
                    (unsigned long long)v);
    else
      std::snprintf(buf, sizeof(buf), " %s=%llu", name.c_str(),
                    (unsigned long long)v);
    text += buf;
  }
  std::string deps;
  static const std::pair<FieldId, const char *> flags[] = {
      {FieldId::PopPrev, "pop_prev"},
      {FieldId::PopNext, "pop_next"},
      {FieldId::PushPrev, "push_prev"},
      {FieldId::PushNext, "push_next"}};
  for (auto [id, name] : flags)
    if (insn.get(id))
      deps += std::string(deps.empty() ? "" : " ") + name;
  if (!deps.empty())
    text += " [" + deps + "]";
  return text;
}

} // namespace npu::rt
