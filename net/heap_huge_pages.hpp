// net/heap_huge_pages.hpp — glibc's malloc heaps on transparent huge pages (and the
// deeper per-thread cache that goes with them).
//
// Why: on the virtual machines we measure on, one page fault costs 10–19 µs (a 4 GiB
// memset: ~19 s), and the in-memory store keeps every created session, so a
// create_conversation_session touches ~0.7 fresh pages: the faults were more than half
// of a create's CPU (docs/benchmarks.md). glibc advises its heaps MADV_HUGEPAGE (one
// fault maps 2 MiB) only when GLIBC_TUNABLES holds glibc.malloc.hugetlb=1, and reads
// that once, as the process starts. So the binary re-executes itself once with the
// tunable added (execv keeps the pid, the arguments and every open descriptor), and the
// new image puts GLIBC_TUNABLES back as the operator set it, so child processes (MCP
// stdio servers) inherit an unchanged environment.
//
// The same re-exec deepens glibc's per-thread cache (glibc.malloc.tcache_count=200, from
// 7) unless the operator set it: a chunk freed on another thread than the one that
// allocated it (a message crossing io threads) then goes to the freeing thread's cache
// instead of waiting on the owning arena's lock, which that arena's thread holds across
// a huge-page fault for milliseconds on these VMs. Creates at C=50: +14 %
// (docs/benchmarks.md, "a new VM, and creates again").
//
// Contract:
//   - Off with SMOOTH_AGENT_MALLOC_HUGE_PAGES=0 (or false). An invalid value does not stop
//     the re-exec; load_config then refuses it (exit 2), as for any variable we own.
//   - A GLIBC_TUNABLES that already names glibc.malloc.hugetlb is the operator's choice:
//     no re-exec.
//   - At most one re-exec: the marker variable says the image is the re-executed one.
//   - When execv fails, the environment is restored and the server starts on default pages.
//   - Sanitizer builds never re-exec (their allocator is not glibc's).
// Thread-safety: `reexec_with_heap_huge_pages` and `restore_environment_after_reexec`
// change the environment: call them first in main, before any thread starts.
#pragma once

#include <optional>
#include <string>

namespace so::net {

/// Set while the re-executed image starts: what GLIBC_TUNABLES was before ("" when it
/// was unset, "=" + value when it was set).
inline constexpr const char* kReexecMarker = "SMOOTH_AGENT_REEXEC_GLIBC_TUNABLES";

/// GLIBC_TUNABLES `current` (nullptr: unset) with glibc.malloc.hugetlb=1 appended, and
/// glibc.malloc.tcache_count=200 unless `current` sets it; nullopt when `current`
/// already sets glibc.malloc.hugetlb (the operator tunes malloc: nothing is added).
std::optional<std::string> heap_tunables_for(const char* current);

/// In the re-executed image: puts GLIBC_TUNABLES back as the marker recorded, removes the
/// marker, and returns true. Returns false (and changes nothing) without the marker.
bool restore_environment_after_reexec();

/// Called first in main. Re-executes the binary with huge-page heaps when that is wanted
/// and not yet done (see the contract above); returns when no re-exec happened.
void reexec_with_heap_huge_pages(char** argv);

}  // namespace so::net
