// adapters/auth/widget_policy_provider.hpp — the host seam "agentId → optional embed
// policy" (admin-auth.md §4.2), chosen once at boot.
//
// Three implementations: permissive (the default: no agent has a policy), static (an
// in-memory map, adapters/auth/widget_static_provider.hpp) and HTTP (a policy service
// with a TTL cache, adapters/auth/widget_http_provider.hpp). A lookup may need I/O, so
// it is asynchronous: `lookup` never blocks and calls `done` exactly once — inline when
// the answer is at hand, otherwise later on an I/O thread. `lookup_now` gives the answer
// only when it is at hand (no I/O), so a caller skips the asynchronous path for it.
// Callers that are actors re-deliver `done` as a message (actors/widget_policy_lookup.hpp).
//
// Thread-safety: every member function may be called from any thread concurrently.
#pragma once

#include "adapters/auth/widget_policy.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace so::adapters::auth {

class widget_policy_provider {
 public:
  virtual ~widget_policy_provider() = default;

  /// "permissive", "static" or "http" (logs).
  virtual std::string label() const = 0;

  /// The answer when it is at hand without I/O (permissive and static: always; HTTP: a
  /// fresh cache entry); nullopt when only `lookup` can tell.
  virtual std::optional<widget_lookup> lookup_now(const std::string& agent_id) const = 0;

  /// The policy of `agent_id`, or none. `done` runs exactly once.
  virtual void lookup(const std::string& agent_id,
                      std::function<void(widget_lookup)> done) const = 0;
};

using widget_policy_provider_ptr = std::shared_ptr<const widget_policy_provider>;

/// The default: no policy for any agent (nothing is enforced unless WIDGET_AUTH_STRICT).
widget_policy_provider_ptr make_permissive_widget_provider();

}  // namespace so::adapters::auth
