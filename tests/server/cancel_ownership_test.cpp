// tests/server/cancel_ownership_test.cpp — `cancel` cancels only the connection's own
// turn (issue 7, defect 6c; spec/actions/cancel.schema.json: `sessionId` is advisory).
//
// Connection B naming A's session must neither cancel A's turn nor become
// associated with A's session (it hears none of that session's events). A's turn
// is parked on a confirmation, so A's `confirm` orders every message: anything
// B's cancel sent towards the turn would reach it before the verdict does.
#include "tests/server/turn_test_support.hpp"

namespace so::test::turns {

TEST_CASE("cancel: another connection naming my session cancels nothing of mine", "[hitl]") {
  confirming_server fx({tool_call("delete_record", R"({"id":"42"})"), text("done after approval")});
  auto a = connect(*fx.server);
  auto b = connect(*fx.server);
  const auto sid = create_session_id(*a);
  park_on_confirmation(*a, sid, "r-a");

  // B names A's session and even A's requestId.
  cancel(*b, "r-a", sid);
  require_pong_next(*b, "r-b-ping");  // B's cancel was handled, and answered nothing

  // A's turn is intact: the confirmation is still pending and the turn completes.
  confirm(*a, sid, true, "r-yes");
  auto ack = expect(*a, "immediate_response");
  CHECK(ack.rid() == "r-yes");
  CHECK(ack.integer("/status") == 200);
  auto frames = read_turn(*a, "r-a");
  require_reply(frames.back(), "r-a", "done after approval");
  CHECK(of_type(frames, "cancelled").empty());

  // B never became associated with A's session: a session event reaches A only.
  CHECK(fx.server->publish("session", sid, R"({"type":"session_note"})") == 1);
  expect(*a, "session_note");
  require_pong_next(*b, "r-b-after");
  require_quiescent(*fx.server);
}

TEST_CASE("cancel: a sessionId naming another session still cancels my own turn", "[hitl]") {
  confirming_server fx({tool_call("delete_record", R"({"id":"42"})"),
                        tool_call("delete_record", R"({"id":"43"})"), text("a finished")});
  auto a = connect(*fx.server);
  auto b = connect(*fx.server);
  const auto sid_a = create_session_id(*a);
  const auto sid_b = create_session_id(*b);
  park_on_confirmation(*a, sid_a, "r-a");
  park_on_confirmation(*b, sid_b, "r-b");

  // B cancels "A's session": its own turn is the one that ends.
  cancel(*b, "r-b", sid_a);
  auto b_frames = read_turn(*b, "r-b", 5s);
  REQUIRE(b_frames.size() == 1);
  require_cancelled(b_frames.back(), "r-b");

  // A's turn still waits for its verdict.
  confirm(*a, sid_a, false, "r-no");
  CHECK(expect(*a, "immediate_response").integer("/status") == 200);
  auto a_frames = read_turn(*a, "r-a");
  require_reply(a_frames.back(), "r-a", "a finished");
  CHECK(of_type(a_frames, "cancelled").empty());
  require_quiescent(*fx.server);
}

TEST_CASE("cancel: my own cancel after my turn ended is a no-op on a later turn of others",
          "[hitl]") {
  confirming_server fx(
      {text("a finished"), tool_call("delete_record", R"({"id":"7"})"), text("b finished")});
  auto a = connect(*fx.server);
  auto b = connect(*fx.server);
  const auto sid = create_session_id(*a);
  start_turn(*a, sid, "r-a", "hello");
  require_reply(read_turn(*a, "r-a").back(), "r-a", "a finished");

  // B runs a turn in the SAME session; A's stale cancel must not reach it.
  park_on_confirmation(*b, sid, "r-b");
  cancel(*a, "r-a");
  cancel(*a, "r-a2", sid);
  require_pong_next(*a, "r-a-ping");
  confirm(*b, sid, true, "r-yes");
  CHECK(expect(*b, "immediate_response").integer("/status") == 200);
  auto frames = read_turn(*b, "r-b");
  require_reply(frames.back(), "r-b", "b finished");
  CHECK(of_type(frames, "cancelled").empty());
  require_quiescent(*fx.server);
}

}  // namespace so::test::turns

namespace so::test::turns {

TEST_CASE(
    "cancel: a connection that confirmed a parked turn whose socket was gone carries it "
    "and cancels it",
    "[hitl]") {
  confirming_server fx({tool_call("delete_record", R"({"id":"42"})"),
                        tool_call("delete_record", R"({"id":"43"})"), text("never")});
  std::string sid;
  {
    auto a = connect(*fx.server);
    sid = create_session_id(*a);
    park_on_confirmation(*a, sid, "r-a");
    a->close();
  }
  require_attached(*fx.server, 0);
  auto b = connect(*fx.server);
  confirm(*b, sid, true, "r-yes");
  CHECK(expect(*b, "immediate_response").integer("/status") == 200);
  // The rest of the turn came here: the tool result, then the second park.
  CHECK(expect(*b, "stream_chunk").chunk_kind() == "toolResult");
  expect(*b, "write_confirmation_required");
  CHECK(expect(*b, "stream_chunk").chunk_kind() == "toolCall");

  cancel(*b, "r-stop");
  auto frames = read_turn(*b, "r-a", 5s);
  REQUIRE(frames.size() == 1);
  require_cancelled(frames.back(), "r-a");
  CHECK(fx.script->remaining() == 1);
  require_quiescent(*fx.server);
}

TEST_CASE(
    "cancel: a connection that confirmed while the starter is still connected does not "
    "carry the turn and cancels nothing",
    "[hitl]") {
  confirming_server fx({tool_call("delete_record", R"({"id":"42"})"),
                        tool_call("delete_record", R"({"id":"43"})"), text("a finished")});
  auto a = connect(*fx.server);
  auto b = connect(*fx.server);
  const auto sid = create_session_id(*a);
  park_on_confirmation(*a, sid, "r-a");
  confirm(*b, sid, true, "r-yes");
  CHECK(expect(*b, "immediate_response").integer("/status") == 200);
  // The turn goes on on A's (open) socket and parks again there.
  CHECK(expect(*a, "stream_chunk").chunk_kind() == "toolResult");
  expect(*a, "write_confirmation_required");
  CHECK(expect(*a, "stream_chunk").chunk_kind() == "toolCall");

  cancel(*b, "r-b-stop", sid);
  require_pong_next(*b);
  // B's cancel reached the turn before A's verdict does (one session orders both).
  confirm(*a, sid, true, "r-yes-2");
  CHECK(expect(*a, "immediate_response").integer("/status") == 200);
  auto frames = read_turn(*a, "r-a");
  require_reply(frames.back(), "r-a", "a finished");
  CHECK(of_type(frames, "cancelled").empty());
  require_quiescent(*fx.server);
}

}  // namespace so::test::turns
