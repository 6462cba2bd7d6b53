// The durability contract (README "PostgreSQL" / issue 9): the 202 ack of
// `send_message` is pushed only once its user message is committed, so a client never
// sees an acknowledgement for a message a crash could still lose. Storage is held at a
// gate while the turn's first job (history read + append) runs.
#include "adapters/llm/scripted_provider.hpp"
#include "tests/actors/storage_gate.hpp"
#include "tests/server/turn_test_support.hpp"

using namespace std::chrono_literals;
using namespace so;
using namespace so::test;
using namespace so::test::turns;

TEST_CASE("durability: the 202 ack follows the commit of the user message", "[server]") {
  auto g = std::make_shared<gate>();
  auto storage = std::make_shared<gated_storage>(g);
  auto o = base_options();
  o.storage = storage;
  o.llm_override = std::make_shared<adapters::llm::scripted_provider>(
      std::vector<adapters::llm::script_entry>{text("noted")});
  net::server server(std::move(o));
  ws_connect_options c;
  c.port = server.port();
  ws_client ws(c);
  const auto sid = create_session_id(ws);
  // Make the session live first, so the held job below is the turn's own.
  ws.send_text(R"({"action":"get_session","requestId":"r-warm","sessionId":)" + quote(sid) + "}");
  expect(ws, "immediate_response");

  g->close();
  const auto before = g->entered();
  send_message(ws, sid, "r-turn", "remember this");
  REQUIRE(g->wait_entered(before + 1));  // the turn's storage job is inside storage, held
  // No acknowledgement while the message is not stored (a bounded wait: nothing may come).
  CHECK_FALSE(ws.read(300ms).has_value());

  g->open();
  auto ack = expect(ws, "immediate_response");
  CHECK(ack.rid() == "r-turn");
  CHECK(ack.integer("/status") == 202);
  // By the time the client holds the ack, the message is in storage.
  const auto session = storage->get_session(sid);
  REQUIRE(session);
  const auto page =
      storage->list_messages(adapters::message_query{session->conversation_id, 10, {}, false});
  REQUIRE_FALSE(page.messages.empty());
  // The first message; the turn may already have stored its reply after it.
  CHECK(page.messages.front().content.text.value_or("") == "remember this");
  auto frames = read_turn(ws, "r-turn");
  require_reply(frames.back(), "r-turn", "noted");
}
