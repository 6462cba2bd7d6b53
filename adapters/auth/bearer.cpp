// adapters/auth/bearer.cpp — see bearer.hpp.
#include "adapters/auth/bearer.hpp"

#include "adapters/auth/text.hpp"

namespace so::adapters::auth {

std::optional<std::string> extract_bearer(std::string_view value) {
  // A header value that is not visible ASCII cannot be read as a str (the
  // reference's HeaderValue::to_str): treated as absent, never as a token.
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (!(u == '\t' || (u >= 0x20 && u <= 0x7E))) return std::nullopt;
  }
  std::string_view rest;
  if (value.starts_with("Bearer "))
    rest = value.substr(7);
  else if (value.starts_with("bearer "))
    rest = value.substr(7);
  else
    return std::nullopt;
  rest = trim_ascii(rest);
  if (rest.empty()) return std::nullopt;
  return std::string(rest);
}

}  // namespace so::adapters::auth
