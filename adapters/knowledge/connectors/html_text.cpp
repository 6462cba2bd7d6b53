// adapters/knowledge/connectors/html_text.cpp — see html_text.hpp.
#include "adapters/knowledge/connectors/html_text.hpp"

#include "protocol/utf8.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace so::adapters::connectors {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && lower(s.substr(0, prefix.size())) == prefix;
}

constexpr std::array<std::string_view, 7> kDropped = {"script", "style", "noscript", "template",
                                                      "svg",    "head",  "iframe"};
constexpr std::array<std::string_view, 32> kBlocks = {
    "p",       "div",    "br",     "hr",     "h1",         "h2",   "h3",         "h4",
    "h5",      "h6",     "li",     "ul",     "ol",         "tr",   "table",      "section",
    "article", "header", "footer", "nav",    "aside",      "main", "blockquote", "pre",
    "dd",      "dt",     "dl",     "figure", "figcaption", "form", "title",      "body"};

/// Appends the character reference at `s[i]` ('&'), returning the index after it;
/// a '&' that starts no reference is kept as is.
std::size_t decode_reference(std::string_view s, std::size_t i, std::string& out) {
  const auto semi = s.find(';', i);
  if (semi == std::string_view::npos || semi - i > 12) {
    out += '&';
    return i + 1;
  }
  const auto name = s.substr(i + 1, semi - i - 1);
  if (!name.empty() && name[0] == '#') {
    std::uint32_t cp = 0;
    const bool hex = name.size() > 1 && (name[1] == 'x' || name[1] == 'X');
    const auto digits = name.substr(hex ? 2 : 1);
    const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
    if (digits.empty() || r.ptr != digits.data() + digits.size()) {
      out += '&';
      return i + 1;
    }
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
    protocol::append_utf8(out, static_cast<char32_t>(cp));
    return semi + 1;
  }
  struct named {
    std::string_view name;
    std::string_view text;
  };
  static constexpr named kNamed[] = {{"amp", "&"},        {"lt", "<"},         {"gt", ">"},
                                     {"quot", "\""},      {"apos", "'"},       {"nbsp", " "},
                                     {"ndash", "\u2013"}, {"mdash", "\u2014"}, {"hellip", "\u2026"},
                                     {"copy", "\u00A9"},  {"reg", "\u00AE"},   {"trade", "\u2122"},
                                     {"lsquo", "\u2018"}, {"rsquo", "\u2019"}, {"ldquo", "\u201C"},
                                     {"rdquo", "\u201D"}, {"euro", "\u20AC"},  {"middot", "\u00B7"},
                                     {"bull", "\u2022"},  {"laquo", "\u00AB"}, {"raquo", "\u00BB"}};
  for (const auto& n : kNamed)
    if (n.name == name) {
      out += n.text;
      return semi + 1;
    }
  out += '&';
  return i + 1;
}

/// Collapses whitespace per paragraph; paragraphs ("\n\n"-separated marks) kept.
std::string tidy(const std::string& raw) {
  std::string out;
  bool pending_space = false;
  bool pending_break = false;
  for (char c : raw) {
    if (c == '\x01') {  // paragraph mark
      pending_break = !out.empty();
      pending_space = false;
      continue;
    }
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_break) {
      out += "\n\n";
    } else if (pending_space) {
      out += ' ';
    }
    pending_break = pending_space = false;
    out += c;
  }
  return out;
}

}  // namespace

bool looks_like_html(std::string_view content_type, std::string_view body) {
  const auto type = lower(content_type);
  if (type.find("html") != std::string::npos) return true;
  if (!type.empty() && type.find("text/plain") != std::string::npos) return false;
  auto head = body.substr(0, 512);
  while (!head.empty() && is_space(head.front())) head.remove_prefix(1);
  if (head.substr(0, 3) == "\xEF\xBB\xBF") head.remove_prefix(3);  // BOM
  return starts_with_ci(head, "<!doctype html") || starts_with_ci(head, "<html") ||
         starts_with_ci(head, "<head") || starts_with_ci(head, "<body");
}

std::string html_to_text(std::string_view html) {
  std::string raw;
  raw.reserve(html.size());
  std::size_t i = 0;
  while (i < html.size()) {
    const char c = html[i];
    if (c == '&') {
      i = decode_reference(html, i, raw);
      continue;
    }
    if (c != '<') {
      raw += c;
      ++i;
      continue;
    }
    // A '<' that opens no tag is text ("a < b").
    const char next = i + 1 < html.size() ? html[i + 1] : '\0';
    if (!std::isalpha(static_cast<unsigned char>(next)) && next != '/' && next != '!' &&
        next != '?') {
      raw += '<';
      ++i;
      continue;
    }
    // A comment: skipped whole.
    if (html.substr(i, 4) == "<!--") {
      const auto end = html.find("-->", i + 4);
      if (end == std::string_view::npos) break;
      i = end + 3;
      continue;
    }
    const auto close = html.find('>', i);
    if (close == std::string_view::npos) break;  // an unclosed tag ends the text
    auto tag = html.substr(i + 1, close - i - 1);
    i = close + 1;
    const bool end_tag = !tag.empty() && tag.front() == '/';
    if (end_tag) tag.remove_prefix(1);
    std::size_t n = 0;
    while (n < tag.size() && (std::isalnum(static_cast<unsigned char>(tag[n])) || tag[n] == '-'))
      ++n;
    const auto name = lower(tag.substr(0, n));
    if (name.empty()) continue;  // doctype, processing instruction, "</ >"

    if (!end_tag && std::find(kDropped.begin(), kDropped.end(), name) != kDropped.end() &&
        tag.back() != '/') {
      // Skip to the matching end tag (case-insensitive); none: the rest is dropped.
      const auto rest = lower(html.substr(i));
      const auto end = rest.find("</" + name);
      if (end == std::string::npos) {
        i = html.size();
        break;
      }
      const auto gt = rest.find('>', end);
      i += gt == std::string::npos ? rest.size() : gt + 1;
      raw += '\x01';
      continue;
    }
    // Block tags end a paragraph; inline tags (a, b, span…) vanish without a space,
    // as a browser renders them.
    if (std::find(kBlocks.begin(), kBlocks.end(), name) != kBlocks.end()) raw += '\x01';
  }
  return tidy(protocol::repair_utf8(raw));
}

std::string collapse_whitespace(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : protocol::repair_utf8(text)) {
    if (is_space(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace so::adapters::connectors
