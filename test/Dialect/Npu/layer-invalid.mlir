// The schedule level's ops and attributes are verified.
// RUN: npu-opt %s --split-input-file --verify-diagnostics

func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'npu.layer' op has no ops: a layer runs at least one op}}
  %y = npu.layer "empty" unit <vector> {
    npu.yield %x : tensor<4xf32>
  } : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'npu.layer' op yields 'tensor<4xf32>', 'tensor<4xf32>' but its results are 'tensor<4xf32>'}}
  %y = npu.layer "two" unit <vector> {
    %e = npu.exp %x : tensor<4xf32> -> tensor<4xf32>
    npu.yield %e, %e : tensor<4xf32>, tensor<4xf32>
  } : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = npu.layer "outer" unit <vector> {
    // expected-error @+1 {{'npu.layer' op cannot be nested in another npu.layer}}
    %i = npu.layer "inner" unit <vector> {
      %e = npu.exp %x : tensor<4xf32> -> tensor<4xf32>
      npu.yield %e : tensor<4xf32>
    } : tensor<4xf32>
    npu.yield %i : tensor<4xf32>
  } : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{tile size oh = 0 is outside [1, 65535]}}
  %y = npu.layer "zero" unit <vector> tiles <oh = 0> {
    %e = npu.exp %x : tensor<4xf32> -> tensor<4xf32>
    npu.yield %e : tensor<4xf32>
  } : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+2 {{expected one of [weight_stationary, input_stationary] for convolution loop order, got: diagonal}}
  // expected-error @+1 {{failed to parse Npu_TilesAttr parameter 'order'}}
  %y = npu.layer "diag" unit <vector> tiles <oh = 4, order = diagonal> {
    %e = npu.exp %x : tensor<4xf32> -> tensor<4xf32>
    npu.yield %e : tensor<4xf32>
  } : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+2 {{expected ::npu::ExecutionUnit to be one of: mac, vector, dma, none}}
  // expected-error @+1 {{failed to parse Npu_ExecutionUnitAttr parameter 'value'}}
  %y = npu.layer "gpu" unit <gpu> {
    %e = npu.exp %x : tensor<4xf32> -> tensor<4xf32>
    npu.yield %e : tensor<4xf32>
  } : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// Scratchpad buffers (npu-allocate-scratchpad): inside the target's
// scratchpad, no overlap within a pass, unique names, sane fields.
module attributes {npu.target = #npu.target<"npu-v1">} {
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'npu.layer' op scratchpad buffers 'in1' [0, 256) and 'out2' [128, 384) overlap (pass 0)}}
  %y = npu.layer "y" unit <vector> scratchpad [#npu.buffer<"in1", offset = 0, bytes = 128, copies = 2>, #npu.buffer<"out2", offset = 128, bytes = 128, copies = 2>] {
    %e = npu.exp %x : tensor<4xf32> -> tensor<4xf32>
    npu.yield %e : tensor<4xf32>
  } : tensor<4xf32>
  return %y : tensor<4xf32>
}
}

// -----

module attributes {npu.target = #npu.target<"npu-v1">} {
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'npu.layer' op scratchpad buffer 'out1' ends at byte 524352, beyond the target's 524288-byte scratchpad}}
  %y = npu.layer "y" unit <vector> scratchpad [#npu.buffer<"out1", offset = 524224, bytes = 64, copies = 2>] {
    %e = npu.exp %x : tensor<4xf32> -> tensor<4xf32>
    npu.yield %e : tensor<4xf32>
  } : tensor<4xf32>
  return %y : tensor<4xf32>
}
}

// -----

func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'npu.layer' op has two scratchpad buffers named 'in0' in pass 0}}
  %y = npu.layer "y" unit <vector> scratchpad [#npu.buffer<"in0", offset = 0, bytes = 64>, #npu.buffer<"in0", offset = 64, bytes = 64>] {
    %e = npu.exp %x : tensor<4xf32> -> tensor<4xf32>
    npu.yield %e : tensor<4xf32>
  } : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// Buffers of different passes run one after another and may share bytes.
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{scratchpad buffer 'slab' has 0 copies: 1 to 64}}
  %y = npu.layer "y" unit <vector> scratchpad [#npu.buffer<"tile", offset = 0, bytes = 64, copies = 2>, #npu.buffer<"slab", offset = 0, bytes = 64, copies = 0, pass = 1>] {
    %e = npu.exp %x : tensor<4xf32> -> tensor<4xf32>
    npu.yield %e : tensor<4xf32>
  } : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{scratchpad buffer 'slab' offset -64 is outside [0, 2^32)}}
  %y = npu.layer "y" unit <vector> scratchpad [#npu.buffer<"slab", offset = -64, bytes = 64>] {
    %e = npu.exp %x : tensor<4xf32> -> tensor<4xf32>
    npu.yield %e : tensor<4xf32>
  } : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = npu.layer "y" unit <vector> {
    // expected-error @+1 {{'npu.exp' op attribute 'npu.scratchpad' must be an array of #npu.buffer}}
    %e = npu.exp %x {npu.scratchpad = [1]} : tensor<4xf32> -> tensor<4xf32>
    npu.yield %e : tensor<4xf32>
  } : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// The same checks for buffers recorded on a layer's anchor (inlined layers).
module attributes {npu.target = #npu.target<"npu-v1">} {
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'npu.exp' op scratchpad buffers 'in0' [0, 128) and 'out1' [64, 192) overlap (pass 0)}}
  %e = npu.exp %x {npu.scratchpad = [#npu.buffer<"in0", offset = 0, bytes = 64, copies = 2>, #npu.buffer<"out1", offset = 64, bytes = 64, copies = 2>]} : tensor<4xf32> -> tensor<4xf32>
  return %e : tensor<4xf32>
}
}
