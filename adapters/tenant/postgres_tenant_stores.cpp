// adapters/tenant/postgres_tenant_stores.cpp — see postgres_tenant_stores.hpp.
#include "adapters/tenant/postgres_tenant_stores.hpp"

#include "adapters/storage/postgres_schema.hpp"
#include "adapters/tenant/postgres_connector_config_store.hpp"
#include "adapters/tenant/postgres_document_set_store.hpp"
#include "adapters/tenant/postgres_indexing_run_store.hpp"
#include "adapters/tenant/postgres_settings_store.hpp"

#include <algorithm>

namespace so::adapters::tenant {

postgres_tenant_stores make_postgres_tenant_stores(const std::string& conninfo,
                                                   postgres_tenant_options opts) {
  auto pool_opts = opts.pool;
  pool_opts.max_connections = std::max<std::size_t>(1, opts.max_connections);
  postgres_tenant_stores out;
  out.pool = std::make_shared<pg::pool>(conninfo, pool_opts);
  {
    auto c = out.pool->acquire();
    pg::migrate(*c);
  }
  out.connectors = std::make_shared<postgres_connector_config_store>(out.pool);
  postgres_settings_store::options so;
  so.clock = std::move(opts.clock);
  so.refresh_period = opts.settings_refresh;
  out.settings = std::make_shared<postgres_settings_store>(out.pool, std::move(so));
  out.indexing_runs = std::make_shared<postgres_indexing_run_store>(out.pool);
  out.document_sets = std::make_shared<postgres_document_set_store>(out.pool);
  return out;
}

}  // namespace so::adapters::tenant
