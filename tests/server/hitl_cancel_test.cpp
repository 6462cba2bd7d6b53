// tests/server/hitl_cancel_test.cpp — the `cancel` action through a whole server
// (issue "Human in the loop"; protocol.md §9.1, engine.md §10, decisions.md cancel row).
//
// A cancelled turn ends with `cancelled` 499 instead of eventual_response,
// persists nothing but the user message, consumes no further LLM calls, and
// leaves no actor behind. A cancel with nothing to cancel emits nothing.
#include "tests/server/turn_test_support.hpp"
#include "tests/support/net/http_test_server.hpp"

namespace so::test::turns {
namespace {

/// A confirming server whose first turn parks on delete_record and whose next reply
/// is "fresh turn".
struct parked_server : confirming_server {
  parked_server()
      : confirming_server({tool_call("delete_record", R"({"id":"42"})"), text("fresh turn")}) {}
};

}  // namespace

TEST_CASE("cancel: while parked on a confirmation, emits cancelled instead of a reply", "[hitl]") {
  const bool with_session = GENERATE(true, false);
  CAPTURE(with_session);
  parked_server fx;
  auto ws = connect(*fx.server);
  const auto sid = create_session_id(*ws);
  park_on_confirmation(*ws, sid, "r-parked");

  // Without a sessionId the connection's own turn is cancelled.
  cancel(*ws, "r-stop", with_session ? std::optional<std::string>(sid) : std::nullopt);
  auto frames = read_turn(*ws, "r-parked", 5s);
  REQUIRE(frames.size() == 1);  // nothing of the turn before `cancelled`
  require_cancelled(frames.back(), "r-parked");
  require_quiescent(*fx.server);
  // Nothing follows the cancelled event.
  require_pong_next(*ws);

  // The parked confirmation went with the turn.
  confirm(*ws, sid, true, "r-too-late");
  require_error(expect(*ws, "error"), "NO_PENDING_CONFIRMATION",
                "no tool action is awaiting confirmation for session '" + sid + "'", "r-too-late");
  CHECK(stored_messages(*ws, sid) == stored{{"inbound", "delete record 42"}});
  CHECK(fx.script->remaining() == 1);  // the cancelled turn made no further LLM call

  // The session takes a new turn, which gets the next script entry.
  start_turn(*ws, sid, "r-fresh", "hello again");
  require_reply(read_turn(*ws, "r-fresh").back(), "r-fresh", "fresh turn");
  require_quiescent(*fx.server);
}

TEST_CASE("cancel: with no active turn emits nothing at all", "[hitl]") {
  parked_server fx;
  auto ws = connect(*fx.server);
  const auto sid = create_session_id(*ws);

  cancel(*ws, "r-c1", sid);
  cancel(*ws, "r-c2");
  cancel(*ws, "r-c3", std::string("00000000-0000-0000-0000-000000000000"));
  require_pong_next(*ws, "r-ping-1");

  // Also after a turn has finished.
  start_turn(*ws, sid, "r-turn", "delete record 42");
  expect(*ws, "write_confirmation_required");
  expect(*ws, "stream_chunk");
  confirm(*ws, sid, true, "r-yes");
  expect(*ws, "immediate_response");
  require_reply(read_turn(*ws, "r-turn").back(), "r-turn", "fresh turn");
  cancel(*ws, "r-c4");
  cancel(*ws, "r-c5", sid);
  require_pong_next(*ws, "r-ping-2");
  require_quiescent(*fx.server);
}

TEST_CASE("cancel: during a slow webhook tool call ends the turn at once", "[hitl]") {
  http_test_server hook([](const http_test_request&) {
    http_test_response r;
    r.body = "eventually";
    r.delay = 4000ms;
    return r;
  });
  // Through SMOOTH_AGENT_TOOLS_FILE, so the webhook uses the server's own HTTP
  // client: the call abandoned by the cancel is torn down with the server.
  temp_file tools_file(R"([{"name":"slow_hook","url":")" + hook.url("/hook") +
                       R"(","timeoutMs":20000}])");
  auto script = std::make_shared<llm::scripted_provider>(
      std::vector<llm::script_entry>{tool_call("slow_hook"), text("unused"), text("next turn")});
  auto o = base_options();
  o.llm_override = script;
  o.config.tools_file = tools_file.path();
  net::server server(std::move(o));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);

  start_turn(*ws, sid, "r-hook", "call the slow hook");
  require_tool_call(expect(*ws, "stream_chunk"), "slow_hook", "{}");
  // Wait until the webhook request is really in flight.
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (hook.requests().empty() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(10ms);
  REQUIRE(hook.requests().size() == 1);

  const auto cancelled_at = std::chrono::steady_clock::now();
  cancel(*ws, "r-stop", sid);
  // Well before the 4 s handler answers: the tool wait was abandoned.
  auto frames = read_turn(*ws, "r-hook", 2500ms);
  CHECK(std::chrono::steady_clock::now() - cancelled_at < 2500ms);
  REQUIRE(frames.size() == 1);
  require_cancelled(frames.back(), "r-hook");
  require_quiescent(server);
  CHECK(script->remaining() == 2);
  CHECK(stored_messages(*ws, sid) == stored{{"inbound", "call the slow hook"}});
  require_pong_next(*ws);
}

}  // namespace so::test::turns
