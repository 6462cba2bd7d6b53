// Tests for the model cost table of `GET /admin/model-costs` (net/admin_model_costs.hpp)
// against a local gateway: mapping, caching of the first success, errors → {} uncached.
#include "net/admin_model_costs.hpp"
#include "tests/support/net/background_io.hpp"
#include "tests/support/net/http_test_server.hpp"

#include <rapidjson/document.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>

using namespace so;
using namespace std::chrono_literals;

namespace {

constexpr const char* kInfo = R"({"data":[
  {"model_name":"gpt-4o-mini","model_info":{"input_cost_per_token":1.5e-7,
   "output_cost_per_token":6e-7,"max_output_tokens":16384,"tier":"fast",
   "use_cases":["chat","summaries",7]}},
  {"model_name":"bare"},
  {"model_info":{"input_cost_per_token":1}},
  "junk"]})";

std::string fetch(net::model_cost_cache& c) {
  std::promise<std::string> p;
  auto f = p.get_future();
  c.get([&p](std::string json) { p.set_value(std::move(json)); });
  REQUIRE(f.wait_for(10s) == std::future_status::ready);
  return f.get();
}

}  // namespace

TEST_CASE("model costs: the gateway's model/info maps to camelCase rows", "[model-costs]") {
  auto mapped = net::model_cost_cache::map_model_info(kInfo);
  REQUIRE(mapped);
  rapidjson::Document d;
  d.Parse(mapped->c_str());
  REQUIRE(d.IsObject());
  CHECK(d.MemberCount() == 2);
  const auto& m = d["gpt-4o-mini"];
  CHECK(m["inputCostPerToken"].GetDouble() == Approx(1.5e-7));
  CHECK(m["outputCostPerToken"].GetDouble() == Approx(6e-7));
  CHECK(m["maxOutputTokens"].GetInt() == 16384);
  CHECK(std::string(m["tier"].GetString()) == "fast");
  CHECK(m["useCases"].Size() == 2);
  const auto& bare = d["bare"];
  CHECK(bare["inputCostPerToken"].IsNull());
  CHECK(bare["tier"].IsNull());
  CHECK(bare["useCases"].Size() == 0);
  CHECK_FALSE(net::model_cost_cache::map_model_info("not json"));
  CHECK_FALSE(net::model_cost_cache::map_model_info(R"({"data":{}})"));
}

TEST_CASE("model costs: the first success is cached, failures answer {} and are not",
          "[model-costs]") {
  std::atomic<int> mode{0};  // 0: 500, 1: success, 2: garbage
  test::http_test_server gw([&](const test::http_test_request&) {
    test::http_test_response r;
    r.content_type = "application/json";
    if (mode == 0) {
      r.status = 500;
      r.body = "{}";
    } else if (mode == 1) {
      r.body = kInfo;
    } else {
      r.body = "<html>";
    }
    return r;
  });
  test::background_io io;
  auto cache = std::make_shared<net::model_cost_cache>(io.http(), gw.url("/v1/"), "sk-test");

  CHECK(fetch(*cache) == "{}");  // 500: not cached
  mode = 2;
  CHECK(fetch(*cache) == "{}");  // unparseable: not cached
  mode = 1;
  const auto first = fetch(*cache);
  CHECK(first.find("gpt-4o-mini") != std::string::npos);
  mode = 0;
  CHECK(fetch(*cache) == first);  // cached: the gateway is not asked again
  const auto reqs = gw.requests();
  REQUIRE(reqs.size() == 3);
  CHECK(reqs[0].method == "GET");
  CHECK(reqs[0].target == "/v1/model/info");
  CHECK(reqs[0].header("authorization") == std::optional<std::string>("Bearer sk-test"));
}

TEST_CASE("model costs: an unreachable gateway answers {}", "[model-costs]") {
  test::background_io io;
  std::string url;
  {
    test::http_test_server gone(
        [](const test::http_test_request&) { return test::http_test_response{}; });
    url = gone.url("/v1");
  }
  auto cache = std::make_shared<net::model_cost_cache>(io.http(), url, "", 2s);
  CHECK(fetch(*cache) == "{}");
}
