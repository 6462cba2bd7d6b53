// protocol/utf8.hpp — the one UTF-8 decoder and encoder of the project.
//
// Contract: pure functions, no I/O, no shared state. Safe to call from any thread.
// "Well-formed" is RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace so::protocol {

/// One decoded sequence; `length == 0` means the bytes at that position are not a
/// well-formed sequence (callers then skip or replace exactly one byte).
struct utf8_sequence {
  char32_t code_point = 0;
  std::size_t length = 0;
};

/// Decodes the sequence starting at `s[i]` (`i < s.size()`).
utf8_sequence decode_utf8_at(std::string_view s, std::size_t i);

/// Appends the UTF-8 encoding of a Unicode scalar value.
void append_utf8(std::string& out, char32_t cp);

/// `s` with every byte that does not start a well-formed sequence replaced by U+FFFD
/// (the WHATWG/Rust "lossy" decoding, one replacement per bad byte).
std::string repair_utf8(std::string_view s);

/// Appends `repair_utf8(s)` to `out` (lets a caller reuse one buffer).
void append_repaired_utf8(std::string& out, std::string_view s);

/// True when `s` is entirely well-formed UTF-8 (then `repair_utf8(s) == s`).
bool is_valid_utf8(std::string_view s);

/// Counts Unicode code points of valid UTF-8 text.
std::size_t utf8_length(std::string_view s);

/// The longest prefix of `s` holding at most `max_chars` code points.
std::string_view utf8_prefix(std::string_view s, std::size_t max_chars);

}  // namespace so::protocol
