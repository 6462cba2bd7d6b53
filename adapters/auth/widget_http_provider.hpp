// adapters/auth/widget_http_provider.hpp — embed policies from a policy service
// (admin-auth.md §4.2 "HTTP"; installed when WIDGET_AUTH_URL is set).
//
// `GET {base}/{agentId}`: trailing slashes of the base are removed and the agent id is
// appended as ONE percent-encoded path segment (only RFC 3986 unreserved bytes stay
// as they are; a segment of "." or ".." is encoded too), so an id cannot alter the path.
// `Authorization: Bearer <bearer>` when a bearer is configured (never logged). Every
// timeout of the call is 5 s. Answers, and what the cache (widget_policy_cache.hpp) keeps:
//   2xx with a body that parses as a policy → that policy           cached
//   2xx with a malformed (or over 64 KiB) body → no policy            not cached
//   404                                     → no policy             cached ("known none")
//   any other status, network error, timeout → no policy             not cached
//   unparseable base URL                    → no policy, warning     not cached
// Concurrent misses for one agent share one upstream call (its answer goes to every
// waiter). Bound: at most `max_inflight` agents are being asked at once; a lookup of
// another agent beyond it is answered "no policy" at once, like an unreachable service
// (not cached; strict mode refuses it). Waiters per call: at most one per connection.
// Runs over the project's async HTTP client: `lookup` never blocks; `done` runs inline on
// a cache hit, otherwise on the HTTP client's I/O thread.
// Thread-safety: `lookup` may be called from any thread concurrently.
#pragma once

#include "adapters/auth/widget_policy_provider.hpp"
#include "net/http_client.hpp"
#include "protocol/clock.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace so::adapters::auth {

struct widget_http_options {
  std::string base_url;               ///< WIDGET_AUTH_URL
  std::optional<std::string> bearer;  ///< WIDGET_AUTH_BEARER (already trimmed; blank = none)
  std::chrono::seconds ttl{60};       ///< WIDGET_AUTH_TTL_SECS; 0 = no reuse
  std::chrono::milliseconds timeout{5000};
  std::uint64_t max_body_bytes = 64u << 10;
  std::size_t max_cache_bytes = 8u << 20;  ///< see widget_policy_cache.hpp
  std::size_t max_inflight = 256;          ///< distinct agents asked upstream at once
};

/// `{base without trailing slashes}/{percent-encoded agent id}`.
std::string widget_policy_url(std::string_view base_url, std::string_view agent_id);

/// `clock` dates the cache entries (tests pin it).
widget_policy_provider_ptr make_http_widget_provider(net::http_client_ptr http,
                                                     protocol::clock_ptr clock,
                                                     widget_http_options options);

}  // namespace so::adapters::auth
