// tests/adapters/knowledge_context_test.cpp — score formatting and the
// "[Relevant knowledge]" block (engine.md §1.5).
#include "adapters/knowledge/knowledge_context.hpp"

#include <catch2/catch.hpp>

#include <cstdio>

using namespace so::adapters;

TEST_CASE("knowledge context: scores print with 2 decimals, half-even on the binary value",
          "[knowledge]") {
  CHECK(format_score_2dp(0.1875f) == "0.19");  // the worked example of engine.md §7.2
  CHECK(format_score_2dp(0.125f) == "0.12");   // exact tie → even
  CHECK(format_score_2dp(0.375f) == "0.38");   // exact tie → even
  CHECK(format_score_2dp(0.625f) == "0.62");   // exact tie → even
  CHECK(format_score_2dp(1.0f / 13.0f) == "0.08");
  CHECK(format_score_2dp(1.0f / 15.0f) == "0.07");
  CHECK(format_score_2dp(0.015f) == "0.01");  // the float is just below 0.015
  CHECK(format_score_2dp(0.0f) == "0.00");
  CHECK(format_score_2dp(1.0f) == "1.00");
  CHECK(format_score_2dp(1.5f) == "1.50");
  CHECK(format_score_2dp(12.345f) == "12.35");  // float 12.3450002670… rounds up
}

TEST_CASE("knowledge context: matches glibc %.2f over many values", "[knowledge]") {
  for (int num = 0; num <= 40; ++num) {
    for (int den = 1; den <= 64; ++den) {
      const float score = static_cast<float>(num) / static_cast<float>(den);
      char expected[64];
      std::snprintf(expected, sizeof expected, "%.2f", static_cast<double>(score));
      INFO(num << "/" << den);
      CHECK(format_score_2dp(score) == expected);
    }
  }
}

TEST_CASE("knowledge context: the block format", "[knowledge]") {
  CHECK(format_knowledge_block({}).empty());

  knowledge_result r{
      "returns.md", "SmooAI returns are accepted within 30 days of delivery for a full refund.",
      1.0f / 13.0f, "returns.md",
      {},           {}};
  CHECK(format_knowledge_block({r}) ==
        "[Relevant knowledge]\n- (source=returns.md, score=0.08): SmooAI returns are accepted "
        "within 30 days of delivery for a full refund.\n");

  knowledge_result multi{"d2", "line one\nline two", 0.1875f, "policies/x.md", {}, {}};
  CHECK(format_knowledge_block({r, multi}) ==
        "[Relevant knowledge]\n"
        "- (source=returns.md, score=0.08): SmooAI returns are accepted within 30 days of "
        "delivery for a full refund.\n"
        "- (source=policies/x.md, score=0.19): line one\nline two\n");
}
