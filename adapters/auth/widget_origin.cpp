// adapters/auth/widget_origin.cpp — see widget_origin.hpp.
#include "adapters/auth/widget_origin.hpp"

#include <algorithm>

namespace so::adapters::auth {

namespace {

constexpr std::string_view scheme_sep = "://";
constexpr std::string_view wildcard_host = "*.";

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

bool origin_pattern_matches(std::string_view pattern, std::string_view origin) {
  if (pattern == "*") return true;
  if (pattern == origin) return true;
  // `scheme://*.suffix`: the wildcard must be the whole first label; other shapes
  // (`*.x` without a scheme, `https://*x`, `https://app.*.com`) are exact-only.
  const auto p_sep = pattern.find(scheme_sep);
  if (p_sep == std::string_view::npos) return false;
  const auto p_rest = pattern.substr(p_sep + scheme_sep.size());
  if (p_rest.substr(0, wildcard_host.size()) != wildcard_host) return false;
  const auto suffix = p_rest.substr(wildcard_host.size());
  const auto o_sep = origin.find(scheme_sep);
  if (o_sep == std::string_view::npos) return false;
  if (pattern.substr(0, p_sep) != origin.substr(0, o_sep)) return false;  // case-sensitive
  const auto host = origin.substr(o_sep + scheme_sep.size());
  if (host == suffix) return true;  // the bare apex
  return host.size() > suffix.size() && ends_with(host, suffix) &&
         host[host.size() - suffix.size() - 1] == '.';
}

bool origin_allowed(const std::vector<std::string>& patterns, std::string_view origin) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& p) { return origin_pattern_matches(p, origin); });
}

std::string effective_origin(const std::optional<std::string>& header) {
  if (!header) return {};
  // HTTP header values are visible ASCII plus space and tab.
  const bool ascii = std::all_of(header->begin(), header->end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u >= 0x20 && u < 0x7f) || u == '\t';
  });
  return ascii ? *header : std::string();
}

}  // namespace so::adapters::auth
