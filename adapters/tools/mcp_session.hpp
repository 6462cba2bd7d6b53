// adapters/tools/mcp_session.hpp — the seam between the MCP tool provider (adapters) and
// the MCP wire (net/mcp_client.hpp): one live JSON-RPC 2.0 session with one MCP server.
//
// `request` never blocks: it queues the message for the session's own writer thread and
// completes `done` exactly once — with the response, a JSON-RPC error, a transport
// failure, the timeout, or "closed" at close() — on one of the session's threads (or on
// an io thread for an HTTP server, which uses the non-blocking HTTP client there).
// Thread-safety: every member may be called from any thread; close() blocks until the
// session's threads are joined and its child reaped (never call it on an io thread).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace so::adapters::tools {

/// How one JSON-RPC request ended.
struct mcp_reply {
  /// The `result` member as compact JSON; nullopt on any failure.
  std::optional<std::string> result_json;
  /// Why it failed: the JSON-RPC error ("-32602: Invalid params"), the transport
  /// failure, or "closed". Empty on success.
  std::string error;
  bool timed_out = false;
};

class mcp_session {
 public:
  virtual ~mcp_session() = default;
  /// Sends `method` with `params_json` (an object, compact JSON) and waits up to `timeout`.
  virtual void request(const std::string& method, const std::string& params_json,
                       std::chrono::milliseconds timeout, std::function<void(mcp_reply)> done) = 0;
  /// Sends a notification (no reply).
  virtual void notify(const std::string& method, const std::string& params_json) = 0;
  /// False once the transport is gone (the child exited, the session was closed).
  virtual bool alive() const = 0;
  /// Why it is not alive ("exited with status 1"); empty while alive.
  virtual std::string close_reason() const = 0;
  /// Fails every pending request with "closed", ends the child (stdio) or the HTTP
  /// session, joins the threads. Idempotent; blocks.
  virtual void close() = 0;
};

using mcp_session_ptr = std::shared_ptr<mcp_session>;

}  // namespace so::adapters::tools
