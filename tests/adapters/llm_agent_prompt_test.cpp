// The context window (engine.md §1.10): which messages a model call is sent, as positions
// in the turn's conversation, in the order they are sent.
#include "adapters/llm/agent_prompt.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace so::adapters::llm;

namespace {

chat_message msg(role r, std::size_t bytes) {
  chat_message m;
  m.role = r;
  m.content = std::string(bytes, 'x');
  return m;
}

}  // namespace

TEST_CASE("context window: system messages first, then the others in order", "[llm][prompt]") {
  const std::vector<chat_message> conversation{msg(role::system, 10),    msg(role::user, 10),
                                               msg(role::assistant, 10), msg(role::system, 10),
                                               msg(role::tool, 10),      msg(role::user, 10)};
  CHECK(context_window(conversation) == std::vector<std::size_t>{0, 3, 1, 2, 4, 5});
}

TEST_CASE("context window: the oldest non-system messages that do not fit are left out",
          "[llm][prompt]") {
  // Estimates: bytes / 4 + 1 → 26 per 100-byte message, 3 per 8-byte one.
  const std::vector<chat_message> conversation{msg(role::system, 8), msg(role::user, 100),
                                               msg(role::assistant, 100), msg(role::user, 100)};
  CHECK(context_window(conversation, 3 + 26 + 26) == std::vector<std::size_t>{0, 2, 3});
  CHECK(context_window(conversation, 3 + 26 + 26 + 25) == std::vector<std::size_t>{0, 2, 3});
  CHECK(context_window(conversation, 3 + 3 * 26) == std::vector<std::size_t>{0, 1, 2, 3});
  // Only the system messages when not even the newest fits; they are always sent.
  CHECK(context_window(conversation, 10) == std::vector<std::size_t>{0});
  CHECK(context_window({}).empty());
}
