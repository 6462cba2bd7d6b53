// tests/protocol/action_test.cpp — parse_action: every branch, code, text and requestId rule.
#include "protocol/action.hpp"
#include "protocol/error_codes.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace so::protocol;
using namespace std::string_literals;

namespace {

template <class T>
T expect_action(std::string_view frame, const action_limits& limits = {}) {
  INFO("frame: " << frame);
  const action a = parse_action(frame, limits);
  if (const auto* err = std::get_if<action_error>(&a)) {
    FAIL("unexpected error " << err->code << ": " << err->message);
  }
  REQUIRE(std::holds_alternative<T>(a));
  return std::get<T>(a);
}

action_error expect_error(std::string_view frame, const action_limits& limits = {}) {
  INFO("frame: " << frame);
  const action a = parse_action(frame, limits);
  REQUIRE(std::holds_alternative<action_error>(a));
  return std::get<action_error>(a);
}

void check_error(std::string_view frame, std::string_view code, std::string_view message,
                 const request_id& rid) {
  const action_error e = expect_error(frame);
  INFO("frame: " << frame);
  CHECK(e.code == code);
  CHECK(e.message == message);
  CHECK(e.rid == rid);
}

}  // namespace

// ---- dispatch (§3.0) -----------------------------------------------------------------------

TEST_CASE("invalid JSON is a VALIDATION_ERROR without requestId", "[protocol][action]") {
  for (const std::string& frame :
       {"{"s, "not json"s, ""s, "{\"action\":\"ping\",\"requestId\":\"r1\""s,
        "{\"action\":\"ping\",\"requestId\":\"r\xC3\x28\"}"s, "{\"s\":\"\\ud800\"}"s,
        "{\"action\":\"ping\"}\0"s, "{\"action\":\"p\0ing\"}"s}) {
    const action_error e = expect_error(frame);
    INFO("frame: " << frame);
    CHECK(e.code == codes::validation_error);
    CHECK(e.message.rfind("invalid JSON frame: ", 0) == 0);
    CHECK(e.message.size() > std::string("invalid JSON frame: ").size());
    CHECK_FALSE(e.rid);
  }
}

TEST_CASE("nesting beyond the limit is invalid JSON, even 100k deep", "[protocol][action]") {
  const std::string deep =
      "{\"action\":\"ping\",\"x\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  const action_error e = expect_error(deep);
  CHECK(e.code == codes::validation_error);
  CHECK(e.message.rfind("invalid JSON frame: ", 0) == 0);
  CHECK_FALSE(e.rid);

  // Within the limit, nested payloads are fine.
  expect_action<ping_action>("{\"action\":\"ping\",\"x\":[[[[{}]]]]}");
  action_limits tight;
  tight.json.max_depth = 2;
  expect_error("{\"action\":\"ping\",\"x\":[[1]]}", tight);
}

TEST_CASE("non-object JSON has neither action nor requestId", "[protocol][action]") {
  for (const char* frame :
       {"[]", "[{\"action\":\"ping\",\"requestId\":\"r\"}]", "42", "\"ping\"", "null", "true"}) {
    check_error(frame, codes::validation_error, texts::missing_action, std::nullopt);
  }
}

TEST_CASE("missing or non-string action", "[protocol][action]") {
  check_error(R"({})", codes::validation_error, "missing 'action' field", std::nullopt);
  check_error(R"({"requestId":"r1"})", codes::validation_error, "missing 'action' field", "r1");
  check_error(R"({"action":42,"requestId":"r2"})", codes::validation_error,
              "missing 'action' field", "r2");
  check_error(R"({"action":null,"requestId":"r3"})", codes::validation_error,
              "missing 'action' field", "r3");
  check_error(R"({"action":["ping"]})", codes::validation_error, "missing 'action' field",
              std::nullopt);
  // A non-string requestId is treated as absent.
  check_error(R"({"requestId":7})", codes::validation_error, "missing 'action' field",
              std::nullopt);
}

TEST_CASE("unknown actions are UNSUPPORTED_ACTION with requestId", "[protocol][action]") {
  for (const char* name : {"get_messages", "PING", "", " ping", "VERIFY_OTP"}) {
    const std::string frame = std::string(R"({"action":")") + name + R"(","requestId":"rq"})";
    check_error(frame, codes::unsupported_action,
                std::string("action '") + name + "' is not supported by this server", "rq");
  }
  check_error(R"({"action":"nope"})", codes::unsupported_action,
              "action 'nope' is not supported by this server", std::nullopt);
  check_error(R"({"action":"nope","requestId":false})", codes::unsupported_action,
              "action 'nope' is not supported by this server", std::nullopt);
}

TEST_CASE("verify_otp: rows 1-3 of later-protocol.md 5.4, in order", "[protocol][action]") {
  check_error(R"({"action":"verify_otp","sessionId":"s","code":"1"})", codes::validation_error,
              "verify_otp requires a 'requestId'", std::nullopt);
  check_error(R"({"action":"verify_otp","requestId":7})", codes::validation_error,
              "verify_otp requires a 'requestId'", std::nullopt);
  check_error(R"({"action":"verify_otp","requestId":"r","code":"1"})", codes::validation_error,
              "verify_otp requires a 'sessionId'", "r");
  check_error(R"({"action":"verify_otp","requestId":"r","sessionId":"s","code":null})",
              codes::validation_error, "verify_otp requires a 'code'", "r");
  // An empty code passes verbatim (no trimming, no format check).
  const action a =
      parse_action(R"({"action":"verify_otp","requestId":"r","sessionId":"s","code":""})");
  REQUIRE(std::holds_alternative<verify_otp_action>(a));
  CHECK(std::get<verify_otp_action>(a).rid == "r");
  CHECK(std::get<verify_otp_action>(a).session_id == "s");
  CHECK(std::get<verify_otp_action>(a).code.empty());
  const action b =
      parse_action(R"({"action":"verify_otp","requestId":"r","sessionId":"s","code":" 12 "})");
  REQUIRE(std::holds_alternative<verify_otp_action>(b));
  CHECK(std::get<verify_otp_action>(b).code == " 12 ");
}

TEST_CASE("binary frames have their own fixed error", "[protocol][action]") {
  const action_error e = binary_frame_error();
  CHECK(e.code == "VALIDATION_ERROR");
  CHECK(e.message == "binary frames are not supported; send JSON text frames");
  CHECK_FALSE(e.rid);
}

// ---- ping / cancel ---------------------------------------------------------------------------

TEST_CASE("ping", "[protocol][action]") {
  CHECK(expect_action<ping_action>(R"({"action":"ping","requestId":"p1"})").rid == "p1");
  CHECK_FALSE(expect_action<ping_action>(R"({"action":"ping"})").rid);
  CHECK_FALSE(expect_action<ping_action>(R"({"action":"ping","requestId":1})").rid);
  // Unknown extra fields are ignored.
  CHECK(expect_action<ping_action>(R"({"extra":{"x":[1]},"action":"ping","requestId":"p"})").rid ==
        "p");
}

TEST_CASE("cancel is supported, sessionId is advisory", "[protocol][action]") {
  auto c = expect_action<cancel_action>(R"({"action":"cancel","requestId":"c1","sessionId":"s"})");
  CHECK(c.rid == "c1");
  CHECK(c.session_id == "s");
  c = expect_action<cancel_action>(R"({"action":"cancel"})");
  CHECK_FALSE(c.rid);
  CHECK_FALSE(c.session_id);
  c = expect_action<cancel_action>(R"({"action":"cancel","sessionId":5})");
  CHECK_FALSE(c.session_id);
}

// ---- create_conversation_session -------------------------------------------------------------

TEST_CASE("create_conversation_session: full request", "[protocol][action]") {
  const auto a = expect_action<create_session_action>(R"({
    "action":"create_conversation_session","requestId":"r-create",
    "agentId":"11111111-1111-1111-1111-111111111111","userName":"Alice",
    "userEmail":"alice@example.com","browserFingerprint":"fp_1",
    "metadata": { "plan" : "pro", "n" : [1, 2] },
    "authContext":{"userId":"u","signature":"ab","timestamp":1}})");
  CHECK(a.rid == "r-create");
  CHECK(a.agent_id == "11111111-1111-1111-1111-111111111111");
  CHECK(a.user_name == "Alice");
  CHECK(a.user_email == "alice@example.com");
  CHECK(a.browser_fingerprint == "fp_1");
  CHECK(a.metadata_json == R"({"plan":"pro","n":[1,2]})");
  CHECK(a.has_auth_context);
  CHECK(a.auth_context_json == R"({"userId":"u","signature":"ab","timestamp":1})");
}

TEST_CASE("create_conversation_session: optional fields", "[protocol][action]") {
  auto a = expect_action<create_session_action>(
      R"({"action":"create_conversation_session","agentId":"any string"})");
  CHECK_FALSE(a.rid);
  CHECK(a.agent_id == "any string");  // not validated as a UUID
  CHECK_FALSE(a.user_name);
  CHECK_FALSE(a.user_email);
  CHECK_FALSE(a.browser_fingerprint);
  CHECK_FALSE(a.metadata_json);
  CHECK_FALSE(a.has_auth_context);
  CHECK_FALSE(a.auth_context_json);

  // Wrong types count as missing.
  a = expect_action<create_session_action>(
      R"({"action":"create_conversation_session","agentId":"a","userName":5,"userEmail":null,
          "browserFingerprint":{},"metadata":null})");
  CHECK_FALSE(a.user_name);
  CHECK_FALSE(a.user_email);
  CHECK_FALSE(a.browser_fingerprint);
  CHECK_FALSE(a.metadata_json);

  // metadata: any JSON value is kept as compact text.
  a = expect_action<create_session_action>(
      R"({"action":"create_conversation_session","agentId":"a","metadata":[ 1, "x" ]})");
  CHECK(a.metadata_json == R"([1,"x"])");
  a = expect_action<create_session_action>(
      R"({"action":"create_conversation_session","agentId":"a","metadata":"text"})");
  CHECK(a.metadata_json == R"("text")");

  // authContext: presence counts even when null or not an object (the verifier rejects it).
  a = expect_action<create_session_action>(
      R"({"action":"create_conversation_session","agentId":"a","authContext":null})");
  CHECK(a.has_auth_context);
  CHECK(a.auth_context_json == "null");
  a = expect_action<create_session_action>(
      R"({"action":"create_conversation_session","agentId":"a","authContext":"sig"})");
  CHECK(a.has_auth_context);
  CHECK(a.auth_context_json == R"("sig")");
}

TEST_CASE("create_conversation_session requires a non-blank agentId", "[protocol][action]") {
  for (const char* frame : {
           R"({"action":"create_conversation_session","requestId":"r"})",
           R"({"action":"create_conversation_session","requestId":"r","agentId":null})",
           R"({"action":"create_conversation_session","requestId":"r","agentId":42})",
           R"({"action":"create_conversation_session","requestId":"r","agentId":""})",
           R"({"action":"create_conversation_session","requestId":"r","agentId":"   \t\n"})",
           "{\"action\":\"create_conversation_session\",\"requestId\":\"r\",\"agentId\":"
           "\"\xE3\x80\x80\"}",
       }) {
    check_error(frame, codes::validation_error, "missing 'agentId'", "r");
  }
  check_error(R"({"action":"create_conversation_session"})", codes::validation_error,
              "missing 'agentId'", std::nullopt);
}

// ---- get_session / get_conversation_messages ---------------------------------------------------

TEST_CASE("get_session", "[protocol][action]") {
  const auto a = expect_action<get_session_action>(
      R"({"action":"get_session","requestId":"g","sessionId":"s-1"})");
  CHECK(a.rid == "g");
  CHECK(a.session_id == "s-1");
  check_error(R"({"action":"get_session","requestId":"g"})", codes::validation_error,
              "missing 'sessionId'", "g");
  check_error(R"({"action":"get_session","requestId":"g","sessionId":42})", codes::validation_error,
              "missing 'sessionId'", "g");
  check_error(R"({"action":"get_session"})", codes::validation_error, "missing 'sessionId'",
              std::nullopt);
}

TEST_CASE("get_conversation_messages: sessionId, limit and cursor", "[protocol][action]") {
  auto a = expect_action<get_messages_action>(
      R"({"action":"get_conversation_messages","requestId":"m","sessionId":"s","limit":5,"cursor":"c9"})");
  CHECK(a.rid == "m");
  CHECK(a.session_id == "s");
  CHECK(a.limit == 5);
  CHECK(a.cursor == "c9");

  // No upper cap (reference behaviour).
  a = expect_action<get_messages_action>(
      R"({"action":"get_conversation_messages","sessionId":"s","limit":100000})");
  CHECK(a.limit == 100000);
  CHECK_FALSE(a.cursor);

  for (const char* limit : {"5.0", "\"5\"", "0", "-1", "null", "true", "1.5", "[5]", "1e2",
                            "-9223372036854775808", "18446744073709551616"}) {
    const std::string frame =
        std::string(R"({"action":"get_conversation_messages","sessionId":"s","limit":)") + limit +
        "}";
    INFO("limit: " << limit);
    CHECK(expect_action<get_messages_action>(frame).limit == 50);
  }
  CHECK(expect_action<get_messages_action>(
            R"({"action":"get_conversation_messages","sessionId":"s"})")
            .limit == 50);
  CHECK_FALSE(expect_action<get_messages_action>(
                  R"({"action":"get_conversation_messages","sessionId":"s","cursor":12})")
                  .cursor);

  check_error(R"({"action":"get_conversation_messages","requestId":"m","limit":5})",
              codes::validation_error, "missing 'sessionId'", "m");
  check_error(R"({"action":"get_conversation_messages","sessionId":["s"]})",
              codes::validation_error, "missing 'sessionId'", std::nullopt);
}

// ---- send_message (§3.5.1 order) ---------------------------------------------------------------

TEST_CASE("send_message: valid request", "[protocol][action]") {
  const auto a = expect_action<send_message_action>(
      R"({"action":"send_message","requestId":"r-msg","sessionId":"s","message":"  hi there ","stream":false})");
  CHECK(a.rid == "r-msg");
  CHECK(a.session_id == "s");
  CHECK(a.message == "  hi there ");  // used as-is, not trimmed
}

TEST_CASE("send_message: validation order and requestId rules", "[protocol][action]") {
  // 1. requestId: required, and the error carries none.
  check_error(R"({"action":"send_message","sessionId":"s","message":"hi"})",
              codes::validation_error, "send_message requires a 'requestId'", std::nullopt);
  check_error(R"({"action":"send_message","requestId":12,"sessionId":"s","message":"hi"})",
              codes::validation_error, "send_message requires a 'requestId'", std::nullopt);
  // requestId is checked before everything else.
  check_error(R"({"action":"send_message"})", codes::validation_error,
              "send_message requires a 'requestId'", std::nullopt);

  // 2. sessionId, before message.
  check_error(R"({"action":"send_message","requestId":"r"})", codes::validation_error,
              "missing 'sessionId'", "r");
  check_error(R"({"action":"send_message","requestId":"r","sessionId":1,"message":"hi"})",
              codes::validation_error, "missing 'sessionId'", "r");

  // 3. message: a string with non-whitespace content.
  for (const char* message :
       {"", "   ", "\\t\\n\\r", "\\u00a0\\u2003\\u3000", "null", "5", "[\"hi\"]", "{}"}) {
    const bool is_literal =
        message[0] == 'n' || message[0] == '5' || message[0] == '[' || message[0] == '{';
    const std::string value = is_literal ? message : "\"" + std::string(message) + "\"";
    check_error(
        R"({"action":"send_message","requestId":"r","sessionId":"s","message":)" + value + "}",
        codes::validation_error, "missing or empty 'message'", "r");
  }
  check_error(R"({"action":"send_message","requestId":"r","sessionId":"s"})",
              codes::validation_error, "missing or empty 'message'", "r");
}

TEST_CASE("send_message: the 32,000-character cap counts code points", "[protocol][action]") {
  const auto frame_with = [](const std::string& message) {
    return R"({"action":"send_message","requestId":"r","sessionId":"s","message":")" + message +
           "\"}";
  };
  CHECK(expect_action<send_message_action>(frame_with(std::string(32000, 'a'))).message.size() ==
        32000);
  check_error(frame_with(std::string(32001, 'a')), codes::validation_error,
              "'message' exceeds 32000 characters", "r");

  // 32,000 three-byte characters are 96,000 bytes but within the cap.
  std::string euros;
  for (int i = 0; i < 32000; ++i) euros += "\xE2\x82\xAC";
  CHECK(expect_action<send_message_action>(frame_with(euros)).message.size() == 96000);
  check_error(frame_with(euros + "\xE2\x82\xAC"), codes::validation_error,
              "'message' exceeds 32000 characters", "r");

  // The text names the configured limit.
  action_limits limits;
  limits.max_message_chars = 5;
  expect_action<send_message_action>(frame_with("12345"), limits);
  const action_error e = expect_error(frame_with("123456"), limits);
  CHECK(e.message == "'message' exceeds 5 characters");
  CHECK(e.rid == "r");
  CHECK(e.code == codes::validation_error);
}

// ---- confirm_tool_action ---------------------------------------------------------------------

TEST_CASE("confirm_tool_action: valid verdicts", "[protocol][action]") {
  auto a = expect_action<confirm_tool_action>(
      R"({"action":"confirm_tool_action","requestId":"c","sessionId":"s","approved":true})");
  CHECK(a.rid == "c");
  CHECK(a.session_id == "s");
  CHECK(a.approved);
  a = expect_action<confirm_tool_action>(
      R"({"action":"confirm_tool_action","sessionId":"s","approved":false})");
  CHECK_FALSE(a.rid);
  CHECK_FALSE(a.approved);
}

TEST_CASE("confirm_tool_action: fails closed", "[protocol][action]") {
  check_error(R"({"action":"confirm_tool_action","requestId":"c","approved":true})",
              codes::validation_error, "confirm_tool_action requires a 'sessionId'", "c");
  check_error(R"({"action":"confirm_tool_action","requestId":"c","sessionId":7,"approved":true})",
              codes::validation_error, "confirm_tool_action requires a 'sessionId'", "c");
  // sessionId is checked before approved.
  check_error(R"({"action":"confirm_tool_action","requestId":"c"})", codes::validation_error,
              "confirm_tool_action requires a 'sessionId'", "c");
  for (const char* approved : {"\"true\"", "1", "0", "null", "\"yes\"", "[true]"}) {
    const std::string frame =
        std::string(
            R"({"action":"confirm_tool_action","requestId":"c","sessionId":"s","approved":)") +
        approved + "}";
    check_error(frame, codes::validation_error, "confirm_tool_action requires a boolean 'approved'",
                "c");
  }
  check_error(R"({"action":"confirm_tool_action","sessionId":"s"})", codes::validation_error,
              "confirm_tool_action requires a boolean 'approved'", std::nullopt);
}

// ---- hostile input -----------------------------------------------------------------------------

TEST_CASE("hostile frames never crash the parser", "[protocol][action]") {
  // Huge string values and keys are fine and bounded only by the frame limit upstream.
  const std::string huge(1 << 20, 'k');
  CHECK(expect_action<ping_action>(R"({"action":"ping","requestId":")" + huge + "\"}").rid == huge);
  check_error(R"({"action":")" + huge + "\"}", codes::unsupported_action,
              "action '" + huge + "' is not supported by this server", std::nullopt);
  // Duplicate keys: RapidJSON keeps both, lookups see the first; still no crash.
  CHECK(expect_action<ping_action>(R"({"action":"ping","requestId":"a","requestId":"b"})").rid ==
        "a");
  // Escaped NUL inside a string value is legal JSON and survives intact.
  CHECK(expect_action<ping_action>(R"({"action":"ping","requestId":"a\u0000b"})").rid == "a\0b"s);
  // Control bytes that are not escaped are rejected as invalid JSON.
  CHECK(expect_error("{\"action\":\"ping\",\"requestId\":\"a\x01\"}")
            .message.rfind("invalid JSON frame: ", 0) == 0);
}
