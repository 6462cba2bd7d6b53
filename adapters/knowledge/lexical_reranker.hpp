// adapters/knowledge/lexical_reranker.hpp — the local reranker of storage-backplane.md
// §5.3 "Lexical" (k1 = 1.2).
//
// Tokens as the deterministic embedder cuts them (§5.1: lower-cased, split on every
// non-alphanumeric code point). The query's tokens form a set. A chunk with no tokens
// scores 0; otherwise, with L = 1 + ln(1 + the chunk's token count),
//   score = Σ over query terms occurring c > 0 times in the chunk of (c / (c + k1)) / L.
// Candidates are stably sorted by that score, descending (ties keep the retrieval
// order), then truncated to top_k. The candidates' `score` fields are not changed.
//
// Thread-safety: immutable after construction; `rerank` is CPU only and safe from
// several threads at once.
#pragma once

#include "adapters/knowledge/deterministic_embedder.hpp"
#include "adapters/knowledge/reranker.hpp"

namespace so::adapters {

class lexical_reranker final : public reranker {
 public:
  static constexpr double kK1 = 1.2;

  std::vector<knowledge_result> rerank(const std::string& query,
                                       std::vector<knowledge_result> candidates,
                                       std::size_t top_k) const override;
  const char* name() const override { return "lexical"; }

  /// The lexical score of `chunk` for `query` (exposed for tests).
  double score(const std::string& query, const std::string& chunk) const;

 private:
  deterministic_embedder tokenizer_{1};  ///< only its §5.1 tokenizer is used
};

}  // namespace so::adapters
