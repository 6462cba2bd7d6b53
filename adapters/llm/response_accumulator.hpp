// adapters/llm/response_accumulator.hpp — stream events → one model response (engine.md §2.7).
//
// Content and reasoning are concatenated separately. Tool calls are keyed by
// index in order of first appearance: a start sets (id, name) and resets that
// call's arguments; an arguments delta appends (creating `call_<index>` with no
// name if no start was seen). At the end, nameless calls are dropped, arguments
// become compact JSON when valid (a non-object value is kept as is) else `{}`,
// and pseudo-XML tool calls in the content are recovered when there are no
// real ones (the content is then cleared).
// Thread-safety: none; one accumulator per stream.
#pragma once

#include "adapters/llm/llm_types.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace so::adapters::llm {

struct accumulated_response {
  std::string content;
  std::string reasoning;
  std::vector<tool_call> tool_calls;
  /// The last usage seen; when none was reported, completion tokens are
  /// estimated as (content bytes + argument JSON bytes) / 4.
  token_usage usage;
  bool usage_reported = false;
  std::string finish_reason = "stop";  ///< the first finish seen; informational
};

/// Compact JSON of `raw` when it is valid JSON (any type), else `{}`.
std::string canonical_arguments(std::string_view raw);

class response_accumulator {
 public:
  void add(const stream_event& e);
  accumulated_response finish() const;

 private:
  struct pending_call {
    std::size_t index = 0;
    tool_call call;
    std::string arguments;
  };
  pending_call& call_at(std::size_t index);

  std::string content_;
  std::string reasoning_;
  std::vector<pending_call> calls_;  ///< first-appearance order
  token_usage usage_;
  bool usage_reported_ = false;
  std::string finish_reason_ = "stop";
  bool finish_seen_ = false;
};

}  // namespace so::adapters::llm
