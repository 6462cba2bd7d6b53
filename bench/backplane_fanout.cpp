// bench/backplane_fanout.cpp — one backplane event delivered to many connections.
//
//   backplane_fanout [connections=200] [events=2000] [nats_url|-] [rate=0]
//
// Connection 0 creates a session; the others resolve it with get_session, which
// associates them with the session target (decisions.md). The bench then publishes
// `events` raw events to ("session", id) through server.publish — the in-memory
// backplane path — and every client checks it receives each one verbatim, once, in
// publish order. With `nats_url` (issue 10, cross-process delivery) two servers are
// booted on that NATS (SMOOTH_AGENT_BACKPLANE=nats): every client is on B and the
// events are published on A, so each crosses the broker once and B fans it out
// ("-" = no NATS). `rate` > 0 paces the publisher (events per second) so the latency
// figures are those of an unsaturated fan-out; 0 publishes as fast as it can (the
// throughput figures; latency is then mostly queueing in the 1 thread per client). Each event
// carries its publish time, so the end-to-end delivery latency (publish → client read) is measured
// per delivery. Exit: 0 ok, 1 correctness failure (lost, duplicated, reordered or altered events),
// 3 hard deadline.
#include "bench/bench_support.hpp"

#include <atomic>
#include <latch>
#include <limits>

namespace so::bench {
namespace {

constexpr const char* kUsage =
    "backplane_fanout [connections=200] [events=2000] [nats_url|-] [rate=0]";
constexpr std::size_t kNotYet = std::numeric_limits<std::size_t>::max();
// A client that receives nothing for this long while events are still owed has lost them.
constexpr auto kStall = 10s;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(bench_clock::now().time_since_epoch())
      .count();
}

// Event `seq`: `{"type":"bench_event","seq":<seq>,"t":<steady ns>}`.
std::string event_prefix(std::size_t seq) {
  return R"({"type":"bench_event","seq":)" + std::to_string(seq) + R"(,"t":)";
}

// Associates `ws` with `session` through get_session; false (failure recorded) otherwise.
bool join_session(test::ws_client& ws, const std::string& session, failures& fail,
                  const std::string& who) {
  ws.send_text(R"({"action":"get_session","requestId":"gs","sessionId":")" + session + R"("})");
  auto text = ws.read(10s);
  rapidjson::Document d;
  if (text) d.Parse(text->data(), text->size());
  if (!text || d.HasParseError() || str_member(d, "type") != "immediate_response") {
    fail.add(who + ": get_session failed: " + text.value_or("<no frame>"));
    return false;
  }
  return true;
}

std::string create_session(test::ws_client& ws, failures& fail) {
  ws.send_text(
      R"({"action":"create_conversation_session","requestId":"r-create","agentId":"agent-bench","userName":"Bench"})");
  auto text = ws.read(10s);
  rapidjson::Document d;
  if (text) d.Parse(text->data(), text->size());
  if (!text || d.HasParseError() || !d.IsObject() || !d.HasMember("data") ||
      str_member(d["data"], "sessionId").empty()) {
    fail.add("create_conversation_session failed: " + text.value_or("<no frame>"));
    return {};
  }
  return std::string(str_member(d["data"], "sessionId"));
}

struct receiver_result {
  std::size_t received = 0;
  bench_clock::time_point last_at{};
  std::vector<double> latencies_us;
};

// Reads events until `published` (set once publishing ends) have all arrived.
void receive(test::ws_client& ws, const std::atomic<std::size_t>& published, std::size_t expected,
             receiver_result& out, failures& fail, const std::string& who) {
  out.latencies_us.reserve(expected);
  auto last_progress = bench_clock::now();
  for (;;) {
    const auto target = published.load(std::memory_order_acquire);
    if (out.received == target) return;
    auto text = ws.read(500ms);
    const auto now = bench_clock::now();
    if (!text) {
      if (ws.closed()) {
        fail.add(who + ": connection closed by the server (code " +
                 std::to_string(ws.closed()->code) + ")");
        return;
      }
      if (now - last_progress > kStall) {
        fail.add(who + ": lost events: got " + std::to_string(out.received) + " of " +
                 (target == kNotYet ? std::string("?") : std::to_string(target)));
        return;
      }
      continue;
    }
    // Byte-exact prefix for the next sequence number: catches loss, duplication,
    // reordering and re-serialization in one comparison.
    const auto prefix = event_prefix(out.received);
    char* end = nullptr;
    const auto sent = text->compare(0, prefix.size(), prefix) == 0
                          ? std::strtoll(text->c_str() + prefix.size(), &end, 10)
                          : 0;
    if (sent <= 0 || end == nullptr || std::string_view(end) != "}") {
      fail.add(who + ": expected event " + std::to_string(out.received) + ", got: " + *text);
      return;
    }
    out.latencies_us.push_back(static_cast<double>(now_ns() - sent) / 1e3);
    ++out.received;
    out.last_at = now;
    last_progress = now;
  }
}

int run(int argc, char** argv) {
  const auto connections = count_arg(argc, argv, 1, 200, 1, 5000, kUsage);
  const auto events = count_arg(argc, argv, 2, 2000, 1, 10'000'000, kUsage);
  watchdog dog;
  const auto stop_at = bench_clock::now() + kSoftBudget;
  failures fail;

  // Clients on `server`; events published on `publisher` (the same server unless NATS).
  const std::string nats_url = argc > 3 && std::string_view(argv[3]) != "-" ? argv[3] : "";
  const auto rate = count_arg(argc, argv, 4, 0, 0, 1'000'000, kUsage);
  auto boot = [&nats_url] {
    if (nats_url.empty()) return boot_server();
    return boot_server(nullptr, [&nats_url](net::server_options& o) {
      o.config.backplane = adapters::backplane_backend::nats;
      o.config.backplane_url = nats_url;
    });
  };
  auto server = boot();
  auto publisher_server = nats_url.empty() ? nullptr : boot();
  net::server& publisher = publisher_server ? *publisher_server : *server;
  // Deliveries counted by the publishing process: none of the clients is on it with NATS.
  const std::size_t local_deliveries = publisher_server ? 0 : connections;
  print_header("backplane_fanout", *server,
               "connections=" + std::to_string(connections) + " events=" + std::to_string(events) +
                   (nats_url.empty() ? " backplane=memory"
                                     : " backplane=nats (publish on A, clients on B)"));

  // ---- connect and associate every client with one session ----
  std::vector<std::unique_ptr<test::ws_client>> conns;
  std::string session;
  const bool joined = guarded(fail, "setup", [&] {
    for (std::size_t c = 0; c < connections; ++c) conns.push_back(connect(*server));
    session = create_session(*conns[0], fail);
    if (session.empty()) return;
    for (std::size_t c = 1; c < connections; ++c)
      if (!join_session(*conns[c], session, fail, numbered("client ", c))) return;
  });
  if (!joined || fail.count() > 0) {
    std::printf("RESULT: FAIL (setup)\n");
    return 1;
  }

  // ---- receivers ----
  std::atomic<std::size_t> published{kNotYet};
  std::vector<receiver_result> results(connections);
  std::latch ready(static_cast<std::ptrdiff_t>(connections) + 1);
  std::vector<std::thread> threads;
  for (std::size_t c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      const std::string who = numbered("client ", c);
      ready.arrive_and_wait();
      guarded(fail, who, [&] {
        receive(*conns[c], published, events, results[c], fail, who);
        conns[c]->close();
      });
    });
  }
  ready.arrive_and_wait();

  // ---- publish ----
  std::vector<double> publish_us;
  publish_us.reserve(events);
  std::size_t sent = 0, deliveries = 0;
  const auto cpu0 = process_cpu_seconds();
  const auto t0 = bench_clock::now();
  guarded(fail, "publisher", [&] {
    for (; sent < events && bench_clock::now() < stop_at; ++sent) {
      if (rate > 0)
        std::this_thread::sleep_until(t0 + std::chrono::microseconds(sent * 1'000'000 / rate));
      const auto p0 = bench_clock::now();
      const auto n = publisher.publish("session", session,
                                       event_prefix(sent) + std::to_string(now_ns()) + "}");
      publish_us.push_back(micros(bench_clock::now() - p0));
      deliveries += n;
      if (n != local_deliveries)
        fail.add("publish " + std::to_string(sent) + " reached " + std::to_string(n) + " of " +
                 std::to_string(local_deliveries) + " local connections");
    }
  });
  const auto published_at = bench_clock::now();
  published.store(sent, std::memory_order_release);
  for (auto& t : threads) t.join();
  const double cpu = process_cpu_seconds() - cpu0;
  server->shutdown();
  if (publisher_server) publisher_server->shutdown();

  // ---- report ----
  std::size_t received = 0;
  auto last = published_at;
  std::vector<double> latencies;
  latencies.reserve(connections * sent);
  for (const auto& r : results) {
    received += r.received;
    last = std::max(last, r.last_at);
    latencies.insert(latencies.end(), r.latencies_us.begin(), r.latencies_us.end());
  }
  if (received != connections * sent)
    fail.add("received " + std::to_string(received) + " of " + std::to_string(connections * sent) +
             " deliveries");
  const double publish_wall = seconds(published_at - t0);
  const double wall = seconds(last - t0);  // until the last client read the last event

  std::printf("events: %zu published to %zu connections%s\n", sent, connections,
              sent < events ? "  [TRUNCATED at the soft deadline or by a failure]" : "");
  std::printf("  publish loop %.3f s (%.0f publishes/s); last delivery read at %.3f s\n",
              publish_wall, publish_wall > 0 ? static_cast<double>(sent) / publish_wall : 0, wall);
  std::printf("  delivered %zu   %.0f deliveries/s   process CPU %.2f cores\n", received,
              wall > 0 ? static_cast<double>(received) / wall : 0, wall > 0 ? cpu / wall : 0);
  std::printf("  ratio delivered / published: %.2f (expected %zu)\n",
              sent > 0 ? static_cast<double>(received) / static_cast<double>(sent) : 0,
              connections);
  std::printf("  server-counted deliveries: %zu\n", deliveries);
  if (sent > 0)
    std::printf("  fan-out cost: %.1f us per event (to %zu connections), %.2f us per delivery\n",
                wall * 1e6 / static_cast<double>(sent), connections,
                wall * 1e6 / static_cast<double>(received ? received : 1));
  print_latency("publish() call", summarize(std::move(publish_us)));
  const auto delivery = summarize(std::move(latencies));
  print_latency("publish -> client read", delivery);
  // The same figures as JSON lines (scripts/bench collects lines starting with '{').
  const std::string prefix =
      std::string(nats_url.empty() ? "fanout_memory" : "fanout_nats") + (rate > 0 ? "_paced" : "");
  auto figure = [&](const char* name, double v, const char* unit) {
    std::printf("{\"name\":\"%s_c%zu_%s\",\"value\":%.3f,\"unit\":\"%s\"}\n", prefix.c_str(),
                connections, name, v, unit);
  };
  figure("events_per_s", wall > 0 ? static_cast<double>(sent) / wall : 0, "events/s");
  figure("deliveries_per_s", wall > 0 ? static_cast<double>(received) / wall : 0, "deliveries/s");
  figure("latency_p50_ms", delivery.p50 / 1e3, "ms");
  figure("latency_p99_ms", delivery.p99 / 1e3, "ms");

  return report(fail, "every client got every event once, verbatim, in order");
}

}  // namespace
}  // namespace so::bench

int main(int argc, char** argv) {
  return so::bench::bench_main("backplane_fanout", so::bench::run, argc, argv);
}
