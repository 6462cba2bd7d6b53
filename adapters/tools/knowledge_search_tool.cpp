// adapters/tools/knowledge_search_tool.cpp — see knowledge_search_tool.hpp.
#include "adapters/tools/knowledge_search_tool.hpp"

#include "adapters/knowledge/knowledge_context.hpp"
#include "adapters/llm/chat_request_json.hpp"
#include "adapters/tools/rust_debug_string.hpp"
#include "protocol/json.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <utility>

namespace so::adapters::tools {
namespace {

constexpr std::size_t kDefaultLimit = 3;
constexpr std::uint64_t kMinLimit = 1;
constexpr std::uint64_t kMaxLimit = 10;

constexpr const char* kDescription =
    "Search the organization's knowledge base for facts relevant to the user's question "
    "(policies, product details, documentation). Returns the most relevant snippets with their "
    "source and relevance score. Call this before answering any question that depends on "
    "organization-specific knowledge.";

// The dash is U+2014 (a universal-character-name keeps the source ASCII).
// Key order as written in engine.md §1.8 (the reference sorts keys; nothing depends on it).
constexpr const char* kParameters =
    R"({"type":"object","properties":{"query":{"type":"string","description":)"
    R"("The search query )"
    "\u2014"
    R"( phrase it with the key terms you expect to appear in the )"
    R"(answer (e.g. 'return policy refund window')."},"limit":{"type":"integer",)"
    R"("description":"Maximum number of snippets to return (default 3).","minimum":1,)"
    R"("maximum":10}},"required":["query"]})";

constexpr const char* kQueryError = "knowledge_search requires a string 'query' argument";

/// Non-negative JSON integers clamp to [1,10]; anything else (absent, negative,
/// float, string) means the default.
std::size_t limit_of(const rapidjson::Value& args) {
  const auto* v = protocol::get_member(args, "limit");
  if (v == nullptr || !v->IsUint64()) return kDefaultLimit;
  return static_cast<std::size_t>(std::clamp(v->GetUint64(), kMinLimit, kMaxLimit));
}

}  // namespace

llm::tool_spec knowledge_search_spec() {
  return {kKnowledgeSearchName, kDescription, kParameters};
}

std::string format_knowledge_results(const std::string& query,
                                     const std::vector<knowledge_result>& results) {
  const std::string q = rust_debug_string(query);
  if (results.empty()) return "No knowledge base results found for query: " + q;
  std::string out =
      "Found " + std::to_string(results.size()) + " knowledge base result(s) for " + q + ":\n";
  std::size_t i = 1;
  for (const auto& r : results) {
    out += std::to_string(i++) + ". [source=" + r.source + " | id=" + r.document_id +
           " | relevance=" + format_score_2dp(r.score) + "]\n" + r.chunk + "\n";
  }
  return out;
}

knowledge_search_tool::knowledge_search_tool(knowledge_query_fn query)
    : spec_(llm::with_compact_parameters(knowledge_search_spec())), query_(std::move(query)) {
  if (!query_) throw std::invalid_argument("knowledge_search_tool needs a query function");
}

void knowledge_search_tool::invoke(const std::string& arguments_json, const tool_context& ctx,
                                   tool_done done) {
  rapidjson::Document args;
  if (!protocol::parse_untrusted(args, arguments_json).ok || !args.IsObject()) {
    done(tool_outcome::failure(kQueryError));
    return;
  }
  auto query = protocol::get_string(args, "query");
  if (!query) {
    done(tool_outcome::failure(kQueryError));
    return;
  }
  const std::size_t limit = limit_of(args);
  query_(*query, limit, ctx.access,
         [query = *query, limit, done = std::move(done)](std::vector<knowledge_result> results,
                                                         std::optional<std::string> error) {
           if (error) {
             done(tool_outcome::failure(*error));
             return;
           }
           // Without a reranker: truncate only, order kept.
           if (results.size() > limit) results.resize(limit);
           auto outcome = tool_outcome::ok(format_knowledge_results(query, results));
           outcome.sources = std::move(results);
           done(std::move(outcome));
         });
}

}  // namespace so::adapters::tools
