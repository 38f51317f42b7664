//===- Isa.h - NPU instruction encoding and decoding ------------*- C++ -*-===//
//
// Everything here is generated from Isa.def: opcodes, fields (by shift and
// mask, never C bitfields), vector function codes, and their names.
//
//===----------------------------------------------------------------------===//

#ifndef NPU_RUNTIME_ISA_H
#define NPU_RUNTIME_ISA_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace npu::rt {

/// The ISA version an executable must be built for.
#define NPU_ISA_VERSION(N) inline constexpr uint32_t kIsaVersion = N;
#include "npu/runtime/Isa.def"

/// Bytes per instruction.
inline constexpr size_t kInstructionBytes = 16;
/// Layer field value of an instruction that belongs to no layer.
inline constexpr uint32_t kNoLayer = 0xFFFF;

enum class Opcode : uint8_t {
#define NPU_INSN(Name, Code, Queue, Mnemonic) Name = Code,
#include "npu/runtime/Isa.def"
};

/// Instruction queues, in dependence order (prev/next in the header flags).
enum class Queue : uint8_t { Load = 0, Compute = 1, Store = 2, Any = 3 };
inline constexpr unsigned kNumQueues = 3;

enum class FieldId : uint16_t {
#define NPU_HEADER_FIELD(Field, Lo, Width) Field,
#define NPU_FIELD(Insn, Field, Lo, Width) Insn##_##Field,
#include "npu/runtime/Isa.def"
  NumFields
};

struct FieldInfo {
  const char *name;             ///< "Opcode", "Desc", "Sram", ...
  std::optional<Opcode> opcode; ///< Unset for header fields.
  uint8_t lo, width;            ///< Bits [lo, lo + width) of 128.
};
const FieldInfo &fieldInfo(FieldId id);

struct OpcodeInfo {
  Opcode opcode;
  Queue queue;
  const char *mnemonic;
};
/// Info for a defined opcode, or null for a number no instruction uses.
const OpcodeInfo *opcodeInfo(uint8_t code);

/// Vector function codes, e.g. `vecfunc::VecUnary_Exp`.
namespace vecfunc {
#define NPU_VEC_FUNC(Insn, Func, Code, Mnemonic)                               \
  inline constexpr uint8_t Insn##_##Func = Code;
#include "npu/runtime/Isa.def"
} // namespace vecfunc

/// Name of vector function `func` of `op`, or null when undefined.
const char *vecFuncName(Opcode op, uint8_t func);

/// One 128-bit instruction: two little-endian 64-bit words.
class Instruction {
public:
  Instruction() = default;
  explicit Instruction(Opcode op) { set(FieldId::Opcode, uint8_t(op)); }

  /// Reads a field (no validity check on the opcode).
  uint64_t get(FieldId id) const;
  /// Writes a field; false (and nothing written) when `value` does not fit
  /// in the field's width.
  bool set(FieldId id, uint64_t value);

  uint8_t opcodeBits() const { return uint8_t(words[0] & 0xFF); }
  Opcode opcode() const { return Opcode(opcodeBits()); }
  uint32_t layer() const { return uint32_t(get(FieldId::Layer)); }

  /// Why this bit pattern is not a valid instruction (unknown opcode, bits
  /// set outside the opcode's fields), or empty when it is valid.
  std::string validate() const;

  void store(uint8_t *out) const;             ///< 16 bytes, little-endian.
  static Instruction load(const uint8_t *in); ///< 16 bytes, little-endian.

  bool operator==(const Instruction &o) const {
    return words[0] == o.words[0] && words[1] == o.words[1];
  }

  uint64_t words[2] = {0, 0};
};

/// The queue that executes `insn` (`sync` names its queue in a field).
Queue queueOf(const Instruction &insn);

/// One line of assembly for `insn` (see docs/npu-architecture.md), e.g.
/// `dma.load desc=0 sram=0x000400 dram=0x001000 [pop_next push_next]`; a
/// DMA with the Local bit set (ISA v9) adds the word `local` after `dram`.
std::string disassemble(const Instruction &insn);

} // namespace npu::rt

#endif // NPU_RUNTIME_ISA_H
