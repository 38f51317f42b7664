// Values kept on chip (docs/codegen.md "Values kept on chip"): sigmoid, a
// 1x1 convolution with an exp epilogue, a 1x1 convolution. The two 64 KiB
// intermediates fit above what every layer from their producer to their
// reader uses, so npu-plan-memory gives them scratchpad offsets at the top
// of npu-v1's 512 KiB (npu.on_chip) and no DRAM: the arena is empty.
// RUN: npu-opt %s --npu-assign-tiles --npu-plan-memory | FileCheck %s --check-prefix=PLANNED
// PLANNED: npu.arena_bytes = 0 : i64
// PLANNED: npu.sigmoid {{.*}}npu.on_chip = 458752 : i64
// PLANNED-NOT: npu.dram
// PLANNED: npu.exp {{.*}}npu.on_chip = 393216 : i64
// PLANNED-NOT: npu.dram =
// PLANNED: npu.conv
//
// Their stores and loads are copies inside the scratchpad (`local`); the
// graph's input and output stay in DRAM.
// RUN: npu-opt %s --npu-isa-pipeline | FileCheck %s --check-prefix=ISA
// ISA: npu_isa.layer "sigmoid"
// ISA-NOT: local
// ISA: npu_isa.dma_store sram {{[0-9]+}}, dram 458752 {{{.*}}local
// ISA: npu_isa.layer "conv" op "Fused(conv+exp)"
// ISA-NEXT: npu_isa.dma_load sram 0, dram 458752 {{{.*}}local
// ISA: npu_isa.dma_store sram {{[0-9]+}}, dram 393216 {{{.*}}local
// ISA: npu_isa.layer "conv" op "conv"
// ISA-NEXT: npu_isa.dma_load sram 0, dram 393216 {{{.*}}local
// ISA: npu_isa.dma_store sram {{[0-9]+}}, dram 65536 {
// ISA-NOT: npu_isa.dma_store {{.*}}local
//
// keep-on-chip=false: both in the DRAM arena. Same outputs, bit for bit;
// 131 KiB less DRAM each way with them on chip, and fewer cycles.
// RUN: npu-opt %s --npu-assign-tiles --npu-plan-memory=keep-on-chip=false | FileCheck %s --check-prefix=OFFCHIP
// OFFCHIP: npu.arena_bytes = 131072 : i64
// OFFCHIP: npu.sigmoid {{.*}}npu.dram =
// OFFCHIP: npu.exp {{.*}}npu.dram =
// RUN: npu-opt %s --npu-assign-tiles --npu-plan-memory --npu-form-layers --npu-allocate-scratchpad --npu-convert-to-isa | npu-translate --npu-isa-to-npubin -o %t.chip.npubin
// RUN: npu-opt %s --npu-assign-tiles --npu-plan-memory=keep-on-chip=false --npu-form-layers --npu-allocate-scratchpad --npu-convert-to-isa | npu-translate --npu-isa-to-npubin -o %t.dram.npubin
// RUN: npu-build-example --random-f32=%t.x.npy --shape=1x16x32x32 --seed=1
// RUN: npu-run %t.chip.npubin --input=x=%t.x.npy --output-dir=%t.chip | FileCheck %s --check-prefix=EMU-CHIP
// RUN: npu-run %t.dram.npubin --input=x=%t.x.npy --output-dir=%t.dram | FileCheck %s --check-prefix=EMU-OFF
// RUN: cmp %t.chip/y.npy %t.dram/y.npy
// EMU-CHIP: cycles       26148
// EMU-CHIP: DRAM         0.068 MB read, 0.066 MB written
// EMU-CHIP: on-chip      0.262 MB copied inside the scratchpad
// EMU-OFF: cycles       30020
// EMU-OFF: DRAM         0.199 MB read, 0.197 MB written
// EMU-OFF-NOT: on-chip

func.func @main(%x: tensor<1x16x32x32xf32> {npu.name = "x"}) -> (tensor<1x16x32x32xf32> {npu.name = "y"}) {
  %w = npu.constant dense<0.5> : tensor<16x16x1x1xf32>
  %a = npu.sigmoid %x : tensor<1x16x32x32xf32> -> tensor<1x16x32x32xf32>
  %b = npu.conv %a, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x16x32x32xf32>, tensor<16x16x1x1xf32>) -> tensor<1x16x32x32xf32>
  %c = npu.exp %b : tensor<1x16x32x32xf32> -> tensor<1x16x32x32xf32>
  %d = npu.conv %c, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x16x32x32xf32>, tensor<16x16x1x1xf32>) -> tensor<1x16x32x32xf32>
  return %d : tensor<1x16x32x32xf32>
}
