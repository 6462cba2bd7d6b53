// Tests for the gateway retry policy (decisions.md: gateway retries on a streaming turn).
#include "adapters/llm/retry_policy.hpp"

#include <catch2/catch.hpp>

using namespace so::adapters::llm;
using std::chrono::milliseconds;

TEST_CASE("retry: retryable statuses", "[llm][retry]") {
  for (int s : {429, 500, 502, 503, 504, 520, 523, 527}) CHECK(is_retryable_status(s));
  for (int s : {200, 400, 401, 403, 404, 501, 505, 519, 528}) CHECK_FALSE(is_retryable_status(s));
}

TEST_CASE("retry: Retry-After parsing", "[llm][retry]") {
  CHECK(parse_retry_after("2") == 2.0);
  CHECK(parse_retry_after(" 0.5 ") == 0.5);
  CHECK_FALSE(parse_retry_after(""));
  CHECK_FALSE(parse_retry_after("-1"));
  CHECK_FALSE(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"));
}

TEST_CASE("retry: backoff schedule", "[llm][retry]") {
  CHECK(default_backoff(0, std::nullopt, milliseconds(0)) == milliseconds(1000));
  CHECK(default_backoff(1, std::nullopt, milliseconds(250)) == milliseconds(2250));
  CHECK(default_backoff(2, std::nullopt, milliseconds(499)) == milliseconds(4499));
  CHECK(default_backoff(10, std::nullopt, milliseconds(0)) == milliseconds(60'000));
  CHECK(default_backoff(0, 1.5, milliseconds(400)) == milliseconds(1500));
  CHECK(default_backoff(0, 0.0, milliseconds(400)) == milliseconds(0));
  CHECK(default_backoff(0, 3600.0, milliseconds(0)) == milliseconds(60'000));
}
