// adapters/telemetry/trace_queue.cpp — see trace_queue.hpp.
#include "adapters/telemetry/trace_queue.hpp"

#include <algorithm>

namespace so::adapters::telemetry {

span_queue::span_queue(std::size_t capacity, std::size_t batch_size)
    : capacity_(std::max<std::size_t>(capacity, 1)),
      batch_size_(std::clamp<std::size_t>(batch_size, 1, std::max<std::size_t>(capacity, 1))) {}

bool span_queue::try_push(span_record&& s) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    if (closed_ || spans_.size() >= capacity_) return false;
    spans_.push_back(std::move(s));
    wake = spans_.size() == batch_size_;  // once per batch, not once per span
  }
  if (wake) ready_.notify_one();
  return true;
}

std::size_t span_queue::pop_batch(std::vector<span_record>& out,
                                  std::chrono::steady_clock::time_point until) {
  out.clear();
  std::unique_lock lock(mutex_);
  ready_.wait_until(lock, until, [this] { return closed_ || spans_.size() >= batch_size_; });
  const auto n = std::min(spans_.size(), batch_size_);
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(std::move(spans_.front()));
    spans_.pop_front();
  }
  return n;
}

void span_queue::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  ready_.notify_all();
}

bool span_queue::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

std::size_t span_queue::size() const {
  std::lock_guard lock(mutex_);
  return spans_.size();
}

}  // namespace so::adapters::telemetry
