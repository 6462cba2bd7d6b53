// tests/adapters/gateway_key_resolver_test.cpp — the per-org key rule (admin-auth.md
// §5.1): the org's key overrides, else the env key, else none (LLM_UNAVAILABLE).
#include "adapters/tenant/gateway_key_resolver.hpp"

#include <catch2/catch.hpp>

using namespace so::adapters::tenant;

TEST_CASE("gateway key: the org's key overrides the env key, uncovered orgs fall back",
          "[tenant]") {
  static_key_resolver keys({{"acme", "acme-key"}, {"blank", ""}});
  CHECK(resolve_gateway_key(&keys, "acme", "env") == std::optional<std::string>("acme-key"));
  CHECK(resolve_gateway_key(&keys, "globex", "env") == std::optional<std::string>("env"));
  CHECK(resolve_gateway_key(&keys, "blank", "env") == std::optional<std::string>("env"));
  CHECK(resolve_gateway_key(&keys, "", "env") == std::optional<std::string>("env"));
  CHECK_FALSE(resolve_gateway_key(&keys, "globex", ""));
  CHECK(resolve_gateway_key(&keys, "acme", "") == std::optional<std::string>("acme-key"));
}

TEST_CASE("gateway key: the default resolver and a null one use the env key for every org",
          "[tenant]") {
  env_only_key_resolver none;
  CHECK(resolve_gateway_key(&none, "acme", "env") == std::optional<std::string>("env"));
  CHECK_FALSE(resolve_gateway_key(&none, "acme", ""));
  CHECK(resolve_gateway_key(nullptr, "acme", "env") == std::optional<std::string>("env"));
  CHECK_FALSE(resolve_gateway_key(nullptr, "acme", ""));
}
