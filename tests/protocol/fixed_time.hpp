// tests/protocol/fixed_time.hpp — the one clock reading event builders get in these tests.
#pragma once

#include <cstdint>

namespace so::test {

/// 2025-06-24T13:00:00.123Z, in epoch milliseconds.
inline constexpr std::int64_t kNow = 1750770000123;

}  // namespace so::test
