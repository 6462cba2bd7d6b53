// net/cli/ws_connection.hpp — the CLI's WebSocket connection to /ws and the event loop
// every CLI command runs on (one of the two Beast translation units of the CLI).
//
// One thread — the one calling run() — runs everything: frame callbacks, timers,
// the SIGINT handler and posted work. Outbound frames queue in order, at most
// kMaxQueuedFrames (a client queues at most a few: one per user line); past the
// bound `send` throws std::length_error. Inbound frames are read one at a time and
// handed to the callback (no queue: a slow callback slows the reads, TCP pushes back).
// Thread-safety: `post` may be called from any thread; everything else only from the
// loop thread (or before run()).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace so::cli {

class ws_connection {
 public:
  static constexpr std::size_t kMaxQueuedFrames = 256;

  struct handlers {
    std::function<void(std::string frame)> on_frame;
    /// The connection ended (server Close, error, or end of stream); `why` says which.
    std::function<void(std::string why)> on_closed;
  };

  /// Connects and upgrades; throws std::runtime_error with a readable reason.
  ws_connection(const std::string& host, std::uint16_t port, const std::string& target,
                std::chrono::milliseconds timeout);
  ~ws_connection();
  ws_connection(const ws_connection&) = delete;
  ws_connection& operator=(const ws_connection&) = delete;

  /// Starts the read loop (call once, before run()).
  void start(handlers h);
  void send(std::string frame);
  /// Calls `fn` on every SIGINT while the loop runs (the default action is off from
  /// the first call until destruction).
  void on_interrupt(std::function<void()> fn);
  /// Calls `fn` once after `delay` unless the loop stopped first.
  void after(std::chrono::milliseconds delay, std::function<void()> fn);
  /// Sends a Close (1000) once the queued frames are written, then stops the loop
  /// (after the close handshake, or 2 s at most).
  void close_and_stop();
  void stop();
  /// Runs the loop until stop()/close_and_stop().
  void run();
  /// Thread-safe: runs `fn` on the loop thread.
  void post(std::function<void()> fn);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace so::cli
