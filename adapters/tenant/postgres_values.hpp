// adapters/tenant/postgres_values.hpp — value conversions shared by the PostgreSQL
// tenant stores (postgres_*_store): timestamps and counts to and from bound text.
//
// Timestamps cross the wire as epoch microseconds (exact both ways; a round trip
// truncates nanoseconds to microseconds). Counts are unsigned in the stores and
// signed 64-bit in the database: larger values saturate on write, a negative value
// reads back as 0 (storage-backplane.md §4.3).
// Thread-safety: pure functions.
#pragma once

#include "adapters/storage/postgres_connection.hpp"
#include "protocol/clock.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

// SQL fragments: a timestamptz column as epoch microseconds, and a bound
// microsecond count as a timestamptz.
#define SO_TENANT_US(col) "(extract(epoch from " col ") * 1000000)::bigint"
#define SO_TENANT_TS(n) "(timestamptz 'epoch' + (" n ")::bigint * interval '1 microsecond')"

namespace so::adapters::tenant::pgv {

inline std::string micros(protocol::time_point t) {
  return std::to_string(
      std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count());
}

inline pg::param opt_micros(const std::optional<protocol::time_point>& t) {
  if (!t) return std::nullopt;
  return micros(*t);
}

inline std::string count(std::uint64_t n) {
  const auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  return std::to_string(std::min(n, max));
}

inline protocol::time_point time_at(const pg::result& r, int row, int col) {
  return protocol::time_point(std::chrono::microseconds(r.int64(row, col)));
}

inline std::optional<protocol::time_point> opt_time_at(const pg::result& r, int row, int col) {
  if (r.is_null(row, col)) return std::nullopt;
  return time_at(r, row, col);
}

inline std::uint64_t count_at(const pg::result& r, int row, int col) {
  return static_cast<std::uint64_t>(std::max<std::int64_t>(0, r.int64(row, col)));
}

}  // namespace so::adapters::tenant::pgv
