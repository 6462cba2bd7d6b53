// adapters/auth/widget_policy.cpp — see widget_policy.hpp.
#include "adapters/auth/widget_policy.hpp"

#include "protocol/json.hpp"

namespace so::adapters::auth {

namespace {

/// A string-or-null field: absent and null are the default (unset).
bool read_optional_string(const rapidjson::Value& v, const char* key,
                          std::optional<std::string>& out, std::string& error) {
  const auto* m = protocol::get_member(v, key);
  if (m == nullptr || m->IsNull()) return true;
  if (!m->IsString()) {
    error = std::string("'") + key + "' must be a string or null";
    return false;
  }
  out = std::string(m->GetString(), m->GetStringLength());
  return true;
}

}  // namespace

std::variant<widget_policy, std::string> widget_policy_from_json(const rapidjson::Value& v) {
  if (!v.IsObject()) return std::string("a policy must be a JSON object");
  widget_policy p;
  std::string error;
  if (const auto* o = protocol::get_member(v, "allowed_origins"); o != nullptr && !o->IsNull()) {
    if (!o->IsArray()) return std::string("'allowed_origins' must be an array of strings");
    p.allowed_origins.reserve(o->Size());
    for (const auto& e : o->GetArray()) {
      if (!e.IsString()) return std::string("'allowed_origins' must be an array of strings");
      p.allowed_origins.emplace_back(e.GetString(), e.GetStringLength());
    }
  }
  if (!read_optional_string(v, "public_key", p.public_key, error)) return error;
  if (!read_optional_string(v, "organization_id", p.organization_id, error)) return error;
  return p;
}

std::variant<widget_policy, std::string> parse_widget_policy(std::string_view json) {
  rapidjson::Document doc;
  if (auto r = protocol::parse_untrusted(doc, json); !r.ok) return "invalid JSON: " + r.error;
  return widget_policy_from_json(doc);
}

}  // namespace so::adapters::auth
