// adapters/auth/auth_factory.cpp — see auth_factory.hpp.
#include "adapters/auth/auth_factory.hpp"

#include "adapters/auth/fixed_principal_authenticators.hpp"
#include "adapters/auth/jwks_authenticator.hpp"
#include "adapters/auth/jwt_key.hpp"
#include "adapters/auth/static_jwt_authenticator.hpp"
#include "adapters/auth/text.hpp"
#include "adapters/auth/trusted_authenticator.hpp"

#include <spdlog/spdlog.h>

#include <variant>

namespace so::adapters::auth {

namespace {

/// What §1.3 chose, before anything is built.
struct auth_plan {
  enum class kind { dev, trusted, local_token, disabled, static_jwt, jwks } what = kind::disabled;
  std::string label;
  std::optional<verification_key> key;  ///< static_jwt
  std::string jwks_url;                 ///< jwks
  jwt_rules rules;
  std::string disabled_because;  ///< implicit mode degraded to disabled
};

/// A misconfiguration of `jwt`/`smoo`: refused, or degraded when the mode was implicit.
struct misconfigured {
  std::string why;
};

bool is_http_url(std::string_view url) {
  const auto l = lower_ascii(url.substr(0, 8));
  return l.starts_with("http://") || l.starts_with("https://");
}

/// jwt / smoo: the key, or `misconfigured`.
std::variant<auth_plan, misconfigured> plan_jwt(const server_config& c, const std::string& mode) {
  auth_plan p;
  p.rules.issuer = c.auth_jwt_issuer;
  p.rules.audience = c.auth_jwt_audience;
  if (mode == "smoo" && !c.auth_jwt_issuer)
    return misconfigured{"AUTH_MODE=smoo requires AUTH_JWT_ISSUER"};
  if (c.auth_jwt_jwks_url) {
    if (!is_http_url(*c.auth_jwt_jwks_url))
      return misconfigured{"AUTH_JWT_JWKS_URL is not an http(s) URL"};
    p.what = auth_plan::kind::jwks;
    p.label = "jwks";
    p.jwks_url = *c.auth_jwt_jwks_url;
    return p;
  }
  if (c.auth_jwt_rs256_public_key) {
    p.key = verification_key::rs256_from_pem(*c.auth_jwt_rs256_public_key);
    if (!p.key)
      return misconfigured{
          "AUTH_JWT_RS256_PUBLIC_KEY is not an RSA public key PEM (SPKI or PKCS#1; real "
          "newlines needed)"};
    p.what = auth_plan::kind::static_jwt;
    p.label = mode;
    return p;
  }
  if (c.auth_jwt_hs256_secret) {
    p.key = verification_key::hs256(*c.auth_jwt_hs256_secret);
    p.what = auth_plan::kind::static_jwt;
    p.label = mode;
    return p;
  }
  if (c.auth_jwt_issuer) {
    if (!is_http_url(*c.auth_jwt_issuer))
      return misconfigured{
          "no key configured, and AUTH_JWT_ISSUER is not an http(s) URL to derive a JWKS URL "
          "from"};
    std::string base = *c.auth_jwt_issuer;
    if (base.ends_with('/')) base.pop_back();
    p.what = auth_plan::kind::jwks;
    p.label = "jwks";
    p.jwks_url = base + "/.well-known/jwks.json";
    return p;
  }
  return misconfigured{
      "AUTH_MODE=" + mode +
      " needs AUTH_JWT_RS256_PUBLIC_KEY, AUTH_JWT_HS256_SECRET, AUTH_JWT_JWKS_URL or "
      "AUTH_JWT_ISSUER; refusing to fall back to no-auth"};
}

auth_plan plan(const server_config& c) {
  const bool implicit = !c.auth_mode || trim_ascii(*c.auth_mode).empty();
  const std::string mode = implicit ? "jwt" : lower_ascii(trim_ascii(*c.auth_mode));
  auth_plan p;
  if (mode == "none") {
    p.what = auth_plan::kind::dev;
    p.label = "none";
    return p;
  }
  if (mode == "trusted") {
    p.what = auth_plan::kind::trusted;
    p.label = "trusted";
    return p;
  }
  if (mode == "local-token") {
    if (!c.auth_local_token)
      throw auth_config_error("AUTH_MODE=local-token requires SMOOTH_AGENT_LOCAL_TOKEN");
    p.what = auth_plan::kind::local_token;
    p.label = "local-token";
    return p;
  }
  if (mode == "jwt" || mode == "smoo") {
    auto r = plan_jwt(c, mode);
    if (auto* ok = std::get_if<auth_plan>(&r)) return std::move(*ok);
    auto& bad = std::get<misconfigured>(r);
    if (!implicit) throw auth_config_error(bad.why);
    p.what = auth_plan::kind::disabled;
    p.label = "disabled";
    p.disabled_because = bad.why;
    return p;
  }
  throw auth_config_error("unknown AUTH_MODE '" + mode +
                          "' (expected jwt | smoo | trusted | none | local-token)");
}

}  // namespace

std::string validate_auth_config(const server_config& config) {
  return plan(config).label;
}

authenticator_ptr make_authenticator(const server_config& c, const auth_boot_deps& deps) {
  auto p = plan(c);
  auto clock = deps.clock ? deps.clock : std::make_shared<protocol::system_clock>();
  authenticator_ptr out;
  switch (p.what) {
    case auth_plan::kind::dev:
      out = make_dev_authenticator(c.auth_dev_org_id);
      break;
    case auth_plan::kind::trusted:
      spdlog::warn(
          "auth: AUTH_MODE=trusted: identity is TRUSTED WITHOUT VERIFICATION (forwarded claims); "
          "only safe when the server is reachable solely through an authenticating proxy");
      out = make_trusted_authenticator();
      break;
    case auth_plan::kind::local_token:
      out = make_local_token_authenticator(*c.auth_local_token);
      break;
    case auth_plan::kind::disabled:
      spdlog::warn("auth: admin API disabled ({}); every token is invalid, /ws is anonymous",
                   p.disabled_because);
      out = make_disabled_authenticator();
      break;
    case auth_plan::kind::static_jwt:
      out = make_static_jwt_authenticator(p.label, std::move(*p.key), std::move(p.rules), clock);
      break;
    case auth_plan::kind::jwks: {
      if (!deps.jwks_fetcher_for)
        throw auth_config_error("a JWKS verifier needs an HTTP client (none was provided)");
      jwks_options o;
      o.rules = std::move(p.rules);
      out = make_jwks_authenticator(deps.jwks_fetcher_for(p.jwks_url), std::move(o), clock);
      break;
    }
  }
  spdlog::info("auth: verifier {}", out->label());
  return out;
}

}  // namespace so::adapters::auth
