// adapters/telemetry/trace_queue.hpp — the bounded queue between the threads that end spans
// (io threads: turn actors) and the one exporter thread (net/otlp_exporter.hpp).
//
// Bound: at most `capacity` spans wait (OTEL_BSP_MAX_QUEUE_SIZE). At the bound `try_push`
// refuses the span at once and returns false (the caller counts it as dropped): the hot
// path never waits for the exporter or the collector. A push holds one mutex for a
// deque append (no I/O, no wait on the consumer), and wakes the consumer
// only when a full batch is ready; otherwise the consumer wakes on its schedule delay.
// After `close()` every push is refused and the consumer drains what is left.
// Thread-safety: `try_push`, `close`, `size` from any thread; `pop_batch` from ONE
// consumer thread.
#pragma once

#include "adapters/telemetry/trace_span.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <vector>

namespace so::adapters::telemetry {

class span_queue {
 public:
  /// `capacity` >= 1; `batch_size` is clamped to [1, capacity].
  span_queue(std::size_t capacity, std::size_t batch_size);

  /// Queues `s`; false (and `s` untouched) when full or closed.
  bool try_push(span_record&& s);

  /// Waits until a full batch is queued, `until` passes, or the queue is closed; then
  /// moves up to `batch_size` spans (oldest first) into `out` (cleared first) and returns
  /// how many. After close() it returns at once: 0 means closed and empty.
  std::size_t pop_batch(std::vector<span_record>& out, std::chrono::steady_clock::time_point until);

  /// Refuses further pushes and wakes the consumer.
  void close();
  bool closed() const;
  std::size_t size() const;
  std::size_t capacity() const { return capacity_; }
  std::size_t batch_size() const { return batch_size_; }

 private:
  const std::size_t capacity_;
  const std::size_t batch_size_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<span_record> spans_;
  bool closed_ = false;
};

}  // namespace so::adapters::telemetry
