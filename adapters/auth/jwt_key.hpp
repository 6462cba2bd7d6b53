// adapters/auth/jwt_key.hpp — one JWT verification key and the algorithm it pins
// (admin-auth.md §1.4; decisions.md: the algorithm is pinned by the key type).
//
// A key knows exactly one algorithm: an HMAC secret is HS256 only, an RSA key
// RS256 only, a P-256 key ES256 only. A token's `alg` is compared against it and
// never used to choose how to verify, so `none`, HS384 and "HS256 with the RSA
// public key as the secret" cannot pass. MAC comparison is constant-time.
// Key material is never logged or put into error text.
// Thread-safety: immutable after construction; `verify_signature` may run
// concurrently on one key from any thread (OpenSSL contexts are per call).
#pragma once

#include <rapidjson/document.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace so::adapters::auth {

enum class jwt_alg { hs256, rs256, es256 };

/// "HS256", "RS256", "ES256".
const char* jwt_alg_name(jwt_alg a);

class verification_key {
 public:
  /// HS256 over the raw bytes of `secret` (not base64-decoded; §1.2).
  static verification_key hs256(std::string secret);
  /// RS256 from PEM text: SPKI `PUBLIC KEY` or PKCS#1 `RSA PUBLIC KEY`. nullopt
  /// when the text is not an RSA public key.
  static std::optional<verification_key> rs256_from_pem(std::string_view pem);
  /// From one JWK (RFC 7517): `kty` RSA (`n`, `e`, >= 2048 bits) → RS256, `kty` EC `crv` P-256
  /// (`x`, `y`) → ES256. A JWK `alg` must agree with the key type (else nullopt);
  /// `use` other than `sig` → nullopt. `why` (if given) says what was wrong.
  static std::optional<verification_key> from_jwk(const rapidjson::Value& jwk,
                                                  std::string* why = nullptr);

  jwt_alg alg() const { return alg_; }

  /// True iff `signature` (the decoded third JWS segment) is this key's
  /// signature over `signing_input` (`header.payload` as sent).
  bool verify_signature(std::string_view signing_input, std::string_view signature) const;

 private:
  verification_key(jwt_alg alg, std::string secret, std::shared_ptr<evp_pkey_st> pkey)
      : alg_(alg), secret_(std::move(secret)), pkey_(std::move(pkey)) {}

  jwt_alg alg_;
  std::string secret_;                 ///< HS256 only
  std::shared_ptr<evp_pkey_st> pkey_;  ///< RS256 / ES256 only
};

}  // namespace so::adapters::auth
