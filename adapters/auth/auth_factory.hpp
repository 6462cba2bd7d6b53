// adapters/auth/auth_factory.hpp — the boot-time choice of the authenticator
// (admin-auth.md §1.3 exact algorithm and refusal table, §9 additions; docs/auth.md).
//
// Mode: `SMOOTH_AGENT_AUTH_MODE`, else its alias `AUTH_MODE` (server_config has
// it trimmed and lower-cased; blank = unset = implicit `jwt`).
//   none → dev Admin (AUTH_DEV_ORG_ID) · trusted → forwarded claims (loud warning)
//   local-token → SMOOTH_AGENT_LOCAL_TOKEN required
//   jwt / smoo (smoo: AUTH_JWT_ISSUER required) → key, first match wins:
//     AUTH_JWT_JWKS_URL → jwks · AUTH_JWT_RS256_PUBLIC_KEY (must parse) → RS256 ·
//     AUTH_JWT_HS256_SECRET → HS256 · AUTH_JWT_ISSUER alone → jwks at
//     `{issuer}/.well-known/jwks.json` · nothing → misconfigured.
//   A misconfiguration with an implicit mode installs `disabled` (warning logged);
//   with an explicit mode, and any unknown mode, it refuses: auth_config_error.
// Logs the chosen label (never key material). Thread-safety: call at boot, from
// one thread; the result is an immutable, thread-safe authenticator.
#pragma once

#include "adapters/auth/authenticator.hpp"
#include "adapters/auth/jwks_fetcher.hpp"
#include "adapters/config/server_config.hpp"
#include "protocol/clock.hpp"

#include <functional>
#include <stdexcept>
#include <string>

namespace so::adapters::auth {

/// A startup refusal; `what()` starts with "auth configuration error:".
struct auth_config_error : std::runtime_error {
  explicit auth_config_error(const std::string& detail)
      : std::runtime_error("auth configuration error: " + detail) {}
};

struct auth_boot_deps {
  protocol::clock_ptr clock;  ///< default: system clock
  /// Builds the fetcher for a JWKS URL (production: make_http_jwks_fetcher over the
  /// server's HTTP client). Needed only when a JWKS mode is selected; missing then
  /// → auth_config_error.
  std::function<jwks_fetcher_ptr(const std::string& url)> jwks_fetcher_for;
};

/// The label §1.3 selects for `config` ("jwt", "smoo", "jwks", "trusted", "none",
/// "local-token", "disabled"), building nothing. Throws auth_config_error on a
/// refusal. `main` calls it before anything else boots.
std::string validate_auth_config(const server_config& config);

/// Builds the authenticator. Throws auth_config_error on a refusal.
authenticator_ptr make_authenticator(const server_config& config, const auth_boot_deps& deps = {});

}  // namespace so::adapters::auth
