// actors/target_connections.hpp — the connections associated with one backplane target.
//
// Contract: a set of connection ids (insert / erase / visit, no duplicates). Most
// targets have one or two connections (a session, a connection, an agent on a quiet
// process); an org or a busy agent can have thousands. Up to kFew ids live in a
// vector searched linearly (no bucket array, no node per id); beyond that they move
// to a hash set, so erasing one of thousands on a disconnect stays O(1).
//
// Why: every create_conversation_session associates its connection with the new
// session's target; a hash set per target cost five allocations and most of the
// backplane's share of a create (docs/benchmarks.md).
//
// Thread-safety: none; owned by the backplane actor's state.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <unordered_set>
#include <vector>

namespace so::actors {

class target_connections {
 public:
  /// False when `conn` was already there.
  bool insert(const std::string& conn) {
    if (!many_.empty()) return many_.insert(conn).second;
    if (std::find(few_.begin(), few_.end(), conn) != few_.end()) return false;
    if (few_.size() < kFew) {
      few_.push_back(conn);
      return true;
    }
    many_.insert(few_.begin(), few_.end());
    few_.clear();
    few_.shrink_to_fit();
    return many_.insert(conn).second;
  }

  /// False when `conn` was not there.
  bool erase(const std::string& conn) {
    if (!many_.empty()) return many_.erase(conn) > 0;
    auto it = std::find(few_.begin(), few_.end(), conn);
    if (it == few_.end()) return false;
    *it = std::move(few_.back());
    few_.pop_back();
    return true;
  }

  bool empty() const { return few_.empty() && many_.empty(); }
  std::size_t size() const { return few_.size() + many_.size(); }

  template <class F>
  void for_each(F&& f) const {
    for (const auto& c : few_) f(c);
    for (const auto& c : many_) f(c);
  }

 private:
  static constexpr std::size_t kFew = 8;
  std::vector<std::string> few_;
  std::unordered_set<std::string> many_;  ///< used instead of few_ once it would pass kFew
};

}  // namespace so::actors
