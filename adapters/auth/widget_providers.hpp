// adapters/auth/widget_providers.hpp — picks the embed-policy provider at boot
// (admin-auth.md §4.2–§4.3).
//
//   WIDGET_AUTH_URL set                    → HTTP provider (widget_http_provider.hpp)
//   SMOOTH_AGENT_WIDGET_POLICIES_FILE set  → static provider loaded from the file
//   neither                                → permissive (no agent has a policy)
// Both set, or a bad policies file, throws std::runtime_error naming the variable: the
// server refuses to start rather than silently enforcing something else.
// Called once at boot, from one thread.
#pragma once

#include "adapters/auth/widget_policy_provider.hpp"
#include "adapters/config/server_config.hpp"
#include "net/http_client.hpp"
#include "protocol/clock.hpp"

namespace so::adapters::auth {

widget_policy_provider_ptr make_widget_policy_provider(const server_config& config,
                                                       net::http_client_ptr http,
                                                       protocol::clock_ptr clock);

}  // namespace so::adapters::auth
