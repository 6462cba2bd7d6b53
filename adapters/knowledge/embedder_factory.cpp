// adapters/knowledge/embedder_factory.cpp — see embedder_factory.hpp.
#include "adapters/knowledge/embedder_factory.hpp"

#include "adapters/knowledge/deterministic_embedder.hpp"
#include "adapters/knowledge/gateway_embedder.hpp"
#include "adapters/knowledge/unicode_text.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

namespace so::adapters {

embedder_ptr make_embedder(const server_config& cfg, json_poster_ptr poster) {
  const bool has_key = !trim_unicode_whitespace(cfg.gateway_key).empty();
  bool gateway = false;
  switch (cfg.embedder) {
    case embedder_choice::deterministic:
      break;
    case embedder_choice::gateway:
      if (!has_key)
        throw std::runtime_error(
            "SMOOTH_AGENT_EMBEDDER=gateway needs SMOOAI_GATEWAY_KEY (the embeddings endpoint is "
            "SMOOAI_GATEWAY_URL + /embeddings)");
      gateway = true;
      break;
    case embedder_choice::automatic:
      gateway = has_key;
      if (!gateway)
        spdlog::warn(
            "no SMOOAI_GATEWAY_KEY: knowledge uses the deterministic embedder (hashed tokens, "
            "no semantics; SMOOTH_AGENT_EMBEDDER)");
      break;
  }
  if (!gateway)
    return std::make_shared<deterministic_embedder>(
        cfg.embedding_dim ? cfg.embedding_dim : deterministic_embedder::kDefaultDim);
  gateway_embedder_options o;
  o.base_url = cfg.gateway_url;
  o.api_key = cfg.gateway_key;
  o.model = cfg.embedding_model;
  o.dim = cfg.embedding_dim ? cfg.embedding_dim : gateway_embedder::kDefaultDim;
  o.max_batch = cfg.embedding_batch;
  auto e = std::make_shared<gateway_embedder>(std::move(poster), std::move(o));
  spdlog::info("knowledge embedder: gateway {} ({} dimensions) at {}", cfg.embedding_model,
               e->dim(), e->url());
  return e;
}

}  // namespace so::adapters
