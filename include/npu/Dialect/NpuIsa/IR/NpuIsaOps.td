//===- NpuIsaOps.td - NPU instructions as ops --------------*- tablegen -*-===//
//
// Field meanings and widths are those of runtime/include/npu/runtime/Isa.def;
// the verifiers check every value against that file's field widths.
//
//===----------------------------------------------------------------------===//

#ifndef NPU_DIALECT_NPUISA_IR_NPUISAOPS_TD
#define NPU_DIALECT_NPUISA_IR_NPUISAOPS_TD

include "npu/Dialect/NpuIsa/IR/NpuIsaDialect.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/OpBase.td"
include "mlir/IR/RegionKindInterface.td"
include "mlir/IR/SymbolInterfaces.td"

//===----------------------------------------------------------------------===//
// Program structure and metadata
//===----------------------------------------------------------------------===//

def NpuIsa_ProgramOp : NpuIsa_Op<"program", [
    NoTerminator, SingleBlock, IsolatedFromAbove, Symbol,
    DeclareOpInterfaceMethods<RegionKindInterface>]> {
  let summary = "An NPU executable: metadata and instructions in program order";
  let description = [{
    ```mlir
    npu_isa.program @model {target = "npu-v1", dram_size = 24576 : i64} {
      npu_isa.input "a" at 0 : tensor<64x64xi8>
      npu_isa.dma_load sram 0, dram 0 {elem_bytes = 1 : i64, sizes = array<i64: 64, 64, 1, 1>, ...}
    }
    ```
    `dram_size` is in bytes; `target` names a runtime target (npu-v1, ...).
    The code generator records its activation arena's size (`arena_bytes`)
    and the liveness lower bound of any arena (`arena_lower_bound`: the
    largest sum of bytes live at one point), for reports.
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, StrAttr:$target,
                       ConfinedAttr<I64Attr, [IntPositive]>:$dram_size,
                       OptionalAttr<I64Attr>:$arena_bytes,
                       OptionalAttr<I64Attr>:$arena_lower_bound);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$sym_name attr-dict-with-keyword $body";
  let hasVerifier = 1;
}

def NpuIsa_LayerOp : NpuIsa_Op<"layer", [HasParent<"ProgramOp">]> {
  let summary = "A layer table entry: the ONNX node name and op type";
  let description = [{
    Layers are numbered in order of appearance; instructions refer to them
    by that number in their `layer` attribute. The code generator notes the
    op's operand and result types (`shapes`), its tile sizes (`tiles`,
    in elements) and, for convolutions and matmuls with constant weights,
    their MAC weight tiles (`weight_blocks`: `total`, `nonzero`, and
    `skipped`, the tile-steps of the dense schedule not issued because all
    zero; docs/codegen.md, "Sparse weights") for reports. The verifier
    holds `weight_blocks` to exactly those three non-negative integers with
    `nonzero <= total` (what the executable's loader checks of the table it
    becomes). `padding_macs` counts the MACs the layer's matmuls do over
    zero weights the compiler inserted (a phase-packed convolution's extra
    kernel row: docs/codegen.md, "Remainder channels as row phases"), which
    the reports leave out of the model's MACs, its roofline and the MAC
    utilization.

    ```mlir
    npu_isa.layer "conv1" op "Conv"
    ```
  }];
  let arguments = (ins StrAttr:$name, StrAttr:$onnx_op,
                       OptionalAttr<StrAttr>:$shapes,
                       OptionalAttr<DictionaryAttr>:$tiles,
                       OptionalAttr<DictionaryAttr>:$weight_blocks,
                       OptionalAttr<I64Attr>:$padding_macs);
  let assemblyFormat = "$name `op` $onnx_op attr-dict";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// `weight_blocks`' counts, each 0 where absent or not an integer;
    /// nullopt without the attribute. The reports and the executable's
    /// layer table read them through this.
    struct WeightBlockCounts {
      int64_t total = 0, nonzero = 0, skipped = 0;
    };
    std::optional<WeightBlockCounts> getWeightBlockCounts();
  }];
}

class NpuIsa_TensorOp<string mnemonic, dag extra = (ins)>
    : NpuIsa_Op<mnemonic, [HasParent<"ProgramOp">]> {
  let arguments = !con((ins StrAttr:$name,
                            ConfinedAttr<I64Attr, [IntNonNegative]>:$dram,
                            TypeAttrOf<AnyRankedTensor>:$type,
                            DefaultValuedAttr<StrAttr, "\"dense\"">:$layout),
                       extra);
  let assemblyFormat = "$name `at` $dram attr-dict `:` $type";
}

def NpuIsa_InputOp
    : NpuIsa_TensorOp<"input", (ins OptionalAttr<ElementsAttr>:$frozen_value)> {
  let summary = "A graph input in DRAM";
  let description = [{
    Byte offset `dram`; element type and shape from the tensor type;
    `layout` is "dense" (the ONNX shape's row-major order) or "nhwc".
    `frozen_value`, when present, is the value the input was frozen to at
    compile time (`npu-compile --input-value`): the program does not read
    the input, and the runtime refuses any other contents for it.

    ```mlir
    npu_isa.input "x" at 0 : tensor<1x3x48x192xf32>
    npu_isa.input "sizes" at 64 {frozen_value = dense<[1, 1, 8, 8]> : tensor<4xi64>} : tensor<4xi64>
    ```
  }];
  let hasVerifier = 1;
}

def NpuIsa_OutputOp
    : NpuIsa_TensorOp<"output", (ins UnitAttr:$dynamic_shape)> {
  let summary = "A graph output in DRAM";
  let description = [{
    `dynamic_shape`: the output's shape depends on the data (a host op's
    result of data-dependent shape); `type` is its bound, the runtime
    reports the shape the run produced.

    ```mlir
    npu_isa.output "y" at 8192 : tensor<1x2xf32>
    ```
  }];
}

def NpuIsa_DataOp : NpuIsa_Op<"data", [HasParent<"ProgramOp">]> {
  let summary = "Constant bytes placed in DRAM (weights, tables, parameters)";
  let description = [{
    The value's raw bytes (row-major, little-endian) go into the executable's
    constant segment at byte offset `dram`.

    ```mlir
    npu_isa.data at 4096 dense_resource<w> : tensor<64x64xi8>
    ```
  }];
  let arguments = (ins ConfinedAttr<I64Attr, [IntNonNegative]>:$dram,
                       ElementsAttr:$value);
  let assemblyFormat = "`at` $dram $value attr-dict";
}

def NpuIsa_HostOp : NpuIsa_Op<"host", [HasParent<"ProgramOp">]> {
  let summary = "A host segment: an ONNX node the host CPU runs";
  let description = [{
    Ends the NPU segment before it (the NPU's queues drain) and runs the
    ONNX node `op_type` on the SoC's host CPU with the runtime's host
    kernel (runtime/include/npu/runtime/HostKernels.h); the instructions
    after it form the next NPU segment. Operands are dense row-major
    tensors at byte offsets `input_dram` (present inputs only; `present`
    has one entry per ONNX input) and `output_dram`; `onnx_attributes` and
    `opset` as on `npu.host`. `layer` is its layer-table entry.
    `dynamic_shapes` marks outputs of data-dependent shape, typed at their
    bounds; `dynamic_inputs` (one entry per present input) marks inputs
    that are such outputs of an earlier host op, whose actual shape the
    runtime takes from that op.

    ```mlir
    npu_isa.host "ArgMax" {input_dram = array<i64: 0>, input_types = [tensor<2x10xf32>],
                           layer = 1 : i64, onnx_attributes = {axis = 1 : i64},
                           opset = 13 : i64, output_dram = array<i64: 128>,
                           output_types = [tensor<2x1xi64>], present = array<i1: true>}
    ```
  }];
  let arguments = (ins StrAttr:$op_type, I64Attr:$opset,
                       DictionaryAttr:$onnx_attributes,
                       DenseBoolArrayAttr:$present,
                       DenseI64ArrayAttr:$input_dram, TypeArrayAttr:$input_types,
                       DenseI64ArrayAttr:$output_dram,
                       TypeArrayAttr:$output_types,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$layer,
                       OptionalAttr<DenseBoolArrayAttr>:$dynamic_shapes,
                       OptionalAttr<DenseBoolArrayAttr>:$dynamic_inputs);
  let assemblyFormat = "$op_type attr-dict";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Instructions
//===----------------------------------------------------------------------===//

/// Every instruction: the dependence flags and the layer.
class NpuIsa_Insn<string mnemonic, dag args>
    : NpuIsa_Op<mnemonic, [HasParent<"ProgramOp">]> {
  let arguments = !con(args, (ins UnitAttr:$pop_prev, UnitAttr:$pop_next,
                                  UnitAttr:$push_prev, UnitAttr:$push_next,
                                  OptionalAttr<I64Attr>:$layer));
  let hasVerifier = 1;
}

def NpuIsa_SyncOp : NpuIsa_Insn<"sync", (ins StrAttr:$queue)> {
  let summary = "Move dependence tokens only (`sync`)";
  let description = [{
    `queue` is "load", "compute" or "store".

    ```mlir
    npu_isa.sync "compute" {pop_prev, push_next}
    ```
  }];
  let assemblyFormat = "$queue attr-dict";
}

defvar DmaArgs = (ins ConfinedAttr<I64Attr, [IntNonNegative]>:$sram,
                      ConfinedAttr<I64Attr, [IntNonNegative]>:$dram,
                      I64Attr:$elem_bytes, DenseI64ArrayAttr:$sizes,
                      DenseI64ArrayAttr:$dram_strides,
                      DenseI64ArrayAttr:$sram_strides,
                      OptionalAttr<DenseI64ArrayAttr>:$pad_before,
                      OptionalAttr<DenseI64ArrayAttr>:$pad_after,
                      OptionalAttr<I64Attr>:$pad_value);

def NpuIsa_DmaLoadOp : NpuIsa_Insn<"dma_load", !con(DmaArgs, (ins UnitAttr:$local))> {
  let summary = "DRAM to scratchpad, 4-D strided, optional padding (`dma.load`)";
  let description = [{
    Arrays are innermost dimension first: `sizes` in elements, strides in
    bytes, pads in elements. With `local` (ISA v9), `dram` is a scratchpad
    byte address instead and `dram_strides` its strides: a copy inside the
    scratchpad, from a value kept on chip between layers (no DRAM byte
    moves; docs/codegen.md, "Values kept on chip").

    ```mlir
    npu_isa.dma_load sram 0, dram 4096 {elem_bytes = 1 : i64,
      sizes = array<i64: 16, 64, 1, 1>, dram_strides = array<i64: 1, 64, 0, 0>,
      sram_strides = array<i64: 1, 16, 0, 0>, push_next}
    ```
  }];
  let assemblyFormat = "`sram` $sram `,` `dram` $dram attr-dict";
}

def NpuIsa_DmaExpandOp : NpuIsa_Insn<"dma_expand", !con(DmaArgs,
    (ins ConfinedAttr<I64Attr, [IntNonNegative]>:$bytes))> {
  let summary = "A compressed weight image, expanded into the scratchpad (`dma.expand`)";
  let description = [{
    Reads the `bytes`-byte block image at `dram` (the MAC array's R x C
    weight tiles of each plane of the box: their bit mask, then the present
    tiles; docs/npu-architecture.md, "dma.expand") and writes the dense box
    `sizes` at `sram` with `sram_strides`, absent tiles as zeros. No
    padding; `dram_strides` are all 0 (the image is contiguous).

    ```mlir
    npu_isa.dma_expand sram 8192, dram 65536 {bytes = 528 : i64,
      elem_bytes = 1 : i64, sizes = array<i64: 32, 32, 1, 1>,
      dram_strides = array<i64: 0, 0, 0, 0>,
      sram_strides = array<i64: 1, 32, 0, 0>, push_next}
    ```
  }];
  let assemblyFormat = "`sram` $sram `,` `dram` $dram attr-dict";
}

def NpuIsa_DmaExpandElemOp : NpuIsa_Insn<"dma_expand_elem", !con(DmaArgs,
    (ins ConfinedAttr<I64Attr, [IntNonNegative]>:$bytes))> {
  let summary = "An element-compressed weight image, expanded into the scratchpad (`dma.expand.elem`)";
  let description = [{
    As `dma_expand` (ISA v6), but each present R x C tile of the image is
    its element mask (one bit per element) followed by its non-zero
    elements, packed, after a block mask of ceil(blocks / 8) bytes
    (docs/npu-architecture.md, "dma.expand.elem"). No padding;
    `dram_strides` are all 0.

    ```mlir
    npu_isa.dma_expand_elem sram 1024, dram 784 {bytes = 1089 : i64,
      elem_bytes = 4 : i64, sizes = array<i64: 16, 32, 1, 1>,
      dram_strides = array<i64: 0, 0, 0, 0>,
      sram_strides = array<i64: 4, 64, 0, 0>, push_next}
    ```
  }];
  let assemblyFormat = "`sram` $sram `,` `dram` $dram attr-dict";
}

def NpuIsa_DmaStoreOp : NpuIsa_Insn<"dma_store", !con(DmaArgs, (ins UnitAttr:$local))> {
  let summary = "Scratchpad to DRAM, 4-D strided (`dma.store`)";
  let description = [{
    With `local` (ISA v9), `dram` is a scratchpad byte address instead: the
    store writes a value kept on chip.

    ```mlir
    npu_isa.dma_store sram 8192, dram 8192 {elem_bytes = 4 : i64,
      sizes = array<i64: 16, 64, 1, 1>, dram_strides = array<i64: 4, 256, 0, 0>,
      sram_strides = array<i64: 4, 64, 0, 0>, pop_prev}
    ```
  }];
  let assemblyFormat = "`sram` $sram `,` `dram` $dram attr-dict";
}

def NpuIsa_MatmulOp : NpuIsa_Insn<"matmul", (ins
    ConfinedAttr<I64Attr, [IntNonNegative]>:$a,
    ConfinedAttr<I64Attr, [IntNonNegative]>:$w,
    ConfinedAttr<I64Attr, [IntNonNegative]>:$acc,
    I64Attr:$m_outer, I64Attr:$m_inner, I64Attr:$k, I64Attr:$n,
    I64Attr:$a_stride_outer, I64Attr:$a_stride_inner, I64Attr:$w_row_stride,
    I64Attr:$acc_row_stride, UnitAttr:$fp32, UnitAttr:$accumulate,
    UnitAttr:$sparse)> {
  let summary = "MAC array: acc (+)= A x W (`matmul`)";
  let description = [{
    Geometry as the runtime's MatmulDesc; `a` and `w` are scratchpad byte
    addresses, `acc` an accumulator entry.

    ```mlir
    npu_isa.matmul a 0, w 4096, acc 0 {m_outer = 1 : i64, m_inner = 64 : i64,
      k = 64 : i64, n = 16 : i64, a_stride_outer = 0 : i64,
      a_stride_inner = 64 : i64, w_row_stride = 16 : i64,
      acc_row_stride = 16 : i64, pop_prev}
    ```
  }];
  let assemblyFormat = "`a` $a `,` `w` $w `,` `acc` $acc attr-dict";
}

/// Vector instructions: addresses and the iteration space. Element types are
/// "f32", "i32", "i8", "u8" or "bool" (one byte, 1 or 0), and "i64" for the
/// indices `vec_reduce` argmax/argmin write; spaces "sram" or "acc".
class NpuIsa_VecOp<string mnemonic, string summ>
    : NpuIsa_Insn<mnemonic, (ins
        DefaultValuedAttr<StrAttr, "\"\"">:$func,
        ConfinedAttr<I64Attr, [IntNonNegative]>:$src0,
        DefaultValuedAttr<I64Attr, "0">:$src1,
        ConfinedAttr<I64Attr, [IntNonNegative]>:$dst,
        DenseI64ArrayAttr:$dims,
        DenseI64ArrayAttr:$src0_strides,
        OptionalAttr<DenseI64ArrayAttr>:$src1_strides,
        DenseI64ArrayAttr:$dst_strides,
        StrAttr:$src0_type, OptionalAttr<StrAttr>:$src1_type, StrAttr:$dst_type,
        OptionalAttr<StrAttr>:$src0_space, OptionalAttr<StrAttr>:$src1_space,
        OptionalAttr<StrAttr>:$dst_space,
        OptionalAttr<I64Attr>:$channel_axis,
        OptionalAttr<DenseI64ArrayAttr>:$window,
        OptionalAttr<DenseI64ArrayAttr>:$window_strides,
        OptionalAttr<F32Attr>:$alpha, OptionalAttr<F32Attr>:$beta,
        OptionalAttr<F32Attr>:$lo, OptionalAttr<F32Attr>:$hi,
        OptionalAttr<I64Attr>:$zp_in, OptionalAttr<I64Attr>:$zp_out,
        OptionalAttr<I64Attr>:$zp_in1)> {
  let summary = summ;
  let description = [{
    `func` is the function mnemonic of Isa.def (e.g. "add", "exp");
    unset scalars take their defaults (alpha 1, beta 0, lo -inf, hi +inf,
    zero points 0; `zp_in1` is src1's, ISA v13's add_rescale and
    mul_rescale), unset spaces "sram", unset src1 fields zero.

    ```mlir
    npu_isa.vec_binary "add" src0 0, src1 512, dst 1024 {dims = array<i64: 4, 10, 1, 1>,
      src0_strides = array<i64: 1, 4, 0, 0>, src1_strides = array<i64: 1, 0, 0, 0>,
      dst_strides = array<i64: 1, 4, 0, 0>, src0_type = "f32", src1_type = "f32",
      dst_type = "f32"}
    ```
  }];
  let assemblyFormat = "$func `src0` $src0 `,` `src1` $src1 `,` `dst` $dst attr-dict";
}

def NpuIsa_VecBinaryOp : NpuIsa_VecOp<"vec_binary", "Elementwise binary op (`vec.binary`)">;
def NpuIsa_VecUnaryOp : NpuIsa_VecOp<"vec_unary", "Elementwise FP32 function (`vec.unary`)">;
def NpuIsa_VecRequantOp : NpuIsa_VecOp<"vec_requant", "INT32 -> INT8 requantization (`vec.requant`)">;
def NpuIsa_VecLutOp : NpuIsa_VecOp<"vec_lut", "INT8 lookup table (`vec.lut`)">;
def NpuIsa_VecReduceOp : NpuIsa_VecOp<"vec_reduce", "Reduction (`vec.reduce`)">;
def NpuIsa_VecPoolOp : NpuIsa_VecOp<"vec_pool", "Pooling window (`vec.pool`)">;
def NpuIsa_VecConvertOp : NpuIsa_VecOp<"vec_convert", "Element type conversion (`vec.convert`)">;

#endif // NPU_DIALECT_NPUISA_IR_NPUISAOPS_TD
