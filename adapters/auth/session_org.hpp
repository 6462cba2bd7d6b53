// adapters/auth/session_org.hpp — which organization a new session belongs to.
//
// The one place the derivation lives (protocol.md §3.2.3, admin-auth.md §4.9):
// the embed policy's organization, else the connection's verified principal
// org, else the seed org. Pure.
#pragma once

#include <optional>
#include <string>

namespace so::adapters::auth {

inline constexpr const char* seed_org = "reference-org";

inline std::string session_org(const std::optional<std::string>& widget_policy_org,
                               const std::optional<std::string>& principal_org) {
  if (widget_policy_org && !widget_policy_org->empty()) return *widget_policy_org;
  if (principal_org && !principal_org->empty()) return *principal_org;
  return seed_org;
}

}  // namespace so::adapters::auth
