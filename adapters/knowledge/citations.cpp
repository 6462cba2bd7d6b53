// adapters/knowledge/citations.cpp — see citations.hpp.
#include "adapters/knowledge/citations.hpp"

#include "protocol/json.hpp"
#include "protocol/utf8.hpp"

#include <string_view>
#include <unordered_set>

namespace so::adapters {

namespace {

bool is_http_url(std::string_view s) {
  return s.starts_with("http://") || s.starts_with("https://");  // case-sensitive, as the reference
}

std::string snippet_of(const std::string& chunk) {
  if (protocol::utf8_length(chunk) <= kMaxSnippetChars) return chunk;
  std::string out(protocol::utf8_prefix(chunk, kMaxSnippetChars));
  out += "\xE2\x80\xA6";  // U+2026 HORIZONTAL ELLIPSIS
  return out;
}

}  // namespace

std::vector<protocol::events::citation> build_citations(
    const std::vector<knowledge_result>& auto_sources,
    const std::vector<knowledge_result>& tool_sources) {
  std::vector<protocol::events::citation> out;
  std::unordered_set<std::string> seen;
  auto take = [&](const std::vector<knowledge_result>& results) {
    for (const auto& r : results) {
      if (out.size() == kMaxCitations) return;
      if (!seen.insert(r.document_id).second) continue;
      protocol::events::citation c;
      c.id = r.document_id;
      // The indexed document's own title and URL when it has them (a file's stem, a
      // GitHub page's URL); otherwise the reference's: the source (§1.7).
      c.title = r.title && !r.title->empty() ? *r.title : r.source;
      if (r.url && is_http_url(*r.url))
        c.url = *r.url;
      else if (is_http_url(r.source))
        c.url = r.source;
      c.snippet = snippet_of(r.chunk);
      c.score = r.score;
      out.push_back(std::move(c));
    }
  };
  take(auto_sources);
  take(tool_sources);
  return out;
}

}  // namespace so::adapters
