// net/mcp_connector.cpp — see mcp_connector.hpp.
#include "net/mcp_connector.hpp"

#include "net/mcp_client.hpp"
#include "net/mcp_http_transport.hpp"
#include "net/mcp_stdio_transport.hpp"

#include <stdexcept>

namespace so::net {

adapters::tools::mcp_connect_fn make_mcp_connector(http_client_ptr http) {
  return [http](const adapters::tools::mcp_server_config& e) {
    mcp_transport_ptr transport;
    if (e.uses_http()) {
      if (!http) throw std::runtime_error("no HTTP client for a streamable-HTTP server");
      transport = make_mcp_http_transport({*e.url, e.bearer_token, e.name}, http);
    } else {
      mcp_stdio_options o;
      o.command = e.command;
      o.args = e.args;
      for (const auto& [k, v] : e.env) o.env[k] = v;
      o.server = e.name;
      transport = make_mcp_stdio_transport(std::move(o));
    }
    return start_mcp_client(std::move(transport), {e.name, 256});
  };
}

}  // namespace so::net
