// tests/adapters/postgres_storage_test.cpp — postgres_storage against the shared storage
// contract, plus migrations, connection strings, transactions and connection faults.
// Needs SMOOTH_AGENT_TEST_DATABASE_URL (tests/support/pg/test_database.hpp).
#include "adapters/storage/postgres_storage.hpp"
#include "adapters/storage/postgres_schema.hpp"
#include "tests/adapters/storage_contract.hpp"
#include "tests/support/pg/test_database.hpp"

#include <catch2/catch.hpp>

#include <libpq-fe.h>

#include <chrono>
#include <future>
#include <memory>
#include <thread>

using namespace so::adapters;
using so::test::pg::count_of;
using so::test::pg::fresh_database;

namespace {

postgres_storage::options small_pool(std::size_t n = 2) {
  postgres_storage::options o;
  o.max_connections = n;
  return o;
}

/// Waits (bounded) until `sql` returns a non-zero count; each probe is a query, so
/// this synchronizes on the database's state, not on time.
bool eventually_nonzero(pg::connection& c, const std::string& sql) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (count_of(c, sql) != 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

/// key=value form of a postgresql:// URL (host, port, user, dbname), via libpq's parser.
std::string key_value_form(const std::string& url) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(url.c_str(), &err);
  REQUIRE(opts != nullptr);
  std::string out;
  for (auto* o = opts; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || *o->val == '\0') continue;
    const std::string k = o->keyword;
    if (k == "host" || k == "port" || k == "user" || k == "dbname")
      out += (out.empty() ? "" : " ") + k + "=" + o->val;
  }
  PQconninfoFree(opts);
  return out;
}

}  // namespace

TEST_CASE("postgres_storage satisfies the storage contract", "[storage][postgres]") {
  SO_PG_URL_OR_SKIP(server);
  fresh_database db(server);
  contract::run_storage_contract([&] {
    auto s = std::make_shared<postgres_storage>(db.url(), small_pool(4));
    pg::connection c(db.url());
    c.exec_simple(
        "TRUNCATE conversations, conversation_participants, conversation_messages, "
        "conversation_sessions RESTART IDENTITY",
        "truncate");
    return s;
  });
}

TEST_CASE("postgres migrations: fresh database, re-run is a no-op, newer database refused",
          "[storage][postgres]") {
  SO_PG_URL_OR_SKIP(server);
  fresh_database db(server);
  pg::connection c(db.url());
  CHECK(pg::migrate(c) == static_cast<int>(pg::schema_migrations().size()));
  CHECK(count_of(c, "SELECT count(*) FROM schema_migrations") ==
        static_cast<std::int64_t>(pg::schema_migrations().size()));
  CHECK(count_of(c, "SELECT max(version) FROM schema_migrations") == pg::latest_schema_version());
  CHECK(pg::migrate(c) == 0);  // already current
  CHECK(count_of(c, "SELECT count(*) FROM schema_migrations") ==
        static_cast<std::int64_t>(pg::schema_migrations().size()));
  // The adapter migrates on construction too, and finds nothing to do.
  CHECK_NOTHROW(postgres_storage(db.url(), small_pool()));

  // A later migration this binary does not know: startup must stop, naming both versions.
  const int newer = pg::latest_schema_version() + 1;
  c.exec_simple("INSERT INTO schema_migrations (version, name) VALUES (" + std::to_string(newer) +
                    ", 'from the future')",
                "insert");
  CHECK_THROWS_WITH(pg::migrate(c), Catch::Matchers::Contains("newer than this binary") &&
                                        Catch::Matchers::Contains(std::to_string(newer)));
  CHECK_THROWS_AS(postgres_storage(db.url(), small_pool()), storage_error);
}

TEST_CASE("postgres migrations: a failing migration leaves the previous version intact",
          "[storage][postgres]") {
  SO_PG_URL_OR_SKIP(server);
  fresh_database db(server);
  pg::connection c(db.url());
  std::vector<pg::migration> list = {{1, "one", {"CREATE TABLE t1 (x int)"}},
                                     {2, "two", {"CREATE TABLE t2 (x int)", "NOT SQL"}}};
  CHECK_THROWS_WITH(pg::migrate(c, list),
                    Catch::Matchers::StartsWith("schema migration 2 (two) failed"));
  CHECK(count_of(c, "SELECT max(version) FROM schema_migrations") == 1);
  CHECK(count_of(c, "SELECT count(*) FROM pg_tables WHERE tablename = 't2'") == 0);
  list[1].statements = {"CREATE TABLE t2 (x int)"};
  CHECK(pg::migrate(c, list) == 1);
  CHECK(count_of(c, "SELECT max(version) FROM schema_migrations") == 2);
}

TEST_CASE("postgres migrations: a version missing below the highest applied one is applied",
          "[storage][postgres]") {
  SO_PG_URL_OR_SKIP(server);
  fresh_database db(server);
  pg::connection c(db.url());
  // A database migrated by a build that knew 1 and 3 (developed side by side with 2).
  std::vector<pg::migration> list = {{1, "one", {"CREATE TABLE t1 (x int)"}},
                                     {3, "three", {"CREATE TABLE t3 (x int)"}}};
  CHECK(pg::migrate(c, list) == 2);
  list.insert(list.begin() + 1, pg::migration{2, "two", {"CREATE TABLE t2 (x int)"}});
  CHECK(pg::migrate(c, list) == 1);
  CHECK(count_of(c, "SELECT count(*) FROM pg_tables WHERE tablename = 't2'") == 1);
  CHECK(count_of(c, "SELECT count(*) FROM schema_migrations") == 3);
  CHECK(pg::migrate(c, list) == 0);
}

TEST_CASE("postgres migrations: concurrent first boots are serialized", "[storage][postgres]") {
  SO_PG_URL_OR_SKIP(server);
  fresh_database db(server);
  // Hold the advisory lock so both boots queue on it, then let them race.
  pg::connection holder(db.url());
  holder.exec_simple("SELECT pg_advisory_lock(7213408155123020001)", "lock");
  auto boot = [&] { return std::make_shared<postgres_storage>(db.url(), small_pool(1)); };
  auto a = std::async(std::launch::async, boot);
  auto b = std::async(std::launch::async, boot);
  pg::connection probe(db.url());
  REQUIRE(eventually_nonzero(
      probe,
      "SELECT CASE WHEN count(*) = 2 THEN 1 ELSE 0 END FROM pg_stat_activity WHERE datname = '" +
          db.name() + "' AND wait_event_type = 'Lock'"));
  holder.exec_simple("SELECT pg_advisory_unlock(7213408155123020001)", "unlock");
  std::shared_ptr<postgres_storage> sa, sb;
  CHECK_NOTHROW(sa = a.get());
  CHECK_NOTHROW(sb = b.get());
  CHECK(count_of(probe, "SELECT count(*) FROM schema_migrations") ==
        static_cast<std::int64_t>(pg::schema_migrations().size()));
  REQUIRE(sa);
  REQUIRE(sb);
  sa->create_conversation(contract::make_conversation("c-1", "org", "k"));
  CHECK(sb->get_conversation("c-1"));
}

TEST_CASE("postgres_storage accepts the URL and the key=value forms", "[storage][postgres]") {
  SO_PG_URL_OR_SKIP(server);
  fresh_database db(server);
  postgres_storage by_url(db.url(), small_pool());
  by_url.create_conversation(contract::make_conversation("c-1", "org", "k"));
  const auto kv = key_value_form(db.url());
  REQUIRE(kv.find("dbname=" + db.name()) != std::string::npos);
  postgres_storage by_kv(kv, small_pool());
  CHECK(by_kv.get_conversation("c-1"));
}

TEST_CASE("postgres_storage refuses an unreachable database with a clear error",
          "[storage][postgres]") {
  // Port 1 on localhost: nothing listens there. Needs no test server.
  postgres_storage::options o = small_pool();
  o.pool.connect_timeout_s = 2;
  CHECK_THROWS_WITH(postgres_storage("postgresql://nobody@127.0.0.1:1/none", o),
                    Catch::Matchers::Contains("database connection failed"));
}

TEST_CASE(
    "postgres_storage: a terminated backend fails the call in flight, the next call reconnects",
    "[storage][postgres]") {
  SO_PG_URL_OR_SKIP(server);
  fresh_database db(server);
  postgres_storage s(db.url(), small_pool(1));
  s.create_conversation(contract::make_conversation("c-1", "org", "k"));
  pg::connection admin(db.url());
  const std::string others = "FROM pg_stat_activity WHERE datname = '" + db.name() +
                             "' AND pid <> pg_backend_pid() AND backend_type = 'client backend'";

  SECTION("an idle connection killed by the server is replaced on the next call") {
    REQUIRE(count_of(admin, "SELECT count(*) " + others) == 1);
    admin.exec_simple("SELECT pg_terminate_backend(pid) " + others, "terminate");
    REQUIRE(eventually_nonzero(admin, "SELECT CASE WHEN count(*) = 0 THEN 1 ELSE 0 END " + others));
    CHECK(s.get_conversation("c-1"));  // no error: the dead idle connection was dropped
    CHECK(s.open_connections() == 1);
  }

  SECTION("a call in flight fails with storage_error; the adapter recovers") {
    // Park the adapter's query behind a table lock, then kill its backend mid-call.
    pg::connection locker(db.url());
    locker.exec_simple("BEGIN", "begin");
    locker.exec_simple("LOCK TABLE conversations IN ACCESS EXCLUSIVE MODE", "lock");
    auto in_flight = std::async(std::launch::async, [&] { return s.get_conversation("c-1"); });
    REQUIRE(
        eventually_nonzero(admin, "SELECT count(*) " + others + " AND wait_event_type = 'Lock'"));
    admin.exec_simple(
        "SELECT pg_terminate_backend(pid) " + others + " AND wait_event_type = 'Lock'",
        "terminate");
    CHECK_THROWS_AS(in_flight.get(), storage_error);
    locker.exec_simple("ROLLBACK", "rollback");
    CHECK(s.get_conversation("c-1"));
    CHECK(s.open_connections() == 1);
  }
}

TEST_CASE("postgres_storage: a database that goes away fails fast, then is used again",
          "[storage][postgres]") {
  SO_PG_URL_OR_SKIP(server);
  fresh_database db(server);
  postgres_storage::options o = small_pool(1);
  o.pool.backoff_min = std::chrono::milliseconds(2000);
  o.pool.backoff_max = std::chrono::milliseconds(2000);
  postgres_storage s(db.url(), o);
  s.create_conversation(contract::make_conversation("c-1", "org", "k"));
  // "Down": refuse new connections to this database and kill the adapter's idle one.
  pg::connection admin(server);
  admin.exec_simple("ALTER DATABASE " + db.name() + " WITH ALLOW_CONNECTIONS false", "deny");
  admin.exec_simple(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db.name() + "'",
      "terminate");
  REQUIRE(eventually_nonzero(admin,
                             "SELECT CASE WHEN count(*) = 0 THEN 1 ELSE 0 END FROM "
                             "pg_stat_activity WHERE datname = '" +
                                 db.name() + "'"));
  CHECK_THROWS_WITH(s.get_conversation("c-1"),
                    Catch::Matchers::Contains("database connection failed"));
  // Within the backoff no new attempt is made: the call fails at once.
  CHECK_THROWS_WITH(s.get_conversation("c-1"), Catch::Matchers::Contains("next reconnect attempt"));
  CHECK(s.open_connections() == 0);

  // "Up" again: after the backoff the next call connects and succeeds.
  admin.exec_simple("ALTER DATABASE " + db.name() + " WITH ALLOW_CONNECTIONS true", "allow");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::optional<conversation> got;
  while (!got && std::chrono::steady_clock::now() < deadline) {
    try {
      got = s.get_conversation("c-1");
    } catch (const storage_error&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  CHECK(got);
}
