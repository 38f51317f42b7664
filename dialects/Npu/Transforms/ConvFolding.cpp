//===- ConvFolding.cpp - rewriting a convolution's constant parameters ----===//

#include "ConvFolding.h"

#include "npu/Dialect/Npu/Utils/QuantParams.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;

namespace npu {

bool readConvParams(ConvOp conv, SmallVectorImpl<float> &weight,
                    SmallVectorImpl<float> &bias) {
  Attribute wAttr, bAttr;
  if (!matchPattern(conv.getWeight(), m_Constant(&wAttr)) ||
      !readFloatConstant(wAttr, weight))
    return false;
  if (!conv.getBias()) {
    bias.assign(conv.getWeight().getType().getDimSize(0), 0.0f);
    return true;
  }
  return matchPattern(conv.getBias(), m_Constant(&bAttr)) &&
         readFloatConstant(bAttr, bias);
}

ConvOp rebuildConv(PatternRewriter &rewriter, ConvOp conv, Value input,
                   std::optional<ArrayRef<float>> weight, ArrayRef<float> bias,
                   Location loc) {
  RankedTensorType wType = conv.getWeight().getType();
  auto bType =
      RankedTensorType::get({int64_t(bias.size())}, wType.getElementType());
  Value newW = conv.getWeight();
  if (weight)
    newW =
        ConstantOp::create(rewriter, conv.getWeight().getLoc(), wType,
                           makeFloatConstant(wType, *weight, "folded_weight"));
  Value newB = ConstantOp::create(
      rewriter, loc, bType, makeFloatConstant(bType, bias, "folded_bias"));
  return ConvOp::create(rewriter, loc, conv.getType(), input, newW, newB,
                        conv.getStridesAttr(), conv.getDilationsAttr(),
                        conv.getPadsAttr(), conv.getGroupAttr());
}

Value createInt8Weights(OpBuilder &b, Location loc, RankedTensorType type,
                        ArrayRef<float> w, int64_t axis,
                        std::vector<double> &scales) {
  int64_t channels = type.getDimSize(axis), inner = 1;
  for (int64_t d = axis + 1; d < type.getRank(); ++d)
    inner *= type.getDimSize(d);
  if (int64_t(scales.size()) != channels)
    scales =
        ptq::chooseWeightScales(w.data(), int64_t(w.size()), channels, inner);
  SmallVector<int8_t> q(w.size());
  for (auto [i, x] : llvm::enumerate(w))
    q[i] = ptq::quantizeWeight(x, scales[(int64_t(i) / inner) % channels]);
  MLIRContext *ctx = b.getContext();
  auto i8 = IntegerType::get(ctx, 8);
  auto qType = quant::UniformQuantizedPerAxisType::get(
      quant::QuantizationFlags::Signed, i8, Float32Type::get(ctx),
      SmallVector<double>(scales.begin(), scales.end()),
      SmallVector<int64_t>(channels, 0), int32_t(axis), -ptq::kWeightQMax,
      ptq::kWeightQMax);
  return ConstantOp::create(
      b, loc, type.clone(qType),
      DenseElementsAttr::get(type.clone(i8), ArrayRef(q)));
}

} // namespace npu
