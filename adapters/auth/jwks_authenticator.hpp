// adapters/auth/jwks_authenticator.hpp — `jwt`/`smoo` with keys from a JWKS
// endpoint (admin-auth.md §9; label `jwks`).
//
// Key choice: by the token's `kid`; without `kid` the set must hold exactly one
// usable key. RS256 and ES256 keys; the key's type pins the algorithm. The
// claims rules are those of jwt_verifier.hpp (issuer/audience presence, nbf, …).
//
// Cache: a fetched set is used for `cache_ttl` (300 s). A token whose `kid` is
// not in a fresh set, or any token once the set is stale, triggers a refresh,
// but fetches start at most once per `min_refresh` (30 s); inside that window an
// unknown `kid` fails at once ("UnknownKid") and a stale/absent set fails
// ("JwksUnavailable"): fail closed, never a fetch storm. A failed refresh keeps a
// still-fresh set; a stale set is never used.
// Concurrency: one fetch at a time. Verifications arriving while it is in flight
// wait for that fetch (no second request); at most `max_waiters` (1024) wait, and
// one more is answered at once with invalid_token "JwksBusy". Waiters are answered
// on the thread that completes the fetch (an I/O thread in production).
// Thread-safety: `authenticate` may be called from any thread concurrently
// (state under one mutex, never held while verifying or calling back).
#pragma once

#include "adapters/auth/authenticator.hpp"
#include "adapters/auth/jwks_fetcher.hpp"
#include "adapters/auth/jwt_verifier.hpp"
#include "protocol/clock.hpp"

#include <chrono>
#include <cstddef>

namespace so::adapters::auth {

struct jwks_options {
  jwt_rules rules;
  std::chrono::seconds cache_ttl{300};
  std::chrono::seconds min_refresh{30};
  std::size_t max_waiters = 1024;
};

/// Counters for tests and diagnostics (fetches started, waiters refused at the bound).
struct jwks_stats {
  std::size_t fetches = 0;
  std::size_t busy_rejections = 0;
};

class jwks_authenticator : public authenticator {
 public:
  virtual jwks_stats stats() const = 0;
};

std::shared_ptr<const jwks_authenticator> make_jwks_authenticator(jwks_fetcher_ptr fetcher,
                                                                  jwks_options options,
                                                                  protocol::clock_ptr clock);

}  // namespace so::adapters::auth
