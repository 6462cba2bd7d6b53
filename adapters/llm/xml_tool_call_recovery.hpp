// adapters/llm/xml_tool_call_recovery.hpp — tool calls a model wrote as pseudo-XML text (engine.md
// §2.7).
//
// Some models (Qwen-coder style) print tool calls into the content instead of
// using `tool_calls`. Two forms are recovered:
//   <tool_call>{"name": "...", "arguments": {...}}</tool_call>
//   <function=NAME> <parameter=KEY> value </parameter> ... </function>
// Parameter values are parsed as JSON when they are valid JSON, else kept as strings.
// Recovered calls get ids `xml_recovered_1`, `_2`, … in order of appearance.
// Thread-safety: pure functions.
#pragma once

#include "adapters/llm/llm_types.hpp"

#include <string_view>
#include <vector>

namespace so::adapters::llm {

/// True when the content looks like it carries pseudo-XML tool calls.
bool has_xml_tool_calls(std::string_view content);

/// Every recoverable call in `content` (possibly none).
std::vector<tool_call> recover_xml_tool_calls(std::string_view content);

}  // namespace so::adapters::llm
