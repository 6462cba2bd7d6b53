// adapters/tenant/postgres_indexing_run_store.hpp — indexing runs and each org's
// connector-name registry on PostgreSQL (tables `indexing_runs` and
// `indexing_connector_names`, schema migration 3).
//
// Exactly the in-memory store's semantics (tests/adapters/tenant_store_contract.hpp):
// a run is keyed by (scoped connector key, run id) and `record_run` replaces it
// whole; `list_runs` is oldest first, by start time and then by first recording
// (a database sequence assigned on insert and kept by later upserts);
// `latest_cursor` is the bytewise maximum cursor over succeeded runs only. Names
// are added idempotently and read sorted bytewise. Unlike the reference, the
// registry is durable too: after a restart `/admin/indexing/runs` still lists
// every recorded connector. Timestamps keep microseconds; counts are signed 64-bit
// in the database (saturating).
// Thread-safety: every member may be called from any thread at once; each call
// checks a connection out of the shared pool and BLOCKS on the network (storage
// workers only). Errors: storage_error.
#pragma once

#include "adapters/storage/postgres_pool.hpp"
#include "adapters/tenant/indexing_run_store.hpp"

#include <memory>

namespace so::adapters::tenant {

class postgres_indexing_run_store final : public indexing_run_store {
 public:
  /// `pool` points at a database migrated to schema version 3 or later.
  explicit postgres_indexing_run_store(std::shared_ptr<pg::pool> pool);

  void record_run(const indexing_run& run) override;
  std::vector<indexing_run> list_runs(const std::string& key) override;
  std::optional<std::string> latest_cursor(const std::string& key) override;
  void record_connector_name(const std::string& org, const std::string& name) override;
  std::vector<std::string> connector_names(const std::string& org) override;

 private:
  std::shared_ptr<pg::pool> pool_;
};

}  // namespace so::adapters::tenant
