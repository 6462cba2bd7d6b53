// net/metrics_route.hpp — `GET /metrics`: the Prometheus text exposition
// (adapters/telemetry/metrics_exposition.hpp), served by our own listener.
//
// With a token (SMOOTH_AGENT_METRICS_TOKEN) the request must carry `Authorization: Bearer
// <token>` (compared in constant time), else 401. The values that live in actors are
// gathered asynchronously by `gather` (never a blocking ask on an io thread).
// Thread-safety: the route's handler may run on any io thread concurrently.
#pragma once

#include "adapters/telemetry/metrics_exposition.hpp"
#include "net/http_router.hpp"

#include <functional>
#include <string>

namespace so::net {

struct metrics_route_options {
  std::string token;  ///< empty: open
  adapters::telemetry::server_metrics_ptr metrics;
  /// Reads the scrape values and calls `done` with them, once, from any thread.
  std::function<void(std::function<void(adapters::telemetry::scrape_values)> done)> gather;
};

void add_metrics_route(http_router& router, metrics_route_options options);

}  // namespace so::net
