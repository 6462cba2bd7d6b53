// adapters/auth/widget_origin.hpp — does a handshake Origin match an embed policy's
// `allowed_origins` (admin-auth.md §4.5)?
//
// Raw string matching: no URL normalization, no case folding, no default-port stripping.
// Pattern forms: `*` (always, even a missing Origin); `scheme://*.suffix` (same scheme,
// and the Origin's rest after `://` — host plus port, if any — equals `suffix` or ends with
// `.suffix`); anything else matches byte-for-byte only. An empty list denies everything.
// Pure functions: safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace so::adapters::auth {

/// Whether one pattern matches `origin` (a missing Origin is the empty string).
bool origin_pattern_matches(std::string_view pattern, std::string_view origin);

/// Whether any pattern matches (empty list: never).
bool origin_allowed(const std::vector<std::string>& patterns, std::string_view origin);

/// The Origin as matching sees it: a missing header, or one with a byte outside
/// printable ASCII, counts as the empty string (§4.4 step 4).
std::string effective_origin(const std::optional<std::string>& header);

}  // namespace so::adapters::auth
