// adapters/tenant/postgres_document_set_store.hpp — the document-set registry on
// PostgreSQL (table `document_set_members`, schema migration 3).
//
// One row per (org, set, document id): recording a document again is a no-op, so a
// set's count is its distinct documents and boot-time ingests repeated on every
// restart never inflate it. `list` counts per set, sorted bytewise by name; another
// org's sets are never returned. Same semantics as the in-memory store
// (tests/adapters/tenant_store_contract.hpp).
// Thread-safety: every member may be called from any thread at once; each call
// checks a connection out of the shared pool and BLOCKS on the network (boot or
// storage workers only). Errors: storage_error.
#pragma once

#include "adapters/storage/postgres_pool.hpp"
#include "adapters/tenant/document_set_store.hpp"

#include <memory>

namespace so::adapters::tenant {

class postgres_document_set_store final : public document_set_store {
 public:
  /// `pool` points at a database migrated to schema version 3 or later.
  explicit postgres_document_set_store(std::shared_ptr<pg::pool> pool);

  void record_document(const std::string& org, const std::string& name,
                       const std::string& document_id) override;
  std::vector<document_set_count> list(const std::string& org) override;

 private:
  std::shared_ptr<pg::pool> pool_;
};

}  // namespace so::adapters::tenant
