// adapters/tenant/postgres_tenant_stores.hpp — the four admin (tenant) stores on one
// PostgreSQL database, sharing one connection pool: what the server builds when
// SMOOTH_AGENT_STORAGE=postgres.
//
// `make_postgres_tenant_stores` migrates the schema (idempotent; the storage
// adapter does it too, whichever runs first applies migration 3), then builds the
// stores; the settings store loads its persona snapshot and starts its refresher.
// Pool size (default 2): admin calls are rare, short, and already serialized by
// the storage workers they run on, and the persona refresher holds a connection
// for one query per period; 2 lets one admin call and one refresh run at once
// without costing the database a connection per storage worker. A third caller
// waits for a connection (postgres_pool.hpp), never an io thread.
// Thread-safety: the function blocks (connect, migrate, load); call it at boot.
#pragma once

#include "adapters/storage/postgres_pool.hpp"
#include "adapters/tenant/connector_config_store.hpp"
#include "adapters/tenant/document_set_store.hpp"
#include "adapters/tenant/indexing_run_store.hpp"
#include "adapters/tenant/settings_store.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace so::adapters::tenant {

struct postgres_tenant_options {
  std::size_t max_connections = 2;  ///< the shared pool's bound (see the header comment)
  std::chrono::milliseconds settings_refresh{5000};  ///< SMOOTH_AGENT_SETTINGS_REFRESH_SECS
  protocol::clock_ptr clock;                         ///< stamps settings defaults; null = system
  pg::pool::options pool;  ///< backoff and timeouts (max_connections overrides)
};

struct postgres_tenant_stores {
  std::shared_ptr<pg::pool> pool;
  connector_config_store_ptr connectors;
  settings_store_ptr settings;
  indexing_run_store_ptr indexing_runs;
  document_set_store_ptr document_sets;
};

/// Connects to `conninfo` (URL or key=value), migrates, builds the stores.
/// Throws storage_error when the database is unreachable, newer than the binary, or
/// unreadable.
postgres_tenant_stores make_postgres_tenant_stores(const std::string& conninfo,
                                                   postgres_tenant_options opts);

}  // namespace so::adapters::tenant
