// A layer lowered in sequential parts numbers its buffers by pass: a
// convolution with run-time weights first rearranges them through the
// scratchpad (pass 0, two tiles of one chunk each: here the whole 2,304-byte
// weight, not half the scratchpad, so values kept on chip fit above it),
// then convolves (pass 1); the passes reuse the same bytes, which the
// layer's verifier allows.
// RUN: npu-opt %s --npu-assign-tiles --npu-plan-memory --npu-form-layers --npu-allocate-scratchpad | FileCheck %s
// RUN: npu-opt %s --npu-assign-tiles --npu-plan-memory --npu-form-layers --npu-allocate-scratchpad | npu-opt --npu-convert-to-isa | FileCheck %s --check-prefix=ISA

// CHECK: npu.layer "y" unit <mac>
// CHECK-SAME: scratchpad [#npu.buffer<"tile", offset = 0, bytes = 2304, copies = 2>,
// CHECK-SAME: #npu.buffer<"slab", offset = 0, bytes = 5760, copies = 2, pass = 1>,
// CHECK-SAME: #npu.buffer<"weights", offset = 11520, bytes = 2304, copies = 2, pass = 1>,
// CHECK-SAME: #npu.buffer<"out", offset = 16128, bytes = 4096, copies = 2, pass = 1>,
// CHECK-SAME: #npu.buffer<"params", offset = 24320, bytes = 64, pass = 1>]

// The rearrangement's tile at 0, then the convolution's weights at 11520.
// ISA: npu_isa.dma_load sram 0,
// ISA: npu_isa.dma_store sram 0,
// ISA: npu_isa.dma_load sram 11520,

func.func @main(%x: tensor<1x8x16x16xf32> {npu.name = "x"}, %w: tensor<8x8x3x3xf32> {npu.name = "w"}) -> (tensor<1x8x16x16xf32> {npu.name = "y"}) {
  %c = npu.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x16x16xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x16x16xf32> loc(fused<"Conv">["y"])
  return %c : tensor<1x8x16x16xf32>
}
