// adapters/knowledge/chunking.cpp — see chunking.hpp.
#include "adapters/knowledge/chunking.hpp"

#include "adapters/knowledge/unicode_text.hpp"

namespace so::adapters {

std::vector<std::string> chunk_content(std::string_view content) {
  std::vector<std::string> chunks;
  constexpr std::string_view kSeparator = "\n\n";
  std::size_t from = 0;
  while (true) {
    const std::size_t at = content.find(kSeparator, from);
    const std::string_view raw =
        content.substr(from, at == std::string_view::npos ? std::string_view::npos : at - from);
    const std::string_view section = trim_unicode_whitespace(raw);
    if (section.size() <= kMaxChunkBytes) {
      if (!section.empty()) chunks.emplace_back(section);
    } else {
      std::string current;
      for (std::string_view word : split_unicode_whitespace(section)) {
        if (current.empty()) {
          current.assign(word);
        } else if (current.size() + 1 + word.size() > kMaxChunkBytes) {
          chunks.push_back(std::move(current));
          current.assign(word);
        } else {
          current.push_back(' ');
          current.append(word);
        }
      }
      if (!current.empty()) chunks.push_back(std::move(current));
    }
    if (at == std::string_view::npos) break;
    from = at + kSeparator.size();
  }
  return chunks;
}

}  // namespace so::adapters
