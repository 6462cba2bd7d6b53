// adapters/tools/mcp_tool.hpp — one tool of an MCP server offered to the model as
// `mcp__<server>__<tool>` (later-protocol.md §7.3, §7.4).
//
// `invoke` sends `tools/call` with the ORIGINAL tool name on the server's current session
// and maps the reply to a tool outcome (the table of §7.4, `mcp_call_outcome`). A result
// body longer than `max_result_bytes` (SMOOTH_AGENT_MAX_TOOL_RESULT_BYTES) fails the call,
// as for webhook tools. With no live session (the server is reconnecting) the call fails
// at once with "<name> failed: MCP server `<server>` is not connected".
// Thread-safety: immutable; `invoke` never blocks (the session queues the request for its
// own thread) and completes exactly once, on a session thread or an io thread.
#pragma once

#include "adapters/tools/mcp_session.hpp"
#include "adapters/tools/tool.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

namespace so::adapters::tools {

/// The server's live session, or null while it is down.
using mcp_session_source = std::function<mcp_session_ptr()>;

struct mcp_tool_options {
  std::string server;       ///< the configured server name (for messages)
  std::string remote_name;  ///< the tool's name on the server (unsanitized)
  std::chrono::milliseconds call_timeout{60'000};
  std::size_t max_result_bytes = 256 << 10;
};

class mcp_tool final : public tool {
 public:
  mcp_tool(llm::tool_spec spec, mcp_tool_options options, mcp_session_source session);

  const llm::tool_spec& spec() const override { return spec_; }
  void invoke(const std::string& arguments_json, const tool_context& ctx, tool_done done) override;
  const mcp_tool_options& options() const { return options_; }

 private:
  llm::tool_spec spec_;
  mcp_tool_options options_;
  mcp_session_source session_;
};

/// §7.4: the outcome of a tools/call reply for the engine tool `name`.
tool_outcome mcp_call_outcome(const std::string& name, const mcp_reply& reply,
                              std::chrono::milliseconds timeout, std::size_t max_result_bytes);

/// "60s" for whole seconds, else "250ms".
std::string mcp_duration_text(std::chrono::milliseconds d);

}  // namespace so::adapters::tools
