// adapters/llm/gateway_provider.hpp — OpenAI-compatible gateway over HTTP(S) (engine.md §2).
//
// POST {gateway_url}/chat/completions with a bearer key, stream: true. SSE is
// decoded from buffered bytes (never splitting a UTF-8 character); malformed
// data lines are logged and skipped; the call fails only if the body ends with
// no finish and no [DONE]. Retries (decisions.md): send failures and HTTP
// 429/500/502/503/504/520–527 up to 3 times, honouring Retry-After, else
// exponential backoff with jitter capped at 60 s — only while nothing of the
// call has been delivered. Failure texts follow engine.md §2.11; an error
// response's body is kept up to 64 KiB (the rest is read and dropped) and
// UTF-8-repaired before it is quoted in the failure event. Calls go through the
// HTTP client's keep-alive pool, so a turn normally costs no TCP/TLS handshake;
// a pooled connection the gateway closed meanwhile is replaced inside the
// client and never counts as a retry here.
// Thread-safety: as `provider`.
#pragma once

#include "adapters/llm/llm_provider.hpp"
#include "net/http_client.hpp"

#include "adapters/telemetry/server_metrics.hpp"

#include <chrono>
#include <functional>
#include <string>

namespace so::adapters::llm {

struct gateway_options {
  std::string base_url = "https://llm.smoo.ai/v1";
  std::string api_key;
  unsigned max_retries = 3;
  /// Backoff schedule seam: attempt (0-based) and Retry-After (if any) → delay.
  /// Default: Retry-After, else min(1000ms·2^attempt + jitter(0–499ms), 60s).
  std::function<std::chrono::milliseconds(unsigned attempt, std::optional<double> retry_after_s)>
      backoff;
  std::chrono::milliseconds connect_timeout{30'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds total_timeout{600'000};
  /// Requests, retries, failures and attempt latency are counted here (/metrics); null: not.
  telemetry::server_metrics_ptr metrics;
};

/// Schedules `fn` after `delay` (the provider needs timers for backoff without
/// blocking; the server passes one backed by the I/O context).
using timer_fn = std::function<void(std::chrono::milliseconds delay, std::function<void()> fn)>;

provider_ptr make_gateway_provider(net::http_client_ptr http, timer_fn timer,
                                   gateway_options options);

}  // namespace so::adapters::llm
