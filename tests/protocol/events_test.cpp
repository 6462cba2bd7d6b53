// tests/protocol/events_test.cpp — every builder, parsed back and checked field by field.
#include "protocol/events.hpp"
#include "protocol/utf8.hpp"
#include "tests/protocol/fixed_time.hpp"
#include "tests/protocol/test_json.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using namespace so::protocol;
namespace ev = so::protocol::events;
using so::test::at;
using so::test::int_at;
using so::test::member_count;
using so::test::parse_json;
using so::test::str_at;

using so::test::kNow;

namespace {

session sample_session() {
  session s;
  s.session_id = "2f0c6a52-8f8e-4c8e-9b7e-2d7c1d0e4a11";
  s.conversation_id = "9b1d3f44-0c55-4f0e-8c33-61a2b7e5d002";
  s.organization_id = "reference-org";
  s.agent_id = "11111111-1111-1111-1111-111111111111";
  s.user_participant_id = "5a7e0b8e-2c1f-4a43-b6a9-0c7d9f1e3b21";
  s.agent_participant_id = "c3d2e1f0-7b6a-4c5d-9e8f-0a1b2c3d4e5f";
  s.thread_id = s.conversation_id;
  s.token_count = 0;
  return s;
}

}  // namespace

TEST_CASE("pong mirrors the timestamp", "[protocol][events]") {
  auto doc = parse_json(ev::pong("ping-1", kNow));
  CHECK(member_count(doc) == 4);
  CHECK(str_at(doc, "type") == "pong");
  CHECK(str_at(doc, "requestId") == "ping-1");
  CHECK(int_at(doc, "timestamp") == kNow);
  CHECK(member_count(doc, "data") == 1);
  CHECK(int_at(doc, "data/timestamp") == kNow);

  doc = parse_json(ev::pong(std::nullopt, 7));
  CHECK(member_count(doc) == 3);
  CHECK(at(doc, "requestId") == nullptr);
  CHECK(int_at(doc, "data/timestamp") == 7);
}

TEST_CASE("immediate_response carries status, message and data", "[protocol][events]") {
  auto doc =
      parse_json(ev::immediate_response("r-msg", 202, "Processing your request...", "{}", kNow));
  CHECK(member_count(doc) == 6);
  CHECK(str_at(doc, "type") == "immediate_response");
  CHECK(str_at(doc, "requestId") == "r-msg");
  CHECK(int_at(doc, "status") == 202);
  CHECK(str_at(doc, "message") == "Processing your request...");
  CHECK(member_count(doc, "data") == 0);
  CHECK(int_at(doc, "timestamp") == kNow);

  doc = parse_json(ev::immediate_response(std::nullopt, 200, "Tool action approved",
                                          ev::confirm_ack_data("s-1", true), kNow));
  CHECK(member_count(doc) == 5);
  CHECK(at(doc, "requestId") == nullptr);
  CHECK(str_at(doc, "data/sessionId") == "s-1");
  CHECK(at(doc, "data/approved")->GetBool());

  // An empty payload still yields the required `data` object.
  doc = parse_json(ev::immediate_response("r", 202, "m", "", kNow));
  CHECK(member_count(doc, "data") == 0);
}

TEST_CASE("session_created_data has exactly six fields", "[protocol][events]") {
  const session s = sample_session();
  auto doc = parse_json(ev::session_created_data(s));
  CHECK(member_count(doc) == 6);
  CHECK(str_at(doc, "sessionId") == s.session_id);
  CHECK(str_at(doc, "conversationId") == s.conversation_id);
  CHECK(str_at(doc, "agentId") == s.agent_id);
  CHECK(str_at(doc, "agentName") == "smooth-agent");
  CHECK(str_at(doc, "userParticipantId") == s.user_participant_id);
  CHECK(str_at(doc, "agentParticipantId") == s.agent_participant_id);
}

TEST_CASE("session_snapshot_data adds threadId and status", "[protocol][events]") {
  session s = sample_session();
  auto doc = parse_json(ev::session_snapshot_data(s));
  CHECK(member_count(doc) == 8);
  CHECK(str_at(doc, "threadId") == s.conversation_id);
  CHECK(str_at(doc, "status") == "active");  // default when unset
  CHECK(str_at(doc, "agentId") == s.agent_id);
  s.status = "ended";
  CHECK(str_at(parse_json(ev::session_snapshot_data(s)), "status") == "ended");
}

TEST_CASE("message_page_data: full messages, nextCursor and hasMore", "[protocol][events]") {
  message newer;
  newer.id = "m2";
  newer.conversation_id = "c";
  newer.direction = direction::outbound;
  newer.content = message_content::from_text("Hello from the engine!");
  newer.created_at = time_point{std::chrono::microseconds{1782302401234567}};
  message older = newer;
  older.id = "m1";
  older.direction = direction::inbound;
  older.content = message_content::from_text("hi there");

  auto doc = parse_json(ev::message_page_data("c", {newer, older}, std::nullopt));
  CHECK(member_count(doc) == 4);
  CHECK(str_at(doc, "conversationId") == "c");
  const auto* messages = at(doc, "messages");
  REQUIRE(messages->IsArray());
  REQUIRE(messages->Size() == 2);
  CHECK(str_at((*messages)[0], "id") == "m2");
  CHECK(str_at((*messages)[0], "direction") == "outbound");
  CHECK(str_at((*messages)[0], "content/text") == "Hello from the engine!");
  CHECK(str_at((*messages)[0], "createdAt") == "2026-06-24T12:00:01.234567Z");
  CHECK(str_at((*messages)[1], "id") == "m1");
  CHECK(str_at((*messages)[1], "direction") == "inbound");
  CHECK(at((*messages)[1], "content/items")->Size() == 1);
  // nextCursor is present and null when there is no further page.
  REQUIRE(at(doc, "nextCursor") != nullptr);
  CHECK(at(doc, "nextCursor")->IsNull());
  CHECK_FALSE(at(doc, "hasMore")->GetBool());

  doc = parse_json(ev::message_page_data("c", {newer}, std::string("m2")));
  CHECK(str_at(doc, "nextCursor") == "m2");
  CHECK(at(doc, "hasMore")->GetBool());

  doc = parse_json(ev::message_page_data("c", {}, std::nullopt));
  CHECK(at(doc, "messages")->Size() == 0);
}

TEST_CASE("confirm_ack_data", "[protocol][events]") {
  auto doc = parse_json(ev::confirm_ack_data("s", false));
  CHECK(member_count(doc) == 2);
  CHECK(str_at(doc, "sessionId") == "s");
  CHECK_FALSE(at(doc, "approved")->GetBool());
}

TEST_CASE("stream_token and stream_reasoning mirror the token", "[protocol][events]") {
  for (const char* type : {"stream_token", "stream_reasoning"}) {
    const std::string text = std::string(type) == "stream_token"
                                 ? ev::stream_token("r-msg", "Hello \"f\"\n", kNow)
                                 : ev::stream_reasoning("r-msg", "Hello \"f\"\n", kNow);
    auto doc = parse_json(text);
    INFO(type);
    CHECK(member_count(doc) == 5);
    CHECK(str_at(doc, "type") == type);
    CHECK(str_at(doc, "requestId") == "r-msg");
    CHECK(str_at(doc, "token") == "Hello \"f\"\n");
    CHECK(member_count(doc, "data") == 2);
    CHECK(str_at(doc, "data/requestId") == "r-msg");
    CHECK(str_at(doc, "data/token") == "Hello \"f\"\n");
    CHECK(int_at(doc, "timestamp") == kNow);
    CHECK(at(doc, "status") == nullptr);  // never a status on tokens
  }
}

TEST_CASE("tool call chunk sends arguments as a JSON string", "[protocol][events]") {
  auto doc = parse_json(ev::tool_call_chunk("r-msg", "lookup_order", R"({"id":"123"})", kNow));
  CHECK(member_count(doc) == 5);
  CHECK(str_at(doc, "type") == "stream_chunk");
  CHECK(str_at(doc, "requestId") == "r-msg");
  CHECK(str_at(doc, "node") == "lookup_order");
  CHECK(member_count(doc, "data") == 3);
  CHECK(str_at(doc, "data/requestId") == "r-msg");
  CHECK(str_at(doc, "data/node") == "lookup_order");
  CHECK(member_count(doc, "data/state") == 1);
  CHECK(member_count(doc, "data/state/rawResponse") == 1);
  CHECK(member_count(doc, "data/state/rawResponse/toolCall") == 2);
  CHECK(str_at(doc, "data/state/rawResponse/toolCall/name") == "lookup_order");
  CHECK(str_at(doc, "data/state/rawResponse/toolCall/arguments") == R"({"id":"123"})");
  CHECK(at(doc, "data/done") == nullptr);
  CHECK(int_at(doc, "timestamp") == kNow);
}

TEST_CASE("tool result chunk cuts the result to 500 code points", "[protocol][events]") {
  auto doc =
      parse_json(ev::tool_result_chunk("r", "lookup_order", false, "Order 123: shipped", kNow));
  CHECK(member_count(doc, "data/state/rawResponse/toolResult") == 3);
  CHECK(str_at(doc, "data/state/rawResponse/toolResult/name") == "lookup_order");
  CHECK_FALSE(at(doc, "data/state/rawResponse/toolResult/isError")->GetBool());
  CHECK(str_at(doc, "data/state/rawResponse/toolResult/result") == "Order 123: shipped");
  CHECK(str_at(doc, "node") == "lookup_order");

  std::string long_result;
  for (int i = 0; i < 600; ++i) long_result += "\xE2\x82\xAC";  // 600 x '€'
  doc = parse_json(ev::tool_result_chunk("r", "t", true, long_result, kNow));
  CHECK(at(doc, "data/state/rawResponse/toolResult/isError")->GetBool());
  const std::string cut = str_at(doc, "data/state/rawResponse/toolResult/result");
  CHECK(utf8_length(cut) == 500);
  CHECK(cut == long_result.substr(0, 1500));

  const std::string exactly(500, 'x');
  doc = parse_json(ev::tool_result_chunk("r", "t", false, exactly, kNow));
  CHECK(str_at(doc, "data/state/rawResponse/toolResult/result") == exactly);
}

TEST_CASE("eventual_response: double nesting and neutral defaults", "[protocol][events]") {
  auto doc = parse_json(ev::eventual_response("r-msg", "m-1", "Hello!", {}, std::nullopt, kNow));
  CHECK(member_count(doc) == 5);
  CHECK(str_at(doc, "type") == "eventual_response");
  CHECK(str_at(doc, "requestId") == "r-msg");
  CHECK(int_at(doc, "status") == 200);
  CHECK(int_at(doc, "timestamp") == kNow);
  CHECK(member_count(doc, "data") == 3);
  CHECK(str_at(doc, "data/requestId") == "r-msg");
  CHECK(int_at(doc, "data/status") == 200);
  // No citations and no usage: the keys are absent, not empty or null.
  CHECK(member_count(doc, "data/data") == 3);
  CHECK(str_at(doc, "data/data/messageId") == "m-1");
  CHECK_FALSE(at(doc, "data/data/needsEscalation")->GetBool());
  CHECK(at(doc, "data/data/citations") == nullptr);
  CHECK(at(doc, "data/data/usage") == nullptr);
  CHECK(at(doc, "data/data/escalationReason") == nullptr);

  CHECK(member_count(doc, "data/data/response") == 6);
  const auto* parts = at(doc, "data/data/response/responseParts");
  REQUIRE(parts->IsArray());
  REQUIRE(parts->Size() == 1);
  CHECK(std::string((*parts)[0].GetString()) == "Hello!");
  CHECK(at(doc, "data/data/response/customerHappinessScore")->GetDouble() == 0.5);
  CHECK(at(doc, "data/data/response/needsSatisfactionScore")->GetDouble() == 0.5);
  CHECK(str_at(doc, "data/data/response/requestSummary") == "");
  CHECK(str_at(doc, "data/data/response/resolutionStatus") == "in_progress");
  CHECK(at(doc, "data/data/response/suggestedNextActions")->IsArray());
  CHECK(at(doc, "data/data/response/suggestedNextActions")->Size() == 0);

  // An empty reply is still one (empty) part.
  doc = parse_json(ev::eventual_response("r", "m", "", {}, std::nullopt, kNow));
  CHECK(at(doc, "data/data/response/responseParts")->Size() == 1);
  CHECK(std::string((*at(doc, "data/data/response/responseParts"))[0].GetString()).empty());
}

TEST_CASE("eventual_response: citations and usage", "[protocol][events]") {
  const std::vector<ev::citation> citations{
      {"doc-1", "acme/handbook@main#wildlife/quokka.md",
       std::string("https://github.com/acme/handbook/blob/main/wildlife/quokka.md"),
       "Quokkas are the friendliest marsupial.", 0.91f},
      {"doc-2", "policies/shipping.md", std::nullopt, "Standard shipping takes 5 to 7 days.",
       1.0f / 13.0f},
  };
  const std::string text =
      ev::eventual_response("r", "m", "reply", citations, ev::usage{1200, 34, std::nullopt}, kNow);
  auto doc = parse_json(text);
  CHECK(member_count(doc, "data/data") == 5);
  const auto* list = at(doc, "data/data/citations");
  REQUIRE(list->IsArray());
  REQUIRE(list->Size() == 2);
  const auto& web = (*list)[0];
  CHECK(member_count(web) == 5);
  CHECK(str_at(web, "id") == "doc-1");
  CHECK(str_at(web, "title") == "acme/handbook@main#wildlife/quokka.md");
  CHECK(str_at(web, "url") == "https://github.com/acme/handbook/blob/main/wildlife/quokka.md");
  CHECK(str_at(web, "snippet") == "Quokkas are the friendliest marsupial.");
  CHECK(std::abs(at(web, "score")->GetDouble() - 0.91) < 1e-4);
  // The f32 widened to f64, exactly (engine.md §1.13).
  CHECK(at(web, "score")->GetDouble() == static_cast<double>(0.91f));
  const auto& local = (*list)[1];
  CHECK(member_count(local) == 4);
  CHECK(at(local, "url") == nullptr);  // omitted, not null
  CHECK(at(local, "score")->GetDouble() == static_cast<double>(1.0f / 13.0f));
  CHECK(text.find("0.07692307978868484") != std::string::npos);

  CHECK(member_count(doc, "data/data/usage") == 2);
  CHECK(at(doc, "data/data/usage/promptTokens")->GetUint64() == 1200);
  CHECK(at(doc, "data/data/usage/completionTokens")->GetUint64() == 34);

  // A non-finite score cannot break the document (written as null, like serde).
  const std::vector<ev::citation> odd{
      {"d", "t", std::nullopt, "s", std::numeric_limits<float>::quiet_NaN()}};
  doc = parse_json(ev::eventual_response("r", "m", "x", odd, std::nullopt, kNow));
  CHECK((*at(doc, "data/data/citations"))[0]["score"].IsNull());
}

TEST_CASE("write_confirmation_required", "[protocol][events]") {
  auto doc = parse_json(ev::write_confirmation_required("r-msg", "delete_record", kNow));
  CHECK(member_count(doc) == 4);
  CHECK(str_at(doc, "type") == "write_confirmation_required");
  CHECK(str_at(doc, "requestId") == "r-msg");
  CHECK(member_count(doc, "data") == 2);
  CHECK(str_at(doc, "data/requestId") == "r-msg");
  CHECK(member_count(doc, "data/data") == 2);
  CHECK(str_at(doc, "data/data/toolId") == "delete_record");
  CHECK(str_at(doc, "data/data/actionDescription") ==
        "Tool 'delete_record' requires confirmation. Allow?");
  CHECK(int_at(doc, "timestamp") == kNow);
}

TEST_CASE("error duplicates the descriptor", "[protocol][events]") {
  auto doc = parse_json(ev::error("r-orphan", "SESSION_NOT_FOUND", "session 'x' not found", kNow));
  CHECK(member_count(doc) == 5);
  CHECK(str_at(doc, "type") == "error");
  CHECK(str_at(doc, "requestId") == "r-orphan");
  CHECK(member_count(doc, "error") == 2);
  CHECK(str_at(doc, "error/code") == "SESSION_NOT_FOUND");
  CHECK(str_at(doc, "error/message") == "session 'x' not found");
  CHECK(member_count(doc, "data") == 2);
  CHECK(str_at(doc, "data/requestId") == "r-orphan");
  CHECK(str_at(doc, "data/error/code") == "SESSION_NOT_FOUND");
  CHECK(str_at(doc, "data/error/message") == "session 'x' not found");
  CHECK(at(doc, "status") == nullptr);
  CHECK(at(doc, "data/details") == nullptr);
  CHECK(int_at(doc, "timestamp") == kNow);

  doc = parse_json(ev::error(std::nullopt, "VALIDATION_ERROR", "bad", kNow));
  CHECK(member_count(doc) == 4);
  CHECK(at(doc, "requestId") == nullptr);
  CHECK(member_count(doc, "data") == 1);
  CHECK(at(doc, "data/requestId") == nullptr);
  CHECK(str_at(doc, "data/error/code") == "VALIDATION_ERROR");
}

TEST_CASE("cancelled is a 499 terminal event", "[protocol][events]") {
  auto doc = parse_json(ev::cancelled("r-turn", kNow));
  CHECK(member_count(doc) == 5);
  CHECK(str_at(doc, "type") == "cancelled");
  CHECK(str_at(doc, "requestId") == "r-turn");
  CHECK(int_at(doc, "status") == 499);
  CHECK(member_count(doc, "data") == 2);
  CHECK(str_at(doc, "data/requestId") == "r-turn");
  CHECK(int_at(doc, "data/status") == 499);
  CHECK(int_at(doc, "timestamp") == kNow);

  doc = parse_json(ev::cancelled(std::nullopt, kNow));
  CHECK(member_count(doc) == 4);
  CHECK(at(doc, "requestId") == nullptr);
  CHECK(member_count(doc, "data") == 1);
  CHECK(int_at(doc, "data/status") == 499);
}

TEST_CASE("builders escape hostile strings into valid JSON", "[protocol][events]") {
  const std::string nasty =
      std::string("quote\" backslash\\ nl\n nul") + '\0' + " ctrl\x01 \xF0\x9F\x98\x80";
  auto doc = parse_json(ev::error(nasty, nasty, nasty, kNow));
  CHECK(str_at(doc, "requestId") == nasty);
  CHECK(str_at(doc, "error/code") == nasty);
  CHECK(str_at(doc, "data/error/message") == nasty);
  doc = parse_json(ev::stream_token(nasty, nasty, kNow));
  CHECK(str_at(doc, "token") == nasty);
}
