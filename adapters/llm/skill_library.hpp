// adapters/llm/skill_library.hpp — the skills `send_message.skill` may name
// (later-protocol.md §6.3; README `SMOOTH_SKILLS_DIR`).
//
// A skill is `<root>/<name>/SKILL.md`; roots are searched in order and the first
// non-empty body wins. A name is 1–128 ASCII letters, digits, `-` or `_`; anything
// else (`../x`, `a/b`, an empty name) is unknown, so a name can never leave its root.
// YAML front matter is stripped only when the file starts with exactly `---\n` and a
// later line is exactly `---` followed by `\n`; the body is then trimmed.
//
// Ours: every body is read ONCE, when the library is built at startup (bounded:
// `max_skills` names, `max_skill_bytes` per file, larger files skipped with a log
// line), so resolving a skill during a turn is a map lookup — no file I/O on an io
// thread. A skill added or edited later needs a restart.
// Thread-safety: immutable after construction; `find` may be called from any thread.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace so::adapters::llm {

class skill_library {
 public:
  static constexpr std::size_t max_skills = 1024;
  static constexpr std::size_t max_skill_bytes = 256 * 1024;

  /// Loads every valid skill below `roots` (missing or unreadable roots are skipped).
  explicit skill_library(const std::vector<std::string>& roots);

  /// Whether `name` is a well-formed skill name (it may still be unknown).
  static bool valid_name(std::string_view name);
  /// `SKILL.md` text without its front matter, trimmed.
  static std::string body_of(std::string_view file_text);

  /// The body of `name` (already trimmed by the caller); nullopt when unknown or invalid.
  std::optional<std::string> find(std::string_view name) const;
  std::size_t size() const { return skills_.size(); }

 private:
  std::map<std::string, std::string, std::less<>> skills_;
};

using skill_library_ptr = std::shared_ptr<const skill_library>;

/// The system-prompt section of a skill turn.
std::string skill_section(std::string_view name, std::string_view body);

}  // namespace so::adapters::llm
