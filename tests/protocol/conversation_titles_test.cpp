// tests/protocol/conversation_titles_test.cpp — the title sanitizer and the list title
// (later-protocol.md §2.2, §2.5), and the parsing of the conversation actions.
#include "protocol/conversation_titles.hpp"
#include "protocol/action.hpp"
#include "protocol/conversation_events.hpp"
#include "protocol/utf8.hpp"

#include <catch2/catch.hpp>

using namespace so::protocol;

TEST_CASE("sanitize_title follows the spec's examples", "[titles]") {
  CHECK(sanitize_title("  \"Password reset\"  ") == "Password reset");
  CHECK(sanitize_title("**Billing question**") == "Billing question");
  CHECK(sanitize_title("# Refund request") == "Refund request");
  CHECK(sanitize_title("What's my balance") == "What's my balance");
  CHECK(sanitize_title("`Order   status\ncheck`") == "Order status check");
  CHECK(sanitize_title("") == "");
  CHECK(sanitize_title("   \t\n ") == "");
  CHECK(sanitize_title("\"\"") == "");
  CHECK(sanitize_title("'*`#  '") == "");
  // Edge characters are lost, inner ones kept (quirk 10.9).
  CHECK(sanitize_title("C#") == "C");
  CHECK(sanitize_title("Users'") == "Users");
  CHECK(sanitize_title("#1 priority") == "1 priority");
  // Unicode whitespace collapses too.
  CHECK(sanitize_title("a\u00a0\u2003b\u3000") == "a b");
}

TEST_CASE("sanitize_title keeps 60 code points, then trims", "[titles]") {
  const std::string long_title(100, 'x');
  CHECK(sanitize_title(long_title) == std::string(60, 'x'));
  // The cut lands on a space: trimmed away.
  const std::string spaced = std::string(59, 'a') + " bcd";
  CHECK(sanitize_title(spaced) == std::string(59, 'a'));
  // Code points, not bytes.
  std::string accents;
  for (int i = 0; i < 70; ++i) accents += "\u00e9";
  CHECK(utf8_length(sanitize_title(accents)) == 60);
}

TEST_CASE("list_title: a real name, else the first user message, else the raw name", "[titles]") {
  CHECK(list_title("Billing", false, std::string("hello")) == "Billing");
  CHECK(list_title("Session s-1", true, std::string("  How do I reset?  ")) == "How do I reset?");
  // A 100-character message without spaces: 60 characters and an ellipsis (61 in all).
  const auto t = list_title("Session s-1", true, std::string(100, 'y'));
  CHECK(t == std::string(60, 'y') + "\u2026");
  CHECK(utf8_length(t) == 61);
  // The cut's trailing whitespace goes before the ellipsis.
  CHECK(list_title("Session s", true, std::string(58, 'a') + "  bbbbbbbb") ==
        std::string(58, 'a') + "\u2026");
  CHECK(list_title("Session s-1", true, std::nullopt) == "Session s-1");
  CHECK(list_title("Session s-1", true, std::string("   ")) == "Session s-1");
  // A blank real name falls back to the user message.
  CHECK(list_title("   ", false, std::string("hi")) == "hi");
  // A long real name is cut the same way.
  CHECK(list_title(std::string(70, 'n'), false, std::nullopt) == std::string(60, 'n') + "\u2026");
}

TEST_CASE("conversation actions parse with the spec's validation texts", "[titles][action]") {
  {
    auto act = parse_action(
        R"({"action":"rename_conversation","requestId":"r","conversationId":"c","title":"  \"Hi\" "})");
    auto* a = std::get_if<rename_conversation_action>(&act);
    REQUIRE(a);
    CHECK(a->conversation_id == "c");
    CHECK(a->title == "Hi");
    CHECK(a->rid == "r");
  }
  {
    // Any string is a conversationId, even an empty one (then CONVERSATION_NOT_FOUND).
    auto act = parse_action(R"({"action":"rename_conversation","conversationId":"","title":"x"})");
    REQUIRE(std::get_if<rename_conversation_action>(&act));
  }
  auto error_of = [](std::string_view frame) {
    auto act = parse_action(frame);
    auto* e = std::get_if<action_error>(&act);
    REQUIRE(e);
    CHECK(e->code == "VALIDATION_ERROR");
    return *e;
  };
  CHECK(error_of(R"({"action":"rename_conversation","requestId":"r","title":"x"})").message ==
        "rename_conversation requires a 'conversationId'");
  CHECK(error_of(R"({"action":"rename_conversation","conversationId":5,"title":"x"})").message ==
        "rename_conversation requires a 'conversationId'");
  auto blank = error_of(
      R"({"action":"rename_conversation","requestId":"r","conversationId":"c","title":" \"\" "})");
  CHECK(blank.message == "rename_conversation requires a non-empty 'title'");
  CHECK(blank.rid == "r");
  CHECK(error_of(R"({"action":"rename_conversation","conversationId":"c","title":7})").message ==
        "rename_conversation requires a non-empty 'title'");
  CHECK(error_of(R"({"action":"rename_conversation","conversationId":"c"})").message ==
        "rename_conversation requires a non-empty 'title'");

  auto limit_of = [](std::string_view frame) {
    auto act = parse_action(frame);
    auto* a = std::get_if<list_conversations_action>(&act);
    REQUIRE(a);
    return a->limit;
  };
  CHECK(limit_of(R"({"action":"list_conversations"})") == 50);
  CHECK(limit_of(R"({"action":"list_conversations","limit":3})") == 3);
  CHECK(limit_of(R"({"action":"list_conversations","limit":0})") == 50);
  CHECK(limit_of(R"({"action":"list_conversations","limit":-2})") == 50);
  CHECK(limit_of(R"({"action":"list_conversations","limit":2.5})") == 50);
  CHECK(limit_of(R"({"action":"list_conversations","limit":"4"})") == 50);
  CHECK(limit_of(R"({"action":"list_conversations","limit":100000})") == 100000);

  auto resume_of = [](std::string_view frame) {
    auto act = parse_action(frame);
    auto* a = std::get_if<create_session_action>(&act);
    REQUIRE(a);
    return a->conversation_id;
  };
  CHECK(resume_of(
            R"({"action":"create_conversation_session","agentId":"a","conversationId":"c-1"})") ==
        std::optional<std::string>("c-1"));
  CHECK_FALSE(
      resume_of(R"({"action":"create_conversation_session","agentId":"a","conversationId":""})"));
  CHECK_FALSE(
      resume_of(R"({"action":"create_conversation_session","agentId":"a","conversationId":7})"));
  CHECK_FALSE(resume_of(R"({"action":"create_conversation_session","agentId":"a"})"));
}

TEST_CASE("conversation payloads have the spec's shape", "[titles]") {
  events::listed_conversation c{"c-1", "Hi \"there\"", time_point(std::chrono::milliseconds(1500)),
                                3};
  CHECK(events::conversations_data({c}) ==
        R"({"conversations":[{"conversationId":"c-1","title":"Hi \"there\"",)"
        R"("updatedAt":"1970-01-01T00:00:01.500Z","messageCount":3}]})");
  CHECK(events::conversations_data({}) == R"({"conversations":[]})");
  CHECK(events::conversation_renamed_data("c-1", "T") == R"({"conversationId":"c-1","title":"T"})");
}
