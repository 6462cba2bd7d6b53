// net/server.hpp — one running smooth-operator server: I/O thread, actor system,
// listener, adapters. Used by `main` and by tests (in-process, ephemeral port).
//
// Thread model (docs/architecture.md "Threads"): `io_threads` threads, each with
// its own io_context, own the sockets and run the CAF actors (actors/io_scheduler.hpp):
// a frame's whole path stays on its socket's thread. Calls that may block run on the
// storage pool's workers (actors/storage_pool.hpp).
// Shutdown order (stack.md §4.4): stop accepting → drain turns → close sockets →
// exit the root actors → await all actors (io threads still running) → join the io
// threads → destroy the sockets → destroy the actor system.
// Thread-safety: construct and destroy from one thread; the other members may
// be called from any thread.
#pragma once

#include "actors/backplane_actor.hpp"
#include "adapters/auth/authenticator.hpp"
#include "adapters/auth/otp_service.hpp"
#include "adapters/auth/widget_policy_provider.hpp"
#include "adapters/backplane/message_bus.hpp"
#include "adapters/config/server_config.hpp"
#include "adapters/knowledge/knowledge_base.hpp"
#include "adapters/llm/llm_provider.hpp"
#include "adapters/llm/persona_source.hpp"
#include "adapters/storage/storage.hpp"
#include "adapters/tenant/connector_config_store.hpp"
#include "adapters/tenant/document_set_store.hpp"
#include "adapters/tenant/gateway_key_resolver.hpp"
#include "adapters/tenant/indexing_run_store.hpp"
#include "adapters/tenant/settings_store.hpp"
#include "adapters/tools/mcp_provider.hpp"
#include "adapters/tools/tool.hpp"
#include "net/http_client.hpp"
#include "protocol/clock.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace caf {
class actor_system;
class actor;
}  // namespace caf

namespace so::net {

/// Everything a server is built from. Production fills only `config`; tests
/// use the seams.
struct server_options {
  adapters::server_config config;
  /// Test seam: replaces the gateway (and bypasses the LLM_UNAVAILABLE gate).
  adapters::llm::provider_ptr llm_override;
  /// Extra tools offered to the model in every turn (scenario `server.tools`).
  std::vector<adapters::tools::tool_ptr> extra_tools;
  /// Documents ingested at boot (scenario `server.knowledge`).
  std::vector<adapters::document> knowledge;
  /// Host seam: per-turn tools.
  adapters::tools::tool_provider_ptr host_tools;
  /// Host seam: per-org persona replacing the built-in system prompt.
  adapters::llm::persona_source_ptr persona;
  /// Host seam: per-org gateway keys (admin-auth.md §5.1). Null: the env key for every
  /// org. With a resolver the gateway provider is built even without an env key.
  adapters::tenant::gateway_key_resolver_ptr gateway_key_resolver;
  protocol::clock_ptr clock;                    ///< default: system clock
  adapters::storage_ptr storage;                ///< default: from config
  adapters::knowledge_base_ptr knowledge_base;  ///< default: in-memory
  /// Test seam: the broker link (e.g. a memory_broker's bus shared by two in-process
  /// servers). Default: from config (SMOOTH_AGENT_BACKPLANE=nats), else none.
  adapters::backplane::message_bus_ptr bus;
  http_client_options http;  ///< outbound HTTP (gateway, webhooks)
  /// Test seam: replaces the authenticator the auth mode of `config` selects.
  adapters::auth::authenticator_ptr authenticator;
  /// Test seam: the OTP service (issue 12); default: the webhook of SMOOTH_AGENT_OTP_URL, if set.
  adapters::auth::otp_service_ptr otp_service;
  /// Test seam: replaces the embed-policy provider the config selects (admin-auth.md §4.2).
  adapters::auth::widget_policy_provider_ptr widget_policies;
  // Tenant stores (admin API; the settings' persona reaches turns). Default: in memory.
  adapters::tenant::connector_config_store_ptr connectors;
  adapters::tenant::settings_store_ptr settings;
  adapters::tenant::indexing_run_store_ptr indexing_runs;
  adapters::tenant::document_set_store_ptr document_sets;
};

/// Counters for tests and /health-style introspection.
struct server_stats {
  std::size_t live_turns = 0;
  std::size_t live_confirmations = 0;
  std::size_t live_interactions = 0;  ///< parked Rich Interactions
  std::size_t live_preambles = 0;     ///< stream_preamble side calls
  std::size_t attached_connections = 0;
  // The socket layer's counters (net::listener_stats; README "Limits").
  std::uint64_t connections_refused = 0;
  std::uint64_t rate_limited_frames = 0;
  std::uint64_t inbound_pauses = 0;
  std::uint64_t inbound_peak_bytes = 0;
  /// Messages an actor did not expect (logged and dropped; a bug in the sender).
  std::uint64_t unexpected_messages = 0;
  /// The backplane bridge's counters (all zero without a bus).
  actors::backplane_stats backplane;
};

class server {
 public:
  /// Boots everything and starts listening. Throws std::runtime_error (bind,
  /// config, knowledge/tools files) — the message names what failed.
  explicit server(server_options options);
  /// Graceful `shutdown()` if still running.
  ~server();

  server(const server&) = delete;
  server& operator=(const server&) = delete;

  std::uint16_t port() const;
  /// "127.0.0.1:8787"
  std::string bound_address() const;
  /// "ws://127.0.0.1:8787/ws"
  std::string ws_url() const;
  /// The exact startup line of protocol.md §1.8 (without newline).
  std::string startup_line() const;

  /// Graceful drain (decisions.md): stop accepting and reading, let in-flight
  /// turns finish up to `config.drain_timeout`, close sockets with 1001, stop.
  /// Idempotent; blocks until everything has stopped.
  void shutdown();

  /// Blocks until SIGTERM/SIGINT, then `shutdown()`. For `main`.
  void run_until_signal();

  /// Publishes raw event JSON to a backplane target ("session", "connection",
  /// "user", "org", "agent"); returns local deliveries. Blocks briefly.
  std::size_t publish(const std::string& kind, const std::string& id, const std::string& json);

  /// Snapshot of live actor counts. Blocks briefly.
  server_stats stats();
  /// The MCP servers of SMOOTH_AGENT_MCP_CONFIG (empty without one): connected, tools.
  std::vector<adapters::tools::mcp_server_status> mcp_status() const;

  /// Number of io threads (SMOOTH_AGENT_IO_THREADS, 0 resolved to the core count).
  std::size_t io_threads() const;

  caf::actor_system& system();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace so::net
