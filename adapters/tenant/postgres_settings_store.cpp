// adapters/tenant/postgres_settings_store.cpp — see postgres_settings_store.hpp.
#include "adapters/tenant/postgres_settings_store.hpp"

#include "adapters/storage/storage.hpp"
#include "adapters/tenant/postgres_values.hpp"
#include "protocol/json.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <shared_mutex>
#include <unordered_map>

namespace so::adapters::tenant {

struct postgres_settings_store::snapshot {
  struct entry {
    std::optional<std::string> persona;
    std::uint64_t written_gen = 0;  ///< the local put that wrote it; 0 = loaded from the database
  };
  mutable std::shared_mutex mu;
  std::unordered_map<std::string, entry> by_org;
  std::uint64_t gen = 0;  ///< local puts applied so far
  std::uint64_t refreshes = 0;
};

namespace {

// A short shared lock over the snapshot, never I/O.
class snapshot_persona_view final : public llm::persona_source {
 public:
  explicit snapshot_persona_view(std::shared_ptr<const postgres_settings_store::snapshot> s)
      : s_(std::move(s)) {}
  std::optional<std::string> persona_for(const std::string& org) const override {
    std::shared_lock lock(s_->mu);
    auto it = s_->by_org.find(org);
    if (it == s_->by_org.end()) return std::nullopt;
    return it->second.persona;
  }

 private:
  std::shared_ptr<const postgres_settings_store::snapshot> s_;
};

std::string tools_json(const std::vector<std::string>& tools) {
  rapidjson::StringBuffer sb;
  protocol::json_writer w(sb);
  w.StartArray();
  for (const auto& t : tools) protocol::write_string(w, t);
  w.EndArray();
  return std::string(sb.GetString(), sb.GetSize());
}

std::vector<std::string> tools_at(const std::string& org, const std::string& json) {
  rapidjson::Document d;
  if (!protocol::parse_untrusted(d, json).ok || !d.IsArray())
    throw storage_error("agent settings of org '" + org + "': default_tools is not a JSON array");
  std::vector<std::string> out;
  for (const auto& v : d.GetArray()) {
    if (!v.IsString())
      throw storage_error("agent settings of org '" + org + "': default_tools holds a non-string");
    out.emplace_back(v.GetString(), v.GetStringLength());
  }
  return out;
}

}  // namespace

postgres_settings_store::postgres_settings_store(std::shared_ptr<pg::pool> pool, options opts)
    : pool_(std::move(pool)),
      clock_(opts.clock ? std::move(opts.clock) : std::make_shared<protocol::system_clock>()),
      period_(std::max(opts.refresh_period, std::chrono::milliseconds(1))),
      between_query_and_apply_(std::move(opts.between_reload_query_and_apply)),
      snapshot_(std::make_shared<snapshot>()) {
  refresh_now();  // a database we cannot read stops construction (and the boot)
  refresher_ = std::thread([this] { refresher_loop(); });
}

postgres_settings_store::~postgres_settings_store() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (refresher_.joinable()) refresher_.join();
}

agent_settings postgres_settings_store::get(const std::string& org) {
  auto c = pool_->acquire();
  auto r = c->exec("so_tenant_settings_get",
                   "SELECT model, system_prompt, persona, default_tools::text, " SO_TENANT_US(
                       "updated_at") " FROM agent_settings WHERE org_id = $1",
                   {org}, "get agent settings");
  agent_settings s;
  s.org_id = org;
  if (r.rows() == 0) {
    s.updated_at = clock_->now();
    return s;
  }
  s.model = r.text(0, 0);
  s.system_prompt = r.text(0, 1);
  s.persona = r.opt_text(0, 2);
  s.default_tools = tools_at(org, r.text(0, 3));
  s.updated_at = pgv::time_at(r, 0, 4);
  return s;
}

void postgres_settings_store::put(const agent_settings& s) {
  std::lock_guard order(put_mu_);
  {
    auto c = pool_->acquire();
    c->exec("so_tenant_settings_put",
            "INSERT INTO agent_settings"
            " (org_id, model, system_prompt, persona, default_tools, updated_at)"
            " VALUES ($1, $2, $3, $4, $5::json, " SO_TENANT_TS("$6") ")"
            " ON CONFLICT (org_id) DO UPDATE SET model = excluded.model,"
            " system_prompt = excluded.system_prompt, persona = excluded.persona,"
            " default_tools = excluded.default_tools, updated_at = excluded.updated_at",
            {s.org_id, s.model, s.system_prompt, s.persona, tools_json(s.default_tools),
             pgv::micros(s.updated_at)},
            "put agent settings");
  }
  // Committed: turns on this process see it at once.
  std::unique_lock lock(snapshot_->mu);
  const auto gen = ++snapshot_->gen;
  snapshot_->by_org[s.org_id] = snapshot::entry{s.persona, gen};
}

llm::persona_source_ptr postgres_settings_store::persona_view() const {
  return std::make_shared<snapshot_persona_view>(snapshot_);
}

void postgres_settings_store::refresh_now() {
  std::uint64_t started_at_gen = 0;
  {
    std::shared_lock lock(snapshot_->mu);
    started_at_gen = snapshot_->gen;
  }
  std::unordered_map<std::string, snapshot::entry> fresh;
  {
    auto c = pool_->acquire();
    auto r = c->exec("so_tenant_settings_personas", "SELECT org_id, persona FROM agent_settings",
                     {}, "load personas");
    fresh.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i)
      fresh.emplace(r.text(i, 0), snapshot::entry{r.opt_text(i, 1), 0});
  }
  if (between_query_and_apply_) between_query_and_apply_();
  std::unique_lock lock(snapshot_->mu);
  // A local put newer than this query's start may be missing from its rows: keep it.
  for (auto& [org, e] : snapshot_->by_org)
    if (e.written_gen > started_at_gen) fresh[org] = e;
  snapshot_->by_org.swap(fresh);
  ++snapshot_->refreshes;
}

std::uint64_t postgres_settings_store::refreshes() const {
  std::shared_lock lock(snapshot_->mu);
  return snapshot_->refreshes;
}

void postgres_settings_store::refresher_loop() {
  bool failing = false;
  std::unique_lock lock(stop_mu_);
  while (!stop_cv_.wait_for(lock, period_, [this] { return stopping_; })) {
    lock.unlock();
    try {
      refresh_now();
      if (failing) spdlog::info("agent settings: persona refresh works again");
      failing = false;
    } catch (const std::exception& e) {
      if (!failing)
        spdlog::warn("agent settings: persona refresh failed (keeping the last snapshot): {}",
                     e.what());
      failing = true;
    }
    lock.lock();
  }
}

}  // namespace so::adapters::tenant
