// tests/adapters/skill_library_test.cpp — skills for send_message.skill (later-protocol.md
// §6.3): names, roots in order, front matter, bounds, and no escape from a root.
#include "adapters/llm/skill_library.hpp"
#include "tests/support/temp_dir.hpp"

#include <catch2/catch.hpp>

using so::adapters::llm::skill_library;
using so::adapters::llm::skill_section;
using so::test::temp_dir;

TEST_CASE("skill names: 1-128 ASCII letters, digits, '-' and '_' only", "[skills]") {
  CHECK(skill_library::valid_name("code-review_2"));
  CHECK(skill_library::valid_name(std::string(128, 'a')));
  CHECK_FALSE(skill_library::valid_name(std::string(129, 'a')));
  for (const char* bad : {"", "../greet", "..", ".", "a/b", "a\\b", "a b", "greet.md", "é"}) {
    INFO(bad);
    CHECK_FALSE(skill_library::valid_name(bad));
  }
}

TEST_CASE("skill bodies: front matter stripped only when fenced exactly, then trimmed",
          "[skills]") {
  CHECK(skill_library::body_of("---\nname: greet\n---\n\nSay hi.\n") == "Say hi.");
  CHECK(skill_library::body_of("  plain body \n") == "plain body");
  // No closing fence (or one at end of file without '\n'): the whole file is kept.
  CHECK(skill_library::body_of("---\nname: x\nbody") == "---\nname: x\nbody");
  CHECK(skill_library::body_of("---\nname: x\n---") == "---\nname: x\n---");
  // Not at the very start: not front matter.
  CHECK(skill_library::body_of("\n---\na\n---\nb") == "---\na\n---\nb");
  CHECK(skill_library::body_of("---\n---\n") == "");
}

TEST_CASE("skill library: roots in order, the first non-empty body wins, nothing escapes",
          "[skills]") {
  temp_dir first, second, outside;
  first.write("greet/SKILL.md", "---\ntitle: g\n---\nGreet warmly.");
  first.write("empty/SKILL.md", "   \n");
  second.write("greet/SKILL.md", "Shadowed.");
  second.write("empty/SKILL.md", "From the second root.");
  second.write("review/SKILL.md", "Review the code.");
  second.write("no-file/README.md", "not a skill");
  second.write("bad name/SKILL.md", "never loaded");
  outside.write("secret/SKILL.md", "outside the roots");
  first.write(std::string("big/SKILL.md"), std::string(skill_library::max_skill_bytes + 1, 'x'));

  skill_library lib({first.path.string(), "/nonexistent-root", second.path.string()});
  CHECK(lib.find("greet") == std::optional<std::string>("Greet warmly."));
  CHECK(lib.find("empty") == std::optional<std::string>("From the second root."));
  CHECK(lib.find("review") == std::optional<std::string>("Review the code."));
  CHECK_FALSE(lib.find("no-file"));
  CHECK_FALSE(lib.find("bad name"));
  CHECK_FALSE(lib.find("big"));  // over the size bound: skipped
  CHECK_FALSE(lib.find("unknown"));
  // A name can never leave its root.
  const auto escape = "../" + outside.path.filename().string() + "/secret";
  CHECK_FALSE(lib.find(escape));
  CHECK_FALSE(lib.find("../greet"));
  CHECK(lib.size() == 3);

  CHECK(skill_library({}).size() == 0);
  CHECK(
      skill_section("greet", "Greet warmly.") ==
      "## Skill: greet\n\nThe user invoked this skill for this turn. Follow it.\n\nGreet warmly.");
}
