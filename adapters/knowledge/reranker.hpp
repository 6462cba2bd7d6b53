// adapters/knowledge/reranker.hpp — the reranker seam (storage-backplane.md §5.3):
// reorders retrieval candidates for a query and keeps the best `top_k`.
//
// Every reranker reorders and truncates; none changes a candidate's `score` (it is
// still the store's retrieval score). Empty candidates or top_k 0 → empty.
// Implementations: noop_reranker (truncate), lexical_reranker (BM25-like term
// saturation), gateway_reranker (the gateway's /rerank; on any failure the original
// order, truncated, and a warning). reranker_factory.hpp picks one from
// SMOOTH_AGENT_RERANK.
//
// Thread-safety: `rerank` is const and safe from several threads at once. It MAY
// BLOCK (the gateway one calls the network): the server calls it only on the storage
// pool's knowledge worker, right after the query it reranks. It never throws for a
// failure of its own making (the gateway one falls back instead).
#pragma once

#include "adapters/knowledge/knowledge_base.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace so::adapters {

class reranker {
 public:
  virtual ~reranker() = default;
  /// At most `top_k` of `candidates`, best first, scores unchanged.
  virtual std::vector<knowledge_result> rerank(const std::string& query,
                                               std::vector<knowledge_result> candidates,
                                               std::size_t top_k) const = 0;
  /// "noop", "lexical" or "gateway" (logs, tests).
  virtual const char* name() const = 0;
};

using reranker_ptr = std::shared_ptr<const reranker>;

}  // namespace so::adapters
