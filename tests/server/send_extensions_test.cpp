// tests/server/send_extensions_test.cpp — send_message's `model` (allowed only when listed in
// SMOOTH_AGENT_ALLOWED_MODELS: our rule), `skill` (SMOOTH_SKILLS_DIR/<name>/SKILL.md,
// SKILL_NOT_FOUND before anything runs, no escape from the root) and fail-soft `images[]`
// / `files[]` (later-protocol.md §6), end to end with a scripted model.
#include "adapters/tools/tool.hpp"
#include "tests/server/turn_test_support.hpp"
#include "tests/support/temp_dir.hpp"

namespace so::test::turns {
namespace {

/// A host tool provider recording the files each turn's context carries.
class files_probe final : public adapters::tools::tool_provider {
 public:
  std::vector<adapters::tools::tool_ptr> tools_for(
      const adapters::tools::tool_context& ctx) override {
    std::lock_guard lock(mu_);
    seen_.push_back(ctx.files);
    return {};
  }
  std::vector<std::vector<adapters::tools::tool_context::file>> seen() const {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  mutable std::mutex mu_;
  mutable std::vector<std::vector<adapters::tools::tool_context::file>> seen_;
};

struct extension_server {
  temp_dir skills{"so-skills-"};
  std::shared_ptr<llm::scripted_provider> script = std::make_shared<llm::scripted_provider>();
  std::shared_ptr<files_probe> probe = std::make_shared<files_probe>();
  std::unique_ptr<net::server> server;

  explicit extension_server(bool with_skills = true) {
    skills.write("greet/SKILL.md", "---\nname: greet\n---\nGreet the user by name.\n");
    auto o = base_options();
    o.llm_override = script;
    o.host_tools = probe;
    o.config.allowed_models = {"fast-model", "smart-model"};
    if (with_skills) o.config.skills_dirs = {skills.path.string()};
    server = std::make_unique<net::server>(std::move(o));
  }
};

void send(ws_client& ws, const std::string& sid, const std::string& rid, const std::string& extra) {
  ws.send_text(R"({"action":"send_message","requestId":)" + quote(rid) + R"(,"sessionId":)" +
               quote(sid) + R"(,"message":"hello there")" + extra + "}");
}

}  // namespace

TEST_CASE("send_message model: an allowed model runs the turn, any other is VALIDATION_ERROR",
          "[send-extensions]") {
  extension_server s;
  auto ws = connect(*s.server);
  const auto sid = create_session_id(*ws);

  s.script->push(text("ok"));
  send(*ws, sid, "r-1", R"(,"model":" smart-model ")");
  require_reply(read_turn(*ws, "r-1").back(), "r-1", "ok");
  s.script->push(text("ok"));
  send(*ws, sid, "r-2", R"(,"model":"  ")");  // blank: the configured model
  require_reply(read_turn(*ws, "r-2").back(), "r-2", "ok");
  auto reqs = s.script->requests();
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[0].model == "smart-model");
  CHECK(reqs[1].model == adapters::server_config{}.model);

  send(*ws, sid, "r-3", R"(,"model":"expensive-model")");
  require_error(expect(*ws, "error"), "VALIDATION_ERROR",
                "model 'expensive-model' is not allowed on this server", "r-3");
  require_pong_next(*ws);  // no 202, nothing else
  CHECK(s.script->requests().size() == 2);
  CHECK(stored_messages(*ws, sid).size() == 4);  // nothing stored for r-3
  require_quiescent(*s.server);
}

TEST_CASE(
    "send_message skill: the body joins this turn's system prompt, the stored message is "
    "exactly `message`",
    "[send-extensions]") {
  extension_server s;
  auto ws = connect(*s.server);
  const auto sid = create_session_id(*ws);
  s.script->push(text("Hi Ada!"));
  send(*ws, sid, "r-skill", R"(,"skill":" greet ")");
  require_reply(read_turn(*ws, "r-skill").back(), "r-skill", "Hi Ada!");
  auto reqs = s.script->requests();
  REQUIRE(reqs.size() == 1);
  REQUIRE(!reqs[0].messages.empty());
  const auto& system = reqs[0].messages[0].content;
  CHECK(system.find("## Skill: greet\n\nThe user invoked this skill for this turn. Follow "
                    "it.\n\nGreet the user by name.") != std::string::npos);
  CHECK(system.find("name: greet") == std::string::npos);  // front matter stripped
  CHECK(stored_messages(*ws, sid) == stored{{"inbound", "hello there"}, {"outbound", "Hi Ada!"}});

  // The next turn without a skill has no skill section; an empty skill is an ordinary turn.
  s.script->push(text("plain"));
  send(*ws, sid, "r-plain", R"(,"skill":"")");
  require_reply(read_turn(*ws, "r-plain").back(), "r-plain", "plain");
  CHECK(s.script->requests().at(1).messages.at(0).content.find("## Skill:") == std::string::npos);
}

TEST_CASE(
    "send_message skill: unknown, escaping or unconfigured skills are SKILL_NOT_FOUND "
    "before the session check, with no 202 and no model call",
    "[send-extensions]") {
  extension_server s;
  temp_dir outside{"so-outside-"};
  outside.write("secret/SKILL.md", "never read");
  auto ws = connect(*s.server);
  const auto sid = create_session_id(*ws);
  const auto escape = "../" + outside.path.filename().string() + "/secret";
  for (const std::string& name : {std::string("nope"), std::string("../greet"), escape,
                                  std::string("greet/../greet"), std::string("a/b")}) {
    INFO(name);
    send(*ws, sid, "r-x", R"(,"skill":)" + quote(name));
    require_error(expect(*ws, "error"), "SKILL_NOT_FOUND",
                  "skill '" + name + "' is not available on this server", "r-x");
  }
  // Before the session: an unknown session with an unknown skill reports the skill.
  send(*ws, "no-such-session", "r-y", R"(,"skill":"nope")");
  require_error(expect(*ws, "error"), "SKILL_NOT_FOUND",
                "skill 'nope' is not available on this server", "r-y");
  require_pong_next(*ws);
  CHECK(s.script->requests().empty());
  CHECK(stored_messages(*ws, sid).empty());

  extension_server unconfigured(/*with_skills=*/false);
  auto other = connect(*unconfigured.server);
  const auto sid2 = create_session_id(*other);
  send(*other, sid2, "r-z", R"(,"skill":"greet")");
  require_error(expect(*other, "error"), "SKILL_NOT_FOUND",
                "skill 'greet' is not available on this server", "r-z");
}

TEST_CASE(
    "send_message images/files: malformed entries never reject the turn, valid images "
    "reach the model, files only the host tools",
    "[send-extensions]") {
  extension_server s;
  auto ws = connect(*s.server);
  const auto sid = create_session_id(*ws);
  s.script->push(text("a cat"));
  send(*ws, sid, "r-img",
       R"(,"images":[{"url":"https://x/cat.png","detail":"low"},{"nope":1},3],)"
       R"("files":[{"name":"a.csv","url":"data:text/csv;base64,YQ=="},{"url":"missing-name"}])");
  require_reply(read_turn(*ws, "r-img").back(), "r-img", "a cat");
  auto reqs = s.script->requests();
  REQUIRE(reqs.size() == 1);
  const auto& user = reqs[0].messages.back();
  CHECK(user.role == llm::role::user);
  CHECK(user.content == "hello there");
  REQUIRE(user.images.size() == 1);
  CHECK(user.images[0].url == "https://x/cat.png");
  CHECK(user.images[0].detail == "low");
  auto seen = s.probe->seen();
  REQUIRE(seen.size() == 1);
  REQUIRE(seen[0].size() == 1);
  CHECK(seen[0][0].name == "a.csv");
  CHECK(seen[0][0].url == "data:text/csv;base64,YQ==");
  // Not persisted, not replayed: the next turn's history has the text only.
  s.script->push(text("ok"));
  send(*ws, sid, "r-next", R"(,"images":"not an array")");
  require_reply(read_turn(*ws, "r-next").back(), "r-next", "ok");
  const auto requests = s.script->requests();  // a copy: the loop must not outlive it
  REQUIRE(requests.size() >= 2);
  for (const auto& m : requests.at(1).messages) CHECK(m.images.empty());
  CHECK(stored_messages(*ws, sid) == stored{{"inbound", "hello there"},
                                            {"outbound", "a cat"},
                                            {"inbound", "hello there"},
                                            {"outbound", "ok"}});
}

}  // namespace so::test::turns
