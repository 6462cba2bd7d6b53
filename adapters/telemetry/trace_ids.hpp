// adapters/telemetry/trace_ids.hpp — W3C trace and span ids (16 and 8 random bytes) and
// their lower-case hex form, which OTLP/JSON uses for traceId / spanId / parentSpanId.
//
// Ids come from OpenSSL's RAND_bytes (thread-safe, no state of ours); an all-zero id is
// invalid in W3C Trace Context and is never returned by `random()`.
// Thread-safety: value types; `random()` may be called from any thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace so::adapters::telemetry {

template <std::size_t N>
struct trace_bytes {
  std::array<std::uint8_t, N> bytes{};

  /// False for the all-zero id ("no id", e.g. the parent of a root span).
  bool valid() const {
    for (auto b : bytes)
      if (b != 0) return true;
    return false;
  }
  /// 2N lower-case hex digits.
  std::string hex() const;
  /// A fresh random id, never all zero.
  static trace_bytes random();

  friend bool operator==(const trace_bytes&, const trace_bytes&) = default;
};

using trace_id = trace_bytes<16>;
using span_id = trace_bytes<8>;

extern template struct trace_bytes<16>;
extern template struct trace_bytes<8>;

}  // namespace so::adapters::telemetry
