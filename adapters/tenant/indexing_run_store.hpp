// adapters/tenant/indexing_run_store.hpp — indexing run records (admin-auth.md §5.5)
// and each org's list of connector names whose runs are listed (§5.6).
//
// Runs are keyed by the *scoped* connector key (`scoped_connector_key`), so two
// orgs with a connector named `docs` never share runs or cursors; API output
// always shows the plain name. The connector-name registry is org → names:
// adds are idempotent, never pruned, reads are sorted.
// Thread-safety: implementations may block (PostgreSQL), so the server calls
// them off the io threads; every member may be called from any thread concurrently.
#pragma once

#include "protocol/clock.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace so::adapters::tenant {

enum class run_status { running, succeeded, failed };
const char* run_status_name(run_status s);

struct indexing_run {
  std::string id;              ///< UUID
  std::string connector_name;  ///< the storage key (scoped_connector_key)
  run_status status = run_status::running;
  protocol::time_point started_at{};
  std::optional<protocol::time_point> finished_at;
  std::uint64_t documents_seen = 0;
  std::uint64_t chunks_indexed = 0;
  std::uint64_t documents_skipped = 0;
  std::optional<std::string> cursor;
  std::optional<std::string> error;
};

/// `IXCONN#` + org + U+0001 + name: the key runs and cursors are stored under.
std::string scoped_connector_key(const std::string& org, const std::string& name);

class indexing_run_store {
 public:
  virtual ~indexing_run_store() = default;
  /// Upsert by run id.
  virtual void record_run(const indexing_run& run) = 0;
  /// Runs of `key`, oldest first (by start time, then recording order).
  virtual std::vector<indexing_run> list_runs(const std::string& key) = 0;
  /// The maximum cursor over *succeeded* runs of `key` (failed runs never advance it).
  virtual std::optional<std::string> latest_cursor(const std::string& key) = 0;

  /// Records `name` in the org's connector-name registry (idempotent).
  virtual void record_connector_name(const std::string& org, const std::string& name) = 0;
  /// The org's recorded names, sorted.
  virtual std::vector<std::string> connector_names(const std::string& org) = 0;
};

using indexing_run_store_ptr = std::shared_ptr<indexing_run_store>;

/// In memory (the default).
class memory_indexing_run_store final : public indexing_run_store {
 public:
  void record_run(const indexing_run& run) override;
  std::vector<indexing_run> list_runs(const std::string& key) override;
  std::optional<std::string> latest_cursor(const std::string& key) override;
  void record_connector_name(const std::string& org, const std::string& name) override;
  std::vector<std::string> connector_names(const std::string& org) override;

 private:
  std::mutex mu_;
  std::map<std::string, std::vector<indexing_run>> runs_;  // key → runs in recording order
  std::map<std::string, std::set<std::string>> names_;     // org → names
};

}  // namespace so::adapters::tenant
