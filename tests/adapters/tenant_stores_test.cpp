// Tenant stores (adapters/tenant/): connector configs, settings, indexing runs and the
// connector-name registry, document sets — org scoping and ordering (admin-auth.md §5).
#include "adapters/tenant/connector_config_store.hpp"
#include "adapters/tenant/document_set_store.hpp"
#include "adapters/tenant/indexing_run_store.hpp"
#include "adapters/tenant/settings_store.hpp"

#include <catch2/catch.hpp>

using namespace so::adapters::tenant;
using so::protocol::time_point;

TEST_CASE("tenant: connector kind parse and auth_ref", "[tenant]") {
  CHECK(normalize_connector_kind("  WEB ").normalized == "web");
  CHECK(normalize_connector_kind("  WEB ").ok);
  CHECK(normalize_connector_kind("File").ok);
  const auto bad = normalize_connector_kind("Slack");
  CHECK_FALSE(bad.ok);
  CHECK(bad.normalized == "slack");
  CHECK(auth_ref_of(R"({"auth_ref":"  GITHUB_TOKEN "})") ==
        std::optional<std::string>("GITHUB_TOKEN"));
  CHECK_FALSE(auth_ref_of(R"({"auth_ref":"   "})"));
  CHECK_FALSE(auth_ref_of(R"({"auth_ref":5})"));
  CHECK_FALSE(auth_ref_of("null"));
  CHECK(required_config_fields("github") == std::vector<std::string>{"owner", "repo"});
}

TEST_CASE("tenant: connector store is org-scoped, sorted, upsert replaces", "[tenant]") {
  memory_connector_config_store s;
  auto make = [](std::string org, std::string id, std::string name) {
    connector_config c;
    c.org_id = std::move(org);
    c.id = std::move(id);
    c.name = std::move(name);
    c.kind = "web";
    return c;
  };
  s.upsert(make("org-a", "2", "beta"));
  s.upsert(make("org-a", "1", "alpha"));
  s.upsert(make("org-a", "0", "beta"));
  s.upsert(make("org-b", "9", "other"));
  auto list = s.list("org-a");
  REQUIRE(list.size() == 3);
  CHECK(list[0].name == "alpha");
  CHECK(list[1].id == "0");  // same name: by id
  CHECK(list[2].id == "2");
  CHECK_FALSE(s.get("org-b", "1"));
  auto replaced = make("org-a", "1", "gamma");
  s.upsert(replaced);
  CHECK(s.list("org-a").size() == 3);
  CHECK(s.get("org-a", "1")->name == "gamma");
  CHECK_FALSE(s.remove("org-b", "1"));  // cross-org delete is a no-op
  CHECK(s.remove("org-a", "1"));
  CHECK_FALSE(s.remove("org-a", "1"));
}

TEST_CASE("tenant: settings defaults per org, put replaces", "[tenant]") {
  auto clock = std::make_shared<so::protocol::manual_clock>(time_point(std::chrono::hours(1)));
  memory_settings_store s(clock);
  auto d = s.get("org-x");
  CHECK(d.org_id == "org-x");
  CHECK(d.model == "gpt-4o-mini");
  CHECK_FALSE(d.system_prompt.empty());
  CHECK_FALSE(d.persona);
  CHECK(d.default_tools.empty());
  CHECK(d.updated_at == clock->now());
  clock->advance(std::chrono::seconds(5));
  CHECK(s.get("org-x").updated_at == clock->now());  // defaults: now on every read
  agent_settings a = s.get("org-a");
  a.model = std::string(1, 'm');
  a.default_tools = {"t"};
  s.put(a);
  CHECK(s.get("org-a").model == "m");
  CHECK(s.get("org-b").model == "gpt-4o-mini");
  a.default_tools.clear();
  s.put(a);
  CHECK(s.get("org-a").default_tools.empty());
}

TEST_CASE("tenant: runs keyed by the scoped key, cursor only from succeeded runs", "[tenant]") {
  memory_indexing_run_store s;
  const auto ka = scoped_connector_key("org-a", "docs");
  const auto kb = scoped_connector_key("org-b", "docs");
  CHECK(ka != kb);
  const std::string expected =
      "IXCONN#org-a\x01"
      "docs";
  CHECK(ka == expected);
  indexing_run r1;
  r1.id = "r1";
  r1.connector_name = ka;
  r1.status = run_status::succeeded;
  r1.started_at = time_point(std::chrono::seconds(10));
  r1.cursor = "2025-01-02T00:00:00Z";
  auto r2 = r1;
  r2.id = "r2";
  r2.started_at = time_point(std::chrono::seconds(5));
  r2.cursor = "2025-01-01T00:00:00Z";
  auto r3 = r1;
  r3.id = "r3";
  r3.status = run_status::failed;
  r3.cursor = "2099-01-01T00:00:00Z";
  s.record_run(r1);
  s.record_run(r2);
  s.record_run(r3);
  auto runs = s.list_runs(ka);
  REQUIRE(runs.size() == 3);
  CHECK(runs[0].id == "r2");  // oldest first
  CHECK(s.latest_cursor(ka) == std::optional<std::string>("2025-01-02T00:00:00Z"));
  CHECK(s.list_runs(kb).empty());
  CHECK_FALSE(s.latest_cursor(kb));
  r2.documents_seen = 7;
  s.record_run(r2);  // upsert by id
  CHECK(s.list_runs(ka).size() == 3);
  s.record_connector_name("org-a", "zeta");
  s.record_connector_name("org-a", "alpha");
  s.record_connector_name("org-a", "zeta");
  CHECK(s.connector_names("org-a") == std::vector<std::string>{"alpha", "zeta"});
  CHECK(s.connector_names("org-b").empty());
}

TEST_CASE("tenant: document sets count per org, sorted", "[tenant]") {
  memory_document_set_store s;
  s.record_document("org-a", "policies");
  s.record_document("org-a", "handbook");
  s.record_document("org-a", "policies");
  s.record_document("org-b", "secrets");
  auto a = s.list("org-a");
  REQUIRE(a.size() == 2);
  CHECK(a[0].name == "handbook");
  CHECK(a[1].document_count == 2);
  CHECK(s.list("org-b").size() == 1);
  CHECK(s.list("org-c").empty());
}
