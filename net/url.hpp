// net/url.hpp — splits an http(s) URL into what a client connection needs.
//
// Accepts `http://` and `https://` (case-insensitive scheme), a host name,
// IPv4 or bracketed IPv6 literal, an optional port, and path+query (the
// fragment is dropped; an empty path becomes "/"). Anything else is an error,
// reported as text, never thrown.
// Thread-safety: pure function.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace so::net {

struct parsed_url {
  bool tls = false;
  std::string host;        ///< without brackets for IPv6
  std::uint16_t port = 0;  ///< explicit or the scheme's default
  bool default_port = true;
  std::string target;  ///< path and query, e.g. "/v1/chat/completions?x=1"
};

/// The parsed URL, or an error text such as "unsupported URL scheme in 'ftp://x'".
std::variant<parsed_url, std::string> parse_url(std::string_view url);

}  // namespace so::net
