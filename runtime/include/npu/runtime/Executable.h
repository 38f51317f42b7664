//===- Executable.h - loading and building .npubin files --------*- C++ -*-===//

#ifndef NPU_RUNTIME_EXECUTABLE_H
#define NPU_RUNTIME_EXECUTABLE_H

#include "npu/runtime/HostKernels.h"
#include "npu/runtime/Isa.h"
#include "npu/runtime/Target.h"
#include "npu/runtime/npubin_generated.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace npu::rt {

/// Container format version of the `.npubin` (bumped when the schema changes
/// incompatibly; the ISA has its own kIsaVersion).
inline constexpr uint32_t kFormatVersion = 4;

/// Size in bytes of one element of `type`.
uint32_t elementBytes(bin::ElementType type);
const char *elementTypeName(bin::ElementType type);

/// The element type of an ONNX TensorProto data type code (onnx.proto's
/// TensorProto.DataType: 1 FLOAT, 2 UINT8, 3 INT8, 4 UINT16, 5 INT16,
/// 6 INT32, 7 INT64, 9 BOOL, 10 FLOAT16, 11 DOUBLE, 12 UINT32, 13 UINT64,
/// 16 BFLOAT16); nullopt for strings, complex and float8 types.
std::optional<bin::ElementType> elementTypeOfOnnx(int32_t dtype);

/// "[1,3,48,192]": how the tools print shapes.
std::string shapeString(const std::vector<int64_t> &shape);

/// A graph input or output as the runtime sees it.
struct TensorSpec {
  std::string name;
  std::vector<int64_t> shape;
  bin::ElementType type = bin::ElementType::F32;
  bin::Layout layout = bin::Layout::Dense;
  uint32_t dramOffset = 0;
  uint32_t sizeBytes = 0;
  std::vector<float> scale; ///< Quantization, empty when float.
  std::vector<int32_t> zeroPoint;
  int32_t quantAxis = -1;
  /// Inputs frozen at compile time: the only contents the input accepts
  /// (sizeBytes bytes); empty otherwise.
  std::vector<uint8_t> frozen;
  /// Outputs of data-dependent shape (a host op's, made in place): `shape`
  /// is the bound, the run reports the actual one (Emulator::outputShape).
  bool dynamicShape = false;
};

struct LayerInfo {
  std::string name, op;
  bool host = false; ///< The layer is a host op (runs on the CPU).
  /// Pruning-aware layers (docs/codegen.md, "Sparse weights"): their MAC
  /// weight tiles, the non-zero ones (at most weightTiles), and the
  /// tile-steps of the dense schedule their program does not issue; all 0
  /// for other layers.
  uint32_t weightTiles = 0, nonzeroWeightTiles = 0;
  uint64_t macBlocksSkipped = 0;
  /// Of the MACs the layer's matmuls execute, those over zero weights the
  /// compiler inserted (docs/codegen.md, "Remainder channels as row
  /// phases"): array work (energy, busy cycles), not the model's MACs.
  uint64_t paddingMacs = 0;
};

/// A DRAM byte range [begin, end).
struct DramRange {
  uint64_t begin = 0, end = 0;
};

/// An ONNX node run by the host CPU (bin::HostOp, verified): its kernel, the
/// node, and its operands, dense row-major tensors in DRAM.
struct HostOpSpec {
  struct Operand {
    bool present = true;
    bin::ElementType type = bin::ElementType::F32;
    std::vector<int64_t> shape;
    uint64_t dramOffset = 0; ///< Bytes.
    uint64_t sizeBytes = 0;
    /// A value of data-dependent shape: `shape` is its bound. On an
    /// output of a bounded kernel (HostKernel::bound) or of a host op that
    /// reads such a value, the run records the actual shape; on an input,
    /// the run reads the shape recorded by the earlier host op that made
    /// it (docs/heterogeneous.md, "Data-dependent shapes").
    bool dynamicShape = false;
  };
  const HostKernel *kernel = nullptr; ///< Set by the loader.
  HostNode node;
  uint32_t layer = 0;
  std::vector<Operand> inputs, outputs;
};

/// The DRAM bytes a dma.load or dma.store of `d` at `dram` touches: from
/// `dram` to its last element (empty for an empty box). For a local DMA
/// (isLocalDma), the same scratchpad bytes.
DramRange dmaRange(const bin::DmaDesc &d, uint64_t dram);

/// Sorts and coalesces `ranges` in place (overlapping or touching ranges
/// merged), dropping empty ones.
void coalesceRanges(std::vector<DramRange> &ranges);

/// The far side of one DMA instruction: the bytes a dma.load or
/// dma.expand[.elem] reads or a dma.store writes, in DRAM or, for a local
/// DMA (ISA v9), in the scratchpad.
struct DmaAccess {
  DramRange range;
  bool write = false; ///< dma.store
  bool local = false; ///< the range is scratchpad bytes
};

/// One step of the program (bin::Segment, verified): a range of NPU
/// instructions or one host op, with the DRAM bytes it reads and writes
/// (sorted, disjoint ranges; local DMAs touch none), from which the timing
/// model derives what it must wait for.
struct SegmentSpec {
  int32_t hostOp = -1;           ///< >= 0: index into hostOps().
  uint32_t first = 0, count = 0; ///< NPU segments: instructions.
  std::vector<DramRange> reads, writes;
  bool isHost() const { return hostOp >= 0; }
};

/// A verified executable. Construct with `load`; every field has been checked
/// against bounds, so the emulator can index descriptors and layers freely
/// (it still bounds-checks every memory access, which depends on run-time
/// addresses).
class Executable {
public:
  /// Verifies `bytes` (FlatBuffers verifier, identifier, format and ISA
  /// versions, target, tensors, constants, instructions, descriptor and layer
  /// references) and returns the executable, or null with one line in
  /// `error`. `target`, when given, must match the file's target.
  static std::unique_ptr<Executable> load(std::vector<uint8_t> bytes,
                                          const TargetDesc *target,
                                          std::string &error);
  /// As `load`, reading `path` (refusing files over 2 GiB).
  static std::unique_ptr<Executable> loadFile(const std::string &path,
                                              const TargetDesc *target,
                                              std::string &error);

  const TargetDesc &target() const { return *target_; }
  const std::vector<Instruction> &instructions() const { return insns_; }
  const std::vector<TensorSpec> &inputs() const { return inputs_; }
  const std::vector<TensorSpec> &outputs() const { return outputs_; }
  const std::vector<LayerInfo> &layers() const { return layers_; }
  const std::vector<HostOpSpec> &hostOps() const { return hostOps_; }
  /// Never empty: an executable without host ops is one NPU segment.
  const std::vector<SegmentSpec> &segments() const { return segments_; }
  const bin::DmaDesc &dma(size_t i) const { return *fb_->dma_descs()->Get(i); }
  /// `insn`'s DmaAccess; nullopt for an instruction that is not a DMA.
  std::optional<DmaAccess> dmaAccess(const Instruction &insn) const;
  const bin::MatmulDesc &matmul(size_t i) const {
    return *fb_->matmul_descs()->Get(i);
  }
  const bin::VectorDesc &vector(size_t i) const {
    return *fb_->vector_descs()->Get(i);
  }
  size_t numDma() const { return size(fb_->dma_descs()); }
  size_t numMatmul() const { return size(fb_->matmul_descs()); }
  size_t numVector() const { return size(fb_->vector_descs()); }
  uint64_t dramSize() const { return fb_->dram_size(); }
  uint32_t constantsOffset() const { return fb_->constants_offset(); }
  const uint8_t *constants() const {
    return fb_->constants() ? fb_->constants()->data() : nullptr;
  }
  size_t constantsSize() const { return size(fb_->constants()); }
  std::string producer() const {
    return fb_->producer() ? fb_->producer()->str() : "";
  }
  const bin::Executable &flatbuffer() const { return *fb_; }

private:
  template <typename V> static size_t size(const V *v) {
    return v ? v->size() : 0;
  }
  bool verify(const TargetDesc *target, std::string &error);
  bool verifyHostOps(std::string &error);
  bool verifyDynamicShapes(std::string &error);
  bool verifySegments(std::string &error);

  std::vector<uint8_t> bytes_;
  const bin::Executable *fb_ = nullptr;
  const TargetDesc *target_ = nullptr;
  std::vector<Instruction> insns_;
  std::vector<TensorSpec> inputs_, outputs_;
  std::vector<LayerInfo> layers_;
  std::vector<HostOpSpec> hostOps_;
  std::vector<SegmentSpec> segments_;
};

/// Builds `.npubin` files: the API the compiler's emitter and hand-written
/// test programs share. Descriptors, constants and layers are appended and
/// referred to by the index or address returned.
class ProgramBuilder {
public:
  explicit ProgramBuilder(const TargetDesc &target);

  uint16_t addDma(const bin::DmaDesc &desc);
  uint16_t addMatmul(const bin::MatmulDesc &desc);
  uint16_t addVector(const bin::VectorDesc &desc);
  uint16_t addLayer(const std::string &name, const std::string &op);
  /// Records layer `id`'s weight tiles (LayerInfo).
  void setLayerWeightTiles(uint16_t id, uint32_t tiles, uint32_t nonzero,
                           uint64_t skipped);
  /// Records layer `id`'s padding MACs (LayerInfo::paddingMacs).
  void setLayerPaddingMacs(uint16_t id, uint64_t macs);
  /// Ends the current NPU segment (when it has instructions) and appends a
  /// host segment running `op` (its `kernel` is ignored). The instructions
  /// emitted next start a new NPU segment. Returns the host op's index.
  uint32_t addHostOp(const HostOpSpec &op);
  /// Appends `size` bytes to the constant segment (64-byte aligned) and
  /// returns their DRAM address.
  uint32_t addConstant(const void *data, size_t size);
  /// Writes `size` bytes at DRAM address `dram` inside the constant segment,
  /// which starts at `constantsOffset` and grows as needed (gaps are zero).
  /// False when `dram` lies before the segment.
  bool placeConstant(uint32_t dram, const void *data, size_t size);
  void addInput(const TensorSpec &spec) { inputs_.push_back(spec); }
  void addOutput(const TensorSpec &spec) { outputs_.push_back(spec); }
  /// Total DRAM the program addresses; the constant segment is placed at
  /// `constantsOffset` (default 0) inside it.
  void setDramSize(uint64_t bytes) { dramSize_ = bytes; }
  void setConstantsOffset(uint32_t offset) { constantsOffset_ = offset; }
  void setProducer(std::string name, std::string version) {
    producer_ = std::move(name);
    producerVersion_ = std::move(version);
  }
  /// Appends an instruction (program order) and returns its index.
  size_t emit(const Instruction &insn) {
    insns_.push_back(insn);
    return insns_.size() - 1;
  }
  Instruction &instruction(size_t index) { return insns_[index]; }
  size_t size() const { return insns_.size(); }

  /// Serialises the executable, appending `end` if the stream lacks it.
  std::vector<uint8_t> finish();

private:
  const TargetDesc &target_;
  std::vector<bin::DmaDesc> dma_;
  std::vector<bin::MatmulDesc> matmul_;
  std::vector<bin::VectorDesc> vector_;
  std::vector<LayerInfo> layers_;
  std::vector<uint8_t> constants_;
  std::vector<TensorSpec> inputs_, outputs_;
  std::vector<Instruction> insns_;
  std::vector<HostOpSpec> hostOps_;
  /// (host op or -1, first instruction, count), in program order.
  std::vector<SegmentSpec> segments_;
  size_t segmentStart_ = 0; ///< First instruction of the open NPU segment.
  uint64_t dramSize_ = 0;
  uint32_t constantsOffset_ = 0;
  std::string producer_ = "npu-runtime", producerVersion_;
};

/// Instruction construction helpers for the common cases. `layer` is
/// kNoLayer when the instruction belongs to no layer. Each returns an
/// instruction with no dependence flags; set them with `withDeps`.
///
/// `local` sets the ISA v9 Local bit of dma.load and dma.store: `dram` is
/// then a scratchpad byte address, and the DMA copies inside the scratchpad
/// (a load from `dram` to `sram`, a store from `sram` to `dram`, with the
/// descriptor's DRAM strides on the `dram` side).
Instruction makeDmaLoad(uint16_t desc, uint32_t sram, uint32_t dram,
                        uint32_t layer = kNoLayer, bool local = false);
Instruction makeDmaStore(uint16_t desc, uint32_t sram, uint32_t dram,
                         uint32_t layer = kNoLayer, bool local = false);
/// A dma.load or dma.store with the Local bit set (ISA v9): it copies
/// inside the scratchpad and touches no DRAM.
inline bool isLocalDma(const Instruction &insn) {
  return (insn.opcode() == Opcode::DmaLoad &&
          insn.get(FieldId::DmaLoad_Local)) ||
         (insn.opcode() == Opcode::DmaStore &&
          insn.get(FieldId::DmaStore_Local));
}
/// A `dma.expand` of the `bytes`-byte block image at `dram` (ISA v3).
Instruction makeDmaExpand(uint16_t desc, uint32_t sram, uint32_t dram,
                          uint32_t bytes, uint32_t layer = kNoLayer);
/// A `dma.expand.elem` of the `bytes`-byte element image at `dram` (ISA v6).
Instruction makeDmaExpandElem(uint16_t desc, uint32_t sram, uint32_t dram,
                              uint32_t bytes, uint32_t layer = kNoLayer);
/// dma.expand or dma.expand.elem (their fields sit at the same bits: read
/// either with the FieldId::DmaExpand_* ids).
inline bool isExpand(Opcode op) {
  return op == Opcode::DmaExpand || op == Opcode::DmaExpandElem;
}
Instruction makeMatmul(uint16_t desc, uint32_t a, uint32_t w, uint32_t acc,
                       bool fp32, bool accumulate, bool sparse,
                       uint32_t layer = kNoLayer);
/// Any vector op; fields the opcode lacks (e.g. src1 of vec.unary) must be 0.
Instruction makeVector(Opcode op, uint16_t desc, uint8_t func, uint32_t src0,
                       uint32_t src1, uint32_t dst, uint32_t layer = kNoLayer);
Instruction makeSync(Queue queue);
Instruction makeEnd();
/// Sets the four dependence flags.
Instruction withDeps(Instruction insn, bool popPrev, bool popNext,
                     bool pushPrev, bool pushNext);

/// Bytes of the block mask that starts a block-sparse matmul's W (the
/// `sparse` flag): one bit per R x C weight tile of the K x N operand (bit
/// b = kb * ceil(N / C) + nb, LSB first, 1: present), padded to 16 bytes;
/// the present tiles follow it, R x C row-major each, edges zero-padded.
inline uint64_t sparseMaskBytes(uint64_t weightTiles) {
  return ((weightTiles + 7) / 8 + 15) / 16 * 16;
}

/// How `dma.expand` cuts its descriptor's box (sizes[0] columns by sizes[1]
/// rows, sizes[2] x sizes[3] such planes) into R x C tiles (the target's
/// array_rows x array_cols): `rowBlocks` = ceil(rows / R) by `colBlocks` =
/// ceil(columns / C) per plane, block b = (plane * rowBlocks + kb) *
/// colBlocks + nb. The image at the instruction's Dram is the mask
/// (sparseMaskBytes(blocks) bytes, bit b of byte b / 8: present) followed by
/// the present blocks in order, `blockBytes` each (R x C elements
/// row-major, zero past the box's edges): the block-sparse W layout, plane
/// after plane.
///
/// dma.expand.elem (ISA v6) starts with the same block mask, unpadded
/// (`elementBlockMaskBytes` = ceil(blocks / 8) bytes), and each present
/// block is then its element mask (`elementMaskBytes` = ceil(R * C / 8)
/// bytes, bit e = r * C + c of byte e / 8, LSB first, 1: non-zero; no bit
/// set past the box's edges) followed by the elements whose bit is set, in
/// that order, `elemBytes` each: the weight mask bits and packed non-zero
/// weights of NVDLA's weight compression (NVDLA hardware architecture
/// document, "Weight compression"), per MAC-array tile.
struct ExpandGeometry {
  uint64_t rowBlocks = 0, colBlocks = 0, planes = 0;
  uint64_t blocks = 0, maskBytes = 0, blockBytes = 0;
  uint64_t tileRows = 0, tileCols = 0, elemBytes = 0, elementMaskBytes = 0;
  uint64_t elementBlockMaskBytes = 0;
  uint64_t boxRows = 0, boxCols = 0; ///< sizes[1], sizes[0]
  /// The image's size when `present` blocks are present.
  uint64_t imageBytes(uint64_t present) const {
    return maskBytes + present * blockBytes;
  }
};
ExpandGeometry expandGeometry(const bin::DmaDesc &desc, uint32_t rows,
                              uint32_t cols);

/// The present blocks of a mask of `geometry` (`mask` holds
/// geometry.maskBytes bytes), or nullopt when a bit past the last block is
/// set.
std::optional<uint64_t> countPresentBlocks(const ExpandGeometry &geometry,
                                           const uint8_t *mask);

/// Checks the `bytes`-byte element image (dma.expand.elem) at `image` of
/// `geometry`: its block mask sets no bit past the last block, and the
/// present blocks' element masks and elements account for exactly `bytes`
/// bytes, with no element bit past the box's edges. Reads nothing past
/// image + bytes. Returns "" or why not (one line).
std::string checkElementImage(const ExpandGeometry &geometry,
                              const uint8_t *image, uint64_t bytes);

/// Decodes block (kb, nb) of an element image from `p` (the block's element
/// mask; `end` bounds the image) into `tile` (tileRows x tileCols elements,
/// row-major, zero where the mask's bit is clear). Returns the position
/// after the block, or nullptr when it would read past `end`. The image must
/// have passed checkElementImage.
const uint8_t *decodeElementTile(const ExpandGeometry &geometry,
                                 const uint8_t *p, const uint8_t *end,
                                 uint8_t *tile);

/// Compresses `dense`, the box of `desc` stored densely (row-major planes,
/// `desc.elem_bytes()` per element), into its dma.expand image for R x C
/// blocks: blocks whose bytes are all zero are left out.
std::vector<uint8_t> compressBlocks(const bin::DmaDesc &desc, uint32_t rows,
                                    uint32_t cols, const uint8_t *dense);
/// The same box's dma.expand.elem image: blocks whose bytes are all zero
/// are left out; in the others an element is left out when all its bytes
/// are zero (so -0.0 is kept, and the expansion is bit-exact).
std::vector<uint8_t> compressElements(const bin::DmaDesc &desc, uint32_t rows,
                                      uint32_t cols, const uint8_t *dense);

} // namespace npu::rt

#endif // NPU_RUNTIME_EXECUTABLE_H
