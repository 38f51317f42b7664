// A value kept on chip across a convolution whose weights are computed at
// run time (a squeeze-excitation gate folded into the next 1x1
// convolution's weights, as PaddleOCR cls does): the convolution first
// rearranges its weights (one store straight from the gated weights kept on
// chip, no tile buffer: Codegen::emitMove), so the sigmoid's 144 KiB result,
// read by the pool and by the convolution, stays on chip above it.
// RUN: npu-opt %s --npu-assign-tiles --npu-plan-memory | FileCheck %s --check-prefix=PLANNED
// PLANNED: npu.sigmoid %arg0 {npu.on_chip = 376832 : i64
// PLANNED: npu.reduce_mean {{.*}}npu.on_chip =
// PLANNED: npu.mul {{.*}}npu.on_chip =
// PLANNED: npu.conv {{.*}}npu.dram = 147456 : i64
//
// The convolution reads both its weights and the sigmoid's result inside
// the scratchpad.
// RUN: npu-opt %s --npu-isa-pipeline | FileCheck %s --check-prefix=ISA
// ISA: npu_isa.layer "y" op "Conv"
// ISA-NEXT: npu_isa.sync "load"
// ISA-NEXT: npu_isa.sync "compute"
// ISA-NEXT: npu_isa.dma_store sram 368640, dram
// ISA: npu_isa.dma_load sram 0, dram 376832 {{{.*}}local
//
// Against every value in DRAM: the same output bit for bit, 0.46 MB less
// DRAM traffic and fewer cycles.
// RUN: npu-opt %s --npu-isa-pipeline | npu-translate --npu-isa-to-npubin -o %t.chip.npubin
// RUN: npu-opt %s --npu-assign-tiles --npu-plan-memory=keep-on-chip=false --npu-form-layers --npu-allocate-scratchpad --npu-convert-to-isa | npu-translate --npu-isa-to-npubin -o %t.dram.npubin
// RUN: npu-build-example --random-f32=%t.x.npy --shape=1x64x24x24 --seed=1
// RUN: npu-run %t.chip.npubin --input=x=%t.x.npy --output-dir=%t.chip | FileCheck %s --check-prefix=CHIP
// RUN: npu-run %t.dram.npubin --input=x=%t.x.npy --output-dir=%t.dram | FileCheck %s --check-prefix=OFFCHIP
// RUN: cmp %t.chip/y.npy %t.dram/y.npy
// CHIP: cycles       42305
// CHIP: DRAM         0.164 MB read, 0.082 MB written
// OFFCHIP: cycles       55397
// OFFCHIP: DRAM         0.467 MB read, 0.238 MB written

func.func @main(%x: tensor<1x64x24x24xf32> {npu.name = "x"}) -> (tensor<1x32x24x24xf32> {npu.name = "y"}) {
  %d = npu.sigmoid %x : tensor<1x64x24x24xf32> -> tensor<1x64x24x24xf32> loc(fused<"Sigmoid">["d"])
  %m = npu.reduce_mean %d {axes = array<i64: 2, 3>, keepdims = true} : tensor<1x64x24x24xf32> -> tensor<1x64x1x1xf32> loc(fused<"GlobalAveragePool">["m"])
  %w = npu.constant dense<0.25> : tensor<32x64x1x1xf32>
  %ws = npu.mul %m, %w : (tensor<1x64x1x1xf32>, tensor<32x64x1x1xf32>) -> tensor<32x64x1x1xf32> loc(fused<"Mul">["ws"])
  %y = npu.conv %d, %ws {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x64x24x24xf32>, tensor<32x64x1x1xf32>) -> tensor<1x32x24x24xf32> loc(fused<"Conv">["y"])
  return %y : tensor<1x32x24x24xf32>
}
