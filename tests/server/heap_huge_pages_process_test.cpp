// The server binary re-executes itself with huge-page heaps (net/heap_huge_pages.hpp):
// its heaps are advised MADV_HUGEPAGE ("hg" in /proc/<pid>/smaps), it answers on the
// same pid, and SMOOTH_AGENT_MALLOC_HUGE_PAGES=0 or an operator's own
// glibc.malloc.hugetlb leaves the heaps alone.
#include "tests/support/harness/server_process.hpp"

#include <catch2/catch.hpp>

#include <cctype>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

using so::test::server_process;
using env_map = std::map<std::string, std::string>;

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;  // the binary under test skips the re-exec
#else
constexpr bool kSanitized = false;
#endif

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

/// "start-end perms offset dev inode [path]" (the other lines are "Name: value").
bool is_mapping_header(const std::string& line) {
  const auto range = line.substr(0, line.find(' '));
  const auto dash = range.find('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == range.size()) return false;
  for (std::size_t i = 0; i < range.size(); ++i)
    if (i != dash && !std::isxdigit(static_cast<unsigned char>(range[i]))) return false;
  return true;
}

/// Whether a private anonymous mapping of `pid` (glibc's heaps) is advised MADV_HUGEPAGE.
bool heap_advised_huge(pid_t pid) {
  std::istringstream smaps(read_file("/proc/" + std::to_string(pid) + "/smaps"));
  std::string line;
  bool anonymous = false;
  while (std::getline(smaps, line)) {
    if (line.rfind("VmFlags:", 0) == 0) {
      if (anonymous && (line + " ").find(" hg ") != std::string::npos) return true;
    } else if (is_mapping_header(line)) {
      // "start-end perms offset dev inode [path]": [heap] or no path at all.
      std::istringstream fields(line);
      std::string range, perms, offset, dev, inode, path;
      fields >> range >> perms >> offset >> dev >> inode >> path;
      anonymous = perms == "rw-p" && (path.empty() || path == "[heap]");
    }
  }
  return false;
}

/// glibc advises MADV_HUGEPAGE only when the kernel's THP mode is "madvise" (with
/// "always" every heap is huge anyway, with "never" none is): the flag is checked there.
bool thp_mode_is_madvise() {
  return read_file("/sys/kernel/mm/transparent_hugepage/enabled").find("[madvise]") !=
         std::string::npos;
}

/// GLIBC_TUNABLES as the current image of `pid` was started with ("" when unset).
std::string started_tunables(pid_t pid) {
  const auto environ = read_file("/proc/" + std::to_string(pid) + "/environ");
  std::size_t at = 0;
  while (at < environ.size()) {
    const auto end = environ.find('\0', at);
    const auto entry = environ.substr(at, end - at);
    if (entry.rfind("GLIBC_TUNABLES=", 0) == 0) return entry.substr(15);
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return "";
}

/// Whether the environment the current image of `pid` was started with holds `text`.
/// glibc's tunable parser writes NULs over the ':' separators of GLIBC_TUNABLES in
/// place, so a second tunable reads as an entry of its own in /proc/<pid>/environ.
bool started_environment_holds(pid_t pid, const std::string& text) {
  return read_file("/proc/" + std::to_string(pid) + "/environ").find(text) != std::string::npos;
}

}  // namespace

TEST_CASE("the server binary runs with its heaps on huge pages by default",
          "[server][hugepages][process]") {
  server_process s(env_map{{"SMOOTH_AGENT_IO_THREADS", "1"}});
  if (kSanitized) {
    CHECK(started_tunables(s.pid()).find("glibc.malloc.hugetlb") == std::string::npos);
  } else {
    CHECK(started_tunables(s.pid()).find("glibc.malloc.hugetlb=1") != std::string::npos);
    CHECK(started_environment_holds(s.pid(), "glibc.malloc.tcache_count=200"));
    if (thp_mode_is_madvise()) CHECK(heap_advised_huge(s.pid()));
  }
  CHECK(s.terminate() == 0);  // the re-executed image drains and exits 0 on SIGTERM
}

TEST_CASE("SMOOTH_AGENT_MALLOC_HUGE_PAGES=0 keeps the kernel's default pages",
          "[server][hugepages][process]") {
  server_process s(
      env_map{{"SMOOTH_AGENT_IO_THREADS", "1"}, {"SMOOTH_AGENT_MALLOC_HUGE_PAGES", "0"}});
  CHECK(started_tunables(s.pid()).find("glibc.malloc.hugetlb") == std::string::npos);
  CHECK_FALSE(started_environment_holds(s.pid(), "glibc.malloc.tcache_count"));
  CHECK_FALSE(heap_advised_huge(s.pid()));
  CHECK(s.terminate() == 0);
}

TEST_CASE("an operator's own glibc.malloc.hugetlb is not overridden",
          "[server][hugepages][process]") {
  server_process s(
      env_map{{"SMOOTH_AGENT_IO_THREADS", "1"}, {"GLIBC_TUNABLES", "glibc.malloc.hugetlb=0"}});
  CHECK(started_tunables(s.pid()) == "glibc.malloc.hugetlb=0");
  CHECK_FALSE(heap_advised_huge(s.pid()));
  CHECK(s.terminate() == 0);
}

TEST_CASE("an invalid SMOOTH_AGENT_MALLOC_HUGE_PAGES stops the server with exit 2",
          "[server][hugepages][process]") {
  const auto r = so::test::run_expecting_boot_failure(
      {{"SMOOTH_AGENT_IO_THREADS", "1"}, {"SMOOTH_AGENT_MALLOC_HUGE_PAGES", "maybe"}});
  INFO(r.stderr_text);
  CHECK(r.exit_code == 2);
  CHECK(r.stderr_text.find("SMOOTH_AGENT_MALLOC_HUGE_PAGES") != std::string::npos);
}
