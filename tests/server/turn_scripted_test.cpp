// tests/server/turn_scripted_test.cpp — loop edge cases with the in-process scripted
// provider (issue "LLM turns"; engine.md §1.9, §1.11, §4).
#include "adapters/tools/fixed_result_tool.hpp"
#include "tests/server/turn_test_support.hpp"

namespace so::test::turns {
namespace {

constexpr const char* kFinalReminderStart = "MAXIMUM ITERATIONS REACHED.";

}  // namespace

TEST_CASE("scripted: the iteration cap ends the turn successfully with an empty reply", "[turn]") {
  auto script = std::make_shared<llm::scripted_provider>(std::vector<llm::script_entry>{
      tool_call("lookup", "{}", "call-1"), tool_call("lookup", "{}", "call-2"),
      tool_call("lookup", "{}", "call-3")});
  auto o = base_options();
  o.config.max_iterations = 2;
  o.llm_override = script;
  o.extra_tools.push_back(std::make_shared<adapters::tools::fixed_result_tool>("lookup", "found"));
  net::server server(std::move(o));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);

  start_turn(*ws, sid, "r-cap", "loop forever");
  auto frames = read_turn(*ws, "r-cap");
  // Tools of the last allowed iteration still run (engine.md §1.9).
  CHECK(of_type(frames, "stream_chunk", "toolCall").size() == 2);
  CHECK(of_type(frames, "stream_chunk", "toolResult").size() == 2);
  require_reply(frames.back(), "r-cap", "");
  CHECK(script->remaining() == 1);  // exactly 2 LLM calls

  // The final-iteration reminder is on the 2nd call only, hoisted among the system messages.
  auto reqs = script->requests();
  REQUIRE(reqs.size() == 2);
  auto has_reminder = [](const llm::chat_request& r) {
    for (const auto& m : r.messages)
      if (m.role == llm::role::system && m.content.rfind(kFinalReminderStart, 0) == 0) return true;
    return false;
  };
  CHECK_FALSE(has_reminder(reqs[0]));
  CHECK(has_reminder(reqs[1]));
  REQUIRE(reqs[1].messages.size() >= 2);
  CHECK(reqs[1].messages[1].role == llm::role::system);

  // An empty reply is not persisted (engine.md §1.12).
  CHECK(stored_messages(*ws, sid) == stored{{"inbound", "loop forever"}});
  require_quiescent(server);
}

TEST_CASE("scripted: an unknown tool yields an error result and the turn continues", "[turn]") {
  auto script = std::make_shared<llm::scripted_provider>(std::vector<llm::script_entry>{
      tool_call("no_such_tool", R"({"a":1})"), text("I could not do that.")});
  auto o = base_options();
  o.llm_override = script;
  net::server server(std::move(o));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);

  start_turn(*ws, sid, "r-unknown", "do the impossible");
  auto frames = read_turn(*ws, "r-unknown");
  auto calls = of_type(frames, "stream_chunk", "toolCall");
  auto results = of_type(frames, "stream_chunk", "toolResult");
  REQUIRE(calls.size() == 1);
  REQUIRE(results.size() == 1);
  require_tool_call(calls[0], "no_such_tool", R"({"a":1})");
  require_tool_result(results[0], "no_such_tool", true, "unknown tool: no_such_tool");
  require_reply(frames.back(), "r-unknown", "I could not do that.");
  // The model saw the error text as the tool message.
  auto reqs = script->requests();
  REQUIRE(reqs.size() == 2);
  REQUIRE_FALSE(reqs[1].messages.empty());
  CHECK(reqs[1].messages.back().role == llm::role::tool);
  CHECK(reqs[1].messages.back().content == "unknown tool: no_such_tool");
  require_quiescent(server);
}

TEST_CASE("scripted: a drained script gives an empty reply, never a stale one", "[turn]") {
  auto script = std::make_shared<llm::scripted_provider>(
      std::vector<llm::script_entry>{text("first answer")});
  auto o = base_options();
  o.llm_override = script;
  net::server server(std::move(o));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);

  start_turn(*ws, sid, "r-1", "one");
  require_reply(read_turn(*ws, "r-1").back(), "r-1", "first answer");
  // decisions.md: the reply is this turn's text only, so no reuse of "first answer".
  start_turn(*ws, sid, "r-2", "two");
  auto frames = read_turn(*ws, "r-2");
  require_reply(frames.back(), "r-2", "");
  CHECK_FALSE(frames.back().has("/data/data/usage"));  // a drained script reports none
  CHECK(stored_messages(*ws, sid) ==
        stored{{"inbound", "one"}, {"outbound", "first answer"}, {"inbound", "two"}});
  require_quiescent(server);
}

}  // namespace so::test::turns
