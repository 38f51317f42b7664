//===- npu_runtime.hpp - C++ wrapper over the runtime's C API ---*- C++ -*-===//
//
// Header-only RAII over npu_runtime.h (libnpuruntime.so, CMake target
// npu::Runtime): a Program owns an npu_program; errors come back as a
// Status with the code and the one-line message, never as exceptions.
// Thread safety as in npu_runtime.h: independent Programs run concurrently.
//
//   std::string error;
//   npu::Program program = npu::Program::loadFile("model.npubin", &error);
//   if (!program) { /* error names the file and the problem */ }
//   for (const npu::TensorInfo &t : program.inputs()) { t.shape, t.scales ... }
//   npu::Status s = program.run({in.data()}, {out.data()}, &stats);
//
//===----------------------------------------------------------------------===//

#ifndef NPU_RUNTIME_NPU_RUNTIME_HPP
#define NPU_RUNTIME_NPU_RUNTIME_HPP

#include "npu/runtime/npu_runtime.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace npu {

/// An npu_status with its message; true when NPU_OK.
struct Status {
  npu_status code = NPU_OK;
  std::string message;
  explicit operator bool() const { return code == NPU_OK; }
};

/// npu_tensor_info, with owned copies (valid after the Program is gone).
struct TensorInfo {
  std::string name;
  std::vector<int64_t> shape; ///< Elements per dimension.
  npu_element_type elementType = NPU_F32;
  std::string elementTypeName; ///< "F32", "I8", ...
  size_t sizeBytes = 0;        ///< Bytes of the dense tensor.
  std::vector<float> scales;   ///< Empty when not quantized.
  std::vector<int32_t> zeroPoints;
  int32_t quantAxis = -1; ///< -1: per tensor.
  bool dynamicShape = false, frozen = false;

  explicit TensorInfo(const npu_tensor_info &t)
      : name(t.name), shape(t.shape, t.shape + t.rank),
        elementType(t.element_type), elementTypeName(t.element_type_name),
        sizeBytes(t.size_bytes), scales(t.scales, t.scales + t.num_scales),
        zeroPoints(t.zero_points, t.zero_points + t.num_scales),
        quantAxis(t.quant_axis), dynamicShape(t.dynamic_shape != 0),
        frozen(t.frozen != 0) {}
};

/// A loaded executable. Move-only; empty (false) when loading failed.
class Program {
public:
  Program() = default;
  Program(Program &&other) noexcept
      : program_(std::exchange(other.program_, nullptr)) {}
  Program &operator=(Program &&other) noexcept {
    std::swap(program_, other.program_);
    return *this;
  }
  Program(const Program &) = delete;
  Program &operator=(const Program &) = delete;
  ~Program() { npu_program_free(program_); }

  /// Loads the .npubin at `path` for `target` (nullptr: the file's own); on
  /// failure an empty Program, with the status in `status` when given.
  static Program loadFile(const std::string &path, Status *status = nullptr,
                          const char *target = nullptr) {
    Program p;
    char err[512] = "";
    npu_status code = npu_program_load_file(path.c_str(), target, &p.program_,
                                            err, sizeof err);
    if (status)
      *status = {code, err};
    return p;
  }
  /// As loadFile, from `size` bytes at `data` (copied).
  static Program load(const void *data, size_t size, Status *status = nullptr,
                      const char *target = nullptr) {
    Program p;
    char err[512] = "";
    npu_status code =
        npu_program_load(data, size, target, &p.program_, err, sizeof err);
    if (status)
      *status = {code, err};
    return p;
  }

  explicit operator bool() const { return program_ != nullptr; }
  npu_program *get() const { return program_; }
  std::string target() const { return npu_program_target(program_); }

  std::vector<TensorInfo> inputs() const {
    return tensors(npu_program_num_inputs(program_), npu_program_input_info);
  }
  std::vector<TensorInfo> outputs() const {
    return tensors(npu_program_num_outputs(program_), npu_program_output_info);
  }

  /// Runs once: `inputs[i]` holds input i's bytes, `outputs[i]` receives
  /// output i's (nullptr skips it); `stats` may be null.
  Status run(const std::vector<const void *> &inputs,
             const std::vector<void *> &outputs, npu_stats *stats = nullptr) {
    if (inputs.size() != npu_program_num_inputs(program_) ||
        outputs.size() != npu_program_num_outputs(program_))
      return {NPU_ERROR_INVALID_ARGUMENT,
              "expected " + std::to_string(npu_program_num_inputs(program_)) +
                  " inputs and " +
                  std::to_string(npu_program_num_outputs(program_)) +
                  " outputs"};
    char err[512] = "";
    npu_status code = npu_program_run(program_, inputs.data(), outputs.data(),
                                      stats, err, sizeof err);
    return {code, err};
  }

private:
  template <typename Info>
  std::vector<TensorInfo> tensors(size_t count, Info info) const {
    std::vector<TensorInfo> out;
    for (size_t i = 0; i < count; ++i) {
      npu_tensor_info t;
      if (info(program_, i, &t) == NPU_OK)
        out.emplace_back(t);
    }
    return out;
  }

  npu_program *program_ = nullptr;
};

} // namespace npu

#endif // NPU_RUNTIME_NPU_RUNTIME_HPP
