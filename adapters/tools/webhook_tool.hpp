// adapters/tools/webhook_tool.hpp — a tool that forwards each call to an HTTP endpoint.
//
// Each invocation POSTs `{"name","arguments","sessionId","conversationId"}` as
// JSON to `url` with the configured extra headers. A 2xx response body is the
// tool's result; any other status, a transport failure or the total timeout
// (`timeout`, default 10 s) makes the call fail. A response body longer than
// `max_result_bytes` (SMOOTH_AGENT_MAX_TOOL_RESULT_BYTES, default 256 KiB) aborts
// the call: the result is a tool error naming the limit, and at most that many
// bytes are ever held. The body is untrusted text: invalid UTF-8 is repaired
// (U+FFFD per bad byte) before it becomes a result or an error message.
// Thread-safety: immutable after construction; `invoke` never blocks, may be
// called concurrently, and completes exactly once, normally on the HTTP
// client's I/O thread.
#pragma once

#include "adapters/tools/tool.hpp"
#include "net/http_client.hpp"

#include <chrono>
#include <cstddef>
#include <string>

namespace so::adapters::tools {

struct webhook_options {
  std::string url;  ///< http:// or https://
  net::http_headers headers;
  std::chrono::milliseconds timeout{10'000};
  std::size_t max_result_bytes = kDefaultMaxResultBytes;

  /// The server default of SMOOTH_AGENT_MAX_TOOL_RESULT_BYTES.
  static constexpr std::size_t kDefaultMaxResultBytes = 256 << 10;
};

class webhook_tool final : public tool {
 public:
  webhook_tool(llm::tool_spec spec, webhook_options options, net::http_client_ptr http);

  const llm::tool_spec& spec() const override { return spec_; }
  void invoke(const std::string& arguments_json, const tool_context& ctx, tool_done done) override;

  const webhook_options& options() const { return options_; }

 private:
  llm::tool_spec spec_;
  webhook_options options_;
  net::http_client_ptr http_;
};

}  // namespace so::adapters::tools
