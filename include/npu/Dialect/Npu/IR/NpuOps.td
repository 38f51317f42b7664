//===- NpuOps.td - npu dialect operations ------------------*- tablegen -*-===//
//
// Graph-level ops. Shapes, layouts and attribute meanings follow the ONNX
// operator specification (https://onnx.ai/onnx/operators/) for the op named
// in each summary; where an op normalises several ONNX ops or opset versions,
// its description says how.
//
//===----------------------------------------------------------------------===//

#ifndef NPU_DIALECT_NPU_IR_NPUOPS_TD
#define NPU_DIALECT_NPU_IR_NPUOPS_TD

include "npu/Dialect/Npu/IR/NpuDialect.td"
include "npu/Dialect/Npu/IR/NpuAttrs.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ViewLikeInterface.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"

def Npu_Tensor : RankedTensorOf<[AnyType]>;

//===----------------------------------------------------------------------===//
// The schedule level (the `scheduled` phase)
//===----------------------------------------------------------------------===//

def Npu_LayerOp : Npu_Op<"layer", [
    SingleBlockImplicitTerminator<"YieldOp">, RecursiveMemoryEffects]> {
  let summary = "Ops that run as one layer: one tile loop on one unit";
  let description = [{
    The schedule level between the `planned` phase and `npu_isa`
    (`npu-compile --compile-to=scheduled`, made by `npu-form-layers`):
    every op that runs code is in exactly one `npu.layer`, the ops of a
    layer share one tile loop (a convolution and its epilogue, a run of
    fused elementwise ops, or one op alone), and the layer carries the
    schedule's decisions as typed attributes: the unit it runs on, its
    tiles and, once `npu-allocate-scratchpad` has run, its scratchpad
    buffers (`scratchpad`: each named buffer's offset, bytes and copies, as
    the layer's lowering asks for them). `npu-convert-to-isa` follows them,
    so a hand-edited schedule (other tiles, a fused layer split in two,
    buffers moved) changes the code; a buffer smaller than the tiles need,
    or missing, is one error. The first op of the body is the layer's
    anchor (the op whose tiles `tiles` are); the body reads values from
    above, its results are what later layers read.

    ```mlir
    %y = npu.layer "conv" unit <mac> tiles <oh = 8, ow = 64, m = 8, c = 8>
        scratchpad [#npu.buffer<"slab", offset = 0, bytes = 8448, copies = 2>,
                    #npu.buffer<"weights", offset = 16896, bytes = 2304,
                                copies = 2>, ...] {
      %c = npu.conv %x, %w, %b {...} : (...) -> tensor<1x8x80x64xf32>
      %r = npu.clamp %c {max = 6.0 : f32, min = 0.0 : f32} : ...
      npu.yield %r : tensor<1x8x80x64xf32>
    } : tensor<1x8x80x64xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name, Npu_ExecutionUnitAttr:$unit,
                       OptionalAttr<Npu_TilesAttr>:$tiles,
                       OptionalAttr<TypedArrayAttrBase<Npu_ScratchpadBufferAttr,
                           "scratchpad buffers">>:$scratchpad);
  let results = (outs Variadic<Npu_Tensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $name `unit` $unit (`tiles` $tiles^)? (`scratchpad` $scratchpad^)? $body
    attr-dict `:` type($results)
  }];
  let hasVerifier = 1;
}

def Npu_YieldOp : Npu_Op<"yield", [Pure, ReturnLike, Terminator,
                                   HasParent<"LayerOp">]> {
  let summary = "The values a layer gives to the layers after it";
  let arguments = (ins Variadic<Npu_Tensor>:$values);
  let builders = [OpBuilder<(ins), [{ /* empty */ }]>];
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}
def Npu_PositiveI64Attr : ConfinedAttr<I64Attr, [IntPositive]>;
def Npu_NonNegativeI64Attr : ConfinedAttr<I64Attr, [IntNonNegative]>;

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

def Npu_ConstantOp : Npu_Op<"constant", [ConstantLike, Pure]> {
  let summary = "Constant tensor (ONNX initializers and Constant nodes)";
  let description = [{
    A constant tensor. Small constants are `dense<...>` literals; large
    weights are `dense_resource<...>` blobs so that multi-megabyte tensors are
    neither copied into the attribute uniquer nor printed inline.

    The result has the value's type, or (quantized weights) the same shape
    with a `quant` element type whose storage type is the value's element
    type; the result type is then printed after `->`.

    ```mlir
    %w = npu.constant dense<1.0> : tensor<8x3x3x3xf32>
    %k = npu.constant dense_resource<conv1.weight> : tensor<64x3x7x7xf32>
    %q = npu.constant dense<[[1, -127]]> : tensor<1x2xi8>
           -> tensor<1x2x!quant.uniform<i8<-127:127>:f32:0, {0.5}>>
    ```
  }];
  let arguments = (ins TypedAttrInterface:$value);
  let results = (outs Npu_Tensor:$output);
  let assemblyFormat = "attr-dict custom<ConstantValue>($value, type($output))";
  let hasFolder = 1;
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Quantization boundaries
//===----------------------------------------------------------------------===//

def Npu_QuantizeOp : Npu_Op<"quantize", [Pure, SameOperandsAndResultShape, Elementwise]> {
  let summary = "FP32 to INT8 or UINT8 (ONNX QuantizeLinear, per tensor)";
  let description = [{
    `q = saturate(round(x / scale) + zero_point)` to [-128, 127] (`i8`) or
    [0, 255] (`u8`), with the scale and zero point of the result's
    `!quant.uniform<i8:f32, scale:zero_point>` (or `u8`) type. `rounding`
    is `half_away_from_zero` (the default: TFLite's kernels; `npu-quantize`
    inserts these where an FP32 value enters INT8 computation) or
    `half_to_even` (ONNX QuantizeLinear, imported from pre-quantized
    models). The NPU runs it as one `vec.convert` `quantize` or
    `quantize_even`.

    ```mlir
    %q = npu.quantize %x : tensor<1x8xf32> -> tensor<1x8x!quant.uniform<i8:f32, 0.05:-3>>
    %u = npu.quantize %x {rounding = #npu<rounding half_to_even>}
           : tensor<1x8xf32> -> tensor<1x8x!quant.uniform<u8:f32, 0.05:128>>
    ```
  }];
  let arguments = (ins Npu_Tensor:$input,
      DefaultValuedAttr<Npu_RoundingModeAttr,
                        "::npu::RoundingMode::half_away_from_zero">:$rounding);
  let results = (outs Npu_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Npu_StorageCastOp : Npu_Op<"storage_cast", [Pure,
    SameOperandsAndResultShape,
    DeclareOpInterfaceMethods<ViewLikeOpInterface>]> {
  let summary = "Quantized values as their storage integers, or back";
  let description = [{
    Reinterprets a tensor of `!quant.uniform<i8:f32, ...>` (or `u8`) as the
    `i8` (`ui8`) integers that store it, or the other way: the same bytes,
    no computation (`quant.scast` for the NPU's tensors). The importer puts
    one between an ONNX integer tensor (a graph input or output, a host
    op's operand) and the quantized value a `QuantizeLinear` makes or a
    `DequantizeLinear` reads; two in a row cancel. The code generator
    treats it as an alias of its operand's DRAM bytes, as `npu.reshape`.

    ```mlir
    %q = npu.storage_cast %x : tensor<1x8xui8> -> tensor<1x8x!quant.uniform<u8:f32, 0.05:128>>
    ```
  }];
  let arguments = (ins Npu_Tensor:$input);
  let results = (outs Npu_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Npu_LookupTableOp : Npu_Op<"lookup_table", [Pure, SameOperandsAndResultShape, Elementwise]> {
  let summary = "INT8 to INT8 through a 256-entry table";
  let description = [{
    `y = table[x + 128]` elementwise, `x` and `y` per-tensor INT8
    (`!quant.uniform<i8:f32, ...>`), `table` 256 `i8` codes. `npu-quantize`
    makes one from a chain of elementwise FP32 ops whose only varying input
    is one INT8 value (GELU's `x * 0.5 * (1 + erf(x / sqrt 2))`, Swish's
    `x * sigmoid(x)`, ...): the chain evaluated in double precision at each
    of the 256 dequantized inputs, quantized to the result type. Every INT8
    activation (`sigmoid`, `hard_sigmoid`, `hard_swish`, `tanh`,
    `leaky_relu`, `clamp` with INT8 operand and result) becomes one too, in
    `npu-quantize` or by canonicalization (`npu::int8ActivationTable`), so
    the tables are computed in the quantized IR and the code generator only
    places them. The NPU runs it as one `vec.lut`.

    ```mlir
    %y = npu.lookup_table %x {table = dense<...> : tensor<256xi8>}
           : tensor<1x8x!quant.uniform<i8:f32, 0.05:-3>> -> tensor<1x8x!quant.uniform<i8:f32, 0.02:-128>>
    ```
  }];
  let arguments = (ins Npu_Tensor:$input, ElementsAttr:$table);
  let results = (outs Npu_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Npu_DequantizeOp : Npu_Op<"dequantize", [Pure, SameOperandsAndResultShape, Elementwise]> {
  let summary = "INT8 or UINT8 to FP32 (ONNX DequantizeLinear, per tensor)";
  let description = [{
    `x = scale * (q - zero_point)` (in FP32: the exact difference times the
    scale, one rounding) with the parameters of the input's
    `!quant.uniform<i8:f32, scale:zero_point>` (or `u8`) type. Inserted by
    `npu-quantize` where an INT8 value is read by FP32 computation (the
    float islands: softmax, layer normalization and the other ops without
    an INT8 form), and imported from ONNX DequantizeLinear. A constant
    input folds to the FP32 constant (a pre-quantized model's weights).

    ```mlir
    %x = npu.dequantize %q : tensor<1x8x!quant.uniform<i8:f32, 0.05:-3>> -> tensor<1x8xf32>
    ```
  }];
  let arguments = (ins Npu_Tensor:$input);
  let results = (outs Npu_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// MAC-array ops
//===----------------------------------------------------------------------===//

def Npu_ConvOp : Npu_Op<"conv", [Pure]> {
  let summary = "N-D convolution (ONNX Conv), grouped and depthwise included";
  let description = [{
    `input` is `N x C x D1 x ... x Dn`, `weight` is `M x C/group x k1 x ... x kn`,
    the optional `bias` is `M`, the result is `N x M x O1 x ... x On` with
    `Oi = floor((Di + pads[i] + pads[i+n] - dilations[i]*(ki-1) - 1) / strides[i]) + 1`.
    `pads` holds the begin pads of every spatial axis, then the end pads
    (ONNX order); ONNX `auto_pad` is resolved into `pads` at import.

    Quantized (the `quantized` phase, docs/quantization.md): `input` and
    the result are `!quant.uniform<i8:f32, s:zp>` per tensor, `weight` is
    `!quant.uniform<i8<-127:127>:f32:0, {s_0, ..., s_M-1}>` (per output
    channel, zero point 0) and `bias` is `i32` with scale `s_in * s_m`, zero
    point 0 (TFLite's and TOSA's scheme). The op computes the real-valued
    convolution of the dequantized operands and requantizes it to the
    result type, saturating to [-128, 127]. With an FP32 result (and an
    FP32 bias) it gives the real-valued convolution unrounded; with an
    `i32` result (ONNX ConvInteger: every scale 1, weights
    `!quant.uniform<i8:f32:0, {1.0, ...}>`, an optional `i32` bias) the
    exact sums of `(x - zp_in) * w` plus the bias, wrapped to 32 bits.

    ```mlir
    %y = npu.conv %x, %w, %b {dilations = array<i64: 1, 1>, group = 1 : i64,
           pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
         : (tensor<1x3x48x192xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>)
           -> tensor<1x8x24x96xf32>
    ```
  }];
  let arguments = (ins Npu_Tensor:$input, Npu_Tensor:$weight,
                       Optional<Npu_Tensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$pads, Npu_PositiveI64Attr:$group);
  let results = (outs Npu_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    /// A 1-D or 2-D convolution with one input and one output channel per
    /// group, and more than one group.
    bool isDepthwise() {
      auto w = ::llvm::cast<::mlir::RankedTensorType>(getWeight().getType());
      int64_t rank = w.getRank();
      return (rank == 3 || rank == 4) && getGroup() > 1 &&
             w.getDimSize(1) == 1 && w.getDimSize(0) == int64_t(getGroup());
    }
  }];
  let hasVerifier = 1;
}

def Npu_ConvTransposeOp : Npu_Op<"conv_transpose", [Pure]> {
  let summary = "N-D transposed convolution (ONNX ConvTranspose)";
  let description = [{
    `input` is `N x C x D1 x ... x Dn`, `weight` is `C x M/group x k1 x ... x kn`
    (ONNX's layout: input channels first), the optional `bias` is `M`; the
    result is `N x M x O1 x ... x On` with
    `Oi = strides[i]*(Di-1) + output_padding[i] + dilations[i]*(ki-1) + 1 - pads[i] - pads[i+n]`.
    ONNX `auto_pad` and `output_shape` are resolved into `pads` at import.

    ```mlir
    %y = npu.conv_transpose %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64,
           output_padding = array<i64: 0, 0>, pads = array<i64: 0, 0, 0, 0>,
           strides = array<i64: 2, 2>}
         : (tensor<1x16x80x80xf32>, tensor<16x16x2x2xf32>) -> tensor<1x16x160x160xf32>
    ```
  }];
  let arguments = (ins Npu_Tensor:$input, Npu_Tensor:$weight,
                       Optional<Npu_Tensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$pads, DenseI64ArrayAttr:$output_padding,
                       Npu_PositiveI64Attr:$group);
  let results = (outs Npu_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Npu_MatMulOp : Npu_Op<"matmul", [Pure]> {
  let summary = "Batched matrix product with NumPy semantics (ONNX MatMul)";
  let description = [{
    `numpy.matmul` semantics: 1-D operands are promoted (and the added unit
    dimension removed from the result), leading batch dimensions broadcast.
    ONNX `Gemm` is imported as `npu.transpose` (for `transA`/`transB`),
    `npu.matmul`, `npu.mul` by `alpha` and `npu.add` of `beta * C`, the scalar
    multiplications being omitted when they are 1.

    Quantized: a per-tensor `!quant.uniform<i8:f32, s:zp>` `lhs` and
    constant 2-D per-column INT8 weights (axis 1), with an FP32 result (the
    real-valued product), or with an `i32` result (ONNX MatMulInteger:
    every scale 1) the exact sums of `(a - zp_a) * w`, wrapped to 32 bits.

    ```mlir
    %y = npu.matmul %a, %b : (tensor<1x40x96xf32>, tensor<96x288xf32>) -> tensor<1x40x288xf32>
    ```
  }];
  let arguments = (ins Npu_Tensor:$lhs, Npu_Tensor:$rhs);
  let results = (outs Npu_Tensor:$output);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Normalisation
//===----------------------------------------------------------------------===//

def Npu_BatchNormOp : Npu_Op<"batch_norm", [Pure]> {
  let summary = "Inference-mode batch normalisation (ONNX BatchNormalization)";
  let description = [{
    `y = scale * (x - mean) / sqrt(var + epsilon) + bias`, per channel (axis
    1). `input` is `N x C x ...`; `scale`, `bias`, `mean` and `var` are `C`.
    Only inference mode is imported (training-mode outputs are refused).

    ```mlir
    %y = npu.batch_norm %x, %s, %b, %m, %v {epsilon = 1.0e-05 : f32}
         : (tensor<1x8x24x96xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>,
            tensor<8xf32>) -> tensor<1x8x24x96xf32>
    ```
  }];
  let arguments = (ins Npu_Tensor:$input, Npu_Tensor:$scale, Npu_Tensor:$bias,
                       Npu_Tensor:$mean, Npu_Tensor:$var, F32Attr:$epsilon);
  let results = (outs Npu_Tensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Npu_LayerNormOp : Npu_Op<"layer_norm", [Pure]> {
  let summary = "Layer normalisation (ONNX LayerNormalization, opset 17)";
  let description = [{
    Normalises over the trailing axes `[axis, rank)`:
    `y = (x - mean) / sqrt(var + epsilon) * scale + bias`; `scale` and the
    optional `bias` have the shape of the normalised axes. `axis` is
    non-negative (negative ONNX axes are resolved at import).

    ```mlir
    %y = npu.layer_norm %x, %g, %b {axis = 2 : i64, epsilon = 1.0e-05 : f32}
         : (tensor<1x40x120xf32>, tensor<120xf32>, tensor<120xf32>) -> tensor<1x40x120xf32>
    ```
  }];
  let arguments = (ins Npu_Tensor:$input, Npu_Tensor:$scale,
                       Optional<Npu_Tensor>:$bias, Npu_NonNegativeI64Attr:$axis,
                       F32Attr:$epsilon);
  let results = (outs Npu_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $scale (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Npu_SoftmaxOp : Npu_Op<"softmax", [Pure, SameOperandsAndResultShape]> {
  let summary = "Softmax along one axis (ONNX Softmax, opset 13 semantics)";
  let description = [{
    `y = exp(x - max(x)) / sum(exp(x - max(x)))` along `axis`. ONNX opsets
    before 13 normalise over the flattened trailing axes `[axis, rank)`; the
    importer expresses that as `npu.reshape` to 2-D, `npu.softmax` on axis 1
    and `npu.reshape` back.

    ```mlir
    %y = npu.softmax %x {axis = 1 : i64} : tensor<1x2xf32> -> tensor<1x2xf32>
    ```
  }];
  let arguments = (ins Npu_Tensor:$input, Npu_NonNegativeI64Attr:$axis);
  let results = (outs Npu_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise activations
//===----------------------------------------------------------------------===//
//
// With `!quant.uniform<i8:f32, ...>` input and result (the `quantized`
// phase), `sigmoid`, `hard_sigmoid`, `hard_swish`, `tanh`, `leaky_relu` and
// `clamp` map each of the 256 input codes to an output code: the real
// function of the dequantized input, quantized to the result type (a
// 256-entry lookup table on the NPU, `vec.lut`).

class Npu_UnaryOp<string mnemonic, list<Trait> traits = []>
    : Npu_Op<mnemonic, !listconcat([Pure, SameOperandsAndResultShape,
                                    Elementwise], traits)> {
  let arguments = (ins Npu_Tensor:$input);
  let results = (outs Npu_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}

def Npu_ClampOp : Npu_UnaryOp<"clamp"> {
  let summary = "Clamp to [min, max] (ONNX Relu, Clip)";
  let description = [{
    `y = min(max(x, min), max)`: with `min > max` every element becomes `max`,
    as ONNX Clip specifies. `Relu` is `clamp` with `min = 0, max = +inf`;
    `Clip` of every opset (attributes before 11, optional constant inputs
    from 11) maps here with ONNX's defaults of the lowest and highest finite
    values of the element type.

    ```mlir
    %y = npu.clamp %x {max = 6.0 : f32, min = 0.0 : f32} : tensor<1x8xf32> -> tensor<1x8xf32>
    ```
  }];
  let arguments = (ins Npu_Tensor:$input, F32Attr:$min, F32Attr:$max);
  let hasFolder = 1;
}

def Npu_LeakyReluOp : Npu_UnaryOp<"leaky_relu"> {
  let summary = "Leaky ReLU (ONNX LeakyRelu)";
  let description = [{
    `y = x >= 0 ? x : alpha * x`.

    ```mlir
    %y = npu.leaky_relu %x {alpha = 0.1 : f32} : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
  let arguments = (ins Npu_Tensor:$input, F32Attr:$alpha);
}

def Npu_HardSigmoidOp : Npu_UnaryOp<"hard_sigmoid"> {
  let summary = "Hard sigmoid (ONNX HardSigmoid)";
  let description = [{
    `y = clamp(alpha * x + beta, 0, 1)`, ONNX defaults `alpha = 0.2`,
    `beta = 0.5`.

    ```mlir
    %y = npu.hard_sigmoid %x {alpha = 0.2 : f32, beta = 0.5 : f32} : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
  let arguments = (ins Npu_Tensor:$input, F32Attr:$alpha, F32Attr:$beta);
}

def Npu_HardSwishOp : Npu_UnaryOp<"hard_swish"> {
  let summary = "Hard swish (ONNX HardSwish)";
  let description = [{
    `y = x * clamp(x / 6 + 0.5, 0, 1)`, i.e. `x * hard_sigmoid(x, 1/6, 0.5)`.

    ```mlir
    %y = npu.hard_swish %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Npu_SigmoidOp : Npu_UnaryOp<"sigmoid"> {
  let summary = "Logistic sigmoid (ONNX Sigmoid)";
  let description = [{
    `y = 1 / (1 + exp(-x))`.

    ```mlir
    %y = npu.sigmoid %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Npu_TanhOp : Npu_UnaryOp<"tanh"> {
  let summary = "Hyperbolic tangent (ONNX Tanh)";
  let description = [{
    ```mlir
    %y = npu.tanh %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Npu_ErfOp : Npu_UnaryOp<"erf"> {
  let summary = "Gauss error function (ONNX Erf)";
  let description = [{
    ```mlir
    %y = npu.erf %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Npu_ExpOp : Npu_UnaryOp<"exp"> {
  let summary = "Natural exponential (ONNX Exp)";
  let description = [{
    ```mlir
    %y = npu.exp %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Npu_SqrtOp : Npu_UnaryOp<"sqrt"> {
  let summary = "Square root (ONNX Sqrt)";
  let description = [{
    ```mlir
    %y = npu.sqrt %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Npu_NegOp : Npu_UnaryOp<"neg"> {
  let summary = "Negation (ONNX Neg)";
  let description = [{
    `y = -x`. (The NPU computes it as `-1 * x + 0`, so +0 gives +0.)

    ```mlir
    %y = npu.neg %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Npu_ReciprocalOp : Npu_UnaryOp<"reciprocal"> {
  let summary = "Reciprocal (ONNX Reciprocal)";
  let description = [{
    `y = 1 / x`, IEEE 754 division (1/0 is +inf).

    ```mlir
    %y = npu.reciprocal %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Npu_AbsOp : Npu_UnaryOp<"abs"> {
  let summary = "Absolute value (ONNX Abs)";
  let description = [{
    `y = |x|`.

    ```mlir
    %y = npu.abs %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Npu_FloorOp : Npu_UnaryOp<"floor"> {
  let summary = "Round down (ONNX Floor)";
  let description = [{
    `y = floor(x)`.

    ```mlir
    %y = npu.floor %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Npu_CeilOp : Npu_UnaryOp<"ceil"> {
  let summary = "Round up (ONNX Ceil)";
  let description = [{
    `y = ceil(x)`.

    ```mlir
    %y = npu.ceil %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Npu_RoundOp : Npu_UnaryOp<"round"> {
  let summary = "Round to nearest, ties to even (ONNX Round)";
  let description = [{
    `y = round(x)`, halves to the even integer.

    ```mlir
    %y = npu.round %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Npu_SignOp : Npu_UnaryOp<"sign"> {
  let summary = "Sign (ONNX Sign)";
  let description = [{
    `y = 1` for `x > 0`, `-1` for `x < 0`, `x` otherwise (zeros, NaN).

    ```mlir
    %y = npu.sign %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Npu_LogOp : Npu_UnaryOp<"log"> {
  let summary = "Natural logarithm (ONNX Log)";
  let description = [{
    `y = ln(x)`.

    ```mlir
    %y = npu.log %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Npu_SinOp : Npu_UnaryOp<"sin"> {
  let summary = "Sine (ONNX Sin)";
  let description = [{
    `y = sin(x)`.

    ```mlir
    %y = npu.sin %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Npu_CosOp : Npu_UnaryOp<"cos"> {
  let summary = "Cosine (ONNX Cos)";
  let description = [{
    `y = cos(x)`.

    ```mlir
    %y = npu.cos %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Npu_SoftplusOp : Npu_UnaryOp<"softplus"> {
  let summary = "Softplus (ONNX Softplus)";
  let description = [{
    `y = ln(exp(x) + 1)`.

    ```mlir
    %y = npu.softplus %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Npu_SoftsignOp : Npu_UnaryOp<"softsign"> {
  let summary = "Softsign (ONNX Softsign)";
  let description = [{
    `y = x / (1 + |x|)`.

    ```mlir
    %y = npu.softsign %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Npu_TanOp : Npu_UnaryOp<"tan"> {
  let summary = "Tangent (ONNX Tan)";
  let description = [{
    `y = tan(x)`.

    ```mlir
    %y = npu.tan %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Npu_AsinOp : Npu_UnaryOp<"asin"> {
  let summary = "Arcsine (ONNX Asin)";
  let description = [{
    `y = asin(x)`.

    ```mlir
    %y = npu.asin %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Npu_AcosOp : Npu_UnaryOp<"acos"> {
  let summary = "Arccosine (ONNX Acos)";
  let description = [{
    `y = acos(x)`.

    ```mlir
    %y = npu.acos %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Npu_AtanOp : Npu_UnaryOp<"atan"> {
  let summary = "Arctangent (ONNX Atan)";
  let description = [{
    `y = atan(x)`.

    ```mlir
    %y = npu.atan %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Npu_SinhOp : Npu_UnaryOp<"sinh"> {
  let summary = "Hyperbolic sine (ONNX Sinh)";
  let description = [{
    `y = sinh(x)`.

    ```mlir
    %y = npu.sinh %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Npu_CoshOp : Npu_UnaryOp<"cosh"> {
  let summary = "Hyperbolic cosine (ONNX Cosh)";
  let description = [{
    `y = cosh(x)`.

    ```mlir
    %y = npu.cosh %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Npu_AsinhOp : Npu_UnaryOp<"asinh"> {
  let summary = "Inverse hyperbolic sine (ONNX Asinh)";
  let description = [{
    `y = asinh(x)`.

    ```mlir
    %y = npu.asinh %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Npu_AcoshOp : Npu_UnaryOp<"acosh"> {
  let summary = "Inverse hyperbolic cosine (ONNX Acosh)";
  let description = [{
    `y = acosh(x)`.

    ```mlir
    %y = npu.acosh %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Npu_AtanhOp : Npu_UnaryOp<"atanh"> {
  let summary = "Inverse hyperbolic tangent (ONNX Atanh)";
  let description = [{
    `y = atanh(x)`.

    ```mlir
    %y = npu.atanh %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Npu_ThresholdedReluOp : Npu_UnaryOp<"thresholded_relu"> {
  let summary = "Thresholded ReLU (ONNX ThresholdedRelu)";
  let description = [{
    `y = x > alpha ? x : 0`.

    ```mlir
    %y = npu.thresholded_relu %x {alpha = 1.0 : f32} : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
  let arguments = (ins Npu_Tensor:$input, F32Attr:$alpha);
}

def Npu_ShrinkOp : Npu_UnaryOp<"shrink"> {
  let summary = "Shrink (ONNX Shrink)";
  let description = [{
    `y = x < -lambd ? x + bias : x > lambd ? x - bias : 0`.

    ```mlir
    %y = npu.shrink %x {bias = 0.0 : f32, lambd = 0.5 : f32} : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
  let arguments = (ins Npu_Tensor:$input, F32Attr:$lambd, F32Attr:$bias);
}

def Npu_EluOp : Npu_UnaryOp<"elu"> {
  let summary = "Exponential linear unit (ONNX Elu, Selu)";
  let description = [{
    `y = scale * (x > 0 ? x : alpha * (exp(x) - 1))`: ONNX Elu with
    `scale = 1`, Selu with `scale = gamma`.

    ```mlir
    %y = npu.elu %x {alpha = 1.0 : f32, scale = 1.0 : f32} : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
  let arguments = (ins Npu_Tensor:$input, F32Attr:$alpha, F32Attr:$scale);
}

def Npu_CastOp : Npu_UnaryOp<"cast"> {
  let summary = "Element type conversion (ONNX Cast)";
  let description = [{
    Converts each element to the result's element type with ONNX Cast
    semantics (float to integer truncates toward zero). Casts of constants
    are folded at import.

    ```mlir
    %y = npu.cast %x : tensor<4xi64> -> tensor<4xf32>
    ```
  }];
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise binary ops (multidirectional broadcasting)
//===----------------------------------------------------------------------===//

class Npu_BinaryOp<string mnemonic, string onnxName, string expr,
                   list<Trait> traits = []>
    : Npu_Op<mnemonic, !listconcat([Pure, ResultsBroadcastableShape], traits)> {
  let summary = "Elementwise " # expr # " with broadcasting (ONNX " # onnxName # ")";
  let description = [{
    Multidirectional (NumPy) broadcasting of `lhs` and `rhs`; the result has
    the broadcast shape.

    ```mlir
    %y = npu.}] # mnemonic # [{ %a, %b : (tensor<1x8x4x4xf32>, tensor<8x1x1xf32>) -> tensor<1x8x4x4xf32>
    ```
  }];
  let arguments = (ins Npu_Tensor:$lhs, Npu_Tensor:$rhs);
  let results = (outs Npu_Tensor:$output);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  // Constant operands (f32, inline or blob) fold, with broadcasting.
  let hasFolder = 1;
}

def Npu_AddOp : Npu_BinaryOp<"add", "Add", "lhs + rhs", [Commutative]>;
def Npu_SubOp : Npu_BinaryOp<"sub", "Sub", "lhs - rhs">;
def Npu_MulOp : Npu_BinaryOp<"mul", "Mul", "lhs * rhs", [Commutative]>;
def Npu_DivOp : Npu_BinaryOp<"div", "Div", "lhs / rhs">;
def Npu_PowOp : Npu_BinaryOp<"pow", "Pow", "lhs ^ rhs">;
def Npu_MinimumOp : Npu_BinaryOp<"minimum", "Min, Clip", "min(lhs, rhs)",
                                 [Commutative]>;
def Npu_MaximumOp : Npu_BinaryOp<"maximum", "Max, Clip", "max(lhs, rhs)",
                                 [Commutative]>;

//===----------------------------------------------------------------------===//
// Comparisons, logic and selection (BOOL tensors are i1: one byte per element
// in memory, 1 true, 0 false)
//===----------------------------------------------------------------------===//

class Npu_CompareOp<string mnemonic, string onnxName, string expr,
                    list<Trait> traits = []>
    : Npu_Op<mnemonic, !listconcat([Pure, ResultsBroadcastableShape,
                                    AllElementTypesMatch<["lhs", "rhs"]>],
                                   traits)> {
  let summary = "Elementwise " # expr # " with broadcasting (ONNX " # onnxName # ")";
  let description = [{
    Multidirectional (NumPy) broadcasting of `lhs` and `rhs`, operands of one
    element type; the result is `i1` of the broadcast shape. On the NPU: the
    vector unit's comparison of FP32 or INT32 operands (IEEE for FP32: NaN
    compares false); other element types run on the host CPU.

    ```mlir
    %m = npu.}] # mnemonic # [{ %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
    ```
  }];
  let arguments = (ins Npu_Tensor:$lhs, Npu_Tensor:$rhs);
  let results = (outs RankedTensorOf<[I1]>:$output);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def Npu_EqualOp : Npu_CompareOp<"equal", "Equal", "lhs == rhs", [Commutative]>;
def Npu_GreaterOp : Npu_CompareOp<"greater", "Greater", "lhs > rhs">;
def Npu_GreaterOrEqualOp
    : Npu_CompareOp<"greater_or_equal", "GreaterOrEqual", "lhs >= rhs">;
def Npu_LessOp : Npu_CompareOp<"less", "Less", "lhs < rhs">;
def Npu_LessOrEqualOp
    : Npu_CompareOp<"less_or_equal", "LessOrEqual", "lhs <= rhs">;

class Npu_LogicOp<string mnemonic, string onnxName, string expr>
    : Npu_Op<mnemonic, [Pure, Commutative, ResultsBroadcastableShape]> {
  let summary = "Elementwise logical " # expr # " with broadcasting (ONNX " # onnxName # ")";
  let description = [{
    Multidirectional (NumPy) broadcasting of two `i1` tensors.

    ```mlir
    %m = npu.}] # mnemonic # [{ %a, %b : (tensor<2x3xi1>, tensor<3xi1>) -> tensor<2x3xi1>
    ```
  }];
  let arguments = (ins RankedTensorOf<[I1]>:$lhs, RankedTensorOf<[I1]>:$rhs);
  let results = (outs RankedTensorOf<[I1]>:$output);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def Npu_AndOp : Npu_LogicOp<"and", "And", "lhs and rhs">;
def Npu_OrOp : Npu_LogicOp<"or", "Or", "lhs or rhs">;
def Npu_XorOp : Npu_LogicOp<"xor", "Xor", "lhs xor rhs">;

def Npu_NotOp : Npu_Op<"not", [Pure, SameOperandsAndResultShape, Elementwise]> {
  let summary = "Elementwise logical negation (ONNX Not)";
  let description = [{
    ```mlir
    %n = npu.not %m : tensor<2x3xi1> -> tensor<2x3xi1>
    ```
  }];
  let arguments = (ins RankedTensorOf<[I1]>:$input);
  let results = (outs RankedTensorOf<[I1]>:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}

def Npu_WhereOp : Npu_Op<"where", [Pure, ResultsBroadcastableShape,
                                   AllElementTypesMatch<["x", "y", "output"]>]> {
  let summary = "Elementwise selection with broadcasting (ONNX Where)";
  let description = [{
    `output = condition ? x : y`, the three operands broadcast together
    (NumPy rules); `x`, `y` and the result have one element type. On the NPU
    (FP32 or INT32): a copy of `y` into the result, then the vector unit's
    masked move of `x` where `condition` holds (`vec.binary select`).

    ```mlir
    %y = npu.where %c, %a, %b : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[I1]>:$condition, Npu_Tensor:$x, Npu_Tensor:$y);
  let results = (outs Npu_Tensor:$output);
  let assemblyFormat = "$condition `,` $x `,` $y attr-dict `:` functional-type(operands, results)";
}

//===----------------------------------------------------------------------===//
// Pooling and reductions
//===----------------------------------------------------------------------===//

class Npu_PoolOp<string mnemonic> : Npu_Op<mnemonic, [Pure]> {
  let results = (outs Npu_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Npu_MaxPoolOp : Npu_PoolOp<"max_pool"> {
  let summary = "Max pooling (ONNX MaxPool)";
  let description = [{
    Window maximum over the spatial axes of `N x C x D1 x ... x Dn`; padded
    positions never win. Output size as for `npu.conv` with `kernel_shape`,
    rounding up instead of down when `ceil_mode` is set (a window that would
    start entirely in the end padding is dropped, as ONNX and PyTorch do).

    ```mlir
    %y = npu.max_pool %x {ceil_mode = false, dilations = array<i64: 1, 1>,
           kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>,
           strides = array<i64: 2, 2>} : tensor<1x8x24x96xf32> -> tensor<1x8x12x48xf32>
    ```
  }];
  let arguments = (ins Npu_Tensor:$input, DenseI64ArrayAttr:$kernel_shape,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$pads, BoolAttr:$ceil_mode);
}

def Npu_AvgPoolOp : Npu_PoolOp<"avg_pool"> {
  let summary = "Average pooling (ONNX AveragePool)";
  let description = [{
    Window mean over the spatial axes. With `count_include_pad` the divisor
    counts the explicit `pads` positions (never the extra positions added by
    `ceil_mode`); without it, only input positions. Output size as for
    `npu.max_pool` with unit dilations.

    ```mlir
    %y = npu.avg_pool %x {ceil_mode = false, count_include_pad = false,
           kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>,
           strides = array<i64: 2, 2>} : tensor<1x8x24x96xf32> -> tensor<1x8x12x48xf32>
    ```
  }];
  let arguments = (ins Npu_Tensor:$input, DenseI64ArrayAttr:$kernel_shape,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       BoolAttr:$ceil_mode, BoolAttr:$count_include_pad);
}

class Npu_ReduceOp<string mnemonic> : Npu_Op<mnemonic, [Pure]> {
  let arguments = (ins Npu_Tensor:$input, DenseI64ArrayAttr:$axes,
                       BoolAttr:$keepdims);
  let results = (outs Npu_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Npu_ReduceMeanOp : Npu_ReduceOp<"reduce_mean"> {
  let summary = "Mean over axes (ONNX ReduceMean, GlobalAveragePool)";
  let description = [{
    `axes` are non-negative, strictly increasing and non-empty (ONNX's
    "all axes" default is made explicit at import). `GlobalAveragePool` is
    imported as `reduce_mean` over the spatial axes with `keepdims`.

    ```mlir
    %y = npu.reduce_mean %x {axes = array<i64: 2, 3>, keepdims = true}
         : tensor<1x8x24x96xf32> -> tensor<1x8x1x1xf32>
    ```
  }];
}

def Npu_ReduceSumOp : Npu_ReduceOp<"reduce_sum"> {
  let summary = "Sum over axes (ONNX ReduceSum; ReduceSumSquare, ReduceL1, "
                "ReduceL2, ReduceLogSum, ReduceLogSumExp)";
  let description = [{
    As `npu.reduce_mean`, with the sum. ReduceSumSquare, ReduceL1, ReduceL2,
    ReduceLogSum and ReduceLogSumExp import as `reduce_sum` between
    elementwise ops (`mul`, `abs`, `exp` before; `sqrt`, `log` after).

    ```mlir
    %y = npu.reduce_sum %x {axes = array<i64: 1>, keepdims = false}
         : tensor<2x8xf32> -> tensor<2xf32>
    ```
  }];
}

def Npu_ReduceMinOp : Npu_ReduceOp<"reduce_min"> {
  let summary = "Minimum over axes (ONNX ReduceMin)";
  let description = [{
    As `npu.reduce_mean`, with the minimum (NaN propagates).

    ```mlir
    %y = npu.reduce_min %x {axes = array<i64: 1>, keepdims = true}
         : tensor<2x8xf32> -> tensor<2x1xf32>
    ```
  }];
}

def Npu_ReduceProdOp : Npu_ReduceOp<"reduce_prod"> {
  let summary = "Product over axes (ONNX ReduceProd)";
  let description = [{
    As `npu.reduce_mean`, with the product (FP32, multiplied in the order
    of the input's elements along the reduced axes; `vec.reduce prod`, ISA
    version 11).

    ```mlir
    %y = npu.reduce_prod %x {axes = array<i64: 1>, keepdims = false}
         : tensor<2x8xf32> -> tensor<2xf32>
    ```
  }];
}

def Npu_ReduceMaxOp : Npu_ReduceOp<"reduce_max"> {
  let summary = "Maximum over axes (ONNX ReduceMax, GlobalMaxPool)";
  let description = [{
    As `npu.reduce_mean`, with the maximum. `GlobalMaxPool` is imported as
    `reduce_max` over the spatial axes with `keepdims`.

    ```mlir
    %y = npu.reduce_max %x {axes = array<i64: 2, 3>, keepdims = true}
         : tensor<1x8x24x96xf32> -> tensor<1x8x1x1xf32>
    ```
  }];
}

class Npu_ArgReduceOp<string mnemonic> : Npu_Op<mnemonic, [Pure]> {
  let arguments = (ins Npu_Tensor:$input, Npu_NonNegativeI64Attr:$axis,
                       BoolAttr:$keepdims, BoolAttr:$select_last_index);
  let results = (outs RankedTensorOf<[I32, I64]>:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Npu_ArgMaxOp : Npu_ArgReduceOp<"arg_max"> {
  let summary = "Index of the maximum along an axis (ONNX ArgMax)";
  let description = [{
    The index (INT64 as ONNX's ArgMax, or INT32) of the greatest element
    along `axis` (non-negative: ONNX's negative axis is resolved at import),
    which the result keeps as 1 with `keepdims` or drops. Ties give the
    first index, or the last with `select_last_index`. A NaN is chosen only
    when it comes first (ONNX Runtime's comparisons; the host kernel's too).
    Runs as `vec.reduce argmax` (docs/npu-architecture.md).

    ```mlir
    %i = npu.arg_max %x {axis = 1 : i64, keepdims = true,
                         select_last_index = false}
         : tensor<2x3x4xf32> -> tensor<2x1x4xi64>
    ```
  }];
}

def Npu_ArgMinOp : Npu_ArgReduceOp<"arg_min"> {
  let summary = "Index of the minimum along an axis (ONNX ArgMin)";
  let description = [{
    As `npu.arg_max`, with the least element (`vec.reduce argmin`).

    ```mlir
    %i = npu.arg_min %x {axis = 0 : i64, keepdims = false,
                         select_last_index = true}
         : tensor<2x3xf32> -> tensor<3xi64>
    ```
  }];
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

def Npu_ConcatOp : Npu_Op<"concat", [Pure]> {
  let summary = "Concatenation along an axis (ONNX Concat)";
  let description = [{
    ```mlir
    %y = npu.concat %a, %b {axis = 1 : i64}
         : (tensor<1x8x4x4xf32>, tensor<1x16x4x4xf32>) -> tensor<1x24x4x4xf32>
    ```
  }];
  let arguments = (ins Variadic<Npu_Tensor>:$inputs, Npu_NonNegativeI64Attr:$axis);
  let results = (outs Npu_Tensor:$output);
  let assemblyFormat = "$inputs attr-dict `:` functional-type($inputs, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Npu_SliceOp : Npu_Op<"slice", [Pure]> {
  let summary = "Strided slice (ONNX Slice, Split)";
  let description = [{
    Result element `i` (a multi-index) is `input[offsets + i * strides]`; the
    result shape gives the sizes. `offsets` and `strides` cover every axis;
    a negative stride walks backwards from `offsets`. ONNX's clamping of
    `starts`/`ends` and every opset's form (attributes before 10, inputs
    from 10) are resolved at import; `Split` becomes one slice per output.

    ```mlir
    %y = npu.slice %x {offsets = array<i64: 0, 4>, strides = array<i64: 1, 2>}
         : tensor<3x10xf32> -> tensor<3x3xf32>
    ```
  }];
  let arguments = (ins Npu_Tensor:$input, DenseI64ArrayAttr:$offsets,
                       DenseI64ArrayAttr:$strides);
  let results = (outs Npu_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Npu_ReshapeOp : Npu_Op<"reshape", [Pure,
    DeclareOpInterfaceMethods<ViewLikeOpInterface>]> {
  let summary = "Reshape (ONNX Reshape, Flatten, Squeeze, Unsqueeze)";
  let description = [{
    Reinterprets the row-major element order with the result's static
    shape; element counts must match. The code generator treats it as an
    alias of its operand's DRAM bytes (`ViewLikeOpInterface`).

    ```mlir
    %y = npu.reshape %x : tensor<1x8x1x1xf32> -> tensor<1x8xf32>
    ```
  }];
  let arguments = (ins Npu_Tensor:$input);
  let results = (outs Npu_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Npu_TransposeOp : Npu_Op<"transpose", [Pure]> {
  let summary = "Axis permutation (ONNX Transpose)";
  let description = [{
    Result axis `i` is input axis `perm[i]`.

    ```mlir
    %y = npu.transpose %x {perm = array<i64: 0, 2, 3, 1>}
         : tensor<1x8x4x5xf32> -> tensor<1x4x5x8xf32>
    ```
  }];
  let arguments = (ins Npu_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs Npu_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Npu_PadOp : Npu_Op<"pad", [Pure]> {
  let summary = "Padding (ONNX Pad: constant, edge and reflect modes)";
  let description = [{
    `pads` holds the begin pads of every axis, then the end pads (ONNX
    order); negative pads crop. New elements are `value` (mode `constant`,
    the default), repeat the nearest edge element (`edge`) or mirror the
    elements next to the edge, the edge itself excluded (`reflect`, which
    needs pads smaller than the axis).

    ```mlir
    %y = npu.pad %x {pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, value = 0.0 : f32}
         : tensor<1x3x4x4xf32> -> tensor<1x3x6x6xf32>
    ```
  }];
  let arguments = (ins Npu_Tensor:$input, DenseI64ArrayAttr:$pads, F32Attr:$value,
                       DefaultValuedAttr<Npu_PadModeAttr, "::npu::PadMode::constant">:$mode);
  let results = (outs Npu_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Npu_GatherOp : Npu_Op<"gather", [Pure]> {
  let summary = "Gather along an axis (ONNX Gather)";
  let description = [{
    The result shape is `data.shape[:axis] + indices.shape + data.shape[axis+1:]`;
    negative indices count from the end of the axis, as in ONNX.

    ```mlir
    %y = npu.gather %data, %idx {axis = 0 : i64}
         : (tensor<5x4xf32>, tensor<3xi64>) -> tensor<3x4xf32>
    ```
  }];
  let arguments = (ins Npu_Tensor:$data, Npu_Tensor:$indices,
                       Npu_NonNegativeI64Attr:$axis);
  let results = (outs Npu_Tensor:$output);
  let assemblyFormat = "$data `,` $indices attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Npu_ResizeOp : Npu_Op<"resize", [Pure]> {
  let summary = "Nearest, linear or cubic resampling (ONNX Resize)";
  let description = [{
    Output element at index `o` on axis `d` samples the input at
    `x = transform(o, scales[d], in_d, out_d)` under `coordinate_transformation_mode`,
    rounded by `nearest_mode` (nearest) or interpolated over the 2 (linear)
    or 4 (cubic, Keys' kernel with `cubic_coeff_a`) nearest input elements,
    separably over the axes; taps outside the axis read the edge element, or
    with `exclude_outside` are dropped and the weights renormalised
    (npu/Dialect/Npu/IR/ResizeSampling.h). `scales` are ONNX's (when the
    model gives `sizes`, `scales = out / in`); opset 10 behaves as
    `asymmetric` with `floor` rounding.

    A nearest resize whose samples are strided copies on every axis is data
    movement (DMA); `npu-lower-resize` turns every other resize into
    matmuls with interpolation matrices.

    ```mlir
    %y = npu.resize %x {coordinate_transformation_mode = #npu<coord_mode asymmetric>,
           mode = #npu<resize_mode nearest>, nearest_mode = #npu<nearest_mode floor>,
           scales = array<f32: 1.0, 1.0, 2.0, 2.0>}
         : tensor<1x8x4x4xf32> -> tensor<1x8x8x8xf32>
    ```
  }];
  let arguments = (ins Npu_Tensor:$input, Npu_ResizeModeAttr:$mode,
                       Npu_CoordinateTransformationModeAttr:$coordinate_transformation_mode,
                       Npu_NearestModeAttr:$nearest_mode, DenseF32ArrayAttr:$scales,
                       DefaultValuedAttr<F32Attr, "-0.75f">:$cubic_coeff_a,
                       UnitAttr:$exclude_outside);
  let results = (outs Npu_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Heterogeneous execution
//===----------------------------------------------------------------------===//

def Npu_HostOp : Npu_Op<"host", [Pure]> {
  let summary = "An ONNX node the SoC's host CPU runs (heterogeneous execution)";
  let description = [{
    The ONNX node `op_type` (default domain, the model's opset `opset`) with
    its ONNX attributes in `onnx_attributes` (integers as `i64`, floats as
    `f32`, strings, `array<i64: ...>` and `array<f32: ...>` lists), run by
    the runtime's host kernel of that op type
    (runtime/include/npu/runtime/HostKernels.h) with ONNX semantics, on
    dense row-major tensors in the DRAM the CPU shares with the NPU.
    `present` marks which of the node's inputs are given (absent optional
    inputs have no operand). The importer places a node here when the NPU
    cannot run it (no NPU lowering, or one the target's backend refuses),
    when `--exec-on-cpu` names it, and never under `--npu-only`; `reason`
    records why.

    ```mlir
    %i = npu.host "ArgMax"(%x) {onnx_attributes = {axis = 1 : i64, keepdims = 0 : i64},
                               opset = 13 : i64, present = array<i1: true>}
        : (tensor<2x10xf32>) -> tensor<2xi64>
    ```

    The verifier checks the attributes' kinds and asks the host kernel to
    verify the operand and result types and shapes, as the runtime's loader
    does.

    `dynamic_shapes` marks results whose shape depends on the data
    (`NonZero`, `Unique`, `Compress`, `NonMaxSuppression`): such a result is
    typed at its bound (the largest shape it can take, the host kernel's
    `bound`), its buffer planned at that size, and its actual shape is known
    only at run time, so only the graph's return and other host ops may
    read it. A host op that reads one has every result of data-dependent
    shape too, typed at the shapes ONNX's inference gives for its operands'
    bounds (`rt::inferHostOutputShapes`); the runtime infers the actual
    ones from its operands' actual shapes before it runs.

    ```mlir
    %nz = npu.host "NonZero"(%x) {dynamic_shapes = array<i1: true>, ...}
        : (tensor<2x3xf32>) -> tensor<2x6xi64>
    ```
  }];
  let arguments = (ins StrAttr:$op_type, I64Attr:$opset,
                       DictionaryAttr:$onnx_attributes,
                       DenseBoolArrayAttr:$present,
                       OptionalAttr<StrAttr>:$reason,
                       OptionalAttr<DenseBoolArrayAttr>:$dynamic_shapes,
                       Variadic<Npu_Tensor>:$inputs);
  let results = (outs Variadic<Npu_Tensor>:$outputs);
  let assemblyFormat =
      "$op_type `(` $inputs `)` attr-dict `:` functional-type($inputs, $outputs)";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The node as the runtime's host kernels see it; fails with one line
    /// in `why` on an attribute of a kind ONNX host kernels do not take.
    ::llvm::LogicalResult getHostNode(::npu::rt::HostNode &node,
                                      std::string &why);
    /// The node (getHostNode) and the runtime's kernel for it; null with
    /// one line in `why` when either is missing.
    const ::npu::rt::HostKernel *getHostKernel(::npu::rt::HostNode &node,
                                               std::string &why);
    /// Asks the host kernel of the op type to verify the node, its operand
    /// slots (absent ones marked) and result types; fails with one line in
    /// `why`. The verifier and the importer's placement share it.
    ::llvm::LogicalResult verifyWithHostKernel(std::string &why);
    /// The host kernel's bound of every result (HostKernel::bound) for the
    /// operand types; fails with one line in `why` when the kernel has no
    /// bound (its shapes do not depend on data) or refuses the operands.
    ::llvm::LogicalResult
    getResultBounds(std::vector<std::vector<int64_t>> &bounds,
                    std::string &why);
    /// The result shapes for the operand types: the kernel's bound, or
    /// ONNX's inference (rt::inferHostOutputShapes), which is how a reader
    /// of operands of data-dependent shape is typed at their bounds. Fails
    /// with one line in `why`.
    ::llvm::LogicalResult
    inferResultShapes(std::vector<std::vector<int64_t>> &shapes,
                      std::string &why);
    /// Whether result `i` has a data-dependent shape (`dynamic_shapes`).
    bool isDynamicResult(unsigned i) {
      auto d = getDynamicShapesAttr();
      return d && i < unsigned(d.size()) && d[i];
    }
  private:
    /// The kernel's view of every input slot (absent ones marked).
    std::vector<::npu::rt::HostTensorView> inputSlots();
  public:
  }];
}

#endif // NPU_DIALECT_NPU_IR_NPUOPS_TD
