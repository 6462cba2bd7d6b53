// Tests for the SSE decoder (engine.md §2.5, §9 item 43; decisions.md on malformed lines and
// UTF-8).
#include "adapters/llm/sse_decoder.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace so::adapters::llm;

namespace {

std::string text_of(const std::vector<stream_event>& events) {
  std::string out;
  for (const auto& e : events) {
    if (auto* c = std::get_if<content_delta>(&e)) out += c->text;
  }
  return out;
}

template <class T>
std::size_t count_of(const std::vector<stream_event>& events) {
  std::size_t n = 0;
  for (const auto& e : events) n += std::holds_alternative<T>(e) ? 1 : 0;
  return n;
}

void append(std::vector<stream_event>& into, std::vector<stream_event> more) {
  for (auto& e : more) into.push_back(std::move(e));
}

}  // namespace

TEST_CASE("sse: a content delta line yields one content delta", "[llm][sse]") {
  const auto events = decode_sse_line(R"(data: {"choices":[{"delta":{"content":"Hi"}}]})");
  REQUIRE(events.size() == 1);
  CHECK(std::get<content_delta>(events[0]).text == "Hi");
}

TEST_CASE("sse: [DONE] yields finish stop", "[llm][sse]") {
  const auto events = decode_sse_line("data: [DONE]\r");
  REQUIRE(events.size() == 1);
  CHECK(std::get<finish_seen>(events[0]).reason == "stop");
}

TEST_CASE("sse: blank, comment, event and non-data lines yield nothing", "[llm][sse]") {
  for (const char* line : {"", "   \r", ": keep-alive", "event: message", "id: 7", "retry: 10",
                           "datax {\"choices\":[]}"}) {
    INFO(line);
    CHECK(decode_sse_line(line).empty());
  }
}

TEST_CASE("sse: reasoning_content and reasoning yield reasoning deltas", "[llm][sse]") {
  auto a = decode_sse_line(R"(data: {"choices":[{"delta":{"reasoning_content":"think"}}]})");
  REQUIRE(a.size() == 1);
  CHECK(std::get<reasoning_delta>(a[0]).text == "think");
  auto b = decode_sse_line(R"(data: {"choices":[{"delta":{"reasoning":"more"}}]})");
  REQUIRE(b.size() == 1);
  CHECK(std::get<reasoning_delta>(b[0]).text == "more");
}

TEST_CASE("sse: a tool call split across chunks yields start then arguments", "[llm][sse]") {
  sse_decoder d;
  std::vector<stream_event> events;
  append(
      events,
      d.feed(
          R"(data: {"choices":[{"delta":{"tool_calls":[{"index":1,"id":"call_abc","type":"function","function":{"name":"lookup_order","arguments":""}}]}}]})"
          "\n\n"));
  append(
      events,
      d.feed(
          R"(data: {"choices":[{"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{\"id\":"}}]}}]})"
          "\n\n"));
  append(
      events,
      d.feed(
          R"(data: {"choices":[{"delta":{"tool_calls":[{"index":1,"function":{"arguments":"\"123\"}"}}]}}]})"
          "\n\n"));
  REQUIRE(events.size() == 3);
  const auto& start = std::get<tool_call_start>(events[0]);
  CHECK(start.index == 1);
  CHECK(start.id == "call_abc");
  CHECK(start.name == "lookup_order");
  CHECK(std::get<tool_arguments_delta>(events[1]).text == "{\"id\":");
  CHECK(std::get<tool_arguments_delta>(events[2]).index == 1);
  CHECK(std::get<tool_arguments_delta>(events[2]).text == "\"123\"}");
}

TEST_CASE("sse: tool call index defaults to 0 and a missing id is synthesized", "[llm][sse]") {
  const auto events = decode_sse_line(
      R"(data: {"choices":[{"delta":{"tool_calls":[{"function":{"name":"f","arguments":"{}"}}]}}]})");
  REQUIRE(events.size() == 2);
  CHECK(std::get<tool_call_start>(events[0]).index == 0);
  CHECK(std::get<tool_call_start>(events[0]).id == "call_0");
  CHECK(std::get<tool_arguments_delta>(events[1]).text == "{}");
}

TEST_CASE("sse: finish_reason and usage in chunk order", "[llm][sse]") {
  const auto events = decode_sse_line(
      R"(data: {"model":"m","choices":[{"delta":{"content":"x"},"finish_reason":"tool_calls"}],)"
      R"("usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}})");
  REQUIRE(events.size() == 3);
  CHECK(std::get<content_delta>(events[0]).text == "x");
  CHECK(std::get<finish_seen>(events[1]).reason == "tool_calls");
  const auto& u = std::get<usage_report>(events[2]).usage;
  CHECK(u.prompt_tokens == 10);
  CHECK(u.completion_tokens == 5);
  CHECK(u.total_tokens == 15);
}

TEST_CASE("sse: lenient shapes — null usage, partial usage, choice without delta", "[llm][sse]") {
  CHECK(decode_sse_line(R"(data: {"choices":[{"delta":{"content":null}}],"usage":null})").empty());
  const auto partial =
      decode_sse_line(R"(data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4}})");
  REQUIRE(partial.size() == 1);
  CHECK(std::get<usage_report>(partial[0]).usage.total_tokens == 7);
  const auto no_delta =
      decode_sse_line(R"(data: {"choices":[{"index":0,"finish_reason":"stop"}]})");
  REQUIRE(no_delta.size() == 1);
  CHECK(std::get<finish_seen>(no_delta[0]).reason == "stop");
}

TEST_CASE("sse: a malformed data line is skipped, not fatal", "[llm][sse]") {
  sse_decoder d;
  auto events =
      d.feed("data: {not json\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"ok\"}}]}\n\n");
  REQUIRE(events.size() == 1);
  CHECK(std::get<content_delta>(events[0]).text == "ok");
  CHECK_FALSE(d.saw_finish());
  append(events, d.feed("data: [DONE]\n"));
  CHECK(d.saw_finish());
}

TEST_CASE("sse: a final line without newline is decoded at finish", "[llm][sse]") {
  sse_decoder d;
  CHECK(d.feed("data: {\"choices\":[{\"delta\":{\"content\":\"tail\"}}]}").empty());
  const auto events = d.finish();
  REQUIRE(events.size() == 1);
  CHECK(std::get<content_delta>(events[0]).text == "tail");
}

TEST_CASE("sse: invalid UTF-8 bytes become U+FFFD instead of dropping the line", "[llm][sse]") {
  const auto events = decode_sse_line(
      "data: {\"choices\":[{\"delta\":{\"content\":\"a\xFF"
      "b\"}}]}");
  REQUIRE(events.size() == 1);
  CHECK(std::get<content_delta>(events[0]).text ==
        "a\xEF\xBF\xBD"
        "b");
}

TEST_CASE("sse: any split of the byte stream, even inside a UTF-8 character, decodes the same",
          "[llm][sse]") {
  const std::string body =
      "data: {\"choices\":[{\"delta\":{\"content\":\"Grüße — \"}}]}\r\n\r\n"
      ": comment\n"
      "data: {\"choices\":[{\"delta\":{\"content\":\"日本語 🎉\"}}]}\n\n"
      "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
      "data: [DONE]\n\n";
  const std::string expected = "Grüße — 日本語 🎉";

  SECTION("one byte at a time") {
    sse_decoder d;
    std::vector<stream_event> events;
    for (char c : body) append(events, d.feed(std::string_view(&c, 1)));
    append(events, d.finish());
    CHECK(text_of(events) == expected);
    CHECK(count_of<finish_seen>(events) == 2);
  }
  SECTION("every two-piece split") {
    for (std::size_t cut = 0; cut <= body.size(); ++cut) {
      sse_decoder d;
      std::vector<stream_event> events;
      append(events, d.feed(std::string_view(body).substr(0, cut)));
      append(events, d.feed(std::string_view(body).substr(cut)));
      append(events, d.finish());
      INFO("cut at " << cut);
      REQUIRE(text_of(events) == expected);
      REQUIRE(count_of<content_delta>(events) == 2);
    }
  }
}

TEST_CASE("sse: one decoder handles lines of any size, reusing its buffers", "[llm][sse]") {
  // Far beyond the decoder's parse arena: the line spills to the heap, and the next
  // small line must still decode from the recycled arena.
  const std::string big(100'000, 'x');
  sse_decoder d;
  std::vector<stream_event> events;
  for (int round = 0; round < 3; ++round) {
    d.feed("data: {\"choices\":[{\"delta\":{\"content\":\"" + big + "\"}}]}\n", events);
    d.feed("data: {\"choices\":[{\"delta\":{\"content\":\"small\"}}]}\n", events);
  }
  REQUIRE(events.size() == 6);
  for (int round = 0; round < 3; ++round) {
    CHECK(std::get<content_delta>(events[2 * round]).text == big);
    CHECK(std::get<content_delta>(events[2 * round + 1]).text == "small");
  }
}

TEST_CASE("sse: feed with an output vector appends, reset starts a fresh stream", "[llm][sse]") {
  sse_decoder d;
  std::vector<stream_event> events{content_delta{"before"}};
  d.feed("data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\ndata: [DONE]\ndata: {\"cho",
         events);
  REQUIRE(events.size() == 3);
  CHECK(std::get<content_delta>(events[0]).text == "before");
  CHECK(std::get<content_delta>(events[1]).text == "a");
  CHECK(d.saw_finish());
  d.reset();  // a retry: the half line and the finish of the first attempt are gone
  CHECK_FALSE(d.saw_finish());
  events.clear();
  d.feed("data: {\"choices\":[{\"delta\":{\"content\":\"b\"}}]}", events);
  d.finish(events);
  REQUIRE(events.size() == 1);
  CHECK(std::get<content_delta>(events[0]).text == "b");
}

TEST_CASE("sse: invalid UTF-8 through the stream decoder is repaired too", "[llm][sse]") {
  sse_decoder d;
  const auto events = d.feed(
      "data: {\"choices\":[{\"delta\":{\"content\":\"ok\xC3\"}}]}\n"
      "data: {\"choices\":[{\"delta\":{\"content\":\"fine\"}}]}\n");
  REQUIRE(events.size() == 2);
  CHECK(std::get<content_delta>(events[0]).text == "ok\xEF\xBF\xBD");
  CHECK(std::get<content_delta>(events[1]).text == "fine");
}
