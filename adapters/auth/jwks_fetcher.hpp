// adapters/auth/jwks_fetcher.hpp — the seam through which the JWKS verifier gets
// the key set document (tests use a fake; production: http_jwks_fetcher.hpp).
//
// Contract: `fetch` never blocks and calls `done` exactly once, from any thread
// (production: an I/O thread), with the body of a 2xx response or an error text
// (never containing credentials). Thread-safety: `fetch` may be called from any
// thread; the JWKS verifier has at most one fetch in flight.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace so::adapters::auth {

struct jwks_fetch_result {
  std::optional<std::string> body;  ///< set on success
  std::string error;                ///< set on failure, e.g. "HTTP 500", "timeout"
};

class jwks_fetcher {
 public:
  virtual ~jwks_fetcher() = default;
  virtual void fetch(std::function<void(jwks_fetch_result)> done) = 0;
};

using jwks_fetcher_ptr = std::shared_ptr<jwks_fetcher>;

}  // namespace so::adapters::auth
