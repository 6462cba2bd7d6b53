// net/mcp_http_transport.hpp — MCP "streamable HTTP": each JSON-RPC message is POSTed to
// the server's URL; the answer comes back as `application/json` or as a
// `text/event-stream` whose `data:` events are JSON-RPC messages.
//
// The session id the server returns (`Mcp-Session-Id`, on the initialize response) goes
// on every later request, with `MCP-Protocol-Version`; `Authorization: Bearer <token>`
// when a token is configured. A 404 on a request that carried a session id means the
// server dropped the session: the transport reports `on_closed` (the provider reconnects).
// Calls run on the project's non-blocking HTTP client (io threads): send() only starts
// one and returns; its answer reaches `on_message` on an io thread. close() cancels the
// calls in flight and sends a best-effort DELETE of the session.
// Thread-safety: see net/mcp_transport.hpp.
#pragma once

#include "net/http_client.hpp"
#include "net/mcp_transport.hpp"

#include <optional>
#include <string>

namespace so::net {

/// The MCP revision we speak (initialize.protocolVersion and the HTTP header).
inline constexpr const char* kMcpProtocolVersion = "2025-06-18";

struct mcp_http_options {
  std::string url;
  std::optional<std::string> bearer_token;  ///< omitted when empty
  std::string server;                       ///< the configured name, for log lines
};

mcp_transport_ptr make_mcp_http_transport(mcp_http_options options, http_client_ptr http);

}  // namespace so::net
