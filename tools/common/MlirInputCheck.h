//===- MlirInputCheck.h - refusing MLIR text the parser crashes on -*- C++
//-*-===//
//
// Shared by npu-opt and npu-translate, which hand their input to MLIR's
// parser. LLVM 22's parser of dense arrays segfaults on an `index` element
// type (`array<index: 0, 0>`, also through a type alias) instead of refusing
// it (Parser::parseDenseArrayAttr -> getIntOrFloatBitWidth); these tools
// check the text first and refuse such input with one error line.
//
//===----------------------------------------------------------------------===//

#ifndef NPU_TOOLS_COMMON_MLIRINPUTCHECK_H
#define NPU_TOOLS_COMMON_MLIRINPUTCHECK_H

#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace npu::tools {

/// Byte offset of the first dense array whose element type is `index`
/// (directly or through `!alias = index`, aliases of aliases included), or
/// llvm::StringRef::npos. Tokens are separated as MLIR's lexer separates
/// them: whitespace across lines, `//` comments and NUL bytes (which the
/// lexer skips; the npu-opt fuzzer's `!idx = <NULs> index` evaded a
/// line-by-line match).
size_t findIndexDenseArray(llvm::StringRef text);

/// For the file at `path` (not standard input, "-", which is read once by
/// the tool's main): "PATH:LINE:COL: error: ..." when its text holds input
/// MLIR's parser would crash on, else nullopt (an unreadable file is the
/// tool's to report).
std::optional<std::string> checkMlirInputFile(llvm::StringRef path);

} // namespace npu::tools

#endif // NPU_TOOLS_COMMON_MLIRINPUTCHECK_H
