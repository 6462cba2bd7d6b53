// adapters/llm/retry_policy.hpp — which gateway failures are retried, and when (decisions.md).
//
// Retried: send failures (no response head) and HTTP 429/500/502/503/504/520–527,
// only while nothing of the call has been delivered. Delay: `Retry-After`
// seconds (may be fractional) when present, else min(1000 ms · 2^attempt +
// jitter(0–499 ms), 60 s). Either way capped at 60 s so a hostile header
// cannot park a turn for hours.
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace so::adapters::llm {

inline constexpr std::chrono::milliseconds kMaxBackoff{60'000};

/// HTTP statuses worth retrying.
bool is_retryable_status(int status);

/// `Retry-After` as seconds (delta-seconds, fractional allowed); nullopt for
/// absent, negative or HTTP-date values.
std::optional<double> parse_retry_after(std::string_view value);

/// Delay before retry number `attempt` (0-based); `jitter` is 0–499 ms, drawn by the caller.
std::chrono::milliseconds default_backoff(unsigned attempt, std::optional<double> retry_after_s,
                                          std::chrono::milliseconds jitter);

}  // namespace so::adapters::llm
