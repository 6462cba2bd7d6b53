// adapters/tenant/postgres_indexing_run_store.cpp — see postgres_indexing_run_store.hpp.
#include "adapters/tenant/postgres_indexing_run_store.hpp"

#include "adapters/storage/storage.hpp"
#include "adapters/tenant/postgres_values.hpp"

namespace so::adapters::tenant {

namespace {

run_status status_at(const pg::result& r, int i, int col) {
  const auto s = r.text(i, col);
  if (s == "running") return run_status::running;
  if (s == "succeeded") return run_status::succeeded;
  if (s == "failed") return run_status::failed;
  throw storage_error("indexing run has an unknown status '" + s + "'");
}

}  // namespace

postgres_indexing_run_store::postgres_indexing_run_store(std::shared_ptr<pg::pool> pool)
    : pool_(std::move(pool)) {}

void postgres_indexing_run_store::record_run(const indexing_run& run) {
  auto c = pool_->acquire();
  c->exec("so_tenant_run_upsert",
          "INSERT INTO indexing_runs (connector_name, id, status, started_at, finished_at,"
          " documents_seen, chunks_indexed, documents_skipped, cursor, error)"
          " VALUES ($1, $2, $3, " SO_TENANT_TS("$4") ", " SO_TENANT_TS(
              "$5") ", $6::bigint, $7::bigint, $8::bigint, $9, $10)"
                    " ON CONFLICT (connector_name, id) DO UPDATE SET status = excluded.status,"
                    " started_at = excluded.started_at, finished_at = excluded.finished_at,"
                    " documents_seen = excluded.documents_seen,"
                    " chunks_indexed = excluded.chunks_indexed,"
                    " documents_skipped = excluded.documents_skipped,"
                    " cursor = excluded.cursor, error = excluded.error",
          {run.connector_name, run.id, std::string(run_status_name(run.status)),
           pgv::micros(run.started_at), pgv::opt_micros(run.finished_at),
           pgv::count(run.documents_seen), pgv::count(run.chunks_indexed),
           pgv::count(run.documents_skipped), run.cursor, run.error},
          "record indexing run");
}

std::vector<indexing_run> postgres_indexing_run_store::list_runs(const std::string& key) {
  auto c = pool_->acquire();
  auto r = c->exec("so_tenant_run_list",
                   "SELECT id, connector_name, status, " SO_TENANT_US("started_at") ", " SO_TENANT_US(
                       "finished_at") ", documents_seen, chunks_indexed, documents_skipped,"
                                      " cursor, error FROM indexing_runs"
                                      " WHERE connector_name = $1 ORDER BY started_at, recorded_seq",
                   {key}, "list indexing runs");
  std::vector<indexing_run> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    indexing_run run;
    run.id = r.text(i, 0);
    run.connector_name = r.text(i, 1);
    run.status = status_at(r, i, 2);
    run.started_at = pgv::time_at(r, i, 3);
    run.finished_at = pgv::opt_time_at(r, i, 4);
    run.documents_seen = pgv::count_at(r, i, 5);
    run.chunks_indexed = pgv::count_at(r, i, 6);
    run.documents_skipped = pgv::count_at(r, i, 7);
    run.cursor = r.opt_text(i, 8);
    run.error = r.opt_text(i, 9);
    out.push_back(std::move(run));
  }
  return out;
}

std::optional<std::string> postgres_indexing_run_store::latest_cursor(const std::string& key) {
  auto c = pool_->acquire();
  auto r = c->exec("so_tenant_run_cursor",
                   "SELECT max(cursor COLLATE \"C\") FROM indexing_runs"
                   " WHERE connector_name = $1 AND status = 'succeeded'",
                   {key}, "latest indexing cursor");
  if (r.rows() == 0) return std::nullopt;
  return r.opt_text(0, 0);
}

void postgres_indexing_run_store::record_connector_name(const std::string& org,
                                                        const std::string& name) {
  auto c = pool_->acquire();
  c->exec("so_tenant_name_add",
          "INSERT INTO indexing_connector_names (org_id, name) VALUES ($1, $2)"
          " ON CONFLICT DO NOTHING",
          {org, name}, "record connector name");
}

std::vector<std::string> postgres_indexing_run_store::connector_names(const std::string& org) {
  auto c = pool_->acquire();
  auto r = c->exec("so_tenant_name_list",
                   "SELECT name FROM indexing_connector_names WHERE org_id = $1"
                   " ORDER BY name COLLATE \"C\"",
                   {org}, "list connector names");
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.text(i, 0));
  return out;
}

}  // namespace so::adapters::tenant
