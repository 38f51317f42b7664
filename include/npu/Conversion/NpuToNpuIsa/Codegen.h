//===- Codegen.h - the npu -> npu_isa code generator ------------*- C++ -*-===//
//
// Shared by the files of the NpuToNpuIsa conversion: the DRAM plan, the
// instruction-building helpers and the per-op emitters. Public because
// BackendOpInterface::emit receives a Codegen: an op of a dialect plugin
// emits its instructions through these helpers (bufferOf, emitElementwise,
// emitVecStep, ...; python-free-examples/dialect-plugin). Not a stable API:
// a plugin is built against the SDK version it runs with.
//
// Layouts: every tensor in DRAM is dense in its ONNX shape's row-major
// order (NCHW for activations), so the graph boundary needs no conversion.
// Convolution and pooling tiles are staged in the scratchpad in NHWC
// (channels innermost, the MAC array's K dimension) by strided DMA reading
// contiguous DRAM rows; see docs/codegen.md.
//
//===----------------------------------------------------------------------===//

#ifndef NPU_CONVERSION_NPUTONPUISA_CODEGEN_H
#define NPU_CONVERSION_NPUTONPUISA_CODEGEN_H

#include "npu/Conversion/BackendModels.h"
#include "npu/Dialect/Npu/IR/NpuBackendInterface.h"
#include "npu/Dialect/Npu/IR/NpuOps.h"
#include "npu/Dialect/Npu/IR/QuantizedTables.h"
#include "npu/Dialect/Npu/Utils/QuantParams.h"
#include "npu/Dialect/NpuIsa/IR/NpuIsaOps.h"
#include "npu/runtime/Target.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/DenseMap.h"

#include <algorithm>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace npu::codegen {

using namespace mlir;

/// Scratchpad buffers start on a 64-byte boundary: one vector register (16
/// FP32 lanes). A compiler choice: the scratchpad takes any address. DRAM
/// placements align to the target's dram_burst_bytes instead.
constexpr int64_t kAlign = 64;
constexpr int64_t kMaxExtent = 0xFFFF; // DMA sizes and vector dims: 16 bits

/// The plan's address of byte 0 of the scratchpad: a value kept on chip
/// (`npu.on_chip = OFFSET`, docs/codegen.md "Values kept on chip") has the
/// address kOnChipBase + OFFSET, so the emitters' address arithmetic is
/// the same for both memories, and `Codegen::emitDma` turns a load or
/// store whose far side lies there into a local DMA (ISA v9). Far above
/// any DRAM address (the plan's are verified below 2^40, the ISA's are 32
/// bits), so a stray one fails the instruction's field check loudly.
constexpr int64_t kOnChipBase = int64_t(1) << 48;

/// `v` rounded up to a multiple of `align` (a power of two; by default the
/// scratchpad's kAlign).
inline int64_t alignUp(int64_t v, int64_t align = kAlign) {
  return (v + align - 1) / align * align;
}
inline int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Compiler choices, not hardware figures (those are the target's):
/// The largest power-of-two tile the cost models try below a full extent
/// (a search bound: beyond it the scratchpad decides anyway).
constexpr int64_t kMaxTileCandidate = 4096;
/// How many more cycles (a fraction of the fewest) a tile cost model accepts
/// for fewer DRAM bytes (fewestCyclesThenBytes; docs/codegen.md, "Loop
/// order and reuse"): a DRAM byte costs 64 times a scratchpad byte's
/// energy (npu-v1's dram_byte_pj against sram_byte_pj).
constexpr double kCycleSlackForBytes = 0.02;
/// The most elementwise ops fused into one vector program, so that its
/// per-value buffers stay a useful fraction of the scratchpad.
constexpr int64_t kMaxFusedRun = 8;
/// The most tiles a tile cost model prices one by one as they pipeline
/// (rt::doubleBufferedCycles); a candidate with more is priced by its steady
/// state (its tiles are small, and the limit bounds the model's time).
constexpr int64_t kMaxPricedTiles = 4096;

/// The tile cost models' choice among `candidates` (`cost(c)` gives its
/// estimated cycles and the DRAM bytes it moves): cycles first, then DRAM.
/// Within kCycleSlackForBytes of the fewest cycles, the candidate whose
/// cycles plus the time its bytes take on the DRAM bus
/// (bytes / dram_bytes_per_cycle, even where compute hides it) are fewest
/// wins; ties go to fewer cycles, then to the first.
template <typename CandidateT, typename CostFn>
const CandidateT &fewestCyclesThenBytes(ArrayRef<CandidateT> candidates,
                                        const rt::TargetDesc &t, CostFn cost) {
  double fewest = cost(candidates.front()).first;
  for (const CandidateT &c : candidates)
    fewest = std::min(fewest, double(cost(c).first));
  double limit = fewest * (1 + kCycleSlackForBytes);
  const CandidateT *best = nullptr;
  auto score = [&](const CandidateT &c) {
    auto [cycles, bytes] = cost(c);
    return std::pair(double(cycles) + double(bytes) / t.dramBytesPerCycle,
                     double(cycles));
  };
  for (const CandidateT &c : candidates)
    if (double(cost(c).first) <= limit && (!best || score(c) < score(*best)))
      best = &c;
  return *best;
}

/// An axis of `full` elements cut into tiles of `tile`: the tile extents
/// that occur, each with how often it does (the full tiles, then a partial
/// last one), so that a cost model prices tiles by class, not one by one.
inline SmallVector<std::pair<int64_t, int64_t>, 2> tileExtents(int64_t full,
                                                               int64_t tile) {
  SmallVector<std::pair<int64_t, int64_t>, 2> v;
  if (full / tile)
    v.push_back({tile, full / tile});
  if (full % tile)
    v.push_back({full % tile, 1});
  return v;
}

/// Tile-size candidates along one axis of `full` elements for an array
/// dimension of `unit`, ascending: powers of two from `unit` below `full`
/// (at most kMaxTileCandidate) and the exact fractions full/2 .. full/8
/// that are multiples of `unit` (no partial edge tile: PaddleOCR rec's
/// 480-channel 1x1 convolutions over 6 x 80 pixels take 3-row and 96- or
/// 80-channel tiles, reading their input once instead of 15 times), then
/// `full` itself (at most a 16-bit extent).
inline SmallVector<int64_t> tileCandidates(int64_t full, int64_t unit) {
  SmallVector<int64_t> v;
  for (int64_t x = unit; x < full && x <= kMaxTileCandidate; x *= 2)
    v.push_back(x);
  for (int64_t k = 2; k <= 8; ++k)
    if (full % k == 0 && (full / k) % unit == 0 && full / k >= unit &&
        full / k <= kMaxTileCandidate && !llvm::is_contained(v, full / k))
      v.push_back(full / k);
  llvm::sort(v);
  v.push_back(std::min<int64_t>(full, kMaxExtent));
  return v;
}

// Bytes of an element and of a tensor type (the dialect's, NpuOps.h).
using npu::byteSize;
using npu::elementBytes;

/// Row-major element strides of `shape`.
SmallVector<int64_t> denseStrides(ArrayRef<int64_t> shape);

/// Element strides of a reduction's result over its input axes: 0 on the
/// `reduced` axes, row-major over the kept ones.
SmallVector<int64_t> keptStrides(ArrayRef<int64_t> dims,
                                 ArrayRef<bool> reduced);

/// Splits every axis longer than `limit` into (d / f, f), f the largest
/// divisor of d not above `limit`, updating each stride list alike. False
/// when an axis has no such divisor or its outer part exceeds 16 bits.
bool splitLongAxes(SmallVectorImpl<int64_t> &dims,
                   ArrayRef<SmallVectorImpl<int64_t> *> strides, int64_t limit);

/// A DRAM placement: byte offset and size.
struct Buffer {
  int64_t offset = -1;
  int64_t bytes = 0;
};

/// One buffer of a layer's scratchpad layout, as its lowering asks for it:
/// `copies` x `bytes`.
struct SpRequest {
  StringRef name;
  int64_t bytes = 0, copies = 1;
};
/// The scratchpad bytes `layout` takes packed in order from byte 0, each
/// buffer from a kAlign boundary (Codegen::scratchpad's packing): what a
/// tiling needs of the scratchpad.
int64_t packedBytes(ArrayRef<SpRequest> layout);

/// The vector function and scalars an elementwise op lowers to.
struct VecFunc {
  bool binary = false;
  StringRef func;
  std::optional<float> alpha, beta, lo, hi;
  /// Arith: vec.unary / vec.binary. Convert: vec.convert ("quantize",
  /// "dequantize"; alpha the scale, zero points below). Lut: vec.lut, INT8
  /// to INT8 through the 256-byte table at `tableDram`.
  enum Kind { Arith, Convert, Lut } kind = Arith;
  /// zpIn1: src1's zero point (add_rescale, mul_rescale).
  std::optional<int64_t> zpIn, zpOut, zpIn1;
  int64_t tableDram = -1;
};

/// The vector unit's name ("f32", "i8", "u8") for the elements of `type`
/// (a shaped type or an element type) as FP32 programs and vec.convert see
/// them: FP32, or 8-bit quantized values by their storage's signedness;
/// "" for anything else.
StringRef vecElementType(Type type);

/// A vector program over one iteration space (the shape of its result):
/// elementwise steps whose operands are program values. Inputs are loaded
/// from DRAM (they may broadcast), outputs stored to DRAM, internal values
/// live only in the scratchpad (operator fusion: a chain of elementwise ops
/// makes one round trip through DRAM instead of one per op).
struct ProgramValue {
  Type type;
  int64_t dram; // byte offset; unused for internal values
  enum Kind { Input, Internal, Output } kind;
};
struct FusedStep {
  VecFunc fn;
  SmallVector<int64_t> operands; // indices into the program's values
  int64_t result;
};
struct VectorProgram {
  SmallVector<int64_t> shape;
  SmallVector<ProgramValue> values;
  SmallVector<FusedStep> steps;
};

/// The vector function of an elementwise `npu` op, or nullopt.
std::optional<VecFunc> vecFuncOf(Operation *op);

/// The rescale of an INT8 add or sub (operands and result per-tensor INT8,
/// as npu-quantize makes them): ptq::chooseAddRescale of their scales, a2
/// negated for a sub. nullopt for any other op, or when the scales are
/// outside chooseAddRescale's range.
std::optional<ptq::AddRescale> int8AddRescale(Operation *op);

/// The fixed-point multiplier of an INT8 mul (operands and result
/// per-tensor INT8, as npu-quantize makes them): ptq::chooseMulRescale of
/// their scales and the operands' zero points. nullopt for any other op.
std::optional<ptq::MulRescale> int8MulRescale(Operation *op);

/// Appends `step` (`op`'s vecFuncOf over values of `p`) to `p`. An INT8 add
/// or sub becomes its rescale (int8AddRescale): one `vec.binary
/// add_rescale` (ISA v13) of the INT8 operands with alpha = a1 / 2^shift,
/// beta = a2 / 2^shift, their zero points and the output's. It computes
/// what four steps over FP32 values did before, and still do where a
/// scaled multiplier is not an exact FP32 value: each operand `vec.convert
/// dequantize`d with alpha = a_i and its zero point (exact integers), a
/// `vec.binary add` (exact below 2^24), and `vec.convert quantize` with
/// alpha = 2^shift (exact division, one rounding). An INT8 mul
/// (int8MulRescale) is one `vec.binary mul_rescale` with alpha = m /
/// 2^shift, beta = 1 (or the same four steps with alpha = m for its first
/// operand, 1 for its second, and a `vec.binary mul`: the products stay at
/// most 2^24, exact).
void appendStep(VectorProgram &p, const FusedStep &step, Operation *op);

/// Whether the elementwise ops `ops` (in order, each with a vecFuncOf; the
/// last one's result is the iteration space) can run as one vector program
/// on `target`: the program emitVectorProgram would build for them
/// (appendStep's INT8 rescale values and lookup tables included), laid out
/// as it lays programs out, has an iteration space whose axes each split to
/// fit a buffer and a 16-bit extent, with at most kMaxVectorOuterTiles
/// indices of the axes before the innermost four. An op's legality asks it
/// for the op alone, fusion before an op joins a run; both count every
/// value as stored (two buffers), which the emitter may not.
bool vectorProgramFits(ArrayRef<Operation *> ops, const rt::TargetDesc &target);
/// Whether the vector unit's copy of a `type` value fits one vector program
/// (the same rule): an output that is a graph input, a constant or an alias
/// is copied so when it does, by DMA otherwise.
bool copyProgramFits(RankedTensorType type, const rt::TargetDesc &target);

/// Tile sizes of a MAC-array convolution pass (per group): output rows and
/// columns, output channels (the MAC array's N) and input channels (its K);
/// and the loop order over the tiles (which operand stays, LoopOrder).
struct ConvTiles {
  int64_t oh = 0, ow = 0, m = 0, c = 0;
  LoopOrder order = LoopOrder::weight_stationary;
  /// The operand that stays keeps every input-channel chunk (a copy each);
  /// false: two copies, like the streaming one (when a copy per chunk does
  /// not fit the scratchpad).
  bool resident = true;
};

/// The geometry of a pooling window (1-D ops have H = KH = 1).
struct ConvGeometry {
  int64_t batch, groups, cin, cout; // channels per group
  int64_t h, w, kh, kw, oh, ow;
  int64_t sh, sw, dh, dw, padTop, padLeft;
};

/// Rows (or columns) of input a tile of `out` outputs reads at `stride`,
/// for a window `span` elements wide.
inline int64_t inputExtent(int64_t out, int64_t stride, int64_t span) {
  return (out - 1) * stride + span;
}

/// One tap of a convolution pass: its [C][M] slice in the weight buffer and
/// its input offset from the window origin.
struct MacTap {
  int64_t weightTap, dy, dx, dz = 0;
};

/// A MAC-array step's taps (in issue order) grouped into runs that one
/// matmul each takes: a run is up to arrayRows / ct taps (ct, the step's
/// input channels, below arrayRows) of one slab row, one column apart and
/// consecutive in the weights, so that their ct-channel slices of the
/// channels-innermost slab and their [c][m] weight blocks are one
/// contraction of run x ct. A first layer's three channels then fill 15 of
/// the array's 16 rows instead of 3: a 3x3 kernel takes three matmuls per
/// tile instead of nine. FP32 sums keep their order (the emulator's matmul
/// adds each product in contraction order after the accumulator's value),
/// so the results are bit-identical. Each pair is (first tap, run length).
SmallVector<std::pair<const MacTap *, int64_t>>
packTaps(ArrayRef<const MacTap *> taps, int64_t ct, int64_t arrayRows);

/// One convolution pass on the MAC array. Output grid point (q, p) reads
/// input (q*sh + originY + dy, p*sw + originX + dx) for every tap and is
/// written to output (q*outStepY + outOffY, p*outStepX + outOffX). A
/// convolution is one pass (taps at (ky*dh, kx*dw), origin -pads); a
/// transposed convolution is one pass per output phase (the sub-pixel
/// decomposition: stride-1 passes over the input whose outputs interleave).
struct MacConv {
  int64_t batch, groups, cin, cout; // channels per group
  int64_t h, w;                     // input
  int64_t oh, ow;                   // the pass's output grid
  int64_t sh, sw, originY, originX;
  SmallVector<MacTap> taps;
  int64_t spanY, spanX; // max dy + 1, max dx + 1
  int64_t weightTaps;   // taps per group in the weight buffer
  int64_t outH, outW;   // the output tensor's spatial extent
  int64_t outStepY, outStepX, outOffY, outOffX;
  /// Depth, for 3-D convolutions: each output depth slice is its own tile;
  /// its slab holds spanZ input slices from oz*sd + originZ.
  int64_t d = 1, od = 1, sd = 1, originZ = 0, spanZ = 1, outD = 1;
  /// Scratchpad a fused epilogue needs beside the convolution's buffers:
  /// tile-sized temporaries and bytes of per-channel or scalar operands.
  int64_t epilogueTiles = 0, epilogueBytes = 0;
  /// Element bytes of the input and weights (1 for INT8, which runs at the
  /// array's full rate) and of the stored result; per-channel parameter
  /// bytes kept in the scratchpad (bias; requantization or scale tables).
  int64_t inBytes = 4, outBytes = 4, paramBytes = 4;
  /// Byte offset of this pass's rows in the op's parameter table (the
  /// passes of a transposed convolution each have their own).
  int64_t tableOffset = 0;
  /// The epilogue ends in npu.quantize: each FP32 output tile is converted
  /// into one of two INT8 tiles of its own, which is what is stored.
  bool quantizedOut = false;
  /// An INT8 convolution whose result is its INT32 sums (ConvInteger): the
  /// readout adds one INT32 row per channel (paramBytes 4) and the tile
  /// stores INT32.
  bool sumsOut = false;
  /// The epilogue reads a residual (EpilogueOperand::residual): each
  /// output tile's box of it is loaded into one of two tile-sized FP32
  /// buffers of its own, with the tile's other loads.
  bool residual = false;
  /// A transposed convolution whose kernel is its stride (phasesAsChannels)
  /// as one 1x1 pass whose output phases are channels: `cout` is phases x
  /// phaseChannels, channel (ry * phaseChannels + m) * outStepX + rx being
  /// output channel m at phase (ry, rx), written at (y * outStepY + ry,
  /// x * outStepX + rx). 0 for every other pass.
  int64_t phaseChannels = 0;
  /// A pass of a convolution whose remainder channels are phase-packed
  /// (phasePackConv): it writes channels [outChannel0, outChannel0 + its
  /// channels) of an output of `outChannels` channels per image, reads
  /// weight rows of `weightCols` columns (pass A: columns [0, cout) of the
  /// convolution's [taps][C][M] weights) and keeps per-channel parameters
  /// for `paramChannels` channels laid out as the op's table `paramTable`
  /// is (from tableOffset). 0: the pass's own cout (groups x cout for
  /// outChannels).
  int64_t outChannels = 0, outChannel0 = 0, weightCols = 0, paramChannels = 0;
  StringRef paramTable = "requant";
  /// The input-channel tile the pass must take (0: the cost model's choice):
  /// an FP32 pass keeps the plain convolution's, so that its sums add the
  /// same products in the same order.
  int64_t inputTile = 0;
  /// The tiles the pass takes when the op has none recorded (m = 0: the
  /// cost model's): a phase-packed pass A sharing its slabs with pass B
  /// (chooseRowPhaseTiles).
  ConvTiles presetTiles = {};
};

/// An operand of a convolution epilogue: per-channel (count = channels) or
/// scalar (count = 1), loaded once at byte `offset` of the epilogue's
/// operand area; or (`residual`, count = 0) a tensor of the convolution
/// result's type (FP32, same shape: a skip connection), whose box of each
/// output tile is loaded with the tile, the box the tile is stored with.
struct EpilogueOperand {
  Value value;
  int64_t offset, count;
  bool residual = false;
};
/// The axis of `result` (a convolution's or a matmul's) along which an
/// epilogue's per-channel operands run: 1 (NCHW channels), or the last
/// for a matmul (its columns, N).
int64_t epilogueChannelAxis(Value result);
/// The operands of the epilogue `rest` other than the convolution result
/// and its own values, in the order they are laid out and loaded; nullopt
/// when one is neither per-channel, scalar nor a residual, or when more
/// than one is a residual, or a residual follows a convolution with an
/// INT8 input (whose FP32 results keep today's per-op layers). Channels
/// are axis 1 of a convolution's result, the last axis (the columns) of a
/// matmul's (epilogueChannelAxis).
std::optional<SmallVector<EpilogueOperand>>
epilogueOperands(Value convResult, ArrayRef<Operation *> rest);

/// The scratchpad a convolution epilogue (the ops fused after it, `rest`
/// of its fusion group) needs: one output tile per value computed and
/// consumed inside it, and every per-channel or scalar operand (loaded
/// once); `residual` whether it reads a residual (two more output tiles).
/// False when epilogueOperands is nullopt.
bool epilogueResources(Value convResult, ArrayRef<Operation *> rest,
                       int64_t &tiles, int64_t &bytes,
                       bool *residual = nullptr);

/// Records on `g` what the epilogue `rest` (possibly empty) needs:
/// epilogueTiles, epilogueBytes, residual (epilogueResources) and
/// quantizedOut (it ends in npu.quantize). False when epilogueResources is.
bool noteEpilogue(MacConv &g, Value convResult, ArrayRef<Operation *> rest);

/// When `mul` multiplies an FP32 value `input` by a one-element constant `a`
/// and its only reader `add` adds a one-element constant `b` to it (or
/// subtracts one), the one vec.unary that computes both on `input`:
/// affine_clamp with alpha a, beta b (or -b) and no bounds. The emulator
/// evaluates alpha * x + beta with two roundings (no fused multiply-add), so
/// the result is the two ops' bit for bit; one FP32 pass fewer (PP-OCR's
/// learnable affine after each hard swish). nullopt otherwise.
struct ScalarAffine {
  VecFunc fn;
  Value input;
};
std::optional<ScalarAffine> scalarAffine(Operation *mul, Operation *add);

/// Whether the FP32 `vec.binary` function `binaryFunc` passes its result
/// through an output stage (ISA v14: add, sub, mul, div).
bool takesOutputStage(StringRef binaryFunc);

/// The bounds `clamp` gives an output stage in its place: those of an FP32
/// npu.clamp (ReLU, Clip) with a finite bound whose input nothing else
/// reads; nullopt otherwise.
std::optional<std::pair<float, float>> outputStageBounds(Operation *clamp);

/// When `clamp` is an FP32 npu.clamp (ReLU, Clip) with a finite bound and
/// `inst`, the vector instruction that wrote its input at scratchpad
/// address `src`, is an FP32 `vec.binary` add, sub, mul or div, an
/// `affine_clamp` or a `vec.convert itof_affine`, without bounds of its
/// own: gives `inst` the clamp's bounds and returns true (ISA v14 passes
/// those results through affine_clamp's output stage; bit for bit the
/// clamp's own pass). False, with `inst` unchanged, otherwise.
bool foldClampInto(Operation *clamp, Operation *inst, int64_t src);

/// When `hardSwish` (an FP32 npu.hard_swish) is read only by `mul`, and
/// `mul` and `add` are a scalarAffine on its result, the one vec.unary that
/// computes all three on the hard swish's input: hard_swish_affine (ISA
/// v14) with the hard swish's alpha and beta and the affine's scale and
/// offset as lo and hi, bit-identical to hard_swish then affine_clamp (the
/// emulator rounds after each multiply and add). One FP32 pass fewer again
/// (PP-LCNetV3's learnable affine after each hard swish). nullopt otherwise.
std::optional<ScalarAffine> hardSwishAffine(Operation *hardSwish,
                                            Operation *mul, Operation *add);

/// When `clamp` (an FP32 npu.clamp whose range holds 0, read only by
/// `quantize`) feeds the epilogue's final `quantize`, the code range
/// [lo, hi] that vec.convert quantize saturates to in its place: the
/// codes of the clamp's bounds (the stored type's limits for infinite
/// ones). quantize is monotone, so quantize(clamp(x)) equals quantize(x)
/// saturated to those codes for every x, NaN included (the zero point,
/// inside the range). TFLite and TOSA fold a fused activation into the
/// output's saturation range the same way. nullopt otherwise.
std::optional<std::pair<int64_t, int64_t>> absorbedClamp(Operation *clamp,
                                                         Operation *quantize);

/// The part of a window [start, start + extent) inside [0, size): padding
/// before it, elements inside, padding after it (before + count + after =
/// extent; a window entirely outside is all padding).
struct WindowClip {
  int64_t before, count, after;
};
inline WindowClip clipWindow(int64_t start, int64_t extent, int64_t size) {
  int64_t before = std::clamp<int64_t>(-start, 0, extent);
  int64_t count = std::max<int64_t>(0, std::min(start + extent, size) -
                                           std::max<int64_t>(start, 0));
  return {before, count, extent - before - count};
}

/// The copies of the input slab and of the weight chunk a MAC convolution
/// pass keeps in the scratchpad (macConvLayout): the operand that stays
/// (t.order) has one per input-channel chunk (at least two) when
/// t.resident, the other two (double buffering).
std::pair<int64_t, int64_t> macConvCopies(const MacConv &g, ConvTiles t);

/// How many input-slab and weight chunks a MAC convolution pass loads from
/// DRAM with tiles `t` (dense weights, every tile full-sized), and the
/// bytes they move. Each step (one input-channel chunk of one output tile)
/// reads its chunks from the buffer copies (macConvCopies) that hold them
/// and loads only the others (docs/codegen.md "Loop order and reuse"). So
/// the operand that stays in t.order is loaded once per tile of the outer
/// loop, and the streaming one once in all when the inner loop's chunks fit
/// its two copies, else once per step.
struct ConvTraffic {
  int64_t slabLoads = 0, weightLoads = 0; ///< chunk loads
  int64_t slabBytes = 0, weightBytes = 0; ///< bytes they move
  /// Loads without reuse (every step loads both): tiles x chunks.
  int64_t steps = 0;
};
ConvTraffic convTraffic(const MacConv &g, ConvTiles t);

/// Chooses convolution tiles and loop order by a cost model: the largest
/// of DRAM load cycles (input slabs with their halos and weight chunks as
/// often as convTraffic loads them, the latency of every DMA command), store
/// cycles and MAC cycles (the emulator's formula: per R x C weight tile R
/// cycles, then one A row per `fp32RateDivisor` cycles, plus the fill and
/// drain), under the accumulator (oh x ow x m entries) and scratchpad (two
/// slabs, two weight tiles, two output tiles, the biases; FP32) limits. All
/// zero when nothing fits. Cycles first (with the pipeline's fill and
/// drain: the first step's loads and the last tile's store), then, among
/// the fastest, the fewest DRAM bytes: DRAM traffic is most of the energy
/// an inference takes (docs/codegen.md "Loop order and reuse"). `onlyC`,
/// when not 0, is the one input-channel tile tried (residualInputTile's).
/// `cycles` and `bytes`, when given, receive the chosen candidate's
/// estimate and DRAM bytes read. `blocks` (a convolution's constant
/// weights with all-zero MAC weight tiles, convWeightBlocks) prices tiles on
/// the block grid as the pruning-aware emitter issues them: no slab load for
/// a chunk whose taps are all empty, one matmul per present tap over its
/// present tiles, block images for partly empty steps (docs/codegen.md,
/// "Sparse weights"), so tiles that gather zero tiles into empty steps win.
/// One candidate of chooseConvTiles, priced: its load cycles (and the
/// slab loads' and, were every tile to load them, the weights' share),
/// store and MAC cycles, fill and drain, DRAM bytes read (and the slabs').
struct ConvTileCandidate {
  ConvTiles tiles;
  double load = 0, slabLoad = 0, weightsEveryTile = 0, store = 0, mac = 0;
  double fill = 0, drain = 0;
  int64_t bytes = 0, slabBytes = 0, weightBytesEveryTile = 0;
};
struct WeightBlocks;
ConvTiles chooseConvTiles(const rt::TargetDesc &t, const MacConv &g,
                          int64_t onlyC = 0, double *cycles = nullptr,
                          SmallVectorImpl<ConvTileCandidate> *all = nullptr,
                          double *bytes = nullptr,
                          const WeightBlocks *blocks = nullptr);
/// A phase-packed convolution's pass A tiles for one tile loop with pass B
/// (rowPhaseShare), by chooseConvTiles's model of both passes with pass
/// B's slab loads gone, both within `budget` scratchpad bytes
/// (rowPhaseBudget); all zero when none fits. `cycles` and `bytes` receive
/// the estimate.
ConvTiles chooseRowPhaseTiles(const rt::TargetDesc &t, const MacConv &a,
                              const MacConv &b, int64_t onlyC, int64_t budget,
                              double *cycles, double *bytes);

/// A 2-D convolution whose remainder channels (cout % arrayCols = r, 0 < r
/// <= arrayCols / 2) run with two output rows at once (docs/codegen.md,
/// "Remainder channels as row phases"): pass A is the convolution over
/// channels [0, c0 = cout - r) (absent when c0 = 0), pass B a convolution
/// with stride 2 and kernel height kh + 1 along Y whose 2r columns (ry, m)
/// are channel c0 + m at output row 2q + ry (MacConv::phaseChannels = r,
/// outStepY = 2), with weights W_B[ky'][kx][c][ry * r + m] = W[c0 + m][c]
/// [ky' - ry][kx] (zero outside the kernel) in the op's `phase_w` table
/// and, INT8, its readout rows per column in `phase_requant`. Exact: the
/// zero weights add exact zeros, the other products keep their order (an
/// FP32 pass keeps the plain convolution's input-channel tile).
struct PhasePack {
  MacConv a, b;
  int64_t c0 = 0, r = 0;
  /// The tile chooser's estimates: the plain convolution, pass A + pass B.
  double plainCycles = 0, packedCycles = 0;
  /// Pass A and pass B run in one tile loop sharing the input slabs
  /// (a.presetTiles, chooseRowPhaseTiles): their estimate is at most that
  /// of the two loops and they read fewer DRAM bytes.
  bool sharedSlabs = false;
};
/// The phase-packed form of `op` with the epilogue `epilogue` when it is
/// exact (one group, 2-D, stride and dilation 1 along Y, constant dense
/// weights without an all-zero MAC tile, an epilogue without per-channel
/// operands or a residual) and the tile chooser's estimate of pass A plus
/// pass B is below the plain convolution's on `t`; nullopt otherwise, and
/// when the module says `npu.phase_pack = false` (npu-compile
/// --phase-pack-remainder=false, npu-convert-to-isa's phase-pack-remainder
/// option).
std::optional<PhasePack> phasePackConv(ConvOp op, const rt::TargetDesc &t,
                                       ArrayRef<Operation *> epilogue);
/// Pass B's weights ([kh + 1][kw][C][2r], FP32 or INT8 codes) and, for an
/// INT8 input, its readout rows per column (the op's int8ReadoutTable rows
/// of channel c0 + m for column ry * r + m, in the table's layout).
ElementsAttr phasePackWeights(ConvOp op, const PhasePack &p);
FailureOr<ElementsAttr> phasePackReadout(ConvOp op, const PhasePack &p);
/// The MACs pass B does over its zero weights (each row phase's unused
/// kernel row, and the grid row past an odd output height): its executed
/// MACs less the remainder channels' MACs. Array work, not the model's:
/// `npu_isa.layer`'s `padding_macs`.
int64_t phasePackPaddingMacs(const PhasePack &p);

/// For MAC-array convolution `conv` with the epilogue `epilogue`: when the
/// epilogue reads a residual, the input-channel tile the convolution is
/// chosen without it (with the epilogue's ops before the first that reads
/// the residual); 0 otherwise. The FP32 sums of a tap accumulate chunk by
/// chunk, so keeping this tile keeps the outputs of the unfused program
/// bit for bit: the tiles of a convolution with a residual are chosen
/// among those with it (chooseConvTiles' onlyC).
int64_t residualInputTile(const rt::TargetDesc &t, ConvOp conv,
                          ArrayRef<Operation *> epilogue);

/// Tile sizes of a matmul C[M,N] = A[M,K] x W[K,N] (elements) and the
/// loop order over the C tiles: rows of tiles outermost, A's chunks staying
/// (input_stationary, the default), or columns outermost, W's staying.
struct MatmulTiles {
  int64_t m, n, k;
  LoopOrder order = LoopOrder::input_stationary;
  /// The operand that stays keeps every K chunk (a copy each); false: two
  /// copies, like the streaming one (when that does not fit).
  bool resident = true;
};

/// The copies of the A and W chunks a matmul keeps in the scratchpad: the
/// operand that stays one per K step (at least two) when t.resident, the
/// other two.
std::pair<int64_t, int64_t> matmulCopies(int64_t M, int64_t N, int64_t K,
                                         MatmulTiles t);

/// How many A and W chunks a dense matmul loads from DRAM with tiles `t`
/// (ChunkCopies reuse, as convTraffic): the stationary operand once per
/// outer tile, the streaming one once in all when the inner loop's chunks
/// fit its two copies, else once per step.
struct MatmulTraffic {
  int64_t aLoads = 0, wLoads = 0, steps = 0;
};
MatmulTraffic matmulTraffic(int64_t M, int64_t N, int64_t K, MatmulTiles t);

/// The cycles of `steps` double-buffered steps in the steady state, each
/// the longer of its loads and its compute (`computeCycles`), when the
/// stationary operand's chunks (`stayCycles` each) are loaded in
/// `stayLoads` steps and the streaming one's (`streamCycles`) in
/// `streamLoads`, as ChunkCopies issues them: the uneven loads of reuse,
/// which the busiest queue's total alone does not see (the matmul cost
/// model; convolutions are chosen without it, which measured better on
/// PaddleOCR).
double pipelinedStepCycles(int64_t steps, int64_t stayLoads,
                           int64_t streamLoads, double stayCycles,
                           double streamCycles, double computeCycles);

/// A matmul's operand shapes after NumPy's 1-D promotion (A [.., M, K], W
/// [.., K, N]) and the 2-D product each batch index computes: with a 2-D W
/// the batch dims of A fold into M.
struct MatmulShape {
  SmallVector<int64_t> a, w;
  int64_t m, n, k;
};
MatmulShape matmulShape(MatMulOp op);

/// The target a matmul's tiles are chosen for: an INT8 matmul keeps its
/// per-column {scale, bias} table (8 bytes per column) in the scratchpad,
/// and an `epilogue` (its fusion group's elementwise ops) its per-column and
/// scalar operands and, when it ends in a quantize, two INT8 copies of a C
/// tile (at most the accumulator's entries each), which the tiles must
/// leave free.
rt::TargetDesc matmulTarget(MatMulOp op, const rt::TargetDesc &target,
                            ArrayRef<Operation *> epilogue = {});

/// Whether an op's output tiles can take a fusion group's elementwise ops
/// as an epilogue (applied in the scratchpad before the store): a
/// convolution, a transposed convolution or a matmul.
bool leadsEpilogue(Operation *op);

/// Tile sizes for a matmul (FP32, or INT8 operands with `int8`):
/// candidates are multiples of the array's size (and the full extents);
/// each must fit the accumulator (Mt x Nt entries) and the scratchpad (two A
/// and W tiles, two C tiles, counted at 4 bytes). The cost is the slowest of
/// the load, compute and store queues' busy cycles over the instructions
/// the code generator then issues (A re-read once per column of tiles, W
/// once per row, edge tiles at their size), each costed by the runtime's
/// formulas (npu/runtime/Timing.h). All zero when nothing fits.
///
/// With `blocks` (a constant W with all-zero weight tiles), each K step is
/// costed as it is issued (classifyWeightStep): an empty step costs
/// nothing, a block-sparse one loads its image and runs only its present
/// R x C tiles, so the tiling that groups the zero blocks wins.
struct WeightBlocks;
MatmulTiles chooseMatmulTiles(const rt::TargetDesc &t, int64_t M, int64_t N,
                              int64_t K, bool int8 = false,
                              const WeightBlocks *blocks = nullptr);

//===----------------------------------------------------------------------===//
// Sparse weights (Sparsity.cpp; docs/codegen.md, "Sparse weights")
//===----------------------------------------------------------------------===//

/// The sparsity of constant weight matrices W_i[K,N] (a matmul's W, or a
/// convolution's per-group, per-tap [C/g][M/g] slices), row-major bytes of
/// `elemBytes` (FP32, or INT8 codes: a zero code contributes nothing
/// whatever the zero point, the MAC array multiplies codes), at the
/// granularity of the MAC array's weight tile: R = target.arrayRows along
/// K by C = target.arrayCols along N (the target's figures).
struct WeightBlocks {
  int64_t R = 0, C = 0, K = 0, N = 0, kBlocks = 0, nBlocks = 0;
  int64_t matrices = 1, elemBytes = 4;
  /// Zero tiles are skipped and partly zero steps run block-sparse; false
  /// under --sparse-weights=false, where every tile is issued dense and the
  /// blocks only serve compressed storage (dma.expand).
  bool skip = true;
  std::vector<uint8_t> bytes; ///< [matrices][K][N]
  /// Bit (i * kBlocks + kb) * nBlocks + nb: block (kb, nb) of W_i holds a
  /// non-zero element.
  llvm::BitVector nonZero;
  /// Non-zero blocks of W_i among K-blocks [kb0, kb1) x N-blocks [nb0, nb1).
  int64_t present(int64_t i, int64_t kb0, int64_t kb1, int64_t nb0,
                  int64_t nb1) const;
  /// Some block is all zero (analyze's result).
  bool zeroBlock = false;
  /// Elements whose bytes are all zero (what dma.expand.elem leaves out).
  int64_t zeroElements = 0;
  /// Fills nonZero, zeroBlock and zeroElements from bytes; false when no
  /// block is all zero.
  bool analyze();
  /// Enough zero elements for an element image (dma.expand.elem) to be
  /// smaller than the dense bytes: each element costs a mask bit, so more
  /// than one in 8 * elemBytes must be zero.
  bool elementCompressible() const {
    return zeroElements * elemBytes * 8 > int64_t(bytes.size());
  }
  /// The tile choosers' view: the blocks when some is all zero, else none
  /// (the tiling of weights without an empty block stays the dense one).
  const WeightBlocks *forTiling() const { return zeroBlock ? this : nullptr; }
};

/// The blocks of `op`'s W when it is a 2-D constant (through reshapes) with
/// at least one all-zero block, or (`compressible`, for the emitters and
/// the DRAM plan) whose zeros elementCompressible() finds worth an element
/// image while weights may be compressed; nullopt otherwise (dense weights
/// keep the dense code, byte for byte).
std::optional<WeightBlocks> matmulWeightBlocks(MatMulOp op,
                                               const rt::TargetDesc &t,
                                               bool compressible = false);
/// The blocks of a MAC-array convolution's constant weights, one matrix
/// per (group, tap) in the rearranged order [g][tap][C/g][M/g]; nullopt
/// when not constant or without an all-zero block (`compressible`: as for
/// matmulWeightBlocks).
std::optional<WeightBlocks> convWeightBlocks(ConvOp op, const MacConv &g,
                                             const rt::TargetDesc &t,
                                             bool compressible = false);

/// How one K step of a tiling (W_i[k0:k0+kt, n0:n0+nt]) is issued: Empty
/// (no weight block present: no DMA, no matmul), Sparse (the MAC array's
/// block-sparse mode over `blocks` present tiles, its W an image of
/// `imageBytes` at `imageOffset` of the op's `sparse_w` table: the block
/// mask, rt::sparseMaskBytes, then the present R x C blocks), or Dense
/// (`blocks` is the step's whole tile count).
/// In a compressed plan a Dense step of a chunk that is not all dense has
/// its own dma.expand image: `expandBytes` at `expandOffset` of the table
/// (`expandRaw`: every block present, so stored as is, row-major, and
/// loaded by a plain dma.load: a mask would only add bytes;
/// `expandElements`: an element image for dma.expand.elem, chosen when it
/// is strictly smaller than the raw bytes or block image).
struct SparseStep {
  enum Kind { Dense, Sparse, Empty } kind = Dense;
  int64_t blocks = 0, imageOffset = -1, imageBytes = 0;
  int64_t expandOffset = -1, expandBytes = 0;
  bool expandRaw = false, expandElements = false;
};
/// One K step of an output tile over all its taps (a matmul's: its one
/// step). In a compressed plan, a chunk whose steps are all Dense loads
/// them with one dma.expand of the `expandBytes` image at `expandOffset`
/// (the taps its planes; `expandRaw` as for a step).
struct SparseChunk {
  int64_t expandOffset = -1, expandBytes = 0;
  bool expandRaw = false, expandElements = false;
};
/// Classifies one step; k0 and n0 are multiples of R and C (tiles are).
SparseStep classifyWeightStep(const WeightBlocks &w, int64_t i, int64_t k0,
                              int64_t kt, int64_t n0, int64_t nt);

/// Every K step of a tiling with sparse weights and the `sparse_w` table
/// their images live in: an all-zero mask of zeroMaskBytes at offset 0
/// (one block-sparse matmul with it clears the accumulator of an output
/// tile whose weights are all zero), then the sparse steps' images. For a
/// matmul, steps[ni * kSteps + ki]; for a convolution, steps[((grp *
/// nTiles + mi) * kSteps + ci) * taps + tap]. `table` is empty when no
/// step needs it.
/// `compressed`: every step that is not Empty reads the table (images for
/// dma.expand or the sparse mode), never the dense weights, which the DRAM
/// plan then leaves out of the executable; chosen when the table is smaller
/// than the dense weights and the uncompressed table
/// (`npu.compress_weights = false`, npu-compile --compress-weights=false,
/// never). chunks[(grp * nTiles + ni) * kSteps + ki].
struct SparseWeightPlan {
  int64_t kSteps = 0, nTiles = 0, taps = 1, zeroMaskBytes = 0;
  bool compressed = false;
  /// Per group, N tile, K step and tap (the order planned): how the step's
  /// weights are issued.
  SmallVector<SparseStep> steps;
  /// Per group, N tile and K step: the chunk's compressed image.
  SmallVector<SparseChunk> chunks;
  const SparseStep &step(int64_t grp, int64_t nTile, int64_t kStep,
                         int64_t tap) const {
    return steps[size_t(((grp * nTiles + nTile) * kSteps + kStep) * taps +
                        tap)];
  }
  const SparseChunk &chunk(int64_t grp, int64_t nTile, int64_t kStep) const {
    return chunks[size_t((grp * nTiles + nTile) * kSteps + kStep)];
  }
  std::vector<uint8_t> table;
  /// The table as an i8 constant (null when empty).
  ElementsAttr tableAttr(MLIRContext *context) const;
};
/// A matmul's plan for `tiles` (m, n, k); compressed only when its W is a
/// constant it alone reads.
SparseWeightPlan planSparseMatmul(MatMulOp op, const WeightBlocks &w,
                                  MatmulTiles tiles);
/// A convolution pass's plan for `tiles` (its m and c).
SparseWeightPlan planSparseConv(ConvOp op, const WeightBlocks &w,
                                const MacConv &g, ConvTiles tiles);
/// Whether the op's plan for its recorded tiles is compressed: the DRAM
/// plan then stores no dense copy of its weights.
bool sparseConvCompressed(ConvOp op, const rt::TargetDesc &target);
bool sparseMatmulCompressed(MatMulOp op, const rt::TargetDesc &target);

/// The `sparse_w` constant table of a matmul for its recorded (else
/// chosen) tiles, or null.
ElementsAttr sparseMatmulTable(MatMulOp op, const rt::TargetDesc &target);
/// The `sparse_w` constant table of a MAC-array convolution for its
/// recorded tiles, or null (a convolution without recorded tiles is
/// emitted dense).
ElementsAttr sparseConvTable(ConvOp op, const rt::TargetDesc &target);

/// The geometry of a convolution as one MAC-array (or, for depthwise,
/// vector-unit) pass; false for ranks other than 3, 4 and 5.
bool convGeometry(ConvOp op, MacConv &g);

/// Whether a 1-D or 2-D convolution is depthwise (one input and one output
/// channel per group). FP32 ones run on the vector unit, INT8 ones too when
/// their window is dense (no dilation: `vec.pool dot`), else on the MAC
/// array (onVectorUnit, forMacArray).
bool isDepthwise(const MacConv &g);

/// Whether a transposed convolution's `passes` read the same input slabs
/// (same geometry, windows and channels; they differ in their taps, output
/// phase and parameter rows), as the phases of a kernel-equals-stride one
/// do: then they run as one tile loop (Codegen::emitMacConv).
bool sharedSlabs(ArrayRef<MacConv> passes);

/// The fewest channels per block for which an INT8 depthwise convolution
/// with a dilated window runs on the MAC array (npu-quantize quantizes
/// those whose channel count is a multiple of it; dense windows run on the
/// vector unit at any channel count). A compiler choice: the array
/// takes B channels per output pixel and tap in one INT8 cycle, the vector
/// unit 16 FP32 lanes in one `mac` (ISA v7; two cycles before it), so at
/// B = 16 the array matches its compute, and at any B INT8 moves a quarter
/// of the bytes and spares the dequantize and quantize around an FP32 one.
constexpr int64_t kMinDepthwiseBlock = 8;

/// Whether the window of a depthwise geometry `g` is dense (every element
/// of its span a tap: no dilation), as `vec.pool dot` reads it.
bool denseWindow(const MacConv &g);

/// Whether convolution `op`, of geometry `g` (convGeometry's), runs on the
/// vector unit: a depthwise one in FP32, or in INT8 with a dense window
/// (the vector unit's INT8 dot products take 64 products per cycle, the
/// MAC array's block-diagonal tiles B, at most 16). Every other runs on the
/// MAC array.
bool onVectorUnit(Operation *op, const MacConv &g);

/// `g` (convGeometry's) as the MAC array runs convolution `op`: an INT8
/// depthwise one becomes a grouped convolution with block-diagonal weights,
/// blocks of B channels (B the largest divisor of the channel count not
/// above the array's rows and columns), C / B groups of B input and output
/// channels, channel indices unchanged. Returns B, or 0 when `g` stays as
/// it is.
int64_t forMacArray(Operation *op, const rt::TargetDesc &t, MacConv &g);

/// Tiles of a depthwise convolution on the vector unit: output rows and
/// columns, channels (in `c`) under the scratchpad's two slabs, weight
/// tiles and output tiles, one product and the biases. Each candidate's
/// tiles, partial edge tiles at their size, are priced in emission order as
/// they pipeline through the load, vector and store queues
/// (rt::doubleBufferedCycles; kMaxPricedTiles), then fewestCyclesThenBytes.
/// All zero when nothing fits.
ConvTiles chooseDepthwiseTiles(const rt::TargetDesc &t, const MacConv &g);

/// The scratchpad layout of a pooling with tiles of `oht` output rows and
/// `ct` channels (full width) of `elemBytes`-byte elements: two input slabs,
/// two output tiles, then `reservedBytes` (the divisor map). The tile
/// chooser's limit and the emitter's buffers both come from it.
SmallVector<SpRequest, 4> poolLayout(const ConvGeometry &g, int64_t oht,
                                     int64_t ct, int64_t elemBytes,
                                     int64_t reservedBytes);

/// Tiles of a pooling (output rows, channels, full width): the largest
/// that fit two slabs and two results of `elemBytes`-byte elements beside
/// `reservedBytes` (pooling is vector-bound, so the fewest DMA latencies and
/// startups win). Zero rows when a single row does not fit.
std::pair<int64_t, int64_t> choosePoolTiles(const rt::TargetDesc &t,
                                            const ConvGeometry &g,
                                            int64_t reservedBytes,
                                            int64_t elemBytes = 4);

/// Whether `op` is an INT8 pooling: input and result of one per-tensor
/// signed INT8 type; max pooling (max commutes with the monotonic
/// quantization, so the codes pool as they are), or average pooling
/// without padding and with one divisor (the codes' mean, rounded half away
/// from zero: TFLite's MEAN and AVERAGE_POOL_2D with matching parameters).
bool isInt8Pool(Operation *op);

/// The window geometry of a 1-D or 2-D max_pool / avg_pool without
/// dilation; nullopt otherwise.
std::optional<ConvGeometry> poolGeometry(Operation *op);

/// Tile sizes recorded on `op` by npu-assign-tiles (`npu.tiles`), in the
/// order of `keys`; nullopt when absent or malformed.
std::optional<SmallVector<int64_t>> recordedTiles(Operation *op,
                                                  ArrayRef<StringRef> keys);
/// The loop order recorded with `op`'s tiles (`order` in `npu.tiles`, which
/// the dialect verifies); `fallback` when there is none.
LoopOrder recordedOrder(Operation *op,
                        LoopOrder fallback = LoopOrder::weight_stationary);

/// The reciprocal window counts [OH][OW] an average pooling multiplies by,
/// or nullopt when every window counts kernel-size positions (then
/// vec.pool's alpha divides) or `op` is not an average pooling.
std::optional<ElementsAttr> avgPoolReciprocals(Operation *op);

/// The readout table of an op with an INT8 input, computed from the
/// quantized IR (npu::int8ReadoutTable, npu/Dialect/Npu/IR/QuantizedTables.h);
/// a transposed convolution's laid out for its lowering (transposedScales).
/// nullopt for other ops; an error on `op` and failure when the types are
/// not the scheme's.
FailureOr<std::optional<ElementsAttr>> requantParams(Operation *op);

/// Appends requantParams(op), if any, to `tables` under the role
/// "requant" (the constant table of INT8 convolutions and matmuls).
LogicalResult requantTable(Operation *op,
                           SmallVectorImpl<ConstantTable> &tables);

/// The 256 INT8 codes of an npu.lookup_table (computed in the quantized IR:
/// npu-quantize and canonicalization make every INT8 activation one, see
/// npu::int8ActivationTable); nullopt for other ops.
std::optional<ElementsAttr> lutTable(Operation *op);

/// An INT8 transposed convolution's FP32 output tables (requantParams): the
/// dialect's rows (npu::int8ReadoutTable: per phase a [2][M] pair of scales
/// and biases with the input zero point's correction), or, when
/// phasesAsChannels, the same values as one [2][phases x M] pair in column
/// order; an error on `op` when its types are not supported.
FailureOr<std::optional<ElementsAttr>> transposedScales(ConvTransposeOp op);

/// Whether every operand and the result of a convolution-like op are FP32.
bool allF32(Operation *op);

/// False, with the reason, for a convolution (or transposed convolution)
/// with zero input or output channels (ONNX allows empty tensors): the tile
/// choosers divide by the channel counts.
bool hasChannels(Operation *op, std::string &reason);

/// The stride-1 passes of a transposed convolution, one per output phase of
/// npu::transposedPhases (the sub-pixel decomposition); an error on `op`
/// when it has none.
FailureOr<SmallVector<MacConv, 4>> transposedConvPasses(ConvTransposeOp op);

/// True for a transposed convolution of one group whose kernel equals its
/// stride on every spatial axis (at least two taps), without dilation,
/// padding or output padding: each input pixel writes its own
/// stride x stride block of the output, so the output phases are one
/// matmul's columns (MacConv::phaseChannels) instead of one pass each: the
/// array's columns fill with taps x M instead of M (a one-channel output
/// used 1 of 16), and the input is read by one matmul per chunk instead of
/// one per phase. Its weights are laid out [C][KH][M][KW] (one K x N
/// matrix whose columns are (ry, m, rx): a pixel's phases of one output
/// row are adjacent, stored as one run) instead of per tap, and its INT8
/// table is [2][taps x M] in that column order.
bool phasesAsChannels(ConvTransposeOp op);

/// The target of `module` (getOrSetModuleTarget with the pass option
/// `targetOption`) and its `func.func @main`; a null target, with an error
/// on the module, when either is missing.
std::pair<const rt::TargetDesc *, func::FuncOp>
targetAndMain(ModuleOp module, StringRef targetOption);

/// Whether the module `op` is (or is in) leaves the code generator's choice
/// `name` on: true unless the module says `name = false` (npu-compile
/// --sparse-weights, --compress-weights, --phase-pack-remainder and
/// --keep-on-chip record them there; the dialect verifies them).
bool moduleFlagOn(Operation *op, StringRef name);

/// `npu.tiles`-style dictionary of (name, elements) pairs.
DictionaryAttr tilesAttr(Builder &b,
                         ArrayRef<std::pair<StringRef, int64_t>> values);
/// A MAC convolution's tiles as an `npu.tiles` dictionary: oh, ow, m, c and
/// its loop order.
DictionaryAttr tilesAttr(Builder &b, ConvTiles t);
/// A matmul's: m, n, k and its loop order.
DictionaryAttr tilesAttr(Builder &b, MatmulTiles t);

/// Attach BackendOpInterface to each op family's ops (one per file).
/// The schedule level (Schedule.cpp): moves the ops of every npu.layer of
/// `func` back into its body, in place of the layer, recording the layer's
/// decisions as the tiled phase's attributes (npu.fusion_group for layers
/// of several ops, npu.tiles on the anchor). Returns whether `func` had
/// layers; fails, with an error on the layer, when its unit is not the one
/// its anchor runs on.
FailureOr<bool> inlineLayers(func::FuncOp func);

/// A backend pass (the generated base `PassBase`) whose context gets the
/// BackendOpInterface models of the npu ops, which every backend pass asks.
template <typename PassBase> struct WithBackendModels : PassBase {
  using PassBase::PassBase;
  void getDependentDialects(DialectRegistry &registry) const override {
    PassBase::getDependentDialects(registry);
    ::npu::registerBackendInterfaceModels(registry);
  }
};

void registerPlacementModels(MLIRContext *context);
void registerHostModels(MLIRContext *context);
void registerConvolutionModels(MLIRContext *context);
/// Called by registerConvolutionModels (TransposedConvolution.cpp).
void registerTransposedConvolutionModels(MLIRContext *context);
void registerMatmulModels(MLIRContext *context);
void registerPoolingModels(MLIRContext *context);
void registerDataMovementModels(MLIRContext *context);
void registerReductionModels(MLIRContext *context);
void registerElementwiseModels(MLIRContext *context);

/// The error for an op the backend cannot compile: "backend: 'OP' (ONNX
/// node 'N', T) is not supported by the code generator", then ": reason",
/// or " yet" when there is no reason (the op has no BackendOpInterface).
InFlightDiagnostic emitUnsupported(Operation *op, StringRef reason = "");

/// True when `op`'s result is INT8 (a quantized type).
bool isInt8(Operation *op);

/// The zero point of a per-tensor quantized value's type; 0 for any other.
int64_t zeroPointOf(Value v);
// hasQuantizedInput (whether the first operand is INT8): the dialect's,
// npu/Dialect/Npu/IR/QuantizedTables.h.

/// The copies of a scratchpad buffer that keep operand chunks across the
/// steps of a MAC-array layer (a convolution's or matmul's input and weight
/// chunks; docs/codegen.md "Loop order and reuse"): a step reads a chunk
/// from the copy that holds it, or loads it into the copy read longest ago.
/// That is never the copy the previous step read, which may still be in use: a
/// step's loads wait only for the compute of the step two back (the
/// double-buffering handshake).
template <typename Key> class ChunkCopies {
public:
  explicit ChunkCopies(int64_t copies) : held(copies), lastRead(copies, -1) {}

  bool holds(const Key &key) const { return llvm::is_contained(held, key); }

  /// The copy step `s` reads `key` from and whether it must be loaded
  /// there first (always with `reload`).
  std::pair<int64_t, bool> acquire(const Key &key, int64_t s,
                                   bool reload = false) {
    auto at = llvm::find(held, key);
    bool load = reload || at == held.end();
    int64_t i = load ? leastRecent() : at - held.begin();
    held[i] = key;
    lastRead[i] = s;
    return {i, load};
  }

  /// A copy step `s` overwrites with something no chunk key names (the
  /// all-zero weight mask) or reads nothing meaningful from.
  int64_t scratch(int64_t s, bool overwritten) {
    int64_t i = leastRecent();
    if (overwritten)
      held[i] = std::nullopt;
    lastRead[i] = s;
    return i;
  }

private:
  int64_t leastRecent() const {
    return llvm::min_element(lastRead) - lastRead.begin();
  }
  SmallVector<std::optional<Key>> held;
  SmallVector<int64_t> lastRead;
};

/// A scratchpad buffer of the layer being emitted (Codegen::scratchpad):
/// `copies` consecutive copies of `stride` bytes from byte `offset`.
struct SpBuffer {
  int64_t offset = 0, stride = 0, copies = 1;
  /// The copy that tile or step `i` uses (copy i % copies).
  int64_t at(int64_t i = 0) const { return offset + (i % copies) * stride; }
};

/// The scratchpad layout of one MAC-array convolution pass with tiles `t`
/// (ConvolutionTiling.cpp): input slabs and weight chunks (macConvCopies of
/// each), two output tiles,
/// the per-channel parameters, the epilogue's temporaries and operands, two
/// INT8 output tiles when the epilogue quantizes and two residual tiles
/// when it reads a residual. The tile chooser's limit and the emitter's
/// buffers both come from it.
SmallVector<SpRequest, 8> macConvLayout(const MacConv &g, ConvTiles t);
/// A phase-packed convolution's passes A and B sharing each input slab
/// (docs/codegen.md, "Remainder channels as row phases"): pass B's tiles
/// (half of pass A's rows, its columns and input-channel tile), the
/// scratchpad layout of both (the larger of each buffer, both passes'
/// parameters, pass B's from byte `paramsB`).
struct RowPhaseShare {
  ConvTiles b;
  SmallVector<SpRequest, 8> layout;
  int64_t paramsB = 0;
};
/// The share of pass A's tiles `ta`, if any: tiles whose rows are even
/// (or all of them), both passes' buffers within `budget` bytes.
std::optional<RowPhaseShare> rowPhaseShare(const rt::TargetDesc &target,
                                           const MacConv &a, const MacConv &b,
                                           ConvTiles ta, int64_t budget);
/// The scratchpad the passes take one after the other, each with the
/// tiles it would choose alone: the most a share may take, so that the
/// layer's neighbours (the values kept on chip, OnChip.cpp) are planned
/// as before.
int64_t rowPhaseBudget(const rt::TargetDesc &target, const MacConv &a,
                       const MacConv &b);
/// The same for the tiles each pass chose alone (`ta`, `tb`; m = 0: none).
int64_t rowPhaseBudget(const MacConv &a, ConvTiles ta, const MacConv &b,
                       ConvTiles tb);
/// The same for a depthwise convolution on the vector unit (FP32): two
/// slabs, two weight tiles, two output tiles, one product, the biases, the
/// epilogue's temporaries and operands, two INT8 tiles when it quantizes,
/// two residual tiles when it reads a residual.
SmallVector<SpRequest, 8> depthwiseLayout(const MacConv &g, ConvTiles t);

/// Lowers a copy of `module` (its npu.layers inlined) and returns the
/// scratchpad buffers each layer's lowering asked for, keyed by the layer's
/// first op in `func` (npu-allocate-scratchpad's allocation); failure when
/// the lowering fails, its errors reported or, with `quiet`, dropped.
FailureOr<llvm::DenseMap<Operation *, ArrayAttr>>
lowerCopyForScratchpad(ModuleOp module, func::FuncOp func,
                       const rt::TargetDesc &target, bool quiet = false);

/// The scratchpad bytes each layer's lowering uses (the end of its last
/// buffer), keyed by the layer's first op in `func`: lowerCopyForScratchpad,
/// quietly. Codegen::keepOnChip's input.
FailureOr<llvm::DenseMap<Operation *, int64_t>>
scratchpadHighWater(ModuleOp module, func::FuncOp func,
                    const rt::TargetDesc &target);

class Codegen {
public:
  Codegen(ModuleOp module, func::FuncOp func, const rt::TargetDesc &target)
      : module(module), func(func), fullTarget(target), layerTarget(target),
        target(layerTarget), b(module.getContext()) {}
  Codegen(const Codegen &) = delete;
  Codegen &operator=(const Codegen &) = delete;

  /// Generates the program: plans DRAM (or follows a recorded plan), then
  /// emits every op's instructions and erases @main.
  LogicalResult run();
  /// The `planned` phase: makes the DRAM plan and records it on @main as
  /// attributes (`npu.dram` on arguments, results and ops; `npu.weights_dram`,
  /// `npu.<role>_dram` of the constant tables; `npu.dram_size`,
  /// `npu.arena_bytes`, `npu.arena_lower_bound` on the function), which `run`
  /// then follows.
  LogicalResult plan();
  void recordPlan();
  /// Operator fusion (or the groups recorded as `npu.fusion_group`):
  /// convolutions with the activation chain or elementwise run that only
  /// reads their result (an epilogue; its other operands scalars,
  /// per-channel values or one residual computed before the convolution),
  /// matmuls with a chain of elementwise ops and constants, and runs of
  /// consecutive elementwise ops of one shape (one vector program each).
  /// With `followsSchedule` (a function whose npu.layer ops inlineLayers
  /// inlined), only the recorded groups: a schedule of one-op layers
  /// fuses nothing.
  void formFusionGroups();
  bool followsSchedule = false;
  /// Whether the current epilogue ends in a quantize (its last value, the
  /// one stored, is INT8).
  bool epilogueQuantizes() const {
    return !epilogue.empty() && isa<QuantizeOp>(epilogue.back());
  }
  /// Whether FP32 convolution `conv` may take the epilogue `with`, which
  /// reads a residual: some tiling fits the residual's buffers, for a
  /// MAC-array convolution with the input-channel tile it has without the
  /// residual (residualInputTile: the outputs stay bit-identical).
  bool residualFusible(ConvOp conv, ArrayRef<Operation *> with);
  /// Forms the groups (or reads the recorded ones) and checks that each is
  /// a shape the emitters handle, its members reading nothing computed
  /// after its first op: an error on the first op that does not.
  LogicalResult verifyFusionGroups();
  /// Records the groups as `npu.fusion_group` attributes (the tiled phase).
  void recordFusionGroups() {
    formFusionGroups();
    for (auto [id, group] : llvm::enumerate(fusionGroups))
      for (Operation *op : group)
        op->setAttr("npu.fusion_group", b.getI64IntegerAttr(int64_t(id)));
  }

  //===--------------------------------------------------------------------===//
  // The lowering API: what the op families' BackendOpInterface models
  // (Convolution.cpp, Matmul.cpp, Pooling.cpp, DataMovement.cpp,
  // Reduction.cpp, Elementwise.cpp) emit with.
  //===--------------------------------------------------------------------===//

  /// The value whose DRAM bytes `v` shares (through reshapes).
  Value root(Value v) {
    while (auto view = v.getDefiningOp<ViewLikeOpInterface>())
      v = view.getViewSource();
    return v;
  }
  LogicalResult planDram(func::ReturnOp ret);
  /// Whether `op`'s inputs can be computed straight into its result (concat
  /// elimination, docs/codegen.md "DRAM planning"): the dims before the
  /// axis are all 1, so each input is one contiguous slice of the result,
  /// or the axis is the rows of an NCHW result and each input, read by
  /// the concat alone, is stored by a 2-D convolution's layer (not
  /// phase-packed) that keeps the result's row pitch (storedRows: the
  /// bands of a cascade); every input is the one result of an NPU op (not
  /// a view, constant, concat or host op) of the result's element type,
  /// distinct, not returned. The plan then places each input inside the
  /// result's buffer and the concat moves nothing.
  bool concatInPlace(ConcatOp op);
  /// The rows (H) of the NCHW tensor whose layout the rank-4 `v` is stored
  /// in: the result's of the in-place concat along H that reads it (a band
  /// of a cascade, stored by its convolution's layer straight into the
  /// whole), else `rows` (v's own).
  int64_t storedRows(Value v, int64_t rows);
  /// Emits the instructions of one (unfused) op as layer `layer`, through
  /// its BackendOpInterface.
  LogicalResult emitOp(Operation *op, int64_t layer);
  /// Emits one elementwise op (its VecFunc) over its planned buffers.
  LogicalResult emitElementwiseOp(Operation *op, int64_t layer);
  /// The DRAM buffer planned for `v` (its root's).
  Buffer bufferOf(Value v) { return buffers.lookup(root(v)); }
  /// The DRAM buffer of `op`'s constant table `role` (getConstantTables);
  /// offset -1 when it has none.
  Buffer tableOf(Operation *op, StringRef role) {
    return tables.lookup({op, role});
  }
  /// Whether the DRAM plan placed `op`'s table `role` with exactly the
  /// elements of `expected` (a hand-edited plan may not have).
  bool hasTable(Operation *op, StringRef role, ElementsAttr expected) {
    Buffer buf = tableOf(op, role);
    if (buf.offset < 0 || !expected)
      return false;
    for (auto &[loc, offset, value] : constants)
      if (offset == buf.offset)
        return value == expected;
    return false;
  }
  //===--------------------------------------------------------------===//
  // The scratchpad of a layer (Schedule.cpp; docs/codegen.md, "The
  // schedule level"). Emitters never compute a scratchpad address
  // themselves: they ask for named buffers, in the order they lay them
  // out. Without a recorded allocation the buffers are packed in that
  // order, each from a kAlign boundary (a buffer's copies are `bytes`
  // apart); the layer's recorded allocation (`npu.layer ... scratchpad`,
  // moved onto its anchor as `npu.scratchpad` by inlineLayers) is followed
  // instead, checked against what the lowering asks for.
  //===--------------------------------------------------------------===//

  /// Starts the scratchpad of the layer whose first op is `anchor` (null
  /// for code outside the schedule's layers, such as output copies).
  void beginScratchpad(Operation *anchor);
  /// Starts the layout of one emitter (the cursor back to byte 0): in the
  /// current pass of the layer, or with `newPass` in the next one when the
  /// current has buffers. Emitters called several times in one pass (the
  /// 2-D products of a batched matmul, the pieces of a concat or pad) lay
  /// out the same buffers alike; passes (a run-time weight rearrangement,
  /// then the convolution; a transposed convolution's output phases) run
  /// one after another and reuse the scratchpad.
  void beginScratchpadPass(bool newPass = false);
  /// The buffer `name` of `copies` x `bytes`, in the current pass. With a
  /// recorded allocation: the recorded buffer, which must exist, have as
  /// many copies and at least `bytes` per copy (else one error on the
  /// anchor, reported by endScratchpad). A request of no bytes needs no
  /// buffer.
  SpBuffer scratchpad(StringRef name, int64_t bytes, int64_t copies = 1);
  /// Every buffer of `layout`, in order.
  SmallVector<SpBuffer, 8> scratchpad(ArrayRef<SpRequest> layout) {
    SmallVector<SpBuffer, 8> out;
    for (const SpRequest &r : layout)
      out.push_back(scratchpad(r.name, r.bytes, r.copies));
    return out;
  }
  /// Ends the layer's scratchpad: failure when a request was refused.
  LogicalResult endScratchpad();
  /// The buffers each layer emitted so far asked for, by anchor, as the
  /// `scratchpad` attribute of its npu.layer (npu-allocate-scratchpad).
  ArrayRef<std::pair<Operation *, ArrayAttr>> scratchpadAllocations() const {
    return allocations;
  }

  /// Opens the layer-table entry of `op` (its ONNX node, op type and
  /// shapes); the instructions emitted next belong to it.
  void beginLayer(Operation *op);
  /// Records the current layer's tile sizes (elements) for reports.
  void noteTiles(ArrayRef<std::pair<StringRef, int64_t>> tiles);
  void noteTiles(DictionaryAttr tiles);
  /// Records the current layer's MAC weight tiles for reports: of `w`'s,
  /// how many are non-zero, and the tile-steps of the dense schedule that
  /// were not issued (`skipped`).
  void noteWeightBlocks(const WeightBlocks &w, int64_t skipped) {
    int64_t total = int64_t(w.nonZero.size());
    currentLayer.setWeightBlocksAttr(b.getDictionaryAttr(
        {b.getNamedAttr("nonzero",
                        b.getI64IntegerAttr(int64_t(w.nonZero.count()))),
         b.getNamedAttr("skipped", b.getI64IntegerAttr(skipped)),
         b.getNamedAttr("total", b.getI64IntegerAttr(total))}));
  }
  /// Values kept on chip (docs/codegen.md, "Values kept on chip"): the
  /// first step of cascading. Given the scratchpad bytes each layer's
  /// lowering uses (`highWater`, by the layer's first op), marks
  /// intermediate values that fit above the high-water mark of every layer
  /// from their producer to their last reader as `npu.on_chip = OFFSET`,
  /// greedily by the DRAM bytes they save, so the plan (planDram) gives
  /// them no DRAM and their loads and stores become copies inside the
  /// scratchpad. Values returned, read by a host op, or alive across one
  /// stay in DRAM. With `shrinkFlexible` false every layer counts at its
  /// full size. True when some layer must make do with less scratchpad than
  /// its lowering used (then a lowering should check the choice).
  FailureOr<bool>
  keepOnChip(const llvm::DenseMap<Operation *, int64_t> &highWater,
             bool shrinkFlexible = true);
  /// The scratchpad bytes left to the layer from op index `first` to `last`
  /// by the values kept on chip alive then: where the lowest of them
  /// starts, else the whole scratchpad.
  int64_t layerScratchpad(int64_t first, int64_t last) const;
  /// Creates the program's input, output and data ops from the plan.
  void materializePlan();
  /// Emits the tiles of one elementwise op: `operands` and `result` give
  /// the types, `srcOffsets` and `dstOffset` the DRAM placement.
  LogicalResult emitElementwise(Operation *op, ArrayRef<Value> operands,
                                ArrayRef<int64_t> srcOffsets, Value result,
                                int64_t dstOffset, const VecFunc &fn,
                                int64_t layer);

  /// The first and last op of `op`'s fusion group (`op` itself when it is
  /// in none): a fused layer runs from one to the other.
  Operation *groupFront(Operation *op) {
    auto g = groupOf.find(op);
    return g == groupOf.end() ? op : fusionGroups[g->second].front();
  }
  Operation *groupBack(Operation *op) {
    auto g = groupOf.find(op);
    return g == groupOf.end() ? op : fusionGroups[g->second].back();
  }
  /// Whether `op` gets instructions: it has the backend interface, a unit
  /// other than none, and a reader (the optimized phase removes dead ops).
  static bool runsCode(Operation *op) {
    auto backend = dyn_cast<BackendOpInterface>(op);
    return backend && backend.getExecutionUnit() != ExecutionUnit::none &&
           !op->use_empty();
  }
  /// Whether `v` is produced and consumed only inside one fusion group, so
  /// it never needs DRAM.
  bool isFusedInternal(Value v);
  LogicalResult emitFusedGroup(ArrayRef<Operation *> group, int64_t layer);
  /// A vector instruction's operand: scratchpad address and element
  /// strides (innermost first, 4 entries).
  struct VecOperand {
    int64_t addr;
    ArrayRef<int64_t> strides;
  };
  /// One vec.unary, vec.binary, vec.convert or vec.lut (as `fn` says) of
  /// element type `type` ("f32", "i32", "i8", "u8", "bool"; `dstType` and
  /// `src1Type` when the result's or src1's differs, as in a comparison's
  /// BOOL result or select's BOOL mask in src0) over `dims`, with `fn`'s
  /// scalars, in `layer`; no dependence flags. A LUT's src1 is its table's
  /// scratchpad address.
  Operation *emitVecStep(Location loc, const VecFunc &fn,
                         const VecOperand &src0, std::optional<VecOperand> src1,
                         const VecOperand &dst, ArrayRef<int64_t> dims,
                         StringRef type, int64_t layer, StringRef dstType = "",
                         StringRef src1Type = "");
  /// The INT32 accumulator tile from entry 0 (`strides` over `dims`, the
  /// channel along dims[0]) to FP32 at `dst` with the same strides, times
  /// scales[c] plus biases[c] (FP32 rows in the scratchpad, from the tile's
  /// first channel; `biases` a whole number of elements after `scales`):
  /// one vec.convert itof_affine (ISA v10), the bits of an itof, a mul and
  /// an add.
  /// With `scratchpadSums`, the INT32 tile is read from that scratchpad
  /// byte address instead (it may be `dst`: converted in place).
  SmallVector<Operation *>
  emitScaledReadout(Location loc, int64_t dst, ArrayRef<int64_t> dims,
                    ArrayRef<int64_t> strides, int64_t scales, int64_t biases,
                    int64_t layer,
                    std::optional<int64_t> scratchpadSums = std::nullopt);
  /// The INT32 tile from accumulator entry 0 (or the scratchpad byte
  /// address `scratchpadSums`), `strides` over `dims` with the channel along
  /// dims[0], requantized to `dstType` ("i8" or "u8") at `dst` with the same
  /// strides: one vec.requant, (x + bias[c]) * multiplier[c] >> shift[c] +
  /// zpOut, saturated, by the 12-byte {bias, multiplier, shift} rows at
  /// `params` (from the tile's first channel).
  Operation *
  emitRequantReadout(Location loc, int64_t dst, ArrayRef<int64_t> dims,
                     ArrayRef<int64_t> strides, int64_t params,
                     StringRef dstType, int64_t zpOut, int64_t layer,
                     std::optional<int64_t> scratchpadSums = std::nullopt);
  /// The INT32 tile from accumulator entry 0 (or the scratchpad byte
  /// address `scratchpadSums`), `strides` over `dims` with the channel along
  /// dims[0], plus row[c] (INT32 at the scratchpad byte address `row`, from
  /// the tile's first channel), as INT32 at `dst` with the same strides: one
  /// INT32 vec.binary add (the exact sums of ConvInteger and MatMulInteger,
  /// npu::int8ReadoutTable's INT32 row).
  Operation *
  emitSumsReadout(Location loc, int64_t dst, ArrayRef<int64_t> dims,
                  ArrayRef<int64_t> strides, int64_t row, int64_t layer,
                  std::optional<int64_t> scratchpadSums = std::nullopt);
  /// Emits a vector program, tiled and double-buffered like a single
  /// elementwise op (which is a program of one step).
  LogicalResult emitVectorProgram(Operation *op, const VectorProgram &p,
                                  int64_t layer);

  /// A dma_load or dma_store of a 4-D box (innermost first; strides in
  /// bytes) in `layer`, without dependence flags.
  template <typename DmaOpT>
  DmaOpT emitDma(Location loc, int64_t sram, int64_t dram, int64_t elemBytes,
                 ArrayRef<int64_t> sizes, ArrayRef<int64_t> dramStrides,
                 ArrayRef<int64_t> sramStrides, int64_t layer) {
    // A load or store of a value kept on chip: a copy inside the
    // scratchpad (expanding loads read constants, never such a value).
    constexpr bool canBeLocal = std::is_same_v<DmaOpT, npuisa::DmaLoadOp> ||
                                std::is_same_v<DmaOpT, npuisa::DmaStoreOp>;
    bool local = canBeLocal && dram >= kOnChipBase;
    if (local)
      dram -= kOnChipBase;
    auto op = DmaOpT::create(
        b, loc, TypeRange{}, ValueRange{},
        {b.getNamedAttr("sram", b.getI64IntegerAttr(sram)),
         b.getNamedAttr("dram", b.getI64IntegerAttr(dram)),
         b.getNamedAttr("elem_bytes", b.getI64IntegerAttr(elemBytes)),
         b.getNamedAttr("sizes", b.getDenseI64ArrayAttr(sizes)),
         b.getNamedAttr("dram_strides", b.getDenseI64ArrayAttr(dramStrides)),
         b.getNamedAttr("sram_strides", b.getDenseI64ArrayAttr(sramStrides))});
    op.setLayerAttr(b.getI64IntegerAttr(layer));
    if constexpr (canBeLocal)
      op.setLocal(local);
    return op;
  }

  /// Whether the first load of tile (or K-step) `step` pops a token: from
  /// step 2 on its buffers come back from the compute queue; the op's first
  /// load waits for the previous op's barrier.
  bool firstLoadWaits(int64_t step) const {
    return step >= 2 || (step == 0 && !firstOp);
  }

  /// The compute side of tile `i` of `n` (one load group, one store each):
  /// the first instruction takes the loads' token and, from tile 2 on, the
  /// store token freeing its output buffer; the last frees the input buffers
  /// for tile i+2 and hands the result to the store queue.
  void markTileCompute(ArrayRef<Operation *> program, int64_t i, int64_t n) {
    program.front()->setAttr("pop_prev", b.getUnitAttr());
    if (i >= 2)
      program.front()->setAttr("pop_next", b.getUnitAttr());
    if (i + 2 < n)
      program.back()->setAttr("push_prev", b.getUnitAttr());
    program.back()->setAttr("push_next", b.getUnitAttr());
  }

  /// The store of tile `i` of `n`: waits for the compute queue, then frees
  /// its buffer for tile i+2 or, after the last tile, signals the op's end.
  void markTileStore(npuisa::DmaStoreOp store, int64_t i, int64_t n) {
    store.setPopPrev(true);
    store.setPushPrev(i + 2 < n || i == n - 1);
  }

  /// Pure data movement: the compute queue only hands tile `i` of `n` from
  /// the load queue to the store queue (and recycles buffers).
  void emitHandOver(Location loc, int64_t i, int64_t n, int64_t layer) {
    auto hand = npuisa::SyncOp::create(
        b, loc, TypeRange{}, ValueRange{},
        {b.getNamedAttr("queue", b.getStringAttr("compute"))});
    markTileCompute({hand}, i, n);
    hand.setLayerAttr(b.getI64IntegerAttr(layer));
  }

  /// The op barrier after an op's last tile: the compute queue takes the
  /// last store's token and hands one to the next op's first load.
  void emitOpBarrier(Location loc) {
    auto sync = npuisa::SyncOp::create(
        b, loc, TypeRange{}, ValueRange{},
        {b.getNamedAttr("queue", b.getStringAttr("compute"))});
    sync.setPopNext(true);
    sync.setPushPrev(true);
    firstOp = false;
  }

  /// Emits a strided copy DRAM -> scratchpad -> DRAM: out element `idx`
  /// (row-major over `shape`) comes from `src + sum(idx * srcStrides)` and
  /// goes to `dst + sum(idx * dstStrides)` (element strides, element size
  /// `elemBytes`). Transpose, slice and concat are such copies. Its two
  /// tile buffers take half the scratchpad each, or with `oneChunkBuffers`
  /// no more than one chunk of this move needs: for a move that is its
  /// pass's only emitter (a run-time weight rearrangement before a
  /// convolution), so that a small one leaves the scratchpad above it to
  /// values kept on chip; moves that share a pass (the pieces of a pad or
  /// concat) must ask for the same buffer each time.
  LogicalResult emitMove(Operation *op, ArrayRef<int64_t> shape,
                         int64_t elemBytes, int64_t src,
                         ArrayRef<int64_t> srcStrides, int64_t dst,
                         ArrayRef<int64_t> dstStrides, int64_t layer,
                         bool oneChunkBuffers = false);
  LogicalResult emitDataMovement(Operation *op, int64_t layer);
  /// Constant padding (negative pads crop) as DMA loads whose padding the
  /// DMA fills, tiled along the outermost axis.
  LogicalResult emitPad(PadOp op, int64_t layer);
  /// Nearest Resize whose sampling is strided (integer up- or downscaling).
  LogicalResult emitResizeNearest(ResizeOp op, int64_t layer);
  /// A strided copy of `eb`-byte elements (1 or 4; emitMove's arguments,
  /// strides in elements) whose source strides are 0 on some axes
  /// (up-sampling repeats): each tile's distinct source elements loaded by
  /// DMA in dense rows, repeated into the output tile by one bit-exact
  /// vec.unary copy (stride 0 on the repeated axes; `vecType` lanes),
  /// stored in dense rows, so DRAM moves each input element once and whole
  /// runs of output rather than a beat per element. False (nothing
  /// emitted) when its tiles do not fit four scratchpad buffers or
  /// four-axis boxes.
  FailureOr<bool> emitExpandingCopy(Operation *op, int64_t eb,
                                    StringRef vecType, ArrayRef<int64_t> shape,
                                    int64_t src, ArrayRef<int64_t> srcStrides,
                                    int64_t dst, ArrayRef<int64_t> dstStrides,
                                    int64_t layer);
  /// Layer normalisation's operands beyond the input.
  struct NormParams {
    Value scale, bias; // bias may be null
    float epsilon;
  };
  /// Reductions (mean, max, min, sum), softmax and layer normalisation over
  /// the `reducedAxes` of `input` on the vector unit; `kind` "argmax",
  /// "argmin", "argmax_last" or "argmin_last" writes the indices along one
  /// reduced axis (FP32 or INT32 input; INT64 or INT32 result, as the
  /// result's type says) with vec.reduce's index functions.
  LogicalResult emitReduction(Operation *op, Value input,
                              ArrayRef<int64_t> reducedAxes, StringRef kind,
                              int64_t layer,
                              std::optional<NormParams> norm = std::nullopt);
  /// A sum, mean, max or min of `input` viewed as [kept][count] (row-major)
  /// over its inner axis, for `count` beyond one buffer of `limit` FP32
  /// elements: chunks of at most `limit` elements reduced one by one and
  /// combined (partial sums; a mean's chunks each scaled by 1/count).
  LogicalResult emitChunkedReduction(Operation *op, Value input, int64_t kept,
                                     int64_t count, StringRef kind,
                                     int64_t limit, int64_t layer);

  /// Emits an FP32 matmul on the MAC array: with a 2-D W, batch dims of A
  /// fold into M; a batched W gives one 2-D product per batch index.
  LogicalResult emitMatmul(MatMulOp op, int64_t layer);
  /// One 2-D product C[M,N] = A[M,K] x W[K,N] at the given DRAM offsets;
  /// the epilogue, if any, applied to each C tile (per-column operands
  /// along N), the stored value's elements `storeEb` bytes wide (1 when
  /// the epilogue ends in a quantize).
  LogicalResult emitMatmul2D(MatMulOp op, int64_t aBase, int64_t wBase,
                             int64_t cBase, int64_t M, int64_t N, int64_t K,
                             int64_t layer);

  /// Emits a 1-D or 2-D FP32 convolution (Convolution.cpp): per output tile
  /// and input-channel chunk, the NHWC input slab with its halo (zero
  /// padding by the DMA), the weights of every tap, and one matmul per tap
  /// whose A rows walk the slab with the convolution's strides; the bias is
  /// added on the way out of the accumulator.
  LogicalResult emitConv(ConvOp op, int64_t layer);
  /// Emits a 1-D or 2-D FP32 transposed convolution as one MAC pass per
  /// output phase (Convolution.cpp).
  LogicalResult emitConvTranspose(ConvTransposeOp op, int64_t layer);
  /// The stores of one output tile of a pass whose phases are channels
  /// (MacConv::phaseChannels): columns [m0, m0 + mt) of the [pixel][column]
  /// tile at scratchpad byte `sram` (elements of `eb` bytes), pixels
  /// (oy0 + [0, oht), ox0 + [0, owt)) of image `batch`, written into the
  /// NCHW output at DRAM byte `outBase`.
  SmallVector<Operation *>
  storePhases(Location loc, const MacConv &g, int64_t batch, int64_t m0,
              int64_t mt, int64_t oy0, int64_t oht, int64_t ox0, int64_t owt,
              int64_t sram, int64_t outBase, int64_t eb, int64_t layer);
  /// Emits a depthwise convolution (one input and one output channel per
  /// group) on the vector unit. FP32: per tap, a multiply of the NHWC
  /// slab's shifted view by the tap's per-channel weights, accumulated in
  /// place (vec.binary mac). INT8: one `vec.pool dot` per tile (the window's
  /// INT8 products summed in INT32), then the readout npu::int8ReadoutTable
  /// describes: vec.requant to INT8, or to FP32 scaled per channel
  /// (DepthwiseConvolution.cpp).
  LogicalResult emitDepthwiseConv(ConvOp op, const MacConv &g, int64_t layer);
  /// The value a convolution's tiles are stored as: its result, or the last
  /// result of its epilogue.
  Value storedResult(Operation *op) {
    return epilogue.empty() ? op->getResult(0) : epilogue.back()->getResult(0);
  }
  /// Appends the epilogue's vector instructions over an output tile of
  /// `dims` at `addr` (element strides `strides`, channels along dim 0,
  /// the tile's first channel `channel0`) to `program`: values computed
  /// inside it go to `temps` (tile-sized buffers), the last result to
  /// `addr`, per-channel and scalar operands are read from `consts`
  /// (loaded by loadEpilogueOperands), a residual from `residual` (the
  /// tile's box, loaded by loadResidualTile: the tile's strides).
  /// An epilogue ending in npu.quantize writes its INT8 result to
  /// `quantDst` (dense, the tile's strides) instead of `addr`.
  void emitEpilogue(int64_t addr, ArrayRef<int64_t> dims,
                    ArrayRef<int64_t> strides, int64_t channel0, int64_t temps,
                    int64_t tileBytes, int64_t consts, int64_t layer,
                    SmallVectorImpl<Operation *> &program,
                    int64_t quantDst = -1, int64_t residual = -1);
  /// Loads the epilogue's residual box for one output tile into `sram`:
  /// the store's box (`sizes` and the scratchpad strides `sramStrides`, in
  /// bytes, innermost first) read from the residual's DRAM at FP32 element
  /// `outOffset` with `dramStrides`. Null when the epilogue has no residual.
  Operation *loadResidualTile(Location loc, int64_t sram, int64_t outOffset,
                              ArrayRef<int64_t> sizes,
                              ArrayRef<int64_t> dramStrides,
                              ArrayRef<int64_t> sramStrides, int64_t layer);
  /// Loads the NHWC input slab of channels [channel, channel + ct)
  /// (`channel` counts over batch and groups) for the window starting at
  /// input (iz0, iy0, ix0) of g.spanZ x ihs x iws pixels, what lies outside
  /// the input padding (by the DMA): zeros, or for INT8 (eb = 1) the
  /// input's zero point `padValue`, the code of real 0.
  npuisa::DmaLoadOp emitSlabLoad(Location loc, int64_t sram, int64_t inBase,
                                 const MacConv &g, int64_t channel, int64_t ct,
                                 int64_t iz0, int64_t iy0, int64_t ix0,
                                 int64_t ihs, int64_t iws, int64_t layer,
                                 int64_t eb = 4, int64_t padValue = 0);
  /// Loads what a convolution reads once, with its first step: the bias
  /// (all `channels`, if any) to `biasBuf` and the epilogue's operands to
  /// `consts`; returns the last load (or `last`).
  Operation *loadOnceOperands(Location loc, Value bias, int64_t biasBuf,
                              int64_t channels, int64_t consts, int64_t layer,
                              Operation *last);
  /// Loads the epilogue's per-channel and scalar operands to `consts`;
  /// returns the last load (or `last` when there is none).
  Operation *loadEpilogueOperands(Value convResult, int64_t consts,
                                  int64_t layer, Operation *last);
  /// Emits one convolution pass (its own op barrier at the end); the bias,
  /// if any, is added on the way out of the accumulator. Several `passes`
  /// (a transposed convolution's output phases, sharedSlabs) run in one
  /// tile loop, each tile's phases innermost, so that they read the input
  /// slab the first phase loaded (each phase loads the weight chunk again:
  /// a step loads something, ChunkCopies).
  /// With `followRecorded` false, the op's recorded tiles (`npu.tiles`)
  /// are not this pass's: its tiles are chosen here.
  /// With `rowPhaseWeights` (pass B's weights, >= 0), `passes` are a
  /// phase-packed convolution's pass A and pass B sharing their slabs as
  /// `rowShare` says (rowPhaseShare of pass A's tiles): one tile loop over
  /// pass A's spatial tiles, each slab read by pass A's channel tiles and
  /// then by pass B's tile of half the rows.
  LogicalResult emitMacConv(Operation *op, ArrayRef<MacConv> passes,
                            int64_t wBase, Value bias, int64_t layer,
                            bool followRecorded = true,
                            int64_t rowPhaseWeights = -1,
                            const RowPhaseShare *rowShare = nullptr);
  /// The tiles emitMacConv takes for pass `g` (the recorded ones when
  /// `followRecorded`).
  FailureOr<ConvTiles> macConvTiles(Operation *op, const MacConv &g,
                                    bool followRecorded);
  /// Emits a phase-packed convolution (phasePackConv): pass A and pass B
  /// in one tile loop sharing the input slabs (PhasePack::sharedSlabs,
  /// rowPhaseShare), else pass A, then pass B, each its own tile loop. The
  /// op's recorded tiles are its first pass's; the layer's tiles name pass
  /// B's with a `phase_` prefix.
  LogicalResult emitPhasePackedConv(ConvOp op, const PhasePack &p,
                                    int64_t layer);
  /// The epilogue the fusion groups give `op` (the rest of the group it
  /// leads; empty when it leads none).
  ArrayRef<Operation *> epilogueOf(Operation *op);
  /// phasePackConv of `op` with its fusion group's epilogue on the whole
  /// scratchpad (the DRAM plan and the emitter decide alike), computed
  /// once; null when it runs as a plain convolution.
  const PhasePack *phasePackOf(ConvOp op);
  /// Rearranges run-time weights into the MAC array's order with a DMA
  /// pass: `shape` is the target order [g][KH][KW][C/g][M/g], `srcStrides`
  /// the source's element strides along it.
  LogicalResult emitWeightRearrangement(Operation *op, Value weight,
                                        ArrayRef<int64_t> shape,
                                        ArrayRef<int64_t> srcStrides,
                                        int64_t layer);
  /// Emits a host op (Host.cpp): a host segment over its planned buffers.
  LogicalResult emitHostOp(HostOp op, int64_t layer);
  /// Emits max or average pooling (Pooling.cpp) on the vector unit.
  LogicalResult emitPool(Operation *op, int64_t layer);

private:
  ModuleOp module;
  func::FuncOp func;
  /// The target with its whole scratchpad.
  const rt::TargetDesc fullTarget;
  /// The target as the layer being emitted sees it: its scratchpad ends
  /// where the lowest value kept on chip alive during the layer starts
  /// (layerScratchpad), so lowerings that size their buffers by the
  /// scratchpad (vector programs, data movement, reductions) leave those
  /// values alone. `target` refers to it.
  rt::TargetDesc layerTarget;
  const rt::TargetDesc &target;
  /// phasePackOf's decisions.
  llvm::DenseMap<Operation *, std::optional<PhasePack>> phasePacks;
  OpBuilder b;
  npuisa::ProgramOp program;
  npuisa::LayerOp currentLayer;
  SmallVector<SmallVector<Operation *>> fusionGroups;
  /// The unary ops fused after the convolution being emitted: applied in
  /// place to each output tile, the last one's result stored.
  SmallVector<Operation *> epilogue;
  Value epilogueSource; // the convolution result the epilogue reads
  llvm::DenseMap<Operation *, int64_t> groupOf;
  llvm::DenseMap<Value, Buffer> buffers;
  /// The values kept on chip (planDram): scratchpad bytes [offset, offset +
  /// bytes) from the producer's op index `first` to the last reader's
  /// `last` (indices into @main's body, `opIndex`).
  struct OnChipValue {
    Value value;
    int64_t offset, bytes, first, last;
  };
  SmallVector<OnChipValue> onChip;
  llvm::DenseMap<Operation *, int64_t> opIndex;
  /// Convolution (and transposed convolution) weights rearranged to
  /// [group][KH][KW][C/group][M/group], keyed by the op.
  llvm::DenseMap<Operation *, Buffer> convWeights;
  /// The ops' constant tables (BackendOpInterface::getConstantTables), by
  /// op and role.
  llvm::DenseMap<std::pair<Operation *, StringRef>, Buffer> tables;
  SmallVector<std::pair<Value, Buffer>> copies; // (value, output buffer)
  struct TensorPlacement {
    std::string name;
    Buffer buffer;
    Type type;
    ElementsAttr frozenValue = {}; ///< Inputs frozen by --input-value.
    bool dynamicShape = false;     ///< Outputs of data-dependent shape.
  };
  SmallVector<TensorPlacement> inputs, outputs;
  /// Constant bytes to place: (location, DRAM offset, value).
  SmallVector<std::tuple<Location, int64_t, ElementsAttr>> constants;
  int64_t arenaBytes = 0, arenaLowerBound = 0;
  int64_t dramSize = 0;
  bool firstOp = true;
  /// The scratchpad of the layer being emitted.
  struct {
    Operation *anchor = nullptr;
    ArrayAttr recorded;             ///< followed when set
    SmallVector<Attribute> buffers; ///< what was asked for
    int64_t cursor = 0, pass = 0;
    bool failed = false;
  } sp;
  SmallVector<std::pair<Operation *, ArrayAttr>> allocations;
};

} // namespace npu::codegen

#endif // NPU_CONVERSION_NPUTONPUISA_CODEGEN_H
