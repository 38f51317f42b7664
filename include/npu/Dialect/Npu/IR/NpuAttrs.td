//===- NpuAttrs.td - npu dialect attributes ----------------*- tablegen -*-===//

#ifndef NPU_DIALECT_NPU_IR_NPUATTRS_TD
#define NPU_DIALECT_NPU_IR_NPUATTRS_TD

include "npu/Dialect/Npu/IR/NpuDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

/// ONNX Resize `mode`.
def Npu_ResizeMode : I32EnumAttr<"ResizeMode", "Resize interpolation mode", [
    I32EnumAttrCase<"nearest", 0>,
    I32EnumAttrCase<"linear", 1>,
    I32EnumAttrCase<"cubic", 2>]> {
  let cppNamespace = "::npu";
  let genSpecializedAttr = 0;
}
def Npu_ResizeModeAttr : EnumAttr<Npu_Dialect, Npu_ResizeMode, "resize_mode">;

/// ONNX Pad `mode` (opset 2+; `wrap`, opset 19, is not supported).
def Npu_PadMode : I32EnumAttr<"PadMode", "Pad mode", [
    I32EnumAttrCase<"constant", 0>,
    I32EnumAttrCase<"edge", 1>,
    I32EnumAttrCase<"reflect", 2>]> {
  let cppNamespace = "::npu";
  let genSpecializedAttr = 0;
}
def Npu_PadModeAttr : EnumAttr<Npu_Dialect, Npu_PadMode, "pad_mode">;

/// ONNX Resize `coordinate_transformation_mode` (opset 11+; opset 10's
/// behaviour is `asymmetric`). `tf_crop_and_resize` needs an ROI and is not
/// supported.
def Npu_CoordinateTransformationMode : I32EnumAttr<
    "CoordinateTransformationMode", "Resize coordinate transformation", [
    I32EnumAttrCase<"half_pixel", 0>,
    I32EnumAttrCase<"pytorch_half_pixel", 1>,
    I32EnumAttrCase<"align_corners", 2>,
    I32EnumAttrCase<"asymmetric", 3>,
    I32EnumAttrCase<"tf_half_pixel_for_nn", 4>]> {
  let cppNamespace = "::npu";
  let genSpecializedAttr = 0;
}
def Npu_CoordinateTransformationModeAttr
    : EnumAttr<Npu_Dialect, Npu_CoordinateTransformationMode, "coord_mode">;

/// ONNX Resize `nearest_mode` (opset 11+; opset 10 rounds with `floor`).
def Npu_NearestMode : I32EnumAttr<"NearestMode", "Resize nearest rounding", [
    I32EnumAttrCase<"round_prefer_floor", 0>,
    I32EnumAttrCase<"round_prefer_ceil", 1>,
    I32EnumAttrCase<"floor", 2>,
    I32EnumAttrCase<"ceil", 3>]> {
  let cppNamespace = "::npu";
  let genSpecializedAttr = 0;
}
def Npu_NearestModeAttr : EnumAttr<Npu_Dialect, Npu_NearestMode, "nearest_mode">;

/// How `npu.quantize` rounds `x / scale` to an integer: half away from zero
/// (TFLite's reference kernels; what npu-quantize inserts) or half to even
/// (ONNX QuantizeLinear's `rint`).
def Npu_RoundingMode : I32EnumAttr<"RoundingMode", "quantization rounding", [
    I32EnumAttrCase<"half_away_from_zero", 0>,
    I32EnumAttrCase<"half_to_even", 1>]> {
  let cppNamespace = "::npu";
  let genSpecializedAttr = 0;
}
def Npu_RoundingModeAttr : EnumAttr<Npu_Dialect, Npu_RoundingMode, "rounding">;

/// The unit an op runs on (`npu.unit`, BackendOpInterface). Where a layer runs: one of the NPU's units, no unit (DRAM placement
/// only), or the SoC's host CPU (heterogeneous execution).
def Npu_ExecutionUnit : I32EnumAttr<"ExecutionUnit", "execution unit", [
    I32EnumAttrCase<"mac", 0>,
    I32EnumAttrCase<"vector", 1>,
    I32EnumAttrCase<"dma", 2>,
    I32EnumAttrCase<"none", 3>,
    I32EnumAttrCase<"host", 4>]> {
  let cppNamespace = "::npu";
  let genSpecializedAttr = 0;
}

/// An ExecutionUnit as an attribute: `#npu<unit mac>`.
def Npu_ExecutionUnitAttr
    : EnumAttr<Npu_Dialect, Npu_ExecutionUnit, "unit"> {
  let assemblyFormat = "`<` $value `>`";
}

/// The loop order of a convolution on the MAC array: which operand stays
/// in the scratchpad while the other streams (docs/codegen.md "Loop order
/// and reuse"). weight_stationary: output-channel tiles outermost, so the
/// spatial tiles of one output-channel tile reuse its weights;
/// input_stationary: spatial tiles outermost, so the output-channel tiles
/// of one spatial tile reuse its input slab. Either way a tile accumulates
/// all its input-channel chunks before it is stored (output-stationary in
/// the accumulator).
def Npu_LoopOrder : I32EnumAttr<"LoopOrder", "convolution loop order", [
    I32EnumAttrCase<"weight_stationary", 0>,
    I32EnumAttrCase<"input_stationary", 1>]> {
  let cppNamespace = "::npu";
  let genSpecializedAttr = 0;
}

/// Tile sizes of a layer, in elements (the schedule level's typed form of
/// the tiled phase's `npu.tiles` dictionary). Which sizes a layer has
/// depends on its anchor op: {oh, ow, m, c} and a loop order for
/// convolutions, {oh, ow, c} depthwise, {m, n, k} matmuls, {oh, c}
/// poolings.
def Npu_TilesAttr : AttrDef<Npu_Dialect, "Tiles"> {
  let mnemonic = "tiles";
  let summary = "Tile sizes of a layer, in elements";
  let parameters = (ins
      OptionalParameter<"std::optional<int64_t>", "output rows">:$oh,
      OptionalParameter<"std::optional<int64_t>", "output columns">:$ow,
      OptionalParameter<"std::optional<int64_t>",
                        "output channels (convolutions), rows (matmuls)">:$m,
      OptionalParameter<"std::optional<int64_t>", "matmul columns">:$n,
      OptionalParameter<"std::optional<int64_t>", "matmul depth">:$k,
      OptionalParameter<"std::optional<int64_t>", "input channels">:$c,
      OptionalParameter<"std::optional<::npu::LoopOrder>",
                        "which operand stays (convolutions)">:$order);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The sizes as the tiled phase's `npu.tiles` dictionary.
    ::mlir::DictionaryAttr toDictionary() const;
    /// From an `npu.tiles` dictionary; null (with an error through
    /// `emitError`) for a key that is not a tile size or `order`.
    static TilesAttr fromDictionary(
        ::llvm::function_ref<::mlir::InFlightDiagnostic()> emitError,
        ::mlir::DictionaryAttr tiles);
  }];
}

/// One scratchpad buffer of a layer (the schedule level's explicit
/// allocation, `npu.layer ... scratchpad [...]`): `copies` consecutive
/// copies of `bytes` bytes each from byte `offset` of the scratchpad (two
/// for a double-buffered tile: copy i % 2 holds tile i). Buffers of one
/// `pass` are live together and may not overlap; the passes of a layer (a
/// transposed convolution's output phases) run one after another and reuse
/// the scratchpad.
def Npu_ScratchpadBufferAttr : AttrDef<Npu_Dialect, "ScratchpadBuffer"> {
  let mnemonic = "buffer";
  let summary = "A scratchpad buffer of a layer: offset and size in bytes";
  let parameters = (ins
      StringRefParameter<"what the lowering keeps in it">:$name,
      "int64_t":$offset,
      "int64_t":$bytes,
      DefaultValuedParameter<"int64_t", "1", "copies (double buffering: 2)">:$copies,
      DefaultValuedParameter<"int64_t", "0", "pass of the layer">:$pass);
  let assemblyFormat = "`<` $name `,` struct($offset, $bytes, $copies, $pass) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The byte after the last copy.
    int64_t getEnd() const { return getOffset() + getCopies() * getBytes(); }
  }];
}

/// The NPU a module is compiled for: `npu.target` on `builtin.module`.
def Npu_TargetAttr : AttrDef<Npu_Dialect, "Target"> {
  let mnemonic = "target";
  let summary = "The NPU target: every hardware figure the compiler uses";
  let description = [{
    Holds a `npu::rt::TargetDesc` (runtime/include/npu/runtime/Target.h, the
    one owner of the NPU's numbers and of their sources). Written as the
    runtime target's name, followed by the figures that differ from it:

    ```mlir
    module attributes {npu.target = #npu.target<"npu-v1">} { ... }
    module attributes {npu.target = #npu.target<"npu-v1",
                                                 scratchpad_bytes = 262144>}
    ```

    A name the runtime does not know needs every figure (the keys of
    `NPU_TARGET_FIELDS`). The verifier applies `rt::validateTarget`. Passes
    read the target from the module (`npu::getOrSetModuleTarget`); an
    executable records a target by name, so only a runtime target with its
    own figures can be serialised to `.npubin`.
  }];
  let parameters = (ins
      AttrParameter<"::npu::rt::TargetDesc",
                    "the target's figures (npu/runtime/Target.h)",
                    "const ::npu::rt::TargetDesc &">:$desc);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The runtime's target called `name` as an attribute, or null.
    static TargetAttr lookup(::mlir::MLIRContext *context,
                             ::llvm::StringRef name);
    ::llvm::StringRef getName() const { return getDesc().name; }
    /// Whether the figures are exactly those of the runtime's target of
    /// the same name (only those can be written to an executable).
    bool isRuntimeTarget() const;
  }];
}

#endif // NPU_DIALECT_NPU_IR_NPUATTRS_TD
