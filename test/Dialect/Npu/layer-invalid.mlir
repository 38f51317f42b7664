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
  // expected-error @+2 {{expected ::npu::ExecutionUnit to be one of: mac, vector, dma, none}}
  // expected-error @+1 {{failed to parse Npu_ExecutionUnitAttr parameter 'value'}}
  %y = npu.layer "gpu" unit <gpu> {
    %e = npu.exp %x : tensor<4xf32> -> tensor<4xf32>
    npu.yield %e : tensor<4xf32>
  } : tensor<4xf32>
  return %y : tensor<4xf32>
}
