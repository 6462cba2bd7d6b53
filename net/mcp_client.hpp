// net/mcp_client.hpp — a JSON-RPC 2.0 client over one MCP transport: the net side of
// adapters/tools/mcp_session.hpp.
//
// Threads: one writer thread per client sends the queued messages (a stdio pipe write may
// block; an HTTP send only starts a call) and expires requests at their deadline; answers
// arrive on the transport's thread and complete the matching request there. So no MCP
// I/O ever runs on a CAF scheduler or io thread, and a request's `done` runs exactly once.
// Bounds: at most `max_pending` requests in flight (one more fails at once with "too many
// calls in flight"); the send queue holds at most the pending requests plus
// `max_pending` replies/notifications (more are dropped with a warning: a server flooding
// us with requests is misbehaving). Requests from the server: `ping` is answered with
// `{}`, anything else with JSON-RPC error -32601 (we offer no client features).
// Thread-safety: see adapters/tools/mcp_session.hpp.
#pragma once

#include "adapters/tools/mcp_session.hpp"
#include "net/mcp_transport.hpp"

#include <cstddef>
#include <string>

namespace so::net {

struct mcp_client_options {
  std::string server;  ///< the configured name, for log lines
  std::size_t max_pending = 256;
};

/// Starts the transport (throws its std::runtime_error) and the writer thread.
adapters::tools::mcp_session_ptr start_mcp_client(mcp_transport_ptr transport,
                                                  mcp_client_options options);

}  // namespace so::net
