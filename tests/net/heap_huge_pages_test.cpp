// net/heap_huge_pages: the GLIBC_TUNABLES the re-exec asks for, and the environment the
// re-executed image gives back (the process itself is tested in
// tests/server/heap_huge_pages_process_test.cpp).
#include "net/heap_huge_pages.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <optional>
#include <string>

using so::net::heap_tunables_for;
using so::net::kReexecMarker;
using so::net::restore_environment_after_reexec;

namespace {

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::optional<std::string>(v) : std::nullopt;
}

/// Puts GLIBC_TUNABLES and the marker back as the test found them.
struct saved_environment {
  std::optional<std::string> tunables = env("GLIBC_TUNABLES");
  std::optional<std::string> marker = env(kReexecMarker);
  ~saved_environment() {
    put("GLIBC_TUNABLES", tunables);
    put(kReexecMarker, marker);
  }
  static void put(const char* name, const std::optional<std::string>& v) {
    if (v) {
      ::setenv(name, v->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
};

}  // namespace

TEST_CASE("heap huge pages: the tunable is added to what the operator set", "[hugepages]") {
  CHECK(heap_tunables_for(nullptr) == "glibc.malloc.hugetlb=1:glibc.malloc.tcache_count=200");
  CHECK(heap_tunables_for("") == "glibc.malloc.hugetlb=1:glibc.malloc.tcache_count=200");
  CHECK(heap_tunables_for("glibc.malloc.hugetlbx=3") ==
        "glibc.malloc.hugetlbx=3:glibc.malloc.hugetlb=1:glibc.malloc.tcache_count=200");
}

TEST_CASE("heap huge pages: an operator's own glibc.malloc.tcache_count stands", "[hugepages]") {
  CHECK(heap_tunables_for("glibc.malloc.tcache_count=10") ==
        "glibc.malloc.tcache_count=10:glibc.malloc.hugetlb=1");
  CHECK(heap_tunables_for("x.y=1:glibc.malloc.tcache_count=0") ==
        "x.y=1:glibc.malloc.tcache_count=0:glibc.malloc.hugetlb=1");
}

TEST_CASE("heap huge pages: an operator's own glibc.malloc.hugetlb stands", "[hugepages]") {
  CHECK_FALSE(heap_tunables_for("glibc.malloc.hugetlb=0"));
  CHECK_FALSE(heap_tunables_for("glibc.malloc.hugetlb=2"));
  CHECK_FALSE(heap_tunables_for("glibc.malloc.arena_max=2:glibc.malloc.hugetlb=0:x.y=1"));
}

TEST_CASE("heap huge pages: the re-executed image restores GLIBC_TUNABLES", "[hugepages]") {
  saved_environment saved;
  SECTION("without the marker nothing changes") {
    ::unsetenv(kReexecMarker);
    ::setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", 1);
    CHECK_FALSE(restore_environment_after_reexec());
    CHECK(env("GLIBC_TUNABLES") == "glibc.malloc.hugetlb=1");
  }
  SECTION("unset before: unset again") {
    ::setenv(kReexecMarker, "", 1);
    ::setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", 1);
    CHECK(restore_environment_after_reexec());
    CHECK_FALSE(env("GLIBC_TUNABLES"));
    CHECK_FALSE(env(kReexecMarker));
  }
  SECTION("set before: the operator's value again") {
    ::setenv(kReexecMarker, "=glibc.malloc.tcache_count=10", 1);
    ::setenv("GLIBC_TUNABLES", "glibc.malloc.tcache_count=10:glibc.malloc.hugetlb=1", 1);
    CHECK(restore_environment_after_reexec());
    CHECK(env("GLIBC_TUNABLES") == "glibc.malloc.tcache_count=10");
    CHECK_FALSE(env(kReexecMarker));
  }
  SECTION("set to empty before: empty again") {
    ::setenv(kReexecMarker, "=", 1);
    ::setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", 1);
    CHECK(restore_environment_after_reexec());
    CHECK(env("GLIBC_TUNABLES") == "");
  }
}
