// adapters/auth/bearer.hpp — the admin credential from an `Authorization` header
// value (admin-auth.md §1.8).
//
// Thread-safety: pure function.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace so::adapters::auth {

/// The bearer token, trimmed; nullopt ("absent") unless the whole value is visible
/// ASCII (0x20–0x7E, plus tab) and starts with exactly `Bearer ` or `bearer `, and
/// something non-blank follows. `BEARER x`, `Basic …` and `Bearer` alone are absent.
std::optional<std::string> extract_bearer(std::string_view header_value);

}  // namespace so::adapters::auth
