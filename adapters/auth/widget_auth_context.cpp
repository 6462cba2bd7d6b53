// adapters/auth/widget_auth_context.cpp — see widget_auth_context.hpp.
#include "adapters/auth/widget_auth_context.hpp"

#include "protocol/json.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>

namespace so::adapters::auth {

namespace {

using mac = std::array<unsigned char, 32>;  // SHA-256

std::optional<mac> hmac_sha256(std::string_view key, std::string_view message) {
  static constexpr unsigned char no_key = 0;  // HMAC() wants a non-null key even when empty
  mac out{};
  unsigned int len = 0;
  const void* k = key.empty() ? static_cast<const void*>(&no_key) : key.data();
  if (HMAC(EVP_sha256(), k, static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), out.data(),
           &len) == nullptr ||
      len != out.size())
    return std::nullopt;
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Exactly 64 hex digits (either case) → 32 bytes; anything else → nullopt.
std::optional<mac> decode_hex(std::string_view hex) {
  mac out{};
  if (hex.size() != out.size() * 2) return std::nullopt;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_digit(hex[2 * i]);
    const int lo = hex_digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return out;
}

std::string signed_message(std::string_view user_id, std::int64_t timestamp) {
  std::string m(user_id);
  m += ':';
  m += std::to_string(timestamp);  // decimal, no padding, '-' when negative
  return m;
}

/// |a − b| ≤ window without overflow for any pair of i64.
bool within_window(std::int64_t a, std::int64_t b) {
  const auto diff = static_cast<__int128>(a) - static_cast<__int128>(b);
  return diff <= auth_context_window_secs && diff >= -auth_context_window_secs;
}

}  // namespace

bool verify_auth_context(std::string_view auth_context_json,
                         const std::optional<std::string>& public_key, std::int64_t now_unix_secs) {
  if (!public_key) return false;
  rapidjson::Document doc;
  if (!protocol::parse_untrusted(doc, auth_context_json).ok || !doc.IsObject()) return false;
  const auto* user = protocol::get_member(doc, "userId");
  const auto* sig = protocol::get_member(doc, "signature");
  const auto* ts = protocol::get_member(doc, "timestamp");
  if (user == nullptr || !user->IsString() || sig == nullptr || !sig->IsString() || ts == nullptr ||
      !ts->IsInt64())  // IsInt64 is false for doubles and out-of-range integers
    return false;
  const std::int64_t timestamp = ts->GetInt64();
  if (!within_window(now_unix_secs, timestamp)) return false;
  const auto given = decode_hex({sig->GetString(), sig->GetStringLength()});
  if (!given) return false;
  const auto expected = hmac_sha256(
      *public_key, signed_message({user->GetString(), user->GetStringLength()}, timestamp));
  if (!expected) return false;
  return CRYPTO_memcmp(given->data(), expected->data(), expected->size()) == 0;
}

std::string sign_auth_context(std::string_view key, std::string_view user_id,
                              std::int64_t timestamp) {
  static constexpr char digits[] = "0123456789abcdef";
  const auto m = hmac_sha256(key, signed_message(user_id, timestamp));
  std::string hex;
  if (!m) return hex;
  hex.reserve(m->size() * 2);
  for (unsigned char b : *m) {
    hex += digits[b >> 4];
    hex += digits[b & 0x0f];
  }
  return hex;
}

}  // namespace so::adapters::auth
