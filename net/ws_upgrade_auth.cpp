// net/ws_upgrade_auth.cpp — see ws_upgrade_auth.hpp.
#include "net/ws_upgrade_auth.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <utility>

namespace so::net {
namespace {

namespace auth = adapters::auth;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

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

/// `s` as a JSON string body (no quotes): the 401 message may quote a verifier reason.
std::string json_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out.append(buf);
    } else {
      out.push_back(ch);
    }
  }
  return out;
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
      "ws {}: ?token= rejected by verifier '{}' ({}{}{}); {}", remote, label,
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
  std::size_t b = 0;
  std::size_t e = token->size();
  while (b < e && is_space((*token)[b])) ++b;
  while (e > b && is_space((*token)[e - 1])) --e;
  if (b == e) return std::nullopt;
  return token->substr(b, e - b);
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
  const std::string descriptor =
      R"({"code":")" + json_escape(code) + R"(","message":")" + json_escape(message) + R"("})";
  return R"({"type":"error","error":)" + descriptor + R"(,"data":{"error":)" + descriptor +
         R"(},"timestamp":)" + std::to_string(now_ms) + "}";
}

}  // namespace so::net
