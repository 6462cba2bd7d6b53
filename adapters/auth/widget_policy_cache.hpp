// adapters/auth/widget_policy_cache.hpp — the HTTP widget provider's answers by agent id,
// with a TTL and a memory bound (admin-auth.md §4.2).
//
// An entry is fresh while its age is less than the TTL (a negative age, after the wall
// clock stepped back, counts as stale); a TTL of 0 stores nothing. Both a policy and a
// known "no policy" (an upstream 404) are cached.
// Bound: the entries' estimated bytes (agent id + policy strings + a fixed per-entry
// overhead) stay ≤ `max_bytes` (default 8 MiB: tens of thousands of typical entries).
// A `put` at the bound evicts the oldest entries first — with one TTL for all, the oldest
// insertion is also the first to expire — and an entry larger than the whole bound is not
// stored (the next lookup of it asks upstream again).
// Thread-safety: every member function may be called from any thread (one mutex, held
// only for map work, never across I/O).
#pragma once

#include "adapters/auth/widget_policy.hpp"
#include "protocol/clock.hpp"

#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace so::adapters::auth {

class widget_policy_cache {
 public:
  /// Estimated bytes of bookkeeping per entry besides its strings.
  static constexpr std::size_t entry_overhead_bytes = 160;
  static constexpr std::size_t default_max_bytes = 8u << 20;

  widget_policy_cache(std::chrono::seconds ttl, std::size_t max_bytes = default_max_bytes);

  /// The fresh cached answer for `agent_id`, or nullopt (absent or stale: ask upstream).
  std::optional<widget_lookup> get(const std::string& agent_id, protocol::time_point now);

  /// Stores `answer` (replacing an older one), evicting the oldest entries at the bound.
  void put(const std::string& agent_id, widget_lookup answer, protocol::time_point now);

  std::size_t size() const;
  std::size_t bytes() const;

 private:
  struct entry {
    std::string agent_id;
    widget_lookup answer;
    protocol::time_point stored_at;
    std::size_t cost = 0;
  };
  using order = std::list<entry>;  // oldest first

  void erase(order::iterator it);  // mu_ held

  const std::chrono::seconds ttl_;
  const std::size_t max_bytes_;
  mutable std::mutex mu_;
  order entries_;
  std::unordered_map<std::string, order::iterator> by_agent_;
  std::size_t bytes_ = 0;
};

}  // namespace so::adapters::auth
