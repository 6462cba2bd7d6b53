// adapters/auth/base64url.hpp — URL-safe base64 (RFC 4648 §5), as JWTs and the
// trusted-mode blob use it (admin-auth.md §1.4, §1.5).
//
// Strict: only `A–Z a–z 0–9 - _` (plus `=` in the padded form); the standard
// alphabet (`+` `/`), whitespace and non-canonical trailing bits are rejected.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace so::adapters::auth {

/// Unpadded form (JWS segments): a `=` anywhere is an error.
std::optional<std::string> base64url_decode_unpadded(std::string_view in);

/// Padded form: the length is a multiple of 4 and ends in 0–2 `=`.
std::optional<std::string> base64url_decode_padded(std::string_view in);

/// Trusted mode (§1.5): unpadded first, then padded.
std::optional<std::string> base64url_decode_any(std::string_view in);

/// Unpadded encoding (building tokens in tests and tools).
std::string base64url_encode(std::string_view bytes);

}  // namespace so::adapters::auth
