// Tests for authContext verification (adapters/auth/widget_auth_context.hpp,
// admin-auth.md §4.6).
#include "adapters/auth/widget_auth_context.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <string>

using so::adapters::auth::sign_auth_context;
using so::adapters::auth::verify_auth_context;

namespace {

const std::string key = "super-secret-public-key";
constexpr std::int64_t now = 1700000000;

std::string ctx(const std::string& user, const std::string& signature, const std::string& ts) {
  return R"({"userId":")" + user + R"(","signature":")" + signature + R"(","timestamp":)" + ts +
         "}";
}

std::string signed_ctx(const std::string& user, std::int64_t ts, const std::string& k = key) {
  return ctx(user, sign_auth_context(k, user, ts), std::to_string(ts));
}

}  // namespace

TEST_CASE("widget authContext: the sign-side example of admin-auth.md §4.6", "[widget]") {
  // HMAC-SHA256(key "super-secret-public-key", "user-123:1700000000"), computed
  // independently: printf 'user-123:1700000000' | openssl dgst -sha256 -hmac '<key>'.
  const std::string expected = "361a1b09b6874e691073fbc17118cfe6d33f274635de28355046f638976e98a4";
  CHECK(sign_auth_context(key, "user-123", 1700000000) == expected);
  CHECK(verify_auth_context(ctx("user-123", expected, "1700000000"), key, now));
}

TEST_CASE("widget authContext: valid now and 30 s ago, wrong key and tampered user fail",
          "[widget]") {
  CHECK(verify_auth_context(signed_ctx("u1", now), key, now));
  CHECK(verify_auth_context(signed_ctx("u1", now - 30), key, now));
  CHECK_FALSE(verify_auth_context(signed_ctx("u1", now, "other-key"), key, now));
  const auto sig = sign_auth_context(key, "u1", now);
  CHECK_FALSE(verify_auth_context(ctx("u2", sig, std::to_string(now)), key, now));
  // The signed message has a colon: "u1" + "7..." without it is another message.
  CHECK_FALSE(verify_auth_context(ctx("u1", sig, std::to_string(now + 1)), key, now));
}

TEST_CASE("widget authContext: the ±60 s window is symmetric and inclusive", "[widget]") {
  CHECK(verify_auth_context(signed_ctx("u", now - 60), key, now));
  CHECK(verify_auth_context(signed_ctx("u", now + 60), key, now));
  CHECK_FALSE(verify_auth_context(signed_ctx("u", now - 61), key, now));
  CHECK_FALSE(verify_auth_context(signed_ctx("u", now + 61), key, now));
  CHECK_FALSE(verify_auth_context(signed_ctx("u", now - 600), key, now));
}

TEST_CASE("widget authContext: extreme and negative timestamps never overflow", "[widget]") {
  CHECK_FALSE(verify_auth_context(signed_ctx("u", INT64_MIN), key, now));
  CHECK_FALSE(verify_auth_context(signed_ctx("u", INT64_MAX), key, now));
  CHECK(verify_auth_context(signed_ctx("u", -5), key, 0));  // "u:-5" is signed
  CHECK_FALSE(verify_auth_context(signed_ctx("u", INT64_MAX), key, INT64_MIN));
}

TEST_CASE("widget authContext: uppercase hex is accepted", "[widget]") {
  auto sig = sign_auth_context(key, "u", now);
  std::transform(sig.begin(), sig.end(), sig.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  CHECK(verify_auth_context(ctx("u", sig, std::to_string(now)), key, now));
}

TEST_CASE("widget authContext: wrong length or non-hex signatures fail", "[widget]") {
  const auto sig = sign_auth_context(key, "u", now);
  const auto ts = std::to_string(now);
  CHECK_FALSE(verify_auth_context(ctx("u", sig.substr(0, 62), ts), key, now));
  CHECK_FALSE(verify_auth_context(ctx("u", sig + "00", ts), key, now));
  CHECK_FALSE(verify_auth_context(ctx("u", "", ts), key, now));
  CHECK_FALSE(verify_auth_context(ctx("u", "zz" + sig.substr(2), ts), key, now));
  CHECK_FALSE(verify_auth_context(ctx("u", sig.substr(0, 63) + "g", ts), key, now));
}

TEST_CASE("widget authContext: a float or string timestamp fails", "[widget]") {
  const auto sig = sign_auth_context(key, "u", now);
  CHECK_FALSE(verify_auth_context(ctx("u", sig, std::to_string(now) + ".0"), key, now));
  CHECK_FALSE(verify_auth_context(ctx("u", sig, "1.7e9"), key, now));
  CHECK_FALSE(verify_auth_context(ctx("u", sig, "\"" + std::to_string(now) + "\""), key, now));
  CHECK_FALSE(verify_auth_context(ctx("u", sig, "9223372036854775808"), key, now));  // > i64
}

TEST_CASE("widget authContext: missing fields, wrong types, null and non-objects fail",
          "[widget]") {
  const auto sig = sign_auth_context(key, "u", now);
  const auto ts = std::to_string(now);
  CHECK_FALSE(
      verify_auth_context(R"({"signature":")" + sig + R"(","timestamp":)" + ts + "}", key, now));
  CHECK_FALSE(verify_auth_context(R"({"userId":"u","timestamp":)" + ts + "}", key, now));
  CHECK_FALSE(verify_auth_context(R"({"userId":"u","signature":")" + sig + R"("})", key, now));
  CHECK_FALSE(verify_auth_context(
      R"({"userId":5,"signature":")" + sig + R"(","timestamp":)" + ts + "}", key, now));
  CHECK_FALSE(verify_auth_context("null", key, now));
  CHECK_FALSE(verify_auth_context("[]", key, now));
  CHECK_FALSE(verify_auth_context("\"x\"", key, now));
  CHECK_FALSE(verify_auth_context("not json", key, now));
}

TEST_CASE("widget authContext: a policy without public_key rejects every authContext", "[widget]") {
  CHECK_FALSE(verify_auth_context(signed_ctx("u", now), std::nullopt, now));
}

TEST_CASE("widget authContext: keys of any length, the empty key included", "[widget]") {
  const std::string long_key(1000, 'k');
  CHECK(verify_auth_context(signed_ctx("u", now, long_key), long_key, now));
  CHECK(verify_auth_context(signed_ctx("u", now, ""), std::string(), now));
  CHECK_FALSE(verify_auth_context(signed_ctx("u", now, ""), std::string("x"), now));
}
