// adapters/llm/sse_decoder.hpp — OpenAI chat-completions SSE bytes → stream events (engine.md
// §2.5).
//
// Bytes are buffered and only whole lines are decoded, so a multi-byte UTF-8
// character split across network reads is never corrupted (decisions.md).
// Each line is trimmed; blank, `:` comment, `event:` and non-`data:` lines are
// ignored; `data: [DONE]` yields finish_seen("stop"). A data line that is not
// valid JSON is logged and skipped, never fatal (decisions.md). Shapes are read
// leniently: a choice without `delta`, or a partial `usage`, still yields what it can.
// Produces content/reasoning deltas, tool_call_start, tool_arguments_delta,
// finish_seen and usage_report — never a terminal event (the caller decides).
// Thread-safety: none; one decoder per stream, used by one thread at a time.
#pragma once

#include "adapters/llm/llm_types.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace so::adapters::llm {

/// Events of one SSE line (already split off, untrimmed). Pure.
std::vector<stream_event> decode_sse_line(std::string_view line);

class sse_decoder {
 public:
  /// Appends received bytes and returns the events of every line completed by them.
  std::vector<stream_event> feed(std::string_view bytes);
  /// End of body: decodes any final line that had no trailing newline.
  std::vector<stream_event> finish();
  /// True once any finish_seen (a finish_reason or [DONE]) has been produced.
  bool saw_finish() const { return saw_finish_; }

 private:
  void decode_into(std::string_view line, std::vector<stream_event>& out);

  std::string pending_;  ///< bytes of the current, incomplete line
  bool saw_finish_ = false;
};

}  // namespace so::adapters::llm
