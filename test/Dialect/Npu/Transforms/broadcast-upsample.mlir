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

// A squeeze-excitation scale before the top-down add (PaddleOCR det): the
// mul that only the add reads is widened with it, its per-channel scale
// read as (1, 1) on each split axis, so the two stay one vector program.
// CHECK-LABEL: func.func @scale_then_add
// CHECK-SAME: (%[[X:.*]]: tensor<1x8x8x8xf32>, %[[G:.*]]: tensor<1x8x1x1xf32>, %[[Y:.*]]: tensor<1x8x4x4xf32>)
// CHECK: %[[A:.*]] = npu.reshape %[[X]] : tensor<1x8x8x8xf32> -> tensor<1x8x4x2x4x2xf32>
// CHECK: %[[B:.*]] = npu.reshape %[[G]] : tensor<1x8x1x1xf32> -> tensor<1x8x1x1x1x1xf32>
// CHECK: %[[C:.*]] = npu.reshape %[[Y]] : tensor<1x8x4x4xf32> -> tensor<1x8x4x1x4x1xf32>
// CHECK: %[[M:.*]] = npu.mul %[[A]], %[[B]] : (tensor<1x8x4x2x4x2xf32>, tensor<1x8x1x1x1x1xf32>) -> tensor<1x8x4x2x4x2xf32>
// CHECK-NEXT: %[[S:.*]] = npu.add %[[M]], %[[C]] : (tensor<1x8x4x2x4x2xf32>, tensor<1x8x4x1x4x1xf32>) -> tensor<1x8x4x2x4x2xf32>
// CHECK-NEXT: %[[R:.*]] = npu.reshape %[[S]] : tensor<1x8x4x2x4x2xf32> -> tensor<1x8x8x8xf32>
// CHECK-NEXT: return %[[R]]
func.func @scale_then_add(%x: tensor<1x8x8x8xf32>, %g: tensor<1x8x1x1xf32>, %y: tensor<1x8x4x4xf32>) -> tensor<1x8x8x8xf32> {
  %m = npu.mul %x, %g : (tensor<1x8x8x8xf32>, tensor<1x8x1x1xf32>) -> tensor<1x8x8x8xf32>
  %u = npu.resize %y {coordinate_transformation_mode = #npu<coord_mode asymmetric>, mode = #npu<resize_mode nearest>, nearest_mode = #npu<nearest_mode floor>, scales = array<f32: 1.0, 1.0, 2.0, 2.0>} : tensor<1x8x4x4xf32> -> tensor<1x8x8x8xf32>
  %s = npu.add %m, %u : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  return %s : tensor<1x8x8x8xf32>
}

// -----

// A scale read by something else too stays as it is (its result is stored
// anyway); the add is widened alone.
// CHECK-LABEL: func.func @shared_scale
// CHECK: %[[M:.*]] = npu.mul %{{.*}}, %{{.*}} : (tensor<1x8x8x8xf32>, tensor<1x8x1x1xf32>) -> tensor<1x8x8x8xf32>
// CHECK: %[[A:.*]] = npu.reshape %[[M]] : tensor<1x8x8x8xf32> -> tensor<1x8x4x2x4x2xf32>
// CHECK: npu.add %[[A]], %{{.*}} : (tensor<1x8x4x2x4x2xf32>, tensor<1x8x4x1x4x1xf32>) -> tensor<1x8x4x2x4x2xf32>
func.func @shared_scale(%x: tensor<1x8x8x8xf32>, %g: tensor<1x8x1x1xf32>, %y: tensor<1x8x4x4xf32>) -> (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) {
  %m = npu.mul %x, %g : (tensor<1x8x8x8xf32>, tensor<1x8x1x1xf32>) -> tensor<1x8x8x8xf32>
  %u = npu.resize %y {coordinate_transformation_mode = #npu<coord_mode asymmetric>, mode = #npu<resize_mode nearest>, nearest_mode = #npu<nearest_mode floor>, scales = array<f32: 1.0, 1.0, 2.0, 2.0>} : tensor<1x8x4x4xf32> -> tensor<1x8x8x8xf32>
  %s = npu.add %m, %u : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  return %s, %m : tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>
}

// -----

// With 5,000 channels the widened scale would loop over more than
// kMaxVectorOuterTiles channel indices (its broadcast g keeps the channel
// axis from collapsing): the mul stays as it is, and the add is widened
// alone (its full operands collapse).
// CHECK-LABEL: func.func @many_channels
// CHECK: npu.mul %{{.*}}, %{{.*}} : (tensor<1x5000x4x4xf32>, tensor<1x5000x1x1xf32>) -> tensor<1x5000x4x4xf32>
// CHECK: npu.add %{{.*}}, %{{.*}} : (tensor<1x5000x2x2x2x2xf32>, tensor<1x5000x2x1x2x1xf32>) -> tensor<1x5000x2x2x2x2xf32>
func.func @many_channels(%x: tensor<1x5000x4x4xf32>, %g: tensor<1x5000x1x1xf32>, %y: tensor<1x5000x2x2xf32>) -> tensor<1x5000x4x4xf32> {
  %m = npu.mul %x, %g : (tensor<1x5000x4x4xf32>, tensor<1x5000x1x1xf32>) -> tensor<1x5000x4x4xf32>
  %u = npu.resize %y {coordinate_transformation_mode = #npu<coord_mode asymmetric>, mode = #npu<resize_mode nearest>, nearest_mode = #npu<nearest_mode floor>, scales = array<f32: 1.0, 1.0, 2.0, 2.0>} : tensor<1x5000x2x2xf32> -> tensor<1x5000x4x4xf32>
  %s = npu.add %m, %u : (tensor<1x5000x4x4xf32>, tensor<1x5000x4x4xf32>) -> tensor<1x5000x4x4xf32>
  return %s : tensor<1x5000x4x4xf32>
}

// -----

// A split axis longer than kMaxSplitAxisExtent (512) may not fit a vector
// program's buffer once split (here W/2 = 5,471, prime): the add stays as
// it is (the code generator refused the widened one on npu-v1-small).
// CHECK-LABEL: func.func @long_rows
// CHECK-NOT: npu.reshape
// CHECK: return
func.func @long_rows(%x: tensor<1x1x2x10942xf32>, %y: tensor<1x1x1x5471xf32>) -> tensor<1x1x2x10942xf32> {
  %u = npu.resize %y {coordinate_transformation_mode = #npu<coord_mode asymmetric>, mode = #npu<resize_mode nearest>, nearest_mode = #npu<nearest_mode floor>, scales = array<f32: 1.0, 1.0, 2.0, 2.0>} : tensor<1x1x1x5471xf32> -> tensor<1x1x2x10942xf32>
  %s = npu.add %x, %u : (tensor<1x1x2x10942xf32>, tensor<1x1x2x10942xf32>) -> tensor<1x1x2x10942xf32>
  return %s : tensor<1x1x2x10942xf32>
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
// something without broadcasting (and so written anyway, which leaves its
// broadcasting reader no operand of the result's shape), and, in @conv_residual,
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

// -----

// A convolution's result scaled by a gate before the top-down add: when the
// gate is computed after the convolution (from the convolution's input, as
// PaddleOCR det's RSE gates are once their mean moves before the 1x1
// projection), the scale cannot be the convolution's epilogue, so it is
// widened with the add; when the gate is ready before the convolution, the
// scale is left for the epilogue.
// CHECK-LABEL: func.func @conv_scale_gate_after
// CHECK: %[[C:.*]] = npu.conv
// CHECK: %[[G:.*]] = npu.reduce_mean
// CHECK: %[[A:.*]] = npu.reshape %[[C]] : tensor<1x8x8x8xf32> -> tensor<1x8x4x2x4x2xf32>
// CHECK: npu.mul %[[A]], %{{.*}} : (tensor<1x8x4x2x4x2xf32>, tensor<1x8x1x1x1x1xf32>) -> tensor<1x8x4x2x4x2xf32>
// CHECK-NEXT: npu.add
func.func @conv_scale_gate_after(%x: tensor<1x8x8x8xf32>, %y: tensor<1x8x4x4xf32>) -> tensor<1x8x8x8xf32> {
  %w = npu.constant dense<0.5> : tensor<8x8x1x1xf32>
  %c = npu.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x8x8x8xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x8x8xf32>
  %g = npu.reduce_mean %x {axes = array<i64: 2, 3>, keepdims = true} : tensor<1x8x8x8xf32> -> tensor<1x8x1x1xf32>
  %m = npu.mul %c, %g : (tensor<1x8x8x8xf32>, tensor<1x8x1x1xf32>) -> tensor<1x8x8x8xf32>
  %u = npu.resize %y {coordinate_transformation_mode = #npu<coord_mode asymmetric>, mode = #npu<resize_mode nearest>, nearest_mode = #npu<nearest_mode floor>, scales = array<f32: 1.0, 1.0, 2.0, 2.0>} : tensor<1x8x4x4xf32> -> tensor<1x8x8x8xf32>
  %s = npu.add %m, %u : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  return %s : tensor<1x8x8x8xf32>
}

// CHECK-LABEL: func.func @conv_scale_gate_before
// CHECK: %[[C:.*]] = npu.conv
// CHECK-NEXT: %[[M:.*]] = npu.mul %[[C]], %{{.*}} : (tensor<1x8x8x8xf32>, tensor<1x8x1x1xf32>) -> tensor<1x8x8x8xf32>
func.func @conv_scale_gate_before(%x: tensor<1x8x8x8xf32>, %y: tensor<1x8x4x4xf32>) -> tensor<1x8x8x8xf32> {
  %w = npu.constant dense<0.5> : tensor<8x8x1x1xf32>
  %g = npu.reduce_mean %x {axes = array<i64: 2, 3>, keepdims = true} : tensor<1x8x8x8xf32> -> tensor<1x8x1x1xf32>
  %c = npu.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x8x8x8xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x8x8xf32>
  %m = npu.mul %c, %g : (tensor<1x8x8x8xf32>, tensor<1x8x1x1xf32>) -> tensor<1x8x8x8xf32>
  %u = npu.resize %y {coordinate_transformation_mode = #npu<coord_mode asymmetric>, mode = #npu<resize_mode nearest>, nearest_mode = #npu<nearest_mode floor>, scales = array<f32: 1.0, 1.0, 2.0, 2.0>} : tensor<1x8x4x4xf32> -> tensor<1x8x8x8xf32>
  %s = npu.add %m, %u : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  return %s : tensor<1x8x8x8xf32>
}

// -----

// INT8 after quantization: every value has its own scale and zero point,
// which the views and the widened ops keep (the add rescales its operands,
// the mul its product), so PaddleOCR det's INT8 top-down adds read the
// coarser level by broadcasting as the FP32 ones do.
// CHECK-LABEL: func.func @int8_scale_then_add
// CHECK: %[[A:.*]] = npu.reshape %{{.*}} : tensor<1x8x8x8x!quant.uniform<i8:f32, 5.000000e-01:3>> -> tensor<1x8x4x2x4x2x!quant.uniform<i8:f32, 5.000000e-01:3>>
// CHECK: %[[B:.*]] = npu.reshape %{{.*}} : tensor<1x8x1x1x!quant.uniform<i8:f32, 7.812500e-03:-128>> -> tensor<1x8x1x1x1x1x!quant.uniform<i8:f32, 7.812500e-03:-128>>
// CHECK: %[[C:.*]] = npu.reshape %{{.*}} : tensor<1x8x4x4x!quant.uniform<i8:f32, 2.500000e-01:-5>> -> tensor<1x8x4x1x4x1x!quant.uniform<i8:f32, 2.500000e-01:-5>>
// CHECK: %[[M:.*]] = npu.mul %[[A]], %[[B]] : (tensor<1x8x4x2x4x2x!quant.uniform<i8:f32, 5.000000e-01:3>>, tensor<1x8x1x1x1x1x!quant.uniform<i8:f32, 7.812500e-03:-128>>) -> tensor<1x8x4x2x4x2x!quant.uniform<i8:f32, 3.750000e-01:1>>
// CHECK-NEXT: %[[S:.*]] = npu.add %[[M]], %[[C]] : (tensor<1x8x4x2x4x2x!quant.uniform<i8:f32, 3.750000e-01:1>>, tensor<1x8x4x1x4x1x!quant.uniform<i8:f32, 2.500000e-01:-5>>) -> tensor<1x8x4x2x4x2x!quant.uniform<i8:f32, 6.250000e-01:2>>
// CHECK-NEXT: %[[R:.*]] = npu.reshape %[[S]] : tensor<1x8x4x2x4x2x!quant.uniform<i8:f32, 6.250000e-01:2>> -> tensor<1x8x8x8x!quant.uniform<i8:f32, 6.250000e-01:2>>
// CHECK-NEXT: return %[[R]]
func.func @int8_scale_then_add(%x: tensor<1x8x8x8x!quant.uniform<i8:f32, 0.5:3>>, %g: tensor<1x8x1x1x!quant.uniform<i8:f32, 0.0078125:-128>>, %y: tensor<1x8x4x4x!quant.uniform<i8:f32, 0.25:-5>>) -> tensor<1x8x8x8x!quant.uniform<i8:f32, 0.625:2>> {
  %m = npu.mul %x, %g : (tensor<1x8x8x8x!quant.uniform<i8:f32, 0.5:3>>, tensor<1x8x1x1x!quant.uniform<i8:f32, 0.0078125:-128>>) -> tensor<1x8x8x8x!quant.uniform<i8:f32, 0.375:1>>
  %u = npu.resize %y {coordinate_transformation_mode = #npu<coord_mode asymmetric>, mode = #npu<resize_mode nearest>, nearest_mode = #npu<nearest_mode floor>, scales = array<f32: 1.0, 1.0, 2.0, 2.0>} : tensor<1x8x4x4x!quant.uniform<i8:f32, 0.25:-5>> -> tensor<1x8x8x8x!quant.uniform<i8:f32, 0.25:-5>>
  %s = npu.add %m, %u : (tensor<1x8x8x8x!quant.uniform<i8:f32, 0.375:1>>, tensor<1x8x8x8x!quant.uniform<i8:f32, 0.25:-5>>) -> tensor<1x8x8x8x!quant.uniform<i8:f32, 0.625:2>>
  return %s : tensor<1x8x8x8x!quant.uniform<i8:f32, 0.625:2>>
}
