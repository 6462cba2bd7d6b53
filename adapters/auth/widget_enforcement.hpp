// adapters/auth/widget_enforcement.hpp — the embed-policy decision of
// create_conversation_session (admin-auth.md §4.4, protocol.md §3.2.2), first failing
// rule wins:
//   1. no policy, strict          → AGENT_NOT_AUTHORIZED
//   2. no policy, not strict      → allowed, no org
//   3. Origin not allowed         → ORIGIN_NOT_ALLOWED (a missing Origin is "")
//   4. authContext key present and it does not verify → AUTH_CONTEXT_INVALID
//   5. allowed; org = the policy's organization_id (may be none)
// Agents with a policy are enforced whether or not strict mode is on.
// Pure function: safe from any thread.
#pragma once

#include "adapters/auth/widget_policy.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace so::adapters::auth {

/// The request side of the decision.
struct widget_request {
  /// The handshake `Origin` header, if any (non-ASCII counts as missing).
  std::optional<std::string> origin;
  /// The frame had the key `authContext` (even with `null`): only then is it checked.
  bool has_auth_context = false;
  std::string auth_context_json;  ///< its value as JSON text
};

struct widget_decision {
  bool allowed = false;
  std::string_view code;     ///< the error code when refused (protocol/error_codes.hpp)
  std::string_view message;  ///< the fixed text of §4.4 when refused
  /// When allowed: the policy's org, the first input of session_org (§4.9).
  std::optional<std::string> organization_id;
};

widget_decision decide_widget_access(const widget_lookup& policy, bool strict,
                                     const widget_request& request, std::int64_t now_unix_secs);

}  // namespace so::adapters::auth
