// Principal → access context and the role order (admin-auth.md §1.6–§1.7, §3.2).
#include "adapters/auth/principal.hpp"

#include <catch2/catch.hpp>

using namespace so::adapters;
using namespace so::adapters::auth;

TEST_CASE("principal: roles are ordered basic < curator < admin", "[auth]") {
  CHECK(role_at_least(role::admin, role::curator));
  CHECK(role_at_least(role::curator, role::curator));
  CHECK_FALSE(role_at_least(role::basic, role::curator));
  CHECK_FALSE(role_at_least(role::curator, role::admin));
  CHECK(std::string(role_name(role::curator)) == "curator");
}

TEST_CASE("principal: the access context carries user, groups and org, never admin rights",
          "[auth]") {
  access_context anonymous;  // §3.2: no user, no groups, no org
  CHECK_FALSE(anonymous.user_id);
  CHECK(anonymous.groups.empty());
  CHECK_FALSE(anonymous.organization_id);

  principal p;
  p.user_id = "u1";
  p.org_id = "acme";
  p.groups = {"eng", "github:acme/secret"};
  p.user_role = role::admin;
  const auto a = access_for(p);
  CHECK(a.user_id == std::optional<std::string>("u1"));
  CHECK(a.groups == p.groups);
  CHECK(a.organization_id == std::optional<std::string>("acme"));
  CHECK_FALSE(a.is_admin);  // roles have no effect on chat retrieval (§1.7)
}
