// protocol/conversation_titles.hpp — conversation titles (later-protocol.md §2.2, §2.5, §2.6).
//
// `sanitize_title` is the one sanitizer of `rename_conversation` and the auto-titler;
// `list_title` is the title `list_conversations` shows. Both count Unicode code points
// and treat Unicode White_Space as whitespace (the reference's Rust `char` rules).
// Pure functions over valid UTF-8 (frames are validated before they get here; stored
// text is what such frames and the model wrote). Safe from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace so::protocol {

/// A title holds at most this many code points.
inline constexpr std::size_t max_title_chars = 60;

/// In order: collapse every whitespace run to one space (dropping leading and trailing
/// whitespace); strip every `"` `'` `*` `` ` `` `#` and space from both ends; keep the
/// first 60 code points; trim whitespace again. Empty means "no title".
std::string sanitize_title(std::string_view raw);

/// The list title: a real (non-default, non-blank) name trimmed and cut to 60 code points
/// with `…` appended when cut; otherwise the first user message trimmed, cut the same way
/// (trailing whitespace of the cut removed before the `…`); otherwise (no user message,
/// or a blank one) the raw name.
std::string list_title(const std::string& name, bool default_name,
                       const std::optional<std::string>& first_user_text);

}  // namespace so::protocol
