// adapters/knowledge/noop_reranker.hpp — the reranker that keeps the retrieval order
// and truncates to top_k (storage-backplane.md §5.3 "Noop").
//
// Thread-safety: stateless.
#pragma once

#include "adapters/knowledge/reranker.hpp"

namespace so::adapters {

class noop_reranker final : public reranker {
 public:
  std::vector<knowledge_result> rerank(const std::string&, std::vector<knowledge_result> candidates,
                                       std::size_t top_k) const override {
    if (candidates.size() > top_k) candidates.resize(top_k);
    return candidates;
  }
  const char* name() const override { return "noop"; }
};

}  // namespace so::adapters
