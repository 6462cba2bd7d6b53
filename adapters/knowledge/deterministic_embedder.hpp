// adapters/knowledge/deterministic_embedder.hpp — the default embedder: hashed token
// buckets, no I/O (storage-backplane.md §5.1, exact algorithm).
//
// embed(text), for a dimension `dim` (default 1024):
//  1. lower-case the whole text (full Unicode lower-casing, unicode_lowercaser);
//  2. split on every code point that is not alphanumeric; drop empty tokens;
//  3. per token h = FNV-1a 64 over its UTF-8 bytes (fnv1a64 below);
//  4. a = h mod dim, b = (h >> 32) mod dim; sa = −1 if bit 0 of h is set else +1,
//     sb = −1 if bit 1 is set else +1; v[a] += sa and v[b] += sb (both, even when
//     a = b);
//  5. in f32: norm = sqrt(Σ v[i]² in index order); when norm > 0 every v[i] /= norm.
//     A text without tokens is the zero vector.
// The input type is ignored: a document and a query of the same text embed alike.
//
// "Alphanumeric" is exact for ASCII ([0-9A-Za-z]). Beyond ASCII it is the
// C.UTF-8 locale's `alnum` class, which matches Unicode Alphabetic|Numeric for
// letters and decimal digits but (partial) counts superscripts and vulgar
// fractions (category No, e.g. "²", "½") as separators where the reference keeps
// them. Without a UTF-8 locale every non-ASCII, non-whitespace code point counts as
// alphanumeric. Bytes that are not valid UTF-8 separate tokens.
//
// Thread-safety: immutable after construction; `embed` may be called from any
// number of threads at once. It never blocks (CPU only).
#pragma once

#include "adapters/knowledge/embedder.hpp"
#include "adapters/knowledge/unicode_text.hpp"

#include <cstdint>
#include <locale>
#include <string>
#include <string_view>
#include <vector>

namespace so::adapters {

/// FNV-1a 64 over the bytes of `bytes`: offset basis 0xcbf29ce484222325, per byte
/// XOR then multiply by 0x100000001b3 (mod 2^64).
std::uint64_t fnv1a64(std::string_view bytes);

class deterministic_embedder final : public embedder {
 public:
  static constexpr std::size_t kDefaultDim = 1024;

  /// Throws std::invalid_argument when `dim` is 0.
  explicit deterministic_embedder(std::size_t dim = kDefaultDim);

  std::size_t dim() const override { return dim_; }
  std::vector<embedding> embed(const std::vector<std::string>& texts,
                               input_type type) const override;

  /// One text (what `embed` does per input).
  embedding embed_one(std::string_view text) const;
  /// Steps 1–2: the lower-cased alphanumeric tokens of `text`, in order.
  std::vector<std::string> tokens(std::string_view text) const;

 private:
  bool is_alphanumeric(char32_t c) const;

  std::size_t dim_;
  unicode_lowercaser lowercaser_;
  std::locale locale_;
  const std::ctype<wchar_t>* facet_ = nullptr;  ///< null → the no-locale rule above
};

}  // namespace so::adapters
