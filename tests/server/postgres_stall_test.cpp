// tests/server/postgres_stall_test.cpp — issue 9 "no scheduler or I/O thread ever waits on
// the database": a second connection of the test holds ACCESS EXCLUSIVE locks on the
// conversation tables, so every storage worker's next statement blocks inside PostgreSQL.
// With ONE io thread (every socket and every actor runs on it), ping round trips and new
// connections must still be answered promptly while the storage calls stall; once the
// lock is released, every stalled call completes. Were a storage call run on the io
// thread, the pings would wait behind the lock and the test would fail.
// Needs SMOOTH_AGENT_TEST_DATABASE_URL (tests/support/pg/test_database.hpp).
#include "tests/server/server_test_support.hpp"
#include "tests/support/pg/test_database.hpp"

using namespace so::test;
using namespace so::test::srv;
using so::test::pg::fresh_database;

namespace {

constexpr unsigned storage_workers = 2;

/// Backends of database `db` waiting for a lock (our storage workers, blocked).
std::int64_t lock_waiters(so::adapters::pg::connection& admin, const std::string& db) {
  return admin
      .exec("so_lock_waiters",
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = "
            "'Lock'",
            {db}, "count lock waiters")
      .int64(0, 0);
}

void send_create(ws_client& c, const std::string& rid) {
  c.send_text(R"({"action":"create_conversation_session","requestId":")" + rid +
              R"(","agentId":"agent-stall","userName":"Stalled Visitor"})");
}

}  // namespace

TEST_CASE("postgres: while the database blocks every storage worker, pings are still answered",
          "[server][postgres]") {
  SO_PG_URL_OR_SKIP(server_url);
  fresh_database db(server_url);
  auto o = scripted_options(scripted_texts({"after the stall"}));
  o.config.storage = so::adapters::storage_backend::postgres;
  o.config.database_url = db.url();
  o.config.io_threads = 1;  // every socket and actor on one thread: any wait there shows
  o.config.storage_workers = storage_workers;
  o.config.storage_timeout = std::chrono::seconds(60);  // the stall must not turn into timeouts
  so::net::server srv(o);

  // A session made before the stall, for the history call and the turn.
  auto owner = connect_to(srv);
  const auto s = create_session(owner);

  // The stall: a transaction of the test holds every conversation table.
  so::adapters::pg::connection locker(db.url());
  locker.exec_simple("BEGIN", "begin");
  locker.exec_simple(
      "LOCK TABLE conversations, conversation_participants, conversation_messages, "
      "conversation_sessions IN ACCESS EXCLUSIVE MODE",
      "lock");

  // Many more storage calls than workers: creates (each on a new conversation id, so they
  // land on both workers but with odds of 2^-15 of all on one), a history page, a turn.
  std::vector<std::unique_ptr<ws_client>> creators;
  ws_connect_options to_srv;
  to_srv.port = srv.port();
  for (int i = 0; i < 16; ++i) {
    creators.push_back(std::make_unique<ws_client>(to_srv));
    send_create(*creators.back(), "stalled-create-" + std::to_string(i));
  }
  auto reader = connect_to(srv);
  reader.send_text(R"({"action":"get_conversation_messages","requestId":"stalled-history",)"
                   R"("sessionId":")" +
                   s.session_id + R"("})");
  owner.send_text(R"({"action":"send_message","requestId":"stalled-turn","sessionId":")" +
                  s.session_id + R"(","message":"are you there"})");

  // Every storage worker is now inside PostgreSQL, waiting for the lock.
  so::adapters::pg::connection admin(server_url);
  REQUIRE(eventually([&] { return lock_waiters(admin, db.name()) >= storage_workers; }, 10000ms));

  // Meanwhile the io thread serves: pings on a connection opened before the stall and on
  // one opened during it, each answered within the deadline.
  auto early = connect_to(srv);
  auto during = connect_to(srv);  // accepted and upgraded while the workers are blocked
  for (int i = 0; i < 20; ++i) {
    for (auto* c : {&early, &during}) {
      const auto rid = "ping-" + std::to_string(i);
      const auto sent = steady_clock::now();
      c->send_text(R"({"action":"ping","requestId":")" + rid + R"("})");
      auto pong = next_of(*c, "pong", 2000ms);
      CHECK(str(pong, "/requestId") == rid);
      CHECK(steady_clock::now() - sent < 2000ms);
    }
  }
  // The pings were answered while the database still held every worker.
  CHECK(lock_waiters(admin, db.name()) >= storage_workers);

  // Release: every stalled call completes.
  locker.exec_simple("ROLLBACK", "release");
  for (std::size_t i = 0; i < creators.size(); ++i) {
    auto d = next_of(*creators[i], "immediate_response", 20000ms);
    CHECK(str(d, "/requestId") == "stalled-create-" + std::to_string(i));
    CHECK(integer(d, "/status") == 200);
  }
  auto page = next_of(reader, "immediate_response", 20000ms);
  CHECK(str(page, "/requestId") == "stalled-history");
  CHECK(integer(page, "/status") == 200);
  auto ack = next_of(owner, "immediate_response", 20000ms);
  CHECK(str(ack, "/requestId") == "stalled-turn");
  CHECK(integer(ack, "/status") == 202);
  auto done = next_of(owner, "eventual_response", 20000ms);
  CHECK(str(done, "/requestId") == "stalled-turn");
  CHECK(history_of(owner, s.session_id) ==
        std::vector<std::string>{"inbound:are you there", "outbound:after the stall"});
}
