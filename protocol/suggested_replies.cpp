// protocol/suggested_replies.cpp — see suggested_replies.hpp.
#include "protocol/suggested_replies.hpp"

#include "protocol/json.hpp"

#include <algorithm>
#include <optional>

namespace so::protocol {

const std::string_view suggested_replies_prompt =
    "## Suggested quick replies\n"
    "\n"
    "When your reply asks the user a question (or a small set of likely responses exists), end "
    "your reply with ONE final line of this exact machine-parsed form:\n"
    "\n"
    "<suggested_replies>[\"First candidate reply\", \"Second candidate "
    "reply\"]</suggested_replies>\n"
    "\n"
    "Rules:\n"
    "- 2 to 4 candidate replies, each a short first-person answer the USER might tap (under 60 "
    "characters each), written from the user's point of view.\n"
    "- Offer meaningfully different options (e.g. points on a scale, yes/no with nuance), not "
    "rephrasings of one answer.\n"
    "- The line is stripped before display and never shown to the user. Never mention it, never "
    "explain it, never place it anywhere but the very end.\n"
    "- Omit the line entirely when no quick reply makes sense (e.g. you asked for a name or a "
    "free-form description).";

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim_end(std::string_view s) {
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view trim(std::string_view s) {
  s = trim_end(s);
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  return s;
}

/// Length of the longest suffix of `s` that is a proper prefix of the opening tag.
std::size_t held_tail(std::string_view s) {
  const auto& tag = suggested_replies_open;
  for (std::size_t n = std::min(s.size(), tag.size() - 1); n > 0; --n)
    if (s.substr(s.size() - n) == tag.substr(0, n)) return n;
  return 0;
}

std::vector<std::string> parse_tag_body(std::string_view body) {
  std::vector<std::string> out;
  rapidjson::Document d;
  if (!parse_untrusted(d, trim(body)).ok || !d.IsArray()) return out;
  for (const auto& v : d.GetArray()) {
    if (out.size() == max_suggested_replies) break;
    if (!v.IsString()) continue;
    auto item = trim({v.GetString(), v.GetStringLength()});
    if (!item.empty()) out.emplace_back(item);
  }
  return out;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool is_quote(char c) {
  return c == '"' || c == '\'' || c == '`';
}

/// One list line without its bullet or number; none when the line is not a list item.
std::optional<std::string_view> list_item(std::string_view line) {
  static constexpr std::string_view kBullet = "\xE2\x80\xA2";  // •
  if (line.front() == '-' || line.front() == '*') {
    line.remove_prefix(1);
  } else if (line.substr(0, kBullet.size()) == kBullet) {
    line.remove_prefix(kBullet.size());
  } else {
    std::size_t digits = 0;
    while (digits < line.size() && line[digits] >= '0' && line[digits] <= '9') ++digits;
    if (digits == 0 || digits == line.size() || (line[digits] != '.' && line[digits] != ')'))
      return std::nullopt;
    line.remove_prefix(digits + 1);
  }
  line = trim(line);
  while (!line.empty() && is_quote(line.front())) line.remove_prefix(1);
  while (!line.empty() && is_quote(line.back())) line.remove_suffix(1);
  return line;
}

/// The markdown fallback (§3.1 step 2); none when the text has no valid list trailer.
std::optional<reply_with_suggestions> extract_markdown(std::string_view reply) {
  const auto lower = ascii_lower(reply);
  std::size_t header = std::string::npos;
  std::size_t header_len = 0;
  for (std::string_view h :
       {std::string_view("suggested replies:"), std::string_view("suggested_replies:")}) {
    auto at = lower.rfind(h);
    if (at != std::string::npos && (header == std::string::npos || at > header)) {
      header = at;
      header_len = h.size();
    }
  }
  if (header == std::string::npos) return std::nullopt;
  const auto newline = reply.find('\n', header + header_len);
  if (newline == std::string_view::npos) return std::nullopt;
  std::vector<std::string> items;
  std::string_view rest = reply.substr(newline + 1);
  while (!rest.empty()) {
    const auto end = rest.find('\n');
    const auto line = trim(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    if (line.empty()) continue;
    auto item = list_item(line);
    if (!item || item->empty()) return std::nullopt;
    items.emplace_back(*item);
  }
  if (items.empty()) return std::nullopt;
  if (items.size() > max_suggested_replies) items.resize(max_suggested_replies);
  return reply_with_suggestions{std::string(trim_end(reply.substr(0, header))), std::move(items)};
}

}  // namespace

std::string suggested_replies_filter::push(std::string_view delta) {
  if (suppressing_) return {};
  held_.append(delta);
  if (auto at = held_.find(suggested_replies_open); at != std::string::npos) {
    suppressing_ = true;
    std::string out = held_.substr(0, at);
    held_.clear();
    return out;
  }
  const auto keep = held_tail(held_);
  std::string out = held_.substr(0, held_.size() - keep);
  held_.erase(0, held_.size() - keep);
  return out;
}

std::string suggested_replies_filter::flush() {
  std::string out;
  out.swap(held_);
  if (suppressing_) out.clear();
  return out;
}

reply_with_suggestions extract_suggested_replies(std::string_view reply) {
  const auto open = reply.rfind(suggested_replies_open);
  if (open == std::string_view::npos) {
    if (auto md = extract_markdown(reply)) return std::move(*md);
    return {std::string(reply), {}};
  }
  const auto body_at = open + suggested_replies_open.size();
  const auto close = reply.find(suggested_replies_close, body_at);
  std::string_view body = reply.substr(
      body_at, close == std::string_view::npos ? std::string_view::npos : close - body_at);
  std::string rest(reply.substr(0, open));
  if (close != std::string_view::npos)
    rest.append(reply.substr(close + suggested_replies_close.size()));
  reply_with_suggestions out;
  out.reply = std::string(trim_end(rest));
  out.suggestions = parse_tag_body(body);
  return out;
}

}  // namespace so::protocol
