// tests/adapters/postgres_tenant_stores_test.cpp — the tenant (admin) stores on PostgreSQL:
// the shared tenant store contract, the persona snapshot (shared between processes by
// its refresher, never blocking, never reverting a local write), boot failures, and
// SMOOTH_AGENT_SETTINGS_REFRESH_SECS.
// Needs SMOOTH_AGENT_TEST_DATABASE_URL (tests/support/pg/test_database.hpp).
#include "adapters/tenant/postgres_tenant_stores.hpp"
#include "adapters/config/server_config.hpp"
#include "adapters/storage/postgres_schema.hpp"
#include "adapters/tenant/postgres_settings_store.hpp"
#include "tests/adapters/tenant_store_contract.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/pg/test_database.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <limits>
#include <map>
#include <thread>

using namespace so::adapters;
using namespace so::adapters::tenant;
namespace tenant_contract = so::adapters::tenant::contract;
using so::test::pg::fresh_database;

namespace {

postgres_tenant_options fast_refresh(std::chrono::milliseconds period,
                                     so::protocol::clock_ptr clock = nullptr) {
  postgres_tenant_options o;
  o.settings_refresh = period;
  o.clock = std::move(clock);
  return o;
}

/// Polls `pred` (each probe reads state another thread updates) for up to 10 s.
template <class Pred>
bool within_10s(Pred pred) {
  return so::test::eventually(pred, std::chrono::milliseconds(10000));
}

/// Takes the database away: new connections refused, existing ones terminated.
void take_down(pg::connection& admin, const std::string& db) {
  admin.exec_simple("ALTER DATABASE " + db + " WITH ALLOW_CONNECTIONS false", "deny");
  admin.exec_simple(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db + "'",
      "terminate");
  REQUIRE(within_10s([&] {
    return admin
               .exec_simple("SELECT count(*) FROM pg_stat_activity WHERE datname = '" + db + "'",
                            "count")
               .int64(0, 0) == 0;
  }));
}

void bring_up(pg::connection& admin, const std::string& db) {
  admin.exec_simple("ALTER DATABASE " + db + " WITH ALLOW_CONNECTIONS true", "allow");
}

agent_settings with_persona(const std::string& org, std::optional<std::string> persona) {
  agent_settings s;
  s.org_id = org;
  s.persona = std::move(persona);
  s.updated_at = tenant_contract::at_us(1);
  return s;
}

}  // namespace

TEST_CASE("postgres tenant stores satisfy the tenant store contract", "[tenant][postgres]") {
  SO_PG_URL_OR_SKIP(server);
  fresh_database db(server);
  pg::connection admin(db.url());
  pg::migrate(admin);
  tenant_contract::run_tenant_store_contract([&](so::protocol::clock_ptr clock) {
    admin.exec_simple(
        "TRUNCATE connector_configs, agent_settings, indexing_runs, indexing_connector_names, "
        "document_set_members",
        "truncate");
    // A short refresh period: reloads run concurrently with the contract's writes.
    auto made = make_postgres_tenant_stores(
        db.url(), fast_refresh(std::chrono::milliseconds(20), std::move(clock)));
    tenant_contract::tenant_store_set s;
    s.connectors = made.connectors;
    s.settings = made.settings;
    s.runs = made.indexing_runs;
    s.document_sets = made.document_sets;
    return s;
  });
}

TEST_CASE("postgres settings: another process's put reaches this persona view by the refresh",
          "[tenant][postgres]") {
  SO_PG_URL_OR_SKIP(server);
  fresh_database db(server);
  auto a = make_postgres_tenant_stores(db.url(), fast_refresh(std::chrono::milliseconds(50)));
  auto b = make_postgres_tenant_stores(db.url(), fast_refresh(std::chrono::milliseconds(50)));
  const auto view_b = b.settings->persona_view();
  CHECK_FALSE(view_b->persona_for("org-a"));

  a.settings->put(with_persona("org-a", "Persona from A"));
  CHECK(b.settings->get("org-a").persona == std::optional<std::string>("Persona from A"));
  CHECK(within_10s([&] { return view_b->persona_for("org-a") == "Persona from A"; }));

  a.settings->put(with_persona("org-a", std::nullopt));  // cleared elsewhere: cleared here
  CHECK(within_10s([&] { return !view_b->persona_for("org-a"); }));
  CHECK_FALSE(view_b->persona_for("org-b"));
}

TEST_CASE("postgres settings: the persona snapshot is loaded at construction",
          "[tenant][postgres]") {
  SO_PG_URL_OR_SKIP(server);
  fresh_database db(server);
  {
    auto first = make_postgres_tenant_stores(db.url(), postgres_tenant_options{});
    first.settings->put(with_persona("org-a", "stored"));
  }
  // A refresh period far beyond the test: only the construction load can answer.
  auto second = make_postgres_tenant_stores(db.url(), fast_refresh(std::chrono::hours(1)));
  CHECK(second.settings->persona_view()->persona_for("org-a") ==
        std::optional<std::string>("stored"));
}

TEST_CASE("postgres settings: the persona view answers from memory while the database is gone",
          "[tenant][postgres]") {
  SO_PG_URL_OR_SKIP(server);
  fresh_database db(server);
  postgres_tenant_options o = fast_refresh(std::chrono::milliseconds(50));
  o.pool.backoff_min = std::chrono::milliseconds(10);
  o.pool.backoff_max = std::chrono::milliseconds(10);
  o.pool.connect_timeout_s = 2;
  auto s = make_postgres_tenant_stores(db.url(), o);
  auto* settings = dynamic_cast<postgres_settings_store*>(s.settings.get());
  REQUIRE(settings);
  settings->put(with_persona("org-a", "still here"));
  const auto view = settings->persona_view();

  pg::connection admin(server);
  take_down(admin, db.name());
  CHECK_THROWS_AS(settings->refresh_now(), storage_error);
  CHECK_THROWS_AS(settings->get("org-a"), storage_error);  // an error, never the defaults
  CHECK(view->persona_for("org-a") == std::optional<std::string>("still here"));

  // Back up: the refresher picks up again by itself.
  bring_up(admin, db.name());
  const auto before = settings->refreshes();
  CHECK(within_10s([&] { return settings->refreshes() > before; }));
  CHECK(view->persona_for("org-a") == std::optional<std::string>("still here"));
}

TEST_CASE("postgres settings: a reload never reverts a put that committed after its query",
          "[tenant][postgres]") {
  SO_PG_URL_OR_SKIP(server);
  fresh_database db(server);
  auto pool = std::make_shared<pg::pool>(db.url(), pg::pool::options{});
  {
    auto c = pool->acquire();
    pg::migrate(*c);
  }
  postgres_settings_store* self = nullptr;
  bool put_done = false;
  postgres_settings_store::options o;
  o.refresh_period = std::chrono::hours(1);  // only the test reloads
  // The reload has read the old rows; a local put commits before it applies them.
  o.between_reload_query_and_apply = [&] {
    if (self && !put_done) {
      put_done = true;
      self->put(with_persona("org-a", "newer"));
    }
  };
  postgres_settings_store settings(pool, o);
  settings.put(with_persona("org-a", "older"));
  self = &settings;
  settings.refresh_now();
  REQUIRE(put_done);
  CHECK(settings.persona_view()->persona_for("org-a") == std::optional<std::string>("newer"));
  settings.refresh_now();  // the next reload reads the put from the database
  CHECK(settings.persona_view()->persona_for("org-a") == std::optional<std::string>("newer"));
}

TEST_CASE("postgres settings: puts racing the refresher always read back at once",
          "[tenant][postgres]") {
  SO_PG_URL_OR_SKIP(server);
  fresh_database db(server);
  // A 1 ms period: reloads overlap the puts all the time.
  auto s = make_postgres_tenant_stores(db.url(), fast_refresh(std::chrono::milliseconds(1)));
  auto* settings = dynamic_cast<postgres_settings_store*>(s.settings.get());
  REQUIRE(settings);
  const auto view = settings->persona_view();
  const auto start = settings->refreshes();
  int reverted = 0;
  // Put until 20 reloads have run in between (bounded), so they really overlapped.
  for (int i = 0; i < 20000 && settings->refreshes() < start + 20; ++i) {
    const auto p = "persona " + std::to_string(i);
    settings->put(with_persona("org-a", p));
    if (view->persona_for("org-a") != p) ++reverted;
  }
  CHECK(reverted == 0);
  CHECK(settings->refreshes() >= start + 20);
}

TEST_CASE("postgres indexing runs: counts beyond int64 saturate", "[tenant][postgres]") {
  SO_PG_URL_OR_SKIP(server);
  fresh_database db(server);
  auto s = make_postgres_tenant_stores(db.url(), postgres_tenant_options{});
  auto run = tenant_contract::make_run("k", "r", run_status::succeeded, 0, std::nullopt);
  run.documents_seen = std::numeric_limits<std::uint64_t>::max();
  s.indexing_runs->record_run(run);
  const auto runs = s.indexing_runs->list_runs("k");
  REQUIRE(runs.size() == 1);
  CHECK(runs[0].documents_seen ==
        static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
}

TEST_CASE("postgres tenant stores: the shared pool stays within its bound", "[tenant][postgres]") {
  SO_PG_URL_OR_SKIP(server);
  fresh_database db(server);
  postgres_tenant_options o = fast_refresh(std::chrono::milliseconds(1));
  o.max_connections = 2;
  auto s = make_postgres_tenant_stores(db.url(), o);
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t)
    callers.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        s.connectors->upsert(tenant_contract::make_connector("org", std::to_string(t * 100 + i), "n"));
        s.settings->get("org");
      }
    });
  for (auto& t : callers) t.join();
  CHECK(s.connectors->list("org").size() == 100);
  CHECK(s.pool->open_connections() <= 2);
}

TEST_CASE("postgres tenant stores: an unreachable database stops construction",
          "[tenant][postgres]") {
  postgres_tenant_options o;
  o.pool.connect_timeout_s = 2;
  CHECK_THROWS_WITH(make_postgres_tenant_stores("postgresql://nobody@127.0.0.1:1/none", o),
                    Catch::Matchers::Contains("database connection failed"));
}

TEST_CASE("config: SMOOTH_AGENT_SETTINGS_REFRESH_SECS", "[config][tenant]") {
  auto load = [](std::map<std::string, std::string> vars) {
    return load_config([vars](const char* name) -> std::optional<std::string> {
      auto it = vars.find(name);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    });
  };
  CHECK(load({}).settings_refresh == std::chrono::seconds(5));
  CHECK(load({{"SMOOTH_AGENT_SETTINGS_REFRESH_SECS", "30"}}).settings_refresh ==
        std::chrono::seconds(30));
  for (const char* bad : {"0", "3601", "soon", "-1"}) {
    INFO(bad);
    CHECK_THROWS_WITH(load({{"SMOOTH_AGENT_SETTINGS_REFRESH_SECS", bad}}),
                      Catch::Matchers::Contains("SMOOTH_AGENT_SETTINGS_REFRESH_SECS"));
  }
}
