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
// Thread-safety: one internal mutex; safe to share between threads.
#pragma once

#include "adapters/knowledge/knowledge_base.hpp"
#include "adapters/knowledge/unicode_text.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace so::adapters {

class memory_knowledge final : public knowledge_base {
 public:
  memory_knowledge() = default;

  void ingest(const document& doc) override;
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

  static bool visible(const doc_info& doc, const access_context& access,
                      const std::optional<std::vector<std::string>>& document_sets);

  unicode_lowercaser lowercaser_;
  std::mutex mutex_;
  std::vector<stored_chunk> chunks_;  ///< ingest order (the tie-break order)
};

}  // namespace so::adapters
