// net/mcp_transport.hpp — how JSON-RPC messages reach one MCP server and come back: a
// stdio child (net/mcp_stdio_transport.hpp) or streamable HTTP (net/mcp_http_transport.hpp).
//
// The client (net/mcp_client.hpp) calls `send` from its own writer thread only; a send may
// block briefly (a pipe write) but never for longer than the transport's own timeouts.
// Incoming messages reach `on_message` on the transport's reader thread (stdio) or on an
// io thread (HTTP, whose calls run on the non-blocking HTTP client): handlers must be quick.
// Thread-safety: start() once, then send() from one thread, close() from any thread
// (idempotent, blocks until the transport's threads are joined and its child reaped).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace so::net {

struct mcp_transport_handlers {
  /// One JSON-RPC message (or batch) as received: untrusted text.
  std::function<void(std::string_view message)> on_message;
  /// The request `id` will get no answer through this transport (an HTTP failure).
  std::function<void(std::int64_t id, std::string detail)> on_request_failed;
  /// The transport is gone for good (the child exited, the HTTP session expired).
  std::function<void(std::string reason)> on_closed;
};

class mcp_transport {
 public:
  virtual ~mcp_transport() = default;
  /// Connects (stdio: spawns the child); throws std::runtime_error with a readable reason.
  virtual void start(mcp_transport_handlers handlers) = 0;
  /// Sends one message; `request_id` when it is a request (its answer is awaited),
  /// `timeout` bounds its delivery. False when it could not be sent.
  virtual bool send(const std::string& message, std::optional<std::int64_t> request_id,
                    std::chrono::milliseconds timeout) = 0;
  virtual void close() = 0;
};

using mcp_transport_ptr = std::unique_ptr<mcp_transport>;

/// The largest JSON-RPC message accepted from a server: a longer stdio line is dropped
/// (its request then times out), a longer HTTP body fails its request.
inline constexpr std::size_t kMcpMaxMessageBytes = 16u << 20;

}  // namespace so::net
