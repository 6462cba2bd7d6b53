// actors/services.hpp — what every actor of one server may use.
//
// Built once at boot (net/server.cpp) and then only read: every field is either
// immutable after boot or thread-safe itself (providers, tools, clock), so the
// bundle is shared by pointer-to-const between actors without locking.
#pragma once

#include "actors/otp_worker.hpp"
#include "actors/storage_pool.hpp"
#include "adapters/auth/otp_tool_gate.hpp"
#include "adapters/auth/widget_policy_provider.hpp"
#include "adapters/backplane/message_bus.hpp"
#include "adapters/config/server_config.hpp"
#include "adapters/llm/llm_provider.hpp"
#include "adapters/llm/model_prices.hpp"
#include "adapters/llm/persona_source.hpp"
#include "adapters/llm/skill_library.hpp"
#include "adapters/telemetry/server_metrics.hpp"
#include "adapters/telemetry/trace_tracer.hpp"
#include "adapters/tenant/gateway_key_resolver.hpp"
#include "adapters/tools/confirm_policy.hpp"
#include "adapters/tools/tool.hpp"
#include "protocol/action.hpp"
#include "protocol/clock.hpp"
#include "protocol/ids.hpp"

#include <caf/actor.hpp>

#include <memory>
#include <string>
#include <vector>

namespace so::actors {

struct services {
  adapters::server_config config;
  protocol::clock_ptr clock;
  protocol::action_limits limits;
  /// Null when no gateway key and no key resolver is configured and no test provider
  /// is installed: `send_message` then answers LLM_UNAVAILABLE.
  adapters::llm::provider_ptr llm;
  /// The LLM is the real gateway: a turn needs a key (per org, else the env key),
  /// and a conversation whose org resolves none answers LLM_UNAVAILABLE. False for a
  /// test-injected provider.
  bool llm_needs_key = false;
  /// Per-org gateway keys (admin-auth.md §5.1); null = the env key for every org.
  adapters::tenant::gateway_key_resolver_ptr gateway_keys;
  /// Optional per-org persona (replaces the built-in system prompt).
  adapters::llm::persona_source_ptr persona;
  /// The built-in `knowledge_search`, wired to the storage pool's knowledge worker.
  adapters::tools::tool_ptr knowledge_search;
  /// Server-wide tools offered after the built-in `knowledge_search`.
  std::vector<adapters::tools::tool_ptr> extra_tools;
  /// Optional host seam: per-turn tools.
  adapters::tools::tool_provider_ptr host_tools;
  adapters::tools::confirm_policy confirm;
  /// Embed policies of create_conversation_session (admin-auth.md §4); null = permissive.
  adapters::auth::widget_policy_provider_ptr widget_policies;
  /// Issue 12: the skills `send_message.skill` may name (loaded at boot); null = none.
  adapters::llm::skill_library_ptr skills;
  /// Issue 12: the gateway's model prices, for `usage.costUsd`; null = never priced.
  adapters::llm::model_price_source_ptr model_prices;
  /// Issue 12 (OTP, later-protocol.md §5): the tool auth gate (SMOOTH_AGENT_AUTH_TOOLS) and
  /// the workers of the OTP service; null `otp` = no service (verify_otp fails closed).
  adapters::auth::otp_tool_gate auth_gate;
  otp_workers_ptr otp;

  /// The counters of /metrics (adapters/telemetry/server_metrics.hpp); never null.
  adapters::telemetry::server_metrics_ptr metrics =
      std::make_shared<adapters::telemetry::server_metrics>();
  /// Where the turns' spans go (issue 13 item 5; trace_tracer.hpp); null = tracing off.
  adapters::telemetry::tracer_ptr tracer;

  /// Where every storage and knowledge call runs (actors/storage_pool.hpp).
  storage_pool_ptr storage;
  /// This process's name in the storage's turn leases (storage.hpp, issue 9 item 5):
  /// a random UUID minted when the bundle is built at boot, so each server (process,
  /// or in-process test server) is its own owner. Lease length: config.turn_lease.
  std::string turn_owner = protocol::new_uuid_v4();

  /// The broker link to the other processes (SMOOTH_AGENT_BACKPLANE=nats, or a test's
  /// memory_broker); null when this process is alone (in-memory backplane).
  adapters::backplane::message_bus_ptr bus;

  // Root actors (spawned before any connection exists).
  caf::actor backplane;  ///< connection sinks and target associations
  caf::actor directory;  ///< sessionId → session actor
  caf::actor registry;   ///< live turn and confirmation actors (drain, tests)
  /// Asynchronous widget policy lookups (actors/widget_policy_lookup.hpp).
  caf::actor widget_lookup;
};

using services_ptr = std::shared_ptr<const services>;

}  // namespace so::actors
