// adapters/knowledge/memory_knowledge.cpp — see memory_knowledge.hpp.
#include "adapters/knowledge/memory_knowledge.hpp"

#include "adapters/knowledge/chunking.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace so::adapters {

namespace {

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool acl_allows(const doc_acl& acl, const access_context& access) {
  if (acl.is_public) return true;
  if (access.user_id && contains(acl.users, *access.user_id)) return true;
  return std::any_of(access.groups.begin(), access.groups.end(),
                     [&](const std::string& g) { return contains(acl.groups, g); });
}

}  // namespace

void memory_knowledge::ingest(const document& doc) {
  store(doc, chunk_content(doc.content));
}

void memory_knowledge::replace_chunks(const document& doc,
                                      const std::vector<prepared_chunk>& chunks) {
  std::vector<std::string> texts;
  texts.reserve(chunks.size());
  for (const auto& c : chunks) texts.push_back(c.text);
  store(doc, std::move(texts));
}

bool memory_knowledge::remove_document(const std::string& organization_id, const std::string& id) {
  std::lock_guard lock(mutex_);
  const auto removed = std::erase_if(chunks_, [&](const stored_chunk& c) {
    return c.doc->id == id && c.doc->organization_id == organization_id;
  });
  chunk_count_.store(chunks_.size(), std::memory_order_release);
  return removed > 0;
}

std::size_t memory_knowledge::count_chunks(const std::string& organization_id) {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(std::count_if(chunks_.begin(), chunks_.end(), [&](const auto& c) {
    return c.doc->organization_id == organization_id;
  }));
}

void memory_knowledge::store(const document& doc, std::vector<std::string> texts) {
  if (doc.acl_malformed) {
    spdlog::warn(
        "knowledge document '{}' (org '{}', source '{}') has a malformed ACL; "
        "it is hidden from everyone but admins",
        doc.id, doc.organization_id, doc.source);
  }
  auto info = std::make_shared<doc_info>(doc_info{doc.id, doc.source, doc.organization_id,
                                                  doc.document_sets, doc.acl, doc.acl_malformed});
  // Chunk and lower-case outside the lock: it is the expensive part.
  std::vector<stored_chunk> fresh;
  for (auto& text : texts) {
    std::vector<std::string> lower_words;
    // Keep the lowered text alive: the split returns views into it.
    const std::string lowered = lowercaser_.lower(text);
    for (auto word : split_unicode_whitespace(lowered)) lower_words.emplace_back(word);
    fresh.push_back(stored_chunk{info, std::move(text), std::move(lower_words)});
  }

  std::lock_guard lock(mutex_);
  // Re-ingest replaces (decisions.md): drop the old chunks of this (org, id).
  std::erase_if(chunks_, [&](const stored_chunk& c) {
    return c.doc->id == doc.id && c.doc->organization_id == doc.organization_id;
  });
  for (auto& c : fresh) chunks_.push_back(std::move(c));
  chunk_count_.store(chunks_.size(), std::memory_order_release);
  if (chunks_.size() > limits_.max_scored_chunks && !warned_over_cap_) {
    warned_over_cap_ = true;
    spdlog::warn(
        "knowledge store holds {} chunks; a query scores at most {} (the first visible ones in "
        "ingest order), later chunks are not searched",
        chunks_.size(), limits_.max_scored_chunks);
  }
}

bool memory_knowledge::visible(const doc_info& doc, const access_context& access,
                               const std::optional<std::vector<std::string>>& document_sets) {
  if (access.organization_id && *access.organization_id != doc.organization_id) return false;
  if (document_sets) {
    // An empty list matches nothing; otherwise the union of the named sets.
    const bool in_set =
        std::any_of(doc.document_sets.begin(), doc.document_sets.end(),
                    [&](const std::string& s) { return contains(*document_sets, s); });
    if (!in_set) return false;
  }
  if (access.is_admin) return true;
  if (doc.acl_malformed) return false;  // fail closed
  if (!doc.acl) return true;            // no ACL = org-public
  return acl_allows(*doc.acl, access);
}

std::vector<knowledge_result> memory_knowledge::query(
    const std::string& text, std::size_t limit, const access_context& access,
    const std::optional<std::vector<std::string>>& document_sets) {
  std::vector<std::string> query_words;
  for (auto word : split_unicode_whitespace(text)) {
    if (query_words.size() == limits_.max_query_words) break;  // bounded work per query
    query_words.push_back(lowercaser_.lower(word));
  }
  if (query_words.empty() || limit == 0) return {};

  std::vector<knowledge_result> scored;
  {
    std::lock_guard lock(mutex_);
    std::size_t budget = limits_.max_scored_chunks;
    for (const auto& chunk : chunks_) {
      if (chunk.lower_words.empty() || !visible(*chunk.doc, access, document_sets)) continue;
      if (budget == 0) break;  // bounded work per query
      --budget;
      // Query words count with multiplicity; each needs to be a substring of some chunk word.
      const auto matching =
          std::count_if(query_words.begin(), query_words.end(), [&](const std::string& qw) {
            return std::any_of(
                chunk.lower_words.begin(), chunk.lower_words.end(),
                [&](const std::string& cw) { return cw.find(qw) != std::string::npos; });
          });
      if (matching == 0) continue;
      // f32 division, exactly as the reference computes it.
      const float score =
          static_cast<float>(matching) / static_cast<float>(chunk.lower_words.size());
      scored.push_back(knowledge_result{chunk.doc->id, chunk.text, score, chunk.doc->source});
    }
  }
  std::stable_sort(
      scored.begin(), scored.end(),
      [](const knowledge_result& a, const knowledge_result& b) { return a.score > b.score; });
  if (scored.size() > limit) scored.resize(limit);
  return scored;
}

}  // namespace so::adapters
