// Tests for the pure auth pieces: base64url, bearer extraction, token redaction,
// claims → principal (admin-auth.md §1.5, §1.6, §1.8, §9) and trusted decoding.
#include "adapters/auth/base64url.hpp"
#include "adapters/auth/bearer.hpp"
#include "adapters/auth/claims.hpp"
#include "adapters/auth/redact.hpp"
#include "adapters/auth/trusted_authenticator.hpp"

#include <catch2/catch.hpp>

using namespace so::adapters::auth;

namespace {
std::optional<std::string> s(const char* v) {
  return std::string(v);
}
}  // namespace

TEST_CASE("auth base64url: unpadded and padded forms", "[auth]") {
  CHECK(base64url_decode_unpadded("") == s(""));
  CHECK(base64url_decode_unpadded("QQ") == s("A"));
  CHECK(base64url_decode_unpadded("QUI") == s("AB"));
  CHECK(base64url_decode_unpadded("QUJD") == s("ABC"));
  CHECK(base64url_decode_unpadded("-_8") == s("\xfb\xff"));
  CHECK_FALSE(base64url_decode_unpadded("QQ=="));   // padding is not unpadded
  CHECK_FALSE(base64url_decode_unpadded("+/8"));    // standard alphabet
  CHECK_FALSE(base64url_decode_unpadded("QU JD"));  // embedded whitespace
  CHECK_FALSE(base64url_decode_unpadded("Q"));      // 1 mod 4
  CHECK_FALSE(base64url_decode_unpadded("QR"));     // non-zero trailing bits

  CHECK(base64url_decode_padded("QQ==") == s("A"));
  CHECK(base64url_decode_padded("QUI=") == s("AB"));
  CHECK(base64url_decode_padded("QUJD") == s("ABC"));
  CHECK_FALSE(base64url_decode_padded("QQ"));   // missing padding
  CHECK_FALSE(base64url_decode_padded("QQ="));  // wrong length
  CHECK_FALSE(base64url_decode_padded("QUI=="));
  CHECK_FALSE(base64url_decode_padded("QUJD===="));
  CHECK_FALSE(base64url_decode_padded("Q==="));

  CHECK(base64url_decode_any("QQ") == s("A"));
  CHECK(base64url_decode_any("QQ==") == s("A"));
  CHECK_FALSE(base64url_decode_any("Q+=="));

  for (const std::string text : {"", "a", "ab", "abc", "abcd", "\xff\xfe\x00\x01"})
    CHECK(base64url_decode_unpadded(base64url_encode(text)) == text);
}

TEST_CASE("auth bearer extraction follows admin-auth.md §1.8", "[auth]") {
  CHECK(extract_bearer("Bearer abc") == s("abc"));
  CHECK(extract_bearer("bearer abc") == s("abc"));
  CHECK(extract_bearer("Bearer   abc  ") == s("abc"));  // remainder trimmed
  CHECK(extract_bearer("Bearer a b") == s("a b"));
  CHECK_FALSE(extract_bearer("BEARER abc"));  // other casings are absent
  CHECK_FALSE(extract_bearer("BeArEr abc"));
  CHECK_FALSE(extract_bearer("Basic abc"));
  CHECK_FALSE(extract_bearer("Bearer"));
  CHECK_FALSE(extract_bearer("Bearer "));
  CHECK_FALSE(extract_bearer("Bearer    "));
  CHECK_FALSE(extract_bearer("Bearerabc"));
  CHECK_FALSE(extract_bearer(" Bearer abc"));
  CHECK_FALSE(extract_bearer(""));
  CHECK_FALSE(extract_bearer("Bearer ab\xc3\xa9"));  // not visible ASCII
  CHECK_FALSE(extract_bearer(std::string_view("Bearer a\0b", 10)));
  CHECK_FALSE(extract_bearer("Bearer a\x7f"));
}

TEST_CASE("auth redact_token scrubs every token= query value", "[auth]") {
  CHECK(redact_token("/ws?token=abc.def.ghi") == "/ws?token=[redacted]");
  CHECK(redact_token("/ws?agent=a&token=secret&x=1") == "/ws?agent=a&token=[redacted]&x=1");
  CHECK(redact_token("/ws?TOKEN=s&token=t") == "/ws?TOKEN=[redacted]&token=[redacted]");
  CHECK(redact_token("ws://h:1/ws?token=s#frag") == "ws://h:1/ws?token=[redacted]#frag");
  CHECK(redact_token("/ws?token=") == "/ws?token=[redacted]");
  CHECK(redact_token("/ws?mytoken=keep&tokens=keep") == "/ws?mytoken=keep&tokens=keep");
  CHECK(redact_token("/ws") == "/ws");
  CHECK(redact_token("/ws?") == "/ws?");
  CHECK(redact_token("/health#token=x") == "/health#token=x");
  const auto out = redact_token("/ws?token=eyJhbGciOi.eyJzdWIi.c2ln&agent=x");
  CHECK(out.find("eyJ") == std::string::npos);
}

TEST_CASE("auth claims map to a principal (§1.6, §9 email)", "[auth]") {
  auto ok = principal_from_claims_json(
      R"({"sub":"u1","org":"acme","role":" Admin ","name":"Ann","groups":["g1","g2"],)"
      R"("email":"ann@acme.test","unknown":{"x":1}})");
  REQUIRE(ok.outcome == auth_outcome::authenticated);
  REQUIRE(ok.who);
  CHECK(ok.who->user_id == "u1");
  CHECK(ok.who->org_id == "acme");
  CHECK(ok.who->user_role == role::admin);
  CHECK(ok.who->display_name == s("Ann"));
  CHECK(ok.who->groups == std::vector<std::string>{"g1", "g2"});
  CHECK(ok.who->email == s("ann@acme.test"));

  SECTION("role mapping: user → basic, curator, case-insensitive") {
    CHECK(principal_from_claims_json(R"({"sub":"u","org":"o","role":"user"})").who->user_role ==
          role::basic);
    CHECK(principal_from_claims_json(R"({"sub":"u","org":"o","role":"BASIC"})").who->user_role ==
          role::basic);
    CHECK(principal_from_claims_json(R"({"sub":"u","org":"o","role":"curator"})").who->user_role ==
          role::curator);
  }
  SECTION("absent, null or unknown role → missing role, never defaulted") {
    for (const char* c :
         {R"({"sub":"u","org":"o"})", R"({"sub":"u","org":"o","role":null})",
          R"({"sub":"u","org":"o","role":"owner"})", R"({"sub":"u","org":"o","role":""})"}) {
      INFO(c);
      const auto r = principal_from_claims_json(c);
      CHECK(r.outcome == auth_outcome::missing_role);
      CHECK_FALSE(r.who);
    }
  }
  SECTION("org wins over org_id; org_id used when org is absent or null; empty accepted") {
    CHECK(principal_from_claims_json(R"({"sub":"u","role":"basic","org":"a","org_id":"b"})")
              .who->org_id == "a");
    CHECK(principal_from_claims_json(R"({"sub":"u","role":"basic","org_id":"b"})").who->org_id ==
          "b");
    CHECK(principal_from_claims_json(R"({"sub":"u","role":"basic","org":null,"org_id":"b"})")
              .who->org_id == "b");
    CHECK(principal_from_claims_json(R"({"sub":"u","role":"basic","org":""})").who->org_id == "");
  }
  SECTION("no org → invalid token; role is checked before org") {
    CHECK(principal_from_claims_json(R"({"sub":"u","role":"basic"})").outcome ==
          auth_outcome::invalid_token);
    CHECK(principal_from_claims_json(R"({"sub":"u"})").outcome == auth_outcome::missing_role);
  }
  SECTION("groups: absent → empty; null or wrong type → invalid") {
    CHECK(
        principal_from_claims_json(R"({"sub":"u","role":"basic","org":"o"})").who->groups.empty());
    for (const char* c : {R"({"sub":"u","role":"basic","org":"o","groups":null})",
                          R"({"sub":"u","role":"basic","org":"o","groups":"g"})",
                          R"({"sub":"u","role":"basic","org":"o","groups":["g",1]})"}) {
      INFO(c);
      CHECK(principal_from_claims_json(c).outcome == auth_outcome::invalid_token);
    }
  }
  SECTION("email: blank dropped, absent none") {
    CHECK_FALSE(principal_from_claims_json(R"({"sub":"u","role":"basic","org":"o","email":"  "})")
                    .who->email);
    CHECK_FALSE(principal_from_claims_json(R"({"sub":"u","role":"basic","org":"o","email":""})")
                    .who->email);
    CHECK_FALSE(principal_from_claims_json(R"({"sub":"u","role":"basic","org":"o"})").who->email);
    CHECK_FALSE(principal_from_claims_json(R"({"sub":"u","role":"basic","org":"o","name":null})")
                    .who->display_name);
  }
  SECTION("missing or non-string sub, wrong-typed claims, non-objects → invalid") {
    for (const char* c :
         {R"({"org":"o","role":"admin"})", R"({"sub":5,"org":"o","role":"admin"})",
          R"({"sub":"u","org":5,"role":"admin"})", R"({"sub":"u","org":"o","role":5})",
          R"({"sub":"u","org":"o","role":"admin","email":5})",
          R"({"sub":"u","org":"o","role":"admin","name":["x"]})", "[]", "\"x\"", "null", "{", ""}) {
      INFO(c);
      CHECK(principal_from_claims_json(c).outcome == auth_outcome::invalid_token);
    }
  }
}

TEST_CASE("auth trusted mode decodes forwarded claims without verification (§1.5)", "[auth]") {
  const std::string claims =
      R"({"sub":"u1","org":"acme","role":"basic","groups":["github:acme/secret"],"exp":1})";
  const auto unpadded = base64url_encode(claims);
  std::string padded = unpadded;
  while (padded.size() % 4) padded += '=';
  REQUIRE(padded != unpadded);  // the fixture exercises both forms

  for (const auto& blob : {unpadded, padded, "  " + unpadded + "  "}) {
    const auto r = decode_trusted_identity(blob);
    REQUIRE(r.outcome == auth_outcome::authenticated);
    CHECK(r.who->user_id == "u1");
    CHECK(r.who->org_id == "acme");
    CHECK(r.who->groups == std::vector<std::string>{"github:acme/secret"});  // past exp ignored
  }
  CHECK(decode_trusted_identity("").outcome == auth_outcome::unauthenticated);
  CHECK(decode_trusted_identity("   ").outcome == auth_outcome::unauthenticated);

  std::string standard = unpadded;  // standard alphabet fails
  for (auto& c : standard) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  if (standard != unpadded)
    CHECK(decode_trusted_identity(standard).outcome == auth_outcome::invalid_token);
  CHECK(decode_trusted_identity("ab+/").outcome == auth_outcome::invalid_token);
  CHECK(decode_trusted_identity(unpadded.substr(0, 10) + " " + unpadded.substr(10)).outcome ==
        auth_outcome::invalid_token);
  CHECK(decode_trusted_identity(base64url_encode("not json")).outcome ==
        auth_outcome::invalid_token);
  CHECK(decode_trusted_identity(base64url_encode(R"({"org":"o","role":"admin"})")).outcome ==
        auth_outcome::invalid_token);  // no sub
  CHECK(decode_trusted_identity(base64url_encode(R"({"sub":"u","org":"o"})")).outcome ==
        auth_outcome::missing_role);
  CHECK(decode_trusted_identity(base64url_encode(R"({"sub":"u","role":"admin"})")).outcome ==
        auth_outcome::invalid_token);  // no org

  auto a = make_trusted_authenticator();
  CHECK(a->label() == "trusted");
  CHECK_FALSE(a->single_user());
  std::optional<auth_result> got;
  a->authenticate(unpadded, [&](auth_result r) { got = std::move(r); });
  REQUIRE(got);  // answered inline
  CHECK(got->outcome == auth_outcome::authenticated);
}
