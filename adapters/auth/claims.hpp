// adapters/auth/claims.hpp — a verified claims object → principal (admin-auth.md
// §1.6, §9 `email`).
//
// Order of checks (§1.6): the claim types first (a missing `sub`, a non-string
// claim, `groups` null or not an array of strings → invalid token), then `role`
// (absent, null or unknown → missing role), then the org (`org` when present and
// non-null, else `org_id`; neither → invalid token). `user` maps to basic. A blank
// `email` is dropped. Unknown claims are ignored.
// Thread-safety: pure functions.
#pragma once

#include "adapters/auth/authenticator.hpp"

#include <rapidjson/document.h>

#include <string_view>

namespace so::adapters::auth {

/// Maps a claims object; the result is `authenticated`, `invalid_token` or
/// `missing_role`. Never reads `exp`/`nbf`/`iss`/`aud` (the JWT verifier did).
auth_result principal_from_claims(const rapidjson::Value& claims);

/// Parses `json` first: not a JSON object → invalid token.
auth_result principal_from_claims_json(std::string_view json);

}  // namespace so::adapters::auth
