//===- Passes.td - npu dialect passes ----------------------*- tablegen -*-===//

#ifndef NPU_DIALECT_NPU_TRANSFORMS_PASSES_TD
#define NPU_DIALECT_NPU_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Graph optimisation (the `optimized` phase)
//===----------------------------------------------------------------------===//

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

#endif // NPU_DIALECT_NPU_TRANSFORMS_PASSES_TD
