// RUN: npu-opt %s --load-pass-plugin=%npu_libs/NpuExamplePassPlugin.so \
// RUN:   --pass-pipeline='builtin.module(func.func(npu-example-annotate-macs))' | FileCheck %s
// RUN: npu-opt %s --load-pass-plugin=%npu_libs/NpuExamplePassPlugin.so \
// RUN:   --npu-example-annotate-macs | FileCheck %s
// RUN: npu-opt %s --load-pass-plugin %npu_libs/NpuExamplePassPlugin.so \
// RUN:   --npu-optimized-pipeline | FileCheck %s
// RUN: not npu-opt %s --load-pass-plugin=%t.missing.so 2>&1 | FileCheck %s --check-prefix=MISSING

// Tests that an out-of-tree pass (python-free-examples/pass-plugin) loads into
// npu-opt and runs on npu ops: inside --pass-pipeline, by its own flag (the
// plugin is loaded before the command line is parsed), and inside the
// optimized phase's pipeline, where the plugin adds it at the
// after-optimization extension point.
// MISSING: npu-opt: error: cannot load pass plugin '{{.*}}missing.so': {{.+}}

// CHECK-LABEL: func.func @macs
func.func @macs(%x: tensor<1x4x9x9xf32>, %w: tensor<8x2x3x3xf32>, %a: tensor<2x3x5xf32>, %m: tensor<5x7xf32>)
    -> (tensor<1x8x5x5xf32>, tensor<2x3x7xf32>) {
  // 1*8*5*5 outputs, each 2*3*3 MACs.
  // CHECK: npu.conv {{.*}}npu.example.macs = 3600 : i64
  %0 = npu.conv %x, %w {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x4x9x9xf32>, tensor<8x2x3x3xf32>) -> tensor<1x8x5x5xf32>
  // CHECK: npu.matmul {{.*}}{npu.example.macs = 210 : i64}
  %1 = npu.matmul %a, %m : (tensor<2x3x5xf32>, tensor<5x7xf32>) -> tensor<2x3x7xf32>
  return %0, %1 : tensor<1x8x5x5xf32>, tensor<2x3x7xf32>
}
