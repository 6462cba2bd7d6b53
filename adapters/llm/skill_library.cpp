// adapters/llm/skill_library.cpp — see skill_library.hpp.
#include "adapters/llm/skill_library.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace so::adapters::llm {

namespace fs = std::filesystem;

namespace {

std::string_view trim(std::string_view s) {
  const auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::optional<std::string> read_small_file(const fs::path& p) {
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return std::nullopt;
  const auto size = fs::file_size(p, ec);
  if (ec) return std::nullopt;
  if (size > skill_library::max_skill_bytes) {
    spdlog::warn("skills: {} is larger than {} bytes; skipped", p.string(),
                 skill_library::max_skill_bytes);
    return std::nullopt;
  }
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

bool skill_library::valid_name(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (unsigned char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::string skill_library::body_of(std::string_view text) {
  constexpr std::string_view fence = "---\n";
  if (text.substr(0, fence.size()) == fence) {
    // The closing fence: a later line that is exactly `---` followed by `\n`.
    std::size_t line = fence.size();
    while (line < text.size()) {
      const auto end = text.find('\n', line);
      if (end == std::string_view::npos) break;  // last line without '\n': no close
      if (text.substr(line, end - line) == "---") {
        text.remove_prefix(end + 1);
        return std::string(trim(text));
      }
      line = end + 1;
    }
  }
  return std::string(trim(text));
}

skill_library::skill_library(const std::vector<std::string>& roots) {
  for (const auto& root : roots) {
    std::error_code ec;
    fs::directory_iterator it(root, ec), end;
    if (ec) {
      spdlog::warn("skills: cannot read {}: {}", root, ec.message());
      continue;
    }
    for (; it != end; it.increment(ec)) {
      if (ec) break;
      const auto name = it->path().filename().string();
      if (!valid_name(name) || skills_.count(name)) continue;  // an earlier root won
      auto text = read_small_file(it->path() / "SKILL.md");
      if (!text) continue;
      auto body = body_of(*text);
      if (body.empty()) continue;  // an empty body: the next root may have one
      if (skills_.size() >= max_skills) {
        spdlog::warn("skills: more than {} skills; {} and the rest are skipped", max_skills, name);
        return;
      }
      skills_.emplace(name, std::move(body));
    }
  }
}

std::optional<std::string> skill_library::find(std::string_view name) const {
  if (!valid_name(name)) return std::nullopt;
  auto it = skills_.find(name);
  if (it == skills_.end()) return std::nullopt;
  return it->second;
}

std::string skill_section(std::string_view name, std::string_view body) {
  return "## Skill: " + std::string(name) +
         "\n\nThe user invoked this skill for this turn. Follow it.\n\n" + std::string(body);
}

}  // namespace so::adapters::llm
