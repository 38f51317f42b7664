/*===- npu_runtime.h - C API of the NPU runtime -------------------*- C -*-===*
 *
 * Load an executable (.npubin), inspect its tensors, bind inputs, run it on
 * the reference emulator, read outputs and counters. Exported by
 * libnpuruntime.so (CMake: find_package(NpuCompiler COMPONENTS Runtime),
 * target npu::Runtime), which needs no LLVM; npu_runtime.hpp wraps it for C++.
 *
 * Errors: every function returning npu_status returns NPU_OK (0) on success
 * and one of the other codes on failure, with one line in `err`
 * (NUL-terminated, truncated to `err_size`; `err` may be NULL).
 * npu_status_string() names a code.
 *
 * Thread safety: the library has no global mutable state. Independent
 * programs (each from its own npu_program_load) may be used concurrently
 * from different threads. One program is immutable after loading: its
 * queries may be called from any thread, and npu_program_run, which runs on
 * an emulator of its own per call, may too. npu_program_free must not race
 * with any other use of the same program.
 *
 *===----------------------------------------------------------------------===*/

#ifndef NPU_RUNTIME_NPU_RUNTIME_H
#define NPU_RUNTIME_NPU_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(NPU_RUNTIME_BUILDING_SHARED)
#define NPU_RT_API __attribute__((visibility("default")))
#else
#define NPU_RT_API
#endif

/* The version of this API: bumped when a declaration here changes
 * incompatibly; npu_api_version() returns the library's. */
#define NPU_API_VERSION 2

typedef struct npu_program npu_program;

typedef enum npu_status {
  NPU_OK = 0,
  NPU_ERROR_INVALID_ARGUMENT = 1,   /* null pointer, index out of range */
  NPU_ERROR_IO = 2,                 /* the file cannot be read */
  NPU_ERROR_INVALID_EXECUTABLE = 3, /* not a valid .npubin (format/ISA
                                       version, verifier, references) */
  NPU_ERROR_UNKNOWN_TARGET = 4,     /* target name not known */
  NPU_ERROR_INVALID_INPUT = 5,      /* missing input, or a frozen input
                                       given other contents */
  NPU_ERROR_EXECUTION = 6           /* the emulator stopped with an error */
} npu_status;

/* Element types: the values of the .npubin schema's ElementType. */
typedef enum npu_element_type {
  NPU_F32 = 0,
  NPU_I8 = 1,
  NPU_I32 = 2,
  NPU_U8 = 3,
  NPU_I64 = 4,
  NPU_F16 = 5,
  NPU_BOOL = 6,
  NPU_I16 = 7,
  NPU_U16 = 8,
  NPU_U32 = 9,
  NPU_U64 = 10,
  NPU_F64 = 11,
  NPU_BF16 = 12
} npu_element_type;

/* A graph input or output. Pointers stay valid until the program is freed.
 * Data is dense row-major in `shape`'s order, `size_bytes` bytes. A
 * quantized tensor (INT8/UINT8 holding real values) has `num_scales` > 0:
 * real = scale * (q - zero_point), per tensor (`quant_axis` -1, one scale)
 * or per channel along `quant_axis` (one scale and zero point per index). */
typedef struct npu_tensor_info {
  const char *name;     /* the ONNX graph input/output name */
  size_t rank;          /* number of dimensions (0: scalar) */
  const int64_t *shape; /* `rank` dimensions, in elements */
  npu_element_type element_type;
  const char *element_type_name; /* "F32", "I8", ... */
  size_t size_bytes;             /* bytes of one tensor */
  size_t num_scales;             /* 0: not quantized */
  const float *scales;           /* `num_scales` scales */
  const int32_t *zero_points;    /* `num_scales` zero points */
  int32_t quant_axis;            /* -1: per tensor */
  int dynamic_shape; /* outputs: `shape` is a bound, the data's shape is
                        decided by the run (host ops of data-dependent
                        shape) */
  int frozen;        /* inputs: fixed at compile time (--input-value); only
                        those contents are accepted */
} npu_tensor_info;

typedef struct npu_stats {
  uint64_t cycles; /* total cycles */
  uint64_t macs;   /* executed MACs */
  uint64_t dram_read_bytes;
  uint64_t dram_write_bytes;
  uint64_t sram_read_bytes;
  uint64_t sram_write_bytes;
  double energy_pj;       /* picojoules */
  double mac_utilization; /* 0..1 */
} npu_stats;

/* NPU_API_VERSION of the library. */
NPU_RT_API int npu_api_version(void);
/* The .npubin container format version and the ISA version the library
 * loads; the package version string ("4.1.0"), whose major number is the
 * format version. */
NPU_RT_API uint32_t npu_format_version(void);
NPU_RT_API uint32_t npu_isa_version(void);
NPU_RT_API const char *npu_version_string(void);
/* "ok", "invalid argument", ...; "unknown status" for other values. */
NPU_RT_API const char *npu_status_string(int status);

/* Verifies and loads an executable image (copied). `target` is the device's
 * target name ("npu-v1", ...), or NULL to accept the file's own target. */
NPU_RT_API npu_status npu_program_load(const void *data, size_t size,
                                       const char *target, npu_program **out,
                                       char *err, size_t err_size);
/* As npu_program_load, reading the file at `path`. */
NPU_RT_API npu_status npu_program_load_file(const char *path,
                                            const char *target,
                                            npu_program **out, char *err,
                                            size_t err_size);
NPU_RT_API void npu_program_free(npu_program *program);

/* The target the executable was compiled for ("npu-v1", ...). */
NPU_RT_API const char *npu_program_target(const npu_program *program);
NPU_RT_API size_t npu_program_num_inputs(const npu_program *program);
NPU_RT_API size_t npu_program_num_outputs(const npu_program *program);
/* Metadata of input/output `index` into `out`. */
NPU_RT_API npu_status npu_program_input_info(const npu_program *program,
                                             size_t index,
                                             npu_tensor_info *out);
NPU_RT_API npu_status npu_program_output_info(const npu_program *program,
                                              size_t index,
                                              npu_tensor_info *out);
/* Name and size in bytes of input/output `index`; NULL/0 when out of range. */
NPU_RT_API const char *npu_program_input_name(const npu_program *program,
                                              size_t index);
NPU_RT_API size_t npu_program_input_size(const npu_program *program,
                                         size_t index);
NPU_RT_API const char *npu_program_output_name(const npu_program *program,
                                               size_t index);
NPU_RT_API size_t npu_program_output_size(const npu_program *program,
                                          size_t index);

/* Runs the program once: inputs[i] holds input i's bytes, outputs[i]
 * receives output i's bytes (sizes as reported above; NULL skips an
 * output). `stats` may be NULL. */
NPU_RT_API npu_status npu_program_run(npu_program *program,
                                      const void *const *inputs,
                                      void *const *outputs, npu_stats *stats,
                                      char *err, size_t err_size);

#ifdef __cplusplus
}
#endif

#endif /* NPU_RUNTIME_NPU_RUNTIME_H */
