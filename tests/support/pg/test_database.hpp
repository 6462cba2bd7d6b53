// tests/support/pg/test_database.hpp — a fresh PostgreSQL database per test.
//
// The tests read the server's URL from SMOOTH_AGENT_TEST_DATABASE_URL (.ci/run
// starts a throwaway server with scripts/pg and exports it). Each test creates its
// own database on that server (`fresh_database`), so tests run in parallel
// (ctest -j2) without seeing each other's rows; the database is dropped afterwards.
// Without the variable: under CI=true the test FAILS; locally it prints one line
// saying it was skipped and why (SO_PG_URL_OR_SKIP).
// Thread-safety: test-thread only.
#pragma once

#include "adapters/storage/postgres_connection.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>

namespace so::test::pg {

inline constexpr const char* url_variable = "SMOOTH_AGENT_TEST_DATABASE_URL";

/// What a `SELECT count(*) ...` returns.
inline std::int64_t count_of(adapters::pg::connection& c, const std::string& sql) {
  return c.exec_simple(sql, "count").int64(0, 0);
}

inline std::optional<std::string> server_url() {
  const char* v = std::getenv(url_variable);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

inline bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

/// `conninfo` (URL or key=value) pointing at database `db` instead.
inline std::string with_database(const std::string& conninfo, const std::string& db) {
  const auto scheme = conninfo.find("://");
  if (scheme == std::string::npos) return conninfo + " dbname=" + db;  // later keys win
  const auto slash = conninfo.find('/', scheme + 3);
  const auto query = conninfo.find('?', scheme + 3);
  const std::string head = conninfo.substr(0, std::min(slash, query));
  const std::string tail = query == std::string::npos ? "" : conninfo.substr(query);
  return head + "/" + db + tail;
}

/// A database created for one test and dropped when the object goes.
class fresh_database {
 public:
  explicit fresh_database(std::string server) : server_(std::move(server)) {
    std::random_device rd;
    std::mt19937_64 gen((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
    char buf[32];
    std::snprintf(buf, sizeof buf, "so_t_%016llx", static_cast<unsigned long long>(gen()));
    name_ = buf;  // generated here, never user input: safe to put in DDL
    adapters::pg::connection admin(server_);
    admin.exec_simple("CREATE DATABASE " + name_, "create test database");
  }
  fresh_database(const fresh_database&) = delete;
  fresh_database& operator=(const fresh_database&) = delete;
  ~fresh_database() {
    try {
      adapters::pg::connection admin(server_);
      admin.exec_simple("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)", "drop test database");
    } catch (...) {  // a throwaway server: leftovers die with it
    }
  }
  const std::string& name() const { return name_; }
  std::string url() const { return with_database(server_, name_); }

 private:
  std::string server_;
  std::string name_;
};

}  // namespace so::test::pg

/// Binds `var` to the test server's URL, or ends the test: a failure under CI=true,
/// one "skipped" line otherwise.
#define SO_PG_URL_OR_SKIP(var)                                                    \
  auto var##_opt = ::so::test::pg::server_url();                                  \
  if (!var##_opt) {                                                               \
    if (::so::test::pg::in_ci())                                                  \
      FAIL("CI=true but " << ::so::test::pg::url_variable << " is not set");      \
    std::printf("skipped (%s is not set; start one with scripts/pg start): %s\n", \
                ::so::test::pg::url_variable,                                     \
                Catch::getResultCapture().getCurrentTestName().c_str());          \
    return;                                                                       \
  }                                                                               \
  const std::string var = *var##_opt
