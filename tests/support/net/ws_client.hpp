// tests/support/ws_client.hpp — a blocking Beast WebSocket client for tests and benches.
//
// Each client owns its own io_context and socket; not thread-safe (one thread per client).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace so::test {

struct ws_connect_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string target = "/ws";  ///< may carry a query, e.g. "/ws?token=abc"
  std::vector<std::pair<std::string, std::string>> headers;  ///< e.g. {"Origin", "https://x"}
  std::chrono::milliseconds timeout{5000};
};

/// Why the server closed the connection (if it did).
struct ws_close_info {
  std::uint16_t code = 0;
  std::string reason;
};

class ws_client {
 public:
  /// Connects and performs the upgrade; throws std::runtime_error on failure.
  explicit ws_client(const ws_connect_options& options);
  ~ws_client();

  void send_text(const std::string& text);
  /// Sends without blocking past `timeout`: false when the write has not completed by
  /// then (the server stopped reading and TCP pushed back). The write stays pending and
  /// finishes during later calls; the next send first waits for it.
  bool send_text_within(const std::string& text, std::chrono::milliseconds timeout);
  /// WebSocket Ping control frames received from the server so far.
  std::size_t pings_received() const;
  void send_binary(const std::string& bytes);
  /// Next text frame, or nullopt on timeout or close (see `closed()`).
  std::optional<std::string> read(
      std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
  /// Reads frames until one whose "type" equals `type` (others are returned in `skipped`).
  std::optional<std::string> read_until_type(
      const std::string& type, std::chrono::milliseconds timeout = std::chrono::milliseconds(5000),
      std::vector<std::string>* skipped = nullptr);
  /// Set once the server closed the connection.
  std::optional<ws_close_info> closed() const;
  /// Closes from the client side (1000).
  void close();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Plain HTTP GET for tests: returns {status, body}. Throws on connection failure.
std::pair<int, std::string> http_get(const std::string& host, std::uint16_t port,
                                     const std::string& target);

}  // namespace so::test
