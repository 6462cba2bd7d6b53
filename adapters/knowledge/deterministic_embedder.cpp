// adapters/knowledge/deterministic_embedder.cpp — see deterministic_embedder.hpp.
#include "adapters/knowledge/deterministic_embedder.hpp"

#include "protocol/utf8.hpp"

#include <cmath>
#include <stdexcept>

namespace so::adapters {

std::uint64_t fnv1a64(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;  // unsigned overflow: arithmetic mod 2^64
  }
  return h;
}

deterministic_embedder::deterministic_embedder(std::size_t dim) : dim_(dim) {
  if (dim_ == 0) throw std::invalid_argument("deterministic embedder: dimension must be >= 1");
  if (auto loc = find_utf8_locale()) {
    locale_ = *loc;
    facet_ = &std::use_facet<std::ctype<wchar_t>>(locale_);
  }
}

bool deterministic_embedder::is_alphanumeric(char32_t c) const {
  if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  if (facet_ == nullptr) return !is_unicode_whitespace(c);
  return facet_->is(std::ctype_base::alnum, static_cast<wchar_t>(c));
}

std::vector<std::string> deterministic_embedder::tokens(std::string_view text) const {
  const std::string lowered = lowercaser_.lower(text);
  std::vector<std::string> out;
  std::string current;
  for (std::size_t i = 0; i < lowered.size();) {
    const auto d = protocol::decode_utf8_at(lowered, i);
    const std::size_t length = d.length == 0 ? 1 : d.length;  // an invalid byte separates
    if (d.length != 0 && is_alphanumeric(d.code_point)) {
      current.append(lowered, i, length);
    } else if (!current.empty()) {
      out.push_back(std::move(current));
      current.clear();
    }
    i += length;
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

embedding deterministic_embedder::embed_one(std::string_view text) const {
  embedding v(dim_, 0.0f);
  for (const auto& token : tokens(text)) {
    const std::uint64_t h = fnv1a64(token);
    v[h % dim_] += (h & 1) ? -1.0f : 1.0f;
    v[(h >> 32) % dim_] += (h & 2) ? -1.0f : 1.0f;
  }
  float sum = 0.0f;  // f32, index order: the exact arithmetic of §5.1
  for (const float x : v) sum += x * x;
  const float norm = std::sqrt(sum);
  if (norm > 0.0f)
    for (float& x : v) x /= norm;
  return v;
}

std::vector<embedding> deterministic_embedder::embed(const std::vector<std::string>& texts,
                                                     input_type /*type: ignored, §5.1*/) const {
  std::vector<embedding> out;
  out.reserve(texts.size());
  for (const auto& t : texts) out.push_back(embed_one(t));
  return out;
}

}  // namespace so::adapters
