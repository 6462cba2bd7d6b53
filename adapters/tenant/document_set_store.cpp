// adapters/tenant/document_set_store.cpp — see document_set_store.hpp.
#include "adapters/tenant/document_set_store.hpp"

namespace so::adapters::tenant {

void memory_document_set_store::record_document(const std::string& org, const std::string& name,
                                                const std::string& document_id) {
  std::lock_guard lock(mu_);
  sets_[org][name].insert(document_id);
}

std::vector<document_set_count> memory_document_set_store::list(const std::string& org) {
  std::lock_guard lock(mu_);
  std::vector<document_set_count> out;
  auto it = sets_.find(org);
  if (it == sets_.end()) return out;
  for (const auto& [name, ids] : it->second) out.push_back({name, ids.size()});
  return out;
}

}  // namespace so::adapters::tenant
