// tests/net/ws_upgrade_auth_test.cpp — the `/ws?token=` decision (net/ws_upgrade_auth.hpp):
// trimming, strict-mode refusals, the 401 body, and the warning for a rejected token,
// which names the verifier and never the token.
#include "net/ws_upgrade_auth.hpp"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <catch2/catch.hpp>

#include <rapidjson/document.h>

#include <memory>
#include <sstream>

namespace {

using so::net::trimmed_token;
using so::net::verify_ws_token;
using so::net::ws_auth_decision;
namespace auth = so::adapters::auth;

class fixed_authenticator final : public auth::authenticator {
 public:
  explicit fixed_authenticator(auth::auth_result r) : result_(std::move(r)) {}
  std::string label() const override { return "fixed-label"; }
  bool single_user() const override { return false; }
  void authenticate(std::string, std::function<void(auth::auth_result)> done) const override {
    done(result_);
  }

 private:
  auth::auth_result result_;
};

/// Captures log lines while alive (replaces the default logger).
struct log_capture {
  log_capture() : previous(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  }
  ~log_capture() { spdlog::set_default_logger(previous); }
  std::ostringstream out;
  std::shared_ptr<spdlog::logger> previous;
};

ws_auth_decision decide(const auth::authenticator_ptr& a, std::optional<std::string> token,
                        bool required) {
  std::optional<ws_auth_decision> out;
  verify_ws_token(a, token, required, "127.0.0.1:1", [&](ws_auth_decision d) { out = d; });
  REQUIRE(out);
  return *out;
}

}  // namespace

TEST_CASE("ws auth: the token is trimmed and a blank one is absent", "[net][auth]") {
  CHECK(trimmed_token(std::string(" \tabc \n")) == std::optional<std::string>("abc"));
  CHECK_FALSE(trimmed_token(std::string(" \t ")));
  CHECK_FALSE(trimmed_token(std::string()));
  CHECK_FALSE(trimmed_token(std::nullopt));
}

TEST_CASE("ws auth: decisions by outcome and mode", "[net][auth]") {
  auth::auth_result ok;
  ok.outcome = auth::auth_outcome::authenticated;
  ok.who = auth::principal{};
  ok.who->org_id = "acme";
  auto valid = std::make_shared<fixed_authenticator>(ok);
  auth::auth_result bad;
  bad.outcome = auth::auth_outcome::invalid_token;
  bad.reason = "ExpiredSignature";
  auto invalid = std::make_shared<fixed_authenticator>(bad);

  auto d = decide(valid, "t", true);
  CHECK_FALSE(d.refused);
  REQUIRE(d.principal);
  CHECK(d.principal->org_id == "acme");
  CHECK_FALSE(d.single_user);

  d = decide(invalid, "t", false);
  CHECK_FALSE(d.refused);
  CHECK_FALSE(d.principal);

  d = decide(invalid, "t", true);
  CHECK(d.refused);
  CHECK(d.code == "INVALID_TOKEN");

  d = decide(valid, std::nullopt, true);
  CHECK(d.refused);
  CHECK(d.code == "UNAUTHENTICATED");
  d = decide(valid, std::string("  "), false);
  CHECK_FALSE(d.refused);
  CHECK_FALSE(d.principal);

  // No authenticator: every token invalid, and the connection counts as single-user.
  d = decide(nullptr, "t", false);
  CHECK_FALSE(d.principal);
  CHECK(d.single_user);
  CHECK(decide(nullptr, "t", true).code == "INVALID_TOKEN");
}

TEST_CASE("ws auth: a rejected token is logged with the verifier label, never the token",
          "[net][auth]") {
  auth::auth_result bad;
  bad.outcome = auth::auth_outcome::invalid_token;
  bad.reason = "InvalidSignature";
  auto invalid = std::make_shared<fixed_authenticator>(bad);
  log_capture capture;
  decide(invalid, "eyJ-super-secret-token", false);
  spdlog::default_logger()->flush();
  const auto logged = capture.out.str();
  INFO(logged);
  CHECK(logged.find("fixed-label") != std::string::npos);
  CHECK(logged.find("invalid token") != std::string::npos);
  CHECK(logged.find("eyJ-super-secret-token") == std::string::npos);
}

TEST_CASE("ws auth: the 401 body is the admin error envelope", "[net][auth]") {
  const auto body = so::net::unauthorized_body("INVALID_TOKEN", "invalid \"token\"\n", 1234);
  rapidjson::Document d;
  d.Parse(body.c_str());
  REQUIRE_FALSE(d.HasParseError());
  CHECK(std::string(d["type"].GetString()) == "error");
  CHECK(std::string(d["error"]["code"].GetString()) == "INVALID_TOKEN");
  CHECK(std::string(d["error"]["message"].GetString()) == "invalid \"token\"\n");
  CHECK(std::string(d["data"]["error"]["code"].GetString()) == "INVALID_TOKEN");
  CHECK(d["timestamp"].GetInt64() == 1234);
  CHECK_FALSE(d.HasMember("requestId"));
}
