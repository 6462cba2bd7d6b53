// adapters/telemetry/metrics_exposition.hpp — the Prometheus text exposition of one server:
// its server_metrics plus the values read at scrape time from where they live.
//
// The only translation unit that includes prometheus-cpp (its data model and text format;
// the counting itself is server_metrics' own lock-free shards). Pure: no I/O.
// Thread-safety: a free function over snapshots.
#pragma once

#include "adapters/telemetry/server_metrics.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace so::adapters::telemetry {

/// What a scrape reads from the rest of the server (see net/metrics_route.hpp).
struct scrape_values {
  std::string version;  ///< build_info label
  // Sockets (net::listener_stats).
  std::uint64_t connections_open = 0;
  std::uint64_t connections_refused = 0;
  std::uint64_t slow_consumer_closes = 0;
  std::uint64_t rate_limited_frames = 0;
  // Live actors (actors::activity_registry).
  std::uint64_t live_turns = 0;
  std::uint64_t live_confirmations = 0;
  // The storage pool's queues.
  std::uint64_t storage_waiting = 0;
  std::uint64_t knowledge_waiting = 0;
  std::uint64_t indexing_waiting = 0;
  // The backplane (actors::backplane_stats; all zero without a bus).
  std::uint64_t backplane_published = 0;
  std::uint64_t backplane_publish_dropped = 0;
  std::uint64_t backplane_received = 0;
  std::uint64_t backplane_delivered = 0;
  std::uint64_t backplane_dropped = 0;  ///< inbound drops of every reason
  std::uint64_t backplane_subscriptions = 0;
  /// Session associations dropped at the per-connection bound (with or without a bus).
  std::uint64_t backplane_sessions_forgotten = 0;
  // The NATS connection; none when the backplane is in memory.
  std::optional<bool> nats_connected;
  std::uint64_t nats_reconnects = 0;
};

/// The exposition text (Content-Type "text/plain; version=0.0.4").
std::string render_metrics(const server_metrics& m, const scrape_values& v);

}  // namespace so::adapters::telemetry
