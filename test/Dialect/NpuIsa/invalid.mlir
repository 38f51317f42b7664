// RUN: npu-opt %s -split-input-file -verify-diagnostics

// Tests that a scratchpad address wider than its 24-bit field is refused.
npu_isa.program @p attributes {target = "npu-v1", dram_size = 64 : i64} {
  // expected-error @+1 {{sram = 16777216 does not fit the 24-bit instruction field}}
  npu_isa.dma_load sram 16777216, dram 0 {elem_bytes = 4, sizes = array<i64: 1, 1, 1, 1>, dram_strides = array<i64: 4, 0, 0, 0>, sram_strides = array<i64: 4, 0, 0, 0>}
}

// -----

// Tests that the load queue has no previous queue to pop from.
npu_isa.program @p attributes {target = "npu-v1", dram_size = 64 : i64} {
  // expected-error @+1 {{the load queue has no previous queue}}
  npu_isa.dma_load sram 0, dram 0 {elem_bytes = 4, sizes = array<i64: 1, 1, 1, 1>, dram_strides = array<i64: 4, 0, 0, 0>, sram_strides = array<i64: 4, 0, 0, 0>, pop_prev}
}

// -----

// Tests that vector functions are those of Isa.def.
npu_isa.program @p attributes {target = "npu-v1", dram_size = 64 : i64} {
  // expected-error @+1 {{unknown function 'frobnicate'}}
  npu_isa.vec_unary "frobnicate" src0 0, src1 0, dst 0 {dims = array<i64: 1, 1, 1, 1>, src0_strides = array<i64: 1, 0, 0, 0>, dst_strides = array<i64: 1, 0, 0, 0>, src0_type = "f32", dst_type = "f32"}
}

// -----

// Tests that tensors must lie inside the program's DRAM.
npu_isa.program @p attributes {target = "npu-v1", dram_size = 64 : i64} {
  // expected-error @+1 {{lies outside the program's 64-byte DRAM}}
  npu_isa.input "x" at 32 : tensor<16xf32>
}

// -----

// Tests that the target must be one the runtime knows.
// expected-error @+1 {{unknown target 'npu-v2'}}
npu_isa.program @p attributes {target = "npu-v2", dram_size = 64 : i64} {
}

// -----

// Tests DMA element sizes.
npu_isa.program @p attributes {target = "npu-v1", dram_size = 64 : i64} {
  // expected-error @+1 {{elem_bytes must be 1, 2 or 4}}
  npu_isa.dma_store sram 0, dram 0 {elem_bytes = 3, sizes = array<i64: 1, 1, 1, 1>, dram_strides = array<i64: 3, 0, 0, 0>, sram_strides = array<i64: 3, 0, 0, 0>}
}

// -----

// Tests that program tensors must have a byte size: index and complex
// element types (the verifier itself used to segfault on them).
npu_isa.program @p attributes {target = "npu-v1", dram_size = 4096 : i64} {
  // expected-error @+1 {{'npu_isa.input' op needs a statically shaped tensor of integer or floating-point elements, not 'tensor<4xindex>'}}
  npu_isa.input "x" at 0 : tensor<4xindex>
}

// -----

npu_isa.program @p attributes {target = "npu-v1", dram_size = 4096 : i64} {
  // expected-error @+1 {{'npu_isa.output' op needs a statically shaped tensor of integer or floating-point elements, not 'tensor<4xcomplex<f32>>'}}
  npu_isa.output "y" at 0 : tensor<4xcomplex<f32>>
}

// -----

// Tests that a tensor whose bytes would overflow is outside the DRAM.
npu_isa.program @p attributes {target = "npu-v1", dram_size = 4096 : i64} {
  // expected-error @+1 {{'npu_isa.input' op lies outside the program's 4096-byte DRAM}}
  npu_isa.input "x" at 0 : tensor<4294967296x4294967296xf32>
}

// -----

// Tests that a layer's weight-tile counts are consistent: no more non-zero
// tiles than tiles (the executable's loader refuses such a table too).
npu_isa.program @p attributes {target = "npu-v1", dram_size = 64 : i64} {
  // expected-error @+1 {{weight_blocks has more non-zero tiles (3) than tiles (2)}}
  npu_isa.layer "mm" op "MatMul" {weight_blocks = {nonzero = 3 : i64, skipped = 0 : i64, total = 2 : i64}}
}

// -----

// Tests that weight-tile counts are non-negative integers.
npu_isa.program @p attributes {target = "npu-v1", dram_size = 64 : i64} {
  // expected-error @+1 {{weight_blocks entry 'skipped' is not a non-negative integer}}
  npu_isa.layer "mm" op "MatMul" {weight_blocks = {nonzero = 1 : i64, skipped = -1 : i64, total = 2 : i64}}
}

// -----

// Tests that weight_blocks holds only its three counts.
npu_isa.program @p attributes {target = "npu-v1", dram_size = 64 : i64} {
  // expected-error @+1 {{weight_blocks has an unknown entry 'dense'}}
  npu_isa.layer "mm" op "MatMul" {weight_blocks = {dense = 1 : i64, total = 2 : i64}}
}
