// net/mcp_connector.hpp — opens an MCP session for one config entry: streamable HTTP when
// it has a `url`, else a stdio child (later-protocol.md §7.2). What the server hands the
// MCP tool provider (adapters/tools/mcp_provider.hpp).
// Thread-safety: the returned function may be called from any non-io thread.
#pragma once

#include "adapters/tools/mcp_provider.hpp"
#include "net/http_client.hpp"

namespace so::net {

adapters::tools::mcp_connect_fn make_mcp_connector(http_client_ptr http);

}  // namespace so::net
