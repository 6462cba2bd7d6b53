// tests/support/net/raw_tcp_server.hpp — a hand-driven TCP peer for HTTP client tests.
//
// Listens on 127.0.0.1 (ephemeral port). The test thread accepts one client at
// a time, reads its request, and then writes exactly the bytes it wants, when it
// wants: a head, one chunk, wait for the client to observe it, the next chunk,
// an abrupt close… That makes "the client saw X before the server sent Y"
// assertable with an explicit handshake instead of wall-clock timing. It also
// counts accepted connections and can read further requests on the current one,
// so keep-alive reuse by the client is observable.
// Plain POSIX sockets, no Asio. Thread-safety: none; drive it from one thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace so::test {

class raw_tcp_server {
 public:
  raw_tcp_server();  ///< throws std::runtime_error if it cannot listen
  ~raw_tcp_server();
  raw_tcp_server(const raw_tcp_server&) = delete;
  raw_tcp_server& operator=(const raw_tcp_server&) = delete;

  std::uint16_t port() const { return port_; }
  /// "http://127.0.0.1:<port><path>".
  std::string url(std::string_view path = "/") const;

  /// Accepts the next client (closing any previous one) without reading.
  bool accept(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// Accepts the next client and reads one request: head plus a Content-Length
  /// body. Returns the raw request text, or nullopt on timeout/EOF.
  std::optional<std::string> accept_request(
      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// Reads one more request on the current client connection (a keep-alive reuse).
  std::optional<std::string> read_request(
      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// True once the current client closed its end (recv sees EOF or a reset); bytes
  /// it sent meanwhile are discarded.
  bool wait_client_closed(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// Connections accepted so far.
  std::size_t accepted() const { return accepted_; }
  /// Writes bytes to the current client; false if it is gone.
  bool send(std::string_view bytes);
  /// Closes the current client connection (an abrupt end of stream).
  void close_client();

 private:
  int listen_fd_ = -1;
  int client_fd_ = -1;
  std::uint16_t port_ = 0;
  std::size_t accepted_ = 0;
};

}  // namespace so::test
