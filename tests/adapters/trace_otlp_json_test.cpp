// tests/adapters/trace_otlp_json_test.cpp — adapters/telemetry/trace_ids and trace_otlp_json:
// W3C ids in hex, and a batch encoded as the OTLP/HTTP JSON body a collector parses.
#include "adapters/telemetry/trace_otlp_json.hpp"

#include <rapidjson/document.h>
#include <catch2/catch.hpp>

#include <set>
#include <string>

using namespace so::adapters::telemetry;

namespace {

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str(), text.size());
  INFO(text);
  REQUIRE_FALSE(d.HasParseError());
  return d;
}

std::string s(const rapidjson::Value& v) {
  REQUIRE(v.IsString());
  return std::string(v.GetString(), v.GetStringLength());
}

}  // namespace

TEST_CASE("trace ids: random ids are valid, distinct and lower-case hex of the W3C width",
          "[trace]") {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const auto t = trace_id::random();
    const auto sp = span_id::random();
    CHECK(t.valid());
    CHECK(sp.valid());
    CHECK(t.hex().size() == 32);
    CHECK(sp.hex().size() == 16);
    CHECK(t.hex().find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(seen.insert(t.hex()).second);
  }
  span_id zero;
  CHECK_FALSE(zero.valid());
  CHECK(zero.hex() == "0000000000000000");
  span_id x;
  x.bytes = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
  CHECK(x.hex() == "0123456789abcdef");
}

TEST_CASE("otlp json: a batch is resourceSpans > scopeSpans > spans with OTLP's field encodings",
          "[trace]") {
  trace_resource res;
  res.attributes.push_back({"service.name", std::string("svc")});
  res.scope_version = "1.2.3";

  span_record root;
  root.trace = trace_id::random();
  root.span = span_id::random();
  root.name = "invoke_agent a";
  root.start_unix_ns = 1'700'000'000'123'456'789ULL;
  root.end_unix_ns = 1'700'000'001'000'000'000ULL;
  root.set("session.id", std::string("S"));
  root.set("gen_ai.usage.input_tokens", std::int64_t{42});
  root.set("flag", true);
  root.set("gen_ai.request.temperature", 0.5);
  root.set("gen_ai.response.finish_reasons", std::vector<std::string>{"stop", "length"});
  root.set("bad", std::string("a\xff"
                              "b"));  // not UTF-8: repaired, the body stays JSON
  root.status = span_status::error;
  root.status_message = "boom";

  span_record child;
  child.trace = root.trace;
  child.span = span_id::random();
  child.parent = root.span;
  child.name = "chat m";
  child.kind = span_kind::client;
  child.start_unix_ns = 5;
  child.end_unix_ns = 6;

  auto d = parse(encode_otlp_json(res, {root, child}));
  const auto& rs = d["resourceSpans"];
  REQUIRE(rs.Size() == 1);
  const auto& rattrs = rs[0]["resource"]["attributes"];
  REQUIRE(rattrs.Size() == 1);
  CHECK(s(rattrs[0]["key"]) == "service.name");
  CHECK(s(rattrs[0]["value"]["stringValue"]) == "svc");
  const auto& ss = rs[0]["scopeSpans"];
  REQUIRE(ss.Size() == 1);
  CHECK(s(ss[0]["scope"]["name"]) == "smooth-operator");
  CHECK(s(ss[0]["scope"]["version"]) == "1.2.3");
  const auto& spans = ss[0]["spans"];
  REQUIRE(spans.Size() == 2);

  const auto& r = spans[0];
  CHECK(s(r["traceId"]) == root.trace.hex());
  CHECK(s(r["spanId"]) == root.span.hex());
  CHECK_FALSE(r.HasMember("parentSpanId"));  // a root span
  CHECK(s(r["name"]) == "invoke_agent a");
  CHECK(r["kind"].GetInt() == 1);
  CHECK(s(r["startTimeUnixNano"]) == "1700000000123456789");  // 64-bit: a decimal string
  CHECK(s(r["endTimeUnixNano"]) == "1700000001000000000");
  CHECK(r["status"]["code"].GetInt() == 2);
  CHECK(s(r["status"]["message"]) == "boom");
  const auto& a = r["attributes"];
  REQUIRE(a.Size() == 6);
  CHECK(s(a[0]["key"]) == "session.id");
  CHECK(s(a[0]["value"]["stringValue"]) == "S");
  CHECK(s(a[1]["value"]["intValue"]) == "42");
  CHECK(a[2]["value"]["boolValue"].GetBool());
  CHECK(a[3]["value"]["doubleValue"].GetDouble() == 0.5);
  const auto& arr = a[4]["value"]["arrayValue"]["values"];
  REQUIRE(arr.Size() == 2);
  CHECK(s(arr[0]["stringValue"]) == "stop");
  CHECK(s(arr[1]["stringValue"]) == "length");
  CHECK(s(a[5]["value"]["stringValue"]) ==
        "a\xEF\xBF\xBD"
        "b");

  const auto& c = spans[1];
  CHECK(s(c["parentSpanId"]) == root.span.hex());
  CHECK(s(c["traceId"]) == root.trace.hex());
  CHECK(c["kind"].GetInt() == 3);
  CHECK(c["status"]["code"].GetInt() == 0);
  CHECK_FALSE(c["status"].HasMember("message"));
  CHECK(c["attributes"].Size() == 0);
}
