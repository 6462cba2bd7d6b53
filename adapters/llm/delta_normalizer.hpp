// adapters/llm/delta_normalizer.hpp — cumulative-chunk defence (engine.md §2.6).
//
// Some upstreams resend everything so far instead of a delta. `delta_normalizer`
// keeps the text emitted so far and reduces each piece to what is new: empty →
// dropped; an exact repeat of everything so far → dropped (so a genuine "ha","ha"
// loses its second piece — kept for parity); a piece extending everything so far
// → only its tail; anything else → passed through.
// `stream_normalizer` applies it to a whole event stream: once for content and
// once per tool-call index for arguments (a tool_call_start resets its index,
// matching the accumulator which resets that call's arguments).
// Thread-safety: none; one instance per stream.
#pragma once

#include "adapters/llm/llm_types.hpp"

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace so::adapters::llm {

class delta_normalizer {
 public:
  /// The part of `piece` to emit; empty means "drop it".
  std::string normalize(std::string_view piece);
  void reset() { emitted_.clear(); }

 private:
  std::string emitted_;
};

class stream_normalizer {
 public:
  /// The event to deliver, or nullopt when a delta reduced to nothing.
  std::optional<stream_event> apply(stream_event e);

 private:
  delta_normalizer content_;
  std::map<std::size_t, delta_normalizer> arguments_;
};

}  // namespace so::adapters::llm
