// adapters/tools/mcp_provider.hpp — the MCP servers of SMOOTH_AGENT_MCP_CONFIG as a tool
// provider: their tools, named `mcp__<server>__<tool>`, join every turn (later-protocol.md
// §7; decisions.md "MCP").
//
// Unlike the reference (lazy, once per process, no timeouts, a failure cached forever),
// each enabled server has a supervisor thread that connects at start(): connect (spawn /
// first POST), `initialize` → `notifications/initialized` → `tools/list` (every page, at
// most kMaxToolsPerServer tools) within the entry's connect timeout. A server that fails
// is skipped with a warning and retried with exponential backoff (`retry_initial`,
// doubling up to `retry_max`); one that disconnects later loses its tools until it is
// reconnected the same way. An entry with neither `command` nor `url` is skipped with
// "server `<name>` has neither `command` nor `url`" and never retried (a config mistake).
// `tools_for` never blocks and never waits for a connection: it returns the tools of the
// servers connected right now (a turn started while a server is down just lacks them).
// Thread-safety: tools_for/status from any thread; start/shutdown from one owner thread;
// shutdown (also run by the destructor) blocks until every supervisor is joined and every
// child reaped — never call it on an io thread.
#pragma once

#include "adapters/config/server_config.hpp"
#include "adapters/tools/mcp_config.hpp"
#include "adapters/tools/mcp_session.hpp"
#include "adapters/tools/tool.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace so::adapters::tools {

/// Opens a session to one (already expanded) server entry; may block (it runs on the
/// server's supervisor thread); throws std::runtime_error with a readable reason.
using mcp_connect_fn = std::function<mcp_session_ptr(const mcp_server_config& entry)>;

struct mcp_provider_options {
  std::size_t max_result_bytes = 256 << 10;  ///< SMOOTH_AGENT_MAX_TOOL_RESULT_BYTES
  std::chrono::milliseconds retry_initial{1'000};
  std::chrono::milliseconds retry_max{300'000};
  env_lookup env = process_env();  ///< for `${env:NAME}`, read at each connect
  std::string client_version = "0";
};

inline constexpr std::size_t kMaxToolsPerServer = 1024;

struct mcp_server_status {
  std::string name;
  bool connected = false;
  std::size_t tools = 0;
  std::size_t attempts = 0;  ///< connection attempts so far
  std::size_t failures = 0;  ///< attempts that failed
  std::string last_error;    ///< of the latest failed attempt or disconnect
};

class mcp_provider final : public tool_provider {
 public:
  mcp_provider(mcp_config config, mcp_connect_fn connect, mcp_provider_options options);
  ~mcp_provider() override;
  mcp_provider(const mcp_provider&) = delete;
  mcp_provider& operator=(const mcp_provider&) = delete;

  /// Starts one supervisor per enabled entry (returns at once).
  void start();
  std::vector<tool_ptr> tools_for(const tool_context& ctx) override;
  std::vector<mcp_server_status> status() const;
  /// Waits until every server is connected or failed at least `failures` attempts;
  /// false at the deadline (tests).
  bool wait_settled(std::chrono::milliseconds timeout, std::size_t failures = 1) const;
  void shutdown();

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace so::adapters::tools
