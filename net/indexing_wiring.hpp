// net/indexing_wiring.hpp — fills the knowledge-ingestion part of admin_services
// (issue 11) from the server's pieces: the knowledge base, the connector environment
// of the config (the web connector's fetcher on the outbound HTTP client router), and
// `run_indexing` on the storage pool's indexing worker (a thread of its own: a pass never runs on
// an io thread, nor blocks retrieval or storage jobs).
//
// Thread-safety: called once at boot, before the routes serve.
#pragma once

#include "actors/storage_pool.hpp"
#include "adapters/config/server_config.hpp"
#include "net/admin_api.hpp"
#include "net/http_client.hpp"

namespace so::net {

/// The connector environment a config describes; `http` carries web connector fetches
/// (null: web connectors cannot be built).
adapters::connectors::connector_environment connector_environment_of(
    const adapters::server_config& cfg, http_client_ptr http);

void add_indexing_services(admin_services& admin, const actors::storage_pool_ptr& pool,
                           adapters::knowledge_base_ptr knowledge,
                           const adapters::server_config& cfg, http_client_ptr http);

}  // namespace so::net
