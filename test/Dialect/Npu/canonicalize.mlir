// RUN: npu-opt %s -canonicalize -split-input-file | FileCheck %s

// Tests that a reshape of a reshape becomes one reshape.
// CHECK-LABEL: func.func @reshape_reshape
// CHECK-SAME: (%[[X:.+]]: tensor<2x3x4xf32>)
// CHECK-NEXT: %[[R:.+]] = npu.reshape %[[X]] : tensor<2x3x4xf32> -> tensor<24xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshape_reshape(%x: tensor<2x3x4xf32>) -> tensor<24xf32> {
  %0 = npu.reshape %x : tensor<2x3x4xf32> -> tensor<6x4xf32>
  %1 = npu.reshape %0 : tensor<6x4xf32> -> tensor<24xf32>
  return %1 : tensor<24xf32>
}

// -----

// Tests that a reshape to its own type folds away.
// CHECK-LABEL: func.func @reshape_identity
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xf32>)
// CHECK-NEXT: return %[[X]]
func.func @reshape_identity(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = npu.reshape %x : tensor<2x3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Tests that a reshape of a dense constant folds into a constant.
// CHECK-LABEL: func.func @reshape_constant
// CHECK-NEXT: %[[C:.+]] = npu.constant dense<{{\[\[}}1, 2], [3, 4]]> : tensor<2x2xi32>
// CHECK-NEXT: return %[[C]]
func.func @reshape_constant() -> tensor<2x2xi32> {
  %c = npu.constant dense<[1, 2, 3, 4]> : tensor<4xi32>
  %0 = npu.reshape %c : tensor<4xi32> -> tensor<2x2xi32>
  return %0 : tensor<2x2xi32>
}

// -----

// Tests that transposes compose, and cancel when the composition is the identity.
// CHECK-LABEL: func.func @transpose_transpose
// CHECK-SAME: (%[[X:.+]]: tensor<1x2x3xf32>)
// CHECK-NEXT: %[[T:.+]] = npu.transpose %[[X]] {perm = array<i64: 2, 0, 1>} : tensor<1x2x3xf32> -> tensor<3x1x2xf32>
// CHECK-NEXT: return %[[X]], %[[T]]
func.func @transpose_transpose(%x: tensor<1x2x3xf32>) -> (tensor<1x2x3xf32>, tensor<3x1x2xf32>) {
  %0 = npu.transpose %x {perm = array<i64: 0, 2, 1>} : tensor<1x2x3xf32> -> tensor<1x3x2xf32>
  %1 = npu.transpose %0 {perm = array<i64: 0, 2, 1>} : tensor<1x3x2xf32> -> tensor<1x2x3xf32>
  %2 = npu.transpose %0 {perm = array<i64: 1, 0, 2>} : tensor<1x3x2xf32> -> tensor<3x1x2xf32>
  return %1, %2 : tensor<1x2x3xf32>, tensor<3x1x2xf32>
}

// -----

// Tests that no-op data movement folds away: full slice, zero pad, single concat, same-type cast.
// CHECK-LABEL: func.func @identities
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xf32>)
// CHECK-NEXT: return %[[X]], %[[X]], %[[X]], %[[X]]
func.func @identities(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %0 = npu.slice %x {offsets = array<i64: 0, 0>, strides = array<i64: 1, 1>} : tensor<2x3xf32> -> tensor<2x3xf32>
  %1 = npu.pad %x {pads = array<i64: 0, 0, 0, 0>, value = 0.0 : f32} : tensor<2x3xf32> -> tensor<2x3xf32>
  %2 = npu.concat %x {axis = 0 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %3 = npu.cast %x : tensor<2x3xf32> -> tensor<2x3xf32>
  return %0, %1, %2, %3 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// Tests that an unbounded clamp folds away and a bounded one stays.
// CHECK-LABEL: func.func @clamp
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT: %[[C:.+]] = npu.clamp %[[X]] {max = 6.000000e+00 : f32, min = 0.000000e+00 : f32}
// CHECK-NEXT: return %[[X]], %[[C]]
func.func @clamp(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = npu.clamp %x {max = 0x7F800000 : f32, min = 0xFF800000 : f32} : tensor<4xf32> -> tensor<4xf32>
  %1 = npu.clamp %x {max = 6.0 : f32, min = 0.0 : f32} : tensor<4xf32> -> tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// Tests constant folding of broadcasting arithmetic.
// CHECK-LABEL: func.func @fold_arith
// CHECK-NEXT: %[[C:.+]] = npu.constant dense<{{\[\[}}1.100000e+01, 2.200000e+01], [1.300000e+01, 2.400000e+01]]> : tensor<2x2xf32>
// CHECK-NEXT: return %[[C]]
func.func @fold_arith() -> tensor<2x2xf32> {
  %a = npu.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %b = npu.constant dense<[10.0, 20.0]> : tensor<2xf32>
  %0 = npu.add %a, %b : (tensor<2x2xf32>, tensor<2xf32>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// Tests that a transpose of constant weights folds (Gemm's transB).
// CHECK-LABEL: func.func @fold_transpose
// CHECK-NEXT: %[[C:.+]] = npu.constant dense<{{\[\[}}1.000000e+00, 4.000000e+00], [2.000000e+00, 5.000000e+00], [3.000000e+00, 6.000000e+00]]> : tensor<3x2xf32>
// CHECK-NEXT: return %[[C]]
func.func @fold_transpose() -> tensor<3x2xf32> {
  %a = npu.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %0 = npu.transpose %a {perm = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// Tests that an INT8 activation becomes its lookup table (the table made in
// the quantized IR, not by the code generator): hard swish from scale
// 0.0625 to scale 0.03125, zero point -20. Code -128 is -8.0, hard swish 0,
// code -20 (0xEC); code 127 is 7.9375, hard swish 7.9375 = 254 steps,
// saturated at 127 (0x7F). An FP32 activation stays.
// CHECK-LABEL: func.func @int8_activation_table
// CHECK: %[[T:.+]] = npu.lookup_table %{{.+}} {table = dense<"0xEC{{[0-9A-F]+}}7F"> : tensor<256xi8>} : tensor<4x!quant.uniform<i8:f32, 6.250000e-02>> -> tensor<4x!quant.uniform<i8:f32, 3.125000e-02:-20>>
// CHECK-NOT: npu.hard_swish {{.*}}quant
// CHECK: npu.sigmoid %{{.+}} : tensor<4xf32> -> tensor<4xf32>
func.func @int8_activation_table(%q: tensor<4x!quant.uniform<i8:f32, 0.0625>>, %x: tensor<4xf32>) -> (tensor<4x!quant.uniform<i8:f32, 0.03125:-20>>, tensor<4xf32>) {
  %0 = npu.hard_swish %q : tensor<4x!quant.uniform<i8:f32, 0.0625>> -> tensor<4x!quant.uniform<i8:f32, 0.03125:-20>>
  %1 = npu.sigmoid %x : tensor<4xf32> -> tensor<4xf32>
  return %0, %1 : tensor<4x!quant.uniform<i8:f32, 0.03125:-20>>, tensor<4xf32>
}

// -----

// Tests that a constant transposed into a quantized type is left as an op
// (an elements attribute cannot hold !quant.uniform: folding it crashed).
// CHECK-LABEL: func.func @transpose_quantized_constant
// CHECK: %[[C:.+]] = npu.constant dense<1> : tensor<2x3xi8>
// CHECK: npu.transpose %[[C]] {perm = array<i64: 1, 0>} : tensor<2x3xi8> -> tensor<3x2x!quant.uniform<i8:f32, 5.000000e-01>>
func.func @transpose_quantized_constant() -> tensor<3x2x!quant.uniform<i8:f32, 0.5>> {
  %c = npu.constant dense<1> : tensor<2x3xi8>
  %q = npu.transpose %c {perm = array<i64: 1, 0>} : tensor<2x3xi8> -> tensor<3x2x!quant.uniform<i8:f32, 0.5>>
  return %q : tensor<3x2x!quant.uniform<i8:f32, 0.5>>
}

// -----

// Tests the same for a reshape (a non-splat constant: it segfaulted too).
// CHECK-LABEL: func.func @reshape_quantized_constant
// CHECK: %[[C:.+]] = npu.constant dense<{{\[\[}}1, 2, 3, 4], [5, 6, 7, 8]]> : tensor<2x4xi8>
// CHECK: npu.reshape %[[C]] : tensor<2x4xi8> -> tensor<4x2x!quant.uniform<i8:f32, 5.000000e-01>>
func.func @reshape_quantized_constant() -> tensor<4x2x!quant.uniform<i8:f32, 0.5>> {
  %c = npu.constant dense<[[1, 2, 3, 4], [5, 6, 7, 8]]> : tensor<2x4xi8>
  %q = npu.reshape %c : tensor<2x4xi8> -> tensor<4x2x!quant.uniform<i8:f32, 0.5>>
  return %q : tensor<4x2x!quant.uniform<i8:f32, 0.5>>
}

// -----

// Tests that a storage cast and its inverse cancel, both ways round.
// CHECK-LABEL: func.func @storage_cast_pair
// CHECK-SAME: (%[[X:.+]]: tensor<4xui8>, %[[Q:.+]]: tensor<4x!quant.uniform<i8:f32, 5.000000e-01:-3>>)
// CHECK-NEXT: return %[[X]], %[[Q]]
func.func @storage_cast_pair(%x: tensor<4xui8>, %q: tensor<4x!quant.uniform<i8:f32, 0.5:-3>>)
    -> (tensor<4xui8>, tensor<4x!quant.uniform<i8:f32, 0.5:-3>>) {
  %0 = npu.storage_cast %x : tensor<4xui8> -> tensor<4x!quant.uniform<u8:f32, 0.5:128>>
  %1 = npu.storage_cast %0 : tensor<4x!quant.uniform<u8:f32, 0.5:128>> -> tensor<4xui8>
  %2 = npu.storage_cast %q : tensor<4x!quant.uniform<i8:f32, 0.5:-3>> -> tensor<4xi8>
  %3 = npu.storage_cast %2 : tensor<4xi8> -> tensor<4x!quant.uniform<i8:f32, 0.5:-3>>
  return %1, %3 : tensor<4xui8>, tensor<4x!quant.uniform<i8:f32, 0.5:-3>>
}

// -----

// Tests that a constant's storage cast folds into npu.constant's quantized
// form (the codes as signless i8: UINT8 255 is stored as -1), and that the
// dequantized constant folds to its FP32 values, (q - zp) * scale.
// CHECK-LABEL: func.func @dequantize_constant
// CHECK-DAG: %[[C:.+]] = npu.constant dense<[-5.000000e-01, -2.500000e-01, 6.300000e+01, -7.500000e-01]> : tensor<4xf32>
// CHECK-DAG: %[[Q:.+]] = npu.constant dense<[1, 2, -1, 0]> : tensor<4xi8> -> tensor<4x!quant.uniform<u8:f32, 2.500000e-01:3>>
// CHECK: return %[[C]], %[[Q]]
func.func @dequantize_constant() -> (tensor<4xf32>, tensor<4x!quant.uniform<u8:f32, 0.25:3>>) {
  %k = npu.constant dense<[1, 2, 255, 0]> : tensor<4xui8>
  %q = npu.storage_cast %k : tensor<4xui8> -> tensor<4x!quant.uniform<u8:f32, 0.25:3>>
  %f = npu.dequantize %q : tensor<4x!quant.uniform<u8:f32, 0.25:3>> -> tensor<4xf32>
  return %f, %q : tensor<4xf32>, tensor<4x!quant.uniform<u8:f32, 0.25:3>>
}

// -----

// Tests that a signed quantized constant dequantizes with its sign, and
// that a storage cast back to integers gives the integer constant.
// CHECK-LABEL: func.func @dequantize_signed_constant
// CHECK-DAG: %[[I:.+]] = npu.constant dense<[-128, 127, 4]> : tensor<3xi8>
// CHECK-DAG: %[[C:.+]] = npu.constant dense<[-6.200000e+01, 6.550000e+01, 4.000000e+00]> : tensor<3xf32>
// CHECK: return %[[C]], %[[I]]
func.func @dequantize_signed_constant() -> (tensor<3xf32>, tensor<3xi8>) {
  %q = npu.constant dense<[-128, 127, 4]> : tensor<3xi8> -> tensor<3x!quant.uniform<i8:f32, 0.5:-4>>
  %f = npu.dequantize %q : tensor<3x!quant.uniform<i8:f32, 0.5:-4>> -> tensor<3xf32>
  %i = npu.storage_cast %q : tensor<3x!quant.uniform<i8:f32, 0.5:-4>> -> tensor<3xi8>
  return %f, %i : tensor<3xf32>, tensor<3xi8>
}
