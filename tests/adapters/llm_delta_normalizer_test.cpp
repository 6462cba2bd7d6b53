// Tests for the cumulative-chunk normalizer (engine.md §2.6, §9 item 45).
#include "adapters/llm/delta_normalizer.hpp"

#include <catch2/catch.hpp>

using namespace so::adapters::llm;

TEST_CASE("normalizer: true deltas pass unchanged", "[llm][normalizer]") {
  delta_normalizer n;
  CHECK(n.normalize("Hel") == "Hel");
  CHECK(n.normalize("lo") == "lo");
  CHECK(n.normalize(" world") == " world");
}

TEST_CASE("normalizer: cumulative chunks reduce to their tails", "[llm][normalizer]") {
  delta_normalizer n;
  CHECK(n.normalize("Hel") == "Hel");
  CHECK(n.normalize("Hello") == "lo");
  CHECK(n.normalize("Hello world") == " world");
}

TEST_CASE("normalizer: exact repeats and empty chunks are dropped", "[llm][normalizer]") {
  delta_normalizer n;
  CHECK(n.normalize("").empty());
  CHECK(n.normalize("ha") == "ha");
  CHECK(n.normalize("ha").empty());  // documented side effect: a genuine repeat is lost
  CHECK(n.normalize("").empty());
  CHECK(n.normalize("!") == "!");
}

TEST_CASE("normalizer: tool-argument normalisation is independent per index", "[llm][normalizer]") {
  stream_normalizer n;
  auto a0 = n.apply(tool_arguments_delta{0, "{\"a\""});
  auto a1 = n.apply(tool_arguments_delta{1, "{\"a\""});  // same text, other index: kept
  auto a0c = n.apply(tool_arguments_delta{0, "{\"a\":1}"});
  REQUIRE(a0);
  REQUIRE(a1);
  REQUIRE(a0c);
  CHECK(std::get<tool_arguments_delta>(*a1).text == "{\"a\"");
  CHECK(std::get<tool_arguments_delta>(*a0c).text == ":1}");
  CHECK_FALSE(n.apply(tool_arguments_delta{1, "{\"a\""}));
}

TEST_CASE("normalizer: content and arguments do not share state, other events pass",
          "[llm][normalizer]") {
  stream_normalizer n;
  REQUIRE(n.apply(content_delta{"x"}));
  auto args = n.apply(tool_arguments_delta{0, "x"});
  REQUIRE(args);
  CHECK(std::get<tool_arguments_delta>(*args).text == "x");
  CHECK_FALSE(n.apply(content_delta{"x"}));
  CHECK(n.apply(finish_seen{"stop"}));
  CHECK(n.apply(usage_report{}));
}

TEST_CASE("normalizer: a tool_call_start resets that index", "[llm][normalizer]") {
  stream_normalizer n;
  REQUIRE(n.apply(tool_arguments_delta{0, "{}"}));
  REQUIRE(n.apply(tool_call_start{0, "id", "f"}));
  auto again = n.apply(tool_arguments_delta{0, "{}"});
  REQUIRE(again);
  CHECK(std::get<tool_arguments_delta>(*again).text == "{}");
}
