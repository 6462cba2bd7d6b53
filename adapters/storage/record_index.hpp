// adapters/storage/record_index.hpp — an open-addressing hash index of records that
// live elsewhere.
//
// Contract: maps a hash to record pointers; the caller supplies the hash and, for
// lookups, a predicate that says whether a record is the one sought (so a key can be
// a field of the record, or several fields, with no copy of it in the index). The
// index never owns, moves or dereferences a record except through that predicate.
// Linear probing, at most half full. No erase: the store never removes a row.
//
// Why not std::unordered_map<std::string, Row>: the in-memory storage keeps every
// session ever created, and a create inserted six map nodes, each with its own copy
// of a 36-character id, and walked linked buckets spread over hundreds of megabytes:
// about a third of a create's CPU went to those cache misses and allocations
// (docs/benchmarks.md). Here a miss costs one or two adjacent cache lines of a flat
// array, and an insert allocates nothing but the occasional doubling.
//
// Thread-safety: none; the owner serializes access (memory_storage's mutex).
#pragma once

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
    if (slots_.empty()) return nullptr;
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const slot& s = slots_[i];
      if (s.record == nullptr) return nullptr;
      if (s.hash == hash && matches(*s.record)) return s.record;
    }
  }

  /// Adds `record` under `hash`. The caller has checked that no entry matches it.
  void insert(std::size_t hash, T* record) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    place(hash, record);
    ++size_;
  }

 private:
  struct slot {
    std::size_t hash = 0;
    T* record = nullptr;
  };

  void place(std::size_t hash, T* record) {
    std::size_t i = hash & mask_;
    while (slots_[i].record != nullptr) i = (i + 1) & mask_;
    slots_[i] = slot{hash, record};
  }

  void grow() {
    std::vector<slot> old;
    old.swap(slots_);
    slots_.resize(old.empty() ? 64 : old.size() * 2);
    mask_ = slots_.size() - 1;
    for (const slot& s : old)
      if (s.record != nullptr) place(s.hash, s.record);
  }

  std::vector<slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace so::adapters
