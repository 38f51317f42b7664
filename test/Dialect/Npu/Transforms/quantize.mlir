// RUN: npu-opt %s --npu-quantize --split-input-file | FileCheck %s
// RUN: npu-opt %s --npu-quantize=keep-float=conv0,conv1 --split-input-file | FileCheck %s --check-prefix=KEEP

// A convolution between calibrated ranges: input [-1, 1] gives scale 2/255
// and zero point -1 (TFLite's nudge: -128 + 127.5 rounds away from zero);
// weights per output channel at max|w| / 127; bias at s_in * s_w; the
// ReLU6 it feeds is absorbed (range [0, 3]: zero point -128); the sigmoid,
// read by a convolution, becomes an INT8 lookup table; that convolution,
// read by exp (FP32), keeps an FP32 result.

// CHECK-LABEL: func.func @conv_relu_sigmoid
// CHECK: %[[Q:.*]] = npu.quantize %arg0 : tensor<1x2x4x4xf32> -> tensor<1x2x4x4x!quant.uniform<i8:f32, 0.0078431372549019607:-1>>
// CHECK: %[[W:.*]] = npu.constant dense<{{\[\[\[\[}}64]], {{\[\[}}-127]]], {{\[\[\[}}127]], {{\[\[}}0]]], {{\[\[\[}}127]], {{\[\[}}64]]]]> : tensor<3x2x1x1xi8>
// CHECK-SAME: -> tensor<3x2x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.0078740157480314959,0.001968503937007874,0.015748031496062992}>>
// CHECK: %[[B:.*]] = npu.constant dense<[1619, -12954, 2429]> : tensor<3xi32>
// CHECK: %[[C:.*]] = npu.conv %[[Q]], %[[W]], %[[B]]
// CHECK-SAME: -> tensor<1x3x4x4x!quant.uniform<i8:f32, 0.011764705882352941:-128>>
// CHECK-NOT: npu.clamp
// The sigmoid's table: code -128 is 0.0, sigmoid 0.5, code round(0.5 /
// 0.0037254901960784314) - 128 = 6; code 127 is 3.0, sigmoid 0.9526, which
// saturates at 127.
// CHECK: %[[S:.*]] = npu.lookup_table %[[C]] {{.*}}table = dense<"0x06{{[0-9A-F]+}}7F"> : tensor<256xi8>} : tensor<1x3x4x4x!quant.uniform<i8:f32, 0.011764705882352941:-128>> -> tensor<1x3x4x4x!quant.uniform<i8:f32, 0.0037254901960784314:-128>>
// CHECK: %[[C1:.*]] = npu.conv %[[S]], {{.*}} -> tensor<1x3x4x4xf32>
// CHECK-NOT: npu.dequantize
// CHECK: npu.exp %[[C1]] {{.*}}: tensor<1x3x4x4xf32> -> tensor<1x3x4x4xf32>

// KEEP-LABEL: func.func @conv_relu_sigmoid
// KEEP: npu.conv {{.*}} -> tensor<1x3x4x4xf32>
// KEEP: npu.clamp
// KEEP: npu.sigmoid {{.*}} -> tensor<1x3x4x4xf32>
func.func @conv_relu_sigmoid(%x: tensor<1x2x4x4xf32> {npu.range = array<f64: -1.0, 1.0>}) -> tensor<1x3x4x4xf32> {
  %w = npu.constant dense<[[[[0.5]], [[-1.0]]], [[[0.25]], [[0.0]]], [[[2.0]], [[1.0]]]]> : tensor<3x2x1x1xf32>
  %b = npu.constant dense<[0.1, -0.2, 0.3]> : tensor<3xf32>
  %w1 = npu.constant dense<0.5> : tensor<3x3x1x1xf32>
  %c = npu.conv %x, %w, %b {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, npu.range = array<f64: -3.0, 3.0>} : (tensor<1x2x4x4xf32>, tensor<3x2x1x1xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32> loc("conv0")
  %r = npu.clamp %c {min = 0.0 : f32, max = 6.0 : f32, npu.range = array<f64: 0.0, 3.0>} : tensor<1x3x4x4xf32> -> tensor<1x3x4x4xf32>
  %s = npu.sigmoid %r {npu.range = array<f64: 0.5, 0.95>} : tensor<1x3x4x4xf32> -> tensor<1x3x4x4xf32>
  %c1 = npu.conv %s, %w1 {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, npu.range = array<f64: 0.0, 1.5>} : (tensor<1x3x4x4xf32>, tensor<3x3x1x1xf32>) -> tensor<1x3x4x4xf32> loc("conv1")
  %e = npu.exp %c1 {npu.range = array<f64: 1.0, 5.0>} : tensor<1x3x4x4xf32> -> tensor<1x3x4x4xf32>
  return %e : tensor<1x3x4x4xf32>
}

// -----

// Two INT8 convolutions in a row share no boundary. A convolution read by
// FP32 ops (here a depthwise one, the vector unit's, FP32) keeps an FP32
// result and bias: no dequantize, no output quantization error; the next
// INT8 convolution gets a quantize. The last convolution computes in INT8
// and returns FP32 (the graph's output).

// CHECK-LABEL: func.func @chain
// CHECK: %[[C0:.*]] = npu.conv %{{.*}} -> tensor<1x2x3x3x!quant.uniform<i8:f32
// CHECK: %[[C1:.*]] = npu.conv %[[C0]], %{{[0-9]+}}, %{{[0-9]+}} {{.*}} tensor<2xf32>) -> tensor<1x2x3x3xf32>
// CHECK-NOT: npu.dequantize
// CHECK: %[[DW:.*]] = npu.conv %[[C1]], {{.*}} group = 2 {{.*}} -> tensor<1x2x3x3xf32>
// CHECK: %[[Q:.*]] = npu.quantize %[[DW]]
// CHECK: %[[C3:.*]] = npu.conv %[[Q]], {{.*}} -> tensor<1x2x3x3x!quant.uniform<i8:f32
// CHECK: %[[C4:.*]] = npu.conv %[[C3]], {{.*}} -> tensor<1x2x3x3xf32>
// CHECK: return %[[C4]]
func.func @chain(%x: tensor<1x2x3x3xf32> {npu.range = array<f64: 0.0, 1.0>}) -> tensor<1x2x3x3xf32> {
  %w = npu.constant dense<0.5> : tensor<2x2x1x1xf32>
  %bias = npu.constant dense<0.125> : tensor<2xf32>
  %dw = npu.constant dense<0.25> : tensor<2x1x1x1xf32>
  %c0 = npu.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, npu.range = array<f64: 0.0, 1.0>} : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %c1 = npu.conv %c0, %w, %bias {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, npu.range = array<f64: 0.0, 1.0>} : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %c2 = npu.conv %c1, %dw {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, npu.range = array<f64: 0.0, 0.5>} : (tensor<1x2x3x3xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x3x3xf32>
  %c3 = npu.conv %c2, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, npu.range = array<f64: 0.0, 1.0>} : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %c4 = npu.conv %c3, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  return %c4 : tensor<1x2x3x3xf32>
}

// -----

// A matmul with constant weights [K][N] (a fully connected layer): weights
// per column (quantizedDimension 1), INT8 left operand, FP32 result.
// CHECK-LABEL: func.func @fully_connected
// CHECK: %[[Q:.*]] = npu.quantize %arg0 : tensor<2x3xf32> -> tensor<2x3x!quant.uniform<i8:f32, 0.0078431372549019607:-1>>
// CHECK: %[[W:.*]] = npu.constant dense<{{\[\[}}127, -64], [-127, 0], [64, 127]]> : tensor<3x2xi8> -> tensor<3x2x!quant.uniform<i8<-127:127>:f32:1, {0.0078740157480314959,0.015748031496062992}>>
// CHECK: npu.matmul %[[Q]], %[[W]] : ({{.*}}) -> tensor<2x2xf32>
func.func @fully_connected(%x: tensor<2x3xf32> {npu.range = array<f64: -1.0, 1.0>}) -> tensor<2x2xf32> {
  %w = npu.constant dense<[[1.0, -1.0], [-1.0, 0.0], [0.5, 2.0]]> : tensor<3x2xf32>
  %y = npu.matmul %x, %w : (tensor<2x3xf32>, tensor<3x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// GELU written out (x * 0.5 * (1 + erf(x / sqrt 2))) between two
// convolutions: one lookup table, evaluated at the 256 codes of the first
// convolution's INT8 result, which stays INT8 for it (the FP32 chain is left
// dead for canonicalization). The table's output range [-0.1, 1.0]: scale
// 1.1/255, zero point round(-128 + 0.1 / (1.1/255)) = -105.
// CHECK-LABEL: func.func @gelu
// CHECK: %[[C0:.*]] = npu.conv {{.*}} -> tensor<1x2x3x3x!quant.uniform<i8:f32, 0.0078431372549019607:-1>>
// CHECK: %[[T:.*]] = npu.lookup_table %[[C0]] {table = dense<"0x{{[0-9A-F]+}}"> : tensor<256xi8>} : tensor<1x2x3x3x!quant.uniform<i8:f32, 0.0078431372549019607:-1>> -> tensor<1x2x3x3x!quant.uniform<i8:f32, 0.00431372549019607{{[0-9]+}}:-105>>
// CHECK: npu.conv %[[T]], {{.*}} -> tensor<1x2x3x3xf32>
func.func @gelu(%x: tensor<1x2x3x3xf32> {npu.range = array<f64: -1.0, 1.0>}) -> tensor<1x2x3x3xf32> {
  %w = npu.constant dense<0.5> : tensor<2x2x1x1xf32>
  %sqrt2 = npu.constant dense<1.41421354> : tensor<f32>
  %one = npu.constant dense<1.0> : tensor<f32>
  %half = npu.constant dense<0.5> : tensor<f32>
  %c0 = npu.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, npu.range = array<f64: -1.0, 1.0>} : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %d = npu.div %c0, %sqrt2 {npu.range = array<f64: -0.8, 0.8>} : (tensor<1x2x3x3xf32>, tensor<f32>) -> tensor<1x2x3x3xf32>
  %e = npu.erf %d {npu.range = array<f64: -0.7, 0.7>} : tensor<1x2x3x3xf32> -> tensor<1x2x3x3xf32>
  %a = npu.add %e, %one {npu.range = array<f64: 0.3, 1.7>} : (tensor<1x2x3x3xf32>, tensor<f32>) -> tensor<1x2x3x3xf32>
  %m = npu.mul %c0, %a {npu.range = array<f64: -0.3, 1.7>} : (tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %g = npu.mul %m, %half {npu.range = array<f64: -0.1, 1.0>} : (tensor<1x2x3x3xf32>, tensor<f32>) -> tensor<1x2x3x3xf32>
  %c1 = npu.conv %g, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, npu.range = array<f64: 0.0, 1.0>} : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  return %c1 : tensor<1x2x3x3xf32>
}

// -----

// Swish (x * sigmoid(x)) read by an FP32 op stays FP32: a table only pays
// when its result goes on in INT8.
// CHECK-LABEL: func.func @swish_to_float
// CHECK-NOT: npu.lookup_table
// CHECK: npu.sigmoid {{.*}} -> tensor<1x2x3x3xf32>
func.func @swish_to_float(%x: tensor<1x2x3x3xf32> {npu.range = array<f64: -1.0, 1.0>}) -> tensor<1x2x3x3xf32> {
  %w = npu.constant dense<0.5> : tensor<2x2x1x1xf32>
  %c0 = npu.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, npu.range = array<f64: -1.0, 1.0>} : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %s = npu.sigmoid %c0 {npu.range = array<f64: 0.2, 0.8>} : tensor<1x2x3x3xf32> -> tensor<1x2x3x3xf32>
  %m = npu.mul %c0, %s {npu.range = array<f64: -0.3, 0.8>} : (tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %e = npu.exp %m {npu.range = array<f64: 0.7, 2.3>} : tensor<1x2x3x3xf32> -> tensor<1x2x3x3xf32>
  return %e : tensor<1x2x3x3xf32>
}

// -----

// GELU written out (x * 0.5 * (1 + erf(x / sqrt 2))) after a matmul's FP32
// result and its bias (one value per column), read by a matmul: the bias
// add's FP32 result is quantized (its range [-4, 4]: scale 8/255) and the
// five ops become one lookup table into the GELU's range [-0.17, 4]; both
// matmuls read INT8 (the FP32 ops are left dead for canonicalization).
// CHECK-LABEL: func.func @gelu_table
// CHECK: %[[M0:.*]] = npu.matmul {{.*}} -> tensor<4x8xf32>
// CHECK: %[[B:.*]] = npu.add %[[M0]], {{.*}} -> tensor<4x8xf32>
// CHECK-NEXT: %[[Q:.*]] = npu.quantize %[[B]] : tensor<4x8xf32> -> tensor<4x8x!quant.uniform<i8:f32, 0.031372549019607843:-1>>
// CHECK: %[[T:.*]] = npu.lookup_table %[[Q]] {{.*}} -> tensor<4x8x!quant.uniform<i8:f32, 0.016352941176470587:-118>>
// CHECK: npu.matmul %[[T]], {{.*}} -> tensor<4x2xf32>
func.func @gelu_table(%x: tensor<4x8xf32> {npu.name = "x"}) -> (tensor<4x2xf32> {npu.name = "y"}) {
  %w0 = npu.constant dense<0.5> : tensor<8x8xf32>
  %b0 = npu.constant dense<[0.25, -0.25, 0.5, -0.5, 0.125, -0.125, 0.0, 1.0]> : tensor<8xf32>
  %w1 = npu.constant dense<0.125> : tensor<8x2xf32>
  %r = npu.constant dense<0.70710678> : tensor<1xf32>
  %one = npu.constant dense<1.0> : tensor<1xf32>
  %half = npu.constant dense<0.5> : tensor<1xf32>
  %m0 = npu.matmul %x, %w0 {npu.range = array<f64: -3.5, 3.5>} : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %f1 = npu.add %m0, %b0 {npu.range = array<f64: -4.0, 4.0>} : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %f2 = npu.mul %f1, %r {npu.range = array<f64: -2.83, 2.83>} : (tensor<4x8xf32>, tensor<1xf32>) -> tensor<4x8xf32>
  %f3 = npu.erf %f2 {npu.range = array<f64: -1.0, 1.0>} : tensor<4x8xf32> -> tensor<4x8xf32>
  %f4 = npu.add %f3, %one {npu.range = array<f64: 0.0, 2.0>} : (tensor<4x8xf32>, tensor<1xf32>) -> tensor<4x8xf32>
  %f5 = npu.mul %f1, %f4 {npu.range = array<f64: -0.34, 8.0>} : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %f6 = npu.mul %f5, %half {npu.range = array<f64: -0.17, 4.0>} : (tensor<4x8xf32>, tensor<1xf32>) -> tensor<4x8xf32>
  %y = npu.matmul %f6, %w1 {npu.range = array<f64: -1.0, 4.0>} : (tensor<4x8xf32>, tensor<8x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// One FP32 op between the bias add and the matmul: left FP32 (quantized
// after it, for the matmul).
// CHECK-LABEL: func.func @one_op_no_table
// CHECK-NOT: npu.lookup_table
// CHECK: npu.erf {{.*}} -> tensor<4x8xf32>
// CHECK-NEXT: npu.quantize
func.func @one_op_no_table(%x: tensor<4x8xf32> {npu.name = "x"}) -> (tensor<4x2xf32> {npu.name = "y"}) {
  %w0 = npu.constant dense<0.5> : tensor<8x8xf32>
  %b0 = npu.constant dense<[0.25, -0.25, 0.5, -0.5, 0.125, -0.125, 0.0, 1.0]> : tensor<8xf32>
  %w1 = npu.constant dense<0.125> : tensor<8x2xf32>
  %m0 = npu.matmul %x, %w0 {npu.range = array<f64: -3.5, 3.5>} : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %f1 = npu.add %m0, %b0 {npu.range = array<f64: -4.0, 4.0>} : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %f3 = npu.erf %f1 {npu.range = array<f64: -1.0, 1.0>} : tensor<4x8xf32> -> tensor<4x8xf32>
  %y = npu.matmul %f3, %w1 {npu.range = array<f64: -1.0, 4.0>} : (tensor<4x8xf32>, tensor<8x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}
