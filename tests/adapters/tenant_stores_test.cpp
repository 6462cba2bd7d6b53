// Tenant stores (adapters/tenant/) in memory: the shared store contract
// (tenant_store_contract.hpp, also run on PostgreSQL in postgres_tenant_stores_test.cpp)
// and the pure helpers (connector kind, auth_ref).
#include "tests/adapters/tenant_store_contract.hpp"

#include <catch2/catch.hpp>

using namespace so::adapters::tenant;

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

TEST_CASE("tenant: the in-memory stores satisfy the tenant store contract", "[tenant]") {
  contract::run_tenant_store_contract([](so::protocol::clock_ptr clock) {
    contract::tenant_store_set s;
    s.connectors = std::make_shared<memory_connector_config_store>();
    s.settings = std::make_shared<memory_settings_store>(std::move(clock));
    s.runs = std::make_shared<memory_indexing_run_store>();
    s.document_sets = std::make_shared<memory_document_set_store>();
    return s;
  });
}

TEST_CASE("tenant: the in-memory persona view outlives its store", "[tenant]") {
  so::adapters::llm::persona_source_ptr view;
  {
    memory_settings_store s(nullptr);
    agent_settings a;
    a.org_id = "org-a";
    a.persona = "kept";
    s.put(a);
    view = s.persona_view();
  }
  CHECK(view->persona_for("org-a") == std::optional<std::string>("kept"));
}
