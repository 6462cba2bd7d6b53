// actor_home_table: pins never evict each other (actors/actor_home_table.hpp).
#include "actors/actor_home_table.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <thread>
#include <vector>

using so::actors::actor_home_table;

namespace {

// Distinct, aligned, never-dereferenced addresses (the table only hashes them).
const void* fake_actor(std::uintptr_t n) {
  return reinterpret_cast<const void*>(0x10000 + n * 64);
}

}  // namespace

TEST_CASE("a pinned actor is found on its slot and forgotten when erased", "[home]") {
  actor_home_table t{16};
  REQUIRE(t.find(fake_actor(1)) == actor_home_table::kNoSlot);
  REQUIRE(t.set(fake_actor(1), 3));
  REQUIRE(t.find(fake_actor(1)) == 3);
  REQUIRE(t.set(fake_actor(1), 0));  // pinned again: moves, no second entry
  REQUIRE(t.find(fake_actor(1)) == 0);
  t.erase(fake_actor(1));
  REQUIRE(t.find(fake_actor(1)) == actor_home_table::kNoSlot);
  REQUIRE_THROWS_AS(t.set(fake_actor(2), actor_home_table::kNoSlot), std::invalid_argument);
}

TEST_CASE("a full bucket leaves the newcomer unpinned and evicts nobody", "[home]") {
  actor_home_table t{1};  // one bucket: every address lands in it
  REQUIRE(t.capacity() == actor_home_table::kBucketEntries);
  for (std::uintptr_t i = 0; i < actor_home_table::kBucketEntries; ++i)
    REQUIRE(t.set(fake_actor(i), i % 2));
  REQUIRE_FALSE(t.set(fake_actor(100), 1));
  REQUIRE(t.overflows() == 1);
  REQUIRE(t.find(fake_actor(100)) == actor_home_table::kNoSlot);
  for (std::uintptr_t i = 0; i < actor_home_table::kBucketEntries; ++i)
    REQUIRE(t.find(fake_actor(i)) == i % 2);
  // Erasing an actor that is not there touches nobody; erasing one frees its place.
  t.erase(fake_actor(100));
  REQUIRE(t.find(fake_actor(0)) == 0);
  t.erase(fake_actor(0));
  REQUIRE(t.set(fake_actor(100), 1));
  REQUIRE(t.find(fake_actor(100)) == 1);
  REQUIRE(t.find(fake_actor(1)) == 1);
}

// The defect this table fixes: with one entry per hash, short-lived actors (a turn per
// message) overwrote the homes of long-lived ones (connections) as they churned.
TEST_CASE("churn of short-lived actors keeps the long-lived homes", "[home]") {
  actor_home_table t{1024};
  constexpr std::uintptr_t kLongLived = 1000;
  for (std::uintptr_t i = 0; i < kLongLived; ++i) REQUIRE(t.set(fake_actor(i), i % 2));
  for (std::uintptr_t n = 0; n < 200000; ++n) {
    const void* turn = fake_actor(kLongLived + n);
    t.set(turn, n % 2);
    t.erase(turn);
  }
  for (std::uintptr_t i = 0; i < kLongLived; ++i) REQUIRE(t.find(fake_actor(i)) == i % 2);
}

TEST_CASE("threads pinning and erasing at once lose no live home", "[home]") {
  actor_home_table t{64};
  constexpr std::uintptr_t kThreads = 4;
  constexpr std::uintptr_t kPerThread = 100;
  std::vector<std::vector<char>> pinned(kThreads, std::vector<char>(kPerThread, 0));
  std::vector<std::thread> threads;
  for (std::uintptr_t th = 0; th < kThreads; ++th) {
    threads.emplace_back([&t, &pinned, th] {
      const std::uintptr_t base = th * 1000000;
      for (std::uintptr_t i = 0; i < kPerThread; ++i)
        pinned[th][i] = t.set(fake_actor(base + i), th) ? 1 : 0;
      for (std::uintptr_t n = 0; n < 50000; ++n) {
        const void* turn = fake_actor(base + 500000 + n % 64);
        t.set(turn, th);
        t.erase(turn);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::size_t count = 0;
  for (std::uintptr_t th = 0; th < kThreads; ++th) {
    for (std::uintptr_t i = 0; i < kPerThread; ++i) {
      if (!pinned[th][i]) continue;
      ++count;
      REQUIRE(t.find(fake_actor(th * 1000000 + i)) == th);
    }
  }
  REQUIRE(count > kThreads * kPerThread / 2);  // 400 pins in 512 places: most fit
}
