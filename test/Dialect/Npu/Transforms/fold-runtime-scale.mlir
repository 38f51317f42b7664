// RUN: npu-opt %s --npu-fold-runtime-scale --split-input-file | FileCheck %s

// A squeeze-and-excitation gate (one value per channel, computed at run
// time) scaling a convolution's input goes into the weights: the weights'
// multiply has 8 x 32 elements, the activation's 32 x 8 x 8.
// CHECK-LABEL: func.func @gate
// CHECK-SAME: (%[[X:.*]]: tensor<1x32x8x8xf32>, %[[S:.*]]: tensor<1x32x1x1xf32>)
// CHECK: %[[W:.*]] = npu.constant
// CHECK: %[[WS:.*]] = npu.mul %[[S]], %[[W]] : (tensor<1x32x1x1xf32>, tensor<8x32x1x1xf32>) -> tensor<8x32x1x1xf32>
// CHECK: %[[C:.*]] = npu.conv %[[X]], %[[WS]]
// CHECK-NOT: npu.mul
// CHECK: return %[[C]]
func.func @gate(%x: tensor<1x32x8x8xf32>, %s: tensor<1x32x1x1xf32>) -> tensor<1x8x8x8xf32> {
  %w = npu.constant dense<0.5> : tensor<8x32x1x1xf32>
  %m = npu.mul %s, %x : (tensor<1x32x1x1xf32>, tensor<1x32x8x8xf32>) -> tensor<1x32x8x8xf32>
  %c = npu.conv %m, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x32x8x8xf32>, tensor<8x32x1x1xf32>) -> tensor<1x8x8x8xf32>
  return %c : tensor<1x8x8x8xf32>
}

// -----

// A [C, 1, 1] gate is reshaped to [1, C, 1, 1] for the weights; a padded
// 3x3 convolution folds too (a padded zero scales to zero).
// CHECK-LABEL: func.func @padded
// CHECK: %[[R:.*]] = npu.reshape %{{.*}} : tensor<32x1x1xf32> -> tensor<1x32x1x1xf32>
// CHECK: %[[WS:.*]] = npu.mul %[[R]], %{{.*}} : (tensor<1x32x1x1xf32>, tensor<4x32x3x3xf32>) -> tensor<4x32x3x3xf32>
// CHECK: npu.conv %arg0, %[[WS]]
func.func @padded(%x: tensor<1x32x16x16xf32>, %s: tensor<32x1x1xf32>) -> tensor<1x4x16x16xf32> {
  %w = npu.constant dense<0.5> : tensor<4x32x3x3xf32>
  %m = npu.mul %x, %s : (tensor<1x32x16x16xf32>, tensor<32x1x1xf32>) -> tensor<1x32x16x16xf32>
  %c = npu.conv %m, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x32x16x16xf32>, tensor<4x32x3x3xf32>) -> tensor<1x4x16x16xf32>
  return %c : tensor<1x4x16x16xf32>
}

// -----

// Left alone: weights with more than a quarter of the activation's elements
// (their multiply would cost more than it saves: 64 x 32 x 3 x 3 against
// 32 x 8 x 8), ...
// CHECK-LABEL: func.func @large_weights
// CHECK: %[[M:.*]] = npu.mul %arg0, %arg1
// CHECK: npu.conv %[[M]]
func.func @large_weights(%x: tensor<1x32x8x8xf32>, %s: tensor<1x32x1x1xf32>) -> tensor<1x64x8x8xf32> {
  %w = npu.constant dense<0.5> : tensor<64x32x3x3xf32>
  %m = npu.mul %x, %s : (tensor<1x32x8x8xf32>, tensor<1x32x1x1xf32>) -> tensor<1x32x8x8xf32>
  %c = npu.conv %m, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x32x8x8xf32>, tensor<64x32x3x3xf32>) -> tensor<1x64x8x8xf32>
  return %c : tensor<1x64x8x8xf32>
}

// -----

// ... a scaled activation something else reads too, a depthwise
// convolution, and a batch of two (one gate per image).
// CHECK-LABEL: func.func @kept
// CHECK-COUNT-3: npu.mul %arg
func.func @kept(%x: tensor<1x32x8x8xf32>, %s: tensor<1x32x1x1xf32>, %xb: tensor<2x32x8x8xf32>, %sb: tensor<2x32x1x1xf32>) -> (tensor<1x8x8x8xf32>, tensor<1x32x8x8xf32>, tensor<1x32x8x8xf32>, tensor<2x8x8x8xf32>) {
  %w = npu.constant dense<0.5> : tensor<8x32x1x1xf32>
  %m = npu.mul %x, %s : (tensor<1x32x8x8xf32>, tensor<1x32x1x1xf32>) -> tensor<1x32x8x8xf32>
  %c = npu.conv %m, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x32x8x8xf32>, tensor<8x32x1x1xf32>) -> tensor<1x8x8x8xf32>
  %wd = npu.constant dense<0.5> : tensor<32x1x1x1xf32>
  %m2 = npu.mul %x, %s : (tensor<1x32x8x8xf32>, tensor<1x32x1x1xf32>) -> tensor<1x32x8x8xf32>
  %d = npu.conv %m2, %wd {dilations = array<i64: 1, 1>, group = 32 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x32x8x8xf32>, tensor<32x1x1x1xf32>) -> tensor<1x32x8x8xf32>
  %mb = npu.mul %xb, %sb : (tensor<2x32x8x8xf32>, tensor<2x32x1x1xf32>) -> tensor<2x32x8x8xf32>
  %cb = npu.conv %mb, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<2x32x8x8xf32>, tensor<8x32x1x1xf32>) -> tensor<2x8x8x8xf32>
  return %c, %m, %d, %cb : tensor<1x8x8x8xf32>, tensor<1x32x8x8xf32>, tensor<1x32x8x8xf32>, tensor<2x8x8x8xf32>
}
