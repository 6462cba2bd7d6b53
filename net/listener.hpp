// net/listener.hpp — the Beast acceptor and the set of live connections.
//
// `listener` accepts TCP connections and hands each to an http_session, which
// serves `GET /health` and upgrades `/ws` to a websocket_session.
// With several io_contexts (one per io thread) the acceptor runs on the first and
// hands accepted sockets out round-robin, each on its context's own executor:
// the socket, its connection actor and everything that actor spawns then live on
// that one thread (docs/architecture.md "Threads").
// Contract: every io_context handed to a listener is run by exactly ONE thread.
// That is what serializes a connection's handlers, so sockets carry no strand
// (a strand per socket cost ~0.3 KB per idle connection: 4.0 → 3.7 KB).
// Thread-safety: all members run on the first io_context's thread; the public
// functions post to it and may be called from any thread.
#pragma once

#include "adapters/auth/authenticator.hpp"
#include "adapters/telemetry/server_metrics.hpp"
#include "net/connection_handler.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace so::net {

class http_router;

struct listener_options {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 8787;                 ///< 0 = ephemeral
  std::size_t max_frame_bytes = 1 << 20;     ///< over → close 1009
  std::size_t max_outbound_bytes = 4 << 20;  ///< over → close 4008 "slow consumer"
  std::size_t max_connections = 50'000;      ///< open WebSockets; full → upgrade refused 503
  std::uint32_t max_frames_per_sec = 5000;   ///< per connection; over → dropped (0 = unlimited)
  std::size_t max_inbound_frames = 64;       ///< read, not yet handled; at the bound reading stops
  std::size_t max_inbound_bytes = 1 << 20;   ///< same, in bytes (may be passed by one frame)
  std::chrono::milliseconds handshake_timeout{30'000};  ///< WebSocket upgrade; no idle timeout
  /// Verifies `/ws?token=` and admin bearers (admin-auth.md §1). Null: every token is
  /// treated as invalid (anonymous on `/ws`, 401 on `/admin`).
  adapters::auth::authenticator_ptr authenticator;
  /// SMOOTH_AGENT_WS_AUTH_REQUIRED: a `/ws` upgrade without a valid `?token=` is
  /// refused with HTTP 401 instead of connecting anonymously (admin-auth.md §9).
  bool ws_auth_required = false;
  /// Serves every path it claims (`/admin/...`, net/http_router.hpp); null: 404 there.
  std::shared_ptr<const http_router> router;
  /// Largest HTTP request body (SMOOTH_AGENT_MAX_HTTP_BODY_BYTES); larger → 413, closed.
  std::uint64_t max_http_body_bytes = 1 << 20;
  /// Where outbound frames are counted by type (/metrics); null: not counted.
  adapters::telemetry::server_metrics_ptr metrics;
  /// Serve the embedded web chat page at `/` and `/web/<file>` (net/web_assets.hpp;
  /// SMOOTH_AGENT_WEB_UI). Off: those paths are 404 like any other.
  bool web_ui = false;
};

/// Counters readable from any thread (tests, logs).
struct listener_stats {
  std::atomic<std::uint64_t> connections_open{0};
  std::atomic<std::uint64_t> slow_consumer_closes{0};
  std::atomic<std::uint64_t> connections_refused{0};  ///< upgrades answered 503 (full)
  std::atomic<std::uint64_t> rate_limited_frames{0};  ///< frames dropped over the frame rate
  std::atomic<std::uint64_t> inbound_pauses{0};       ///< times a socket stopped reading (credit)
  std::atomic<std::uint64_t> inbound_peak_frames{0};  ///< most frames in flight on one connection
  std::atomic<std::uint64_t> inbound_peak_bytes{0};   ///< most bytes in flight on one connection
};

class listener {
 public:
  /// Binds immediately; throws std::runtime_error("bind <addr>:<port>: <reason>") on failure.
  listener(boost::asio::io_context& io, listener_options options, connection_factory factory);
  /// Accepts on `contexts[0]`; connection i goes to `contexts[i % size]`. The
  /// contexts must outlive the listener and every connection.
  listener(std::vector<boost::asio::io_context*> contexts, listener_options options,
           connection_factory factory);
  ~listener();

  /// The actually bound port (resolved for port 0).
  std::uint16_t port() const;
  /// "127.0.0.1:8787" or "[::1]:8787".
  std::string bound_address() const;

  /// Starts accepting.
  void start();
  /// Stops accepting new connections; live ones continue. Idempotent.
  void stop_accepting();
  /// Stops reading new frames on every connection (drain): queued writes still flush.
  void stop_reading();
  /// Closes every live WebSocket with `code` (e.g. 1001 going away) and every
  /// plain HTTP keep-alive connection. `done` runs on the I/O thread once all are gone.
  void close_all(std::uint16_t code, std::string reason, std::function<void()> done);

  const listener_stats& stats() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace so::net
