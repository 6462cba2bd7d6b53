// adapters/auth/jwt_verifier.hpp — compact-JWS parsing and JWT claim validation
// (admin-auth.md §1.4 with decisions.md's stricter rules).
//
// Rules, in order: exactly `header.payload.signature`, each unpadded base64url;
// the header a JSON object whose `alg` equals the key's algorithm (never chosen
// by the token: `none`, HS384, RS↔HS confusion fail); the signature; the payload a
// JSON object with a string `sub` and a numeric `exp` (floats rounded); expired when
// exp < now − leeway; not yet valid when nbf > now + leeway (ours; a non-numeric
// nbf is invalid); a configured issuer/audience must be PRESENT (ours) and match
// (string, or an array containing it; exact, case-sensitive); then the claims
// mapping of claims.hpp. Reasons are generic ("ExpiredSignature", …) and never
// contain the token.
// Thread-safety: pure functions over immutable inputs.
#pragma once

#include "adapters/auth/authenticator.hpp"
#include "adapters/auth/jwt_key.hpp"
#include "protocol/clock.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace so::adapters::auth {

/// Tokens longer than this are rejected before any decoding (bounds the work an
/// unauthenticated caller can cause).
inline constexpr std::size_t max_token_bytes = 16 * 1024;

struct jwt_rules {
  std::optional<std::string> issuer;    ///< AUTH_JWT_ISSUER
  std::optional<std::string> audience;  ///< AUTH_JWT_AUDIENCE
  std::chrono::seconds leeway{60};      ///< for exp and nbf
};

/// A compact JWS split and decoded, signature not yet checked.
struct compact_jws {
  std::string signing_input;       ///< `header.payload` as sent
  std::string payload;             ///< decoded payload bytes
  std::string signature;           ///< decoded signature bytes
  std::string alg;                 ///< header `alg` (empty if absent or not a string)
  std::optional<std::string> kid;  ///< header `kid` when a string
};

/// Splits and decodes; nullopt (with `reason`) when the form is malformed or the
/// header is not a JSON object.
std::optional<compact_jws> parse_compact_jws(std::string_view token, std::string& reason);

/// Checks signature, time and issuer/audience, then maps the claims (claims.hpp).
auth_result verify_jws(const compact_jws& jws, const verification_key& key, const jwt_rules& rules,
                       protocol::time_point now);

/// parse_compact_jws + verify_jws. A blank token → unauthenticated.
auth_result verify_jwt(std::string_view token, const verification_key& key, const jwt_rules& rules,
                       protocol::time_point now);

}  // namespace so::adapters::auth
