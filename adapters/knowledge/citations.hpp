// adapters/knowledge/citations.hpp — the `citations[]` of a turn's
// `eventual_response` (engine.md §1.13, storage-backplane.md §1.7).
//
// Thread-safety: pure function.
#pragma once

#include "adapters/knowledge/knowledge_base.hpp"
#include "protocol/events.hpp"

#include <cstddef>
#include <vector>

namespace so::adapters {

inline constexpr std::size_t kMaxCitations = 8;
inline constexpr std::size_t kMaxSnippetChars = 280;

/// Auto-context results first, then the `knowledge_search` tool's results in
/// call order; deduplicated by document id (first occurrence wins, keeping its
/// chunk and score); at most kMaxCitations. title = the result's title when it has a
/// non-empty one (an indexed document's: a file's stem, a web page's URL, a GitHub
/// file's path), else its source (storage-backplane.md §1.7); url = the result's url
/// when it is http(s), else the source only when it starts with "http://" or
/// "https://"; snippet = the chunk, cut to kMaxSnippetChars code points plus "…"
/// when longer. The id is the document id (a file's path, a page's URL).
std::vector<protocol::events::citation> build_citations(
    const std::vector<knowledge_result>& auto_sources,
    const std::vector<knowledge_result>& tool_sources);

}  // namespace so::adapters
