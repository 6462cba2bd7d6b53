// actors/target_connections.hpp — the connections associated with one backplane target.
//
// Contract: a set of connections, each named by a pointer to its id (insert / erase /
// visit, no duplicates). The ids are interned by the owner (the backplane's per-connection
// map keys): one pointer per connection id, valid while any target holds it, so pointer
// equality is id equality. Most targets have one or two connections (a session, a
// connection, an agent on a quiet process); an org or a busy agent can have thousands.
// Up to kFew pointers live in a vector searched linearly (no bucket array, no node per
// id); beyond that they move to a hash set, so erasing one of thousands on a disconnect
// stays O(1).
//
// Why: every create_conversation_session associates its connection with the new
// session's target; a hash set per target cost five allocations and most of the
// backplane's share of a create, and a copy of the connection id per target was one more
// heap block per session kept (docs/benchmarks.md).
//
// Thread-safety: none; owned by the backplane actor's state.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

namespace so::actors {

class target_connections {
 public:
  /// False when `conn` was already there.
  bool insert(const std::string* conn) {
    if (many_) return many_->insert(conn).second;
    if (std::find(few_.begin(), few_.end(), conn) != few_.end()) return false;
    if (few_.size() < kFew) {
      few_.push_back(conn);
      return true;
    }
    many_ = std::make_unique<std::unordered_set<const std::string*>>(few_.begin(), few_.end());
    few_.clear();
    few_.shrink_to_fit();
    return many_->insert(conn).second;
  }

  /// False when `conn` was not there.
  bool erase(const std::string* conn) {
    if (many_) return many_->erase(conn) > 0;
    auto it = std::find(few_.begin(), few_.end(), conn);
    if (it == few_.end()) return false;
    *it = few_.back();
    few_.pop_back();
    return true;
  }

  bool empty() const { return few_.empty() && (!many_ || many_->empty()); }
  std::size_t size() const { return few_.size() + (many_ ? many_->size() : 0); }

  /// Calls `f(const std::string& id)` for each connection.
  template <class F>
  void for_each(F&& f) const {
    for (const auto* c : few_) f(*c);
    if (many_)
      for (const auto* c : *many_) f(*c);
  }

 private:
  static constexpr std::size_t kFew = 8;
  std::vector<const std::string*> few_;
  /// Used instead of few_ once it would pass kFew (a pointer while unused: 8 bytes per
  /// target instead of an empty set's 56).
  std::unique_ptr<std::unordered_set<const std::string*>> many_;
};

}  // namespace so::actors
