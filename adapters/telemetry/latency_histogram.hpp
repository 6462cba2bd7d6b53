// adapters/telemetry/latency_histogram.hpp — a lock-free histogram of durations with fixed
// bucket bounds (seconds), for the Prometheus exposition.
//
// Why not prometheus::Histogram: its Observe updates a double sum with a compare-and-swap
// loop shared by every thread. Here each shard (picked by the calling thread's id) has its
// own cache line of relaxed counters, so two io threads observing at once never contend.
// Thread-safety: `observe` from any thread; `snapshot` from any thread (a scrape may see an
// observation in `count` a moment before its bucket: Prometheus tolerates that skew).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace so::adapters::telemetry {

/// Picks the shard of the calling thread (a hash of its id: no global state).
std::size_t thread_shard(std::size_t shards);

class latency_histogram {
 public:
  /// Upper bounds in seconds, ascending; +Inf is implicit. At most kMaxBuckets.
  explicit latency_histogram(std::vector<double> bounds_seconds);

  void observe(std::chrono::nanoseconds d);

  struct totals {
    std::vector<double> bounds;             ///< upper bounds (seconds), without +Inf
    std::vector<std::uint64_t> cumulative;  ///< per bound, then +Inf (size bounds+1)
    std::uint64_t count = 0;
    double sum_seconds = 0;
  };
  totals snapshot() const;

  static constexpr std::size_t kMaxBuckets = 15;
  static constexpr std::size_t kShards = 8;

 private:
  struct alignas(64) shard {
    std::array<std::atomic<std::uint64_t>, kMaxBuckets + 1> buckets{};  ///< not cumulative
    std::atomic<std::uint64_t> count{0};
    std::atomic<std::uint64_t> sum_ns{0};
  };
  std::vector<std::int64_t> bounds_ns_;
  std::vector<double> bounds_;
  std::array<shard, kShards> shards_;
};

/// Buckets for request-scale latencies: 1 ms … 60 s.
std::vector<double> request_buckets();
/// Buckets for storage jobs: 50 µs … 5 s.
std::vector<double> storage_buckets();

}  // namespace so::adapters::telemetry
