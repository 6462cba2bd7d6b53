// adapters/auth/jwt_key.cpp — see jwt_key.hpp. OpenSSL 3 EVP APIs only.
#include "adapters/auth/jwt_key.hpp"

#include "adapters/auth/base64url.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>

#include <cstring>

namespace so::adapters::auth {

namespace {

std::shared_ptr<evp_pkey_st> own(EVP_PKEY* k) {
  return std::shared_ptr<evp_pkey_st>(k, EVP_PKEY_free);
}

struct bn_deleter {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using bn_ptr = std::unique_ptr<BIGNUM, bn_deleter>;

bool set_why(std::string* why, const char* text) {
  if (why) *why = text;
  return false;
}

std::optional<std::string> member_string(const rapidjson::Value& obj, const char* name) {
  const auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsString()) return std::nullopt;
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

/// EVP_PKEY_fromdata with a parameter list built by `fill`.
template <class Fill>
EVP_PKEY* key_from_params(const char* type, Fill fill) {
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  if (!bld) return nullptr;
  EVP_PKEY* key = nullptr;
  OSSL_PARAM* params = nullptr;
  EVP_PKEY_CTX* ctx = nullptr;
  if (fill(bld) && (params = OSSL_PARAM_BLD_to_param(bld)) &&
      (ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr)) && EVP_PKEY_fromdata_init(ctx) > 0)
    if (EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0) key = nullptr;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  return key;
}

std::shared_ptr<evp_pkey_st> rsa_from_jwk(const rapidjson::Value& jwk, std::string* why) {
  const auto n64 = member_string(jwk, "n");
  const auto e64 = member_string(jwk, "e");
  if (!n64 || !e64) return set_why(why, "RSA JWK without n/e"), nullptr;
  const auto n = base64url_decode_unpadded(*n64);
  const auto e = base64url_decode_unpadded(*e64);
  if (!n || !e || n->empty() || e->empty())
    return set_why(why, "RSA JWK n/e not base64url"), nullptr;
  bn_ptr bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()),
                        static_cast<int>(n->size()), nullptr));
  bn_ptr bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()),
                        static_cast<int>(e->size()), nullptr));
  if (!bn_n || !bn_e) return set_why(why, "RSA JWK n/e unusable"), nullptr;
  EVP_PKEY* k = key_from_params("RSA", [&](OSSL_PARAM_BLD* b) {
    return OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, bn_n.get()) &&
           OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, bn_e.get());
  });
  if (!k) return set_why(why, "RSA JWK rejected by OpenSSL"), nullptr;
  auto owned = own(k);
  // RFC 7518 §3.3: RS256 keys are at least 2048 bits; a key set is remote input.
  if (EVP_PKEY_get_bits(k) < 2048) return set_why(why, "RSA JWK shorter than 2048 bits"), nullptr;
  return owned;
}

std::shared_ptr<evp_pkey_st> p256_from_jwk(const rapidjson::Value& jwk, std::string* why) {
  if (member_string(jwk, "crv") != std::optional<std::string>("P-256"))
    return set_why(why, "EC JWK curve is not P-256"), nullptr;
  const auto x64 = member_string(jwk, "x");
  const auto y64 = member_string(jwk, "y");
  if (!x64 || !y64) return set_why(why, "EC JWK without x/y"), nullptr;
  const auto x = base64url_decode_unpadded(*x64);
  const auto y = base64url_decode_unpadded(*y64);
  if (!x || !y || x->size() != 32 || y->size() != 32)
    return set_why(why, "EC JWK x/y are not 32-byte base64url"), nullptr;
  std::string point = "\x04" + *x + *y;  // uncompressed SEC1 point
  EVP_PKEY* k = key_from_params("EC", [&](OSSL_PARAM_BLD* b) {
    return OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) &&
           OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  });
  // fromdata checks the point lies on the curve.
  if (!k) return set_why(why, "EC JWK point rejected by OpenSSL"), nullptr;
  return own(k);
}

/// JWS ES256 signatures are raw r‖s (RFC 7518 §3.4); OpenSSL verifies DER.
std::optional<std::string> es256_raw_to_der(std::string_view raw) {
  if (raw.size() != 64) return std::nullopt;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  if (!sig) return std::nullopt;
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr);
  if (!r || !s || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (len <= 0) return std::nullopt;
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

bool digest_verify_sha256(EVP_PKEY* key, std::string_view input, std::string_view sig) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (!ctx) return false;
  // RSA defaults to PKCS#1 v1.5 padding: exactly RS256.
  bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

}  // namespace

const char* jwt_alg_name(jwt_alg a) {
  switch (a) {
    case jwt_alg::hs256:
      return "HS256";
    case jwt_alg::rs256:
      return "RS256";
    case jwt_alg::es256:
      return "ES256";
  }
  return "?";
}

verification_key verification_key::hs256(std::string secret) {
  return verification_key(jwt_alg::hs256, std::move(secret), nullptr);
}

std::optional<verification_key> verification_key::rs256_from_pem(std::string_view pem) {
  EVP_PKEY* key = nullptr;
  // "RSA" with no structure: the decoder accepts SubjectPublicKeyInfo and PKCS#1.
  OSSL_DECODER_CTX* dctx = OSSL_DECODER_CTX_new_for_pkey(&key, "PEM", nullptr, "RSA",
                                                         EVP_PKEY_PUBLIC_KEY, nullptr, nullptr);
  if (!dctx) return std::nullopt;
  const auto* data = reinterpret_cast<const unsigned char*>(pem.data());
  std::size_t len = pem.size();
  const bool ok = OSSL_DECODER_from_data(dctx, &data, &len) == 1;
  OSSL_DECODER_CTX_free(dctx);
  if (!ok || !key) {
    EVP_PKEY_free(key);
    return std::nullopt;
  }
  auto owned = own(key);
  if (!EVP_PKEY_is_a(key, "RSA")) return std::nullopt;
  return verification_key(jwt_alg::rs256, {}, std::move(owned));
}

std::optional<verification_key> verification_key::from_jwk(const rapidjson::Value& jwk,
                                                           std::string* why) {
  if (!jwk.IsObject()) return set_why(why, "JWK is not an object"), std::nullopt;
  const auto kty = member_string(jwk, "kty");
  const auto alg = member_string(jwk, "alg");
  const auto use = member_string(jwk, "use");
  if (use && *use != "sig") return set_why(why, "JWK use is not sig"), std::nullopt;
  if (kty == std::optional<std::string>("RSA")) {
    if (alg && *alg != "RS256") return set_why(why, "RSA JWK alg is not RS256"), std::nullopt;
    auto k = rsa_from_jwk(jwk, why);
    if (!k) return std::nullopt;
    return verification_key(jwt_alg::rs256, {}, std::move(k));
  }
  if (kty == std::optional<std::string>("EC")) {
    if (alg && *alg != "ES256") return set_why(why, "EC JWK alg is not ES256"), std::nullopt;
    auto k = p256_from_jwk(jwk, why);
    if (!k) return std::nullopt;
    return verification_key(jwt_alg::es256, {}, std::move(k));
  }
  return set_why(why, "JWK kty is neither RSA nor EC"), std::nullopt;
}

bool verification_key::verify_signature(std::string_view input, std::string_view sig) const {
  switch (alg_) {
    case jwt_alg::hs256: {
      unsigned char mac[EVP_MAX_MD_SIZE];
      unsigned int mac_len = 0;
      if (!HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
                reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &mac_len))
        return false;
      // Length is public (always 32); the bytes are compared in constant time.
      return sig.size() == mac_len && CRYPTO_memcmp(mac, sig.data(), mac_len) == 0;
    }
    case jwt_alg::rs256:
      return digest_verify_sha256(pkey_.get(), input, sig);
    case jwt_alg::es256: {
      const auto der = es256_raw_to_der(sig);
      return der && digest_verify_sha256(pkey_.get(), input, *der);
    }
  }
  return false;
}

}  // namespace so::adapters::auth
