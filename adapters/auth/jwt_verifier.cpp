// adapters/auth/jwt_verifier.cpp — see jwt_verifier.hpp.
#include "adapters/auth/jwt_verifier.hpp"

#include "adapters/auth/base64url.hpp"
#include "adapters/auth/claims.hpp"
#include "adapters/auth/text.hpp"

#include <cmath>
#include <cstdint>
#include <limits>

namespace so::adapters::auth {

namespace {

auth_result invalid(std::string reason) {
  return {auth_outcome::invalid_token, std::nullopt, std::move(reason)};
}

/// A NumericDate (RFC 7519 §2): integer, or float rounded to the nearest second.
std::optional<std::int64_t> numeric_date(const rapidjson::Value& v) {
  if (v.IsInt64()) return v.GetInt64();
  if (v.IsUint64()) return std::numeric_limits<std::int64_t>::max();  // far future
  if (v.IsDouble()) {
    const double d = v.GetDouble();
    if (!std::isfinite(d)) return std::nullopt;
    if (d >= 9.2e18) return std::numeric_limits<std::int64_t>::max();
    if (d <= -9.2e18) return std::numeric_limits<std::int64_t>::min();
    return std::llround(d);
  }
  return std::nullopt;
}

enum class match { absent, ok, mismatch, wrong_type };

/// `iss`/`aud`: a string equal to `want`, or an array of strings containing it.
match claim_matches(const rapidjson::Value& claims, const char* name, const std::string& want) {
  const auto it = claims.FindMember(name);
  if (it == claims.MemberEnd() || it->value.IsNull()) return match::absent;
  const auto& v = it->value;
  if (v.IsString())
    return std::string_view(v.GetString(), v.GetStringLength()) == want ? match::ok
                                                                        : match::mismatch;
  if (!v.IsArray()) return match::wrong_type;
  bool found = false;
  for (const auto& e : v.GetArray()) {
    if (!e.IsString()) return match::wrong_type;
    if (std::string_view(e.GetString(), e.GetStringLength()) == want) found = true;
  }
  return found ? match::ok : match::mismatch;
}

}  // namespace

std::optional<compact_jws> parse_compact_jws(std::string_view token, std::string& reason) {
  if (token.size() > max_token_bytes) {
    reason = "InvalidToken: too long";
    return std::nullopt;
  }
  const auto d1 = token.find('.');
  const auto d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos) {
    reason = "InvalidToken: not a compact JWS";
    return std::nullopt;
  }
  const auto header = base64url_decode_unpadded(token.substr(0, d1));
  auto payload = base64url_decode_unpadded(token.substr(d1 + 1, d2 - d1 - 1));
  auto signature = base64url_decode_unpadded(token.substr(d2 + 1));
  if (!header || !payload || !signature || header->empty()) {
    reason = "InvalidToken: bad base64url";
    return std::nullopt;
  }
  rapidjson::Document h;
  h.Parse<rapidjson::kParseIterativeFlag>(header->data(), header->size());
  if (h.HasParseError() || !h.IsObject()) {
    reason = "InvalidToken: header is not a JSON object";
    return std::nullopt;
  }
  compact_jws out;
  out.signing_input = std::string(token.substr(0, d2));
  out.payload = std::move(*payload);
  out.signature = std::move(*signature);
  if (auto a = h.FindMember("alg"); a != h.MemberEnd() && a->value.IsString())
    out.alg.assign(a->value.GetString(), a->value.GetStringLength());
  if (auto k = h.FindMember("kid"); k != h.MemberEnd() && k->value.IsString())
    out.kid.emplace(k->value.GetString(), k->value.GetStringLength());
  return out;
}

auth_result verify_jws(const compact_jws& jws, const verification_key& key, const jwt_rules& rules,
                       protocol::time_point now) {
  // The key decides the algorithm; the header may only agree with it.
  if (jws.alg != jwt_alg_name(key.alg())) return invalid("InvalidAlgorithm");
  if (!key.verify_signature(jws.signing_input, jws.signature)) return invalid("InvalidSignature");

  rapidjson::Document c;
  c.Parse<rapidjson::kParseIterativeFlag>(jws.payload.data(), jws.payload.size());
  if (c.HasParseError() || !c.IsObject()) return invalid("InvalidToken: payload is not JSON");

  const auto now_s =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const auto leeway = static_cast<std::int64_t>(rules.leeway.count());

  const auto exp_it = c.FindMember("exp");
  if (exp_it == c.MemberEnd()) return invalid("MissingRequiredClaim: exp");
  const auto exp = numeric_date(exp_it->value);
  if (!exp) return invalid("InvalidClaimType: exp");
  const auto sub = c.FindMember("sub");
  if (sub == c.MemberEnd() || !sub->value.IsString()) return invalid("MissingRequiredClaim: sub");
  if (*exp < now_s - leeway) return invalid("ExpiredSignature");

  if (const auto nbf_it = c.FindMember("nbf"); nbf_it != c.MemberEnd()) {
    const auto nbf = numeric_date(nbf_it->value);
    if (!nbf) return invalid("InvalidClaimType: nbf");
    if (*nbf > now_s + leeway) return invalid("ImmatureSignature");
  }

  if (rules.issuer) {
    switch (claim_matches(c, "iss", *rules.issuer)) {
      case match::ok:
        break;
      case match::absent:
        return invalid("MissingRequiredClaim: iss");
      case match::mismatch:
      case match::wrong_type:
        return invalid("InvalidIssuer");
    }
  }
  if (rules.audience) {
    switch (claim_matches(c, "aud", *rules.audience)) {
      case match::ok:
        break;
      case match::absent:
        return invalid("MissingRequiredClaim: aud");
      case match::mismatch:
      case match::wrong_type:
        return invalid("InvalidAudience");
    }
  }
  return principal_from_claims(c);
}

auth_result verify_jwt(std::string_view token, const verification_key& key, const jwt_rules& rules,
                       protocol::time_point now) {
  token = trim_ascii(token);
  if (token.empty()) return {auth_outcome::unauthenticated, std::nullopt, "no token"};
  std::string reason;
  const auto jws = parse_compact_jws(token, reason);
  if (!jws) return invalid(std::move(reason));
  return verify_jws(*jws, key, rules, now);
}

}  // namespace so::adapters::auth
