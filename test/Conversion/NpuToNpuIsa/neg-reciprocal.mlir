// ONNX Neg and Reciprocal on the vector unit (docs/codegen.md, "Adding an
// op"): Neg is affine_clamp(-1 * x + 0, -inf, +inf), Reciprocal the
// vec.unary reciprocal; the two fuse into one program.
// RUN: npu-opt %s --npu-assign-tiles | FileCheck %s --check-prefix=TILED
// RUN: npu-opt %s --npu-convert-to-isa | FileCheck %s

// TILED: npu.neg {{.*}}npu.fusion_group = 0 : i64, npu.unit = "vector"
// TILED: npu.reciprocal {{.*}}npu.fusion_group = 0 : i64, npu.unit = "vector"

// CHECK: npu_isa.layer "y" op "Fused(Neg+Reciprocal)"
// CHECK: npu_isa.vec_unary "affine_clamp" {{.*}}alpha = -1.000000e+00 : f32, beta = 0.000000e+00 : f32{{.*}}hi = 0x7F800000 : f32{{.*}}lo = 0xFF800000 : f32
// CHECK-NEXT: npu_isa.vec_unary "reciprocal"

func.func @main(%x: tensor<1x64xf32> {npu.name = "x"}) -> (tensor<1x64xf32> {npu.name = "y"}) {
  %n = npu.neg %x : tensor<1x64xf32> -> tensor<1x64xf32> loc(fused<"Neg">["neg"])
  %r = npu.reciprocal %n : tensor<1x64xf32> -> tensor<1x64xf32> loc(fused<"Reciprocal">["y"])
  return %r : tensor<1x64xf32>
}
