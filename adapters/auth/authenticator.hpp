// adapters/auth/authenticator.hpp — the credential-verification seam: one
// implementation per auth mode (admin-auth.md §1.1, §9: jwt, smoo, jwks, trusted,
// none, local-token, disabled), chosen once at boot.
//
// The same authenticator guards `/admin` (the `Authorization: Bearer` value) and
// `/ws` (the `?token=` value). Verification may need I/O (JWKS keys are fetched over
// the project's HTTP client), so it is asynchronous: `authenticate` never blocks,
// and calls `done` exactly once — inline when the answer is at hand (a static key),
// otherwise later on an I/O thread. Callers re-post `done` onto their own executor.
//
// Thread-safety: every member function may be called from any thread concurrently.
// Reasons in results never contain the credential (tokens are never logged).
#pragma once

#include "adapters/auth/principal.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace so::adapters::auth {

/// admin-auth.md §1.8: each outcome maps to one HTTP status and error code.
enum class auth_outcome {
  authenticated,    ///< `who` is set
  unauthenticated,  ///< no credential (absent or blank) → 401 UNAUTHENTICATED
  invalid_token,    ///< verification failed → 401 INVALID_TOKEN
  missing_role,     ///< role claim absent or unknown → 401 MISSING_ROLE
  misconfigured,    ///< the verifier cannot work → 500 AUTH_MISCONFIGURED
};

struct auth_result {
  auth_outcome outcome = auth_outcome::unauthenticated;
  std::optional<principal> who;  ///< set iff outcome == authenticated
  std::string reason;            ///< for people and logs; never the credential
};

class authenticator {
 public:
  virtual ~authenticator() = default;

  /// The verifier label of admin-auth.md §1.1 / §9 (`jwt`, `smoo`, `jwks`, `trusted`,
  /// `none`, `local-token`, `disabled`), for logs and `/admin/me` diagnostics.
  virtual std::string label() const = 0;

  /// Single-user modes (`none`, `local-token`, `disabled`): WS connections are
  /// unscoped (admin-auth.md §9 per-user scoping).
  virtual bool single_user() const = 0;

  /// Verifies `credential` (already extracted and trimmed; may be empty).
  virtual void authenticate(std::string credential,
                            std::function<void(auth_result)> done) const = 0;
};

using authenticator_ptr = std::shared_ptr<const authenticator>;

}  // namespace so::adapters::auth
