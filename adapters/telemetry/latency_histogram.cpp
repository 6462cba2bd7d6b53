// adapters/telemetry/latency_histogram.cpp — see latency_histogram.hpp.
#include "adapters/telemetry/latency_histogram.hpp"

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <thread>

namespace so::adapters::telemetry {

std::size_t thread_shard(std::size_t shards) {
  return std::hash<std::thread::id>{}(std::this_thread::get_id()) % shards;
}

latency_histogram::latency_histogram(std::vector<double> bounds_seconds)
    : bounds_(std::move(bounds_seconds)) {
  if (bounds_.size() > kMaxBuckets)
    throw std::invalid_argument("latency_histogram: too many buckets");
  if (!std::is_sorted(bounds_.begin(), bounds_.end()))
    throw std::invalid_argument("latency_histogram: bounds must ascend");
  for (double b : bounds_) bounds_ns_.push_back(static_cast<std::int64_t>(b * 1e9));
}

void latency_histogram::observe(std::chrono::nanoseconds d) {
  const auto ns = std::max<std::int64_t>(0, d.count());
  const auto i = static_cast<std::size_t>(
      std::lower_bound(bounds_ns_.begin(), bounds_ns_.end(), ns) - bounds_ns_.begin());
  auto& s = shards_[thread_shard(kShards)];
  s.buckets[i].fetch_add(1, std::memory_order_relaxed);
  s.sum_ns.fetch_add(static_cast<std::uint64_t>(ns), std::memory_order_relaxed);
  s.count.fetch_add(1, std::memory_order_relaxed);
}

latency_histogram::totals latency_histogram::snapshot() const {
  totals t;
  t.bounds = bounds_;
  std::vector<std::uint64_t> per(bounds_.size() + 1, 0);
  std::uint64_t sum_ns = 0;
  for (const auto& s : shards_) {
    for (std::size_t i = 0; i < per.size(); ++i)
      per[i] += s.buckets[i].load(std::memory_order_relaxed);
    t.count += s.count.load(std::memory_order_relaxed);
    sum_ns += s.sum_ns.load(std::memory_order_relaxed);
  }
  std::uint64_t running = 0;
  for (auto n : per) t.cumulative.push_back(running += n);
  // The +Inf bucket equals the count by definition; take the larger so it never decreases.
  t.count = std::max(t.count, running);
  t.cumulative.back() = t.count;
  t.sum_seconds = static_cast<double>(sum_ns) / 1e9;
  return t;
}

std::vector<double> request_buckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

std::vector<double> storage_buckets() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
          0.025,   0.05,   0.1,     0.25,   0.5,   1,      5};
}

}  // namespace so::adapters::telemetry
