//===- MlirInputCheck.cpp - refusing MLIR text the parser crashes on ------===//

#include "MlirInputCheck.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Regex.h"

namespace npu::tools {

size_t findIndexDenseArray(llvm::StringRef text) {
  llvm::StringSet<> indexNames = {"index"};
  llvm::Regex alias("^[ \t]*!([A-Za-z_][A-Za-z0-9_.$-]*)[ \t]*=[ \t]*"
                    "(index|![A-Za-z_][A-Za-z0-9_.$-]*)[ \t]*$");
  for (bool grew = true; grew;) {
    grew = false;
    llvm::SmallVector<llvm::StringRef> lines;
    text.split(lines, '\n');
    llvm::SmallVector<llvm::StringRef, 3> m;
    for (llvm::StringRef line : lines)
      if (alias.match(line.rtrim("\r"), &m) &&
          indexNames.contains(m[2].ltrim("!")) && !indexNames.contains(m[1]))
        grew = indexNames.insert(m[1]).second;
  }
  llvm::Regex array("array[ \t\r\n]*<[ \t\r\n]*!?([A-Za-z_][A-Za-z0-9_.$-]*)");
  llvm::SmallVector<llvm::StringRef, 2> m;
  for (size_t at = 0; at < text.size();) {
    llvm::StringRef rest = text.drop_front(at);
    if (!array.match(rest, &m))
      return llvm::StringRef::npos;
    size_t found = m[0].data() - text.data();
    if (indexNames.contains(m[1]))
      return found;
    at = found + m[0].size();
  }
  return llvm::StringRef::npos;
}

std::optional<std::string> checkMlirInputFile(llvm::StringRef path) {
  if (path == "-")
    return std::nullopt;
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return std::nullopt;
  llvm::StringRef text = (*buffer)->getBuffer();
  size_t at = findIndexDenseArray(text);
  if (at == llvm::StringRef::npos)
    return std::nullopt;
  llvm::StringRef before = text.take_front(at);
  size_t line = before.count('\n') + 1;
  size_t column = at - (before.rfind('\n') + 1) + 1;
  return (path + ":" + llvm::Twine(line) + ":" + llvm::Twine(column) +
          ": error: a dense array of 'index' elements is not supported (use "
          "i64)")
      .str();
}

} // namespace npu::tools
