//===- MlirInputCheck.cpp - refusing MLIR text the parser crashes on ------===//

#include "MlirInputCheck.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"

#include <vector>

namespace npu::tools {

size_t findIndexDenseArray(llvm::StringRef text) {
  // Tokens as MLIR's lexer sees them where it matters here: a name
  // (`index`, `array`, `!alias`) or one punctuation byte, with whitespace,
  // NUL bytes (the lexer skips a NUL that is not the buffer's end) and `//`
  // comments between them, across lines.
  struct Token {
    llvm::StringRef text;
    size_t at;
  };
  auto nameChar = [](char c) {
    return llvm::isAlnum(c) || c == '_' || c == '.' || c == '$' || c == '-';
  };
  std::vector<Token> tokens;
  for (size_t i = 0; i < text.size();) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\0') {
      ++i;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      i = text.find('\n', i);
    } else if (llvm::isAlpha(c) || c == '_' ||
               (c == '!' && i + 1 < text.size() &&
                (llvm::isAlpha(text[i + 1]) || text[i + 1] == '_'))) {
      size_t begin = i++;
      while (i < text.size() && nameChar(text[i]))
        ++i;
      tokens.push_back({text.slice(begin, i), begin});
    } else {
      tokens.push_back({text.substr(i, 1), i});
      ++i;
    }
  }
  // `!a = index`, `!b = !a`, ... to a fixpoint (an alias may be defined
  // after its use in the file's order).
  llvm::StringSet<> indexTypes = {"index"};
  for (bool grew = true; grew;) {
    grew = false;
    for (size_t i = 0; i + 2 < tokens.size(); ++i)
      if (tokens[i].text.starts_with("!") && tokens[i + 1].text == "=" &&
          indexTypes.contains(tokens[i + 2].text) &&
          !indexTypes.contains(tokens[i].text))
        grew = indexTypes.insert(tokens[i].text).second;
  }
  for (size_t i = 0; i + 2 < tokens.size(); ++i)
    if (tokens[i].text == "array" && tokens[i + 1].text == "<" &&
        indexTypes.contains(tokens[i + 2].text))
      return tokens[i].at;
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
