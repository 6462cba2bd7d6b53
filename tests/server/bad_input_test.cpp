// tests/server/bad_input_test.cpp — hostile and malformed frames (protocol.md §1.3, §3.0, §5;
// decisions.md frame and message size). Every case ends by proving the connection still
// answers, and the server still serves a second client.
#include "tests/server/server_test_support.hpp"

using namespace so::test;
using namespace so::test::srv;

namespace {

void expect_server_healthy(so::net::server& server) {
  auto other = connect_to(server);
  expect_alive(other, "other-client");
  auto [status, body] = http_get("127.0.0.1", server.port(), "/health");
  CHECK(status == 200);
  CHECK(body == "ok");
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

TEST_CASE("invalid JSON is a VALIDATION_ERROR without requestId", "[server]") {
  so::net::server server(local_options());
  auto c = connect_to(server);
  // Even with a requestId visible in the text, an unparseable frame has none.
  for (const std::string bad : {R"({"action":"ping","requestId":"r1")", "not json", "{", "",
                                R"({"action":"ping"} trailing)"}) {
    INFO("frame: " << bad);
    c.send_text(bad);
    auto d = next(c);
    check_error(d, "VALIDATION_ERROR", std::nullopt, std::nullopt);
    CHECK(starts_with(str(d, "/error/message"), "invalid JSON frame: "));
    CHECK(str(d, "/error/message").size() > std::string("invalid JSON frame: ").size());
  }
  expect_alive(c, "after-invalid");
  expect_server_healthy(server);
}

TEST_CASE("non-object JSON is missing 'action' without requestId", "[server]") {
  so::net::server server(local_options());
  auto c = connect_to(server);
  for (const std::string frame :
       {R"([{"action":"ping","requestId":"r"}])", "42", R"("ping")", "null", "true"}) {
    INFO("frame: " << frame);
    c.send_text(frame);
    check_error(next(c), "VALIDATION_ERROR", std::string("missing 'action' field"), std::nullopt);
  }
  expect_alive(c, "after-non-object");
}

TEST_CASE("wrong field types are treated as missing", "[server]") {
  so::net::server server(local_options());
  auto c = connect_to(server);
  c.send_text(R"({"action":["ping"],"requestId":"w1"})");
  check_error(next(c), "VALIDATION_ERROR", std::string("missing 'action' field"),
              std::string("w1"));
  c.send_text(R"({"action":"get_session","requestId":"w2","sessionId":{"id":"x"}})");
  check_error(next(c), "VALIDATION_ERROR", std::string("missing 'sessionId'"), std::string("w2"));
  c.send_text(
      R"({"action":"confirm_tool_action","requestId":"w3","sessionId":null,"approved":true})");
  check_error(next(c), "VALIDATION_ERROR",
              std::string("confirm_tool_action requires a 'sessionId'"), std::string("w3"));
  c.send_text(
      R"({"action":"confirm_tool_action","requestId":"w4","sessionId":"s","approved":"true"})");
  check_error(next(c), "VALIDATION_ERROR",
              std::string("confirm_tool_action requires a boolean 'approved'"), std::string("w4"));
  // A non-integer / non-positive limit falls back to the default instead of failing.
  auto s = create_session(c);
  c.send_text(
      R"({"action":"get_conversation_messages","requestId":"w5","limit":"ten","sessionId":")" +
      s.session_id + R"(","cursor":12})");
  auto d = next(c);
  CHECK(str(d, "/type") == "immediate_response");
  CHECK(str(d, "/requestId") == "w5");
  expect_alive(c, "after-types");
}

TEST_CASE("deeply nested JSON is rejected without crashing", "[server]") {
  so::net::server server(local_options());
  auto c = connect_to(server);
  // 100k levels would overflow a recursive parser's stack; the server must answer instead.
  const std::size_t depth = 100000;
  const std::string nested = std::string(depth, '[') + std::string(depth, ']');
  c.send_text(nested);
  auto d = next(c);
  check_error(d, "VALIDATION_ERROR", std::nullopt, std::nullopt);
  CHECK(starts_with(str(d, "/error/message"), "invalid JSON frame: "));

  // Nested inside an otherwise valid action (an ignored extra field).
  const std::string obj = R"({"action":"ping","requestId":"deep","x":)" + std::string(depth, '[') +
                          std::string(depth, ']') + "}";
  c.send_text(obj);
  auto d2 = next(c);
  CHECK(str(d2, "/type") == "error");
  CHECK(str(d2, "/error/code") == "VALIDATION_ERROR");
  expect_alive(c, "after-deep");
  expect_server_healthy(server);
}

TEST_CASE("a 900 KiB valid frame with an unknown action is answered normally", "[server]") {
  so::net::server server(local_options());
  auto c = connect_to(server);
  const std::string pad(900 * 1024, 'a');
  c.send_text(R"({"action":"frobnicate","requestId":"big","pad":")" + pad + R"("})");
  check_error(next(c, 10000ms), "UNSUPPORTED_ACTION",
              std::string("action 'frobnicate' is not supported by this server"),
              std::string("big"));
  expect_alive(c, "after-big");
}

TEST_CASE("a frame over the 1 MiB limit closes that connection with 1009 only", "[server]") {
  so::net::server server(local_options());
  auto bystander = connect_to(server);
  expect_alive(bystander, "before");

  auto c = connect_to(server);
  const std::string pad((1 << 20) + 1024, 'a');
  try {
    c.send_text(R"({"action":"ping","requestId":"huge","pad":")" + pad + R"("})");
  } catch (const std::exception&) {
    // The server may close while the frame is still being written; the close code matters.
  }
  // No reply: the next thing is the close.
  auto frame = c.read(5000ms);
  CHECK_FALSE(frame.has_value());
  REQUIRE(c.closed().has_value());
  CHECK(c.closed()->code == 1009);

  expect_alive(bystander, "after");
  expect_server_healthy(server);
}

TEST_CASE("the frame limit follows max_frame_bytes", "[server]") {
  auto o = local_options();
  o.config.max_frame_bytes = 4096;
  so::net::server server(std::move(o));
  auto c = connect_to(server);
  c.send_text(R"({"action":"ping","requestId":"small","pad":")" + std::string(3000, 'x') + "\"}");
  CHECK(str(next(c), "/type") == "pong");
  try {
    c.send_text(R"({"action":"ping","requestId":"big","pad":")" + std::string(5000, 'x') + "\"}");
  } catch (const std::exception&) {
  }
  CHECK_FALSE(c.read(5000ms).has_value());
  REQUIRE(c.closed().has_value());
  CHECK(c.closed()->code == 1009);
}

TEST_CASE("a binary frame is a VALIDATION_ERROR without requestId", "[server]") {
  so::net::server server(local_options());
  auto c = connect_to(server);
  // Even a binary frame holding a valid action is refused.
  c.send_binary(R"({"action":"ping","requestId":"bin"})");
  auto d = next(c);
  check_error(d, "VALIDATION_ERROR",
              std::string("binary frames are not supported; send JSON text frames"), std::nullopt);
  c.send_binary(std::string("\x00\xff\xfe", 3));
  check_error(next(c), "VALIDATION_ERROR",
              std::string("binary frames are not supported; send JSON text frames"), std::nullopt);
  expect_alive(c, "after-binary");
}

TEST_CASE("a lone surrogate escape is a VALIDATION_ERROR", "[server]") {
  so::net::server server(local_options());
  auto c = connect_to(server);
  // Valid JSON syntax but "\ud800" has no pair: no valid UTF-8 string exists for it.
  c.send_text(R"({"action":"ping","requestId":"sur","x":"\ud800"})");
  auto d = next(c);
  check_error(d, "VALIDATION_ERROR", std::nullopt, std::nullopt);
  CHECK(starts_with(str(d, "/error/message"), "invalid JSON frame: "));
  c.send_text(R"({"action":"ping","requestId":"sur2","x":"a\udc00b"})");
  CHECK(str(next(c), "/type") == "error");
  // A proper pair is fine.
  c.send_text(R"({"action":"ping","requestId":"pair","x":"\ud83d\ude00"})");
  auto ok = next(c);
  CHECK(str(ok, "/type") == "pong");
  CHECK(str(ok, "/requestId") == "pair");
}

TEST_CASE("a message over 32,000 characters is a VALIDATION_ERROR", "[server]") {
  auto llm = scripted_texts({"ok"});
  so::net::server server(scripted_options(llm));
  auto c = connect_to(server);
  auto s = create_session(c);
  c.send_text(R"({"action":"send_message","requestId":"long","sessionId":")" + s.session_id +
              R"(","message":")" + std::string(32001, 'a') + R"("})");
  auto d = next(c);  // no 202 first
  check_error(d, "VALIDATION_ERROR", std::nullopt, std::string("long"));
  // Characters, not bytes: 32,000 two-byte characters are accepted.
  std::string at_limit;
  for (int i = 0; i < 32000; ++i) at_limit += "\xc3\xa9";  // é
  auto e = run_turn(c, s.session_id, at_limit, "limit");
  CHECK(str(e, "/type") == "eventual_response");
  CHECK(llm->requests().size() == 1);  // the over-long one never reached the model
}

TEST_CASE("a burst of 200 garbage frames gets 200 errors and the connection survives", "[server]") {
  so::net::server server(local_options());
  auto c = connect_to(server);
  const std::vector<std::string> garbage{"{",   "[1,2", "\"unterminated", "nul", "{\"a\":}", "}{",
                                         "tru", "[]]",  "{'single':1}",   "0x10"};
  for (int i = 0; i < 200; ++i) c.send_text(garbage[i % garbage.size()] + std::to_string(i));
  for (int i = 0; i < 200; ++i) {
    INFO("error #" << i);
    auto d = next(c);
    REQUIRE(str(d, "/type") == "error");
    CHECK(str(d, "/error/code") == "VALIDATION_ERROR");
  }
  expect_alive(c, "after-burst");
  expect_server_healthy(server);
}
