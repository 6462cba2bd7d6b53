// adapters/tenant/settings_store.hpp — per-org agent settings (admin-auth.md §5.2):
// the records behind /admin/settings, and the persona turns apply.
//
// `get` never fails for a missing row: it returns the defaults stamped with the
// org and `updatedAt = now`. `put` replaces the org's row whole.
// `persona_view()` is the non-blocking persona_source turns read (decisions.md:
// the session's org): it answers from memory kept current by `put` (and, on
// PostgreSQL, by a periodic reload: postgres_settings_store.hpp), so it may be
// called on an io thread.
// Thread-safety: `get`/`put` may block (PostgreSQL): the server calls them off
// the io threads. Every member may be called from any thread concurrently.
#pragma once

#include "adapters/llm/persona_source.hpp"
#include "protocol/clock.hpp"

#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

namespace so::adapters::tenant {

inline constexpr const char* default_settings_model = "gpt-4o-mini";
inline constexpr const char* default_system_prompt =
    "You are a helpful support assistant. Answer using the provided knowledge; cite sources and "
    "say you don't know when the knowledge doesn't cover the question.";

struct agent_settings {
  std::string org_id;
  std::string model = default_settings_model;
  std::string system_prompt = default_system_prompt;
  std::optional<std::string> persona;  ///< when set, replaces the whole system prompt of turns
  std::vector<std::string> default_tools;
  protocol::time_point updated_at{};
};

class settings_store {
 public:
  virtual ~settings_store() = default;
  /// The stored row, or the defaults for `org` with `updated_at` = now.
  virtual agent_settings get(const std::string& org) = 0;
  /// Upsert keyed by `s.org_id` (full replacement).
  virtual void put(const agent_settings& s) = 0;
  /// The org's persona without blocking (see the header comment). Lives as long as
  /// the store's data (it shares it).
  virtual llm::persona_source_ptr persona_view() const = 0;
};

using settings_store_ptr = std::shared_ptr<settings_store>;

/// In memory (the default).
class memory_settings_store final : public settings_store {
 public:
  explicit memory_settings_store(protocol::clock_ptr clock);
  agent_settings get(const std::string& org) override;
  void put(const agent_settings& s) override;
  llm::persona_source_ptr persona_view() const override;

 private:
  struct rows {
    mutable std::shared_mutex mu;
    std::map<std::string, agent_settings> by_org;
  };
  protocol::clock_ptr clock_;
  std::shared_ptr<rows> rows_;
};

/// `primary`'s persona for the org, else `fallback`'s (a host-installed default
/// persona applies when the org has none, admin-auth.md §9). Either may be null.
class fallback_persona_source final : public llm::persona_source {
 public:
  fallback_persona_source(llm::persona_source_ptr primary, llm::persona_source_ptr fallback)
      : primary_(std::move(primary)), fallback_(std::move(fallback)) {}
  std::optional<std::string> persona_for(const std::string& org) const override {
    if (primary_)
      if (auto p = primary_->persona_for(org)) return p;
    if (fallback_) return fallback_->persona_for(org);
    return std::nullopt;
  }

 private:
  llm::persona_source_ptr primary_;
  llm::persona_source_ptr fallback_;
};

}  // namespace so::adapters::tenant
