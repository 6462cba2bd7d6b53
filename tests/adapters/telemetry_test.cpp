// tests/adapters/telemetry_test.cpp — adapters/telemetry: histogram buckets, labelled
// counters across threads, the outbound type parser, and the exposition text.
#include "adapters/telemetry/metrics_exposition.hpp"

#include <catch2/catch.hpp>

#include <thread>
#include <vector>

using namespace so::adapters::telemetry;
using namespace std::chrono_literals;

TEST_CASE("telemetry: a histogram's buckets are cumulative and end with the count", "[telemetry]") {
  latency_histogram h({0.001, 0.01, 0.1});
  h.observe(500us);  // <= 1 ms
  h.observe(1ms);    // on the bound: le="0.001"
  h.observe(5ms);
  h.observe(2s);  // only +Inf
  const auto t = h.snapshot();
  CHECK(t.count == 4);
  CHECK(t.cumulative == std::vector<std::uint64_t>{2, 3, 3, 4});
  CHECK(t.sum_seconds == Approx(2.0065));
  CHECK_THROWS_AS(latency_histogram({0.1, 0.01}), std::invalid_argument);
}

TEST_CASE("telemetry: labelled counters sum their shards across threads", "[telemetry]") {
  labelled_counter c({"a", "b"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        c.add("a");
        c.add("zzz");  // unknown: "other"
      }
    });
  for (auto& t : threads) t.join();
  CHECK(c.labels() == std::vector<std::string_view>{"a", "b", "other"});
  CHECK(c.snapshot() == std::vector<std::uint64_t>{4000, 0, 4000});
}

TEST_CASE("telemetry: outbound frames are counted by their leading type", "[telemetry]") {
  server_metrics m;
  m.frame_out(R"({"type":"pong","requestId":"p"})");
  m.frame_out(R"({"type":"stream_token","token":"x"})");
  m.frame_out(R"({"requestId":"x","type":"pong"})");  // type not first: other
  m.frame_out(R"({"type":"custom_event"})");          // unknown type: other
  m.frame_out(R"({"type":"unterminated)");
  const auto v = m.frames_out.snapshot();
  CHECK(v[m.frames_out.index_of("pong")] == 1);
  CHECK(v[m.frames_out.index_of("stream_token")] == 1);
  CHECK(v[m.frames_out.index_of("other")] == 3);
}

TEST_CASE("telemetry: the exposition names, types and labels every family", "[telemetry]") {
  server_metrics m;
  m.turns_started = 3;
  m.turn_ended(turn_outcome::cancelled, 20ms);
  m.frames_in.add("ping", 2);
  scrape_values v;
  v.version = "9.9.9";
  v.connections_open = 7;
  const auto text = render_metrics(m, v);
  const auto has = [&](const std::string& s) {
    INFO(s);
    CHECK(text.find(s) != std::string::npos);
  };
  has("# TYPE smooth_operator_turns_started_total counter");
  has("smooth_operator_turns_started_total 3");
  has(R"(smooth_operator_turns_ended_total{outcome="cancelled"} 1)");
  has(R"(smooth_operator_frames_in_total{action="ping"} 2)");
  has("# TYPE smooth_operator_turn_duration_seconds histogram");
  has(R"(smooth_operator_turn_duration_seconds_bucket{le="0.025"} 1)");
  has(R"(smooth_operator_turn_duration_seconds_bucket{le="0.01"} 0)");
  has("smooth_operator_turn_duration_seconds_count 1");
  has(R"(smooth_operator_build_info{version="9.9.9"} 1)");
  has("smooth_operator_connections_open 7");
  // No bus: no NATS families.
  CHECK(text.find("smooth_operator_nats_connected") == std::string::npos);
  v.nats_connected = false;
  CHECK(render_metrics(m, v).find("smooth_operator_nats_connected 0") != std::string::npos);
}
