// adapters/knowledge/gateway_reranker.hpp — the gateway's /rerank endpoint
// (storage-backplane.md §5.3 "Gateway"; decisions.md: the endpoint path once, no
// doubled /v1).
//
// rerank(query, candidates, top_k): empty candidates or top_k 0 → empty, no request.
// Otherwise one request:
//   POST <base without trailing '/'>/rerank, Authorization: Bearer <key>
//   {"model": M, "query": q, "documents": [candidate chunks], "top_n": top_k}
// and the response's `results[]` of `{index, relevance_score}` are stably sorted by
// relevance descending; candidates are taken by index (out-of-range, repeated or
// malformed entries skipped) until top_k, then the candidates no result named are
// appended in their original order until top_k.
// ANY failure (network, timeout, non-2xx, a body that is not JSON or has no
// `results` array) gives the original order truncated to top_k and logs a warning
// naming the failure: retrieval never fails because the reranker did.
//
// Thread-safety: immutable after construction; `rerank` may be called from several
// threads at once and BLOCKS on the network (never call it on an io thread).
#pragma once

#include "adapters/knowledge/json_poster.hpp"
#include "adapters/knowledge/reranker.hpp"

#include <string>

namespace so::adapters {

struct gateway_reranker_options {
  std::string base_url = "https://llm.smoo.ai/v1";  ///< SMOOAI_GATEWAY_URL
  std::string api_key;                              ///< SMOOAI_GATEWAY_KEY
  std::string model = "rerank-english-v3.0";        ///< SMOOTH_AGENT_RERANK_MODEL
};

class gateway_reranker final : public reranker {
 public:
  /// Throws std::invalid_argument for a null poster.
  gateway_reranker(json_poster_ptr poster, gateway_reranker_options options);

  std::vector<knowledge_result> rerank(const std::string& query,
                                       std::vector<knowledge_result> candidates,
                                       std::size_t top_k) const override;
  const char* name() const override { return "gateway"; }
  const std::string& url() const { return url_; }

 private:
  json_poster_ptr poster_;
  gateway_reranker_options options_;
  std::string url_;
};

}  // namespace so::adapters
