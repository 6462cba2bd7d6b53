// adapters/auth/claims.cpp — see claims.hpp.
#include "adapters/auth/claims.hpp"

#include "adapters/auth/text.hpp"

#include <optional>
#include <string>

namespace so::adapters::auth {

namespace {

auth_result invalid(std::string reason) {
  return {auth_outcome::invalid_token, std::nullopt, std::move(reason)};
}

/// A claim that, when present and non-null, must be a string.
/// Returns false on a wrong type; `out` stays empty when absent or null.
bool optional_string(const rapidjson::Value& obj, const char* name,
                     std::optional<std::string>& out) {
  const auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || it->value.IsNull()) return true;
  if (!it->value.IsString()) return false;
  out.emplace(it->value.GetString(), it->value.GetStringLength());
  return true;
}

}  // namespace

auth_result principal_from_claims(const rapidjson::Value& c) {
  if (!c.IsObject()) return invalid("InvalidClaims: not a JSON object");

  // ---- 1. shape (the reference deserializes the claim struct first) ----
  const auto sub = c.FindMember("sub");
  if (sub == c.MemberEnd() || !sub->value.IsString()) return invalid("MissingRequiredClaim: sub");
  std::optional<std::string> role_claim, org, org_id, name, email;
  if (!optional_string(c, "role", role_claim)) return invalid("InvalidClaims: role");
  if (!optional_string(c, "org", org)) return invalid("InvalidClaims: org");
  if (!optional_string(c, "org_id", org_id)) return invalid("InvalidClaims: org_id");
  if (!optional_string(c, "name", name)) return invalid("InvalidClaims: name");
  if (!optional_string(c, "email", email)) return invalid("InvalidClaims: email");
  std::vector<std::string> groups;
  if (const auto g = c.FindMember("groups"); g != c.MemberEnd()) {
    // Absent → []; null or any other type → invalid (§8.14).
    if (!g->value.IsArray()) return invalid("InvalidClaims: groups");
    for (const auto& item : g->value.GetArray()) {
      if (!item.IsString()) return invalid("InvalidClaims: groups");
      groups.emplace_back(item.GetString(), item.GetStringLength());
    }
  }

  // ---- 2. role ----
  if (!role_claim) return {auth_outcome::missing_role, std::nullopt, "no 'role' claim"};
  const auto r = lower_ascii(trim_ascii(*role_claim));
  role user_role;
  if (r == "admin")
    user_role = role::admin;
  else if (r == "curator")
    user_role = role::curator;
  else if (r == "basic" || r == "user")
    user_role = role::basic;
  else
    return {auth_outcome::missing_role, std::nullopt, "unknown role"};

  // ---- 3. org: `org` wins when present and non-null; "" is accepted as-is ----
  std::optional<std::string> org_value = org ? org : org_id;
  if (!org_value) return invalid("no 'org'/'org_id' claim");

  principal p;
  p.user_id.assign(sub->value.GetString(), sub->value.GetStringLength());
  p.org_id = std::move(*org_value);
  p.user_role = user_role;
  p.display_name = std::move(name);
  p.groups = std::move(groups);
  if (email && !trim_ascii(*email).empty()) p.email = std::move(email);
  return {auth_outcome::authenticated, std::move(p), {}};
}

auth_result principal_from_claims_json(std::string_view json) {
  rapidjson::Document d;
  d.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
  if (d.HasParseError() || !d.IsObject()) return invalid("InvalidClaims: not a JSON object");
  return principal_from_claims(d);
}

}  // namespace so::adapters::auth
