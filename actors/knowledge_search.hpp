// actors/knowledge_search.hpp — the built-in `knowledge_search` tool, wired to
// the storage pool's knowledge worker.
//
// The query runs on the knowledge worker (never on the calling actor's thread);
// the tool completes on that worker. A query refused by the pool completes the
// tool with an error text that starts with the pool's code (STORAGE_BUSY or
// STORAGE_TIMEOUT), so the model — and the transcript — see why.
// Thread-safety: the returned tool is immutable and may be invoked concurrently.
#pragma once

#include "actors/storage_pool.hpp"
#include "adapters/tools/tool.hpp"

namespace so::actors {

adapters::tools::tool_ptr make_knowledge_search(storage_pool_ptr pool);

}  // namespace so::actors
