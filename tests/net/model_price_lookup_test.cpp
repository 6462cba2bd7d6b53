// tests/net/model_price_lookup_test.cpp — the turn's price lookup over the gateway model
// table (net/model_price_lookup.hpp): priced once known, never more than one fetch at a
// time, and a rest after a failed fetch (no extra gateway request per turn).
#include "net/model_price_lookup.hpp"
#include "tests/support/net/background_io.hpp"
#include "tests/support/net/http_test_server.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>

using namespace so;
using namespace std::chrono_literals;

namespace {

constexpr const char* kInfo = R"({"data":[
  {"model_name":"m","model_info":{"input_cost_per_token":0.000002,"output_cost_per_token":0.00001}},
  {"model_name":"unpriced","model_info":{}}]})";

std::optional<adapters::llm::model_price> ask(net::model_price_lookup& l, const std::string& m) {
  std::promise<std::optional<adapters::llm::model_price>> p;
  auto f = p.get_future();
  l.price_of(m, [&p](auto price) { p.set_value(price); });
  REQUIRE(f.wait_for(10s) == std::future_status::ready);
  return f.get();
}

test::http_test_server gateway(std::atomic<bool>& ok, std::chrono::milliseconds delay = 0ms) {
  return test::http_test_server([&ok, delay](const test::http_test_request&) {
    test::http_test_response r;
    r.content_type = "application/json";
    r.status = ok ? 200 : 500;
    r.body = ok ? kInfo : "{}";
    r.delay = delay;
    return r;
  });
}

}  // namespace

TEST_CASE("price lookup: a failed fetch rests before the next one", "[model-prices]") {
  std::atomic<bool> ok{false};
  auto gw = gateway(ok);
  test::background_io io;
  auto costs = std::make_shared<net::model_cost_cache>(io.http(), gw.url("/v1"), "");
  auto lookup = std::make_shared<net::model_price_lookup>(costs, 60s);
  CHECK_FALSE(ask(*lookup, "m"));
  ok = true;
  CHECK_FALSE(ask(*lookup, "m"));  // resting: unknown, and the gateway is not asked
  CHECK(gw.requests().size() == 1);
}

TEST_CASE("price lookup: once fetched, prices are answered inline without a request",
          "[model-prices]") {
  std::atomic<bool> ok{false};
  auto gw = gateway(ok);
  test::background_io io;
  auto costs = std::make_shared<net::model_cost_cache>(io.http(), gw.url("/v1"), "");
  auto lookup = std::make_shared<net::model_price_lookup>(costs, 0s);  // no rest
  CHECK_FALSE(ask(*lookup, "m"));                                      // 500
  ok = true;
  auto p = ask(*lookup, "m");
  REQUIRE(p);
  CHECK(p->input_per_token == 0.000002);
  CHECK(p->output_per_token == 0.00001);
  CHECK_FALSE(ask(*lookup, "unpriced"));
  CHECK_FALSE(ask(*lookup, "other"));
  bool inline_answer = false;
  lookup->price_of("m", [&](auto price) { inline_answer = price.has_value(); });
  CHECK(inline_answer);
  CHECK(gw.requests().size() == 2);
}

TEST_CASE("price lookup: one fetch at a time, others get unknown at once", "[model-prices]") {
  std::atomic<bool> ok{true};
  auto gw = gateway(ok, 300ms);
  test::background_io io;
  auto costs = std::make_shared<net::model_cost_cache>(io.http(), gw.url("/v1"), "");
  auto lookup = std::make_shared<net::model_price_lookup>(costs);
  std::promise<std::optional<adapters::llm::model_price>> first;
  auto first_f = first.get_future();
  lookup->price_of("m", [&first](auto price) { first.set_value(price); });
  bool answered = false;
  lookup->price_of("m", [&](auto price) {
    answered = true;
    CHECK_FALSE(price);
  });
  CHECK(answered);  // not waiting for the fetch in flight
  REQUIRE(first_f.wait_for(10s) == std::future_status::ready);
  CHECK(first_f.get().has_value());
  CHECK(gw.requests().size() == 1);
}
