// adapters/telemetry/server_metrics.hpp — the counters and histograms one server keeps for
// /metrics (the exposition is adapters/telemetry/metrics_exposition.hpp).
//
// Owned by the server (one per process or in-process test server, never global) and handed
// by pointer to what counts: the WebSocket sessions (frames out), the connection actors
// (frames in), the turn actors (outcomes, durations, time to first token, tokens), the
// gateway provider (requests, errors, retries, latency) and the storage pool (job latency,
// refusals). Gauges that already live elsewhere (open connections, queue depths, backplane
// and bus counters) are read at scrape time instead of being mirrored here.
//
// Cost on the hot path: one relaxed atomic add on a per-thread shard (no lock, no
// allocation, no shared cache line between two io threads); docs/benchmarks.md measures it.
// Thread-safety: every member may be used from any thread.
#pragma once

#include "adapters/telemetry/latency_histogram.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace so::adapters::telemetry {

/// Counters keyed by a fixed set of label values (the last one is "other").
class labelled_counter {
 public:
  explicit labelled_counter(std::vector<std::string_view> labels);

  /// Adds `n` to `label`'s counter ("other" when the label is not in the set).
  void add(std::string_view label, std::uint64_t n = 1);
  void add_index(std::size_t index, std::uint64_t n = 1);
  std::size_t index_of(std::string_view label) const;

  const std::vector<std::string_view>& labels() const { return labels_; }
  std::vector<std::uint64_t> snapshot() const;

  static constexpr std::size_t kMaxLabels = 31;
  static constexpr std::size_t kShards = 8;

 private:
  struct alignas(64) shard {
    std::array<std::atomic<std::uint64_t>, kMaxLabels + 1> values{};
  };
  std::vector<std::string_view> labels_;  ///< static strings only
  std::array<shard, kShards> shards_;
};

/// How a turn ended.
enum class turn_outcome { succeeded, failed, cancelled, refused };

class server_metrics {
 public:
  server_metrics();

  // ---- WebSocket frames ----------------------------------------------------------------
  /// Inbound frames by action ("invalid" for a frame that did not parse, "binary").
  labelled_counter frames_in;
  /// Outbound frames by event type, read from the frame's leading `{"type":"…"` (every
  /// event this server builds starts so; anything else counts as "other").
  labelled_counter frames_out;
  void frame_out(std::string_view json);

  // ---- turns ---------------------------------------------------------------------------
  std::atomic<std::uint64_t> turns_started{0};
  labelled_counter turns_ended;  ///< by turn_outcome
  void turn_ended(turn_outcome o, std::chrono::nanoseconds duration);
  latency_histogram turn_duration;
  latency_histogram time_to_first_token;
  std::atomic<std::uint64_t> prompt_tokens{0};
  std::atomic<std::uint64_t> completion_tokens{0};

  // ---- the LLM gateway -----------------------------------------------------------------
  std::atomic<std::uint64_t> gateway_requests{0};  ///< attempts sent (retries included)
  std::atomic<std::uint64_t> gateway_errors{0};    ///< calls that failed for good
  std::atomic<std::uint64_t> gateway_retries{0};
  latency_histogram gateway_latency;  ///< one attempt, request sent → response complete

  // ---- storage -------------------------------------------------------------------------
  latency_histogram storage_job_latency;  ///< submit → job done (queue wait included)
  labelled_counter storage_refusals;      ///< "busy" | "timeout"

  // ---- traces (issue 13 item 5; adapters/telemetry/trace_tracer.hpp) -------------------
  /// Spans lost: the export queue was full, or the collector did not take their batch.
  std::atomic<std::uint64_t> trace_spans_dropped{0};
};

using server_metrics_ptr = std::shared_ptr<server_metrics>;

/// The label value of each turn_outcome.
std::string_view outcome_label(turn_outcome o);

}  // namespace so::adapters::telemetry
