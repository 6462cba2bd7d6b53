// adapters/auth/widget_policy_cache.cpp — see widget_policy_cache.hpp.
#include "adapters/auth/widget_policy_cache.hpp"

namespace so::adapters::auth {

namespace {

std::size_t cost_of(const std::string& agent_id, const widget_lookup& answer) {
  std::size_t n = widget_policy_cache::entry_overhead_bytes + agent_id.size();
  if (answer) {
    for (const auto& o : answer->allowed_origins) n += o.size() + sizeof(std::string);
    if (answer->public_key) n += answer->public_key->size();
    if (answer->organization_id) n += answer->organization_id->size();
  }
  return n;
}

}  // namespace

widget_policy_cache::widget_policy_cache(std::chrono::seconds ttl, std::size_t max_bytes)
    : ttl_(ttl), max_bytes_(max_bytes) {}

std::optional<widget_lookup> widget_policy_cache::get(const std::string& agent_id,
                                                      protocol::time_point now) {
  std::lock_guard lock(mu_);
  const auto it = by_agent_.find(agent_id);
  if (it == by_agent_.end()) return std::nullopt;
  const auto age = now - it->second->stored_at;
  if (age < protocol::time_point::duration::zero() || age >= ttl_) {
    erase(it->second);
    return std::nullopt;
  }
  return it->second->answer;
}

void widget_policy_cache::put(const std::string& agent_id, widget_lookup answer,
                              protocol::time_point now) {
  if (ttl_ <= std::chrono::seconds::zero()) return;  // TTL 0: no reuse, nothing stored
  const std::size_t cost = cost_of(agent_id, answer);
  std::lock_guard lock(mu_);
  if (const auto it = by_agent_.find(agent_id); it != by_agent_.end()) erase(it->second);
  if (cost > max_bytes_) return;
  while (bytes_ + cost > max_bytes_ && !entries_.empty()) erase(entries_.begin());
  entries_.push_back(entry{agent_id, std::move(answer), now, cost});
  by_agent_.emplace(agent_id, std::prev(entries_.end()));
  bytes_ += cost;
}

void widget_policy_cache::erase(order::iterator it) {
  bytes_ -= it->cost;
  by_agent_.erase(it->agent_id);
  entries_.erase(it);
}

std::size_t widget_policy_cache::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

std::size_t widget_policy_cache::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

}  // namespace so::adapters::auth
