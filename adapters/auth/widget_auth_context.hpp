// adapters/auth/widget_auth_context.hpp — the widget `authContext` check (admin-auth.md §4.6).
//
// The frame carries `authContext: {"userId": string, "signature": string, "timestamp": integer}`.
// It verifies when every field has its type (the timestamp a JSON integer that fits i64:
// not a float, not a string), the policy has a `public_key`, |now − timestamp| ≤ 60 s
// (exactly 60 passes; symmetric, so it is also the clock-skew allowance), and `signature`
// is the hex (lower or upper case, 64 digits) of HMAC-SHA256(key = public_key bytes,
// message = "<userId>:<timestamp>" in decimal), compared in constant time (CRYPTO_memcmp).
// No nonce cache: an authContext replays freely inside its window (§7.10). The verified
// userId is a gate only; it is not returned. Neither key nor signature is ever logged.
// Pure functions (OpenSSL HMAC, stateless): safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace so::adapters::auth {

/// The replay window, in seconds either side of the server clock.
inline constexpr std::int64_t auth_context_window_secs = 60;

/// Whether `auth_context_json` (the frame's `authContext` value as JSON text, `null`
/// included) verifies against `public_key` at `now_unix_secs`.
bool verify_auth_context(std::string_view auth_context_json,
                         const std::optional<std::string>& public_key, std::int64_t now_unix_secs);

/// The signing side (the host backend's job; here for tests and docs): lowercase hex of
/// HMAC-SHA256(key, "<userId>:<timestamp>").
std::string sign_auth_context(std::string_view key, std::string_view user_id,
                              std::int64_t timestamp);

}  // namespace so::adapters::auth
