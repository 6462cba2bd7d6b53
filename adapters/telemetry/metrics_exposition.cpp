// adapters/telemetry/metrics_exposition.cpp — see metrics_exposition.hpp.
#include "adapters/telemetry/metrics_exposition.hpp"

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <sstream>
#include <utility>
#include <vector>

namespace so::adapters::telemetry {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

constexpr const char* kPrefix = "smooth_operator_";

class families {
 public:
  void counter(const std::string& name, const std::string& help, double value,
               std::vector<ClientMetric::Label> labels = {}) {
    ClientMetric m;
    m.label = std::move(labels);
    m.counter.value = value;
    family(name + "_total", help, MetricType::Counter).metric.push_back(std::move(m));
  }
  void gauge(const std::string& name, const std::string& help, double value,
             std::vector<ClientMetric::Label> labels = {}) {
    ClientMetric m;
    m.label = std::move(labels);
    m.gauge.value = value;
    family(name, help, MetricType::Gauge).metric.push_back(std::move(m));
  }
  void labelled(const std::string& name, const std::string& help, const std::string& label,
                const labelled_counter& c) {
    const auto values = c.snapshot();
    auto& f = family(name + "_total", help, MetricType::Counter);
    for (std::size_t i = 0; i < values.size(); ++i) {
      ClientMetric m;
      m.label = {{label, std::string(c.labels()[i])}};
      m.counter.value = static_cast<double>(values[i]);
      f.metric.push_back(std::move(m));
    }
  }
  void histogram(const std::string& name, const std::string& help, const latency_histogram& h) {
    const auto t = h.snapshot();
    ClientMetric m;
    m.histogram.sample_count = t.count;
    m.histogram.sample_sum = t.sum_seconds;
    for (std::size_t i = 0; i < t.bounds.size(); ++i)
      m.histogram.bucket.push_back({t.cumulative[i], t.bounds[i]});
    m.histogram.bucket.push_back({t.count, std::numeric_limits<double>::infinity()});
    family(name + "_seconds", help, MetricType::Histogram).metric.push_back(std::move(m));
  }
  std::vector<MetricFamily> take() { return std::move(all_); }

 private:
  MetricFamily& family(const std::string& name, const std::string& help, MetricType type) {
    const auto full = kPrefix + name;
    for (auto& f : all_)
      if (f.name == full) return f;
    all_.push_back(MetricFamily{full, help, type, {}});
    return all_.back();
  }
  std::vector<MetricFamily> all_;
};

double d(std::uint64_t v) {
  return static_cast<double>(v);
}

}  // namespace

std::string render_metrics(const server_metrics& m, const scrape_values& v) {
  families f;
  f.gauge("build_info", "Build information (always 1).", 1, {{"version", v.version}});

  // Connections and frames.
  f.gauge("connections_open", "WebSocket connections open now.", d(v.connections_open));
  f.counter("connections_refused", "WebSocket upgrades refused with 503 (server full).",
            d(v.connections_refused));
  f.counter("slow_consumer_closes",
            "Connections closed with 4008 because their outbound queue passed its bound.",
            d(v.slow_consumer_closes));
  f.counter("rate_limited_frames", "Inbound frames dropped over SMOOTH_AGENT_MAX_FRAMES_PER_SEC.",
            d(v.rate_limited_frames));
  f.labelled("frames_in", "Inbound WebSocket frames by action.", "action", m.frames_in);
  f.labelled("frames_out", "Outbound WebSocket frames by event type.", "type", m.frames_out);

  // Turns.
  f.counter("turns_started", "Turns started (send_message accepted).",
            d(m.turns_started.load(std::memory_order_relaxed)));
  f.labelled("turns_ended", "Turns ended, by outcome.", "outcome", m.turns_ended);
  f.gauge("turns_live", "Turn actors alive now.", d(v.live_turns));
  f.gauge("confirmations_pending", "Confirmations parked now.", d(v.live_confirmations));
  f.histogram("turn_duration", "Turn duration, send_message to the terminal event.",
              m.turn_duration);
  f.histogram("time_to_first_token", "Turn start to its first streamed token.",
              m.time_to_first_token);
  f.counter("prompt_tokens", "Prompt tokens the gateway reported.",
            d(m.prompt_tokens.load(std::memory_order_relaxed)));
  f.counter("completion_tokens", "Completion tokens the gateway reported.",
            d(m.completion_tokens.load(std::memory_order_relaxed)));

  // The gateway.
  f.counter("gateway_requests", "Requests sent to the LLM gateway (retries included).",
            d(m.gateway_requests.load(std::memory_order_relaxed)));
  f.counter("gateway_errors", "LLM gateway calls that failed after their retries.",
            d(m.gateway_errors.load(std::memory_order_relaxed)));
  f.counter("gateway_retries", "LLM gateway attempts retried.",
            d(m.gateway_retries.load(std::memory_order_relaxed)));
  f.histogram("gateway_request_duration", "One LLM gateway attempt, sent to complete.",
              m.gateway_latency);
  // Traces (issue 13 item 5).
  f.counter("trace_spans_dropped",
            "Trace spans lost: export queue full, or their OTLP export failed.",
            d(m.trace_spans_dropped.load(std::memory_order_relaxed)));

  // Storage.
  f.histogram("storage_job_duration", "Storage jobs, submitted to done (queue wait included).",
              m.storage_job_latency);
  f.labelled("storage_refusals", "Storage jobs refused: queue full (busy) or deadline passed.",
             "reason", m.storage_refusals);
  f.gauge("storage_queue_depth", "Storage jobs waiting, by lane.", d(v.storage_waiting),
          {{"lane", "storage"}});
  f.gauge("storage_queue_depth", "Storage jobs waiting, by lane.", d(v.knowledge_waiting),
          {{"lane", "knowledge"}});
  f.gauge("storage_queue_depth", "Storage jobs waiting, by lane.", d(v.indexing_waiting),
          {{"lane", "indexing"}});

  // The backplane.
  f.counter("backplane_publishes", "Backplane publishes the bus accepted.",
            d(v.backplane_published));
  f.counter("backplane_publish_drops", "Backplane publishes the bus refused.",
            d(v.backplane_publish_dropped));
  f.counter("backplane_received", "Bus messages the backplane handled.", d(v.backplane_received));
  f.counter("backplane_deliveries", "Local deliveries of bus messages.", d(v.backplane_delivered));
  f.counter("backplane_receive_drops", "Inbound bus messages dropped (any reason).",
            d(v.backplane_dropped));
  f.gauge("backplane_subscriptions", "Event subjects subscribed now.",
          d(v.backplane_subscriptions));
  f.counter("backplane_sessions_forgotten",
            "Session associations dropped at the per-connection bound (README Limits).",
            d(v.backplane_sessions_forgotten));
  if (v.nats_connected) {
    f.gauge("nats_connected", "1 while the NATS connection is up.", *v.nats_connected ? 1 : 0);
    f.counter("nats_reconnects", "NATS reconnections.", d(v.nats_reconnects));
  }

  std::ostringstream out;
  prometheus::TextSerializer{}.Serialize(out, f.take());
  return out.str();
}

}  // namespace so::adapters::telemetry
