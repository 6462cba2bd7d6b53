// adapters/telemetry/trace_tracer.cpp — see trace_tracer.hpp.
#include "adapters/telemetry/trace_tracer.hpp"

namespace so::adapters::telemetry {

tracer::tracer(tracer_options options)
    : options_(std::move(options)), queue_(options_.max_queue, options_.max_batch) {}

void tracer::record(span_record&& s) {
  if (queue_.try_push(std::move(s))) {
    recorded_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  queue_dropped_.fetch_add(1, std::memory_order_relaxed);
  count_lost(1);
}

void tracer::count_exported(std::uint64_t spans) {
  export_requests_.fetch_add(1, std::memory_order_relaxed);
  exported_.fetch_add(spans, std::memory_order_relaxed);
}

void tracer::count_export_failed(std::uint64_t spans) {
  export_requests_.fetch_add(1, std::memory_order_relaxed);
  export_failed_.fetch_add(spans, std::memory_order_relaxed);
  count_lost(spans);
}

void tracer::count_lost(std::uint64_t spans) {
  if (options_.metrics)
    options_.metrics->trace_spans_dropped.fetch_add(spans, std::memory_order_relaxed);
}

}  // namespace so::adapters::telemetry
