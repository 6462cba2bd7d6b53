// Whole-server tests of the admin read routes: health, me, conversations (paging,
// basic-owner filter, org isolation), messages, indexing runs, document sets,
// model costs, CORS (admin-auth.md §2, §9).
#include "protocol/ids.hpp"
#include "tests/server/admin_test_support.hpp"
#include "tests/support/net/http_test_server.hpp"

using namespace so;
using namespace so::test::admin;
using so::test::srv::at;
using so::test::srv::has;
using so::test::srv::integer;
using so::test::srv::str;

namespace {

using namespace std::chrono_literals;

/// A conversation in `org` created at base + `minute` minutes, with a user participant.
std::string seed_conversation(adapters::storage& s, const std::string& org, const std::string& name,
                              const std::string& owner, int minute, int messages = 0) {
  const protocol::time_point base{std::chrono::seconds(1'750'000'000)};
  protocol::conversation c;
  c.id = protocol::new_uuid_v4();
  c.name = name;
  c.organization_id = org;
  c.idempotency_key = c.id;
  c.created_at = c.updated_at = base + std::chrono::minutes(minute);
  s.create_conversation(c);
  protocol::participant p;
  p.id = protocol::new_uuid_v4();
  p.conversation_id = c.id;
  p.organization_id = org;
  p.type = "user";
  p.external_id = owner;
  p.name = owner;
  s.add_participant(p);
  for (int i = 0; i < messages; ++i) {
    protocol::message m;
    m.id = "m-" + c.id + "-" + std::to_string(i);
    m.conversation_id = c.id;
    m.organization_id = org;
    m.content = protocol::message_content::from_text("text " + std::to_string(i));
    m.created_at = c.created_at + std::chrono::seconds(i);
    s.append_message(m);
  }
  return c.id;
}

}  // namespace

TEST_CASE("admin: /admin/health needs no token, /health still serves ok", "[admin]") {
  admin_server s;
  auto r = call(s.port(), "GET", "/admin/health");
  CHECK(r.status == 200);
  CHECK(r.body == R"({"status":"ok"})");
  CHECK(r.header("Access-Control-Allow-Origin") == std::optional<std::string>("*"));
  r = call(s.port(), "GET", "/health");
  CHECK(r.status == 200);
  CHECK(r.body == "ok");
  CHECK_FALSE(r.header("Access-Control-Allow-Origin"));  // CORS on /admin only
  CHECK(call(s.port(), "GET", "/ws").status != 404);     // /ws still mounted beside the router
  CHECK(call(s.port(), "GET", "/nothing").status == 404);
}

TEST_CASE("admin: /admin/me returns the principal, 401 without or with a bad token", "[admin]") {
  admin_server s;
  auto r = call(s.port(), "GET", "/admin/me", "alice");
  REQUIRE(r.status == 200);
  auto d = json(r);
  CHECK(str(d, "/userId") == "alice");
  CHECK(str(d, "/orgId") == "org-a");
  CHECK(str(d, "/role") == "basic");
  CHECK(str(d, "/displayName") == "Alice A");
  CHECK(str(d, "/groups/0") == "eng");
  CHECK(str(d, "/email") == "alice@a.test");
  d = json(call(s.port(), "GET", "/admin/me", "admin-b"));
  CHECK_FALSE(has(d, "/displayName"));
  CHECK_FALSE(has(d, "/groups"));
  r = call(s.port(), "GET", "/admin/me");
  CHECK(r.status == 401);
  CHECK(error_code(r) == "UNAUTHENTICATED");
  r = call(s.port(), "GET", "/admin/me", "not-a-jwt");
  CHECK(r.status == 401);
  CHECK(error_code(r) == "INVALID_TOKEN");
  CHECK(call(s.port(), "POST", "/admin/me", "alice").status == 405);
}

TEST_CASE("admin: conversations are org-scoped, newest first, basic sees only its own",
          "[admin][conversations]") {
  admin_server s;
  const auto alice1 = seed_conversation(*s.storage, "org-a", "Alice convo", "alice", 1);
  const auto bob1 = seed_conversation(*s.storage, "org-a", "Bob convo", "bob", 2);
  seed_conversation(*s.storage, "org-b", "Carol convo", "carol", 3);

  for (const char* who : {"admin-a", "curator-a"}) {
    auto d = json(call(s.port(), "GET", "/admin/conversations", who));
    REQUIRE(at(d, "/conversations")->Size() == 2);
    CHECK(str(d, "/conversations/0/id") == bob1);  // newest first
    CHECK(str(d, "/conversations/1/id") == alice1);
    CHECK(str(d, "/conversations/0/platform") == "web");
    CHECK(str(d, "/conversations/0/createdAt") == "2025-06-15T15:08:40Z");
    CHECK(at(d, "/nextCursor")->IsNull());
  }
  auto d = json(call(s.port(), "GET", "/admin/conversations", "alice"));
  REQUIRE(at(d, "/conversations")->Size() == 1);
  CHECK(str(d, "/conversations/0/name") == "Alice convo");
  d = json(call(s.port(), "GET", "/admin/conversations", "curator-b"));
  REQUIRE(at(d, "/conversations")->Size() == 1);
  CHECK(str(d, "/conversations/0/name") == "Carol convo");
}

TEST_CASE("admin: conversations paging — offset cursor, limit clamp, bad query 400",
          "[admin][conversations]") {
  admin_server s;
  for (int i = 0; i < 5; ++i)
    seed_conversation(*s.storage, "org-a", "c" + std::to_string(i), "x", i);
  auto d = json(call(s.port(), "GET", "/admin/conversations?limit=2", "admin-a"));
  CHECK(at(d, "/conversations")->Size() == 2);
  CHECK(str(d, "/conversations/0/name") == "c4");
  CHECK(integer(d, "/nextCursor") == 2);
  d = json(call(s.port(), "GET", "/admin/conversations?limit=2&cursor=4", "admin-a"));
  CHECK(at(d, "/conversations")->Size() == 1);
  CHECK(str(d, "/conversations/0/name") == "c0");
  CHECK(at(d, "/nextCursor")->IsNull());
  d = json(call(s.port(), "GET", "/admin/conversations?limit=0", "admin-a"));  // clamped to 1
  CHECK(at(d, "/conversations")->Size() == 1);
  CHECK(integer(d, "/nextCursor") == 1);
  d = json(call(s.port(), "GET", "/admin/conversations?limit=100000&cursor=99&x=y", "admin-a"));
  CHECK(at(d, "/conversations")->Size() == 0);
  CHECK(at(d, "/nextCursor")->IsNull());

  for (const char* q : {"limit=abc", "limit=-1", "limit=", "cursor=1.5", "limit=1&limit=2",
                        "cursor=99999999999999999999999"}) {
    INFO(q);
    auto r = call(s.port(), "GET", std::string("/admin/conversations?") + q, "admin-a");
    CHECK(r.status == 400);
    CHECK(r.header("Content-Type")->find("text/plain") == 0);
  }
  // Auth comes first: no token and a bad query is 401.
  CHECK(call(s.port(), "GET", "/admin/conversations?limit=abc").status == 401);
}

TEST_CASE("admin: messages — 404 unknown or other org, 403 basic non-owner, cap 200",
          "[admin][conversations]") {
  admin_server s;
  const auto alice1 = seed_conversation(*s.storage, "org-a", "Alice convo", "alice", 1, 3);
  const auto bob1 = seed_conversation(*s.storage, "org-a", "Bob convo", "bob", 2, 1);
  const auto big = seed_conversation(*s.storage, "org-a", "Big", "x", 3, 205);
  const auto carol1 = seed_conversation(*s.storage, "org-b", "Carol convo", "carol", 4, 1);

  auto r = call(s.port(), "GET", "/admin/conversations/" + alice1 + "/messages", "alice");
  REQUIRE(r.status == 200);
  auto d = json(r);
  CHECK(str(d, "/conversationId") == alice1);
  REQUIRE(at(d, "/messages")->Size() == 3);
  CHECK(str(d, "/messages/0/content/text") == "text 0");  // oldest first
  CHECK(str(d, "/messages/0/direction") == "inbound");
  CHECK(has(d, "/messages/0/createdAt"));
  CHECK(at(d, "/nextCursor")->IsNull());

  r = call(s.port(), "GET", "/admin/conversations/" + bob1 + "/messages", "alice");
  CHECK(r.status == 403);
  CHECK(error_code(r) == "FORBIDDEN");
  CHECK(call(s.port(), "GET", "/admin/conversations/" + bob1 + "/messages", "admin-a").status ==
        200);

  d = json(call(s.port(), "GET", "/admin/conversations/" + big + "/messages?limit=5", "curator-a"));
  CHECK(at(d, "/messages")->Size() == 200);
  CHECK(at(d, "/nextCursor")->IsString());

  // Another org's id reads exactly like a missing one (status and code).
  auto other = call(s.port(), "GET", "/admin/conversations/" + carol1 + "/messages", "admin-a");
  auto missing = call(s.port(), "GET", "/admin/conversations/nope/messages", "admin-a");
  CHECK(other.status == 404);
  CHECK(missing.status == 404);
  CHECK(error_code(other) == "NOT_FOUND");
  CHECK(error_code(missing) == "NOT_FOUND");
  // Basic caller in another org: still 404, never 403 (existence is not leaked).
  CHECK(call(s.port(), "GET", "/admin/conversations/" + alice1 + "/messages", "carol").status ==
        404);
  CHECK(call(s.port(), "GET", "/admin/conversations/" + alice1 + "/messages").status == 401);
  CHECK(call(s.port(), "GET", "/admin/conversations/a%2F..%2Fb/messages", "admin-a").status == 404);
  CHECK(call(s.port(), "GET", "/admin/conversations/%C0%AF/messages", "admin-a").status == 400);
  CHECK(
      call(s.port(), "DELETE", "/admin/conversations/" + alice1 + "/messages", "admin-a").status ==
      405);
}

TEST_CASE("admin: indexing runs — curator+, scoped key, plain names, org isolation",
          "[admin][indexing]") {
  admin_server s;
  const protocol::time_point t0{std::chrono::seconds(1'750'000'000)};
  adapters::tenant::indexing_run a;
  a.id = "run-a";
  a.connector_name = adapters::tenant::scoped_connector_key("org-a", "docs");
  a.status = adapters::tenant::run_status::succeeded;
  a.started_at = t0;
  a.finished_at = t0 + std::chrono::seconds(2);
  a.documents_seen = 11;
  a.chunks_indexed = 9;
  a.cursor = "2025-06-01T00:00:00Z";
  s.runs->record_run(a);
  auto b = a;
  b.id = "run-b";
  b.connector_name = adapters::tenant::scoped_connector_key("org-b", "docs");
  b.documents_seen = 22;
  b.status = adapters::tenant::run_status::failed;
  b.cursor.reset();
  b.error = "boom";
  s.runs->record_run(b);
  s.runs->record_connector_name("org-a", "docs");
  s.runs->record_connector_name("org-b", "docs");

  auto r = call(s.port(), "GET", "/admin/indexing/runs", "alice");
  CHECK(r.status == 403);
  CHECK(error_code(r) == "FORBIDDEN");
  auto d = json(call(s.port(), "GET", "/admin/indexing/runs", "curator-a"));
  REQUIRE(at(d, "/runs")->Size() == 1);
  CHECK(str(d, "/runs/0/id") == "run-a");
  CHECK(str(d, "/runs/0/connectorName") == "docs");
  CHECK(str(d, "/runs/0/status") == "succeeded");
  CHECK(integer(d, "/runs/0/documentsSeen") == 11);
  CHECK(integer(d, "/runs/0/chunksIndexed") == 9);
  CHECK(str(d, "/runs/0/finishedAt") == "2025-06-15T15:06:42Z");
  CHECK(at(d, "/runs/0/error")->IsNull());
  d = json(call(s.port(), "GET", "/admin/indexing/runs", "admin-b"));
  REQUIRE(at(d, "/runs")->Size() == 1);
  CHECK(integer(d, "/runs/0/documentsSeen") == 22);
  CHECK(str(d, "/runs/0/status") == "failed");
  CHECK(str(d, "/runs/0/error") == "boom");
  CHECK(at(d, "/runs/0/cursor")->IsNull());
  d = json(call(s.port(), "GET", "/admin/indexing/runs", "admin-ref"));
  CHECK(at(d, "/runs")->Size() == 0);
}

TEST_CASE("admin: document sets — curator+, per org, seeded sets counted", "[admin][indexing]") {
  auto o = test::srv::local_options();
  o.config.seed_kb = true;
  admin_server s(o);
  s.sets->record_document("org-a", "handbook", "doc-1");
  s.sets->record_document("org-a", "handbook", "doc-2");
  s.sets->record_document("org-a", "handbook", "doc-2");  // the same document: counted once
  s.sets->record_document("org-b", "secrets", "doc-3");

  CHECK(call(s.port(), "GET", "/admin/document-sets", "bob").status == 403);
  auto d = json(call(s.port(), "GET", "/admin/document-sets", "curator-a"));
  REQUIRE(at(d, "/documentSets")->Size() == 1);
  CHECK(str(d, "/documentSets/0/name") == "handbook");
  CHECK(integer(d, "/documentSets/0/documentCount") == 2);
  d = json(call(s.port(), "GET", "/admin/document-sets", "curator-b"));
  REQUIRE(at(d, "/documentSets")->Size() == 1);
  CHECK(str(d, "/documentSets/0/name") == "secrets");
  d = json(call(s.port(), "GET", "/admin/document-sets", "admin-ref"));  // the seed org
  REQUIRE(at(d, "/documentSets")->Size() == 1);
  CHECK(str(d, "/documentSets/0/name") == "policies");
  CHECK(integer(d, "/documentSets/0/documentCount") == 2);
}

TEST_CASE("admin: model costs are ungated and come from the gateway", "[admin][model-costs]") {
  test::http_test_server gw([](const test::http_test_request&) {
    test::http_test_response r;
    r.content_type = "application/json";
    r.body = R"({"data":[{"model_name":"m1","model_info":{"input_cost_per_token":0.5}}]})";
    return r;
  });
  auto o = test::srv::local_options();
  o.config.gateway_url = gw.url("/v1");
  admin_server s(o);
  auto r = call(s.port(), "GET", "/admin/model-costs");
  REQUIRE(r.status == 200);
  auto d = json(r);
  CHECK(at(d, "/m1/inputCostPerToken")->GetDouble() == 0.5);
  CHECK(r.header("Access-Control-Allow-Origin") == std::optional<std::string>("*"));
}

TEST_CASE("admin: model costs answer {} when the gateway is unreachable", "[admin][model-costs]") {
  auto o = test::srv::local_options();
  o.config.gateway_url = "http://127.0.0.1:1/v1";
  admin_server s(o);
  auto r = call(s.port(), "GET", "/admin/model-costs");
  CHECK(r.status == 200);
  CHECK(r.body == "{}");
}

TEST_CASE("admin: CORS preflight is answered on every /admin path without auth", "[admin][cors]") {
  admin_server s;
  test::http_connection c("127.0.0.1", s.port());
  test::http_request_spec spec;
  spec.method = "OPTIONS";
  spec.target = "/admin/connectors";
  spec.headers = {{"Origin", "https://console.example"},
                  {"Access-Control-Request-Method", "POST"},
                  {"Access-Control-Request-Headers", "authorization, content-type"}};
  auto r = c.request(spec);
  CHECK(r.status == 204);
  CHECK(r.header("Access-Control-Allow-Origin") == std::optional<std::string>("*"));
  CHECK(r.header("Access-Control-Allow-Methods")->find("PUT") != std::string::npos);
  CHECK(r.header("Access-Control-Allow-Headers")->find("authorization") != std::string::npos);
  // The connection stays usable (keep-alive) for the real request.
  spec.method = "GET";
  spec.headers = {{"Authorization", "Bearer curator-a"}};
  r = c.request(spec);
  CHECK(r.status == 200);
  CHECK(r.header("Access-Control-Allow-Origin") == std::optional<std::string>("*"));
}
