// actors/target_table.hpp — the backplane's map from a target to its connections.
//
// Contract: each backplane_target at most once, with its target_connections. Entries
// live in their own allocations (stable addresses: a caller may keep an entry's
// address while it is in the table) and are found through a flat open-addressing
// array of (hash, entry) slots: linear probing, at most half full, backward-shift
// erase (no tombstones). `erase` takes the entry itself: it finds its slot by comparing
// addresses, never the key.
//
// Why: every create_conversation_session associates its connection with a new session
// target and, once the connection is at its bound, forgets its oldest one. With
// std::unordered_map each of those walked linked buckets over a map of ~200k entries
// (50 connections at 4,096 sessions each) and compared a key string on the heap: a
// cache miss per step, ~8 % of a create's CPU (docs/benchmarks.md, "creates: a store
// a third smaller"). Here an insert is one slot probe and a forget one slot probe by
// address.
//
// Thread-safety: none; owned by the backplane actor's state.
#pragma once

#include "actors/messages.hpp"
#include "actors/target_connections.hpp"

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace so::actors {

class target_table {
 public:
  struct entry {
    backplane_target target;
    target_connections conns;
    std::size_t hash = 0;
  };

  target_table() = default;
  target_table(const target_table&) = delete;
  target_table& operator=(const target_table&) = delete;
  ~target_table() {
    for (const slot& s : slots_) delete s.e;
  }

  static std::size_t hash_of(const backplane_target& t) {
    return std::hash<std::string>{}(t.id) * 31 + static_cast<std::size_t>(t.kind);
  }

  std::size_t size() const { return size_; }

  /// The entry of `t`, or nullptr.
  entry* find(const backplane_target& t) const { return find(t, hash_of(t)); }

  /// The entry of `t`, added (with no connections) when missing; `second`: added.
  std::pair<entry*, bool> try_emplace(const backplane_target& t) {
    const std::size_t h = hash_of(t);
    if (entry* e = find(t, h)) return {e, false};
    if ((size_ + 1) * 2 > slots_.size()) grow();
    auto* e = new entry{t, {}, h};
    place(e);
    ++size_;
    return {e, true};
  }

  /// Starts loading what `erase(e)` reads first (e's slot), given e's hash: a caller
  /// that knows the next entry it erases overlaps that cache miss with other work.
  void prefetch_slot(std::size_t hash) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[hash & mask_]);
  }

  /// Removes and destroys `e`, an entry of this table.
  void erase(entry* e) {
    std::size_t i = e->hash & mask_;
    while (slots_[i].e != e) i = (i + 1) & mask_;
    delete e;
    // Backward shift: pull later members of the probe run into the hole, so a lookup
    // never stops early at it.
    for (std::size_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
      if (slots_[j].e == nullptr) break;
      const std::size_t home = slots_[j].hash & mask_;
      // slots_[j] may move to the hole at i unless its home lies cyclically in (i, j].
      const bool home_after_hole = ((j - home) & mask_) < ((j - i) & mask_);
      if (home_after_hole) continue;
      slots_[i] = slots_[j];
      i = j;
    }
    slots_[i] = slot{};
    --size_;
  }

 private:
  struct slot {
    std::size_t hash = 0;
    entry* e = nullptr;
  };

  entry* find(const backplane_target& t, std::size_t h) const {
    if (slots_.empty()) return nullptr;
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const slot& s = slots_[i];
      if (s.e == nullptr) return nullptr;
      if (s.hash == h && s.e->target == t) return s.e;
    }
  }

  void place(entry* e) {
    std::size_t i = e->hash & mask_;
    while (slots_[i].e != nullptr) i = (i + 1) & mask_;
    slots_[i] = slot{e->hash, e};
  }

  void grow() {
    std::vector<slot> old;
    old.swap(slots_);
    slots_.resize(old.empty() ? 64 : old.size() * 2);
    mask_ = slots_.size() - 1;
    for (const slot& s : old)
      if (s.e != nullptr) place(s.e);
  }

  std::vector<slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace so::actors
