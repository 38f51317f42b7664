//===- CApi.cpp - C API of the NPU runtime -------------------------------===//

#include "npu/runtime/npu_runtime.h"

#include "npu/runtime/Emulator.h"
#include "npu/runtime/Npy.h"
#include "npu/runtime/Version.h"

#include <cstring>

using namespace npu::rt;

static_assert(NPU_BF16 == int(npu::bin::ElementType::BF16) &&
                  NPU_F32 == int(npu::bin::ElementType::F32) &&
                  NPU_I8 == int(npu::bin::ElementType::I8),
              "npu_element_type mirrors the schema's ElementType");

struct npu_program {
  std::unique_ptr<Executable> exe;
};

static npu_status fail(char *err, size_t size, npu_status status,
                       const std::string &msg) {
  if (err && size) {
    std::strncpy(err, msg.c_str(), size - 1);
    err[size - 1] = '\0';
  }
  return status;
}

static void describe(const TensorSpec &spec, npu_tensor_info *out) {
  out->name = spec.name.c_str();
  out->rank = spec.shape.size();
  out->shape = spec.shape.data();
  out->element_type = npu_element_type(spec.type);
  out->element_type_name = elementTypeName(spec.type);
  out->size_bytes = spec.sizeBytes;
  out->num_scales = spec.scale.size();
  out->scales = spec.scale.data();
  out->zero_points = spec.zeroPoint.data();
  out->quant_axis = spec.quantAxis;
  out->dynamic_shape = spec.dynamicShape;
  out->frozen = !spec.frozen.empty();
}

static npu_status loadBytes(std::vector<uint8_t> bytes, const char *target,
                            npu_program **out, char *err, size_t err_size) {
  const TargetDesc *desc = nullptr;
  if (target && !(desc = lookupTarget(target)))
    return fail(err, err_size, NPU_ERROR_UNKNOWN_TARGET,
                std::string("unknown target '") + target + "'");
  std::string error;
  auto exe = Executable::load(std::move(bytes), desc, error);
  if (!exe)
    return fail(err, err_size, NPU_ERROR_INVALID_EXECUTABLE, error);
  *out = new npu_program{std::move(exe)};
  return NPU_OK;
}

extern "C" {

int npu_api_version(void) { return NPU_API_VERSION; }
uint32_t npu_format_version(void) { return kFormatVersion; }
uint32_t npu_isa_version(void) { return kIsaVersion; }
const char *npu_version_string(void) { return NPU_VERSION_STRING; }

const char *npu_status_string(int status) {
  switch (status) {
  case NPU_OK:
    return "ok";
  case NPU_ERROR_INVALID_ARGUMENT:
    return "invalid argument";
  case NPU_ERROR_IO:
    return "cannot read file";
  case NPU_ERROR_INVALID_EXECUTABLE:
    return "invalid executable";
  case NPU_ERROR_UNKNOWN_TARGET:
    return "unknown target";
  case NPU_ERROR_INVALID_INPUT:
    return "invalid input";
  case NPU_ERROR_EXECUTION:
    return "execution error";
  }
  return "unknown status";
}

npu_status npu_program_load(const void *data, size_t size, const char *target,
                            npu_program **out, char *err, size_t err_size) {
  if (!data || !out)
    return fail(err, err_size, NPU_ERROR_INVALID_ARGUMENT, "null argument");
  const uint8_t *p = static_cast<const uint8_t *>(data);
  return loadBytes(std::vector<uint8_t>(p, p + size), target, out, err,
                   err_size);
}

npu_status npu_program_load_file(const char *path, const char *target,
                                 npu_program **out, char *err,
                                 size_t err_size) {
  if (!path || !out)
    return fail(err, err_size, NPU_ERROR_INVALID_ARGUMENT, "null argument");
  std::vector<uint8_t> bytes;
  std::string error;
  if (!readFileBytes(path, uint64_t(1) << 31, bytes, error))
    return fail(err, err_size, NPU_ERROR_IO, std::string(path) + ": " + error);
  npu_status status = loadBytes(std::move(bytes), target, out, err, err_size);
  if (status != NPU_OK && err && err_size) {
    // Name the file, as the tools do.
    std::string msg = std::string(path) + ": " + err;
    fail(err, err_size, status, msg);
  }
  return status;
}

void npu_program_free(npu_program *program) { delete program; }

const char *npu_program_target(const npu_program *p) {
  return p ? p->exe->target().name.c_str() : nullptr;
}
size_t npu_program_num_inputs(const npu_program *p) {
  return p ? p->exe->inputs().size() : 0;
}
size_t npu_program_num_outputs(const npu_program *p) {
  return p ? p->exe->outputs().size() : 0;
}

npu_status npu_program_input_info(const npu_program *p, size_t i,
                                  npu_tensor_info *out) {
  if (!p || !out || i >= p->exe->inputs().size())
    return NPU_ERROR_INVALID_ARGUMENT;
  describe(p->exe->inputs()[i], out);
  return NPU_OK;
}
npu_status npu_program_output_info(const npu_program *p, size_t i,
                                   npu_tensor_info *out) {
  if (!p || !out || i >= p->exe->outputs().size())
    return NPU_ERROR_INVALID_ARGUMENT;
  describe(p->exe->outputs()[i], out);
  return NPU_OK;
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

npu_status npu_program_run(npu_program *program, const void *const *inputs,
                           void *const *outputs, npu_stats *stats, char *err,
                           size_t err_size) {
  if (!program)
    return fail(err, err_size, NPU_ERROR_INVALID_ARGUMENT, "null program");
  const Executable &exe = *program->exe;
  Emulator emu(exe);
  std::string error;
  for (size_t i = 0; i < exe.inputs().size(); ++i) {
    if (!inputs || !inputs[i])
      return fail(err, err_size, NPU_ERROR_INVALID_ARGUMENT,
                  "input " + std::to_string(i) + " ('" + exe.inputs()[i].name +
                      "') is missing");
    if (!emu.setInput(i, inputs[i], exe.inputs()[i].sizeBytes, error))
      return fail(err, err_size, NPU_ERROR_INVALID_INPUT, error);
  }
  if (!emu.run(error))
    return fail(err, err_size, NPU_ERROR_EXECUTION, error);
  for (size_t i = 0; i < exe.outputs().size(); ++i)
    if (outputs && outputs[i])
      std::memcpy(outputs[i], emu.output(i), exe.outputs()[i].sizeBytes);
  if (stats) {
    const RunStats &s = emu.stats();
    *stats = {s.cycles,         s.macs(),        s.dramReadBytes,
              s.dramWriteBytes, s.sramReadBytes, s.sramWriteBytes,
              s.energyPj,       s.macUtilization};
  }
  return NPU_OK;
}

} // extern "C"
