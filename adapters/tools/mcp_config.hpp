// adapters/tools/mcp_config.hpp — the MCP servers file (SMOOTH_AGENT_MCP_CONFIG) and the
// `${env:NAME}` expansion of its entries (later-protocol.md §7.1; decisions.md "MCP").
//
// The file is JSON in the shape MCP clients share, with the keys of the reference's
// TOML entries:
//   {"mcpServers": {"<name>": {"command": "node", "args": ["srv.js"], "env": {"K": "v"},
//                              "url": "http://…/mcp", "bearer_token": "${env:TOKEN}",
//                              "disabled": false, "timeout_secs": 60,
//                              "connect_timeout_secs": 30, "type": "stdio"}}}
// Entries keep the file's order. `type` is accepted and ignored (other clients write it;
// `url` wins over `command` as in the reference). Any other key, a wrong type or a
// non-positive timeout is a config error naming the server and the key: a typo must not
// silently drop a server. Expansion happens at connect time (`expand_env`), not here.
// Thread-safety: pure functions.
#pragma once

#include "adapters/config/server_config.hpp"

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace so::adapters::tools {

struct mcp_server_config {
  std::string name;
  std::string command;  ///< stdio: program to spawn (PATH lookup)
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;  ///< added to the inherited environment
  std::optional<std::string> url;                        ///< streamable HTTP; wins over command
  std::optional<std::string> bearer_token;               ///< skipped when it expands to ""
  bool disabled = false;
  std::chrono::seconds call_timeout{60};  ///< `timeout_secs`: one tools/call
  std::chrono::seconds connect_timeout{
      30};  ///< `connect_timeout_secs` (ours): spawn → tools listed

  bool uses_http() const { return url.has_value() && !url->empty(); }
};

struct mcp_config {
  std::vector<mcp_server_config> servers;  ///< in file order, disabled ones included
};

struct mcp_config_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Parses the file's text; throws mcp_config_error ("mcpServers.<name>.timeout_secs: …").
mcp_config parse_mcp_config(std::string_view json);

/// Reads and parses `path`; throws mcp_config_error prefixed with
/// "SMOOTH_AGENT_MCP_CONFIG <path>: " (also for a missing or unreadable file: the
/// operator named it, so its absence is an error, unlike the reference's optional files).
mcp_config load_mcp_config_file(const std::string& path);

/// Replaces every `${env:NAME}` with the variable's value (unset → ""); an unterminated
/// `${env:` keeps the rest verbatim. No other syntax.
std::string expand_env(std::string_view text, const env_lookup& env);

/// The entry with `command`, `args`, `env` values, `url` and `bearer_token` expanded.
mcp_server_config expand_entry(const mcp_server_config& entry, const env_lookup& env);

/// One part of an engine tool name: every character (Unicode scalar) that is not an
/// ASCII letter, digit, `_` or `-` becomes one `_`.
std::string sanitize_mcp_name(std::string_view part);

/// `mcp__<server>__<tool>`, both parts sanitized (§7.3).
std::string mcp_tool_name(std::string_view server, std::string_view tool);

}  // namespace so::adapters::tools
