// adapters/storage/postgres_connection.hpp — one libpq connection, used by one thread at a time.
//
// Wraps a PGconn: connect, run prepared statements (each SQL text is prepared once
// per connection, under a name the caller gives; parameters are always bound, never
// spliced into the SQL), and transactions. Errors become exceptions:
//  - a unique-key violation (SQLSTATE 23505) → storage_conflict;
//  - anything else → storage_error, whose text starts with what failed.
// After an error that lost the server (`broken()`), the connection must be thrown
// away; the owner (postgres_pool) reconnects.
//
// Thread-safety: none. One thread uses a connection at a time (the pool hands it out).
#pragma once

#include "adapters/storage/storage.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_set>
#include <vector>

struct pg_conn;
struct pg_result;

namespace so::adapters::pg {

/// One bound parameter: text, or SQL NULL.
using param = std::optional<std::string>;

/// A result set. Owns the PGresult. Values are text (the text protocol).
class result {
 public:
  result() = default;
  explicit result(pg_result* r) : r_(r) {}
  result(result&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  result& operator=(result&& o) noexcept;
  result(const result&) = delete;
  result& operator=(const result&) = delete;
  ~result();

  int rows() const;
  bool is_null(int row, int col) const;
  std::string text(int row, int col) const;
  std::optional<std::string> opt_text(int row, int col) const;
  std::int64_t int64(int row, int col) const;
  /// How many rows an INSERT/UPDATE/DELETE touched.
  std::int64_t affected() const;

 private:
  pg_result* r_ = nullptr;
};

class connection {
 public:
  /// Connects with `conninfo` (a postgresql:// URL or key=value pairs; libpq parses
  /// both and honours sslmode). Throws storage_error (with libpq's reason) on failure.
  explicit connection(const std::string& conninfo, int connect_timeout_s = 5);
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  ~connection();

  /// Runs `sql` as the prepared statement `name` (prepared on first use on this
  /// connection). `what` names the operation in error texts.
  result exec(const char* name, const char* sql, const std::vector<param>& params,
              const char* what);
  /// Runs a parameterless command (DDL, BEGIN/COMMIT) with the simple protocol.
  result exec_simple(const std::string& sql, const char* what);

  /// True when the server is gone (the socket failed): discard this connection.
  bool broken() const;
  /// For an idle connection: false when the server has closed it (or sent
  /// anything unsolicited, e.g. "terminating connection"). Never blocks.
  bool still_alive();
  /// The server process id serving this connection (for tests and logs).
  int backend_pid() const;

 private:
  result check(pg_result* r, const char* what, bool expect_rows);

  pg_conn* conn_ = nullptr;
  std::unordered_set<std::string> prepared_;
};

/// Runs `body` between BEGIN and COMMIT; rolls back and rethrows if it throws.
template <class Body>
auto in_transaction(connection& c, Body&& body) -> decltype(body()) {
  c.exec_simple("BEGIN", "begin transaction");
  try {
    if constexpr (std::is_void_v<decltype(body())>) {
      body();
      c.exec_simple("COMMIT", "commit");
    } else {
      auto out = body();
      c.exec_simple("COMMIT", "commit");
      return out;
    }
  } catch (...) {
    if (!c.broken()) {
      try {
        c.exec_simple("ROLLBACK", "rollback");
      } catch (...) {  // the original error is the one worth reporting
      }
    }
    throw;
  }
}

}  // namespace so::adapters::pg
