// adapters/auth/redact.hpp — scrubs credentials from URLs and request targets
// before they are logged (decisions.md "token in logs": never; admin-auth.md §7.2).
//
// Thread-safety: pure function.
#pragma once

#include <string>
#include <string_view>

namespace so::adapters::auth {

/// `url_or_target` with the value of every `token=` query parameter replaced by
/// `[redacted]` (the parameter name matched case-insensitively;
/// the fragment is left alone). "/ws?agent=a&token=abc" → "/ws?agent=a&token=[redacted]".
std::string redact_token(std::string_view url_or_target);

}  // namespace so::adapters::auth
