//===- ExecutableTest.cpp - the .npubin loader refuses bad files ---------===//

#include "npu/runtime/Descriptors.h"
#include "npu/runtime/Emulator.h"
#include "npu/runtime/Npy.h"

#include <gtest/gtest.h>

#include <random>

using namespace npu::rt;
namespace bin = npu::bin;

namespace {

const TargetDesc &v1() { return *lookupTarget("npu-v1"); }

/// A small valid program: copy a 4x4 FP32 input to the output through the
/// scratchpad.
/// With `frozen`, the input (or, with `frozenOutput`, the output) carries
/// those frozen contents.
std::vector<uint8_t> copyProgram(const TargetDesc &target = v1(),
                                 std::vector<uint8_t> frozen = {},
                                 bool frozenOutput = false) {
  ProgramBuilder b(target);
  uint16_t layer = b.addLayer("copy0", "Identity");
  uint16_t d = b.addDma(makeDma2D(4, 4, 4, 16, 16));
  TensorSpec in{"x", {4, 4}, bin::ElementType::F32, bin::Layout::Dense, 0, 64};
  TensorSpec out{"y", {4, 4}, bin::ElementType::F32, bin::Layout::Dense,
                 64,  64};
  (frozenOutput ? out : in).frozen = std::move(frozen);
  b.addInput(in);
  b.addOutput(out);
  b.setDramSize(128);
  b.emit(withDeps(makeDmaLoad(d, 0, 0, layer), false, false, false, true));
  b.emit(withDeps(makeSync(Queue::Compute), true, false, false, true));
  b.emit(withDeps(makeDmaStore(d, 0, 64, layer), true, false, false, false));
  return b.finish();
}

std::string loadError(std::vector<uint8_t> bytes,
                      const TargetDesc *target = nullptr) {
  std::string error;
  auto exe = Executable::load(std::move(bytes), target, error);
  return exe ? "" : error;
}

// Tests that a valid program loads and runs, with tensors and layers intact.
TEST(Executable, ValidProgramLoadsAndRuns) {
  std::string error;
  auto exe = Executable::load(copyProgram(), &v1(), error);
  ASSERT_TRUE(exe) << error;
  ASSERT_EQ(exe->inputs().size(), 1u);
  EXPECT_EQ(exe->inputs()[0].name, "x");
  EXPECT_EQ(exe->inputs()[0].shape, (std::vector<int64_t>{4, 4}));
  EXPECT_EQ(exe->layers()[0].op, "Identity");
  EXPECT_EQ(exe->instructions().size(), 4u); // + the appended `end`
  Emulator emu(*exe);
  float x[16];
  for (int i = 0; i < 16; ++i)
    x[i] = float(i) * 1.5f;
  ASSERT_TRUE(emu.setInput(0, x, sizeof(x), error)) << error;
  ASSERT_TRUE(emu.run(error)) << error;
  EXPECT_EQ(std::memcmp(emu.output(0), x, sizeof(x)), 0);
  EXPECT_EQ(emu.stats().layers[0].dramBytes, 128u);
  EXPECT_FALSE(emu.setInput(0, x, 8, error));
  EXPECT_EQ(error, "input 'x' takes 64 bytes, got 8");
}

// Tests a frozen input (npu-compile --input-value): its contents are kept,
// only they are accepted, and frozen bytes of another size are refused at
// load.
TEST(Executable, FrozenInputAcceptsOnlyItsValue) {
  std::vector<uint8_t> value(64);
  for (size_t i = 0; i < value.size(); ++i)
    value[i] = uint8_t(i * 7);
  std::string error;
  auto exe = Executable::load(copyProgram(v1(), value), &v1(), error);
  ASSERT_TRUE(exe) << error;
  EXPECT_EQ(exe->inputs()[0].frozen, value);
  Emulator emu(*exe);
  ASSERT_TRUE(emu.setInput(0, value.data(), value.size(), error)) << error;
  std::vector<uint8_t> other = value;
  other[63] ^= 1;
  EXPECT_FALSE(emu.setInput(0, other.data(), other.size(), error));
  EXPECT_EQ(error, "input 'x' was frozen at compile time (npu-compile "
                   "--input-value); the executable accepts only that value");
  EXPECT_EQ(loadError(copyProgram(v1(), std::vector<uint8_t>(8))),
            "input 'x' has frozen contents of the wrong size");
  EXPECT_EQ(loadError(copyProgram(v1(), value, /*frozenOutput=*/true)),
            "output 'y' has frozen contents; only inputs can");
}

// Tests that every truncation of a valid file is refused without crashing.
TEST(Executable, TruncatedFilesAreRefused) {
  std::vector<uint8_t> bytes = copyProgram();
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + n);
    EXPECT_NE(loadError(cut), "")
        << "truncated to " << n << " of " << bytes.size();
  }
}

// Tests that random corruption never crashes the loader or the emulator:
// either the file is refused or it runs to a clean success or error.
TEST(Executable, CorruptedFilesNeverCrash) {
  std::vector<uint8_t> bytes = copyProgram();
  std::mt19937 rng(42);
  int refused = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<uint8_t> bad = bytes;
    int flips = 1 + int(rng() % 4);
    for (int f = 0; f < flips; ++f)
      bad[rng() % bad.size()] ^= uint8_t(1 + rng() % 255);
    std::string error;
    auto exe = Executable::load(bad, nullptr, error);
    if (!exe) {
      ++refused;
      EXPECT_FALSE(error.empty());
      continue;
    }
    RunOptions options;
    options.maxInstructions = 1000;
    Emulator emu(*exe, options);
    std::string runError;
    (void)emu.run(runError); // success or a clean error, never a crash
  }
  EXPECT_GT(refused, 0);
}

// Tests the specific refusals, each with its message.
TEST(Executable, MismatchedFilesAreRefusedWithAReason) {
  EXPECT_EQ(loadError({1, 2, 3}),
            "not an NPU executable (missing the NPUB identifier)");

  std::vector<uint8_t> wrongIsa = copyProgram();
  flatbuffers::GetMutableSizePrefixedRoot<bin::Executable>(wrongIsa.data())
      ->mutate_isa_version(99);
  EXPECT_EQ(loadError(wrongIsa),
            "built for ISA version 99; this runtime implements version " +
                std::to_string(npu::rt::kIsaVersion));

  EXPECT_EQ(loadError(copyProgram(*lookupTarget("npu-v1-small")), &v1()),
            "built for target 'npu-v1-small'; the device is 'npu-v1'");
  EXPECT_EQ(loadError(copyProgram(*lookupTarget("npu-v1-small"))), "");

  std::vector<uint8_t> smallDram = copyProgram();
  flatbuffers::GetMutableSizePrefixedRoot<bin::Executable>(smallDram.data())
      ->mutate_dram_size(100);
  EXPECT_EQ(loadError(smallDram), "output 'y' lies outside DRAM");

  std::vector<uint8_t> badTarget = copyProgram();
  flatbuffers::GetMutableSizePrefixedRoot<bin::Executable>(badTarget.data())
      ->mutable_target()
      ->mutate_array_rows(17);
  EXPECT_EQ(loadError(badTarget), "target 'npu-v1' parameters differ from "
                                  "this runtime's description of it");
}

// Tests that instruction-level problems are refused with the pc.
TEST(Executable, BadInstructionsAreRefused) {
  auto build = [](auto &&emitter) {
    ProgramBuilder b(v1());
    b.setDramSize(64);
    b.addDma(makeDma2D(1, 1, 16, 16, 16));
    emitter(b);
    return b.finish();
  };
  EXPECT_EQ(
      loadError(build([](ProgramBuilder &b) { b.emit(makeDmaLoad(5, 0, 0)); })),
      "pc 0: DMA descriptor out of range");
  EXPECT_EQ(loadError(build([](ProgramBuilder &b) {
              b.emit(makeDmaLoad(0, 0, 0, /*layer=*/3));
            })),
            "pc 0: layer 3 is not in the table");
  EXPECT_EQ(loadError(build([](ProgramBuilder &b) {
              b.emit(withDeps(makeDmaLoad(0, 0, 0), true, false, false, false));
            })),
            "pc 0: dependence flag names a queue that does not exist");
  EXPECT_EQ(loadError(build([](ProgramBuilder &b) {
              b.emit(makeEnd());
              b.emit(makeSync(Queue::Load));
            })),
            "pc 0: the stream must end with exactly one 'end'");
  EXPECT_EQ(loadError(build([](ProgramBuilder &b) {
              Instruction bad;
              bad.words[0] = 0xEE;
              b.emit(bad);
            })),
            "pc 0: illegal instruction (unknown opcode 0xee)");
  ProgramBuilder padded(v1());
  padded.setDramSize(64);
  uint16_t d = padded.addDma(makeDmaDesc(
      1, {4, 1, 1, 1}, {1, 4, 4, 4}, {1, 6, 6, 6}, {1, 0, 0, 0}, {1, 0, 0, 0}));
  padded.emit(makeDmaStore(d, 0, 0));
  EXPECT_EQ(loadError(padded.finish()),
            "pc 0: dma.store with a padded descriptor");
}

// Tests that every field of a dma.expand (ISA v3) is checked against the
// image it names: the descriptor, the image inside the constant segment,
// no shorter than its mask, no mask bit past the box's blocks, and its size
// what the mask says. One line each, and never a read past the file.
TEST(Executable, BadExpandFieldsAreRefused) {
  // A 32 x 32 INT8 box: 2 x 2 blocks, 16-byte mask; blocks 0 and 3 present.
  std::vector<uint8_t> image(16 + 2 * 256, 7);
  std::fill(image.begin(), image.begin() + 16, 0);
  image[0] = 0x09;
  auto build = [&](uint32_t bytes, int64_t dramDelta, uint8_t maskByte,
                   bin::DmaDesc desc, uint16_t descIndex = 0) {
    ProgramBuilder b(v1());
    b.addDma(desc);
    std::vector<uint8_t> img = image;
    img[0] = maskByte;
    uint32_t at = b.addConstant(img.data(), img.size());
    b.setDramSize(at + img.size() + 4096);
    b.emit(
        makeDmaExpand(descIndex, 0, uint32_t(int64_t(at) + dramDelta), bytes));
    return b.finish();
  };
  bin::DmaDesc good =
      makeDmaDesc(1, {32, 32, 1, 1}, {0, 0, 0, 0}, {1, 32, 0, 0});
  uint32_t size = uint32_t(image.size());
  EXPECT_EQ(loadError(build(size, 0, 0x09, good)), "");
  EXPECT_EQ(loadError(build(size, 0, 0x09, good, 1)),
            "pc 0: DMA descriptor out of range");
  EXPECT_EQ(loadError(build(size - 256, 0, 0x09, good)),
            "pc 0: dma.expand image of 272 bytes; its mask has 2 blocks (528 "
            "bytes)");
  EXPECT_EQ(loadError(build(size, 0, 0x01, good)),
            "pc 0: dma.expand image of 528 bytes; its mask has 1 blocks (272 "
            "bytes)");
  EXPECT_EQ(loadError(build(size, 0, 0x19, good)),
            "pc 0: dma.expand block mask sets bits past its 4 blocks");
  EXPECT_EQ(loadError(build(8, 0, 0x09, good)),
            "pc 0: dma.expand image of 8 bytes is shorter than its 16-byte "
            "block mask");
  // Past the constant segment (the DRAM behind it is not compile-time data),
  // and a size that would run past the end of the file.
  EXPECT_EQ(loadError(build(size, 64, 0x09, good)),
            "pc 0: dma.expand image [64, +528) is not inside the constant "
            "segment");
  EXPECT_NE(loadError(build(0xFFFFFF, 0, 0x09, good))
                .find("is not inside the constant segment"),
            std::string::npos);
  EXPECT_EQ(loadError(build(
                size, 0, 0x09,
                makeDmaDesc(1, {32, 32, 1, 1}, {1, 32, 0, 0}, {1, 32, 0, 0}))),
            "pc 0: dma.expand with padding or DRAM strides");
  EXPECT_EQ(loadError(build(size, 0, 0x09,
                            makeDmaDesc(1, {32, 32, 1, 1}, {0, 0, 0, 0},
                                        {1, 34, 0, 0}, {1, 1, 0, 0}))),
            "pc 0: dma.expand with padding or DRAM strides");
  EXPECT_EQ(loadError(build(
                size, 0, 0x09,
                makeDmaDesc(3, {32, 32, 1, 1}, {0, 0, 0, 0}, {3, 96, 0, 0}))),
            "pc 0: dma.expand descriptor element size 3");
  // 4 x 65535 x 65535 bytes: more than npu-v1's 512 KiB scratchpad.
  EXPECT_EQ(loadError(build(size, 0, 0x09,
                            makeDmaDesc(4, {65535, 65535, 1, 1}, {0, 0, 0, 0},
                                        {4, 262140, 0, 0}))),
            "pc 0: dma.expand box of 17179344900 bytes is larger than the "
            "scratchpad");
}

// Tests that every dma.expand.elem (ISA v6) image is checked against its
// masks before the program runs: block mask bits past the box's blocks,
// element mask bits past its edges, masks that claim more bytes than the
// image has or fewer than it says, an image outside the constant segment.
// One line each; a loaded program never reads past its image (random
// corruptions either are refused or expand without an error).
TEST(Executable, BadExpandElemImagesAreRefused) {
  // A 20 x 20 INT8 box: 2 x 2 blocks, the right and bottom ones partial;
  // non-zero: (0,0) = 5 in block 0, (2,17) = 6 in block 1, (18,18) = 7 in
  // block 3; block 2 is all zero. Image: block mask 0x0B, then per present
  // block a 32-byte element mask and its one element: 1 + 3 * 33 bytes.
  std::vector<uint8_t> dense(400, 0);
  dense[0] = 5;
  dense[2 * 20 + 17] = 6;
  dense[18 * 20 + 18] = 7;
  bin::DmaDesc good =
      makeDmaDesc(1, {20, 20, 1, 1}, {0, 0, 0, 0}, {1, 20, 0, 0});
  const std::vector<uint8_t> image =
      compressElements(good, 16, 16, dense.data());
  ASSERT_EQ(image.size(), 100u);
  EXPECT_EQ(image[0], 0x0B);
  EXPECT_EQ(image[1], 0x01); // block 0: element 0
  EXPECT_EQ(image[33], 5);
  EXPECT_EQ(image[34 + 4], 0x02); // block 1: element 2 * 16 + 1 = 33
  EXPECT_EQ(image[66], 6);
  EXPECT_EQ(image[67 + 4], 0x04); // block 3: element 2 * 16 + 2 = 34
  EXPECT_EQ(image[99], 7);
  auto build = [&](const std::vector<uint8_t> &img, uint32_t bytes,
                   int64_t dramDelta = 0) {
    ProgramBuilder b(v1());
    b.addDma(good);
    std::vector<uint8_t> padded = img;
    padded.resize(img.size() + 16, 0); // constant bytes after the image
    uint32_t at = b.addConstant(padded.data(), padded.size());
    b.setDramSize(at + padded.size() + 4096);
    b.emit(makeDmaExpandElem(0, 0, uint32_t(int64_t(at) + dramDelta), bytes));
    return b.finish();
  };
  auto with = [&](size_t at, uint8_t value) {
    std::vector<uint8_t> img = image;
    img[at] = value;
    return img;
  };
  EXPECT_EQ(loadError(build(image, 100)), "");
  EXPECT_EQ(loadError(build(image, 99)),
            "pc 0: dma.expand.elem block 3's 1 elements end past the 99-byte "
            "image");
  EXPECT_EQ(loadError(build(image, 101)),
            "pc 0: dma.expand.elem image of 101 bytes; its masks account for "
            "100");
  EXPECT_EQ(loadError(build(image, 0)),
            "pc 0: dma.expand.elem image of 0 bytes is shorter than its "
            "1-byte block mask");
  EXPECT_EQ(loadError(build(with(0, 0x1B), 100)),
            "pc 0: dma.expand.elem block mask sets bits past its 4 blocks");
  // Block 1 holds columns 16-19 only: its column 5 is past the edge.
  EXPECT_EQ(loadError(build(with(34, 0x20), 100)),
            "pc 0: dma.expand.elem block 1's element mask sets a bit past the "
            "box's edge");
  // Block 2 claimed: block 3's bytes are read as block 2's, and block 3's
  // mask would start at the image's end.
  EXPECT_EQ(loadError(build(with(0, 0x0F), 100)),
            "pc 0: dma.expand.elem block 3's element mask ends past the "
            "100-byte image");
  std::vector<uint8_t> full = image;
  std::fill(full.begin() + 1, full.begin() + 33, 0xFF);
  EXPECT_EQ(loadError(build(full, 100)),
            "pc 0: dma.expand.elem block 0's 256 elements end past the "
            "100-byte image");
  EXPECT_EQ(loadError(build(image, 100, 64)),
            "pc 0: dma.expand.elem image [64, +100) is not inside the "
            "constant segment");
  EXPECT_EQ(loadError(build(image, 100, 0), nullptr), "");

  std::mt19937 rng(15);
  int loaded = 0;
  for (int i = 0; i < 400; ++i) {
    // Every fourth: only element values changed, the size kept (valid).
    std::vector<uint8_t> img = image;
    static const size_t values[] = {33, 66, 99};
    for (int n = 1 + int(rng() % 3); n > 0; --n)
      img[i % 4 ? rng() % img.size() : values[rng() % 3]] = uint8_t(rng());
    uint32_t bytes = i % 4 ? uint32_t(100 + int(rng() % 5) - 2) : 100;
    std::string error;
    auto exe = Executable::load(build(img, bytes), &v1(), error);
    if (!exe) {
      EXPECT_EQ(error.find('\n'), std::string::npos) << error;
      EXPECT_EQ(error.rfind("pc 0: dma.expand.elem ", 0), 0u) << error;
      continue;
    }
    ++loaded;
    Emulator emu(*exe);
    EXPECT_TRUE(emu.run(error)) << error;
  }
  EXPECT_GE(loaded, 100); // changed element values are valid images
}

// Tests the .npy reader and writer round trip and their refusals.
TEST(Npy, RoundTripAndRefusals) {
  float data[6] = {1, 2, 3, 4, 5, 6};
  std::vector<uint8_t> file =
      encodeNpy(bin::ElementType::F32, {2, 3}, data, sizeof(data));
  EXPECT_EQ((10 + file[8]) % 64, 0); // data starts 64-byte aligned
  NpyArray array;
  std::string error;
  ASSERT_TRUE(parseNpy(file.data(), file.size(), array, error)) << error;
  EXPECT_EQ(array.type, bin::ElementType::F32);
  EXPECT_EQ(array.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(std::memcmp(array.data.data(), data, sizeof(data)), 0);
  std::vector<uint8_t> scalar = encodeNpy(bin::ElementType::I8, {}, data, 1);
  ASSERT_TRUE(parseNpy(scalar.data(), scalar.size(), array, error)) << error;
  EXPECT_TRUE(array.shape.empty());
  std::vector<uint8_t> vec = encodeNpy(bin::ElementType::I32, {1}, data, 4);
  ASSERT_TRUE(parseNpy(vec.data(), vec.size(), array, error)) << error;
  EXPECT_EQ(array.shape, (std::vector<int64_t>{1}));

  std::vector<uint8_t> truncated(file.begin(), file.end() - 4);
  EXPECT_FALSE(parseNpy(truncated.data(), truncated.size(), array, error));
  EXPECT_EQ(error, ".npy data holds 20 bytes; the shape needs 24");
  std::string header(file.begin(), file.end());
  size_t at = header.find("<f4");
  std::vector<uint8_t> bigEndian = file;
  bigEndian[at] = '>';
  EXPECT_FALSE(parseNpy(bigEndian.data(), bigEndian.size(), array, error));
  EXPECT_EQ(error, "unsupported .npy dtype '>f4'");
  std::vector<uint8_t> fortran = file;
  size_t f = header.find("False");
  std::memcpy(fortran.data() + f, "True ", 5);
  EXPECT_FALSE(parseNpy(fortran.data(), fortran.size(), array, error));
  EXPECT_EQ(error, "Fortran-order .npy arrays are not supported");

  // Sizes from the header are checked before they are multiplied: (2^32,
  // 2^32) wrapped to 0 elements and was accepted with no data. NumPy's
  // 64 axes at most.
  auto withShape = [&](const std::string &shape) {
    std::string h =
        "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
    if (h.size() < 118)
      h.resize(118, ' ');
    h += '\n';
    std::vector<uint8_t> f = {0x93,
                              'N',
                              'U',
                              'M',
                              'P',
                              'Y',
                              1,
                              0,
                              uint8_t(h.size() & 0xff),
                              uint8_t(h.size() >> 8)};
    f.insert(f.end(), h.begin(), h.end());
    return f;
  };
  std::vector<uint8_t> wrapped = withShape("(4294967296, 4294967296)");
  EXPECT_FALSE(parseNpy(wrapped.data(), wrapped.size(), array, error));
  EXPECT_EQ(error, ".npy array is too large");
  std::string many = "(";
  for (int i = 0; i < 65; ++i)
    many += "1,";
  many += ")";
  std::vector<uint8_t> deep = withShape(many);
  deep.insert(deep.end(), 4, 0);
  EXPECT_FALSE(parseNpy(deep.data(), deep.size(), array, error));
  EXPECT_EQ(error, ".npy shape has more than 64 dimensions");
}

} // namespace
