// adapters/knowledge/gateway_embedder.hpp — embeddings from the OpenAI-compatible
// gateway (storage-backplane.md §5.2, decisions.md "Knowledge and storage").
//
// embed(texts): empty input → empty output, no request. Otherwise the texts go in
// batches of at most `max_batch`, in order, one request per batch:
//   POST <base without trailing '/'>/embeddings   (exactly once: never /v1/v1/...)
//   Authorization: Bearer <key>
//   {"model": M, "input": [texts of the batch]}
// The response's `data[]` entries `{embedding, index}` are put in `index` order. A
// batch fails (std::runtime_error naming what was wrong; nothing is returned) when:
// the status is not 2xx (the message holds the status and up to 512 bytes of the
// body), the body is not JSON or has no `data` array, the number of entries is not
// the batch size, an index is missing, out of range or repeated, or a vector is not
// exactly `dim` finite numbers. There is no retry: the caller (an indexing run, a
// knowledge query) fails and says why.
// The input type is ignored (as the reference's).
//
// Thread-safety: immutable after construction; `embed` may be called from several
// threads at once and BLOCKS on the network (json_poster's rule: never on an io
// thread — the server calls it on the storage pool's knowledge/indexing workers and
// at boot).
#pragma once

#include "adapters/knowledge/embedder.hpp"
#include "adapters/knowledge/json_poster.hpp"

#include <cstddef>
#include <string>

namespace so::adapters {

struct gateway_embedder_options {
  std::string base_url = "https://llm.smoo.ai/v1";  ///< SMOOAI_GATEWAY_URL
  std::string api_key;                              ///< SMOOAI_GATEWAY_KEY (non-blank)
  std::string model = "text-embedding-3-small";     ///< SMOOTH_AGENT_EMBEDDING_MODEL
  std::size_t dim = 1536;                           ///< SMOOTH_AGENT_EMBEDDING_DIM
  std::size_t max_batch = 64;                       ///< SMOOTH_AGENT_EMBEDDING_BATCH (>= 1)
};

class gateway_embedder final : public embedder {
 public:
  static constexpr std::size_t kDefaultDim = 1536;

  /// Throws std::invalid_argument for a null poster, dim 0, max_batch 0 or a blank key.
  gateway_embedder(json_poster_ptr poster, gateway_embedder_options options);

  std::size_t dim() const override { return options_.dim; }
  std::vector<embedding> embed(const std::vector<std::string>& texts,
                               input_type type) const override;

  /// The URL every request goes to.
  const std::string& url() const { return url_; }

 private:
  /// One request for texts[first, first + count).
  void embed_batch(const std::vector<std::string>& texts, std::size_t first, std::size_t count,
                   std::vector<embedding>& out) const;

  json_poster_ptr poster_;
  gateway_embedder_options options_;
  std::string url_;
};

}  // namespace so::adapters
