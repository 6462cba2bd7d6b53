// tests/adapters/trace_turn_test.cpp — adapters/telemetry/trace_turn: the spans one turn
// produces (GenAI semantic conventions), their parent/child ids, and error status on
// failure, cancel and a turn killed without ending.
#include "adapters/telemetry/trace_turn.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <string>

using namespace so::adapters::telemetry;
namespace llm = so::adapters::llm;

namespace {

std::shared_ptr<tracer> make_tracer() {
  tracer_options o;
  o.max_queue = 64;
  o.server_address = "gw.example";
  o.server_port = 443;
  return std::make_shared<tracer>(o);
}

std::vector<span_record> drain(tracer& t) {
  std::vector<span_record> all, batch;
  while (t.queue().pop_batch(batch, std::chrono::steady_clock::now()) > 0)
    for (auto& s : batch) all.push_back(std::move(s));
  return all;
}

/// Attributes as text ("42" for ints, "a|b" for arrays).
std::map<std::string, std::string> attrs(const span_record& s) {
  std::map<std::string, std::string> out;
  for (const auto& a : s.attributes) {
    std::string v;
    if (auto* str = std::get_if<std::string>(&a.value)) v = *str;
    if (auto* i = std::get_if<std::int64_t>(&a.value)) v = std::to_string(*i);
    if (auto* b = std::get_if<bool>(&a.value)) v = *b ? "true" : "false";
    if (auto* d = std::get_if<double>(&a.value)) v = std::to_string(*d);
    if (auto* arr = std::get_if<std::vector<std::string>>(&a.value))
      for (const auto& x : *arr) v += (v.empty() ? "" : "|") + x;
    out[a.key] = v;
  }
  return out;
}

turn_trace_ids ids() {
  return {"sess-1", "conv-1", "turn-1", "conn-1", "agent-1", "Helper", "org-1", "model-x"};
}

llm::accumulated_response response(std::string finish, bool usage = true) {
  llm::accumulated_response r;
  r.finish_reason = std::move(finish);
  r.usage_reported = usage;
  r.usage.prompt_tokens = 10;
  r.usage.completion_tokens = 5;
  return r;
}

}  // namespace

TEST_CASE("turn trace: a turn with a tool call gives a turn span and its LLM and tool children",
          "[trace]") {
  auto t = make_tracer();
  {
    turn_trace tr;
    tr.begin_turn(t, ids());
    REQUIRE(tr.active());
    tr.begin_llm("model-x", 512, 0.0);
    tr.end_llm(response("tool_calls"));
    tr.begin_tool("lookup_order", "call-1");
    tr.end_tool(false);
    tr.begin_llm("model-x", 512, 0.0);
    tr.end_llm(response("stop"));
    tr.end_turn(turn_outcome::succeeded);
  }
  auto spans = drain(*t);
  REQUIRE(spans.size() == 4);  // children end first: llm, tool, llm, turn
  const auto& turn = spans[3];
  CHECK(turn.name == "invoke_agent Helper");
  CHECK_FALSE(turn.parent.valid());
  CHECK(turn.status == span_status::unset);
  auto ta = attrs(turn);
  CHECK(ta["gen_ai.operation.name"] == "invoke_agent");
  CHECK(ta["gen_ai.conversation.id"] == "conv-1");
  CHECK(ta["session.id"] == "sess-1");
  CHECK(ta["smooth_operator.turn.id"] == "turn-1");
  CHECK(ta["smooth_operator.connection.id"] == "conn-1");
  CHECK(ta["gen_ai.agent.id"] == "agent-1");
  CHECK(ta["gen_ai.request.model"] == "model-x");
  CHECK(ta["gen_ai.usage.input_tokens"] == "20");  // both calls
  CHECK(ta["gen_ai.usage.output_tokens"] == "10");
  CHECK(ta["smooth_operator.turn.outcome"] == "succeeded");
  CHECK(ta.count("error.type") == 0);

  for (const auto& s : spans) {
    CHECK(s.trace == turn.trace);
    CHECK(s.end_unix_ns >= s.start_unix_ns);
    if (&s != &turn) CHECK(s.parent == turn.span);
  }
  CHECK(spans[0].span != spans[2].span);

  const auto& chat = spans[0];
  CHECK(chat.name == "chat model-x");
  CHECK(chat.kind == span_kind::client);
  auto ca = attrs(chat);
  CHECK(ca["gen_ai.operation.name"] == "chat");
  CHECK(ca["gen_ai.provider.name"] == "openai");
  CHECK(ca["gen_ai.system"] == "openai");
  CHECK(ca["gen_ai.request.model"] == "model-x");
  CHECK(ca["gen_ai.request.max_tokens"] == "512");
  CHECK(ca["gen_ai.usage.input_tokens"] == "10");
  CHECK(ca["gen_ai.usage.output_tokens"] == "5");
  CHECK(ca["gen_ai.response.finish_reasons"] == "tool_calls");
  CHECK(ca["server.address"] == "gw.example");
  CHECK(ca["server.port"] == "443");
  CHECK(ca["gen_ai.conversation.id"] == "conv-1");
  CHECK(attrs(spans[2])["gen_ai.response.finish_reasons"] == "stop");

  const auto& tool = spans[1];
  CHECK(tool.name == "execute_tool lookup_order");
  CHECK(tool.status == span_status::unset);
  auto xa = attrs(tool);
  CHECK(xa["gen_ai.operation.name"] == "execute_tool");
  CHECK(xa["gen_ai.tool.name"] == "lookup_order");
  CHECK(xa["gen_ai.tool.call.id"] == "call-1");
  CHECK(xa["session.id"] == "sess-1");
  CHECK(xa["smooth_operator.turn.id"] == "turn-1");
}

TEST_CASE("turn trace: a tool whose result is an error has error status", "[trace]") {
  auto t = make_tracer();
  turn_trace tr;
  tr.begin_turn(t, ids());
  tr.begin_tool("nope", "c");
  tr.end_tool(true);
  auto spans = drain(*t);
  REQUIRE(spans.size() == 1);
  CHECK(spans[0].status == span_status::error);
  CHECK(attrs(spans[0])["error.type"] == "tool_error");
}

TEST_CASE("turn trace: a failed turn ends its open LLM span and itself with error status",
          "[trace]") {
  auto t = make_tracer();
  turn_trace tr;
  tr.begin_turn(t, ids());
  tr.begin_llm("model-x", 512, 0.0);
  tr.set_error("AGENT_ERROR", "gateway said no");
  tr.end_turn(turn_outcome::failed);
  auto spans = drain(*t);
  REQUIRE(spans.size() == 2);
  for (const auto& s : spans) {
    CHECK(s.status == span_status::error);
    CHECK(s.status_message == "gateway said no");
    CHECK(attrs(s)["error.type"] == "AGENT_ERROR");
  }
  CHECK(attrs(spans[1])["smooth_operator.turn.outcome"] == "failed");
}

TEST_CASE("turn trace: a cancelled turn has error status, its cut stream too", "[trace]") {
  auto t = make_tracer();
  turn_trace tr;
  tr.begin_turn(t, ids());
  tr.begin_llm("model-x", 512, 0.0);
  tr.end_turn(turn_outcome::cancelled);
  auto spans = drain(*t);
  REQUIRE(spans.size() == 2);
  for (const auto& s : spans) {
    CHECK(s.status == span_status::error);
    CHECK(attrs(s)["error.type"] == "cancelled");
  }
  CHECK(attrs(spans[1])["smooth_operator.turn.outcome"] == "cancelled");
}

TEST_CASE("turn trace: a turn destroyed without ending still reports its spans as errors",
          "[trace]") {
  auto t = make_tracer();
  {
    turn_trace tr;
    tr.begin_turn(t, ids());
    tr.begin_tool("confirm_me", "c1");  // parked, then the actor is killed
  }
  auto spans = drain(*t);
  REQUIRE(spans.size() == 2);
  CHECK(spans[0].name == "execute_tool confirm_me");
  for (const auto& s : spans) {
    CHECK(s.status == span_status::error);
    CHECK(attrs(s)["error.type"] == "killed");
  }
}

TEST_CASE("turn trace: without a tracer nothing is recorded and every call is a no-op", "[trace]") {
  turn_trace tr;
  tr.begin_turn(nullptr, ids());
  CHECK_FALSE(tr.active());
  CHECK_FALSE(tr.trace().valid());
  tr.begin_llm("m", 1, 0.0);
  tr.end_llm(response("stop"));
  tr.begin_tool("x", "y");
  tr.end_tool(true);
  tr.set_error("E", "m");
  tr.end_turn(turn_outcome::failed);
}
