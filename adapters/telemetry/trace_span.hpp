// adapters/telemetry/trace_span.hpp — one finished span, as the exporter ships it: the OTLP
// span model reduced to what this server records (no events, no links).
//
// A span_record is plain data, filled by turn_trace (trace_turn.hpp) and moved into the
// tracer's bounded queue (trace_tracer.hpp) once it has ended; nothing refers to it after.
// Timestamps are Unix-epoch nanoseconds (system clock), as OTLP wants them.
// Thread-safety: a value type; no sharing.
#pragma once

#include "adapters/telemetry/trace_ids.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace so::adapters::telemetry {

/// OTLP's Span.SpanKind values.
enum class span_kind : int { internal = 1, server = 2, client = 3 };
/// OTLP's Status.StatusCode values.
enum class span_status : int { unset = 0, ok = 1, error = 2 };

/// An attribute value: string, int, bool, double or a string array (finish reasons).
using attribute_value =
    std::variant<std::string, std::int64_t, bool, double, std::vector<std::string>>;

struct attribute {
  std::string key;
  attribute_value value;
};

struct span_record {
  trace_id trace;
  span_id span;
  span_id parent;  ///< invalid (all zero) for a root span
  std::string name;
  span_kind kind = span_kind::internal;
  std::uint64_t start_unix_ns = 0;
  std::uint64_t end_unix_ns = 0;
  std::vector<attribute> attributes;
  span_status status = span_status::unset;
  std::string status_message;  ///< only with status error

  void set(std::string key, attribute_value value) {
    attributes.push_back({std::move(key), std::move(value)});
  }
};

/// Now, in Unix-epoch nanoseconds.
inline std::uint64_t unix_now_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

}  // namespace so::adapters::telemetry
