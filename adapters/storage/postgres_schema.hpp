// adapters/storage/postgres_schema.hpp — the PostgreSQL schema as versioned migrations.
//
// The schema (storage-backplane.md §4.2) is built by an ordered list of migrations.
// A `schema_migrations` table records each applied version. `migrate`:
//  - takes a session advisory lock first, so two processes booting at once on an
//    empty database run the migrations one after the other, never both;
//  - refuses (storage_error naming both versions) a database whose highest applied
//    version is newer than the newest this binary knows: an old binary must not
//    write into a schema it does not understand;
//  - applies each missing migration once, in its own transaction together with
//    its `schema_migrations` row, so a failure leaves the previous version intact.
// Adding a table (e.g. the admin or identity stores) = appending a migration with
// the next version number; never edit a migration that has shipped.
//
// Thread-safety: plain functions over a connection the caller owns.
#pragma once

#include "adapters/storage/postgres_connection.hpp"

#include <string>
#include <vector>

namespace so::adapters::pg {

struct migration {
  int version;
  std::string name;
  std::vector<std::string> statements;  ///< run in order, in one transaction
};

/// The migrations this binary knows, in version order (1, 2, ...).
const std::vector<migration>& schema_migrations();

/// The highest version in `schema_migrations()`.
int latest_schema_version();

/// Brings the database to `latest_schema_version()` (see the header comment).
/// Returns the number of migrations applied (0 when already current).
/// Throws storage_error when the database is newer than the binary or a migration fails.
int migrate(connection& c);

/// As `migrate`, with an explicit migration list (tests).
int migrate(connection& c, const std::vector<migration>& migrations);

}  // namespace so::adapters::pg
