// tests/adapters/otp_tool_gate_test.cpp — the tool auth gate (later-protocol.md §5.1) as
// SMOOTH_AGENT_AUTH_TOOLS configures it, and its configuration errors.
#include "adapters/auth/otp_tool_gate.hpp"
#include "adapters/config/server_config.hpp"

#include <catch2/catch.hpp>

#include <map>

using namespace so::adapters::auth;

TEST_CASE("otp gate: end_user tools need verification, admin never runs, none runs", "[otp]") {
  otp_tool_gate g({"pay_invoice", "refund:end_user", "wipe:admin", "lookup:none"});
  CHECK_FALSE(g.empty());
  auto r = g.check("pay_invoice", false);
  REQUIRE(r);
  CHECK(r->needs_otp);
  CHECK(r->text ==
        "blocked by hook: I need to verify your identity before I can use pay_invoice. Please "
        "verify with a one-time code.");
  CHECK_FALSE(g.check("pay_invoice", true));
  CHECK(g.check("refund", false));
  auto admin = g.check("wipe", true);
  REQUIRE(admin);
  CHECK_FALSE(admin->needs_otp);
  CHECK(admin->text ==
        "blocked by hook: Tool 'wipe' requires admin authentication and is not available on "
        "public-facing agents.");
  CHECK_FALSE(g.check("lookup", false));
  CHECK_FALSE(g.check("not_listed", false));
  CHECK_FALSE(g.check("pay_invoic", false));  // exact names only
}

TEST_CASE("otp gate: an empty list is off, bad entries are refused", "[otp]") {
  CHECK(otp_tool_gate().empty());
  CHECK(otp_tool_gate(std::vector<std::string>{}).empty());
  CHECK_THROWS_AS(otp_tool_gate({"pay:root"}), std::invalid_argument);
  CHECK_THROWS_AS(otp_tool_gate({":admin"}), std::invalid_argument);
}

TEST_CASE("otp gate: the verified flag is metadata otpVerified = true", "[otp]") {
  CHECK(otp_verified({{"otpVerified", "true"}}));
  CHECK_FALSE(otp_verified({{"otpVerified", "false"}}));
  CHECK_FALSE(otp_verified({{"otpVerified", "\"true\""}}));
  CHECK_FALSE(otp_verified({}));
}

TEST_CASE("otp config: SMOOTH_AGENT_AUTH_TOOLS, OTP_URL, OTP_TIMEOUT_MS", "[otp][config]") {
  using so::adapters::load_config;
  std::map<std::string, std::string> env{{"SMOOTH_AGENT_AUTH_TOOLS", " pay_invoice , ,wipe:admin "},
                                         {"SMOOTH_AGENT_OTP_URL", "http://127.0.0.1:9/otp"},
                                         {"SMOOTH_AGENT_OTP_TOKEN", "s3cret"},
                                         {"SMOOTH_AGENT_OTP_TIMEOUT_MS", "250"}};
  auto lookup = [&](const char* name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  auto c = load_config(lookup);
  CHECK(c.auth_tools == std::vector<std::string>{"pay_invoice", "wipe:admin"});
  CHECK(c.otp_url == "http://127.0.0.1:9/otp");
  CHECK(c.otp_token == "s3cret");
  CHECK(c.otp_timeout == std::chrono::milliseconds(250));

  env["SMOOTH_AGENT_AUTH_TOOLS"] = "pay:superuser";
  CHECK_THROWS_WITH(load_config(lookup), Catch::Contains("SMOOTH_AGENT_AUTH_TOOLS"));
  env["SMOOTH_AGENT_AUTH_TOOLS"] = "pay";
  env["SMOOTH_AGENT_OTP_URL"] = "ftp://x";
  CHECK_THROWS_WITH(load_config(lookup), Catch::Contains("SMOOTH_AGENT_OTP_URL"));
  env["SMOOTH_AGENT_OTP_URL"] = "https://otp.example.com/hook";
  env["SMOOTH_AGENT_OTP_TIMEOUT_MS"] = "0";
  CHECK_THROWS_WITH(load_config(lookup), Catch::Contains("SMOOTH_AGENT_OTP_TIMEOUT_MS"));
}
