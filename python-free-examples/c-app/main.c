/*===- main.c - load an executable, inspect its tensors, run it -----------===*
 *
 *   npu-c-app MODEL.npubin
 *
 * Prints the runtime's versions and every input and output (name, shape,
 * element type, bytes, quantization), runs the program once on inputs whose
 * bytes are all zero, and prints the cycles and a checksum of each output
 * (the sum of its bytes). Errors: one line on stderr, exit code 1.
 *
 *===----------------------------------------------------------------------===*/

#include "npu/runtime/npu_runtime.h"

#include <stdio.h>
#include <stdlib.h>

static void print_tensor(const char *kind, size_t index,
                         const npu_tensor_info *t) {
  printf("%s %zu: %s [", kind, index, t->name);
  for (size_t d = 0; d < t->rank; ++d)
    printf(d ? ",%lld" : "%lld", (long long)t->shape[d]);
  printf("] %s %zu bytes", t->element_type_name, t->size_bytes);
  if (t->num_scales)
    printf(" scale %g zero point %d%s", t->scales[0], (int)t->zero_points[0],
           t->num_scales > 1 ? " (per channel)" : "");
  printf("\n");
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: npu-c-app MODEL.npubin\n");
    return 1;
  }
  if (npu_api_version() != NPU_API_VERSION) {
    fprintf(stderr, "npu-c-app: error: built for API %d, library has %d\n",
            NPU_API_VERSION, npu_api_version());
    return 1;
  }
  printf("runtime %s, .npubin format %u, ISA %u\n", npu_version_string(),
         npu_format_version(), npu_isa_version());

  char err[512];
  npu_program *program = NULL;
  npu_status status =
      npu_program_load_file(argv[1], NULL, &program, err, sizeof err);
  if (status != NPU_OK) {
    fprintf(stderr, "npu-c-app: error: %s (%s)\n", err,
            npu_status_string(status));
    return 1;
  }
  printf("target %s\n", npu_program_target(program));

  size_t num_inputs = npu_program_num_inputs(program);
  size_t num_outputs = npu_program_num_outputs(program);
  const void **inputs = calloc(num_inputs + 1, sizeof *inputs);
  void **outputs = calloc(num_outputs + 1, sizeof *outputs);
  npu_tensor_info info;
  for (size_t i = 0; i < num_inputs; ++i) {
    npu_program_input_info(program, i, &info);
    print_tensor("input", i, &info);
    inputs[i] = calloc(info.size_bytes + 1, 1);
  }
  for (size_t i = 0; i < num_outputs; ++i) {
    npu_program_output_info(program, i, &info);
    print_tensor("output", i, &info);
    outputs[i] = calloc(info.size_bytes + 1, 1);
  }

  npu_stats stats;
  status = npu_program_run(program, inputs, outputs, &stats, err, sizeof err);
  if (status != NPU_OK) {
    fprintf(stderr, "npu-c-app: error: %s: %s (%s)\n", argv[1], err,
            npu_status_string(status));
    return 1;
  }
  printf("ran: %llu cycles, %llu MACs\n", (unsigned long long)stats.cycles,
         (unsigned long long)stats.macs);
  for (size_t i = 0; i < num_outputs; ++i) {
    unsigned long long sum = 0;
    const unsigned char *bytes = outputs[i];
    for (size_t b = 0; b < npu_program_output_size(program, i); ++b)
      sum += bytes[b];
    printf("output %zu checksum %llu\n", i, sum);
    free(outputs[i]);
  }
  for (size_t i = 0; i < num_inputs; ++i)
    free((void *)inputs[i]);
  free(inputs);
  free(outputs);
  npu_program_free(program);
  return 0;
}
