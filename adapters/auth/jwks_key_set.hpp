// adapters/auth/jwks_key_set.hpp — a parsed JWK Set (RFC 7517 §5) and the key
// choice rule of admin-auth.md §9: by `kid`; a token without `kid` needs a set
// holding exactly one usable key.
//
// Unusable entries (other key types, curves, `use`, or an `alg` that disagrees
// with the key type) are skipped, not fatal. Thread-safety: immutable after parse.
#pragma once

#include "adapters/auth/jwt_key.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace so::adapters::auth {

class jwks_key_set {
 public:
  /// nullopt when `json` is not an object with a `keys` array. At most
  /// `max_keys` entries are read (a bound on what a JWKS endpoint can make us hold).
  static std::optional<jwks_key_set> parse(std::string_view json, std::size_t max_keys = 64);

  /// The key for a token header's `kid` (nullopt = the header had none).
  const verification_key* find(const std::optional<std::string>& kid) const;

  std::size_t size() const { return keys_.size(); }

 private:
  struct entry {
    std::optional<std::string> kid;
    verification_key key;
  };
  std::vector<entry> keys_;
};

}  // namespace so::adapters::auth
