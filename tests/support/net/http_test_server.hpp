// tests/support/net/http_test_server.hpp — a tiny HTTP/1.1 server for tests (webhooks, etc.).
//
// Listens on 127.0.0.1 with an ephemeral port and runs on its own I/O thread.
// Every request is recorded, then answered by the handler, optionally after a
// delay (to provoke client timeouts). Connections are kept alive as HTTP/1.1
// allows. The handler runs on the server thread.
// Thread-safety: `port`, `url` and `requests` may be called from any thread.
// Beast stays in the .cpp (pimpl).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace so::test {

struct http_test_request {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// Case-insensitive header lookup.
  std::optional<std::string> header(std::string_view name) const;
};

struct http_test_response {
  int status = 200;
  std::string body;
  /// Wait this long before answering.
  std::chrono::milliseconds delay{0};
  std::string content_type = "text/plain";
  /// Extra response headers (e.g. Location of a redirect).
  std::vector<std::pair<std::string, std::string>> headers{};
};

using http_test_handler = std::function<http_test_response(const http_test_request&)>;

class http_test_server {
 public:
  explicit http_test_server(http_test_handler handler);
  /// Stops the thread; pending (delayed) responses are abandoned.
  ~http_test_server();
  http_test_server(const http_test_server&) = delete;
  http_test_server& operator=(const http_test_server&) = delete;

  std::uint16_t port() const;
  /// "http://127.0.0.1:<port><path>".
  std::string url(std::string_view path = "/") const;
  /// Every request received so far, in arrival order.
  std::vector<http_test_request> requests() const;
  /// TCP connections accepted so far (keep-alive reuse shows as fewer than requests).
  std::size_t connections() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace so::test
