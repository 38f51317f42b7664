// The target as IR: #npu.target prints as the runtime target's name plus the
// figures that differ from it, round-trips, and is verified.
// RUN: npu-opt %s --split-input-file | FileCheck %s
// RUN: npu-opt %s --split-input-file | npu-opt --split-input-file | FileCheck %s

// CHECK-LABEL: module attributes {npu.target = #npu.target<"npu-v1">}
module attributes {npu.target = #npu.target<"npu-v1">} {}

// -----

// An override of a runtime target keeps its name; only what differs prints.
// CHECK-LABEL: module attributes {npu.target = #npu.target<"npu-v1-small", scratchpad_bytes = 65536, dram_byte_pj = 8.000000e+01>}
module attributes {npu.target = #npu.target<"npu-v1-small", dram_byte_pj = 80.0, scratchpad_bytes = 65536>} {}

// -----

// A figure equal to the named target's is not printed.
// CHECK-LABEL: module attributes {npu.target = #npu.target<"npu-v1-large">}
module attributes {npu.target = #npu.target<"npu-v1-large", array_rows = 32>} {}

// -----

// A new target names every figure.
// CHECK-LABEL: module attributes {npu.target = #npu.target<"my-npu", clock_hz = 500000000, array_rows = 4, array_cols = 4
// CHECK-SAME: dram_burst_bytes = 32, local_dma_bytes_per_cycle = 16, local_dma_latency_cycles = 4, int8_mac_pj =
module attributes {npu.target = #npu.target<"my-npu", clock_hz = 500000000,
    array_rows = 4, array_cols = 4, fp32_rate_divisor = 4,
    accumulator_bytes = 4096, scratchpad_bytes = 32768, vector_lanes_int8 = 16,
    vector_lanes_32 = 4, vector_transcendental_cycles = 4,
    vector_startup_cycles = 4, lut_entries = 256, dram_bytes_per_cycle = 8,
    dram_latency_cycles = 100, dram_address_bits = 28, dram_burst_bytes = 32,
    local_dma_bytes_per_cycle = 16, local_dma_latency_cycles = 4,
    int8_mac_pj = 0.23,
    fp32_mac_pj = 4.6, int8_lane_op_pj = 0.03, int32_lane_op_pj = 3.1,
    fp32_lane_op_pj = 3.7, sram_byte_pj = 2.5, dram_byte_pj = 160.0, host_clock_hz = 1800000000,
    host_simd_bytes_per_cycle = 16, host_dram_bytes_per_cycle = 4,
    host_call_overhead_cycles = 10000, host_instruction_pj = 70.0>} {}
