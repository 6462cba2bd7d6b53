// adapters/tenant/document_set_store.hpp — the org-scoped document-set registry
// (admin-auth.md §5.6): org → (set name → document count), behind
// /admin/document-sets. Increments are per recorded document; another org's sets
// are never returned.
// Thread-safety: implementations may block (a database later), so the server calls
// them off the io threads; every member may be called from any thread concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
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
  /// One document of `org` recorded in set `name` (count + 1).
  virtual void record_document(const std::string& org, const std::string& name) = 0;
  /// The org's sets, sorted by name; empty for an org with none.
  virtual std::vector<document_set_count> list(const std::string& org) = 0;
};

using document_set_store_ptr = std::shared_ptr<document_set_store>;

/// In memory (the default).
class memory_document_set_store final : public document_set_store {
 public:
  void record_document(const std::string& org, const std::string& name) override;
  std::vector<document_set_count> list(const std::string& org) override;

 private:
  std::mutex mu_;
  std::map<std::string, std::map<std::string, std::uint64_t>> sets_;  // org → name → count
};

}  // namespace so::adapters::tenant
