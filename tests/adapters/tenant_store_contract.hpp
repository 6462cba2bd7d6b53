// tests/adapters/tenant_store_contract.hpp — the behaviour every implementation of the
// tenant (admin) stores must show (admin-auth.md §5, storage-backplane.md §4.6): org
// scoping, ordering, upsert = full replacement, JSON echoed verbatim, timestamps to
// the microsecond, the persona view following `put`.
//
// Usage: inside a TEST_CASE, call `run_tenant_store_contract(factory)`. Each SECTION
// asks the factory for a fresh set of EMPTY stores (a database-backed factory
// truncates its tables) whose settings store stamps defaults from `clock`.
// Thread-safety: test-thread only.
#pragma once

#include "adapters/tenant/connector_config_store.hpp"
#include "adapters/tenant/document_set_store.hpp"
#include "adapters/tenant/indexing_run_store.hpp"
#include "adapters/tenant/settings_store.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace so::adapters::tenant::contract {

struct tenant_store_set {
  connector_config_store_ptr connectors;
  settings_store_ptr settings;
  indexing_run_store_ptr runs;
  document_set_store_ptr document_sets;
};

using tenant_store_factory = std::function<tenant_store_set(protocol::clock_ptr clock)>;

/// A fixed instant `offset_us` microseconds after 2024-01-01T00:00:00Z.
inline protocol::time_point at_us(std::int64_t offset_us) {
  return protocol::time_point(std::chrono::microseconds(1'704'067'200'000'000LL + offset_us));
}

inline connector_config make_connector(std::string org, std::string id, std::string name) {
  connector_config c;
  c.org_id = std::move(org);
  c.id = std::move(id);
  c.name = std::move(name);
  c.kind = "web";
  c.config_json = R"({"url":"https://example.test"})";
  c.created_at = at_us(1);
  c.updated_at = at_us(2);
  return c;
}

inline indexing_run make_run(std::string key, std::string id, run_status status,
                             std::int64_t started_us, std::optional<std::string> cursor) {
  indexing_run r;
  r.id = std::move(id);
  r.connector_name = std::move(key);
  r.status = status;
  r.started_at = at_us(started_us);
  r.cursor = std::move(cursor);
  return r;
}

inline std::vector<std::string> ids_of(const std::vector<connector_config>& list) {
  std::vector<std::string> out;
  for (const auto& c : list) out.push_back(c.id);
  return out;
}

inline std::vector<std::string> ids_of(const std::vector<indexing_run>& list) {
  std::vector<std::string> out;
  for (const auto& r : list) out.push_back(r.id);
  return out;
}

inline void check_same_connector(const connector_config& got, const connector_config& want) {
  CHECK(got.id == want.id);
  CHECK(got.org_id == want.org_id);
  CHECK(got.name == want.name);
  CHECK(got.kind == want.kind);
  CHECK(got.config_json == want.config_json);
  CHECK(got.enabled == want.enabled);
  CHECK(got.created_at == want.created_at);
  CHECK(got.updated_at == want.updated_at);
}

inline void run_tenant_store_contract(const tenant_store_factory& factory) {
  auto clock = std::make_shared<protocol::manual_clock>(at_us(500'000'123));

  SECTION("connectors: another org's id reads as absent, deletes nothing") {
    auto s = factory(clock).connectors;
    s->upsert(make_connector("org-a", "1", "alpha"));
    CHECK(s->get("org-a", "1"));
    CHECK_FALSE(s->get("org-b", "1"));
    CHECK_FALSE(s->get("org-a", "2"));
    CHECK(s->list("org-b").empty());
    CHECK_FALSE(s->remove("org-b", "1"));
    CHECK(s->get("org-a", "1"));
    CHECK(s->remove("org-a", "1"));
    CHECK_FALSE(s->remove("org-a", "1"));
    CHECK_FALSE(s->get("org-a", "1"));
    CHECK(s->list("org-a").empty());
  }

  SECTION("connectors: the same id in two orgs are two rows") {
    auto s = factory(clock).connectors;
    s->upsert(make_connector("org-a", "same", "a-name"));
    s->upsert(make_connector("org-b", "same", "b-name"));
    CHECK(s->get("org-a", "same")->name == "a-name");
    CHECK(s->get("org-b", "same")->name == "b-name");
    CHECK(s->remove("org-a", "same"));
    CHECK(s->get("org-b", "same"));
  }

  SECTION("connectors: listed by name then id, bytewise") {
    auto s = factory(clock).connectors;
    s->upsert(make_connector("org-a", "2", "beta"));
    s->upsert(make_connector("org-a", "1", "alpha"));
    s->upsert(make_connector("org-a", "0", "beta"));
    s->upsert(make_connector("org-a", "b", "Zeta"));  // 'Z' < 'a' bytewise
    s->upsert(make_connector("org-a", "a", "Zeta"));
    s->upsert(make_connector("org-a", "u", "\xc3\xa9t\xc3\xa9"));  // "été": after ASCII
    s->upsert(make_connector("org-b", "9", "other"));
    CHECK(ids_of(s->list("org-a")) == std::vector<std::string>{"a", "b", "1", "0", "2", "u"});
    CHECK(ids_of(s->list("org-b")) == std::vector<std::string>{"9"});
  }

  SECTION("connectors: a round trip keeps every field; config JSON verbatim") {
    auto s = factory(clock).connectors;
    auto c = make_connector("org-a", "id-1", "Docs repo");
    c.kind = "github";
    c.config_json =
        R"({"repo": "docs",  "owner":"smooai", "auth_ref":"GITHUB_TOKEN", "n":[1, 2.50]})";
    c.enabled = false;
    c.created_at = at_us(123'456);
    c.updated_at = at_us(7'654'321);
    s->upsert(c);
    check_same_connector(*s->get("org-a", "id-1"), c);
    auto listed = s->list("org-a");
    REQUIRE(listed.size() == 1);
    check_same_connector(listed[0], c);

    for (const std::string json : {"null", "\"text\"", "[]", "{}", "12.50"}) {
      c.config_json = json;
      s->upsert(c);
      CHECK(s->get("org-a", "id-1")->config_json == json);
    }
  }

  SECTION("connectors: upsert replaces the whole row") {
    auto s = factory(clock).connectors;
    auto c = make_connector("org-a", "1", "first");
    c.config_json = R"({"url":"https://one.test","extra":true})";
    s->upsert(c);
    auto d = make_connector("org-a", "1", "second");
    d.kind = "file";
    d.config_json = R"({"path":"/x"})";
    d.enabled = false;
    d.created_at = at_us(10);
    d.updated_at = at_us(20);
    s->upsert(d);
    check_same_connector(*s->get("org-a", "1"), d);
    CHECK(s->list("org-a").size() == 1);
  }

  SECTION("settings: defaults per org, stamped now on every read") {
    auto s = factory(clock).settings;
    auto d = s->get("org-x");
    CHECK(d.org_id == "org-x");
    CHECK(d.model == default_settings_model);
    CHECK(d.system_prompt == default_system_prompt);
    CHECK_FALSE(d.persona);
    CHECK(d.default_tools.empty());
    CHECK(d.updated_at == clock->now());
    clock->advance(std::chrono::seconds(5));
    CHECK(s->get("org-x").updated_at == clock->now());
  }

  SECTION("settings: put round-trips every field and replaces the whole row") {
    auto s = factory(clock).settings;
    agent_settings a;
    a.org_id = "org-a";
    a.model = "m-1";
    a.system_prompt = "be \"brief\"\nand kind";
    a.persona = "You are Ada.";
    a.default_tools = {"search", "t\xc3\xa9l\xc3\xa9", ""};
    a.updated_at = at_us(987'654'321);
    s->put(a);
    auto got = s->get("org-a");
    CHECK(got.org_id == "org-a");
    CHECK(got.model == a.model);
    CHECK(got.system_prompt == a.system_prompt);
    CHECK(got.persona == a.persona);
    CHECK(got.default_tools == a.default_tools);
    CHECK(got.updated_at == a.updated_at);
    CHECK(s->get("org-b").model == default_settings_model);  // other orgs untouched

    agent_settings b;
    b.org_id = "org-a";
    b.model = "m-2";
    b.system_prompt = "";
    b.updated_at = at_us(5);
    s->put(b);  // no persona, no tools: both cleared
    got = s->get("org-a");
    CHECK(got.model == "m-2");
    CHECK(got.system_prompt.empty());
    CHECK_FALSE(got.persona);
    CHECK(got.default_tools.empty());
    CHECK(got.updated_at == at_us(5));
  }

  SECTION("settings: the persona view follows put at once, per org") {
    auto s = factory(clock).settings;
    const auto view = s->persona_view();
    REQUIRE(view);
    CHECK_FALSE(view->persona_for("org-a"));
    agent_settings a;
    a.org_id = "org-a";
    a.persona = "Persona A";
    a.updated_at = at_us(1);
    s->put(a);
    CHECK(view->persona_for("org-a") == std::optional<std::string>("Persona A"));
    CHECK(s->persona_view()->persona_for("org-a") == std::optional<std::string>("Persona A"));
    CHECK_FALSE(view->persona_for("org-b"));
    a.persona.reset();
    s->put(a);
    CHECK_FALSE(view->persona_for("org-a"));
  }

  SECTION("runs: keyed by the scoped key, oldest first, ties in recording order") {
    auto s = factory(clock).runs;
    const auto ka = scoped_connector_key("org-a", "docs");
    const auto kb = scoped_connector_key("org-b", "docs");
    s->record_run(make_run(ka, "r-late", run_status::succeeded, 3'000'001, std::nullopt));
    s->record_run(make_run(ka, "r-z", run_status::succeeded, 1'000'000, std::nullopt));
    s->record_run(make_run(ka, "r-a", run_status::failed, 1'000'000, std::nullopt));  // same start
    s->record_run(make_run(ka, "r-early", run_status::running, 999'999, std::nullopt));
    s->record_run(make_run(kb, "r-b", run_status::succeeded, 0, std::nullopt));
    CHECK(ids_of(s->list_runs(ka)) == std::vector<std::string>{"r-early", "r-z", "r-a", "r-late"});
    // An upsert keeps the run's place among equal start times.
    auto again = make_run(ka, "r-z", run_status::failed, 1'000'000, std::nullopt);
    again.documents_seen = 3;
    s->record_run(again);
    CHECK(ids_of(s->list_runs(ka)) == std::vector<std::string>{"r-early", "r-z", "r-a", "r-late"});
    CHECK(ids_of(s->list_runs(kb)) == std::vector<std::string>{"r-b"});
    CHECK(s->list_runs(scoped_connector_key("org-c", "docs")).empty());
  }

  SECTION("runs: a round trip keeps every field; upsert by id replaces the whole run") {
    auto s = factory(clock).runs;
    const auto k = scoped_connector_key("org-a", "web");
    auto r = make_run(k, "run-1", run_status::failed, 42, std::string("2025-06-15T15:06:42Z"));
    r.finished_at = at_us(1'000'042);
    r.documents_seen = 22;
    r.chunks_indexed = 9;
    r.documents_skipped = 1;
    r.error = "boom: \"quoted\"";
    s->record_run(r);
    auto runs = s->list_runs(k);
    REQUIRE(runs.size() == 1);
    CHECK(runs[0].id == "run-1");
    CHECK(runs[0].connector_name == k);
    CHECK(runs[0].status == run_status::failed);
    CHECK(runs[0].started_at == r.started_at);
    CHECK(runs[0].finished_at == r.finished_at);
    CHECK(runs[0].documents_seen == 22);
    CHECK(runs[0].chunks_indexed == 9);
    CHECK(runs[0].documents_skipped == 1);
    CHECK(runs[0].cursor == r.cursor);
    CHECK(runs[0].error == r.error);

    auto replaced = make_run(k, "run-1", run_status::succeeded, 43, std::nullopt);
    s->record_run(replaced);
    runs = s->list_runs(k);
    REQUIRE(runs.size() == 1);
    CHECK(runs[0].status == run_status::succeeded);
    CHECK(runs[0].started_at == at_us(43));
    CHECK_FALSE(runs[0].finished_at);
    CHECK(runs[0].documents_seen == 0);
    CHECK_FALSE(runs[0].cursor);
    CHECK_FALSE(runs[0].error);
  }

  SECTION("runs: the cursor is the maximum over succeeded runs only, per key") {
    auto s = factory(clock).runs;
    const auto ka = scoped_connector_key("org-a", "docs");
    const auto kb = scoped_connector_key("org-b", "docs");
    CHECK(ka != kb);
    CHECK(ka == std::string("IXCONN#org-a\x01") + "docs");
    CHECK_FALSE(s->latest_cursor(ka));
    s->record_run(make_run(ka, "r1", run_status::succeeded, 10, "2025-01-02T00:00:00Z"));
    s->record_run(make_run(ka, "r2", run_status::succeeded, 5, "2025-01-01T00:00:00Z"));
    s->record_run(make_run(ka, "r3", run_status::failed, 20, "2099-01-01T00:00:00Z"));
    s->record_run(make_run(ka, "r4", run_status::running, 30, "2098-01-01T00:00:00Z"));
    s->record_run(make_run(ka, "r5", run_status::succeeded, 40, std::nullopt));
    CHECK(s->latest_cursor(ka) == std::optional<std::string>("2025-01-02T00:00:00Z"));
    CHECK_FALSE(s->latest_cursor(kb));
    // Bytewise: "Z..." < "a..." even though a locale collation may say otherwise.
    s->record_run(make_run(kb, "b1", run_status::succeeded, 1, "Zulu"));
    s->record_run(make_run(kb, "b2", run_status::succeeded, 2, "alpha"));
    CHECK(s->latest_cursor(kb) == std::optional<std::string>("alpha"));
    // A run that turns failed no longer counts.
    s->record_run(make_run(ka, "r1", run_status::failed, 10, "2025-01-02T00:00:00Z"));
    CHECK(s->latest_cursor(ka) == std::optional<std::string>("2025-01-01T00:00:00Z"));
  }

  SECTION("runs: connector names are per org, idempotent, sorted bytewise") {
    auto s = factory(clock).runs;
    s->record_connector_name("org-a", "zeta");
    s->record_connector_name("org-a", "alpha");
    s->record_connector_name("org-a", "zeta");
    s->record_connector_name("org-a", "Zeta");
    s->record_connector_name("org-b", "other");
    CHECK(s->connector_names("org-a") == std::vector<std::string>{"Zeta", "alpha", "zeta"});
    CHECK(s->connector_names("org-b") == std::vector<std::string>{"other"});
    CHECK(s->connector_names("org-c").empty());
  }

  SECTION("document sets: distinct documents per set, per org, sorted bytewise") {
    auto s = factory(clock).document_sets;
    CHECK(s->list("org-a").empty());
    s->record_document("org-a", "policies", "d1");
    s->record_document("org-a", "handbook", "d1");
    s->record_document("org-a", "policies", "d2");
    s->record_document("org-a", "policies", "d1");  // again: counted once
    s->record_document("org-a", "Policies", "d3");
    s->record_document("org-b", "secrets", "d1");
    auto a = s->list("org-a");
    REQUIRE(a.size() == 3);
    CHECK(a[0].name == "Policies");
    CHECK(a[0].document_count == 1);
    CHECK(a[1].name == "handbook");
    CHECK(a[1].document_count == 1);
    CHECK(a[2].name == "policies");
    CHECK(a[2].document_count == 2);
    auto b = s->list("org-b");
    REQUIRE(b.size() == 1);
    CHECK(b[0].name == "secrets");
    CHECK(b[0].document_count == 1);
    CHECK(s->list("org-c").empty());
  }
}

}  // namespace so::adapters::tenant::contract
