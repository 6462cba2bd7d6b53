// protocol/reply_collapse.cpp — see reply_collapse.hpp.
#include "protocol/reply_collapse.hpp"

#include <set>
#include <vector>

namespace so::protocol {
namespace {

constexpr std::size_t kMaxRepeats = 6;  // more repeats than this collapse the reply
constexpr std::size_t kKeptSegments = 6;
constexpr double kSimilar = 0.9;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  return s;
}

bool is_word_byte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

std::vector<std::string_view> segments(std::string_view reply) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  auto cut = [&](std::size_t end) {
    auto seg = trim(reply.substr(start, end - start));
    if (!seg.empty()) out.push_back(seg);
    start = end;
  };
  for (std::size_t i = 0; i < reply.size(); ++i) {
    const char c = reply[i];
    if (c == '.' || c == '!' || c == '?') {
      cut(i + 1);
    } else if (c == '\n') {
      cut(i);
      start = i + 1;
    }
  }
  cut(reply.size());
  return out;
}

std::set<std::string> words(std::string_view seg) {
  std::set<std::string> out;
  std::string word;
  for (char c : seg) {
    if (is_word_byte(c)) {
      word.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    } else if (!word.empty()) {
      out.insert(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) out.insert(std::move(word));
  return out;
}

double jaccard(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::size_t common = 0;
  for (const auto& w : a) common += b.count(w);
  const auto all = a.size() + b.size() - common;
  return all == 0 ? 0.0 : static_cast<double>(common) / static_cast<double>(all);
}

}  // namespace

std::string collapse_repetition(std::string_view reply) {
  std::vector<std::string_view> kept;
  std::vector<std::set<std::string>> kept_words;
  std::size_t repeats = 0;
  for (auto seg : segments(reply)) {
    auto w = words(seg);
    if (w.empty()) continue;
    bool repeat = false;
    for (const auto& k : kept_words)
      if (jaccard(w, k) >= kSimilar) {
        repeat = true;
        break;
      }
    if (repeat) {
      ++repeats;
      continue;
    }
    kept.push_back(seg);
    kept_words.push_back(std::move(w));
  }
  if (repeats <= kMaxRepeats) return std::string(reply);
  std::string out;
  for (std::size_t i = 0; i < kept.size() && i < kKeptSegments; ++i) {
    if (i > 0) out.push_back(' ');
    out.append(kept[i]);
  }
  return out;
}

}  // namespace so::protocol
