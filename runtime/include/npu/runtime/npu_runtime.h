/*===- npu_runtime.h - C API of the NPU runtime -------------------*- C -*-===*
 *
 * Load an executable, bind inputs, run it on the reference emulator, read
 * outputs and counters. Every function returning int returns 0 on success and
 * non-zero on failure, with one line in `err` (NUL-terminated, truncated to
 * `err_size`).
 *
 *===----------------------------------------------------------------------===*/

#ifndef NPU_RUNTIME_NPU_RUNTIME_H
#define NPU_RUNTIME_NPU_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct npu_program npu_program;

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

/* Verifies and loads an executable image (copied). `target` is the device's
 * target name ("npu-v1", ...), or NULL to accept the file's own target. */
int npu_program_load(const void *data, size_t size, const char *target,
                     npu_program **out, char *err, size_t err_size);
void npu_program_free(npu_program *program);

size_t npu_program_num_inputs(const npu_program *program);
size_t npu_program_num_outputs(const npu_program *program);
/* Name and size in bytes of input/output `index`; NULL/0 when out of range. */
const char *npu_program_input_name(const npu_program *program, size_t index);
size_t npu_program_input_size(const npu_program *program, size_t index);
const char *npu_program_output_name(const npu_program *program, size_t index);
size_t npu_program_output_size(const npu_program *program, size_t index);

/* Runs the program once: inputs[i] holds input i's bytes, outputs[i]
 * receives output i's bytes (sizes as reported above). `stats` may be NULL. */
int npu_program_run(npu_program *program, const void *const *inputs,
                    void *const *outputs, npu_stats *stats, char *err,
                    size_t err_size);

#ifdef __cplusplus
}
#endif

#endif /* NPU_RUNTIME_NPU_RUNTIME_H */
