// tests/server/widget_auth_test.cpp — widget embed policies end to end over a WebSocket
// (admin-auth.md §4.4–§4.9, protocol.md §3.2.2–§3.2.3): the three refusals are ordinary
// `error` events with the frame's requestId and the socket stays open; the policy's org
// is stamped on the conversation, both participants and the session; the HTTP provider's
// asynchronous lookup keeps the connection's frames in order.
#include "adapters/auth/widget_auth_context.hpp"
#include "adapters/auth/widget_static_provider.hpp"
#include "adapters/storage/memory_storage.hpp"
#include "tests/net/admin_test_authenticator.hpp"
#include "tests/server/server_test_support.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/net/http_test_server.hpp"

#include <unistd.h>
#include <cstdio>
#include <fstream>

using namespace so::test;
using namespace so::test::srv;
namespace auth = so::adapters::auth;

namespace {

const std::string kGood = "https://good.example.com";
const std::string kSecret = "super-secret-public-key";

/// agent-embed: only https://good.example.com, key kSecret, org org-from-widget;
/// agent-open: any origin, no key, no org.
auth::widget_policy_provider_ptr static_policies() {
  return auth::make_static_widget_provider(auth::parse_widget_policies(
      R"({"agent-embed":{"allowed_origins":["https://good.example.com"],)"
      R"("public_key":"super-secret-public-key","organization_id":"org-from-widget"},)"
      R"("agent-open":{"allowed_origins":["*"]}})"));
}

so::net::server_options widget_options(bool strict = false) {
  auto o = local_options();
  o.widget_policies = static_policies();
  o.config.widget_auth_strict = strict;
  return o;
}

ws_client connect_from(so::net::server& s, const std::optional<std::string>& origin) {
  ws_connect_options o;
  o.port = s.port();
  if (origin) o.headers.emplace_back("Origin", *origin);
  return ws_client(o);
}

std::string create_frame(const std::string& rid, const std::string& agent,
                         const std::string& extra = "") {
  return R"({"action":"create_conversation_session","requestId":")" + rid + R"(","agentId":")" +
         agent + "\"" + extra + "}";
}

std::string auth_context(const std::string& user, std::int64_t ts, const std::string& key) {
  return R"(,"authContext":{"userId":")" + user + R"(","signature":")" +
         auth::sign_auth_context(key, user, ts) + R"(","timestamp":)" + std::to_string(ts) + "}";
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// The socket still serves frames: a ping gets its pong.
void check_still_open(ws_client& c, const std::string& rid = "p-after") {
  c.send_text(R"({"action":"ping","requestId":")" + rid + R"("})");
  auto d = next(c);
  CHECK(str(d, "/type") == "pong");
  CHECK(str(d, "/requestId") == rid);
}

void check_created(const rapidjson::Document& d, const std::string& rid) {
  CHECK(str(d, "/type") == "immediate_response");
  CHECK(str(d, "/requestId") == rid);
  CHECK(integer(d, "/status") == 200);
}

}  // namespace

TEST_CASE("widget e2e: strict mode refuses an agent without a policy, socket stays open",
          "[server][widget]") {
  so::net::server server(widget_options(/*strict=*/true));
  auto c = connect_from(server, kGood);
  c.send_text(create_frame("c-1", "agent-unknown"));
  check_error(next(c), "AGENT_NOT_AUTHORIZED",
              std::string("this agent is not registered for embedding"), std::string("c-1"));
  check_still_open(c);
  // A policied agent still passes in strict mode.
  c.send_text(create_frame("c-2", "agent-embed"));
  check_created(next(c), "c-2");
}

TEST_CASE("widget e2e: strict mode checks agentId presence first (VALIDATION_ERROR)",
          "[server][widget]") {
  so::net::server server(widget_options(/*strict=*/true));
  auto c = connect_from(server, kGood);
  c.send_text(R"({"action":"create_conversation_session","requestId":"c-1"})");
  check_error(next(c), "VALIDATION_ERROR", std::string("missing 'agentId'"), std::string("c-1"));
}

TEST_CASE("widget e2e: without strict mode an unpolicied agent is created from any origin",
          "[server][widget]") {
  so::net::server server(widget_options());
  auto c = connect_from(server, std::string("https://anything.example"));
  c.send_text(create_frame("c-1", "agent-unknown"));
  check_created(next(c), "c-1");
}

TEST_CASE("widget e2e: a wrong or missing Origin is ORIGIN_NOT_ALLOWED", "[server][widget]") {
  so::net::server server(widget_options());
  for (const auto& origin :
       {std::optional<std::string>("https://evil.example.com"), std::optional<std::string>()}) {
    auto c = connect_from(server, origin);
    c.send_text(create_frame("c-1", "agent-embed"));
    check_error(next(c), "ORIGIN_NOT_ALLOWED",
                std::string("this origin is not allowed to embed this agent"), std::string("c-1"));
    check_still_open(c);
  }
  // `*` admits a socket without Origin.
  auto c = connect_from(server, std::nullopt);
  c.send_text(create_frame("c-2", "agent-open"));
  check_created(next(c), "c-2");
}

TEST_CASE("widget e2e: a bad authContext is AUTH_CONTEXT_INVALID and the next frame works",
          "[server][widget]") {
  so::net::server server(widget_options());
  auto c = connect_from(server, kGood);
  const auto now = unix_now();
  const std::vector<std::string> bad{
      auth_context("u-1", now, "wrong-key"), auth_context("u-1", now - 600, kSecret),  // stale
      R"(,"authContext":null)",                                             // present, null
      R"(,"authContext":{"userId":"u-1","signature":"00","timestamp":1})",  // malformed
  };
  int i = 0;
  for (const auto& extra : bad) {
    const auto rid = "bad-" + std::to_string(i++);
    c.send_text(create_frame(rid, "agent-embed", extra));
    check_error(next(c), "AUTH_CONTEXT_INVALID",
                std::string("authContext signature failed verification"), rid);
  }
  // No public_key: any authContext is rejected.
  c.send_text(create_frame("open-ctx", "agent-open", auth_context("u-1", now, kSecret)));
  check_error(next(c), "AUTH_CONTEXT_INVALID", std::nullopt, std::string("open-ctx"));
  // The socket stays open and the next frame is served.
  c.send_text(create_frame("good", "agent-embed", auth_context("u-1", now, kSecret)));
  check_created(next(c), "good");
}

TEST_CASE("widget e2e: the policy org is stamped on conversation, participants and session",
          "[server][widget]") {
  auto storage = std::make_shared<so::adapters::memory_storage>();
  auto opts = widget_options();
  opts.storage = storage;
  so::net::server server(opts);
  auto c = connect_from(server, kGood);
  c.send_text(create_frame("c-1", "agent-embed", auth_context("u-1", unix_now(), kSecret)));
  auto d = next(c);
  check_created(d, "c-1");
  const auto conv = storage->get_conversation(str(d, "/data/conversationId"));
  REQUIRE(conv);
  CHECK(conv->organization_id == "org-from-widget");
  const auto parts = storage->list_participants_by_conversation(conv->id);
  REQUIRE(parts.size() == 2);
  for (const auto& p : parts) CHECK(p.organization_id == "org-from-widget");
  const auto session = storage->get_session(str(d, "/data/sessionId"));
  REQUIRE(session);
  CHECK(session->organization_id == "org-from-widget");

  // A policy without an org falls back to the seed org (no token on this socket).
  c.send_text(create_frame("c-2", "agent-open"));
  auto d2 = next(c);
  check_created(d2, "c-2");
  const auto conv2 = storage->get_conversation(str(d2, "/data/conversationId"));
  REQUIRE(conv2);
  CHECK(conv2->organization_id == "reference-org");
}

TEST_CASE("widget e2e: SMOOTH_AGENT_WIDGET_POLICIES_FILE is loaded at boot", "[server][widget]") {
  char name[] = "/tmp/widget-e2e-XXXXXX";
  const int fd = mkstemp(name);
  REQUIRE(fd >= 0);
  ::close(fd);
  const std::string path = name;
  struct remove_at_exit {
    std::string p;
    ~remove_at_exit() { std::remove(p.c_str()); }
  } cleanup{path};

  SECTION("a good file enforces its policies") {
    std::ofstream(path) << R"({"agent-f":{"allowed_origins":["https://*.smoo.ai"]}})";
    auto o = local_options();
    o.config.widget_policies_file = path;
    so::net::server server(o);
    auto bad = connect_from(server, std::string("https://evil.example.com"));
    bad.send_text(create_frame("c-1", "agent-f"));
    check_error(next(bad), "ORIGIN_NOT_ALLOWED", std::nullopt, std::string("c-1"));
    auto good = connect_from(server, std::string("https://dash.smoo.ai"));
    good.send_text(create_frame("c-2", "agent-f"));
    check_created(next(good), "c-2");
  }
  SECTION("a bad file stops startup with a message naming the variable") {
    std::ofstream(path) << R"({"agent-f":{"allowed_origins":"https://x"}})";
    auto o = local_options();
    o.config.widget_policies_file = path;
    try {
      so::net::server server(o);
      FAIL("the server started");
    } catch (const std::runtime_error& e) {
      CHECK(std::string(e.what()).rfind("SMOOTH_AGENT_WIDGET_POLICIES_FILE: ", 0) == 0);
    }
  }
}

TEST_CASE("widget e2e: the HTTP provider's lookup keeps the connection's frames in order",
          "[server][widget]") {
  // The policy service answers slowly: a ping sent right after the create must still be
  // answered after it (the create is not overtaken while its policy is awaited).
  so::test::http_test_server policies([](const so::test::http_test_request& r) {
    so::test::http_test_response resp;
    resp.delay = std::chrono::milliseconds(300);
    resp.content_type = "application/json";
    if (r.target == "/policies/agent-http") {
      resp.body =
          R"({"allowed_origins":["https://good.example.com"],"organization_id":"org-http"})";
    } else {
      resp.status = 404;
    }
    return resp;
  });
  auto storage = std::make_shared<so::adapters::memory_storage>();
  auto o = local_options();
  o.storage = storage;
  o.config.widget_auth_url = policies.url("/policies/");
  o.config.widget_auth_bearer = "m2m";
  o.config.widget_auth_strict = true;
  so::net::server server(o);

  auto c = connect_from(server, kGood);
  c.send_text(create_frame("c-1", "agent-http"));
  c.send_text(R"({"action":"ping","requestId":"p-1"})");
  auto first = next(c);
  check_created(first, "c-1");
  auto second = next(c);
  CHECK(str(second, "/type") == "pong");
  const auto conv = storage->get_conversation(str(first, "/data/conversationId"));
  REQUIRE(conv);
  CHECK(conv->organization_id == "org-http");

  // 404 → no policy → strict refuses; then a ping still works.
  c.send_text(create_frame("c-2", "agent-none"));
  c.send_text(R"({"action":"ping","requestId":"p-2"})");
  check_error(next(c), "AGENT_NOT_AUTHORIZED", std::nullopt, std::string("c-2"));
  CHECK(str(next(c), "/requestId") == "p-2");

  // The cached policy (TTL 60 s) answers the next create without a second request.
  auto c2 = connect_from(server, std::string("https://evil.example.com"));
  c2.send_text(create_frame("c-3", "agent-http"));
  check_error(next(c2), "ORIGIN_NOT_ALLOWED", std::nullopt, std::string("c-3"));
  const auto reqs = policies.requests();
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[0].target == "/policies/agent-http");
  CHECK(reqs[0].header("Authorization") == std::optional<std::string>("Bearer m2m"));
  CHECK(reqs[1].target == "/policies/agent-none");
}

TEST_CASE("widget e2e: shutdown with a policy lookup in flight does not wait for it",
          "[server][widget]") {
  // The policy service never answers within the provider's 5 s timeout.
  so::test::http_test_server policies([](const so::test::http_test_request&) {
    so::test::http_test_response resp;
    resp.delay = std::chrono::seconds(10);
    return resp;
  });
  auto o = local_options();
  o.config.widget_auth_url = policies.url("/policies");
  so::net::server server(o);
  auto c = connect_from(server, kGood);
  c.send_text(create_frame("c-1", "agent-slow"));
  REQUIRE(so::test::eventually([&] { return policies.requests().size() == 1; }));
  const auto start = std::chrono::steady_clock::now();
  server.shutdown();
  // Neither the HTTP timeout (5 s) nor the connection's request timeout (30 s) held it.
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(4));
}

TEST_CASE("widget e2e: the policy org beats the token org, which beats the seed org",
          "[server][widget]") {
  auto storage = std::make_shared<so::adapters::memory_storage>();
  auto opts = widget_options();
  opts.storage = storage;
  opts.authenticator =
      std::make_shared<so::test::map_authenticator>(std::map<std::string, auth::principal>{
          {"tok", auth::principal{"u-jwt", "org-from-jwt", auth::role::basic, {}, {}, {}}}});
  so::net::server server(opts);
  ws_connect_options o;
  o.port = server.port();
  o.target = "/ws?token=tok";
  o.headers.emplace_back("Origin", kGood);
  ws_client c(o);

  auto org_of = [&](const rapidjson::Document& d) {
    const auto conv = storage->get_conversation(str(d, "/data/conversationId"));
    REQUIRE(conv);
    return conv->organization_id;
  };
  c.send_text(create_frame("c-embed", "agent-embed"));
  auto embed = next(c);
  check_created(embed, "c-embed");
  CHECK(org_of(embed) == "org-from-widget");  // §4.9 first choice

  c.send_text(create_frame("c-open", "agent-open"));
  auto open = next(c);
  check_created(open, "c-open");
  CHECK(org_of(open) == "org-from-jwt");  // no policy org: the verified token's org

  auto anon = connect_from(server, kGood);  // no token: the seed org
  anon.send_text(create_frame("c-anon", "agent-open"));
  auto seed = next(anon);
  check_created(seed, "c-anon");
  CHECK(org_of(seed) == "reference-org");
}
