// adapters/knowledge/unicode_text.cpp — see unicode_text.hpp.
#include "adapters/knowledge/unicode_text.hpp"

#include "protocol/utf8.hpp"

#include <spdlog/spdlog.h>

#include <cstdint>
#include <optional>
#include <stdexcept>

namespace so::adapters {

namespace {

/// Marks a byte that does not start a valid UTF-8 sequence.
constexpr char32_t kInvalid = 0xFFFFFFFF;

/// Decodes one code point at `s[i]`; a malformed byte decodes as kInvalid, length 1.
protocol::utf8_sequence decode_at(std::string_view s, std::size_t i) {
  const auto d = protocol::decode_utf8_at(s, i);
  return d.length == 0 ? protocol::utf8_sequence{kInvalid, 1} : d;
}

constexpr char32_t kCapitalSigma = 0x03A3;
constexpr char32_t kSmallSigma = 0x03C3;
constexpr char32_t kFinalSigma = 0x03C2;
constexpr char32_t kCapitalIWithDot = 0x0130;

}  // namespace

std::optional<std::locale> find_utf8_locale() {
  // The usual spellings of a UTF-8 "C" locale.
  for (const char* name : {"C.UTF-8", "C.utf8", "en_US.UTF-8"}) {
    try {
      return std::locale(name);
    } catch (const std::runtime_error&) {
      // not installed; try the next spelling
    }
  }
  return std::nullopt;
}

bool is_unicode_whitespace(char32_t c) {
  switch (c) {
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x20:
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

std::string_view trim_unicode_whitespace(std::string_view s) {
  std::size_t begin = 0;
  while (begin < s.size()) {
    const auto d = decode_at(s, begin);
    if (!is_unicode_whitespace(d.code_point)) break;
    begin += d.length;
  }
  // Scan forward to find the end of the last non-whitespace character (UTF-8
  // cannot be decoded backwards safely when it may be invalid).
  std::size_t end = begin;
  for (std::size_t i = begin; i < s.size();) {
    const auto d = decode_at(s, i);
    i += d.length;
    if (!is_unicode_whitespace(d.code_point)) end = i;
  }
  return s.substr(begin, end - begin);
}

std::vector<std::string_view> split_unicode_whitespace(std::string_view s) {
  std::vector<std::string_view> words;
  std::size_t start = std::string_view::npos;
  for (std::size_t i = 0; i < s.size();) {
    const auto d = decode_at(s, i);
    if (is_unicode_whitespace(d.code_point)) {
      if (start != std::string_view::npos) words.push_back(s.substr(start, i - start));
      start = std::string_view::npos;
    } else if (start == std::string_view::npos) {
      start = i;
    }
    i += d.length;
  }
  if (start != std::string_view::npos) words.push_back(s.substr(start));
  return words;
}

unicode_lowercaser::unicode_lowercaser() {
  if (auto loc = find_utf8_locale()) {
    locale_ = *loc;
    facet_ = &std::use_facet<std::ctype<wchar_t>>(locale_);
  } else {
    spdlog::warn("no UTF-8 locale installed (C.UTF-8); knowledge search lower-cases ASCII only");
  }
}

char32_t unicode_lowercaser::lower_one(char32_t c) const {
  if (facet_ == nullptr) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  return static_cast<char32_t>(facet_->tolower(static_cast<wchar_t>(c)));
}

bool unicode_lowercaser::is_cased(char32_t c) const {
  if (c == kInvalid) return false;
  if (facet_ == nullptr) return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  const auto w = static_cast<wchar_t>(c);
  return facet_->tolower(w) != w || facet_->toupper(w) != w;
}

std::string unicode_lowercaser::lower(std::string_view s) const {
  std::string out;
  out.reserve(s.size());
  char32_t previous = kInvalid;
  for (std::size_t i = 0; i < s.size();) {
    const auto d = decode_at(s, i);
    if (d.code_point == kInvalid) {
      out.push_back(s[i]);  // opaque byte, copied through
    } else if (d.code_point == kCapitalIWithDot) {
      out += "i\xCC\x87";  // SpecialCasing: U+0130 → U+0069 U+0307
    } else if (d.code_point == kCapitalSigma) {
      const bool at_end =
          i + d.length >= s.size() || !is_cased(decode_at(s, i + d.length).code_point);
      protocol::append_utf8(out, is_cased(previous) && at_end ? kFinalSigma : kSmallSigma);
    } else {
      protocol::append_utf8(out, lower_one(d.code_point));
    }
    previous = d.code_point;
    i += d.length;
  }
  return out;
}

}  // namespace so::adapters
