// adapters/tenant/document_set_store.hpp — the org-scoped document-set registry
// (admin-auth.md §5.6): org → (set name → document count), behind
// /admin/document-sets. A set counts its distinct documents: recording the same
// document id in a set again changes nothing (re-ingesting a document replaces it
// in the knowledge base, so a durable registry must not count it twice — e.g. the
// boot ingest of SMOOTH_AGENT_KNOWLEDGE_FILE on every restart). Another org's sets
// are never returned.
// Thread-safety: implementations may block (PostgreSQL), so the server calls them
// off the io threads; every member may be called from any thread concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace so::adapters::tenant {

struct document_set_count {
  std::string name;
  std::uint64_t document_count = 0;
};

class document_set_store {
 public:
  virtual ~document_set_store() = default;
  /// Document `document_id` of `org` recorded in set `name` (count + 1 unless it
  /// was already recorded there).
  virtual void record_document(const std::string& org, const std::string& name,
                               const std::string& document_id) = 0;
  /// The org's sets, sorted by name; empty for an org with none.
  virtual std::vector<document_set_count> list(const std::string& org) = 0;
};

using document_set_store_ptr = std::shared_ptr<document_set_store>;

/// In memory (the default).
class memory_document_set_store final : public document_set_store {
 public:
  void record_document(const std::string& org, const std::string& name,
                       const std::string& document_id) override;
  std::vector<document_set_count> list(const std::string& org) override;

 private:
  std::mutex mu_;
  std::map<std::string, std::map<std::string, std::set<std::string>>> sets_;  // org → name → ids
};

}  // namespace so::adapters::tenant
