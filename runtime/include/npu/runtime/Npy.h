//===- Npy.h - NumPy .npy files -----------------------------------*- C++
//-*-===//
//
// A small, fully validated reader and writer of NumPy's .npy format
// (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html),
// versions 1.0 to 3.0, C order, little-endian or byte-order-free dtypes.
//
//===----------------------------------------------------------------------===//

#ifndef NPU_RUNTIME_NPY_H
#define NPU_RUNTIME_NPY_H

#include "npu/runtime/Executable.h"

#include <cstdint>
#include <string>
#include <vector>

namespace npu::rt {

struct NpyArray {
  bin::ElementType type = bin::ElementType::F32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data; ///< Row-major, little-endian.
};

/// Parses a whole .npy file image. Refuses Fortran order, big-endian and
/// unsupported dtypes (supported: f2, f4, f8, i1, i2, i4, i8, u1, u2,
/// u4, u8, b1), a data size
/// that disagrees with the shape, and a malformed header; `error` says which.
bool parseNpy(const uint8_t *bytes, size_t size, NpyArray &out,
              std::string &error);

/// Reads the whole of `path` into `out`. Refuses, with one line in `error`,
/// what is not a regular file (a directory, a device such as /dev/zero, a
/// FIFO) and a file larger than `maxBytes`, so no input makes a reader hang
/// or allocate without bound.
bool readFileBytes(const std::string &path, uint64_t maxBytes,
                   std::vector<uint8_t> &out, std::string &error);
/// parseNpy of the file at `path` (readFileBytes, at most 16 GiB + header).
bool readNpy(const std::string &path, NpyArray &out, std::string &error);

/// NumPy's name of an element type ("float32", "int8", ...).
const char *npyDtypeName(bin::ElementType type);

/// The .npy (version 1.0) image of an array. BF16, which NumPy lacks, is
/// written as two-byte void elements ('|V2').
std::vector<uint8_t> encodeNpy(bin::ElementType type,
                               const std::vector<int64_t> &shape,
                               const void *data, size_t size);

/// Writes `bytes` to `path` through a temporary file and a rename, so a
/// failure leaves no partial file. A `path` that exists and is not a
/// regular file (a device, a FIFO) is written in place, never replaced; a
/// directory is an error. The error names the path and the system's reason
/// (a full disk included: the write is checked up to close).
bool writeFileAtomically(const std::string &path,
                         const std::vector<uint8_t> &bytes, std::string &error);

/// Bytes at `data`, `size` of them: one piece of a file to write.
struct FilePiece {
  const void *data;
  size_t size;
};
/// writeFileAtomically of the concatenation of `pieces` (written one after
/// the other; no copy joins them).
bool writeFileAtomically(const std::string &path,
                         const std::vector<FilePiece> &pieces,
                         std::string &error);

/// Writes the .npy image of an array (encodeNpy's) with
/// writeFileAtomically, the data straight from `data` (`size` bytes, dense
/// row-major in `shape`): an emulator output is written from its DRAM.
bool writeNpyFile(const std::string &path, bin::ElementType type,
                  const std::vector<int64_t> &shape, const void *data,
                  size_t size, std::string &error);

} // namespace npu::rt

#endif // NPU_RUNTIME_NPY_H
