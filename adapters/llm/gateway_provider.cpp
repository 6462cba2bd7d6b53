// adapters/llm/gateway_provider.cpp — see gateway_provider.hpp.
//
// One `gateway_call` per stream: it owns the SSE decoder, the delta normalizer
// and the retry state. HTTP callbacks run on the client's I/O thread (one at a
// time); timer callbacks start the next attempt; `cancel` may come from any
// thread, so the in-flight HTTP call and the cancel flag are behind a mutex.
#include "adapters/llm/gateway_provider.hpp"

#include "adapters/llm/chat_request_json.hpp"
#include "adapters/llm/delta_normalizer.hpp"
#include "adapters/llm/retry_policy.hpp"
#include "adapters/llm/sse_decoder.hpp"
#include "protocol/utf8.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <mutex>
#include <random>

namespace so::adapters::llm {
namespace {

// An error body is only quoted in a message: keep it bounded.
constexpr std::size_t kMaxErrorBody = 64 * 1024;
constexpr std::string_view kIdlePrefix = "stream idle timeout";

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// What every call of one provider shares.
struct gateway_config {
  net::http_client_ptr http;
  timer_fn timer;
  gateway_options options;
  std::mutex rng_mu;
  std::mt19937 rng{std::random_device{}()};

  std::chrono::milliseconds backoff(unsigned attempt, std::optional<double> retry_after) {
    if (options.backoff) return options.backoff(attempt, retry_after);
    std::lock_guard lock(rng_mu);
    std::uniform_int_distribution<int> jitter(0, 499);
    return default_backoff(attempt, retry_after, std::chrono::milliseconds(jitter(rng)));
  }
};

class gateway_call final : public stream_handle, public std::enable_shared_from_this<gateway_call> {
 public:
  gateway_call(std::shared_ptr<gateway_config> config, std::string body, std::string api_key,
               stream_batch_sink sink)
      : config_(std::move(config)),
        body_(std::move(body)),
        api_key_(std::move(api_key)),
        sink_(std::move(sink)) {}

  void start_attempt() {
    if (cancelled_.load()) return;
    reset_attempt();
    attempt_started_ = std::chrono::steady_clock::now();
    if (const auto& m = config_->options.metrics)
      m->gateway_requests.fetch_add(1, std::memory_order_relaxed);
    net::http_request req;
    req.method = "POST";
    req.url = config_->options.base_url + "/chat/completions";  // plain concatenation (§2.1)
    // The call's own key (per org) wins over the provider's configured one.
    const auto& key = api_key_.empty() ? config_->options.api_key : api_key_;
    req.headers = {{"Authorization", "Bearer " + key},
                   {"Content-Type", "application/json"},
                   {"Accept", "text/event-stream"}};
    req.body = body_;
    req.connect_timeout = config_->options.connect_timeout;
    req.idle_timeout = config_->options.idle_timeout;
    req.total_timeout = config_->options.total_timeout;

    auto self = shared_from_this();
    net::http_callbacks cb;
    cb.on_head = [self](const net::http_response_head& h) { self->on_head(h); };
    cb.on_body = [self](std::string_view chunk) { self->on_body(chunk); };
    cb.on_complete = [self](const net::http_outcome& o) { self->on_complete(o); };
    auto call = config_->http->start(std::move(req), std::move(cb));

    std::unique_lock lock(mu_);
    if (cancelled_.load()) {
      lock.unlock();
      call->cancel();
      return;
    }
    current_ = std::move(call);
  }

  void cancel() override {
    std::shared_ptr<net::http_call> call;
    {
      std::lock_guard lock(mu_);
      if (cancelled_.exchange(true)) return;
      call = std::move(current_);
    }
    if (call) call->cancel();
  }

 private:
  void reset_attempt() {
    status_ = 0;
    reason_.clear();
    retry_after_.reset();
    error_body_.clear();
    decoder_.reset();
    normalizer_ = stream_normalizer{};
  }

  bool success_status() const { return status_ >= 200 && status_ < 300; }

  void on_head(const net::http_response_head& head) {
    status_ = head.status;
    reason_ = head.reason;
    // Looked up by hand: http_response_head::header lives in so_net, which
    // so_adapters does not link.
    for (const auto& [name, value] : head.headers) {
      if (iequals(name, "Retry-After")) retry_after_ = parse_retry_after(value);
    }
  }

  void on_body(std::string_view chunk) {
    if (!success_status()) {
      // Only the first kMaxErrorBody bytes are kept; the rest is read and dropped.
      const std::size_t room = kMaxErrorBody - std::min(kMaxErrorBody, error_body_.size());
      error_body_.append(chunk.substr(0, room));
      return;
    }
    decoder_.feed(chunk, events_);
    deliver_all();
  }

  void on_complete(const net::http_outcome& outcome) {
    {
      std::lock_guard lock(mu_);
      current_.reset();  // breaks the call → callbacks → this cycle
    }
    if (outcome.cancelled || cancelled_.load()) return;
    const unsigned attempt = attempt_;
    if (const auto& m = config_->options.metrics)
      m->gateway_latency.observe(std::chrono::steady_clock::now() - attempt_started_);

    if (status_ != 0 && !success_status()) {
      if (is_retryable_status(status_) && can_retry()) return retry(attempt, retry_after_);
      // The body is the gateway's text, cut at a byte limit: repaired before it
      // reaches an event (invalid or cut UTF-8 becomes U+FFFD).
      return fail("LLM API error " + std::to_string(status_) + " " +
                  protocol::repair_utf8(reason_) + ": " + protocol::repair_utf8(error_body_));
    }
    if (outcome.error && outcome.before_head) {
      if (can_retry()) {
        spdlog::warn("LLM gateway: request failed ({}), retrying", *outcome.error);
        return retry(attempt, std::nullopt);
      }
      return fail("HTTP request failed: " + *outcome.error);
    }
    if (!outcome.error) {
      decoder_.finish(events_);
      deliver_all();
    }
    // A finish (or [DONE]) already seen means the answer is whole, even if the
    // connection then failed to close cleanly.
    if (decoder_.saw_finish()) return deliver(stream_complete{});
    if (outcome.error) {
      if (outcome.error->rfind(kIdlePrefix, 0) == 0) return fail(*outcome.error);
      return fail("stream read error: " + *outcome.error);
    }
    fail("stream ended before the model finished");
  }

  bool can_retry() const { return !delivered_ && attempt_ < config_->options.max_retries; }

  void retry(unsigned attempt, std::optional<double> retry_after) {
    ++attempt_;
    if (const auto& m = config_->options.metrics)
      m->gateway_retries.fetch_add(1, std::memory_order_relaxed);
    const auto delay = config_->backoff(attempt, retry_after);
    spdlog::info("LLM gateway: retry {} of {} in {} ms (status {})", attempt_,
                 config_->options.max_retries, delay.count(), status_);
    auto self = shared_from_this();
    config_->timer(delay, [self] { self->start_attempt(); });
  }

  // Delivers the events of one read as one batch and empties events_ (its capacity is
  // kept for the next read).
  void deliver_all() {
    stream_batch batch;
    batch.reserve(events_.size());
    for (auto& e : events_) {
      if (auto normalized = normalizer_.apply(std::move(e)))
        batch.push_back(std::move(*normalized));
    }
    events_.clear();
    if (batch.empty() || cancelled_.load()) return;
    delivered_ = true;
    sink_(std::move(batch));
  }

  void deliver(stream_event e) {
    if (cancelled_.load()) return;
    delivered_ = true;
    stream_batch one;
    one.push_back(std::move(e));
    sink_(std::move(one));
  }

  void fail(std::string message) {
    if (const auto& m = config_->options.metrics)
      m->gateway_errors.fetch_add(1, std::memory_order_relaxed);
    deliver(stream_failed{std::move(message)});
  }

  const std::shared_ptr<gateway_config> config_;
  const std::string body_;
  const std::string api_key_;  ///< empty: the provider's configured key; never logged
  const stream_batch_sink sink_;

  std::mutex mu_;  ///< guards current_ against cancel() from other threads
  std::shared_ptr<net::http_call> current_;
  std::atomic<bool> cancelled_{false};

  // Touched only by HTTP and timer callbacks, which never overlap.
  unsigned attempt_ = 0;
  std::chrono::steady_clock::time_point attempt_started_;
  bool delivered_ = false;
  int status_ = 0;
  std::string reason_;
  std::optional<double> retry_after_;
  std::string error_body_;
  sse_decoder decoder_;
  std::vector<stream_event> events_;  ///< events of one read, reused
  stream_normalizer normalizer_;
};

class gateway_provider final : public provider {
 public:
  explicit gateway_provider(std::shared_ptr<gateway_config> config) : config_(std::move(config)) {}

  std::shared_ptr<stream_handle> stream(const chat_request& request, stream_sink sink) override {
    return stream_with(request, call_options{}, std::move(sink));
  }

  std::shared_ptr<stream_handle> stream_with(const chat_request& request,
                                             const call_options& options,
                                             stream_sink sink) override {
    return stream_batches(request, options, [sink = std::move(sink)](stream_batch batch) {
      for (auto& e : batch) sink(std::move(e));
    });
  }

  std::shared_ptr<stream_handle> stream_batches(const chat_request& request,
                                                const call_options& options,
                                                stream_batch_sink sink) override {
    chat_request_options opts;
    opts.prompt_cache = wants_prompt_cache(request.model, config_->options.base_url);
    auto call = std::make_shared<gateway_call>(config_, chat_request_json(request, opts),
                                               options.api_key, std::move(sink));
    call->start_attempt();
    return call;
  }

 private:
  std::shared_ptr<gateway_config> config_;
};

}  // namespace

provider_ptr make_gateway_provider(net::http_client_ptr http, timer_fn timer,
                                   gateway_options options) {
  auto config = std::make_shared<gateway_config>();
  config->http = std::move(http);
  config->timer = std::move(timer);
  config->options = std::move(options);
  return std::make_shared<gateway_provider>(std::move(config));
}

}  // namespace so::adapters::llm
