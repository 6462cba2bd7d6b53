// tests/protocol/json_test.cpp — parse_untrusted, field access and UTF-8 helpers.
#include "protocol/json.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace so::protocol;
using namespace std::string_literals;

namespace {

json_parse_result parse(std::string_view text, std::size_t max_depth = 64) {
  rapidjson::Document doc;
  return parse_untrusted(doc, text, json_limits{max_depth});
}

std::string nested_arrays(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

}  // namespace

TEST_CASE("parse_untrusted accepts valid JSON of every kind", "[protocol][json]") {
  rapidjson::Document doc;
  REQUIRE(parse_untrusted(doc, R"({"a":[1,-2,3.5,true,null,"x"],"b":{"c":"\u00e9"}})").ok);
  REQUIRE(doc.IsObject());
  CHECK(doc["a"].Size() == 6);
  CHECK(std::string(doc["b"]["c"].GetString()) == "\xC3\xA9");

  CHECK(parse_untrusted(doc, "42").ok);
  CHECK(doc.IsInt());
  CHECK(parse_untrusted(doc, R"("just a string")").ok);
  CHECK(doc.IsString());
  CHECK(parse_untrusted(doc, "  [ ]  \n").ok);
  CHECK(doc.IsArray());
}

TEST_CASE("parse_untrusted reports syntax errors with an offset", "[protocol][json]") {
  rapidjson::Document doc;
  const auto r = parse_untrusted(doc, R"({"a": 1, "b": [1, 2,, 3]})");
  REQUIRE_FALSE(r.ok);
  CHECK(r.error == "Invalid value. at offset 20");
  CHECK(doc.IsNull());  // no half-built value is left behind

  for (const char* bad : {"", "   ", "{", "{\"x\":", "[1,2", "nul", "{'a':1}", "{\"a\":1,}",
                          "[1] [2]", "1e400", "\"unterminated"}) {
    INFO("input: " << bad);
    const auto res = parse(bad);
    CHECK_FALSE(res.ok);
    CHECK_FALSE(res.error.empty());
  }
}

TEST_CASE("parse_untrusted rejects invalid UTF-8 and lone surrogates", "[protocol][json]") {
  SECTION("truncated two-byte sequence") {
    CHECK_FALSE(parse("{\"s\":\"\xC3\x28\"}").ok);
  }
  SECTION("stray continuation byte") {
    CHECK_FALSE(parse("{\"s\":\"\x80\"}").ok);
  }
  SECTION("overlong encoding") {
    CHECK_FALSE(parse("{\"s\":\"\xC0\xAF\"}").ok);
  }
  SECTION("encoded surrogate") {
    CHECK_FALSE(parse("{\"s\":\"\xED\xA0\x80\"}").ok);
  }
  SECTION("invalid byte in a key") {
    CHECK_FALSE(parse("{\"\xFF\":1}").ok);
  }
  SECTION("lone high surrogate escape") {
    const auto r = parse(R"({"s":"\ud83d"})");
    CHECK_FALSE(r.ok);
    CHECK(r.error.find("surrogate") != std::string::npos);
  }
  SECTION("lone low surrogate escape") {
    CHECK_FALSE(parse(R"({"s":"\ude00"})").ok);
  }
  SECTION("a valid surrogate pair is fine") {
    rapidjson::Document doc;
    REQUIRE(parse_untrusted(doc, R"({"s":"\ud83d\ude00"})").ok);
    CHECK(std::string(doc["s"].GetString()) == "\xF0\x9F\x98\x80");
  }
  SECTION("valid multi-byte UTF-8 is fine") {
    CHECK(parse("{\"s\":\"h\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"}").ok);
  }
}

TEST_CASE("parse_untrusted handles NUL bytes", "[protocol][json]") {
  SECTION("raw NUL inside a string is rejected") {
    CHECK_FALSE(parse("{\"s\":\"a\0b\"}"s).ok);
  }
  SECTION("NUL after a complete value is rejected, not silently ignored") {
    const auto r = parse("{\"a\":1}\0{\"b\":2}"s);
    CHECK_FALSE(r.ok);
    CHECK(r.error.find("NUL") != std::string::npos);
    CHECK_FALSE(parse("{\"a\":1}\0"s).ok);
  }
  SECTION("an escaped NUL is valid JSON and keeps its length") {
    rapidjson::Document doc;
    REQUIRE(parse_untrusted(doc, R"({"s":"a\u0000b"})").ok);
    CHECK(doc["s"].GetStringLength() == 3);
  }
  SECTION("a lone NUL is not JSON") {
    CHECK_FALSE(parse("\0"s).ok);
  }
}

TEST_CASE("parse_untrusted enforces the depth limit", "[protocol][json]") {
  CHECK(parse(nested_arrays(64)).ok);
  const auto r = parse(nested_arrays(65));
  CHECK_FALSE(r.ok);
  CHECK(r.error.find("nested deeper than 64") != std::string::npos);

  CHECK(parse(nested_arrays(3), 3).ok);
  CHECK_FALSE(parse(nested_arrays(4), 3).ok);

  std::string objects;
  for (int i = 0; i < 65; ++i) objects += "{\"a\":";
  objects += "1" + std::string(65, '}');
  CHECK_FALSE(parse(objects).ok);

  SECTION("100k-deep nesting fails cleanly") {
    CHECK_FALSE(parse(nested_arrays(100000)).ok);
    CHECK_FALSE(parse(std::string(100000, '[')).ok);  // unterminated, too
  }
  SECTION("depth is counted, not width") {
    std::string wide = "[";
    for (int i = 0; i < 10000; ++i) wide += (i ? ",[]" : "[]");
    wide += "]";
    CHECK(parse(wide).ok);
  }
}

TEST_CASE("parse_untrusted copes with huge strings", "[protocol][json]") {
  const std::string big(4 * 1024 * 1024, 'x');
  rapidjson::Document doc;
  REQUIRE(parse_untrusted(doc, "{\"s\":\"" + big + "\"}").ok);
  CHECK(doc["s"].GetStringLength() == big.size());
  CHECK_FALSE(parse("{\"s\":\"" + big).ok);  // unterminated
}

TEST_CASE("field access treats a wrong type as missing", "[protocol][json]") {
  rapidjson::Document doc;
  REQUIRE(parse_untrusted(doc, R"({"s":"v","n":42,"b":true,"z":null,"o":{}})").ok);
  CHECK(get_string(doc, "s") == "v");
  CHECK_FALSE(get_string(doc, "n"));
  CHECK_FALSE(get_string(doc, "z"));
  CHECK_FALSE(get_string(doc, "absent"));
  CHECK(get_bool(doc, "b") == true);
  CHECK_FALSE(get_bool(doc, "s"));
  CHECK_FALSE(get_bool(doc, "n"));
  CHECK(get_member(doc, "z") != nullptr);
  CHECK(get_member(doc, "z")->IsNull());
  CHECK(get_member(doc, "absent") == nullptr);

  rapidjson::Document arr;
  REQUIRE(parse_untrusted(arr, R"(["s"])").ok);
  CHECK(get_member(arr, "s") == nullptr);  // not an object: nothing, no assert
  CHECK_FALSE(get_string(arr, "s"));
  CHECK_FALSE(get_bool(arr, "s"));
}

TEST_CASE("to_compact_json re-serializes compactly", "[protocol][json]") {
  rapidjson::Document doc;
  REQUIRE(parse_untrusted(doc, "{ \"a\" : [ 1 , 2.5 , \"x\\\"y\" ] ,\n \"b\" : null }").ok);
  CHECK(to_compact_json(doc) == R"({"a":[1,2.5,"x\"y"],"b":null})");
  CHECK(to_compact_json(doc["b"]) == "null");
}
