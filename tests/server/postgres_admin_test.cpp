// tests/server/postgres_admin_test.cpp — the admin stores on PostgreSQL, whole server
// (issue 9 item 2): two servers on one database see each other's admin writes
// (settings, connectors, the persona of turns), a restarted server still has them,
// and an unusable database for the admin stores stops the boot naming the variable.
// Needs SMOOTH_AGENT_TEST_DATABASE_URL (tests/support/pg/test_database.hpp).
#include "adapters/knowledge/knowledge_file.hpp"
#include "adapters/knowledge/memory_knowledge.hpp"
#include "adapters/storage/postgres_storage.hpp"
#include "protocol/suggested_replies.hpp"
#include "tests/server/admin_test_support.hpp"
#include "tests/support/llm/scripted_texts.hpp"
#include "tests/support/pg/test_database.hpp"

#include <thread>

using namespace so;
using namespace so::test::admin;
using so::test::pg::fresh_database;
using so::test::srv::at;
using so::test::srv::str;

namespace {

net::server_options postgres_admin_options(const std::string& url,
                                           std::shared_ptr<adapters::llm::provider> llm) {
  auto o = test::srv::scripted_options(std::move(llm));
  o.config.storage = adapters::storage_backend::postgres;
  o.config.database_url = url;
  o.config.settings_refresh = std::chrono::seconds(1);
  o.authenticator = std::make_shared<test::map_authenticator>(tokens(), true);
  return o;
}

std::vector<std::string> replies(std::size_t n) {
  return std::vector<std::string>(n, "ok");
}

const std::string kSettings =
    R"({"model":"claude-pg","systemPrompt":"be terse","defaultTools":["knowledge_search"],"persona":"You are the shared persona."})";
const std::string kConnector =
    R"({"name":"Docs repo","kind":"github","config":{"owner":"smooai","repo":"docs","auth_ref":"GITHUB_TOKEN","n":[1,{"x":null}]}})";

}  // namespace

TEST_CASE("postgres admin: settings and connectors written on one server are read on another",
          "[server][postgres][admin]") {
  SO_PG_URL_OR_SKIP(server_url);
  fresh_database db(server_url);
  auto llm_b = test::scripted_texts(replies(100));
  net::server a(postgres_admin_options(db.url(), test::scripted_texts(replies(1))));
  net::server b(postgres_admin_options(db.url(), llm_b));

  auto put = call(a.port(), "PUT", "/admin/settings", "admin-a", kSettings);
  REQUIRE(put.status == 200);
  auto created = call(a.port(), "POST", "/admin/connectors", "admin-a", kConnector);
  REQUIRE(created.status == 201);
  const auto connector = json(created);
  const auto id = str(connector, "/connector/id");

  // B answers from the database: the same bodies A answered with.
  auto settings = call(b.port(), "GET", "/admin/settings", "curator-a");
  REQUIRE(settings.status == 200);
  CHECK(settings.body == put.body);
  auto got = call(b.port(), "GET", "/admin/connectors/" + id, "curator-a");
  REQUIRE(got.status == 200);
  CHECK(got.body == created.body);  // config verbatim, timestamps to the microsecond
  auto d = json(call(b.port(), "GET", "/admin/connectors", "curator-a"));
  REQUIRE(at(d, "/connectors")->Size() == 1);
  CHECK(str(d, "/connectors/0/id") == id);
  // The connector-name registry is shared too.
  CHECK(at(json(call(b.port(), "GET", "/admin/indexing/runs", "curator-a")), "/runs")->Size() == 0);

  // Org scoping holds across processes: org-b sees none of it.
  CHECK(at(json(call(b.port(), "GET", "/admin/connectors", "curator-b")), "/connectors")->Size() ==
        0);
  CHECK(call(b.port(), "GET", "/admin/connectors/" + id, "curator-b").status == 404);
  CHECK(str(json(call(b.port(), "GET", "/admin/settings", "curator-b")), "/settings/model") ==
        "gpt-4o-mini");

  // A delete on B is seen on A.
  CHECK(call(b.port(), "DELETE", "/admin/connectors/" + id, "admin-a").status == 204);
  CHECK(call(a.port(), "GET", "/admin/connectors/" + id, "curator-a").status == 404);
}

TEST_CASE("postgres admin: a persona PUT on one server reaches the other's turns",
          "[server][postgres][admin]") {
  SO_PG_URL_OR_SKIP(server_url);
  fresh_database db(server_url);
  auto llm_b = test::scripted_texts(replies(200));
  net::server a(postgres_admin_options(db.url(), test::scripted_texts(replies(1))));
  net::server b(postgres_admin_options(db.url(), llm_b));
  auto ws = test::srv::connect_to(b);
  const auto ids = test::srv::create_session(ws);  // anonymous: org reference-org

  REQUIRE(call(a.port(), "PUT", "/admin/settings", "admin-ref",
               R"({"model":"m","systemPrompt":"p","persona":"You are from server A."})")
              .status == 200);
  // B's snapshot reloads every second (SMOOTH_AGENT_SETTINGS_REFRESH_SECS=1): each probe
  // is one turn on B, whose system prompt shows the persona B applied. (No event to wait
  // on: B learns of the write only by reading the database.)
  bool reached = false;
  for (int turn = 1; turn <= 100 && !reached; ++turn) {
    test::srv::run_turn(ws, ids.session_id, "hi", "r-" + std::to_string(turn));
    const auto reqs = llm_b->requests();
    reached = !reqs.empty() && !reqs.back().messages.empty() &&
              reqs.back().messages[0].content ==  // issue 12: then the suggested-replies section
                  "You are from server A.\n\n" + std::string(protocol::suggested_replies_prompt);
    if (!reached) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(reached);
}

TEST_CASE("postgres admin: a restarted server still has the admin writes",
          "[server][postgres][admin]") {
  SO_PG_URL_OR_SKIP(server_url);
  fresh_database db(server_url);
  std::string put_body, connector_body, id;
  {
    net::server first(postgres_admin_options(db.url(), test::scripted_texts(replies(1))));
    auto put = call(first.port(), "PUT", "/admin/settings", "admin-a", kSettings);
    REQUIRE(put.status == 200);
    put_body = put.body;
    auto created = call(first.port(), "POST", "/admin/connectors", "admin-a", kConnector);
    REQUIRE(created.status == 201);
    connector_body = created.body;
    id = str(json(created), "/connector/id");
  }  // gone: only the database remembers

  auto llm = test::scripted_texts(replies(2));
  net::server second(postgres_admin_options(db.url(), llm));
  CHECK(call(second.port(), "GET", "/admin/settings", "admin-a").body == put_body);
  CHECK(call(second.port(), "GET", "/admin/connectors/" + id, "admin-a").body == connector_body);
  CHECK(at(json(call(second.port(), "GET", "/admin/connectors", "curator-a")), "/connectors")
            ->Size() == 1);
}

TEST_CASE("postgres admin: seeded document sets are counted once across restarts",
          "[server][postgres][admin]") {
  SO_PG_URL_OR_SKIP(server_url);
  fresh_database db(server_url);
  for (int boot = 0; boot < 2; ++boot) {
    auto o = postgres_admin_options(db.url(), test::scripted_texts(replies(1)));
    o.knowledge = adapters::seed_documents();  // ingested at every boot
    net::server s(o);
    auto d = json(call(s.port(), "GET", "/admin/document-sets", "admin-ref"));
    REQUIRE(at(d, "/documentSets")->Size() == 1);
    CHECK(str(d, "/documentSets/0/name") == "policies");
    CHECK(test::srv::integer(d, "/documentSets/0/documentCount") == 2);
  }
}

TEST_CASE(
    "postgres admin: an unusable database for the admin stores stops boot naming the variable",
    "[server][postgres][admin]") {
  SO_PG_URL_OR_SKIP(server_url);
  fresh_database db(server_url);
  auto o = test::srv::local_options();
  o.config.storage = adapters::storage_backend::postgres;
  o.config.database_url = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2";
  // The conversation storage is injected (a working one), so only the admin stores
  // reach the configured database.
  o.storage =
      std::make_shared<adapters::postgres_storage>(db.url(), adapters::postgres_storage::options{});
  o.knowledge_base = std::make_shared<adapters::memory_knowledge>();  // likewise
  CHECK_THROWS_WITH(net::server(o), Catch::Matchers::Contains("SMOOTH_AGENT_DATABASE_URL") &&
                                        Catch::Matchers::Contains("admin stores") &&
                                        Catch::Matchers::Contains("connection failed"));
}

TEST_CASE("postgres admin: blocking admin stores are refused behind a storage that runs inline",
          "[server][postgres][admin]") {
  auto o = test::srv::local_options();
  o.config.storage = adapters::storage_backend::postgres;
  o.config.database_url = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2";
  o.storage = std::make_shared<adapters::memory_storage>();  // never blocks: jobs run inline
  o.knowledge_base = std::make_shared<adapters::memory_knowledge>();  // only the admin stores left
  CHECK_THROWS_WITH(net::server(o), Catch::Matchers::Contains("admin stores") &&
                                        Catch::Matchers::Contains("never blocks"));
}
