// adapters/auth/text.hpp — the small string helpers the auth pieces share.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace so::adapters::auth {

/// Strips ASCII whitespace (space, \t, \r, \n, \v, \f) from both ends.
inline std::string_view trim_ascii(std::string_view s) {
  constexpr std::string_view kSpaces = " \t\r\n\v\f";
  const auto begin = s.find_first_not_of(kSpaces);
  if (begin == std::string_view::npos) return {};
  const auto end = s.find_last_not_of(kSpaces);
  return s.substr(begin, end - begin + 1);
}

/// ASCII lower-casing (other bytes unchanged).
inline std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

}  // namespace so::adapters::auth
