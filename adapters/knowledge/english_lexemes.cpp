// adapters/knowledge/english_lexemes.cpp — see english_lexemes.hpp.
//
// porter2_stem follows the published Snowball English algorithm
// (snowballstem.org/algorithms/english/stemmer.html): R1/R2 regions, steps 0–5,
// the exceptional forms.
#include "adapters/knowledge/english_lexemes.hpp"

#include "adapters/knowledge/deterministic_embedder.hpp"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <string_view>

namespace so::adapters {

namespace {

bool is_vowel(char c) {
  return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

bool ends_with(const std::string& w, std::string_view s) {
  return w.size() >= s.size() && std::string_view(w).substr(w.size() - s.size()) == s;
}

/// The stemmer's working state: the word (with 'Y' for consonant y) and its regions.
struct stem_word {
  std::string w;
  std::size_t r1 = 0;
  std::size_t r2 = 0;

  bool vowel_at(std::size_t i) const { return is_vowel(w[i]); }
  bool in_r1(std::size_t suffix_len) const { return w.size() - suffix_len >= r1; }
  bool in_r2(std::size_t suffix_len) const { return w.size() - suffix_len >= r2; }
  void replace(std::size_t suffix_len, std::string_view by) {
    w.resize(w.size() - suffix_len);
    w += by;
  }
  bool has_vowel_before(std::size_t end) const {
    for (std::size_t i = 0; i < end; ++i)
      if (vowel_at(i)) return true;
    return false;
  }
  /// A short syllable ending at index i (the last letter of the syllable).
  bool short_syllable_ending_at(std::size_t i) const {
    if (i == 1) return vowel_at(0) && !vowel_at(1);
    if (i < 2) return false;
    const char c = w[i];
    return !vowel_at(i - 2) && vowel_at(i - 1) && !vowel_at(i) && c != 'w' && c != 'x' && c != 'Y';
  }
  bool is_short() const { return r1 >= w.size() && short_syllable_ending_at(w.size() - 1); }
};

std::size_t region_after(const std::string& w, std::size_t from) {
  for (std::size_t i = from + 1; i < w.size(); ++i)
    if (!is_vowel(w[i]) && is_vowel(w[i - 1])) return i + 1;
  return w.size();
}

/// The longest of `suffixes` the word ends with (empty view: none).
std::string_view longest(const std::string& w, std::initializer_list<std::string_view> suffixes) {
  std::string_view best;
  for (auto s : suffixes)
    if (s.size() > best.size() && ends_with(w, s)) best = s;
  return best;
}

bool valid_li(char c) {
  return std::string_view("cdeghkmnrt").find(c) != std::string_view::npos;
}

void step1a(stem_word& s) {
  auto& w = s.w;
  const auto suf = longest(w, {"sses", "ied", "ies", "us", "ss", "s"});
  if (suf == "sses") {
    s.replace(4, "ss");
  } else if (suf == "ied" || suf == "ies") {
    s.replace(3, w.size() > 4 ? "i" : "ie");
  } else if (suf == "s") {
    // Delete if the part before holds a vowel not immediately before the s.
    if (w.size() >= 2 && s.has_vowel_before(w.size() - 2)) s.replace(1, "");
  }
}

void step1b(stem_word& s) {
  auto& w = s.w;
  const auto suf = longest(w, {"eed", "eedly", "ed", "edly", "ing", "ingly"});
  if (suf.empty()) return;
  if (suf == "eed" || suf == "eedly") {
    if (s.in_r1(suf.size())) s.replace(suf.size(), "ee");
    return;
  }
  if (!s.has_vowel_before(w.size() - suf.size())) return;
  s.replace(suf.size(), "");
  if (ends_with(w, "at") || ends_with(w, "bl") || ends_with(w, "iz")) {
    w += 'e';
  } else if (w.size() >= 2 && w[w.size() - 1] == w[w.size() - 2] &&
             std::string_view("bdfgmnprt").find(w.back()) != std::string_view::npos) {
    w.pop_back();
  } else if (s.is_short()) {
    w += 'e';
  }
}

void step1c(stem_word& s) {
  auto& w = s.w;
  if (w.size() > 2 && (w.back() == 'y' || w.back() == 'Y') && !is_vowel(w[w.size() - 2]))
    w.back() = 'i';
}

void step2(stem_word& s) {
  auto& w = s.w;
  const auto suf =
      longest(w, {"tional",  "enci",  "anci",   "abli",  "entli", "izer",    "ization", "ational",
                  "ation",   "ator",  "alism",  "aliti", "alli",  "fulness", "ousli",   "ousness",
                  "iveness", "iviti", "biliti", "bli",   "ogi",   "fulli",   "lessli",  "li"});
  if (suf.empty() || !s.in_r1(suf.size())) return;
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 21> map{{
      {"tional", "tion"}, {"enci", "ence"},   {"anci", "ance"},   {"abli", "able"},
      {"entli", "ent"},   {"izer", "ize"},    {"ization", "ize"}, {"ational", "ate"},
      {"ation", "ate"},   {"ator", "ate"},    {"alism", "al"},    {"aliti", "al"},
      {"alli", "al"},     {"fulness", "ful"}, {"ousli", "ous"},   {"ousness", "ous"},
      {"iveness", "ive"}, {"iviti", "ive"},   {"biliti", "ble"},  {"bli", "ble"},
      {"fulli", "ful"},
  }};
  for (const auto& [from, to] : map)
    if (suf == from) return s.replace(from.size(), to);
  if (suf == "lessli") return s.replace(6, "less");
  if (suf == "ogi") {
    if (w.size() >= 4 && w[w.size() - 4] == 'l') s.replace(3, "og");
    return;
  }
  if (suf == "li" && w.size() >= 3 && valid_li(w[w.size() - 3])) s.replace(2, "");
}

void step3(stem_word& s) {
  auto& w = s.w;
  const auto suf =
      longest(w, {"tional", "ational", "alize", "icate", "iciti", "ative", "ical", "ness", "ful"});
  if (suf.empty() || !s.in_r1(suf.size())) return;
  if (suf == "tional") return s.replace(6, "tion");
  if (suf == "ational") return s.replace(7, "ate");
  if (suf == "alize") return s.replace(5, "al");
  if (suf == "icate" || suf == "iciti" || suf == "ical") return s.replace(suf.size(), "ic");
  if (suf == "ful" || suf == "ness") return s.replace(suf.size(), "");
  if (suf == "ative" && s.in_r2(5)) s.replace(5, "");
}

void step4(stem_word& s) {
  auto& w = s.w;
  const auto suf = longest(w, {"al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement",
                               "ment", "ent", "ism", "ate", "iti", "ous", "ive", "ize", "ion"});
  if (suf.empty() || !s.in_r2(suf.size())) return;
  if (suf == "ion") {
    if (w.size() >= 4 && (w[w.size() - 4] == 's' || w[w.size() - 4] == 't')) s.replace(3, "");
    return;
  }
  s.replace(suf.size(), "");
}

void step5(stem_word& s) {
  auto& w = s.w;
  if (w.empty()) return;
  if (w.back() == 'e') {
    if (s.in_r2(1) || (s.in_r1(1) && !s.short_syllable_ending_at(w.size() - 2))) w.pop_back();
  } else if (w.back() == 'l') {
    if (s.in_r2(1) && w.size() >= 2 && w[w.size() - 2] == 'l') w.pop_back();
  }
}

std::string_view exceptional(std::string_view w) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 18> words{{
      {"skis", "ski"},
      {"skies", "sky"},
      {"dying", "die"},
      {"lying", "lie"},
      {"tying", "tie"},
      {"idly", "idl"},
      {"gently", "gentl"},
      {"ugly", "ugli"},
      {"early", "earli"},
      {"only", "onli"},
      {"singly", "singl"},
      {"sky", "sky"},
      {"news", "news"},
      {"howe", "howe"},
      {"atlas", "atlas"},
      {"cosmos", "cosmos"},
      {"bias", "bias"},
      {"andes", "andes"},
  }};
  for (const auto& [from, to] : words)
    if (w == from) return to;
  return {};
}

}  // namespace

std::string porter2_stem(std::string_view word) {
  if (word.size() <= 2) return std::string(word);
  if (auto e = exceptional(word); !e.empty()) return std::string(e);
  stem_word s{std::string(word)};
  auto& w = s.w;
  // Consonant y: initial, or after a vowel.
  if (w[0] == 'y') w[0] = 'Y';
  for (std::size_t i = 1; i < w.size(); ++i)
    if (w[i] == 'y' && is_vowel(w[i - 1])) w[i] = 'Y';
  if (w.starts_with("gener") || w.starts_with("arsen"))
    s.r1 = 5;
  else if (w.starts_with("commun"))
    s.r1 = 6;
  else
    s.r1 = region_after(w, 0);
  s.r2 = s.r1 < w.size() ? region_after(w, s.r1) : w.size();
  if (s.r2 < s.r1) s.r2 = s.r1;

  step1a(s);
  static constexpr std::array<std::string_view, 8> invariant{
      "inning", "outing", "canning", "herring", "earring", "proceed", "exceed", "succeed"};
  if (std::find(invariant.begin(), invariant.end(), std::string_view(w)) == invariant.end()) {
    step1b(s);
    step1c(s);
    step2(s);
    step3(s);
    step4(s);
    step5(s);
  }
  std::replace(w.begin(), w.end(), 'Y', 'y');
  return w;
}

bool is_english_stop_word(std::string_view word) {
  static constexpr std::array<std::string_view, 127> stop{
      "i",       "me",      "my",      "myself",   "we",         "our",    "ours",    "ourselves",
      "you",     "your",    "yours",   "yourself", "yourselves", "he",     "him",     "his",
      "himself", "she",     "her",     "hers",     "herself",    "it",     "its",     "itself",
      "they",    "them",    "their",   "theirs",   "themselves", "what",   "which",   "who",
      "whom",    "this",    "that",    "these",    "those",      "am",     "is",      "are",
      "was",     "were",    "be",      "been",     "being",      "have",   "has",     "had",
      "having",  "do",      "does",    "did",      "doing",      "a",      "an",      "the",
      "and",     "but",     "if",      "or",       "because",    "as",     "until",   "while",
      "of",      "at",      "by",      "for",      "with",       "about",  "against", "between",
      "into",    "through", "during",  "before",   "after",      "above",  "below",   "to",
      "from",    "up",      "down",    "in",       "out",        "on",     "off",     "over",
      "under",   "again",   "further", "then",     "once",       "here",   "there",   "when",
      "where",   "why",     "how",     "all",      "any",        "both",   "each",    "few",
      "more",    "most",    "other",   "some",     "such",       "no",     "nor",     "not",
      "only",    "own",     "same",    "so",       "than",       "too",    "very",    "s",
      "t",       "can",     "will",    "just",     "don",        "should", "now"};
  return std::find(stop.begin(), stop.end(), word) != stop.end();
}

std::vector<std::string> english_lexemes(std::string_view text) {
  static const deterministic_embedder tokenizer(1);  // immutable: only its tokenizer is used
  std::vector<std::string> out;
  for (auto& token : tokenizer.tokens(text)) {
    const bool has_digit =
        std::any_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (has_digit) {
      out.push_back(std::move(token));
      continue;
    }
    if (is_english_stop_word(token)) continue;
    out.push_back(porter2_stem(token));
  }
  return out;
}

}  // namespace so::adapters
