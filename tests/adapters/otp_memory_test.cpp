// tests/adapters/otp_memory_test.cpp — the in-process otp_service (adapters/auth/otp_memory.hpp):
// issue, attempt counting to the lockout, expiry, replay, masking, the bound.
#include "adapters/auth/otp_memory.hpp"

#include <catch2/catch.hpp>

using namespace so::adapters::auth;

namespace {

otp_memory_options fixed_code(std::string code = "123456") {
  otp_memory_options o;
  o.next_code = [code] { return code; };
  return o;
}

otp_contact email(std::string e) {
  return otp_contact{std::move(e), std::nullopt};
}

}  // namespace

TEST_CASE("otp_memory: no code issued answers NOT_FOUND with 0 attempts", "[otp]") {
  otp_memory m(fixed_code());
  auto v = m.verify_code("s1", "123456");
  CHECK_FALSE(v.verified);
  CHECK(v.attempts_remaining == 0);
  CHECK(v.error == std::optional<std::string>("NOT_FOUND"));
  CHECK(v.message == "No verification is in progress for this session.");
}

TEST_CASE("otp_memory: wrong codes count down to MAX_ATTEMPTS, then the code is gone", "[otp]") {
  otp_memory m(fixed_code());
  auto d = m.send_code("s1", email("jane@example.com"));
  CHECK(d.channel == "email");
  CHECK(d.masked_destination == "j***@example.com");
  CHECK(m.last_code("s1") == std::optional<std::string>("123456"));

  auto v1 = m.verify_code("s1", "000000");
  CHECK(v1.attempts_remaining == 2);
  CHECK(v1.error == std::optional<std::string>("INVALID_CODE"));
  auto v2 = m.verify_code("s1", "");
  CHECK(v2.attempts_remaining == 1);
  auto v3 = m.verify_code("s1", "12345");
  CHECK(v3.attempts_remaining == 0);
  CHECK(v3.error == std::optional<std::string>("MAX_ATTEMPTS"));
  // Locked: even the right code finds nothing until a new one is sent.
  CHECK(m.verify_code("s1", "123456").error == std::optional<std::string>("NOT_FOUND"));
  m.send_code("s1", email("jane@example.com"));
  CHECK(m.verify_code("s1", "123456").verified);
  CHECK(m.sends() == 2);
}

TEST_CASE("otp_memory: a right code verifies once (no replay)", "[otp]") {
  otp_memory m(fixed_code("424242"));
  m.send_code("s1", otp_contact{std::nullopt, std::string("+15551234567")});
  CHECK(m.verify_code("s1", "424242").verified);
  CHECK(m.verify_code("s1", "424242").error == std::optional<std::string>("NOT_FOUND"));
  // Sessions are independent.
  CHECK(m.verify_code("s2", "424242").error == std::optional<std::string>("NOT_FOUND"));
}

TEST_CASE("otp_memory: an expired code answers EXPIRED", "[otp]") {
  auto o = fixed_code();
  o.code_ttl = std::chrono::seconds(0);
  otp_memory m(o);
  m.send_code("s1", email("a@b.co"));
  auto v = m.verify_code("s1", "123456");
  CHECK(v.error == std::optional<std::string>("EXPIRED"));
  CHECK(v.attempts_remaining == 0);
}

TEST_CASE("otp_memory: sms delivery masks the phone, a failing send throws", "[otp]") {
  otp_memory m(fixed_code());
  auto d = m.send_code("s1", otp_contact{std::nullopt, std::string("+15551234567")});
  CHECK(d.channel == "sms");
  CHECK(d.masked_destination == "***4567");
  m.fail_sends(true);
  CHECK_THROWS_WITH(m.send_code("s1", email("a@b.co")), "delivery refused");
  CHECK_THROWS(m.send_code("s2", otp_contact{}));
  CHECK(mask_email("nobody") == "***");
  CHECK(mask_phone("123") == "***");
}

TEST_CASE("otp_memory: at the bound the oldest code is dropped", "[otp]") {
  auto o = fixed_code();
  o.max_sessions = 2;
  otp_memory m(o);
  m.send_code("s1", email("a@b.co"));
  m.send_code("s2", email("a@b.co"));
  m.send_code("s3", email("a@b.co"));
  CHECK_FALSE(m.last_code("s1"));
  CHECK(m.last_code("s2"));
  CHECK(m.last_code("s3"));
}

TEST_CASE("otp_memory: default codes are 6 random digits", "[otp]") {
  otp_memory m;
  m.send_code("s1", email("a@b.co"));
  auto code = m.last_code("s1");
  REQUIRE(code);
  CHECK(code->size() == 6);
  CHECK(code->find_first_not_of("0123456789") == std::string::npos);
}
