// Tests for the gateway provider through the real HTTP client and the fake gateway
// (engine.md §2, decisions.md on retries and malformed SSE).
#include "adapters/llm/gateway_provider.hpp"
#include "adapters/llm/response_accumulator.hpp"
#include "tests/support/llm/accumulate.hpp"
#include "tests/support/net/background_io.hpp"
#include "tests/support/net/fake_gateway.hpp"

#include <rapidjson/document.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

using namespace so;
using namespace so::adapters::llm;
using so::test::accumulate;
using namespace std::chrono_literals;
using test::gateway_fault;

namespace {

// Collects one stream's events; the test thread waits for its terminal event.
class collector {
 public:
  stream_sink sink() {
    return [this](stream_event e) {
      std::lock_guard lock(mu_);
      events_.push_back(std::move(e));
      cv_.notify_all();
    };
  }
  /// For stream_batches: the events as above, and the size of every batch.
  stream_batch_sink batch_sink() {
    return [this](stream_batch b) {
      std::lock_guard lock(mu_);
      batch_sizes_.push_back(b.size());
      for (auto& e : b) events_.push_back(std::move(e));
      cv_.notify_all();
    };
  }
  std::vector<std::size_t> batch_sizes() {
    std::lock_guard lock(mu_);
    return batch_sizes_;
  }
  std::vector<stream_event> wait_terminal(std::chrono::milliseconds t = 10s) {
    std::unique_lock lock(mu_);
    REQUIRE(cv_.wait_for(lock, t, [&] { return !events_.empty() && is_terminal(events_.back()); }));
    return events_;
  }
  bool wait_content(const std::string& text, std::chrono::milliseconds t = 10s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, t, [&] { return content_locked() == text; });
  }
  std::vector<stream_event> events() {
    std::lock_guard lock(mu_);
    return events_;
  }

 private:
  std::string content_locked() const {
    std::string s;
    for (const auto& e : events_) {
      if (auto* c = std::get_if<content_delta>(&e)) s += c->text;
    }
    return s;
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<stream_event> events_;
  std::vector<std::size_t> batch_sizes_;
};

std::size_t terminal_count(const std::vector<stream_event>& events) {
  std::size_t n = 0;
  for (const auto& e : events) n += is_terminal(e) ? 1 : 0;
  return n;
}

std::string failure_of(const std::vector<stream_event>& events) {
  REQUIRE_FALSE(events.empty());
  const auto* f = std::get_if<stream_failed>(&events.back());
  REQUIRE(f != nullptr);
  return f->message;
}

script_entry text_entry(std::string text) {
  script_entry e;
  e.text = std::move(text);
  return e;
}

script_entry tool_entry(std::string name, std::string args, std::string id = "call-1") {
  script_entry e;
  e.what = script_entry::kind::tool_call;
  e.name = std::move(name);
  e.arguments = std::move(args);
  e.id = std::move(id);
  return e;
}

chat_request simple_request(std::vector<tool_spec> tools = {}) {
  chat_request r;
  r.model = "test-model";
  r.messages.push_back({role::user, "hi", {}, "", "", ""});
  r.tools = std::move(tools);
  return r;
}

gateway_options fast_options(const test::fake_gateway& gw) {
  gateway_options o;
  o.base_url = gw.base_url();
  o.api_key = "sk-test";
  o.backoff = [](unsigned, std::optional<double>) { return 1ms; };
  return o;
}

gateway_fault status_fault(int status, std::optional<std::string> retry_after = std::nullopt) {
  gateway_fault f;
  f.what = gateway_fault::kind::http_status;
  f.status = status;
  f.retry_after = std::move(retry_after);
  return f;
}

gateway_fault kind_fault(gateway_fault::kind k, std::chrono::milliseconds delay = 0ms) {
  gateway_fault f;
  f.what = k;
  f.delay = delay;
  return f;
}

// One provider stream through the real HTTP client. Declare it after the fake gateway:
// it is torn down first, in the order stream handle, collector, provider, I/O thread.
struct gateway_stream {
  test::background_io io;
  provider_ptr p;
  collector c;
  std::shared_ptr<stream_handle> h;

  explicit gateway_stream(gateway_options o, const chat_request& req = simple_request())
      : p(make_gateway_provider(io.http(), io.timer(), std::move(o))),
        h(p->stream(req, c.sink())) {}
};

}  // namespace

TEST_CASE("gateway: a text reply streams, with usage and completion", "[llm][gateway]") {
  test::fake_gateway gw({text_entry("Hello from the engine!")});
  gateway_stream s(fast_options(gw));
  const auto events = s.c.wait_terminal();
  CHECK(std::holds_alternative<stream_complete>(events.back()));
  CHECK(terminal_count(events) == 1);
  const auto r = accumulate(events);
  CHECK(r.content == "Hello from the engine!");
  CHECK(r.usage_reported);
  CHECK(r.usage.prompt_tokens == 10);
  CHECK(r.usage.completion_tokens == 5);
  CHECK(r.usage.total_tokens == 15);
  CHECK(r.finish_reason == "stop");
}

TEST_CASE("gateway: the request carries auth, accept and the JSON body", "[llm][gateway]") {
  test::fake_gateway gw({text_entry("ok")});
  test::background_io io;
  auto p = make_gateway_provider(io.http(), io.timer(), fast_options(gw));
  collector c;
  auto h = p->stream(simple_request({{"lookup_order", "Look up an order", R"({"type":"object"})"}}),
                     c.sink());
  c.wait_terminal();
  const auto reqs = gw.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].method == "POST");
  CHECK(reqs[0].target == "/v1/chat/completions");
  CHECK(reqs[0].authorization == "Bearer sk-test");
  bool accept_sse = false, json_type = false;
  for (const auto& [k, v] : reqs[0].headers) {
    if (k == "Accept" && v == "text/event-stream") accept_sse = true;
    if (k == "Content-Type" && v == "application/json") json_type = true;
  }
  CHECK(accept_sse);
  CHECK(json_type);
  rapidjson::Document d;
  d.Parse(reqs[0].body.c_str());
  REQUIRE_FALSE(d.HasParseError());
  CHECK(std::string(d["model"].GetString()) == "test-model");
  CHECK(d["stream"].GetBool());
  CHECK(d["stream_options"]["include_usage"].GetBool());
  CHECK(std::string(d["tools"][0]["function"]["name"].GetString()) == "lookup_order");
  CHECK(std::string(d["tool_choice"].GetString()) == "auto");
  CHECK(std::string(d["messages"][0]["content"].GetString()) == "hi");
}

TEST_CASE("gateway: a tool call streams as start + arguments, finish tool_calls",
          "[llm][gateway]") {
  test::fake_gateway gw({tool_entry("lookup_order", R"({"id": "123"})", "call-7")});
  gateway_stream s(fast_options(gw));
  const auto events = s.c.wait_terminal();
  CHECK(std::holds_alternative<stream_complete>(events.back()));
  const auto r = accumulate(events);
  REQUIRE(r.tool_calls.size() == 1);
  CHECK(r.tool_calls[0].id == "call-7");
  CHECK(r.tool_calls[0].name == "lookup_order");
  CHECK(r.tool_calls[0].arguments_json == R"({"id":"123"})");
  // [DONE] counts as a later finish "stop" (engine.md §2.5), so look at the events.
  bool saw_tool_calls_finish = false;
  for (const auto& e : events) {
    if (auto* f = std::get_if<finish_seen>(&e)) saw_tool_calls_finish |= f->reason == "tool_calls";
  }
  CHECK(saw_tool_calls_finish);
  CHECK(r.usage.total_tokens == 15);
}

TEST_CASE("gateway: tokens arrive before the stream ends", "[llm][gateway]") {
  test::fake_gateway_options opts;
  opts.hold_last = true;
  test::fake_gateway gw({text_entry("Hello from the engine!")}, opts);
  gateway_stream s(fast_options(gw));
  REQUIRE(s.c.wait_content("Hello from the engine!"));
  CHECK(terminal_count(s.c.events()) == 0);  // [DONE] is still held by the gateway
  gw.release();
  CHECK(std::holds_alternative<stream_complete>(s.c.wait_terminal().back()));
}

TEST_CASE("gateway: a drained script is an empty, complete response", "[llm][gateway]") {
  test::fake_gateway gw;
  gateway_stream s(fast_options(gw));
  const auto events = s.c.wait_terminal();
  CHECK(std::holds_alternative<stream_complete>(events.back()));
  const auto r = accumulate(events);
  CHECK(r.content.empty());
  CHECK(r.tool_calls.empty());
  CHECK_FALSE(r.usage_reported);
}

TEST_CASE("gateway: 500s are retried, then fail with the API error text", "[llm][gateway]") {
  test::fake_gateway gw({text_entry("never")});
  for (int i = 0; i < 4; ++i) gw.push_fault(status_fault(500));
  gateway_stream s(fast_options(gw));
  const auto events = s.c.wait_terminal();
  CHECK(failure_of(events) == R"(LLM API error 500 Internal Server Error: {"error":"boom"})");
  CHECK(events.size() == 1);
  CHECK(gw.requests().size() == 4);  // the first try and 3 retries
}

TEST_CASE("gateway: 429 with Retry-After is honoured, then succeeds", "[llm][gateway]") {
  test::fake_gateway gw({text_entry("after the wait")});
  gw.push_fault(status_fault(429, "0.01"));
  test::background_io io;
  auto opts = fast_options(gw);
  std::mutex mu;
  std::vector<std::optional<double>> seen;
  opts.backoff = [&](unsigned attempt, std::optional<double> ra) {
    std::lock_guard lock(mu);
    CHECK(attempt == 0);
    seen.push_back(ra);
    return 1ms;
  };
  auto p = make_gateway_provider(io.http(), io.timer(), opts);
  collector c;
  auto h = p->stream(simple_request(), c.sink());
  const auto events = c.wait_terminal();
  CHECK(accumulate(events).content == "after the wait");
  std::lock_guard lock(mu);
  REQUIRE(seen.size() == 1);
  REQUIRE(seen[0]);
  CHECK(*seen[0] == Approx(0.01));
}

TEST_CASE("gateway: the default backoff uses Retry-After", "[llm][gateway]") {
  test::fake_gateway gw({text_entry("ok")});
  gw.push_fault(status_fault(503, "0"));
  test::background_io io;
  auto opts = fast_options(gw);
  opts.backoff = nullptr;  // Retry-After 0 → no wait, not 1 s of exponential backoff
  auto p = make_gateway_provider(io.http(), io.timer(), opts);
  collector c;
  auto h = p->stream(simple_request(), c.sink());
  CHECK(accumulate(c.wait_terminal(900ms)).content == "ok");
}

TEST_CASE("gateway: a non-retryable status fails at once", "[llm][gateway]") {
  test::fake_gateway gw({text_entry("never")});
  gateway_fault f = status_fault(401);
  f.body = R"({"error":"bad key"})";
  gw.push_fault(f);
  gateway_stream s(fast_options(gw));
  CHECK(failure_of(s.c.wait_terminal()) ==
        R"(LLM API error 401 Unauthorized: {"error":"bad key"})");
  CHECK(gw.requests().size() == 1);
}

TEST_CASE("gateway: a scripted failure arrives as a 400", "[llm][gateway]") {
  script_entry e;
  e.what = script_entry::kind::failure;
  e.text = "model overloaded";
  test::fake_gateway gw({e});
  gateway_stream s(fast_options(gw));
  CHECK(failure_of(s.c.wait_terminal()) ==
        R"(LLM API error 400 Bad Request: {"error":{"message":"model overloaded"}})");
}

TEST_CASE("gateway: a malformed SSE line is skipped", "[llm][gateway]") {
  test::fake_gateway gw({text_entry("still fine")});
  gw.push_fault(kind_fault(gateway_fault::kind::malformed_line));
  gateway_stream s(fast_options(gw));
  const auto events = s.c.wait_terminal();
  CHECK(std::holds_alternative<stream_complete>(events.back()));
  CHECK(accumulate(events).content == "still fine");
}

TEST_CASE("gateway: a stream dropped mid-way fails after its first token, without retry",
          "[llm][gateway]") {
  test::fake_gateway gw({text_entry("Hello from the engine!"), text_entry("unused")});
  gw.push_fault(kind_fault(gateway_fault::kind::drop_mid_stream));
  gateway_stream s(fast_options(gw));
  const auto events = s.c.wait_terminal();
  CHECK_THAT(failure_of(events), Catch::StartsWith("stream read error: "));
  CHECK(accumulate(events).content == "Hello fr");
  CHECK(gw.requests().size() == 1);
}

TEST_CASE("gateway: a stalled body trips the idle timeout", "[llm][gateway]") {
  test::fake_gateway gw({text_entry("Hello from the engine!")});
  gw.push_fault(kind_fault(gateway_fault::kind::stall, 10s));
  test::background_io io;
  auto opts = fast_options(gw);
  opts.idle_timeout = 200ms;
  auto p = make_gateway_provider(io.http(), io.timer(), opts);
  collector c;
  auto h = p->stream(simple_request(), c.sink());
  const auto events = c.wait_terminal();
  CHECK(failure_of(events) == "stream idle timeout: no data for 0.2s");
  gw.release();
}

TEST_CASE("gateway: a refused port fails with HTTP request failed after retries",
          "[llm][gateway]") {
  std::string base_url;
  {
    test::fake_gateway gone;
    base_url = gone.base_url();
  }
  test::background_io io;
  gateway_options o;
  o.base_url = base_url;
  o.api_key = "k";
  o.max_retries = 2;
  std::atomic<int> backoffs{0};
  o.backoff = [&](unsigned, std::optional<double>) {
    ++backoffs;
    return 1ms;
  };
  auto p = make_gateway_provider(io.http(), io.timer(), o);
  collector c;
  auto h = p->stream(simple_request(), c.sink());
  const auto msg = failure_of(c.wait_terminal());
  CHECK_THAT(msg, Catch::StartsWith("HTTP request failed: ") && Catch::Contains("refused"));
  CHECK(backoffs.load() == 2);
}

TEST_CASE("gateway: an ending without a finish fails", "[llm][gateway]") {
  // A 200 whose body holds no finish and no [DONE]: the fake gateway's 2xx
  // http_status fault answers with a plain JSON body.
  test::fake_gateway gw;
  gateway_fault f = status_fault(200);
  f.body = "data: {\"choices\":[{\"delta\":{\"content\":\"partial\"}}]}\n";
  gw.push_fault(f);
  gateway_stream s(fast_options(gw));
  const auto events = s.c.wait_terminal();
  CHECK(failure_of(events) == "stream ended before the model finished");
  CHECK(accumulate(events).content == "partial");
}

TEST_CASE("gateway: cancel stops every further event", "[llm][gateway]") {
  test::fake_gateway_options gopts;
  gopts.hold_last = true;
  test::fake_gateway gw({text_entry("Hello from the engine!")}, gopts);
  gateway_stream s(fast_options(gw));
  REQUIRE(s.c.wait_content("Hello from the engine!"));
  s.h->cancel();
  // cancel() from this thread races a delivery already under way on the I/O thread
  // (it checked the flag just before): wait for one I/O-thread turn before counting.
  std::promise<void> io_turn;
  s.io.timer()(0ms, [&io_turn] { io_turn.set_value(); });
  io_turn.get_future().wait();
  const std::size_t before = s.c.events().size();
  gw.release();  // the gateway now finishes the cancelled stream (or fails writing it)
  gw.release();  // and, in advance, the next one
  // Run another stream to completion: by then the I/O thread has handled the
  // cancelled call's socket, and nothing more may have been delivered for it.
  gw.push(text_entry("second"));
  collector c2;
  auto h2 = s.p->stream(simple_request(), c2.sink());
  c2.wait_terminal();
  CHECK(s.c.events().size() == before);
  CHECK(terminal_count(s.c.events()) == 0);
}

TEST_CASE("gateway: cancel during a retry backoff stops the call", "[llm][gateway]") {
  test::fake_gateway gw({text_entry("never")});
  gw.push_fault(status_fault(503));
  test::background_io io;
  auto opts = fast_options(gw);
  std::atomic<bool> backing_off{false};
  opts.backoff = [&](unsigned, std::optional<double>) {
    backing_off = true;
    return 200ms;
  };
  auto p = make_gateway_provider(io.http(), io.timer(), opts);
  collector c;
  auto h = p->stream(simple_request(), c.sink());
  for (int i = 0; i < 2500 && !backing_off; ++i) std::this_thread::sleep_for(2ms);
  REQUIRE(backing_off);
  h->cancel();
  std::this_thread::sleep_for(400ms);  // past the backoff: a retry would have been sent
  CHECK(gw.requests().size() == 1);
  CHECK(c.events().empty());
}

TEST_CASE("gateway: TLS with the fake gateway's certificate", "[llm][gateway][tls]") {
  test::fake_gateway_options gopts;
  gopts.tls = true;
  test::fake_gateway gw({text_entry("over TLS")}, gopts);
  test::background_io io({gw.ca_file()});
  auto p = make_gateway_provider(io.http(), io.timer(), fast_options(gw));
  collector c;
  auto h = p->stream(simple_request(), c.sink());
  CHECK(accumulate(c.wait_terminal()).content == "over TLS");
}

TEST_CASE("gateway: sequential streams share one keep-alive connection", "[llm][gateway][pool]") {
  test::fake_gateway gw({text_entry("one"), text_entry("two"), text_entry("three")});
  test::background_io io;
  auto p = make_gateway_provider(io.http(), io.timer(), fast_options(gw));
  for (const char* expected : {"one", "two", "three"}) {
    collector c;
    auto h = p->stream(simple_request(), c.sink());
    CHECK(accumulate(c.wait_terminal()).content == expected);
  }
  CHECK(gw.requests().size() == 3);
  CHECK(gw.connections() == 1);
}

TEST_CASE("gateway: a gateway that drops idle connections costs no failed call",
          "[llm][gateway][pool]") {
  test::fake_gateway_options gopts;
  gopts.close_after_answer = true;
  test::fake_gateway gw({text_entry("one"), text_entry("two"), text_entry("three")}, gopts);
  test::background_io io;
  auto opts = fast_options(gw);
  std::atomic<int> backoffs{0};
  opts.backoff = [&](unsigned, std::optional<double>) {
    ++backoffs;
    return 1ms;
  };
  auto p = make_gateway_provider(io.http(), io.timer(), opts);
  for (const char* expected : {"one", "two", "three"}) {
    collector c;
    auto h = p->stream(simple_request(), c.sink());
    CHECK(accumulate(c.wait_terminal()).content == expected);
  }
  CHECK(gw.requests().size() == 3);
  CHECK(gw.connections() == 3);
  CHECK(backoffs.load() == 0);  // the stale connections were never a "send failure"
}

TEST_CASE("gateway: a cancelled stream's connection is not reused", "[llm][gateway][pool]") {
  test::fake_gateway_options gopts;
  gopts.hold_last = true;
  test::fake_gateway gw({text_entry("first"), text_entry("second")}, gopts);
  gateway_stream s(fast_options(gw));
  REQUIRE(s.c.wait_content("first"));
  s.h->cancel();
  gw.release();
  gw.release();
  collector c2;
  auto h2 = s.p->stream(simple_request(), c2.sink());
  CHECK(accumulate(c2.wait_terminal()).content == "second");
  CHECK(gw.connections() == 2);
}

TEST_CASE("gateway: an error body is UTF-8-repaired and capped before it enters the event",
          "[llm][gateway]") {
  test::fake_gateway gw({text_entry("never")});
  SECTION("invalid UTF-8") {
    gateway_fault f = status_fault(401);
    f.body = "{\"error\":\"bad \xFF key \xC3\"}";
    gw.push_fault(f);
    gateway_stream s(fast_options(gw));
    CHECK(failure_of(s.c.wait_terminal()) ==
          "LLM API error 401 Unauthorized: {\"error\":\"bad \xEF\xBF\xBD key \xEF\xBF\xBD\"}");
  }
  SECTION("an oversized body is cut at 64 KiB, even inside a character") {
    gateway_fault f = status_fault(400);
    f.body = "x" + std::string(70'000, '\xE2');  // 0xE2 starts a 3-byte character
    gw.push_fault(f);
    gateway_stream s(fast_options(gw));
    const std::string msg = failure_of(s.c.wait_terminal());
    const std::string prefix = "LLM API error 400 Bad Request: x";
    REQUIRE(msg.rfind(prefix, 0) == 0);
    // 65535 stray lead bytes kept, each repaired to U+FFFD (3 bytes).
    CHECK(msg.size() == prefix.size() + 3 * (64 * 1024 - 1));
  }
}

TEST_CASE("gateway: what one read brings arrives as one batch, in stream order",
          "[llm][gateway][batch]") {
  test::fake_gateway_options opts;
  opts.hold_last = true;  // each stream holds its [DONE] until released
  test::fake_gateway gw(
      {text_entry("Hello from the engine!"), text_entry("Hello from the engine!")}, opts);
  test::background_io io;
  auto p = make_gateway_provider(io.http(), io.timer(), fast_options(gw));

  // A first call: how many SSE events this reply has.
  collector first;
  auto h1 = p->stream_batches(simple_request(), call_options{}, first.batch_sink());
  gw.release();
  const auto first_events = first.wait_terminal();
  CHECK(accumulate(first_events).content == "Hello from the engine!");
  const std::size_t n = gw.events_sent();
  REQUIRE(n >= 4);  // three content deltas, a finish, [DONE]

  // The second call's events are all written while the client's io thread is held, so
  // its next read takes them together: they must arrive as one batch.
  gw.push_fault(kind_fault(gateway_fault::kind::hold_first));
  collector second;
  auto h2 = p->stream_batches(simple_request(), call_options{}, second.batch_sink());
  for (int i = 0; i < 1000 && gw.requests().size() < 2; ++i) std::this_thread::sleep_for(5ms);
  REQUIRE(gw.requests().size() == 2);
  std::promise<void> held;
  io.timer()(0ms, [&gw, &held, n] {
    held.set_value();
    gw.wait_events_sent(n - 1, 10s);  // all but the held [DONE]
  });
  held.get_future().wait();
  gw.release();  // the hold before the first event
  REQUIRE(gw.wait_events_sent(n - 1, 10s));
  gw.release();  // the held [DONE]
  const auto events = second.wait_terminal();
  std::size_t largest = 0;
  for (const auto size : second.batch_sizes()) {
    REQUIRE(size > 0);
    largest = std::max(largest, size);
  }
  CHECK(largest >= 3);  // at least the three content deltas of one read
  CHECK(terminal_count(events) == 1);
  CHECK(std::holds_alternative<stream_complete>(events.back()));
  CHECK(accumulate(events).content == "Hello from the engine!");
  CHECK(events.size() == first_events.size());
}
