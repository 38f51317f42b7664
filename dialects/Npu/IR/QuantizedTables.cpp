//===- QuantizedTables.cpp - INT8 readout constants from quantized IR ----===//
//
// The arithmetic of the quantization scheme (docs/quantization.md,
// "Scheme") that turns an INT8 convolution's or matmul's quantized types
// and constants into the per-channel rows its readout uses. One home: the
// code generator only places the table (Convolution.cpp, Matmul.cpp).
//
//===----------------------------------------------------------------------===//

#include "npu/Dialect/Npu/IR/QuantizedTables.h"
#include "npu/Dialect/Npu/IR/NpuOps.h"
#include "npu/Dialect/Npu/Utils/QuantParams.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"

#include <algorithm>

using namespace mlir;
using namespace npu;

bool npu::hasQuantizedInput(Operation *op) {
  return op->getNumOperands() > 0 &&
         isa<quant::QuantizedType>(
             cast<RankedTensorType>(op->getOperand(0).getType())
                 .getElementType());
}

namespace {
/// What an INT8 product's output table reads: its per-tensor INT8 input's
/// type, its per-axis INT8 weights' type and their constant values (each
/// null when the operand is not so).
struct Int8Operands {
  quant::UniformQuantizedType input;
  quant::UniformQuantizedPerAxisType weight;
  DenseElementsAttr weightValues;
};
} // namespace

static Int8Operands int8Operands(Value input, Value weight) {
  auto wConst = weight.getDefiningOp<ConstantOp>();
  return {dyn_cast<quant::UniformQuantizedType>(
              cast<ShapedType>(input.getType()).getElementType()),
          dyn_cast<quant::UniformQuantizedPerAxisType>(
              cast<ShapedType>(weight.getType()).getElementType()),
          wConst ? dyn_cast<DenseElementsAttr>(wConst.getValue()) : nullptr};
}

/// The accumulator's INT32 sums made exact with `-zp_in * sum(q_w)` and a
/// bias, wrapped to 32 bits as the MAC array's and the vector unit's INT32
/// additions wrap (ONNX leaves ConvInteger's and MatMulInteger's overflow
/// undefined; ONNX Runtime wraps).
static int32_t foldedSum(int64_t bias, int64_t zeroPoint, int64_t sum) {
  return int32_t(uint32_t(uint64_t(bias) - uint64_t(zeroPoint * sum)));
}

/// A matmul of two INT8 activations quantized per tensor with zero points
/// 0 (npu-quantize's attention matmuls): the sums are exactly
/// sum(q_a q_b), so the table's scales are s_a * s_b and its biases 0.
static std::optional<ElementsAttr> activationMatmulScales(MatMulOp mm) {
  auto elem = [](Value v) {
    return dyn_cast<quant::UniformQuantizedType>(
        cast<ShapedType>(v.getType()).getElementType());
  };
  quant::UniformQuantizedType a = elem(mm.getLhs()), b = elem(mm.getRhs());
  if (!a || !b || a.getZeroPoint() != 0 || b.getZeroPoint() != 0 ||
      !mm.getType().getElementType().isF32())
    return std::nullopt;
  int64_t N = mm.getRhs().getType().getShape().back();
  SmallVector<float> table(2 * N, 0.0f);
  for (int64_t n = 0; n < N; ++n)
    table[n] = float(a.getScale() * b.getScale());
  auto type = RankedTensorType::get({2, N}, Float32Type::get(mm.getContext()));
  return std::optional<ElementsAttr>(
      DenseElementsAttr::get(type, ArrayRef(table)));
}

/// An INT8 matmul's output table: activationMatmulScales' for two
/// activations; for constant 2-D weights, with an FP32 result, rows of
/// scales s_a * s_w[n] and biases -s_a * s_w[n] * zp_a * sum_k(q_w[k][n]);
/// with an INT32 result (MatMulInteger), one row of -zp_a *
/// sum_k(q_w[k][n]).
static FailureOr<std::optional<ElementsAttr>> matmulScales(MatMulOp mm) {
  if (std::optional<ElementsAttr> table = activationMatmulScales(mm))
    return table;
  auto [a, w, wValues] = int8Operands(mm.getLhs(), mm.getRhs());
  Type result = mm.getType().getElementType();
  bool sums = result.isSignlessInteger(32);
  if (!a || !w || w.getQuantizedDimension() != 1 || !wValues ||
      mm.getRhs().getType().getRank() != 2 || (!result.isF32() && !sums))
    return mm.emitError("backend: an INT8 matmul needs a per-tensor INT8 "
                        "left operand, constant 2-D per-column INT8 weights "
                        "and an FP32 or INT32 result, or two per-tensor "
                        "INT8 operands of zero point 0 and an FP32 result");
  int64_t K = mm.getRhs().getType().getDimSize(0);
  int64_t N = mm.getRhs().getType().getDimSize(1);
  auto q = llvm::to_vector(wValues.getValues<int8_t>());
  auto sumOf = [&](int64_t n) {
    int64_t sum = 0;
    for (int64_t k = 0; k < K; ++k)
      sum += q[k * N + n];
    return sum;
  };
  if (sums) {
    SmallVector<int32_t> row(N);
    for (int64_t n = 0; n < N; ++n)
      row[n] = foldedSum(0, a.getZeroPoint(), sumOf(n));
    auto type = RankedTensorType::get({N}, result);
    return std::optional<ElementsAttr>(
        DenseElementsAttr::get(type, ArrayRef(row)));
  }
  SmallVector<float> table(2 * N);
  for (int64_t n = 0; n < N; ++n) {
    double scale = a.getScale() * w.getScales()[n];
    table[n] = float(scale);
    table[N + n] = float(-scale * a.getZeroPoint() * double(sumOf(n)));
  }
  auto type = RankedTensorType::get({2, N}, Float32Type::get(mm.getContext()));
  return std::optional<ElementsAttr>(
      DenseElementsAttr::get(type, ArrayRef(table)));
}

FailureOr<SmallVector<TransposedPhase, 4>>
npu::transposedPhases(Operation *op) {
  auto t = dyn_cast<ConvTransposeOp>(op);
  if (!t)
    return op->emitError("transposedPhases: not a transposed convolution");
  auto inT = t.getInput().getType(), outT = t.getType();
  auto wT = t.getWeight().getType();
  int64_t rank = inT.getRank();
  if (rank != 3 && rank != 4)
    return t.emitError("backend: only 1-D and 2-D transposed convolutions "
                       "are supported");
  bool oneD = rank == 3;
  int64_t n = rank - 2;
  ArrayRef<int64_t> strides = t.getStrides(), dil = t.getDilations(),
                    pads = t.getPads();
  // out[o] = sum over (i, k) with o = i*s + k*d - p: for o = q*s + r, tap k
  // contributes when (r + p - k*d) is a multiple of s, from input
  // q + (r + p - k*d) / s.
  auto taps = [](int64_t kernel, int64_t s, int64_t d, int64_t p, int64_t r) {
    SmallVector<PhaseTap, 4> out;
    for (int64_t k = 0; k < kernel; ++k) {
      int64_t v = r + p - k * d;
      if (((v % s) + s) % s == 0)
        out.push_back({k, v / s});
    }
    return out;
  };
  int64_t kh = oneD ? 1 : wT.getDimSize(2), kw = wT.getShape().back();
  int64_t sy = oneD ? 1 : strides[0], sx = strides.back();
  int64_t outY = oneD ? 1 : outT.getDimSize(2), outX = outT.getShape().back();
  SmallVector<TransposedPhase, 4> phases;
  for (int64_t ry = 0; ry < std::min(sy, outY); ++ry)
    for (int64_t rx = 0; rx < std::min(sx, outX); ++rx) {
      TransposedPhase ph;
      ph.ry = ry;
      ph.rx = rx;
      ph.y = oneD ? SmallVector<PhaseTap, 4>{{0, 0}}
                  : taps(kh, sy, dil[0], pads[0], ry);
      ph.x = taps(kw, sx, dil.back(), pads[n - 1], rx);
      if (ph.y.empty() || ph.x.empty())
        return t.emitError("backend: a transposed convolution with output "
                           "positions no tap reaches (stride above the "
                           "dilated kernel) is not supported");
      phases.push_back(std::move(ph));
    }
  return phases;
}

/// An INT8 transposed convolution's FP32 output table, phase by phase.
static FailureOr<std::optional<ElementsAttr>>
transposedScales(ConvTransposeOp op) {
  auto [in, w, wValues] = int8Operands(op.getInput(), op.getWeight());
  SmallVector<float> bias;
  Attribute bAttr;
  if (!in || !w || w.getQuantizedDimension() != 1 || op.getGroup() != 1 ||
      !wValues || !op.getType().getElementType().isF32() ||
      (op.getBias() && (!matchPattern(op.getBias(), m_Constant(&bAttr)) ||
                        !readFloatConstant(bAttr, bias))))
    return op.emitError("backend: an INT8 transposed convolution needs a "
                        "per-tensor INT8 input, constant per-output-channel "
                        "INT8 weights (one group), a constant FP32 bias and "
                        "an FP32 result");
  FailureOr<SmallVector<TransposedPhase, 4>> phases = transposedPhases(op);
  if (failed(phases))
    return failure();
  auto wT = op.getWeight().getType();
  int64_t C = wT.getDimSize(0), M = wT.getDimSize(1);
  int64_t kw = wT.getShape().back();
  int64_t taps = 1;
  for (int64_t d = 2; d < wT.getRank(); ++d)
    taps *= wT.getDimSize(d);
  auto q = llvm::to_vector(wValues.getValues<int8_t>());
  SmallVector<float> table;
  for (const TransposedPhase &ph : *phases) {
    SmallVector<float> scales(M), biases(M);
    for (int64_t m = 0; m < M; ++m) {
      int64_t sum = 0;
      for (int64_t c = 0; c < C; ++c)
        for (const PhaseTap &ty : ph.y)
          for (const PhaseTap &tx : ph.x)
            sum += q[(c * M + m) * taps + ty.k * kw + tx.k];
      double scale = in.getScale() * w.getScales()[m];
      scales[m] = float(scale);
      biases[m] = float((bias.empty() ? 0.0 : double(bias[m])) -
                        scale * in.getZeroPoint() * double(sum));
    }
    table.append(scales.begin(), scales.end());
    table.append(biases.begin(), biases.end());
  }
  auto type = RankedTensorType::get({int64_t(phases->size()) * 2, M},
                                    Float32Type::get(op.getContext()));
  return std::optional<ElementsAttr>(
      DenseElementsAttr::get(type, ArrayRef(table)));
}

FailureOr<std::optional<ElementsAttr>> npu::int8ReadoutTable(Operation *op) {
  if (auto t = dyn_cast<ConvTransposeOp>(op))
    return hasQuantizedInput(t) ? transposedScales(t)
                                : FailureOr<std::optional<ElementsAttr>>(
                                      std::optional<ElementsAttr>());
  if (auto mm = dyn_cast<MatMulOp>(op))
    return hasQuantizedInput(mm) ? matmulScales(mm)
                                 : FailureOr<std::optional<ElementsAttr>>(
                                       std::optional<ElementsAttr>());
  auto conv = dyn_cast<ConvOp>(op);
  if (!conv || !hasQuantizedInput(conv))
    return std::optional<ElementsAttr>();
  auto elementOf = [](Value v) {
    return cast<RankedTensorType>(v.getType()).getElementType();
  };
  auto in = dyn_cast<quant::UniformQuantizedType>(elementOf(conv.getInput()));
  auto out = dyn_cast<quant::UniformQuantizedType>(elementOf(conv));
  auto w =
      dyn_cast<quant::UniformQuantizedPerAxisType>(elementOf(conv.getWeight()));
  auto wConst = conv.getWeight().getDefiningOp<ConstantOp>();
  auto wValues =
      wConst ? dyn_cast<DenseElementsAttr>(wConst.getValue()) : nullptr;
  DenseElementsAttr bValues;
  if (conv.getBias())
    if (auto bConst = conv.getBias().getDefiningOp<ConstantOp>())
      bValues = dyn_cast<DenseElementsAttr>(bConst.getValue());
  bool floatOut = elementOf(conv).isF32();
  bool sumsOut = elementOf(conv).isSignlessInteger(32);
  Type biasElement = floatOut ? Type(Float32Type::get(conv.getContext()))
                              : Type(IntegerType::get(conv.getContext(), 32));
  if (!in || (!out && !floatOut && !sumsOut) || !w ||
      w.getQuantizedDimension() != 0 || !wValues ||
      !wValues.getElementType().isSignlessInteger(8) ||
      (conv.getBias() && (!bValues || bValues.getElementType() != biasElement)))
    return conv.emitError("backend: an INT8 convolution needs per-tensor "
                          "INT8 input, an INT8 or INT32 (INT32 bias) or FP32 "
                          "(FP32 bias) result and constant per-channel INT8 "
                          "weights");
  int64_t cout = conv.getWeight().getType().getDimSize(0);
  auto q = llvm::to_vector(wValues.getValues<int8_t>());
  int64_t perChannel = int64_t(q.size()) / cout;
  auto sumOf = [&](int64_t c) {
    int64_t sum = 0;
    for (int64_t i = 0; i < perChannel; ++i)
      sum += q[c * perChannel + i];
    return sum;
  };
  if (sumsOut) {
    // INT32 result: acc + bias[c] - zp_in * sum(q_w[c]), one row.
    SmallVector<int32_t> row(cout);
    for (int64_t c = 0; c < cout; ++c)
      row[c] = foldedSum(bValues ? bValues.getValues<int32_t>()[c] : 0,
                         in.getZeroPoint(), sumOf(c));
    auto type = RankedTensorType::get({cout}, biasElement);
    return std::optional<ElementsAttr>(
        DenseElementsAttr::get(type, ArrayRef(row)));
  }
  if (floatOut) {
    // FP32 result: real = s_in * s_w[c] * acc + (bias[c] - s_in * s_w[c] *
    // zp_in * sum(q_w[c])); rows: the scales, then the folded biases.
    SmallVector<float> table(2 * cout);
    for (int64_t c = 0; c < cout; ++c) {
      double scale = in.getScale() * w.getScales()[c];
      double bias = bValues ? double(bValues.getValues<float>()[c]) : 0.0;
      table[c] = float(scale);
      table[cout + c] = float(bias - scale * in.getZeroPoint() * sumOf(c));
    }
    auto type =
        RankedTensorType::get({2, cout}, Float32Type::get(conv.getContext()));
    return std::optional<ElementsAttr>(
        DenseElementsAttr::get(type, ArrayRef(table)));
  }
  SmallVector<int32_t> table;
  for (int64_t c = 0; c < cout; ++c) {
    int64_t sum = sumOf(c);
    int64_t bias = bValues ? bValues.getValues<int32_t>()[c] : 0;
    int64_t folded = bias - in.getZeroPoint() * sum;
    double multiplier = in.getScale() * w.getScales()[c] / out.getScale();
    std::optional<ptq::Requant> r = ptq::computeRequant(multiplier);
    // Below 2^-32 every INT32 accumulator scales to under half a step: the
    // channel is its zero point (multiplier 0), exactly as rounding says.
    if (!r && multiplier >= 0 && multiplier < 0x1p-32)
      r = ptq::Requant{0, 31};
    if (!r)
      return conv.emitError("backend: output channel ")
             << c << "'s requantization multiplier is out of range";
    table.push_back(int32_t(std::clamp<int64_t>(folded, INT32_MIN, INT32_MAX)));
    table.push_back(r->multiplier);
    table.push_back(r->shift);
  }
  auto type =
      RankedTensorType::get({cout, 3}, IntegerType::get(conv.getContext(), 32));
  return std::optional<ElementsAttr>(
      DenseElementsAttr::get(type, ArrayRef(table)));
}
