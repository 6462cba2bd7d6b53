// adapters/tenant/indexing_run_store.cpp — see indexing_run_store.hpp.
#include "adapters/tenant/indexing_run_store.hpp"

#include <algorithm>

namespace so::adapters::tenant {

const char* run_status_name(run_status s) {
  switch (s) {
    case run_status::running:
      return "running";
    case run_status::succeeded:
      return "succeeded";
    case run_status::failed:
      return "failed";
  }
  return "failed";
}

std::string scoped_connector_key(const std::string& org, const std::string& name) {
  return "IXCONN#" + org + '\x01' + name;
}

void memory_indexing_run_store::record_run(const indexing_run& run) {
  std::lock_guard lock(mu_);
  auto& runs = runs_[run.connector_name];
  auto it = std::find_if(runs.begin(), runs.end(), [&](const auto& r) { return r.id == run.id; });
  if (it != runs.end())
    *it = run;
  else
    runs.push_back(run);
}

std::vector<indexing_run> memory_indexing_run_store::list_runs(const std::string& key) {
  std::vector<indexing_run> out;
  {
    std::lock_guard lock(mu_);
    auto it = runs_.find(key);
    if (it != runs_.end()) out = it->second;
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.started_at < b.started_at; });
  return out;
}

std::optional<std::string> memory_indexing_run_store::latest_cursor(const std::string& key) {
  std::lock_guard lock(mu_);
  std::optional<std::string> best;
  auto it = runs_.find(key);
  if (it == runs_.end()) return best;
  for (const auto& r : it->second)
    if (r.status == run_status::succeeded && r.cursor && (!best || *r.cursor > *best))
      best = r.cursor;
  return best;
}

void memory_indexing_run_store::record_connector_name(const std::string& org,
                                                      const std::string& name) {
  std::lock_guard lock(mu_);
  names_[org].insert(name);
}

std::vector<std::string> memory_indexing_run_store::connector_names(const std::string& org) {
  std::lock_guard lock(mu_);
  auto it = names_.find(org);
  if (it == names_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

}  // namespace so::adapters::tenant
