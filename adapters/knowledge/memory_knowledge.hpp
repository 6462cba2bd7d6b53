// adapters/knowledge/memory_knowledge.hpp — the in-memory lexical knowledge base
// (engine.md §7.2) with org scoping, document ACLs and document sets applied in
// the store itself (admin-auth.md §3, decisions.md).
//
// Deliberate differences from the reference (decisions.md):
//  - documents are keyed by (organization, id); re-ingesting replaces the
//    document's chunks (they move to the end of the ingest order);
//  - a malformed ACL hides the document from everyone but org admins;
//  - visibility and set filters run over every scored chunk BEFORE truncation,
//    so a hidden top hit never shrinks the result (no over-fetch window).
//
// Bounded work per query (`knowledge_query_limits`; the server uses the defaults):
//  - only the first `max_query_words` words of the query count; the rest are
//    ignored (a query is matched word by word against every word of a chunk);
//  - at most `max_scored_chunks` chunks are scored: the chunks visible to the
//    caller, in ingest order; chunks past the cap are not searched. Ingest logs
//    a warning when the store first outgrows the cap.
// With chunks of at most 500 bytes the defaults bound one query to ~5 MB of
// chunk text against 64 words.
//
// Thread-safety: one internal mutex; safe to share between threads.
#pragma once

#include "adapters/knowledge/knowledge_base.hpp"
#include "adapters/knowledge/unicode_text.hpp"

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace so::adapters {

/// Caps on the work of one query (see the contract above).
struct knowledge_query_limits {
  std::size_t max_query_words = 64;
  std::size_t max_scored_chunks = 10000;
};

class memory_knowledge final : public knowledge_base {
 public:
  explicit memory_knowledge(knowledge_query_limits limits = {}) : limits_(limits) {}

  void ingest(const document& doc) override;
  /// Vectors are ignored (the ranking is lexical).
  void replace_chunks(const document& doc, const std::vector<prepared_chunk>& chunks) override;
  bool remove_document(const std::string& organization_id, const std::string& id) override;
  std::size_t count_chunks(const std::string& organization_id) override;
  /// No chunk stored yet (an atomic read: callable from any thread, never blocks).
  bool known_empty() const override { return chunk_count_.load(std::memory_order_acquire) == 0; }
  std::vector<knowledge_result> query(
      const std::string& text, std::size_t limit, const access_context& access,
      const std::optional<std::vector<std::string>>& document_sets = std::nullopt) override;

 private:
  /// What visibility needs to know about a document (its chunks share it).
  struct doc_info {
    std::string id;
    std::string source;
    std::string organization_id;
    std::vector<std::string> document_sets;
    std::optional<doc_acl> acl;
    bool acl_malformed = false;
  };
  struct stored_chunk {
    std::shared_ptr<const doc_info> doc;
    std::string text;
    std::vector<std::string> lower_words;  ///< lower-cased once at ingest
  };

  /// Replaces the chunks of (doc.organization_id, doc.id) with `texts`.
  void store(const document& doc, std::vector<std::string> texts);
  static bool visible(const doc_info& doc, const access_context& access,
                      const std::optional<std::vector<std::string>>& document_sets);

  const knowledge_query_limits limits_;
  unicode_lowercaser lowercaser_;
  std::mutex mutex_;
  std::atomic<std::size_t> chunk_count_{0};  ///< chunks_.size(), readable without the lock
  bool warned_over_cap_ = false;
  std::vector<stored_chunk> chunks_;  ///< ingest order (the tie-break order)
};

}  // namespace so::adapters
