// net/otlp_exporter.hpp — the thread that ships a tracer's spans to an OTLP/HTTP collector:
// POST {traces url} with `Content-Type: application/json`, the body of
// adapters/telemetry/trace_otlp_json.hpp, the configured headers (OTEL_EXPORTER_OTLP_HEADERS).
//
// Its own thread (never a CAF scheduler or io thread) waits on the tracer's bounded queue
// for a full batch (OTEL_BSP_MAX_EXPORT_BATCH_SIZE) or the schedule delay
// (OTEL_BSP_SCHEDULE_DELAY), then sends one request on the project's HTTP client (the I/O
// itself runs asynchronously on an io thread; only this thread waits for its outcome) with
// the export timeout (OTEL_EXPORTER_OTLP_TIMEOUT). A failed export (network error, timeout,
// non-2xx) is not retried: its spans are counted as lost and the first failure after a
// success is logged once. A slow or dead collector therefore only fills the queue, where
// new spans are dropped and counted (trace_queue.hpp) — the turn never waits.
//
// `shutdown(bound)` closes the queue (later spans are dropped), exports what is queued, and
// returns within about `bound`: an export still running at the bound is cancelled and
// what is left is counted as lost. Call it while the HTTP client's io threads still run.
// Thread-safety: construct, `shutdown` and destroy from one thread.
#pragma once

#include "adapters/telemetry/trace_tracer.hpp"
#include "net/http_client.hpp"

#include <chrono>
#include <memory>
#include <string>

namespace so::net {

struct otlp_exporter_options {
  std::string url;       ///< the traces URL (…/v1/traces)
  http_headers headers;  ///< sent with every request (after Content-Type)
  std::chrono::milliseconds export_timeout{10'000};
  std::chrono::milliseconds schedule_delay{5000};
};

class otlp_exporter {
 public:
  otlp_exporter(adapters::telemetry::tracer_ptr tracer, http_client_ptr http,
                otlp_exporter_options options);
  /// Shuts down with a 5 s bound if `shutdown` was not called.
  ~otlp_exporter();
  otlp_exporter(const otlp_exporter&) = delete;
  otlp_exporter& operator=(const otlp_exporter&) = delete;

  void shutdown(std::chrono::milliseconds bound);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace so::net
