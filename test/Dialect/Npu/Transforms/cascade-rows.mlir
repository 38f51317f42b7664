// npu-cascade-rows (docs/codegen.md, "Row-band cascades"): a 3x3
// convolution, its hard-swish, a stride-2 depthwise 3x3 and a 16 -> 32 1x1,
// whose depthwise convolution's 512 KiB input and 512 KiB result do not
// fit half of npu-v1's 512 KiB scratchpad, run in 8 bands of 4 result rows. Band b of each op is computed before band
// b + 1 of any; the depthwise convolution reads its producer's band after
// the halo row the band before sliced off (one row: a 3x3 window at stride
// 2), and only the first band pads its top. No row is computed twice: the
// first convolution's bands are 8, 8, ... rows of its result.
// RUN: npu-opt %s --npu-cascade-rows | FileCheck %s
// CHECK-LABEL: func.func @main
// CHECK: %[[X0:.*]] = npu.slice %arg0 {offsets = array<i64: 0, 0, 0, 0>{{.*}} -> tensor<1x8x9x128xf32>
// CHECK: %[[C0:.*]] = npu.conv %[[X0]]{{.*}}pads = array<i64: 1, 1, 0, 1>{{.*}} -> tensor<1x16x8x128xf32>
// CHECK: %[[H0:.*]] = npu.hard_swish %[[C0]]
// CHECK: %[[T0:.*]] = npu.slice %[[H0]] {offsets = array<i64: 0, 0, 7, 0>{{.*}} -> tensor<1x16x1x128xf32>
// CHECK: %[[D0:.*]] = npu.conv %[[H0]]{{.*}}group = 16 : i64, pads = array<i64: 1, 1, 0, 1>{{.*}} -> tensor<1x16x4x128xf32>
// CHECK: %[[P0:.*]] = npu.conv %[[D0]]
// CHECK: %[[X1:.*]] = npu.slice %arg0 {offsets = array<i64: 0, 0, 7, 0>{{.*}} -> tensor<1x8x10x128xf32>
// CHECK: %[[C1:.*]] = npu.conv %[[X1]]{{.*}}pads = array<i64: 0, 1, 0, 1>{{.*}} -> tensor<1x16x8x128xf32>
// CHECK: %[[H1:.*]] = npu.hard_swish %[[C1]]
// CHECK: npu.slice %[[H1]] {offsets = array<i64: 0, 0, 7, 0>
// CHECK: %[[I1:.*]] = npu.concat %[[T0]], %[[H1]] {axis = 2 : i64} {{.*}} -> tensor<1x16x9x128xf32>
// CHECK: %[[D1:.*]] = npu.conv %[[I1]]{{.*}}pads = array<i64: 0, 1, 0, 1>{{.*}} -> tensor<1x16x4x128xf32>
// CHECK: %[[P1:.*]] = npu.conv %[[D1]]
// The last band: the first convolution pads the bottom row.
// CHECK: npu.slice %arg0 {offsets = array<i64: 0, 0, 55, 0>{{.*}} -> tensor<1x8x9x128xf32>
// CHECK-NEXT: npu.conv {{.*}}pads = array<i64: 0, 1, 1, 1>{{.*}} -> tensor<1x16x8x128xf32>
// CHECK: %[[Y:.*]] = npu.concat %[[P0]], %[[P1]], {{.*}} {axis = 2 : i64} : {{.*}} -> tensor<1x32x32x128xf32>
// CHECK: return %[[Y]]
//
// Off by default in the compile pipeline (default=false, unless the module
// has npu.cascade = true); fewer, larger bands with a larger share.
// RUN: npu-opt %s --npu-cascade-rows=default=false | FileCheck %s --check-prefix=OFF
// RUN: npu-opt %s --npu-cascade-rows=band-share=2 | FileCheck %s --check-prefix=TWO
// OFF-COUNT-3: npu.conv
// OFF-NOT: npu.conv
// OFF-NOT: npu.slice
// TWO-COUNT-6: npu.conv
// TWO-NOT: npu.conv
// TWO: npu.concat {{.*}} -> tensor<1x32x32x128xf32>

module {
  func.func @main(%x: tensor<1x8x64x128xf32>) -> tensor<1x32x32x128xf32> {
    %w1 = npu.constant dense<0.25> : tensor<16x8x3x3xf32>
    %b1 = npu.constant dense<0.5> : tensor<16xf32>
    %w2 = npu.constant dense<0.125> : tensor<16x1x3x3xf32>
    %w3 = npu.constant dense<0.0625> : tensor<32x16x1x1xf32>
    %c1 = npu.conv %x, %w1, %b1 {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x64x128xf32>, tensor<16x8x3x3xf32>, tensor<16xf32>) -> tensor<1x16x64x128xf32>
    %r = npu.hard_swish %c1 : tensor<1x16x64x128xf32> -> tensor<1x16x64x128xf32>
    %c2 = npu.conv %r, %w2 {dilations = array<i64: 1, 1>, group = 16 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 1>} : (tensor<1x16x64x128xf32>, tensor<16x1x3x3xf32>) -> tensor<1x16x32x128xf32>
    %c3 = npu.conv %c2, %w3 {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x16x32x128xf32>, tensor<32x16x1x1xf32>) -> tensor<1x32x32x128xf32>
    return %c3 : tensor<1x32x32x128xf32>
  }
}
