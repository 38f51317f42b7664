// IR the backend cannot compile is refused with one error, never a crash.
// RUN: npu-opt %s --split-input-file --verify-diagnostics --npu-convert-to-isa

// expected-error @+1 {{backend: a value of type 'tensor<4xindex>' cannot be compiled: the NPU holds statically shaped tensors of integers, floats and quantized integers only}}
func.func @main(%x: tensor<4xindex> {npu.name = "x"}) -> (tensor<4xindex> {npu.name = "y"}) {
  %y = npu.add %x, %x : (tensor<4xindex>, tensor<4xindex>) -> tensor<4xindex>
  return %y : tensor<4xindex>
}

// -----

func.func @main(%x: tensor<4xf32> {npu.name = "x"}) -> (tensor<4xcomplex<f32>> {npu.name = "y"}) {
  // expected-error @+1 {{backend: a value of type 'tensor<4xcomplex<f32>>' cannot be compiled}}
  %y = npu.cast %x : tensor<4xf32> -> tensor<4xcomplex<f32>>
  return %y : tensor<4xcomplex<f32>>
}

// -----

// A dimension left unknown never reaches the DRAM planner.
// expected-error @+1 {{backend: a value of type 'tensor<?x4xf32>' cannot be compiled}}
func.func @main(%x: tensor<?x4xf32> {npu.name = "x"}) -> (tensor<?x4xf32> {npu.name = "y"}) {
  %y = npu.exp %x : tensor<?x4xf32> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// -----

func.func @main(%x: tensor<4xf32> {npu.name = "x"}) -> (tensor<4xf16> {npu.name = "y"}) {
  // expected-error @+1 {{backend: 'npu.cast' (ONNX node 'cast', cast) is not supported by the code generator: the vector unit has no form of it for these element types}}
  %y = npu.cast %x : tensor<4xf32> -> tensor<4xf16>
  return %y : tensor<4xf16>
}

// -----

// An op without a backend model (batch normalization is folded into a
// convolution or an affine mul/add before the backend).
func.func @main(%x: tensor<1x2x3x3xf32> {npu.name = "x"}, %s: tensor<2xf32> {npu.name = "s"}) -> (tensor<1x2x3x3xf32> {npu.name = "y"}) {
  // expected-error @+1 {{backend: 'npu.batch_norm' (ONNX node 'batch_norm', batch_norm) is not supported by the code generator yet}}
  %y = npu.batch_norm %x, %s, %s, %s, %s {epsilon = 1.0e-05 : f32} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}

// -----

// A hand-edited schedule that moves an op to another unit is refused.
func.func @main(%x: tensor<4xf32> {npu.name = "x"}) -> (tensor<4xf32> {npu.name = "y"}) {
  // expected-error @+1 {{'npu.layer' op puts 'npu.exp' on the mac unit, but the backend runs it on the vector unit}}
  %y = npu.layer "y" unit <mac> {
    %e = npu.exp %x : tensor<4xf32> -> tensor<4xf32>
    npu.yield %e : tensor<4xf32>
  } : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// Ops that cannot share a tile loop (a matmul and an add of a tensor that is
// not a constant: a matmul's epilogue takes constant operands only) are
// refused, from a schedule or a recorded fusion group alike.
func.func @main(%a: tensor<4x4xf32> {npu.name = "a"}, %w: tensor<4x4xf32> {npu.name = "w"}) -> (tensor<4x4xf32> {npu.name = "y"}) {
  %y = npu.layer "y" unit <mac> {
    %m = npu.matmul %a, %w : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
    // expected-error @+1 {{backend: 'npu.add' cannot share a tile loop with 'npu.matmul': a layer is one op, a convolution or matmul with elementwise ops of its result's shape (after a matmul, with constant operands), or elementwise ops of one shape}}
    %s = npu.add %m, %a : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
    npu.yield %s : tensor<4x4xf32>
  } : tensor<4x4xf32>
  return %y : tensor<4x4xf32>
}

// -----

func.func @main(%a: tensor<4x4xf32> {npu.name = "a"}, %w: tensor<4x4xf32> {npu.name = "w"}) -> (tensor<4x4xf32> {npu.name = "y"}) {
  %m = npu.matmul %a, %w {npu.fusion_group = 0 : i64} : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  // expected-error @+1 {{backend: 'npu.add' cannot share a tile loop with 'npu.matmul'}}
  %s = npu.add %m, %a {npu.fusion_group = 0 : i64} : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  return %s : tensor<4x4xf32>
}

// -----

// A recorded group runs where its first op is: a residual computed after
// the convolution (a hand edit; formFusionGroups never groups one) would be
// read before it is written.
func.func @main(%x: tensor<1x8x4x4xf32> {npu.name = "x"}) -> (tensor<1x8x4x4xf32> {npu.name = "y"}) {
  %w = npu.constant dense<0.5> : tensor<8x8x1x1xf32>
  %c = npu.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, npu.fusion_group = 0 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x4x4xf32>
  %r = npu.exp %x : tensor<1x8x4x4xf32> -> tensor<1x8x4x4xf32>
  // expected-error @+1 {{backend: 'npu.add' reads a value computed after 'npu.conv', the first op of its fusion group}}
  %y = npu.add %c, %r {npu.fusion_group = 0 : i64} : (tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  return %y : tensor<1x8x4x4xf32>
}

// -----

// A recorded group left with a transpose alone (its partner's
// npu.fusion_group edited away) is refused; such a group (then a matmul's)
// used to reach the fused-layer emitter, which dereferenced the op's
// missing vector function (found by scripts/mutate-mlir.py).
func.func @main(%a: tensor<4x4xf32> {npu.name = "a"}) -> (tensor<4x4xf32> {npu.name = "y"}) {
  // expected-error @+1 {{backend: 'npu.transpose' cannot form a fusion group (npu.fusion_group) alone: a fused layer is led by a convolution, a matmul or an elementwise op}}
  %t = npu.transpose %a {npu.fusion_group = 0 : i64, perm = array<i64: 1, 0>} : tensor<4x4xf32> -> tensor<4x4xf32>
  %s = npu.add %t, %a : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  return %s : tensor<4x4xf32>
}

// -----

// An INT8 activation reaches the code generator only as its lookup table.
func.func @main(%x: tensor<4x!quant.uniform<i8:f32, 0.0625>> {npu.name = "x"}) -> (tensor<4x!quant.uniform<i8:f32, 0.0039:-128>> {npu.name = "y"}) {
  // expected-error @+1 {{backend: 'npu.sigmoid' (ONNX node 'sigmoid', sigmoid) is not supported by the code generator: an INT8 activation runs as an npu.lookup_table, whose table npu-quantize (or canonicalization) computes}}
  %y = npu.sigmoid %x : tensor<4x!quant.uniform<i8:f32, 0.0625>> -> tensor<4x!quant.uniform<i8:f32, 0.0039:-128>>
  return %y : tensor<4x!quant.uniform<i8:f32, 0.0039:-128>>
}

// -----

// An INT8 add whose input scale is 1000 times the output's has no exact
// rescale on the vector unit (npu-quantize keeps such adds FP32).
func.func @main(%a: tensor<4x!quant.uniform<i8:f32, 1.0>> {npu.name = "a"}, %b: tensor<4x!quant.uniform<i8:f32, 0.5>> {npu.name = "b"}) -> (tensor<4x!quant.uniform<i8:f32, 0.001>> {npu.name = "y"}) {
  // expected-error @+1 {{backend: 'npu.add' (ONNX node 'add', add) is not supported by the code generator: an INT8 add or sub needs per-tensor INT8 operands and result whose input scales are at most 64 times the output's (ptq::chooseAddRescale)}}
  %y = npu.add %a, %b : (tensor<4x!quant.uniform<i8:f32, 1.0>>, tensor<4x!quant.uniform<i8:f32, 0.5>>) -> tensor<4x!quant.uniform<i8:f32, 0.001>>
  return %y : tensor<4x!quant.uniform<i8:f32, 0.001>>
}

// -----

// An INT8 mul whose multiplier s_a s_b / s_out is 1e-40 has no shift 2^k
// in FP32's normal range; one of INT8 operands and an FP32 result has no
// INT8 form at all (npu-quantize makes neither).
func.func @main(%a: tensor<4x!quant.uniform<i8:f32, 1.0e-20>> {npu.name = "a"}, %b: tensor<4x!quant.uniform<i8:f32, 1.0e-20>> {npu.name = "b"}) -> (tensor<4x!quant.uniform<i8:f32, 1.0>> {npu.name = "y"}) {
  // expected-error @+1 {{backend: 'npu.mul' (ONNX node 'mul', mul) is not supported by the code generator: an INT8 mul needs per-tensor INT8 operands and result, and a multiplier s_a s_b / s_out within FP32's normal range (ptq::chooseMulRescale)}}
  %y = npu.mul %a, %b : (tensor<4x!quant.uniform<i8:f32, 1.0e-20>>, tensor<4x!quant.uniform<i8:f32, 1.0e-20>>) -> tensor<4x!quant.uniform<i8:f32, 1.0>>
  return %y : tensor<4x!quant.uniform<i8:f32, 1.0>>
}

// -----

func.func @main(%a: tensor<4x!quant.uniform<i8:f32, 0.5>> {npu.name = "a"}, %b: tensor<4x!quant.uniform<i8:f32, 0.5>> {npu.name = "b"}) -> (tensor<4xf32> {npu.name = "y"}) {
  // expected-error @+1 {{backend: 'npu.mul' (ONNX node 'mul', mul) is not supported by the code generator: an INT8 mul needs per-tensor INT8 operands and result, and a multiplier s_a s_b / s_out within FP32's normal range (ptq::chooseMulRescale)}}
  %y = npu.mul %a, %b : (tensor<4x!quant.uniform<i8:f32, 0.5>>, tensor<4x!quant.uniform<i8:f32, 0.5>>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// A concat copies codes: INT8 inputs of another scale than its result's are
// refused (npu-quantize requantizes them first).
func.func @main(%a: tensor<4x!quant.uniform<i8:f32, 1.0>> {npu.name = "a"}, %b: tensor<4x!quant.uniform<i8:f32, 0.5>> {npu.name = "b"}) -> (tensor<8x!quant.uniform<i8:f32, 1.0>> {npu.name = "y"}) {
  // expected-error @+1 {{backend: 'npu.concat' (ONNX node 'concat', concat) is not supported by the code generator: its quantized inputs differ from the result's type; copies move codes, so they need one scale and zero point}}
  %y = npu.concat %a, %b {axis = 0 : i64} : (tensor<4x!quant.uniform<i8:f32, 1.0>>, tensor<4x!quant.uniform<i8:f32, 0.5>>) -> tensor<8x!quant.uniform<i8:f32, 1.0>>
  return %y : tensor<8x!quant.uniform<i8:f32, 1.0>>
}

// -----

// An index reduction whose groups outnumber the vector unit's extent says
// so (not that a group exceeds a tile: each group here is 2 elements).
func.func @main(%x: tensor<70000x2xf32> {npu.name = "x"}) -> (tensor<70000x1xi64> {npu.name = "y"}) {
  // expected-error @+1 {{its 70000 x 2 x 1 groups around the axis exceed the vector unit's extent of 65535 per dimension}}
  %y = npu.arg_max %x {axis = 1 : i64, keepdims = true, select_last_index = false} : tensor<70000x2xf32> -> tensor<70000x1xi64>
  return %y : tensor<70000x1xi64>
}

// -----

// A matmul's epilogue runs in place in the C tile, each op reading the one
// before as its only reader: a recorded group whose add reads the product
// again (overwritten by the clamp by then) is refused at the clamp.
func.func @main(%a: tensor<4x4xf32> {npu.name = "a"}, %w: tensor<4x4xf32> {npu.name = "w"}) -> (tensor<4x4xf32> {npu.name = "y"}) {
  %m = npu.matmul %a, %w {npu.fusion_group = 0 : i64} : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  // expected-error @+1 {{backend: 'npu.clamp' cannot share a tile loop with 'npu.matmul'}}
  %r = npu.clamp %m {min = 0.0 : f32, max = 6.0 : f32, npu.fusion_group = 0 : i64} : tensor<4x4xf32> -> tensor<4x4xf32>
  %s = npu.add %r, %m {npu.fusion_group = 0 : i64} : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  return %s : tensor<4x4xf32>
}

// -----

// Nor a constant of the result's full shape (not one value per column).
func.func @main(%a: tensor<4x4xf32> {npu.name = "a"}, %w: tensor<4x4xf32> {npu.name = "w"}) -> (tensor<4x4xf32> {npu.name = "y"}) {
  %c = npu.constant dense<1.5> : tensor<4x4xf32>
  // expected-error @+1 {{backend: a matmul epilogue reads an operand that is neither one value per column nor a scalar}}
  %m = npu.matmul %a, %w {npu.fusion_group = 0 : i64} : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %s = npu.add %m, %c {npu.fusion_group = 0 : i64} : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  return %s : tensor<4x4xf32>
}

// -----

// A convolution's or matmul's group stores only its last value: a value
// inside it read outside it is refused (it used to read zeros).
func.func @main(%x: tensor<1x2x4x4xf32> {npu.name = "x"}) -> (tensor<1x2x4x4xf32> {npu.name = "y"}, tensor<1x2x4x4xf32> {npu.name = "z"}) {
  %w = npu.constant dense<0.5> : tensor<2x2x1x1xf32>
  %c = npu.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, npu.fusion_group = 0 : i64} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %r = npu.clamp %c {min = 0.0 : f32, max = 6.0 : f32, npu.fusion_group = 0 : i64} : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  // expected-error @+1 {{backend: 'npu.neg' reads 'npu.conv' inside a fusion group led by 'npu.conv', which stores only its last value}}
  %n = npu.neg %c : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  return %r, %n : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}
