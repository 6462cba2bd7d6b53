// protocol/percent_encoding.hpp — %XX escapes with a caller-chosen set of bytes kept.
//
// One encoder for the places that need "these bytes verbatim, every other byte as %XX
// (uppercase hex)": URL path segments (RFC 3986 unreserved), NATS subject tokens and
// NATS header values (actors/backplane_*). Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace so::protocol {

/// `s` with every byte for which `keep(byte)` is false written as %XX.
template <class Keep>
std::string percent_encode(std::string_view s, Keep keep) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (keep(c)) {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0x0F];
    }
  }
  return out;
}

/// The inverse for uppercase escapes (what percent_encode writes); nullopt when a '%'
/// is not followed by two uppercase hex digits.
inline std::optional<std::string> percent_decode(std::string_view s) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = nibble(s[i + 1]), lo = nibble(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

}  // namespace so::protocol
