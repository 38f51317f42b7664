// npu.host is checked by its host kernel's own verify (the ONNX type and
// shape rules the runtime's loader applies), with one error each.
// RUN: npu-opt %s --split-input-file --verify-diagnostics

func.func @main(%x: tensor<2x3xf32>) -> tensor<2xi64> {
  // expected-error @+1 {{'npu.host' op ArgMax: output 0 is I64 [2], expected I64 [2,1]}}
  %0 = npu.host "ArgMax"(%x) {onnx_attributes = {axis = 1 : i64}, opset = 13 : i64, present = array<i1: true>} : (tensor<2x3xf32>) -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

// -----

func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'npu.host' op the host CPU has no kernel for ONNX Frobnicate}}
  %0 = npu.host "Frobnicate"(%x) {onnx_attributes = {}, opset = 13 : i64, present = array<i1: true>} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'npu.host' op has 1 operands but `present` marks 2}}
  %0 = npu.host "Neg"(%x) {onnx_attributes = {}, opset = 13 : i64, present = array<i1: true, true>} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'npu.host' op attribute 'bad' is not an integer, float, string or integer/float list}}
  %0 = npu.host "Neg"(%x) {onnx_attributes = {bad = unit}, opset = 13 : i64, present = array<i1: true>} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @main(%x: tensor<4xindex>) -> tensor<4xindex> {
  // expected-error @+1 {{'npu.host' op operand and result types must be statically shaped tensors of ONNX numeric types; got 'tensor<4xindex>'}}
  %0 = npu.host "Neg"(%x) {onnx_attributes = {}, opset = 13 : i64, present = array<i1: true>} : (tensor<4xindex>) -> tensor<4xindex>
  return %0 : tensor<4xindex>
}

// -----

// A value of data-dependent shape is read by host ops and the return only.
func.func @main(%x: tensor<2x3xf32>) -> tensor<6x2xi64> {
  // expected-error @+1 {{'npu.host' op result 0 has a data-dependent shape; only the graph's return and host ops may read it, not 'npu.transpose'}}
  %nz = npu.host "NonZero"(%x) {dynamic_shapes = array<i1: true>, onnx_attributes = {}, opset = 13 : i64, present = array<i1: true>} : (tensor<2x3xf32>) -> tensor<2x6xi64>
  %t = npu.transpose %nz {perm = array<i64: 1, 0>} : tensor<2x6xi64> -> tensor<6x2xi64>
  return %t : tensor<6x2xi64>
}

// -----

// A host op reading one has results of data-dependent shape, marked.
func.func @main(%x: tensor<2x3xf32>) -> tensor<6x2xi64> {
  %nz = npu.host "NonZero"(%x) {dynamic_shapes = array<i1: true>, onnx_attributes = {}, opset = 13 : i64, present = array<i1: true>} : (tensor<2x3xf32>) -> tensor<2x6xi64>
  // expected-error @+1 {{'npu.host' op reads a value of data-dependent shape, so its results have one too and must be marked `dynamic_shapes`}}
  %t = npu.host "Transpose"(%nz) {onnx_attributes = {}, opset = 13 : i64, present = array<i1: true>} : (tensor<2x6xi64>) -> tensor<6x2xi64>
  return %t : tensor<6x2xi64>
}
