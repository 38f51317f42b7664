//===- OpImporters.cpp - one function per supported ONNX operator ---------===//
//
// Each importer maps one ONNX operator, every opset version from 7 to 17
// (ONNX 1.12), onto the npu dialect's normalised form. Attribute defaults
// and opset differences are those of the ONNX operator specification.
//
//===----------------------------------------------------------------------===//

#include "OpImporters.h"
#include "ConstantFolding.h"
#include "ControlFlow.h"
#include "GraphImporter.h"
#include "OnnxSemantics.h"

#include "npu/Dialect/Npu/IR/NpuOps.h"
#include "npu/Importer/Onnx/OnnxImporter.h"
#include "npu/runtime/HostKernels.h"

#include "llvm/ADT/StringMap.h"

#include <cfloat>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

using namespace mlir;
using namespace npu;
using namespace npu::onnx_import;

namespace {

//===----------------------------------------------------------------------===//
// Windows: auto_pad and pads shared by Conv, ConvTranspose and pooling
//===----------------------------------------------------------------------===//

/// Resolves ONNX `auto_pad`/`pads` for a window op into explicit pads
/// (begins then ends). SAME_UPPER/SAME_LOWER give `ceil(in / stride)` outputs
/// with the odd pad at the end/begin.
LogicalResult resolvePads(NodeContext &ctx, ArrayRef<int64_t> inSpatial,
                          ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                          ArrayRef<int64_t> dilations,
                          SmallVectorImpl<int64_t> &pads) {
  int64_t n = inSpatial.size();
  std::string autoPad = ctx.attrs.getString("auto_pad", "NOTSET");
  pads.assign(2 * n, 0);
  if (autoPad == "NOTSET") {
    auto given = ctx.attrs.getInts("pads");
    if (given) {
      if (static_cast<int64_t>(given->size()) != 2 * n)
        return ctx.fail("pads must have two entries per spatial axis");
      pads.assign(given->begin(), given->end());
    }
    return success();
  }
  if (autoPad == "VALID")
    return success();
  if (autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER")
    return ctx.fail("unknown auto_pad '" + autoPad + "'");
  for (int64_t i = 0; i < n; ++i) {
    int64_t out = (inSpatial[i] + strides[i] - 1) / strides[i];
    int64_t total = std::max<int64_t>(0, (out - 1) * strides[i] +
                                             (kernel[i] - 1) * dilations[i] +
                                             1 - inSpatial[i]);
    int64_t small = total / 2, big = total - small;
    pads[i] = autoPad == "SAME_UPPER" ? small : big;
    pads[i + n] = autoPad == "SAME_UPPER" ? big : small;
  }
  return success();
}

SmallVector<int64_t> intsOr(NodeContext &ctx, StringRef name, int64_t n,
                            int64_t dflt) {
  return ctx.attrs.getInts(name, SmallVector<int64_t>(n, dflt));
}

//===----------------------------------------------------------------------===//
// MAC-array ops
//===----------------------------------------------------------------------===//

LogicalResult importConv(NodeContext &ctx) {
  FailureOr<Value> conv =
      buildConv(ctx, ctx.input(0), ctx.input(1),
                ctx.hasInput(2) ? ctx.input(2) : Value(), ctx.resultType(0));
  if (failed(conv))
    return failure();
  ctx.setResult(0, *conv);
  return success();
}

/// The FP32 values of constant input `i` of any size (an initializer,
/// materialised as npu.constant), or nullopt when it is computed at run time.
std::optional<SmallVector<float>> constantFloats(NodeContext &ctx, unsigned i) {
  auto c = ctx.input(i).getDefiningOp<ConstantOp>();
  SmallVector<float> values;
  if (!c || !readFloatConstant(c.getValue(), values))
    return std::nullopt;
  return values;
}

/// An npu.constant of FP32 `values` (a dense_resource blob past 4 KiB).
Value floatConstant(NodeContext &ctx, RankedTensorType type,
                    ArrayRef<float> values, StringRef name) {
  return ConstantOp::create(
      ctx.b, ctx.loc, type,
      cast<TypedAttr>(makeFloatConstant(type, values, name)));
}

/// A 3-D ConvTranspose (which the backend's phase decomposition does not
/// take) as the convolution it equals: the input with s - 1 zeros inserted
/// after every element along each spatial axis of stride s, padded with
/// d (k - 1) - pad_begin zeros before and d (k - 1) - pad_end +
/// output_padding after (a negative amount crops), convolved at stride 1
/// and dilation d with the weights flipped along every spatial axis and
/// transposed from [C, M / group, k...] to [M, C / group, k...] per group.
/// The zeros are inserted by padding a unit axis (one pad per strided
/// axis, on the DMA). The MAC array then also multiplies the inserted zeros
/// (s^3 the transposed convolution's MACs). The weights must be constant.
LogicalResult
importConvTransposeAsConv(NodeContext &ctx, ArrayRef<int64_t> strides,
                          ArrayRef<int64_t> dilations, ArrayRef<int64_t> pads,
                          ArrayRef<int64_t> outputPadding, int64_t group) {
  RankedTensorType inType = ctx.inputType(0), wType = ctx.inputType(1);
  RankedTensorType resultType = ctx.resultType(0);
  Type f32 = inType.getElementType();
  if (!f32.isF32())
    return ctx.fail("a 3-D ConvTranspose on the NPU needs FP32 data");
  std::optional<SmallVector<float>> w = constantFloats(ctx, 1);
  if (!w)
    return ctx.failNotConstant({1}, "a 3-D ConvTranspose's weights");
  int64_t spatial = inType.getRank() - 2, cin = wType.getDimSize(0),
          mg = wType.getDimSize(1);
  if (group < 1 || cin % group)
    return ctx.fail("ConvTranspose's group does not divide its channels");
  int64_t cg = cin / group, taps = 1;
  SmallVector<int64_t> kernel(wType.getShape().drop_front(2));
  for (int64_t k : kernel)
    taps *= k;
  // w'[g mg + m][c][k'] = w[g cg + c][m][flip(k')].
  std::vector<float> flipped(size_t(cin * mg * taps));
  for (int64_t g = 0; g < group; ++g)
    for (int64_t c = 0; c < cg; ++c)
      for (int64_t m = 0; m < mg; ++m)
        for (int64_t t = 0; t < taps; ++t)
          flipped[size_t(((g * mg + m) * cg + c) * taps + t)] =
              (*w)[size_t(((g * cg + c) * mg + m) * taps + taps - 1 - t)];
  SmallVector<int64_t> wShape{group * mg, cg};
  wShape.append(kernel);
  Value weights = floatConstant(ctx, RankedTensorType::get(wShape, f32),
                                flipped, "conv_transpose_3d_weights");
  // Zero insertion: [P, D, 1, Q] padded to [P, D, s, Q] per strided axis,
  // leaving s - 1 trailing zeros on that axis.
  Value x = ctx.input(0);
  SmallVector<int64_t> shape(inType.getShape());
  for (int64_t a = 0; a < spatial; ++a) {
    int64_t s = strides[a], axis = a + 2;
    if (s == 1)
      continue;
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < axis; ++d)
      outer *= shape[d];
    for (int64_t d = axis + 1; d < int64_t(shape.size()); ++d)
      inner *= shape[d];
    Value v = reshapeTo(ctx, x, {outer, shape[axis], 1, inner});
    v = PadOp::create(
        ctx.b, ctx.loc,
        RankedTensorType::get({outer, shape[axis], s, inner}, f32), v,
        SmallVector<int64_t>{0, 0, 0, 0, 0, 0, s - 1, 0}, llvm::APFloat(0.0f),
        PadMode::constant);
    shape[axis] *= s;
    x = reshapeTo(ctx, v, shape);
  }
  // Padding (a negative amount crops), the trailing zeros counted in.
  SmallVector<int64_t> convPads(2 * spatial, 0), crop(2 * spatial + 4, 0);
  bool cropping = false;
  for (int64_t a = 0; a < spatial; ++a) {
    int64_t span = dilations[a] * (kernel[a] - 1);
    int64_t before = span - pads[a],
            after =
                span - pads[a + spatial] + outputPadding[a] - (strides[a] - 1);
    convPads[a] = std::max<int64_t>(before, 0);
    convPads[a + spatial] = std::max<int64_t>(after, 0);
    crop[a + 2] = std::min<int64_t>(before, 0);
    crop[a + 2 + spatial + 2] = std::min<int64_t>(after, 0);
    cropping |= before < 0 || after < 0;
  }
  if (cropping) {
    SmallVector<int64_t> cropped(shape);
    for (int64_t a = 0; a < spatial; ++a)
      cropped[a + 2] += crop[a + 2] + crop[a + 2 + spatial + 2];
    x = PadOp::create(ctx.b, ctx.loc, RankedTensorType::get(cropped, f32), x,
                      crop, llvm::APFloat(0.0f), PadMode::constant);
  }
  Value bias = ctx.hasInput(2) ? ctx.input(2) : Value();
  ctx.setResult(0, ConvOp::create(ctx.b, ctx.loc, resultType, x, weights, bias,
                                  SmallVector<int64_t>(spatial, 1), dilations,
                                  convPads, group));
  return success();
}

LogicalResult importConvTranspose(NodeContext &ctx) {
  auto inType = ctx.inputType(0), wType = ctx.inputType(1);
  int64_t spatial = wType.getRank() - 2;
  if (spatial < 1 || inType.getRank() != wType.getRank())
    return ctx.fail("expects input and weight of equal rank >= 3");
  auto strides = intsOr(ctx, "strides", spatial, 1);
  auto dilations = intsOr(ctx, "dilations", spatial, 1);
  auto outputPadding = intsOr(ctx, "output_padding", spatial, 0);
  RankedTensorType resultType = ctx.resultType(0);
  std::string autoPad = ctx.attrs.getString("auto_pad", "NOTSET");
  SmallVector<int64_t> pads(2 * spatial, 0);
  auto given = ctx.attrs.getInts("pads");
  bool explicitOut = ctx.attrs.has("output_shape") || autoPad == "SAME_UPPER" ||
                     autoPad == "SAME_LOWER";
  if (!explicitOut && given) {
    pads.assign(given->begin(), given->end());
  } else if (explicitOut) {
    // ONNX ConvTranspose: total_padding = stride*(in-1) + output_padding +
    // (k-1)*d + 1 - out, split as the spec says for SAME_UPPER / otherwise.
    for (int64_t i = 0; i < spatial; ++i) {
      int64_t in = inType.getDimSize(i + 2), k = wType.getDimSize(i + 2);
      int64_t out = resultType.getDimSize(i + 2);
      int64_t total = strides[i] * (in - 1) + outputPadding[i] +
                      (k - 1) * dilations[i] + 1 - out;
      if (total < 0) { // A larger output than the window covers: zero rows.
        outputPadding[i] -= total;
        total = 0;
      }
      int64_t half = total / 2;
      pads[i] = autoPad == "SAME_UPPER" ? half : total - half;
      pads[i + spatial] = total - pads[i];
    }
  }
  if (spatial == 3)
    return importConvTransposeAsConv(ctx, strides, dilations, pads,
                                     outputPadding,
                                     ctx.attrs.getInt("group", 1));
  Value bias = ctx.hasInput(2) ? ctx.input(2) : Value();
  auto op = ConvTransposeOp::create(
      ctx.b, ctx.loc, resultType, ctx.input(0), ctx.input(1), bias, strides,
      dilations, pads, outputPadding, ctx.attrs.getInt("group", 1));
  ctx.setResult(0, op);
  return success();
}

LogicalResult importMatMul(NodeContext &ctx) {
  ctx.setResult(0, MatMulOp::create(ctx.b, ctx.loc, ctx.resultType(0),
                                    ctx.input(0), ctx.input(1)));
  return success();
}

Value transpose2D(NodeContext &ctx, Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  auto type = RankedTensorType::get({t.getDimSize(1), t.getDimSize(0)},
                                    t.getElementType());
  return TransposeOp::create(ctx.b, ctx.loc, type, v, ArrayRef<int64_t>{1, 0});
}

/// Gemm: Y = alpha * A' * B' + beta * C, as matmul, mul and add.
LogicalResult importGemm(NodeContext &ctx) {
  Value a = ctx.input(0), b = ctx.input(1);
  if (ctx.inputType(0).getRank() != 2 || ctx.inputType(1).getRank() != 2)
    return ctx.fail("Gemm expects 2-D A and B");
  if (ctx.attrs.getInt("transA", 0))
    a = transpose2D(ctx, a);
  if (ctx.attrs.getInt("transB", 0))
    b = transpose2D(ctx, b);
  RankedTensorType type = ctx.resultType(0);
  Type elem = type.getElementType();
  Value y = MatMulOp::create(ctx.b, ctx.loc, type, a, b);
  float alpha = ctx.attrs.getFloat("alpha", 1.0f);
  float beta = ctx.attrs.getFloat("beta", 1.0f);
  if (alpha != 1.0f)
    y = MulOp::create(ctx.b, ctx.loc, type, y, ctx.scalar(elem, alpha));
  if (ctx.hasInput(2) && beta != 0.0f) {
    Value c = ctx.input(2);
    if (beta != 1.0f)
      c = MulOp::create(ctx.b, ctx.loc, c.getType(), c, ctx.scalar(elem, beta));
    y = AddOp::create(ctx.b, ctx.loc, type, y, c);
  }
  ctx.setResult(0, y);
  return success();
}

//===----------------------------------------------------------------------===//
// Normalisation
//===----------------------------------------------------------------------===//

/// An f32 attribute from the node's float attribute `name` (or `dflt`).
FloatAttr floatAttr(NodeContext &ctx, StringRef name, float dflt) {
  return ctx.b.getF32FloatAttr(ctx.attrs.getFloat(name, dflt));
}

/// The moments of `x` over `axes` (kept as 1), as elementwise ops and mean
/// reductions: mean = E[x], centered = x - mean, var = E[centered^2] (the
/// population variance) and std = sqrt(var + epsilon). Batch, instance,
/// layer and mean-variance normalisation spell themselves out with it.
struct Moments {
  Value mean, centered, var, std;
};
Moments momentsOver(NodeContext &ctx, Value x, ArrayRef<int64_t> axes,
                    double epsilon) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> statShape(type.getShape());
  for (int64_t a : axes)
    statShape[a] = 1;
  Type elem = type.getElementType();
  auto statType = RankedTensorType::get(statShape, elem);
  Moments m;
  m.mean = ReduceMeanOp::create(ctx.b, ctx.loc, statType, x, axes, true);
  m.centered = SubOp::create(ctx.b, ctx.loc, type, x, m.mean);
  Value squared = MulOp::create(ctx.b, ctx.loc, type, m.centered, m.centered);
  m.var = ReduceMeanOp::create(ctx.b, ctx.loc, statType, squared, axes, true);
  Value shifted =
      AddOp::create(ctx.b, ctx.loc, statType, m.var, ctx.scalar(elem, epsilon));
  m.std = SqrtOp::create(ctx.b, ctx.loc, statType, shifted);
  return m;
}

/// Training-mode BatchNormalization (opsets 14, 15: training_mode = 1), as
/// ONNX's reference computes it: the batch's own statistics per channel,
/// mean and population variance over every axis but 1,
///   y = (x - mean) / sqrt(var + epsilon) * scale + B
/// and the updated running statistics (outputs 1 and 2, when read)
///   running_mean = input_mean * momentum + mean * (1 - momentum)
///   running_var  = input_var * momentum + var * (1 - momentum).
/// A model exported from a network left in training mode runs this way.
LogicalResult importTrainingBatchNorm(NodeContext &ctx) {
  auto type = ctx.inputType(0);
  int64_t rank = type.getRank();
  Type elem = type.getElementType();
  if (rank < 2 || !elem.isF32() || ctx.hasOutput(3) || ctx.hasOutput(4))
    return ctx.fail("training-mode BatchNormalization on the NPU needs an "
                    "FP32 input of rank 2 or more and at most three outputs");
  int64_t channels = type.getDimSize(1);
  SmallVector<int64_t> axes{0}, perChannel(rank, 1);
  for (int64_t d = 2; d < rank; ++d)
    axes.push_back(d);
  perChannel[1] = channels;
  double momentum = ctx.attrs.getFloat("momentum", 0.9f);
  auto [mean, centered, var, std] = momentsOver(
      ctx, ctx.input(0), axes, ctx.attrs.getFloat("epsilon", 1e-5f));
  Value y = DivOp::create(ctx.b, ctx.loc, type, centered, std);
  y = MulOp::create(ctx.b, ctx.loc, type, y,
                    reshapeTo(ctx, ctx.input(1), perChannel));
  ctx.setResult(0, AddOp::create(ctx.b, ctx.loc, type, y,
                                 reshapeTo(ctx, ctx.input(2), perChannel)));
  auto vecType = RankedTensorType::get({channels}, elem);
  for (auto [out, stat, running] : {std::tuple{1u, mean, 3u}, {2u, var, 4u}}) {
    if (!ctx.hasOutput(out))
      continue;
    Value kept = MulOp::create(ctx.b, ctx.loc, vecType, ctx.input(running),
                               ctx.scalar(elem, momentum));
    Value batch =
        MulOp::create(ctx.b, ctx.loc, vecType, reshapeTo(ctx, stat, {channels}),
                      ctx.scalar(elem, 1 - momentum));
    ctx.setResult(
        out, AddOp::create(ctx.b, ctx.loc, ctx.resultType(out), kept, batch));
  }
  return success();
}

LogicalResult importBatchNorm(NodeContext &ctx) {
  if (ctx.attrs.getInt("training_mode", 0))
    return importTrainingBatchNorm(ctx);
  if (ctx.hasOutput(1) || ctx.hasOutput(2) || ctx.hasOutput(3) ||
      ctx.hasOutput(4))
    return ctx.fail("BatchNormalization's statistics outputs (before opset "
                    "14, training) are not supported");
  ctx.setResult(0, BatchNormOp::create(ctx.b, ctx.loc, ctx.resultType(0),
                                       ctx.input(0), ctx.input(1), ctx.input(2),
                                       ctx.input(3), ctx.input(4),
                                       floatAttr(ctx, "epsilon", 1e-5f)));
  return success();
}

LogicalResult importLayerNorm(NodeContext &ctx) {
  auto inType = ctx.inputType(0);
  int64_t axis = ctx.attrs.getInt("axis", -1);
  if (!normalizeAxis(axis, inType.getRank()))
    return ctx.fail("axis out of range");
  float epsilon = ctx.attrs.getFloat("epsilon", 1e-5f);
  Value bias = ctx.hasInput(2) ? ctx.input(2) : Value();
  ctx.setResult(0, LayerNormOp::create(ctx.b, ctx.loc, ctx.resultType(0),
                                       ctx.input(0), ctx.input(1), bias, axis,
                                       llvm::APFloat(epsilon)));
  if (!ctx.hasOutput(1) && !ctx.hasOutput(2))
    return success();
  // The optional Mean and InvStdDev outputs (shape: the input's with the
  // normalised axes kept as 1), spelled out:
  // mean = E[x], inv = 1 / sqrt(E[(x - mean)^2] + epsilon).
  SmallVector<int64_t> axes;
  for (int64_t d = axis; d < inType.getRank(); ++d)
    axes.push_back(d);
  Moments m = momentsOver(ctx, ctx.input(0), axes, epsilon);
  Value mean = m.mean;
  auto statType = cast<RankedTensorType>(mean.getType());
  Type elem = inType.getElementType();
  Value inv =
      DivOp::create(ctx.b, ctx.loc, statType, ctx.scalar(elem, 1.0), m.std);
  if (ctx.hasOutput(1))
    ctx.setResult(1, mean);
  if (ctx.hasOutput(2))
    ctx.setResult(2, inv);
  return success();
}

LogicalResult importSoftmax(NodeContext &ctx) {
  auto type = ctx.inputType(0);
  int64_t rank = type.getRank();
  int64_t axis = ctx.attrs.getInt("axis", ctx.opset >= 13 ? -1 : 1);
  if (!normalizeAxis(axis, rank))
    return ctx.fail("axis out of range");
  if (ctx.opset >= 13 || axis == rank - 1) {
    ctx.setResult(0, SoftmaxOp::create(ctx.b, ctx.loc, ctx.resultType(0),
                                       ctx.input(0), axis));
    return success();
  }
  // Opsets 1-12 normalise over the flattened axes [axis, rank).
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < rank; ++d)
    (d < axis ? outer : inner) *= type.getDimSize(d);
  Value flat = reshapeTo(ctx, ctx.input(0), {outer, inner});
  Value soft = SoftmaxOp::create(ctx.b, ctx.loc, flat.getType(), flat, 1);
  ctx.setResult(0, reshapeTo(ctx, soft, type.getShape()));
  return success();
}

/// ONNX LogSoftmax: `x - max - log(sum(exp(x - max)))` along the axis (the
/// maximum subtracted first, so that large inputs stay finite and tiny
/// probabilities keep their logarithm); opsets 1-12 over the flattened axes
/// [axis, rank), as Softmax.
/// The input and axis of a softmax-family op (LogSoftmax, Hardmax): opset
/// 13's `axis` (default -1) as it is; opsets 1-12's (default 1) over the
/// input flattened to [outer, inner] at it (a reshape unless it is the last
/// axis, then axis 1). Failure when the axis is out of range.
FailureOr<std::pair<Value, int64_t>> softmaxFamilyAxis(NodeContext &ctx) {
  auto type = ctx.inputType(0);
  int64_t rank = type.getRank();
  int64_t axis = ctx.attrs.getInt("axis", ctx.opset >= 13 ? -1 : 1);
  if (!normalizeAxis(axis, rank))
    return ctx.fail("axis out of range");
  Value x = ctx.input(0);
  if (ctx.opset < 13 && axis != rank - 1) {
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < rank; ++d)
      (d < axis ? outer : inner) *= type.getDimSize(d);
    x = reshapeTo(ctx, x, {outer, inner});
    axis = 1;
  }
  return std::make_pair(x, axis);
}

LogicalResult importLogSoftmax(NodeContext &ctx) {
  auto type = ctx.inputType(0);
  auto coerced = softmaxFamilyAxis(ctx);
  if (failed(coerced))
    return failure();
  auto [x, axis] = *coerced;
  auto xType = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> statShape(xType.getShape());
  statShape[axis] = 1;
  auto statType = RankedTensorType::get(statShape, xType.getElementType());
  Value m = ReduceMaxOp::create(ctx.b, ctx.loc, statType, x,
                                ArrayRef<int64_t>{axis}, true);
  Value d = SubOp::create(ctx.b, ctx.loc, xType, x, m);
  Value e = ExpOp::create(ctx.b, ctx.loc, xType, d);
  Value s = ReduceSumOp::create(ctx.b, ctx.loc, statType, e,
                                ArrayRef<int64_t>{axis}, true);
  Value l = LogOp::create(ctx.b, ctx.loc, statType, s);
  Value y = SubOp::create(ctx.b, ctx.loc, xType, d, l);
  ctx.setResult(0, reshapeTo(ctx, y, type.getShape()));
  return success();
}

/// `(x - mean) / sqrt(var + epsilon)` over `axes` (kept as 1), spelled out
/// in elementwise ops and mean reductions: InstanceNormalization and
/// MeanVarianceNormalization.
Value normalizeOver(NodeContext &ctx, Value x, ArrayRef<int64_t> axes,
                    double epsilon) {
  Moments m = momentsOver(ctx, x, axes, epsilon);
  return DivOp::create(ctx.b, ctx.loc, x.getType(), m.centered, m.std);
}

/// ONNX InstanceNormalization: per sample and channel over the spatial
/// axes, then `* scale[c] + B[c]`.
LogicalResult importInstanceNorm(NodeContext &ctx) {
  auto type = ctx.inputType(0);
  int64_t rank = type.getRank();
  if (rank < 3)
    return ctx.fail("InstanceNormalization needs an input of rank 3 or more");
  SmallVector<int64_t> axes;
  for (int64_t d = 2; d < rank; ++d)
    axes.push_back(d);
  Value y = normalizeOver(ctx, ctx.input(0), axes,
                          ctx.attrs.getFloat("epsilon", 1e-5f));
  SmallVector<int64_t> perChannel(rank, 1);
  perChannel[1] = type.getDimSize(1);
  Value scale = reshapeTo(ctx, ctx.input(1), perChannel);
  Value bias = reshapeTo(ctx, ctx.input(2), perChannel);
  y = MulOp::create(ctx.b, ctx.loc, type, y, scale);
  ctx.setResult(0, AddOp::create(ctx.b, ctx.loc, type, y, bias));
  return success();
}

/// ONNX MeanVarianceNormalization (axes default [0, 2, 3]), as its function
/// body: `(x - E[x]) / (sqrt(E[x^2] - E[x]^2) + 1e-9)`.
LogicalResult importMeanVarianceNorm(NodeContext &ctx) {
  auto type = ctx.inputType(0);
  int64_t rank = type.getRank();
  SmallVector<int64_t> axes = ctx.attrs.getInts("axes", {0, 2, 3});
  for (int64_t &a : axes)
    if (!normalizeAxis(a, rank))
      return ctx.fail("axis out of range");
  llvm::sort(axes);
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  SmallVector<int64_t> statShape(type.getShape());
  for (int64_t a : axes)
    statShape[a] = 1;
  Type elem = type.getElementType();
  auto statType = RankedTensorType::get(statShape, elem);
  Value x = ctx.input(0);
  Value mean = ReduceMeanOp::create(ctx.b, ctx.loc, statType, x, axes, true);
  Value sq = MulOp::create(ctx.b, ctx.loc, type, x, x);
  Value meanSq = ReduceMeanOp::create(ctx.b, ctx.loc, statType, sq, axes, true);
  Value meanMean = MulOp::create(ctx.b, ctx.loc, statType, mean, mean);
  Value var = SubOp::create(ctx.b, ctx.loc, statType, meanSq, meanMean);
  Value std = SqrtOp::create(ctx.b, ctx.loc, statType, var);
  Value eps =
      AddOp::create(ctx.b, ctx.loc, statType, std, ctx.scalar(elem, 1e-9));
  Value centered = SubOp::create(ctx.b, ctx.loc, type, x, mean);
  ctx.setResult(0, DivOp::create(ctx.b, ctx.loc, type, centered, eps));
  return success();
}

/// The most channels LRN's window sum takes as a 1x1 convolution (its
/// constant band matrix is C x C FP32: 4 MiB at this bound).
constexpr int64_t kMaxLrnChannels = 1024;

/// ONNX LRN (opsets 1, 13) across channels, as the operator defines it:
/// `y = x / (bias + alpha / size * square_sum) ^ beta`, square_sum[c] the
/// sum of x^2 over channels [c - floor((size - 1) / 2), c + ceil((size -
/// 1) / 2)] within [0, C). The window sum is a 1x1 convolution of x * x
/// (viewed as N x C x S x 1, S the spatial elements) with a constant 0/1
/// band matrix, so the MAC array adds the squares and skips its all-zero
/// weight tiles (docs/codegen.md, "Sparse weights"); the rest is
/// elementwise. A NaN or infinite square is multiplied by the band's zeros
/// inside its 16-channel weight tile, so it reaches a few channels outside
/// its window there (ONNX Runtime's sum keeps it inside).
LogicalResult importLRN(NodeContext &ctx) {
  auto type = ctx.inputType(0);
  int64_t rank = type.getRank();
  int64_t size = ctx.attrs.getInt("size", 0);
  if (rank < 3 || !type.getElementType().isF32())
    return ctx.fail("LRN on the NPU needs an FP32 input of rank 3 or more");
  if (size < 1)
    return ctx.fail("LRN needs a positive 'size' attribute");
  int64_t n = type.getDimSize(0), c = type.getDimSize(1), spatial = 1;
  for (int64_t d = 2; d < rank; ++d)
    spatial *= type.getDimSize(d);
  if (c > kMaxLrnChannels)
    return ctx.fail("LRN over more than " + Twine(kMaxLrnChannels) +
                    " channels");
  double alpha = ctx.attrs.getFloat("alpha", 1e-4f),
         beta = ctx.attrs.getFloat("beta", 0.75f),
         bias = ctx.attrs.getFloat("bias", 1.0f);
  Type f32 = type.getElementType();
  // band[o][i] = 1 when input channel i is in output channel o's window.
  int64_t before = (size - 1) / 2, after = size - 1 - before;
  std::vector<float> band(size_t(c * c), 0.0f);
  for (int64_t o = 0; o < c; ++o)
    for (int64_t i = std::max<int64_t>(0, o - before);
         i <= std::min(c - 1, o + after); ++i)
      band[size_t(o * c + i)] = 1.0f;
  auto bandType = RankedTensorType::get({c, c, 1, 1}, f32);
  Value w = ConstantOp::create(
      ctx.b, ctx.loc, bandType,
      DenseElementsAttr::get(bandType, ArrayRef<float>(band)));
  auto flatType = RankedTensorType::get({n, c, spatial, 1}, f32);
  Value x = reshapeTo(ctx, ctx.input(0), flatType.getShape());
  Value sq = MulOp::create(ctx.b, ctx.loc, flatType, x, x);
  SmallVector<int64_t> ones{1, 1}, zeros{0, 0, 0, 0};
  Value sum = ConvOp::create(ctx.b, ctx.loc, flatType, sq, w, Value(), ones,
                             ones, zeros, 1);
  Value scaled = MulOp::create(ctx.b, ctx.loc, flatType, sum,
                               ctx.scalar(f32, alpha / double(size)));
  Value shifted =
      AddOp::create(ctx.b, ctx.loc, flatType, scaled, ctx.scalar(f32, bias));
  Value denom =
      PowOp::create(ctx.b, ctx.loc, flatType, shifted, ctx.scalar(f32, beta));
  Value y = DivOp::create(ctx.b, ctx.loc, flatType, x, denom);
  ctx.setResult(0, reshapeTo(ctx, y, type.getShape()));
  return success();
}

/// `x` transposed by `perm` (one copy on the DMA).
static Value buildTranspose(NodeContext &ctx, Value x, ArrayRef<int64_t> perm) {
  auto type = cast<RankedTensorType>(x.getType());
  if (llvm::equal(perm, llvm::seq<int64_t>(0, int64_t(perm.size()))))
    return x;
  SmallVector<int64_t> shape;
  for (int64_t a : perm)
    shape.push_back(type.getDimSize(a));
  return TransposeOp::create(
      ctx.b, ctx.loc, RankedTensorType::get(shape, type.getElementType()), x,
      perm);
}

/// Reshape, transpose by `perm`, reshape to the result: DepthToSpace and
/// SpaceToDepth as data movement.
Value shuffle(NodeContext &ctx, Value x, ArrayRef<int64_t> shape,
              ArrayRef<int64_t> perm) {
  Value r = reshapeTo(ctx, x, shape);
  return reshapeTo(ctx, buildTranspose(ctx, r, perm),
                   ctx.resultType(0).getShape());
}

LogicalResult importDepthToSpace(NodeContext &ctx) {
  auto type = ctx.inputType(0);
  int64_t b = ctx.attrs.getInt("blocksize", 0);
  if (type.getRank() != 4 || b < 1 || type.getDimSize(1) % (b * b))
    return ctx.fail("DepthToSpace needs a 4-D input whose channels divide "
                    "by blocksize^2");
  int64_t n = type.getDimSize(0), c = type.getDimSize(1) / (b * b),
          h = type.getDimSize(2), w = type.getDimSize(3);
  bool crd = ctx.attrs.getString("mode", "DCR") == "CRD";
  ctx.setResult(
      0,
      crd ? shuffle(ctx, ctx.input(0), {n, c, b, b, h, w}, {0, 1, 4, 2, 5, 3})
          : shuffle(ctx, ctx.input(0), {n, b, b, c, h, w}, {0, 3, 4, 1, 5, 2}));
  return success();
}

LogicalResult importSpaceToDepth(NodeContext &ctx) {
  auto type = ctx.inputType(0);
  int64_t b = ctx.attrs.getInt("blocksize", 0);
  if (type.getRank() != 4 || b < 1 || type.getDimSize(2) % b ||
      type.getDimSize(3) % b)
    return ctx.fail("SpaceToDepth needs a 4-D input whose height and width "
                    "divide by blocksize");
  int64_t n = type.getDimSize(0), c = type.getDimSize(1),
          h = type.getDimSize(2) / b, w = type.getDimSize(3) / b;
  ctx.setResult(
      0, shuffle(ctx, ctx.input(0), {n, c, h, b, w, b}, {0, 3, 5, 1, 2, 4}));
  return success();
}

/// The most copies Tile makes along one axis (each is one DMA copy).
constexpr int64_t kMaxTileRepeats = 4096;

/// ONNX Tile: the input concatenated with itself `repeats[d]` times along
/// each axis d (strided DMA copies).
LogicalResult importTile(NodeContext &ctx) {
  auto repeats = ctx.constantInts(1);
  if (!repeats)
    return ctx.failNotConstant({1}, "Tile repeats");
  auto type = ctx.inputType(0);
  if (int64_t(repeats->size()) != type.getRank())
    return ctx.fail("Tile repeats must have one entry per input axis");
  Value x = ctx.input(0);
  SmallVector<int64_t> shape(type.getShape());
  for (auto [d, r] : llvm::enumerate(*repeats)) {
    if (r < 0)
      return ctx.fail("Tile repeats must not be negative");
    if (r == 1)
      continue;
    if (r == 0 || shape[d] == 0) // an empty result: nothing to copy
      return ctx.fail("Tile to an empty tensor is not supported");
    // One copy per repeat: bounded so that a tiny file cannot ask for
    // millions of them.
    if (r > kMaxTileRepeats)
      return ctx.fail("Tile repeats " + Twine(r) + " along axis " + Twine(d) +
                      ": at most " + Twine(kMaxTileRepeats) + " are supported");
    shape[d] *= r;
    SmallVector<Value> copies(r, x);
    x = ConcatOp::create(ctx.b, ctx.loc,
                         RankedTensorType::get(shape, type.getElementType()),
                         copies, int64_t(d));
  }
  ctx.setResult(0, x);
  return success();
}

/// ONNX PRelu: `max(x, 0) + slope * min(x, 0)` (slope broadcasts to x;
/// before opset 7, a 1-D slope is per channel).
LogicalResult importPRelu(NodeContext &ctx) {
  auto type = ctx.resultType(0);
  Type elem = type.getElementType();
  Value x = ctx.input(0);
  Value pos = MaximumOp::create(ctx.b, ctx.loc, type, x, ctx.scalar(elem, 0));
  Value neg = MinimumOp::create(ctx.b, ctx.loc, type, x, ctx.scalar(elem, 0));
  Value slope = ctx.input(1);
  // Opsets 1-6: a 1-D slope of several values is per channel (axis 1).
  auto slopeType = ctx.inputType(1);
  if (ctx.opset < 7 && slopeType.getRank() == 1 &&
      slopeType.getDimSize(0) > 1 && type.getRank() >= 2) {
    SmallVector<int64_t> perChannel(type.getRank() - 1, 1);
    perChannel[0] = slopeType.getDimSize(0);
    slope = reshapeTo(ctx, slope, perChannel);
  }
  Value scaled = MulOp::create(ctx.b, ctx.loc, type, neg, slope);
  ctx.setResult(0, AddOp::create(ctx.b, ctx.loc, type, pos, scaled));
  return success();
}

//===----------------------------------------------------------------------===//
// Recurrent networks (RNN, GRU, LSTM), unrolled over a static sequence
//===----------------------------------------------------------------------===//

namespace {

/// Builds the unrolled recurrence of one ONNX RNN, GRU or LSTM node: the
/// input projection of every step as one matmul on the MAC array, then per
/// step the recurrent matmul and the gates on the vector unit. Layout 0
/// (`[seq, batch, ...]`) only; sequence_lens, when given, must be constant
/// and equal to the sequence length.
class Recurrence {
public:
  enum Kind { Rnn, Gru, Lstm };
  /// The longest sequence unrolled.
  static constexpr int64_t kMaxSteps = 4096;
  Recurrence(NodeContext &ctx, Kind kind)
      : ctx(ctx), kind(kind), gates(kind == Lstm  ? 4
                                    : kind == Gru ? 3
                                                  : 1) {}

  LogicalResult run() {
    auto xType = ctx.inputType(0);
    if (xType.getRank() != 3)
      return ctx.fail("X must have rank 3");
    // Layout 1 (opset 14) is batch first: X [batch, seq, input], initial
    // states and Y_h [batch, dirs, hidden], Y [batch, seq, dirs, hidden];
    // transposed to and from layout 0 around the recurrence.
    batchFirst = ctx.attrs.getInt("layout", 0) != 0;
    x = ctx.input(0);
    if (batchFirst)
      x = swap01(x);
    xType = cast<RankedTensorType>(x.getType());
    seq = xType.getDimSize(0);
    batch = xType.getDimSize(1);
    inputSize = xType.getDimSize(2);
    // The recurrence is unrolled, about twenty ops per step: bounded so
    // that a tiny file cannot ask for millions of them.
    if (seq < 1 || seq > kMaxSteps)
      return ctx.fail("a sequence of " + Twine(seq) +
                      " steps: unrolling supports 1 to " + Twine(kMaxSteps));
    hidden = ctx.attrs.getInt("hidden_size", 0);
    elem = xType.getElementType();
    if (hidden <= 0)
      return ctx.fail("hidden_size must be positive");
    std::string direction = ctx.attrs.getString("direction", "forward");
    if (direction != "forward" && direction != "reverse" &&
        direction != "bidirectional")
      return ctx.fail("direction must be forward, reverse or bidirectional");
    int64_t dirs = direction == "bidirectional" ? 2 : 1;
    if (ctx.inputType(1).getShape() !=
        ArrayRef<int64_t>{dirs, gates * hidden, inputSize})
      return ctx.fail("W has the wrong shape");
    if (ctx.hasInput(4)) {
      auto lens = ctx.constantInts(4);
      if (!lens)
        return ctx.failNotConstant({4}, "sequence_lens");
      if (llvm::any_of(*lens, [&](int64_t l) { return l != seq; }))
        return ctx.fail("sequence_lens shorter than the sequence are not "
                        "supported");
    }
    if (kind == Lstm && ctx.attrs.getInt("input_forget", 0) != 0)
      return ctx.fail("input_forget is not supported");
    clip = ctx.attrs.getFloat("clip", 0.0f);
    SmallVector<std::string> acts;
    if (auto given = ctx.attrs.getStrings("activations"))
      acts.assign(given->begin(), given->end());
    SmallVector<std::string> defaults =
        kind == Lstm  ? SmallVector<std::string>{"Sigmoid", "Tanh", "Tanh"}
        : kind == Gru ? SmallVector<std::string>{"Sigmoid", "Tanh"}
                      : SmallVector<std::string>{"Tanh"};
    size_t perDir = defaults.size();
    if (!acts.empty() && acts.size() != perDir * dirs)
      return ctx.fail("activations must list one function per gate and "
                      "direction");
    SmallVector<Value> ys, hs, cs;
    for (int64_t d = 0; d < dirs; ++d) {
      activations.assign(defaults.begin(), defaults.end());
      if (!acts.empty())
        activations.assign(acts.begin() + d * perDir,
                           acts.begin() + (d + 1) * perDir);
      for (const std::string &a : activations)
        if (a != "Sigmoid" && a != "Tanh" && a != "Relu")
          return ctx.fail("activation '" + a + "' is not supported");
      bool reverse =
          direction == "reverse" || (direction == "bidirectional" && d == 1);
      if (failed(direction1(d, reverse, ys, hs, cs)))
        return failure();
    }
    // Y [seq, dirs, batch, hidden], Y_h (and Y_c) [dirs, batch, hidden].
    auto cat = [&](ArrayRef<Value> parts, int64_t axis) -> Value {
      if (parts.size() == 1)
        return parts.front();
      auto t = cast<RankedTensorType>(parts.front().getType());
      SmallVector<int64_t> shape(t.getShape());
      shape[axis] *= int64_t(parts.size());
      return ConcatOp::create(ctx.b, ctx.loc,
                              RankedTensorType::get(shape, elem), parts, axis);
    };
    if (ctx.hasOutput(0)) {
      Value y = cat(ys, 1);
      if (batchFirst) {
        auto t = cast<RankedTensorType>(y.getType()).getShape();
        y = TransposeOp::create(ctx.b, ctx.loc, type({t[2], t[0], t[1], t[3]}),
                                y, ArrayRef<int64_t>{2, 0, 1, 3});
      }
      ctx.setResult(0, y);
    }
    if (ctx.hasOutput(1))
      ctx.setResult(1, batchFirst ? swap01(cat(hs, 0)) : cat(hs, 0));
    if (kind == Lstm && ctx.hasOutput(2))
      ctx.setResult(2, batchFirst ? swap01(cat(cs, 0)) : cat(cs, 0));
    return success();
  }

private:
  RankedTensorType type(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, elem);
  }
  /// A rank-3 value with its first two axes swapped.
  Value swap01(Value v) {
    auto t = cast<RankedTensorType>(v.getType());
    return TransposeOp::create(
        ctx.b, ctx.loc,
        RankedTensorType::get(
            {t.getDimSize(1), t.getDimSize(0), t.getDimSize(2)},
            t.getElementType()),
        v, ArrayRef<int64_t>{1, 0, 2});
  }
  Value slice(Value v, ArrayRef<int64_t> offsets, ArrayRef<int64_t> sizes) {
    SmallVector<int64_t> strides(offsets.size(), 1);
    return SliceOp::create(ctx.b, ctx.loc, type(sizes), v, offsets, strides);
  }
  /// Rows [g * H, (g + 1) * H) of a [.., rows] value's last axis.
  Value gate(Value v, int64_t g) {
    auto shape = cast<RankedTensorType>(v.getType()).getShape();
    return slice(v, {0, g * hidden}, {shape[0], hidden});
  }
  Value add(Value a, Value b) {
    return AddOp::create(ctx.b, ctx.loc, a.getType(), a, b);
  }
  Value mul(Value a, Value b) {
    return MulOp::create(ctx.b, ctx.loc, a.getType(), a, b);
  }
  Value sub(Value a, Value b) {
    return SubOp::create(ctx.b, ctx.loc, a.getType(), a, b);
  }
  Value apply(StringRef fn, Value v) {
    if (clip > 0)
      v = ClampOp::create(ctx.b, ctx.loc, v.getType(), v,
                          ctx.b.getF32FloatAttr(-clip),
                          ctx.b.getF32FloatAttr(clip));
    if (fn == "Sigmoid")
      return SigmoidOp::create(ctx.b, ctx.loc, v.getType(), v);
    if (fn == "Tanh")
      return TanhOp::create(ctx.b, ctx.loc, v.getType(), v);
    return ClampOp::create(ctx.b, ctx.loc, v.getType(), v,
                           ctx.b.getF32FloatAttr(0.0f),
                           ctx.b.getF32FloatAttr(INFINITY));
  }
  /// Direction `d`'s [rows, cols] matrix of a [dirs, rows, cols] input,
  /// transposed to [cols, rows] for x * M^T.
  Value transposed(unsigned input, int64_t d) {
    auto t = ctx.inputType(input);
    int64_t rows = t.getDimSize(1), cols = t.getDimSize(2);
    Value m = reshapeTo(
        ctx, slice(ctx.input(input), {d, 0, 0}, {1, rows, cols}), {rows, cols});
    return TransposeOp::create(ctx.b, ctx.loc, type({cols, rows}), m,
                               ArrayRef<int64_t>{1, 0});
  }
  Value initial(unsigned input, int64_t d) {
    if (!ctx.hasInput(input))
      return ConstantOp::create(
          ctx.b, ctx.loc, type({batch, hidden}),
          DenseElementsAttr::get(type({batch, hidden}),
                                 ctx.b.getFloatAttr(elem, 0.0)));
    Value state = ctx.input(input);
    if (batchFirst)
      state = swap01(state);
    return reshapeTo(ctx, slice(state, {d, 0, 0}, {1, batch, hidden}),
                     {batch, hidden});
  }

  LogicalResult direction1(int64_t d, bool reverse, SmallVectorImpl<Value> &ys,
                           SmallVectorImpl<Value> &hs,
                           SmallVectorImpl<Value> &cs) {
    int64_t G = gates * hidden;
    // Every step's input projection at once: [seq * batch, G].
    Value flat = reshapeTo(ctx, x, {seq * batch, inputSize});
    Value xw = MatMulOp::create(ctx.b, ctx.loc, type({seq * batch, G}), flat,
                                transposed(1, d));
    Value rT = transposed(2, d);
    Value wb, rb; // [1, G] each
    if (ctx.hasInput(3)) {
      Value bias =
          reshapeTo(ctx, slice(ctx.input(3), {d, 0}, {1, 2 * G}), {1, 2 * G});
      wb = slice(bias, {0, 0}, {1, G});
      rb = slice(bias, {0, G}, {1, G});
      // GRU's recurrent bias of the candidate gate sits inside the reset
      // product when linear_before_reset; otherwise both biases add up.
      if (kind != Gru)
        xw = add(xw, add(wb, rb));
      else
        xw = add(xw, wb);
    }
    Value peep;
    if (kind == Lstm && ctx.hasInput(7))
      peep = reshapeTo(ctx, slice(ctx.input(7), {d, 0}, {1, 3 * hidden}),
                       {1, 3 * hidden});
    bool linearBeforeReset =
        kind == Gru && ctx.attrs.getInt("linear_before_reset", 0) != 0;
    Value h = initial(5, d), c = kind == Lstm ? initial(6, d) : Value();
    SmallVector<Value> steps(seq);
    for (int64_t i = 0; i < seq; ++i) {
      int64_t t = reverse ? seq - 1 - i : i;
      Value xt = slice(xw, {t * batch, 0}, {batch, G});
      if (kind == Rnn) {
        Value hr = MatMulOp::create(ctx.b, ctx.loc, type({batch, G}), h, rT);
        h = apply(activations[0], add(xt, hr));
      } else if (kind == Lstm) {
        // Gate order i, o, f, c.
        Value pre =
            add(xt, MatMulOp::create(ctx.b, ctx.loc, type({batch, G}), h, rT));
        Value it = gate(pre, 0), ot = gate(pre, 1), ft = gate(pre, 2),
              ct = gate(pre, 3);
        if (peep) {
          it = add(it, mul(c, slice(peep, {0, 0}, {1, hidden})));
          ft = add(ft, mul(c, slice(peep, {0, 2 * hidden}, {1, hidden})));
        }
        it = apply(activations[0], it);
        ft = apply(activations[0], ft);
        ct = apply(activations[1], ct);
        c = add(mul(ft, c), mul(it, ct));
        if (peep)
          ot = add(ot, mul(c, slice(peep, {0, hidden}, {1, hidden})));
        ot = apply(activations[0], ot);
        h = mul(ot, apply(activations[2], c));
      } else {
        // Gate order z, r, h.
        Value hr = MatMulOp::create(ctx.b, ctx.loc, type({batch, G}), h, rT);
        if (rb)
          hr = add(hr, rb);
        Value zt = apply(activations[0], add(gate(xt, 0), gate(hr, 0)));
        Value rt = apply(activations[0], add(gate(xt, 1), gate(hr, 1)));
        Value candidate;
        if (linearBeforeReset) {
          candidate = add(gate(xt, 2), mul(rt, gate(hr, 2)));
        } else {
          // (r (.) H) * Rh^T + Rbh.
          Value rh = mul(rt, h);
          Value rhT = slice(rT, {0, 2 * hidden}, {hidden, hidden});
          Value proj =
              MatMulOp::create(ctx.b, ctx.loc, type({batch, hidden}), rh, rhT);
          if (rb)
            proj = add(proj, slice(rb, {0, 2 * hidden}, {1, hidden}));
          candidate = add(gate(xt, 2), proj);
        }
        Value ht = apply(activations[1], candidate);
        // H = (1 - z) (.) h~ + z (.) H = h~ + z (.) (H - h~).
        h = add(ht, mul(zt, sub(h, ht)));
      }
      steps[t] = reshapeTo(ctx, h, {1, 1, batch, hidden});
    }
    ys.push_back(seq == 1 ? steps[0]
                          : ConcatOp::create(ctx.b, ctx.loc,
                                             type({seq, 1, batch, hidden}),
                                             steps, 0));
    hs.push_back(reshapeTo(ctx, h, {1, batch, hidden}));
    if (kind == Lstm)
      cs.push_back(reshapeTo(ctx, c, {1, batch, hidden}));
    return success();
  }

  NodeContext &ctx;
  Kind kind;
  int64_t gates;
  bool batchFirst = false;
  Value x; // X in layout 0
  int64_t seq = 0, batch = 0, inputSize = 0, hidden = 0;
  Type elem;
  float clip = 0;
  SmallVector<std::string> activations;
};

} // namespace

template <Recurrence::Kind kind>
LogicalResult importRecurrent(NodeContext &ctx) {
  return Recurrence(ctx, kind).run();
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

template <typename OpT> LogicalResult importUnary(NodeContext &ctx) {
  ctx.setResult(0,
                OpT::create(ctx.b, ctx.loc, ctx.resultType(0), ctx.input(0)));
  return success();
}

template <typename OpT> LogicalResult importBinary(NodeContext &ctx) {
  ctx.setResult(0, OpT::create(ctx.b, ctx.loc, ctx.resultType(0), ctx.input(0),
                               ctx.input(1)));
  return success();
}

/// ONNX Pow (opsets 12-15 allow an exponent of another type than the
/// base). An FP32 base with an integer exponent raises to the exponent's
/// value as FP32, as ONNX Runtime does (std::pow of the converted
/// exponent): a constant exponent becomes an FP32 constant, an INT32 one
/// goes through one vec.convert itof (exact below 2^24 in magnitude;
/// beyond, the FP32 exponent is rounded, which changes the result only for
/// bases of magnitude 1 or an overflow's bound); other integer exponents
/// must be constant (else the host CPU runs the node).
LogicalResult importPow(NodeContext &ctx) {
  RankedTensorType baseType = ctx.inputType(0), expType = ctx.inputType(1);
  Type f32 = baseType.getElementType();
  if (!f32.isF32() || !isa<IntegerType>(expType.getElementType()) ||
      expType.getElementType().isSignlessInteger(1))
    return importBinary<PowOp>(ctx);
  auto floatType = expType.clone(f32);
  Value exponent;
  if (const HostTensor *c = ctx.constant(1)) {
    std::vector<float> values(size_t(c->size()));
    for (int64_t i = 0; i < c->size(); ++i)
      values[size_t(i)] = float(c->realAt(i));
    exponent = ConstantOp::create(
        ctx.b, ctx.loc, floatType,
        DenseElementsAttr::get(floatType, ArrayRef<float>(values)));
  } else if (expType.getElementType().isSignlessInteger(32)) {
    exponent = CastOp::create(ctx.b, ctx.loc, floatType, ctx.input(1));
  } else {
    return ctx.failNotConstant({1}, "a Pow exponent of an integer type other "
                                    "than INT32");
  }
  ctx.setResult(0, PowOp::create(ctx.b, ctx.loc, ctx.resultType(0),
                                 ctx.input(0), exponent));
  return success();
}

LogicalResult importWhere(NodeContext &ctx) {
  ctx.setResult(0, WhereOp::create(ctx.b, ctx.loc, ctx.resultType(0),
                                   ctx.input(0), ctx.input(1), ctx.input(2)));
  return success();
}

LogicalResult importRelu(NodeContext &ctx) {
  ctx.setResult(0, ClampOp::create(ctx.b, ctx.loc, ctx.resultType(0),
                                   ctx.input(0), ctx.b.getF32FloatAttr(0.0f),
                                   ctx.b.getF32FloatAttr(INFINITY)));
  return success();
}

LogicalResult importClip(NodeContext &ctx) {
  // Defaults: the lowest and highest values of the element type; for f32
  // that is +-FLT_MAX, for other types +-inf leaves every value unchanged.
  bool f32 = ctx.inputType(0).getElementType().isF32();
  float lo = f32 ? -FLT_MAX : -INFINITY, hi = f32 ? FLT_MAX : INFINITY;
  if (ctx.opset < 11) {
    lo = ctx.attrs.getFloat("min", lo);
    hi = ctx.attrs.getFloat("max", hi);
  } else {
    bool runtimeBounds = false;
    for (unsigned i : {1u, 2u}) {
      if (!ctx.hasInput(i))
        continue;
      const HostTensor *t = ctx.constant(i);
      if (!t)
        runtimeBounds = true;
      else if (t->size() == 1)
        (i == 1 ? lo : hi) = static_cast<float>(t->realAt(0));
      else
        return ctx.fail("Clip min/max must be scalars");
    }
    if (runtimeBounds) {
      // min(max(x, lo), hi): `max` wins when lo > hi, as ONNX specifies.
      Value y = ctx.input(0);
      RankedTensorType type = ctx.resultType(0);
      if (ctx.hasInput(1))
        y = MaximumOp::create(ctx.b, ctx.loc, type, y, ctx.input(1));
      if (ctx.hasInput(2))
        y = MinimumOp::create(ctx.b, ctx.loc, type, y, ctx.input(2));
      ctx.setResult(0, y);
      return success();
    }
  }
  ctx.setResult(0, ClampOp::create(ctx.b, ctx.loc, ctx.resultType(0),
                                   ctx.input(0), ctx.b.getF32FloatAttr(lo),
                                   ctx.b.getF32FloatAttr(hi)));
  return success();
}

/// Variadic Min/Max as a chain of binary ops (broadcasting at each step).
/// The inputs of a variadic node folded left by `OpT` (broadcasting).
template <typename OpT> FailureOr<Value> foldInputs(NodeContext &ctx) {
  Value acc = ctx.input(0);
  RankedTensorType type = ctx.resultType(0);
  for (int i = 1; i < ctx.node.input_size(); ++i) {
    auto a = cast<RankedTensorType>(acc.getType()).getShape();
    SmallVector<int64_t> shape;
    if (!broadcastShapes(a, ctx.inputType(i).getShape(), shape))
      return ctx.fail("operands do not broadcast");
    acc = OpT::create(ctx.b, ctx.loc,
                      RankedTensorType::get(shape, type.getElementType()), acc,
                      ctx.input(i));
  }
  return acc;
}

template <typename OpT> LogicalResult importVariadic(NodeContext &ctx) {
  FailureOr<Value> acc = foldInputs<OpT>(ctx);
  if (failed(acc))
    return failure();
  ctx.setResult(0, *acc);
  return success();
}

/// ONNX Mean: the sum of the inputs times 1/n.
LogicalResult importMean(NodeContext &ctx) {
  FailureOr<Value> sum = foldInputs<AddOp>(ctx);
  if (failed(sum))
    return failure();
  Type elem = ctx.resultType(0).getElementType();
  ctx.setResult(0,
                MulOp::create(ctx.b, ctx.loc, sum->getType(), *sum,
                              ctx.scalar(elem, 1.0 / ctx.node.input_size())));
  return success();
}

LogicalResult importLeakyRelu(NodeContext &ctx) {
  ctx.setResult(0, LeakyReluOp::create(ctx.b, ctx.loc, ctx.resultType(0),
                                       ctx.input(0),
                                       floatAttr(ctx, "alpha", 0.01f)));
  return success();
}

LogicalResult importElu(NodeContext &ctx) {
  ctx.setResult(0, EluOp::create(ctx.b, ctx.loc, ctx.resultType(0),
                                 ctx.input(0), floatAttr(ctx, "alpha", 1.0f),
                                 ctx.b.getF32FloatAttr(1.0f)));
  return success();
}

LogicalResult importThresholdedRelu(NodeContext &ctx) {
  ctx.setResult(0, ThresholdedReluOp::create(ctx.b, ctx.loc, ctx.resultType(0),
                                             ctx.input(0),
                                             floatAttr(ctx, "alpha", 1.0f)));
  return success();
}

LogicalResult importShrink(NodeContext &ctx) {
  ctx.setResult(0, ShrinkOp::create(ctx.b, ctx.loc, ctx.resultType(0),
                                    ctx.input(0), floatAttr(ctx, "lambd", 0.5f),
                                    floatAttr(ctx, "bias", 0.0f)));
  return success();
}

/// ONNX Celu: `x > 0 ? x : alpha * (exp(x / alpha) - 1)`, which is
/// `elu(x / alpha)` (alpha 1) scaled by alpha.
LogicalResult importCelu(NodeContext &ctx) {
  float alpha = ctx.attrs.getFloat("alpha", 1.0f);
  if (alpha == 0.0f)
    return ctx.fail("Celu alpha must not be 0");
  auto type = ctx.resultType(0);
  Value scaled = MulOp::create(ctx.b, ctx.loc, type, ctx.input(0),
                               ctx.scalar(type.getElementType(), 1.0 / alpha));
  ctx.setResult(0, EluOp::create(ctx.b, ctx.loc, type, scaled,
                                 ctx.b.getF32FloatAttr(1.0f),
                                 ctx.b.getF32FloatAttr(alpha)));
  return success();
}

LogicalResult importSelu(NodeContext &ctx) {
  // ONNX defaults: alpha 1.67326..., gamma 1.0507...
  ctx.setResult(
      0, EluOp::create(ctx.b, ctx.loc, ctx.resultType(0), ctx.input(0),
                       floatAttr(ctx, "alpha", 1.67326319217681884765625f),
                       floatAttr(ctx, "gamma", 1.05070102214813232421875f)));
  return success();
}

LogicalResult importHardSigmoid(NodeContext &ctx) {
  ctx.setResult(0, HardSigmoidOp::create(ctx.b, ctx.loc, ctx.resultType(0),
                                         ctx.input(0),
                                         floatAttr(ctx, "alpha", 0.2f),
                                         floatAttr(ctx, "beta", 0.5f)));
  return success();
}

LogicalResult importPassThrough(NodeContext &ctx) {
  // Identity, and Dropout at inference or in training mode with ratio 0
  // (every element kept, scale 1 / (1 - 0)): the data passes unchanged and
  // the optional mask is all true. Training mode with another ratio drops
  // random elements, which a deployed model has no use for.
  if (ctx.node.op_type() == "Dropout") {
    const HostTensor *training = ctx.constant(2);
    if (ctx.hasInput(2) && !training)
      return ctx.failNotConstant({2}, "Dropout's training_mode");
    if (ctx.hasInput(2) && training->intAt(0) != 0) {
      const HostTensor *ratio = ctx.constant(1);
      if (ctx.hasInput(1) && !ratio)
        return ctx.failNotConstant({1}, "a training-mode Dropout's ratio");
      if (!ratio || ratio->realAt(0) != 0)
        return ctx.fail("training-mode Dropout with a ratio other than 0 "
                        "drops random elements; it is not supported");
    }
    if (ctx.hasOutput(1)) {
      RankedTensorType maskType = ctx.resultType(1);
      ctx.setResult(1,
                    ConstantOp::create(ctx.b, ctx.loc, maskType,
                                       DenseElementsAttr::get(maskType, true)));
    }
  }
  ctx.setResult(0, ctx.input(0));
  return success();
}

LogicalResult importCast(NodeContext &ctx) {
  // Casts of constants fold at import; the NPU converts between FP32,
  // INT32, 8-bit integers and BOOL as below, the host CPU the others.
  if (ctx.inputType(0) == ctx.resultType(0)) {
    ctx.setResult(0, ctx.input(0));
    return success();
  }
  if (auto c = ctx.input(0).getDefiningOp<ConstantOp>()) {
    ctx.setResult(0, CastOp::create(ctx.b, ctx.loc, ctx.resultType(0), c));
    return success();
  }
  // BOOL to FP32 or INT32 (a mask made a multiplier): Where(x, 1, 0), the
  // vector unit's select of two scalar constants.
  RankedTensorType out = ctx.resultType(0);
  Type elem = out.getElementType();
  if (ctx.inputType(0).getElementType().isSignlessInteger(1) &&
      (elem.isF32() || elem.isSignlessInteger(32))) {
    auto scalar = RankedTensorType::get({}, elem);
    auto splat = [&](int64_t v) -> Value {
      Attribute a = elem.isF32() ? Attribute(ctx.b.getF32FloatAttr(float(v)))
                                 : Attribute(ctx.b.getI32IntegerAttr(v));
      return ConstantOp::create(ctx.b, ctx.loc, scalar,
                                DenseElementsAttr::get(scalar, a));
    };
    ctx.setResult(0, WhereOp::create(ctx.b, ctx.loc, out, ctx.input(0),
                                     splat(1), splat(0)));
    return success();
  }
  // 8-bit integers to FP32: exact (a dequantize at unit scale). FP32 to
  // 8-bit integers: truncated toward zero (ONNX Cast), then wrapped modulo
  // 256 as the host kernel and ONNX Runtime do (ONNX leaves out-of-range
  // values undefined): u = t - 256 * floor(t / 256), exact in FP32 for
  // every finite t below 2^63 (above, and for infinities and NaN, the host
  // gives 255 or 0), minus 256 from 128 on for INT8; then the codes at
  // unit scale.
  Type from = ctx.inputType(0).getElementType();
  auto eightOrSigned = [](Type t) {
    auto i = dyn_cast<IntegerType>(t);
    return i && i.getWidth() == 8;
  };
  if (eightOrSigned(from) && elem.isF32()) {
    ctx.setResult(0, unitValues(ctx, ctx.input(0)));
    return success();
  }
  if (from.isF32() && eightOrSigned(elem)) {
    Value x = ctx.input(0);
    auto type = ctx.inputType(0);
    auto boolType = type.clone(ctx.b.getI1Type());
    Value negative =
        LessOp::create(ctx.b, ctx.loc, boolType, x, ctx.scalar(from, 0));
    Value t = WhereOp::create(ctx.b, ctx.loc, type, negative,
                              CeilOp::create(ctx.b, ctx.loc, type, x),
                              FloorOp::create(ctx.b, ctx.loc, type, x));
    Value turns = FloorOp::create(
        ctx.b, ctx.loc, type,
        MulOp::create(ctx.b, ctx.loc, type, t, ctx.scalar(from, 1.0 / 256)));
    Value u = SubOp::create(
        ctx.b, ctx.loc, type, t,
        MulOp::create(ctx.b, ctx.loc, type, turns, ctx.scalar(from, 256)));
    if (!cast<IntegerType>(elem).isUnsigned()) {
      Value high = GreaterOrEqualOp::create(ctx.b, ctx.loc, boolType, u,
                                            ctx.scalar(from, 128));
      u = WhereOp::create(
          ctx.b, ctx.loc, type, high,
          SubOp::create(ctx.b, ctx.loc, type, u, ctx.scalar(from, 256)), u);
    }
    ctx.setResult(0, unitCodes(ctx, u, out));
    return success();
  }
  // FP32 and INT32: one vec.convert (ftoi truncates toward zero as Cast
  // does; itof rounds to nearest even). 8-bit integers to INT32: exactly,
  // through FP32.
  bool toInt32 = elem.isSignlessInteger(32);
  // ArgMax / ArgMin's INT64 indices to FP32 or INT32 (a class index made a
  // value): the arg reduction writes INT32 indices instead (each below the
  // vector unit's extent, so exact in FP32 too), then one vec.convert itof
  // for FP32. The INT64 reduction stays for its other readers, or goes
  // with the dead code.
  if (from.isSignlessInteger(64) && (elem.isF32() || toInt32)) {
    Operation *arg = ctx.input(0).getDefiningOp();
    if (arg && isa<ArgMaxOp, ArgMinOp>(arg)) {
      Operation *narrow = ctx.b.clone(*arg);
      narrow->getResult(0).setType(ctx.inputType(0).clone(ctx.b.getI32Type()));
      Value indices = narrow->getResult(0);
      ctx.setResult(
          0, toInt32
                 ? indices
                 : CastOp::create(ctx.b, ctx.loc, out, indices).getResult());
      return success();
    }
  }
  if ((from.isF32() && toInt32) ||
      (from.isSignlessInteger(32) && elem.isF32())) {
    ctx.setResult(0, CastOp::create(ctx.b, ctx.loc, out, ctx.input(0)));
    return success();
  }
  if (eightOrSigned(from) && toInt32) {
    ctx.setResult(
        0, CastOp::create(ctx.b, ctx.loc, out, unitValues(ctx, ctx.input(0))));
    return success();
  }
  return ctx.fail("the NPU converts FP32, INT32, INT8, UINT8 and BOOL only "
                  "(and an ArgMax or ArgMin's INT64 indices to FP32 or "
                  "INT32)");
}

//===----------------------------------------------------------------------===//
// Pooling and reductions
//===----------------------------------------------------------------------===//

LogicalResult importPool(NodeContext &ctx, bool isMax) {
  if (isMax && ctx.hasOutput(1))
    return ctx.fail("the MaxPool Indices output is not supported");
  auto inType = ctx.inputType(0);
  int64_t spatial = inType.getRank() - 2;
  auto kernel = ctx.attrs.getInts("kernel_shape");
  if (!kernel || static_cast<int64_t>(kernel->size()) != spatial)
    return ctx.fail("kernel_shape must have one entry per spatial axis");
  auto strides = intsOr(ctx, "strides", spatial, 1);
  auto dilations = intsOr(ctx, "dilations", spatial, 1);
  SmallVector<int64_t> pads;
  if (failed(resolvePads(ctx, inType.getShape().drop_front(2), *kernel, strides,
                         dilations, pads)))
    return failure();
  bool ceilMode = ctx.attrs.getInt("ceil_mode", 0) != 0;
  bool countPad = ctx.attrs.getInt("count_include_pad", 0) != 0;
  // 3-D pooling without dilation is separable: a 2-D pool over (H, W) of
  // the N x (C*D) x H x W view, then a (kd x 1) pool over D of the
  // N x C x D x (H'*W') view. The maximum of maxima is the maximum; the
  // mean of means is the mean, since every window is a box whose valid
  // count is the product of its per-axis counts (count_include_pad either
  // way, ceil_mode per axis).
  RankedTensorType outType = ctx.resultType(0);
  if (spatial == 3 &&
      llvm::all_of(dilations, [](int64_t d) { return d == 1; })) {
    int64_t n = inType.getDimSize(0), c = inType.getDimSize(1),
            d = inType.getDimSize(2), h = inType.getDimSize(3),
            w = inType.getDimSize(4);
    int64_t od = outType.getDimSize(2), oh = outType.getDimSize(3),
            ow = outType.getDimSize(4);
    // The pools' extents (a ceil_mode window that would start in the end
    // padding is dropped) must be ONNX's; where its inference keeps that
    // window, the node runs on the host.
    for (int64_t a = 0; a < 3; ++a)
      if (computePooledExtent(inType.getDimSize(2 + a), (*kernel)[a],
                              strides[a], 1, pads[a], pads[3 + a],
                              ceilMode) != outType.getDimSize(2 + a))
        return ctx.fail("a ceil_mode window that starts in the end padding");
    Type elem = inType.getElementType();
    auto pool = [&](Value x, ArrayRef<int64_t> outShape, ArrayRef<int64_t> k,
                    ArrayRef<int64_t> st, ArrayRef<int64_t> pd) -> Value {
      auto t = RankedTensorType::get(outShape, elem);
      SmallVector<int64_t> ones{1, 1};
      if (isMax)
        return MaxPoolOp::create(ctx.b, ctx.loc, t, x, k, st, ones, pd,
                                 ceilMode);
      return AvgPoolOp::create(ctx.b, ctx.loc, t, x, k, st, pd, ceilMode,
                               countPad);
    };
    Value x = reshapeTo(ctx, ctx.input(0), {n, c * d, h, w});
    x = pool(x, {n, c * d, oh, ow}, {(*kernel)[1], (*kernel)[2]},
             {strides[1], strides[2]}, {pads[1], pads[2], pads[4], pads[5]});
    x = reshapeTo(ctx, x, {n, c, d, oh * ow});
    x = pool(x, {n, c, od, oh * ow}, {(*kernel)[0], 1}, {strides[0], 1},
             {pads[0], 0, pads[3], 0});
    ctx.setResult(0, reshapeTo(ctx, x, outType.getShape()));
    return success();
  }
  Value result;
  if (isMax) {
    result = MaxPoolOp::create(ctx.b, ctx.loc, ctx.resultType(0), ctx.input(0),
                               *kernel, strides, dilations, pads, ceilMode);
  } else {
    if (llvm::any_of(dilations, [](int64_t d) { return d != 1; }))
      return ctx.fail("AveragePool with dilations is not supported");
    result = AvgPoolOp::create(ctx.b, ctx.loc, ctx.resultType(0), ctx.input(0),
                               *kernel, strides, pads, ceilMode, countPad);
  }
  ctx.setResult(0, result);
  return success();
}

LogicalResult importMaxPool(NodeContext &ctx) { return importPool(ctx, true); }
LogicalResult importAvgPool(NodeContext &ctx) { return importPool(ctx, false); }

template <typename OpT> LogicalResult importGlobalPool(NodeContext &ctx) {
  SmallVector<int64_t> axes;
  for (int64_t d = 2; d < ctx.inputType(0).getRank(); ++d)
    axes.push_back(d);
  ctx.setResult(0, OpT::create(ctx.b, ctx.loc, ctx.resultType(0), ctx.input(0),
                               axes, true));
  return success();
}

/// ONNX's reductions. ReduceSum takes its axes as an optional constant
/// input from opset 13 (with `noop_with_empty_axes`); the others as an
/// attribute through opset 17. No axes: every axis (or, with
/// noop_with_empty_axes, the input unchanged). The composite reductions are
/// a sum between elementwise ops: ReduceSumSquare = sum(x * x), ReduceL1 =
/// sum(|x|), ReduceL2 = sqrt(sum(x * x)), ReduceLogSum = log(sum(x)),
/// ReduceLogSumExp = log(sum(exp(x))) (as ONNX's reference computes it).
enum class Reduction {
  Mean,
  Max,
  Min,
  Prod,
  Sum,
  SumSquare,
  L1,
  L2,
  LogSum,
  LogSumExp
};

/// Reduction `kind` of `x` over `axes` (in range, sorted, unique; none: a
/// rank-0 input, which reduces to itself) into `outType`, with the
/// composite reductions' elementwise ops around the sum.
Value buildReduction(NodeContext &ctx, Reduction kind, Value x,
                     ArrayRef<int64_t> axes, bool keepdims,
                     RankedTensorType outType) {
  auto inType = cast<RankedTensorType>(x.getType());
  switch (kind) {
  case Reduction::SumSquare:
  case Reduction::L2:
    x = MulOp::create(ctx.b, ctx.loc, inType, x, x);
    break;
  case Reduction::L1:
    x = AbsOp::create(ctx.b, ctx.loc, inType, x);
    break;
  case Reduction::LogSumExp:
    x = ExpOp::create(ctx.b, ctx.loc, inType, x);
    break;
  default:
    break;
  }
  auto reduce = [&](Value in, ArrayRef<int64_t> ax, bool keep,
                    RankedTensorType t) -> Value {
    if (kind == Reduction::Mean)
      return ReduceMeanOp::create(ctx.b, ctx.loc, t, in, ax, keep);
    if (kind == Reduction::Max)
      return ReduceMaxOp::create(ctx.b, ctx.loc, t, in, ax, keep);
    if (kind == Reduction::Min)
      return ReduceMinOp::create(ctx.b, ctx.loc, t, in, ax, keep);
    if (kind == Reduction::Prod)
      return ReduceProdOp::create(ctx.b, ctx.loc, t, in, ax, keep);
    return ReduceSumOp::create(ctx.b, ctx.loc, t, in, ax, keep);
  };
  Value r = x;
  if (!axes.empty()) {
    r = reduce(x, axes, keepdims, outType);
    // What the vector unit cannot reduce in place (a reduced axis ahead of
    // kept ones whose group does not fit the scratchpad, more than four
    // alternating groups) it can once the reduced axes are innermost: a
    // transpose, then a reduction of the trailing axes, chunked when long.
    int64_t rank = inType.getRank();
    SmallVector<int64_t> perm, shape;
    for (int64_t d = 0; d < rank; ++d)
      if (!llvm::is_contained(axes, d)) {
        perm.push_back(d);
        shape.push_back(inType.getDimSize(d));
      }
    int64_t kept = perm.size();
    perm.append(axes.begin(), axes.end());
    if (!ctx.legalOnTarget(r.getDefiningOp()) &&
        !llvm::equal(perm, llvm::seq<int64_t>(0, rank))) {
      r.getDefiningOp()->erase();
      Value t = buildTranspose(ctx, x, perm);
      r = reduce(t, llvm::to_vector(llvm::seq<int64_t>(kept, rank)), false,
                 RankedTensorType::get(shape, inType.getElementType()));
      r = reshapeTo(ctx, r, outType.getShape());
    }
  }
  if (kind == Reduction::L2)
    r = SqrtOp::create(ctx.b, ctx.loc, outType, r);
  if (kind == Reduction::LogSum || kind == Reduction::LogSumExp)
    r = LogOp::create(ctx.b, ctx.loc, outType, r);
  return r;
}

template <Reduction kind> LogicalResult importReduce(NodeContext &ctx) {
  int64_t rank = ctx.inputType(0).getRank();
  std::optional<SmallVector<int64_t>> given;
  if (kind == Reduction::Sum && ctx.opset >= 13) {
    if (ctx.hasInput(1)) {
      given = ctx.constantInts(1);
      if (!given)
        return ctx.failNotConstant({1}, "ReduceSum axes");
    }
  } else if (auto attr = ctx.attrs.getInts("axes")) {
    given = SmallVector<int64_t>(attr->begin(), attr->end());
  }
  SmallVector<int64_t> axes;
  if (given && !given->empty()) {
    for (int64_t a : *given) {
      if (!normalizeAxis(a, rank))
        return ctx.fail("axis out of range");
      axes.push_back(a);
    }
    llvm::sort(axes);
    axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  } else if (kind == Reduction::Sum &&
             ctx.attrs.getInt("noop_with_empty_axes", 0) != 0) {
    ctx.setResult(0, ctx.input(0));
    return success();
  } else {
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  }
  bool keepdims = ctx.attrs.getInt("keepdims", 1) != 0;
  ctx.setResult(0, buildReduction(ctx, kind, ctx.input(0), axes, keepdims,
                                  ctx.resultType(0)));
  return success();
}

/// ONNX LpNormalization (opset 1): `x / norm` with the L1 (p = 1) or L2
/// (p = 2) norm along `axis` (default -1), the norm a ReduceL1 / ReduceL2
/// kept as 1. A row whose norm is 0 gives zeros, as ONNX Runtime does
/// (ONNX's reference divides, giving NaN): `Where(norm == 0, 0, x / norm)`.
LogicalResult importLpNorm(NodeContext &ctx) {
  auto type = ctx.inputType(0);
  if (!type.getElementType().isF32())
    return ctx.fail("LpNormalization on the NPU needs an FP32 input");
  int64_t axis = ctx.attrs.getInt("axis", -1);
  if (!normalizeAxis(axis, type.getRank()))
    return ctx.fail("axis out of range");
  int64_t p = ctx.attrs.getInt("p", 2);
  if (p != 1 && p != 2)
    return ctx.fail("LpNormalization's p must be 1 or 2, not " + Twine(p));
  SmallVector<int64_t> statShape(type.getShape());
  statShape[axis] = 1;
  Type f32 = type.getElementType();
  auto statType = RankedTensorType::get(statShape, f32);
  Value x = ctx.input(0);
  Value norm =
      buildReduction(ctx, p == 1 ? Reduction::L1 : Reduction::L2, x,
                     ArrayRef<int64_t>{axis}, /*keepdims=*/true, statType);
  Value zero =
      EqualOp::create(ctx.b, ctx.loc, statType.clone(ctx.b.getI1Type()), norm,
                      ctx.scalar(f32, 0.0));
  Value y = DivOp::create(ctx.b, ctx.loc, type, x, norm);
  ctx.setResult(
      0, WhereOp::create(ctx.b, ctx.loc, type, zero, ctx.scalar(f32, 0.0), y));
  return success();
}

/// ArgMax / ArgMin (opsets 1-13): `axis` (default 0, negative from the
/// end), `keepdims` (default 1), `select_last_index` (opset 12, default 0).
/// The result is ONNX's INT64 index.
template <typename OpT> LogicalResult importArg(NodeContext &ctx) {
  int64_t axis = ctx.attrs.getInt("axis", 0);
  if (!normalizeAxis(axis, ctx.inputType(0).getRank()))
    return ctx.fail("axis out of range");
  ctx.setResult(0, OpT::create(ctx.b, ctx.loc, ctx.resultType(0), ctx.input(0),
                               axis, ctx.attrs.getInt("keepdims", 1) != 0,
                               ctx.attrs.getInt("select_last_index", 0) != 0));
  return success();
}

/// ONNX Einsum (opset 12) of one or two FP32 operands, as a reduction,
/// transposes and one (batched) matmul: labels of one operand that the
/// output drops are summed first; then, of the labels left, those of both
/// operands and the output are the batch, those of both but not the output
/// are contracted (K), and the rest are each operand's kept rows (M) or
/// columns (N): A becomes [batch, M, K], B [batch, K, N], their product is
/// reshaped to the kept labels and transposed to the output's order.
/// Ellipses cover the leading dimensions, aligned to the right; an implicit
/// output is the ellipsis, then the labels used once, in alphabetical order
/// (the operator's definition). Refused (to the host): more than two
/// operands, a label repeated in one operand (a diagonal), dimensions that
/// differ for one label (broadcasting a 1), other element types.
LogicalResult importEinsum(NodeContext &ctx) {
  std::string equation;
  for (char c : ctx.attrs.getString("equation", ""))
    if (c != ' ')
      equation += c;
  int n = ctx.node.input_size();
  if (n < 1 || n > 2)
    return ctx.fail("Einsum on the NPU takes one or two operands");
  for (int i = 0; i < n; ++i)
    if (!ctx.inputType(i).getElementType().isF32())
      return ctx.fail("Einsum on the NPU needs FP32 operands");
  size_t arrow = equation.find("->");
  std::string lhs = equation.substr(0, arrow);
  SmallVector<std::string> terms;
  llvm::SmallVector<StringRef> parts;
  StringRef(lhs).split(parts, ',');
  for (StringRef t : parts)
    terms.push_back(t.str());
  if (int(terms.size()) != n)
    return ctx.fail("Einsum equation '" + equation + "' has " +
                    Twine(terms.size()) + " operand terms for " + Twine(n) +
                    " inputs");
  // Labels: letters 0-51 (ASCII order); the ellipsis's dimensions 64 + k,
  // k counted from the left of the widest ellipsis.
  auto letter = [](char c) -> int { // in ASCII order: A-Z, then a-z
    if (c >= 'A' && c <= 'Z')
      return c - 'A';
    if (c >= 'a' && c <= 'z')
      return 26 + c - 'a';
    return -1;
  };
  // Parses a term into labels, with -1 standing for the ellipsis.
  auto parse = [&](StringRef term, SmallVectorImpl<int> &out) {
    bool ellipsis = false;
    for (size_t i = 0; i < term.size(); ++i) {
      if (term.substr(i).starts_with("...")) {
        if (ellipsis)
          return false;
        ellipsis = true;
        out.push_back(-1);
        i += 2;
        continue;
      }
      int l = letter(term[i]);
      if (l < 0)
        return false;
      out.push_back(l);
    }
    return true;
  };
  SmallVector<SmallVector<int>> raw(n);
  int64_t ellipsisRank = 0;
  for (int i = 0; i < n; ++i) {
    if (!parse(terms[i], raw[i]))
      return ctx.fail("Einsum equation '" + equation + "' is malformed");
    int64_t named = llvm::count_if(raw[i], [](int l) { return l >= 0; });
    int64_t rank = ctx.inputType(i).getRank();
    bool has = llvm::is_contained(raw[i], -1);
    if ((!has && named != rank) || named > rank)
      return ctx.fail("Einsum term '" + terms[i] +
                      "' does not match its rank-" + Twine(rank) + " operand");
    if (has)
      ellipsisRank = std::max(ellipsisRank, rank - named);
  }
  // Each operand's labels, one per dimension; sizes per label.
  SmallVector<SmallVector<int>> labels(n);
  llvm::SmallDenseMap<int, int64_t> size;
  for (int i = 0; i < n; ++i) {
    ArrayRef<int64_t> shape = ctx.inputType(i).getShape();
    int64_t named = llvm::count_if(raw[i], [](int l) { return l >= 0; });
    int64_t covered = int64_t(shape.size()) - named;
    for (int l : raw[i]) {
      if (l >= 0) {
        labels[i].push_back(l);
        continue;
      }
      for (int64_t k = ellipsisRank - covered; k < ellipsisRank; ++k)
        labels[i].push_back(64 + int(k));
    }
    SmallVector<int> sorted(labels[i]);
    llvm::sort(sorted);
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
      return ctx.fail("Einsum with a label repeated in one operand (a "
                      "diagonal) is not lowered to the NPU");
    for (auto [d, l] : llvm::enumerate(labels[i])) {
      auto [it, inserted] = size.try_emplace(l, shape[d]);
      if (!inserted && it->second != shape[d])
        return ctx.fail("Einsum label sizes " + Twine(it->second) + " and " +
                        Twine(shape[d]) +
                        " differ (broadcasting is not lowered to the NPU)");
    }
  }
  // The output's labels.
  SmallVector<int> out;
  if (arrow != std::string::npos) {
    SmallVector<int> rawOut;
    if (!parse(StringRef(equation).substr(arrow + 2), rawOut))
      return ctx.fail("Einsum equation '" + equation + "' is malformed");
    for (int l : rawOut) {
      if (l >= 0) {
        if (!size.count(l))
          return ctx.fail("Einsum output label not in any operand");
        out.push_back(l);
        continue;
      }
      for (int64_t k = 0; k < ellipsisRank; ++k)
        out.push_back(64 + int(k));
    }
    SmallVector<int> sorted(out);
    llvm::sort(sorted);
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
      return ctx.fail("Einsum equation '" + equation +
                      "' repeats a label in its output");
  } else {
    for (int64_t k = 0; k < ellipsisRank; ++k)
      out.push_back(64 + int(k));
    for (int l = 0; l < 52; ++l) {
      int uses = 0;
      for (auto &ls : labels)
        uses += llvm::count(ls, l);
      if (uses == 1)
        out.push_back(l);
    }
  }
  auto inOut = [&](int l) { return llvm::is_contained(out, l); };
  auto shapeOf = [&](ArrayRef<int> ls) {
    SmallVector<int64_t> shape;
    for (int l : ls)
      shape.push_back(size[l]);
    return shape;
  };
  auto product = [&](ArrayRef<int> ls) {
    int64_t p = 1;
    for (int l : ls)
      p *= size[l];
    return p;
  };
  Type f32 = ctx.inputType(0).getElementType();
  // Sums operand i over the labels `keep` rejects; updates its labels.
  auto sumAway = [&](int i, Value v, function_ref<bool(int)> keep) {
    SmallVector<int64_t> axes;
    SmallVector<int> kept;
    for (auto [d, l] : llvm::enumerate(labels[i]))
      (keep(l) ? kept.push_back(l) : axes.push_back(int64_t(d)));
    if (axes.empty())
      return v;
    labels[i] = kept;
    return Value(ReduceSumOp::create(
        ctx.b, ctx.loc, RankedTensorType::get(shapeOf(kept), f32), v, axes,
        /*keepdims=*/false));
  };
  // `v` with labels `from` transposed to the order `to` (a permutation).
  auto arrange = [&](Value v, ArrayRef<int> from, ArrayRef<int> to) {
    SmallVector<int64_t> perm;
    for (int l : to)
      perm.push_back(llvm::find(from, l) - from.begin());
    return buildTranspose(ctx, v, perm);
  };
  Value result;
  if (n == 1) {
    Value a = sumAway(0, ctx.input(0), inOut);
    result = arrange(a, labels[0], out);
  } else {
    auto inA = [&](int l) { return llvm::is_contained(labels[0], l); };
    auto inB = [&](int l) { return llvm::is_contained(labels[1], l); };
    Value a =
        sumAway(0, ctx.input(0), [&](int l) { return inOut(l) || inB(l); });
    Value b =
        sumAway(1, ctx.input(1), [&](int l) { return inOut(l) || inA(l); });
    SmallVector<int> batch, rows, cols, contract;
    for (int l : out)
      (inA(l) && inB(l) ? batch : inA(l) ? rows : cols).push_back(l);
    for (int l : labels[0])
      if (inB(l) && !inOut(l))
        contract.push_back(l);
    int64_t bt = product(batch), m = product(rows), k = product(contract),
            nn = product(cols);
    SmallVector<int> aOrder(batch), bOrder(batch);
    aOrder.append(rows.begin(), rows.end());
    aOrder.append(contract.begin(), contract.end());
    bOrder.append(contract.begin(), contract.end());
    bOrder.append(cols.begin(), cols.end());
    a = arrange(a, labels[0], aOrder);
    b = arrange(b, labels[1], bOrder);
    SmallVector<int64_t> aShape{m, k}, bShape{k, nn}, cShape{m, nn};
    if (!batch.empty()) {
      aShape.insert(aShape.begin(), bt);
      bShape.insert(bShape.begin(), bt);
      cShape.insert(cShape.begin(), bt);
    }
    a = reshapeTo(ctx, a, aShape);
    b = reshapeTo(ctx, b, bShape);
    Value c = MatMulOp::create(ctx.b, ctx.loc,
                               RankedTensorType::get(cShape, f32), a, b);
    SmallVector<int> cLabels(batch);
    cLabels.append(rows.begin(), rows.end());
    cLabels.append(cols.begin(), cols.end());
    c = reshapeTo(ctx, c, shapeOf(cLabels));
    result = arrange(c, cLabels, out);
  }
  if (cast<RankedTensorType>(result.getType()) != ctx.resultType(0))
    return ctx.fail("Einsum result type differs from shape inference");
  ctx.setResult(0, result);
  return success();
}

/// ONNX IsNaN: `not (x == x)` (a NaN is the one value unequal to itself
/// under the vector unit's IEEE comparisons).
LogicalResult importIsNaN(NodeContext &ctx) {
  auto type = ctx.inputType(0);
  if (!type.getElementType().isF32())
    return ctx.fail("IsNaN on the NPU needs an FP32 input");
  Value x = ctx.input(0);
  auto boolType = RankedTensorType::get(type.getShape(), ctx.b.getI1Type());
  Value same = EqualOp::create(ctx.b, ctx.loc, boolType, x, x);
  ctx.setResult(0, NotOp::create(ctx.b, ctx.loc, boolType, same));
  return success();
}

/// ONNX IsInf: `x == +inf` (detect_positive, default 1) or `x == -inf`
/// (detect_negative, default 1); with neither, `x == NaN`, false
/// everywhere.
LogicalResult importIsInf(NodeContext &ctx) {
  auto type = ctx.inputType(0);
  if (!type.getElementType().isF32())
    return ctx.fail("IsInf on the NPU needs an FP32 input");
  bool positive = ctx.attrs.getInt("detect_positive", 1) != 0,
       negative = ctx.attrs.getInt("detect_negative", 1) != 0;
  Type f32 = type.getElementType();
  Value x = ctx.input(0);
  auto boolType = RankedTensorType::get(type.getShape(), ctx.b.getI1Type());
  auto equals = [&](double v) -> Value {
    return EqualOp::create(ctx.b, ctx.loc, boolType, x, ctx.scalar(f32, v));
  };
  constexpr double inf = std::numeric_limits<double>::infinity();
  Value y = positive && negative
                ? Value(OrOp::create(ctx.b, ctx.loc, boolType, equals(inf),
                                     equals(-inf)))
            : positive ? equals(inf)
            : negative ? equals(-inf)
                       : equals(std::numeric_limits<double>::quiet_NaN());
  ctx.setResult(0, y);
  return success();
}

/// ONNX Hardmax: 1 where an element is the first greatest along the axis
/// (opset 13, default -1), 0 elsewhere; opsets 1-11 over the flattened axes
/// [axis, rank) (default 1), as Softmax. An INT32 ArgMax on the vector unit,
/// an Equal with the constant indices 0..n-1 along the axis, and a Where of
/// 1 and 0.
LogicalResult importHardmax(NodeContext &ctx) {
  auto type = ctx.inputType(0);
  if (!type.getElementType().isF32())
    return ctx.fail("Hardmax on the NPU needs an FP32 input");
  auto coerced = softmaxFamilyAxis(ctx);
  if (failed(coerced))
    return failure();
  auto [x, axis] = *coerced;
  auto xType = cast<RankedTensorType>(x.getType());
  int64_t n = xType.getDimSize(axis);
  SmallVector<int64_t> indexShape(xType.getRank(), 1),
      argShape(xType.getShape());
  indexShape[axis] = n;
  argShape[axis] = 1;
  Type i32 = ctx.b.getI32Type();
  Value arg = ArgMaxOp::create(ctx.b, ctx.loc,
                               RankedTensorType::get(argShape, i32), x, axis,
                               /*keepdims=*/true, /*select_last_index=*/false);
  std::vector<int32_t> iota(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    iota[size_t(i)] = int32_t(i);
  auto indexType = RankedTensorType::get(indexShape, i32);
  Value indices = ConstantOp::create(
      ctx.b, ctx.loc, indexType,
      DenseElementsAttr::get(indexType, ArrayRef<int32_t>(iota)));
  Value hit = EqualOp::create(
      ctx.b, ctx.loc,
      RankedTensorType::get(xType.getShape(), ctx.b.getI1Type()), arg, indices);
  Type f32 = xType.getElementType();
  Value y = WhereOp::create(ctx.b, ctx.loc, xType, hit, ctx.scalar(f32, 1.0),
                            ctx.scalar(f32, 0.0));
  ctx.setResult(0, reshapeTo(ctx, y, type.getShape()));
  return success();
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

LogicalResult importConcat(NodeContext &ctx) {
  int64_t axis = ctx.attrs.getInt("axis", 0);
  if (!normalizeAxis(axis, ctx.resultType(0).getRank()))
    return ctx.fail("axis out of range");
  SmallVector<Value> inputs;
  for (int i = 0; i < ctx.node.input_size(); ++i)
    if (ctx.hasInput(i) && ctx.inputType(i).getNumElements() != 0)
      inputs.push_back(ctx.input(i));
  if (inputs.empty())
    return ctx.fail("Concat of empty tensors only");
  ctx.setResult(
      0, ConcatOp::create(ctx.b, ctx.loc, ctx.resultType(0), inputs, axis));
  return success();
}

Value emitSlice(NodeContext &ctx, Value input, const SliceParams &p,
                RankedTensorType type) {
  return SliceOp::create(ctx.b, ctx.loc, type, input, p.offsets, p.strides);
}

LogicalResult importSlice(NodeContext &ctx) {
  SmallVector<int64_t> starts, ends, axes, steps;
  if (ctx.opset >= 10) {
    auto s = ctx.constantInts(1), e = ctx.constantInts(2);
    if (!s || !e)
      return ctx.failNotConstant({1, 2}, "Slice starts/ends");
    starts = *s;
    ends = *e;
    for (auto [i, out] :
         {std::pair<unsigned, SmallVector<int64_t> *>{3, &axes}, {4, &steps}}) {
      if (!ctx.hasInput(i))
        continue;
      auto v = ctx.constantInts(i);
      if (!v)
        return ctx.failNotConstant({i}, "Slice axes/steps");
      *out = *v;
    }
  } else {
    starts = ctx.attrs.getInts("starts", {});
    ends = ctx.attrs.getInts("ends", {});
    axes = ctx.attrs.getInts("axes", {});
  }
  SliceParams p;
  std::string error;
  if (!resolveSlice(ctx.inputType(0).getShape(), starts, ends, axes, steps, p,
                    error))
    return ctx.fail(error);
  RankedTensorType type = ctx.resultType(0);
  if (type.getShape() != ArrayRef<int64_t>(p.sizes))
    return ctx.fail("resolved Slice sizes disagree with shape inference");
  ctx.setResult(0, emitSlice(ctx, ctx.input(0), p, type));
  return success();
}

LogicalResult importSplit(NodeContext &ctx) {
  auto inType = ctx.inputType(0);
  int64_t axis = ctx.attrs.getInt("axis", 0);
  if (!normalizeAxis(axis, inType.getRank()))
    return ctx.fail("axis out of range");
  int64_t offset = 0;
  for (int i = 0; i < ctx.node.output_size(); ++i) {
    RankedTensorType type = ctx.resultType(i);
    SliceParams p;
    p.offsets.assign(inType.getRank(), 0);
    p.strides.assign(inType.getRank(), 1);
    p.offsets[axis] = offset;
    offset += type.getDimSize(axis);
    if (ctx.hasOutput(i))
      ctx.setResult(i, emitSlice(ctx, ctx.input(0), p, type));
  }
  if (offset != inType.getDimSize(axis))
    return ctx.fail("Split sizes do not add up to the axis");
  return success();
}

/// Reshape, Flatten, Squeeze and Unsqueeze: the result shape is inferred.
LogicalResult importReshape(NodeContext &ctx) {
  ctx.setResult(0, reshapeTo(ctx, ctx.input(0), ctx.resultType(0).getShape()));
  return success();
}

LogicalResult importTranspose(NodeContext &ctx) {
  int64_t rank = ctx.inputType(0).getRank();
  SmallVector<int64_t> reversed;
  for (int64_t d = rank - 1; d >= 0; --d)
    reversed.push_back(d);
  SmallVector<int64_t> perm = ctx.attrs.getInts("perm", reversed);
  if (int64_t(perm.size()) != rank)
    return ctx.fail("Transpose perm has " + Twine(perm.size()) +
                    " entries for a rank-" + Twine(rank) + " input");
  SmallVector<int64_t> sorted(perm);
  llvm::sort(sorted);
  for (int64_t d = 0; d < rank; ++d)
    if (sorted[d] != d)
      return ctx.fail("Transpose perm is not a permutation");
  Value y = buildTranspose(ctx, ctx.input(0), perm);
  if (y.getType() != ctx.resultType(0))
    return ctx.fail("Transpose result type differs from shape inference");
  ctx.setResult(0, y);
  return success();
}

LogicalResult importPad(NodeContext &ctx) {
  std::string modeName = ctx.attrs.getString("mode", "constant");
  std::optional<PadMode> mode = symbolizePadMode(modeName);
  if (!mode)
    return ctx.fail("Pad mode '" + modeName + "' is not supported");
  SmallVector<int64_t> pads;
  float value = 0.0f;
  if (ctx.opset < 11) {
    pads = ctx.attrs.getInts("pads", {});
    value = ctx.attrs.getFloat("value", 0.0f);
  } else {
    auto p = ctx.constantInts(1);
    if (!p)
      return ctx.failNotConstant({1}, "Pad pads");
    pads = *p;
    if (ctx.hasInput(2)) {
      const HostTensor *v = ctx.constant(2);
      if (!v)
        return ctx.failNotConstant({2}, "Pad constant_value");
      if (v->size() != 1)
        return ctx.fail("Pad constant_value must be a scalar");
      value = static_cast<float>(v->realAt(0));
    }
  }
  if (ctx.hasInput(3))
    return ctx.fail("Pad axes (opset 18) are not supported");
  ctx.setResult(0,
                PadOp::create(ctx.b, ctx.loc, ctx.resultType(0), ctx.input(0),
                              pads, llvm::APFloat(value), *mode));
  return success();
}

LogicalResult importGather(NodeContext &ctx) {
  int64_t axis = ctx.attrs.getInt("axis", 0);
  if (!normalizeAxis(axis, ctx.inputType(0).getRank()))
    return ctx.fail("axis out of range");
  ctx.setResult(0, GatherOp::create(ctx.b, ctx.loc, ctx.resultType(0),
                                    ctx.input(0), ctx.input(1), axis));
  return success();
}

LogicalResult importResize(NodeContext &ctx) {
  auto inType = ctx.inputType(0);
  RankedTensorType outType = ctx.resultType(0);
  std::string modeName = ctx.attrs.getString("mode", "nearest");
  std::optional<ResizeMode> mode = symbolizeResizeMode(modeName);
  if (!mode)
    return ctx.fail("Resize mode '" + modeName + "' is not supported");
  if (ctx.attrs.getInt("antialias", 0) != 0)
    return ctx.fail("Resize antialias is not supported");
  std::string coord =
      ctx.opset >= 11
          ? ctx.attrs.getString("coordinate_transformation_mode", "half_pixel")
          : "asymmetric";
  std::string nearest =
      ctx.opset >= 11
          ? ctx.attrs.getString("nearest_mode", "round_prefer_floor")
          : "floor";
  auto coordMode = symbolizeCoordinateTransformationMode(coord);
  if (!coordMode)
    return ctx.fail("coordinate_transformation_mode '" + coord +
                    "' is not supported");
  auto nearestMode = symbolizeNearestMode(nearest);
  if (!nearestMode)
    return ctx.fail("nearest_mode '" + nearest + "' is not supported");
  // Opset 10: (X, scales); 11+: (X, roi, scales, sizes).
  unsigned scalesIdx = ctx.opset >= 11 ? 2 : 1;
  SmallVector<float> scales;
  const HostTensor *given = ctx.constant(scalesIdx);
  if (given && given->size() > 0) {
    for (int64_t i = 0; i < given->size(); ++i)
      scales.push_back(static_cast<float>(given->realAt(i)));
  } else if (ctx.opset >= 11 && ctx.hasInput(3)) {
    if (!ctx.constant(3))
      return ctx.failNotConstant({3}, "Resize sizes");
    for (int64_t d = 0; d < inType.getRank(); ++d)
      scales.push_back(static_cast<float>(outType.getDimSize(d)) /
                       static_cast<float>(inType.getDimSize(d)));
  } else {
    return ctx.failNotConstant({scalesIdx}, "Resize scales");
  }
  if (static_cast<int64_t>(scales.size()) != inType.getRank())
    return ctx.fail("Resize scales must have one entry per axis");
  ctx.setResult(0,
                ResizeOp::create(
                    ctx.b, ctx.loc, outType, ctx.input(0), *mode, *coordMode,
                    *nearestMode, scales,
                    llvm::APFloat(ctx.attrs.getFloat("cubic_coeff_a", -0.75f)),
                    ctx.attrs.getInt("exclude_outside", 0) != 0));
  return success();
}

/// ONNX Upsample (opsets 7-9, replaced by Resize-10 with the same
/// semantics): a Resize with asymmetric coordinates and floor rounding of
/// the nearest source; opset 9 takes the scales as input 1 (Resize-10's
/// form), opset 7 as the `scales` attribute.
LogicalResult importUpsample(NodeContext &ctx) {
  if (ctx.opset >= 9)
    return importResize(ctx);
  auto inType = ctx.inputType(0);
  std::string modeName = ctx.attrs.getString("mode", "nearest");
  std::optional<ResizeMode> mode = symbolizeResizeMode(modeName);
  if (!mode || *mode == ResizeMode::cubic)
    return ctx.fail("Upsample mode '" + modeName + "' is not supported");
  auto attr = ctx.attrs.getFloats("scales");
  if (!attr || int64_t(attr->size()) != inType.getRank())
    return ctx.fail("Upsample needs one scale per axis");
  SmallVector<float> scales(attr->begin(), attr->end());
  ctx.setResult(0, ResizeOp::create(ctx.b, ctx.loc, ctx.resultType(0),
                                    ctx.input(0), *mode,
                                    CoordinateTransformationMode::asymmetric,
                                    NearestMode::floor, scales,
                                    llvm::APFloat(-0.75f), false));
  return success();
}

/// ONNX Expand: the input broadcast to the result's shape (the shape input
/// must be constant: ONNX shape inference needs it). Each axis of size 1
/// that grows repeats its element: a nearest resize at the integer scale
/// out/1, which the code generator runs as a DMA copy whose source stride on
/// that axis is 0.
LogicalResult importExpand(NodeContext &ctx) {
  RankedTensorType outType = ctx.resultType(0);
  auto inType = ctx.inputType(0);
  int64_t rank = outType.getRank();
  if (inType.getRank() > rank)
    return ctx.fail("Expand to fewer axes than the input has");
  // Leading axes the input lacks are 1s (NumPy broadcasting).
  SmallVector<int64_t> shape(rank - inType.getRank(), 1);
  llvm::append_range(shape, inType.getShape());
  Value x = reshapeTo(ctx, ctx.input(0), shape);
  SmallVector<float> scales;
  bool repeats = false;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t in = shape[d], out = outType.getDimSize(d);
    if (in != out && in != 1)
      return ctx.fail("Expand shape does not broadcast from the input");
    scales.push_back(float(out) / float(in));
    repeats |= in != out;
  }
  if (!repeats) {
    ctx.setResult(0, x);
    return success();
  }
  ctx.setResult(0, ResizeOp::create(ctx.b, ctx.loc, outType, x,
                                    ResizeMode::nearest,
                                    CoordinateTransformationMode::asymmetric,
                                    NearestMode::floor, scales,
                                    llvm::APFloat(-0.75f), false));
  return success();
}

} // namespace

/// Reshape of `v` to `shape`, omitted when it would be the identity.
Value npu::onnx_import::reshapeTo(NodeContext &ctx, Value v,
                                  ArrayRef<int64_t> shape) {
  auto t = cast<RankedTensorType>(v.getType());
  if (t.getShape() == shape)
    return v;
  return ReshapeOp::create(ctx.b, ctx.loc,
                           RankedTensorType::get(shape, t.getElementType()), v);
}

FailureOr<SmallVector<int64_t>>
npu::onnx_import::convPads(NodeContext &ctx, RankedTensorType inType,
                           RankedTensorType wType) {
  int64_t spatial = wType.getRank() - 2;
  if (spatial < 1 || inType.getRank() != wType.getRank())
    return ctx.fail("expects input and weight of equal rank >= 3");
  SmallVector<int64_t> kernel(wType.getShape().drop_front(2));
  SmallVector<int64_t> pads;
  if (failed(resolvePads(ctx, inType.getShape().drop_front(2), kernel,
                         intsOr(ctx, "strides", spatial, 1),
                         intsOr(ctx, "dilations", spatial, 1), pads)))
    return failure();
  return pads;
}

/// npu.conv of `x` and `w` (and `bias`, may be null) of `resultType`
/// with the node's Conv attributes (Conv, QLinearConv, ConvInteger).
FailureOr<Value>
npu::onnx_import::buildConv(NodeContext &ctx, Value x, Value w, Value bias,
                            RankedTensorType resultType,
                            std::optional<ArrayRef<int64_t>> givenPads) {
  auto inType = cast<RankedTensorType>(x.getType());
  auto wType = cast<RankedTensorType>(w.getType());
  FailureOr<SmallVector<int64_t>> pads = convPads(ctx, inType, wType);
  if (failed(pads))
    return failure();
  if (givenPads)
    pads->assign(givenPads->begin(), givenPads->end());
  int64_t spatial = wType.getRank() - 2;
  return Value(ConvOp::create(ctx.b, ctx.loc, resultType, x, w, bias,
                              intsOr(ctx, "strides", spatial, 1),
                              intsOr(ctx, "dilations", spatial, 1), *pads,
                              ctx.attrs.getInt("group", 1)));
}

/// The most weights (2 x bins x signal channels x N) an STFT's convolution
/// may take on the NPU (64 MiB of FP32); larger transforms run on the host.
constexpr int64_t kMaxStftWeights = int64_t(1) << 24;

/// ONNX STFT (opset 17) as a 1-D convolution on the MAC array: the DFT's
/// basis, multiplied by the window, is the kernel, so output channel 2k + p
/// of frame m is the real (p = 0) or imaginary (p = 1) part of bin k:
///   re: sum_t w[t] (x_re[t] cos(2 pi k t / N) + x_im[t] sin(2 pi k t / N))
///   im: sum_t w[t] (x_im[t] cos(2 pi k t / N) - x_re[t] sin(2 pi k t / N))
/// over the frame's samples t. The signal is cut into blocks of
/// g = gcd(N, frame_step) samples, each block's samples (and parts) being
/// input channels, so the convolution has g x parts input channels, N / g
/// taps and stride frame_step / g, and the array contracts over g x parts
/// rows at once (one input channel of N taps would use one row; Whisper's
/// 400-point frames 160 apart are 80 channels x 5 taps, stride 2). Its
/// [batch, 2 bins, frames] result is transposed to ONNX's [batch, frames,
/// bins, 2]. The basis is computed in double from k t mod N and rounded once
/// with the window's factor; a window computed at run time multiplies the
/// constant basis first. frame_step and frame_length must be constant.
LogicalResult importSTFT(NodeContext &ctx) {
  RankedTensorType sigType = ctx.inputType(0), outType = ctx.resultType(0);
  Type f32 = sigType.getElementType();
  if (!f32.isF32())
    return ctx.fail("STFT on the NPU needs an FP32 signal");
  auto step = ctx.constantInts(1);
  if (!step)
    return ctx.failNotConstant({1}, "STFT frame_step");
  bool window = ctx.hasInput(2), length = ctx.hasInput(3);
  std::optional<SmallVector<int64_t>> frameLength;
  if (length && !(frameLength = ctx.constantInts(3)))
    return ctx.failNotConstant({3}, "STFT frame_length");
  int64_t n = window ? ctx.inputType(2).getDimSize(0)
                     : (frameLength ? (*frameLength)[0] : 0);
  int64_t batch = sigType.getDimSize(0), samples = sigType.getDimSize(1),
          channels = sigType.getDimSize(2);
  int64_t frames = outType.getDimSize(1), bins = outType.getDimSize(2);
  bool onesided = ctx.attrs.getInt("onesided", 1) != 0;
  if (step->size() != 1 || (*step)[0] < 1 || n < 1 || n > samples ||
      (frameLength && (*frameLength)[0] != n) ||
      frames != (samples - n) / (*step)[0] + 1 ||
      bins != (onesided ? n / 2 + 1 : n) || (onesided && channels != 1))
    return ctx.fail("STFT's frame_step, frame_length, window and output "
                    "shape do not agree");
  if (2.0 * double(bins) * double(channels) * double(n) >
      double(kMaxStftWeights))
    return ctx.fail("an STFT of " + Twine(n) + " points and " + Twine(bins) +
                    " bins needs more than " + Twine(kMaxStftWeights) +
                    " convolution weights");
  std::optional<SmallVector<float>> w =
      window ? constantFloats(ctx, 2) : std::nullopt;
  int64_t g = std::gcd(n, (*step)[0]), taps = n / g, in = g * channels;
  // basis[2k + p][c * channels + ch][j]: the weight of part ch of sample
  // t = j g + c in part p of bin k (times the window when it is constant).
  std::vector<float> basis(size_t(2 * bins * in * taps));
  const double pi = 3.14159265358979323846;
  for (int64_t k = 0; k < bins; ++k)
    for (int64_t t = 0; t < n; ++t) {
      double angle = 2 * pi * double(k * t % n) / double(n);
      double c = std::cos(angle), s = std::sin(angle);
      double scale = w ? double((*w)[size_t(t)]) : 1.0;
      // (re, im) x signal parts (re, im): re = x_re c + x_im s,
      // im = x_im c - x_re s.
      double parts[2][2] = {{c, s}, {-s, c}};
      for (int64_t p = 0; p < 2; ++p)
        for (int64_t ch = 0; ch < channels; ++ch)
          basis[size_t(((2 * k + p) * in + t % g * channels + ch) * taps +
                       t / g)] = float(scale * parts[p][ch]);
    }
  auto wType = RankedTensorType::get({2 * bins, in, taps}, f32);
  Value weights = floatConstant(ctx, wType, basis, "stft_basis");
  if (window && !w) {
    // w[j g + c] at [0, c * channels + ch, j].
    Value win = reshapeTo(ctx, ctx.input(2), {taps, g, 1});
    if (channels > 1)
      win = ConcatOp::create(ctx.b, ctx.loc,
                             RankedTensorType::get({taps, g, channels}, f32),
                             SmallVector<Value>(channels, win), int64_t(2));
    win = buildTranspose(ctx, reshapeTo(ctx, win, {taps, in}), {1, 0});
    weights = MulOp::create(ctx.b, ctx.loc, wType, weights,
                            reshapeTo(ctx, win, {1, in, taps}));
  }
  // The samples the frames read, as [batch, blocks, g x parts] blocks, then
  // [batch, g x parts, blocks].
  int64_t hop = (*step)[0] / g, blocks = (frames - 1) * hop + taps;
  Value x = ctx.input(0);
  if (blocks * g < samples) {
    auto cut = RankedTensorType::get({batch, blocks * g, channels}, f32);
    x = SliceOp::create(ctx.b, ctx.loc, cut, x, SmallVector<int64_t>{0, 0, 0},
                        SmallVector<int64_t>{1, 1, 1});
  }
  x = buildTranspose(ctx, reshapeTo(ctx, x, {batch, blocks, in}), {0, 2, 1});
  auto convType = RankedTensorType::get({batch, 2 * bins, frames}, f32);
  Value y = ConvOp::create(ctx.b, ctx.loc, convType, x, weights, Value(),
                           SmallVector<int64_t>{hop}, SmallVector<int64_t>{1},
                           SmallVector<int64_t>{0, 0}, 1);
  // [batch, bins, 2, frames] -> [batch, frames, bins, 2].
  y = reshapeTo(ctx, y, {batch, bins, 2, frames});
  ctx.setResult(0, buildTranspose(ctx, y, {0, 3, 1, 2}));
  return success();
}

/// The NPU lowerings, by ONNX op type.
static const llvm::StringMap<OpImporterFn> &opImporters() {
  static const llvm::StringMap<OpImporterFn> table = {
      {"Conv", importConv},
      {"ConvTranspose", importConvTranspose},
      {"Gemm", importGemm},
      {"MatMul", importMatMul},
      {"BatchNormalization", importBatchNorm},
      {"LayerNormalization", importLayerNorm},
      {"Softmax", importSoftmax},
      {"Relu", importRelu},
      {"LeakyRelu", importLeakyRelu},
      {"Clip", importClip},
      {"Sigmoid", importUnary<SigmoidOp>},
      {"HardSigmoid", importHardSigmoid},
      {"HardSwish", importUnary<HardSwishOp>},
      {"Tanh", importUnary<TanhOp>},
      {"Erf", importUnary<ErfOp>},
      {"Exp", importUnary<ExpOp>},
      {"Sqrt", importUnary<SqrtOp>},
      {"Neg", importUnary<NegOp>},
      {"Reciprocal", importUnary<ReciprocalOp>},
      {"Abs", importUnary<AbsOp>},
      {"Floor", importUnary<FloorOp>},
      {"Ceil", importUnary<CeilOp>},
      {"Round", importUnary<RoundOp>},
      {"Sign", importUnary<SignOp>},
      {"Log", importUnary<LogOp>},
      {"Sin", importUnary<SinOp>},
      {"Cos", importUnary<CosOp>},
      {"Softplus", importUnary<SoftplusOp>},
      {"Softsign", importUnary<SoftsignOp>},
      {"Tan", importUnary<TanOp>},
      {"Asin", importUnary<AsinOp>},
      {"Acos", importUnary<AcosOp>},
      {"Atan", importUnary<AtanOp>},
      {"Sinh", importUnary<SinhOp>},
      {"Cosh", importUnary<CoshOp>},
      {"Asinh", importUnary<AsinhOp>},
      {"Acosh", importUnary<AcoshOp>},
      {"Atanh", importUnary<AtanhOp>},
      {"ThresholdedRelu", importThresholdedRelu},
      {"Shrink", importShrink},
      {"Celu", importCelu},
      {"Elu", importElu},
      {"Selu", importSelu},
      {"Cast", importCast},
      {"Add", importBinary<AddOp>},
      {"Sub", importBinary<SubOp>},
      {"Mul", importBinary<MulOp>},
      {"Div", importBinary<DivOp>},
      {"Pow", importPow},
      {"Equal", importBinary<EqualOp>},
      {"Greater", importBinary<GreaterOp>},
      {"GreaterOrEqual", importBinary<GreaterOrEqualOp>},
      {"Less", importBinary<LessOp>},
      {"LessOrEqual", importBinary<LessOrEqualOp>},
      {"And", importBinary<AndOp>},
      {"Or", importBinary<OrOp>},
      {"Xor", importBinary<XorOp>},
      {"Not", importUnary<NotOp>},
      {"Where", importWhere},
      {"Sum", importVariadic<AddOp>},
      {"Mean", importMean},
      {"LogSoftmax", importLogSoftmax},
      {"InstanceNormalization", importInstanceNorm},
      {"MeanVarianceNormalization", importMeanVarianceNorm},
      {"LpNormalization", importLpNorm},
      {"LRN", importLRN},
      {"Hardmax", importHardmax},
      {"IsNaN", importIsNaN},
      {"IsInf", importIsInf},
      {"Einsum", importEinsum},
      {"STFT", importSTFT},
      {"Upsample", importUpsample},
      {"DepthToSpace", importDepthToSpace},
      {"SpaceToDepth", importSpaceToDepth},
      {"Tile", importTile},
      {"Expand", importExpand},
      {"PRelu", importPRelu},
      {"RNN", importRecurrent<Recurrence::Rnn>},
      {"GRU", importRecurrent<Recurrence::Gru>},
      {"LSTM", importRecurrent<Recurrence::Lstm>},
      {"Min", importVariadic<MinimumOp>},
      {"Max", importVariadic<MaximumOp>},
      {"MaxPool", importMaxPool},
      {"AveragePool", importAvgPool},
      {"GlobalAveragePool", importGlobalPool<ReduceMeanOp>},
      {"GlobalMaxPool", importGlobalPool<ReduceMaxOp>},
      {"ArgMax", importArg<ArgMaxOp>},
      {"ArgMin", importArg<ArgMinOp>},
      {"ReduceMean", importReduce<Reduction::Mean>},
      {"ReduceMax", importReduce<Reduction::Max>},
      {"ReduceMin", importReduce<Reduction::Min>},
      {"ReduceProd", importReduce<Reduction::Prod>},
      {"ReduceSum", importReduce<Reduction::Sum>},
      {"ReduceSumSquare", importReduce<Reduction::SumSquare>},
      {"ReduceL1", importReduce<Reduction::L1>},
      {"ReduceL2", importReduce<Reduction::L2>},
      {"ReduceLogSum", importReduce<Reduction::LogSum>},
      {"ReduceLogSumExp", importReduce<Reduction::LogSumExp>},
      {"Concat", importConcat},
      {"Split", importSplit},
      {"Slice", importSlice},
      {"Reshape", importReshape},
      {"Flatten", importReshape},
      {"Squeeze", importReshape},
      {"Unsqueeze", importReshape},
      {"Transpose", importTranspose},
      {"Pad", importPad},
      {"Gather", importGather},
      {"Resize", importResize},
      {"QuantizeLinear", importQuantizeLinear},
      {"DynamicQuantizeLinear", importDynamicQuantizeLinear},
      {"DequantizeLinear", importDequantizeLinear},
      {"QLinearConv", importQLinearConv},
      {"QLinearMatMul", importQLinearMatMul},
      {"ConvInteger", importConvInteger},
      {"MatMulInteger", importMatMulInteger},
      {"Identity", importPassThrough},
      {"Dropout", importPassThrough},
  };
  return table;
}

namespace {
/// Plugins' importers by "domain\0opType".
llvm::StringMap<npu::CustomOpImporter> &customOpImporters() {
  static llvm::StringMap<npu::CustomOpImporter> table;
  return table;
}
std::string customKey(llvm::StringRef domain, llvm::StringRef opType) {
  return (domain + llvm::Twine('\0') + opType).str();
}
} // namespace

void npu::registerCustomOpImporter(llvm::StringRef domain,
                                   llvm::StringRef opType,
                                   CustomOpImporter importer) {
  customOpImporters()[customKey(domain, opType)] = std::move(importer);
}

const npu::CustomOpImporter *
npu::lookupCustomOpImporter(llvm::StringRef domain, llvm::StringRef opType) {
  auto it = customOpImporters().find(customKey(domain, opType));
  return it == customOpImporters().end() ? nullptr : &it->second;
}

OpImporterFn npu::onnx_import::lookupOpImporter(llvm::StringRef opType) {
  auto it = opImporters().find(opType);
  return it == opImporters().end() ? nullptr : it->second;
}

std::vector<npu::OpSupport> npu::supportedOnnxOps() {
  std::map<std::string, OpSupport> ops;
  for (const auto &entry : opImporters()) {
    OpSupport &s = ops[entry.getKey().str()];
    s.opType = entry.getKey().str();
    s.npu = true;
  }
  for (const std::string &op : rt::hostKernelOps()) {
    // The importer's own selection after an If, not an ONNX op.
    if (onnx_import::isImporterHostOp(op))
      continue;
    OpSupport &s = ops[op];
    s.opType = op;
    s.cpu = true;
  }
  std::vector<OpSupport> out;
  for (auto &entry : ops)
    out.push_back(entry.second);
  return out;
}
