// tests/protocol/client_frames_test.cpp — the client side of the protocol (what the CLI
// uses): every frame client_frames builds parses back through the server's own
// parse_action to the same values, and read_event reads what events.hpp writes.
#include "protocol/client_frames.hpp"
#include "protocol/action.hpp"
#include "protocol/event_reader.hpp"
#include "protocol/events.hpp"

#include <catch2/catch.hpp>

using namespace so::protocol;

namespace {

template <class T>
T parsed(const std::string& frame) {
  INFO("frame: " << frame);
  const action a = parse_action(frame);
  REQUIRE(std::holds_alternative<T>(a));
  return std::get<T>(a);
}

}  // namespace

TEST_CASE("client frames: each action parses back to what was built", "[protocol][client]") {
  const std::string tricky = "line \"one\"\n\\ two \xC3\xA9";
  auto c = parsed<create_session_action>(client::create_conversation_session("r1", "agent \"x\""));
  CHECK(c.rid == "r1");
  CHECK(c.agent_id == "agent \"x\"");
  auto s = parsed<send_message_action>(client::send_message("r2", "s-1", tricky));
  CHECK(s.rid == "r2");
  CHECK(s.session_id == "s-1");
  CHECK(s.message == tricky);
  auto g = parsed<get_messages_action>(client::get_conversation_messages("r3", "s-1", 7, "cur"));
  CHECK(g.limit == 7);
  CHECK(g.cursor == "cur");
  auto y = parsed<confirm_tool_action>(client::confirm_tool_action("r4", "s-1", true));
  CHECK(y.approved);
  CHECK_FALSE(
      parsed<confirm_tool_action>(client::confirm_tool_action("r5", "s-1", false)).approved);
  auto k = parsed<cancel_action>(client::cancel("r6", "s-1"));
  CHECK(k.rid == "r6");
  CHECK(k.session_id == "s-1");
  CHECK(parsed<ping_action>(client::ping("r7")).rid == "r7");
  CHECK(client::admin_publish_body("session", "s\"1", R"({"a":[1]})") ==
        R"({"target":{"type":"session","id":"s\"1"},"event":{"a":[1]}})");
}

TEST_CASE("event reader: reads the events the server writes", "[protocol][client]") {
  session sess;
  sess.session_id = "s-1";
  sess.conversation_id = "c-1";
  auto created = read_event(events::immediate_response("r1", 200, "Session created",
                                                       events::session_created_data(sess), 1));
  REQUIRE(created.ok);
  CHECK(created.type == "immediate_response");
  CHECK(created.status == 200);
  CHECK(created.session_id == "s-1");

  auto tok = read_event(events::stream_token("r2", "Hel", 1));
  CHECK(tok.type == "stream_token");
  CHECK(tok.request_id == "r2");
  CHECK(tok.token == "Hel");

  auto call = read_event(events::tool_call_chunk("r2", "lookup", R"({"id":1})", 1));
  CHECK(call.node == "lookup");
  CHECK(call.tool_call_arguments == R"({"id":1})");
  CHECK_FALSE(call.tool_result);
  auto result = read_event(events::tool_result_chunk("r2", "lookup", true, "nope", 1));
  CHECK(result.tool_result == "nope");
  CHECK(result.tool_result_is_error);

  auto ask = read_event(events::write_confirmation_required("r2", "lookup", 1));
  CHECK(ask.tool_id == "lookup");
  CHECK(ask.action_description == "Tool 'lookup' requires confirmation. Allow?");

  events::citation cite{"doc-1", "Handbook", "https://x.test/h", "snippet", 0.5f};
  auto done = read_event(events::eventual_response("r2", "m-1", "Hello!", {cite}, std::nullopt, 1));
  CHECK(done.type == "eventual_response");
  CHECK(done.reply == "Hello!");
  REQUIRE(done.citations.size() == 1);
  CHECK(done.citations[0].title == "Handbook");
  CHECK(done.citations[0].url == "https://x.test/h");

  auto err = read_event(events::error("r2", "AGENT_ERROR", "boom", 1));
  CHECK(err.error_code == "AGENT_ERROR");
  CHECK(err.error_message == "boom");
  CHECK(read_event(events::cancelled("r2", 1)).type == "cancelled");

  message m;
  m.id = "m-1";
  m.direction = direction::outbound;
  m.content = message_content::from_text("hi back");
  auto page = read_event(events::immediate_response(
      "r3", 200, "ConversationMessages", events::message_page_data("c-1", {m}, std::nullopt), 1));
  REQUIRE(page.messages.size() == 1);
  CHECK(page.messages[0].direction == "outbound");
  CHECK(page.messages[0].text == "hi back");
  CHECK_FALSE(page.next_cursor);
}

TEST_CASE("event reader: non-objects and junk are reported, never thrown", "[protocol][client]") {
  CHECK_FALSE(read_event("not json").ok);
  CHECK_FALSE(read_event("[1,2]").ok);
  auto odd = read_event(R"({"type":5,"data":"x","error":[]})");  // a publish may be anything
  CHECK(odd.ok);
  CHECK(odd.type.empty());
}
