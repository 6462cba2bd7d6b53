// Tests for the scripted (mock) provider (engine.md §6, §9 item 46).
#include "adapters/llm/response_accumulator.hpp"
#include "adapters/llm/scripted_provider.hpp"
#include "tests/support/llm/accumulate.hpp"

#include <catch2/catch.hpp>

#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

using namespace so::adapters::llm;
using so::test::accumulate;

namespace {

std::vector<stream_event> run(provider& p, const chat_request& req = {}) {
  std::vector<stream_event> events;
  p.stream(req, [&](stream_event e) { events.push_back(std::move(e)); });
  return events;
}

script_entry entry(script_entry::kind what, std::string text) {
  script_entry e;
  e.what = what;
  e.text = std::move(text);
  return e;
}

}  // namespace

TEST_CASE("scripted: parse_script reads text, toolCall and error entries", "[llm][scripted]") {
  const auto s = parse_script(R"([
    {"kind":"text","text":"Hello"},
    {"kind":"toolCall","name":"lookup_order","arguments":"{\"id\":\"123\"}"},
    {"kind":"toolCall","name":"f","arguments":{"a":1},"id":"x-9"},
    {"kind":"error","message":"boom"}
  ])");
  REQUIRE(s.size() == 4);
  CHECK(s[0].what == script_entry::kind::text);
  CHECK(s[0].text == "Hello");
  CHECK(s[1].what == script_entry::kind::tool_call);
  CHECK(s[1].id == "call-1");
  CHECK(s[1].arguments == R"({"id":"123"})");
  CHECK(s[2].id == "x-9");
  CHECK(s[2].arguments == R"({"a":1})");
  CHECK(s[3].what == script_entry::kind::failure);
  CHECK(s[3].text == "boom");
}

TEST_CASE("scripted: bad scripts throw naming the entry", "[llm][scripted]") {
  CHECK_THROWS_AS(parse_script("{}"), std::invalid_argument);
  CHECK_THROWS_AS(parse_script("[1,"), std::invalid_argument);
  CHECK_THROWS_WITH(parse_script(R"([{"kind":"text","text":"ok"},{"kind":"bogus"}])"),
                    Catch::Contains("entry 1"));
  CHECK_THROWS_WITH(parse_script(R"([{"kind":"toolCall"}])"), Catch::Contains("entry 0"));
  CHECK_THROWS_WITH(parse_script(R"([{"kind":"text"}])"), Catch::Contains("'text'"));
}

TEST_CASE("scripted: split_for_streaming on code points", "[llm][scripted]") {
  CHECK(split_for_streaming("Hello from the engine!") ==
        std::vector<std::string>{"Hello fr", "om the e", "ngine!"});
  CHECK(split_for_streaming("").empty());
  CHECK(split_for_streaming("ab") == std::vector<std::string>{"a", "b"});
  CHECK(split_for_streaming("a—b—c") == std::vector<std::string>{"a—", "b—", "c"});
  CHECK(split_for_streaming("🎉🎉🎉🎉") == std::vector<std::string>{"🎉🎉", "🎉🎉"});
}

TEST_CASE("scripted: script_events for each kind", "[llm][scripted]") {
  script_entry text = entry(script_entry::kind::text, "Hello from the engine!");
  const auto t = script_events(text);
  REQUIRE(t.size() == 6);
  CHECK(std::get<content_delta>(t[0]).text == "Hello fr");
  CHECK(std::get<usage_report>(t[3]).usage.total_tokens == 15);
  CHECK(std::get<finish_seen>(t[4]).reason == "stop");
  CHECK(std::holds_alternative<stream_complete>(t[5]));

  script_entry call;
  call.what = script_entry::kind::tool_call;
  call.name = "lookup_order";
  call.arguments = R"({"id": "123"})";
  const auto c = script_events(call);
  REQUIRE(c.size() == 5);
  CHECK(std::get<tool_call_start>(c[0]).id == "call-1");
  CHECK(std::get<tool_arguments_delta>(c[1]).text == R"({"id": "123"})");
  CHECK(std::get<usage_report>(c[2]).usage.prompt_tokens == 10);
  CHECK(std::get<finish_seen>(c[3]).reason == "tool_calls");
  CHECK(std::holds_alternative<stream_complete>(c[4]));

  script_entry fail = entry(script_entry::kind::failure, "boom");
  const auto f = script_events(fail);
  REQUIRE(f.size() == 1);
  CHECK(std::get<stream_failed>(f[0]).message == "boom");
}

TEST_CASE("scripted: FIFO, one entry per call, requests recorded, drained → empty",
          "[llm][scripted]") {
  scripted_provider p(parse_script(R"([{"kind":"text","text":"first"},
      {"kind":"toolCall","name":"f","arguments":"{}"}])"));
  chat_request req;
  req.model = "m1";
  const auto a = accumulate(run(p, req));
  CHECK(a.content == "first");
  CHECK(a.usage.completion_tokens == 5);
  CHECK(p.remaining() == 1);
  const auto b = accumulate(run(p));
  REQUIRE(b.tool_calls.size() == 1);
  CHECK(b.tool_calls[0].name == "f");

  const auto drained = run(p);
  REQUIRE(drained.size() == 2);
  CHECK(std::get<finish_seen>(drained[0]).reason == "stop");
  CHECK(std::holds_alternative<stream_complete>(drained[1]));
  CHECK_FALSE(accumulate(drained).usage_reported);

  p.push(entry(script_entry::kind::failure, "scripted failure"));
  const auto failed = run(p);
  REQUIRE(failed.size() == 1);
  CHECK(std::get<stream_failed>(failed[0]).message == "scripted failure");

  const auto reqs = p.requests();
  REQUIRE(reqs.size() == 4);
  CHECK(reqs[0].model == "m1");
}

TEST_CASE("scripted: shared across threads, each entry consumed once", "[llm][scripted]") {
  std::vector<script_entry> script;
  for (int i = 0; i < 40; ++i) script.push_back(entry(script_entry::kind::text, std::to_string(i)));
  scripted_provider p(script);
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<std::string> seen;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        const auto r = accumulate(run(p));
        std::lock_guard lock(mu);
        seen.insert(r.content);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(seen.size() == 40);
  CHECK(p.remaining() == 0);
}

TEST_CASE("scripted: stream_batches hands an entry over as one batch, in stream order",
          "[llm][scripted][batch]") {
  scripted_provider p(parse_script(R"([{"kind":"text","text":"one two three"}])"));
  std::vector<stream_batch> batches;
  p.stream_batches(chat_request{}, call_options{},
                   [&](stream_batch b) { batches.push_back(std::move(b)); });
  REQUIRE(batches.size() == 1);
  const auto& events = batches[0];
  REQUIRE(events.size() == 6);  // three deltas, usage, finish, complete
  CHECK(accumulate(events).content == "one two three");
  CHECK(std::holds_alternative<stream_complete>(events.back()));
}

namespace {
// A provider that only knows per-event delivery: batches come from the base class.
class per_event_provider final : public provider {
 public:
  std::shared_ptr<stream_handle> stream(const chat_request&, stream_sink sink) override {
    sink(content_delta{"a"});
    sink(content_delta{"b"});
    sink(stream_complete{});
    return nullptr;
  }
};
}  // namespace

TEST_CASE("provider: the default stream_batches delivers batches of one, in order",
          "[llm][batch]") {
  per_event_provider p;
  std::vector<stream_batch> batches;
  p.stream_batches(chat_request{}, call_options{},
                   [&](stream_batch b) { batches.push_back(std::move(b)); });
  REQUIRE(batches.size() == 3);
  for (const auto& b : batches) REQUIRE(b.size() == 1);
  CHECK(std::get<content_delta>(batches[0][0]).text == "a");
  CHECK(std::get<content_delta>(batches[1][0]).text == "b");
  CHECK(std::holds_alternative<stream_complete>(batches[2][0]));
}
