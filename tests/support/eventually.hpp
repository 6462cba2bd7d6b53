// tests/support/eventually.hpp — polls a condition until it holds or a deadline passes,
// for tests that observe counters another thread updates (no event to wait on).
//
// Thread-safety: runs `pred` on the calling thread only; `pred` must itself be safe to
// call while other threads work (atomics, locked reads).
#pragma once

#include <chrono>
#include <thread>

namespace so::test {

/// Polls `pred` every 2 ms until it holds (true) or `timeout` passes (false).
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

}  // namespace so::test
