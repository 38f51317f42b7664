//===- IsaTest.cpp - the ISA's encoding, from Isa.def --------------------===//

#include "npu/runtime/Isa.h"
#include "npu/runtime/Executable.h"

#include <gtest/gtest.h>

#include <set>

using namespace npu::rt;

namespace {

std::vector<Opcode> allOpcodes() {
  return {
#define NPU_INSN(Name, Code, Queue, Mnemonic) Opcode::Name,
#include "npu/runtime/Isa.def"
  };
}

/// Field ids of `op` (its own fields, not the header).
std::vector<FieldId> fieldsOf(Opcode op) {
  std::vector<FieldId> ids;
  for (unsigned i = 0; i < unsigned(FieldId::NumFields); ++i) {
    const FieldInfo &f = fieldInfo(FieldId(i));
    if (f.opcode && *f.opcode == op)
      ids.push_back(FieldId(i));
  }
  return ids;
}

std::vector<FieldId> headerFields() {
  std::vector<FieldId> ids;
  for (unsigned i = 0; i < unsigned(FieldId::NumFields); ++i)
    if (!fieldInfo(FieldId(i)).opcode)
      ids.push_back(FieldId(i));
  return ids;
}

// Tests that no two fields of one instruction (header included) share a bit.
TEST(Isa, FieldsOfAnInstructionDoNotOverlap) {
  for (Opcode op : allOpcodes()) {
    std::set<unsigned> used;
    std::vector<FieldId> ids = headerFields();
    for (FieldId id : fieldsOf(op))
      ids.push_back(id);
    for (FieldId id : ids) {
      const FieldInfo &f = fieldInfo(id);
      for (unsigned b = f.lo; b < unsigned(f.lo + f.width); ++b)
        EXPECT_TRUE(used.insert(b).second)
            << opcodeInfo(uint8_t(op))->mnemonic << " field " << f.name
            << " reuses bit " << b;
    }
  }
}

// Tests that opcode numbers are unique and each maps back to its info.
TEST(Isa, OpcodesAreUniqueAndKnown) {
  std::set<uint8_t> seen;
  for (Opcode op : allOpcodes()) {
    EXPECT_TRUE(seen.insert(uint8_t(op)).second);
    ASSERT_NE(opcodeInfo(uint8_t(op)), nullptr);
    EXPECT_EQ(opcodeInfo(uint8_t(op))->opcode, op);
  }
  EXPECT_EQ(opcodeInfo(0x00), nullptr);
  EXPECT_EQ(opcodeInfo(0xFF), nullptr);
}

// Tests that every field of every opcode round-trips through the 16-byte
// encoding at its extreme values (all ones, zero, alternating bits).
TEST(Isa, EveryFieldRoundTripsAtExtremeValues) {
  for (Opcode op : allOpcodes())
    for (int pattern = 0; pattern < 3; ++pattern) {
      Instruction insn(op);
      std::vector<std::pair<FieldId, uint64_t>> values;
      for (FieldId id : headerFields()) {
        if (id == FieldId::Opcode)
          continue;
        const FieldInfo &f = fieldInfo(id);
        uint64_t max = f.width == 64 ? ~0ull : (1ull << f.width) - 1;
        uint64_t v = pattern == 0   ? max
                     : pattern == 1 ? 0
                                    : max & 0x5555555555555555ull;
        ASSERT_TRUE(insn.set(id, v));
        values.push_back({id, v});
      }
      for (FieldId id : fieldsOf(op)) {
        const FieldInfo &f = fieldInfo(id);
        uint64_t max = f.width == 64 ? ~0ull : (1ull << f.width) - 1;
        uint64_t v = pattern == 0   ? max
                     : pattern == 1 ? 0
                                    : max & 0xAAAAAAAAAAAAAAAAull;
        if (op == Opcode::Sync && id == FieldId::Sync_Queue)
          v = 2; // the only field with a restricted range
        ASSERT_TRUE(insn.set(id, v));
        values.push_back({id, v});
        // One past the maximum never fits.
        if (f.width < 64)
          EXPECT_FALSE(insn.set(id, max + 1));
      }
      uint8_t bytes[kInstructionBytes];
      insn.store(bytes);
      Instruction back = Instruction::load(bytes);
      EXPECT_EQ(back, insn);
      EXPECT_EQ(back.opcode(), op);
      for (auto [id, v] : values)
        EXPECT_EQ(back.get(id), v) << fieldInfo(id).name;
      EXPECT_EQ(back.validate(), "") << disassemble(back);
    }
}

// Tests that the decoder refuses unknown opcodes and stray bits.
TEST(Isa, ValidationRefusesUnknownOpcodesAndReservedBits) {
  Instruction unknown;
  unknown.words[0] = 0x7F;
  EXPECT_EQ(unknown.validate(), "unknown opcode 0x7f");
  Instruction end(Opcode::End);
  EXPECT_EQ(end.validate(), "");
  end.words[1] = 1; // no field of `end` lives in word 1
  EXPECT_EQ(end.validate(), "reserved bits set in end");
  Instruction unary(Opcode::VecUnary);
  unary.set(FieldId::VecBinary_Src1, 4); // vec.unary has no src1
  EXPECT_EQ(unary.validate(), "reserved bits set in vec.unary");
  Instruction sync(Opcode::Sync);
  sync.set(FieldId::Sync_Queue, 3);
  EXPECT_EQ(sync.validate(), "sync names no queue");
}

// Tests that every vector op keeps Desc/Func/Src0/Src1/Dst at the bits of
// vec.binary, which the loader and makeVector rely on.
TEST(Isa, VectorOpsShareOperandPositions) {
  const FieldInfo &desc = fieldInfo(FieldId::VecBinary_Desc);
  const FieldInfo &dst = fieldInfo(FieldId::VecBinary_Dst);
  for (Opcode op : allOpcodes()) {
    if (uint8_t(op) < 0x30 || uint8_t(op) > 0x3F)
      continue;
    for (FieldId id : fieldsOf(op)) {
      const FieldInfo &f = fieldInfo(id);
      std::string name = f.name;
      if (name == "Desc")
        EXPECT_EQ(f.lo, desc.lo);
      if (name == "Dst")
        EXPECT_EQ(f.lo, dst.lo);
      if (name == "Src0")
        EXPECT_EQ(f.lo, fieldInfo(FieldId::VecBinary_Src0).lo);
      if (name == "Src1")
        EXPECT_EQ(f.lo, fieldInfo(FieldId::VecBinary_Src1).lo);
      if (name == "Func")
        EXPECT_EQ(f.lo, fieldInfo(FieldId::VecBinary_Func).lo);
    }
  }
}

// Tests the disassembly syntax of docs/npu-architecture.md.
TEST(Isa, DisassemblySyntax) {
  Instruction load(Opcode::DmaLoad);
  load.set(FieldId::DmaLoad_Desc, 3);
  load.set(FieldId::DmaLoad_Sram, 0x400);
  load.set(FieldId::DmaLoad_Dram, 0x1000);
  load.set(FieldId::PushNext, 1);
  EXPECT_EQ(disassemble(load),
            "dma.load desc=3 sram=0x000400 dram=0x001000 [push_next]");
  Instruction exp(Opcode::VecUnary);
  exp.set(FieldId::VecUnary_Func, vecfunc::VecUnary_Exp);
  exp.set(FieldId::VecUnary_Dst, 0x20);
  exp.set(FieldId::PopPrev, 1);
  exp.set(FieldId::PushNext, 1);
  EXPECT_EQ(disassemble(exp), "vec.unary desc=0 exp src0=0x000000 "
                              "dst=0x000020 [pop_prev push_next]");
  Instruction sync(Opcode::Sync);
  sync.set(FieldId::Sync_Queue, 2);
  EXPECT_EQ(disassemble(sync), "sync store");
  EXPECT_EQ(queueOf(sync), Queue::Store);
}

// Tests the Local bit of dma.load and dma.store (ISA v9, bit 104):
// makeDmaLoad and makeDmaStore set it, it survives the 16-byte encoding
// without touching the other fields, and the disassembly shows it as the
// word `local` after `dram` (nothing when clear, so DMAs between DRAM and
// the scratchpad print as before).
TEST(Isa, LocalDmaBitRoundTripsAndDisassembles) {
  EXPECT_EQ(fieldInfo(FieldId::DmaLoad_Local).lo, 104);
  EXPECT_EQ(fieldInfo(FieldId::DmaLoad_Local).width, 1);
  EXPECT_EQ(fieldInfo(FieldId::DmaStore_Local).lo, 104);
  EXPECT_EQ(fieldInfo(FieldId::DmaStore_Local).width, 1);
  for (bool store : {false, true})
    for (bool local : {false, true}) {
      Instruction insn = store ? makeDmaStore(7, 0xABCDEF, 0xFFFFFFFF, 3, local)
                               : makeDmaLoad(7, 0xABCDEF, 0xFFFFFFFF, 3, local);
      uint8_t bytes[kInstructionBytes];
      insn.store(bytes);
      Instruction back = Instruction::load(bytes);
      EXPECT_EQ(back, insn);
      EXPECT_EQ(back.validate(), "");
      EXPECT_EQ(isLocalDma(back), local);
      EXPECT_EQ(
          back.get(store ? FieldId::DmaStore_Local : FieldId::DmaLoad_Local),
          uint64_t(local));
      EXPECT_EQ(
          back.get(store ? FieldId::DmaStore_Dram : FieldId::DmaLoad_Dram),
          0xFFFFFFFFu);
      EXPECT_EQ(
          back.get(store ? FieldId::DmaStore_Sram : FieldId::DmaLoad_Sram),
          0xABCDEFu);
      EXPECT_EQ(back.layer(), 3u);
      // Bit 104 is bit 40 of word 1; nothing else there is set.
      EXPECT_EQ(back.words[1] >> 40, uint64_t(local));
    }
  // Other instructions are never local, whatever their bit 104 holds.
  EXPECT_FALSE(isLocalDma(makeDmaExpand(0, 0, 0, 1)));
  Instruction load = makeDmaLoad(3, 0x400, 0x1000, kNoLayer, true);
  load.set(FieldId::PushNext, 1);
  EXPECT_EQ(disassemble(load),
            "dma.load desc=3 sram=0x000400 dram=0x001000 local [push_next]");
  EXPECT_EQ(disassemble(makeDmaStore(1, 0x20, 0x10000, kNoLayer, true)),
            "dma.store desc=1 sram=0x000020 dram=0x010000 local");
  EXPECT_EQ(disassemble(makeDmaStore(1, 0x20, 0x10000)),
            "dma.store desc=1 sram=0x000020 dram=0x010000");
}

} // namespace
