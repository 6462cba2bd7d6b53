// tests/adapters/model_prices_test.cpp — the gateway price table behind `usage.costUsd`
// (adapters/llm/model_prices.hpp; later-protocol.md §3.3).
#include "adapters/llm/model_prices.hpp"

#include <catch2/catch.hpp>

namespace llm = so::adapters::llm;

TEST_CASE("model prices: the /admin/model-costs table prices a turn", "[llm][prices]") {
  auto table = llm::parse_price_table(
      R"({"gpt-a":{"inputCostPerToken":0.000001,"outputCostPerToken":0.000004,"tier":null},)"
      R"("free":{"inputCostPerToken":0,"outputCostPerToken":0},)"
      R"("half":{"inputCostPerToken":0.1,"outputCostPerToken":null},)"
      R"("neg":{"inputCostPerToken":-1,"outputCostPerToken":1},"odd":7})");
  REQUIRE(table.size() == 2);
  REQUIRE(table.count("gpt-a") == 1);
  CHECK(llm::cost_usd(table.at("gpt-a"), 1000, 250) == Approx(0.002));
  CHECK(llm::cost_usd(table.at("free"), 1000, 250) == 0.0);
  CHECK(llm::parse_price_table("not json").empty());
  CHECK(llm::parse_price_table("[]").empty());
}
