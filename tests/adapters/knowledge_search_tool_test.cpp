// tests/adapters/knowledge_search_tool_test.cpp — the built-in knowledge_search tool (engine.md
// §1.8).
#include "adapters/tools/knowledge_search_tool.hpp"
#include "adapters/tools/rust_debug_string.hpp"

#include <rapidjson/document.h>
#include <catch2/catch.hpp>

#include <optional>

using namespace so::adapters;
using namespace so::adapters::tools;

namespace {

/// A query function that records its inputs and answers synchronously.
struct fake_knowledge {
  std::vector<knowledge_result> results;
  std::optional<std::string> error;
  std::vector<std::string> queries;
  std::vector<std::size_t> limits;
  std::vector<access_context> accesses;

  knowledge_query_fn fn() {
    return [this](std::string q, std::size_t limit, access_context access, auto done) {
      queries.push_back(std::move(q));
      limits.push_back(limit);
      accesses.push_back(std::move(access));
      done(results, error);
    };
  }
};

tool_outcome run_sync(tool& t, const std::string& args, const tool_context& ctx = {}) {
  std::optional<tool_outcome> out;
  int calls = 0;
  t.invoke(args, ctx, [&](tool_outcome o) {
    ++calls;
    out = std::move(o);
  });
  REQUIRE(calls == 1);
  return *out;
}

knowledge_result result(std::string id, std::string chunk, float score, std::string source) {
  return {std::move(id), std::move(chunk), score, std::move(source), std::nullopt, std::nullopt};
}

}  // namespace

TEST_CASE("knowledge_search offers the reference schema verbatim", "[tools]") {
  fake_knowledge kb;
  knowledge_search_tool t(kb.fn());
  const auto& spec = t.spec();
  CHECK(spec.name == "knowledge_search");
  CHECK(spec.description ==
        "Search the organization's knowledge base for facts relevant to the user's question "
        "(policies, product details, documentation). Returns the most relevant snippets with "
        "their source and relevance score. Call this before answering any question that depends "
        "on organization-specific knowledge.");

  rapidjson::Document actual;
  actual.Parse(spec.parameters_json.c_str());
  REQUIRE_FALSE(actual.HasParseError());
  rapidjson::Document expected;
  expected.Parse(
      R"({ "type": "object",
    "properties": {
      "query": { "type": "string",
                 "description": "The search query )"
      "\xE2\x80\x94"
      R"( phrase it with the key terms you expect to appear in the answer (e.g. 'return policy refund window')." },
      "limit": { "type": "integer", "description": "Maximum number of snippets to return (default 3).",
                 "minimum": 1, "maximum": 10 } },
    "required": ["query"] })");
  REQUIRE_FALSE(expected.HasParseError());
  CHECK(actual == expected);
  // The dash travels as raw UTF-8, not as a \u escape.
  CHECK(spec.parameters_json.find("query \xE2\x80\x94 phrase") != std::string::npos);
}

TEST_CASE("knowledge_search requires a string query", "[tools]") {
  fake_knowledge kb;
  knowledge_search_tool t(kb.fn());
  for (const auto* args : {"{}", R"({"query":5})", R"({"query":null})", R"({"q":"x"})",
                           R"(["query"])", "not json", ""}) {
    INFO(args);
    auto out = run_sync(t, args);
    CHECK(out.is_error);
    CHECK(out.text == "error: knowledge_search requires a string 'query' argument");
  }
  CHECK(kb.queries.empty());
}

TEST_CASE("knowledge_search clamps limit to [1,10], defaulting to 3", "[tools]") {
  fake_knowledge kb;
  knowledge_search_tool t(kb.fn());
  const std::vector<std::pair<std::string, std::size_t>> cases = {
      {R"({"query":"q"})", 3},
      {R"({"query":"q","limit":5})", 5},
      {R"({"query":"q","limit":0})", 1},
      {R"({"query":"q","limit":11})", 10},
      {R"({"query":"q","limit":99999999999})", 10},
      {R"({"query":"q","limit":-2})", 3},
      {R"({"query":"q","limit":2.0})", 3},
      {R"({"query":"q","limit":"5"})", 3},
      {R"({"query":"q","limit":null})", 3},
      {R"({"query":"q","limit":1})", 1},
      {R"({"query":"q","limit":10})", 10},
  };
  for (const auto& [args, want] : cases) {
    INFO(args);
    kb.limits.clear();
    run_sync(t, args);
    REQUIRE(kb.limits.size() == 1);
    CHECK(kb.limits[0] == want);
  }
}

TEST_CASE("knowledge_search formats results and returns them as sources", "[tools]") {
  fake_knowledge kb;
  knowledge_search_tool t(kb.fn());
  tool_context ctx;
  ctx.access.user_id = "u1";
  ctx.access.groups = {"staff"};

  SECTION("no results") {
    auto out = run_sync(t, R"({"query":"alpha"})", ctx);
    CHECK_FALSE(out.is_error);
    CHECK(out.text == R"(No knowledge base results found for query: "alpha")");
    CHECK(out.sources.empty());
    REQUIRE(kb.accesses.size() == 1);
    CHECK(kb.accesses[0].user_id == std::optional<std::string>("u1"));
    CHECK(kb.accesses[0].groups == std::vector<std::string>{"staff"});
  }
  SECTION("one result, the reference example") {
    kb.results = {result("doc-public", "The alpha office hours are open to the whole organization.",
                         0.11f, "handbook/hours.md")};
    auto out = run_sync(t, R"({"query":"alpha"})", ctx);
    CHECK_FALSE(out.is_error);
    CHECK(out.text ==
          "Found 1 knowledge base result(s) for \"alpha\":\n"
          "1. [source=handbook/hours.md | id=doc-public | relevance=0.11]\n"
          "The alpha office hours are open to the whole organization.\n");
    REQUIRE(out.sources.size() == 1);
    CHECK(out.sources[0].document_id == "doc-public");
  }
  SECTION("several results, scores rounded half-even on the exact float") {
    kb.results = {result("a", "one", 0.125f, "s1"), result("b", "two", 0.375f, "s2"),
                  result("c", "three", 1.0f, "s3"), result("d", "four", 0.0f, "s4")};
    auto out = run_sync(t, R"({"query":"x","limit":10})");
    CHECK(out.text ==
          "Found 4 knowledge base result(s) for \"x\":\n"
          "1. [source=s1 | id=a | relevance=0.12]\none\n"
          "2. [source=s2 | id=b | relevance=0.38]\ntwo\n"
          "3. [source=s3 | id=c | relevance=1.00]\nthree\n"
          "4. [source=s4 | id=d | relevance=0.00]\nfour\n");
    CHECK(out.sources.size() == 4);
  }
  SECTION("more results than the limit are truncated, order kept") {
    kb.results = {result("a", "1", 0.9f, "s"), result("b", "2", 0.8f, "s"),
                  result("c", "3", 0.7f, "s")};
    auto out = run_sync(t, R"({"query":"x","limit":2})");
    REQUIRE(out.sources.size() == 2);
    CHECK(out.sources[0].document_id == "a");
    CHECK(out.sources[1].document_id == "b");
    CHECK(out.text.rfind("Found 2 knowledge base result(s)", 0) == 0);
  }
  SECTION("a query error fails the tool with its message") {
    kb.error = "knowledge backend unavailable";
    auto out = run_sync(t, R"({"query":"x"})");
    CHECK(out.is_error);
    CHECK(out.text == "error: knowledge backend unavailable");
    CHECK(out.sources.empty());
  }
  SECTION("the query is echoed in Rust debug form") {
    auto out = run_sync(t, R"({"query":"say \"hi\"\nnow"})");
    CHECK(out.text == R"(No knowledge base results found for query: "say \"hi\"\nnow")");
    CHECK(kb.queries.at(0) == "say \"hi\"\nnow");  // the backend gets the raw query
  }
}

TEST_CASE("Rust debug string form", "[tools]") {
  CHECK(rust_debug_string("") == R"("")");
  CHECK(rust_debug_string("plain text") == R"("plain text")");
  CHECK(rust_debug_string("it's") == R"("it's")");  // single quotes kept
  CHECK(rust_debug_string("a\"b\\c") == R"("a\"b\\c")");
  CHECK(rust_debug_string("l1\nl2\r\tx") == R"("l1\nl2\r\tx")");
  CHECK(rust_debug_string(std::string("a\0b", 3)) == R"("a\0b")");
  CHECK(rust_debug_string("\x01\x1f\x7f") == R"("\u{1}\u{1f}\u{7f}")");
  // Printable Unicode is kept as is.
  CHECK(rust_debug_string("caf\xC3\xA9 \xE2\x80\x94 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80") ==
        "\"caf\xC3\xA9 \xE2\x80\x94 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80\"");
  // Combining marks (Grapheme_Extend) are escaped, even after a base letter.
  CHECK(rust_debug_string("e\xCC\x81") == R"("e\u{301}")");
  CHECK(rust_debug_string("\xE2\x9D\xA4\xEF\xB8\x8F") == "\"\xE2\x9D\xA4\\u{fe0f}\"");
  // Non-printable: no-break space, zero-width joiner, line separator, C1 control, private use.
  CHECK(rust_debug_string("\xC2\xA0") == R"("\u{a0}")");
  CHECK(rust_debug_string("\xE2\x80\x8D") == R"("\u{200d}")");
  CHECK(rust_debug_string("\xE2\x80\xA8") == R"("\u{2028}")");
  CHECK(rust_debug_string("\xC2\x85") == R"("\u{85}")");
  CHECK(rust_debug_string("\xEE\x80\x80") == R"("\u{e000}")");
  CHECK(rust_debug_string("\xF3\xA0\x80\x81") == R"("\u{e0001}")");
  // Invalid UTF-8 cannot reach the tool through JSON; it degrades to U+FFFD.
  CHECK(rust_debug_string("a\xFF") == "\"a\xEF\xBF\xBD\"");
}
