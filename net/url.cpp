// net/url.cpp — see url.hpp.
#include "net/url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace so::net {
namespace {

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), s.begin(), [](char lower, char c) {
           return std::tolower(static_cast<unsigned char>(c)) == lower;
         });
}

}  // namespace

std::variant<parsed_url, std::string> parse_url(std::string_view url) {
  const auto error = [&](std::string_view why) {
    return std::string(why) + " in '" + std::string(url) + "'";
  };
  parsed_url out;
  std::string_view rest;
  if (starts_with_ci(url, "https://")) {
    out.tls = true;
    rest = url.substr(8);
  } else if (starts_with_ci(url, "http://")) {
    rest = url.substr(7);
  } else {
    return error("unsupported URL scheme");
  }
  out.port = out.tls ? 443 : 80;

  const std::size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view target =
      authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    return error("credentials in URL are not supported");
  }

  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return error("unterminated IPv6 literal");
    out.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return error("malformed host");
      port_text = after.substr(1);
      if (port_text.empty()) return error("empty port");
    }
  } else {
    const std::size_t colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return error("empty port");
    }
  }
  if (out.host.empty()) return error("missing host");
  if (!port_text.empty()) {
    unsigned value = 0;
    const auto [ptr, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      return error("invalid port");
    }
    out.port = static_cast<std::uint16_t>(value);
    out.default_port = false;
  }

  if (const std::size_t hash = target.find('#'); hash != std::string_view::npos) {
    target = target.substr(0, hash);
  }
  out.target = std::string(target);
  if (out.target.empty() || out.target.front() != '/') out.target.insert(0, "/");
  return out;
}

}  // namespace so::net
