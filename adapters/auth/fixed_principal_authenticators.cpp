// adapters/auth/fixed_principal_authenticators.cpp — see fixed_principal_authenticators.hpp.
#include "adapters/auth/fixed_principal_authenticators.hpp"

#include "adapters/auth/text.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <array>

namespace so::adapters::auth {

namespace {

auth_result no_credential() {
  return {auth_outcome::unauthenticated, std::nullopt, "no token"};
}

class dev_authenticator final : public authenticator {
 public:
  explicit dev_authenticator(std::string org) : who_(dev_admin_principal(std::move(org))) {}
  std::string label() const override { return "none"; }
  bool single_user() const override { return true; }
  void authenticate(std::string credential, std::function<void(auth_result)> done) const override {
    if (trim_ascii(credential).empty()) return done(no_credential());
    done({auth_outcome::authenticated, who_, {}});
  }

 private:
  principal who_;
};

/// SHA-256 of the bytes: comparing digests keeps the compare constant-time even
/// when the lengths differ (the length of the secret does not leak either).
std::array<unsigned char, SHA256_DIGEST_LENGTH> digest(std::string_view s) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> out{};
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), out.data());
  return out;
}

class local_token_authenticator final : public authenticator {
 public:
  explicit local_token_authenticator(std::string token) : want_(digest(token)) {}
  std::string label() const override { return "local-token"; }
  bool single_user() const override { return true; }
  void authenticate(std::string credential, std::function<void(auth_result)> done) const override {
    const auto given = trim_ascii(credential);
    if (given.empty()) return done(no_credential());
    const auto got = digest(given);
    if (CRYPTO_memcmp(got.data(), want_.data(), got.size()) != 0)
      return done(
          {auth_outcome::invalid_token, std::nullopt, "InvalidToken: local token mismatch"});
    principal p;
    p.user_id = "local";
    p.org_id = "local";
    p.user_role = role::admin;
    done({auth_outcome::authenticated, std::move(p), {}});
  }

 private:
  std::array<unsigned char, SHA256_DIGEST_LENGTH> want_;
};

class disabled_authenticator final : public authenticator {
 public:
  std::string label() const override { return "disabled"; }
  bool single_user() const override { return true; }
  void authenticate(std::string credential, std::function<void(auth_result)> done) const override {
    if (trim_ascii(credential).empty()) return done(no_credential());
    done({auth_outcome::invalid_token, std::nullopt,
          "admin API disabled: set AUTH_MODE=jwt|smoo + a key, or AUTH_MODE=none for dev"});
  }
};

}  // namespace

principal dev_admin_principal(std::string dev_org) {
  principal p;
  p.user_id = "dev-admin";
  p.org_id = std::move(dev_org);
  p.user_role = role::admin;
  p.display_name = "Dev Admin (AUTH_MODE=none)";
  return p;
}

authenticator_ptr make_dev_authenticator(std::string dev_org) {
  return std::make_shared<dev_authenticator>(std::move(dev_org));
}

authenticator_ptr make_local_token_authenticator(std::string token) {
  return std::make_shared<local_token_authenticator>(std::move(token));
}

authenticator_ptr make_disabled_authenticator() {
  return std::make_shared<disabled_authenticator>();
}

}  // namespace so::adapters::auth
