//===- npu-objdump.cpp - print an NPU executable
//---------------------------===//
//
// npu-objdump MODEL.npubin [--no-disassembly]
//
// Prints the header, target, tensors, layer table, descriptors and the
// disassembly (one instruction per line, with its layer) in the syntax that
// docs/npu-architecture.md defines.
//
//===----------------------------------------------------------------------===//

#include "npu/runtime/Executable.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string>

using namespace npu::rt;
namespace bin = npu::bin;

namespace {

template <typename A> std::string arr(const A *a, int n) {
  std::string s;
  for (int i = 0; i < n; ++i)
    s += (i ? "x" : "") + std::to_string(a->Get(i));
  return s;
}

void printTensors(const char *title, const std::vector<TensorSpec> &specs) {
  std::printf("%s:\n", title);
  for (size_t i = 0; i < specs.size(); ++i) {
    const TensorSpec &t = specs[i];
    std::printf(
        "  %zu  %-24s %s%s  %s  dram 0x%08" PRIx32 "  %" PRIu32 " bytes", i,
        t.name.c_str(), elementTypeName(t.type), shapeString(t.shape).c_str(),
        bin::EnumNameLayout(t.layout), t.dramOffset, t.sizeBytes);
    if (!t.scale.empty())
      std::printf("  quant scale=%g zp=%d%s", t.scale[0], t.zeroPoint[0],
                  t.scale.size() > 1 ? " (per-axis)" : "");
    if (!t.frozen.empty())
      std::printf("  frozen");
    std::printf("\n");
  }
}

} // namespace

int main(int argc, char **argv) {
  std::string path;
  bool disasm = true;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--no-disassembly"))
      disasm = false;
    else if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
      std::printf("usage: npu-objdump MODEL.npubin [--no-disassembly]\n");
      return 0;
    } else if (argv[i][0] == '-' || !path.empty()) {
      std::fprintf(stderr, "npu-objdump: error: unknown argument '%s'\n",
                   argv[i]);
      return 1;
    } else {
      path = argv[i];
    }
  }
  if (path.empty()) {
    std::fprintf(stderr, "npu-objdump: error: no input file\n");
    return 1;
  }
  std::string error;
  auto exe = Executable::loadFile(path, nullptr, error);
  if (!exe) {
    std::fprintf(stderr, "npu-objdump: error: %s: %s\n", path.c_str(),
                 error.c_str());
    return 1;
  }
  const TargetDesc &t = exe->target();
  const bin::Executable &fb = exe->flatbuffer();
  std::printf("file:         %s\n", path.c_str());
  std::printf("format:       npubin v%u, ISA v%u, producer '%s %s'\n",
              fb.format_version(), fb.isa_version(), exe->producer().c_str(),
              fb.producer_version() ? fb.producer_version()->c_str() : "");
  std::printf("target:       %s (%ux%u MAC array, %u KiB scratchpad, %u KiB "
              "accumulator, %.0f MHz)\n",
              t.name.c_str(), t.arrayRows, t.arrayCols,
              t.scratchpadBytes / 1024, t.accumulatorBytes / 1024,
              double(t.clockHz) / 1e6);
  std::printf("dram:         %" PRIu64 " bytes; constants %zu bytes at "
              "0x%08" PRIx32 "\n",
              exe->dramSize(), exe->constantsSize(), exe->constantsOffset());
  printTensors("inputs", exe->inputs());
  printTensors("outputs", exe->outputs());
  std::printf("layers:\n");
  for (size_t i = 0; i < exe->layers().size(); ++i)
    std::printf("  %-4zu %-32s %s%s\n", i, exe->layers()[i].name.c_str(),
                exe->layers()[i].op.c_str(),
                exe->layers()[i].host ? "  (cpu)" : "");
  if (exe->segments().size() > 1 || exe->segments()[0].isHost()) {
    std::printf("segments:\n");
    for (size_t i = 0; i < exe->segments().size(); ++i) {
      const SegmentSpec &seg = exe->segments()[i];
      if (!seg.isHost()) {
        std::printf("  %-4zu npu  instructions %u..%u\n", i, seg.first,
                    seg.first + seg.count - 1);
        continue;
      }
      const HostOpSpec &op = exe->hostOps()[seg.hostOp];
      std::printf("  %-4zu cpu  %s '%s' (opset %lld)", i,
                  op.node.opType.c_str(), exe->layers()[op.layer].name.c_str(),
                  (long long)op.node.opset);
      for (const HostAttribute &a : op.node.attributes) {
        std::printf(" %s=", a.name.c_str());
        switch (a.kind) {
        case bin::AttributeKind::Int:
          std::printf("%lld", (long long)a.i);
          break;
        case bin::AttributeKind::Float:
          std::printf("%g", a.f);
          break;
        case bin::AttributeKind::String:
          std::printf("\"%s\"", a.s.c_str());
          break;
        case bin::AttributeKind::Ints:
          std::printf("%s", shapeString(a.ints).c_str());
          break;
        case bin::AttributeKind::Floats: {
          std::string list = "[";
          for (size_t k = 0; k < a.floats.size(); ++k)
            list += (k ? "," : "") + std::to_string(a.floats[k]);
          std::printf("%s]", list.c_str());
          break;
        }
        }
      }
      std::printf("\n");
      for (auto [list, what] :
           {std::pair{&op.inputs, "in "}, std::pair{&op.outputs, "out"}})
        for (const HostOpSpec::Operand &o : *list) {
          if (!o.present) {
            std::printf("         %s (absent)\n", what);
            continue;
          }
          // A shape that depends on the data prints as its bound, marked.
          std::printf("         %s %s %s%s at 0x%08" PRIx64 "\n", what,
                      elementTypeName(o.type), shapeString(o.shape).c_str(),
                      o.dynamicShape ? " (data-dependent, bound)" : "",
                      o.dramOffset);
        }
    }
  }
  std::printf("descriptors:\n");
  for (size_t i = 0; i < exe->numDma(); ++i) {
    const bin::DmaDesc &d = exe->dma(i);
    std::printf("  dma[%zu]    elem=%u sizes=%s dram_strides=%s "
                "sram_strides=%s pad_before=%s pad_after=%s pad_value=0x%x\n",
                i, d.elem_bytes(), arr(d.sizes(), 4).c_str(),
                arr(d.dram_strides(), 4).c_str(),
                arr(d.sram_strides(), 4).c_str(),
                arr(d.pad_before(), 4).c_str(), arr(d.pad_after(), 4).c_str(),
                d.pad_value());
  }
  for (size_t i = 0; i < exe->numMatmul(); ++i) {
    const bin::MatmulDesc &d = exe->matmul(i);
    std::printf("  matmul[%zu] m=%ux%u k=%u n=%u a_strides=%u,%u "
                "w_row_stride=%u acc_row_stride=%u\n",
                i, d.m_outer(), d.m_inner(), d.k(), d.n(), d.a_stride_outer(),
                d.a_stride_inner(), d.w_row_stride(), d.acc_row_stride());
  }
  for (size_t i = 0; i < exe->numVector(); ++i) {
    const bin::VectorDesc &d = exe->vector(i);
    std::printf(
        "  vector[%zu] dims=%s src0=%s:%s%s src1=%s:%s%s dst=%s:%s%s "
        "alpha=%g beta=%g lo=%g hi=%g zp=%d,%d,%d\n",
        i, arr(d.dims(), 4).c_str(), elementTypeName(d.src0_type()),
        arr(d.src0_strides(), 4).c_str(),
        d.src0_space() == bin::Space::Accumulator ? "@acc" : "",
        elementTypeName(d.src1_type()), arr(d.src1_strides(), 4).c_str(),
        d.src1_space() == bin::Space::Accumulator ? "@acc" : "",
        elementTypeName(d.dst_type()), arr(d.dst_strides(), 4).c_str(),
        d.dst_space() == bin::Space::Accumulator ? "@acc" : "", d.alpha(),
        d.beta(), d.lo(), d.hi(), d.zp_in(), d.zp_in1(), d.zp_out());
  }
  if (!disasm)
    return 0;
  std::printf("disassembly (%zu instructions):\n", exe->instructions().size());
  for (size_t pc = 0; pc < exe->instructions().size(); ++pc) {
    const Instruction &insn = exe->instructions()[pc];
    std::string text = disassemble(insn);
    uint32_t layer = insn.layer();
    if (layer != kNoLayer)
      text += "  ; " + exe->layers()[layer].name;
    std::printf("  %6zu: %s\n", pc, text.c_str());
  }
  return 0;
}
