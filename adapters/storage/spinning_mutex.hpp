// adapters/storage/spinning_mutex.hpp — a mutex that spins briefly before it sleeps.
//
// Contract: a Lockable (lock / try_lock / unlock) with std::mutex's semantics. lock()
// first retries try_lock for a bounded number of rounds (a CPU pause between rounds),
// then blocks in std::mutex::lock.
//
// Why: the in-memory storage is called inline from every io thread, and its critical
// sections are a few index probes and row inserts (about a microsecond). With
// std::mutex, a thread that finds the lock taken sleeps in the kernel and the owner
// pays a futex wake-up on unlock: on this kind of virtual machine that costs more than
// the critical section (futex waits and wakes were ~5 % of a create's profile). The
// bound keeps a thread whose lock owner was preempted from burning its time slice.
// Measured alone, before the store's critical sections got short (record_index.hpp),
// spinning changed nothing; it was not measured separately after (docs/benchmarks.md).
//
// Thread-safety: as std::mutex. Not recursive.
#pragma once

#include <mutex>

namespace so::adapters {

class spinning_mutex {
 public:
  void lock() {
    for (int round = 0; round < kSpinRounds; ++round) {
      if (mutex_.try_lock()) return;
      relax();
    }
    mutex_.lock();
  }
  bool try_lock() { return mutex_.try_lock(); }
  void unlock() { mutex_.unlock(); }

 private:
  // About 1-3 µs of spinning on current x86 (PAUSE is 10-140 cycles).
  static constexpr int kSpinRounds = 64;

  static void relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
  }

  std::mutex mutex_;
};

}  // namespace so::adapters
