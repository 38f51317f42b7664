//===- Passes.td - npu dialect passes ----------------------*- tablegen -*-===//

#ifndef NPU_DIALECT_NPU_TRANSFORMS_PASSES_TD
#define NPU_DIALECT_NPU_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Graph optimisation (the `optimized` phase)
//===----------------------------------------------------------------------===//

def FoldAffine : Pass<"npu-fold-affine", "mlir::func::FuncOp"> {
  let summary = "Fold constant scales and shifts into convolutions; find "
                "decomposed hard swish and residual gates; pool before a "
                "pointwise convolution";
  let description = [{
    `mul(conv(x, W, b), s)` becomes `conv(x, W * s, b * s)` and
    `add(conv(x, W, b), t)` becomes `conv(x, W, b + t)`, for constant `s`
    and `t` that are scalars or one value per output channel (broadcasting
    against the result as `[C, 1, 1]` does), the convolution having no
    other user; the arithmetic is done in double precision and rounded once
    to f32. The same holds after a transposed convolution (its weights are
    `[C][M/group][k...]`): PaddleOCR det's up-sampling head writes its bias
    and batch norm as such adds and multiplies. Before a convolution without padding, `conv(mul(y, s), W, b)`
    becomes `conv(y, W * s, b)` and `conv(add(y, t), W, b)` becomes
    `conv(y, W, b + sum(W * t))` for scalar or per-input-channel constants.
    PP-OCRv4's "learnable affine blocks" around each activation are such
    scalar pairs.

    `div(mul(x, clamp(add(x, 3), 0, 6)), 6)`, how exporters write HardSwish
    for opsets without it, becomes `npu.hard_swish(x)`: one vector op (or one
    INT8 lookup table) instead of four.

    `add(x, mul(x, g))`, a gate `g` that broadcasts against `x` with fewer
    elements (PaddleOCR det's RSE blocks, `x + x * se(x)`), becomes
    `mul(x, add(g, 1))`: one full-size op reading `x` once. In INT8 the
    product then needs no INT8 copy of `x` for an INT8 add.

    `reduce_mean(conv(x, W, b))` over every spatial axis (keepdims), for a
    pointwise convolution (kernel extents 1, strides 1, no padding),
    becomes `conv(reduce_mean(x), W, b)` when `x` has fewer elements than
    the convolution's result or the mean is its only reader: the mean is
    linear and the convolution maps each pixel alone, so the mean reads
    the smaller tensor and the convolution runs on one pixel (PaddleOCR
    det's RSE gates: a 12-channel input instead of a 96-channel result at
    160x160).
  }];
  let dependentDialects = ["npu::NpuDialect"];
}

def FoldQdq : Pass<"npu-fold-qdq", "mlir::func::FuncOp"> {
  let summary = "Run a pre-quantized (QDQ) model's convolutions and matmuls "
                "in INT8";
  let description = [{
    A model quantized by its authors says, with `DequantizeLinear` and
    `QuantizeLinear` around each convolution, which values are INT8 and at
    what scale. This pass gives those convolutions their INT8 form, the
    form `npu-quantize` makes from calibrated ranges (docs/quantization.md,
    "Pre-quantized models"):

    - UINT8 codes that only dequantizes read (a `QuantizeLinear` to UINT8
      followed by `DequantizeLinear`s, ONNX Runtime's default) become INT8
      with the zero point minus 128: the same real values, and the MAC
      array's signed operands.
    - `quantize(conv(dequantize(x), W, b))`, with `x` INT8 per tensor,
      constant FP32 `W` and `b` (a `DequantizeLinear` of the weights folds
      at import) and the quantize the convolution's only reader, becomes
      `conv(x, W_q, b_q)` with an INT8 result of the quantize's type:
      weights symmetric per output channel (`createInt8Weights`), bias
      INT32 at `s_x * s_w`, when those codes give back exactly the model's
      (dequantized) weights: an INT8 model's codes whose largest in each
      channel is +-127, as max-abs scales make them. A ReLU or ReLU6
      (`npu.clamp` with min 0) between them joins when the requantization's
      saturation clamps where it did: the quantize's zero point is its
      lowest code and the clamp's max quantizes to the highest or past it.
    - `matmul(dequantize(x), W)` with constant 2-D `W`, and
      `conv_transpose(dequantize(x), W, b)` of one group, become the INT8
      matmul and transposed convolution (weights per output channel, axis
      1, FP32 result), on the same condition.
    - `quantize(max_pool(dequantize(x)))` with the same type on both sides
      pools the codes.

    A pruned (all-zero) output channel gets the weight scale that keeps its
    bias to 2^-17 of an output code; a channel whose requantization
    multiplier the readout cannot represent keeps the FP32 form. The
    rewritten convolution requantizes in fixed point (TOSA's apply_scale_32,
    ties upward), not with the quantize's round-half-to-even in FP32: a
    result exactly between two codes can come out one code apart from ONNX
    Runtime's QLinearConv. Only what the backend runs in INT8 is rewritten
    (`supportsInt8()`); everything else keeps its FP32 form between the
    model's quantize and dequantize ops.
  }];
  let dependentDialects = ["npu::NpuDialect", "mlir::quant::QuantDialect"];
}

def BroadcastUpsample : Pass<"npu-broadcast-upsample", "mlir::func::FuncOp"> {
  let summary = "Read a nearest integer upsampling inside the elementwise op "
                "that uses it, by broadcasting";
  let description = [{
    `add(x, resize(y))` with a nearest Resize that repeats each element of
    the two innermost axes `s` times (a feature pyramid's top-down x2 path)
    becomes `reshape(add(reshape(x), reshape(y)))` on views that split each
    upsampled axis of extent `d` into `(d / s, s)`, `y` read as
    `(d / s, 1)`: the same sums, and the upsampled tensor is never written
    to DRAM nor read back (PaddleOCR det's three upsample-and-add steps).
    Any op with NumPy broadcasting (`ResultsBroadcastableShape`) and an
    FP32 or per-tensor INT8 result (each view and widened op keeping its
    value's scale and zero point) takes it when its other operands broadcast to the result
    axis by axis (one of them of the result's shape; a broadcast one is
    read as `(1, 1)` on a split axis), none is a convolution's result
    (whose epilogue would take the add with the up-sampling as its
    residual), and the Resize has no other reader (else the up-sampled
    tensor is written anyway). An elementwise op that produces a full
    operand for it alone is widened with it, its operands read through the
    same views (PaddleOCR det's squeeze-excitation scale before each
    top-down add), so the two stay one fused vector program and the scaled
    tensor makes no DRAM round trip; not one reading a convolution's result
    that nothing else reads (its epilogue). A widened op's iteration space
    may keep five or six dims: the vector program loops over the outer
    ones, at most `kMaxVectorOuterTiles` indices of them; when the widened
    shape's axes before its last four hold more, only full operands are
    taken and no producer is widened. A split axis longer than 512 (which a
    vector program's buffer might not hold once split) leaves the op as it
    is. It runs
    at the start of the `tiled` phase, after quantization, on FP32 and
    INT8 ops alike.

    ```mlir
    %u = npu.resize %y {mode = #npu<resize_mode nearest>, scales = array<f32: 1.0, 1.0, 2.0, 2.0>, ...}
        : tensor<1x8x4x4xf32> -> tensor<1x8x8x8xf32>
    %s = npu.add %x, %u : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
    // becomes
    %a = npu.reshape %x : tensor<1x8x8x8xf32> -> tensor<1x8x4x2x4x2xf32>
    %b = npu.reshape %y : tensor<1x8x4x4xf32> -> tensor<1x8x4x1x4x1xf32>
    %w = npu.add %a, %b : (tensor<1x8x4x2x4x2xf32>, tensor<1x8x4x1x4x1xf32>) -> tensor<1x8x4x2x4x2xf32>
    %s = npu.reshape %w : tensor<1x8x4x2x4x2xf32> -> tensor<1x8x8x8xf32>
    ```
  }];
}

def FoldRuntimeScale : Pass<"npu-fold-runtime-scale", "mlir::func::FuncOp"> {
  let summary = "Fold a run-time per-channel scale of a convolution's input "
                "into its weights";
  let description = [{
    `conv(mul(x, s), W, b)` becomes `conv(x, mul(W, s), b)` when `s` is one
    value per input channel computed at run time (a squeeze-and-excitation
    block's gate: `[N=1, C, 1, 1]` against an NCHW `x`), the convolution
    has one group, every type is f32, the multiply has no other user, and
    the weights have at most a quarter of `x`'s elements. The products are
    the same (`x[c] * s[c] * W[m][c]` in both; a padded zero scales to
    zero), but the scale costs `M x C x taps` multiplies of the weights
    instead of a full pass over the activation and its DRAM round trip:
    PP-LCNet's gates in PaddleOCR cls scale 88 x 288 elements where the
    projection's weights are 16 x 88. The convolution then reads run-time
    weights, rearranged by a move in its layer, and the weights' multiply
    runs on rows of `taps` elements: with weights as large as `x` (PaddleOCR
    det's 3x3 convolutions after a gate) the fold costs more than it saves,
    hence the factor of four.

    It runs after quantization, at the start of the `tiled` phase: an INT8
    convolution needs constant weights, and in INT8 models the gate's
    multiply feeds a quantize, so only FP32 convolutions are rewritten.
  }];
  let dependentDialects = ["npu::NpuDialect"];
}

def CascadeRows : Pass<"npu-cascade-rows", "mlir::ModuleOp"> {
  let summary = "Run chains of layers whose intermediates do not fit the "
                "scratchpad band by band, so they stay on chip";
  let description = [{
    A chain of row-local NCHW ops (2-D convolutions and elementwise ops with
    broadcasting; each op's result read by the next alone, by rows), ending
    in a convolution or the elementwise ops of its epilogue, is rewritten
    into bands of rows along H: band b of every op is computed before band
    b + 1 of any, each op's band reading its producer's band plus the halo
    rows the band before computed (`npu.slice` and `npu.concat` along H),
    and the last op's bands are concatenated into the chain's result. With
    one band's intermediates smaller than the scratchpad divided by
    `band-share`, npu-plan-memory keeps them on chip and the last op's
    layer stores its bands straight into the rows of the result (an
    in-place concat), so the chain reads its input once, writes its output
    once, and no intermediate reaches DRAM. No row is computed twice.

    A chain is cascaded when the largest input of one of its convolutions
    after the first (what reaches DRAM without it: the elementwise ops run
    in their producer's epilogue) and its result are larger than half the
    scratchpad (smaller values are kept on chip whole), a consumer's band
    with its halo rows is at most two budgets, and the DRAM round trips it
    saves are at least four times the weight bytes the extra bands read
    again. The band count makes the largest convolution input's band fit
    the budget. A chain that fails is cut: its longest prefix that passes
    and ends before a convolution is cascaded, then the rest likewise.

    Each band's layers are separate layers, each waiting for the one
    before: a cascade costs cycles (PaddleOCR det FP32: 1.06x, DRAM 0.74x,
    energy 0.83x), so the compile pipeline runs it only for a module with
    `npu.cascade = true` (npu-compile `--cascade`); run directly, it
    cascades unless `default=false`. `npu.cascade = false` or
    `npu.keep_on_chip = false` on the module turns it off.
    docs/codegen.md, "Row-band cascades".
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"\"",
           "NPU target whose scratchpad the bands fit (default: the module's "
           "npu.target, else npu-v1)">,
    Option<"byDefault", "default", "bool", /*default=*/"true",
           "Cascade when the module has no npu.cascade attribute">,
    Option<"bandShare", "band-share", "int64_t", /*default=*/"8",
           "A band's intermediate value is at most the scratchpad's bytes "
           "divided by this">,
  ];
  let dependentDialects = ["npu::NpuDialect"];
}

def PermuteChannels : Pass<"npu-permute-channels", "mlir::ModuleOp"> {
  let summary = "Reorder the channels between two convolutions so that "
                "pruned weights make whole empty MAC tiles";
  let description = [{
    Pruning-aware tiling skips a MAC weight tile (the target's array rows x
    columns: input x output channels of one tap) only when all of it is
    zero. A model pruned channel by channel often has its zeros scattered
    over those tiles: output channel m uses input-channel block 0 and
    channel m+1 block 1, so no 16 x 16 tile is empty.

    For `conv(act(conv(x, W1, b1)), W2)` (each convolution of one group
    with constant weights, FP32 or INT8; `act` a chain of elementwise ops of
    one operand, possibly ending in a quantize, each the only reader of the
    one before), the intermediate channels are a free choice: permuting
    W1's output channels (and b1 and per-channel weight scales) and W2's
    input channels the same way leaves the result unchanged. This pass
    orders those channels by which of W1's input-channel blocks each uses
    (channels with the same pattern side by side, in their original order
    otherwise), and keeps the order only when the two convolutions together
    then have more all-zero MAC tiles. docs/codegen.md, "Sparse weights".
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"\"",
           "NPU target whose MAC tile the weights are counted in (default: "
           "the module's npu.target, else npu-v1)">,
  ];
  let dependentDialects = ["npu::NpuDialect"];
}

def FoldBatchNorm : Pass<"npu-fold-batch-norm", "mlir::func::FuncOp"> {
  let summary = "Fold inference batch normalisation into convolution weights";
  let description = [{
    `batch_norm(conv(x, W, b))` with constant operands becomes `conv(x, W', b')`
    with, per output channel `c`, `a[c] = scale[c] / sqrt(var[c] + epsilon)`,
    `W'[c] = W[c] * a[c]` and `b'[c] = (b[c] - mean[c]) * a[c] + bias[c]`
    (`b = 0` when the convolution has none). The arithmetic is done in double
    precision and rounded once to f32. The convolution must have no other
    user. A `batch_norm` that does not follow such a convolution becomes
    `x * a + (bias - mean * a)` with `a` and the shift folded to per-channel
    constants (broadcast over the spatial axes); one whose parameters are
    computed at run time becomes the same arithmetic as ops,
    `(x - mean) * (scale / sqrt(var + epsilon)) + bias`.
  }];
  let dependentDialects = ["npu::NpuDialect"];
  let statistics = [
    Statistic<"numFolded", "folded-into-conv",
              "Batch normalisations folded into a convolution">,
    Statistic<"numDecomposed", "decomposed",
              "Batch normalisations turned into a multiply and an add">,
  ];
}

def LowerResize : Pass<"npu-lower-resize", "mlir::func::FuncOp"> {
  let summary = "Lower Resize that is not a strided copy to interpolation "
                "matmuls";
  let description = [{
    A Resize is separable: along each axis the output is `R · x` for an
    `out x in` interpolation matrix `R` (npu/Dialect/Npu/IR/ResizeSampling.h:
    two taps for linear, four for cubic, one-hot rows for nearest), so a
    linear, cubic or irregular nearest Resize becomes, for each axis whose
    matrix is not the identity, a matmul by the constant `R^T` on the MAC
    array, the axis moved innermost by a transpose around it when it is not
    already (consecutive transposes compose in the canonicalizer):

    ```mlir
    %t = npu.transpose %x {perm = array<i64: 0, 1, 3, 2>}   // H innermost
    %h = npu.matmul %t, %rh_t                               // [.., W, H']
    %u = npu.transpose %h {perm = array<i64: 0, 1, 3, 2>}
    %y = npu.matmul %u, %rw_t                               // [.., H', W']
    ```

    Nearest Resize whose every axis is a strided copy stays as it is (DMA).
    One-hot rows make the nearest matmul exact in FP32 for finite inputs.
    The matrices are dense: `in * out * 4` bytes of weights per axis.
  }];
  let dependentDialects = ["npu::NpuDialect"];
}

//===----------------------------------------------------------------------===//
// Quantization (the `quantized` phase)
//===----------------------------------------------------------------------===//

def Quantize : Pass<"npu-quantize", "mlir::func::FuncOp"> {
  let summary = "INT8 post-training quantization from calibrated ranges";
  let description = [{
    Rewrites the ops that have an INT8 form on the NPU to `quant` dialect
    types, using the real range each value was calibrated to: an
    `npu.range = array<f64: min, max>` attribute on the op defining it (or
    the function argument's attribute of that name), which `npu-compile
    --quantize=int8` attaches after running the FP32 model over the
    calibration set (docs/quantization.md).

    - Convolutions the backend runs in INT8 (`supportsInt8()`: on the MAC
      array; depthwise ones, whose channel count is a multiple of 8, only
      with `int8-depthwise`) with constant weights: the input becomes
      `!quant.uniform<i8:f32, s:zp>` (asymmetric per tensor, TFLite's
      nudged zero point), the weights `!quant.uniform<i8<-127:127>:f32:0,
      {...}>` per output channel. When every reader of the result takes
      INT8, the result is INT8 too and the bias `i32` at scale
      `s_in * s_w`; otherwise the result stays FP32 (scaled out of the
      INT32 accumulator) with the FP32 bias, so FP32 readers see no output
      quantization error.
    - Matmuls with constant 2-D weights (Gemm, fully connected layers):
      INT8 left operand, weights per column (`quantizedDimension` 1), FP32
      result; transposed convolutions of one group likewise (weights per
      output channel, axis 1, FP32 result and bias).
    - Matmuls of two activations (attention's `Q K^T` and `P V`, any
      batch dims), with `int8-attention`: both operands quantized
      symmetrically per tensor (zero point 0, scale max|range| / 127), so
      the INT32 sums need no run-time row or column sums; FP32 result
      scaled by `s_a * s_b`.
    - A ReLU or ReLU6 (`npu.clamp` with min 0) that is a convolution's only
      user, and whose readers take INT8, is absorbed: the convolution's
      result takes the clamp's range, whose zero point maps 0 to -128, so
      the requantization's saturation is the clamp.
    - Sigmoid, hard sigmoid, hard swish, tanh, leaky ReLU and clamp whose
      input is INT8 and whose readers take INT8 become `npu.lookup_table`s
      (the activation evaluated at the 256 input codes, computed here);
      read by FP32 ops they stay FP32.
    - A chain of elementwise ops whose only varying input is one INT8 value
      and which ends in one value read by INT8 ops (GELU's
      `x * 0.5 * (1 + erf(x / sqrt 2))`, Swish's `x * sigmoid(x)`) becomes
      one `npu.lookup_table`, the chain evaluated at the 256 input codes.
    - A max pooling whose input is INT8 already and whose readers take
      INT8 pools the codes: its result keeps the input's type.
    - An add or sub whose readers take INT8 (and whose scales
      `ptq::chooseAddRescale` takes) has INT8 operands and result, each at
      its own calibrated scale: the backend rescales them as TFLite's
      quantized ADD does.
    - A mul whose readers take INT8, of two values with ranges (the
      squeeze-excitation gate broadcast over its activation) or of a value
      and a constant that is not a splat (quantized per tensor here), has
      INT8 operands and result: TFLite's quantized MUL with the fixed-point
      multiplier of `ptq::chooseMulRescale`, when no operand of the
      result's shape is also read in FP32 (it would need a quantize pass of
      its own, which costs more than the INT8 mul saves).
    - A nearest resize that is a strided copy, read by INT8 ops, copies the
      codes of its input: its result keeps the input's type.
    - A concat whose readers take INT8 copies codes of its result's type:
      inputs of another type are requantized to it by an exact
      `npu.lookup_table` (TFLite's rule: concat inputs and output share one
      scale and zero point).
    - Every other op stays FP32 (the float islands: softmax, layer norm,
      average pooling, div, ...): `npu.dequantize` feeds them,
      `npu.quantize` leaves them where an INT8 op reads their result.

    Ops named by `keep-float` (ONNX node names, as recorded in the ops'
    locations) stay FP32; so does any op a range is missing for.
  }];
  let options = [
    ListOption<"keepFloat", "keep-float", "std::string",
               "ONNX node names to leave in FP32">,
    Option<"int8Depthwise", "int8-depthwise", "bool", "false",
           "Quantize depthwise convolutions too (the MAC array with "
           "block-diagonal weights): faster, but their per-tensor INT8 "
           "inputs cost MobileNet-style models accuracy">,
    Option<"int8Attention", "int8-attention", "bool", "true",
           "Quantize matmuls of two activations (attention) with symmetric "
           "per-tensor operands">,
  ];
  let dependentDialects = ["npu::NpuDialect", "mlir::quant::QuantDialect"];
}

#endif // NPU_DIALECT_NPU_TRANSFORMS_PASSES_TD
