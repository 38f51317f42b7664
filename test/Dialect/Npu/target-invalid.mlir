// Invalid targets and invalid values of the phases' discardable attributes
// are refused with one error each, never a crash.
// RUN: npu-opt %s --split-input-file --verify-diagnostics

// expected-error @+1 {{target 'npu-v9' is not a runtime target (npu-v1, npu-v1-small, npu-v1-large), so it needs every figure; 'clock_hz' is missing}}
module attributes {npu.target = #npu.target<"npu-v9">} {}

// -----

// expected-error @+1 {{invalid target 'npu-v1': array_rows must be positive}}
module attributes {npu.target = #npu.target<"npu-v1", array_rows = 0>} {}

// -----

// expected-error @+1 {{invalid target 'npu-v1': fp32_rate_divisor must divide array_rows x array_cols}}
module attributes {npu.target = #npu.target<"npu-v1", fp32_rate_divisor = 3>} {}

// -----

// expected-error @+1 {{unknown target figure 'sram_size'}}
module attributes {npu.target = #npu.target<"npu-v1", sram_size = 3>} {}

// -----

// expected-error @+1 {{target figure 'array_rows' is out of range}}
module attributes {npu.target = #npu.target<"npu-v1", array_rows = 99999999999>} {}

// -----

// expected-error @+1 {{target figure 'array_rows' given twice}}
module attributes {npu.target = #npu.target<"npu-v1", array_rows = 8, array_rows = 8>} {}

// -----

// expected-error @+1 {{'builtin.module' op attribute 'npu.target' must be a #npu.target attribute}}
module attributes {npu.target = "npu-v1"} {}

// -----

// DenseMap's empty key as a fusion group id once crashed the code generator.
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'npu.exp' op attribute 'npu.fusion_group' must be in [0, 2147483647], not 9223372036854775807}}
  %y = npu.exp %x {npu.fusion_group = 9223372036854775807 : i64} : tensor<4xf32> -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'npu.exp' op attribute 'npu.unit' must be "mac", "vector", "dma", "none" or "host"}}
  %y = npu.exp %x {npu.unit = "gpu"} : tensor<4xf32> -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'npu.exp' op attribute 'npu.tiles' entry 'oh' must be an i64 tile size in [1, 65535]}}
  %y = npu.exp %x {npu.tiles = {oh = 0 : i64}} : tensor<4xf32> -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'npu.exp' op attribute 'npu.tiles' entry 'order' must be "weight_stationary" or "input_stationary"}}
  %y = npu.exp %x {npu.tiles = {oh = 4 : i64, order = "diagonal"}} : tensor<4xf32> -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'npu.exp' op attribute 'npu.dram' must be in [0, 1099511627776], not -64}}
  %y = npu.exp %x {npu.dram = -64 : i64} : tensor<4xf32> -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// expected-error @+1 {{'func.func' op argument 0 attribute 'npu.dram' must be an i64 integer}}
func.func @main(%x: tensor<4xf32> {npu.dram = "zero"}) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

// -----

// expected-error @+1 {{'func.func' op result 0 attribute 'npu.range' must be array<f64: min, max> with finite min <= max}}
func.func @main(%x: tensor<4xf32>) -> (tensor<4xf32> {npu.range = array<f64: 2.0, 1.0>}) {
  return %x : tensor<4xf32>
}

// -----

// expected-error @+1 {{invalid target 'npu-v1': dram_burst_bytes must be a power of two, at most 4096}}
module attributes {npu.target = #npu.target<"npu-v1", dram_burst_bytes = 48>} {}

// -----

// The code generator's on/off choices recorded by npu-compile are bools on
// the module (npu.phase_pack as npu.sparse_weights and the others).
// expected-error @+1 {{'builtin.module' op attribute 'npu.phase_pack' must be a bool}}
module attributes {npu.phase_pack = 1 : i64} {}
