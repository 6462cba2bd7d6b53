// tests/adapters/trace_queue_test.cpp — adapters/telemetry/trace_queue and trace_tracer: the
// bound (a full queue refuses at once and the tracer counts the drop), batches, wake-ups
// and close.
#include "adapters/telemetry/trace_tracer.hpp"

#include <catch2/catch.hpp>

#include <future>
#include <thread>

using namespace so::adapters::telemetry;
using namespace std::chrono_literals;

namespace {

span_record named(std::string name) {
  span_record s;
  s.name = std::move(name);
  return s;
}

}  // namespace

TEST_CASE("trace queue: at the bound a push is refused at once, nothing waits", "[trace]") {
  span_queue q(3, 2);
  CHECK(q.capacity() == 3);
  CHECK(q.batch_size() == 2);
  CHECK(q.try_push(named("a")));
  CHECK(q.try_push(named("b")));
  CHECK(q.try_push(named("c")));
  auto d = named("d");
  CHECK_FALSE(q.try_push(std::move(d)));
  CHECK(d.name == "d");  // a refused span is left untouched
  CHECK(q.size() == 3);

  std::vector<span_record> out;
  CHECK(q.pop_batch(out, std::chrono::steady_clock::now()) == 2);  // at most one batch
  CHECK(out[0].name == "a");
  CHECK(out[1].name == "b");
  CHECK(q.try_push(named("e")));
  CHECK(q.pop_batch(out, std::chrono::steady_clock::now()) == 2);
  CHECK(out[0].name == "c");
  CHECK(out[1].name == "e");
}

TEST_CASE("trace queue: the batch size is clamped to the capacity and to at least 1", "[trace]") {
  CHECK(span_queue(4, 100).batch_size() == 4);
  CHECK(span_queue(4, 0).batch_size() == 1);
  CHECK(span_queue(0, 0).capacity() == 1);
}

TEST_CASE("trace queue: a full batch wakes the consumer before its schedule delay", "[trace]") {
  span_queue q(10, 3);
  auto popped = std::async(std::launch::async, [&q] {
    std::vector<span_record> out;
    // An hour: only the full batch can end this wait.
    return q.pop_batch(out, std::chrono::steady_clock::now() + 1h);
  });
  for (int i = 0; i < 3; ++i) REQUIRE(q.try_push(named(std::to_string(i))));
  REQUIRE(popped.wait_for(10s) == std::future_status::ready);
  CHECK(popped.get() == 3);
}

TEST_CASE("trace queue: a partial batch leaves on the schedule delay", "[trace]") {
  span_queue q(10, 5);
  REQUIRE(q.try_push(named("a")));
  std::vector<span_record> out;
  CHECK(q.pop_batch(out, std::chrono::steady_clock::now() + 20ms) == 1);
}

TEST_CASE("trace queue: close refuses pushes and wakes the consumer, which drains", "[trace]") {
  span_queue q(10, 5);
  REQUIRE(q.try_push(named("a")));
  auto popped = std::async(std::launch::async, [&q] {
    std::vector<span_record> out;
    std::size_t total = 0;
    while (const auto n = q.pop_batch(out, std::chrono::steady_clock::now() + 1h)) total += n;
    return total;
  });
  q.close();
  REQUIRE(popped.wait_for(10s) == std::future_status::ready);
  CHECK(popped.get() == 1);
  CHECK(q.closed());
  CHECK_FALSE(q.try_push(named("late")));
}

TEST_CASE("tracer: a full queue drops the span and counts it, also in /metrics", "[trace]") {
  tracer_options o;
  o.max_queue = 2;
  o.max_batch = 2;
  o.metrics = std::make_shared<server_metrics>();
  tracer t(o);
  t.record(named("a"));
  t.record(named("b"));
  t.record(named("c"));  // over the bound
  CHECK(t.recorded() == 2);
  CHECK(t.queue_dropped() == 1);
  CHECK(o.metrics->trace_spans_dropped.load() == 1);
  t.count_export_failed(2);  // a batch the collector did not take is lost too
  CHECK(t.export_failed() == 2);
  CHECK(o.metrics->trace_spans_dropped.load() == 3);
  t.count_exported(5);
  CHECK(t.exported() == 5);
  CHECK(t.export_requests() == 2);
}

TEST_CASE("tracer: many threads recording never exceed the bound and lose none uncounted",
          "[trace]") {
  tracer_options o;
  o.max_queue = 100;
  tracer t(o);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&t] {
      for (int j = 0; j < 1000; ++j) t.record(named("x"));
    });
  for (auto& th : threads) th.join();
  CHECK(t.queue().size() == 100);
  CHECK(t.recorded() == 100);
  CHECK(t.queue_dropped() == 3900);
}
