// tests/server/turn_gateway_test.cpp — whole-server turns through the REAL HTTP gateway
// client against the fake OpenAI-compatible gateway (issue "LLM turns").
//
// No llm_override: config.gateway_url/gateway_key point the production provider
// at fake_gateway, so the request body, SSE decoding and streaming order are
// the ones a real deployment exercises.
#include "adapters/tools/fixed_result_tool.hpp"
#include "tests/server/turn_test_support.hpp"
#include "tests/support/net/fake_gateway.hpp"

namespace so::test::turns {
namespace {

constexpr const char* kLookupResult = "Order 123: shipped, arrives Tuesday.";

net::server_options gateway_options(const fake_gateway& fake) {
  auto o = base_options();
  o.config.gateway_url = fake.base_url();
  o.config.gateway_key = "k";
  // The seeded-knowledge cases pin the reference's in-memory scores (engine.md §7.2).
  o.config.knowledge_ranking = adapters::knowledge_ranking_choice::lexical;
  return o;
}

/// The JSON body of the `i`th recorded gateway request.
frame request_body(const fake_gateway& fake, std::size_t i) {
  auto reqs = fake.requests();
  REQUIRE(reqs.size() > i);
  return frame(reqs[i].body);
}

}  // namespace

TEST_CASE("gateway: a plain text turn streams tokens and ends with the reply and usage", "[turn]") {
  fake_gateway fake({text("Hello from the engine!")});
  net::server server(gateway_options(fake));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);

  start_turn(*ws, sid, "r-msg", "hi there");
  auto frames = read_turn(*ws, "r-msg");

  CHECK(tokens(frames) == "Hello from the engine!");
  for (const auto& f : of_type(frames, "stream_token")) {
    CHECK(f.rid() == "r-msg");
    CHECK(f.str("/data/token") == f.str("/token"));
    CHECK(f.str("/data/requestId") == "r-msg");
  }
  const auto& last = frames.back();
  require_reply(last, "r-msg", "Hello from the engine!");
  // decisions.md: usage is on the wire, from the gateway's usage chunk.
  CHECK(last.integer("/data/data/usage/promptTokens") == 10);
  CHECK(last.integer("/data/data/usage/completionTokens") == 5);
  CHECK_FALSE(last.has("/data/data/citations"));  // nothing in the knowledge base

  // The request the gateway saw (engine.md §2.1, §2.2).
  auto reqs = fake.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].method == "POST");
  CHECK(reqs[0].target == "/v1/chat/completions");
  CHECK(reqs[0].authorization == "Bearer k");
  frame body(reqs[0].body);
  CHECK(body.str("/model") == "claude-haiku-4-5");
  CHECK(body.boolean("/stream") == true);
  CHECK(body.number("/temperature") == 0.0);
  CHECK(body.integer("/max_tokens") == 512);
  CHECK(body.str("/tool_choice") == "auto");
  // knowledge_search, then the Rich Interaction tools (issue 12: raise tools always; the
  // generic submit_interaction because this session renders no card).
  CHECK(body.size("/tools") == 4);
  CHECK(body.str("/tools/0/type") == "function");
  CHECK(body.str("/tools/0/function/name") == "knowledge_search");
  CHECK(body.str("/tools/1/function/name") == "request_identity_intake");
  CHECK(body.str("/tools/2/function/name") == "request_choices");
  CHECK(body.str("/tools/3/function/name") == "submit_interaction");
  CHECK(body.size("/messages") == 2);
  CHECK(body.str("/messages/0/role") == "system");
  CHECK(body.str("/messages/1/role") == "user");
  CHECK(body.str("/messages/1/content") == "hi there");

  // Both messages persisted, oldest first.
  CHECK(stored_messages(*ws, sid) ==
        stored{{"inbound", "hi there"}, {"outbound", "Hello from the engine!"}});
  require_quiescent(server);
}

TEST_CASE("gateway: a tool call turn runs the tool and answers with the second response",
          "[turn]") {
  // The model sends arguments with a space: the chunk carries the compact re-serialization.
  fake_gateway fake({tool_call("lookup_order", R"({"id": "123"})"), text("It arrives Tuesday.")});
  auto o = gateway_options(fake);
  o.extra_tools.push_back(std::make_shared<adapters::tools::fixed_result_tool>(
      "lookup_order", kLookupResult, "Look up an order's status by its id.",
      R"({"type":"object","properties":{"id":{"type":"string"}},"required":["id"]})"));
  net::server server(std::move(o));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);

  start_turn(*ws, sid, "r-tool", "where is order 123?");
  auto frames = read_turn(*ws, "r-tool");

  const auto call_at = index_of(frames, "stream_chunk", "toolCall");
  const auto result_at = index_of(frames, "stream_chunk", "toolResult");
  REQUIRE(call_at < result_at);
  REQUIRE(result_at < frames.size());
  require_tool_call(frames[call_at], "lookup_order", R"({"id":"123"})");
  require_tool_result(frames[result_at], "lookup_order", false, kLookupResult);
  CHECK(frames[call_at].rid() == "r-tool");
  CHECK(frames[call_at].str("/data/requestId") == "r-tool");
  // Tokens of the answer come after the tool result (engine order).
  CHECK(index_of(frames, "stream_token") > result_at);
  CHECK(tokens(frames) == "It arrives Tuesday.");
  require_reply(frames.back(), "r-tool", "It arrives Tuesday.");
  // Usage accumulates over both LLM calls.
  CHECK(frames.back().integer("/data/data/usage/promptTokens") == 20);
  CHECK(frames.back().integer("/data/data/usage/completionTokens") == 10);

  REQUIRE(fake.requests().size() == 2);
  auto first = request_body(fake, 0);
  CHECK(first.size("/tools") == 5);  // + the three Rich Interaction tools (issue 12)
  CHECK(first.str("/tools/0/function/name") == "knowledge_search");
  CHECK(first.str("/tools/1/function/name") == "lookup_order");
  CHECK(first.str("/tools/1/function/description") == "Look up an order's status by its id.");
  // The second call replays the assistant tool call and the tool's full result (§2.2).
  auto second = request_body(fake, 1);
  REQUIRE(second.size("/messages") == 4);
  CHECK(second.str("/messages/2/role") == "assistant");
  CHECK(second.str("/messages/2/content") == "");
  CHECK(second.str("/messages/2/tool_calls/0/id") == "call-1");
  CHECK(second.str("/messages/2/tool_calls/0/type") == "function");
  CHECK(second.str("/messages/2/tool_calls/0/function/name") == "lookup_order");
  CHECK(second.str("/messages/2/tool_calls/0/function/arguments") == R"({"id":"123"})");
  CHECK(second.str("/messages/3/role") == "tool");
  CHECK(second.str("/messages/3/content") == kLookupResult);
  CHECK(second.str("/messages/3/tool_call_id") == "call-1");
  CHECK(second.str("/messages/3/name") == "lookup_order");

  // Only the user text and the final reply are persisted (engine.md §1.3).
  CHECK(stored_messages(*ws, sid) ==
        stored{{"inbound", "where is order 123?"}, {"outbound", "It arrives Tuesday."}});
  require_quiescent(server);
}

TEST_CASE("gateway: tokens reach the client before the gateway sends its last chunk", "[turn]") {
  fake_gateway_options fo;
  fo.hold_last = true;  // `data: [DONE]` waits for release()
  fake_gateway fake({text("Hello from the engine!")}, fo);
  net::server server(gateway_options(fake));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);

  start_turn(*ws, sid, "r-stream", "hi");
  // The first token arrives while the gateway is provably still inside the
  // stream: it has not been released, so its last chunk cannot have been sent.
  auto first = expect(*ws, "stream_token");
  CHECK(first.rid() == "r-stream");
  REQUIRE(fake.wait_events_sent(5, 5s));  // 3 deltas + finish + usage; [DONE] held
  CHECK(fake.events_sent() == 5);
  // Everything except the end is through, yet the turn must not have finished.
  std::vector<frame> before{first};
  while (auto t = ws->read(300ms)) before.emplace_back(std::move(*t));
  CHECK(index_of(before, "eventual_response") == before.size());
  CHECK(tokens(before) == "Hello from the engine!");

  fake.release();
  auto rest = read_turn(*ws, "r-stream");
  CHECK(fake.events_sent() == 6);
  require_reply(rest.back(), "r-stream", "Hello from the engine!");
  CHECK(of_type(rest, "stream_token").empty());  // all tokens came before the release
  require_quiescent(server);
}

TEST_CASE("gateway: the seeded knowledge base grounds the turn and is cited", "[turn]") {
  fake_gateway fake({text("Returns are accepted for 17 days.")});
  auto o = gateway_options(fake);
  o.config.seed_kb = true;
  net::server server(std::move(o));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);

  const std::string question = "What is SmooAI's return window? Search the knowledge base.";
  start_turn(*ws, sid, "r-kb", question);
  auto frames = read_turn(*ws, "r-kb");
  const auto& last = frames.back();
  require_reply(last, "r-kb", "Returns are accepted for 17 days.");

  // engine.md §1.5 / §7.2: 3 of 16 words → 0.1875 → "0.19"; hoisted right after the prompt.
  const std::string returns_doc =
      "SmooAI's return window is exactly 17 days from delivery. Returns after 17 days are not "
      "accepted.";
  auto body = request_body(fake, 0);
  REQUIRE(body.size("/messages") == 3);
  CHECK(body.str("/messages/0/role") == "system");
  CHECK(body.str("/messages/1/role") == "system");
  CHECK(body.str("/messages/1/content") ==
        "[Relevant knowledge]\n- (source=policies/returns.md, score=0.19): " + returns_doc + "\n");
  CHECK(body.str("/messages/2/content") == question);

  INFO("eventual_response: " << last.text());
  REQUIRE(last.size("/data/data/citations") == 1);
  CHECK(last.str("/data/data/citations/0/id") == "policies/returns.md");
  CHECK(last.str("/data/data/citations/0/title") == "policies/returns.md");
  CHECK(last.str("/data/data/citations/0/snippet") == returns_doc);
  CHECK_FALSE(last.has("/data/data/citations/0/url"));  // not an http(s) source
  CHECK(last.number("/data/data/citations/0/score") == Approx(0.1875));
  require_quiescent(server);
}

TEST_CASE("gateway: knowledge_search called by the model returns the seeded document", "[turn]") {
  fake_gateway fake(
      {tool_call("knowledge_search", R"({"query":"return window"})"), text("17 days.")});
  auto o = gateway_options(fake);
  o.config.seed_kb = true;
  net::server server(std::move(o));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);

  start_turn(*ws, sid, "r-ks", "hello");  // "hello" matches nothing: no auto-context
  auto frames = read_turn(*ws, "r-ks");
  auto results = of_type(frames, "stream_chunk", "toolResult");
  REQUIRE(results.size() == 1);
  // engine.md §1.8: "return" and "window" match 2 of the 16 chunk words → 0.125 → "0.12".
  require_tool_result(results[0], "knowledge_search", false,
                      "Found 1 knowledge base result(s) for \"return window\":\n"
                      "1. [source=policies/returns.md | id=policies/returns.md | relevance=0.12]\n"
                      "SmooAI's return window is exactly 17 days from delivery. Returns after 17 "
                      "days are not accepted.\n");
  const auto& last = frames.back();
  require_reply(last, "r-ks", "17 days.");
  REQUIRE(last.size("/data/data/citations") == 1);
  CHECK(last.str("/data/data/citations/0/id") == "policies/returns.md");
  CHECK(last.number("/data/data/citations/0/score") == Approx(0.125));
  // No auto-context: the first request has no knowledge block.
  CHECK(request_body(fake, 0).size("/messages") == 2);
  require_quiescent(server);
}

TEST_CASE("gateway: turn 2 replays turn 1's user text and reply", "[turn]") {
  fake_gateway fake({text("Nice to meet you, Zog."), text("Your name is Zog.")});
  net::server server(gateway_options(fake));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);

  start_turn(*ws, sid, "r-1", "My name is Zog.");
  require_reply(read_turn(*ws, "r-1").back(), "r-1", "Nice to meet you, Zog.");
  start_turn(*ws, sid, "r-2", "What is my name?");
  require_reply(read_turn(*ws, "r-2").back(), "r-2", "Your name is Zog.");

  // Turn 1 carries its own text exactly once.
  auto first = request_body(fake, 0);
  REQUIRE(first.size("/messages") == 2);
  CHECK(first.str("/messages/1/content") == "My name is Zog.");
  // Turn 2: prompt, the replayed history in order, then the new question.
  auto second = request_body(fake, 1);
  REQUIRE(second.size("/messages") == 4);
  CHECK(second.str("/messages/1/role") == "user");
  CHECK(second.str("/messages/1/content") == "My name is Zog.");
  CHECK(second.str("/messages/2/role") == "assistant");
  CHECK(second.str("/messages/2/content") == "Nice to meet you, Zog.");
  CHECK(second.str("/messages/3/role") == "user");
  CHECK(second.str("/messages/3/content") == "What is my name?");
  require_quiescent(server);
}

TEST_CASE("gateway: a second send_message while a held stream runs gets TURN_IN_PROGRESS",
          "[turn]") {
  fake_gateway_options fo;
  fo.hold_last = true;
  fake_gateway fake({text("first reply"), text("third reply")}, fo);
  net::server server(gateway_options(fake));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);

  start_turn(*ws, sid, "r-a", "one");
  REQUIRE(fake.wait_events_sent(5, 5s));  // the stream is open and held
  send_message(*ws, sid, "r-b", "two");
  auto frames = read_turn(*ws, "r-b", 5s);
  require_error(frames.back(), "TURN_IN_PROGRESS", kTurnInProgress, "r-b");
  CHECK(of_type(frames, "eventual_response").empty());

  // The same session from another connection is refused too (one turn per session).
  auto other = connect(server);
  send_message(*other, sid, "r-c", "three");
  require_error(expect(*other, "error"), "TURN_IN_PROGRESS", kTurnInProgress, "r-c");

  // The first turn still completes normally.
  fake.release();
  auto rest = read_turn(*ws, "r-a");
  require_reply(rest.back(), "r-a", "first reply");
  CHECK(tokens(frames) + tokens(rest) == "first reply");

  // The slot is free the instant eventual_response is seen (decisions.md).
  fake.release();  // pre-release the next stream's hold
  start_turn(*ws, sid, "r-d", "four");
  require_reply(read_turn(*ws, "r-d").back(), "r-d", "third reply");
  // The refused message was never persisted.
  CHECK(stored_messages(*ws, sid) == stored{{"inbound", "one"},
                                            {"outbound", "first reply"},
                                            {"inbound", "four"},
                                            {"outbound", "third reply"}});
  require_quiescent(server);
}

TEST_CASE("gateway: cancel during a held stream emits cancelled and persists no reply",
          "[turn][hitl]") {
  fake_gateway_options fo;
  fo.hold_last = true;
  fake_gateway fake({text("never finished"), text("after cancel")}, fo);
  net::server server(gateway_options(fake));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);

  start_turn(*ws, sid, "r-s", "stream please");
  REQUIRE(fake.wait_events_sent(5, 5s));
  cancel(*ws, "r-cancel", sid);
  auto frames = read_turn(*ws, "r-s", 5s);
  require_cancelled(frames.back(), "r-s");
  CHECK(of_type(frames, "eventual_response").empty());
  require_quiescent(server);
  CHECK(stored_messages(*ws, sid) == stored{{"inbound", "stream please"}});

  // Two releases: the cancelled stream's writer may still be parked on its hold
  // and could take the first one; the next stream needs its own.
  fake.release();
  fake.release();
  start_turn(*ws, sid, "r-next", "again");
  require_reply(read_turn(*ws, "r-next").back(), "r-next", "after cancel");
  require_quiescent(server);
}

}  // namespace so::test::turns
