// tests/net/otp_webhook_test.cpp — the OTP webhook (net/otp_webhook.hpp) against a local
// HTTP server: the request bodies and header we document, every answer shape, and each
// failure turning into a short client-safe detail (no URL).
#include "net/otp_webhook.hpp"
#include "net/json_poster.hpp"
#include "tests/support/net/background_io.hpp"
#include "tests/support/net/http_test_server.hpp"

#include <rapidjson/document.h>
#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using so::adapters::auth::otp_contact;

namespace {

rapidjson::Document json(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  REQUIRE_FALSE(d.HasParseError());
  return d;
}

so::test::http_test_response answer(int status, std::string body,
                                    std::chrono::milliseconds delay = 0ms) {
  so::test::http_test_response r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = "application/json";
  r.delay = delay;
  return r;
}

struct webhook_fixture {
  explicit webhook_fixture(so::test::http_test_handler h,
                           std::chrono::milliseconds timeout = 3000ms, std::string token = "tok")
      : server(std::move(h)),
        otp(so::net::make_otp_webhook(so::net::make_json_poster(io.http(), {timeout, 64u * 1024u}),
                                      {server.url("/otp"), std::move(token)})) {}
  so::test::background_io io;
  so::test::http_test_server server;
  so::adapters::auth::otp_service_ptr otp;
};

}  // namespace

TEST_CASE("otp webhook: send posts the documented body and reads the delivery", "[otp]") {
  webhook_fixture fx([](const so::test::http_test_request&) {
    return answer(200, R"({"channel":"email","maskedDestination":"j***@example.com"})");
  });
  auto d = fx.otp->send_code("s-1", otp_contact{std::string("jane@example.com"), std::nullopt});
  CHECK(d.channel == "email");
  CHECK(d.masked_destination == "j***@example.com");
  auto reqs = fx.server.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].method == "POST");
  CHECK(reqs[0].target == "/otp");
  CHECK(reqs[0].header("Authorization") == std::optional<std::string>("Bearer tok"));
  CHECK(reqs[0].header("Content-Type") == std::optional<std::string>("application/json"));
  auto body = json(reqs[0].body);
  CHECK(std::string(body["op"].GetString()) == "send");
  CHECK(std::string(body["sessionId"].GetString()) == "s-1");
  CHECK(std::string(body["contact"]["email"].GetString()) == "jane@example.com");
  CHECK_FALSE(body["contact"].HasMember("phone"));
}

TEST_CASE("otp webhook: verify reads verified, invalid, and drops unknown error codes", "[otp]") {
  std::string next;
  webhook_fixture fx([&](const so::test::http_test_request&) { return answer(200, next); }, 3000ms,
                     "");
  next = R"({"verified":true})";
  CHECK(fx.otp->verify_code("s-1", "123456").verified);
  auto body = json(fx.server.requests().back().body);
  CHECK(std::string(body["op"].GetString()) == "verify");
  CHECK(std::string(body["code"].GetString()) == "123456");
  CHECK_FALSE(fx.server.requests().back().header("Authorization"));  // no token configured

  next = R"({"verified":false,"attemptsRemaining":2,"error":"INVALID_CODE","message":"Wrong."})";
  auto v = fx.otp->verify_code("s-1", "");
  CHECK_FALSE(v.verified);
  CHECK(v.attempts_remaining == 2);
  CHECK(v.error == std::optional<std::string>("INVALID_CODE"));
  CHECK(v.message == "Wrong.");

  next = R"({"verified":false,"error":"LOCKED_OUT"})";
  v = fx.otp->verify_code("s-1", "1");
  CHECK_FALSE(v.error);
  CHECK(v.attempts_remaining == 0);
  CHECK(v.message == "Verification failed.");
}

TEST_CASE("otp webhook: failures throw client-safe details", "[otp]") {
  int status = 500;
  std::string body = "{}";
  webhook_fixture fx([&](const so::test::http_test_request&) { return answer(status, body); });
  const otp_contact c{std::string("a@b.co"), std::nullopt};
  CHECK_THROWS_WITH(fx.otp->send_code("s", c), "the verification service answered HTTP 500");
  status = 200;
  body = "not json";
  CHECK_THROWS_WITH(fx.otp->send_code("s", c), "the verification service sent an invalid answer");
  body = R"({"channel":"pigeon","maskedDestination":"x"})";
  CHECK_THROWS_WITH(fx.otp->send_code("s", c), "the verification service sent an invalid answer");
  body = R"({"verified":"yes"})";
  CHECK_THROWS_WITH(fx.otp->verify_code("s", "1"),
                    "the verification service sent an invalid answer");
}

TEST_CASE("otp webhook: a webhook slower than the deadline fails the call", "[otp]") {
  webhook_fixture fx(
      [](const so::test::http_test_request&) {
        return answer(200, R"({"channel":"email","maskedDestination":"x"})", 3000ms);
      },
      200ms);
  const auto t0 = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(fx.otp->send_code("s", otp_contact{std::string("a@b.co"), std::nullopt}),
                    "the verification service did not answer");
  CHECK(std::chrono::steady_clock::now() - t0 < 2500ms);
}
