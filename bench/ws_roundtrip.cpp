// bench/ws_roundtrip.cpp — WebSocket ping→pong round trips against an in-process server.
//
//   ws_roundtrip [clients=1] [round_trips=20000]
//
// Each round trip is client → io thread → connection actor (CAF) → io thread → client,
// the path every action takes (stack.md §4.5). A phase with 1 client measures latency;
// when clients > 1 a second phase runs them concurrently (round_trips split among them)
// to measure throughput. Every pong must echo its ping's requestId, in order.
// Exit: 0 ok, 1 correctness failure, 3 hard deadline.
#include "bench/bench_support.hpp"

#include <latch>

namespace so::bench {
namespace {

constexpr const char* kUsage = "ws_roundtrip [clients=1] [round_trips=20000]";
// Unmeasured round trips per client first: connection actor spawn, allocator warm-up.
constexpr std::size_t kWarmup = 200;

struct phase_result {
  std::size_t completed = 0;
  double wall_s = 0;
  double cpu_s = 0;
  std::vector<double> latencies_us;
};

// One ping→pong; false (with a recorded failure) when the pong is missing or wrong.
bool round_trip(test::ws_client& ws, const std::string& rid, failures& fail) {
  ws.send_text(R"({"action":"ping","requestId":")" + rid + R"("})");
  auto text = ws.read(5s);
  if (!text) {
    fail.add("no pong for " + rid + " within 5 s");
    return false;
  }
  rapidjson::Document d;
  d.Parse(text->data(), text->size());
  if (d.HasParseError() || str_member(d, "type") != "pong" || str_member(d, "requestId") != rid) {
    fail.add("expected the pong for " + rid + ", got: " + *text);
    return false;
  }
  return true;
}

phase_result run_phase(net::server& server, std::size_t clients, std::size_t total,
                       bench_clock::time_point stop_at, failures& fail) {
  std::vector<std::unique_ptr<test::ws_client>> conns;
  for (std::size_t c = 0; c < clients; ++c) conns.push_back(connect(server));

  std::vector<std::vector<double>> lat(clients);
  std::latch ready(static_cast<std::ptrdiff_t>(clients) + 1);
  std::vector<std::thread> threads;
  for (std::size_t c = 0; c < clients; ++c) {
    // Split `total` as evenly as possible; the first clients take the remainder.
    const std::size_t quota = total / clients + (c < total % clients ? 1 : 0);
    threads.emplace_back([&, c, quota] {
      auto& ws = *conns[c];
      auto& mine = lat[c];
      mine.reserve(quota);
      const std::string prefix = numbered("c", c) + "-";
      const std::string who = numbered("client ", c);
      bool ok = true;
      const bool no_throw = guarded(fail, who, [&] {
        for (std::size_t i = 0; ok && i < kWarmup; ++i) ok = round_trip(ws, prefix + "w", fail);
      });
      ready.arrive_and_wait();  // always reached: the main thread waits on it
      if (!ok || !no_throw) return;
      guarded(fail, who, [&] {
        for (std::size_t i = 0; i < quota; ++i) {
          const auto t0 = bench_clock::now();
          if (t0 >= stop_at || !round_trip(ws, prefix + std::to_string(i), fail)) break;
          mine.push_back(micros(bench_clock::now() - t0));
        }
        ws.close();
      });
    });
  }
  ready.arrive_and_wait();
  const auto cpu0 = process_cpu_seconds();
  const auto t0 = bench_clock::now();
  for (auto& t : threads) t.join();
  phase_result r;
  r.wall_s = seconds(bench_clock::now() - t0);
  r.cpu_s = process_cpu_seconds() - cpu0;
  for (auto& v : lat) {
    r.completed += v.size();
    r.latencies_us.insert(r.latencies_us.end(), v.begin(), v.end());
  }
  return r;
}

double report(std::size_t clients, std::size_t asked, const phase_result& r) {
  const double rate = r.wall_s > 0 ? static_cast<double>(r.completed) / r.wall_s : 0;
  std::printf("phase: %zu client(s), %zu round trips%s\n", clients, r.completed,
              r.completed < asked ? "  [TRUNCATED at the soft deadline]" : "");
  std::printf("  wall %.3f s   %.0f round trips/s   process CPU %.2f cores\n", r.wall_s, rate,
              r.wall_s > 0 ? r.cpu_s / r.wall_s : 0);
  print_latency("round trip", summarize(r.latencies_us));
  return rate;
}

int run(int argc, char** argv) {
  const auto clients = count_arg(argc, argv, 1, 1, 1, 1000, kUsage);
  const auto total = count_arg(argc, argv, 2, 20000, 1, 10'000'000, kUsage);
  watchdog dog;
  const auto stop_at = bench_clock::now() + kSoftBudget;
  failures fail;

  auto server = boot_server();
  print_header("ws_roundtrip", *server,
               "clients=" + std::to_string(clients) + " round_trips=" + std::to_string(total));

  const double single = report(1, total, run_phase(*server, 1, total, stop_at, fail));
  if (clients > 1 && fail.count() == 0) {
    const double multi = report(clients, total, run_phase(*server, clients, total, stop_at, fail));
    if (single > 0)
      std::printf("throughput ratio %zu clients / 1 client: %.2fx\n", clients, multi / single);
  }
  server->shutdown();

  return report(fail, "every pong matched its ping, in order");
}

}  // namespace
}  // namespace so::bench

int main(int argc, char** argv) {
  return so::bench::bench_main("ws_roundtrip", so::bench::run, argc, argv);
}
