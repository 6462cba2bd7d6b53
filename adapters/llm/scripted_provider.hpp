// adapters/llm/scripted_provider.hpp — deterministic LLM for tests (engine.md §6).
//
// A FIFO of scripted model responses shared by every turn of one server: each
// `stream` call pops exactly one entry. Text entries stream as up to three
// content deltas split on code-point boundaries, then usage 10/5/15 and finish
// "stop"; tool-call entries stream one call (start + one arguments delta), usage
// 10/5/15 and finish "tool_calls". A drained script yields an empty response
// (finish "stop", no usage). `stream_batches` hands an entry's events over as ONE
// batch, as a gateway read of the whole reply does. Every request is recorded.
// Test-only: nothing in the production boot path constructs it.
// Thread-safety: all members are thread-safe (internal mutex; it is a test double).
#pragma once

#include "adapters/llm/llm_provider.hpp"

#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace so::adapters::llm {

/// One `mockLlmScript` entry.
struct script_entry {
  enum class kind { text, tool_call, failure };
  kind what = kind::text;
  std::string text;           ///< text: the reply; failure: the error message
  std::string name;           ///< tool_call
  std::string arguments;      ///< tool_call: raw JSON text as scripted
  std::string id = "call-1";  ///< tool_call
};

/// Parses a `mockLlmScript` JSON array. Throws std::invalid_argument naming the bad entry.
std::vector<script_entry> parse_script(std::string_view json_array);

/// The stream events one entry produces, in order, ending with stream_complete
/// (or stream_failed for a failure entry). Shared by the in-process provider and
/// the fake HTTP gateway so both modes stream the same thing.
std::vector<stream_event> script_events(const script_entry& entry);

/// Splits `text` into at most 3 pieces of ceil(n/parts) code points.
std::vector<std::string> split_for_streaming(std::string_view text);

class scripted_provider final : public provider {
 public:
  explicit scripted_provider(std::vector<script_entry> script = {});

  std::shared_ptr<stream_handle> stream(const chat_request& request, stream_sink sink) override;
  std::shared_ptr<stream_handle> stream_batches(const chat_request& request,
                                                const call_options& options,
                                                stream_batch_sink sink) override;

  void push(script_entry e);
  /// Requests received so far, in call order.
  std::vector<chat_request> requests() const;
  std::size_t remaining() const;

 private:
  /// Records the request and pops its entry's events (an empty response when drained).
  std::vector<stream_event> next_events(const chat_request& request);

  mutable std::mutex mu_;
  std::deque<script_entry> script_;
  std::vector<chat_request> requests_;
};

}  // namespace so::adapters::llm
