// adapters/llm/chat_request_json.hpp — the chat-completions request body (engine.md §2.2–§2.4).
//
// model, messages (content always a string; assistant tool_calls only when
// non-empty; reasoning_content when non-empty; tool messages carry tool_call_id
// and name), max_tokens, temperature, tools + tool_choice "auto" only when
// tools exist, stream, and `stream_options.include_usage` so real gateways
// report usage on the stream (decisions.md: usage is on the wire). Prompt-cache
// markers are added only when `prompt_cache` is set (see wants_prompt_cache).
// Thread-safety: pure functions.
#pragma once

#include "adapters/llm/llm_types.hpp"

#include <string>
#include <string_view>

namespace so::adapters::llm {

struct chat_request_options {
  bool stream = true;
  /// Adds `"stream_options": {"include_usage": true}` (streaming only).
  bool include_usage = true;
  /// Adds the §2.4 `cache_control` markers.
  bool prompt_cache = false;
};

/// §2.4: a Claude-family (or smooth-*) model behind a LiteLLM/gateway/Anthropic URL.
bool wants_prompt_cache(std::string_view model, std::string_view base_url);

/// `spec` with its parameters as the body carries them (compact JSON of an object; the
/// empty object schema when they are not one), marked so that every request splices them
/// without parsing them again. Tools call it once, when they are built.
tool_spec with_compact_parameters(tool_spec spec);

/// The JSON body for `request`.
std::string chat_request_json(const chat_request& request,
                              const chat_request_options& options = {});

}  // namespace so::adapters::llm
