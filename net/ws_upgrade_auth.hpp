// net/ws_upgrade_auth.hpp — verifies the `?token=` of a `/ws` upgrade (admin-auth.md
// §1.9, §9 strict WS auth) and decides what the upgrade becomes.
//
// The token is verified once, before the 101: a valid one yields the connection's
// principal; a missing, blank or invalid one yields an anonymous connection — or, in
// strict mode (SMOOTH_AGENT_WS_AUTH_REQUIRED=1), a refusal answered HTTP 401 with the
// admin API's JSON error envelope (`UNAUTHENTICATED` / `INVALID_TOKEN`).
// A rejected token is logged as a warning naming the verifier label and a generic
// reason — never the token. No Beast here, so tests can include it.
// Thread-safety: free functions; `verify_ws_token` calls `done` exactly once, inline
// or later on another thread (the authenticator decides): callers re-post it onto
// their socket's executor.
#pragma once

#include "adapters/auth/authenticator.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace so::net {

/// What the upgrade becomes.
struct ws_auth_decision {
  /// Strict mode and no valid token: answer 401 with `code` / `message`.
  bool refused = false;
  std::string code;     ///< UNAUTHENTICATED or INVALID_TOKEN (when refused)
  std::string message;  ///< for people; never the token
  std::optional<adapters::auth::principal> principal;  ///< set iff the token verified
  bool single_user = true;  ///< the authenticator's single_user() (null: true, like `disabled`)
};

/// The verifier label used when no authenticator is configured (every token invalid).
inline constexpr const char* no_authenticator_label = "disabled";

/// `token` trimmed of ASCII whitespace; nullopt when absent or blank (§1.9).
std::optional<std::string> trimmed_token(const std::optional<std::string>& token);

/// Verifies `token` with `auth` (null = every token invalid) and calls `done` with the
/// decision. `remote` names the peer in the warning logged for a rejected token.
void verify_ws_token(const adapters::auth::authenticator_ptr& auth,
                     const std::optional<std::string>& token, bool required,
                     const std::string& remote, std::function<void(ws_auth_decision)> done);

/// The 401 body: the admin API's error envelope (admin-auth.md §0), no requestId.
std::string unauthorized_body(const std::string& code, const std::string& message,
                              std::int64_t now_ms);

}  // namespace so::net
