// protocol/ids.cpp — UUID v4 minting.
//
// Contract: each thread owns its engine (thread_local, never shared), so
// minting needs no locks and is safe from any thread.
#include "protocol/ids.hpp"

#include <array>
#include <cstdint>
#include <random>

namespace so::protocol {
namespace {

std::mt19937_64& thread_engine() {
  // Seed the whole 64-bit state space from the OS, not just one 32-bit word,
  // so ids minted by different threads/processes do not collide.
  thread_local std::mt19937_64 engine = [] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }();
  return engine;
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

std::string new_uuid_v4() {
  std::array<std::uint8_t, 16> bytes{};
  auto& engine = thread_engine();
  for (std::size_t i = 0; i < bytes.size(); i += 8) {
    std::uint64_t r = engine();
    for (std::size_t j = 0; j < 8; ++j) bytes[i + j] = static_cast<std::uint8_t>(r >> (8 * j));
  }
  bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0F) | 0x40);  // version 4
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3F) | 0x80);  // RFC 4122 variant

  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0x0F]);
  }
  return out;
}

bool looks_like_uuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool hyphen_slot = (i == 8 || i == 13 || i == 18 || i == 23);
    if (hyphen_slot ? s[i] != '-' : !is_hex(s[i])) return false;
  }
  return true;
}

}  // namespace so::protocol
