// net/heap_huge_pages.cpp — see heap_huge_pages.hpp.
#include "net/heap_huge_pages.hpp"

#include "adapters/config/server_config.hpp"

#include <unistd.h>

#include <cstdlib>
#include <string_view>

namespace so::net {

namespace {

constexpr std::string_view kTunable = "glibc.malloc.hugetlb";
/// Rides along with the huge pages (see the header): each thread keeps up to 200 freed
/// chunks per size class instead of glibc's 7.
constexpr std::string_view kThreadCacheTunable = "glibc.malloc.tcache_count";
constexpr std::string_view kThreadCacheCount = "200";

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

/// Whether the colon-separated `tunables` set `name` (as `name=value`).
bool sets(std::string_view tunables, std::string_view name) {
  while (!tunables.empty()) {
    const auto colon = tunables.find(':');
    const auto item = tunables.substr(0, colon);
    if (item.size() > name.size() && item.substr(0, name.size()) == name &&
        item[name.size()] == '=')
      return true;
    if (colon == std::string_view::npos) break;
    tunables.remove_prefix(colon + 1);
  }
  return false;
}

}  // namespace

std::optional<std::string> heap_tunables_for(const char* current) {
  const std::string_view now = current ? current : "";
  if (sets(now, kTunable)) return std::nullopt;
  std::string out(now);
  auto add = [&out](std::string_view name, std::string_view value) {
    if (!out.empty()) out += ':';
    out.append(name).append("=").append(value);
  };
  add(kTunable, "1");
  if (!sets(now, kThreadCacheTunable)) add(kThreadCacheTunable, kThreadCacheCount);
  return out;
}

bool restore_environment_after_reexec() {
  const char* marker = std::getenv(kReexecMarker);
  if (marker == nullptr) return false;
  const std::string before = marker;  // copied: unsetenv frees it
  if (before.empty()) {
    ::unsetenv("GLIBC_TUNABLES");
  } else {
    ::setenv("GLIBC_TUNABLES", before.c_str() + 1, 1);  // after the leading '='
  }
  ::unsetenv(kReexecMarker);
  return true;
}

void reexec_with_heap_huge_pages(char** argv) {
  if (restore_environment_after_reexec()) return;  // this is the re-executed image
  if constexpr (kSanitized) return;
  if (const char* flag = std::getenv("SMOOTH_AGENT_MALLOC_HUGE_PAGES")) {
    if (adapters::parse_flag(flag) == false) return;
  }
  const char* current = std::getenv("GLIBC_TUNABLES");
  const auto wanted = heap_tunables_for(current);
  if (!wanted) return;
  const std::string before = current ? "=" + std::string(current) : std::string();
  ::setenv(kReexecMarker, before.c_str(), 1);
  ::setenv("GLIBC_TUNABLES", wanted->c_str(), 1);
  ::execv("/proc/self/exe", argv);
  // Still here: no /proc, or the binary is gone. Start as we are.
  restore_environment_after_reexec();
}

}  // namespace so::net
