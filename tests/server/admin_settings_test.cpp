// Whole-server tests of the settings routes (admin-auth.md §2.2, §5.2) and of the
// persona they hand to turns.
#include "protocol/suggested_replies.hpp"
#include "tests/server/admin_test_support.hpp"

using namespace so;
using namespace so::test::admin;
using so::test::srv::at;
using so::test::srv::str;

TEST_CASE("admin settings: defaults, admin PUT replaces, org isolation", "[admin][settings]") {
  admin_server s;
  auto r = call(s.port(), "GET", "/admin/settings", "curator-a");
  REQUIRE(r.status == 200);
  auto d = json(r);
  CHECK(str(d, "/settings/orgId") == "org-a");
  CHECK(str(d, "/settings/model") == "gpt-4o-mini");
  CHECK(str(d, "/settings/systemPrompt").find("helpful support assistant") != std::string::npos);
  CHECK(at(d, "/settings/persona")->IsNull());
  CHECK(at(d, "/settings/defaultTools")->Size() == 0);
  CHECK(str(d, "/settings/updatedAt").back() == 'Z');

  r = call(
      s.port(), "PUT", "/admin/settings", "admin-a",
      R"({"model":"claude-test","systemPrompt":"be terse","defaultTools":["knowledge_search"],"persona":"You are Ada.","x":1})");
  REQUIRE(r.status == 200);
  d = json(r);
  CHECK(str(d, "/settings/model") == "claude-test");
  CHECK(str(d, "/settings/persona") == "You are Ada.");
  d = json(call(s.port(), "GET", "/admin/settings", "curator-a"));
  CHECK(str(d, "/settings/model") == "claude-test");
  CHECK(str(d, "/settings/systemPrompt") == "be terse");
  CHECK(str(d, "/settings/defaultTools/0") == "knowledge_search");
  d = json(call(s.port(), "GET", "/admin/settings", "curator-b"));  // the other org
  CHECK(str(d, "/settings/orgId") == "org-b");
  CHECK(str(d, "/settings/model") == "gpt-4o-mini");
  CHECK(at(d, "/settings/persona")->IsNull());

  // Omitting persona clears it.
  d = json(
      call(s.port(), "PUT", "/admin/settings", "admin-a", R"({"model":"m","systemPrompt":"p"})"));
  CHECK(at(d, "/settings/persona")->IsNull());
  CHECK(at(d, "/settings/defaultTools")->Size() == 0);
}

TEST_CASE("admin settings: roles and framework rejections", "[admin][settings]") {
  admin_server s;
  const std::string ok = R"({"model":"m","systemPrompt":"p"})";
  CHECK(call(s.port(), "GET", "/admin/settings", "alice").status == 403);
  CHECK(call(s.port(), "PUT", "/admin/settings", "alice", ok).status == 403);
  CHECK(call(s.port(), "PUT", "/admin/settings", "curator-a", ok).status == 403);
  CHECK(call(s.port(), "PUT", "/admin/settings", "curator-a", "{bad").status == 403);
  CHECK(call(s.port(), "PUT", "/admin/settings", "", ok).status == 401);
  CHECK(call(s.port(), "POST", "/admin/settings", "admin-a", ok).status == 405);
  CHECK(call(s.port(), "PUT", "/admin/settings", "admin-a", ok, "").status == 415);
  CHECK(call(s.port(), "PUT", "/admin/settings", "admin-a", "{bad").status == 400);
  for (const char* body :
       {R"({"systemPrompt":"p"})", R"({"model":"m"})", R"({"model":1,"systemPrompt":"p"})",
        R"({"model":"m","systemPrompt":"p","persona":5})",
        R"({"model":"m","systemPrompt":"p","defaultTools":"x"})",
        R"({"model":"m","systemPrompt":"p","defaultTools":[1]})", "[]"}) {
    INFO(body);
    CHECK(call(s.port(), "PUT", "/admin/settings", "admin-a", body).status == 422);
  }
  CHECK(str(json(call(s.port(), "GET", "/admin/settings", "admin-a")), "/settings/model") ==
        "gpt-4o-mini");
}

TEST_CASE("admin settings: the org's persona reaches that org's turns only",
          "[admin][settings][persona]") {
  adapters::tenant::memory_settings_store store(nullptr);
  adapters::tenant::agent_settings a;
  a.org_id = "org-a";
  a.persona = "You are Ada.";
  store.put(a);
  const auto view = store.persona_view();
  CHECK(view->persona_for("org-a") == std::optional<std::string>("You are Ada."));
  CHECK_FALSE(view->persona_for("org-b"));
  a.persona.reset();
  store.put(a);
  CHECK_FALSE(view->persona_for("org-a"));  // the view follows later writes

  auto host = std::make_shared<adapters::llm::static_persona_source>(
      std::map<std::string, std::string>{{"org-b", "host persona"}, {"org-a", "host a"}});
  a.persona = "You are Ada.";
  store.put(a);
  adapters::tenant::fallback_persona_source chained(view, host);
  CHECK(chained.persona_for("org-a") == std::optional<std::string>("You are Ada."));
  CHECK(chained.persona_for("org-b") == std::optional<std::string>("host persona"));
  CHECK_FALSE(chained.persona_for("org-c"));
}

TEST_CASE("admin settings: a persona PUT by the org's admin becomes its turns' system prompt",
          "[admin][settings][persona]") {
  auto script = test::scripted_texts({"one", "two"});
  auto o = test::srv::scripted_options(script);
  admin_server s(o);
  auto ws = test::srv::connect_to(*s.server);
  const auto ids = test::srv::create_session(ws);  // no token: org reference-org

  // Another org's persona does not reach this session.
  REQUIRE(call(s.port(), "PUT", "/admin/settings", "admin-a",
               R"({"model":"m","systemPrompt":"p","persona":"org-a persona"})")
              .status == 200);
  test::srv::run_turn(ws, ids.session_id, "hi", "r-1");
  REQUIRE(call(s.port(), "PUT", "/admin/settings", "admin-ref",
               R"({"model":"m","systemPrompt":"p","persona":"You are the reference persona."})")
              .status == 200);
  test::srv::run_turn(ws, ids.session_id, "again", "r-2");

  const auto reqs = script->requests();
  REQUIRE(reqs.size() == 2);
  REQUIRE_FALSE(reqs[0].messages.empty());
  CHECK(reqs[0].messages[0].role == adapters::llm::role::system);
  CHECK(reqs[0].messages[0].content.find("org-a persona") == std::string::npos);
  CHECK(reqs[1].messages[0].content ==  // issue 12: then the suggested-replies section
        "You are the reference persona.\n\n" + std::string(protocol::suggested_replies_prompt));
}
