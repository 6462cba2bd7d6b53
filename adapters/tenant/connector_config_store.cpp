// adapters/tenant/connector_config_store.cpp — see connector_config_store.hpp.
#include "adapters/tenant/connector_config_store.hpp"

#include "protocol/json.hpp"

#include <algorithm>
#include <cctype>

namespace so::adapters::tenant {

kind_check normalize_connector_kind(std::string_view kind) {
  const auto is_space = [](unsigned char c) { return std::isspace(c) != 0; };
  while (!kind.empty() && is_space(static_cast<unsigned char>(kind.front()))) kind.remove_prefix(1);
  while (!kind.empty() && is_space(static_cast<unsigned char>(kind.back()))) kind.remove_suffix(1);
  kind_check out;
  out.normalized.reserve(kind.size());
  for (unsigned char c : kind)
    out.normalized.push_back(c < 0x80 ? static_cast<char>(std::tolower(c)) : static_cast<char>(c));
  out.ok = out.normalized == "github" || out.normalized == "web" || out.normalized == "file";
  return out;
}

std::vector<std::string> required_config_fields(const std::string& kind) {
  if (kind == "github") return {"owner", "repo"};
  if (kind == "web") return {"url"};
  if (kind == "file") return {"path"};
  return {};
}

std::optional<std::string> auth_ref_of(std::string_view config_json) {
  rapidjson::Document d;
  if (!protocol::parse_untrusted(d, config_json).ok || !d.IsObject()) return std::nullopt;
  auto v = protocol::get_string(d, "auth_ref");
  if (!v) return std::nullopt;
  const auto first = v->find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return std::nullopt;
  const auto last = v->find_last_not_of(" \t\r\n");
  return v->substr(first, last - first + 1);
}

std::vector<connector_config> memory_connector_config_store::list(const std::string& org) {
  std::vector<connector_config> out;
  {
    std::lock_guard lock(mu_);
    for (auto it = rows_.lower_bound({org, std::string()});
         it != rows_.end() && it->first.first == org; ++it)
      out.push_back(it->second);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.name != b.name ? a.name < b.name : a.id < b.id;
  });
  return out;
}

std::optional<connector_config> memory_connector_config_store::get(const std::string& org,
                                                                   const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = rows_.find({org, id});
  if (it == rows_.end()) return std::nullopt;
  return it->second;
}

void memory_connector_config_store::upsert(const connector_config& c) {
  std::lock_guard lock(mu_);
  rows_[{c.org_id, c.id}] = c;
}

bool memory_connector_config_store::remove(const std::string& org, const std::string& id) {
  std::lock_guard lock(mu_);
  return rows_.erase({org, id}) > 0;
}

}  // namespace so::adapters::tenant
