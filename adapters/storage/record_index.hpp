// adapters/storage/record_index.hpp — an open-addressing hash index of records that
// live elsewhere.
//
// Contract: maps a hash to record pointers; the caller supplies the hash and, for
// lookups, a predicate that says whether a record is the one sought (so a key can be
// a field of the record, or several fields, with no copy of it in the index). The
// index never owns, moves or dereferences a record except through that predicate.
// Linear probing, at most half full. No erase: the store never removes a row.
// The slots are split into 64 shards by the hash's top bits, each growing on its own.
//
// Why not std::unordered_map<std::string, Row>: the in-memory storage keeps every
// session ever created, and a create inserted six map nodes, each with its own copy
// of a 36-character id, and walked linked buckets spread over hundreds of megabytes:
// about a third of a create's CPU went to those cache misses and allocations
// (docs/benchmarks.md). Here a miss costs one or two adjacent cache lines of a flat
// array, and an insert allocates nothing but the occasional doubling.
// Why shards: a doubling touches fresh memory for the whole new array, under the
// store's lock. One array of millions of rows doubled in one go (256 MB, half a second
// on a VM whose fresh pages are dear) while every io thread waited for that lock; a
// shard doubles 1/64th of it.
//
// Thread-safety: none; the owner serializes access (memory_storage's mutex).
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <string_view>
#include <vector>

namespace so::adapters {

/// The hash record_index expects for a string key (std::hash, 64-bit on this platform).
inline std::size_t record_hash(std::string_view key) {
  return std::hash<std::string_view>{}(key);
}

template <class T>
class record_index {
 public:
  std::size_t size() const { return size_; }

  /// The first record under `hash` that `matches` accepts, or nullptr.
  template <class Matches>
  T* find(std::size_t hash, Matches&& matches) const {
    const shard& sh = shard_of(hash);
    if (sh.slots.empty()) return nullptr;
    for (std::size_t i = hash & sh.mask;; i = (i + 1) & sh.mask) {
      const slot& s = sh.slots[i];
      if (s.record == nullptr) return nullptr;
      if (s.hash == hash && matches(*s.record)) return s.record;
    }
  }

  /// Starts loading the slot a lookup of `hash` reads first: several lookups' cache
  /// misses then overlap instead of following one another.
  void prefetch(std::size_t hash) const {
    const shard& sh = shard_of(hash);
    if (!sh.slots.empty()) __builtin_prefetch(&sh.slots[hash & sh.mask]);
  }

  /// Adds `record` under `hash`. The caller has checked that no entry matches it.
  void insert(std::size_t hash, T* record) {
    shard& sh = shards_[shard_number(hash)];
    if ((sh.size + 1) * 2 > sh.slots.size()) grow(sh);
    place(sh, hash, record);
    ++sh.size;
    ++size_;
  }

 private:
  static constexpr unsigned kShardBits = 6;
  static constexpr std::size_t kFirstSlots = 16;  // per shard, at its first insert

  struct slot {
    std::size_t hash = 0;
    T* record = nullptr;
  };
  /// Positions within a shard come from the hash's low bits, the shard from its top ones.
  struct shard {
    std::vector<slot> slots;
    std::size_t mask = 0;
    std::size_t size = 0;
  };

  static std::size_t shard_number(std::size_t hash) {
    return hash >> (sizeof(std::size_t) * 8 - kShardBits);
  }
  const shard& shard_of(std::size_t hash) const { return shards_[shard_number(hash)]; }

  static void place(shard& sh, std::size_t hash, T* record) {
    std::size_t i = hash & sh.mask;
    while (sh.slots[i].record != nullptr) i = (i + 1) & sh.mask;
    sh.slots[i] = slot{hash, record};
  }

  static void grow(shard& sh) {
    std::vector<slot> old;
    old.swap(sh.slots);
    sh.slots.resize(old.empty() ? kFirstSlots : old.size() * 2);
    sh.mask = sh.slots.size() - 1;
    for (const slot& s : old)
      if (s.record != nullptr) place(sh, s.hash, s.record);
  }

  std::array<shard, std::size_t{1} << kShardBits> shards_;
  std::size_t size_ = 0;
};

}  // namespace so::adapters
