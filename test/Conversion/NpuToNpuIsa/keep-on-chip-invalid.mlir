// Hand-made choices of values kept on chip that cannot hold: one error line
// naming the op and the problem, never a wrong program.
// RUN: npu-opt %s --npu-assign-tiles --npu-plan-memory --npu-convert-to-isa -split-input-file -verify-diagnostics

func.func @main(%x: tensor<1x16x32x32xf32> {npu.name = "x"}) -> (tensor<1x16x32x32xf32> {npu.name = "y"}) {
  // expected-error @+1 {{a returned value cannot be kept on chip: outputs are in DRAM}}
  %a = npu.sigmoid %x {npu.on_chip = 0 : i64} : tensor<1x16x32x32xf32> -> tensor<1x16x32x32xf32>
  return %a : tensor<1x16x32x32xf32>
}

// -----

func.func @main(%x: tensor<1x16x32x32xf32> {npu.name = "x"}) -> (tensor<1x16x32x32xf32> {npu.name = "y"}) {
  // expected-error @+1 {{a value kept on chip at scratchpad byte 100 (65536 bytes) must start on a 64-byte boundary and end within the target's 524288-byte scratchpad}}
  %a = npu.sigmoid %x {npu.on_chip = 100 : i64} : tensor<1x16x32x32xf32> -> tensor<1x16x32x32xf32>
  %w = npu.constant dense<0.5> : tensor<16x16x1x1xf32>
  %b = npu.conv %a, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x16x32x32xf32>, tensor<16x16x1x1xf32>) -> tensor<1x16x32x32xf32>
  return %b : tensor<1x16x32x32xf32>
}

// -----

func.func @main(%x: tensor<1x16x32x32xf32> {npu.name = "x"}) -> (tensor<1x16x32x32xf32> {npu.name = "y"}) {
  // expected-error @+1 {{a value kept on chip at scratchpad byte 500032 (65536 bytes) must start on a 64-byte boundary and end within the target's 524288-byte scratchpad}}
  %a = npu.sigmoid %x {npu.on_chip = 500032 : i64} : tensor<1x16x32x32xf32> -> tensor<1x16x32x32xf32>
  %w = npu.constant dense<0.5> : tensor<16x16x1x1xf32>
  %b = npu.conv %a, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x16x32x32xf32>, tensor<16x16x1x1xf32>) -> tensor<1x16x32x32xf32>
  return %b : tensor<1x16x32x32xf32>
}

// -----

// Two values alive at once on the same bytes.
func.func @main(%x: tensor<1x16x32x32xf32> {npu.name = "x"}) -> (tensor<1x32x32x32xf32> {npu.name = "y"}) {
  %a = npu.sigmoid %x {npu.on_chip = 393216 : i64} : tensor<1x16x32x32xf32> -> tensor<1x16x32x32xf32>
  %b = npu.exp %x {npu.on_chip = 425984 : i64} : tensor<1x16x32x32xf32> -> tensor<1x16x32x32xf32>
  // expected-error @-1 {{a value kept on chip at scratchpad bytes [425984, 491520) overlaps another alive at the same time}}
  %c = npu.concat %a, %b {axis = 1 : i64} : (tensor<1x16x32x32xf32>, tensor<1x16x32x32xf32>) -> tensor<1x32x32x32xf32>
  return %c : tensor<1x32x32x32xf32>
}

// -----

// A value kept where its own producer's buffers are (a convolution keeps
// its recorded tiles' buffers).
func.func @main(%x: tensor<1x16x32x32xf32> {npu.name = "x"}) -> (tensor<1x16x32x32xf32> {npu.name = "y"}) {
  %w = npu.constant dense<0.5> : tensor<16x16x1x1xf32>
  // expected-error @+1 {{the layer's scratchpad buffer 'slab' [0,}}
  %a = npu.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, npu.on_chip = 0 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x16x32x32xf32>, tensor<16x16x1x1xf32>) -> tensor<1x16x32x32xf32>
  %b = npu.conv %a, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x16x32x32xf32>, tensor<16x16x1x1xf32>) -> tensor<1x16x32x32xf32>
  return %b : tensor<1x16x32x32xf32>
}

// -----

func.func @main(%x: tensor<1x16x32x32xf32> {npu.name = "x"}) -> (tensor<1x16x32x32xf32> {npu.name = "y"}) {
  // expected-error @+1 {{'npu.on_chip' must be in [0, 16777215], not -64}}
  %a = npu.sigmoid %x {npu.on_chip = -64 : i64} : tensor<1x16x32x32xf32> -> tensor<1x16x32x32xf32>
  %w = npu.constant dense<0.5> : tensor<16x16x1x1xf32>
  %b = npu.conv %a, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x16x32x32xf32>, tensor<16x16x1x1xf32>) -> tensor<1x16x32x32xf32>
  return %b : tensor<1x16x32x32xf32>
}
