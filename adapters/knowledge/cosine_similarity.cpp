// adapters/knowledge/cosine_similarity.cpp — see cosine_similarity.hpp.
#include "adapters/knowledge/cosine_similarity.hpp"

#include <cmath>

namespace so::adapters {

float cosine_similarity(std::span<const float> a, std::span<const float> b) {
  if (a.empty() || a.size() != b.size()) return 0.0f;
  float dot = 0.0f;
  float norm_a = 0.0f;
  float norm_b = 0.0f;
  for (std::size_t i = 0; i < a.size(); ++i) {
    dot += a[i] * b[i];
    norm_a += a[i] * a[i];
    norm_b += b[i] * b[i];
  }
  if (norm_a == 0.0f || norm_b == 0.0f) return 0.0f;
  const float out = dot / (std::sqrt(norm_a) * std::sqrt(norm_b));
  return std::isfinite(out) ? out : 0.0f;
}

}  // namespace so::adapters
