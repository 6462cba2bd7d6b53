// adapters/knowledge/cosine_similarity.hpp — cosine similarity of two embeddings
// (storage-backplane.md §5.1, "cosine_similarity").
//
// Thread-safety: pure function.
#pragma once

#include <span>

namespace so::adapters {

/// dot(a, b) ÷ (|a|·|b|), accumulated in f32 in index order. Returns 0 — never
/// NaN — for empty inputs, unequal lengths, or a zero norm.
float cosine_similarity(std::span<const float> a, std::span<const float> b);

}  // namespace so::adapters
