// adapters/telemetry/trace_env.cpp — see trace_env.hpp.
#include "adapters/telemetry/trace_env.hpp"

namespace so::adapters::telemetry {

namespace {

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpaces = " \t\r\n";
  const auto b = s.find_first_not_of(kSpaces);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kSpaces) - b + 1);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = hex_digit(s[i + 1]);
    const int lo = hex_digit(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

}  // namespace

std::optional<key_values> parse_otel_key_values(std::string_view text) {
  key_values out;
  while (true) {
    const auto comma = text.find(',');
    const auto entry = trim(text.substr(0, comma));
    if (!entry.empty()) {
      const auto eq = entry.find('=');
      if (eq == std::string_view::npos) return std::nullopt;
      const auto key = trim(entry.substr(0, eq));
      if (key.empty()) return std::nullopt;
      auto value = percent_decode(trim(entry.substr(eq + 1)));
      if (!value) return std::nullopt;
      out.emplace_back(std::string(key), std::move(*value));
    }
    if (comma == std::string_view::npos) return out;
    text.remove_prefix(comma + 1);
  }
}

std::string otlp_traces_url(std::string_view base_endpoint) {
  std::string url(base_endpoint);
  if (url.empty() || url.back() != '/') url.push_back('/');
  return url + "v1/traces";
}

}  // namespace so::adapters::telemetry
