// adapters/tools/knowledge_search_tool.hpp — the built-in `knowledge_search` tool (engine.md §1.8).
//
// Offers the model a search over the organization's knowledge base. The query
// itself is injected (`knowledge_query_fn`) so the tool never blocks: the server
// routes it to the storage pool's knowledge worker, tests answer it directly.
// Reranking (SMOOTH_AGENT_RERANK, storage-backplane.md §5.3) happens inside the query
// function (actors/knowledge_search.hpp): the tool keeps the order it gets and
// truncates to `limit`.
// Thread-safety: immutable after construction; `invoke` may be called
// concurrently and completes exactly once, on whatever thread the query
// function answers on (synchronously for argument errors).
#pragma once

#include "adapters/tools/tool.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace so::adapters::tools {

/// Answers a knowledge query asynchronously: `done(results, nullopt)` on
/// success, `done({}, message)` on failure. Must call `done` exactly once.
using knowledge_query_fn = std::function<void(
    std::string query, std::size_t limit, access_context access,
    std::function<void(std::vector<knowledge_result> results, std::optional<std::string> error)>
        done)>;

inline constexpr const char* kKnowledgeSearchName = "knowledge_search";

/// The exact schema the reference offers the model.
llm::tool_spec knowledge_search_spec();

/// The text the model sees for `results` of query `query` (engine.md §1.8 step 7).
std::string format_knowledge_results(const std::string& query,
                                     const std::vector<knowledge_result>& results);

class knowledge_search_tool final : public tool {
 public:
  explicit knowledge_search_tool(knowledge_query_fn query);

  const llm::tool_spec& spec() const override { return spec_; }
  void invoke(const std::string& arguments_json, const tool_context& ctx, tool_done done) override;

 private:
  llm::tool_spec spec_;
  knowledge_query_fn query_;
};

}  // namespace so::adapters::tools
