// net/admin_api.hpp — the admin HTTP API of admin-auth.md §2 and
// `GET /admin/model-costs` (§9), registered on an http_router.
//
// Handlers never block their thread: every store call runs as a job through
// `run_blocking` (the server wires it to the storage pool), an indexing pass through
// `run_indexing` (the storage pool's indexing worker), publishes go to the
// backplane through `publish`, and model costs through the async HTTP client.
// Every store read and write is keyed by the caller's org (principal.orgId); an id
// of another org answers exactly like a missing one (404).
//
// Thread-safety: `admin_services` is immutable once the routes are added; the
// handlers may run concurrently on any thread.
#pragma once

#include "adapters/knowledge/connectors/connector.hpp"
#include "adapters/knowledge/embedder.hpp"
#include "adapters/knowledge/knowledge_base.hpp"
#include "adapters/storage/storage.hpp"
#include "adapters/tenant/connector_config_store.hpp"
#include "adapters/tenant/document_set_store.hpp"
#include "adapters/tenant/indexing_run_store.hpp"
#include "adapters/tenant/settings_store.hpp"
#include "net/http_router.hpp"
#include "protocol/clock.hpp"

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace so::net {

class model_cost_cache;

/// Runs `job` off the io threads (a storage worker), or calls `refused(code, message)`
/// when it will not run (queue full, deadline passed). Exactly one of them runs.
using blocking_runner =
    std::function<void(const std::string& shard_key, std::function<void()> job,
                       std::function<void(std::string code, std::string message)> refused)>;

/// A backplane publish restricted to `org`'s connections (decisions.md): delivers
/// `event_json` to every local connection associated with (kind, id) whose org is
/// `org`; `done` gets the local delivery count, or none when the backplane failed.
using backplane_publisher = std::function<void(
    const std::string& kind, const std::string& id, const std::string& org, std::string event_json,
    std::function<void(std::optional<std::size_t>)> done)>;

struct admin_services {
  adapters::storage_ptr storage;  ///< conversations and messages
  adapters::tenant::connector_config_store_ptr connectors;
  adapters::tenant::settings_store_ptr settings;
  adapters::tenant::indexing_run_store_ptr runs;
  adapters::tenant::document_set_store_ptr document_sets;
  protocol::clock_ptr clock;
  blocking_runner run_blocking;
  backplane_publisher publish;
  std::shared_ptr<model_cost_cache> model_costs;  ///< null: `{}`

  // ---- knowledge ingestion (issue 11): POST /admin/connectors/{id}/index ----
  /// Where indexed documents go; null: the route answers 500.
  adapters::knowledge_base_ptr knowledge;
  /// The pipeline's embedder when the knowledge base keeps no vectors (null =
  /// deterministic).
  adapters::embedder_ptr embedder;
  adapters::connectors::connector_environment connector_env;
  /// Runs a pass off the io threads (never inline; a worker of its own); null =
  /// `run_blocking`.
  blocking_runner run_indexing;
};

/// Adds every admin route to `router`.
void add_admin_routes(http_router& router, std::shared_ptr<const admin_services> services);

}  // namespace so::net
