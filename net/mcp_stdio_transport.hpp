// net/mcp_stdio_transport.hpp — MCP over a child's stdin/stdout: newline-delimited
// JSON-RPC 2.0 (MCP "stdio" transport).
//
// start() spawns the child (net/mcp_child_process.hpp) and a reader thread that splits its
// stdout into lines (each ≤ kMcpMaxMessageBytes; a longer one is dropped with a warning)
// and hands each to `on_message`; at end of output it reaps the child and reports
// `on_closed("exited with status N")`. close() ends the child (stdin closed, then SIGKILL
// after 500 ms) and joins the reader: no zombie is left.
// Thread-safety: see net/mcp_transport.hpp.
#pragma once

#include "net/mcp_transport.hpp"

#include <map>
#include <string>
#include <vector>

namespace so::net {

struct mcp_stdio_options {
  std::string command;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;  ///< added to the inherited environment
  std::string server;                      ///< the configured name, for log lines
};

mcp_transport_ptr make_mcp_stdio_transport(mcp_stdio_options options);

}  // namespace so::net
