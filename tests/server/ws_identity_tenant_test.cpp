// tests/server/ws_identity_tenant_test.cpp — the per-org seams of a turn (admin-auth.md
// §5.1, §5.2, §5.4; decisions.md: persona and host tools use the session's org): the
// gateway key resolved for the conversation's org reaches the gateway (env key as the
// fallback, LLM_UNAVAILABLE without any), the persona of the session's org replaces the
// system prompt, and host tools see the session's org, the connection's access, the
// conversation and the resolved key.
#include "adapters/llm/agent_prompt.hpp"
#include "protocol/suggested_replies.hpp"
#include "tests/server/ws_identity_support.hpp"
#include "tests/support/net/fake_gateway.hpp"

namespace so::test::identity {
namespace {

using turns::text;

std::shared_ptr<map_authenticator> tenants() {
  return std::make_shared<map_authenticator>(
      std::map<std::string, auth::principal>{
          {"tok-acme", make_principal("u-acme", "acme", "a@acme.test", {"staff"})},
          {"tok-globex", make_principal("u-globex", "globex", "g@globex.test")}},
      /*single_user=*/false);
}

net::server_options gateway_server(const fake_gateway& fake, std::string env_key) {
  auto o = turns::base_options();
  o.config.gateway_url = fake.base_url();
  o.config.gateway_key = std::move(env_key);
  o.authenticator = tenants();
  o.gateway_key_resolver = std::make_shared<adapters::tenant::static_key_resolver>(
      std::map<std::string, std::string>{{"acme", "acme-key"}});
  return o;
}

/// Runs one turn on a new connection with `token`; returns its frames.
std::vector<frame> one_turn(net::server& server, const std::string& token) {
  auto ws = connect_as(server, token);
  const auto sid = create(*ws, "r-create").str("/data/sessionId");
  turns::start_turn(*ws, sid, "r-turn", "hello");
  return turns::read_turn(*ws, "r-turn");
}

/// Records the context of every turn that asks it for tools.
class recording_tool_provider final : public adapters::tools::tool_provider {
 public:
  std::vector<adapters::tools::tool_ptr> tools_for(
      const adapters::tools::tool_context& ctx) override {
    std::lock_guard lock(mu_);
    seen_.push_back(ctx);
    return {std::make_shared<adapters::tools::fixed_result_tool>("org_tool_" + ctx.org_id, "ok")};
  }
  std::vector<adapters::tools::tool_context> seen() const {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<adapters::tools::tool_context> seen_;
};

}  // namespace

TEST_CASE("ws identity: the gateway key is resolved per conversation org, the env key as fallback",
          "[identity]") {
  fake_gateway fake({text("for acme"), text("for the seed org")});
  net::server server(gateway_server(fake, "env-key"));

  turns::require_reply(one_turn(server, "tok-acme").back(), "r-turn", "for acme");
  turns::require_reply(one_turn(server, "").back(), "r-turn", "for the seed org");

  auto reqs = fake.requests();
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[0].authorization == "Bearer acme-key");  // org acme: its own key
  CHECK(reqs[1].authorization == "Bearer env-key");   // reference-org: not covered
}

TEST_CASE("ws identity: a conversation whose org resolves no key and no env key is LLM_UNAVAILABLE",
          "[identity]") {
  fake_gateway fake({text("acme still works")});
  net::server server(gateway_server(fake, /*env_key=*/""));

  // globex has no key of its own and there is no env key: refused before any 202.
  auto ws = connect_as(server, "tok-globex");
  const auto sid = create(*ws, "r-create").str("/data/sessionId");
  turns::send_message(*ws, sid, "r-turn", "hello");
  auto f = turns::expect(*ws, "error");
  CHECK(f.rid() == "r-turn");
  CHECK(f.str("/error/code") == "LLM_UNAVAILABLE");

  // acme's key makes the gateway usable even without an env key.
  turns::require_reply(one_turn(server, "tok-acme").back(), "r-turn", "acme still works");
  auto reqs = fake.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].authorization == "Bearer acme-key");
}

TEST_CASE("ws identity: the persona of the session's org replaces the system prompt",
          "[identity]") {
  fake_gateway fake({text("one"), text("two")});
  auto o = gateway_server(fake, "env-key");
  o.persona = std::make_shared<adapters::llm::static_persona_source>(
      std::map<std::string, std::string>{{"acme", "You are Acme's concierge."}});
  net::server server(std::move(o));

  one_turn(server, "tok-acme");
  one_turn(server, "");  // the seed org has no persona: the built-in prompt

  auto reqs = fake.requests();
  REQUIRE(reqs.size() == 2);
  frame acme(reqs[0].body);
  CHECK(acme.str("/messages/0/role") == "system");
  // Issue 12: every system prompt ends with the suggested-replies section.
  const auto replies = "\n\n" + std::string(protocol::suggested_replies_prompt);
  CHECK(acme.str("/messages/0/content") == "You are Acme's concierge." + replies);
  frame seed(reqs[1].body);
  CHECK(seed.str("/messages/0/content") ==
        std::string(adapters::llm::default_system_prompt) + replies);
}

TEST_CASE("ws identity: host tools see the session's org, the access, the conversation and the key",
          "[identity]") {
  fake_gateway fake({text("one"), text("two")});
  auto o = gateway_server(fake, "env-key");
  auto provider = std::make_shared<recording_tool_provider>();
  o.host_tools = provider;
  net::server server(std::move(o));

  auto ws = connect_as(server, "tok-acme");
  auto created = create(*ws, "r-create");
  turns::start_turn(*ws, created.str("/data/sessionId"), "r-turn", "hello");
  turns::read_turn(*ws, "r-turn");
  one_turn(server, "");

  auto seen = provider->seen();
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].org_id == "acme");
  CHECK(seen[0].conversation_id == created.str("/data/conversationId"));
  CHECK(seen[0].access.user_id == std::optional<std::string>("u-acme"));
  CHECK(seen[0].access.groups == std::vector<std::string>{"staff"});
  CHECK(seen[0].access.organization_id == std::optional<std::string>("acme"));
  CHECK(seen[0].gateway_key == std::optional<std::string>("acme-key"));
  // Anonymous: no user, the session's org filled into the access context (§3.2).
  CHECK(seen[1].org_id == "reference-org");
  CHECK_FALSE(seen[1].access.user_id);
  CHECK(seen[1].access.organization_id == std::optional<std::string>("reference-org"));
  CHECK(seen[1].gateway_key == std::optional<std::string>("env-key"));

  // The org's tool was offered to the model of that org's turn only.
  auto reqs = fake.requests();
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[0].body.find("org_tool_acme") != std::string::npos);
  CHECK(reqs[1].body.find("org_tool_acme") == std::string::npos);
}

}  // namespace so::test::identity
