// adapters/auth/trusted_authenticator.cpp — see trusted_authenticator.hpp.
#include "adapters/auth/trusted_authenticator.hpp"

#include "adapters/auth/base64url.hpp"
#include "adapters/auth/claims.hpp"
#include "adapters/auth/jwt_verifier.hpp"
#include "adapters/auth/text.hpp"

namespace so::adapters::auth {

namespace {

class trusted_authenticator final : public authenticator {
 public:
  std::string label() const override { return "trusted"; }
  bool single_user() const override { return false; }
  void authenticate(std::string credential, std::function<void(auth_result)> done) const override {
    done(decode_trusted_identity(credential));
  }
};

}  // namespace

auth_result decode_trusted_identity(std::string_view credential) {
  credential = trim_ascii(credential);
  if (credential.empty()) return {auth_outcome::unauthenticated, std::nullopt, "no token"};
  if (credential.size() > max_token_bytes)
    return {auth_outcome::invalid_token, std::nullopt, "InvalidToken: too long"};
  const auto bytes = base64url_decode_any(credential);
  if (!bytes) return {auth_outcome::invalid_token, std::nullopt, "InvalidToken: bad base64url"};
  return principal_from_claims_json(*bytes);
}

authenticator_ptr make_trusted_authenticator() {
  return std::make_shared<trusted_authenticator>();
}

}  // namespace so::adapters::auth
