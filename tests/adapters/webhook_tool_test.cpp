// tests/adapters/webhook_tool_test.cpp — webhook tools against a real local HTTP server.
#include "adapters/tools/webhook_tool.hpp"
#include "tests/support/net/background_io.hpp"
#include "tests/support/net/http_test_server.hpp"

#include <rapidjson/document.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <thread>

using namespace so::adapters::tools;
using namespace std::chrono_literals;
using so::test::http_test_request;
using so::test::http_test_response;
using so::test::http_test_server;

namespace {

struct invocation {
  tool_outcome outcome;
  std::chrono::milliseconds elapsed{};
};

/// Invokes the tool and waits for its single completion; counts completions.
invocation run(tool& t, const std::string& args, std::atomic<int>& completions) {
  tool_context ctx;
  ctx.session_id = "sess-1";
  ctx.conversation_id = "conv-1";
  std::promise<tool_outcome> p;
  auto f = p.get_future();
  const auto start = std::chrono::steady_clock::now();
  t.invoke(args, ctx, [&completions, &p](tool_outcome o) {
    if (completions.fetch_add(1) == 0) p.set_value(std::move(o));
  });
  REQUIRE(f.wait_for(10s) == std::future_status::ready);
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  return {f.get(), elapsed};
}

webhook_tool make_tool(std::string url, so::net::http_client_ptr http,
                       std::chrono::milliseconds timeout = 10s) {
  webhook_options o;
  o.url = std::move(url);
  o.headers = {{"X-Tenant", "acme"}, {"Authorization", "Bearer secret"}};
  o.timeout = timeout;
  return webhook_tool({"refund", "Refund an order", R"({"type":"object","properties":{}})"},
                      std::move(o), std::move(http));
}

}  // namespace

TEST_CASE("webhook: a 2xx body becomes the result, the request carries the call", "[tools]") {
  http_test_server server([](const http_test_request&) {
    return http_test_response{200, R"({"refunded":true,"amount":"12.50"})"};
  });
  so::test::background_io io;
  auto tool = make_tool(server.url("/hooks/refund?v=1"), io.http());

  std::atomic<int> completions{0};
  auto [out, elapsed] = run(tool, R"({"orderId":"42","items":[1,2]})", completions);
  CHECK_FALSE(out.is_error);
  CHECK(out.text == R"({"refunded":true,"amount":"12.50"})");

  const auto reqs = server.requests();
  REQUIRE(reqs.size() == 1);
  const auto& req = reqs[0];
  CHECK(req.method == "POST");
  CHECK(req.target == "/hooks/refund?v=1");
  CHECK(req.header("content-type") == std::optional<std::string>("application/json"));
  CHECK(req.header("x-tenant") == std::optional<std::string>("acme"));
  CHECK(req.header("Authorization") == std::optional<std::string>("Bearer secret"));

  rapidjson::Document body;
  body.Parse(req.body.c_str());
  REQUIRE_FALSE(body.HasParseError());
  REQUIRE(body.IsObject());
  CHECK(body.MemberCount() == 4);
  CHECK(std::string(body["name"].GetString()) == "refund");
  CHECK(std::string(body["sessionId"].GetString()) == "sess-1");
  CHECK(std::string(body["conversationId"].GetString()) == "conv-1");
  rapidjson::Document expected_args;
  expected_args.Parse(R"({"orderId":"42","items":[1,2]})");
  REQUIRE(body["arguments"].IsObject());  // a JSON value, not a string
  CHECK(body["arguments"] == expected_args);

  std::this_thread::sleep_for(50ms);
  CHECK(completions == 1);
}

TEST_CASE("webhook: any 2xx status counts as success", "[tools]") {
  http_test_server server([](const http_test_request&) { return http_test_response{204, ""}; });
  so::test::background_io io;
  auto tool = make_tool(server.url("/hook"), io.http());
  std::atomic<int> completions{0};
  auto out = run(tool, "{}", completions).outcome;
  CHECK_FALSE(out.is_error);
  CHECK(out.text.empty());
}

TEST_CASE("webhook: a non-2xx status fails with the code and the body cut to 200 chars",
          "[tools]") {
  const std::string long_body = std::string(150, 'x') + std::string(100, 'y');
  http_test_server server([&](const http_test_request& r) {
    if (r.target == "/short") return http_test_response{404, "no such order"};
    return http_test_response{500, long_body};
  });
  so::test::background_io io;
  std::atomic<int> completions{0};

  auto failing = make_tool(server.url("/boom"), io.http());
  auto out = run(failing, "{}", completions).outcome;
  CHECK(out.is_error);
  CHECK(out.text == "error: webhook returned HTTP 500: " + long_body.substr(0, 200));

  auto missing = make_tool(server.url("/short"), io.http());
  completions = 0;
  out = run(missing, "{}", completions).outcome;
  CHECK(out.is_error);
  CHECK(out.text == "error: webhook returned HTTP 404: no such order");
}

TEST_CASE("webhook: a slow endpoint fails after timeoutMs", "[tools]") {
  http_test_server server([](const http_test_request&) {
    return http_test_response{200, "too late", std::chrono::milliseconds(3000)};
  });
  so::test::background_io io;
  auto tool = make_tool(server.url("/slow"), io.http(), 300ms);
  std::atomic<int> completions{0};
  auto [out, elapsed] = run(tool, "{}", completions);
  CHECK(out.is_error);
  CHECK(out.text.rfind("error: webhook failed: ", 0) == 0);
  CHECK(elapsed >= 250ms);
  CHECK(elapsed < 2500ms);
  std::this_thread::sleep_for(50ms);
  CHECK(completions == 1);
}

TEST_CASE("webhook: a refused connection fails the call", "[tools]") {
  std::string url;
  {
    // A port that was just free and now has no listener.
    http_test_server gone([](const http_test_request&) { return http_test_response{}; });
    url = gone.url("/hook");
  }
  so::test::background_io io;
  auto tool = make_tool(url, io.http(), 2s);
  std::atomic<int> completions{0};
  auto out = run(tool, "{}", completions).outcome;
  CHECK(out.is_error);
  CHECK(out.text.rfind("error: webhook failed: ", 0) == 0);
  CHECK(out.text.find("refused") != std::string::npos);
}

TEST_CASE("webhook: a client that throws on start still completes once", "[tools]") {
  struct throwing_client final : so::net::http_client {
    std::shared_ptr<so::net::http_call> start(so::net::http_request,
                                              so::net::http_callbacks) override {
      throw std::runtime_error("bad url");
    }
  };
  auto tool = make_tool("http://x/", std::make_shared<throwing_client>());
  std::atomic<int> completions{0};
  auto out = run(tool, "{}", completions).outcome;
  CHECK(out.text == "error: webhook failed: bad url");
  CHECK(completions == 1);
  CHECK_THROWS_AS(make_tool("http://x/", nullptr), std::invalid_argument);
}

TEST_CASE("webhook: a client that completes inside start is handled once", "[tools]") {
  struct instant_client final : so::net::http_client {
    so::net::http_request seen;
    std::shared_ptr<so::net::http_call> start(so::net::http_request req,
                                              so::net::http_callbacks cb) override {
      seen = std::move(req);
      cb.on_head(so::net::http_response_head{201, "Created", {}});
      cb.on_body("cre");
      cb.on_body("ated");
      cb.on_complete(so::net::http_outcome{});
      return nullptr;
    }
  };
  auto client = std::make_shared<instant_client>();
  auto tool = make_tool("http://hooks.local/x", client, 1500ms);
  std::atomic<int> completions{0};
  auto out = run(tool, "not json", completions).outcome;
  CHECK_FALSE(out.is_error);
  CHECK(out.text == "created");
  CHECK(completions == 1);
  // The timeout bounds every phase of the call.
  CHECK(client->seen.total_timeout == 1500ms);
  CHECK(client->seen.connect_timeout == 1500ms);
  CHECK(client->seen.idle_timeout == 1500ms);
  // Unparseable arguments are sent as an empty object.
  rapidjson::Document body;
  body.Parse(client->seen.body.c_str());
  REQUIRE(body.IsObject());
  CHECK(body["arguments"].IsObject());
  CHECK(body["arguments"].MemberCount() == 0);
}

TEST_CASE("webhook: a body over max_result_bytes is a tool error naming the limit", "[tools]") {
  const std::size_t cap = 1024;
  const std::size_t size = GENERATE(1024u, 1025u, 300'000u);
  INFO("body of " << size << " bytes");
  const std::string body(size, 'r');
  http_test_server server([&](const http_test_request&) { return http_test_response{200, body}; });
  so::test::background_io io;
  webhook_options o;
  o.url = server.url("/big");
  o.max_result_bytes = cap;
  webhook_tool tool({"big", "", R"({"type":"object","properties":{}})"}, o, io.http());
  std::atomic<int> completions{0};
  const auto out = run(tool, "{}", completions).outcome;
  if (size <= cap) {
    CHECK_FALSE(out.is_error);
    CHECK(out.text == body);
  } else {
    CHECK(out.is_error);
    CHECK(out.text ==
          "error: webhook failed: the response body exceeds the limit of 1024 bytes "
          "(SMOOTH_AGENT_MAX_TOOL_RESULT_BYTES)");
  }
}

TEST_CASE("webhook: the cap holds even if the client streams past it", "[tools]") {
  // A client that ignores http_request::max_body_bytes: the tool still keeps at
  // most the cap and fails the call.
  struct flooding_client final : so::net::http_client {
    std::optional<std::uint64_t> limit_seen;
    std::shared_ptr<so::net::http_call> start(so::net::http_request req,
                                              so::net::http_callbacks cb) override {
      limit_seen = req.max_body_bytes;
      cb.on_head(so::net::http_response_head{200, "OK", {}});
      for (int i = 0; i < 10; ++i) cb.on_body(std::string(600, 'z'));
      cb.on_complete(so::net::http_outcome{});
      return nullptr;
    }
  };
  auto client = std::make_shared<flooding_client>();
  webhook_options o;
  o.url = "http://hooks.local/flood";
  o.max_result_bytes = 2048;
  webhook_tool tool({"flood", "", R"({"type":"object","properties":{}})"}, o, client);
  std::atomic<int> completions{0};
  const auto out = run(tool, "{}", completions).outcome;
  CHECK(out.is_error);
  CHECK_THAT(out.text, Catch::Contains("exceeds the limit of 2048 bytes"));
  CHECK(client->limit_seen == std::optional<std::uint64_t>(2048));
  CHECK(completions == 1);
}

TEST_CASE("webhook: invalid UTF-8 in a result or an error body is repaired", "[tools]") {
  http_test_server server([](const http_test_request& r) {
    if (r.target == "/bad-error") return http_test_response{502, "oops \xFF\xFE end"};
    return http_test_response{200, "caf\xC3 \xE9t\xC3\xA9"};
  });
  so::test::background_io io;
  std::atomic<int> completions{0};
  auto ok = make_tool(server.url("/bad-result"), io.http());
  auto out = run(ok, "{}", completions).outcome;
  CHECK_FALSE(out.is_error);
  CHECK(out.text ==
        "caf\xEF\xBF\xBD \xEF\xBF\xBDt\xC3\xA9");  // two bad bytes → U+FFFD each; é kept
  auto failing = make_tool(server.url("/bad-error"), io.http());
  completions = 0;
  out = run(failing, "{}", completions).outcome;
  CHECK(out.is_error);
  CHECK(out.text == "error: webhook returned HTTP 502: oops \xEF\xBF\xBD\xEF\xBF\xBD end");
}

TEST_CASE("webhook: sequential calls to one endpoint share a keep-alive connection", "[tools]") {
  http_test_server server([](const http_test_request&) { return http_test_response{200, "ok"}; });
  so::test::background_io io;
  auto tool = make_tool(server.url("/hook"), io.http());
  for (int i = 0; i < 3; ++i) {
    std::atomic<int> completions{0};
    CHECK(run(tool, "{}", completions).outcome.text == "ok");
  }
  CHECK(server.requests().size() == 3);
  CHECK(server.connections() == 1);
}
