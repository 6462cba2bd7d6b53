// tests/actors/target_connections_test.cpp — the per-target connection set of the
// backplane: no duplicates, and the same answers below and above the switch from the
// short vector to the hash set. Connections are named by pointers to interned ids, as
// the backplane's per-connection map keys are.
#include "actors/target_connections.hpp"

#include <catch2/catch.hpp>

#include <deque>
#include <set>
#include <string>

using so::actors::target_connections;

namespace {

std::set<std::string> contents(const target_connections& c) {
  std::set<std::string> out;
  c.for_each([&](const std::string& id) { CHECK(out.insert(id).second); });  // once each
  return out;
}

}  // namespace

TEST_CASE("target_connections keeps each connection once, few or many", "[backplane]") {
  const int n = GENERATE(1, 8, 9, 1000);
  std::deque<std::string> interned;  // stable addresses: one per id
  for (int i = 0; i < n; ++i) interned.push_back("conn-" + std::to_string(i));
  const std::string absent = "conn-absent";
  target_connections set;
  std::set<std::string> expected;
  for (const auto& id : interned) {
    CHECK(set.insert(&id));
    CHECK_FALSE(set.insert(&id));
    expected.insert(id);
  }
  CHECK(set.size() == expected.size());
  CHECK(contents(set) == expected);

  CHECK_FALSE(set.erase(&absent));
  for (int i = 0; i < n; i += 2) {
    const auto& id = interned[static_cast<std::size_t>(i)];
    CHECK(set.erase(&id));
    CHECK_FALSE(set.erase(&id));
    expected.erase(id);
  }
  CHECK(contents(set) == expected);
  for (int i = 1; i < n; i += 2) CHECK(set.erase(&interned[static_cast<std::size_t>(i)]));
  CHECK(set.empty());
  CHECK(set.size() == 0);
}
