// adapters/auth/widget_policy.hpp — one agent's embed policy (admin-auth.md §4.1) and
// its JSON form.
//
// JSON (snake_case, as the policy service and SMOOTH_AGENT_WIDGET_POLICIES_FILE write it):
//   {"allowed_origins": [string], "public_key": string|null, "organization_id": string|null}
// Unknown fields are ignored; a missing (or null) field takes its default, so `{}` is a
// valid policy that denies every origin. A wrong type (a number for `public_key`, a
// non-string origin, a body that is not an object) makes the whole policy malformed.
// Pure functions, no shared state: safe from any thread.
#pragma once

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace so::adapters::auth {

struct widget_policy {
  /// Origins that may embed the agent (admin-auth.md §4.5). Empty = deny all.
  std::vector<std::string> allowed_origins;
  /// The HMAC shared secret for `authContext` (§4.6), despite its name. Never logged.
  /// Unset: the agent does not support authContext, so any supplied one is rejected.
  std::optional<std::string> public_key;
  /// The org owning the agent: the first choice of session_org (§4.9).
  std::optional<std::string> organization_id;

  friend bool operator==(const widget_policy& a, const widget_policy& b) {
    return a.allowed_origins == b.allowed_origins && a.public_key == b.public_key &&
           a.organization_id == b.organization_id;
  }
};

/// A lookup's answer: a policy, or none ("nothing to enforce", or strict-mode denial).
using widget_lookup = std::optional<widget_policy>;

/// Reads a policy from a parsed JSON value; an error text (naming the field) when malformed.
std::variant<widget_policy, std::string> widget_policy_from_json(const rapidjson::Value& v);

/// Parses a policy document (UTF-8 validated, depth-limited); an error text when malformed.
std::variant<widget_policy, std::string> parse_widget_policy(std::string_view json);

}  // namespace so::adapters::auth
