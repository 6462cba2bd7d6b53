// tests/adapters/record_index_test.cpp — the open-addressing index under the in-memory
// storage: lookups through the caller's predicate, probe runs of equal hashes (also
// wrapping around the end of the array), shards, and growth.
#include "adapters/storage/record_index.hpp"

#include <catch2/catch.hpp>

#include <deque>
#include <string>

using so::adapters::record_hash;
using so::adapters::record_index;

namespace {

struct row {
  std::string id;
};

row* find(const record_index<row>& index, std::size_t hash, const std::string& id) {
  return index.find(hash, [&](const row& r) { return r.id == id; });
}

}  // namespace

TEST_CASE("record_index finds what was inserted and nothing else", "[record_index]") {
  std::deque<row> rows;
  record_index<row> index;
  CHECK(find(index, record_hash("a"), "a") == nullptr);  // empty: no slots yet
  for (int i = 0; i < 10'000; ++i) {
    rows.push_back(row{"id-" + std::to_string(i)});
    index.insert(record_hash(rows.back().id), &rows.back());
  }
  CHECK(index.size() == 10'000);
  for (int i = 0; i < 10'000; i += 997) {
    const auto id = "id-" + std::to_string(i);
    auto* hit = find(index, record_hash(id), id);
    REQUIRE(hit != nullptr);
    CHECK(hit->id == id);
  }
  CHECK(find(index, record_hash("id-10000"), "id-10000") == nullptr);
}

TEST_CASE("record_index tells records with the same hash apart by the predicate",
          "[record_index]") {
  std::deque<row> rows{{"x"}, {"y"}, {"z"}};
  record_index<row> index;
  for (auto& r : rows) index.insert(42, &r);  // one probe run
  CHECK(find(index, 42, "x") == &rows[0]);
  CHECK(find(index, 42, "z") == &rows[2]);
  CHECK(find(index, 42, "w") == nullptr);
}

TEST_CASE("record_index probe runs wrap around the end of the array", "[record_index]") {
  std::deque<row> rows;
  record_index<row> index;
  // Home slots 15 and 0 of shard 0's first 16-slot table: the runs cross the end.
  const std::size_t hashes[] = {15, 15, 0, 15, 1, 0};
  for (std::size_t i = 0; i < 6; ++i) {
    rows.push_back(row{"r" + std::to_string(i)});
    index.insert(hashes[i], &rows.back());
  }
  for (std::size_t i = 0; i < 6; ++i) CHECK(find(index, hashes[i], rows[i].id) == &rows[i]);
  CHECK(find(index, 15, "absent") == nullptr);
  CHECK(find(index, 0, "absent") == nullptr);
}

TEST_CASE("record_index keeps hashes that differ only in their top bits apart", "[record_index]") {
  // The top bits pick the shard, the low bits the slot: the same slot in different
  // shards, and one shard grown well past its first table while the others stay empty.
  std::deque<row> rows;
  record_index<row> index;
  const std::size_t top = std::size_t{1} << (sizeof(std::size_t) * 8 - 1);
  for (std::size_t i = 0; i < 1000; ++i) {
    rows.push_back(row{"low-" + std::to_string(i)});
    index.insert(i, &rows.back());
    rows.push_back(row{"high-" + std::to_string(i)});
    index.insert(i | top, &rows.back());
  }
  CHECK(index.size() == 2000);
  for (std::size_t i = 0; i < 1000; i += 111) {
    CHECK(find(index, i, "low-" + std::to_string(i)) == &rows[2 * i]);
    CHECK(find(index, i | top, "high-" + std::to_string(i)) == &rows[2 * i + 1]);
    CHECK(find(index, i, "high-" + std::to_string(i)) == nullptr);
  }
}
