// adapters/tenant/connector_config_store.hpp — per-org connector configurations
// (admin-auth.md §5.3): the records behind /admin/connectors.
//
// Every operation is keyed by org: another org's id reads as absent. `config` is
// free-form JSON kept as compact text and echoed verbatim; an `auth_ref` inside it
// is the *name* of a secret, never its value (nothing here resolves it).
// Thread-safety: implementations may block (PostgreSQL), so the server calls
// them off the io threads (the storage pool); every member may be called from any
// thread concurrently. Errors: implementations throw std::runtime_error.
#pragma once

#include "protocol/clock.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace so::adapters::tenant {

struct connector_config {
  std::string id;  ///< UUID v4
  std::string org_id;
  std::string name;
  std::string kind;                  ///< normalized: github | web | file
  std::string config_json = "null";  ///< compact JSON text, any value
  bool enabled = true;
  protocol::time_point created_at{};
  protocol::time_point updated_at{};
};

/// `kind` trimmed and ASCII-lowercased; ok when it is github, web or file.
struct kind_check {
  std::string normalized;
  bool ok = false;
};
kind_check normalize_connector_kind(std::string_view kind);

/// The kind's required config fields (github: owner, repo; web: url; file: path), in order.
std::vector<std::string> required_config_fields(const std::string& normalized_kind);

/// The `auth_ref` of a config (compact JSON text), trimmed; none when absent, not a
/// string, blank, or the config is not an object.
std::optional<std::string> auth_ref_of(std::string_view config_json);

class connector_config_store {
 public:
  virtual ~connector_config_store() = default;
  /// The org's connectors, sorted by name then id.
  virtual std::vector<connector_config> list(const std::string& org) = 0;
  /// None for an unknown id or another org's.
  virtual std::optional<connector_config> get(const std::string& org, const std::string& id) = 0;
  /// Insert or replace, keyed by (org, id).
  virtual void upsert(const connector_config& c) = 0;
  /// Whether a row of that org was removed.
  virtual bool remove(const std::string& org, const std::string& id) = 0;
};

using connector_config_store_ptr = std::shared_ptr<connector_config_store>;

/// In memory (the default): one mutex, never blocks beyond it.
class memory_connector_config_store final : public connector_config_store {
 public:
  std::vector<connector_config> list(const std::string& org) override;
  std::optional<connector_config> get(const std::string& org, const std::string& id) override;
  void upsert(const connector_config& c) override;
  bool remove(const std::string& org, const std::string& id) override;

 private:
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, connector_config> rows_;  // (org, id)
};

}  // namespace so::adapters::tenant
