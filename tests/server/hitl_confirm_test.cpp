// tests/server/hitl_confirm_test.cpp — write-confirmation HITL through a whole server
// (issue "Human in the loop"; engine.md §5, protocol.md §3.6, decisions.md ordering rows).
//
// Server: confirm_tools = {"delete"}, a counting "delete_record" tool, and the
// in-process scripted provider (the ordering logic is the same for every provider).
#include "adapters/tools/tool.hpp"
#include "tests/server/turn_test_support.hpp"

#include <atomic>

namespace so::test::turns {
namespace {

constexpr const char* kDeleted = "Record 42 deleted.";
constexpr const char* kPrompt = "Tool 'delete_record' requires confirmation. Allow?";
constexpr const char* kDenied = "blocked by hook: User denied: user rejected the action";

/// A tool that returns a fixed text and counts its invocations (to prove a
/// denied call never ran).
class counting_tool final : public adapters::tools::tool {
 public:
  counting_tool(std::string name, std::string result) : result_(std::move(result)) {
    spec_.name = std::move(name);
    spec_.description = "test tool";
  }
  const llm::tool_spec& spec() const override { return spec_; }
  void invoke(const std::string&, const adapters::tools::tool_context&,
              adapters::tools::tool_done done) override {
    ++calls;
    done(adapters::tools::tool_outcome::ok(result_));
  }
  std::atomic<int> calls{0};

 private:
  llm::tool_spec spec_;
  std::string result_;
};

struct hitl_fixture {
  std::shared_ptr<counting_tool> tool = std::make_shared<counting_tool>("delete_record", kDeleted);
  std::shared_ptr<llm::scripted_provider> script;
  std::unique_ptr<net::server> server;

  explicit hitl_fixture(std::vector<llm::script_entry> entries = {tool_call("delete_record",
                                                                            R"({"id":"42"})"),
                                                                  text("Done.")},
                        std::chrono::milliseconds confirm_timeout = 30'000ms) {
    script = std::make_shared<llm::scripted_provider>(std::move(entries));
    auto o = base_options();
    o.config.confirm_tools = {"delete"};
    o.config.confirm_timeout = confirm_timeout;
    o.llm_override = script;
    o.extra_tools.push_back(tool);
    server = std::make_unique<net::server>(std::move(o));
  }
};

/// Asserts the park sequence (protocol.md §3.6.3): write_confirmation_required,
/// then the held-back toolCall chunk, then silence.
void require_parked(ws_client& ws, const std::string& rid,
                    const std::string& tool = "delete_record",
                    const std::string& args = R"({"id":"42"})") {
  auto wcr = expect(ws, "write_confirmation_required");
  CHECK(wcr.rid() == rid);
  CHECK(wcr.str("/data/requestId") == rid);
  CHECK(wcr.str("/data/data/toolId") == tool);
  CHECK(wcr.str("/data/data/actionDescription") ==
        "Tool '" + tool + "' requires confirmation. Allow?");
  CHECK(wcr.integer("/timestamp").has_value());
  CHECK_FALSE(wcr.has("/status"));
  require_tool_call(expect(ws, "stream_chunk"), tool, args);
  // Parked: the turn waits for a verdict.
  auto more = ws.read(300ms);
  INFO("unexpected frame while parked: " << more.value_or(""));
  CHECK_FALSE(more.has_value());
}

/// The confirm ack (protocol.md §3.6.2 row 5).
void require_ack(const frame& f, const std::string& rid, const std::string& sid, bool approved) {
  INFO("ack: " << f.text());
  REQUIRE(f.type() == "immediate_response");
  CHECK(f.rid() == rid);
  CHECK(f.integer("/status") == 200);
  CHECK(f.str("/message") == (approved ? "Tool action approved" : "Tool action rejected"));
  CHECK(f.size("/data") == 2);
  CHECK(f.str("/data/sessionId") == sid);
  CHECK(f.boolean("/data/approved") == approved);
}

}  // namespace

TEST_CASE("hitl: approve — prompt, toolCall, ack, then the tool's result", "[hitl]") {
  hitl_fixture fx;
  auto ws = connect(*fx.server);
  const auto sid = create_session_id(*ws);

  start_turn(*ws, sid, "r-hitl", "delete record 42");
  require_parked(*ws, "r-hitl");
  auto parked = fx.server->stats();
  CHECK(parked.live_turns == 1);
  CHECK(parked.live_confirmations == 1);
  CHECK(fx.tool->calls == 0);

  confirm(*ws, sid, true, "r-confirm");
  // The ack is the very next frame: before the resumed turn's toolResult.
  require_ack(next_frame(*ws), "r-confirm", sid, true);
  auto frames = read_turn(*ws, "r-hitl");
  REQUIRE_FALSE(frames.empty());
  require_tool_result(frames[0], "delete_record", false, kDeleted);
  CHECK(tokens(frames) == "Done.");
  require_reply(frames.back(), "r-hitl", "Done.");
  CHECK(fx.tool->calls == 1);
  require_quiescent(*fx.server);

  // The registration died with the turn (engine.md §5.8).
  confirm(*ws, sid, true, "r-late");
  require_error(expect(*ws, "error"), "NO_PENDING_CONFIRMATION", no_pending_confirmation(sid),
                "r-late");
  CHECK(stored_messages(*ws, sid) ==
        stored{{"inbound", "delete record 42"}, {"outbound", "Done."}});
}

TEST_CASE("hitl: deny — the tool does not run and the model sees the denial", "[hitl]") {
  hitl_fixture fx(
      {tool_call("delete_record", R"({"id":"42"})"), text("Okay, I did not delete it.")});
  auto ws = connect(*fx.server);
  const auto sid = create_session_id(*ws);

  start_turn(*ws, sid, "r-deny", "delete record 42");
  require_parked(*ws, "r-deny");
  confirm(*ws, sid, false, "r-no");
  require_ack(next_frame(*ws), "r-no", sid, false);
  auto frames = read_turn(*ws, "r-deny");
  REQUIRE_FALSE(frames.empty());
  require_tool_result(frames[0], "delete_record", true, kDenied);
  require_reply(frames.back(), "r-deny", "Okay, I did not delete it.");
  CHECK(fx.tool->calls == 0);
  auto reqs = fx.script->requests();
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[1].messages.back().content == kDenied);
  require_quiescent(*fx.server);
}

TEST_CASE("hitl: a duplicate confirm for the same park gets NO_PENDING_CONFIRMATION", "[hitl]") {
  hitl_fixture fx;
  auto ws = connect(*fx.server);
  const auto sid = create_session_id(*ws);

  start_turn(*ws, sid, "r-dup", "delete record 42");
  require_parked(*ws, "r-dup");
  confirm(*ws, sid, true, "r-c1");
  confirm(*ws, sid, false, "r-c2");  // back to back: the first one took the park
  require_ack(next_frame(*ws), "r-c1", sid, true);
  auto frames = read_turn(*ws, "r-dup");
  // The duplicate's error may come before or after the turn's last event.
  auto dup_at = frames.size();
  for (std::size_t i = 0; i < frames.size(); ++i)
    if (frames[i].rid() == "r-c2") dup_at = i;
  const frame dup = dup_at < frames.size() ? frames[dup_at] : expect(*ws, "error");
  require_error(dup, "NO_PENDING_CONFIRMATION", no_pending_confirmation(sid), "r-c2");
  // The first verdict (approve) is the one that counted.
  auto results = of_type(frames, "stream_chunk", "toolResult");
  REQUIRE(results.size() == 1);
  require_tool_result(results[0], "delete_record", false, kDeleted);
  require_reply(frames.back(), "r-dup", "Done.");
  require_quiescent(*fx.server);
}

TEST_CASE(
    "hitl: no verdict before confirm_timeout blocks the call and a late confirm finds nothing",
    "[hitl]") {
  hitl_fixture fx({tool_call("delete_record", R"({"id":"42"})"), text("It timed out.")}, 300ms);
  auto ws = connect(*fx.server);
  const auto sid = create_session_id(*ws);

  start_turn(*ws, sid, "r-slow", "delete record 42");
  expect(*ws, "write_confirmation_required");
  require_tool_call(expect(*ws, "stream_chunk"), "delete_record", R"({"id":"42"})");
  auto frames = read_turn(*ws, "r-slow", 10s);
  REQUIRE_FALSE(frames.empty());
  require_tool_result(frames[0], "delete_record", true, "blocked by hook: confirmation timeout");
  require_reply(frames.back(), "r-slow", "It timed out.");
  CHECK(fx.tool->calls == 0);
  require_quiescent(*fx.server);

  confirm(*ws, sid, true, "r-late");
  require_error(expect(*ws, "error"), "NO_PENDING_CONFIRMATION", no_pending_confirmation(sid),
                "r-late");
  confirm(*ws, sid, true, "r-late-2");
  require_error(expect(*ws, "error"), "NO_PENDING_CONFIRMATION", no_pending_confirmation(sid),
                "r-late-2");
}

TEST_CASE("hitl: two gated calls in one response park one after another", "[hitl]") {
  using namespace adapters::llm;
  auto provider = std::make_shared<event_list_provider>(std::vector<std::vector<stream_event>>{
      {tool_call_start{0, "call-1", "delete_record"}, tool_arguments_delta{0, R"({"id":"1"})"},
       tool_call_start{1, "call-2", "bulk_delete"}, tool_arguments_delta{1, R"({"ids":[2,3]})"},
       finish_seen{"tool_calls"}, stream_complete{}},
      {content_delta{"One deleted, one refused."}, finish_seen{"stop"}, stream_complete{}}});
  auto first = std::make_shared<counting_tool>("delete_record", "deleted 1");
  auto second = std::make_shared<counting_tool>("bulk_delete", "deleted 2,3");
  auto o = base_options();
  o.config.confirm_tools = {"delete"};
  o.llm_override = provider;
  o.extra_tools = {first, second};
  net::server server(std::move(o));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);

  start_turn(*ws, sid, "r-two", "delete 1, 2 and 3");
  require_parked(*ws, "r-two", "delete_record", R"({"id":"1"})");
  confirm(*ws, sid, true, "r-yes");
  require_ack(next_frame(*ws), "r-yes", sid, true);
  require_tool_result(expect(*ws, "stream_chunk"), "delete_record", false, "deleted 1");

  // The second call parks on its own and needs its own verdict.
  require_parked(*ws, "r-two", "bulk_delete", R"({"ids":[2,3]})");
  CHECK(second->calls == 0);
  confirm(*ws, sid, false, "r-no");
  require_ack(next_frame(*ws), "r-no", sid, false);
  auto frames = read_turn(*ws, "r-two");
  REQUIRE_FALSE(frames.empty());
  require_tool_result(frames[0], "bulk_delete", true, kDenied);
  require_reply(frames.back(), "r-two", "One deleted, one refused.");
  CHECK(first->calls == 1);
  CHECK(second->calls == 0);
  CHECK(provider->calls() == 2);
  require_quiescent(server);
}

TEST_CASE("hitl: a second connection can confirm and the ack goes to the confirmer", "[hitl]") {
  const bool get_session_first = GENERATE(true, false);
  CAPTURE(get_session_first);
  hitl_fixture fx;
  auto ws = connect(*fx.server);
  const auto sid = create_session_id(*ws);
  start_turn(*ws, sid, "r-origin", "delete record 42");
  require_parked(*ws, "r-origin");

  auto other = connect(*fx.server);
  if (get_session_first) {
    other->send_text(R"({"action":"get_session","requestId":"r-get","sessionId":)" + quote(sid) +
                     "}");
    auto snap = expect(*other, "immediate_response");
    CHECK(snap.str("/message") == "Session");
  }
  confirm(*other, sid, true, "r-remote");
  require_ack(next_frame(*other), "r-remote", sid, true);

  // The turn continues on its own (still open) connection, which never sees the ack.
  auto frames = read_turn(*ws, "r-origin");
  CHECK(index_of(frames, "immediate_response") == frames.size());
  require_tool_result(frames[0], "delete_record", false, kDeleted);
  require_reply(frames.back(), "r-origin", "Done.");
  // Nothing of the turn leaked to the confirmer.
  require_pong_next(*other);
  require_quiescent(*fx.server);
}

TEST_CASE(
    "hitl: after the parked turn's socket closes, a new connection confirms and "
    "receives the rest of the turn",
    "[hitl]") {
  hitl_fixture fx;
  std::string sid;
  {
    auto ws = connect(*fx.server);
    sid = create_session_id(*ws);
    start_turn(*ws, sid, "r-gone", "delete record 42");
    require_parked(*ws, "r-gone");
    ws->close();
  }
  require_attached(*fx.server, 0);  // the server noticed the close
  // decisions.md: the turn is not aborted by a disconnect; the park waits.
  CHECK(fx.server->stats().live_confirmations == 1);

  auto ws2 = connect(*fx.server);
  confirm(*ws2, sid, true, "r-back");
  require_ack(next_frame(*ws2), "r-back", sid, true);
  auto frames = read_turn(*ws2, "r-gone");
  REQUIRE_FALSE(frames.empty());
  require_tool_result(frames[0], "delete_record", false, kDeleted);
  CHECK(tokens(frames) == "Done.");
  require_reply(frames.back(), "r-gone", "Done.");
  require_quiescent(*fx.server);
  CHECK(stored_messages(*ws2, sid) ==
        stored{{"inbound", "delete record 42"}, {"outbound", "Done."}});
}

TEST_CASE("hitl: confirm_tool_action validation leaves the park untouched", "[hitl]") {
  hitl_fixture fx;
  auto ws = connect(*fx.server);
  const auto sid = create_session_id(*ws);
  start_turn(*ws, sid, "r-v", "delete record 42");
  require_parked(*ws, "r-v");

  ws->send_text(R"({"action":"confirm_tool_action","requestId":"r-nosid","approved":true})");
  require_error(expect(*ws, "error"), "VALIDATION_ERROR",
                "confirm_tool_action requires a 'sessionId'", "r-nosid");
  for (const char* bad : {R"("true")", "1", "null"}) {
    CAPTURE(bad);
    ws->send_text(R"({"action":"confirm_tool_action","requestId":"r-bad","sessionId":)" +
                  quote(sid) + R"(,"approved":)" + bad + "}");
    require_error(expect(*ws, "error"), "VALIDATION_ERROR",
                  "confirm_tool_action requires a boolean 'approved'", "r-bad");
  }
  ws->send_text(R"({"action":"confirm_tool_action","requestId":"r-noapp","sessionId":)" +
                quote(sid) + "}");
  require_error(expect(*ws, "error"), "VALIDATION_ERROR",
                "confirm_tool_action requires a boolean 'approved'", "r-noapp");
  // Unknown session: no pending confirmation.
  confirm(*ws, "00000000-0000-0000-0000-000000000000", true, "r-unknown");
  require_error(expect(*ws, "error"), "NO_PENDING_CONFIRMATION",
                no_pending_confirmation("00000000-0000-0000-0000-000000000000"), "r-unknown");

  // The park is still there.
  confirm(*ws, sid, true, "r-ok");
  require_ack(next_frame(*ws), "r-ok", sid, true);
  require_reply(read_turn(*ws, "r-v").back(), "r-v", "Done.");
  require_quiescent(*fx.server);
}

TEST_CASE("hitl: send_message while a turn is parked gets TURN_IN_PROGRESS", "[hitl][turn]") {
  hitl_fixture fx({tool_call("delete_record", R"({"id":"42"})"), text("Done."), text("Next.")});
  auto ws = connect(*fx.server);
  const auto sid = create_session_id(*ws);
  start_turn(*ws, sid, "r-park", "delete record 42");
  require_parked(*ws, "r-park");

  send_message(*ws, sid, "r-second", "are you there?");
  require_error(expect(*ws, "error"), "TURN_IN_PROGRESS", kTurnInProgress, "r-second");
  CHECK(fx.script->remaining() == 2);  // the refused turn consumed nothing

  confirm(*ws, sid, true, "r-go");
  require_ack(next_frame(*ws), "r-go", sid, true);
  auto frames = read_turn(*ws, "r-park");
  require_reply(frames.back(), "r-park", "Done.");
  // Accepted at once after the terminal event (decisions.md: slot released first).
  start_turn(*ws, sid, "r-third", "and now?");
  require_reply(read_turn(*ws, "r-third").back(), "r-third", "Next.");
  CHECK(stored_messages(*ws, sid) == stored{{"inbound", "delete record 42"},
                                            {"outbound", "Done."},
                                            {"inbound", "and now?"},
                                            {"outbound", "Next."}});
  require_quiescent(*fx.server);
}

}  // namespace so::test::turns
