// bench/bench_support.hpp — pieces of the in-process benchmark (backplane_fanout):
// argument parsing, percentiles, deadlines, correctness bookkeeping and booting an
// in-process server. The scripts/bench programs (loadgen, floor_server, mock_gateway)
// do not use it: they must not share code with the server they measure.
//
// Header-only on purpose: every bench/*.cpp is its own executable.
// Thread-safety: `failures` and `watchdog` may be used from any thread; the rest are
// plain functions.
#pragma once

#include "adapters/llm/llm_provider.hpp"
#include "net/server.hpp"
#include "tests/support/net/ws_client.hpp"

#include <rapidjson/document.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace so::bench {

using bench_clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// ---- arguments -------------------------------------------------------------------------

/// Positional argument `index` (1-based) as a count in [lo, hi], or `fallback` when absent.
/// Exits 2 with `usage` on anything else, so a typo never runs a different benchmark.
inline std::size_t count_arg(int argc, char** argv, int index, std::size_t fallback, std::size_t lo,
                             std::size_t hi, const char* usage) {
  if (argc > 0 && index < argc) {
    const std::string text = argv[index];
    if (text == "-h" || text == "--help") {
      std::printf("%s\n", usage);
      std::exit(0);
    }
    char* end = nullptr;
    const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || text[0] == '-' || v < lo || v > hi) {
      std::fprintf(stderr, "bad argument '%s' (expected %zu..%zu)\nusage: %s\n", text.c_str(), lo,
                   hi, usage);
      std::exit(2);
    }
    return static_cast<std::size_t>(v);
  }
  return fallback;
}

// ---- timing and percentiles ----------------------------------------------------------

inline double micros(bench_clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}
inline double seconds(bench_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

/// CPU time of the whole process (server and clients share it), user + system.
inline double process_cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

struct percentiles {
  std::size_t n = 0;
  double p50 = 0, p90 = 0, p99 = 0, max = 0;
};

/// Nearest-rank percentiles (no interpolation: every figure is a latency that happened).
inline percentiles summarize(std::vector<double> samples) {
  percentiles out;
  out.n = samples.size();
  if (samples.empty()) return out;
  std::sort(samples.begin(), samples.end());
  auto rank = [&](double p) {
    auto i = static_cast<std::size_t>(p * static_cast<double>(samples.size()) + 0.999999);
    return samples[std::clamp<std::size_t>(i, 1, samples.size()) - 1];
  };
  out.p50 = rank(0.50);
  out.p90 = rank(0.90);
  out.p99 = rank(0.99);
  out.max = samples.back();
  return out;
}

/// "  <label> (n=...): p50 ... p90 ... p99 ... max ... us"
inline void print_latency(const char* label, const percentiles& p) {
  std::printf("  %-22s n=%-7zu p50 %9.1f  p90 %9.1f  p99 %9.1f  max %9.1f  us\n", label, p.n, p.p50,
              p.p90, p.p99, p.max);
}

// ---- deadlines ------------------------------------------------------------------------

/// Measured loops stop starting new work after this (the run is then reported as
/// truncated); the watchdog below ends a run that is stuck past its hard limit.
inline constexpr auto kSoftBudget = 45s;
inline constexpr auto kHardLimit = 75s;

/// Ends the process with exit code 3 if it is still running `limit` after construction
/// (a hung server or client must not hold a CI job). Disarmed on destruction.
class watchdog {
 public:
  explicit watchdog(bench_clock::duration limit = kHardLimit)
      : thread_([this, until = bench_clock::now() + limit] {
          std::unique_lock lock(mu_);
          if (!cv_.wait_until(lock, until, [this] { return done_; })) {
            std::fprintf(stderr, "FAIL: hard deadline reached; aborting the benchmark\n");
            std::fflush(nullptr);
            std::_Exit(3);
          }
        }) {}
  ~watchdog() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  watchdog(const watchdog&) = delete;
  watchdog& operator=(const watchdog&) = delete;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;  // last: starts after the members it uses exist
};

// ---- correctness ----------------------------------------------------------------------

/// Collects correctness failures from client threads; prints the first few.
class failures {
 public:
  void add(const std::string& what) {
    std::lock_guard lock(mu_);
    if (++count_ <= kPrinted) std::fprintf(stderr, "FAIL: %s\n", what.c_str());
  }
  std::size_t count() const {
    std::lock_guard lock(mu_);
    return count_;
  }

 private:
  static constexpr std::size_t kPrinted = 10;
  mutable std::mutex mu_;
  std::size_t count_ = 0;
};

/// Runs `body` on a client thread; an exception (send on a closed socket, connect
/// failure) becomes a recorded failure instead of std::terminate. False if it threw.
template <class F>
bool guarded(failures& fail, const std::string& who, F&& body) {
  try {
    body();
    return true;
  } catch (const std::exception& e) {
    fail.add(who + ": " + e.what());
    return false;
  }
}

/// `prefix` followed by `n` ("client 3"). Built by appending because GCC 12 warns
/// (-Wrestrict, a known false positive) on `"literal" + std::to_string(n)` once inlined.
inline std::string numbered(std::string_view prefix, std::size_t n) {
  std::string s(prefix);
  s += std::to_string(n);
  return s;
}

// ---- JSON -----------------------------------------------------------------------------

/// The string member `key` of a parsed object, or "" (absent / not a string).
inline std::string_view str_member(const rapidjson::Value& v, const char* key) {
  if (!v.IsObject()) return {};
  auto it = v.FindMember(key);
  if (it == v.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

// ---- server and clients ----------------------------------------------------------------

/// A local server like the tests': 127.0.0.1, ephemeral port, in-memory everything,
/// `llm` (may be null) as the model. Logging at warn so the server does not write
/// per-connection lines into the measurement.
/// `customize`: last tweaks of the options (e.g. a NATS backplane).
inline std::unique_ptr<net::server> boot_server(
    adapters::llm::provider_ptr llm = nullptr,
    const std::function<void(net::server_options&)>& customize = {}) {
  spdlog::set_level(spdlog::level::warn);
  net::server_options o;
  o.config.bind = "127.0.0.1";
  o.config.port = 0;
  o.config.gateway_key.clear();
  o.config.drain_timeout = 5s;
  o.llm_override = std::move(llm);
  if (customize) customize(o);
  return std::make_unique<net::server>(std::move(o));
}

inline std::unique_ptr<test::ws_client> connect(const net::server& server) {
  test::ws_connect_options o;
  o.port = server.port();
  o.timeout = 10s;
  return std::make_unique<test::ws_client>(o);
}

/// Prints the run header: what, where, and the thread model under test.
inline void print_header(const char* name, const net::server& server, const std::string& params) {
  std::printf("%s: %s  server %s  (hardware threads: %u)\n", name, params.c_str(),
              server.ws_url().c_str(), std::thread::hardware_concurrency());
}

/// Prints the verdict line every bench ends with; returns the exit code
/// (0 ok, 1 correctness failure).
inline int report(const failures& fail, const char* ok_detail) {
  if (fail.count() > 0) {
    std::printf("RESULT: FAIL (%zu correctness failures)\n", fail.count());
    return 1;
  }
  std::printf("RESULT: ok (%s)\n", ok_detail);
  return 0;
}

/// The whole of a bench's main(): an escaped exception is a failed run (exit 1).
template <class Run>
int bench_main(const char* name, Run run, int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", name, e.what());
    return 1;
  }
}

}  // namespace so::bench
