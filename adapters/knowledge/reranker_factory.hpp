// adapters/knowledge/reranker_factory.hpp — SMOOTH_AGENT_RERANK (storage-backplane.md
// §5.3 "Mode").
//
// The value is trimmed and case-folded: `gateway`, `on`, `1`, `true` → gateway;
// `lexical` → lexical; anything else or unset → off. Then:
//  - off → no reranker (null): the knowledge_search tool keeps the retrieval order;
//  - gateway with a non-blank SMOOAI_GATEWAY_KEY → gateway_reranker (which itself falls
//    back to the retrieval order on any failure); without a key → lexical, logged;
//  - lexical → lexical_reranker.
// Read once at boot (the reference re-reads the variable every turn; a restart is
// needed here, like every other variable).
//
// Thread-safety: pure functions; the returned reranker is immutable.
#pragma once

#include "adapters/config/server_config.hpp"
#include "adapters/knowledge/json_poster.hpp"
#include "adapters/knowledge/reranker.hpp"

#include <string_view>

namespace so::adapters {

enum class rerank_mode { off, lexical, gateway };

rerank_mode parse_rerank_mode(std::string_view value);

/// Null for off. `poster` is used only by the gateway reranker (required then).
reranker_ptr make_reranker(const server_config& cfg, json_poster_ptr poster);

}  // namespace so::adapters
