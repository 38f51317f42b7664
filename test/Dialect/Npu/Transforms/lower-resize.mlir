// RUN: npu-opt %s --pass-pipeline='builtin.module(func.func(npu-lower-resize))' | FileCheck %s

// Bilinear, half_pixel, 2x on H and W: W first (innermost, no transpose),
// then H between transposes. x = (o + 0.5) / 2 - 0.5 gives rows
// [1, 0], [.75, .25], [.25, .75], [0, 1] (edge taps clamp); R^T is printed.
// CHECK-LABEL: func.func @linear
// CHECK: %[[R:.*]] = npu.constant dense<{{\[}}[1.000000e+00, 7.500000e-01, 2.500000e-01, 0.000000e+00], [0.000000e+00, 2.500000e-01, 7.500000e-01, 1.000000e+00]]> : tensor<2x4xf32>
// CHECK: %[[W:.*]] = npu.matmul %arg0, %[[R]] : (tensor<1x1x2x2xf32>, tensor<2x4xf32>) -> tensor<1x1x2x4xf32>
// CHECK: %[[T:.*]] = npu.transpose %[[W]] {perm = array<i64: 0, 1, 3, 2>} : tensor<1x1x2x4xf32> -> tensor<1x1x4x2xf32>
// CHECK: %[[H:.*]] = npu.matmul %[[T]], %[[R]]
// CHECK: %[[Y:.*]] = npu.transpose %[[H]] {perm = array<i64: 0, 1, 3, 2>}
// CHECK: return %[[Y]]
func.func @linear(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32> {
  %y = npu.resize %x {coordinate_transformation_mode = #npu<coord_mode half_pixel>, mode = #npu<resize_mode linear>, nearest_mode = #npu<nearest_mode round_prefer_floor>, scales = array<f32: 1.0, 1.0, 2.0, 2.0>} : tensor<1x1x2x2xf32> -> tensor<1x1x4x4xf32>
  return %y : tensor<1x1x4x4xf32>
}

// Cubic (Keys, A = -0.75), asymmetric, W only: the axes at scale 1 need no
// matmul. Output 1 (x = 0.5) weighs taps -1..2 by -0.09375, 0.59375,
// 0.59375, -0.09375; tap -1 reads element 0: column 1 is
// [0.5, 0.59375, -0.09375, 0]. Output 7 (x = 3.5): taps 4 and 5 read
// element 3: 0.59375 + 0.59375 - 0.09375 = 1.09375.
// CHECK-LABEL: func.func @cubic_w
// CHECK: npu.constant dense<{{\[}}[1.000000e+00, 5.000000e-01, 0.000000e+00, -9.375000e-02, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00], [0.000000e+00, 5.937500e-01, 1.000000e+00, 5.937500e-01, 0.000000e+00, -9.375000e-02, 0.000000e+00, 0.000000e+00], [0.000000e+00, -9.375000e-02, 0.000000e+00, 5.937500e-01, 1.000000e+00, 5.937500e-01, 0.000000e+00, -9.375000e-02], [0.000000e+00, 0.000000e+00, 0.000000e+00, -9.375000e-02, 0.000000e+00, 5.000000e-01, 1.000000e+00, 1.093750e+00]]> : tensor<4x8xf32>
// CHECK-NEXT: npu.matmul %arg0, %{{.*}} : (tensor<1x3x4xf32>, tensor<4x8xf32>) -> tensor<1x3x8xf32>
// CHECK-NOT: npu.transpose
func.func @cubic_w(%x: tensor<1x3x4xf32>) -> tensor<1x3x8xf32> {
  %y = npu.resize %x {coordinate_transformation_mode = #npu<coord_mode asymmetric>, mode = #npu<resize_mode cubic>, nearest_mode = #npu<nearest_mode round_prefer_floor>, scales = array<f32: 1.0, 1.0, 2.0>} : tensor<1x3x4xf32> -> tensor<1x3x8xf32>
  return %y : tensor<1x3x8xf32>
}

// exclude_outside drops tap -1 of output 1 (A = -0.5: weights -0.0625,
// 0.5625, 0.5625, -0.0625) and renormalises by 1.0625: 0.5294, 0.5294,
// -0.0588.
// CHECK-LABEL: func.func @cubic_exclude
// CHECK: npu.constant dense<{{\[}}[1.000000e+00, 0.529411793, 0.000000e+00, -6.250000e-02, {{.*}}], [0.000000e+00, 0.529411793, 1.000000e+00, 5.625000e-01, 0.000000e+00, -0.0588235296, {{.*}}], [0.000000e+00, -0.0588235296, {{.*}}]]> : tensor<4x8xf32>
func.func @cubic_exclude(%x: tensor<4xf32>) -> tensor<8xf32> {
  %y = npu.resize %x {coordinate_transformation_mode = #npu<coord_mode asymmetric>, mode = #npu<resize_mode cubic>, nearest_mode = #npu<nearest_mode round_prefer_floor>, scales = array<f32: 2.0>, cubic_coeff_a = -0.5 : f32, exclude_outside} : tensor<4xf32> -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// Nearest at an integer scale is a strided copy: it stays (DMA).
// CHECK-LABEL: func.func @nearest_strided
// CHECK: npu.resize
// CHECK-NOT: npu.matmul
func.func @nearest_strided(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x6x6xf32> {
  %y = npu.resize %x {coordinate_transformation_mode = #npu<coord_mode asymmetric>, mode = #npu<resize_mode nearest>, nearest_mode = #npu<nearest_mode floor>, scales = array<f32: 1.0, 1.0, 2.0, 2.0>} : tensor<1x2x3x3xf32> -> tensor<1x2x6x6xf32>
  return %y : tensor<1x2x6x6xf32>
}

// Nearest 3 -> 5 (half_pixel) samples 0, 0, 1, 2, 2: not strided, so a
// one-hot matmul.
// CHECK-LABEL: func.func @nearest_irregular
// CHECK: npu.constant dense<{{\[}}[1.000000e+00, 1.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00, 1.000000e+00, 0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00, 0.000000e+00, 1.000000e+00, 1.000000e+00]]> : tensor<3x5xf32>
// CHECK: npu.matmul
// CHECK-NOT: npu.resize
func.func @nearest_irregular(%x: tensor<1x3xf32>) -> tensor<1x5xf32> {
  %y = npu.resize %x {coordinate_transformation_mode = #npu<coord_mode half_pixel>, mode = #npu<resize_mode nearest>, nearest_mode = #npu<nearest_mode round_prefer_floor>, scales = array<f32: 1.0, 1.66666667>} : tensor<1x3xf32> -> tensor<1x5xf32>
  return %y : tensor<1x5xf32>
}
