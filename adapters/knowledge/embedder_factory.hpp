// adapters/knowledge/embedder_factory.hpp — which embedder the server's knowledge store
// and indexing pipeline use (storage-backplane.md §5.2 "Selection").
//
// SMOOTH_AGENT_EMBEDDER (server_config::embedder):
//  - automatic: the gateway embedder when SMOOAI_GATEWAY_KEY is non-blank (a blank key
//    counts as absent), else the deterministic embedder and a warning (§5.2);
//  - gateway: the gateway embedder; no key → std::runtime_error naming the variables
//    (a boot error, never a silent fallback: the vectors' width would change);
//  - deterministic: the deterministic embedder (§5.1).
// Width: SMOOTH_AGENT_EMBEDDING_DIM, else 1536 (gateway) or 1024 (deterministic).
//
// Thread-safety: pure function; the returned embedder is immutable.
#pragma once

#include "adapters/config/server_config.hpp"
#include "adapters/knowledge/embedder.hpp"
#include "adapters/knowledge/json_poster.hpp"

namespace so::adapters {

/// `poster` is used only by the gateway embedder (required then).
embedder_ptr make_embedder(const server_config& cfg, json_poster_ptr poster);

}  // namespace so::adapters
