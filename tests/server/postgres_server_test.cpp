// tests/server/postgres_server_test.cpp — the whole server on PostgreSQL storage (issue 9):
// boot refusals that name the variable, and a conversation that survives a restart.
// Needs SMOOTH_AGENT_TEST_DATABASE_URL (tests/support/pg/test_database.hpp).
#include "tests/server/server_test_support.hpp"
#include "tests/support/pg/test_database.hpp"

using namespace so::test;
using namespace so::test::srv;
using so::test::pg::fresh_database;

namespace {

so::net::server_options postgres_options(const std::string& url,
                                         std::shared_ptr<so::adapters::llm::provider> llm) {
  auto o = scripted_options(std::move(llm));
  o.config.storage = so::adapters::storage_backend::postgres;
  o.config.database_url = url;
  return o;
}

}  // namespace

TEST_CASE("postgres storage without a database URL stops startup naming the variable",
          "[server][postgres]") {
  auto o = local_options();
  o.config.storage = so::adapters::storage_backend::postgres;
  o.config.database_url.reset();
  CHECK_THROWS_WITH(so::net::server(o), Catch::Matchers::Contains("SMOOTH_AGENT_DATABASE_URL"));
}

TEST_CASE("postgres storage with an unreachable database stops startup naming the variable",
          "[server][postgres]") {
  auto o = local_options();
  o.config.storage = so::adapters::storage_backend::postgres;
  o.config.database_url = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2";
  CHECK_THROWS_WITH(so::net::server(o), Catch::Matchers::Contains("SMOOTH_AGENT_DATABASE_URL") &&
                                            Catch::Matchers::Contains("connection failed"));
}

TEST_CASE("a conversation on postgres survives a server restart", "[server][postgres]") {
  SO_PG_URL_OR_SKIP(server_url);
  fresh_database db(server_url);

  session_ids s;
  {
    so::net::server first(postgres_options(db.url(), scripted_texts({"first reply"})));
    auto c = connect_to(first);
    s = create_session(c);
    auto done = run_turn(c, s.session_id, "hello there", "t1");
    REQUIRE(str(done, "/type") == "eventual_response");
    CHECK(history_of(c, s.session_id) ==
          std::vector<std::string>{"inbound:hello there", "outbound:first reply"});
  }  // the first server is gone; only the database remembers

  auto llm = scripted_texts({"second reply"});
  so::net::server second(postgres_options(db.url(), llm));
  auto c = connect_to(second);
  CHECK(history_of(c, s.session_id) ==
        std::vector<std::string>{"inbound:hello there", "outbound:first reply"});

  // The session continues on the new process, and the model sees the stored history.
  auto done = run_turn(c, s.session_id, "and again", "t2");
  REQUIRE(str(done, "/type") == "eventual_response");
  const auto requests = llm->requests();
  REQUIRE(requests.size() == 1);
  std::string seen;
  for (const auto& m : requests[0].messages) seen += m.content + "|";
  CHECK(seen.find("hello there") != std::string::npos);
  CHECK(seen.find("first reply") != std::string::npos);
  CHECK(history_of(c, s.session_id) ==
        std::vector<std::string>{"inbound:hello there", "outbound:first reply", "inbound:and again",
                                 "outbound:second reply"});
}

TEST_CASE("postgres: a reply is committed before its eventual_response is sent",
          "[server][postgres]") {
  SO_PG_URL_OR_SKIP(server_url);
  fresh_database db(server_url);
  so::net::server srv(postgres_options(db.url(), scripted_texts({"durable reply"})));
  auto c = connect_to(srv);
  auto s = create_session(c);
  auto done = run_turn(c, s.session_id, "persist me", "t1");
  REQUIRE(str(done, "/type") == "eventual_response");
  // Read with a connection of our own, right after the event: the row is there.
  so::adapters::pg::connection probe(db.url());
  auto r = probe.exec("probe", "SELECT content_text FROM conversation_messages WHERE id = $1",
                      {str(done, "/data/data/messageId")}, "probe");
  REQUIRE(r.rows() == 1);
  CHECK(r.text(0, 0) == "durable reply");
}

TEST_CASE("postgres: while the database is away calls fail with STORAGE_ERROR, then it recovers",
          "[server][postgres]") {
  SO_PG_URL_OR_SKIP(server_url);
  fresh_database db(server_url);
  auto o = postgres_options(db.url(), scripted_texts({}));
  o.config.storage_workers = 1;  // one connection: the test kills exactly it
  so::net::server srv(o);
  auto c = connect_to(srv);
  auto s = create_session(c);
  REQUIRE(history_of(c, s.session_id).empty());

  // "Down": refuse new connections to this database and kill the open one.
  so::adapters::pg::connection admin(server_url);
  admin.exec_simple("ALTER DATABASE " + db.name() + " WITH ALLOW_CONNECTIONS false", "deny");
  const std::string backends = "FROM pg_stat_activity WHERE datname = '" + db.name() + "'";
  admin.exec_simple("SELECT pg_terminate_backend(pid) " + backends, "terminate");
  REQUIRE(eventually(
      [&] { return admin.exec_simple("SELECT count(*) " + backends, "count").int64(0, 0) == 0; }));

  c.send_text(R"({"action":"get_conversation_messages","requestId":"down","sessionId":")" +
              s.session_id + R"("})");
  auto err = next_of(c, "error");
  check_error(err, "STORAGE_ERROR", std::nullopt, std::string("down"));
  expect_alive(c, "still-up");  // the WebSocket stays up

  // "Up" again: without a restart, the same connection is served again.
  admin.exec_simple("ALTER DATABASE " + db.name() + " WITH ALLOW_CONNECTIONS true", "allow");
  int attempt = 0;
  CHECK(eventually(
      [&] {
        const auto rid = "up-" + std::to_string(++attempt);
        c.send_text(R"({"action":"get_conversation_messages","requestId":")" + rid +
                    R"(","sessionId":")" + s.session_id + R"("})");
        auto d = next(c);
        return str(d, "/type") == "immediate_response" && integer(d, "/status") == 200;
      },
      10000ms));
}
