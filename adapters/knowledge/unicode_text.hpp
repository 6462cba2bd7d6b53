// adapters/knowledge/unicode_text.hpp — the Unicode pieces of the lexical knowledge
// base: whitespace (Rust `char::is_whitespace`), trimming, splitting, and full
// lower-casing (engine.md §7.2).
//
// Invalid UTF-8 never throws: each invalid byte is treated as an opaque
// non-whitespace character and copied through unchanged.
//
// Thread-safety: the free functions are pure. A `unicode_lowercaser` is
// immutable after construction and may be shared between threads.
#pragma once

#include <locale>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace so::adapters {

/// The C.UTF-8 locale (or an equivalent UTF-8 locale), for Unicode character
/// classes and case mappings; nullopt when none is installed.
std::optional<std::locale> find_utf8_locale();

/// The Unicode White_Space property (what Rust's `char::is_whitespace` tests).
bool is_unicode_whitespace(char32_t c);

/// `s` without leading and trailing Unicode whitespace.
std::string_view trim_unicode_whitespace(std::string_view s);

/// The non-empty runs of `s` between Unicode whitespace (Rust `split_whitespace`).
std::vector<std::string_view> split_unicode_whitespace(std::string_view s);

/// Full Unicode lower-casing (Rust `str::to_lowercase`): per-code-point
/// mappings from the C.UTF-8 locale's ctype<wchar_t> facet (never the global
/// locale), plus the two context/multi-character rules of SpecialCasing that
/// apply without a language tag: U+0130 → "i\u0307", and final sigma.
/// Partial: final sigma uses "the neighbouring code point is cased" rather than
/// the full case-ignorable scan, which only differs around apostrophes and
/// combining marks next to a capital sigma.
class unicode_lowercaser {
 public:
  /// Loads C.UTF-8 (or an equivalent UTF-8 locale). If none exists, falls back
  /// to ASCII-only lower-casing and logs a warning once.
  unicode_lowercaser();

  std::string lower(std::string_view s) const;

 private:
  char32_t lower_one(char32_t c) const;
  bool is_cased(char32_t c) const;

  std::locale locale_;
  const std::ctype<wchar_t>* facet_ = nullptr;  ///< null → ASCII fallback
};

}  // namespace so::adapters
