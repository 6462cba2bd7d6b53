// adapters/knowledge/ingestion_chunker.cpp — see ingestion_chunker.hpp.
#include "adapters/knowledge/ingestion_chunker.hpp"

#include "adapters/knowledge/unicode_text.hpp"
#include "protocol/utf8.hpp"

#include <algorithm>

namespace so::adapters {

std::size_t scalar_length(std::string_view s) {
  // A byte that starts no well-formed sequence counts as one (it will be one U+FFFD).
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++n) {
    const auto seq = protocol::decode_utf8_at(s, i);
    i += seq.length == 0 ? 1 : seq.length;
  }
  return n;
}

ingestion_chunker::ingestion_chunker(std::size_t max_chars, std::size_t overlap)
    : max_(std::max<std::size_t>(1, max_chars)), overlap_(std::min(overlap, max_ - 1)) {}

namespace {

/// A piece of text with its length in scalar values.
struct unit {
  std::string text;
  std::size_t length = 0;
};

/// Runs of whole words joined by single spaces, each ≤ max (a longer word alone).
void hard_split(std::string_view paragraph, std::size_t max, std::vector<unit>& out) {
  unit current;
  for (auto word : split_unicode_whitespace(paragraph)) {
    const std::size_t w = scalar_length(word);
    if (!current.text.empty() && current.length + 1 + w <= max) {
      current.text += ' ';
      current.text.append(word);
      current.length += 1 + w;
      continue;
    }
    if (!current.text.empty()) out.push_back(std::move(current));
    current = unit{std::string(word), w};
  }
  if (!current.text.empty()) out.push_back(std::move(current));
}

/// The longest run of whole trailing words of `chunk` whose length (words plus single
/// spaces) is ≤ budget; empty when not even the last word fits.
std::string trailing_words(std::string_view chunk, std::size_t budget) {
  const auto words = split_unicode_whitespace(chunk);
  std::size_t length = 0;
  std::size_t first = words.size();
  while (first > 0) {
    const std::size_t w = scalar_length(words[first - 1]);
    const std::size_t next = length == 0 ? w : length + 1 + w;
    if (next > budget) break;
    length = next;
    --first;
  }
  std::string out;
  for (std::size_t i = first; i < words.size(); ++i) {
    if (!out.empty()) out += ' ';
    out.append(words[i]);
  }
  return out;
}

}  // namespace

std::vector<std::string> ingestion_chunker::split(std::string_view text) const {
  // 1. Paragraphs, trimmed, non-empty; over-long ones hard-split.
  std::vector<unit> units;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = text.find("\n\n", start);
    const std::string_view raw =
        text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    const std::string_view paragraph = trim_unicode_whitespace(raw);
    if (!paragraph.empty()) {
      const std::size_t length = scalar_length(paragraph);
      if (length <= max_)
        units.push_back(unit{std::string(paragraph), length});
      else
        hard_split(paragraph, max_, units);
    }
    if (end == std::string_view::npos) break;
    start = end + 2;
  }

  // 2. Greedy packing with "\n\n" joins.
  std::vector<unit> packed;
  for (auto& u : units) {
    if (!packed.empty() && packed.back().length + 2 + u.length <= max_) {
      packed.back().text += "\n\n";
      packed.back().text += u.text;
      packed.back().length += 2 + u.length;
    } else {
      packed.push_back(std::move(u));
    }
  }

  // 3. Overlap from the previous chunk as it was before its own prefix.
  std::vector<std::string> chunks;
  chunks.reserve(packed.size());
  for (std::size_t i = 0; i < packed.size(); ++i) {
    if (i == 0 || overlap_ == 0) {
      chunks.push_back(packed[i].text);
      continue;
    }
    std::string prefix = trailing_words(packed[i - 1].text, overlap_);
    if (prefix.empty()) {
      chunks.push_back(packed[i].text);
    } else {
      chunks.push_back(prefix + " " + packed[i].text);
    }
  }
  return chunks;
}

}  // namespace so::adapters
