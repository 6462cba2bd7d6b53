// adapters/auth/jwks_key_set.cpp — see jwks_key_set.hpp.
#include "adapters/auth/jwks_key_set.hpp"

namespace so::adapters::auth {

std::optional<jwks_key_set> jwks_key_set::parse(std::string_view json, std::size_t max_keys) {
  rapidjson::Document d;
  d.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
  if (d.HasParseError() || !d.IsObject()) return std::nullopt;
  const auto keys = d.FindMember("keys");
  if (keys == d.MemberEnd() || !keys->value.IsArray()) return std::nullopt;
  jwks_key_set out;
  std::size_t seen = 0;
  for (const auto& jwk : keys->value.GetArray()) {
    if (++seen > max_keys) break;
    auto key = verification_key::from_jwk(jwk);
    if (!key) continue;
    std::optional<std::string> kid;
    if (auto k = jwk.FindMember("kid"); k != jwk.MemberEnd() && k->value.IsString())
      kid.emplace(k->value.GetString(), k->value.GetStringLength());
    out.keys_.push_back({std::move(kid), std::move(*key)});
  }
  return out;
}

const verification_key* jwks_key_set::find(const std::optional<std::string>& kid) const {
  if (!kid) return keys_.size() == 1 ? &keys_.front().key : nullptr;
  for (const auto& e : keys_)
    if (e.kid == kid) return &e.key;
  return nullptr;
}

}  // namespace so::adapters::auth
