// protocol/turn_reply.hpp — the answer text of one turn: what streams and what the final
// reply is (later-protocol.md §3.1 stream hold-back, §3.5 reply selection, §3.1
// extraction, §3.2 collapse).
//
// The turn feeds it every answer delta (→ the text to stream now, with the suggested-replies
// trailer held back), every reasoning delta, and the end of each model response (→ the
// held tail to stream before anything else of that response). At the end, `finish` picks
// the reply: the first non-blank of the turn's last assistant text, all answer deltas of
// the turn, all reasoning deltas; strips the trailer into suggestions; and gives the
// persisted text (uncollapsed) and the wire text (collapsed).
// Memory: the turn's answer and reasoning text (bounded by the model's max tokens per call
// times the iteration cap). One instance per turn, used on the turn's thread only.
#pragma once

#include "protocol/suggested_replies.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace so::protocol {

struct final_reply {
  std::string persisted;  ///< trailer stripped; empty = nothing is persisted
  std::string wire;       ///< `responseParts[0]`: `persisted` after the repetition collapse
  std::vector<std::string> suggestions;  ///< `suggestedNextActions`
};

class turn_reply {
 public:
  /// An answer (content) delta; returns the text to stream now (may be empty).
  std::string answer_delta(std::string_view text);
  void reasoning_delta(std::string_view text) { reasoning_.append(text); }
  /// End of one model response: the held tail to stream now (may be empty).
  std::string end_of_response() { return filter_.flush(); }
  /// An answer token has arrived this turn (streamed or held back).
  bool answer_started() const { return !answer_.empty(); }
  /// `last_assistant`: the text of the turn's last assistant message (may be blank).
  final_reply finish(std::string_view last_assistant) const;

 private:
  suggested_replies_filter filter_;
  std::string answer_;     ///< every answer delta of the turn, trailer included
  std::string reasoning_;  ///< every reasoning delta of the turn
};

}  // namespace so::protocol
