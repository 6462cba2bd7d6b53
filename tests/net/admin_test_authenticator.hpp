// tests/net/admin_test_authenticator.hpp — a test double authenticator: a fixed map
// token → principal. Unknown tokens are invalid; the token "no-role" reports a
// missing role. With `async`, `done` runs on a thread of its own (as a JWKS fetch
// would), so callers' re-posting is exercised. Thread-safe (immutable).
#pragma once

#include "adapters/auth/authenticator.hpp"
#include "tests/support/auth/token_verdict.hpp"

#include <map>
#include <memory>
#include <string>
#include <thread>

namespace so::test {

class map_authenticator final : public adapters::auth::authenticator {
 public:
  explicit map_authenticator(std::map<std::string, adapters::auth::principal> tokens,
                             bool async = false)
      : tokens_(std::move(tokens)), async_(async) {}

  std::string label() const override { return "test-map"; }
  bool single_user() const override { return false; }

  void authenticate(std::string credential,
                    std::function<void(adapters::auth::auth_result)> done) const override {
    adapters::auth::auth_result r;
    if (credential == "no-role") {
      r.outcome = adapters::auth::auth_outcome::missing_role;
      r.reason = "no 'role' claim";
    } else {
      r = verdict_for(tokens_, credential);
    }
    if (!async_) return done(std::move(r));
    std::thread([done = std::move(done), r = std::move(r)]() mutable {
      done(std::move(r));
    }).detach();
  }

 private:
  std::map<std::string, adapters::auth::principal> tokens_;
  bool async_;
};

inline adapters::auth::principal make_principal(std::string user, std::string org,
                                                adapters::auth::role role) {
  adapters::auth::principal p;
  p.user_id = std::move(user);
  p.org_id = std::move(org);
  p.user_role = role;
  return p;
}

}  // namespace so::test
