// actors/actor_home_table.cpp — see actor_home_table.hpp.
#include "actors/actor_home_table.hpp"

#include <stdexcept>

namespace so::actors {

namespace {

std::uint64_t address_bits(const void* actor) {
  return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(actor));
}

std::uint64_t pack(const void* actor, std::size_t slot) {
  return (address_bits(actor) << 8) | static_cast<std::uint64_t>(slot);
}

bool holds(std::uint64_t entry, const void* actor) {
  return entry != 0 && (entry >> 8) == address_bits(actor);
}

std::size_t round_up_pow2(std::size_t n) {
  std::size_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

}  // namespace

actor_home_table::actor_home_table(std::size_t buckets)
    : mask_(round_up_pow2(buckets == 0 ? 1 : buckets) - 1),
      buckets_(std::make_unique<bucket[]>(mask_ + 1)) {
  for (std::size_t b = 0; b <= mask_; ++b)
    for (auto& e : buckets_[b].entries) e.store(0, std::memory_order_relaxed);
}

std::size_t actor_home_table::hash(const void* actor) {
  auto h = address_bits(actor);
  h ^= h >> 29;
  h *= 0x9E3779B97F4A7C15ull;
  return static_cast<std::size_t>(h >> 33);
}

actor_home_table::bucket& actor_home_table::bucket_of(const void* actor) const {
  return buckets_[hash(actor) & mask_];
}

bool actor_home_table::set(const void* actor, std::size_t slot) {
  if (actor == nullptr || slot >= kNoSlot) throw std::invalid_argument("actor_home_table::set");
  auto& b = bucket_of(actor);
  const auto value = pack(actor, slot);
  for (auto& e : b.entries) {  // already pinned: move it
    auto v = e.load(std::memory_order_relaxed);
    if (holds(v, actor) && e.compare_exchange_strong(v, value, std::memory_order_relaxed))
      return true;
  }
  for (auto& e : b.entries) {  // else the first free place
    std::uint64_t expected = 0;
    if (e.load(std::memory_order_relaxed) == 0 &&
        e.compare_exchange_strong(expected, value, std::memory_order_relaxed))
      return true;
  }
  overflows_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

std::size_t actor_home_table::find(const void* actor) const {
  for (const auto& e : bucket_of(actor).entries) {
    const auto v = e.load(std::memory_order_relaxed);
    if (holds(v, actor)) return static_cast<std::size_t>(v & 0xFF);
  }
  return kNoSlot;
}

void actor_home_table::erase(const void* actor) {
  for (auto& e : bucket_of(actor).entries) {
    auto v = e.load(std::memory_order_relaxed);
    if (holds(v, actor)) e.compare_exchange_strong(v, 0, std::memory_order_relaxed);
  }
}

}  // namespace so::actors
