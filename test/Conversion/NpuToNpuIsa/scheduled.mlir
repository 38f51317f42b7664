// The schedule level: npu-form-layers puts every op that runs code into an
// npu.layer with its unit and typed tiles; it prints, parses back and is
// followed by npu-convert-to-isa.
// RUN: npu-opt %s --npu-assign-tiles --npu-plan-memory --npu-form-layers | FileCheck %s
// RUN: npu-opt %s --npu-assign-tiles --npu-plan-memory --npu-form-layers --mlir-print-debuginfo | npu-opt | FileCheck %s
// Going through the layers changes nothing: the same program as without.
// RUN: npu-opt %s --npu-assign-tiles --npu-plan-memory --npu-convert-to-isa > %t.direct.mlir
// RUN: npu-opt %s --npu-assign-tiles --npu-plan-memory --npu-form-layers --mlir-print-debuginfo | npu-opt --npu-convert-to-isa > %t.layers.mlir
// RUN: diff %t.direct.mlir %t.layers.mlir
// Hand-edited tiles and loop order are followed: 4 output rows per tile
// instead of 8, the input slab stationary.
// RUN: npu-opt %s --npu-assign-tiles --npu-plan-memory --npu-form-layers --mlir-print-debuginfo \
// RUN:   | sed 's/tiles <oh = 8, ow = 16, m = 8, c = 8, order = weight_stationary>/tiles <oh = 4, ow = 16, m = 8, c = 8, order = input_stationary>/' \
// RUN:   | npu-opt --npu-convert-to-isa | FileCheck %s --check-prefix=EDITED

// CHECK: %[[W:.*]] = npu.constant
// CHECK: %[[C:.*]] = npu.layer "conv" unit <mac> tiles <oh = 8, ow = 16, m = 8, c = 8, order = weight_stationary> {
// CHECK-NEXT: %[[CONV:.*]] = npu.conv %arg0, %[[W]]
// CHECK-SAME: npu.weights_dram =
// CHECK-NOT: npu.fusion_group
// CHECK-NEXT: %[[R:.*]] = npu.clamp %[[CONV]]
// The residual add (of the input) is the convolution's epilogue: one layer.
// CHECK-NEXT: %[[S:.*]] = npu.add %[[R]], %arg0
// CHECK-NEXT: npu.yield %[[S]] : tensor<1x8x16x16xf32>
// CHECK-NEXT: } : tensor<1x8x16x16xf32>
// CHECK-NOT: npu.layer
// CHECK: return %[[C]]

// EDITED: npu_isa.layer "conv" op "Fused(Conv+Relu+Add)" {{.*}}tiles = {c = 8 : i64, m = 8 : i64, oh = 4 : i64, order = "input_stationary", ow = 16 : i64}

func.func @main(%x: tensor<1x8x16x16xf32> {npu.name = "x"}) -> (tensor<1x8x16x16xf32> {npu.name = "s"}) {
  %w = npu.constant dense<0.5> : tensor<8x8x3x3xf32>
  %c = npu.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x16x16xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x16x16xf32> loc(fused<"Conv">["conv"])
  %r = npu.clamp %c {max = 0x7F800000 : f32, min = 0.0 : f32} : tensor<1x8x16x16xf32> -> tensor<1x8x16x16xf32> loc(fused<"Relu">["y"])
  %s = npu.add %r, %x : (tensor<1x8x16x16xf32>, tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32> loc(fused<"Add">["s"])
  return %s : tensor<1x8x16x16xf32>
}
