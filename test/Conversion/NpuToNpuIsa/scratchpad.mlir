// The schedule level's scratchpad buffers: npu-allocate-scratchpad records
// what each layer's lowering asks for (named buffers: offset, bytes,
// copies), they print and parse back, npu-convert-to-isa follows them, and
// a recorded allocation that does not hold what the lowering needs is one
// error naming the buffer.
// RUN: npu-opt %s --npu-assign-tiles --npu-plan-memory --npu-form-layers --npu-allocate-scratchpad | FileCheck %s
// RUN: npu-opt %s --npu-assign-tiles --npu-plan-memory --npu-form-layers --npu-allocate-scratchpad --mlir-print-debuginfo -o %t.sched.mlir
// RUN: npu-opt %t.sched.mlir --mlir-print-debuginfo | FileCheck %s
// Allocating again keeps a recorded allocation (idempotent).
// RUN: npu-opt %t.sched.mlir --npu-allocate-scratchpad --mlir-print-debuginfo | diff %t.sched.mlir -
// The explicit buffers are the addresses the lowering used before: the same
// program as without the schedule level.
// RUN: npu-opt %s --npu-assign-tiles --npu-plan-memory --npu-convert-to-isa > %t.direct.mlir
// RUN: npu-opt %t.sched.mlir --npu-convert-to-isa | diff %t.direct.mlir -
// A moved buffer is followed: the convolution's output tiles at 43008.
// RUN: sed 's/<"out", offset = 23808,/<"out", offset = 43008,/' %t.sched.mlir \
// RUN:   | npu-opt --npu-convert-to-isa | FileCheck %s --check-prefix=MOVED
// Too small, or missing: one error naming the buffer and what is needed.
// RUN: sed 's/<"out", offset = 23808, bytes = 4096,/<"out", offset = 23808, bytes = 2048,/' %t.sched.mlir \
// RUN:   | not npu-opt --npu-convert-to-isa 2>&1 | FileCheck %s --check-prefix=SMALL
// RUN: sed 's/, #npu.buffer<"params", offset = 32000, bytes = 64>//' %t.sched.mlir \
// RUN:   | not npu-opt --npu-convert-to-isa 2>&1 | FileCheck %s --check-prefix=MISSING

// The convolution's 8 channels run two output rows at a time on 16 columns
// (phase-pack-remainder.txtpb): its one pass's tiles and buffers.
// CHECK: npu.layer "conv" unit <mac> tiles <oh = 4, ow = 16, m = 16, c = 8, order = weight_stationary>
// CHECK-SAME: scratchpad [#npu.buffer<"slab", offset = 0, bytes = 5760, copies = 2>,
// CHECK-SAME: #npu.buffer<"weights", offset = 11520, bytes = 6144, copies = 2>,
// CHECK-SAME: #npu.buffer<"out", offset = 23808, bytes = 4096, copies = 2>,
// CHECK-SAME: #npu.buffer<"params", offset = 32000, bytes = 64>] {
// The elementwise layer: two buffers per input and output, a third of the
// scratchpad each (aligned).
// CHECK: npu.layer "s" unit <vector>
// CHECK-SAME: scratchpad [#npu.buffer<"in0", offset = 0, bytes = 87360, copies = 2>,
// CHECK-SAME: #npu.buffer<"in1", offset = 174720, bytes = 87360, copies = 2>,
// CHECK-SAME: #npu.buffer<"out2", offset = 349440, bytes = 87360, copies = 2>] {

// MOVED: npu_isa.vec_unary "copy" src0 0, src1 0, dst 43008 {{.*}}src0_space = "acc"
// MOVED-NEXT: npu_isa.vec_unary "affine_clamp" src0 43008, src1 0, dst 43008
// MOVED-NEXT: npu_isa.dma_store sram 43008,

// SMALL: error: {{.*}}backend: the layer's scratchpad buffer 'out' (pass 0) holds 2 x 2048 bytes; its lowering needs 2 x 4096
// MISSING: error: {{.*}}backend: the layer's scratchpad buffer 'params' (pass 0) is missing: its lowering needs 1 x 64 bytes

// (The ReLU's value is returned too, so the add is a layer of its own
// rather than the convolution's residual epilogue.)
func.func @main(%x: tensor<1x8x16x16xf32> {npu.name = "x"}) -> (tensor<1x8x16x16xf32> {npu.name = "y"}, tensor<1x8x16x16xf32> {npu.name = "s"}) {
  %w = npu.constant dense<0.5> : tensor<8x8x3x3xf32>
  %c = npu.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x16x16xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x16x16xf32> loc(fused<"Conv">["conv"])
  %r = npu.clamp %c {max = 0x7F800000 : f32, min = 0.0 : f32} : tensor<1x8x16x16xf32> -> tensor<1x8x16x16xf32> loc(fused<"Relu">["y"])
  %s = npu.add %r, %x : (tensor<1x8x16x16xf32>, tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32> loc(fused<"Add">["s"])
  return %r, %s : tensor<1x8x16x16xf32>, tensor<1x8x16x16xf32>
}
