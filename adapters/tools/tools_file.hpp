// adapters/tools/tools_file.hpp — tool definitions from JSON (SMOOTH_AGENT_TOOLS_FILE, scenario
// `server.tools`).
//
// The text is a JSON array; each entry is either a fixed-result tool
//   {name, description?, parameters?, result}
// or a webhook tool
//   {name, description?, parameters?, url, headers?, timeoutMs?}.
// `name` matches [A-Za-z0-9_-]{1,64}; exactly one of `result`/`url`; `url` is
// http(s); `parameters` is an object; `headers` an object of strings;
// `timeoutMs` an integer in [1, 3600000] (default 10000); names are unique;
// unknown keys are rejected (they are almost always typos).
// Any problem throws std::invalid_argument naming the label, the entry index
// (0-based), the name when known, and the problem.
// Thread-safety: pure functions; safe from any thread.
#pragma once

#include "adapters/tools/tool.hpp"
#include "adapters/tools/webhook_tool.hpp"
#include "net/http_client.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace so::adapters::tools {

/// Parses `json`; `label` prefixes every error (e.g. "SMOOTH_AGENT_TOOLS_FILE /x.json").
/// `http` is used by webhook entries (required only if there are any);
/// `max_result_bytes` caps every webhook's response body
/// (SMOOTH_AGENT_MAX_TOOL_RESULT_BYTES, `server_config::max_tool_result_bytes`).
std::vector<tool_ptr> parse_tools(
    std::string_view json, std::string_view label, net::http_client_ptr http,
    std::size_t max_result_bytes = webhook_options::kDefaultMaxResultBytes);

/// Reads and parses the file at `path`; errors are labelled "SMOOTH_AGENT_TOOLS_FILE <path>".
std::vector<tool_ptr> load_tools_file(
    const std::string& path, net::http_client_ptr http,
    std::size_t max_result_bytes = webhook_options::kDefaultMaxResultBytes);

}  // namespace so::adapters::tools
