// protocol/clock.hpp — the time seam.
//
// Every timestamp the server emits (event `timestamp`, record `createdAt`) comes
// from a `clock`, so tests can pin time. Implementations are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

namespace so::protocol {

using time_point = std::chrono::system_clock::time_point;

/// Source of wall-clock time. Thread-safe.
class clock {
 public:
  virtual ~clock() = default;
  virtual time_point now() const = 0;
  /// Unix epoch milliseconds of `now()`.
  std::int64_t now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(now().time_since_epoch()).count();
  }
};

/// The real clock.
class system_clock final : public clock {
 public:
  time_point now() const override { return std::chrono::system_clock::now(); }
};

/// Test double: time only moves when told to. Thread-safe.
class manual_clock final : public clock {
 public:
  explicit manual_clock(time_point start) : ns_(start.time_since_epoch().count()) {}
  time_point now() const override { return time_point(time_point::duration(ns_.load())); }
  void advance(std::chrono::nanoseconds d) { ns_ += d.count(); }

 private:
  std::atomic<time_point::rep> ns_;
};

using clock_ptr = std::shared_ptr<const clock>;

}  // namespace so::protocol
