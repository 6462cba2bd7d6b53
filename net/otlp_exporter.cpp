// net/otlp_exporter.cpp — see otlp_exporter.hpp.
#include "net/otlp_exporter.hpp"

#include "adapters/telemetry/trace_otlp_json.hpp"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace so::net {

namespace tel = adapters::telemetry;
using clock_type = std::chrono::steady_clock;

/// One export in flight. Shared with the HTTP callbacks, which may run after the exporter
/// is gone (a cancelled call still completes), so it carries its own lock.
struct export_wait {
  std::mutex mutex;
  std::condition_variable changed;
  bool done = false;
  int status = 0;
  std::optional<std::string> error;
  std::optional<clock_type::time_point> stop_deadline;  ///< set by shutdown()
};

struct otlp_exporter::impl {
  tel::tracer_ptr tracer;
  http_client_ptr http;
  otlp_exporter_options options;

  std::mutex mutex;  ///< guards stop_deadline and current
  std::optional<clock_type::time_point> stop_deadline;
  std::shared_ptr<export_wait> current;
  bool failing = false;  ///< exporter thread only: the last export failed
  std::thread thread;

  impl(tel::tracer_ptr t, http_client_ptr h, otlp_exporter_options o)
      : tracer(std::move(t)), http(std::move(h)), options(std::move(o)) {}

  void stop_by(clock_type::time_point deadline) {
    std::shared_ptr<export_wait> wait;
    {
      std::lock_guard lock(mutex);
      stop_deadline = deadline;
      wait = current;
    }
    if (wait) {
      {
        std::lock_guard lock(wait->mutex);
        wait->stop_deadline = deadline;
      }
      wait->changed.notify_all();
    }
  }

  void run() {
    auto& queue = tracer->queue();
    std::vector<tel::span_record> batch;
    while (true) {
      const auto n = queue.pop_batch(batch, clock_type::now() + options.schedule_delay);
      if (n == 0) {
        if (queue.closed()) return;  // closed and drained
        continue;
      }
      std::optional<clock_type::time_point> stop;
      {
        std::lock_guard lock(mutex);
        stop = stop_deadline;
      }
      if (stop && clock_type::now() >= *stop) {
        // Past the shutdown bound: what is left is lost, and counted.
        std::uint64_t lost = n;
        while (const auto more = queue.pop_batch(batch, clock_type::now())) lost += more;
        tracer->count_export_failed(lost);
        return;
      }
      export_batch(batch);
    }
  }

  void export_batch(const std::vector<tel::span_record>& batch) {
    http_request req;
    req.method = "POST";
    req.url = options.url;
    req.headers.emplace_back("Content-Type", "application/json");
    for (const auto& h : options.headers) req.headers.push_back(h);
    req.body = tel::encode_otlp_json(tracer->options().resource, batch);
    req.connect_timeout = options.export_timeout;
    req.idle_timeout = options.export_timeout;
    req.total_timeout = options.export_timeout;
    req.max_body_bytes = 64 * 1024;  // a collector's answer is small; never buffer more

    auto wait = std::make_shared<export_wait>();
    {
      std::lock_guard lock(mutex);
      wait->stop_deadline = stop_deadline;
      current = wait;
    }
    http_callbacks cb;
    cb.on_head = [wait](const http_response_head& h) {
      std::lock_guard lock(wait->mutex);
      wait->status = h.status;
    };
    cb.on_body = [](std::string_view) {};
    cb.on_complete = [wait](const http_outcome& o) {
      {
        std::lock_guard lock(wait->mutex);
        wait->error = o.error;
        wait->done = true;
      }
      wait->changed.notify_all();
    };
    auto call = http->start(std::move(req), std::move(cb));
    // The request's own timeouts end it; the margin only guards a stopped io loop.
    const auto call_deadline = clock_type::now() + options.export_timeout + std::chrono::seconds(1);
    std::unique_lock lock(wait->mutex);
    while (!wait->done) {
      const auto until =
          wait->stop_deadline ? std::min(call_deadline, *wait->stop_deadline) : call_deadline;
      if (clock_type::now() >= until) break;
      wait->changed.wait_until(lock, until);
    }
    const bool done = wait->done;
    const int status = wait->status;
    const auto error = wait->error;
    lock.unlock();
    {
      std::lock_guard g(mutex);
      current.reset();
    }
    if (!done) call->cancel();
    if (done && !error && status >= 200 && status < 300) {
      tracer->count_exported(batch.size());
      if (failing) spdlog::info("traces: the OTLP export to {} works again", options.url);
      failing = false;
      return;
    }
    tracer->count_export_failed(batch.size());
    if (!failing) {
      const std::string why = !done   ? "no answer in time"
                              : error ? *error
                                      : "HTTP " + std::to_string(status);
      spdlog::warn("traces: OTLP export to {} failed ({}); {} spans lost (counted)", options.url,
                   why, batch.size());
    }
    failing = true;
  }
};

otlp_exporter::otlp_exporter(tel::tracer_ptr tracer, http_client_ptr http,
                             otlp_exporter_options options)
    : impl_(std::make_unique<impl>(std::move(tracer), std::move(http), std::move(options))) {
  impl_->thread = std::thread([i = impl_.get()] { i->run(); });
}

otlp_exporter::~otlp_exporter() {
  shutdown(std::chrono::seconds(5));
}

void otlp_exporter::shutdown(std::chrono::milliseconds bound) {
  if (!impl_->thread.joinable()) return;
  impl_->stop_by(clock_type::now() + bound);
  impl_->tracer->queue().close();
  impl_->thread.join();
}

}  // namespace so::net
