// tests/server/eventual_response_additions_test.cpp — whole-server turns for the issue 12
// additions to eventual_response (later-protocol.md §3): suggested replies held back from
// the stream and parsed into suggestedNextActions (§3.1), the responseParts repetition
// collapse (§3.2), usage.costUsd from the gateway's model table (§3.3) and the final-reply
// selection with its empty-reply fallback (§3.5).
#include "protocol/suggested_replies.hpp"
#include "tests/server/turn_test_support.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/net/fake_gateway.hpp"

namespace so::test::turns {
namespace {

using namespace adapters::llm;

std::shared_ptr<scripted_provider> scripted(net::server_options& o,
                                            std::vector<script_entry> entries) {
  auto script = std::make_shared<scripted_provider>(std::move(entries));
  o.llm_override = script;
  return script;
}

std::vector<std::string> suggestions(const frame& f) {
  std::vector<std::string> out;
  const auto* a = f.get("/data/data/response/suggestedNextActions");
  REQUIRE(a != nullptr);
  REQUIRE(a->IsArray());
  for (const auto& v : a->GetArray()) out.emplace_back(v.GetString());
  return out;
}

net::server_options gateway_options(const fake_gateway& fake) {
  auto o = base_options();
  o.config.gateway_url = fake.base_url();
  o.config.gateway_key = "k";
  return o;
}

constexpr const char* kTrailerReply =
    "How mature are your processes?\n<suggested_replies>[\"Ad-hoc\", \"Repeatable\", "
    "\"Optimized\"]</suggested_replies>";

}  // namespace

TEST_CASE("reply: the trailer never streams, is stripped and becomes suggestedNextActions",
          "[turn][suggested]") {
  auto o = base_options();
  auto script = scripted(o, {text(kTrailerReply)});
  net::server server(std::move(o));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);

  start_turn(*ws, sid, "r-s", "assess us");
  auto frames = read_turn(*ws, "r-s");
  // The scripted provider splits the reply in three deltas: the tag is cut across them.
  CHECK(tokens(frames) == "How mature are your processes?\n");
  for (const auto& t : of_type(frames, "stream_token")) {
    CHECK(t.str("/token").find("<sugg") == std::string::npos);
    CHECK_FALSE(t.str("/token").empty());
  }
  require_reply(frames.back(), "r-s", "How mature are your processes?");
  CHECK(suggestions(frames.back()) ==
        std::vector<std::string>{"Ad-hoc", "Repeatable", "Optimized"});
  // Persisted without the trailer.
  CHECK(stored_messages(*ws, sid) ==
        stored{{"inbound", "assess us"}, {"outbound", "How mature are your processes?"}});
  // §3.1: the contract is the LAST section of the system prompt.
  auto reqs = script->requests();
  REQUIRE(reqs.size() == 1);
  REQUIRE(reqs[0].messages[0].role == role::system);
  const auto& sys = reqs[0].messages[0].content;
  const auto section = std::string(protocol::suggested_replies_prompt);
  REQUIRE(sys.size() > section.size());
  CHECK(sys.substr(sys.size() - section.size() - 2) == "\n\n" + section);
  require_quiescent(server);
}

TEST_CASE("reply: text before the trailer streams before the gateway's last chunk",
          "[turn][suggested]") {
  fake_gateway_options go;
  go.hold_last = true;
  fake_gateway fake({text("Which plan suits your team best today, do you think? "
                          "<suggested_replies>[\"Basic\", \"Pro\"]</suggested_replies>")},
                    go);
  net::server server(gateway_options(fake));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);

  start_turn(*ws, sid, "r-hold", "plans?");
  // The first delta is plain text: it must reach the client while the stream is still open.
  auto first = expect(*ws, "stream_token");
  CHECK(first.str("/token").rfind("Which plan", 0) == 0);
  fake.release();
  auto frames = read_turn(*ws, "r-hold");
  frames.insert(frames.begin(), first);
  CHECK(tokens(frames) == "Which plan suits your team best today, do you think? ");
  require_reply(frames.back(), "r-hold", "Which plan suits your team best today, do you think?");
  CHECK(suggestions(frames.back()) == std::vector<std::string>{"Basic", "Pro"});
  require_quiescent(server);
}

TEST_CASE("reply: a markdown suggestions list is parsed and stripped", "[turn][suggested]") {
  auto o = base_options();
  scripted(o, {text("Want a demo?\n\nSuggested replies:\n- Yes please\n- Not now")});
  net::server server(std::move(o));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);
  start_turn(*ws, sid, "r-md", "hi");
  auto frames = read_turn(*ws, "r-md");
  // Only the tag is held back: the markdown list streams visibly.
  CHECK(tokens(frames) == "Want a demo?\n\nSuggested replies:\n- Yes please\n- Not now");
  require_reply(frames.back(), "r-md", "Want a demo?");
  CHECK(suggestions(frames.back()) == std::vector<std::string>{"Yes please", "Not now"});
  require_quiescent(server);
}

TEST_CASE("reply: no trailer gives an empty suggestedNextActions", "[turn][suggested]") {
  auto o = base_options();
  scripted(o, {text("Plain <b>answer</b>.")});
  net::server server(std::move(o));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);
  start_turn(*ws, sid, "r-p", "hi");
  auto frames = read_turn(*ws, "r-p");
  CHECK(tokens(frames) == "Plain <b>answer</b>.");
  require_reply(frames.back(), "r-p", "Plain <b>answer</b>.");
  CHECK(suggestions(frames.back()).empty());
}

TEST_CASE("reply: a runaway repetition is collapsed on the wire only", "[turn][collapse]") {
  std::string looping = "Sure. I can help. Here is the plan.";
  for (int i = 0; i < 8; ++i) looping += " I can help.";
  auto o = base_options();
  scripted(o, {text(looping)});
  net::server server(std::move(o));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);
  start_turn(*ws, sid, "r-loop", "help");
  auto frames = read_turn(*ws, "r-loop");
  require_reply(frames.back(), "r-loop", "Sure. I can help. Here is the plan.");
  CHECK(stored_messages(*ws, sid) == stored{{"inbound", "help"}, {"outbound", looping}});
}

TEST_CASE("reply: an empty reply is not persisted and has a fresh messageId", "[turn][empty]") {
  auto o = base_options();
  scripted(o, {text("")});
  net::server server(std::move(o));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);
  start_turn(*ws, sid, "r-e", "say nothing");
  auto frames = read_turn(*ws, "r-e");
  require_reply(frames.back(), "r-e", "");
  CHECK(of_type(frames, "stream_token").empty());
  CHECK(suggestions(frames.back()).empty());
  // The messageId names no stored message: only the user message exists.
  CHECK(stored_messages(*ws, sid) == stored{{"inbound", "say nothing"}});
  require_quiescent(server);
}

TEST_CASE("reply: a blank final message falls back to the turn's streamed answer",
          "[turn][empty]") {
  // Call 1 streams text with a tool call; call 2 a text-less tool call (the last assistant
  // message is blank); call 3 nothing. The reply is every answer delta of the turn.
  auto provider = std::make_shared<event_list_provider>(std::vector<std::vector<stream_event>>{
      {content_delta{"Checking "}, content_delta{"that now."}, tool_call_start{0, "c1", "lookup"},
       tool_arguments_delta{0, "{}"}, finish_seen{"tool_calls"}, stream_complete{}},
      {tool_call_start{0, "c2", "lookup"}, tool_arguments_delta{0, "{}"}, finish_seen{"tool_calls"},
       stream_complete{}},
      {finish_seen{"stop"}, stream_complete{}}});
  auto o = base_options();
  o.llm_override = provider;
  o.extra_tools.push_back(std::make_shared<adapters::tools::fixed_result_tool>("lookup", "ok"));
  net::server server(std::move(o));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);
  start_turn(*ws, sid, "r-f", "check");
  auto frames = read_turn(*ws, "r-f");
  CHECK(provider->calls() == 3);
  require_reply(frames.back(), "r-f", "Checking that now.");
  CHECK(stored_messages(*ws, sid) ==
        stored{{"inbound", "check"}, {"outbound", "Checking that now."}});
  require_quiescent(server);
}

TEST_CASE("reply: with only reasoning streamed, the reasoning is the reply", "[turn][empty]") {
  auto provider = std::make_shared<event_list_provider>(std::vector<std::vector<stream_event>>{
      {reasoning_delta{"The answer "}, reasoning_delta{"is 42."}, finish_seen{"stop"},
       stream_complete{}}});
  auto o = base_options();
  o.llm_override = provider;
  net::server server(std::move(o));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);
  start_turn(*ws, sid, "r-r", "question");
  auto frames = read_turn(*ws, "r-r");
  // Reasoning streams as stream_reasoning, never as stream_token (§4.2).
  CHECK(of_type(frames, "stream_token").empty());
  CHECK(of_type(frames, "stream_reasoning").size() == 2);
  require_reply(frames.back(), "r-r", "The answer is 42.");
  require_quiescent(server);
}

TEST_CASE("usage: costUsd is priced from the gateway's model table", "[turn][usage]") {
  fake_gateway_options go;
  go.model_info = R"({"data":[{"model_name":"priced-model","model_info":)"
                  R"({"input_cost_per_token":0.000003,"output_cost_per_token":0.000015}}]})";
  fake_gateway fake({}, go);
  auto o = gateway_options(fake);
  o.config.model = "priced-model";
  net::server server(std::move(o));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);

  // The table is fetched off the turn's path, so the first turn may end before it is
  // known (then without costUsd). Once known, every turn is priced.
  std::optional<frame> priced;
  for (int i = 0; i < 5 && !priced; ++i) {
    fake.push(text("Hello."));
    const auto rid = "r-u" + std::to_string(i);
    start_turn(*ws, sid, rid, "hi");
    auto last = read_turn(*ws, rid).back();
    require_reply(last, rid, "Hello.");
    CHECK(last.integer("/data/data/usage/promptTokens") == 10);
    CHECK(last.integer("/data/data/usage/completionTokens") == 5);
    if (last.has("/data/data/usage/costUsd")) priced = last;
  }
  REQUIRE(priced);
  CHECK(*priced->number("/data/data/usage/costUsd") ==
        Approx(10 * 0.000003 + 5 * 0.000015).epsilon(1e-12));
  // One fetch of the table, cached from then on.
  CHECK(fake.model_info_requests() == 1);
  require_quiescent(server);
}

TEST_CASE("usage: no table (or an unpriced model) sends usage without costUsd", "[turn][usage]") {
  fake_gateway fake({text("One."), text("Two.")});  // /model/info answers 404
  net::server server(gateway_options(fake));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);
  for (const std::string rid : {"r-1", "r-2"}) {
    start_turn(*ws, sid, rid, "hi");
    auto last = read_turn(*ws, rid).back();
    CHECK(last.integer("/data/data/usage/promptTokens") == 10);
    CHECK_FALSE(last.has("/data/data/usage/costUsd"));
  }
  // A failed fetch is not retried by every turn (the lookup rests after a failure).
  REQUIRE(eventually([&] { return fake.model_info_requests() >= 1; }));
  CHECK(fake.model_info_requests() == 1);
  require_quiescent(server);
}

}  // namespace so::test::turns
