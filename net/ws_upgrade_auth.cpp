// net/ws_upgrade_auth.cpp — see ws_upgrade_auth.hpp.
#include "net/ws_upgrade_auth.hpp"

#include "adapters/auth/text.hpp"
#include "adapters/logging/log_ids.hpp"
#include "net/http_router.hpp"

#include <spdlog/spdlog.h>

#include <utility>

namespace so::net {
namespace {

namespace auth = adapters::auth;

/// Generic words for an outcome: what a log line or a 401 may say about a token.
const char* outcome_text(auth::auth_outcome o) {
  switch (o) {
    case auth::auth_outcome::authenticated:
      return "authenticated";
    case auth::auth_outcome::unauthenticated:
      return "no credential";
    case auth::auth_outcome::invalid_token:
      return "invalid token";
    case auth::auth_outcome::missing_role:
      return "missing or invalid role claim";
    case auth::auth_outcome::misconfigured:
      return "verifier misconfigured";
  }
  return "invalid token";
}

ws_auth_decision decide(const auth::auth_result& r, bool required, const std::string& label,
                        const std::string& remote) {
  ws_auth_decision d;
  if (r.outcome == auth::auth_outcome::authenticated && r.who) {
    d.principal = r.who;
    return d;
  }
  // The verifier's reason never carries the credential (authenticator.hpp), so it may
  // be logged; the token itself never is.
  spdlog::warn(
      "{} ws: ?token= rejected by verifier '{}' ({}{}{}); {}", logging::log_ids{.remote = remote},
      label,
      outcome_text(r.outcome), r.reason.empty() ? "" : ": ", r.reason,
      required ? "upgrade refused (SMOOTH_AGENT_WS_AUTH_REQUIRED)" : "connecting anonymously");
  if (required) {
    d.refused = true;
    d.code = "INVALID_TOKEN";
    d.message = std::string("invalid token: ") + outcome_text(r.outcome);
  }
  return d;
}

}  // namespace

std::optional<std::string> trimmed_token(const std::optional<std::string>& token) {
  if (!token) return std::nullopt;
  const auto t = auth::trim_ascii(*token);
  if (t.empty()) return std::nullopt;
  return std::string(t);
}

void verify_ws_token(const auth::authenticator_ptr& auth, const std::optional<std::string>& token,
                     bool required, const std::string& remote,
                     std::function<void(ws_auth_decision)> done) {
  const bool single_user = auth ? auth->single_user() : true;
  auto credential = trimmed_token(token);
  if (!credential) {
    // No token: anonymous (§1.9), or refused in strict mode. Nothing to verify or warn about.
    ws_auth_decision d;
    d.single_user = single_user;
    if (required) {
      d.refused = true;
      d.code = "UNAUTHENTICATED";
      d.message = "missing token: /ws requires ?token= (SMOOTH_AGENT_WS_AUTH_REQUIRED)";
    }
    return done(std::move(d));
  }
  if (!auth) {
    auth::auth_result r;
    r.outcome = auth::auth_outcome::invalid_token;
    r.reason = "no authenticator is configured";
    auto d = decide(r, required, no_authenticator_label, remote);
    d.single_user = single_user;
    return done(std::move(d));
  }
  auth->authenticate(std::move(*credential), [required, label = auth->label(), remote, single_user,
                                              done = std::move(done)](auth::auth_result r) {
    auto d = decide(r, required, label, remote);
    d.single_user = single_user;
    done(std::move(d));
  });
}

std::string unauthorized_body(const std::string& code, const std::string& message,
                              std::int64_t now_ms) {
  return error_response(401, code, message, now_ms).body;  // the admin API's envelope
}

}  // namespace so::net
