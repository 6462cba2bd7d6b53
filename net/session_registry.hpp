// net/session_registry.hpp — what a listener shares with its sessions: options, the
// connection factory, counters, the drain flag, and the set of live sessions.
//
// Private to net/. Sessions hold a shared_ptr to the registry (so counters and the
// factory outlive every session); the registry holds only weak_ptrs to sessions.
// Thread-safety: the accessors, `stop_reading`/`reading_stopped` and the connection
// slots (`reserve_connection`/`release_connection`, atomic) may be used from any thread. `add`,
// `remove` and `close_all` may be called from any thread; they post to the registry's strand, which
// alone touches the session set (no mutex).
#pragma once

#include "net/connection_handler.hpp"
#include "net/listener.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace so::net {

/// A connection the registry can ask to end (HTTP keep-alive or WebSocket).
class tracked_session {
 public:
  virtual ~tracked_session() = default;
  /// Ends the connection soon; a WebSocket sends `code`/`reason`. Any thread; posts
  /// to the session's own strand.
  virtual void shut_down(std::uint16_t code, const std::string& reason) = 0;
};

class session_registry : public std::enable_shared_from_this<session_registry> {
 public:
  using strand_type = boost::asio::strand<boost::asio::io_context::executor_type>;

  session_registry(boost::asio::io_context& io, listener_options options,
                   connection_factory factory);

  boost::asio::io_context& io() const { return io_; }
  const strand_type& strand() const { return strand_; }
  const listener_options& options() const { return options_; }
  /// Called concurrently from session strands; the factory must be callable so.
  const connection_factory& factory() const { return factory_; }
  listener_stats& stats() { return stats_; }

  /// Drain: sessions keep reading (so close handshakes and pings work) but stop
  /// dispatching frames. One atomic flag instead of a post per session, so a frame
  /// that arrives after this call is never dispatched ("shutdown wins a tie").
  void stop_reading() { reading_stopped_.store(true); }
  bool reading_stopped() const { return reading_stopped_.load(); }

  /// Takes one of `max_connections` WebSocket slots; false when all are taken. Called
  /// when the upgrade is decided (before the 101), so two racing upgrades can never
  /// both take the last slot. The websocket_session gives it back when it is gone.
  bool reserve_connection();
  void release_connection() { connections_reserved_.fetch_sub(1); }
  std::size_t connections_reserved() const { return connections_reserved_.load(); }

  /// A fresh id for `add`/`remove` (ids, not addresses: an address can be reused
  /// before a posted `remove` has run).
  std::uint64_t next_id() { return next_id_.fetch_add(1); }

  void add(std::uint64_t id, std::weak_ptr<tracked_session> session);
  void remove(std::uint64_t id);
  /// Shuts down every live session (and every one added later); `done` runs on the
  /// strand once the set is empty — immediately when it already is.
  void close_all(std::uint16_t code, std::string reason, std::function<void()> done);

 private:
  struct closing {
    std::uint16_t code;
    std::string reason;
  };

  void run_done_if_empty();  // strand only

  boost::asio::io_context& io_;
  strand_type strand_;
  const listener_options options_;
  const connection_factory factory_;
  listener_stats stats_;
  std::atomic<bool> reading_stopped_{false};
  std::atomic<std::size_t> connections_reserved_{0};
  std::atomic<std::uint64_t> next_id_{1};

  // Strand-only state.
  std::unordered_map<std::uint64_t, std::weak_ptr<tracked_session>> sessions_;
  std::optional<closing> closing_;
  std::vector<std::function<void()>> done_;
};

}  // namespace so::net
