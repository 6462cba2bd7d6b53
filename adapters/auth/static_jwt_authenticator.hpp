// adapters/auth/static_jwt_authenticator.hpp — `jwt` and `smoo` modes with one
// configured key (HS256 secret or RS256 PEM; admin-auth.md §1.1, §1.4).
//
// Answers inline (no I/O). `smoo` is the same verifier with a mandatory issuer
// (the factory enforces it). Thread-safety: immutable; call from any thread.
#pragma once

#include "adapters/auth/authenticator.hpp"
#include "adapters/auth/jwt_key.hpp"
#include "adapters/auth/jwt_verifier.hpp"
#include "protocol/clock.hpp"

#include <string>

namespace so::adapters::auth {

/// `label` is "jwt" or "smoo".
authenticator_ptr make_static_jwt_authenticator(std::string label, verification_key key,
                                                jwt_rules rules, protocol::clock_ptr clock);

}  // namespace so::adapters::auth
