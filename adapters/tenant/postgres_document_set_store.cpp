// adapters/tenant/postgres_document_set_store.cpp — see postgres_document_set_store.hpp.
#include "adapters/tenant/postgres_document_set_store.hpp"

#include "adapters/tenant/postgres_values.hpp"

namespace so::adapters::tenant {

postgres_document_set_store::postgres_document_set_store(std::shared_ptr<pg::pool> pool)
    : pool_(std::move(pool)) {}

void postgres_document_set_store::record_document(const std::string& org, const std::string& name,
                                                  const std::string& document_id) {
  auto c = pool_->acquire();
  c->exec("so_tenant_docset_add",
          "INSERT INTO document_set_members (org_id, set_name, document_id) VALUES ($1, $2, $3)"
          " ON CONFLICT DO NOTHING",
          {org, name, document_id}, "record document set member");
}

std::vector<document_set_count> postgres_document_set_store::list(const std::string& org) {
  auto c = pool_->acquire();
  auto r = c->exec("so_tenant_docset_list",
                   "SELECT set_name, count(*) FROM document_set_members WHERE org_id = $1"
                   " GROUP BY set_name ORDER BY set_name COLLATE \"C\"",
                   {org}, "list document sets");
  std::vector<document_set_count> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back({r.text(i, 0), pgv::count_at(r, i, 1)});
  return out;
}

}  // namespace so::adapters::tenant
