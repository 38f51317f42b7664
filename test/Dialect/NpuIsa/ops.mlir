// RUN: npu-opt %s | npu-opt | FileCheck %s

// Tests that every kind of npu_isa op prints and parses back to itself.

// CHECK-LABEL: npu_isa.program @all attributes {dram_size = 4096 : i64, target = "npu-v1"}
npu_isa.program @all attributes {target = "npu-v1", dram_size = 4096 : i64} {
  // CHECK: npu_isa.layer "conv1" op "Conv"
  npu_isa.layer "conv1" op "Conv"
  // CHECK: npu_isa.input "x" at 0 {layout = "nhwc"} : tensor<1x8x8x16xi8>
  npu_isa.input "x" at 0 {layout = "nhwc"} : tensor<1x8x8x16xi8>
  // CHECK: npu_isa.output "y" at 1024 : tensor<4xf32>
  npu_isa.output "y" at 1024 : tensor<4xf32>
  // CHECK: npu_isa.data at 2048 dense<1> : tensor<16xi8>
  npu_isa.data at 2048 dense<1> : tensor<16xi8>
  // CHECK: npu_isa.sync "compute" {pop_prev, push_next}
  npu_isa.sync "compute" {pop_prev, push_next}
  // CHECK: npu_isa.dma_load sram 0, dram 0 {{{.*}}pad_before = array<i64: 0, 1, 1, 0>{{.*}}pad_value = 0 : i64
  npu_isa.dma_load sram 0, dram 0 {elem_bytes = 1, sizes = array<i64: 16, 8, 8, 1>, dram_strides = array<i64: 1, 16, 128, 0>, sram_strides = array<i64: 1, 16, 160, 0>, pad_before = array<i64: 0, 1, 1, 0>, pad_after = array<i64: 0, 1, 1, 0>, pad_value = 0, push_next, layer = 0}
  // CHECK: npu_isa.dma_store sram 64, dram 1024
  npu_isa.dma_store sram 64, dram 1024 {elem_bytes = 4, sizes = array<i64: 4, 1, 1, 1>, dram_strides = array<i64: 4, 0, 0, 0>, sram_strides = array<i64: 4, 0, 0, 0>, pop_prev}
  // CHECK: npu_isa.matmul a 0, w 2048, acc 0 {{{.*}}accumulate{{.*}}}
  npu_isa.matmul a 0, w 2048, acc 0 {m_outer = 8, m_inner = 8, k = 16, n = 16, a_stride_outer = 160, a_stride_inner = 16, w_row_stride = 16, acc_row_stride = 16, accumulate}
  // CHECK: npu_isa.vec_binary "add" src0 0, src1 64, dst 128
  npu_isa.vec_binary "add" src0 0, src1 64, dst 128 {dims = array<i64: 4, 1, 1, 1>, src0_strides = array<i64: 1, 0, 0, 0>, src1_strides = array<i64: 1, 0, 0, 0>, dst_strides = array<i64: 1, 0, 0, 0>, src0_type = "f32", src1_type = "f32", dst_type = "f32"}
  // CHECK: npu_isa.vec_binary "select" src0 0, src1 64, dst 128 {{{.*}}dst_type = "f32"{{.*}}src0_type = "bool"
  npu_isa.vec_binary "select" src0 0, src1 64, dst 128 {dims = array<i64: 4, 1, 1, 1>, src0_strides = array<i64: 1, 0, 0, 0>, src1_strides = array<i64: 1, 0, 0, 0>, dst_strides = array<i64: 1, 0, 0, 0>, src0_type = "bool", src1_type = "f32", dst_type = "f32"}
  // CHECK: npu_isa.vec_requant "" src0 0, src1 512, dst 256 {{{.*}}src0_space = "acc"
  npu_isa.vec_requant "" src0 0, src1 512, dst 256 {dims = array<i64: 16, 64, 1, 1>, src0_strides = array<i64: 1, 16, 0, 0>, dst_strides = array<i64: 1, 16, 0, 0>, src0_type = "i32", src0_space = "acc", dst_type = "i8", lo = -128.0 : f32, hi = 127.0 : f32, zp_out = -3}
  // CHECK: npu_isa.vec_pool "max" src0 0, src1 0, dst 64 {{{.*}}window = array<i64: 2, 2>
  npu_isa.vec_pool "max" src0 0, src1 0, dst 64 {dims = array<i64: 16, 4, 4, 1>, src0_strides = array<i64: 1, 16, 128, 0>, dst_strides = array<i64: 1, 16, 64, 0>, src0_type = "i8", dst_type = "i8", window = array<i64: 2, 2>, window_strides = array<i64: 2, 2>}
}
