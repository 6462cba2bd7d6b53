// adapters/telemetry/trace_tracer.hpp — where finished spans go: one per server when
// OTLP tracing is configured (docs/observability.md), null otherwise (no span is built).
//
// `record` hands a finished span to the bounded span_queue (trace_queue.hpp); a full queue
// drops the span and counts it (here, and in /metrics' trace_spans_dropped when a
// server_metrics is attached). The exporter thread (net/otlp_exporter.hpp) drains the queue
// and reports what it shipped or lost through `count_exported` / `count_export_failed`.
// It also carries what every span of this server names: the GenAI provider and the
// gateway's address.
// Thread-safety: every member may be used from any thread.
#pragma once

#include "adapters/telemetry/server_metrics.hpp"
#include "adapters/telemetry/trace_otlp_json.hpp"
#include "adapters/telemetry/trace_queue.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace so::adapters::telemetry {

struct tracer_options {
  std::size_t max_queue = 2048;  ///< OTEL_BSP_MAX_QUEUE_SIZE
  std::size_t max_batch = 512;   ///< OTEL_BSP_MAX_EXPORT_BATCH_SIZE (clamped to max_queue)
  trace_resource resource;
  /// gen_ai.provider.name (and the older gen_ai.system): the gateway speaks OpenAI's API.
  std::string provider_name = "openai";
  std::string server_address;    ///< server.address of LLM spans (the gateway host); "" = none
  std::int64_t server_port = 0;  ///< server.port; 0 = none
  /// Optional: span losses are also counted in /metrics (trace_spans_dropped).
  server_metrics_ptr metrics;
};

class tracer {
 public:
  explicit tracer(tracer_options options);

  /// Queues a finished span; never waits. A full (or closed) queue drops it and counts it.
  void record(span_record&& s);

  span_queue& queue() { return queue_; }
  const tracer_options& options() const { return options_; }

  // ---- counters (relaxed atomics) ----
  std::uint64_t recorded() const { return recorded_.load(std::memory_order_relaxed); }
  /// Spans refused by the full queue (or after shutdown).
  std::uint64_t queue_dropped() const { return queue_dropped_.load(std::memory_order_relaxed); }
  std::uint64_t exported() const { return exported_.load(std::memory_order_relaxed); }
  /// Spans of batches the collector did not accept (error, timeout, non-2xx).
  std::uint64_t export_failed() const { return export_failed_.load(std::memory_order_relaxed); }
  std::uint64_t export_requests() const { return export_requests_.load(std::memory_order_relaxed); }

  void count_exported(std::uint64_t spans);
  void count_export_failed(std::uint64_t spans);

 private:
  void count_lost(std::uint64_t spans);

  tracer_options options_;
  span_queue queue_;
  std::atomic<std::uint64_t> recorded_{0};
  std::atomic<std::uint64_t> queue_dropped_{0};
  std::atomic<std::uint64_t> exported_{0};
  std::atomic<std::uint64_t> export_failed_{0};
  std::atomic<std::uint64_t> export_requests_{0};
};

using tracer_ptr = std::shared_ptr<tracer>;

}  // namespace so::adapters::telemetry
