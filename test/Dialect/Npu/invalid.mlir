// RUN: npu-opt %s -split-input-file -verify-diagnostics

// Tests that a convolution whose result shape disagrees with its attributes is rejected.
func.func @conv_bad_shape(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{result shape 1x4x8x8 does not match the expected 1x4x6x6}}
  %0 = npu.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return
}

// -----

// Tests that group must divide the channels consistently.
func.func @conv_bad_group(%x: tensor<1x4x8x8xf32>, %w: tensor<4x4x3x3xf32>) {
  // expected-error @+1 {{input channels (4) must equal weight channels (4) times group (2)}}
  %0 = npu.conv %x, %w {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// Tests that group is a positive integer (an ODS attribute constraint).
func.func @conv_zero_group(%x: tensor<1x4x8x8xf32>, %w: tensor<4x4x3x3xf32>) {
  // expected-error @+1 {{attribute 'group' failed to satisfy constraint}}
  %0 = npu.conv %x, %w {dilations = array<i64: 1, 1>, group = 0 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// Tests that pads need two entries per spatial axis.
func.func @pool_bad_pads(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{expects pads with two entries per spatial axis (4)}}
  %0 = npu.max_pool %x {ceil_mode = false, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0>, strides = array<i64: 2, 2>} : tensor<1x4x8x8xf32> -> tensor<1x4x4x4xf32>
  return
}

// -----

// Tests that a matmul's contraction dimensions must agree.
func.func @matmul_bad_k(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+1 {{contraction dimensions differ (3 vs 4)}}
  %0 = npu.matmul %a, %b : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return
}

// -----

// Tests that elementwise operands must broadcast.
func.func @add_no_broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{operands don't have broadcast-compatible shapes}}
  %0 = npu.add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return
}

// -----

// Tests that a reshape keeps the element count.
func.func @reshape_count(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{element count changes from 6 to 8}}
  %0 = npu.reshape %a : tensor<2x3xf32> -> tensor<2x4xf32>
  return
}

// -----

// Tests that a slice may not read past its input.
func.func @slice_out_of_bounds(%a: tensor<10xf32>) {
  // expected-error @+1 {{slice of axis 0 reads outside [0, 10)}}
  %0 = npu.slice %a {offsets = array<i64: 4>, strides = array<i64: 2>} : tensor<10xf32> -> tensor<4xf32>
  return
}

// -----

// Tests that transpose needs a permutation.
func.func @transpose_not_perm(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{perm is not a permutation}}
  %0 = npu.transpose %a {perm = array<i64: 0, 0>} : tensor<2x3xf32> -> tensor<2x2xf32>
  return
}

// -----

// Tests that reduction axes are sorted and in range.
func.func @reduce_axes(%a: tensor<2x3x4xf32>) {
  // expected-error @+1 {{expects strictly increasing axes in [0, 3)}}
  %0 = npu.reduce_mean %a {axes = array<i64: 2, 1>, keepdims = true} : tensor<2x3x4xf32> -> tensor<2x1x1xf32>
  return
}

// -----

// Tests that concat inputs agree off the axis.
func.func @concat_mismatch(%a: tensor<2x3xf32>, %b: tensor<3x3xf32>) {
  // expected-error @+1 {{inputs differ in dimension 0}}
  %0 = npu.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<3x3xf32>) -> tensor<2x6xf32>
  return
}

// -----

// Tests that gather's result shape follows data and indices.
func.func @gather_shape(%a: tensor<5x4xf32>, %i: tensor<3xi64>) {
  // expected-error @+1 {{result shape 3x5 does not match the expected 3x4}}
  %0 = npu.gather %a, %i {axis = 0 : i64} : (tensor<5x4xf32>, tensor<3xi64>) -> tensor<3x5xf32>
  return
}

// -----

// Tests that pads may not crop below zero.
func.func @pad_negative(%a: tensor<2xf32>) {
  // expected-error @+1 {{negative pads crop more than the axis holds}}
  %0 = npu.pad %a {pads = array<i64: -2, -1>, value = 0.0 : f32} : tensor<2xf32> -> tensor<0xf32>
  return
}

// -----

// Tests that reflect padding stays within the axis (the edge is not
// repeated, so an axis of 3 mirrors at most 2 elements).
func.func @pad_reflect_too_wide(%a: tensor<3xf32>) {
  // expected-error @+1 {{reflect pads must be smaller than the axis (3)}}
  %0 = npu.pad %a {mode = #npu<pad_mode reflect>, pads = array<i64: 3, 0>, value = 0.0 : f32} : tensor<3xf32> -> tensor<6xf32>
  return
}

// -----

// Tests that batch-norm parameters are per channel.
func.func @batch_norm_channels(%x: tensor<1x4x2x2xf32>, %p: tensor<3xf32>) {
  // expected-error @+1 {{expects per-channel operands of shape 4}}
  %0 = npu.batch_norm %x, %p, %p, %p, %p {epsilon = 1.0e-05 : f32} : (tensor<1x4x2x2xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x4x2x2xf32>
  return
}

// -----

// Tests that resize scales are positive, one per axis.
func.func @resize_scales(%x: tensor<1x1x2x2xf32>) {
  // expected-error @+1 {{expects positive scales}}
  %0 = npu.resize %x {coordinate_transformation_mode = #npu<coord_mode asymmetric>, mode = #npu<resize_mode nearest>, nearest_mode = #npu<nearest_mode floor>, scales = array<f32: 1.0, 1.0, 0.0, 2.0>} : tensor<1x1x2x2xf32> -> tensor<1x1x4x4xf32>
  return
}

// -----

// Tests that the constant's type is its attribute's.
func.func @constant_type() {
  // expected-error @+1 {{is neither the value's type 'tensor<2xf32>' nor a quantized type stored as it}}
  %0 = "npu.constant"() {value = dense<1.0> : tensor<2xf32>} : () -> tensor<3xf32>
  return
}

// -----

func.func @quantized_constant_wrong_storage() {
  // expected-error @+1 {{nor a quantized type stored as it}}
  %0 = "npu.constant"() {value = dense<1> : tensor<2xi32>} : () -> tensor<2x!quant.uniform<i8:f32, 0.5>>
  return
}

// -----

func.func @quantize_to_float(%x: tensor<4xf32>) {
  // expected-error @+1 {{expects !quant.uniform<i8:f32, ...> or !quant.uniform<u8:f32, ...> per tensor, got 'f32'}}
  %0 = npu.quantize %x : tensor<4xf32> -> tensor<4xf32>
  return
}

// -----

func.func @dequantize_from_f16(%q: tensor<4x!quant.uniform<i8:f16, 0.5>>) {
  // expected-error @+1 {{per tensor, got '!quant.uniform<i8:f16, 5.000000e-01>'}}
  %0 = npu.dequantize %q : tensor<4x!quant.uniform<i8:f16, 0.5>> -> tensor<4xf32>
  return
}

// -----

func.func @lookup_table_unsigned(%q: tensor<4x!quant.uniform<u8:f32, 0.5:128>>) {
  // expected-error @+1 {{expects !quant.uniform<i8:f32, ...> operand and result}}
  %0 = npu.lookup_table %q {table = dense<0> : tensor<256xi8>} : tensor<4x!quant.uniform<u8:f32, 0.5:128>> -> tensor<4x!quant.uniform<u8:f32, 0.5:128>>
  return
}

// -----

func.func @storage_cast_two_integers(%x: tensor<4xui8>) {
  // expected-error @+1 {{expects one quantized and one integer element type, got 'ui8' and 'i8'}}
  %0 = npu.storage_cast %x : tensor<4xui8> -> tensor<4xi8>
  return
}

// -----

func.func @storage_cast_signedness(%x: tensor<4xi8>) {
  // expected-error @+1 {{expects '!quant.uniform<u8:f32, 5.000000e-01:128>' to be stored as ui8, got 'i8'}}
  %0 = npu.storage_cast %x : tensor<4xi8> -> tensor<4x!quant.uniform<u8:f32, 0.5:128>>
  return
}

// -----

func.func @storage_cast_width(%q: tensor<4x!quant.uniform<i8:f32, 0.5>>) {
  // expected-error @+1 {{to be stored as i8, got 'i32'}}
  %0 = npu.storage_cast %q : tensor<4x!quant.uniform<i8:f32, 0.5>> -> tensor<4xi32>
  return
}

// -----

func.func @storage_cast_float(%x: tensor<4xf32>) {
  // expected-error @+1 {{expects one quantized and one integer element type}}
  %0 = npu.storage_cast %x : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.5>>
  return
}

// -----

func.func @lookup_table_size(%q: tensor<4x!quant.uniform<i8:f32, 0.5>>) {
  // expected-error @+1 {{expects a table of 256 i8 codes, got 'tensor<255xi8>'}}
  %0 = npu.lookup_table %q {table = dense<0> : tensor<255xi8>} : tensor<4x!quant.uniform<i8:f32, 0.5>> -> tensor<4x!quant.uniform<i8:f32, 0.5>>
  return
}

// -----

func.func @lookup_table_float(%x: tensor<4xf32>) {
  // expected-error @+1 {{expects !quant.uniform<i8:f32, ...> operand and result}}
  %0 = npu.lookup_table %x {table = dense<0> : tensor<256xi8>} : tensor<4xf32> -> tensor<4xf32>
  return
}

// -----

// Tests that a comparison's result is a BOOL (i1) tensor.
func.func @compare_not_bool(%x: tensor<4xf32>) {
  // expected-error @+1 {{result #0 must be ranked tensor of 1-bit signless integer values}}
  %0 = npu.greater %x, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

// Tests that Where's condition is a BOOL (i1) tensor.
func.func @where_condition_not_bool(%c: tensor<4xf32>, %x: tensor<4xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 1-bit signless integer values}}
  %0 = npu.where %c, %x, %x : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

// Tests that a comparison's operands have one element type.
func.func @compare_mixed_types(%x: tensor<4xf32>, %y: tensor<4xi32>) {
  // expected-error @+1 {{'npu.less' op failed to verify that all of {lhs, rhs} have same element type}}
  %0 = npu.less %x, %y : (tensor<4xf32>, tensor<4xi32>) -> tensor<4xi1>
  return
}

// -----

// Tests that Where's values and result have one element type.
func.func @where_mixed_types(%c: tensor<4xi1>, %x: tensor<4xf32>, %y: tensor<4xi32>) {
  // expected-error @+1 {{'npu.where' op failed to verify that all of {x, y, output} have same element type}}
  %0 = npu.where %c, %x, %y : (tensor<4xi1>, tensor<4xf32>, tensor<4xi32>) -> tensor<4xf32>
  return
}

// -----

// Tests that pads of INT64_MAX give a shape error, computed without
// overflow (signed overflow under UBSan, from the mutation smoke test).
func.func @conv_pads_int64_max(%x: tensor<1x8x16x16xf32>, %w: tensor<8x8x3x3xf32>) -> tensor<1x8x16x16xf32> {
  // expected-error @+1 {{'npu.conv' op result shape 1x8x16x16 does not match the expected 1x8x9223372036854775807x16}}
  %c = npu.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 9223372036854775807, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x16x16xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x16x16xf32>
  return %c : tensor<1x8x16x16xf32>
}

// -----

func.func @pad_int64_max(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'npu.pad' op result shape 2x3 does not match the expected 2x9223372036854775807}}
  %p = npu.pad %x {pads = array<i64: 0, 0, 0, 9223372036854775807>, value = 0.0 : f32} : tensor<2x3xf32> -> tensor<2x3xf32>
  return %p : tensor<2x3xf32>
}
