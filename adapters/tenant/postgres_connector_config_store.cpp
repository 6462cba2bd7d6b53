// adapters/tenant/postgres_connector_config_store.cpp — see postgres_connector_config_store.hpp.
#include "adapters/tenant/postgres_connector_config_store.hpp"

#include "adapters/tenant/postgres_values.hpp"

namespace so::adapters::tenant {

namespace {

#define SO_CONNECTOR_COLS                                                                         \
  "id, org_id, name, kind, config::text, enabled, " SO_TENANT_US("created_at") ", " SO_TENANT_US( \
      "updated_at")

connector_config connector_at(const pg::result& r, int i) {
  connector_config c;
  c.id = r.text(i, 0);
  c.org_id = r.text(i, 1);
  c.name = r.text(i, 2);
  c.kind = r.text(i, 3);
  c.config_json = r.text(i, 4);
  c.enabled = r.text(i, 5) == "t";
  c.created_at = pgv::time_at(r, i, 6);
  c.updated_at = pgv::time_at(r, i, 7);
  return c;
}

}  // namespace

postgres_connector_config_store::postgres_connector_config_store(std::shared_ptr<pg::pool> pool)
    : pool_(std::move(pool)) {}

std::vector<connector_config> postgres_connector_config_store::list(const std::string& org) {
  auto c = pool_->acquire();
  auto r = c->exec("so_tenant_connector_list",
                   "SELECT " SO_CONNECTOR_COLS
                   " FROM connector_configs WHERE org_id = $1"
                   " ORDER BY name COLLATE \"C\", id COLLATE \"C\"",
                   {org}, "list connectors");
  std::vector<connector_config> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(connector_at(r, i));
  return out;
}

std::optional<connector_config> postgres_connector_config_store::get(const std::string& org,
                                                                     const std::string& id) {
  auto c = pool_->acquire();
  auto r =
      c->exec("so_tenant_connector_get",
              "SELECT " SO_CONNECTOR_COLS " FROM connector_configs WHERE org_id = $1 AND id = $2",
              {org, id}, "get connector");
  if (r.rows() == 0) return std::nullopt;
  return connector_at(r, 0);
}

void postgres_connector_config_store::upsert(const connector_config& cfg) {
  auto c = pool_->acquire();
  c->exec("so_tenant_connector_upsert",
          "INSERT INTO connector_configs"
          " (org_id, id, name, kind, config, enabled, created_at, updated_at)"
          " VALUES ($1, $2, $3, $4, $5::json, $6::boolean, " SO_TENANT_TS("$7") ", " SO_TENANT_TS(
              "$8") ")"
                    " ON CONFLICT (org_id, id) DO UPDATE SET name = excluded.name,"
                    " kind = excluded.kind, config = excluded.config, enabled = excluded.enabled,"
                    " created_at = excluded.created_at, updated_at = excluded.updated_at",
          {cfg.org_id, cfg.id, cfg.name, cfg.kind, cfg.config_json, cfg.enabled ? "true" : "false",
           pgv::micros(cfg.created_at), pgv::micros(cfg.updated_at)},
          "upsert connector");
}

bool postgres_connector_config_store::remove(const std::string& org, const std::string& id) {
  auto c = pool_->acquire();
  auto r = c->exec("so_tenant_connector_delete",
                   "DELETE FROM connector_configs WHERE org_id = $1 AND id = $2", {org, id},
                   "delete connector");
  return r.affected() > 0;
}

}  // namespace so::adapters::tenant
