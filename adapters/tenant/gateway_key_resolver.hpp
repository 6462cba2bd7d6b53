// adapters/tenant/gateway_key_resolver.hpp — the per-org LLM gateway key seam
// (admin-auth.md §5.1).
//
// `resolve(org)`: a key for that org overrides the server's key; none falls back to
// the env key `SMOOAI_GATEWAY_KEY`; with neither, `send_message` answers
// LLM_UNAVAILABLE (`resolve_gateway_key` below is that rule, in one place). Turns ask
// with the CONVERSATION's org. The resolved key goes to the LLM call and to the
// tools of the turn (tool_context::gateway_key); it is never logged.
// Implementations answer without blocking (they run on an io thread: cache what a
// secret store holds) and are thread-safe. The default covers no org, so every org
// uses the env key.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

namespace so::adapters::tenant {

class gateway_key_resolver {
 public:
  virtual ~gateway_key_resolver() = default;
  /// The key for `org`, or nullopt to use the env key. Never blocks.
  virtual std::optional<std::string> resolve(const std::string& org) const = 0;
};

using gateway_key_resolver_ptr = std::shared_ptr<const gateway_key_resolver>;

/// The default: no per-org keys (every org falls back to the env key).
class env_only_key_resolver final : public gateway_key_resolver {
 public:
  std::optional<std::string> resolve(const std::string&) const override { return std::nullopt; }
};

/// A fixed org → key map (boot configuration, tests). Immutable; an empty key counts
/// as none.
class static_key_resolver final : public gateway_key_resolver {
 public:
  explicit static_key_resolver(std::map<std::string, std::string> keys) : keys_(std::move(keys)) {}
  std::optional<std::string> resolve(const std::string& org) const override {
    auto it = keys_.find(org);
    if (it == keys_.end() || it->second.empty()) return std::nullopt;
    return it->second;
  }

 private:
  std::map<std::string, std::string> keys_;
};

/// The key a turn of a conversation in `org` uses: the resolver's (null resolver:
/// none), else `env_key` when set; nullopt = no key at all (LLM_UNAVAILABLE).
inline std::optional<std::string> resolve_gateway_key(const gateway_key_resolver* resolver,
                                                      const std::string& org,
                                                      const std::string& env_key) {
  if (resolver) {
    if (auto key = resolver->resolve(org); key && !key->empty()) return key;
  }
  if (!env_key.empty()) return env_key;
  return std::nullopt;
}

}  // namespace so::adapters::tenant
