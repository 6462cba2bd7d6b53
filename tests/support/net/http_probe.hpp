// tests/support/net/http_probe.hpp — raw HTTP/1.1 on one kept-alive connection, and an
// abrupt WebSocket disconnect, for tests of the server's HTTP surface.
//
// `http_get` (ws_client.hpp) covers the simple case; this adds methods, headers,
// response headers, keep-alive and "did the server close the connection".
// Each object owns its own io_context; not thread-safe (one thread per object).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace so::test {

struct http_request_spec {
  std::string method = "GET";
  std::string target = "/";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct http_reply {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool keep_alive = false;
  /// The first header named `name` (case-insensitive).
  std::optional<std::string> header(std::string_view name) const;
};

class http_connection {
 public:
  /// Connects; throws std::runtime_error on failure.
  http_connection(const std::string& host, std::uint16_t port,
                  std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
  ~http_connection();

  /// Sends one request and reads its response; throws on failure or timeout.
  http_reply request(const http_request_spec& spec);
  /// True once the server has closed the connection (EOF or reset) within `timeout`.
  bool wait_closed(std::chrono::milliseconds timeout);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Sends a WebSocket upgrade request for "/ws" on a fresh HTTP connection and returns
/// the reply as plain HTTP: the status (101 when accepted, e.g. 503 when refused) and
/// body. Throws on failure or timeout.
http_reply ws_upgrade_reply(const std::string& host, std::uint16_t port);

/// Completes a WebSocket upgrade on `target`, then drops the TCP connection without a
/// Close frame (a client that vanished). Throws if the upgrade fails.
void ws_connect_and_drop(const std::string& host, std::uint16_t port,
                         const std::string& target = "/ws");

}  // namespace so::test
