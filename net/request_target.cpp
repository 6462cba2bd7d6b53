// net/request_target.cpp — see request_target.hpp.
#include "net/request_target.hpp"

#include <algorithm>

namespace so::net {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  });
}

// Calls `fn(name, value, raw_pair)` for every `name=value` pair of a query.
template <class Fn>
void for_each_param(std::string_view query, Fn&& fn) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    const std::string_view name = pair.substr(0, eq);
    const std::string_view value =
        eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    fn(name, value, pair);
  }
}

bool ends_with_token(std::string_view name) {
  constexpr std::string_view suffix = "token";
  return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
}

}  // namespace

std::pair<std::string_view, std::string_view> split_target(std::string_view target) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

std::string url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
               hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<std::string> query_token(std::string_view query) {
  std::optional<std::string> token;
  bool seen = false;
  for_each_param(query, [&](std::string_view name, std::string_view value, std::string_view) {
    if (seen || url_decode(name) != "token") return;
    seen = true;  // the first occurrence decides, even when it is blank
    std::string decoded = url_decode(value);
    if (!is_blank(decoded)) token = std::move(decoded);
  });
  return token;
}

std::string redact_target(std::string_view target) {
  const auto [path, query] = split_target(target);
  if (query.empty()) return std::string(target);
  std::string out(path);
  out.push_back('?');
  bool first = true;
  // Re-emit the query pair by pair; empty pairs ("a&&b") are dropped, which is harmless in a log.
  for_each_param(query, [&](std::string_view name, std::string_view, std::string_view pair) {
    if (!first) out.push_back('&');
    first = false;
    if (ends_with_token(url_decode(name))) {
      out.append(name).append("=[redacted]");
    } else {
      out.append(pair);
    }
  });
  return out;
}

}  // namespace so::net
