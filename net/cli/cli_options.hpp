// net/cli/cli_options.hpp — the command line of smooth-operator-cli, parsed and checked.
//
// `parse_cli_args` turns argv (without the program name) into `cli_options` or a
// `usage_error` (the binary prints it with the usage text and exits 2). Options may
// come before or after the command. Pure; safe from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace so::cli {

enum class command { help, chat, send, history, publish };

/// The default server: the server's own default bind and port (README).
inline constexpr const char* kDefaultUrl = "ws://127.0.0.1:8787/ws";
/// The agent a new session is created for when --agent is absent (the server has no
/// default agent: `agentId` is required, decisions.md).
inline constexpr const char* kDefaultAgent = "default";

struct cli_options {
  command cmd = command::help;
  std::string url = kDefaultUrl;
  std::optional<std::string> token;
  bool json = false;
  std::chrono::seconds timeout{120};  ///< send/history: whole command; chat: connect only
  std::optional<std::string> session;
  std::string agent = kDefaultAgent;
  bool approve = false;  ///< send: approve confirmations (default: deny them)
  std::string text;      ///< send: the message (positional words joined by spaces)
  std::size_t limit = 50;
  std::string kind;        ///< publish: connection | session | user | org | agent
  std::string target_id;   ///< publish
  std::string event_json;  ///< publish: one JSON value (validated)
};

struct usage_error {
  std::string message;
};

std::variant<cli_options, usage_error> parse_cli_args(const std::vector<std::string>& args);

/// The --help text.
std::string usage_text();

/// Where the CLI connects: the WebSocket endpoint and the admin HTTP base, both
/// derived from --url (ws:// → http://, same host and port) and --token.
struct cli_endpoints {
  std::string host;
  std::uint16_t port = 0;
  std::string ws_target;  ///< "/ws" plus "?token=<percent-encoded>" when a token is set
  std::string publish_target = "/admin/publish";
};

/// The endpoints of `o`, or a usage_error for an unusable URL (wss:// is not supported).
std::variant<cli_endpoints, usage_error> endpoints_for(const cli_options& o);

}  // namespace so::cli
