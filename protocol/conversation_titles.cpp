// protocol/conversation_titles.cpp — see conversation_titles.hpp.
#include "protocol/conversation_titles.hpp"

#include "protocol/utf8.hpp"

#include <vector>

namespace so::protocol {

namespace {

// Unicode White_Space (Rust's `char::is_whitespace`, the reference's rule).
bool is_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

bool is_edge_junk(char32_t c) {
  return c == '"' || c == '\'' || c == '*' || c == '`' || c == '#' || c == ' ';
}

std::u32string decode(std::string_view s) {
  std::u32string out;
  for (std::size_t i = 0; i < s.size();) {
    auto seq = decode_utf8_at(s, i);
    if (seq.length == 0) {  // not valid UTF-8: keep going, one replacement per byte
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    out.push_back(seq.code_point);
    i += seq.length;
  }
  return out;
}

std::string encode(const std::u32string& s) {
  std::string out;
  for (char32_t c : s) append_utf8(out, c);
  return out;
}

std::u32string trim(const std::u32string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

/// Cut to the title length, trailing whitespace of the cut removed, `…` appended.
std::u32string cut_with_ellipsis(const std::u32string& s) {
  if (s.size() <= max_title_chars) return s;
  auto cut = s.substr(0, max_title_chars);
  while (!cut.empty() && is_space(cut.back())) cut.pop_back();
  cut.push_back(U'\u2026');
  return cut;
}

}  // namespace

std::string sanitize_title(std::string_view raw) {
  const auto in = decode(raw);
  // 1. Whitespace runs → one space; none at either end.
  std::u32string joined;
  bool pending_space = false;
  for (char32_t c : in) {
    if (is_space(c)) {
      pending_space = !joined.empty();
      continue;
    }
    if (pending_space) joined.push_back(U' ');
    pending_space = false;
    joined.push_back(c);
  }
  // 2. Edge quotes, stars, backticks, hashes and spaces, from both ends.
  std::size_t b = 0, e = joined.size();
  while (b < e && is_edge_junk(joined[b])) ++b;
  while (e > b && is_edge_junk(joined[e - 1])) --e;
  // 3. The first 60 code points; 4. trimmed again.
  auto kept = joined.substr(b, std::min(e - b, max_title_chars));
  return encode(trim(kept));
}

std::string list_title(const std::string& name, bool default_name,
                       const std::optional<std::string>& first_user_text) {
  if (!default_name) {
    const auto n = trim(decode(name));
    if (!n.empty()) return encode(cut_with_ellipsis(n));
  }
  if (first_user_text) {
    const auto t = trim(decode(*first_user_text));
    if (!t.empty()) return encode(cut_with_ellipsis(t));
  }
  return name;
}

}  // namespace so::protocol
