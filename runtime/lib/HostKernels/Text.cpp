//===- Text.cpp - n-gram counting -----------------------------------------===//
//
// TfIdfVectorizer (opset 9) over integer tokens, after onnx/docs/Operators.md
// and ONNX's reference implementation (onnx/reference/ops/
// op_tfidf_vectorizer.py, which follows ONNX Runtime). String tokens
// (pool_strings) are not supported: the host has no string tensors.
//
// X is [C] or [B, C] (int32 or int64), each row a token sequence. The pool
// (pool_int64s) lists the n-grams by size: ngram_counts[i] is where the
// (i + 1)-grams start; the j-th n-gram of the pool (counting all sizes) goes
// to output column ngram_indexes[j]; only sizes in [min_gram_length,
// max_gram_length] are counted. An n-gram with skip s takes n tokens s
// apart (s in [0, max_skip_count], distance s + 1); every start position
// and skip counts once, except that unigrams count once, not once per
// skip. Y ([out] or [B, out], out = max(ngram_indexes) + 1, float32) is
// per column: TF the count; IDF weights[col] (1 without weights) when the
// count is > 0, else 0; TFIDF count * weights[col] (or the count).
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include <algorithm>
#include <map>

namespace npu::rt::hk {
namespace {

using AK = bin::AttributeKind;

/// The pool's n-grams of the counted sizes, each with its output column.
struct NGramPool {
  std::map<std::vector<int64_t>, int64_t> column;
  int64_t outSize = 0;
};

bool readPool(const HostNode &node, NGramPool &pool, std::string &why) {
  for (const char *name :
       {"max_gram_length", "min_gram_length", "max_skip_count", "mode",
        "ngram_counts", "ngram_indexes", "pool_int64s"})
    if (!node.find(name))
      return fail(why, node, "attribute '", name, "' is required");
  int64_t minN = node.getInt("min_gram_length", 1),
          maxN = node.getInt("max_gram_length", 1),
          skips = node.getInt("max_skip_count", 0);
  if (minN < 1 || maxN < minN || skips < 0)
    return fail(why, node, "gram lengths [", minN, ", ", maxN,
                "] and max_skip_count ", skips, " are invalid");
  std::string mode = node.getString("mode", "");
  if (mode != "TF" && mode != "IDF" && mode != "TFIDF")
    return fail(why, node, "unknown mode '", mode, "'");
  const std::vector<int64_t> &counts = *node.getInts("ngram_counts"),
                             &indexes = *node.getInts("ngram_indexes"),
                             &items = *node.getInts("pool_int64s");
  int64_t total = int64_t(items.size()), grams = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    int64_t begin = counts[i],
            end = i + 1 < counts.size() ? counts[i + 1] : total;
    if (begin < 0 || begin > end || end > total)
      return fail(why, node, "ngram_counts must rise within the pool's ", total,
                  " items");
    if ((end - begin) % int64_t(i + 1) != 0)
      return fail(why, node, "the ", end - begin, " pool items of ", i + 1,
                  "-grams are not whole n-grams");
    grams += (end - begin) / int64_t(i + 1);
  }
  if (indexes.empty() || int64_t(indexes.size()) != grams)
    return fail(why, node, "ngram_indexes has ", indexes.size(),
                " entries for ", grams, " n-grams");
  for (int64_t c : indexes)
    if (c < 0 || c > (int64_t(1) << 32))
      return fail(why, node, "ngram_indexes entry ", c,
                  " out of range [0, 2^32]");
  pool.outSize = *std::max_element(indexes.begin(), indexes.end()) + 1;
  if (const std::vector<float> *w = node.getFloats("weights");
      w && int64_t(w->size()) < pool.outSize)
    return fail(why, node, "weights has ", w->size(), " entries for ",
                pool.outSize, " output columns");
  int64_t id = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    int64_t n = int64_t(i + 1), begin = counts[i],
            end = i + 1 < counts.size() ? counts[i + 1] : total;
    for (int64_t at = begin; at < end; at += n, ++id)
      if (n >= minN && n <= maxN)
        pool.column[std::vector<int64_t>(items.begin() + at,
                                         items.begin() + at + n)] = indexes[id];
  }
  return true;
}

bool verifyTfIdfVectorizer(HK_VERIFY_ARGS) {
  NGramPool pool;
  if (!checkAttrs(node,
                  {{"max_gram_length", AK::Int},
                   {"max_skip_count", AK::Int},
                   {"min_gram_length", AK::Int},
                   {"mode", AK::String},
                   {"ngram_counts", AK::Ints},
                   {"ngram_indexes", AK::Ints},
                   {"pool_int64s", AK::Ints},
                   {"weights", AK::Floats}},
                  why) ||
      !checkArity(node, in, out, 1, 1, 1, why) ||
      !checkType(node, in, 0, kIndexTypes, why) || !readPool(node, pool, why))
    return false;
  const Shape &s = in[0].shape;
  if (s.size() != 1 && s.size() != 2)
    return fail(why, node, "X must be [C] or [B, C], got ", shapeStr(s));
  Shape shape = s.size() == 1 ? Shape{pool.outSize} : Shape{s[0], pool.outSize};
  return checkOutput(node, out, 0, ElementType::F32, shape, why);
}

bool runTfIdfVectorizer(HK_RUN_ARGS) {
  NGramPool pool;
  readPool(node, pool, why);
  const Shape &s = in[0].shape;
  uint64_t rows = s.size() == 1 ? 1 : uint64_t(s[0]);
  int64_t C = s.back(), cols = pool.outSize;
  int64_t minN = node.getInt("min_gram_length", 1),
          maxN = node.getInt("max_gram_length", 1),
          skips = node.getInt("max_skip_count", 0);
  std::vector<uint64_t> count(rows * uint64_t(cols), 0);
  std::vector<int64_t> gram;
  for (uint64_t r = 0; r < rows; ++r) {
    auto token = [&](int64_t i) { return loadIndex(in[0], r * C + i); };
    int64_t first = minN; // The smallest size counted at this skip.
    for (int64_t dist = 1; dist <= skips + 1; ++dist) {
      for (int64_t start = 0; start + dist * (first - 1) < C; ++start) {
        gram.clear();
        for (int64_t n = 1, at = start; n <= maxN && at < C; ++n, at += dist) {
          gram.push_back(token(at));
          if (n < first)
            continue;
          auto hit = pool.column.find(gram);
          if (hit != pool.column.end())
            ++count[r * cols + hit->second];
          work.scalarOps += n;
        }
      }
      if (first == 1 && ++first > maxN)
        break; // Unigrams count once.
    }
  }
  std::string mode = node.getString("mode", "TF");
  const std::vector<float> *w = node.getFloats("weights");
  for (uint64_t i = 0; i < count.size(); ++i) {
    float weight = w ? (*w)[i % uint64_t(cols)] : 1.0f;
    float v = mode == "TF"    ? float(count[i])
              : mode == "IDF" ? (count[i] > 0 ? weight : 0.0f)
                              : float(count[i]) * weight;
    Elem<float>::store(out[0].data, i, v);
  }
  work.vectorOps += count.size();
  return true;
}

const HostKernel kKernels[] = {
    {"TfIdfVectorizer", verifyTfIdfVectorizer, runTfIdfVectorizer},
};

} // namespace

KernelTable textKernels() {
  return {kKernels, sizeof(kKernels) / sizeof(kKernels[0])};
}

} // namespace npu::rt::hk
