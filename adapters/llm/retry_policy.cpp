// adapters/llm/retry_policy.cpp — see retry_policy.hpp.
#include "adapters/llm/retry_policy.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

namespace so::adapters::llm {

bool is_retryable_status(int status) {
  switch (status) {
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return true;
    default:
      return status >= 520 && status <= 527;
  }
}

std::optional<double> parse_retry_after(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  for (char c : value) {
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.')) return std::nullopt;
  }
  // from_chars: locale-independent, unlike strtod.
  double seconds = 0;
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc{} || ptr != value.data() + value.size() || !std::isfinite(seconds)) {
    return std::nullopt;
  }
  return seconds;
}

std::chrono::milliseconds default_backoff(unsigned attempt, std::optional<double> retry_after_s,
                                          std::chrono::milliseconds jitter) {
  if (retry_after_s) {
    const double ms = *retry_after_s * 1000.0;
    if (ms >= static_cast<double>(kMaxBackoff.count())) return kMaxBackoff;
    return std::chrono::milliseconds(static_cast<long long>(std::ceil(ms)));
  }
  // 2^6 s already exceeds the cap; clamp the shift so it cannot overflow.
  const long long base = 1000LL << (attempt < 6 ? attempt : 6);
  const long long ms = base + jitter.count();
  return std::chrono::milliseconds(ms < kMaxBackoff.count() ? ms : kMaxBackoff.count());
}

}  // namespace so::adapters::llm
