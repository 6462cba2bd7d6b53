// Tests for JWT verification (admin-auth.md §1.4 + decisions.md's stricter rules,
// RFC 8725) and the single-user authenticators.
#include "adapters/auth/fixed_principal_authenticators.hpp"
#include "adapters/auth/jwt_verifier.hpp"
#include "adapters/auth/static_jwt_authenticator.hpp"
#include "tests/adapters/auth_test_keys.hpp"

#include <catch2/catch.hpp>

using namespace so::adapters::auth;
using namespace so::test::auth;

namespace {

const std::string kSecret = "test-only-hs256-secret";

verification_key hs() {
  return verification_key::hs256(kSecret);
}
verification_key rs() {
  auto k = verification_key::rs256_from_pem(spki_pem(rsa_a()));
  REQUIRE(k);
  return *k;
}

auth_result check(const std::string& token, const verification_key& key, jwt_rules rules = {},
                  std::chrono::seconds skew = std::chrono::seconds(0)) {
  return verify_jwt(token, key, rules, test_time() + skew);
}

void require_invalid(const auth_result& r, const std::string& reason_prefix) {
  INFO(r.reason);
  CHECK(r.outcome == auth_outcome::invalid_token);
  CHECK_FALSE(r.who);
  CHECK(r.reason.rfind(reason_prefix, 0) == 0);
}

}  // namespace

TEST_CASE("auth jwt: valid HS256 and RS256 tokens map to the principal", "[auth][jwt]") {
  auto r =
      check(hs256_token(kSecret, claims(R"("role":"curator","org":"acme","groups":["g"])")), hs());
  REQUIRE(r.outcome == auth_outcome::authenticated);
  CHECK(r.who->user_id == "u1");
  CHECK(r.who->org_id == "acme");
  CHECK(r.who->user_role == role::curator);

  auto r2 = check(rs256_token(rsa_a(), claims()), rs());
  REQUIRE(r2.outcome == auth_outcome::authenticated);
  CHECK(r2.who->user_role == role::admin);

  // PKCS#1 "RSA PUBLIC KEY" PEM verifies the same token.
  auto pkcs1 = verification_key::rs256_from_pem(pkcs1_pem(rsa_a()));
  REQUIRE(pkcs1);
  CHECK(pkcs1_pem(rsa_a()).find("BEGIN RSA PUBLIC KEY") != std::string::npos);
  CHECK(check(rs256_token(rsa_a(), claims()), *pkcs1).outcome == auth_outcome::authenticated);
}

TEST_CASE("auth jwt: key loading rejects what is not an RSA public key", "[auth][jwt]") {
  CHECK_FALSE(verification_key::rs256_from_pem(""));
  CHECK_FALSE(verification_key::rs256_from_pem(
      "-----BEGIN PUBLIC KEY-----\nAAA\n-----END PUBLIC KEY-----"));
  CHECK_FALSE(verification_key::rs256_from_pem(spki_pem(ec_a())));  // an EC key is not RS256
  auto pem = spki_pem(rsa_a());
  std::string escaped;  // literal "\n" escapes are not expanded (§1.2)
  for (char c : pem) escaped += c == '\n' ? std::string("\\n") : std::string(1, c);
  CHECK_FALSE(verification_key::rs256_from_pem(escaped));
}

TEST_CASE("auth jwt: RFC 8725 algorithm attacks are rejected", "[auth][jwt]") {
  SECTION("alg none, with or without a signature") {
    const auto in = signing_input(R"({"alg":"none","typ":"JWT"})", claims());
    require_invalid(check(in + ".", hs()), "InvalidAlgorithm");
    require_invalid(check(in + ".", rs()), "InvalidAlgorithm");
    require_invalid(check(in + "." + b64(hmac256(kSecret, in)), hs()), "InvalidAlgorithm");
    const auto none_upper = signing_input(R"({"alg":"NONE"})", claims());
    require_invalid(check(none_upper + ".", hs()), "InvalidAlgorithm");
  }
  SECTION("HS384/HS512 header with an HS256 key") {
    const auto in = signing_input(R"({"alg":"HS384"})", claims());
    require_invalid(check(in + "." + b64(hmac256(kSecret, in)), hs()), "InvalidAlgorithm");
    const auto in512 = signing_input(R"({"alg":"HS512"})", claims());
    require_invalid(check(in512 + "." + b64(hmac256(kSecret, in512)), hs()), "InvalidAlgorithm");
  }
  SECTION("HS256 token signed with the RS256 public key's PEM text (alg confusion)") {
    const auto pem = spki_pem(rsa_a());
    const auto forged = hs256_token(pem, claims());
    require_invalid(check(forged, rs()), "InvalidAlgorithm");
    // Also with the trimmed PEM (what the env reader keeps).
    require_invalid(check(hs256_token(pem.substr(0, pem.size() - 1), claims()), rs()),
                    "InvalidAlgorithm");
  }
  SECTION("RS256 token against an HS256 key, ES256/PS256/RS384 headers") {
    require_invalid(check(rs256_token(rsa_a(), claims()), hs()), "InvalidAlgorithm");
    require_invalid(check(rs256_token(rsa_a(), claims(), R"({"alg":"PS256"})"), rs()),
                    "InvalidAlgorithm");
    require_invalid(check(rs256_token(rsa_a(), claims(), R"({"alg":"RS384"})"), rs()),
                    "InvalidAlgorithm");
    require_invalid(check(es256_token(ec_a(), claims(), R"({"alg":"ES256"})"), rs()),
                    "InvalidAlgorithm");
    require_invalid(check(hs256_token(kSecret, claims(), R"({"typ":"JWT"})"), hs()),
                    "InvalidAlgorithm");  // no alg at all
    require_invalid(check(hs256_token(kSecret, claims(), R"({"alg":"hs256"})"), hs()),
                    "InvalidAlgorithm");  // exact match only
  }
}

TEST_CASE("auth jwt: wrong key and tampered tokens fail the signature", "[auth][jwt]") {
  require_invalid(check(hs256_token("another-secret", claims()), hs()), "InvalidSignature");
  require_invalid(check(rs256_token(rsa_b(), claims()), rs()), "InvalidSignature");
  // Payload swapped after signing: role escalated.
  auto t = hs256_token(kSecret, claims(R"("role":"basic","org":"acme")"));
  const auto d1 = t.find('.'), d2 = t.rfind('.');
  auto tampered = t.substr(0, d1 + 1) + b64(claims()) + t.substr(d2);
  require_invalid(check(tampered, hs()), "InvalidSignature");
  // Truncated signature.
  require_invalid(check(t.substr(0, t.size() - 2), hs()), "");
}

TEST_CASE("auth jwt: exp with 60 s leeway, floats rounded, required and numeric", "[auth][jwt]") {
  using std::chrono::seconds;
  // exp = now - 60 is still accepted; now - 61 is expired.
  CHECK(check(hs256_token(kSecret, claims(R"("role":"admin","org":"o")", test_now - 60)), hs())
            .outcome == auth_outcome::authenticated);
  require_invalid(
      check(hs256_token(kSecret, claims(R"("role":"admin","org":"o")", test_now - 61)), hs()),
      "ExpiredSignature");
  // Float exp: rounded to the nearest second.
  const auto f_ok =
      R"({"sub":"u","role":"admin","org":"o","exp":)" + std::to_string(test_now - 61) + ".6}";
  CHECK(check(hs256_token(kSecret, f_ok), hs()).outcome == auth_outcome::authenticated);
  const auto f_bad =
      R"({"sub":"u","role":"admin","org":"o","exp":)" + std::to_string(test_now - 61) + ".4}";
  require_invalid(check(hs256_token(kSecret, f_bad), hs()), "ExpiredSignature");
  require_invalid(check(hs256_token(kSecret, R"({"sub":"u","role":"admin","org":"o"})"), hs()),
                  "MissingRequiredClaim: exp");
  require_invalid(
      check(hs256_token(kSecret, R"({"sub":"u","role":"admin","org":"o","exp":"9999999999"})"),
            hs()),
      "InvalidClaimType: exp");
  require_invalid(
      check(hs256_token(kSecret, R"({"sub":"u","role":"admin","org":"o","exp":null})"), hs()),
      "InvalidClaimType: exp");
  require_invalid(check(hs256_token(kSecret, R"({"role":"admin","org":"o","exp":)" +
                                                 std::to_string(test_now + 10) + "}"),
                        hs()),
                  "MissingRequiredClaim: sub");
  require_invalid(check(hs256_token(kSecret, R"({"sub":7,"role":"admin","org":"o","exp":)" +
                                                 std::to_string(test_now + 10) + "}"),
                        hs()),
                  "MissingRequiredClaim: sub");
}

TEST_CASE("auth jwt: nbf in the future is rejected beyond the 60 s leeway (ours)", "[auth][jwt]") {
  auto with_nbf = [](const std::string& nbf) {
    return hs256_token(kSecret, claims(R"("role":"admin","org":"o","nbf":)" + nbf));
  };
  CHECK(check(with_nbf(std::to_string(test_now + 60)), hs()).outcome ==
        auth_outcome::authenticated);
  CHECK(check(with_nbf(std::to_string(test_now - 1000)), hs()).outcome ==
        auth_outcome::authenticated);
  require_invalid(check(with_nbf(std::to_string(test_now + 61)), hs()), "ImmatureSignature");
  require_invalid(check(with_nbf(std::to_string(test_now + 86400)), hs()), "ImmatureSignature");
  require_invalid(check(with_nbf("\"soon\""), hs()), "InvalidClaimType: nbf");
}

TEST_CASE("auth jwt: configured issuer and audience must be present and match (ours)",
          "[auth][jwt]") {
  jwt_rules rules;
  rules.issuer = "https://issuer.test";
  rules.audience = "api";
  auto tok = [](const std::string& extra) {
    return hs256_token(kSecret, claims(R"("role":"admin","org":"o")" + extra));
  };
  CHECK(check(tok(R"(,"iss":"https://issuer.test","aud":"api")"), hs(), rules).outcome ==
        auth_outcome::authenticated);
  CHECK(check(tok(R"(,"iss":["x","https://issuer.test"],"aud":["web","api"])"), hs(), rules)
            .outcome == auth_outcome::authenticated);
  require_invalid(check(tok(R"(,"aud":"api")"), hs(), rules), "MissingRequiredClaim: iss");
  require_invalid(check(tok(R"(,"iss":"https://issuer.test")"), hs(), rules),
                  "MissingRequiredClaim: aud");
  require_invalid(check(tok(R"(,"iss":"https://evil.test","aud":"api")"), hs(), rules),
                  "InvalidIssuer");
  require_invalid(check(tok(R"(,"iss":"https://issuer.test/","aud":"api")"), hs(), rules),
                  "InvalidIssuer");  // no trailing-slash normalization
  require_invalid(check(tok(R"(,"iss":"HTTPS://ISSUER.TEST","aud":"api")"), hs(), rules),
                  "InvalidIssuer");
  require_invalid(check(tok(R"(,"iss":"https://issuer.test","aud":"other")"), hs(), rules),
                  "InvalidAudience");
  require_invalid(check(tok(R"(,"iss":"https://issuer.test","aud":[])"), hs(), rules),
                  "InvalidAudience");
  require_invalid(check(tok(R"(,"iss":5,"aud":"api")"), hs(), rules), "InvalidIssuer");
  // Nothing configured: iss/aud are not examined.
  CHECK(check(tok(R"(,"iss":5,"aud":{"x":1})"), hs()).outcome == auth_outcome::authenticated);
}

TEST_CASE("auth jwt: malformed compact forms and payloads are invalid, never a crash",
          "[auth][jwt]") {
  const auto good = hs256_token(kSecret, claims());
  const auto in = signing_input(R"({"alg":"HS256"})", "not json");
  const auto arr = signing_input(R"({"alg":"HS256"})", "[1,2]");
  const auto hdr_arr = signing_input("[]", claims());
  for (const std::string& t :
       {std::string("abc"), std::string("a.b"), std::string("a.b.c.d"), std::string(".."),
        std::string("..."), good + ".", "." + good, good.substr(0, good.find('.')) + "..",
        std::string("e30.e30.") + "!!", good + "=", std::string("a b.c.d"),
        in + "." + b64(hmac256(kSecret, in)), arr + "." + b64(hmac256(kSecret, arr)),
        hdr_arr + "." + b64(hmac256(kSecret, hdr_arr)), std::string(20000, 'a'),
        std::string(1, '\0') + good}) {
    INFO(t.substr(0, 60));
    const auto r = check(t, hs());
    CHECK(r.outcome == auth_outcome::invalid_token);
    CHECK(r.reason.find(t.substr(0, std::min<std::size_t>(t.size(), 20))) == std::string::npos);
  }
  CHECK(check("", hs()).outcome == auth_outcome::unauthenticated);
  CHECK(check("   ", hs()).outcome == auth_outcome::unauthenticated);
}

TEST_CASE("auth jwt: claims mapping applies after verification", "[auth][jwt]") {
  CHECK(check(hs256_token(kSecret, claims(R"("org":"o")")), hs()).outcome ==
        auth_outcome::missing_role);
  CHECK(check(hs256_token(kSecret, claims(R"("role":"admin")")), hs()).outcome ==
        auth_outcome::invalid_token);
  CHECK(check(hs256_token(kSecret, claims(R"("role":"admin","org":"o","groups":null)")), hs())
            .outcome == auth_outcome::invalid_token);
  auto r =
      check(hs256_token(kSecret, claims(R"("role":"user","org_id":"o2","email":"a@b.c")")), hs());
  REQUIRE(r.outcome == auth_outcome::authenticated);
  CHECK(r.who->org_id == "o2");
  CHECK(r.who->email == std::optional<std::string>("a@b.c"));
}

TEST_CASE("auth static jwt authenticator answers inline with its label", "[auth][jwt]") {
  auto clock = std::make_shared<so::protocol::manual_clock>(test_time());
  auto a = make_static_jwt_authenticator("smoo", hs(), {}, clock);
  CHECK(a->label() == "smoo");
  CHECK_FALSE(a->single_user());
  std::optional<auth_result> got;
  const auto token = hs256_token(kSecret, claims(R"("role":"admin","org":"o")", test_now + 100));
  a->authenticate(token, [&](auth_result r) { got = std::move(r); });
  REQUIRE(got);
  CHECK(got->outcome == auth_outcome::authenticated);
  clock->advance(std::chrono::seconds(161));  // exp + 60 passed
  got.reset();
  a->authenticate(token, [&](auth_result r) { got = std::move(r); });
  REQUIRE(got);
  CHECK(got->reason == "ExpiredSignature");
}

TEST_CASE("auth single-user authenticators: none, local-token, disabled", "[auth]") {
  auto run = [](const authenticator_ptr& a, const std::string& cred) {
    std::optional<auth_result> got;
    a->authenticate(cred, [&](auth_result r) { got = std::move(r); });
    REQUIRE(got);
    return *got;
  };
  SECTION("none: any non-blank credential is the dev Admin") {
    auto a = make_dev_authenticator("my-dev-org");
    CHECK(a->label() == "none");
    CHECK(a->single_user());
    auto r = run(a, "dev");
    REQUIRE(r.outcome == auth_outcome::authenticated);
    CHECK(r.who->user_id == "dev-admin");
    CHECK(r.who->org_id == "my-dev-org");
    CHECK(r.who->user_role == role::admin);
    CHECK(r.who->display_name == std::optional<std::string>("Dev Admin (AUTH_MODE=none)"));
    CHECK(r.who->groups.empty());
    CHECK(run(a, "anything.at.all").outcome == auth_outcome::authenticated);
    CHECK(run(a, "").outcome == auth_outcome::unauthenticated);
    CHECK(run(a, "  ").outcome == auth_outcome::unauthenticated);
  }
  SECTION("local-token: the exact secret → Admin local/local") {
    auto a = make_local_token_authenticator("s3cret-local");
    CHECK(a->label() == "local-token");
    CHECK(a->single_user());
    auto r = run(a, "s3cret-local");
    REQUIRE(r.outcome == auth_outcome::authenticated);
    CHECK(r.who->user_id == "local");
    CHECK(r.who->org_id == "local");
    CHECK(r.who->user_role == role::admin);
    for (const char* bad : {"s3cret-loca", "s3cret-local2", "S3CRET-LOCAL", "x"}) {
      auto b = run(a, bad);
      CHECK(b.outcome == auth_outcome::invalid_token);
      CHECK(b.reason.find(bad) == std::string::npos);
      CHECK(b.reason.find("s3cret") == std::string::npos);
    }
    CHECK(run(a, "").outcome == auth_outcome::unauthenticated);
  }
  SECTION("disabled: every credential invalid with the §1.6 message") {
    auto a = make_disabled_authenticator();
    CHECK(a->label() == "disabled");
    CHECK(a->single_user());
    auto r = run(a, "whatever");
    CHECK(r.outcome == auth_outcome::invalid_token);
    CHECK(r.reason ==
          "admin API disabled: set AUTH_MODE=jwt|smoo + a key, or AUTH_MODE=none for dev");
    CHECK(run(a, "").outcome == auth_outcome::unauthenticated);
  }
}
