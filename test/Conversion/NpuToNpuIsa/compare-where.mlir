// Comparisons, logic and Where on the vector unit (ISA v4): a comparison is
// a vec.binary of FP32 operands into a BOOL mask (one byte per element, the
// threshold row broadcast by a zero stride); logic combines masks; Where is
// a copy of its false operand into the result, then `select` moves the true
// operand where the mask holds (dst = src0 ? src1 : dst).
// RUN: npu-opt %s --npu-convert-to-isa | FileCheck %s

// Tests a comparison: FP32 sources, a BOOL destination stored one byte per
// element, the threshold row read with stride 0 along the rows.
// CHECK-LABEL: npu_isa.layer "g" op "Greater"
// CHECK: npu_isa.vec_binary "gt" src0 0, src1 [[T:[0-9]+]], dst [[G:[0-9]+]] {dims = array<i64: 8, 2, 1, 1>, dst_strides = array<i64: 1, 8, 0, 0>, dst_type = "bool"{{.*}}src0_strides = array<i64: 1, 8, 0, 0>, src0_type = "f32", src1_strides = array<i64: 1, 0, 0, 0>, src1_type = "f32"}
// CHECK-NEXT: npu_isa.dma_store sram [[G]], dram {{[0-9]+}} {{{.*}}elem_bytes = 1 : i64
// CHECK-LABEL: npu_isa.layer "e" op "Equal"
// CHECK: npu_isa.vec_binary "eq" {{.*}}dst_type = "bool"{{.*}}src0_type = "f32"{{.*}}src1_type = "f32"

// Tests logic on masks: BOOL throughout, one-byte loads and stores.
// CHECK-LABEL: npu_isa.layer "o" op "Or"
// CHECK: npu_isa.dma_load {{.*}}elem_bytes = 1 : i64
// CHECK: npu_isa.vec_binary "or" {{.*}}dst_type = "bool"{{.*}}src0_type = "bool"{{.*}}src1_type = "bool"
// CHECK-LABEL: npu_isa.layer "m" op "Not"
// CHECK: npu_isa.vec_unary "not" {{.*}}dst_type = "bool"{{.*}}src0_type = "bool"

// Tests Where: the mask (1-byte), x and the broadcast y loaded; y copied
// into the result's buffer (stride 0 along the rows), then select of x
// under the mask into the same buffer, which is stored.
// CHECK-LABEL: npu_isa.layer "y" op "Where"
// CHECK: npu_isa.dma_load sram [[C:[0-9]+]], dram {{[0-9]+}} {{{.*}}elem_bytes = 1 : i64
// CHECK-NEXT: npu_isa.dma_load sram [[X:[0-9]+]], dram 0 {{{.*}}elem_bytes = 4 : i64
// CHECK-NEXT: npu_isa.dma_load sram [[Y:[0-9]+]], dram 64 {{{.*}}elem_bytes = 4 : i64
// CHECK-NEXT: npu_isa.vec_unary "copy" src0 [[Y]], src1 0, dst [[W:[0-9]+]] {{{.*}}src0_strides = array<i64: 1, 0, 0, 0>, src0_type = "f32"}
// CHECK-NEXT: npu_isa.vec_binary "select" src0 [[C]], src1 [[X]], dst [[W]] {{{.*}}dst_type = "f32"{{.*}}src0_type = "bool"{{.*}}src1_type = "f32"}
// CHECK-NEXT: npu_isa.dma_store sram [[W]], dram 128

func.func @main(%x: tensor<2x8xf32> {npu.name = "x"}, %t: tensor<8xf32> {npu.name = "t"}) -> (tensor<2x8xf32> {npu.name = "y"}, tensor<2x8xi1> {npu.name = "m"}) {
  %g = npu.greater %x, %t : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xi1> loc(fused<"Greater">["g"])
  %e = npu.equal %x, %t : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xi1> loc(fused<"Equal">["e"])
  %o = npu.or %g, %e : (tensor<2x8xi1>, tensor<2x8xi1>) -> tensor<2x8xi1> loc(fused<"Or">["o"])
  %n = npu.not %o : tensor<2x8xi1> -> tensor<2x8xi1> loc(fused<"Not">["m"])
  %w = npu.where %o, %x, %t : (tensor<2x8xi1>, tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32> loc(fused<"Where">["y"])
  return %w, %n : tensor<2x8xf32>, tensor<2x8xi1>
}
