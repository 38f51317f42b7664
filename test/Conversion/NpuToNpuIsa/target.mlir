// Passes read the target from the module (npu.target); a target= option
// records it there, must agree with a recorded one, and must name a runtime
// target.
// RUN: npu-opt %s --npu-assign-tiles="target=npu-v1-small" | FileCheck %s --check-prefix=OPTION
// RUN: npu-opt %s --npu-assign-tiles | FileCheck %s --check-prefix=DEFAULT
// The recorded target is followed by every later pass without an option.
// RUN: npu-opt %s --npu-assign-tiles="target=npu-v1-small" | npu-opt --npu-plan-memory --npu-convert-to-isa | FileCheck %s --check-prefix=ISA
// The isa pipeline takes the target as an option from npu-opt.
// RUN: npu-opt %s --npu-isa-pipeline="target=npu-v1-small" | FileCheck %s --check-prefix=ISA
// A hand-edited target is followed: an 8 KiB scratchpad shrinks the
// convolution's tiles from 8 x 16 to 4 x 4 output pixels.
// RUN: npu-opt %s --npu-assign-tiles="target=npu-v1-small" \
// RUN:   | sed 's/#npu.target<"npu-v1-small">/#npu.target<"npu-v1-small", scratchpad_bytes = 8192>/' \
// RUN:   | npu-opt --npu-assign-tiles | FileCheck %s --check-prefix=EDITED
// ... and compiles to isa, but not to an executable, which names its target.
// RUN: npu-opt %s --npu-assign-tiles="target=npu-v1-small" \
// RUN:   | sed 's/#npu.target<"npu-v1-small">/#npu.target<"npu-v1-small", scratchpad_bytes = 8192>/' \
// RUN:   | npu-opt --npu-isa-pipeline | not npu-translate --npu-isa-to-npubin -o %t.npubin 2>&1 | FileCheck %s --check-prefix=NOBIN
// RUN: not test -e %t.npubin
// The DRAM plan aligns every placement to the target's DRAM burst: with
// 4096-byte bursts the 2304-byte weights after the 8192-byte input and
// output end at 20480 instead of 18688.
// RUN: npu-opt %s --npu-assign-tiles="target=npu-v1-small" | npu-opt --npu-plan-memory | FileCheck %s --check-prefix=BURST64
// RUN: npu-opt %s --npu-assign-tiles="target=npu-v1-small" \
// RUN:   | sed 's/#npu.target<"npu-v1-small">/#npu.target<"npu-v1-small", dram_burst_bytes = 4096>/' \
// RUN:   | npu-opt --npu-plan-memory | FileCheck %s --check-prefix=BURST4K
// RUN: npu-opt %s --npu-assign-tiles="target=npu-v1-small" | not npu-opt --npu-plan-memory="target=npu-v1" 2>&1 | FileCheck %s --check-prefix=DISAGREE
// RUN: not npu-opt %s --npu-isa-pipeline="target=npu-v2" 2>&1 | FileCheck %s --check-prefix=UNKNOWN

// OPTION: module attributes {npu.target = #npu.target<"npu-v1-small">}
// OPTION: npu.conv {{.*}}npu.tiles = {c = 8 : i64, m = 8 : i64, oh = 8 : i64, order = "weight_stationary", ow = 16 : i64}
// On npu-v1 (16 columns) the 8 output channels run two output rows at a
// time (phase-pack-remainder.txtpb): its one pass's tiles, 16 columns.
// DEFAULT: module attributes {npu.target = #npu.target<"npu-v1">}
// DEFAULT: npu.conv {{.*}}npu.tiles = {c = 8 : i64, m = 16 : i64, oh = 4 : i64, order = "weight_stationary", ow = 16 : i64}
// ISA: npu_isa.program @main attributes {{.*}}target = "npu-v1-small"
// EDITED: module attributes {npu.target = #npu.target<"npu-v1-small", scratchpad_bytes = 8192>}
// EDITED: npu.conv {{.*}}npu.tiles = {c = 8 : i64, m = 8 : i64, oh = 4 : i64, order = "weight_stationary", ow = 4 : i64}
// NOBIN: error: 'npu_isa.program' op was compiled for #npu.target<"npu-v1-small", scratchpad_bytes = 8192>, which is not one of the runtime's targets: an executable records its target by name only
// BURST64: npu.dram_size = 18688
// BURST4K: npu.dram_size = 20480
// DISAGREE: error: the module is compiled for #npu.target<"npu-v1-small">, not for target 'npu-v1' (drop the option or the module's npu.target)
// UNKNOWN: error: unknown target 'npu-v2' (known: npu-v1, npu-v1-small, npu-v1-large)

func.func @main(%x: tensor<1x8x16x16xf32> {npu.name = "x"}) -> (tensor<1x8x16x16xf32> {npu.name = "y"}) {
  %w = npu.constant dense<0.5> : tensor<8x8x3x3xf32>
  %c = npu.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x16x16xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x16x16xf32>
  return %c : tensor<1x8x16x16xf32>
}
