// actors/actor_home_table.hpp — which io thread a pinned actor lives on.
//
// The io_scheduler asks this on every wake-up of an actor, so it is a fixed array
// without locks: a 64-byte bucket of eight entries per address hash, each entry the
// actor's address packed over its io slot (x86-64 user space: 47 bits of address).
// A lookup reads one cache line.
//
// Why buckets, not one entry per hash: a table that overwrote on collision let the
// churn of short-lived actors (a turn per message) evict the homes of long-lived ones
// (connections, sessions): at 500 connections a quarter of them lost their home
// within seconds, and from then on their turns streamed every token across threads
// (docs/benchmarks.md). Here an entry is only ever taken from an empty place or
// given back by its own actor; when all eight places of a bucket are taken the new
// actor stays unpinned (it runs next to whoever wakes it, which costs locality,
// never correctness) and `overflows()` counts it.
//
// Thread-safety: every member may be called from any thread at any time. One actor is
// set and erased by its owner's protocol (pinned once, erased when done); a racing
// second `set` of the same address at worst leaves a duplicate that `erase` removes.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace so::actors {

class actor_home_table {
 public:
  static constexpr std::size_t kBucketEntries = 8;  // 8 x 8 bytes: one cache line
  static constexpr std::size_t kNoSlot = 0xFF;

  /// `buckets` is rounded up to a power of two (at least 1).
  explicit actor_home_table(std::size_t buckets);

  /// Records `slot` (< kNoSlot) as the home of `actor`. False when the actor's bucket
  /// is full of other live actors: it stays unpinned and nothing is evicted.
  bool set(const void* actor, std::size_t slot);
  /// The home of `actor`, or kNoSlot.
  std::size_t find(const void* actor) const;
  /// Forgets `actor`'s home (every entry of it); other actors' entries are untouched.
  void erase(const void* actor);

  /// The address hash the buckets are chosen by (the io_scheduler's hint table uses it too).
  static std::size_t hash(const void* actor);

  /// How many `set` calls found their bucket full.
  std::uint64_t overflows() const { return overflows_.load(std::memory_order_relaxed); }
  std::size_t capacity() const { return (mask_ + 1) * kBucketEntries; }

 private:
  struct alignas(64) bucket {
    std::atomic<std::uint64_t> entries[kBucketEntries];
  };
  bucket& bucket_of(const void* actor) const;

  std::size_t mask_;  // buckets - 1
  std::unique_ptr<bucket[]> buckets_;
  std::atomic<std::uint64_t> overflows_{0};
};

}  // namespace so::actors
