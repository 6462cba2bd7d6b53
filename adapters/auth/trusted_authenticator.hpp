// adapters/auth/trusted_authenticator.hpp — `trusted` mode: the credential is a
// forwarded, UNVERIFIED base64url claims blob (admin-auth.md §1.5).
//
// Decoding: trimmed; blank → unauthenticated; URL-safe base64 without padding,
// else with padding (standard alphabet and whitespace fail); the bytes must be a
// JSON claims object mapped by claims.hpp (no signature, exp, nbf, iss or aud
// check). Only safe behind an authenticating proxy: the factory logs a loud
// warning. Thread-safety: stateless; call from any thread.
#pragma once

#include "adapters/auth/authenticator.hpp"

#include <string_view>

namespace so::adapters::auth {

/// The decoding itself, pure (also used by tests).
auth_result decode_trusted_identity(std::string_view credential);

authenticator_ptr make_trusted_authenticator();

}  // namespace so::adapters::auth
