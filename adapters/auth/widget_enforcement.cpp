// adapters/auth/widget_enforcement.cpp — see widget_enforcement.hpp.
#include "adapters/auth/widget_enforcement.hpp"

#include "adapters/auth/widget_auth_context.hpp"
#include "adapters/auth/widget_origin.hpp"
#include "protocol/error_codes.hpp"

namespace so::adapters::auth {

namespace codes = protocol::codes;
namespace texts = protocol::texts;

widget_decision decide_widget_access(const widget_lookup& policy, bool strict,
                                     const widget_request& request, std::int64_t now_unix_secs) {
  widget_decision d;
  if (!policy) {
    if (strict) {
      d.code = codes::agent_not_authorized;
      d.message = texts::agent_not_authorized;
      return d;
    }
    d.allowed = true;
    return d;
  }
  if (!origin_allowed(policy->allowed_origins, effective_origin(request.origin))) {
    d.code = codes::origin_not_allowed;
    d.message = texts::origin_not_allowed;
    return d;
  }
  if (request.has_auth_context &&
      !verify_auth_context(request.auth_context_json, policy->public_key, now_unix_secs)) {
    d.code = codes::auth_context_invalid;
    d.message = texts::auth_context_invalid;
    return d;
  }
  d.allowed = true;
  d.organization_id = policy->organization_id;
  return d;
}

}  // namespace so::adapters::auth
