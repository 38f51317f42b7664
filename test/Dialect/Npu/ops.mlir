// RUN: npu-opt %s | npu-opt | FileCheck %s
// RUN: npu-opt %s --mlir-print-op-generic | npu-opt | FileCheck %s

// Tests that every npu op prints and parses back to itself.

// CHECK-LABEL: func.func @mac_ops
func.func @mac_ops(%x: tensor<1x4x9x9xf32>, %w: tensor<8x2x3x3xf32>, %b: tensor<8xf32>,
                   %t: tensor<4x2x2x2xf32>, %a: tensor<2x3x5xf32>, %m: tensor<5x7xf32>)
    -> (tensor<1x8x5x5xf32>, tensor<1x4x18x18xf32>, tensor<2x3x7xf32>) {
  // CHECK: npu.conv %{{.*}}, %{{.*}}, %{{.*}} {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x4x9x9xf32>, tensor<8x2x3x3xf32>, tensor<8xf32>) -> tensor<1x8x5x5xf32>
  %0 = npu.conv %x, %w, %b {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x4x9x9xf32>, tensor<8x2x3x3xf32>, tensor<8xf32>) -> tensor<1x8x5x5xf32>
  // CHECK: npu.conv_transpose %{{.*}}, %{{.*}} {{{.*}}output_padding = array<i64: 0, 0>{{.*}}} : (tensor<1x4x9x9xf32>, tensor<4x2x2x2xf32>) -> tensor<1x4x18x18xf32>
  %1 = npu.conv_transpose %x, %t {dilations = array<i64: 1, 1>, group = 2 : i64, output_padding = array<i64: 0, 0>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x4x9x9xf32>, tensor<4x2x2x2xf32>) -> tensor<1x4x18x18xf32>
  // CHECK: npu.matmul %{{.*}}, %{{.*}} : (tensor<2x3x5xf32>, tensor<5x7xf32>) -> tensor<2x3x7xf32>
  %2 = npu.matmul %a, %m : (tensor<2x3x5xf32>, tensor<5x7xf32>) -> tensor<2x3x7xf32>
  return %0, %1, %2 : tensor<1x8x5x5xf32>, tensor<1x4x18x18xf32>, tensor<2x3x7xf32>
}

// CHECK-LABEL: func.func @vector_ops
func.func @vector_ops(%x: tensor<1x8x4x4xf32>, %c: tensor<8x1x1xf32>, %s: tensor<8xf32>, %i: tensor<3xi64>) {
  // CHECK: npu.constant dense<1.500000e+00> : tensor<8xf32>
  %k = npu.constant dense<1.5> : tensor<8xf32>
  // CHECK: npu.batch_norm {{.*}} {epsilon = 9.99999974E-6 : f32}
  %0 = npu.batch_norm %x, %s, %s, %s, %k {epsilon = 1.0e-05 : f32} : (tensor<1x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x8x4x4xf32>
  // CHECK: npu.layer_norm {{.*}} {axis = 3 : i64, epsilon = {{.*}}} : (tensor<1x8x4x4xf32>, tensor<4xf32>) -> tensor<1x8x4x4xf32>
  %ln_scale = npu.constant dense<1.0> : tensor<4xf32>
  %1 = npu.layer_norm %x, %ln_scale {axis = 3 : i64, epsilon = 1.0e-05 : f32} : (tensor<1x8x4x4xf32>, tensor<4xf32>) -> tensor<1x8x4x4xf32>
  // CHECK: npu.softmax %{{.*}} {axis = 1 : i64} : tensor<1x8x4x4xf32> -> tensor<1x8x4x4xf32>
  %2 = npu.softmax %x {axis = 1 : i64} : tensor<1x8x4x4xf32> -> tensor<1x8x4x4xf32>
  // CHECK: npu.clamp %{{.*}} {max = 6.000000e+00 : f32, min = 0.000000e+00 : f32}
  %3 = npu.clamp %x {max = 6.0 : f32, min = 0.0 : f32} : tensor<1x8x4x4xf32> -> tensor<1x8x4x4xf32>
  // CHECK: npu.leaky_relu %{{.*}} {alpha = 1.000000e-01 : f32}
  %4 = npu.leaky_relu %x {alpha = 0.1 : f32} : tensor<1x8x4x4xf32> -> tensor<1x8x4x4xf32>
  // CHECK: npu.hard_sigmoid %{{.*}} {alpha = 2.000000e-01 : f32, beta = 5.000000e-01 : f32}
  %5 = npu.hard_sigmoid %x {alpha = 0.2 : f32, beta = 0.5 : f32} : tensor<1x8x4x4xf32> -> tensor<1x8x4x4xf32>
  // CHECK: npu.hard_swish
  %6 = npu.hard_swish %x : tensor<1x8x4x4xf32> -> tensor<1x8x4x4xf32>
  // CHECK: npu.sigmoid
  %7 = npu.sigmoid %x : tensor<1x8x4x4xf32> -> tensor<1x8x4x4xf32>
  // CHECK: npu.tanh
  %8 = npu.tanh %x : tensor<1x8x4x4xf32> -> tensor<1x8x4x4xf32>
  // CHECK: npu.erf
  %9 = npu.erf %x : tensor<1x8x4x4xf32> -> tensor<1x8x4x4xf32>
  // CHECK: npu.exp
  %10 = npu.exp %x : tensor<1x8x4x4xf32> -> tensor<1x8x4x4xf32>
  // CHECK: npu.sqrt
  %11 = npu.sqrt %x : tensor<1x8x4x4xf32> -> tensor<1x8x4x4xf32>
  // CHECK: npu.cast %{{.*}} : tensor<1x8x4x4xf32> -> tensor<1x8x4x4xi8>
  %12 = npu.cast %x : tensor<1x8x4x4xf32> -> tensor<1x8x4x4xi8>
  // CHECK: npu.add %{{.*}}, %{{.*}} : (tensor<1x8x4x4xf32>, tensor<8x1x1xf32>) -> tensor<1x8x4x4xf32>
  %13 = npu.add %x, %c : (tensor<1x8x4x4xf32>, tensor<8x1x1xf32>) -> tensor<1x8x4x4xf32>
  // CHECK: npu.sub
  %14 = npu.sub %x, %c : (tensor<1x8x4x4xf32>, tensor<8x1x1xf32>) -> tensor<1x8x4x4xf32>
  // CHECK: npu.mul
  %15 = npu.mul %x, %c : (tensor<1x8x4x4xf32>, tensor<8x1x1xf32>) -> tensor<1x8x4x4xf32>
  // CHECK: npu.div
  %16 = npu.div %x, %c : (tensor<1x8x4x4xf32>, tensor<8x1x1xf32>) -> tensor<1x8x4x4xf32>
  // CHECK: npu.pow
  %17 = npu.pow %x, %c : (tensor<1x8x4x4xf32>, tensor<8x1x1xf32>) -> tensor<1x8x4x4xf32>
  // CHECK: npu.minimum
  %18 = npu.minimum %x, %c : (tensor<1x8x4x4xf32>, tensor<8x1x1xf32>) -> tensor<1x8x4x4xf32>
  // CHECK: npu.maximum
  %19 = npu.maximum %x, %c : (tensor<1x8x4x4xf32>, tensor<8x1x1xf32>) -> tensor<1x8x4x4xf32>
  // CHECK: npu.max_pool %{{.*}} {ceil_mode = true, {{.*}}} : tensor<1x8x4x4xf32> -> tensor<1x8x2x2xf32>
  %20 = npu.max_pool %x {ceil_mode = true, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x8x4x4xf32> -> tensor<1x8x2x2xf32>
  // CHECK: npu.avg_pool %{{.*}} {ceil_mode = false, count_include_pad = true, {{.*}}} : tensor<1x8x4x4xf32> -> tensor<1x8x2x2xf32>
  %21 = npu.avg_pool %x {ceil_mode = false, count_include_pad = true, kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x8x4x4xf32> -> tensor<1x8x2x2xf32>
  // CHECK: npu.reduce_mean %{{.*}} {axes = array<i64: 2, 3>, keepdims = false} : tensor<1x8x4x4xf32> -> tensor<1x8xf32>
  %22 = npu.reduce_mean %x {axes = array<i64: 2, 3>, keepdims = false} : tensor<1x8x4x4xf32> -> tensor<1x8xf32>
  // CHECK: npu.reduce_max %{{.*}} {axes = array<i64: 2, 3>, keepdims = true} : tensor<1x8x4x4xf32> -> tensor<1x8x1x1xf32>
  %23 = npu.reduce_max %x {axes = array<i64: 2, 3>, keepdims = true} : tensor<1x8x4x4xf32> -> tensor<1x8x1x1xf32>
  // CHECK: npu.concat %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>) -> tensor<1x16x4x4xf32>
  %24 = npu.concat %x, %x {axis = 1 : i64} : (tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>) -> tensor<1x16x4x4xf32>
  // CHECK: npu.slice %{{.*}} {offsets = array<i64: 0, 7, 3, 0>, strides = array<i64: 1, -2, -1, 2>} : tensor<1x8x4x4xf32> -> tensor<1x4x4x2xf32>
  %25 = npu.slice %x {offsets = array<i64: 0, 7, 3, 0>, strides = array<i64: 1, -2, -1, 2>} : tensor<1x8x4x4xf32> -> tensor<1x4x4x2xf32>
  // CHECK: npu.reshape %{{.*}} : tensor<1x8x4x4xf32> -> tensor<8x16xf32>
  %26 = npu.reshape %x : tensor<1x8x4x4xf32> -> tensor<8x16xf32>
  // CHECK: npu.transpose %{{.*}} {perm = array<i64: 0, 2, 3, 1>} : tensor<1x8x4x4xf32> -> tensor<1x4x4x8xf32>
  %27 = npu.transpose %x {perm = array<i64: 0, 2, 3, 1>} : tensor<1x8x4x4xf32> -> tensor<1x4x4x8xf32>
  // CHECK: npu.pad %{{.*}} {pads = array<i64: 0, 0, 1, 1, 0, 0, 1, -1>, value = 0.000000e+00 : f32} : tensor<1x8x4x4xf32> -> tensor<1x8x6x4xf32>
  %28 = npu.pad %x {pads = array<i64: 0, 0, 1, 1, 0, 0, 1, -1>, value = 0.0 : f32} : tensor<1x8x4x4xf32> -> tensor<1x8x6x4xf32>
  // CHECK: npu.pad %{{.*}} {mode = #npu<pad_mode reflect>, pads = array<i64: 0, 0, 3, 3, 0, 0, 3, 3>, value = 0.000000e+00 : f32} : tensor<1x8x4x4xf32> -> tensor<1x8x10x10xf32>
  %pr = npu.pad %x {mode = #npu<pad_mode reflect>, pads = array<i64: 0, 0, 3, 3, 0, 0, 3, 3>, value = 0.0 : f32} : tensor<1x8x4x4xf32> -> tensor<1x8x10x10xf32>
  // CHECK: npu.gather %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<1x8x4x4xf32>, tensor<3xi64>) -> tensor<1x3x4x4xf32>
  %29 = npu.gather %x, %i {axis = 1 : i64} : (tensor<1x8x4x4xf32>, tensor<3xi64>) -> tensor<1x3x4x4xf32>
  // CHECK: npu.resize %{{.*}} {coordinate_transformation_mode = #npu<coord_mode half_pixel>, mode = #npu<resize_mode linear>, nearest_mode = #npu<nearest_mode round_prefer_floor>, scales = array<f32: 1.000000e+00, 1.000000e+00, 2.000000e+00, 2.000000e+00>}
  %30 = npu.resize %x {coordinate_transformation_mode = #npu<coord_mode half_pixel>, mode = #npu<resize_mode linear>, nearest_mode = #npu<nearest_mode round_prefer_floor>, scales = array<f32: 1.0, 1.0, 2.0, 2.0>} : tensor<1x8x4x4xf32> -> tensor<1x8x8x8xf32>
  return
}

// CHECK-LABEL: func.func @quantized_types
// Tests that quant dialect element types flow through npu ops.
func.func @quantized_types(%x: tensor<1x16x!quant.uniform<i8:f32, 0.05:-3>>,
                           %w: tensor<16x16x!quant.uniform<i8:f32:1, {0.1, 0.2, 0.1, 0.2, 0.1, 0.2, 0.1, 0.2, 0.1, 0.2, 0.1, 0.2, 0.1, 0.2, 0.1, 0.2}>>)
    -> tensor<1x16x!quant.uniform<i32:f32, 0.005>> {
  // CHECK: npu.matmul {{.*}} -> tensor<1x16x!quant.uniform<i32:f32, 5.000000e-03>>
  %0 = npu.matmul %x, %w : (tensor<1x16x!quant.uniform<i8:f32, 0.05:-3>>, tensor<16x16x!quant.uniform<i8:f32:1, {0.1, 0.2, 0.1, 0.2, 0.1, 0.2, 0.1, 0.2, 0.1, 0.2, 0.1, 0.2, 0.1, 0.2, 0.1, 0.2}>>) -> tensor<1x16x!quant.uniform<i32:f32, 0.005>>
  return %0 : tensor<1x16x!quant.uniform<i32:f32, 0.005>>
}

// Tests the quantization boundaries of pre-quantized models: quantize's
// rounding (the default, half away from zero, is not printed), UINT8, and
// storage casts both ways.
// CHECK-LABEL: func.func @quantize_linear
func.func @quantize_linear(%x: tensor<4xf32>, %u: tensor<4xui8>)
    -> (tensor<4xui8>, tensor<4xf32>, tensor<4x!quant.uniform<i8:f32, 0.5:1>>) {
  // CHECK: npu.quantize %{{.*}} {rounding = #npu<rounding half_to_even>} : tensor<4xf32> -> tensor<4x!quant.uniform<u8:f32, 5.000000e-01:128>>
  %q = npu.quantize %x {rounding = #npu<rounding half_to_even>} : tensor<4xf32> -> tensor<4x!quant.uniform<u8:f32, 0.5:128>>
  // CHECK: npu.storage_cast %{{.*}} : tensor<4x!quant.uniform<u8:f32, 5.000000e-01:128>> -> tensor<4xui8>
  %c = npu.storage_cast %q : tensor<4x!quant.uniform<u8:f32, 0.5:128>> -> tensor<4xui8>
  // CHECK: npu.storage_cast %{{.*}} : tensor<4xui8> -> tensor<4x!quant.uniform<u8:f32, 2.500000e-01:3>>
  %d = npu.storage_cast %u : tensor<4xui8> -> tensor<4x!quant.uniform<u8:f32, 0.25:3>>
  // CHECK: npu.dequantize %{{.*}} : tensor<4x!quant.uniform<u8:f32, 2.500000e-01:3>> -> tensor<4xf32>
  %e = npu.dequantize %d : tensor<4x!quant.uniform<u8:f32, 0.25:3>> -> tensor<4xf32>
  // CHECK: npu.quantize %{{.*}} : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 5.000000e-01:1>>
  %i = npu.quantize %x {rounding = #npu<rounding half_away_from_zero>} : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.5:1>>
  return %c, %e, %i : tensor<4xui8>, tensor<4xf32>, tensor<4x!quant.uniform<i8:f32, 0.5:1>>
}

// Tests comparisons, logic and selection: BOOL tensors are i1.
// CHECK-LABEL: func.func @masks
func.func @masks(%x: tensor<2x3xf32>, %t: tensor<3xf32>, %i: tensor<2x3xi32>)
    -> (tensor<2x3xi1>, tensor<2x3xf32>) {
  // CHECK: npu.equal %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  %0 = npu.equal %x, %t : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  // CHECK: npu.greater
  %1 = npu.greater %x, %t : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  // CHECK: npu.greater_or_equal
  %2 = npu.greater_or_equal %i, %i : (tensor<2x3xi32>, tensor<2x3xi32>) -> tensor<2x3xi1>
  // CHECK: npu.less
  %3 = npu.less %x, %t : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  // CHECK: npu.less_or_equal
  %4 = npu.less_or_equal %x, %t : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  // CHECK: npu.and %{{.*}}, %{{.*}} : (tensor<2x3xi1>, tensor<2x3xi1>) -> tensor<2x3xi1>
  %5 = npu.and %0, %1 : (tensor<2x3xi1>, tensor<2x3xi1>) -> tensor<2x3xi1>
  // CHECK: npu.or
  %6 = npu.or %5, %2 : (tensor<2x3xi1>, tensor<2x3xi1>) -> tensor<2x3xi1>
  // CHECK: npu.xor
  %7 = npu.xor %6, %3 : (tensor<2x3xi1>, tensor<2x3xi1>) -> tensor<2x3xi1>
  // CHECK: npu.not %{{.*}} : tensor<2x3xi1> -> tensor<2x3xi1>
  %8 = npu.not %7 : tensor<2x3xi1> -> tensor<2x3xi1>
  // CHECK: npu.where %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %9 = npu.where %4, %x, %t : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %8, %9 : tensor<2x3xi1>, tensor<2x3xf32>
}
