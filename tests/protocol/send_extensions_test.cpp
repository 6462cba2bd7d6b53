// tests/protocol/send_extensions_test.cpp — send_message's `model`, `skill`, `images[]` and
// `files[]` (later-protocol.md §6; decisions.md: a malformed entry is dropped alone).
#include "protocol/action.hpp"

#include <catch2/catch.hpp>

using namespace so::protocol;

namespace {

send_message_action parse_send(const std::string& extra) {
  auto act = parse_action(
      R"({"action":"send_message","requestId":"r","sessionId":"s","message":"hi")" + extra + "}");
  auto* a = std::get_if<send_message_action>(&act);
  REQUIRE(a);
  return *a;
}

}  // namespace

TEST_CASE("send_message: model and skill are trimmed, blank or non-string is absent",
          "[action][send-extensions]") {
  auto a = parse_send(R"(,"model":"  gpt-x  ","skill":" greet ")");
  CHECK(a.model == std::optional<std::string>("gpt-x"));
  CHECK(a.skill == std::optional<std::string>("greet"));
  a = parse_send(R"(,"model":"   ","skill":"")");
  CHECK_FALSE(a.model);
  CHECK_FALSE(a.skill);
  a = parse_send(R"(,"model":42,"skill":["x"])");
  CHECK_FALSE(a.model);
  CHECK_FALSE(a.skill);
  a = parse_send("");
  CHECK_FALSE(a.model);
  CHECK_FALSE(a.skill);
  CHECK(a.images.empty());
  CHECK(a.files.empty());
  // Not validated here: a skill name with `../` reaches the resolver, which refuses it.
  CHECK(parse_send(R"(,"skill":"../etc")").skill == std::optional<std::string>("../etc"));
}

TEST_CASE("send_message: a malformed images[] or files[] entry is dropped alone, never the turn",
          "[action][send-extensions]") {
  auto a = parse_send(
      R"(,"images":[{"url":"https://x/a.png","detail":"high"},{"detail":"low"},7,)"
      R"({"url":5},{"url":"data:image/png;base64,AAAA","extra":true},{"url":"u","detail":3}])");
  REQUIRE(a.images.size() == 2);
  CHECK(a.images[0].url == "https://x/a.png");
  CHECK(a.images[0].detail == std::optional<std::string>("high"));
  CHECK(a.images[1].url == "data:image/png;base64,AAAA");
  CHECK_FALSE(a.images[1].detail);
  CHECK(a.dropped_attachments == 4);

  a = parse_send(
      R"(,"files":[{"name":"a.csv","mimeType":"text/csv","url":"data:text/csv;base64,YQ=="},)"
      R"({"name":"","url":"u"},{"url":"u"},{"name":"b.pdf","url":"https://x/b.pdf"},)"
      R"({"name":"c","url":"u","mimeType":1},null])");
  REQUIRE(a.files.size() == 2);
  CHECK(a.files[0].name == "a.csv");
  CHECK(a.files[0].mime_type == std::optional<std::string>("text/csv"));
  CHECK(a.files[1].name == "b.pdf");
  CHECK_FALSE(a.files[1].mime_type);
  CHECK(a.dropped_attachments == 4);

  // Not an array: ignored as a whole.
  a = parse_send(R"(,"images":{"url":"x"},"files":"nope")");
  CHECK(a.images.empty());
  CHECK(a.files.empty());
  CHECK(a.dropped_attachments == 0);
}
