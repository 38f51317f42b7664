//===- NpuDialect.cpp - npu dialect registration -------------------------===//

#include "npu/Dialect/Npu/IR/NpuDialect.h"
#include "npu/Dialect/Npu/IR/NpuBackendInterface.h"
#include "npu/Dialect/Npu/IR/NpuOps.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/ADT/bit.h"

#include <cmath>
#include <limits>
#include <string_view>
#include <type_traits>

using namespace mlir;
using namespace npu;

#include "npu/Dialect/Npu/IR/NpuDialect.cpp.inc"
#include "npu/Dialect/Npu/IR/NpuEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "npu/Dialect/Npu/IR/NpuAttrs.cpp.inc"

#include "npu/Dialect/Npu/IR/NpuBackendInterface.cpp.inc"

bool npu::isLegalOnTarget(Operation *op, const rt::TargetDesc &target,
                          std::string &reason) {
  auto backend = dyn_cast<BackendOpInterface>(op);
  if (!backend) {
    reason.clear(); // nothing more to say than that it is not supported
    return false;
  }
  return backend.isLegalOn(target, reason);
}

void NpuDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "npu/Dialect/Npu/IR/NpuAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "npu/Dialect/Npu/IR/NpuOps.cpp.inc"
      >();
}

Operation *NpuDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                           Type type, Location loc) {
  // The value's type, or a quantized type stored as it (ConstantOp's
  // verifier).
  auto typed = dyn_cast<TypedAttr>(value);
  auto shaped = dyn_cast<RankedTensorType>(type);
  auto q = shaped ? dyn_cast<quant::QuantizedType>(shaped.getElementType())
                  : nullptr;
  if (!typed || !isa<ElementsAttr>(value) ||
      (typed.getType() != type &&
       (!q || typed.getType() != shaped.clone(q.getStorageType()))))
    return nullptr;
  return ConstantOp::create(builder, loc, type, typed);
}

//===----------------------------------------------------------------------===//
// TargetAttr
//===----------------------------------------------------------------------===//

llvm::hash_code npu::rt::hash_value(const TargetDesc &t) {
  llvm::hash_code h = llvm::hash_value(t.name);
  auto field = [](auto v) -> llvm::hash_code {
    if constexpr (std::is_floating_point_v<decltype(v)>)
      return llvm::hash_value(llvm::bit_cast<uint64_t>(double(v)));
    else
      return llvm::hash_value(uint64_t(v));
  };
#define NPU_HASH_FIELD(member, key, kind)                                      \
  h = llvm::hash_combine(h, field(t.member));
  NPU_TARGET_FIELDS(NPU_HASH_FIELD)
#undef NPU_HASH_FIELD
  return h;
}

TargetAttr TargetAttr::lookup(MLIRContext *context, StringRef name) {
  const rt::TargetDesc *desc = rt::lookupTarget(name);
  return desc ? TargetAttr::get(context, *desc) : TargetAttr();
}

bool TargetAttr::isRuntimeTarget() const {
  const rt::TargetDesc *desc = rt::lookupTarget(getName());
  return desc && *desc == getDesc();
}

LogicalResult
TargetAttr::verify(llvm::function_ref<InFlightDiagnostic()> emitError,
                   rt::TargetDesc desc) {
  std::string why;
  if (!rt::validateTarget(desc, why))
    return emitError() << "invalid target '" << desc.name << "': " << why;
  return success();
}

namespace {
/// Stores `value` into an integer or floating-point field of TargetDesc,
/// failing when it does not fit the field.
template <typename Field>
bool assignField(Field &field, double real, uint64_t integer, bool isReal) {
  if constexpr (std::is_floating_point_v<Field>) {
    field = isReal ? real : double(integer);
    return true;
  } else {
    if (isReal || integer > uint64_t(std::numeric_limits<Field>::max()))
      return false;
    field = Field(integer);
    return true;
  }
}
} // namespace

// #npu.target<"NAME" (, key = value)*>
Attribute TargetAttr::parse(AsmParser &parser, Type) {
  std::string name;
  if (parser.parseLess() || parser.parseString(&name))
    return {};
  const rt::TargetDesc *base = rt::lookupTarget(name);
  rt::TargetDesc desc = base ? *base : rt::TargetDesc{};
  desc.name = name;
  llvm::StringSet<> given;
  while (succeeded(parser.parseOptionalComma())) {
    std::string key;
    SMLoc loc = parser.getCurrentLocation();
    if (parser.parseKeywordOrString(&key) || parser.parseEqual())
      return {};
    if (!given.insert(key).second) {
      parser.emitError(loc, "target figure '") << key << "' given twice";
      return {};
    }
    bool known = false, ok = true;
#define NPU_PARSE_FIELD(member, fieldKey, kind)                                \
  if (key == fieldKey) {                                                       \
    known = true;                                                              \
    double real = 0;                                                           \
    uint64_t integer = 0;                                                      \
    bool isReal = std::string_view(#kind) == "Real";                           \
    if (isReal ? failed(parser.parseFloat(real))                               \
               : failed(parser.parseInteger(integer)))                         \
      return {};                                                               \
    ok = assignField(desc.member, real, integer, isReal);                      \
  }
    NPU_TARGET_FIELDS(NPU_PARSE_FIELD)
#undef NPU_PARSE_FIELD
    if (!known) {
      parser.emitError(loc, "unknown target figure '") << key << "'";
      return {};
    }
    if (!ok) {
      parser.emitError(loc, "target figure '") << key << "' is out of range";
      return {};
    }
  }
  if (!base) {
    // A new target states every figure.
#define NPU_REQUIRE_FIELD(member, key, kind)                                   \
  if (!given.contains(key)) {                                                  \
    parser.emitError(parser.getCurrentLocation(), "target '")                  \
        << name << "' is not a runtime target (" << getKnownTargetNames()      \
        << "), so it needs every figure; '" << key << "' is missing";          \
    return {};                                                                 \
  }
    NPU_TARGET_FIELDS(NPU_REQUIRE_FIELD)
#undef NPU_REQUIRE_FIELD
  }
  if (parser.parseGreater())
    return {};
  return TargetAttr::getChecked(
      [&] { return parser.emitError(parser.getNameLoc()); },
      parser.getContext(), desc);
}

void TargetAttr::print(AsmPrinter &printer) const {
  const rt::TargetDesc &desc = getDesc();
  const rt::TargetDesc *base = rt::lookupTarget(desc.name);
  printer << "<";
  printer.printString(desc.name);
  // Only the figures that differ from the runtime target of that name.
#define NPU_PRINT_FIELD(member, key, kind)                                     \
  if (!base || base->member != desc.member) {                                  \
    printer << ", " << key << " = ";                                           \
    if constexpr (std::string_view(#kind) == "Real")                           \
      printer.printFloat(llvm::APFloat(double(desc.member)));                  \
    else                                                                       \
      printer << uint64_t(desc.member);                                        \
  }
  NPU_TARGET_FIELDS(NPU_PRINT_FIELD)
#undef NPU_PRINT_FIELD
  printer << ">";
}

std::string npu::getKnownTargetNames() {
  std::string names;
  for (const std::string &n : rt::targetNames())
    names += (names.empty() ? "" : ", ") + n;
  return names;
}

FailureOr<TargetAttr> npu::getOrSetModuleTarget(ModuleOp module,
                                                StringRef option) {
  auto recorded = module->getAttrOfType<TargetAttr>(kTargetAttrName);
  if (module->hasAttr(kTargetAttrName) && !recorded)
    return module.emitError("'")
           << kTargetAttrName << "' must be a #npu.target attribute";
  TargetAttr target = recorded;
  if (!option.empty()) {
    target = TargetAttr::lookup(module.getContext(), option);
    if (!target)
      return module.emitError("unknown target '")
             << option << "' (known: " << getKnownTargetNames() << ")";
    if (recorded && recorded != target)
      return module.emitError("the module is compiled for ")
             << recorded << ", not for target '" << option
             << "' (drop the option or the module's npu.target)";
  }
  if (!target)
    target = TargetAttr::get(module.getContext(), rt::defaultTarget());
  if (!recorded)
    module->setAttr(kTargetAttrName, target);
  return target;
}

//===----------------------------------------------------------------------===//
// Discardable attributes
//===----------------------------------------------------------------------===//

static LogicalResult verifyScratchpadBuffers(Operation *op, ArrayAttr buffers);

namespace {
/// Largest DRAM offset or size a plan may record: the widest address space
/// rt::validateTarget allows (40 bits).
constexpr int64_t kMaxDramOffset = int64_t(1) << 40;

/// Verifies one `npu.*` discardable attribute, wherever it is attached.
LogicalResult verifyNpuAttribute(Operation *op, NamedAttribute attr,
                                 StringRef where) {
  StringRef name = attr.getName().getValue();
  Attribute value = attr.getValue();
  auto fail = [&](const Twine &what) {
    return op->emitOpError() << where << "'" << name << "' " << what;
  };
  auto integerIn = [&](int64_t lo, int64_t hi) -> LogicalResult {
    auto i = dyn_cast<IntegerAttr>(value);
    if (!i || !i.getType().isSignlessInteger(64))
      return fail("must be an i64 integer");
    if (i.getInt() < lo || i.getInt() > hi)
      return fail("must be in [" + Twine(lo) + ", " + Twine(hi) + "], not " +
                  Twine(i.getInt()));
    return success();
  };
  // `npu.dram`, `npu.weights_dram` and every `npu.<role>_dram` of an op's
  // constant tables (BackendOpInterface::getConstantTables).
  if (name == "npu.dram" ||
      (name.starts_with("npu.") && name.ends_with("_dram") &&
       name != "npu.results_dram") ||
      name == "npu.dram_size" || name == "npu.arena_bytes" ||
      name == "npu.arena_lower_bound")
    return integerIn(0, kMaxDramOffset);
  if (name == "npu.results_dram") {
    auto list = dyn_cast<DenseI64ArrayAttr>(value);
    if (!list || list.size() != int64_t(op->getNumResults()))
      return fail("must be an array<i64> with one offset per result");
    for (int64_t v : list.asArrayRef())
      if (v < 0 || v > kMaxDramOffset)
        return fail("offsets must be in [0, " + Twine(kMaxDramOffset) + "]");
    return success();
  }
  if (name == "npu.fusion_group")
    return integerIn(0, std::numeric_limits<int32_t>::max());
  // A value kept on chip (npu-plan-memory): its scratchpad byte offset, a
  // 24-bit scratchpad address (docs/codegen.md, "Values kept on chip").
  if (name == "npu.on_chip") {
    if (op->getNumResults() != 1)
      return fail("belongs on an op with one result");
    return integerIn(0, (int64_t(1) << 24) - 1);
  }
  if (name == "npu.onnx_opset")
    return integerIn(1, 1000);
  if (name == "npu.unit") {
    auto s = dyn_cast<StringAttr>(value);
    if (!s || !symbolizeExecutionUnit(s.getValue()))
      return fail("must be \"mac\", \"vector\", \"dma\", \"none\" or "
                  "\"host\"");
    return success();
  }
  if (name == "npu.tiles") {
    auto d = dyn_cast<DictionaryAttr>(value);
    if (!d)
      return fail("must be a dictionary of tile sizes");
    for (NamedAttribute tile : d) {
      if (tile.getName() == "order") {
        auto name = dyn_cast<StringAttr>(tile.getValue());
        if (!name || !symbolizeLoopOrder(name.getValue()))
          return fail("entry 'order' must be \"weight_stationary\" or "
                      "\"input_stationary\"");
        continue;
      }
      auto i = dyn_cast<IntegerAttr>(tile.getValue());
      if (!i || !i.getType().isSignlessInteger(64) || i.getInt() < 1 ||
          i.getInt() > 0xFFFF)
        return fail("entry '" + tile.getName().getValue() +
                    "' must be an i64 tile size in [1, 65535]");
    }
    return success();
  }
  if (name == "npu.scratchpad") {
    auto a = dyn_cast<ArrayAttr>(value);
    if (!a || !llvm::all_of(a, llvm::IsaPred<ScratchpadBufferAttr>))
      return fail("must be an array of #npu.buffer");
    return verifyScratchpadBuffers(op, a);
  }
  if (name == "npu.name" || name == "npu.onnx_producer")
    return isa<StringAttr>(value) ? success() : fail("must be a string");
  if (name == "npu.dynamic_shape")
    return isa<UnitAttr>(value) ? success() : fail("must be a unit attribute");
  if (name == "npu.frozen_value")
    return isa<ElementsAttr>(value) ? success()
                                    : fail("must be an elements attribute");
  if (name == "npu.range") {
    auto r = dyn_cast<DenseF64ArrayAttr>(value);
    if (!r || r.size() != 2 || !(r[0] <= r[1]) || !std::isfinite(r[0]) ||
        !std::isfinite(r[1]))
      return fail("must be array<f64: min, max> with finite min <= max");
    return success();
  }
  if (name == kTargetAttrName) {
    if (!isa<TargetAttr>(value))
      return fail("must be a #npu.target attribute");
    if (!isa<ModuleOp>(op))
      return fail("belongs on builtin.module");
    return success();
  }
  // npu-compile --sparse-weights=false: weight tiles all issued dense;
  // --compress-weights=false: dense weights stored even where compressed
  // ones would be smaller.
  // --keep-on-chip=false: every intermediate value in DRAM;
  // --phase-pack-remainder=false: remainder channels in plain column tiles;
  // --cascade (npu.cascade = true): chains of layers run band by band.
  if (name == "npu.sparse_weights" || name == "npu.compress_weights" ||
      name == "npu.keep_on_chip" || name == "npu.phase_pack" ||
      name == "npu.cascade") {
    if (!isa<BoolAttr>(value))
      return fail("must be a bool");
    if (!isa<ModuleOp>(op))
      return fail("belongs on builtin.module");
    return success();
  }
  // Other npu.* names are not the phases' (a plugin's, say): left alone.
  return success();
}
} // namespace

LogicalResult NpuDialect::verifyOperationAttribute(Operation *op,
                                                   NamedAttribute attr) {
  return verifyNpuAttribute(op, attr, "attribute ");
}

LogicalResult NpuDialect::verifyRegionArgAttribute(Operation *op, unsigned,
                                                   unsigned argIndex,
                                                   NamedAttribute attr) {
  return verifyNpuAttribute(
      op, attr, ("argument " + Twine(argIndex) + " attribute ").str());
}

LogicalResult NpuDialect::verifyRegionResultAttribute(Operation *op, unsigned,
                                                      unsigned resultIndex,
                                                      NamedAttribute attr) {
  return verifyNpuAttribute(
      op, attr, ("result " + Twine(resultIndex) + " attribute ").str());
}

//===----------------------------------------------------------------------===//
// TilesAttr
//===----------------------------------------------------------------------===//

namespace {
/// The tile sizes of a TilesAttr with their keys, in parameter order.
SmallVector<std::pair<StringRef, std::optional<int64_t>>, 6>
tileEntries(std::optional<int64_t> oh, std::optional<int64_t> ow,
            std::optional<int64_t> m, std::optional<int64_t> n,
            std::optional<int64_t> k, std::optional<int64_t> c) {
  return {{"oh", oh}, {"ow", ow}, {"m", m}, {"n", n}, {"k", k}, {"c", c}};
}
} // namespace

LogicalResult
TilesAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                  std::optional<int64_t> oh, std::optional<int64_t> ow,
                  std::optional<int64_t> m, std::optional<int64_t> n,
                  std::optional<int64_t> k, std::optional<int64_t> c,
                  std::optional<LoopOrder>) {
  for (auto [key, value] : tileEntries(oh, ow, m, n, k, c))
    if (value && (*value < 1 || *value > 0xFFFF))
      return emitError() << "tile size " << key << " = " << *value
                         << " is outside [1, 65535]";
  return success();
}

DictionaryAttr TilesAttr::toDictionary() const {
  Builder b(getContext());
  SmallVector<NamedAttribute> attrs;
  for (auto [key, value] :
       tileEntries(getOh(), getOw(), getM(), getN(), getK(), getC()))
    if (value)
      attrs.push_back(b.getNamedAttr(key, b.getI64IntegerAttr(*value)));
  if (std::optional<LoopOrder> order = getOrder())
    attrs.push_back(
        b.getNamedAttr("order", b.getStringAttr(stringifyLoopOrder(*order))));
  return b.getDictionaryAttr(attrs);
}

TilesAttr
TilesAttr::fromDictionary(function_ref<InFlightDiagnostic()> emitError,
                          DictionaryAttr tiles) {
  std::optional<int64_t> v[6];
  std::optional<LoopOrder> order;
  static constexpr StringLiteral keys[] = {"oh", "ow", "m", "n", "k", "c"};
  for (NamedAttribute entry : tiles) {
    if (entry.getName() == "order") {
      auto name = dyn_cast<StringAttr>(entry.getValue());
      if (!name || !(order = symbolizeLoopOrder(name.getValue()))) {
        emitError() << "'order' must be \"weight_stationary\" or "
                       "\"input_stationary\"";
        return {};
      }
      continue;
    }
    const StringLiteral *at = llvm::find(keys, entry.getName().getValue());
    auto value = dyn_cast<IntegerAttr>(entry.getValue());
    if (at == std::end(keys) || !value) {
      emitError() << "'" << entry.getName().getValue()
                  << "' is not a tile size (oh, ow, m, n, k, c) or order";
      return {};
    }
    v[at - std::begin(keys)] = value.getInt();
  }
  return getChecked(emitError, tiles.getContext(), v[0], v[1], v[2], v[3], v[4],
                    v[5], order);
}

//===----------------------------------------------------------------------===//
// LayerOp
//===----------------------------------------------------------------------===//

//===----------------------------------------------------------------------===//
// ScratchpadBufferAttr
//===----------------------------------------------------------------------===//

LogicalResult
ScratchpadBufferAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                             StringRef name, int64_t offset, int64_t bytes,
                             int64_t copies, int64_t pass) {
  // Bounds that keep every sum below overflow; the target's scratchpad
  // (at most 2^32 bytes, rt::validateTarget) is checked by the layer.
  constexpr int64_t kMaxBytes = int64_t(1) << 32;
  if (name.empty())
    return emitError() << "a scratchpad buffer needs a name";
  if (offset < 0 || offset >= kMaxBytes)
    return emitError() << "scratchpad buffer '" << name << "' offset " << offset
                       << " is outside [0, 2^32)";
  if (bytes < 1 || bytes > kMaxBytes)
    return emitError() << "scratchpad buffer '" << name << "' of " << bytes
                       << " bytes: a buffer holds 1 to 2^32 bytes";
  if (copies < 1 || copies > 64)
    return emitError() << "scratchpad buffer '" << name << "' has " << copies
                       << " copies: 1 to 64";
  if (pass < 0 || pass > 0xFFFF)
    return emitError() << "scratchpad buffer '" << name << "' pass " << pass
                       << " is outside [0, 65535]";
  return success();
}

/// The buffers of one layer (`npu.layer ... scratchpad`, or `npu.scratchpad`
/// on its anchor): inside the module's target's scratchpad, unique names
/// and no overlap within a pass.
static LogicalResult verifyScratchpadBuffers(Operation *op, ArrayAttr buffers) {
  auto module = op->getParentOfType<ModuleOp>();
  auto target =
      module ? module->getAttrOfType<TargetAttr>("npu.target") : TargetAttr();
  auto all = buffers.getAsRange<ScratchpadBufferAttr>();
  for (auto [i, buf] : llvm::enumerate(all)) {
    if (target && buf.getEnd() > int64_t(target.getDesc().scratchpadBytes))
      return op->emitOpError("scratchpad buffer '")
             << buf.getName() << "' ends at byte " << buf.getEnd()
             << ", beyond the target's " << target.getDesc().scratchpadBytes
             << "-byte scratchpad";
    for (auto other : llvm::drop_begin(all, i + 1)) {
      if (other.getPass() != buf.getPass())
        continue;
      if (other.getName() == buf.getName())
        return op->emitOpError("has two scratchpad buffers named '")
               << buf.getName() << "' in pass " << buf.getPass();
      if (other.getOffset() < buf.getEnd() && buf.getOffset() < other.getEnd())
        return op->emitOpError("scratchpad buffers '")
               << buf.getName() << "' [" << buf.getOffset() << ", "
               << buf.getEnd() << ") and '" << other.getName() << "' ["
               << other.getOffset() << ", " << other.getEnd()
               << ") overlap (pass " << buf.getPass() << ")";
    }
  }
  return success();
}

LogicalResult LayerOp::verify() {
  if (auto buffers = getScratchpadAttr())
    if (failed(verifyScratchpadBuffers(*this, buffers)))
      return failure();
  Block &body = getBody().front();
  if (&body.front() == body.getTerminator())
    return emitOpError("has no ops: a layer runs at least one op");
  auto yield = cast<YieldOp>(body.getTerminator());
  if (yield.getValues().getTypes() != getResultTypes())
    return emitOpError("yields ")
           << yield.getValues().getTypes() << " but its results are "
           << getResultTypes();
  for (Operation &op : body.without_terminator()) {
    if (isa<LayerOp>(op))
      return op.emitOpError("cannot be nested in another npu.layer");
    // A plugin's op belongs here when the backend can compile it.
    if (op.getNumRegions() != 0 ||
        (!isa<NpuDialect>(op.getDialect()) && !isa<BackendOpInterface>(op)))
      return op.emitOpError("cannot be in an npu.layer: a layer holds npu "
                            "graph ops and ops implementing "
                            "npu::BackendOpInterface");
  }
  return success();
}
