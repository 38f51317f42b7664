//===- Relu6Plugin.cpp - a dialect whose op compiles to NPU instructions -===//
//
// Shows how an op defined outside the compiler reaches code generation:
//
//   npu-compile model.onnx --load-dialect-plugin=NpuExampleDialectPlugin.so \
//                          --load-pass-plugin=NpuExampleDialectPlugin.so
//
// The dialect `npu_ext` has one op, `npu_ext.relu6` (min(max(x, 0), 6) on
// an FP32 tensor), which implements npu::BackendOpInterface: it runs on the
// vector unit and emits one vec.unary affine_clamp per tile through the code
// generator's elementwise emitter (npu/Conversion/NpuToNpuIsa/Codegen.h).
// The same library is a pass plugin: `npu-ext-form-relu6` rewrites
// npu.clamp(0, 6) into npu_ext.relu6 and is added at the pipeline's
// `after-optimization` extension point, so ONNX Clip(0, 6) nodes compile
// through the plugin's op. And it imports ONNX nodes of its own domain:
// `com.example.Relu6` becomes npu_ext.relu6 at import
// (npu::registerCustomOpImporter), with --load-dialect-plugin alone.
//
//===----------------------------------------------------------------------===//

#include "npu/Conversion/NpuToNpuIsa/Codegen.h"
#include "npu/Dialect/Npu/IR/NpuBackendInterface.h"
#include "npu/Dialect/Npu/IR/NpuOps.h"
#include "npu/Importer/Onnx/OnnxImporter.h"
#include "npu/Pipelines/Pipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"

using namespace mlir;

namespace {

/// `npu_ext.relu6`: one FP32 tensor operand, a result of the same type.
/// Written in C++ (no ODS) to keep the example one file; generic syntax:
/// `%y = "npu_ext.relu6"(%x) : (tensor<...>) -> tensor<...>`.
class Relu6Op : public Op<Relu6Op, OpTrait::OneResult, OpTrait::ZeroSuccessors,
                          OpTrait::OneOperand, OpTrait::ZeroRegions> {
public:
  using Op::Op;
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(Relu6Op)
  static StringRef getOperationName() { return "npu_ext.relu6"; }
  static ArrayRef<StringRef> getAttributeNames() { return {}; }
  static void build(OpBuilder &, OperationState &state, Value input) {
    state.addOperands(input);
    state.addTypes(input.getType());
  }
  LogicalResult verify() {
    auto type = dyn_cast<RankedTensorType>(getOperand().getType());
    if (!type || type != getOperation()->getResult(0).getType())
      return emitOpError("takes and returns one ranked tensor of one type");
    return success();
  }
};

class ExtDialect : public Dialect {
public:
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ExtDialect)
  static constexpr StringLiteral getDialectNamespace() { return "npu_ext"; }
  explicit ExtDialect(MLIRContext *context)
      : Dialect(getDialectNamespace(), context, TypeID::get<ExtDialect>()) {
    addOperations<Relu6Op>();
  }
};

/// What the NPU backend asks of npu_ext.relu6 (NpuBackendInterface.td).
struct Relu6BackendModel
    : npu::BackendOpInterface::ExternalModel<Relu6BackendModel, Relu6Op> {
  npu::ExecutionUnit getExecutionUnit(Operation *) const {
    return npu::ExecutionUnit::vector;
  }
  bool isLegalOn(Operation *op, const npu::rt::TargetDesc &,
                 std::string &reason) const {
    if (cast<ShapedType>(op->getResultTypes()[0]).getElementType().isF32())
      return true;
    reason = "npu_ext.relu6 takes FP32 only";
    return false;
  }
  /// One vec.unary affine_clamp(x, 0, 6) per tile, double-buffered by the
  /// shared elementwise emitter over the planned DRAM buffers.
  LogicalResult emit(Operation *op, npu::codegen::Codegen &codegen,
                     int64_t layer) const {
    npu::codegen::VecFunc fn{false, "affine_clamp"};
    fn.lo = 0.0f;
    fn.hi = 6.0f;
    Value input = op->getOperand(0), result = op->getResult(0);
    return codegen.emitElementwise(op, {input},
                                   {codegen.bufferOf(input).offset}, result,
                                   codegen.bufferOf(result).offset, fn, layer);
  }
};

/// npu.clamp(0, 6) on FP32 -> npu_ext.relu6, keeping the ONNX location.
struct FormRelu6Pass : PassWrapper<FormRelu6Pass, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(FormRelu6Pass)
  StringRef getArgument() const final { return "npu-ext-form-relu6"; }
  StringRef getDescription() const final {
    return "Rewrite FP32 npu.clamp(0, 6) into npu_ext.relu6";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<ExtDialect>();
  }
  void runOnOperation() override {
    getOperation().walk([](npu::ClampOp clamp) {
      if (clamp.getMin().convertToFloat() != 0.0f ||
          clamp.getMax().convertToFloat() != 6.0f ||
          !clamp.getType().getElementType().isF32())
        return;
      OpBuilder b(clamp);
      Value relu6 =
          b.create<Relu6Op>(clamp.getLoc(), clamp.getOperand())->getResult(0);
      clamp.getResult().replaceAllUsesWith(relu6);
      clamp.erase();
    });
  }
};

} // namespace

extern "C" LLVM_ATTRIBUTE_WEAK DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "NpuExampleDialectPlugin",
          LLVM_VERSION_STRING, [](DialectRegistry *registry) {
            registry->insert<ExtDialect>();
            registry->addExtension(+[](MLIRContext *context, ExtDialect *) {
              Relu6Op::attachInterface<Relu6BackendModel>(*context);
            });
            // ONNX nodes of the plugin's domain: com.example.Relu6(x).
            npu::registerCustomOpImporter(
                "com.example", "Relu6",
                [](OpBuilder &b, Location loc, ValueRange inputs,
                   TypeRange results, DictionaryAttr,
                   std::string &error) -> FailureOr<SmallVector<Value>> {
                  if (inputs.size() != 1 || !inputs[0] || results.size() != 1 ||
                      inputs[0].getType() != results[0]) {
                    error = "com.example.Relu6 takes one tensor and returns "
                            "one of its type";
                    return failure();
                  }
                  b.getContext()->getOrLoadDialect<ExtDialect>();
                  return SmallVector<Value>{
                      b.create<Relu6Op>(loc, inputs[0])->getResult(0)};
                });
          }};
}

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "NpuExampleDialectPlugin",
          LLVM_VERSION_STRING, [] {
            PassRegistration<FormRelu6Pass>();
            npu::registerPipelineExtension(
                npu::ExtensionPoint::AfterOptimization, [](OpPassManager &pm) {
                  pm.addNestedPass<func::FuncOp>(
                      std::make_unique<FormRelu6Pass>());
                });
          }};
}
