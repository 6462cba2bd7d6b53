// adapters/tenant/settings_store.cpp — see settings_store.hpp.
#include "adapters/tenant/settings_store.hpp"

#include <functional>
#include <mutex>

namespace so::adapters::tenant {

memory_settings_store::memory_settings_store(protocol::clock_ptr clock)
    : clock_(clock ? std::move(clock) : std::make_shared<protocol::system_clock>()),
      rows_(std::make_shared<rows>()) {}

agent_settings memory_settings_store::get(const std::string& org) {
  {
    std::shared_lock lock(rows_->mu);
    auto it = rows_->by_org.find(org);
    if (it != rows_->by_org.end()) return it->second;
  }
  agent_settings d;
  d.org_id = org;
  d.updated_at = clock_->now();
  return d;
}

void memory_settings_store::put(const agent_settings& s) {
  std::unique_lock lock(rows_->mu);
  rows_->by_org[s.org_id] = s;
}

namespace {
// Reads the shared rows directly: a short shared lock, never I/O.
class memory_persona_view final : public llm::persona_source {
 public:
  template <class Rows>
  explicit memory_persona_view(std::shared_ptr<Rows> rows)
      : lookup_([rows](const std::string& org) -> std::optional<std::string> {
          std::shared_lock lock(rows->mu);
          auto it = rows->by_org.find(org);
          if (it == rows->by_org.end()) return std::nullopt;
          return it->second.persona;
        }) {}
  std::optional<std::string> persona_for(const std::string& org) const override {
    return lookup_(org);
  }

 private:
  std::function<std::optional<std::string>(const std::string&)> lookup_;
};
}  // namespace

llm::persona_source_ptr memory_settings_store::persona_view() const {
  return std::make_shared<memory_persona_view>(rows_);
}

}  // namespace so::adapters::tenant
