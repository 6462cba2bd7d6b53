// tests/server/preamble_test.cpp — `stream_preamble` (later-protocol.md §4.1; decisions.md:
// never after the turn's terminal event) through the real gateway client and the fake
// gateway, which answers the preamble model from its own queue (fake_gateway::route), so
// the race between the two calls is under the test's control.
#include "actors/preamble_actor.hpp"
#include "tests/server/turn_test_support.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/net/fake_gateway.hpp"

namespace so::test::turns {
namespace {

constexpr const char* kFast = "fast-model";

net::server_options preamble_options(const fake_gateway& fake, const std::string& model = kFast) {
  auto o = base_options();
  o.config.gateway_url = fake.base_url();
  o.config.gateway_key = "k";
  o.config.preamble_model = model;
  return o;
}

gateway_fault hold_first() {
  gateway_fault f;
  f.what = gateway_fault::kind::hold_first;
  return f;
}

/// No turn and no preamble actor is alive (polled, 5 s).
void require_no_preamble_alive(net::server& server) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (server.stats().live_preambles != 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  CHECK(server.stats().live_preambles == 0);
}

/// The recorded chat requests naming `model`.
std::vector<frame> chat_bodies(const fake_gateway& fake, const std::string& model) {
  std::vector<frame> out;
  for (const auto& r : fake.requests()) {
    if (r.target != "/v1/chat/completions") continue;
    frame body(r.body);
    if (body.str("/model") == model) out.push_back(body);
  }
  return out;
}

}  // namespace

TEST_CASE("preamble: emitted before the first answer token, never persisted", "[preamble]") {
  fake_gateway fake;
  fake.route(kFast, text("  Let me look up your order.  "));
  fake.push_fault(hold_first());  // the answer waits until the preamble has been seen
  fake.push(text("Your order shipped."));
  net::server server(preamble_options(fake));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);

  start_turn(*ws, sid, "r-pre", "where is my order?");
  auto pre = expect(*ws, "stream_preamble");  // nothing else can come first
  CHECK(pre.rid() == "r-pre");
  CHECK(pre.str("/token") == "Let me look up your order.");  // trimmed, one event
  CHECK(pre.str("/data/token") == "Let me look up your order.");
  CHECK(pre.str("/data/requestId") == "r-pre");
  CHECK(pre.integer("/timestamp").has_value());
  fake.release();
  auto frames = read_turn(*ws, "r-pre");
  CHECK(of_type(frames, "stream_preamble").empty());  // exactly one
  CHECK(tokens(frames) == "Your order shipped.");
  require_reply(frames.back(), "r-pre", "Your order shipped.");
  CHECK(stored_messages(*ws, sid) ==
        stored{{"inbound", "where is my order?"}, {"outbound", "Your order shipped."}});

  // The preamble call: the env model, 64 tokens, the turn's temperature and key, no tools,
  // a system prompt and the user's message only.
  auto calls = chat_bodies(fake, kFast);
  REQUIRE(calls.size() == 1);
  const auto& body = calls[0];
  CHECK(body.integer("/max_tokens") == 64);
  CHECK(body.number("/temperature") == 0.0);
  CHECK_FALSE(body.has("/tools"));
  CHECK(body.size("/messages") == 2);
  CHECK(body.str("/messages/0/role") == "system");
  CHECK(body.str("/messages/0/content") == std::string(actors::preamble_system_prompt));
  CHECK(body.str("/messages/1/role") == "user");
  CHECK(body.str("/messages/1/content") == "where is my order?");
  for (const auto& r : fake.requests())
    if (r.target == "/v1/chat/completions") CHECK(r.authorization == "Bearer k");
  require_quiescent(server);
  require_no_preamble_alive(server);
}

TEST_CASE("preamble: a late preamble is dropped once the answer has started", "[preamble]") {
  fake_gateway fake;
  fake.route(kFast, text("Let me check."), hold_first());
  gateway_fault stall;
  stall.what = gateway_fault::kind::stall;  // first answer delta, then wait for release()
  stall.delay = 10'000ms;
  fake.push_fault(stall);
  fake.push(text("The answer is here."));
  net::server server(preamble_options(fake));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);

  start_turn(*ws, sid, "r-late", "question");
  auto first = expect(*ws, "stream_token");
  // The answer started: the preamble actor is stopped while the turn still runs.
  require_no_preamble_alive(server);
  CHECK(server.stats().live_turns == 1);
  fake.release_route(kFast);  // the preamble's answer comes too late for anyone
  fake.release();
  auto frames = read_turn(*ws, "r-late");
  frames.insert(frames.begin(), first);
  CHECK(of_type(frames, "stream_preamble").empty());
  require_reply(frames.back(), "r-late", "The answer is here.");
  require_quiescent(server);
}

TEST_CASE("preamble: never after the terminal event, and the actor dies with the turn",
          "[preamble]") {
  fake_gateway fake({text("Done.")});
  fake.route(kFast, text("Let me see."), hold_first());
  net::server server(preamble_options(fake));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);

  start_turn(*ws, sid, "r-end", "hi");
  auto frames = read_turn(*ws, "r-end");
  CHECK(of_type(frames, "stream_preamble").empty());
  require_reply(frames.back(), "r-end", "Done.");
  require_quiescent(server);
  require_no_preamble_alive(server);
  // Releasing the held preamble now changes nothing: the next frame is the pong.
  fake.release_route(kFast);
  require_pong_next(*ws);
}

TEST_CASE("preamble: cancel ends the turn and its preamble", "[preamble]") {
  fake_gateway fake;
  fake.route(kFast, text("Let me see."), hold_first());
  fake.push_fault(hold_first());
  fake.push(text("never"));
  net::server server(preamble_options(fake));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);

  start_turn(*ws, sid, "r-c", "hi");
  REQUIRE(eventually([&] { return server.stats().live_preambles == 1; }));
  cancel(*ws, "r-cancel");
  auto frames = read_turn(*ws, "r-c");
  require_cancelled(frames.back(), "r-c");
  CHECK(of_type(frames, "stream_preamble").empty());
  require_quiescent(server);
  require_no_preamble_alive(server);
  fake.release_route(kFast);
  require_pong_next(*ws);
}

TEST_CASE("preamble: off when SMOOTH_AGENT_PREAMBLE_MODEL is empty", "[preamble]") {
  fake_gateway fake({text("Only the answer.")});
  net::server server(preamble_options(fake, ""));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);
  start_turn(*ws, sid, "r-off", "hi");
  auto frames = read_turn(*ws, "r-off");
  CHECK(of_type(frames, "stream_preamble").empty());
  std::size_t chats = 0;
  for (const auto& r : fake.requests()) chats += r.target == "/v1/chat/completions";
  CHECK(chats == 1);
  require_quiescent(server);
}

TEST_CASE("preamble: off with a test-injected model even when configured", "[preamble]") {
  auto script = std::make_shared<llm::scripted_provider>(
      std::vector<llm::script_entry>{text("Scripted answer.")});
  auto o = base_options();
  o.config.preamble_model = kFast;
  o.llm_override = script;
  net::server server(std::move(o));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);
  start_turn(*ws, sid, "r-mock", "hi");
  auto frames = read_turn(*ws, "r-mock");
  CHECK(of_type(frames, "stream_preamble").empty());
  CHECK(script->requests().size() == 1);
  require_quiescent(server);
  CHECK(server.stats().live_preambles == 0);
}

TEST_CASE("preamble: a failed or blank preamble call emits nothing", "[preamble]") {
  llm::script_entry failure;
  failure.what = llm::script_entry::kind::failure;
  failure.text = "no such model";
  fake_gateway fake({text("First."), text("Second.")});
  fake.route(kFast, failure);
  fake.route(kFast, text("   "));
  net::server server(preamble_options(fake));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);
  for (const std::string rid : {"r-1", "r-2"}) {
    start_turn(*ws, sid, rid, "hi");
    auto frames = read_turn(*ws, rid);
    CHECK(of_type(frames, "stream_preamble").empty());
    CHECK(frames.back().type() == "eventual_response");
    require_no_preamble_alive(server);
  }
  require_quiescent(server);
}

}  // namespace so::test::turns
