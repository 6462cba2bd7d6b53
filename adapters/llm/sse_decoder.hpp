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
// Cost per line: lines are views into the received bytes (only a line split
// across reads is copied, into one reused buffer); the JSON of each data line is
// parsed into one reused document whose allocator starts from a fixed arena
// (RapidJSON's default would malloc a 64 KiB chunk per line); valid UTF-8 — the
// common case — is parsed in place, without a repaired copy.
// Thread-safety: none; one decoder per stream, used by one thread at a time.
#pragma once

#include "adapters/llm/llm_types.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace so::adapters::llm {

/// Events of one SSE line (already split off, untrimmed). Pure.
std::vector<stream_event> decode_sse_line(std::string_view line);

class sse_decoder {
 public:
  sse_decoder();
  ~sse_decoder();
  sse_decoder(sse_decoder&&) noexcept;
  sse_decoder& operator=(sse_decoder&&) noexcept;

  /// Appends received bytes and returns the events of every line completed by them.
  std::vector<stream_event> feed(std::string_view bytes);
  /// The same, appending the events to `out` (lets the caller reuse one vector).
  void feed(std::string_view bytes, std::vector<stream_event>& out);
  /// End of body: decodes any final line that had no trailing newline.
  std::vector<stream_event> finish();
  void finish(std::vector<stream_event>& out);
  /// True once any finish_seen (a finish_reason or [DONE]) has been produced.
  bool saw_finish() const { return saw_finish_; }
  /// Back to a fresh stream (a retry), keeping the buffers.
  void reset();

  /// The reused parse state (defined in the .cpp).
  class line_parser;

 private:
  void decode_into(std::string_view line, std::vector<stream_event>& out);

  std::string pending_;                  ///< bytes of the current, incomplete line
  std::unique_ptr<line_parser> parser_;  ///< made on the first data line
  bool saw_finish_ = false;
};

}  // namespace so::adapters::llm
