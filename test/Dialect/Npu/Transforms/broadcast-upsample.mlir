// RUN: npu-opt %s --npu-broadcast-upsample --split-input-file | FileCheck %s

// A feature pyramid's top-down step: the x2 nearest upsampling of the
// coarser level is read by the add as a broadcast over views that split H
// and W into (H/2, 2) and (W/2, 2); the Resize is left without readers.
// CHECK-LABEL: func.func @fpn_add
// CHECK-SAME: (%[[X:.*]]: tensor<1x8x8x8xf32>, %[[Y:.*]]: tensor<1x8x4x4xf32>)
// CHECK: %[[A:.*]] = npu.reshape %[[X]] : tensor<1x8x8x8xf32> -> tensor<1x8x4x2x4x2xf32>
// CHECK: %[[B:.*]] = npu.reshape %[[Y]] : tensor<1x8x4x4xf32> -> tensor<1x8x4x1x4x1xf32>
// CHECK: %[[S:.*]] = npu.add %[[A]], %[[B]] : (tensor<1x8x4x2x4x2xf32>, tensor<1x8x4x1x4x1xf32>) -> tensor<1x8x4x2x4x2xf32>
// CHECK: %[[R:.*]] = npu.reshape %[[S]] : tensor<1x8x4x2x4x2xf32> -> tensor<1x8x8x8xf32>
// CHECK: return %[[R]]
func.func @fpn_add(%x: tensor<1x8x8x8xf32>, %y: tensor<1x8x4x4xf32>) -> tensor<1x8x8x8xf32> {
  %u = npu.resize %y {coordinate_transformation_mode = #npu<coord_mode asymmetric>, mode = #npu<resize_mode nearest>, nearest_mode = #npu<nearest_mode floor>, scales = array<f32: 1.0, 1.0, 2.0, 2.0>} : tensor<1x8x4x4xf32> -> tensor<1x8x8x8xf32>
  %s = npu.add %x, %u : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  return %s : tensor<1x8x8x8xf32>
}

// -----

// The upsampling first, a x4 factor on W only (half_pixel sampling of an
// integer scale is the same repetition).
// CHECK-LABEL: func.func @sub_x4
// CHECK: npu.reshape %{{.*}} : tensor<1x4x3x5xf32> -> tensor<1x4x3x5x1xf32>
// CHECK: npu.reshape %{{.*}} : tensor<1x4x3x20xf32> -> tensor<1x4x3x5x4xf32>
// CHECK: npu.sub %{{.*}}, %{{.*}} : (tensor<1x4x3x5x1xf32>, tensor<1x4x3x5x4xf32>) -> tensor<1x4x3x5x4xf32>
// CHECK: npu.reshape %{{.*}} : tensor<1x4x3x5x4xf32> -> tensor<1x4x3x20xf32>
func.func @sub_x4(%y: tensor<1x4x3x5xf32>, %x: tensor<1x4x3x20xf32>) -> tensor<1x4x3x20xf32> {
  %u = npu.resize %y {coordinate_transformation_mode = #npu<coord_mode half_pixel>, mode = #npu<resize_mode nearest>, nearest_mode = #npu<nearest_mode round_prefer_floor>, scales = array<f32: 1.0, 1.0, 1.0, 4.0>} : tensor<1x4x3x5xf32> -> tensor<1x4x3x20xf32>
  %s = npu.sub %u, %x : (tensor<1x4x3x20xf32>, tensor<1x4x3x20xf32>) -> tensor<1x4x3x20xf32>
  return %s : tensor<1x4x3x20xf32>
}

// -----

// Left alone: a Resize that does not repeat elements (x1.5), one that
// upsamples the channel axis, a result that is not FP32, a Resize read by
// something without broadcasting, one whose reader's other operand
// broadcasts (the widened op would need five dims), and, in @conv_residual,
// an add of a convolution's result (its epilogue takes the add with the
// up-sampling as its residual) and an up-sampling with a second reader.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: npu.reshape
// CHECK: return
func.func @left_alone(%x: tensor<1x8x6x6xf32>, %y: tensor<1x8x4x4xf32>, %c: tensor<1x4x4x4xf32>, %z: tensor<1x8x8x8xf32>, %i: tensor<1x8x4x4xi32>, %j: tensor<1x8x8x8xi32>) -> (tensor<1x8x6x6xf32>, tensor<1x8x4x4xf32>, tensor<1x8x8x8xi32>, tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) {
  %u = npu.resize %y {coordinate_transformation_mode = #npu<coord_mode asymmetric>, mode = #npu<resize_mode nearest>, nearest_mode = #npu<nearest_mode floor>, scales = array<f32: 1.0, 1.0, 1.5, 1.5>} : tensor<1x8x4x4xf32> -> tensor<1x8x6x6xf32>
  %s = npu.add %x, %u : (tensor<1x8x6x6xf32>, tensor<1x8x6x6xf32>) -> tensor<1x8x6x6xf32>
  %v = npu.resize %c {coordinate_transformation_mode = #npu<coord_mode asymmetric>, mode = #npu<resize_mode nearest>, nearest_mode = #npu<nearest_mode floor>, scales = array<f32: 1.0, 2.0, 1.0, 1.0>} : tensor<1x4x4x4xf32> -> tensor<1x8x4x4xf32>
  %t = npu.add %y, %v : (tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %w = npu.resize %i {coordinate_transformation_mode = #npu<coord_mode asymmetric>, mode = #npu<resize_mode nearest>, nearest_mode = #npu<nearest_mode floor>, scales = array<f32: 1.0, 1.0, 2.0, 2.0>} : tensor<1x8x4x4xi32> -> tensor<1x8x8x8xi32>
  %q = npu.add %j, %w : (tensor<1x8x8x8xi32>, tensor<1x8x8x8xi32>) -> tensor<1x8x8x8xi32>
  %r = npu.resize %y {coordinate_transformation_mode = #npu<coord_mode asymmetric>, mode = #npu<resize_mode nearest>, nearest_mode = #npu<nearest_mode floor>, scales = array<f32: 1.0, 1.0, 2.0, 2.0>} : tensor<1x8x4x4xf32> -> tensor<1x8x8x8xf32>
  %e = npu.exp %r : tensor<1x8x8x8xf32> -> tensor<1x8x8x8xf32>
  %p = npu.constant dense<1.0> : tensor<1x8x1x1xf32>
  %m = npu.mul %r, %p : (tensor<1x8x8x8xf32>, tensor<1x8x1x1xf32>) -> tensor<1x8x8x8xf32>
  return %s, %t, %q, %e, %m : tensor<1x8x6x6xf32>, tensor<1x8x4x4xf32>, tensor<1x8x8x8xi32>, tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>
}

// -----

// CHECK-LABEL: func.func @conv_residual
// CHECK-NOT: npu.reshape
// CHECK: return
func.func @conv_residual(%x: tensor<1x8x8x8xf32>, %y: tensor<1x8x4x4xf32>, %z: tensor<1x8x8x8xf32>) -> (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) {
  %w = npu.constant dense<0.5> : tensor<8x8x1x1xf32>
  %c = npu.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x8x8x8xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x8x8xf32>
  %u = npu.resize %y {coordinate_transformation_mode = #npu<coord_mode asymmetric>, mode = #npu<resize_mode nearest>, nearest_mode = #npu<nearest_mode floor>, scales = array<f32: 1.0, 1.0, 2.0, 2.0>} : tensor<1x8x4x4xf32> -> tensor<1x8x8x8xf32>
  %s = npu.add %c, %u : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  %v = npu.resize %y {coordinate_transformation_mode = #npu<coord_mode asymmetric>, mode = #npu<resize_mode nearest>, nearest_mode = #npu<nearest_mode floor>, scales = array<f32: 1.0, 1.0, 2.0, 2.0>} : tensor<1x8x4x4xf32> -> tensor<1x8x8x8xf32>
  %t = npu.add %z, %v : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  return %s, %t, %v : tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>
}
