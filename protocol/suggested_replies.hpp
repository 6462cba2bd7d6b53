// protocol/suggested_replies.hpp — the suggested-replies trailer (later-protocol.md §3.1).
//
// The model may end its reply with one machine-parsed line
// `<suggested_replies>["a", "b"]</suggested_replies>`. Three pieces handle it:
//   - `suggested_replies_prompt`: the system-prompt section asking for it (the LAST section
//     of every turn's system prompt);
//   - `suggested_replies_filter`: holds the trailer back from the token stream, delaying
//     ordinary text only while its tail could still be the start of the tag;
//   - `extract_suggested_replies`: strips the trailer from the final reply and parses it
//     (or a markdown "Suggested replies:" list) into at most 4 suggestions.
// Pure code over UTF-8 text (the tag is ASCII, so a held-back suffix never splits a
// character). A filter belongs to one turn and one thread; the functions are thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace so::protocol {

/// The opening tag that starts the trailer (and starts stream suppression).
inline constexpr std::string_view suggested_replies_open = "<suggested_replies>";
inline constexpr std::string_view suggested_replies_close = "</suggested_replies>";
/// At most this many suggestions reach `suggestedNextActions`.
inline constexpr std::size_t max_suggested_replies = 4;

/// The `## Suggested quick replies` system-prompt section (verbatim, later-protocol.md §3.1).
extern const std::string_view suggested_replies_prompt;

/// The stream hold-back of one turn, for answer tokens only (never reasoning or preamble).
/// Once the opening tag has been seen, every later answer token of the turn is suppressed
/// (across model calls). Otherwise only the longest tail that is a proper prefix of the tag
/// (e.g. a trailing `<sugg`) is held; it is released by the next delta or by `flush`.
class suggested_replies_filter {
 public:
  /// Appends `delta`; returns the text that may be streamed now (may be empty).
  std::string push(std::string_view delta);
  /// End of a model response: the held tail (empty when suppressing). The filter keeps
  /// suppressing if it was.
  std::string flush();
  bool suppressing() const { return suppressing_; }
  /// Bytes currently held back (at most the tag's length minus one).
  std::size_t held() const { return held_.size(); }

 private:
  std::string held_;
  bool suppressing_ = false;
};

struct reply_with_suggestions {
  std::string reply;                     ///< the reply without the trailer
  std::vector<std::string> suggestions;  ///< at most 4; empty when none
};

/// Extraction from the final reply (later-protocol.md §3.1):
/// 1. the LAST `<suggested_replies>`: the body runs to the next closing tag (or the end);
///    the reply keeps the text before the tag and after the closing tag, trailing
///    whitespace removed; the trimmed body must be a JSON array: its string elements,
///    trimmed, non-empty, first 4 (anything else: no suggestions, the span still stripped);
/// 2. no tag: the last case-insensitive `suggested replies:` / `suggested_replies:` header
///    followed by a newline and only bullet (`-`, `*`, `•`) or numbered (`1.`, `1)`) lines
///    (blank lines allowed; items trimmed and stripped of surrounding quotes/backticks,
///    none empty, at least one): the reply is the text before the header, trailing
///    whitespace removed; any other shape leaves the reply unchanged.
reply_with_suggestions extract_suggested_replies(std::string_view reply);

}  // namespace so::protocol
