//===- Emulator.cpp - functional and timing model of the NPU -------------===//
//
// Scheduling: the stream is split by queue (load, compute, store); each queue
// runs its instructions in order, one at a time. At every step the emulator
// picks, among the queue heads whose dependence tokens are available, the
// one that can start earliest, executes it functionally, and advances time.
// Functional effects therefore happen in the same order as the timing model
// says, and a program whose tokens leave a race still runs deterministically.
//
// Memory safety: before any access the extent of the whole access pattern is
// computed in 64-bit arithmetic and checked against the memory's size, so the
// inner loops need no per-element checks.
//
//===----------------------------------------------------------------------===//

#include "npu/runtime/Emulator.h"
#include "npu/runtime/Timing.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <limits>
#include <optional>
#include <sys/mman.h>
#include <type_traits>
#include <unistd.h>
#include <utility>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace npu::rt {

/// Adds the NPU's energy for these counts to `split` (the one formula for
/// layers and totals): MACs by type, lane operations by width (INT8, INT32,
/// FP32), scratchpad bytes, DRAM bytes.
static void addNpuEnergy(EnergySplit &split, const EnergyModel &e,
                         uint64_t macsInt8, uint64_t macsFp32,
                         const std::array<uint64_t, 3> &laneOps,
                         uint64_t sramBytes, uint64_t dramBytes) {
  split.macPj += macsInt8 * e.int8MacPj + macsFp32 * e.fp32MacPj;
  split.vectorPj += laneOps[0] * e.int8LaneOpPj + laneOps[1] * e.int32LaneOpPj +
                    laneOps[2] * e.fp32LaneOpPj;
  split.sramPj += sramBytes * e.sramBytePj;
  split.dramPj += dramBytes * e.dramBytePj;
}

const char *unitName(Unit unit) {
  switch (unit) {
  case Unit::DmaLoad:
    return "dma.load";
  case Unit::DmaStore:
    return "dma.store";
  case Unit::Mac:
    return "mac";
  case Unit::Vector:
    return "vector";
  case Unit::Host:
    return "host";
  case Unit::None:
    return "none";
  }
  return "?";
}

namespace {

uint64_t ceilDiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

/// [lo, hi) byte extent of `base + sum_i idx_i * stride_i` over
/// 0 <= idx_i < count_i, plus `elemBytes`. Empty when any count is 0.
struct Extent {
  int64_t lo = 0, hi = 0;
  bool empty = true;
};

Extent extentOf(int64_t base, const int64_t *counts, const int64_t *strides,
                int n, int64_t elemBytes) {
  Extent e;
  for (int i = 0; i < n; ++i)
    if (counts[i] <= 0)
      return e;
  e.empty = false;
  // In 128 bits: a hostile descriptor's spans (a 2^32-element window count
  // times a 2^34-byte stride, several of them) overflow 64; the bounds are
  // then saturated, out of any memory either way.
  __int128 lo = base, hi = base;
  for (int i = 0; i < n; ++i) {
    __int128 span = __int128(counts[i] - 1) * strides[i];
    (span < 0 ? lo : hi) += span;
  }
  hi += elemBytes;
  auto saturate = [](__int128 v) {
    return int64_t(std::clamp<__int128>(v, INT64_MIN, INT64_MAX));
  };
  e.lo = saturate(lo);
  e.hi = saturate(hi);
  return e;
}

bool inBounds(const Extent &e, size_t size) {
  return e.empty || (e.lo >= 0 && e.hi <= int64_t(size));
}

/// Whether two extents share a byte (an empty one shares none).
bool overlaps(const Extent &a, const Extent &b) {
  return !a.empty && !b.empty && a.lo < b.hi && b.lo < a.hi;
}

std::string rangeString(const Extent &e) {
  return "[" + std::to_string(e.lo) + ", " + std::to_string(e.hi) + ")";
}

/// Copies `n` elements of `EB` bytes, `srcStep` and `dstStep` bytes apart,
/// in ascending order (the two memories are distinct, DRAM and scratchpad,
/// or for a local DMA disjoint extents of the scratchpad).
template <int64_t EB>
void copyStrided(uint8_t *dst, int64_t dstStep, const uint8_t *src,
                 int64_t srcStep, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    std::memcpy(dst + i * dstStep, src + i * srcStep, EB);
}

/// One row of a DMA box: `n` elements of `eb` bytes. Dense rows are one
/// memcpy; strided rows (transposing boxes) copy element by element with the
/// element size known to the compiler.
void copyElements(uint8_t *dst, int64_t dstStep, const uint8_t *src,
                  int64_t srcStep, int64_t n, int64_t eb) {
  if (n <= 0)
    return;
  if (dstStep == eb && srcStep == eb)
    std::memcpy(dst, src, size_t(n * eb));
  else if (eb == 4)
    copyStrided<4>(dst, dstStep, src, srcStep, n);
  else if (eb == 1)
    copyStrided<1>(dst, dstStep, src, srcStep, n);
  else if (eb == 2)
    copyStrided<2>(dst, dstStep, src, srcStep, n);
  else
    for (int64_t i = 0; i < n; ++i)
      std::memcpy(dst + i * dstStep, src + i * srcStep, size_t(eb));
}

/// Writes the `eb`-byte pattern `value` to `n` elements, `step` bytes apart.
void fillElements(uint8_t *dst, int64_t step, const uint8_t *value, int64_t n,
                  int64_t eb) {
  if (eb == 4)
    copyStrided<4>(dst, step, value, 0, n);
  else if (eb == 1)
    copyStrided<1>(dst, step, value, 0, n);
  else
    for (int64_t i = 0; i < n; ++i)
      std::memcpy(dst + i * step, value, size_t(eb));
}

template <typename T> T load(const uint8_t *p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}
template <typename T> void store(uint8_t *p, T v) {
  std::memcpy(p, &v, sizeof(T));
}

float loadF32(const uint8_t *p) {
  float v;
  std::memcpy(&v, p, 4);
  return v;
}
int32_t loadI32(const uint8_t *p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
void storeF32(uint8_t *p, float v) { std::memcpy(p, &v, 4); }
void storeI32(uint8_t *p, int32_t v) { std::memcpy(p, &v, 4); }

int32_t saturate32(int64_t v) {
  return int32_t(std::clamp<int64_t>(v, INT32_MIN, INT32_MAX));
}

/// vec.convert ftoi (Isa.def): truncated toward zero, NaN 0, beyond INT64
/// saturated, then wrapped to 32 bits, as the host CPU's Cast kernel
/// converts (HostKernels/Common.h, convert).
int32_t floatToInt32(float v) {
  double d = std::trunc(double(v));
  int64_t i = std::isnan(d)                ? 0
              : d >= 9223372036854775808.0 ? INT64_MAX
              : d < -9223372036854775808.0 ? INT64_MIN
                                           : int64_t(d);
  return int32_t(uint32_t(uint64_t(i)));
}

/// Rounds half away from zero (std::round) and saturates to [lo, hi].
int32_t roundClamp(float v, int32_t lo, int32_t hi) {
  if (std::isnan(v))
    return 0;
  float r = std::round(v);
  if (r <= float(lo))
    return lo;
  if (r >= float(hi))
    return hi;
  return int32_t(r);
}

} // namespace

/// TOSA `apply_scale_32` with `double_round = false`: single rounding, half
/// up (toward +infinity), `(value * multiplier + 2^(shift-1)) >> shift`.
/// (The tests' host reference is written separately from the TOSA text.)
static int64_t applyScale32(int32_t value, int32_t multiplier, int32_t shift) {
  int64_t round = int64_t(1) << (shift - 1);
  return (int64_t(value) * multiplier + round) >> shift;
}

namespace {
constexpr size_t kHugePageBytes = size_t(2) << 20;
} // namespace

void *allocateZeroPages(size_t bytes) {
  if (bytes < kHugePageBytes)
    return std::calloc(bytes ? bytes : 1, 1);
  // Map 2 MiB more than asked, keep the 2 MiB-aligned part, unmap the rest.
  if (bytes > SIZE_MAX - kHugePageBytes)
    return nullptr;
  size_t length = bytes + kHugePageBytes;
  void *raw = ::mmap(nullptr, length, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (raw == MAP_FAILED)
    return nullptr;
  uintptr_t start = uintptr_t(raw);
  uintptr_t aligned = (start + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
  size_t pageBytes = size_t(::sysconf(_SC_PAGESIZE));
  uintptr_t end = (aligned + bytes + pageBytes - 1) & ~(pageBytes - 1);
  if (aligned > start)
    ::munmap(raw, aligned - start);
  if (start + length > end)
    ::munmap(reinterpret_cast<void *>(end), start + length - end);
  // Only advice: without transparent huge pages the mapping stays as it is.
  ::madvise(reinterpret_cast<void *>(aligned), bytes, MADV_HUGEPAGE);
  return reinterpret_cast<void *>(aligned);
}

void freeZeroPages(void *p, size_t bytes) {
  if (bytes < kHugePageBytes)
    std::free(p);
  else if (p)
    ::munmap(p, bytes);
}

Emulator::Emulator(const Executable &exe, RunOptions options)
    : exe_(exe), target_(exe.target()), options_(options) {}

bool Emulator::prepare(std::string &error) {
  if (allocated_)
    return true;
  if (exe_.dramSize() > options_.maxDramBytes) {
    error = "the program needs " + std::to_string(exe_.dramSize()) +
            " bytes of DRAM; the emulator's limit is " +
            std::to_string(options_.maxDramBytes);
    return false;
  }
  // Fresh zero pages: a DRAM the program declares but does not touch costs
  // no host memory (ZeroPageAllocator).
  dram_ = Memory();
  dram_.resize(exe_.dramSize());
  sram_ = Memory();
  sram_.resize(target_.scratchpadBytes);
  acc_ = Memory();
  acc_.resize(target_.accumulatorBytes);
  if (exe_.constantsSize())
    std::memcpy(dram_.data() + exe_.constantsOffset(), exe_.constants(),
                exe_.constantsSize());
  allocated_ = true;
  return true;
}

bool Emulator::setInput(size_t index, const void *data, size_t size,
                        std::string &error) {
  if (!prepare(error))
    return false;
  if (index >= exe_.inputs().size()) {
    error = "no input " + std::to_string(index);
    return false;
  }
  const TensorSpec &spec = exe_.inputs()[index];
  if (size != spec.sizeBytes) {
    error = "input '" + spec.name + "' takes " +
            std::to_string(spec.sizeBytes) + " bytes, got " +
            std::to_string(size);
    return false;
  }
  if (!spec.frozen.empty() && std::memcmp(spec.frozen.data(), data, size)) {
    error = "input '" + spec.name +
            "' was frozen at compile time (npu-compile --input-value); the "
            "executable accepts only that value";
    return false;
  }
  if (size) // a zero-element input may come with a null `data`
    std::memcpy(dram_.data() + spec.dramOffset, data, size);
  return true;
}

const uint8_t *Emulator::output(size_t index) const {
  if (!allocated_ || index >= exe_.outputs().size())
    return nullptr;
  return dram_.data() + exe_.outputs()[index].dramOffset;
}

std::vector<int64_t> Emulator::outputShape(size_t index) const {
  if (index >= exe_.outputs().size())
    return {};
  const TensorSpec &spec = exe_.outputs()[index];
  if (spec.dynamicShape)
    if (const std::vector<int64_t> *shape =
            recordedShape(spec.dramOffset, spec.type, spec.sizeBytes))
      return *shape;
  return spec.shape;
}

namespace {
/// Whether a dense tensor of `shape` and `type` fits in `sizeBytes` (every
/// dimension non-negative; overflow-safe).
bool fitsBytes(const std::vector<int64_t> &shape, bin::ElementType type,
               uint64_t sizeBytes) {
  uint64_t eb = elementBytes(type), limit = eb ? sizeBytes / eb : 0, count = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d != 0 && count > limit / uint64_t(d)))
      return false;
    count *= uint64_t(d);
  }
  return count <= limit;
}
} // namespace

const std::vector<int64_t> *Emulator::recordedShape(uint64_t dramOffset,
                                                    bin::ElementType type,
                                                    uint64_t sizeBytes) const {
  auto it = dynamicShapes_.find(dramOffset);
  return it != dynamicShapes_.end() && it->second.type == type &&
                 fitsBytes(it->second.shape, type, sizeBytes)
             ? &it->second.shape
             : nullptr;
}

//===----------------------------------------------------------------------===//
// DMA
//===----------------------------------------------------------------------===//

namespace {
#if defined(__SSE2__)
/// out[i][j] = in[j][i] for i < rows, j < cols, EB-byte elements (4 or 1)
/// dense along each row; out's rows `outRow` bytes apart, in's `inRow`.
/// Blocks of 4 x 4 (EB 4) or 8 x 8 (EB 1) elements are transposed in SSE
/// registers (bit copies: NaN payloads are kept), the edges element by
/// element. The caller guarantees that no two output elements share an
/// address, so the order in which they are written does not matter.
template <int EB>
void transposeMatrix(uint8_t *out, int64_t outRow, const uint8_t *in,
                     int64_t inRow, int64_t rows, int64_t cols) {
  constexpr int64_t B = EB == 4 ? 4 : 8;
  int64_t j = 0;
  for (; j + B <= cols; j += B) {
    const uint8_t *s = in + j * inRow;
    int64_t i = 0;
    for (; i + B <= rows; i += B) {
      uint8_t *o = out + i * outRow + j * EB;
      if constexpr (EB == 4) {
        auto row = [&](int r) {
          return _mm_loadu_ps(
              reinterpret_cast<const float *>(s + r * inRow + i * 4));
        };
        __m128 r0 = row(0), r1 = row(1), r2 = row(2), r3 = row(3);
        _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
        _mm_storeu_ps(reinterpret_cast<float *>(o), r0);
        _mm_storeu_ps(reinterpret_cast<float *>(o + outRow), r1);
        _mm_storeu_ps(reinterpret_cast<float *>(o + 2 * outRow), r2);
        _mm_storeu_ps(reinterpret_cast<float *>(o + 3 * outRow), r3);
      } else {
        // Eight rows of 8 bytes; interleaving bytes, then 16-bit and 32-bit
        // pairs leaves column c of the block in 64-bit half c % 2 of c[c/2].
        __m128i r[8];
        for (int k = 0; k < 8; ++k)
          r[k] = _mm_loadl_epi64(
              reinterpret_cast<const __m128i *>(s + k * inRow + i));
        __m128i a0 = _mm_unpacklo_epi8(r[0], r[1]),
                a1 = _mm_unpacklo_epi8(r[2], r[3]),
                a2 = _mm_unpacklo_epi8(r[4], r[5]),
                a3 = _mm_unpacklo_epi8(r[6], r[7]);
        __m128i b0 = _mm_unpacklo_epi16(a0, a1),
                b1 = _mm_unpackhi_epi16(a0, a1),
                b2 = _mm_unpacklo_epi16(a2, a3),
                b3 = _mm_unpackhi_epi16(a2, a3);
        __m128i c[4] = {_mm_unpacklo_epi32(b0, b2), _mm_unpackhi_epi32(b0, b2),
                        _mm_unpacklo_epi32(b1, b3), _mm_unpackhi_epi32(b1, b3)};
        for (int k = 0; k < 4; ++k) {
          _mm_storel_epi64(reinterpret_cast<__m128i *>(o + 2 * k * outRow),
                           c[k]);
          _mm_storel_epi64(
              reinterpret_cast<__m128i *>(o + (2 * k + 1) * outRow),
              _mm_srli_si128(c[k], 8));
        }
      }
    }
    for (; i < rows; ++i)
      for (int64_t r = 0; r < B; ++r)
        std::memcpy(out + i * outRow + (j + r) * EB, s + r * inRow + i * EB,
                    EB);
  }
  for (; j < cols; ++j)
    copyStrided<EB>(out + j * EB, outRow, in + j * inRow, EB, rows);
}
#endif

/// dma.load of a box that transposes 4-byte or 1-byte elements, by blocks
/// (transposeMatrix); false (nothing done) for any other box. `sram` and
/// `dram` are the box's first bytes, its extents already checked.
bool transposeBox(const bin::DmaDesc &d, uint8_t *sram, const uint8_t *dram,
                  const int64_t *size, const int64_t *padded,
                  const int64_t *before, const int64_t *sstr,
                  const int64_t *dstr, const uint8_t *pad) {
#if defined(__SSE2__)
  // A box that transposes planes: DRAM dense along dimension 0, the
  // scratchpad dense along dimension 1, whose rows (dimension 0 steps) do
  // not overlap, and no padding along dimension 1. Every element then has
  // its own scratchpad address within a plane, so the order in which a
  // plane is written does not matter; planes keep their order.
  int64_t eb = d.elem_bytes();
  if ((eb != 4 && eb != 1) || dstr[0] != eb || sstr[1] != eb ||
      padded[1] != size[1] || sstr[0] < size[1] * eb || size[0] < 4 ||
      size[1] < 4)
    return false;
  int64_t n0 = size[0], n1 = size[1], s0 = sstr[0], d1 = dstr[1];
  for (int64_t i3 = 0; i3 < padded[3]; ++i3)
    for (int64_t i2 = 0; i2 < padded[2]; ++i2) {
      uint8_t *plane = sram + i3 * sstr[3] + i2 * sstr[2];
      int64_t j3 = i3 - before[3], j2 = i2 - before[2];
      bool inside = j3 >= 0 && j3 < size[3] && j2 >= 0 && j2 < size[2];
      for (int64_t i0 = 0; i0 < padded[0]; ++i0) {
        if (inside && i0 >= before[0] && i0 < before[0] + n0)
          continue; // the interior, below
        fillElements(plane + i0 * s0, eb, pad, n1, eb);
      }
      if (!inside)
        continue;
      const uint8_t *src = dram + j3 * dstr[3] + j2 * dstr[2];
      uint8_t *dst = plane + before[0] * s0;
      if (eb == 4)
        transposeMatrix<4>(dst, s0, src, d1, n0, n1);
      else
        transposeMatrix<1>(dst, s0, src, d1, n0, n1);
    }
  return true;
#else
  return false;
#endif
}
} // namespace

bool Emulator::execDmaLoad(const Instruction &insn, uint64_t &cycles,
                           std::string &why) {
  const bin::DmaDesc &d = exe_.dma(insn.get(FieldId::DmaLoad_Desc));
  int64_t sram = insn.get(FieldId::DmaLoad_Sram);
  int64_t dram = insn.get(FieldId::DmaLoad_Dram);
  // ISA v9: a local load reads the scratchpad at `dram` (with the DRAM
  // strides) instead of DRAM: a value kept on chip.
  bool local = insn.get(FieldId::DmaLoad_Local);
  Memory &far = local ? sram_ : dram_;
  int64_t eb = d.elem_bytes();
  int64_t size[4], padded[4], before[4], dstr[4], sstr[4];
  for (int i = 0; i < 4; ++i) {
    size[i] = d.sizes()->Get(i);
    before[i] = d.pad_before()->Get(i);
    padded[i] = size[i] + before[i] + d.pad_after()->Get(i);
    dstr[i] = d.dram_strides()->Get(i);
    sstr[i] = d.sram_strides()->Get(i);
  }
  Extent src = extentOf(dram, size, dstr, 4, eb);
  Extent dst = extentOf(sram, padded, sstr, 4, eb);
  if (!inBounds(src, far.size()))
    return why = std::string(local ? "dma.load local reads scratchpad "
                                   : "dma.load reads DRAM ") +
                 rangeString(src) + " outside the " +
                 std::to_string(far.size()) +
                 (local ? "-byte scratchpad" : "-byte DRAM"),
           false;
  if (!inBounds(dst, sram_.size()))
    return why = "dma.load writes scratchpad [" + std::to_string(dst.lo) +
                 ", " + std::to_string(dst.hi) + ") outside the " +
                 std::to_string(sram_.size()) + "-byte scratchpad",
           false;
  // The copy reads the source while it writes the destination, in an order
  // the model does not define: the two must not share a byte.
  if (local && overlaps(src, dst))
    return why = "dma.load local: source " + rangeString(src) +
                 " and destination " + rangeString(dst) + " overlap",
           false;
  uint8_t pad[4];
  for (int b = 0; b < 4; ++b)
    pad[b] = uint8_t(d.pad_value() >> (8 * b));
  // Each scratchpad row: padding, the DRAM row's interior, padding.
  int64_t after0 = padded[0] - before[0] - size[0];
  // An empty box writes nothing: no row loops over its other dimensions
  // (65535^3 empty rows when only dimension 0 is 0; programSteps counts 0).
  if (padded[0] == 0 || padded[1] == 0 || padded[2] == 0 || padded[3] == 0) {
    // nothing to write
  } else if (transposeBox(d, sram_.data() + sram, far.data() + dram, size,
                          padded, before, sstr, dstr, pad)) {
    // done by blocks
  } else
    for (int64_t i3 = 0; i3 < padded[3]; ++i3)
      for (int64_t i2 = 0; i2 < padded[2]; ++i2)
        for (int64_t i1 = 0; i1 < padded[1]; ++i1) {
          uint8_t *row =
              sram_.data() + sram + i3 * sstr[3] + i2 * sstr[2] + i1 * sstr[1];
          int64_t j3 = i3 - before[3], j2 = i2 - before[2], j1 = i1 - before[1];
          bool inside = j3 >= 0 && j3 < size[3] && j2 >= 0 && j2 < size[2] &&
                        j1 >= 0 && j1 < size[1];
          if (!inside) {
            fillElements(row, sstr[0], pad, padded[0], eb);
            continue;
          }
          const uint8_t *srcRow =
              far.data() + dram + j3 * dstr[3] + j2 * dstr[2] + j1 * dstr[1];
          fillElements(row, sstr[0], pad, before[0], eb);
          copyElements(row + before[0] * sstr[0], sstr[0], srcRow, dstr[0],
                       size[0], eb);
          fillElements(row + (before[0] + size[0]) * sstr[0], sstr[0], pad,
                       after0, eb);
        }
  uint64_t moved = uint64_t(size[0] * size[1] * size[2] * size[3] * eb);
  uint64_t written =
      uint64_t(padded[0] * padded[1] * padded[2] * padded[3] * eb);
  stats_.sramWriteBytes += written;
  if (!dst.empty)
    stats_.peakSramBytes = std::max<uint64_t>(stats_.peakSramBytes, dst.hi);
  if (local) {
    // Scratchpad reads and writes (their energy), no DRAM byte.
    stats_.sramReadBytes += moved;
    stats_.localDmaBytes += moved;
    if (currentLayer_)
      currentLayer_->localBytes += moved;
  } else {
    stats_.dramReadBytes += moved;
    if (currentLayer_) {
      currentLayer_->dramBytes += moved;
      if (!src.empty && inConstants(src.lo, src.hi))
        currentLayer_->weightBytes += moved;
    }
  }
  cycles = dmaCommandCycles(target_, d, local);
  return true;
}

bool Emulator::inConstants(int64_t lo, int64_t hi) const {
  int64_t begin = exe_.constantsOffset();
  return lo >= begin && hi <= begin + int64_t(exe_.constantsSize());
}

bool Emulator::execDmaExpand(const Instruction &insn, uint64_t &cycles,
                             std::string &why) {
  const bin::DmaDesc &d = exe_.dma(insn.get(FieldId::DmaExpand_Desc));
  int64_t sram = insn.get(FieldId::DmaExpand_Sram);
  int64_t dram = insn.get(FieldId::DmaExpand_Dram);
  int64_t bytes = insn.get(FieldId::DmaExpand_Bytes);
  int64_t eb = d.elem_bytes(), R = target_.arrayRows, C = target_.arrayCols;
  int64_t size[4], sstr[4];
  for (int i = 0; i < 4; ++i) {
    size[i] = d.sizes()->Get(i);
    sstr[i] = d.sram_strides()->Get(i);
  }
  // The loader checked the image against the mask; a program may since
  // have stored over it, so both are checked again against DRAM as it is.
  if (dram + bytes > int64_t(dram_.size()))
    return why = "dma.expand reads DRAM [" + std::to_string(dram) + ", " +
                 std::to_string(dram + bytes) + ") outside the " +
                 std::to_string(dram_.size()) + "-byte DRAM",
           false;
  ExpandGeometry geo = expandGeometry(d, uint32_t(R), uint32_t(C));
  const uint8_t *mask = dram_.data() + dram;
  bool elements = insn.opcode() == Opcode::DmaExpandElem;
  if (elements) {
    if (std::string bad = checkElementImage(geo, mask, uint64_t(bytes));
        !bad.empty())
      return why =
                 "dma.expand.elem at DRAM " + std::to_string(dram) + ": " + bad,
             false;
  } else {
    std::optional<uint64_t> present = uint64_t(bytes) >= geo.maskBytes
                                          ? countPresentBlocks(geo, mask)
                                          : std::nullopt;
    if (!present || geo.imageBytes(*present) != uint64_t(bytes))
      return why = "dma.expand: the block mask at DRAM " +
                   std::to_string(dram) + " does not describe a " +
                   std::to_string(bytes) + "-byte image",
             false;
  }
  Extent dst = extentOf(sram, size, sstr, 4, eb);
  if (!inBounds(dst, sram_.size()))
    return why = "dma.expand writes scratchpad [" + std::to_string(dst.lo) +
                 ", " + std::to_string(dst.hi) + ") outside the " +
                 std::to_string(sram_.size()) + "-byte scratchpad",
           false;
  // Block by block: a present block's rows are copied (its padding past the
  // box's edges dropped), an absent block's box positions are zeroed. An
  // element image's present block is first decoded into a dense tile.
  static const uint8_t zero[4] = {};
  const uint8_t *next =
      mask + (elements ? geo.elementBlockMaskBytes : geo.maskBytes);
  const uint8_t *end = mask + bytes;
  std::vector<uint8_t> tile(elements ? geo.blockBytes : 0);
  uint64_t b = 0;
  bool empty = !size[0] || !size[1] || !size[2] || !size[3];
  for (int64_t i3 = 0; !empty && i3 < size[3]; ++i3)
    for (int64_t i2 = 0; i2 < size[2]; ++i2)
      for (uint64_t kb = 0; kb < geo.rowBlocks; ++kb)
        for (uint64_t nb = 0; nb < geo.colBlocks; ++nb, ++b) {
          bool on = mask[b / 8] >> (b % 8) & 1;
          int64_t r0 = int64_t(kb) * R, c0 = int64_t(nb) * C;
          int64_t rows = std::min(R, size[1] - r0),
                  cols = std::min(C, size[0] - c0);
          const uint8_t *src = next;
          if (on && elements) {
            next = decodeElementTile(geo, next, end, tile.data());
            if (!next) // checkElementImage above: cannot happen
              return why = "dma.expand.elem: a tile ends past the image", false;
            src = tile.data();
          } else if (on) {
            next += geo.blockBytes;
          }
          for (int64_t r = 0; r < rows; ++r) {
            uint8_t *row = sram_.data() + sram + i3 * sstr[3] + i2 * sstr[2] +
                           (r0 + r) * sstr[1] + c0 * sstr[0];
            if (on)
              copyElements(row, sstr[0], src + r * C * eb, eb, cols, eb);
            else
              fillElements(row, sstr[0], zero, cols, eb);
          }
        }
  uint64_t written = uint64_t(size[0] * size[1] * size[2] * size[3] * eb);
  stats_.dramReadBytes += uint64_t(bytes);
  stats_.sramWriteBytes += written;
  if (!dst.empty)
    stats_.peakSramBytes = std::max<uint64_t>(stats_.peakSramBytes, dst.hi);
  if (currentLayer_) {
    currentLayer_->dramBytes += uint64_t(bytes);
    if (inConstants(dram, dram + bytes))
      currentLayer_->weightBytes += uint64_t(bytes);
  }
  cycles = elements ? dmaExpandElemCycles(target_, uint64_t(bytes), written)
                    : dmaExpandCycles(target_, uint64_t(bytes));
  return true;
}

bool Emulator::execDmaExpandElem(const Instruction &insn, uint64_t &cycles,
                                 std::string &why) {
  return execDmaExpand(insn, cycles, why); // the same fields, another image
}

namespace {
/// dma.store of a box that transposes 4-byte or 1-byte elements, by blocks
/// (transposeMatrix, the reverse of transposeBox); false (nothing done) for
/// any other box. `dram` and `sram` are the box's first bytes, its extents
/// already checked.
bool transposeStoreBox(const bin::DmaDesc &d, uint8_t *dram,
                       const uint8_t *sram, const int64_t *size,
                       const int64_t *sstr, const int64_t *dstr) {
#if defined(__SSE2__)
  // The scratchpad dense along dimension 1, DRAM dense along dimension 0
  // with rows (dimension 1 steps) that do not overlap: every element of a
  // plane then has its own DRAM address, so the order in which a plane is
  // written does not matter; planes keep their order.
  int64_t eb = d.elem_bytes();
  if ((eb != 4 && eb != 1) || dstr[0] != eb || sstr[1] != eb ||
      dstr[1] < size[0] * eb || size[0] < 4 || size[1] < 4)
    return false;
  for (int64_t i3 = 0; i3 < size[3]; ++i3)
    for (int64_t i2 = 0; i2 < size[2]; ++i2) {
      const uint8_t *src = sram + i3 * sstr[3] + i2 * sstr[2];
      uint8_t *dst = dram + i3 * dstr[3] + i2 * dstr[2];
      // DRAM row i1 (dimension 0 dense) is scratchpad column i1.
      if (eb == 4)
        transposeMatrix<4>(dst, dstr[1], src, sstr[0], size[1], size[0]);
      else
        transposeMatrix<1>(dst, dstr[1], src, sstr[0], size[1], size[0]);
    }
  return true;
#else
  return false;
#endif
}
} // namespace

bool Emulator::execDmaStore(const Instruction &insn, uint64_t &cycles,
                            std::string &why) {
  const bin::DmaDesc &d = exe_.dma(insn.get(FieldId::DmaStore_Desc));
  int64_t sram = insn.get(FieldId::DmaStore_Sram);
  int64_t dram = insn.get(FieldId::DmaStore_Dram);
  // ISA v9: a local store writes the scratchpad at `dram` (with the DRAM
  // strides) instead of DRAM.
  bool local = insn.get(FieldId::DmaStore_Local);
  Memory &far = local ? sram_ : dram_;
  int64_t eb = d.elem_bytes();
  int64_t size[4], dstr[4], sstr[4];
  for (int i = 0; i < 4; ++i) {
    size[i] = d.sizes()->Get(i);
    dstr[i] = d.dram_strides()->Get(i);
    sstr[i] = d.sram_strides()->Get(i);
  }
  Extent src = extentOf(sram, size, sstr, 4, eb);
  Extent dst = extentOf(dram, size, dstr, 4, eb);
  if (!inBounds(src, sram_.size()))
    return why = "dma.store reads scratchpad [" + std::to_string(src.lo) +
                 ", " + std::to_string(src.hi) + ") outside the " +
                 std::to_string(sram_.size()) + "-byte scratchpad",
           false;
  if (!inBounds(dst, far.size()))
    return why = std::string(local ? "dma.store local writes scratchpad "
                                   : "dma.store writes DRAM ") +
                 rangeString(dst) + " outside the " +
                 std::to_string(far.size()) +
                 (local ? "-byte scratchpad" : "-byte DRAM"),
           false;
  if (local && overlaps(src, dst))
    return why = "dma.store local: source " + rangeString(src) +
                 " and destination " + rangeString(dst) + " overlap",
           false;
  // An empty box moves nothing: no row loops over its other dimensions
  // (65535^3 empty rows when only dimension 0 is 0; programSteps counts 0).
  bool empty = size[0] == 0 || size[1] == 0 || size[2] == 0 || size[3] == 0;
  bool done = empty || transposeStoreBox(d, far.data() + dram,
                                         sram_.data() + sram, size, sstr, dstr);
  for (int64_t i3 = 0; !done && i3 < size[3]; ++i3)
    for (int64_t i2 = 0; i2 < size[2]; ++i2)
      for (int64_t i1 = 0; i1 < size[1]; ++i1) {
        const uint8_t *in =
            sram_.data() + sram + i3 * sstr[3] + i2 * sstr[2] + i1 * sstr[1];
        uint8_t *out =
            far.data() + dram + i3 * dstr[3] + i2 * dstr[2] + i1 * dstr[1];
        copyElements(out, dstr[0], in, sstr[0], size[0], eb);
      }
  uint64_t moved = uint64_t(size[0] * size[1] * size[2] * size[3] * eb);
  stats_.sramReadBytes += moved;
  if (local) {
    // Scratchpad reads and writes (their energy), no DRAM byte.
    stats_.sramWriteBytes += moved;
    stats_.localDmaBytes += moved;
    if (!dst.empty)
      stats_.peakSramBytes = std::max<uint64_t>(stats_.peakSramBytes, dst.hi);
    if (currentLayer_)
      currentLayer_->localBytes += moved;
  } else {
    stats_.dramWriteBytes += moved;
    if (currentLayer_)
      currentLayer_->dramBytes += moved;
  }
  cycles = dmaCommandCycles(target_, d, local);
  return true;
}

//===----------------------------------------------------------------------===//
// MAC array
//===----------------------------------------------------------------------===//

namespace {

/// out[0..n) += a[0..k) x W, W's rows `wStride` elements apart. Typed,
/// non-aliasing buffers, so the n loop vectorises (INT8 operands are held
/// as int16_t: a 16 x 16 -> 32-bit multiply is one the compiler vectorises
/// well). INT8 skips zero activations (adding 0 changes nothing); FP32 does
/// not (0 x inf is NaN).
template <typename Acc, typename T>
void macRow(Acc *__restrict out, const T *__restrict a, int64_t k,
            const T *__restrict w, int64_t wStride, int64_t n) {
  for (int64_t kk = 0; kk < k; ++kk) {
    T av = a[kk];
    if (std::is_integral_v<T> && av == 0)
      continue;
    const T *wr = w + kk * wStride;
    for (int64_t j = 0; j < n; ++j)
      out[j] += Acc(av) * Acc(wr[j]);
  }
}

/// macRow for four rows at once (a: four rows of k, W: dense rows of n), so
/// that each W element loaded serves four rows. No zero skipping: for
/// integers adding 0 is exact, and FP32 never skips.
template <typename Acc, typename T>
void macRows4(Acc *__restrict o0, Acc *__restrict o1, Acc *__restrict o2,
              Acc *__restrict o3, const T *__restrict a, int64_t k,
              const T *__restrict w, int64_t n) {
  for (int64_t kk = 0; kk < k; ++kk) {
    Acc a0 = a[kk], a1 = a[k + kk], a2 = a[2 * k + kk], a3 = a[3 * k + kk];
    const T *wr = w + kk * n;
    for (int64_t j = 0; j < n; ++j) {
      Acc wv = Acc(wr[j]);
      o0[j] += a0 * wv;
      o1[j] += a1 * wv;
      o2[j] += a2 * wv;
      o3[j] += a3 * wv;
    }
  }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define NPU_EMULATOR_AVX2 1
/// Whether the host has AVX2 (asked once).
bool hostHasAvx2() {
  static const bool avx2 = __builtin_cpu_supports("avx2");
  return avx2;
}

/// Four FP32 rows of a dense matmul with AVX2 registers, straight from the
/// memories: o[i][0..n) += a[i][0..k) x W for i < 4 (o: accumulator rows,
/// a: rows of A, W: k rows of n floats `wRow` bytes apart, all byte
/// addresses with no alignment assumed; W is read where it is, in the
/// scratchpad, not copied). Blocks of 16 (then 8) columns keep their eight
/// (four) accumulator registers over the whole k loop instead of loading and
/// storing them at every k. Every output element still receives its
/// products one at a time in ascending k, each an IEEE single-precision
/// multiply then add (AVX2 has no FMA and Emulator.cpp is built with
/// -ffp-contract=off), so the sums are bit-identical to macRows4's.
[[gnu::target("avx2")]] void macRows4F32Avx2(uint8_t *const *o,
                                             const uint8_t *const *a, int64_t k,
                                             const uint8_t *w, int64_t wRow,
                                             int64_t n) {
  auto at = [](const uint8_t *row, int64_t j) {
    return reinterpret_cast<const float *>(row + 4 * j);
  };
  auto out = [](uint8_t *row, int64_t j) {
    return reinterpret_cast<float *>(row + 4 * j);
  };
  int64_t j = 0;
  for (; j + 16 <= n; j += 16) {
    __m256 c00 = _mm256_loadu_ps(at(o[0], j)),
           c01 = _mm256_loadu_ps(at(o[0], j + 8));
    __m256 c10 = _mm256_loadu_ps(at(o[1], j)),
           c11 = _mm256_loadu_ps(at(o[1], j + 8));
    __m256 c20 = _mm256_loadu_ps(at(o[2], j)),
           c21 = _mm256_loadu_ps(at(o[2], j + 8));
    __m256 c30 = _mm256_loadu_ps(at(o[3], j)),
           c31 = _mm256_loadu_ps(at(o[3], j + 8));
    const uint8_t *wr = w + 4 * j;
    for (int64_t kk = 0; kk < k; ++kk, wr += wRow) {
      __m256 w0 = _mm256_loadu_ps(at(wr, 0)), w1 = _mm256_loadu_ps(at(wr, 8));
      __m256 x = _mm256_set1_ps(loadF32(a[0] + 4 * kk));
      c00 = _mm256_add_ps(c00, _mm256_mul_ps(x, w0));
      c01 = _mm256_add_ps(c01, _mm256_mul_ps(x, w1));
      x = _mm256_set1_ps(loadF32(a[1] + 4 * kk));
      c10 = _mm256_add_ps(c10, _mm256_mul_ps(x, w0));
      c11 = _mm256_add_ps(c11, _mm256_mul_ps(x, w1));
      x = _mm256_set1_ps(loadF32(a[2] + 4 * kk));
      c20 = _mm256_add_ps(c20, _mm256_mul_ps(x, w0));
      c21 = _mm256_add_ps(c21, _mm256_mul_ps(x, w1));
      x = _mm256_set1_ps(loadF32(a[3] + 4 * kk));
      c30 = _mm256_add_ps(c30, _mm256_mul_ps(x, w0));
      c31 = _mm256_add_ps(c31, _mm256_mul_ps(x, w1));
    }
    _mm256_storeu_ps(out(o[0], j), c00);
    _mm256_storeu_ps(out(o[0], j + 8), c01);
    _mm256_storeu_ps(out(o[1], j), c10);
    _mm256_storeu_ps(out(o[1], j + 8), c11);
    _mm256_storeu_ps(out(o[2], j), c20);
    _mm256_storeu_ps(out(o[2], j + 8), c21);
    _mm256_storeu_ps(out(o[3], j), c30);
    _mm256_storeu_ps(out(o[3], j + 8), c31);
  }
  for (; j + 8 <= n; j += 8) {
    __m256 c0 = _mm256_loadu_ps(at(o[0], j)), c1 = _mm256_loadu_ps(at(o[1], j));
    __m256 c2 = _mm256_loadu_ps(at(o[2], j)), c3 = _mm256_loadu_ps(at(o[3], j));
    const uint8_t *wr = w + 4 * j;
    for (int64_t kk = 0; kk < k; ++kk, wr += wRow) {
      __m256 w0 = _mm256_loadu_ps(at(wr, 0));
      c0 = _mm256_add_ps(
          c0, _mm256_mul_ps(_mm256_set1_ps(loadF32(a[0] + 4 * kk)), w0));
      c1 = _mm256_add_ps(
          c1, _mm256_mul_ps(_mm256_set1_ps(loadF32(a[1] + 4 * kk)), w0));
      c2 = _mm256_add_ps(
          c2, _mm256_mul_ps(_mm256_set1_ps(loadF32(a[2] + 4 * kk)), w0));
      c3 = _mm256_add_ps(
          c3, _mm256_mul_ps(_mm256_set1_ps(loadF32(a[3] + 4 * kk)), w0));
    }
    _mm256_storeu_ps(out(o[0], j), c0);
    _mm256_storeu_ps(out(o[1], j), c1);
    _mm256_storeu_ps(out(o[2], j), c2);
    _mm256_storeu_ps(out(o[3], j), c3);
  }
  // The last n - j columns one at a time, each over k in ascending order.
  for (; j < n; ++j)
    for (int i = 0; i < 4; ++i) {
      float c = loadF32(o[i] + 4 * j);
      for (int64_t kk = 0; kk < k; ++kk)
        c += loadF32(a[i] + 4 * kk) * loadF32(w + kk * wRow + 4 * j);
      storeF32(o[i] + 4 * j, c);
    }
}
#endif

#ifdef NPU_EMULATOR_AVX2
/// W (k dense rows of n int16 values) with its rows taken in pairs and
/// interleaved, the layout _mm256_madd_epi16 multiplies: pair p holds
/// (W[2p][j], W[2p+1][j]) for each column j, a zero row standing in for
/// W[k] when k is odd. ceil(k / 2) * 2n values.
std::vector<int16_t> interleaveRowPairs(const int16_t *w, int64_t k,
                                        int64_t n) {
  std::vector<int16_t> pairs(size_t((k + 1) / 2 * 2 * n), 0);
  for (int64_t kk = 0; kk < k; ++kk)
    for (int64_t j = 0; j < n; ++j)
      pairs[size_t((kk / 2) * 2 * n + 2 * j + kk % 2)] = w[kk * n + j];
  return pairs;
}

/// Four INT8 rows of a dense matmul with AVX2 registers, straight from the
/// memories: o[i][0..n) += a[i][0..k) x W for i < 4 (o: INT32 accumulator
/// rows, a: INT8 rows of A, byte addresses with no alignment assumed; W:
/// dense rows of n INT8 values widened to int16, `pairs` the same rows
/// interleaved by interleaveRowPairs). Blocks of 16 (then 8) columns keep
/// their INT32 accumulators in registers over the whole k loop; each step
/// takes two k at once, _mm256_madd_epi16 multiplying (a[k], a[k+1]) by
/// (W[k][j], W[k+1][j]) and adding the two products exactly (each is at most
/// 2^14 in magnitude). Integer sums wrap modulo 2^32 whatever their order,
/// so the results are macRows4's.
[[gnu::target("avx2")]] void macRows4I8Avx2(uint8_t *const *o,
                                            const uint8_t *const *a, int64_t k,
                                            const int16_t *w,
                                            const int16_t *pairs, int64_t n) {
  auto ptr = [](uint8_t *row, int64_t j) {
    return reinterpret_cast<__m256i *>(row + 4 * j);
  };
  // (a[i][2p], a[i][2p+1]) as two int16 in one 32-bit lane (a lambda
  // cannot return an AVX register: it does not get the function's target).
  auto pairBits = [&](int i, int64_t p) {
    int64_t kk = 2 * p;
    uint16_t lo = uint16_t(int16_t(int8_t(a[i][kk])));
    uint16_t hi = kk + 1 < k ? uint16_t(int16_t(int8_t(a[i][kk + 1]))) : 0;
    return int32_t(uint32_t(lo) | (uint32_t(hi) << 16));
  };
#define pairOf(i, p) _mm256_set1_epi32(pairBits(i, p))
  const int64_t np = (k + 1) / 2;
  int64_t j = 0;
  for (; j + 16 <= n; j += 16) {
    __m256i c00 = _mm256_loadu_si256(ptr(o[0], j)),
            c01 = _mm256_loadu_si256(ptr(o[0], j + 8));
    __m256i c10 = _mm256_loadu_si256(ptr(o[1], j)),
            c11 = _mm256_loadu_si256(ptr(o[1], j + 8));
    __m256i c20 = _mm256_loadu_si256(ptr(o[2], j)),
            c21 = _mm256_loadu_si256(ptr(o[2], j + 8));
    __m256i c30 = _mm256_loadu_si256(ptr(o[3], j)),
            c31 = _mm256_loadu_si256(ptr(o[3], j + 8));
    const int16_t *wr = pairs + 2 * j;
    for (int64_t p = 0; p < np; ++p, wr += 2 * n) {
      __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(wr));
      __m256i w1 =
          _mm256_loadu_si256(reinterpret_cast<const __m256i *>(wr + 16));
      __m256i x = pairOf(0, p);
      c00 = _mm256_add_epi32(c00, _mm256_madd_epi16(x, w0));
      c01 = _mm256_add_epi32(c01, _mm256_madd_epi16(x, w1));
      x = pairOf(1, p);
      c10 = _mm256_add_epi32(c10, _mm256_madd_epi16(x, w0));
      c11 = _mm256_add_epi32(c11, _mm256_madd_epi16(x, w1));
      x = pairOf(2, p);
      c20 = _mm256_add_epi32(c20, _mm256_madd_epi16(x, w0));
      c21 = _mm256_add_epi32(c21, _mm256_madd_epi16(x, w1));
      x = pairOf(3, p);
      c30 = _mm256_add_epi32(c30, _mm256_madd_epi16(x, w0));
      c31 = _mm256_add_epi32(c31, _mm256_madd_epi16(x, w1));
    }
    _mm256_storeu_si256(ptr(o[0], j), c00);
    _mm256_storeu_si256(ptr(o[0], j + 8), c01);
    _mm256_storeu_si256(ptr(o[1], j), c10);
    _mm256_storeu_si256(ptr(o[1], j + 8), c11);
    _mm256_storeu_si256(ptr(o[2], j), c20);
    _mm256_storeu_si256(ptr(o[2], j + 8), c21);
    _mm256_storeu_si256(ptr(o[3], j), c30);
    _mm256_storeu_si256(ptr(o[3], j + 8), c31);
  }
  for (; j + 8 <= n; j += 8) {
    __m256i c0 = _mm256_loadu_si256(ptr(o[0], j)),
            c1 = _mm256_loadu_si256(ptr(o[1], j));
    __m256i c2 = _mm256_loadu_si256(ptr(o[2], j)),
            c3 = _mm256_loadu_si256(ptr(o[3], j));
    const int16_t *wr = pairs + 2 * j;
    for (int64_t p = 0; p < np; ++p, wr += 2 * n) {
      __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(wr));
      c0 = _mm256_add_epi32(c0, _mm256_madd_epi16(pairOf(0, p), w0));
      c1 = _mm256_add_epi32(c1, _mm256_madd_epi16(pairOf(1, p), w0));
      c2 = _mm256_add_epi32(c2, _mm256_madd_epi16(pairOf(2, p), w0));
      c3 = _mm256_add_epi32(c3, _mm256_madd_epi16(pairOf(3, p), w0));
    }
    _mm256_storeu_si256(ptr(o[0], j), c0);
    _mm256_storeu_si256(ptr(o[1], j), c1);
    _mm256_storeu_si256(ptr(o[2], j), c2);
    _mm256_storeu_si256(ptr(o[3], j), c3);
  }
#undef pairOf
  // The last n - j columns one at a time (wrapping as the vectors do).
  for (; j < n; ++j)
    for (int i = 0; i < 4; ++i) {
      uint32_t c = uint32_t(loadI32(o[i] + 4 * j));
      for (int64_t kk = 0; kk < k; ++kk)
        c += uint32_t(int32_t(int8_t(a[i][kk])) * int32_t(w[kk * n + j]));
      storeI32(o[i] + 4 * j, int32_t(c));
    }
}
#endif

/// Copies `n` elements of type In from `src` to `dst`, converted to T.
template <typename In, typename T>
void loadElements(T *dst, const uint8_t *src, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    dst[i] = T(load<In>(src + i * sizeof(In)));
}

/// The functional model of one matmul: In is the operands' element type
/// (int8_t or float), T the type they are computed in (int16_t or float),
/// Acc the accumulator's (int32_t or float). W (dense rows, or the present
/// blocks) is converted once to a T buffer; each output row is computed in
/// a local buffer from a T copy of its row of A.
template <typename Acc, typename In, typename T>
void matmulRows(const bin::MatmulDesc &d, const uint8_t *a, const uint8_t *w,
                uint8_t *acc, bool accumulate, bool sparse,
                const std::vector<bool> &present, int64_t nonZero, int64_t R,
                int64_t C) {
  int64_t M = int64_t(d.m_outer()) * d.m_inner(), mi = d.m_inner();
  int64_t K = d.k(), N = d.n();
  int64_t KB = ceilDiv(K, R), NB = ceilDiv(N, C);
  // W as T, made when first needed (the FP32 AVX2 kernel reads W in place).
  std::vector<T> wbuf;
  auto typedW = [&]() -> const T * {
    if (!wbuf.empty() || (sparse ? nonZero * R * C : K * N) == 0)
      return wbuf.data();
    if (sparse) {
      wbuf.resize(size_t(nonZero * R * C));
      loadElements<In>(wbuf.data(), w, int64_t(wbuf.size()));
    } else {
      wbuf.resize(size_t(K * N));
      for (int64_t kk = 0; kk < K; ++kk)
        loadElements<In>(wbuf.data() + kk * N, w + kk * d.w_row_stride(), N);
    }
    return wbuf.data();
  };
  // Dense W with disjoint accumulator rows: four rows at a time (each
  // row's sums are the same as one at a time).
  int64_t group = !sparse && int64_t(d.acc_row_stride()) >= N && M >= 4 ? 4 : 1;
  std::vector<T> arows(static_cast<size_t>(group * K));
#ifdef NPU_EMULATOR_AVX2
  std::vector<int16_t> wpairs; // INT8: W's rows interleaved, made once
#endif
  std::vector<Acc> rows(static_cast<size_t>(group * N));
  for (int64_t r0 = 0; r0 < M; r0 += group) {
    int64_t g = std::min(group, M - r0);
#ifdef NPU_EMULATOR_AVX2
    // FP32 or INT8, four disjoint rows: the AVX2 kernel reads A and adds
    // into the accumulator in place (A and W are in the scratchpad, the rows in
    // the accumulator, so nothing it writes is read as an operand).
    if constexpr (std::is_same_v<Acc, float> || std::is_same_v<In, int8_t>)
      if (g == 4 && hostHasAvx2()) {
        const uint8_t *ar[4];
        uint8_t *orow[4];
        for (int64_t i = 0; i < 4; ++i) {
          int64_t r = r0 + i;
          ar[i] =
              a + (r / mi) * d.a_stride_outer() + (r % mi) * d.a_stride_inner();
          orow[i] = acc + r * d.acc_row_stride() * 4;
          if (!accumulate) // +0.0f, then the products as macRows4 adds them
            std::memset(orow[i], 0, size_t(N) * 4);
        }
        if constexpr (std::is_same_v<Acc, float>) {
          macRows4F32Avx2(orow, ar, K, w, d.w_row_stride(), N);
        } else {
          const T *wt = typedW();
          if (wpairs.empty())
            wpairs = interleaveRowPairs(wt, K, N);
          macRows4I8Avx2(orow, ar, K, wt, wpairs.data(), N);
        }
        continue;
      }
#endif
    for (int64_t i = 0; i < g; ++i) {
      int64_t r = r0 + i;
      loadElements<In>(
          arows.data() + i * K,
          a + (r / mi) * d.a_stride_outer() + (r % mi) * d.a_stride_inner(), K);
      uint8_t *out = acc + r * d.acc_row_stride() * 4;
      if (accumulate)
        std::memcpy(rows.data() + i * N, out, size_t(N) * 4);
      else
        std::fill_n(rows.data() + i * N, N, Acc(0));
    }
    if (g == 4) {
      Acc *o = rows.data();
      macRows4(o, o + N, o + 2 * N, o + 3 * N, arows.data(), K, typedW(), N);
    } else if (!sparse) {
      for (int64_t i = 0; i < g; ++i)
        macRow(rows.data() + i * N, arows.data() + i * K, K, typedW(), N, N);
    } else {
      const T *block = typedW();
      for (int64_t kb = 0, blk = 0; kb < KB; ++kb)
        for (int64_t nb = 0; nb < NB; ++nb, ++blk) {
          if (!present[blk])
            continue;
          int64_t kt = std::min(R, K - kb * R), nt = std::min(C, N - nb * C);
          macRow(rows.data() + nb * C, arows.data() + kb * R, kt, block, C, nt);
          block += R * C;
        }
    }
    for (int64_t i = 0; i < g; ++i)
      std::memcpy(acc + (r0 + i) * d.acc_row_stride() * 4, rows.data() + i * N,
                  size_t(N) * 4);
  }
}

} // namespace

bool Emulator::execMatmul(const Instruction &insn, uint64_t &cycles,
                          std::string &why) {
  const bin::MatmulDesc &d = exe_.matmul(insn.get(FieldId::Matmul_Desc));
  bool fp32 = insn.get(FieldId::Matmul_Fp32);
  bool accumulate = insn.get(FieldId::Matmul_Accumulate);
  bool sparse = insn.get(FieldId::Matmul_Sparse);
  int64_t a = insn.get(FieldId::Matmul_A), w = insn.get(FieldId::Matmul_W);
  int64_t acc = insn.get(FieldId::Matmul_Acc);
  int64_t eb = fp32 ? 4 : 1;
  int64_t mo = d.m_outer(), mi = d.m_inner(), M = mo * mi;
  int64_t K = d.k(), N = d.n();
  int64_t R = target_.arrayRows, C = target_.arrayCols;
  int64_t KB = ceilDiv(K, R), NB = ceilDiv(N, C);
  cycles = 0;
  if (M == 0 || K == 0 || N == 0)
    return true;

  // A: rows (ro, ri) of K contiguous elements.
  int64_t aCounts[3] = {mo, mi, K};
  int64_t aStrides[3] = {int64_t(d.a_stride_outer()),
                         int64_t(d.a_stride_inner()), eb};
  if (!inBounds(extentOf(a, aCounts, aStrides, 3, eb), sram_.size()))
    return why = "matmul reads A outside the scratchpad", false;
  // Accumulator rows.
  int64_t accCounts[2] = {M, N};
  int64_t accStrides[2] = {int64_t(d.acc_row_stride()) * 4, 4};
  if (!inBounds(extentOf(acc * 4, accCounts, accStrides, 2, 4), acc_.size()))
    return why = "matmul writes outside the accumulator", false;

  // W: dense rows, or a block mask followed by the non-zero R x C blocks.
  std::vector<bool> present(size_t(KB * NB), true);
  int64_t blockBytes = R * C * eb, maskBytes = 0, nonZero = KB * NB;
  if (sparse) {
    maskBytes = int64_t(sparseMaskBytes(uint64_t(KB * NB)));
    if (w < 0 || w + maskBytes > int64_t(sram_.size()))
      return why = "matmul reads the sparsity mask outside the scratchpad",
             false;
    nonZero = 0;
    for (int64_t b = 0; b < KB * NB; ++b) {
      present[b] = (sram_[w + b / 8] >> (b % 8)) & 1;
      nonZero += present[b];
    }
    if (w + maskBytes + nonZero * blockBytes > int64_t(sram_.size()))
      return why = "matmul reads sparse W blocks outside the scratchpad", false;
  } else {
    int64_t wCounts[2] = {K, N};
    int64_t wStrides[2] = {int64_t(d.w_row_stride()), eb};
    if (!inBounds(extentOf(w, wCounts, wStrides, 2, eb), sram_.size()))
      return why = "matmul reads W outside the scratchpad", false;
  }

  // Functional model.
  const uint8_t *wData = sram_.data() + w + maskBytes;
  uint8_t *accData = acc_.data() + acc * 4;
  if (fp32)
    matmulRows<float, float, float>(d, sram_.data() + a, wData, accData,
                                    accumulate, sparse, present, nonZero, R, C);
  else
    matmulRows<int32_t, int8_t, int16_t>(d, sram_.data() + a, wData, accData,
                                         accumulate, sparse, present, nonZero,
                                         R, C);
  int64_t executedPerRow = 0, weightBytes = 0, aBytesPerRow = 0;
  for (int64_t kb = 0, blk = 0; kb < KB; ++kb)
    for (int64_t nb = 0; nb < NB; ++nb, ++blk) {
      if (!present[blk])
        continue;
      int64_t kt = std::min(R, K - kb * R), nt = std::min(C, N - nb * C);
      executedPerRow += kt * nt;
      weightBytes += sparse ? blockBytes : kt * nt * eb;
      aBytesPerRow += kt * eb;
    }
  // Timing: per present weight tile, R cycles to preload the weights, then
  // one row of A per cycle (fp32RateDivisor cycles per row for FP32); the
  // array fills and drains once (R + C cycles).
  cycles = matmulCycles(target_, uint64_t(M), uint64_t(nonZero), fp32);
  uint64_t executed = uint64_t(M * executedPerRow);
  stats_.macsDense += uint64_t(M * K * N);
  (fp32 ? stats_.macsFp32 : stats_.macsInt8) += executed;
  stats_.sramReadBytes += uint64_t(M * aBytesPerRow + weightBytes + maskBytes);
  stats_.sramReadBytes += accumulate ? uint64_t(M * N * 4) : 0;
  stats_.sramWriteBytes += uint64_t(M * N * 4);
  if (currentLayer_) {
    currentLayer_->macs += executed;
    currentLayer_->macsFp32 += fp32 ? executed : 0;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Vector unit
//===----------------------------------------------------------------------===//

namespace {

/// One operand of a vector instruction: memory, base address, element type
/// and element strides over the descriptor's four dimensions.
struct Operand {
  uint8_t *mem = nullptr;
  size_t memSize = 0;
  int64_t base = 0;
  bin::ElementType type = bin::ElementType::F32;
  int64_t strides[4] = {0, 0, 0, 0};
  int64_t eb = 4;

  uint8_t *at(const int64_t *idx) const {
    int64_t off = base;
    for (int i = 0; i < 4; ++i)
      off += idx[i] * strides[i] * eb;
    return mem + off;
  }
  float getF(const int64_t *idx) const {
    const uint8_t *p = at(idx);
    switch (type) {
    case bin::ElementType::F32:
      return loadF32(p);
    case bin::ElementType::I32:
      return float(loadI32(p));
    case bin::ElementType::I8:
      return float(int8_t(*p));
    case bin::ElementType::U8:
      return float(*p);
    default:
      return 0.0f;
    }
  }
  int64_t getI(const int64_t *idx) const {
    const uint8_t *p = at(idx);
    switch (type) {
    case bin::ElementType::I32:
      return loadI32(p);
    case bin::ElementType::I8:
      return int8_t(*p);
    case bin::ElementType::U8:
      return *p;
    case bin::ElementType::F32:
      return int64_t(loadF32(p));
    default:
      return 0;
    }
  }
  void setF(const int64_t *idx, float v) const { storeF32(at(idx), v); }
  /// Stores the low bits of `v` (two's complement wrap-around, as ONNX's
  /// integer arithmetic does).
  void setWrapped(const int64_t *idx, int64_t v) const {
    uint8_t *p = at(idx);
    if (type == bin::ElementType::I32)
      storeI32(p, int32_t(uint32_t(uint64_t(v))));
    else
      *p = uint8_t(uint64_t(v));
  }
  void setI(const int64_t *idx, int64_t v) const {
    uint8_t *p = at(idx);
    switch (type) {
    case bin::ElementType::I32:
      storeI32(p, saturate32(v));
      break;
    case bin::ElementType::I8:
      *p = uint8_t(int8_t(std::clamp<int64_t>(v, -128, 127)));
      break;
    case bin::ElementType::U8:
      *p = uint8_t(std::clamp<int64_t>(v, 0, 255));
      break;
    default:
      break;
    }
  }
};

bool isVectorType(bin::ElementType t) {
  return t == bin::ElementType::F32 || t == bin::ElementType::I32 ||
         t == bin::ElementType::I8 || t == bin::ElementType::U8 ||
         t == bin::ElementType::Bool;
}

/// Calls f(idx) for every point of `dims` (innermost first); none, and no
/// empty loops over the outer dimensions, when any dimension is 0.
template <typename F> void forEach(const int64_t *dims, F &&f) {
  if (dims[0] <= 0 || dims[1] <= 0 || dims[2] <= 0 || dims[3] <= 0)
    return;
  int64_t idx[4];
  for (idx[3] = 0; idx[3] < dims[3]; ++idx[3])
    for (idx[2] = 0; idx[2] < dims[2]; ++idx[2])
      for (idx[1] = 0; idx[1] < dims[1]; ++idx[1])
        for (idx[0] = 0; idx[0] < dims[0]; ++idx[0])
          f(idx);
}

/// Calls `row(idx, p, n, step)` for every row (dimension 0) of `dims`: `idx`
/// is the row's index (idx[0] == 0), p[k] the address of its first element
/// in operand `ops[k]`, n its length and step[k] the operand's byte stride
/// along it. With `merge`, outer dimensions that every operand walks on
/// from where dimension 0 ends are first folded into dimension 0: the same
/// addresses in the same order, in fewer and longer rows (`idx` then counts
/// the folded rows).
template <size_t K, typename Row>
void forEachRow(const int64_t *dims, const Operand *const (&ops)[K], bool merge,
                Row &&row) {
  int64_t n[4], steps[K][4];
  for (int i = 0; i < 4; ++i) {
    n[i] = dims[i];
    if (n[i] <= 0)
      return;
    for (size_t k = 0; k < K; ++k)
      steps[k][i] = ops[k]->strides[i] * ops[k]->eb;
  }
  for (int i = 1; merge && i < 4; ++i) {
    if (n[i] == 1)
      continue;
    for (size_t k = 0; k < K; ++k)
      merge &= steps[k][i] == steps[k][0] * n[0];
    if (!merge)
      break;
    n[0] *= n[i];
    n[i] = 1;
  }
  int64_t step[K];
  for (size_t k = 0; k < K; ++k)
    step[k] = steps[k][0];
  int64_t idx[4] = {0, 0, 0, 0};
  uint8_t *p[K];
  for (idx[3] = 0; idx[3] < n[3]; ++idx[3])
    for (idx[2] = 0; idx[2] < n[2]; ++idx[2])
      for (idx[1] = 0; idx[1] < n[1]; ++idx[1]) {
        for (size_t k = 0; k < K; ++k)
          p[k] = ops[k]->mem + ops[k]->base + idx[1] * steps[k][1] +
                 idx[2] * steps[k][2] + idx[3] * steps[k][3];
        row(static_cast<const int64_t *>(idx), static_cast<uint8_t *const *>(p),
            n[0], static_cast<const int64_t *>(step));
      }
}

/// Tells GCC that the loop after it carries no dependence through memory,
/// so it vectorises without a run-time overlap check (which sends an
/// in-place row, the common case, to the scalar loop). Clang (the sanitizer
/// and fuzzer builds, at -O1) keeps its own checks: its assume_safety only
/// warns when the vectoriser is off.
#if defined(__GNUC__) && !defined(__clang__)
#define NPU_IVDEP _Pragma("GCC ivdep")
#else
#define NPU_IVDEP
#endif

/// Whether element-wise d[i] = f(s[i]) over `n` dense elements may run in
/// any order: the rows are the same bytes (each element reads only what it
/// then overwrites) or do not overlap at all.
inline bool sameOrDisjoint(const uint8_t *d, size_t dBytes, const uint8_t *s,
                           size_t sBytes) {
  return d == s || d + dBytes <= s || s + sBytes <= d;
}

/// d[i] = f(a[i]) along one row. A row that both operands walk densely, in
/// place or without overlap, gets a loop the compiler vectorises; any other
/// keeps its element-by-element meaning in the scalar loop.
template <typename D, typename A, typename F>
void mapRow(uint8_t *d, const uint8_t *a, int64_t n, const int64_t *step, F f) {
  if (step[0] == sizeof(D) && step[1] == sizeof(A) &&
      sameOrDisjoint(d, n * sizeof(D), a, n * sizeof(A))) {
    NPU_IVDEP
    for (int64_t i = 0; i < n; ++i)
      store<D>(d + i * sizeof(D), f(load<A>(a + i * sizeof(A))));
  } else {
    for (int64_t i = 0; i < n; ++i)
      store<D>(d + i * step[0], f(load<A>(a + i * step[1])));
  }
}

/// d[i] = f(a[i], b[i]) along one row, as mapRow; a row of b repeated
/// (stride 0) is loaded once.
template <typename T, typename F>
void mapRow2(uint8_t *d, const uint8_t *a, const uint8_t *b, int64_t n,
             const int64_t *step, F f) {
  size_t bytes = size_t(n) * sizeof(T);
  if (step[0] == sizeof(T) && step[1] == sizeof(T) && step[2] == sizeof(T) &&
      sameOrDisjoint(d, bytes, a, bytes) &&
      sameOrDisjoint(d, bytes, b, bytes)) {
    NPU_IVDEP
    for (int64_t i = 0; i < n; ++i)
      store<T>(d + i * sizeof(T),
               f(load<T>(a + i * sizeof(T)), load<T>(b + i * sizeof(T))));
  } else if (step[0] == sizeof(T) && step[1] == sizeof(T) && step[2] == 0 &&
             sameOrDisjoint(d, bytes, a, bytes) &&
             sameOrDisjoint(d, bytes, b, sizeof(T))) {
    if (d == b) { // the scalar is overwritten by element 0 (n > 0)
      for (int64_t i = 0; i < n; ++i)
        store<T>(d + i * sizeof(T), f(load<T>(a + i * sizeof(T)), load<T>(b)));
      return;
    }
    T y = load<T>(b);
    NPU_IVDEP
    for (int64_t i = 0; i < n; ++i)
      store<T>(d + i * sizeof(T), f(load<T>(a + i * sizeof(T)), y));
  } else {
    for (int64_t i = 0; i < n; ++i)
      store<T>(d + i * step[0],
               f(load<T>(a + i * step[1]), load<T>(b + i * step[2])));
  }
}

/// Calls `run(std::integral_constant<uint8_t, func>())` for `func` in
/// [0, Count), so the function code is a constant in the element loop.
template <typename Run, uint8_t... F>
void withFuncIn(uint8_t func, Run &run, std::integer_sequence<uint8_t, F...>) {
  ((func == F ? (run(std::integral_constant<uint8_t, F>()), true) : false) ||
   ...);
}
template <uint8_t Count, typename Run> void withFunc(uint8_t func, Run &&run) {
  withFuncIn(func, run, std::make_integer_sequence<uint8_t, Count>());
}

/// Calls `run(T())` with T the C++ type of the integer element type `type`.
template <typename Run> void withIntType(bin::ElementType type, Run &&run) {
  switch (type) {
  case bin::ElementType::I32:
    return run(int32_t());
  case bin::ElementType::I8:
    return run(int8_t());
  case bin::ElementType::U8:
    return run(uint8_t());
  default:
    return;
  }
}

/// `v` saturated to integer type T, as Operand::setI stores it.
template <typename T> T saturateTo(int64_t v) {
  return T(std::clamp<int64_t>(v, std::numeric_limits<T>::min(),
                               std::numeric_limits<T>::max()));
}

float erfF(float x) { return std::erf(x); }

/// vec.binary mac on FP32: the product rounded, then the sum (Emulator.cpp
/// is built with -ffp-contract=off, so this is never one fused rounding).
inline float macF32(float acc, float x, float y) {
  float product = x * y;
  return acc + product;
}

/// One vec.binary function on FP32 (IEEE single precision; min and max
/// propagate NaN) or INT32 (computed in 64 bits and saturated by the store;
/// division by 0 gives 0).
template <typename T> T binaryOp(uint8_t func, T x, T y) {
  constexpr bool isFloat = std::is_floating_point_v<T>;
  switch (func) {
  case vecfunc::VecBinary_Add:
    return x + y;
  case vecfunc::VecBinary_Sub:
    return x - y;
  case vecfunc::VecBinary_Mul:
    return x * y;
  case vecfunc::VecBinary_Div:
    if constexpr (isFloat)
      return x / y;
    else
      return y == 0 ? 0 : x / y;
  case vecfunc::VecBinary_Min:
    if constexpr (isFloat)
      return std::isnan(x) || std::isnan(y) ? NAN : std::min(x, y);
    else
      return std::min(x, y);
  case vecfunc::VecBinary_Max:
    if constexpr (isFloat)
      return std::isnan(x) || std::isnan(y) ? NAN : std::max(x, y);
    else
      return std::max(x, y);
  case vecfunc::VecBinary_Pow:
    if constexpr (isFloat)
      return std::pow(x, y);
    else
      return T(std::pow(double(x), double(y)));
  }
  return 0;
}

/// One vec.binary comparison (ISA v4) on FP32 (IEEE: any comparison with
/// NaN is false) or INT32 operands: 1 when it holds, else 0 (a BOOL byte).
template <typename T> uint8_t compareOp(uint8_t func, T x, T y) {
  switch (func) {
  case vecfunc::VecBinary_Equal:
    return x == y;
  case vecfunc::VecBinary_Greater:
    return x > y;
  case vecfunc::VecBinary_GreaterEqual:
    return x >= y;
  case vecfunc::VecBinary_Less:
    return x < y;
  case vecfunc::VecBinary_LessEqual:
    return x <= y;
  }
  return 0;
}

/// One vec.binary logic function (ISA v4) on BOOL bytes (nonzero is true):
/// 1 or 0.
inline uint8_t logicOp(uint8_t func, uint8_t x, uint8_t y) {
  bool a = x != 0, b = y != 0;
  switch (func) {
  case vecfunc::VecBinary_And:
    return a && b;
  case vecfunc::VecBinary_Or:
    return a || b;
  case vecfunc::VecBinary_Xor:
    return a != b;
  }
  return 0;
}

/// The ISA v4 vec.binary functions (comparisons, logic, select), element by
/// element over `dims`; false with `why` for element types they do not
/// define.
bool maskFunction(uint8_t func, const int64_t *dims, const Operand &dst,
                  const Operand &s0, const Operand &s1, std::string &why) {
  const Operand *ops[] = {&dst, &s0, &s1};
  const char *name = vecFuncName(Opcode::VecBinary, func);
  bool isBool = dst.type == bin::ElementType::Bool;
  if (func <= vecfunc::VecBinary_LessEqual) {
    if (s0.type != s1.type || !isBool ||
        (s0.type != bin::ElementType::F32 && s0.type != bin::ElementType::I32))
      return why = std::string("vec.binary ") + name +
                   " compares FP32 or INT32 operands of one type into a BOOL "
                   "mask",
             false;
    auto compare = [&](auto t) {
      using T = decltype(t);
      forEachRow(dims, ops, true,
                 [&](const int64_t *, uint8_t *const *p, int64_t n,
                     const int64_t *step) {
                   for (int64_t i = 0; i < n; ++i)
                     p[0][i * step[0]] =
                         compareOp(func, load<T>(p[1] + i * step[1]),
                                   load<T>(p[2] + i * step[2]));
                 });
    };
    if (s0.type == bin::ElementType::F32)
      compare(float());
    else
      compare(int32_t());
    return true;
  }
  if (func <= vecfunc::VecBinary_Xor) {
    if (s0.type != bin::ElementType::Bool ||
        s1.type != bin::ElementType::Bool || !isBool)
      return why = std::string("vec.binary ") + name +
                   " needs BOOL operands and result",
             false;
    forEachRow(dims, ops, true,
               [&](const int64_t *, uint8_t *const *p, int64_t n,
                   const int64_t *step) {
                 for (int64_t i = 0; i < n; ++i)
                   p[0][i * step[0]] =
                       logicOp(func, p[1][i * step[1]], p[2][i * step[2]]);
               });
    return true;
  }
  // select: dst = src0 ? src1 : dst, a masked move of dst.eb bytes.
  if (s0.type != bin::ElementType::Bool || s1.type != dst.type || isBool)
    return why = "vec.binary select needs a BOOL mask (src0) and src1 and dst "
                 "of one numeric type",
           false;
  size_t eb = size_t(dst.eb);
  forEachRow(
      dims, ops, true,
      [&](const int64_t *, uint8_t *const *p, int64_t n, const int64_t *step) {
        for (int64_t i = 0; i < n; ++i)
          if (p[1][i * step[1]])
            std::memmove(p[0] + i * step[0], p[2] + i * step[2], eb);
      });
  return true;
}

/// Descriptor scalars of vec.unary (and of an output stage).
struct UnaryParams {
  float alpha, beta, lo, hi;
};

/// affine_clamp: min(max(alpha * x + beta, lo), hi), the multiply and the
/// add rounded apart (the runtime is built with -ffp-contract=off). One
/// definition for vec.unary affine_clamp, the hard swishes' gate and the
/// output stages below, so that a stage is bit for bit the pass it
/// replaces.
[[gnu::always_inline]] inline float affineClampF32(float x,
                                                   const UnaryParams &p) {
  return std::min(std::max(p.alpha * x + p.beta, p.lo), p.hi);
}

/// The output stage of an FP32 vec.binary add, sub, mul or div and of
/// vec.convert itof_affine (ISA v14): affine_clamp on the result, with the
/// descriptor's scalars, when any differs from its default (alpha 1, beta
/// 0, lo -inf, hi +inf; `on` false: the result as it is). A bias add and
/// the ReLU or Clip after it are one pass, bit for bit the two.
struct OutputStage {
  bool on = false;
  UnaryParams p = {1, 0, -INFINITY, INFINITY};
  float operator()(float r) const { return on ? affineClampF32(r, p) : r; }
};

/// The output stage descriptor `d` asks for (`on` when a scalar is not its
/// default).
OutputStage outputStageOf(const bin::VectorDesc &d) {
  UnaryParams p = {d.alpha(), d.beta(), d.lo(), d.hi()};
  bool on = p.alpha != 1.0f || p.beta != 0.0f || p.lo != -INFINITY ||
            p.hi != INFINITY;
  return on ? OutputStage{true, p} : OutputStage{};
}

#ifdef NPU_EMULATOR_AVX2
/// vec.binary add, sub, mul, div or mac (`Func`) on one dense FP32 row with
/// AVX2 registers: d[i] = a[i] op b[i], or a[i] op b[0] with `bScalar` (mac:
/// d[i] + a[i] * b[i], a multiply then an add, never an FMA). The caller has
/// checked that d and a are the same bytes or disjoint, and so are d and b
/// (the scalar is not in d). Lane by lane, these are the IEEE operations
/// binaryOp and macF32 perform, so the results are bit-identical; then
/// `stage` (a multiply and an add; max(lo, r) and min(hi, r) return r on
/// NaN and equal inputs, as std::max(r, lo) and std::min(r, hi) do).
template <uint8_t Func>
[[gnu::target("avx2")]] void
binaryRowF32Avx2(uint8_t *d, const uint8_t *a, const uint8_t *b, int64_t n,
                 bool bScalar, const OutputStage &stage = {}) {
  __m256 alpha = _mm256_set1_ps(stage.p.alpha);
  __m256 beta = _mm256_set1_ps(stage.p.beta);
  __m256 lo = _mm256_set1_ps(stage.p.lo), hi = _mm256_set1_ps(stage.p.hi);
  auto *fd = reinterpret_cast<float *>(d);
  auto *fa = reinterpret_cast<const float *>(a);
  auto *fb = reinterpret_cast<const float *>(b);
  // The scalar is read only when there is a lane to apply it to: a row of
  // no elements reads nothing (its operands' bounds were checked for the
  // elements the instruction touches, which are none).
  __m256 scalar =
      bScalar && n >= 8 ? _mm256_set1_ps(loadF32(b)) : _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 x = _mm256_loadu_ps(fa + i);
    __m256 y = bScalar ? scalar : _mm256_loadu_ps(fb + i);
    __m256 r;
    if constexpr (Func == vecfunc::VecBinary_Mac)
      r = _mm256_add_ps(_mm256_loadu_ps(fd + i), _mm256_mul_ps(x, y));
    else if constexpr (Func == vecfunc::VecBinary_Add)
      r = _mm256_add_ps(x, y);
    else if constexpr (Func == vecfunc::VecBinary_Sub)
      r = _mm256_sub_ps(x, y);
    else if constexpr (Func == vecfunc::VecBinary_Mul)
      r = _mm256_mul_ps(x, y);
    else
      r = _mm256_div_ps(x, y);
    if (stage.on)
      r = _mm256_min_ps(
          hi, _mm256_max_ps(lo, _mm256_add_ps(_mm256_mul_ps(alpha, r), beta)));
    _mm256_storeu_ps(fd + i, r);
  }
  for (; i < n; ++i) {
    float x = loadF32(a + 4 * i), y = loadF32(b + (bScalar ? 0 : 4 * i));
    storeF32(d + 4 * i, stage(Func == vecfunc::VecBinary_Mac
                                  ? macF32(loadF32(d + 4 * i), x, y)
                                  : binaryOp(Func, x, y)));
  }
}
#endif

#ifdef NPU_EMULATOR_AVX2
/// binaryRowF32Avx2 over `rows` rows, `dStep`, `aStep` and `bStep` bytes
/// apart (bStep 0: every row reads the same b), in row order: one call for
/// a plane of short rows, such as a per-channel scale on channels-last data.
template <uint8_t Func>
[[gnu::target("avx2")]] void
binaryRowsF32Avx2(uint8_t *d, const uint8_t *a, const uint8_t *b, int64_t n,
                  bool bScalar, int64_t rows, int64_t dStep, int64_t aStep,
                  int64_t bStep, const OutputStage &stage) {
  for (int64_t r = 0; r < rows; ++r)
    binaryRowF32Avx2<Func>(d + r * dStep, a + r * aStep, b + r * bStep, n,
                           bScalar, stage);
}

/// Whether operand `s` reads nothing that `dst` writes over the iteration
/// space `dims`, or reads exactly what each element then overwrites (same
/// memory, base and strides): then rows and 8-lane groups may be computed
/// in any order that keeps rows in order.
bool readsSafely(const Operand &s, const Operand &dst, const int64_t *dims) {
  if (s.mem != dst.mem)
    return true;
  bool same = s.base == dst.base && s.eb == dst.eb;
  for (int i = 0; i < 4; ++i)
    same &= s.strides[i] == dst.strides[i] || dims[i] == 1;
  if (same)
    return true;
  int64_t sb[4], db[4];
  for (int i = 0; i < 4; ++i) {
    sb[i] = s.strides[i] * s.eb;
    db[i] = dst.strides[i] * dst.eb;
  }
  Extent se = extentOf(s.base, dims, sb, 4, s.eb);
  Extent de = extentOf(dst.base, dims, db, 4, dst.eb);
  return se.empty || de.empty || se.hi <= de.lo || de.hi <= se.lo;
}
#endif

/// One vec.unary function other than copy, on FP32. Inlined so that a
/// constant `func` leaves only its own arithmetic in the element loop.
[[gnu::always_inline]] inline float unaryOp(uint8_t func, float x,
                                            const UnaryParams &p) {
  float alpha = p.alpha, beta = p.beta, lo = p.lo, hi = p.hi;
  float r = x;
  switch (func) {
  case vecfunc::VecUnary_AffineClamp:
    r = affineClampF32(x, p);
    break;
  case vecfunc::VecUnary_LeakyRelu:
    r = x >= 0 ? x : alpha * x;
    break;
  case vecfunc::VecUnary_HardSwish:
    r = x * affineClampF32(x, {alpha, beta, 0.0f, 1.0f});
    break;
  case vecfunc::VecUnary_HardSwishAffine: // ISA v14
    r = lo * (x * affineClampF32(x, {alpha, beta, 0.0f, 1.0f})) + hi;
    break;
  case vecfunc::VecUnary_Exp:
    r = std::exp(x);
    break;
  case vecfunc::VecUnary_Reciprocal:
    r = 1.0f / x;
    break;
  case vecfunc::VecUnary_Rsqrt:
    r = 1.0f / std::sqrt(x);
    break;
  case vecfunc::VecUnary_Sqrt:
    r = std::sqrt(x);
    break;
  case vecfunc::VecUnary_Tanh:
    r = std::tanh(x);
    break;
  case vecfunc::VecUnary_Erf:
    r = erfF(x);
    break;
  case vecfunc::VecUnary_Sigmoid:
    r = 1.0f / (1.0f + std::exp(-x));
    break;
  case vecfunc::VecUnary_Abs:
    r = std::fabs(x);
    break;
  case vecfunc::VecUnary_Floor:
    r = std::floor(x);
    break;
  case vecfunc::VecUnary_Ceil:
    r = std::ceil(x);
    break;
  case vecfunc::VecUnary_Round: // half to even, whatever the FPU mode
    r = x - std::floor(x) == 0.5f ? 2.0f * std::round(x / 2.0f) : std::round(x);
    break;
  case vecfunc::VecUnary_Sign:
    r = x > 0 ? 1.0f : x < 0 ? -1.0f : x; // 0 and NaN pass through
    break;
  case vecfunc::VecUnary_Log:
    r = std::log(x);
    break;
  case vecfunc::VecUnary_Sin:
    r = std::sin(x);
    break;
  case vecfunc::VecUnary_Cos:
    r = std::cos(x);
    break;
  case vecfunc::VecUnary_Softplus:
    r = std::log(std::exp(x) + 1.0f);
    break;
  case vecfunc::VecUnary_Elu:
    r = beta * (x > 0 ? x : alpha * (std::exp(x) - 1.0f));
    break;
  case vecfunc::VecUnary_Softsign:
    r = x / (1.0f + std::fabs(x));
    break;
  case vecfunc::VecUnary_Tan:
    r = std::tan(x);
    break;
  case vecfunc::VecUnary_Asin:
    r = std::asin(x);
    break;
  case vecfunc::VecUnary_Acos:
    r = std::acos(x);
    break;
  case vecfunc::VecUnary_Atan:
    r = std::atan(x);
    break;
  case vecfunc::VecUnary_Sinh:
    r = std::sinh(x);
    break;
  case vecfunc::VecUnary_Cosh:
    r = std::cosh(x);
    break;
  case vecfunc::VecUnary_Asinh:
    r = std::asinh(x);
    break;
  case vecfunc::VecUnary_Acosh:
    r = std::acosh(x);
    break;
  case vecfunc::VecUnary_Atanh:
    r = std::atanh(x);
    break;
  case vecfunc::VecUnary_ThresholdedRelu:
    r = x > alpha ? x : 0.0f;
    break;
  case vecfunc::VecUnary_Shrink:
    r = x < -alpha ? x + beta : x > alpha ? x - beta : 0.0f;
    break;
  }
  return r;
}

#ifdef NPU_EMULATOR_AVX2
/// vec.unary hard_swish (Affine false) or hard_swish_affine (true) on one
/// dense FP32 row with AVX2 registers, d and a the same bytes or disjoint.
/// unaryOp's x * min(max(alpha * x + beta, 0), 1) lane by lane:
/// std::max(t, 0) is (t < 0 ? 0 : t), which is _mm256_max_ps(0, t) (it
/// returns its second operand when unordered or equal, so NaN and -0 pass
/// through as in C++), and std::min(u, 1) is _mm256_min_ps(1, u) likewise;
/// then, for hard_swish_affine, lo * h + hi as a multiply and an add.
template <bool Affine>
[[gnu::target("avx2")]] void hardSwishRowAvx2(uint8_t *d, const uint8_t *a,
                                              int64_t n, const UnaryParams &p) {
  __m256 alpha = _mm256_set1_ps(p.alpha), beta = _mm256_set1_ps(p.beta);
  __m256 scale = _mm256_set1_ps(p.lo), offset = _mm256_set1_ps(p.hi);
  __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 x = _mm256_loadu_ps(reinterpret_cast<const float *>(a + 4 * i));
    __m256 t = _mm256_add_ps(_mm256_mul_ps(alpha, x), beta);
    t = _mm256_min_ps(one, _mm256_max_ps(zero, t));
    __m256 h = _mm256_mul_ps(x, t);
    if constexpr (Affine)
      h = _mm256_add_ps(_mm256_mul_ps(scale, h), offset);
    _mm256_storeu_ps(reinterpret_cast<float *>(d + 4 * i), h);
  }
  for (; i < n; ++i)
    storeF32(d + 4 * i, unaryOp(Affine ? vecfunc::VecUnary_HardSwishAffine
                                       : vecfunc::VecUnary_HardSwish,
                                loadF32(a + 4 * i), p));
}
#endif

} // namespace

int64_t quantizeCode(float x, float alpha, int32_t zpOut, bool even) {
  float q = x / alpha;
  if (even)
    q = std::isnan(q) ? q : std::nearbyint(q);
  return int64_t(roundClamp(q, -(1 << 20), 1 << 20)) + zpOut;
}

namespace {

/// vec.convert quantize of one element: round(x / alpha) half away from
/// zero (quantize) or half to even (quantize_even: std::nearbyint in the
/// default rounding mode), clamped to +-2^20 (NaN gives 0), plus the zero
/// point, clamped to [lo, hi] and saturated to T (roundClamp, saturateTo).
template <typename T, bool Even = false>
T quantizeF32(float x, float alpha, int32_t zpOut, int32_t lo, int32_t hi) {
  return saturateTo<T>(
      std::clamp<int64_t>(quantizeCode(x, alpha, zpOut, Even), lo, hi));
}

#ifdef NPU_EMULATOR_AVX2
/// quantizeF32 over one dense row (FP32 at a, INT8 or UINT8 at d; the same
/// first byte or disjoint: a block of 8 is loaded before it is stored, so
/// an in-place row reads each source before it is overwritten) with AVX2
/// registers. The caller checks lo <= hi and |zpOut| <= 2^30 (so the sum
/// fits 32 bits). std::round is t = trunc(q), plus sign(q) when |q - t| >=
/// 0.5 (q - t is exact: t is q with its fraction bits cleared); lanes
/// where q is NaN are 0 before the zero point, as in roundClamp; infinities
/// clamp to +-2^20. With `Even`, the rounding is the instruction's round to
/// nearest, ties to even (quantize_even).
template <typename T, bool Even = false>
[[gnu::target("avx2")]] void
quantizeRowF32Avx2(uint8_t *d, const uint8_t *a, int64_t n, float alpha,
                   int32_t zpOut, int32_t lo, int32_t hi) {
  const __m256 va = _mm256_set1_ps(alpha), half = _mm256_set1_ps(0.5f);
  const __m256 one = _mm256_set1_ps(1.0f), signBit = _mm256_set1_ps(-0.0f);
  const __m256 limLo = _mm256_set1_ps(-float(1 << 20)),
               limHi = _mm256_set1_ps(float(1 << 20));
  const __m256i zp = _mm256_set1_epi32(zpOut);
  const __m256i tLo = _mm256_set1_epi32(
                    std::max<int32_t>(lo, std::numeric_limits<T>::min())),
                tHi = _mm256_set1_epi32(
                    std::min<int32_t>(hi, std::numeric_limits<T>::max()));
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 x = _mm256_loadu_ps(reinterpret_cast<const float *>(a + 4 * i));
    __m256 q = _mm256_div_ps(x, va);
    __m256 r;
    if constexpr (Even) {
      r = _mm256_round_ps(q, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    } else {
      __m256 t = _mm256_round_ps(q, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
      __m256 away = _mm256_cmp_ps(
          _mm256_andnot_ps(signBit, _mm256_sub_ps(q, t)), half, _CMP_GE_OQ);
      __m256 step = _mm256_or_ps(_mm256_and_ps(q, signBit), one); // +-1
      r = _mm256_add_ps(t, _mm256_and_ps(away, step));
    }
    r = _mm256_min_ps(_mm256_max_ps(r, limLo), limHi);
    r = _mm256_andnot_ps(_mm256_cmp_ps(q, q, _CMP_UNORD_Q), r); // NaN: 0
    __m256i y = _mm256_add_epi32(_mm256_cvttps_epi32(r), zp);
    // clamp(y, lo, hi) then saturation to T is one clamp to the two ranges'
    // intersection; when they do not meet (lo > 127 for INT8, hi < 0 for
    // UINT8) this gives 127, or a negative hi that the pack saturates to 0,
    // as saturateTo does.
    y = _mm256_min_epi32(_mm256_max_epi32(y, tLo), tHi);
    __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(y),
                                _mm256_extracti128_si256(y, 1));
    __m128i b =
        std::is_signed_v<T> ? _mm_packs_epi16(w, w) : _mm_packus_epi16(w, w);
    _mm_storel_epi64(reinterpret_cast<__m128i *>(d + i), b);
  }
  for (; i < n; ++i)
    store<T>(d + i,
             quantizeF32<T, Even>(loadF32(a + 4 * i), alpha, zpOut, lo, hi));
}
#endif

/// vec.reduce argmax, argmin, argmax_last, argmin_last (ISA v5): for each
/// destination element (the axes whose dst stride is nonzero), the index of
/// the extreme source element among its group (the stride-0 axes), counted
/// in visiting order, dims[0] fastest. The first element is kept; a later
/// one replaces it when it compares greater (less), or for *_last greater or
/// equal (less or equal): NaN never replaces, and is kept only when first,
/// as ONNX Runtime's ArgMax (and the host kernel) do. INT64 destinations get
/// the index zero-extended.
bool argReduce(uint8_t func, const int64_t *dims, const Operand &dst,
               const Operand &s0, std::string &why) {
  if ((s0.type != bin::ElementType::F32 && s0.type != bin::ElementType::I32) ||
      (dst.type != bin::ElementType::I32 && dst.type != bin::ElementType::I64))
    return why = "vec.reduce argmax/argmin reads FP32 or INT32 and writes "
                 "INT32 or INT64 indices",
           false;
  bool isMax = func == vecfunc::VecReduce_ArgMax ||
               func == vecfunc::VecReduce_ArgMaxLast;
  bool last = func == vecfunc::VecReduce_ArgMaxLast ||
              func == vecfunc::VecReduce_ArgMinLast;
  int64_t kept[4], group[4];
  for (int i = 0; i < 4; ++i) {
    bool reduced = dst.strides[i] == 0;
    kept[i] = reduced ? std::min<int64_t>(dims[i], 1) : dims[i];
    group[i] = reduced ? dims[i] : std::min<int64_t>(dims[i], 1);
  }
  auto better = [&](auto x, auto best) {
    return isMax ? (last ? x >= best : x > best)
                 : (last ? x <= best : x < best);
  };
  bool isFloat = s0.type == bin::ElementType::F32;
  forEach(kept, [&](const int64_t *k) {
    int64_t at = 0, count = 0;
    float bestF = 0;
    int64_t bestI = 0;
    forEach(group, [&](const int64_t *g) {
      int64_t idx[4] = {k[0] + g[0], k[1] + g[1], k[2] + g[2], k[3] + g[3]};
      if (isFloat) {
        float x = s0.getF(idx);
        if (count == 0 || better(x, bestF))
          bestF = x, at = count;
      } else {
        int64_t x = s0.getI(idx);
        if (count == 0 || better(x, bestI))
          bestI = x, at = count;
      }
      ++count;
    });
    uint8_t *p = dst.at(k);
    if (dst.type == bin::ElementType::I64) {
      uint64_t v = uint64_t(at);
      std::memcpy(p, &v, 8);
    } else {
      storeI32(p, int32_t(at));
    }
  });
  return true;
}

#ifdef NPU_EMULATOR_AVX2
/// binaryRowF32Avx2<Func> on one forEachRow row (dst, src0, src1 at p[0],
/// p[1], p[2]; steps in bytes) when it is dense FP32 (src1 dense or one
/// broadcast scalar), the host has AVX2 and dst is the same bytes as each
/// source or disjoint from it; false, with nothing done, otherwise.
template <uint8_t Func>
bool binaryRowF32Avx2IfDense(uint8_t *const *p, int64_t n, const int64_t *step,
                             const OutputStage &stage = {}) {
  if (step[0] != 4 || step[1] != 4 || (step[2] != 4 && step[2] != 0) ||
      !hostHasAvx2())
    return false;
  size_t bytes = size_t(n) * 4;
  if (!sameOrDisjoint(p[0], bytes, p[1], bytes) ||
      !(step[2] ? sameOrDisjoint(p[0], bytes, p[2], bytes)
                : p[0] + bytes <= p[2] || p[2] + 4 <= p[0]))
    return false;
  binaryRowF32Avx2<Func>(p[0], p[1], p[2], n, step[2] == 0, stage);
  return true;
}
#endif

/// vec.binary mac (ISA v7): dst += src0 * src1 element by element over
/// `dims`, FP32 (the product rounded, then the sum) or INT32 (64-bit, then
/// wrapped); false with `why` for other element types.
bool macFunction(const int64_t *dims, const Operand &dst, const Operand &s0,
                 const Operand &s1, std::string &why) {
  if (s0.type != dst.type || s1.type != dst.type ||
      (dst.type != bin::ElementType::F32 && dst.type != bin::ElementType::I32))
    return why = "vec.binary mac needs FP32 or INT32 operands of one type",
           false;
  const Operand *ops[] = {&dst, &s0, &s1};
  bool isFloat = dst.type == bin::ElementType::F32;
  forEachRow(
      dims, ops, true,
      [&](const int64_t *, uint8_t *const *p, int64_t n, const int64_t *step) {
#ifdef NPU_EMULATOR_AVX2
        if (isFloat &&
            binaryRowF32Avx2IfDense<vecfunc::VecBinary_Mac>(p, n, step))
          return;
#endif
        for (int64_t i = 0; i < n; ++i) {
          uint8_t *d = p[0] + i * step[0];
          const uint8_t *a = p[1] + i * step[1], *b = p[2] + i * step[2];
          if (isFloat) {
            storeF32(d, macF32(loadF32(d), loadF32(a), loadF32(b)));
          } else {
            int64_t sum = int64_t(load<int32_t>(d)) +
                          int64_t(load<int32_t>(a)) * int64_t(load<int32_t>(b));
            int32_t wrapped = int32_t(uint32_t(uint64_t(sum)));
            std::memcpy(d, &wrapped, 4);
          }
        }
      });
  return true;
}

/// vec.binary add_rescale and mul_rescale (ISA v13, Isa.def): INT8 or UINT8
/// operands and result, each side offset by its zero point and scaled in
/// FP32, summed or multiplied, then quantized with alpha 1 (quantizeF32);
/// false with `why` for other element types.
bool rescaleFunction(unsigned func, const bin::VectorDesc &d,
                     const int64_t *dims, const Operand &dst, const Operand &s0,
                     const Operand &s1, std::string &why) {
  auto narrow = [](bin::ElementType t) {
    return t == bin::ElementType::I8 || t == bin::ElementType::U8;
  };
  if (!narrow(s0.type) || !narrow(s1.type) || !narrow(dst.type))
    return why = "vec.binary add_rescale and mul_rescale need INT8 or UINT8 "
                 "operands and result",
           false;
  bool mul = func == vecfunc::VecBinary_MulRescale;
  float alpha = d.alpha(), beta = d.beta();
  int32_t zp0 = d.zp_in(), zp1 = d.zp_in1(), zpOut = d.zp_out();
  int32_t lo = roundClamp(d.lo(), -128, 255),
          hi = roundClamp(d.hi(), -128, 255);
  auto code = [](bin::ElementType t, const uint8_t *p) {
    return t == bin::ElementType::I8 ? int32_t(int8_t(*p)) : int32_t(*p);
  };
  const Operand *ops[] = {&dst, &s0, &s1};
  bool signedOut = dst.type == bin::ElementType::I8;
  forEachRow(
      dims, ops, true,
      [&](const int64_t *, uint8_t *const *p, int64_t n, const int64_t *step) {
        for (int64_t i = 0; i < n; ++i) {
          // In 64 bits: a hostile file's zero points may be any INT32.
          float a =
              float(int64_t(code(s0.type, p[1] + i * step[1])) - zp0) * alpha;
          float b =
              float(int64_t(code(s1.type, p[2] + i * step[2])) - zp1) * beta;
          float v = mul ? a * b : a + b;
          uint8_t *out = p[0] + i * step[0];
          *out = signedOut
                     ? uint8_t(quantizeF32<int8_t>(v, 1.0f, zpOut, lo, hi))
                     : quantizeF32<uint8_t>(v, 1.0f, zpOut, lo, hi);
        }
      });
  return true;
}

/// vec.pool dot (ISA v10): dst[i] = the sum over the window (ky outer, kx
/// inner) of src0 at the window's element times src1 at (i0, kx, ky, i3),
/// INT8 or UINT8 src0, INT8 src1, INT32 dst (exact in 64 bits, then
/// wrapped); false with `why` for other element types.
bool poolDotFunction(const int64_t *dims, const int64_t *win,
                     const int64_t *winStride, const Operand &dst,
                     const Operand &s0, const Operand &s1, std::string &why) {
  if ((s0.type != bin::ElementType::I8 && s0.type != bin::ElementType::U8) ||
      s1.type != bin::ElementType::I8 || dst.type != bin::ElementType::I32)
    return why = "vec.pool dot reads INT8 or UINT8 and INT8 and writes INT32",
           false;
  bool isUnsigned = s0.type == bin::ElementType::U8;
  // Byte steps of the window's x and y in each source.
  int64_t x0 = s0.strides[1], y0 = s0.strides[2];
  int64_t x1 = s1.strides[1], y1 = s1.strides[2];
  // Channels (dim 0) dense in both sources and the result, the layout the
  // compiler's INT8 depthwise convolutions use: one row of channels at a
  // time, tap by tap, in 32-bit lanes the host vectorizes. Sums wrap modulo
  // 2^32 either way (unsigned arithmetic), so the result is the 64-bit sum
  // wrapped, as below.
  if (dims[0] > 1 && s0.strides[0] == 1 && s1.strides[0] == 1 &&
      dst.strides[0] == 1) {
    int64_t channels = dims[0];
    std::vector<uint32_t> acc(size_t(channels), 0);
    for (int64_t i3 = 0; i3 < dims[3]; ++i3)
      for (int64_t i2 = 0; i2 < dims[2]; ++i2)
        for (int64_t i1 = 0; i1 < dims[1]; ++i1) {
          int64_t src[4] = {0, i1 * winStride[0], i2 * winStride[1], i3};
          int64_t wIdx[4] = {0, 0, 0, i3}, out[4] = {0, i1, i2, i3};
          const uint8_t *a = s0.at(src), *w = s1.at(wIdx);
          std::fill(acc.begin(), acc.end(), 0u);
          for (int64_t ky = 0; ky < win[1]; ++ky)
            for (int64_t kx = 0; kx < win[0]; ++kx) {
              const uint8_t *ap = a + ky * y0 + kx * x0;
              const int8_t *wp =
                  reinterpret_cast<const int8_t *>(w + ky * y1 + kx * x1);
              uint32_t *sum = acc.data();
              if (isUnsigned)
                for (int64_t c = 0; c < channels; ++c)
                  sum[c] += uint32_t(int32_t(ap[c]) * int32_t(wp[c]));
              else
                for (int64_t c = 0; c < channels; ++c)
                  sum[c] += uint32_t(int32_t(int8_t(ap[c])) * int32_t(wp[c]));
            }
          std::memcpy(dst.at(out), acc.data(), size_t(channels) * 4);
        }
    return true;
  }
  forEach(dims, [&](const int64_t *idx) {
    int64_t src[4] = {idx[0], idx[1] * winStride[0], idx[2] * winStride[1],
                      idx[3]};
    int64_t wIdx[4] = {idx[0], 0, 0, idx[3]};
    const uint8_t *a = s0.at(src), *w = s1.at(wIdx);
    int64_t sum = 0;
    for (int64_t ky = 0; ky < win[1]; ++ky)
      for (int64_t kx = 0; kx < win[0]; ++kx) {
        uint8_t byte = a[ky * y0 + kx * x0];
        int64_t x = isUnsigned ? int64_t(byte) : int64_t(int8_t(byte));
        sum += x * int64_t(int8_t(w[ky * y1 + kx * x1]));
      }
    int32_t wrapped = int32_t(uint32_t(uint64_t(sum)));
    std::memcpy(dst.at(idx), &wrapped, 4);
  });
  return true;
}

/// vec.convert itof_affine (ISA v10): dst = fp32(fp32(src0) * scale[c]) +
/// bias[c], INT32 to FP32, c the index on channel_axis; the rows in the
/// scratchpad at Src1 (Isa.def); then `stage` (ISA v14, the descriptor's
/// output stage); false with `why` when the types, the axis or the rows'
/// bytes are not the instruction's.
bool affineReadout(const Instruction &insn, const bin::VectorDesc &d,
                   const int64_t *dims, const Operand &dst, const Operand &s0,
                   const Memory &sram, const OutputStage &stage,
                   std::string &why) {
  if (s0.type != bin::ElementType::I32 || dst.type != bin::ElementType::F32 ||
      d.src1_type() != bin::ElementType::F32 ||
      d.src1_space() != bin::Space::Scratchpad)
    return why = "vec.convert itof_affine maps INT32 to FP32 with FP32 rows "
                 "in the scratchpad",
           false;
  unsigned axis = d.channel_axis();
  if (axis > 3)
    return why = "vec.convert itof_affine channel axis out of range", false;
  int64_t rows = insn.get(FieldId::VecConvert_Src1);
  int64_t step = d.src1_strides()->Get(0), gap = d.src1_strides()->Get(1);
  int64_t counts[2] = {dims[axis], 2}, bytes[2] = {4 * step, 4 * gap};
  if (dims[axis] > 0 &&
      !inBounds(extentOf(rows, counts, bytes, 2, 4), sram.size()))
    return why = "vec.convert itof_affine rows reach outside the scratchpad",
           false;
  const uint8_t *table = sram.data() + rows;
  const Operand *ops[] = {&dst, &s0};
  forEachRow(
      dims, ops, false,
      [&](const int64_t *idx, uint8_t *const *p, int64_t n, const int64_t *st) {
        for (int64_t i = 0; i < n; ++i) {
          int64_t c = axis ? idx[axis] : i;
          const uint8_t *row = table + 4 * c * step;
          float x = float(load<int32_t>(p[1] + i * st[1]));
          float scaled = x * loadF32(row);
          storeF32(p[0] + i * st[0], stage(scaled + loadF32(row + 4 * gap)));
        }
      });
  return true;
}

} // namespace

bool Emulator::vector(const Instruction &insn, uint64_t &cycles,
                      std::string &why) {
  Opcode op = insn.opcode();
  const bin::VectorDesc &d = exe_.vector(insn.get(FieldId::VecBinary_Desc));
  uint8_t func = uint8_t(insn.get(FieldId::VecBinary_Func));
  const char *mnemonic = opcodeInfo(uint8_t(op))->mnemonic;
  if (op != Opcode::VecRequant && op != Opcode::VecLut &&
      !vecFuncName(op, func))
    return why = std::string(mnemonic) + " has unknown function " +
                 std::to_string(func),
           false;

  int64_t dims[4];
  for (int i = 0; i < 4; ++i)
    dims[i] = d.dims()->Get(i);
  int64_t elements = dims[0] * dims[1] * dims[2] * dims[3];
  int64_t win[2] = {1, 1}, winStride[2] = {1, 1};
  if (op == Opcode::VecPool)
    for (int i = 0; i < 2; ++i) {
      win[i] = d.window()->Get(i);
      winStride[i] = d.window_strides()->Get(i);
      if (win[i] == 0)
        return why = "vec.pool with an empty window", false;
    }

  // vec.reduce argmax/argmin (ISA v5) may write INT64 indices.
  bool argIndex =
      op == Opcode::VecReduce &&
      (func == vecfunc::VecReduce_ArgMax || func == vecfunc::VecReduce_ArgMin ||
       func == vecfunc::VecReduce_ArgMaxLast ||
       func == vecfunc::VecReduce_ArgMinLast);
  auto makeOperand = [&](FieldId addrField, bin::ElementType type,
                         bin::Space space,
                         const flatbuffers::Array<int32_t, 4> *strides,
                         Operand &o, const char *what) -> bool {
    if (!isVectorType(type) && !(argIndex && type == bin::ElementType::I64 &&
                                 std::string(what) == "dst"))
      return why = std::string(mnemonic) + " " + what +
                   " has an unsupported element type",
             false;
    if (space != bin::Space::Scratchpad && space != bin::Space::Accumulator)
      return why = std::string(mnemonic) + " " + what +
                   " names an unknown memory",
             false;
    Memory &mem = space == bin::Space::Accumulator ? acc_ : sram_;
    o.mem = mem.data();
    o.memSize = mem.size();
    o.base = insn.get(addrField);
    o.type = type;
    o.eb = elementBytes(type);
    int64_t counts[4], byteStrides[4];
    for (int i = 0; i < 4; ++i) {
      o.strides[i] = strides->Get(i);
      counts[i] = dims[i];
      byteStrides[i] = o.strides[i] * o.eb;
    }
    // A pool source spans the windows too.
    if (op == Opcode::VecPool && std::string(what) == "src0")
      for (int i = 0; i < 2; ++i)
        counts[i + 1] =
            dims[i + 1] == 0 ? 0 : (dims[i + 1] - 1) * winStride[i] + win[i];
    // vec.pool dot's weights: (dims[0], kx, ky, dims[3]).
    if (op == Opcode::VecPool && std::string(what) == "src1")
      for (int i = 0; i < 2; ++i)
        counts[i + 1] = elements == 0 ? 0 : win[i];
    if (!inBounds(extentOf(o.base, counts, byteStrides, 4, o.eb), o.memSize))
      return why = std::string(mnemonic) + " " + what + " at 0x" +
                   [&] {
                     char b[16];
                     std::snprintf(b, sizeof(b), "%06llx",
                                   (unsigned long long)o.base);
                     return std::string(b);
                   }() +
                   " reaches outside the " +
                   (space == bin::Space::Accumulator ? "accumulator"
                                                     : "scratchpad"),
             false;
    return true;
  };

  Operand s0, s1, dst;
  if (!makeOperand(FieldId::VecBinary_Src0, d.src0_type(), d.src0_space(),
                   d.src0_strides(), s0, "src0") ||
      !makeOperand(FieldId::VecBinary_Dst, d.dst_type(), d.dst_space(),
                   d.dst_strides(), dst, "dst"))
    return false;
  bool poolDot = op == Opcode::VecPool && func == vecfunc::VecPool_Dot;
  if ((op == Opcode::VecBinary || poolDot) &&
      !makeOperand(FieldId::VecBinary_Src1, d.src1_type(), d.src1_space(),
                   d.src1_strides(), s1, "src1"))
    return false;

  bool isFloat = dst.type == bin::ElementType::F32;
  uint64_t laneOps = uint64_t(elements);
  bool transcendental = false;
  int64_t srcBytes = elements * s0.eb;

  switch (op) {
  case Opcode::VecBinary: {
    if (func == vecfunc::VecBinary_Mac) {
      if (!macFunction(dims, dst, s0, s1, why))
        return false;
      srcBytes += elements * (s1.eb + dst.eb); // dst is read too
      laneOps = 2 * uint64_t(elements); // a multiply and an add, for energy
      break;
    }
    if (isRescale(op, func)) {
      if (!rescaleFunction(func, d, dims, dst, s0, s1, why))
        return false;
      srcBytes += elements * s1.eb;
      // Two offsets, two scalings, the sum or product (the round and
      // saturation are the store's).
      laneOps = 5 * uint64_t(elements);
      break;
    }
    if (func >= vecfunc::VecBinary_Equal) {
      if (!maskFunction(func, dims, dst, s0, s1, why))
        return false;
      srcBytes += elements * s1.eb;
      if (func == vecfunc::VecBinary_Select)
        srcBytes += elements * dst.eb; // reads dst where the mask is 0
      break;
    }
    if (s0.type != dst.type || s1.type != dst.type ||
        (dst.type != bin::ElementType::F32 &&
         dst.type != bin::ElementType::I32 &&
         dst.type != bin::ElementType::I8 && dst.type != bin::ElementType::U8))
      return why = "vec.binary needs FP32, INT32, INT8 or UINT8 operands of "
                   "one type",
             false;
    srcBytes += elements * s1.eb;
    const Operand *ops[] = {&dst, &s0, &s1};
    // ISA v14: FP32 add, sub, mul and div pass their result through
    // affine_clamp's output stage when a scalar is not its default.
    OutputStage stage;
    if (isFloat && func <= vecfunc::VecBinary_Div &&
        (stage = outputStageOf(d)).on)
      laneOps = 2 * uint64_t(elements); // the operation and the stage
    auto rows = [&](auto t, auto f) {
      using T = decltype(t);
#ifdef NPU_EMULATOR_AVX2
      // Dense FP32 rows that do not merge (a row of src1 repeated, or
      // strided planes): a plane of rows per call.
      constexpr uint8_t func = decltype(f)::value;
      if constexpr (std::is_same_v<T, float> && func <= vecfunc::VecBinary_Div)
        if (dst.strides[0] == 1 && s0.strides[0] == 1 &&
            (s1.strides[0] == 1 || s1.strides[0] == 0) && dims[1] > 1 &&
            !(dst.strides[1] == dims[0] && s0.strides[1] == dims[0] &&
              s1.strides[1] == s1.strides[0] * dims[0]) &&
            hostHasAvx2() && readsSafely(s0, dst, dims) &&
            readsSafely(s1, dst, dims)) {
          bool bScalar = s1.strides[0] == 0;
          for (int64_t i3 = 0; i3 < dims[3]; ++i3)
            for (int64_t i2 = 0; i2 < dims[2]; ++i2) {
              int64_t idx[4] = {0, 0, i2, i3};
              binaryRowsF32Avx2<func>(dst.at(idx), s0.at(idx), s1.at(idx),
                                      dims[0], bScalar, dims[1],
                                      dst.strides[1] * 4, s0.strides[1] * 4,
                                      s1.strides[1] * 4, stage);
            }
          return;
        }
#endif
      forEachRow(
          dims, ops, true,
          [&stage](const int64_t *, uint8_t *const *p, int64_t n,
                   const int64_t *step) {
#ifdef NPU_EMULATOR_AVX2
            constexpr uint8_t func = decltype(f)::value;
            if constexpr (std::is_same_v<T, float> &&
                          func <= vecfunc::VecBinary_Div)
              if (binaryRowF32Avx2IfDense<func>(p, n, step, stage))
                return;
#endif
            mapRow2<T>(p[0], p[1], p[2], n, step, [&stage](T x, T y) {
              if constexpr (std::is_floating_point_v<T>)
                return stage(binaryOp(decltype(f)::value, x, y));
              else // exact in 64 bits, then wrapped to T's width
                return T(binaryOp(decltype(f)::value, int64_t(x), int64_t(y)));
            });
          });
    };
    withFunc<vecfunc::VecBinary_Pow + 1>(func, [&](auto f) {
      if (isFloat)
        rows(float(), f);
      else
        withIntType(dst.type, [&](auto t) { rows(t, f); });
    });
    transcendental = isTranscendental(op, func);
    break;
  }
  case Opcode::VecUnary: {
    if (func == vecfunc::VecUnary_Not) { // ISA v4: BOOL -> BOOL
      if (s0.type != bin::ElementType::Bool ||
          dst.type != bin::ElementType::Bool)
        return why = "vec.unary not needs BOOL operands", false;
      const Operand *ops[] = {&dst, &s0};
      forEachRow(dims, ops, true,
                 [](const int64_t *, uint8_t *const *p, int64_t n,
                    const int64_t *step) {
                   mapRow<uint8_t, uint8_t>(p[0], p[1], n, step, [](uint8_t x) {
                     return uint8_t(x == 0);
                   });
                 });
      break;
    }
    if (func != vecfunc::VecUnary_Copy &&
        (s0.type != bin::ElementType::F32 || !isFloat))
      return why = "vec.unary functions other than copy need FP32", false;
    if (func == vecfunc::VecUnary_Copy && s0.type != dst.type)
      return why = "vec.unary copy needs matching element types", false;
    const Operand *ops[] = {&dst, &s0};
    if (func == vecfunc::VecUnary_Copy) {
      auto copy = [&](auto t) {
        using T = decltype(t);
        forEachRow(dims, ops, true,
                   [](const int64_t *, uint8_t *const *p, int64_t n,
                      const int64_t *step) {
                     mapRow<T, T>(p[0], p[1], n, step, [](T x) { return x; });
                   });
      };
      if (dst.eb == 4)
        copy(uint32_t());
      else
        copy(uint8_t());
    } else {
      UnaryParams params{d.alpha(), d.beta(), d.lo(), d.hi()};
      withFunc<vecfunc::VecUnary_HardSwishAffine + 1>(func, [&](auto f) {
        forEachRow(
            dims, ops, true,
            [&](const int64_t *, uint8_t *const *p, int64_t n,
                const int64_t *step) {
#ifdef NPU_EMULATOR_AVX2
              constexpr uint8_t fn = decltype(f)::value;
              if constexpr (fn == vecfunc::VecUnary_HardSwish ||
                            fn == vecfunc::VecUnary_HardSwishAffine)
                if (step[0] == 4 && step[1] == 4 && hostHasAvx2() &&
                    sameOrDisjoint(p[0], size_t(n) * 4, p[1], size_t(n) * 4))
                  return hardSwishRowAvx2<fn ==
                                          vecfunc::VecUnary_HardSwishAffine>(
                      p[0], p[1], n, params);
#endif
              mapRow<float, float>(p[0], p[1], n, step, [&](float x) {
                return unaryOp(decltype(f)::value, x, params);
              });
            });
      });
    }
    transcendental = isTranscendental(op, func);
    // The activation and the affine: two operations per element, for
    // energy (one lane group per cycle, as hard_swish).
    if (func == vecfunc::VecUnary_HardSwishAffine)
      laneOps = 2 * uint64_t(elements);
    break;
  }
  case Opcode::VecRequant: {
    if (s0.type != bin::ElementType::I32 ||
        (dst.type != bin::ElementType::I8 && dst.type != bin::ElementType::U8))
      return why = "vec.requant takes INT32 and writes INT8", false;
    unsigned axis = d.channel_axis();
    if (axis > 3)
      return why = "vec.requant channel axis out of range", false;
    int64_t params = insn.get(FieldId::VecRequant_Src1);
    if (params + dims[axis] * 12 > int64_t(sram_.size()))
      return why = "vec.requant parameters reach outside the scratchpad", false;
    // Validate every channel's multiplier and shift first.
    for (int64_t c = 0; c < dims[axis]; ++c) {
      const uint8_t *p = sram_.data() + params + c * 12;
      int32_t mult = loadI32(p + 4), shift = loadI32(p + 8);
      if (mult < 0 || shift < 2 || shift > 62)
        return why = "vec.requant channel " + std::to_string(c) +
                     " has multiplier " + std::to_string(mult) + " and shift " +
                     std::to_string(shift) +
                     " (needs multiplier >= 0, 2 <= shift <= 62)",
               false;
    }
    int32_t lo = roundClamp(d.lo(), -128, 255),
            hi = roundClamp(d.hi(), -128, 255);
    int32_t zp = d.zp_out();
    srcBytes += dims[axis] * 12;
    // Rows unmerged: the channel is idx[axis] (axis 0: the element's).
    const Operand *ops[] = {&dst, &s0};
    const uint8_t *table = sram_.data() + params;
    withIntType(dst.type, [&](auto t) {
      using T = decltype(t);
      forEachRow(dims, ops, false,
                 [&](const int64_t *idx, uint8_t *const *p, int64_t n,
                     const int64_t *step) {
                   auto one = [&](int64_t i, int32_t bias, int32_t mult,
                                  int32_t shift) {
                     int32_t v = saturate32(
                         int64_t(load<int32_t>(p[1] + i * step[1])) + bias);
                     int64_t y = applyScale32(v, mult, shift) + zp;
                     store<T>(p[0] + i * step[0],
                              saturateTo<T>(std::clamp<int64_t>(y, lo, hi)));
                   };
                   if (axis) { // one channel along the row: its rows once
                     const uint8_t *c = table + idx[axis] * 12;
                     int32_t bias = loadI32(c), mult = loadI32(c + 4),
                             shift = loadI32(c + 8);
                     for (int64_t i = 0; i < n; ++i)
                       one(i, bias, mult, shift);
                     return;
                   }
                   for (int64_t i = 0; i < n; ++i) {
                     const uint8_t *c = table + i * 12;
                     one(i, loadI32(c), loadI32(c + 4), loadI32(c + 8));
                   }
                 });
    });
    break; // counted below as INT32 lane ops (the multiplies)
  }
  case Opcode::VecLut: {
    if (s0.type != bin::ElementType::I8 || dst.type != bin::ElementType::I8)
      return why = "vec.lut maps INT8 to INT8", false;
    int64_t table = insn.get(FieldId::VecLut_Src1);
    if (table + int64_t(target_.lutEntries) > int64_t(sram_.size()))
      return why = "vec.lut table reaches outside the scratchpad", false;
    const uint8_t *t = sram_.data() + table;
    const Operand *ops[] = {&dst, &s0};
    forEachRow(dims, ops, true,
               [t](const int64_t *, uint8_t *const *p, int64_t n,
                   const int64_t *step) {
                 mapRow<uint8_t, int8_t>(p[0], p[1], n, step, [t](int8_t x) {
                   return t[uint8_t(x + 128)];
                 });
               });
    srcBytes += target_.lutEntries;
    break;
  }
  case Opcode::VecReduce: {
    if (argIndex) {
      if (!argReduce(func, dims, dst, s0, why))
        return false;
      break;
    }
    if (s0.type != dst.type || (dst.type != bin::ElementType::F32 &&
                                dst.type != bin::ElementType::I32))
      return why = "vec.reduce needs FP32 or INT32 operands of one type", false;
    // Visit each destination element once: the reduced axes (stride 0) at 0.
    int64_t once[4];
    for (int i = 0; i < 4; ++i)
      once[i] = dst.strides[i] == 0 ? std::min<int64_t>(dims[i], 1) : dims[i];
    bool isMax = func == vecfunc::VecReduce_Max;
    bool isMin = func == vecfunc::VecReduce_Min;
    bool isProd = func == vecfunc::VecReduce_Prod;
    forEach(once, [&](const int64_t *idx) {
      if (isFloat)
        dst.setF(idx, isMax   ? -INFINITY
                      : isMin ? INFINITY
                              : (isProd ? 1.0f : 0.0f));
      else
        dst.setI(idx, isMax ? INT32_MIN : isMin ? INT32_MAX : isProd ? 1 : 0);
    });
    // Max and min propagate NaN, as ONNX's reference (NumPy) does.
    auto combine = [isMax, isMin, isProd](float acc, float x) {
      return isMax    ? (std::isnan(x) || x > acc ? x : acc)
             : isMin  ? (std::isnan(x) || x < acc ? x : acc)
             : isProd ? acc * x
                      : acc + x;
    };
    // FP32 along dimension 0 into one element per row, the source apart
    // from the destination: each row's element accumulates in a register,
    // in the same order, instead of through memory at every step.
    bool rowSums = false;
    if (isFloat && dst.strides[0] == 0 && dims[0] > 0) {
      int64_t sb[4], db[4];
      for (int i = 0; i < 4; ++i) {
        sb[i] = s0.strides[i] * 4;
        db[i] = dst.strides[i] * 4;
      }
      Extent se = extentOf(s0.base, dims, sb, 4, 4);
      Extent de = extentOf(dst.base, dims, db, 4, 4);
      rowSums = s0.mem != dst.mem || se.empty || de.empty || se.hi <= de.lo ||
                de.hi <= se.lo;
    }
    if (rowSums) {
      int64_t step = s0.strides[0] * 4;
      int64_t idx[4] = {0, 0, 0, 0};
      for (idx[3] = 0; idx[3] < dims[3]; ++idx[3])
        for (idx[2] = 0; idx[2] < dims[2]; ++idx[2])
          for (idx[1] = 0; idx[1] < dims[1]; ++idx[1]) {
            uint8_t *out = dst.at(idx);
            const uint8_t *in = s0.at(idx);
            float acc = loadF32(out);
            for (int64_t i = 0; i < dims[0]; ++i)
              acc = combine(acc, loadF32(in + i * step));
            storeF32(out, acc);
          }
    } else
      forEach(dims, [&](const int64_t *idx) {
        if (isFloat) {
          dst.setF(idx, combine(dst.getF(idx), s0.getF(idx)));
        } else {
          int64_t x = s0.getI(idx), acc = dst.getI(idx);
          // INT32 products wrap (two's complement), as sums do.
          dst.setI(idx, isMax    ? std::max(x, acc)
                        : isMin  ? std::min(x, acc)
                        : isProd ? int64_t(int32_t(uint32_t(acc) * uint32_t(x)))
                                 : acc + x);
        }
      });
    if (!isMax && !isMin && !isProd && isFloat && d.alpha() != 1.0f &&
        d.alpha() != 0.0f)
      forEach(once, [&](const int64_t *idx) {
        dst.setF(idx, dst.getF(idx) * d.alpha());
      });
    break;
  }
  case Opcode::VecPool: {
    if (poolDot) {
      if (!poolDotFunction(dims, win, winStride, dst, s0, s1, why))
        return false;
      laneOps = uint64_t(elements * win[0] * win[1]);
      srcBytes = int64_t(laneOps) * (s0.eb + s1.eb);
      break;
    }
    if (s0.type != dst.type)
      return why = "vec.pool needs matching element types", false;
    bool isMax = func == vecfunc::VecPool_Max;
    forEach(dims, [&](const int64_t *idx) {
      int64_t src[4] = {idx[0], 0, 0, idx[3]};
      float accF = isMax ? -INFINITY : 0.0f;
      int64_t accI = isMax ? INT64_MIN : 0;
      for (int64_t ky = 0; ky < win[1]; ++ky)
        for (int64_t kx = 0; kx < win[0]; ++kx) {
          src[1] = idx[1] * winStride[0] + kx;
          src[2] = idx[2] * winStride[1] + ky;
          if (isFloat) {
            float x = s0.getF(src);
            accF = isMax ? (std::isnan(x) || x > accF ? x : accF) : accF + x;
          } else {
            int64_t x = s0.getI(src);
            accI = isMax ? std::max(accI, x) : accI + x;
          }
        }
      if (isFloat)
        dst.setF(idx, isMax ? accF : accF * d.alpha());
      else
        dst.setI(idx, isMax ? accI
                            : roundClamp(float(accI) * d.alpha(), INT32_MIN,
                                         INT32_MAX));
    });
    laneOps = uint64_t(elements * win[0] * win[1]);
    srcBytes = int64_t(laneOps) * s0.eb;
    break;
  }
  case Opcode::VecConvert: {
    int32_t zpIn = d.zp_in(), zpOut = d.zp_out();
    float alpha = d.alpha();
    if (func == vecfunc::VecConvert_Quantize ||
        func == vecfunc::VecConvert_QuantizeEven) {
      if (s0.type != bin::ElementType::F32 ||
          (dst.type != bin::ElementType::I8 &&
           dst.type != bin::ElementType::U8))
        return why = "vec.convert quantize maps FP32 to INT8", false;
      int32_t lo = roundClamp(d.lo(), -128, 255),
              hi = roundClamp(d.hi(), -128, 255);
      const Operand *ops[] = {&dst, &s0};
      auto quantizeRows = [&](auto t, auto even) {
        using T = decltype(t);
        constexpr bool Even = decltype(even)::value;
        forEachRow(dims, ops, true,
                   [&](const int64_t *, uint8_t *const *p, int64_t n,
                       const int64_t *step) {
#ifdef NPU_EMULATOR_AVX2
                     if constexpr (sizeof(T) == 1)
                       if (step[0] == 1 && step[1] == 4 && lo <= hi &&
                           zpOut >= -(1 << 30) && zpOut <= (1 << 30) &&
                           hostHasAvx2() &&
                           sameOrDisjoint(p[0], size_t(n), p[1], size_t(n) * 4))
                         return quantizeRowF32Avx2<T, Even>(
                             p[0], p[1], n, alpha, zpOut, lo, hi);
#endif
                     mapRow<T, float>(p[0], p[1], n, step, [&](float x) {
                       return quantizeF32<T, Even>(x, alpha, zpOut, lo, hi);
                     });
                   });
      };
      bool even = func == vecfunc::VecConvert_QuantizeEven;
      withIntType(dst.type, [&](auto t) {
        if (even)
          quantizeRows(t, std::true_type{});
        else
          quantizeRows(t, std::false_type{});
      });
    } else if (func == vecfunc::VecConvert_IntToFloatAffine) {
      // ISA v14: the result through the output stage of FP32 vec.binary.
      OutputStage stage = outputStageOf(d);
      if (!affineReadout(insn, d, dims, dst, s0, sram_, stage, why))
        return false;
      srcBytes += elements * 8; // a scale and a bias per element
      // Convert, multiply, add (and the stage's clamp).
      laneOps = (stage.on ? 4 : 3) * uint64_t(elements);
    } else if (func == vecfunc::VecConvert_FloatToInt) {
      if (s0.type != bin::ElementType::F32 || dst.type != bin::ElementType::I32)
        return why = "vec.convert ftoi maps FP32 to INT32", false;
      const Operand *ops[] = {&dst, &s0};
      forEachRow(dims, ops, true,
                 [&](const int64_t *, uint8_t *const *p, int64_t n,
                     const int64_t *step) {
                   mapRow<int32_t, float>(p[0], p[1], n, step, floatToInt32);
                 });
    } else {
      if (!isFloat || s0.type == bin::ElementType::F32)
        return why = "vec.convert dequantize/itof maps integers to FP32", false;
      bool dequant = func == vecfunc::VecConvert_Dequantize;
      const Operand *ops[] = {&dst, &s0};
      withIntType(s0.type, [&](auto t) {
        using T = decltype(t);
        forEachRow(dims, ops, true,
                   [&](const int64_t *, uint8_t *const *p, int64_t n,
                       const int64_t *step) {
                     mapRow<float, T>(p[0], p[1], n, step, [&](T v) {
                       int64_t x = v;
                       return dequant ? float(x - zpIn) * alpha : float(x);
                     });
                   });
      });
    }
    break;
  }
  default:
    return why = "not a vector instruction", false;
  }

  // Timing: lane groups of the narrowest operand width, a startup per
  // instruction, transcendental functions several cycles per group.
  // vec.pool dot: INT8 products, 32-bit sums kept in the lanes. The
  // rescaling functions (ISA v13) read and write INT8 but compute in FP32
  // lanes (rt::instructionCycles charges them the same way).
  bool rescale = isRescale(op, func);
  bool narrow = ((s0.eb == 1 && dst.eb == 1) || poolDot) && !rescale;
  uint64_t work = op == Opcode::VecPool ? uint64_t(elements * win[0] * win[1])
                                        : uint64_t(elements);
  cycles = poolDot ? poolDotCycles(target_, uint64_t(elements),
                                   uint64_t(win[0] * win[1]))
                   : vectorCycles(target_, work, narrow, transcendental);
  if (narrow)
    stats_.laneOpsInt8 += laneOps;
  else if (isFloat || s0.type == bin::ElementType::F32 || rescale)
    stats_.laneOpsFp32 += laneOps;
  else
    stats_.laneOpsInt32 += laneOps;
  stats_.sramReadBytes += uint64_t(srcBytes);
  stats_.sramWriteBytes += uint64_t(elements * dst.eb);
  if (dst.mem == sram_.data() && elements > 0) {
    int64_t counts[4], bs[4];
    for (int i = 0; i < 4; ++i) {
      counts[i] = dims[i];
      bs[i] = dst.strides[i] * dst.eb;
    }
    Extent e = extentOf(dst.base, counts, bs, 4, dst.eb);
    stats_.peakSramBytes = std::max<uint64_t>(stats_.peakSramBytes, e.hi);
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Scheduling
//===----------------------------------------------------------------------===//

bool Emulator::execEnd(const Instruction &, uint64_t &cycles, std::string &) {
  cycles = 0;
  return true;
}

bool Emulator::execSync(const Instruction &, uint64_t &cycles, std::string &) {
  cycles = 0; // only moves dependence tokens
  return true;
}

// Every vector-unit instruction runs on the shared vector model.
#define NPU_VEC_INSN(Name, Code, Mnemonic)                                     \
  bool Emulator::exec##Name(const Instruction &insn, uint64_t &cycles,         \
                            std::string &why) {                                \
    return vector(insn, cycles, why);                                          \
  }
#define NPU_INSN(Name, Code, Queue, Mnemonic)
#include "npu/runtime/Isa.def"

bool Emulator::execute(const Instruction &insn, uint64_t &cycles,
                       std::string &why) {
  switch (insn.opcode()) {
#define NPU_INSN(Name, Code, Queue, Mnemonic)                                  \
  case Opcode::Name:                                                           \
    return exec##Name(insn, cycles, why);
#include "npu/runtime/Isa.def"
  }
  why = "illegal instruction";
  return false;
}

bool Emulator::run(std::string &error) {
  if (!prepare(error))
    return false;
  // The work is known before the run (the program is straight-line): a
  // program asking for more than the budget stops here, not hours later.
  static_assert(kStepsPerInstruction == uint64_t(1) << 20 &&
                    kMinStepBudget == uint64_t(1) << 28,
                "the message below names them");
  uint64_t budget =
      options_.maxSteps ? options_.maxSteps : defaultStepBudget(exe_);
  if (uint64_t steps = programSteps(exe_); steps > budget) {
    error = "the program takes " + std::to_string(steps) +
            " element steps, more than the budget of " +
            std::to_string(budget) +
            (options_.maxSteps ? " (--max-steps)"
                               : " (2^20 per instruction, at least 2^28; "
                                 "--max-steps=N sets another)");
    return false;
  }
  stats_ = RunStats();
  stats_.layers.assign(exe_.layers().size(), LayerStats());
  trace_.clear();
  dynamicShapes_.clear();
  error.clear();
  // Segments run in program order (so memory always holds what a serial
  // execution would); their timeline overlaps the NPU and the host where
  // SegmentTimeline finds no DRAM conflict.
  SegmentTimeline timeline;
  bool afterNpu = false; // the host starts the program: no handoff first
  for (const SegmentSpec &seg : exe_.segments()) {
    uint64_t start = timeline.earliestStart(seg);
    uint64_t end = 0;
    if (!(seg.isHost() ? runHostSegment(seg, start, afterNpu, end, error)
                       : runNpuSegment(seg, start, end, error)))
      return false;
    afterNpu = !seg.isHost();
    timeline.finish(seg, end);
  }
  stats_.cycles = timeline.makespan();
  currentLayer_ = nullptr;
  finishStats();
  return true;
}

bool Emulator::runNpuSegment(const SegmentSpec &seg, uint64_t segStart,
                             uint64_t &segEnd, std::string &error) {
  // The queues' issue order and timeline are the timing model's
  // (QueueScheduler); here each issued instruction is also executed.
  const std::vector<Instruction> &insns = exe_.instructions();
  QueueScheduler queues(insns, seg.first, seg.first + seg.count, segStart);
  uint32_t pc;
  uint64_t start;
  while (queues.next(pc, start, error)) {
    if (++stats_.instructions > options_.maxInstructions) {
      error = "instruction budget of " +
              std::to_string(options_.maxInstructions) + " exceeded at pc " +
              std::to_string(pc);
      return false;
    }
    const Instruction &insn = insns[pc];
    uint32_t layer = insn.layer();
    currentLayer_ =
        layer < stats_.layers.size() ? &stats_.layers[layer] : nullptr;
    uint64_t macsBefore = stats_.macs();
    uint64_t dramBefore = stats_.dramReadBytes + stats_.dramWriteBytes;
    uint64_t sramBefore = stats_.sramReadBytes + stats_.sramWriteBytes;
    uint64_t laneBefore[3] = {stats_.laneOpsInt8, stats_.laneOpsInt32,
                              stats_.laneOpsFp32};
    uint64_t int8Before = stats_.macsInt8;
    uint64_t cycles = 0;
    std::string why;
    if (!execute(insn, cycles, why)) {
      error =
          "pc " + std::to_string(pc) + " (" + disassemble(insn) + "): " + why;
      return false;
    }
    uint64_t end = queues.retire(cycles);
    Unit unit = unitOf(insn.opcode());
    if (unit != Unit::None)
      stats_.unitBusy[unsigned(unit)] += cycles;
    if (currentLayer_) {
      uint64_t int8 = stats_.macsInt8 - int8Before;
      uint64_t fp32 = stats_.macs() - macsBefore - int8;
      widenSpan(currentLayer_->start, currentLayer_->end,
                currentLayer_->spanned, start, end);
      currentLayer_->cycles += cycles;
      addNpuEnergy(currentLayer_->energy, target_.energy, int8, fp32,
                   {stats_.laneOpsInt8 - laneBefore[0],
                    stats_.laneOpsInt32 - laneBefore[1],
                    stats_.laneOpsFp32 - laneBefore[2]},
                   stats_.sramReadBytes + stats_.sramWriteBytes - sramBefore,
                   stats_.dramReadBytes + stats_.dramWriteBytes - dramBefore);
    }
    if (options_.trace)
      trace_.push_back({unit, pc, layer, start, end});
  }
  if (!error.empty())
    return false; // a deadlock
  segEnd = queues.makespan();
  return true;
}

bool Emulator::runHostSegment(const SegmentSpec &seg, uint64_t start,
                              bool handoff, uint64_t &end, std::string &error) {
  const HostOpSpec &op = exe_.hostOps()[seg.hostOp];
  auto bind = [&](const std::vector<HostOpSpec::Operand> &list) {
    std::vector<HostTensorView> views;
    for (const HostOpSpec::Operand &o : list)
      views.push_back({o.present, o.type, o.shape,
                       o.present ? dram_.data() + o.dramOffset : nullptr});
    return views;
  };
  // The loader checked every operand against the DRAM size, which prepare()
  // allocated.
  std::vector<HostTensorView> inputs = bind(op.inputs),
                              outputs = bind(op.outputs);
  HostWork work;
  std::string why;
  const LayerInfo &layer = exe_.layers()[op.layer];
  auto fail = [&](const std::string &what) {
    error = "host op '" + layer.name + "' (" + layer.op + "): " + what;
    return false;
  };
  // Inputs of data-dependent shape take the shape their producer reported;
  // the outputs' shapes follow from them (ONNX's inference, through the
  // kernel's verify) and must fit the buffers planned at their bounds.
  bool dynamicInputs = false;
  for (size_t i = 0; i < op.inputs.size(); ++i) {
    if (!op.inputs[i].present || !op.inputs[i].dynamicShape)
      continue;
    const std::vector<int64_t> *shape = recordedShape(
        op.inputs[i].dramOffset, op.inputs[i].type, op.inputs[i].sizeBytes);
    if (!shape)
      return fail("input " + std::to_string(i) +
                  " has a data-dependent shape that no earlier host op "
                  "produced with its type within its bound");
    inputs[i].shape = *shape;
    dynamicInputs = true;
  }
  if (dynamicInputs) {
    std::vector<bin::ElementType> types;
    for (const HostOpSpec::Operand &o : op.outputs)
      types.push_back(o.type);
    std::vector<std::vector<int64_t>> shapes;
    if (!inferHostOutputShapes(*op.kernel, op.node, inputs, types, shapes, why))
      return fail(why);
    for (size_t i = 0; i < outputs.size(); ++i) {
      // The planned bound holds the output when it has no more elements;
      // the kernel writes it densely from the buffer's start.
      if (!fitsBytes(shapes[i], types[i], op.outputs[i].sizeBytes))
        return fail("output " + std::to_string(i) + " would have shape " +
                    shapeString(shapes[i]) +
                    ", more elements than its compile-time bound " +
                    shapeString(op.outputs[i].shape));
      outputs[i].shape = shapes[i];
    }
  }
  if (!op.kernel->run(op.node, inputs, outputs, work, why)) {
    error = "host op '" + layer.name + "' (" + layer.op + "): " + why;
    return false;
  }
  // Outputs of data-dependent shape: the shape the kernel produced, within
  // its bound (the loader checked the bound).
  if (!op.kernel->bound && dynamicInputs) {
    for (size_t i = 0; i < op.outputs.size(); ++i)
      if (op.outputs[i].dynamicShape)
        dynamicShapes_[op.outputs[i].dramOffset] = {op.outputs[i].type,
                                                    outputs[i].shape};
  } else if (op.kernel->bound) {
    bool within = work.outputShapes.size() == op.outputs.size();
    for (size_t i = 0; within && i < op.outputs.size(); ++i) {
      const std::vector<int64_t> &got = work.outputShapes[i],
                                 &bound = op.outputs[i].shape;
      within = got.size() == bound.size();
      for (size_t d = 0; within && d < got.size(); ++d)
        within = got[d] >= 0 && got[d] <= bound[d];
      if (within && op.outputs[i].dynamicShape)
        dynamicShapes_[op.outputs[i].dramOffset] = {op.outputs[i].type, got};
    }
    if (!within) {
      error = "host op '" + layer.name + "' (" + layer.op +
              "): the kernel reported shapes outside its bounds";
      return false;
    }
  }
  uint64_t bytes = hostOpBytes(op), instructions = 0;
  uint64_t hostCycles =
      hostOpCycles(target_, work, bytes, instructions, handoff);
  uint64_t cycles = hostToNpuCycles(target_, hostCycles);
  end = start + cycles;
  double energy = instructions * target_.host.instructionPj +
                  bytes * target_.energy.dramBytePj;
  stats_.hostCycles += hostCycles;
  stats_.hostInstructions += instructions;
  stats_.hostDramBytes += bytes;
  stats_.hostEnergyPj += energy;
  stats_.unitBusy[unsigned(Unit::Host)] += cycles;
  ++stats_.hostOps;
  LayerStats &l = stats_.layers[op.layer];
  widenSpan(l.start, l.end, l.spanned, start, end);
  l.cycles += cycles;
  l.dramBytes += bytes;
  l.energy.hostPj += energy;
  if (options_.trace)
    trace_.push_back({Unit::Host, uint32_t(seg.hostOp), op.layer, start, end});
  return true;
}

void Emulator::finishStats() {
  stats_.energy = EnergySplit();
  addNpuEnergy(stats_.energy, target_.energy, stats_.macsInt8, stats_.macsFp32,
               {stats_.laneOpsInt8, stats_.laneOpsInt32, stats_.laneOpsFp32},
               stats_.sramReadBytes + stats_.sramWriteBytes,
               stats_.dramReadBytes + stats_.dramWriteBytes);
  stats_.energy.hostPj = stats_.hostEnergyPj;
  stats_.energyPj = stats_.energy.total();
  // Padding MACs (zero weights the compiler inserted), FP32 ones first
  // within each layer, never more than the layer executed.
  stats_.paddingMacsInt8 = stats_.paddingMacsFp32 = 0;
  for (size_t i = 0; i < stats_.layers.size() && i < exe_.layers().size();
       ++i) {
    LayerStats &l = stats_.layers[i];
    uint64_t pad = l.paddingMacs =
        std::min(exe_.layers()[i].paddingMacs, l.macs);
    uint64_t fp32 = std::min(pad, l.macsFp32);
    stats_.paddingMacsFp32 += fp32;
    stats_.paddingMacsInt8 += pad - fp32;
  }
  if (stats_.cycles)
    stats_.macUtilization = (double(stats_.macsInt8 - stats_.paddingMacsInt8) /
                                 target_.int8MacsPerCycle() +
                             double(stats_.macsFp32 - stats_.paddingMacsFp32) /
                                 target_.fp32MacsPerCycle()) /
                            double(stats_.cycles);
}

} // namespace npu::rt
