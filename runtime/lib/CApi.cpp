//===- CApi.cpp - C API of the NPU runtime -------------------------------===//

#include "npu/runtime/npu_runtime.h"

#include "npu/runtime/Emulator.h"

#include <cstring>

using namespace npu::rt;

struct npu_program {
  std::unique_ptr<Executable> exe;
};

static int fail(char *err, size_t size, const std::string &msg) {
  if (err && size) {
    std::strncpy(err, msg.c_str(), size - 1);
    err[size - 1] = '\0';
  }
  return 1;
}

extern "C" {

int npu_program_load(const void *data, size_t size, const char *target,
                     npu_program **out, char *err, size_t err_size) {
  if (!data || !out)
    return fail(err, err_size, "null argument");
  const TargetDesc *desc = nullptr;
  if (target && !(desc = lookupTarget(target)))
    return fail(err, err_size, std::string("unknown target '") + target + "'");
  const uint8_t *p = static_cast<const uint8_t *>(data);
  std::string error;
  auto exe = Executable::load(std::vector<uint8_t>(p, p + size), desc, error);
  if (!exe)
    return fail(err, err_size, error);
  *out = new npu_program{std::move(exe)};
  return 0;
}

void npu_program_free(npu_program *program) { delete program; }

size_t npu_program_num_inputs(const npu_program *p) {
  return p ? p->exe->inputs().size() : 0;
}
size_t npu_program_num_outputs(const npu_program *p) {
  return p ? p->exe->outputs().size() : 0;
}
const char *npu_program_input_name(const npu_program *p, size_t i) {
  return p && i < p->exe->inputs().size() ? p->exe->inputs()[i].name.c_str()
                                          : nullptr;
}
size_t npu_program_input_size(const npu_program *p, size_t i) {
  return p && i < p->exe->inputs().size() ? p->exe->inputs()[i].sizeBytes : 0;
}
const char *npu_program_output_name(const npu_program *p, size_t i) {
  return p && i < p->exe->outputs().size() ? p->exe->outputs()[i].name.c_str()
                                           : nullptr;
}
size_t npu_program_output_size(const npu_program *p, size_t i) {
  return p && i < p->exe->outputs().size() ? p->exe->outputs()[i].sizeBytes : 0;
}

int npu_program_run(npu_program *program, const void *const *inputs,
                    void *const *outputs, npu_stats *stats, char *err,
                    size_t err_size) {
  if (!program)
    return fail(err, err_size, "null program");
  const Executable &exe = *program->exe;
  Emulator emu(exe);
  std::string error;
  for (size_t i = 0; i < exe.inputs().size(); ++i)
    if (!inputs || !inputs[i] ||
        !emu.setInput(i, inputs[i], exe.inputs()[i].sizeBytes, error))
      return fail(err, err_size, error.empty() ? "missing input" : error);
  if (!emu.run(error))
    return fail(err, err_size, error);
  for (size_t i = 0; i < exe.outputs().size(); ++i)
    if (outputs && outputs[i])
      std::memcpy(outputs[i], emu.output(i), exe.outputs()[i].sizeBytes);
  if (stats) {
    const RunStats &s = emu.stats();
    *stats = {s.cycles,         s.macs(),        s.dramReadBytes,
              s.dramWriteBytes, s.sramReadBytes, s.sramWriteBytes,
              s.energyPj,       s.macUtilization};
  }
  return 0;
}

} // extern "C"
