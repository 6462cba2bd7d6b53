// adapters/auth/fixed_principal_authenticators.hpp — the single-user modes
// (admin-auth.md §1.6, §9): `none` (dev Admin), `local-token` (one shared secret →
// Admin `local`/`local`) and `disabled` (every credential invalid).
//
// In all three a blank credential is `unauthenticated` (so `/admin` answers 401
// UNAUTHENTICATED and `/ws` stays anonymous without a token, §1.8/§1.9).
// Thread-safety: immutable; call from any thread. The local token is compared in
// constant time and never logged.
#pragma once

#include "adapters/auth/authenticator.hpp"

#include <string>

namespace so::adapters::auth {

/// The `none`-mode principal: `dev-admin`, org `dev_org`, admin, display name
/// "Dev Admin (AUTH_MODE=none)".
principal dev_admin_principal(std::string dev_org);

/// `none`: any non-blank credential → dev_admin_principal(dev_org).
authenticator_ptr make_dev_authenticator(std::string dev_org);

/// `local-token`: a credential equal to `token` → Admin `local` in org `local`.
authenticator_ptr make_local_token_authenticator(std::string token);

/// Implicit `disabled`: non-blank → invalid_token with the §1.6 message.
authenticator_ptr make_disabled_authenticator();

}  // namespace so::adapters::auth
