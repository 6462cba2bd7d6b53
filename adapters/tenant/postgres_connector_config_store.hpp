// adapters/tenant/postgres_connector_config_store.hpp — connector configurations on
// PostgreSQL (table `connector_configs`, schema migration 3).
//
// Exactly the in-memory store's semantics (tests/adapters/tenant_store_contract.hpp
// runs against both): rows keyed by (org, id), so another org's id reads as absent
// and a cross-org delete removes nothing; `list` sorts by name then id, bytewise;
// `upsert` replaces the whole row. `config` is a `json` column (not `jsonb`), so the
// text is echoed back verbatim (key order, spacing). Timestamps keep microseconds.
// Every statement is prepared and every value bound.
// Thread-safety: every member may be called from any thread at once; each call
// checks a connection out of the shared pool and BLOCKS on the network, so the
// server calls it only on its storage workers. Errors: storage_error.
#pragma once

#include "adapters/storage/postgres_pool.hpp"
#include "adapters/tenant/connector_config_store.hpp"

#include <memory>

namespace so::adapters::tenant {

class postgres_connector_config_store final : public connector_config_store {
 public:
  /// `pool` points at a database migrated to schema version 3 or later.
  explicit postgres_connector_config_store(std::shared_ptr<pg::pool> pool);

  std::vector<connector_config> list(const std::string& org) override;
  std::optional<connector_config> get(const std::string& org, const std::string& id) override;
  void upsert(const connector_config& c) override;
  bool remove(const std::string& org, const std::string& id) override;

 private:
  std::shared_ptr<pg::pool> pool_;
};

}  // namespace so::adapters::tenant
