// Tests for response accumulation and pseudo-XML recovery (engine.md §2.7, §9 item 44).
#include "adapters/llm/response_accumulator.hpp"
#include "adapters/llm/sse_decoder.hpp"
#include "adapters/llm/xml_tool_call_recovery.hpp"
#include "tests/support/llm/accumulate.hpp"

#include <catch2/catch.hpp>

using namespace so::adapters::llm;
using so::test::accumulate;

TEST_CASE("accumulator: deltas concatenate, reasoning kept apart, usage captured",
          "[llm][accumulator]") {
  const auto r =
      accumulate({reasoning_delta{"hmm "}, content_delta{"Hello "}, reasoning_delta{"ok"},
                  content_delta{"world"}, usage_report{{10, 5, 15}}, finish_seen{"stop"}});
  CHECK(r.content == "Hello world");
  CHECK(r.reasoning == "hmm ok");
  CHECK(r.usage_reported);
  CHECK(r.usage.prompt_tokens == 10);
  CHECK(r.usage.completion_tokens == 5);
  CHECK(r.usage.total_tokens == 15);
  CHECK(r.finish_reason == "stop");
  CHECK(r.tool_calls.empty());
}

TEST_CASE("accumulator: the last usage and the first finish win", "[llm][accumulator]") {
  // The model's own reason comes first; `[DONE]` is decoded as a later "stop" (issue 13:
  // the LLM span reports finish_reasons ["tool_calls"] for a tool-call response).
  const auto r = accumulate({usage_report{{1, 1, 2}}, finish_seen{"tool_calls"},
                             usage_report{{7, 3, 10}}, finish_seen{"stop"}});
  CHECK(r.usage.prompt_tokens == 7);
  CHECK(r.finish_reason == "tool_calls");
}

TEST_CASE("accumulator: without usage, completion tokens are estimated", "[llm][accumulator]") {
  const auto r = accumulate({content_delta{"12345678"}});
  CHECK_FALSE(r.usage_reported);
  CHECK(r.usage.prompt_tokens == 0);
  CHECK(r.usage.completion_tokens == 2);
}

TEST_CASE("accumulator: argument fragments join into one call with parsed arguments",
          "[llm][accumulator]") {
  const auto r = accumulate({tool_call_start{0, "call-1", "lookup_order"},
                             tool_arguments_delta{0, "{\"id\": "},
                             tool_arguments_delta{0, "\"123\"}"}, finish_seen{"tool_calls"}});
  REQUIRE(r.tool_calls.size() == 1);
  CHECK(r.tool_calls[0].id == "call-1");
  CHECK(r.tool_calls[0].name == "lookup_order");
  CHECK(r.tool_calls[0].arguments_json == R"({"id":"123"})");
}

TEST_CASE("accumulator: split-id providers give exactly one call", "[llm][accumulator]") {
  // Through the decoder: the id arrives once, later chunks carry only the index.
  sse_decoder d;
  response_accumulator acc;
  const char* body =
      "data: "
      "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_x\",\"function\":{"
      "\"name\":\"f\"}}]}}]}\n"
      "data: "
      "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{"
      "\\\"a\\\"\"}}]}}]}\n"
      "data: "
      "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\":1}\"}}"
      "]}}]}\n"
      "data: [DONE]\n";
  for (const auto& e : d.feed(body)) acc.add(e);
  const auto r = acc.finish();
  REQUIRE(r.tool_calls.size() == 1);
  CHECK(r.tool_calls[0].id == "call_x");
  CHECK(r.tool_calls[0].arguments_json == R"({"a":1})");
}

TEST_CASE("accumulator: calls ordered by first appearance, start resets arguments",
          "[llm][accumulator]") {
  const auto r =
      accumulate({tool_call_start{2, "b", "second"}, tool_call_start{0, "a", "first"},
                  tool_arguments_delta{2, "{\"x\":1}"}, tool_arguments_delta{0, "garbage"},
                  tool_call_start{0, "a2", "first"}, tool_arguments_delta{0, "{\"y\":2}"}});
  REQUIRE(r.tool_calls.size() == 2);
  CHECK(r.tool_calls[0].name == "second");
  CHECK(r.tool_calls[1].id == "a2");
  CHECK(r.tool_calls[1].arguments_json == R"({"y":2})");
}

TEST_CASE("accumulator: nameless calls dropped, bad arguments become {}, non-object kept",
          "[llm][accumulator]") {
  const auto r =
      accumulate({tool_arguments_delta{5, "{\"orphan\":true}"}, tool_call_start{0, "a", "bad"},
                  tool_arguments_delta{0, "{not json"}, tool_call_start{1, "b", "empty"},
                  tool_call_start{2, "c", "array"}, tool_arguments_delta{2, "[1, 2]"}});
  REQUIRE(r.tool_calls.size() == 3);
  CHECK(r.tool_calls[0].arguments_json == "{}");
  CHECK(r.tool_calls[1].arguments_json == "{}");
  CHECK(r.tool_calls[2].arguments_json == "[1,2]");
}

TEST_CASE("accumulator: pseudo-XML tool calls are recovered and clear the content",
          "[llm][accumulator]") {
  SECTION("JSON inside <tool_call>") {
    const auto r =
        accumulate({content_delta{"Let me check. <tool_call>{\"name\": \"lookup_order\", "
                                  "\"arguments\": {\"id\": \"123\"}}</tool_call>"}});
    REQUIRE(r.tool_calls.size() == 1);
    CHECK(r.tool_calls[0].id == "xml_recovered_1");
    CHECK(r.tool_calls[0].name == "lookup_order");
    CHECK(r.tool_calls[0].arguments_json == R"({"id":"123"})");
    CHECK(r.content.empty());
  }
  SECTION("<function=...> with parameters") {
    const auto r = accumulate({content_delta{
        "<tool_call>\n<function=search>\n<parameter=query>\nreturn policy\n</parameter>\n"
        "<parameter=limit>\n3\n</parameter>\n</function>\n</tool_call>\n"
        "<function=ping></function>"}});
    REQUIRE(r.tool_calls.size() == 2);
    CHECK(r.tool_calls[0].id == "xml_recovered_1");
    CHECK(r.tool_calls[0].name == "search");
    CHECK(r.tool_calls[0].arguments_json == R"({"query":"return policy","limit":3})");
    CHECK(r.tool_calls[1].id == "xml_recovered_2");
    CHECK(r.tool_calls[1].arguments_json == "{}");
    CHECK(r.content.empty());
  }
  SECTION("nothing recoverable leaves the content alone") {
    const auto r = accumulate({content_delta{"talking about <tool_call>tags</tool_call>"}});
    CHECK(r.tool_calls.empty());
    CHECK(r.content == "talking about <tool_call>tags</tool_call>");
  }
  SECTION("real tool calls win over XML in the content") {
    const auto r =
        accumulate({content_delta{"<function=x></function>"}, tool_call_start{0, "id", "real"}});
    REQUIRE(r.tool_calls.size() == 1);
    CHECK(r.tool_calls[0].name == "real");
    CHECK(r.content == "<function=x></function>");
  }
}

TEST_CASE("xml recovery: detection needs <function= or both tool_call tags", "[llm][accumulator]") {
  CHECK(has_xml_tool_calls("<function=a>"));
  CHECK(has_xml_tool_calls("<tool_call>{}</tool_call>"));
  CHECK_FALSE(has_xml_tool_calls("<tool_call> only opening"));
  CHECK(recover_xml_tool_calls(
            "<tool_call>{\"name\":\"n\",\"arguments\":\"{\\\"k\\\":1}\"}</tool_call>")
            .at(0)
            .arguments_json == R"({"k":1})");
}

TEST_CASE("canonical_arguments: compact valid JSON, else {}", "[llm][accumulator]") {
  CHECK(canonical_arguments("{ \"a\" : [1, 2] }") == R"({"a":[1,2]})");
  CHECK(canonical_arguments("\"s\"") == "\"s\"");
  CHECK(canonical_arguments("") == "{}");
  CHECK(canonical_arguments("{") == "{}");
}
