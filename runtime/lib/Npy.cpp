//===- Npy.cpp - NumPy .npy reading and writing --------------------------===//

#include "npu/runtime/Npy.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <unistd.h>

namespace npu::rt {

namespace {

bool fail(std::string &error, const std::string &msg) {
  error = msg;
  return false;
}

/// The value after `'key':` in the header dictionary, up to the next
/// top-level ',' or '}'.
bool findValue(const std::string &header, const std::string &key,
               std::string &value) {
  size_t k = header.find("'" + key + "'");
  if (k == std::string::npos)
    return false;
  size_t colon = header.find(':', k);
  if (colon == std::string::npos)
    return false;
  size_t i = colon + 1, depth = 0, start = i;
  for (; i < header.size(); ++i) {
    char c = header[i];
    if (c == '(')
      ++depth;
    else if (c == ')') {
      if (depth == 0)
        return false;
      --depth;
    } else if ((c == ',' || c == '}') && depth == 0)
      break;
  }
  value = header.substr(start, i - start);
  size_t b = value.find_first_not_of(" \t"), e = value.find_last_not_of(" \t");
  value = b == std::string::npos ? "" : value.substr(b, e - b + 1);
  return true;
}

/// Every element type with a NumPy dtype: its descr and name. BF16 has none
/// (NumPy lacks the type).
struct NpyType {
  bin::ElementType type;
  const char *descr, *name;
};
constexpr NpyType kNpyTypes[] = {{bin::ElementType::F32, "<f4", "float32"},
                                 {bin::ElementType::F16, "<f2", "float16"},
                                 {bin::ElementType::F64, "<f8", "float64"},
                                 {bin::ElementType::I8, "|i1", "int8"},
                                 {bin::ElementType::U8, "|u1", "uint8"},
                                 {bin::ElementType::I16, "<i2", "int16"},
                                 {bin::ElementType::U16, "<u2", "uint16"},
                                 {bin::ElementType::I32, "<i4", "int32"},
                                 {bin::ElementType::U32, "<u4", "uint32"},
                                 {bin::ElementType::I64, "<i8", "int64"},
                                 {bin::ElementType::U64, "<u8", "uint64"},
                                 {bin::ElementType::Bool, "|b1", "bool"}};

const char *descrOf(bin::ElementType t) {
  for (const NpyType &n : kNpyTypes)
    if (n.type == t)
      return n.descr;
  return nullptr;
}

} // namespace

const char *npyDtypeName(bin::ElementType t) {
  for (const NpyType &n : kNpyTypes)
    if (n.type == t)
      return n.name;
  return elementTypeName(t);
}

namespace {
/// The header of a .npy file of `size` bytes whose first `prefix` bytes are
/// at `bytes` (at least the whole header, when the file has one): the type
/// and shape into `out`, where the data starts into `dataStart`. Checks
/// that the data after the header is exactly what the shape needs.
bool parseNpyHeader(const uint8_t *bytes, size_t prefix, uint64_t size,
                    NpyArray &out, size_t &dataStart, std::string &error) {
  static const char magic[] = "\x93NUMPY";
  if (prefix < std::min<uint64_t>(size, 12))
    return fail(error, "truncated .npy header");
  if (size < 10 || std::memcmp(bytes, magic, 6) != 0)
    return fail(error, "not a .npy file (bad magic)");
  unsigned major = bytes[6];
  size_t headerLen, offset;
  if (major == 1) {
    headerLen = bytes[8] | (size_t(bytes[9]) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12)
      return fail(error, "truncated .npy header");
    headerLen = bytes[8] | (size_t(bytes[9]) << 8) | (size_t(bytes[10]) << 16) |
                (size_t(bytes[11]) << 24);
    offset = 12;
  } else {
    return fail(error,
                ".npy version " + std::to_string(major) + " is not supported");
  }
  if (headerLen > size - offset || headerLen > prefix - offset)
    return fail(error, "truncated .npy header");
  std::string header(reinterpret_cast<const char *>(bytes + offset), headerLen);
  std::string descr, fortran, shape;
  if (!findValue(header, "descr", descr) ||
      !findValue(header, "fortran_order", fortran) ||
      !findValue(header, "shape", shape))
    return fail(error, "malformed .npy header");
  if (fortran != "False")
    return fail(error, "Fortran-order .npy arrays are not supported");
  if (descr.size() < 2 || (descr.front() != '\'' && descr.front() != '"'))
    return fail(error, "malformed .npy dtype");
  descr = descr.substr(1, descr.size() - 2);
  // A one-byte dtype may be written with any byte-order character.
  if (descr.size() == 3 && descr[0] == '<' && descr[2] == '1')
    descr[0] = '|';
  bool known = false;
  if (descr == "|V2" || descr == "<V2") { // what encodeNpy writes for BF16
    out.type = bin::ElementType::BF16;
    known = true;
  }
  for (const NpyType &n : kNpyTypes)
    if (descr == n.descr) {
      out.type = n.type;
      known = true;
    }
  if (!known)
    return fail(error, "unsupported .npy dtype '" + descr + "'");
  if (shape.size() < 2 || shape.front() != '(' || shape.back() != ')')
    return fail(error, "malformed .npy shape");
  out.shape.clear();
  uint64_t count = 1;
  std::string inner = shape.substr(1, shape.size() - 2);
  size_t pos = 0;
  while (pos < inner.size()) {
    size_t comma = inner.find(',', pos);
    std::string item = inner.substr(
        pos, comma == std::string::npos ? std::string::npos : comma - pos);
    size_t b = item.find_first_not_of(" "), e = item.find_last_not_of(" ");
    if (b != std::string::npos) {
      item = item.substr(b, e - b + 1);
      if (item.empty() || item.size() > 12 ||
          item.find_first_not_of("0123456789") != std::string::npos)
        return fail(error, "malformed .npy shape");
      int64_t d = std::stoll(item);
      // Checked before multiplying (d < 10^12, so count * d could wrap: a
      // shape (2^32, 2^32) wrapped to 0 elements). NumPy allows 64 axes.
      constexpr uint64_t kMaxCount = uint64_t(1) << 34;
      if (d != 0 && count > kMaxCount / uint64_t(d))
        return fail(error, ".npy array is too large");
      if (out.shape.size() == 64)
        return fail(error, ".npy shape has more than 64 dimensions");
      out.shape.push_back(d);
      count *= uint64_t(d);
    }
    if (comma == std::string::npos)
      break;
    pos = comma + 1;
  }
  uint64_t want = count * elementBytes(out.type);
  dataStart = offset + headerLen;
  if (size - dataStart != want)
    return fail(error, ".npy data holds " + std::to_string(size - dataStart) +
                           " bytes; the shape needs " + std::to_string(want));
  return true;
}

/// Opens `path` for reading if it is a regular file of at most `maxBytes`
/// (readFileBytes' checks); its size into `size`.
int openRegularFile(const std::string &path, uint64_t maxBytes, uint64_t &size,
                    std::string &error) {
  // O_NONBLOCK: opening a FIFO for reading waits for a writer, forever;
  // non-blocking, it opens at once and is refused below as not a regular
  // file. (Regular files ignore the flag.)
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    fail(error, std::string("cannot open file: ") + std::strerror(errno));
    return -1;
  }
  struct stat st;
  bool ok = ::fstat(fd, &st) == 0;
  if (!ok || !S_ISREG(st.st_mode)) {
    ::close(fd);
    fail(error, ok && S_ISDIR(st.st_mode) ? "is a directory, not a file"
                                          : "is not a regular file");
    return -1;
  }
  if (uint64_t(st.st_size) > maxBytes) {
    ::close(fd);
    fail(error, "file is larger than " + std::to_string(maxBytes) + " bytes");
    return -1;
  }
  size = uint64_t(st.st_size);
  return fd;
}

/// Reads exactly `size` bytes from `fd` into `out`.
bool readExactly(int fd, uint8_t *out, size_t size) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd, out + done, size - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    done += size_t(n);
  }
  return true;
}
} // namespace

bool parseNpy(const uint8_t *bytes, size_t size, NpyArray &out,
              std::string &error) {
  size_t dataStart;
  if (!parseNpyHeader(bytes, size, size, out, dataStart, error))
    return false;
  out.data.assign(bytes + dataStart, bytes + size);
  return true;
}

bool readFileBytes(const std::string &path, uint64_t maxBytes,
                   std::vector<uint8_t> &out, std::string &error) {
  uint64_t size;
  int fd = openRegularFile(path, maxBytes, size, error);
  if (fd < 0)
    return false;
  out.resize(size_t(size));
  bool ok = readExactly(fd, out.data(), out.size());
  ::close(fd);
  return ok || fail(error, "cannot read file");
}

bool readNpy(const std::string &path, NpyArray &out, std::string &error) {
  // The header first, then the data straight into `out.data`: one copy of
  // the data, not a file image and a copy of it (an input's bytes are
  // copied once more, into the emulator's DRAM).
  uint64_t size;
  int fd = openRegularFile(path, (uint64_t(1) << 34) + (uint64_t(1) << 20),
                           size, error);
  if (fd < 0)
    return false;
  std::vector<uint8_t> header(size_t(std::min<uint64_t>(size, 12)));
  bool ok = readExactly(fd, header.data(), header.size());
  if (ok && header.size() == 12 && header[6] >= 1 && header[6] <= 3) {
    // The whole header (its length field is checked against the file size
    // before anything that large is allocated).
    size_t len = header[8] | (size_t(header[9]) << 8);
    if (header[6] > 1)
      len |= (size_t(header[10]) << 16) | (size_t(header[11]) << 24);
    size_t end = (header[6] == 1 ? 10 : 12) + len;
    if (end <= size && end > header.size()) {
      size_t have = header.size();
      header.resize(end);
      ok = readExactly(fd, header.data() + have, end - have);
    }
  }
  size_t dataStart = 0;
  if (ok && parseNpyHeader(header.data(), header.size(), size, out, dataStart,
                           error)) {
    // A version-1 header of 10 + len bytes may have been read past (12).
    size_t early = header.size() - dataStart;
    out.data.resize(size_t(size - dataStart));
    if (early)
      std::memcpy(out.data.data(), header.data() + dataStart, early);
    ok = readExactly(fd, out.data.data() + early, out.data.size() - early);
    ::close(fd);
    return ok || fail(error, "cannot read file");
  }
  ::close(fd);
  return ok ? false : fail(error, "cannot read file");
}

std::vector<uint8_t> encodeNpy(bin::ElementType type,
                               const std::vector<int64_t> &shape,
                               const void *data, size_t size) {
  // Python tuple syntax: "()", "(4,)", "(2, 3)".
  std::string dims;
  for (size_t i = 0; i < shape.size(); ++i)
    dims += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1)
    dims += ",";
  const char *descr = descrOf(type);
  std::string header = std::string("{'descr': '") + (descr ? descr : "|V2") +
                       "', 'fortran_order': False, 'shape': (" + dims + "), }";
  // Pad with spaces so that the data starts 64-byte aligned; end with '\n'.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  // Magic, version 1.0, little-endian header length, header, data.
  const uint8_t preamble[] = {0x93,
                              'N',
                              'U',
                              'M',
                              'P',
                              'Y',
                              1,
                              0,
                              uint8_t(header.size() & 0xFF),
                              uint8_t(header.size() >> 8)};
  std::vector<uint8_t> out;
  out.reserve(sizeof(preamble) + header.size() + size);
  out.insert(out.end(), std::begin(preamble), std::end(preamble));
  out.insert(out.end(), header.begin(), header.end());
  const uint8_t *p = static_cast<const uint8_t *>(data);
  out.insert(out.end(), p, p + size);
  return out;
}

namespace {
/// Writes all of `pieces`, in order, to a new descriptor of `path` (opened with
/// `flags`) and closes it; false with errno set on any failure.
bool writeAll(const std::string &path, int flags,
              const std::vector<FilePiece> &pieces) {
  int fd = ::open(path.c_str(), flags | O_WRONLY | O_CLOEXEC, 0666);
  if (fd < 0)
    return false;
  for (const FilePiece &piece : pieces) {
    const uint8_t *bytes = static_cast<const uint8_t *>(piece.data);
    size_t done = 0;
    while (done < piece.size) {
      ssize_t n = ::write(fd, bytes + done, piece.size - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0) {
        int saved = n < 0 ? errno : ENOSPC;
        ::close(fd);
        errno = saved;
        return false;
      }
      done += size_t(n);
    }
  }
  return ::close(fd) == 0;
}
} // namespace

bool writeFileAtomically(const std::string &path,
                         const std::vector<uint8_t> &bytes,
                         std::string &error) {
  return writeFileAtomically(path, {{bytes.data(), bytes.size()}}, error);
}

bool writeNpyFile(const std::string &path, bin::ElementType type,
                  const std::vector<int64_t> &shape, const void *data,
                  size_t size, std::string &error) {
  // The header alone, then the data from where it is (no image of both).
  std::vector<uint8_t> header = encodeNpy(type, shape, nullptr, 0);
  return writeFileAtomically(
      path, {{header.data(), header.size()}, {data, size}}, error);
}

bool writeFileAtomically(const std::string &path,
                         const std::vector<FilePiece> &pieces,
                         std::string &error) {
  auto failWith = [&](int err) {
    return fail(error, "cannot write '" + path + "': " + std::strerror(err));
  };
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode))
      return failWith(EISDIR);
    // A device or FIFO (/dev/stdout, /dev/full): renaming over it would
    // replace it with a regular file (as root, even in /dev).
    return writeAll(path, O_TRUNC, pieces) || failWith(errno);
  }
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  if (!writeAll(tmp, O_CREAT | O_TRUNC, pieces)) {
    int err = errno;
    ::unlink(tmp.c_str());
    return failWith(err);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return failWith(err);
  }
  return true;
}

} // namespace npu::rt
