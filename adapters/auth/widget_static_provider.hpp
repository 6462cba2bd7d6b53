// adapters/auth/widget_static_provider.hpp — embed policies from a fixed map
// (admin-auth.md §4.2 "Static"), e.g. loaded from SMOOTH_AGENT_WIDGET_POLICIES_FILE.
//
// The file (and `parse_widget_policies`) is one JSON object:
//   {"<agentId>": {"allowed_origins": [...], "public_key": "...", "organization_id": "..."}, ...}
// each value a policy of adapters/auth/widget_policy.hpp (unknown fields ignored, missing
// ones defaulted). A file that cannot be read, is not such an object, or holds a malformed
// policy throws std::runtime_error naming the variable: the server refuses to start.
// Unknown agents → no policy. The map is immutable after construction: thread-safe.
#pragma once

#include "adapters/auth/widget_policy_provider.hpp"

#include <map>
#include <string>
#include <string_view>

namespace so::adapters::auth {

using widget_policy_map = std::map<std::string, widget_policy, std::less<>>;

/// The environment variable naming the policies file (in every error it throws).
inline constexpr const char* widget_policies_file_var = "SMOOTH_AGENT_WIDGET_POLICIES_FILE";

/// Parses the policies document; throws std::runtime_error (naming the variable, and
/// the agent id of a malformed policy) on bad input.
widget_policy_map parse_widget_policies(std::string_view json);

/// Reads and parses `path`; throws std::runtime_error naming the variable and the path.
widget_policy_map load_widget_policies_file(const std::string& path);

/// Answers inline from `policies`.
widget_policy_provider_ptr make_static_widget_provider(widget_policy_map policies);

}  // namespace so::adapters::auth
