// adapters/knowledge/reranker_factory.cpp — see reranker_factory.hpp.
#include "adapters/knowledge/reranker_factory.hpp"

#include "adapters/knowledge/gateway_reranker.hpp"
#include "adapters/knowledge/lexical_reranker.hpp"
#include "adapters/knowledge/unicode_text.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <string>

namespace so::adapters {

rerank_mode parse_rerank_mode(std::string_view value) {
  std::string v(trim_unicode_whitespace(value));
  std::transform(v.begin(), v.end(), v.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (v == "gateway" || v == "on" || v == "1" || v == "true") return rerank_mode::gateway;
  if (v == "lexical") return rerank_mode::lexical;
  return rerank_mode::off;
}

reranker_ptr make_reranker(const server_config& cfg, json_poster_ptr poster) {
  switch (parse_rerank_mode(cfg.rerank)) {
    case rerank_mode::off:
      return nullptr;
    case rerank_mode::lexical:
      return std::make_shared<lexical_reranker>();
    case rerank_mode::gateway:
      if (trim_unicode_whitespace(cfg.gateway_key).empty() || !poster) {
        spdlog::warn(
            "SMOOTH_AGENT_RERANK=gateway without SMOOAI_GATEWAY_KEY: using the lexical "
            "reranker");
        return std::make_shared<lexical_reranker>();
      }
      gateway_reranker_options o;
      o.base_url = cfg.gateway_url;
      o.api_key = cfg.gateway_key;
      o.model = cfg.rerank_model;
      return std::make_shared<gateway_reranker>(std::move(poster), std::move(o));
  }
  return nullptr;
}

}  // namespace so::adapters
