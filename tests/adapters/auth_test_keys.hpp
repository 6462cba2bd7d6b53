// tests/adapters/auth_test_keys.hpp — test-only key material and token minting for
// the auth tests: keys are generated at test time with OpenSSL (never embedded,
// never from the network). Thread-safety: the cached keys are immutable.
#pragma once

#include "adapters/auth/base64url.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

namespace so::test::auth {

using pkey_ptr = std::shared_ptr<EVP_PKEY>;

inline pkey_ptr rsa_key() {
  return pkey_ptr(EVP_RSA_gen(2048), EVP_PKEY_free);
}
inline pkey_ptr ec_key() {
  return pkey_ptr(EVP_EC_gen("P-256"), EVP_PKEY_free);
}

/// Generated once per process (RSA generation takes ~0.1 s).
inline const pkey_ptr& rsa_a() {
  static const pkey_ptr k = rsa_key();
  return k;
}
inline const pkey_ptr& rsa_b() {
  static const pkey_ptr k = rsa_key();
  return k;
}
inline const pkey_ptr& ec_a() {
  static const pkey_ptr k = ec_key();
  return k;
}

/// SPKI "PUBLIC KEY" PEM.
inline std::string spki_pem(const pkey_ptr& k) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, k.get());
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return out;
}

/// PKCS#1 "RSA PUBLIC KEY" PEM.
inline std::string pkcs1_pem(const pkey_ptr& k) {
  unsigned char* data = nullptr;
  std::size_t len = 0;
  OSSL_ENCODER_CTX* ctx =
      OSSL_ENCODER_CTX_new_for_pkey(k.get(), EVP_PKEY_PUBLIC_KEY, "PEM", "type-specific", nullptr);
  if (!ctx || OSSL_ENCODER_to_data(ctx, &data, &len) != 1)
    throw std::runtime_error("PKCS#1 encode failed");
  OSSL_ENCODER_CTX_free(ctx);
  std::string out(reinterpret_cast<char*>(data), len);
  OPENSSL_free(data);
  return out;
}

inline std::string digest_sign(const pkey_ptr& k, const std::string& input) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t len = 0;
  EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, k.get());
  EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                 input.size());
  std::string sig(len, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  sig.resize(len);
  EVP_MD_CTX_free(ctx);
  return sig;
}

/// DER ECDSA signature → JWS raw r‖s (32 + 32 bytes).
inline std::string der_to_raw(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  std::string raw(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(raw.data()), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
  ECDSA_SIG_free(sig);
  return raw;
}

inline std::string hmac256(const std::string& secret, const std::string& input) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
  return std::string(reinterpret_cast<char*>(mac), len);
}

inline std::string b64(const std::string& s) {
  return adapters::auth::base64url_encode(s);
}

/// `header.payload.` — the signature appended by the caller.
inline std::string signing_input(const std::string& header_json, const std::string& payload_json) {
  return b64(header_json) + "." + b64(payload_json);
}

inline std::string hs256_token(const std::string& secret, const std::string& payload,
                               const std::string& header = R"({"alg":"HS256","typ":"JWT"})") {
  const auto in = signing_input(header, payload);
  return in + "." + b64(hmac256(secret, in));
}
inline std::string rs256_token(const pkey_ptr& k, const std::string& payload,
                               const std::string& header = R"({"alg":"RS256","typ":"JWT"})") {
  const auto in = signing_input(header, payload);
  return in + "." + b64(digest_sign(k, in));
}
inline std::string es256_token(const pkey_ptr& k, const std::string& payload,
                               const std::string& header) {
  const auto in = signing_input(header, payload);
  return in + "." + b64(der_to_raw(digest_sign(k, in)));
}

inline std::string bn_b64(const BIGNUM* bn) {
  std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  return b64(bytes);
}

/// `{"kty":"RSA","kid":…,"n":…,"e":…}` (plus `extra` members, e.g. `,"alg":"RS256"`).
inline std::string rsa_jwk(const pkey_ptr& k, const std::string& kid,
                           const std::string& extra = "") {
  BIGNUM* n = nullptr;
  BIGNUM* e = nullptr;
  EVP_PKEY_get_bn_param(k.get(), OSSL_PKEY_PARAM_RSA_N, &n);
  EVP_PKEY_get_bn_param(k.get(), OSSL_PKEY_PARAM_RSA_E, &e);
  std::string out = R"({"kty":"RSA")";
  if (!kid.empty()) out += R"(,"kid":")" + kid + "\"";
  out += R"(,"n":")" + bn_b64(n) + R"(","e":")" + bn_b64(e) + "\"" + extra + "}";
  BN_free(n);
  BN_free(e);
  return out;
}

/// `{"kty":"EC","crv":"P-256","kid":…,"x":…,"y":…}`.
inline std::string ec_jwk(const pkey_ptr& k, const std::string& kid,
                          const std::string& extra = "") {
  unsigned char pub[65];
  std::size_t len = 0;
  EVP_PKEY_get_octet_string_param(k.get(), OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub, &len);
  const std::string x(reinterpret_cast<char*>(pub) + 1, 32),
      y(reinterpret_cast<char*>(pub) + 33, 32);
  std::string out = R"({"kty":"EC","crv":"P-256")";
  if (!kid.empty()) out += R"(,"kid":")" + kid + "\"";
  out += R"(,"x":")" + b64(x) + R"(","y":")" + b64(y) + "\"" + extra + "}";
  return out;
}

/// Epoch seconds of a fixed test "now".
inline constexpr std::int64_t test_now = 1'800'000'000;
inline std::chrono::system_clock::time_point test_time() {
  return std::chrono::system_clock::time_point(std::chrono::seconds(test_now));
}

/// A claims payload with `exp` one hour after test_now and the given extra members.
inline std::string claims(const std::string& extra = R"("role":"admin","org":"acme")",
                          std::int64_t exp = test_now + 3600) {
  std::string out = R"({"sub":"u1","exp":)" + std::to_string(exp);
  if (!extra.empty()) out += "," + extra;
  return out + "}";
}

}  // namespace so::test::auth
