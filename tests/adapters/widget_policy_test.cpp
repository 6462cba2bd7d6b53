// Tests for embed policies: the JSON shape (adapters/auth/widget_policy.hpp, admin-auth.md
// §4.1), the permissive and static providers and the policies file (§4.2), the provider
// choice at boot (widget_providers.hpp), and the decision sequence (widget_enforcement.hpp,
// §4.4 / protocol.md §3.2.2).
#include "adapters/auth/widget_policy.hpp"
#include "adapters/auth/session_org.hpp"
#include "adapters/auth/widget_auth_context.hpp"
#include "adapters/auth/widget_enforcement.hpp"
#include "adapters/auth/widget_providers.hpp"
#include "adapters/auth/widget_static_provider.hpp"
#include "protocol/error_codes.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>
#include <algorithm>
#include <cstdio>
#include <fstream>

using namespace so::adapters::auth;
namespace codes = so::protocol::codes;

namespace {

widget_policy parsed(std::string_view json) {
  auto r = parse_widget_policy(json);
  INFO(json);
  REQUIRE(std::holds_alternative<widget_policy>(r));
  return std::get<widget_policy>(r);
}

bool malformed(std::string_view json) {
  return std::holds_alternative<std::string>(parse_widget_policy(json));
}

widget_lookup lookup_now(const widget_policy_provider& p, const std::string& agent) {
  std::optional<widget_lookup> out;
  p.lookup(agent, [&](widget_lookup l) { out = std::move(l); });
  REQUIRE(out.has_value());  // answers inline
  return *out;
}

/// A temporary file removed at scope exit.
struct temp_file {
  std::string path;
  explicit temp_file(const std::string& content) {
    char name[] = "/tmp/widget-policies-XXXXXX";
    const int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    ::close(fd);
    path = name;
    std::ofstream(path, std::ios::binary) << content;
  }
  ~temp_file() { std::remove(path.c_str()); }
};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  FAIL("no exception");
  return {};
}

}  // namespace

// ---- policy JSON ----------------------------------------------------------------------

TEST_CASE("widget policy: all fields parse, unknown fields are ignored", "[widget]") {
  auto p = parsed(R"({"allowed_origins":["https://a.example","*"],"public_key":"k",)"
                  R"("organization_id":"org-1","extra":{"x":[1,2]},"enabled":true})");
  CHECK(p.allowed_origins == std::vector<std::string>{"https://a.example", "*"});
  CHECK(p.public_key == std::optional<std::string>("k"));
  CHECK(p.organization_id == std::optional<std::string>("org-1"));
}

TEST_CASE("widget policy: missing or null fields take their defaults, {} denies all", "[widget]") {
  auto p = parsed("{}");
  CHECK(p.allowed_origins.empty());
  CHECK_FALSE(p.public_key);
  CHECK_FALSE(p.organization_id);
  auto q = parsed(R"({"allowed_origins":null,"public_key":null,"organization_id":null})");
  CHECK(q == p);
  widget_request r;
  r.origin = "https://a.example";
  auto d = decide_widget_access(p, false, r, 0);
  CHECK_FALSE(d.allowed);
  CHECK(d.code == codes::origin_not_allowed);
}

TEST_CASE("widget policy: wrong types and non-objects are malformed", "[widget]") {
  CHECK(malformed(R"({"allowed_origins":"https://a.example"})"));
  CHECK(malformed(R"({"allowed_origins":["https://a.example",5]})"));
  CHECK(malformed(R"({"public_key":42})"));
  CHECK(malformed(R"({"organization_id":{"id":"x"}})"));
  CHECK(malformed("[]"));
  CHECK(malformed("null"));
  CHECK(malformed("\"policy\""));
  CHECK(malformed("{"));
  CHECK(malformed("{\"public_key\":\"\xff\"}"));  // not UTF-8
}

// ---- providers --------------------------------------------------------------------------

TEST_CASE("widget providers: permissive has no policy for any agent", "[widget]") {
  auto p = make_permissive_widget_provider();
  CHECK(p->lookup_now("agent-1") == std::optional<widget_lookup>(widget_lookup{}));
  CHECK_FALSE(lookup_now(*p, "agent-1"));
  CHECK_FALSE(lookup_now(*p, ""));
}

TEST_CASE("widget providers: static resolves a known agent, an unknown one has none", "[widget]") {
  auto p = make_static_widget_provider(parse_widget_policies(
      R"({"agent-embed":{"allowed_origins":["https://good.example.com"],"public_key":"k"}})"));
  auto got = lookup_now(*p, "agent-embed");
  REQUIRE(got);
  CHECK(got->allowed_origins == std::vector<std::string>{"https://good.example.com"});
  CHECK(got->public_key == std::optional<std::string>("k"));
  CHECK_FALSE(lookup_now(*p, "agent-other"));
}

TEST_CASE("widget providers: a policies file with unknown fields loads", "[widget]") {
  temp_file f(R"({"a1":{"allowed_origins":["*"],"organization_id":"org-a","note":"x"},"a2":{}})");
  auto m = load_widget_policies_file(f.path);
  REQUIRE(m.size() == 2);
  CHECK(m.at("a1").organization_id == std::optional<std::string>("org-a"));
  CHECK(m.at("a2").allowed_origins.empty());
}

TEST_CASE("widget providers: a bad policies file names the variable", "[widget]") {
  const std::string var = widget_policies_file_var;
  SECTION("not JSON") {
    temp_file f("{not json");
    auto e = error_of([&] { load_widget_policies_file(f.path); });
    CHECK(e.rfind(var + ": '" + f.path + "': invalid JSON", 0) == 0);
  }
  SECTION("not an object") {
    temp_file f(R"([{"allowed_origins":["*"]}])");
    auto e = error_of([&] { load_widget_policies_file(f.path); });
    CHECK(e.rfind(var + ": ", 0) == 0);
    CHECK(e.find("expected a JSON object") != std::string::npos);
  }
  SECTION("a malformed policy names its agent") {
    temp_file f(R"({"good":{},"bad-agent":{"allowed_origins":"*"}})");
    auto e = error_of([&] { load_widget_policies_file(f.path); });
    CHECK(e.rfind(var + ": ", 0) == 0);
    CHECK(e.find("agent 'bad-agent'") != std::string::npos);
    CHECK(e.find("allowed_origins") != std::string::npos);
  }
  SECTION("a missing file") {
    auto e = error_of([&] { load_widget_policies_file("/nonexistent/widget-policies.json"); });
    CHECK(e == var + ": cannot read '/nonexistent/widget-policies.json'");
  }
}

TEST_CASE("widget providers: the boot choice (permissive, static, http, both refused)",
          "[widget]") {
  so::adapters::server_config c;
  CHECK(make_widget_policy_provider(c, nullptr, nullptr)->label() == "permissive");
  temp_file f(R"({"a":{"allowed_origins":["*"]}})");
  c.widget_policies_file = f.path;
  CHECK(make_widget_policy_provider(c, nullptr, nullptr)->label() == "static");
  c.widget_auth_url = "http://127.0.0.1:1/policies";
  auto e = error_of([&] { make_widget_policy_provider(c, nullptr, nullptr); });
  CHECK(e.rfind(std::string(widget_policies_file_var) + ": cannot be combined", 0) == 0);
  c.widget_policies_file.reset();
  CHECK(make_widget_policy_provider(c, nullptr, nullptr)->label() == "http");
}

// ---- the decision sequence ----------------------------------------------------------------

namespace {

constexpr std::int64_t policy_now = 1700000000;

widget_policy good_policy() {
  widget_policy p;
  p.allowed_origins = {"https://good.example.com"};
  p.public_key = "secret";
  p.organization_id = "org-widget";
  return p;
}

widget_request from(std::optional<std::string> origin) {
  widget_request r;
  r.origin = std::move(origin);
  return r;
}

}  // namespace

TEST_CASE("widget decision: no policy is allowed without an org unless strict", "[widget]") {
  auto d = decide_widget_access(std::nullopt, false, from(std::nullopt), policy_now);
  CHECK(d.allowed);
  CHECK_FALSE(d.organization_id);
  d = decide_widget_access(std::nullopt, true, from(std::string("https://good.example.com")),
                           policy_now);
  CHECK_FALSE(d.allowed);
  CHECK(d.code == codes::agent_not_authorized);
  CHECK(d.message == "this agent is not registered for embedding");
}

TEST_CASE("widget decision: a policied agent is enforced in strict and lax mode alike",
          "[widget]") {
  for (bool strict : {false, true}) {
    auto d = decide_widget_access(good_policy(), strict, from(std::string("https://evil.com")),
                                  policy_now);
    CHECK_FALSE(d.allowed);
    CHECK(d.code == codes::origin_not_allowed);
    CHECK(d.message == "this origin is not allowed to embed this agent");
    d = decide_widget_access(good_policy(), strict, from(std::nullopt), policy_now);
    CHECK(d.code == codes::origin_not_allowed);  // fail closed on a missing Origin
    d = decide_widget_access(good_policy(), strict, from(std::string("https://good.example.com")),
                             policy_now);
    CHECK(d.allowed);
    CHECK(d.organization_id == std::optional<std::string>("org-widget"));
  }
}

TEST_CASE("widget decision: the origin is checked before the authContext", "[widget]") {
  auto r = from(std::string("https://evil.com"));
  r.has_auth_context = true;
  r.auth_context_json = "null";
  CHECK(decide_widget_access(good_policy(), false, r, policy_now).code ==
        codes::origin_not_allowed);
}

TEST_CASE("widget decision: a present authContext must verify, even when null", "[widget]") {
  auto r = from(std::string("https://good.example.com"));
  r.has_auth_context = true;
  r.auth_context_json = "null";
  auto d = decide_widget_access(good_policy(), false, r, policy_now);
  CHECK_FALSE(d.allowed);
  CHECK(d.code == codes::auth_context_invalid);
  CHECK(d.message == "authContext signature failed verification");

  r.auth_context_json = R"({"userId":"u","signature":")" +
                        sign_auth_context("secret", "u", policy_now) + R"(","timestamp":)" +
                        std::to_string(policy_now) + "}";
  d = decide_widget_access(good_policy(), false, r, policy_now);
  CHECK(d.allowed);
  CHECK(d.organization_id == std::optional<std::string>("org-widget"));

  auto keyless = good_policy();
  keyless.public_key.reset();
  CHECK(decide_widget_access(keyless, false, r, policy_now).code == codes::auth_context_invalid);
  r.has_auth_context = false;  // absent key: the check is skipped
  CHECK(decide_widget_access(keyless, false, r, policy_now).allowed);
}

TEST_CASE("widget decision: the policy org is session_org's first choice (§4.9)", "[widget]") {
  CHECK(session_org(std::string("org-from-widget"), std::string("org-from-jwt")) ==
        "org-from-widget");
  CHECK(session_org(std::nullopt, std::string("org-from-jwt")) == "org-from-jwt");
  CHECK(session_org(std::nullopt, std::nullopt) == "reference-org");
}

TEST_CASE("widget providers: SMOOTH_AGENT_WIDGET_POLICIES_FILE is read trimmed, blank is unset",
          "[widget][config]") {
  auto env = [](std::optional<std::string> v) {
    return [v](const char* name) -> std::optional<std::string> {
      if (std::string(name) == widget_policies_file_var) return v;
      return std::nullopt;
    };
  };
  CHECK_FALSE(so::adapters::load_config(env(std::nullopt)).widget_policies_file);
  CHECK_FALSE(so::adapters::load_config(env(std::string("  "))).widget_policies_file);
  CHECK(so::adapters::load_config(env(std::string(" /etc/p.json "))).widget_policies_file ==
        std::optional<std::string>("/etc/p.json"));
  const auto& vars = so::adapters::config_variables();
  CHECK(std::any_of(vars.begin(), vars.end(), [](const so::adapters::config_variable& v) {
    return std::string(v.name) == widget_policies_file_var;
  }));
}
