// tests/actors/target_table_test.cpp — the backplane's target → connections table:
// lookups, stable entries, and erase by entry (backward shift) against a reference
// map through many inserts and erases, so probe runs form, wrap and close up.
#include "actors/target_table.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

using so::actors::backplane_target;
using so::actors::target_kind;
using so::actors::target_table;

namespace {

backplane_target session(int i) {
  return backplane_target{target_kind::session, "s-" + std::to_string(i)};
}

}  // namespace

TEST_CASE("target_table finds, adds once and keeps entries in place", "[backplane]") {
  target_table table;
  CHECK(table.find(session(1)) == nullptr);  // empty: no slots yet
  auto [a, added] = table.try_emplace(session(1));
  CHECK(added);
  CHECK(a->target == session(1));
  CHECK(a->conns.empty());
  std::vector<target_table::entry*> entries{a};
  for (int i = 2; i <= 5000; ++i) entries.push_back(table.try_emplace(session(i)).first);
  CHECK(table.size() == 5000);
  // The table grew many times; the first entry is where it was.
  auto [again, added_again] = table.try_emplace(session(1));
  CHECK_FALSE(added_again);
  CHECK(again == a);
  for (int i = 1; i <= 5000; i += 499) CHECK(table.find(session(i)) == entries[i - 1]);
  // The kind is part of the key.
  CHECK(table.find(backplane_target{target_kind::agent, "s-1"}) == nullptr);
}

TEST_CASE("target_table erases by entry and still finds everything else", "[backplane]") {
  target_table table;
  std::map<int, target_table::entry*> live;
  std::mt19937 rng(7);
  // Random inserts and erases over a small id space: long probe runs, erased from the
  // middle, the front and the end, across growths.
  for (int step = 0; step < 20'000; ++step) {
    const int id = static_cast<int>(rng() % 3000);
    if (auto it = live.find(id); it != live.end() && rng() % 2 == 0) {
      table.erase(it->second);
      live.erase(it);
    } else if (it == live.end()) {
      live[id] = table.try_emplace(session(id)).first;
    }
  }
  REQUIRE(table.size() == live.size());
  for (int id = 0; id < 3000; ++id) {
    auto it = live.find(id);
    CHECK(table.find(session(id)) == (it == live.end() ? nullptr : it->second));
  }
  for (auto& [id, entry] : live) table.erase(entry);
  CHECK(table.size() == 0);
  CHECK(table.find(session(0)) == nullptr);
}
