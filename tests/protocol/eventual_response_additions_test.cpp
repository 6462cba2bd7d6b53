// tests/protocol/eventual_response_additions_test.cpp — the issue 12 pieces of the event
// builders: `suggestedNextActions`, `usage.costUsd` (later-protocol.md §3.1, §3.3) and
// `stream_preamble` (§4.1), by shape and against the shared JSON Schemas (when present).
#include "protocol/events.hpp"
#include "tests/protocol/fixed_time.hpp"
#include "tests/protocol/schema_validator.hpp"
#include "tests/protocol/test_json.hpp"

#include <catch2/catch.hpp>

namespace ev = so::protocol::events;
using so::test::parse_json;

using so::test::kNow;

namespace {

void require_schema(const std::string& json, const std::string& ref) {
  const auto spec = so::test::spec_dir();
  if (!spec) return;
  so::test::schema_validator v(*spec);
  const auto errors = v.validate(parse_json(json), ref);
  std::string all;
  for (const auto& e : errors) all += e + "\n";
  INFO("instance: " << json << "\nerrors:\n" << all);
  CHECK(errors.empty());
}

}  // namespace

TEST_CASE("eventual_response carries the suggestions and the cost", "[protocol][events]") {
  const auto text = ev::eventual_response("r", "m", "How mature?", {}, ev::usage{10, 5, 0.00042},
                                          kNow, {"Ad-hoc", "Repeatable", "Optimized"});
  auto doc = parse_json(text);
  const auto& response = doc["data"]["data"]["response"];
  REQUIRE(response["suggestedNextActions"].IsArray());
  REQUIRE(response["suggestedNextActions"].Size() == 3);
  CHECK(std::string(response["suggestedNextActions"][2].GetString()) == "Optimized");
  const auto& usage = doc["data"]["data"]["usage"];
  CHECK(usage.MemberCount() == 3);
  CHECK(usage["costUsd"].GetDouble() == Approx(0.00042));
  CHECK(usage["promptTokens"].GetInt() == 10);
  CHECK(usage["completionTokens"].GetInt() == 5);
  require_schema(text, "events/eventual-response.schema.json");
}

TEST_CASE("eventual_response: no known price, no costUsd, but a zero cost is sent",
          "[protocol][events]") {
  auto unknown =
      parse_json(ev::eventual_response("r", "m", "x", {}, ev::usage{1, 2, std::nullopt}, kNow));
  CHECK_FALSE(unknown["data"]["data"]["usage"].HasMember("costUsd"));
  auto zero = parse_json(ev::eventual_response("r", "m", "x", {}, ev::usage{1, 2, 0.0}, kNow));
  CHECK(zero["data"]["data"]["usage"]["costUsd"].GetDouble() == 0.0);
}

TEST_CASE("stream_preamble has the stream_token shape", "[protocol][events]") {
  const auto text = ev::stream_preamble("r-msg", "Let me check your order.", kNow);
  auto doc = parse_json(text);
  CHECK(std::string(doc["type"].GetString()) == "stream_preamble");
  CHECK(std::string(doc["requestId"].GetString()) == "r-msg");
  CHECK(std::string(doc["token"].GetString()) == "Let me check your order.");
  CHECK(std::string(doc["data"]["requestId"].GetString()) == "r-msg");
  CHECK(std::string(doc["data"]["token"].GetString()) == "Let me check your order.");
  CHECK(doc["timestamp"].GetInt64() == kNow);
  require_schema(text, "events/stream-preamble.schema.json");
}
