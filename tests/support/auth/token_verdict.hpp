// tests/support/auth/token_verdict.hpp — how the test-double authenticators answer a
// credential from a fixed token → principal map: a known token authenticates as its
// principal, any other is an invalid token. Test support only; pure.
#pragma once

#include "adapters/auth/authenticator.hpp"

#include <map>
#include <string>

namespace so::test {

inline adapters::auth::auth_result verdict_for(
    const std::map<std::string, adapters::auth::principal>& tokens, const std::string& credential) {
  adapters::auth::auth_result r;
  if (auto it = tokens.find(credential); it != tokens.end()) {
    r.outcome = adapters::auth::auth_outcome::authenticated;
    r.who = it->second;
  } else {
    r.outcome = adapters::auth::auth_outcome::invalid_token;
    r.reason = "InvalidSignature";
  }
  return r;
}

}  // namespace so::test
