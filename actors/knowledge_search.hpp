// actors/knowledge_search.hpp — the built-in `knowledge_search` tool, wired to
// the storage pool's knowledge worker.
//
// The query runs on the knowledge worker (never on the calling actor's thread);
// the tool completes on that worker. A query refused by the pool completes the
// tool with an error text that starts with the pool's code (STORAGE_BUSY or
// STORAGE_TIMEOUT), so the model — and the transcript — see why.
// With a reranker (SMOOTH_AGENT_RERANK, storage-backplane.md §5.3) the worker fetches
// limit × 4 candidates and reranks them to `limit` right after the query, on the same
// worker (a gateway reranker blocks; it falls back to the retrieval order on failure).
// Without one it fetches exactly `limit`. The automatic context of a turn is not
// reranked (§5.3).
// Thread-safety: the returned tool is immutable and may be invoked concurrently.
#pragma once

#include "actors/storage_pool.hpp"
#include "adapters/knowledge/reranker.hpp"
#include "adapters/tools/tool.hpp"

namespace so::actors {

/// How many candidates the tool fetches for a reranker (§5.3: limit × 4).
inline constexpr std::size_t kRerankCandidateFactor = 4;

adapters::tools::tool_ptr make_knowledge_search(storage_pool_ptr pool,
                                                adapters::reranker_ptr reranker = nullptr);

}  // namespace so::actors
