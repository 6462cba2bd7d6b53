// tests/protocol/domain_test.cpp — RFC 3339 time and domain record JSON.
#include "protocol/domain.hpp"
#include "tests/protocol/test_json.hpp"

#include <catch2/catch.hpp>

using namespace so::protocol;
using so::test::at;
using so::test::member_count;
using so::test::parse_json;
using so::test::str_at;
using namespace std::chrono_literals;
using std::chrono::December;
using std::chrono::February;
using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using std::chrono::sys_days;

namespace {

// 2026-06-24T12:00:00Z
time_point base() {
  return time_point{seconds{1782302400}};
}

}  // namespace

TEST_CASE("to_rfc3339 formats UTC with the shortest exact fraction", "[protocol][domain]") {
  CHECK(to_rfc3339(time_point{}) == "1970-01-01T00:00:00Z");
  CHECK(to_rfc3339(base()) == "2026-06-24T12:00:00Z");
  CHECK(to_rfc3339(base() + milliseconds{1}) == "2026-06-24T12:00:00.001Z");
  CHECK(to_rfc3339(base() + milliseconds{120}) == "2026-06-24T12:00:00.120Z");
  CHECK(to_rfc3339(base() + microseconds{1234567}) == "2026-06-24T12:00:01.234567Z");
  CHECK(to_rfc3339(base() + microseconds{500}) == "2026-06-24T12:00:00.000500Z");
  CHECK(to_rfc3339(base() + nanoseconds{1}) == "2026-06-24T12:00:00.000000001Z");
  CHECK(to_rfc3339(base() + nanoseconds{987654321}) == "2026-06-24T12:00:00.987654321Z");
  CHECK(to_rfc3339(base() + hours{11} + minutes{59} + seconds{59}) == "2026-06-24T23:59:59Z");
  // Leap day, end of year, and before the epoch.
  CHECK(to_rfc3339(sys_days{2024y / February / 29}) == "2024-02-29T00:00:00Z");
  CHECK(to_rfc3339(sys_days{1999y / December / 31} + seconds{86399}) == "1999-12-31T23:59:59Z");
  CHECK(to_rfc3339(time_point{} - milliseconds{1}) == "1969-12-31T23:59:59.999Z");
}

TEST_CASE("parse_rfc3339 accepts any offset and converts to UTC", "[protocol][domain]") {
  CHECK(parse_rfc3339("2026-06-24T12:00:00Z") == base());
  CHECK(parse_rfc3339("2026-06-24t12:00:00z") == base());
  CHECK(parse_rfc3339("2026-06-24 12:00:00Z") == base());
  CHECK(parse_rfc3339("2026-06-24T14:30:00+02:30") == base());
  CHECK(parse_rfc3339("2026-06-24T07:00:00-05:00") == base());
  CHECK(parse_rfc3339("2026-06-25T00:00:00+12:00") == base());
  CHECK(parse_rfc3339("2026-06-24T12:00:00.5Z") == base() + milliseconds{500});
  CHECK(parse_rfc3339("2026-06-24T12:00:01.234567Z") == base() + microseconds{1234567});
  CHECK(parse_rfc3339("2026-06-24T12:00:00.123456789Z") == base() + nanoseconds{123456789});
  // Sub-nanosecond digits are truncated.
  CHECK(parse_rfc3339("2026-06-24T12:00:00.1234567899Z") == base() + nanoseconds{123456789});
  CHECK(parse_rfc3339("1969-12-31T23:59:59.999Z") == time_point{} - milliseconds{1});
}

TEST_CASE("parse_rfc3339 round-trips to_rfc3339", "[protocol][domain]") {
  for (auto t : {base(), base() + milliseconds{7}, base() + microseconds{42},
                 base() + nanoseconds{999999999}, time_point{}}) {
    const std::string text = to_rfc3339(t);
    INFO(text);
    CHECK(parse_rfc3339(text) == t);
  }
}

TEST_CASE("parse_rfc3339 rejects malformed timestamps", "[protocol][domain]") {
  for (const char* bad : {"",
                          "2026-06-24",
                          "2026-06-24T12:00:00",
                          "2026-06-24T12:00Z",
                          "2026-6-24T12:00:00Z",
                          "2026-06-24T12:00:00.Z",
                          "2026-06-24T12:00:00+0200",
                          "2026-06-24T12:00:00+02",
                          "2026-13-01T00:00:00Z",
                          "2026-00-01T00:00:00Z",
                          "2026-02-30T00:00:00Z",
                          "2023-02-29T00:00:00Z",
                          "2026-06-24T24:00:00Z",
                          "2026-06-24T12:60:00Z",
                          "2026-06-24T12:00:61Z",
                          "2026-06-24T12:00:00+24:00",
                          "2026-06-24T12:00:00Zjunk",
                          "2026-06-24X12:00:00Z",
                          "abcd-06-24T12:00:00Z",
                          "9999-12-31T23:59:59Z",
                          "0001-01-01T00:00:00Z"}) {
    INFO(bad);
    CHECK_FALSE(parse_rfc3339(bad));
  }
}

TEST_CASE("message_content::plain_text", "[protocol][domain]") {
  CHECK(message_content::from_text("hi").plain_text() == "hi");
  message_content c;
  CHECK(c.plain_text() == "");
  c.items = {content_item{"image", std::nullopt}, content_item{"text", "second"}};
  CHECK(c.plain_text() == "second");
  c.text = "mirror";
  CHECK(c.plain_text() == "mirror");
}

TEST_CASE("conversation JSON", "[protocol][domain]") {
  conversation c;
  c.id = "conv-1";
  c.name = "Session s";
  c.organization_id = "org";
  c.idempotency_key = "s";
  c.created_at = base();
  c.updated_at = base() + milliseconds{5};
  auto doc = parse_json(to_json(c));
  CHECK(member_count(doc) == 7);
  CHECK(str_at(doc, "id") == "conv-1");
  CHECK(str_at(doc, "platform") == "web");
  CHECK(str_at(doc, "name") == "Session s");
  CHECK(str_at(doc, "organizationId") == "org");
  CHECK(str_at(doc, "idempotencyKey") == "s");
  CHECK(str_at(doc, "createdAt") == "2026-06-24T12:00:00Z");
  CHECK(str_at(doc, "updatedAt") == "2026-06-24T12:00:00.005Z");
  CHECK(at(doc, "metadataJson") == nullptr);
  CHECK(at(doc, "analyticsJson") == nullptr);

  c.metadata_json = R"({"plan":"pro"})";
  c.analytics_json = "[1,2]";
  doc = parse_json(to_json(c));
  CHECK(str_at(doc, "metadataJson/plan") == "pro");
  CHECK(at(doc, "analyticsJson")->IsArray());

  // Stored JSON null counts as absent: omitted, never null on the wire.
  c.metadata_json = "null";
  CHECK(at(parse_json(to_json(c)), "metadataJson") == nullptr);
}

TEST_CASE("participant JSON", "[protocol][domain]") {
  participant p;
  p.id = "p1";
  p.conversation_id = "c1";
  p.organization_id = "o1";
  p.type = "ai-agent";
  p.internal_id = "agent-7";
  p.name = "smooth-agent";
  p.created_at = p.updated_at = base();
  auto doc = parse_json(to_json(p));
  CHECK(member_count(doc) == 8);
  CHECK(str_at(doc, "type") == "ai-agent");
  CHECK(str_at(doc, "internalId") == "agent-7");
  for (const char* absent : {"externalId", "browserFingerprint", "browserInfo", "email", "phone",
                             "crmContactId", "metadataJson"}) {
    CHECK(at(doc, absent) == nullptr);
  }

  p.external_id = "ext";
  p.browser_fingerprint = "fp";
  p.browser_info_json = R"({"ua":"x"})";
  p.email = "a@b.c";
  p.phone = "+1";
  p.crm_contact_id = "crm";
  p.metadata_json = R"({"k":1})";
  doc = parse_json(to_json(p));
  CHECK(member_count(doc) == 15);
  CHECK(str_at(doc, "externalId") == "ext");
  CHECK(str_at(doc, "browserFingerprint") == "fp");
  CHECK(str_at(doc, "browserInfo/ua") == "x");
  CHECK(str_at(doc, "email") == "a@b.c");
  CHECK(str_at(doc, "phone") == "+1");
  CHECK(str_at(doc, "crmContactId") == "crm");
  CHECK(at(doc, "metadataJson/k")->GetInt() == 1);
}

TEST_CASE("message JSON: turn messages omit the optionals", "[protocol][domain]") {
  message m;
  m.id = "m1";
  m.conversation_id = "c1";
  m.direction = direction::outbound;
  m.content = message_content::from_text("Hello \"world\"");
  m.created_at = base() + microseconds{1234567};
  auto doc = parse_json(to_json(m));
  CHECK(member_count(doc) == 5);
  CHECK(str_at(doc, "id") == "m1");
  CHECK(str_at(doc, "conversationId") == "c1");
  CHECK(str_at(doc, "direction") == "outbound");
  CHECK(str_at(doc, "createdAt") == "2026-06-24T12:00:01.234567Z");
  CHECK(member_count(doc, "content") == 2);
  CHECK(str_at(doc, "content/text") == "Hello \"world\"");
  const auto* items = at(doc, "content/items");
  REQUIRE(items->IsArray());
  REQUIRE(items->Size() == 1);
  CHECK(str_at((*items)[0], "type") == "text");
  CHECK(str_at((*items)[0], "text") == "Hello \"world\"");
}

TEST_CASE("message JSON: every field, and empty content", "[protocol][domain]") {
  message m;
  m.id = "m2";
  m.external_id = "x";
  m.organization_id = "o";
  m.conversation_id = "c";
  m.direction = direction::inbound;
  m.content = message_content{{}, std::nullopt, R"({"k":true})"};
  m.from = participant_ref{"u1", "user", "Alice"};
  m.to = participant_ref{"a1", "ai-agent", std::nullopt};
  m.metadata_json = R"({"m":1})";
  m.analytics_json = R"({"a":2})";
  m.created_at = base();
  m.updated_at = base() + seconds{1};
  auto doc = parse_json(to_json(m));
  CHECK(member_count(doc) == 12);
  CHECK(str_at(doc, "direction") == "inbound");
  CHECK(str_at(doc, "externalId") == "x");
  CHECK(str_at(doc, "organizationId") == "o");
  // items is always present, even when empty; text is omitted.
  REQUIRE(at(doc, "content/items") != nullptr);
  CHECK(at(doc, "content/items")->Size() == 0);
  CHECK(at(doc, "content/text") == nullptr);
  CHECK(at(doc, "content/structuredResponse/k")->GetBool());
  CHECK(member_count(doc, "from") == 3);
  CHECK(str_at(doc, "from/name") == "Alice");
  CHECK(member_count(doc, "to") == 2);
  CHECK(at(doc, "to/name") == nullptr);
  CHECK(str_at(doc, "to/type") == "ai-agent");
  CHECK(str_at(doc, "updatedAt") == "2026-06-24T12:00:01Z");

  // A content item without text omits the key.
  m.content.items = {content_item{"text", std::nullopt}};
  doc = parse_json(to_json(m));
  CHECK(member_count((*at(doc, "content/items"))[0]) == 1);
}

TEST_CASE("session JSON", "[protocol][domain]") {
  session s;
  s.session_id = "s";
  s.conversation_id = "c";
  s.organization_id = "o";
  s.agent_id = "a";
  s.user_participant_id = "u";
  s.agent_participant_id = "ap";
  s.thread_id = "c";
  auto doc = parse_json(to_json(s));
  CHECK(member_count(doc) == 8);
  CHECK(str_at(doc, "agentName") == "smooth-agent");
  CHECK(str_at(doc, "threadId") == "c");
  for (const char* absent : {"status", "tokenCount", "messageCount", "metadata", "createdAt",
                             "updatedAt", "endedAt", "lastActivityAt"}) {
    CHECK(at(doc, absent) == nullptr);
  }

  s.status = "active";
  s.token_count = 0;
  s.message_count = 18446744073709551615ull;
  s.metadata = {{"flag", "true"}, {"obj", R"({"x":[1]})"}};
  s.created_at = s.updated_at = s.last_activity_at = base();
  s.ended_at = base() + hours{1};
  doc = parse_json(to_json(s));
  CHECK(member_count(doc) == 16);
  CHECK(str_at(doc, "status") == "active");
  CHECK(at(doc, "tokenCount")->GetUint64() == 0);
  CHECK(at(doc, "messageCount")->GetUint64() == 18446744073709551615ull);
  CHECK(at(doc, "metadata/flag")->GetBool());
  CHECK(at(doc, "metadata/obj/x")->IsArray());
  CHECK(str_at(doc, "endedAt") == "2026-06-24T13:00:00Z");
  CHECK(str_at(doc, "lastActivityAt") == "2026-06-24T12:00:00Z");
}
