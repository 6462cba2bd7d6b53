// adapters/llm/llm_types.hpp — the chat-completions vocabulary (engine.md §2).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace so::adapters::llm {

// ---- request ------------------------------------------------------------------------

struct tool_call {
  std::string id;
  std::string name;
  /// Compact JSON text of the parsed arguments (`{}` when unparseable).
  std::string arguments_json = "{}";
};

enum class role { system, user, assistant, tool };

/// An image attached to a user message (issue 12, `send_message.images[]`): sent as an
/// OpenAI `image_url` content part.
struct image_part {
  std::string url;
  std::string detail;  ///< empty: omitted
};

struct chat_message {
  llm::role role = role::user;
  std::string content;                  ///< always sent as a string
  std::vector<tool_call> tool_calls;    ///< assistant only
  std::string reasoning;                ///< assistant only; replayed as reasoning_content
  std::string tool_call_id;             ///< tool only
  std::string name;                     ///< tool only: the tool's name
  std::vector<image_part> images = {};  ///< user only (issue 12): content becomes parts
};

struct tool_spec {
  std::string name;
  std::string description;
  std::string parameters_json = R"({"type":"object","properties":{}})";
  /// `parameters_json` is known to be a compact JSON object (set by
  /// with_compact_parameters, chat_request_json.hpp): spliced into each request as is,
  /// instead of parsed and written again on every model call.
  bool parameters_compact = false;
};

struct chat_request {
  std::string model;
  std::vector<chat_message> messages;
  std::vector<tool_spec> tools;
  unsigned max_tokens = 512;
  double temperature = 0.0;
};

// ---- streamed response events --------------------------------------------------------

struct token_usage {
  std::uint64_t prompt_tokens = 0;
  std::uint64_t completion_tokens = 0;
  std::uint64_t total_tokens = 0;
};

struct content_delta {
  std::string text;
};
struct reasoning_delta {
  std::string text;
};
struct tool_call_start {
  std::size_t index = 0;
  std::string id;
  std::string name;
};
struct tool_arguments_delta {
  std::size_t index = 0;
  std::string text;
};
struct usage_report {
  token_usage usage;
};
/// A finish reason was seen (`[DONE]` counts as "stop"). Informational.
struct finish_seen {
  std::string reason;
};
/// Terminal: the stream ended and a finish was seen. Nothing follows.
struct stream_complete {};
/// Terminal: the call failed; `message` is the text after "agent turn failed: ".
struct stream_failed {
  std::string message;
};

using stream_event =
    std::variant<content_delta, reasoning_delta, tool_call_start, tool_arguments_delta,
                 usage_report, finish_seen, stream_complete, stream_failed>;

/// Events that arrived together (one read from the gateway), in stream order; never empty.
using stream_batch = std::vector<stream_event>;

inline bool is_terminal(const stream_event& e) {
  return std::holds_alternative<stream_complete>(e) || std::holds_alternative<stream_failed>(e);
}

}  // namespace so::adapters::llm
