// A convolution whose result only feeds one elementwise run (here a
// hard-swish, x * clamp(x + 3, 0, 6) / 6, then a per-channel scale) takes
// the whole run as its epilogue: the run's values live in tile-sized
// scratchpad temporaries, its scalar and per-channel operands are loaded
// once, and only the run's last value is stored. (PaddleOCR's models are
// checked end to end against ONNX Runtime by paddleocr-e2e.)
// RUN: npu-opt %s --npu-convert-to-isa | FileCheck %s

// CHECK: npu_isa.program @main attributes {arena_bytes = 0 : i64
// CHECK: npu_isa.layer "conv" op "Fused(conv+add+clamp+mul+div+mul)"
// The operands, once: the bias, 3, 6 and the eight channel scales.
// CHECK: npu_isa.dma_load sram [[BIAS:[0-9]+]], dram {{[0-9]+}} {{.*}}sizes = array<i64: 8, 1, 1, 1>
// CHECK-NEXT: npu_isa.dma_load sram [[THREE:[0-9]+]], dram {{[0-9]+}} {{.*}}sizes = array<i64: 1, 1, 1, 1>
// CHECK-NEXT: npu_isa.dma_load sram [[SIX:[0-9]+]], dram {{[0-9]+}} {{.*}}sizes = array<i64: 1, 1, 1, 1>
// CHECK-NEXT: npu_isa.dma_load sram [[SCALE:[0-9]+]], dram {{[0-9]+}} {{.*}}push_next, sizes = array<i64: 8, 1, 1, 1>
// CHECK: npu_isa.vec_binary "add" src0 0, src1 [[BIAS]], dst [[X:[0-9]+]] {{.*}}src0_space = "acc"
// The clamp is the add's output stage (ISA v14: lo and hi on the add).
// CHECK-NEXT: npu_isa.vec_binary "add" src0 [[X]], src1 [[THREE]], dst [[T1:[0-9]+]] {{.*}}hi = 6.000000e+00 : f32, {{.*}}lo = 0.000000e+00 : f32, {{.*}}src1_strides = array<i64: 0, 0, 0, 0>
// CHECK-NEXT: npu_isa.vec_binary "mul" src0 [[X]], src1 [[T1]], dst [[T3:[0-9]+]]
// CHECK-NEXT: npu_isa.vec_binary "div" src0 [[T3]], src1 [[SIX]], dst [[T4:[0-9]+]]
// The per-channel scale walks the channel axis (stride 1), not the pixels.
// CHECK-NEXT: npu_isa.vec_binary "mul" src0 [[T4]], src1 [[SCALE]], dst [[X]] {{.*}}push_next, {{.*}}src1_strides = array<i64: 1, 0, 0, 0>
// CHECK-NEXT: npu_isa.dma_store sram [[X]], dram 8192
// CHECK-NOT: npu_isa.layer

func.func @main(%x: tensor<1x8x16x16xf32> {npu.name = "x"}) -> (tensor<1x8x16x16xf32> {npu.name = "y"}) {
  %w = npu.constant dense<0.5> : tensor<8x8x3x3xf32>
  %b = npu.constant dense<1.0> : tensor<8xf32>
  %three = npu.constant dense<3.0> : tensor<f32>
  %six = npu.constant dense<6.0> : tensor<f32>
  %scale = npu.constant dense<[[[1.0]], [[2.0]], [[3.0]], [[4.0]], [[5.0]], [[6.0]], [[7.0]], [[8.0]]]> : tensor<8x1x1xf32>
  %c = npu.conv %x, %w, %b {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x16x16xf32>, tensor<8x8x3x3xf32>, tensor<8xf32>) -> tensor<1x8x16x16xf32>
  %a = npu.add %c, %three : (tensor<1x8x16x16xf32>, tensor<f32>) -> tensor<1x8x16x16xf32>
  %r = npu.clamp %a {max = 6.0 : f32, min = 0.0 : f32} : tensor<1x8x16x16xf32> -> tensor<1x8x16x16xf32>
  %m = npu.mul %c, %r : (tensor<1x8x16x16xf32>, tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32>
  %d = npu.div %m, %six : (tensor<1x8x16x16xf32>, tensor<f32>) -> tensor<1x8x16x16xf32>
  %s = npu.mul %d, %scale : (tensor<1x8x16x16xf32>, tensor<8x1x1xf32>) -> tensor<1x8x16x16xf32>
  return %s : tensor<1x8x16x16xf32>
}
