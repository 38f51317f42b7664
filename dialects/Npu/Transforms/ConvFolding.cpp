//===- ConvFolding.cpp - rewriting a convolution's constant parameters ----===//

#include "ConvFolding.h"

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

} // namespace npu
