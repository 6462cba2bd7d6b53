// tests/actors/connection_scope_test.cpp — the per-user scope rules (admin-auth.md §9)
// as pure functions: which scope a connection gets, email ownership, and whose email is
// stamped on a new session.
#include "actors/connection_scope.hpp"

#include <catch2/catch.hpp>

using namespace so::actors;
using so::adapters::auth::principal;

namespace {

principal with_email(std::optional<std::string> email) {
  principal p;
  p.user_id = "u";
  p.org_id = "acme";
  p.email = std::move(email);
  return p;
}

so::protocol::participant participant(std::string type, std::optional<std::string> email) {
  so::protocol::participant p;
  p.type = std::move(type);
  p.email = std::move(email);
  return p;
}

}  // namespace

TEST_CASE("scope: single-user modes are unscoped, else user by email, else denied", "[scope]") {
  CHECK(scope_for(true, std::nullopt).kind == scope_kind::unscoped);
  CHECK(scope_for(true, with_email("a@x")).kind == scope_kind::unscoped);
  auto user = scope_for(false, with_email("a@x"));
  CHECK(user.kind == scope_kind::user);
  CHECK(user.email == "a@x");
  CHECK(scope_for(false, with_email(std::nullopt)).kind == scope_kind::denied);
  CHECK(scope_for(false, with_email("")).kind == scope_kind::denied);
  CHECK(scope_for(false, std::nullopt).kind == scope_kind::denied);
}

TEST_CASE("scope: ownership is a user participant with the email, case-insensitive", "[scope]") {
  std::vector<so::protocol::participant> ps{participant("ai-agent", "a@x.test"),
                                            participant("user", "Alice@X.Test")};
  CHECK(owned_by(ps, "alice@x.test"));
  CHECK_FALSE(owned_by(ps, "a@x.test"));  // only the agent has it
  CHECK_FALSE(owned_by(ps, "bob@x.test"));
  CHECK_FALSE(owned_by({participant("user", " ")}, " "));  // blank never matches
  CHECK_FALSE(owned_by({participant("user", std::nullopt)}, "alice@x.test"));
  CHECK_FALSE(same_email("", ""));
}

TEST_CASE("scope: the principal's email wins over the frame's userEmail", "[scope]") {
  CHECK(creator_email(with_email("p@x"), std::string("frame@x")) ==
        std::optional<std::string>("p@x"));
  CHECK(creator_email(with_email(std::nullopt), std::string("frame@x")) ==
        std::optional<std::string>("frame@x"));
  CHECK(creator_email(std::nullopt, std::string("frame@x")) ==
        std::optional<std::string>("frame@x"));
  CHECK_FALSE(creator_email(std::nullopt, std::nullopt));
}
