// tests/adapters/tools_file_test.cpp — tool definitions from JSON (tools file, scenario
// server.tools).
#include "adapters/tools/tools_file.hpp"
#include "adapters/tools/fixed_result_tool.hpp"
#include "adapters/tools/webhook_tool.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <unistd.h>

using namespace so::adapters::tools;
namespace net = so::net;

namespace {

/// Never called: parsing only stores the client.
struct unused_http_client final : net::http_client {
  std::shared_ptr<net::http_call> start(net::http_request, net::http_callbacks) override {
    FAIL("parsing must not start HTTP calls");
    return nullptr;
  }
};

const net::http_client_ptr kHttp = std::make_shared<unused_http_client>();

std::string error_of(const std::string& json, std::string_view label = "tools") {
  try {
    parse_tools(json, label, kHttp);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("tools JSON: a scenario's fixed-result tools", "[tools]") {
  auto tools = parse_tools(R"([
    {"name":"lookup_order","description":"Look up an order's status by its id.",
     "parameters":{"type":"object","properties":{"id":{"type":"string"}},"required":["id"]},
     "result":"Order 123: shipped, arrives Tuesday."},
    {"name":"bare-tool_2","result":""}
  ])",
                           "scenario", kHttp);
  REQUIRE(tools.size() == 2);
  auto* first = dynamic_cast<fixed_result_tool*>(tools[0].get());
  REQUIRE(first != nullptr);
  CHECK(first->spec().name == "lookup_order");
  CHECK(first->spec().description == "Look up an order's status by its id.");
  CHECK(first->spec().parameters_json ==
        R"({"type":"object","properties":{"id":{"type":"string"}},"required":["id"]})");
  std::string got;
  first->invoke(R"({"id":"123"})", {}, [&](tool_outcome o) { got = o.text; });
  CHECK(got == "Order 123: shipped, arrives Tuesday.");

  CHECK(tools[1]->spec().name == "bare-tool_2");
  CHECK(tools[1]->spec().description.empty());
  CHECK(tools[1]->spec().parameters_json == R"({"type":"object","properties":{}})");
  CHECK(parse_tools("[]", "x", kHttp).empty());
  CHECK(parse_tools("[]", "x", nullptr).empty());
}

TEST_CASE("tools JSON: webhook tools", "[tools]") {
  auto tools = parse_tools(R"([
    {"name":"refund","description":"Refund an order","url":"https://hooks.example/refund",
     "headers":{"Authorization":"Bearer k","X-Tenant":"acme"},"timeoutMs":2500},
    {"name":"ping","url":"http://127.0.0.1:9/ping"}
  ])",
                           "file", kHttp);
  REQUIRE(tools.size() == 2);
  auto* refund = dynamic_cast<webhook_tool*>(tools[0].get());
  REQUIRE(refund != nullptr);
  CHECK(refund->spec().description == "Refund an order");
  CHECK(refund->options().url == "https://hooks.example/refund");
  CHECK(refund->options().headers ==
        net::http_headers{{"Authorization", "Bearer k"}, {"X-Tenant", "acme"}});
  CHECK(refund->options().timeout == std::chrono::milliseconds(2500));
  auto* ping = dynamic_cast<webhook_tool*>(tools[1].get());
  REQUIRE(ping != nullptr);
  CHECK(ping->options().timeout == std::chrono::milliseconds(10000));
  CHECK(ping->options().headers.empty());
}

TEST_CASE("tools JSON: every problem names the entry and the problem", "[tools]") {
  const std::string L = "SMOOTH_AGENT_TOOLS_FILE /x.json";
  CHECK(error_of(R"([{"name":"ok","result":"r"},{"name":"refund","url":"ftp://x"}])", L) ==
        L + ": entry 1 ('refund'): 'url' must start with http:// or https://");
  CHECK(error_of(R"({"name":"x"})") == "tools: expected a JSON array of tool definitions");
  CHECK(error_of(R"([{"name":)").rfind("tools: invalid JSON: ", 0) == 0);
  CHECK(error_of(R"([5])") == "tools: entry 0: expected an object");
  CHECK(error_of(R"([{"result":"r"}])") == "tools: entry 0: 'name' must be a non-empty string");
  CHECK(error_of(R"([{"name":"","result":"r"}])") ==
        "tools: entry 0: 'name' must be a non-empty string");
  CHECK(error_of(R"([{"name":7,"result":"r"}])") ==
        "tools: entry 0: 'name' must be a non-empty string");
  CHECK(error_of(R"([{"name":"has space","result":"r"}])") ==
        "tools: entry 0 ('has space'): 'name' must match [A-Za-z0-9_-]{1,64}");
  CHECK(error_of(R"([{"name":")" + std::string(65, 'a') + R"(","result":"r"}])") ==
        "tools: entry 0 ('" + std::string(65, 'a') + "'): 'name' must match [A-Za-z0-9_-]{1,64}");
  CHECK(error_of(R"([{"name":")" + std::string(64, 'a') + R"(","result":"r"}])") == "(no error)");
  CHECK(error_of(R"([{"name":"a","result":"r"},{"name":"a","result":"s"}])") ==
        "tools: entry 1 ('a'): duplicate tool name");
  CHECK(error_of(R"([{"name":"a"}])") ==
        "tools: entry 0 ('a'): exactly one of 'result' or 'url' is required");
  CHECK(error_of(R"([{"name":"a","result":"r","url":"http://x"}])") ==
        "tools: entry 0 ('a'): exactly one of 'result' or 'url' is required");
  CHECK(error_of(R"([{"name":"a","result":{"x":1}}])") ==
        "tools: entry 0 ('a'): 'result' must be a string");
  CHECK(error_of(R"([{"name":"a","result":"r","description":1}])") ==
        "tools: entry 0 ('a'): 'description' must be a string");
  CHECK(error_of(R"([{"name":"a","result":"r","parameters":"{}"}])") ==
        "tools: entry 0 ('a'): 'parameters' must be a JSON object");
  CHECK(error_of(R"([{"name":"a","result":"r","timeoutMs":5}])") ==
        "tools: entry 0 ('a'): 'timeoutMs' only applies to webhook tools (with 'url')");
  CHECK(error_of(R"([{"name":"a","result":"r","resutl":"typo"}])") ==
        "tools: entry 0 ('a'): unknown key 'resutl'");
  CHECK(error_of(R"([{"name":"a","url":7}])") == "tools: entry 0 ('a'): 'url' must be a string");
  CHECK(error_of(R"([{"name":"a","url":"https://"}])") ==
        "tools: entry 0 ('a'): 'url' has no host");
  CHECK(error_of(R"([{"name":"a","url":"http://x","headers":["A"]}])") ==
        "tools: entry 0 ('a'): 'headers' must be an object of strings");
  CHECK(error_of(R"([{"name":"a","url":"http://x","headers":{"A":1}}])") ==
        "tools: entry 0 ('a'): header 'A' must be a string");
  CHECK(error_of(R"([{"name":"a","url":"http://x","headers":{"A":"x\r\nEvil: 1"}}])") ==
        "tools: entry 0 ('a'): header 'A' must not contain CR, LF or NUL");
  CHECK(error_of(R"([{"name":"a","url":"http://x","headers":{"Bad Name":"v"}}])") ==
        "tools: entry 0 ('a'): header name 'Bad Name' is not a valid token");
  for (const auto* t : {"0", "-1", "1.5", "\"100\"", "3600001"}) {
    INFO(t);
    CHECK(error_of(std::string(R"([{"name":"a","url":"http://x","timeoutMs":)") + t + "}]") ==
          "tools: entry 0 ('a'): 'timeoutMs' must be a positive integer (at most 3600000)");
  }
  CHECK_THROWS_WITH(parse_tools(R"([{"name":"a","url":"http://x"}])", "t", nullptr),
                    "t: entry 0 ('a'): webhook tools need an HTTP client");
}

TEST_CASE("tools file: loaded from disk, errors labelled with the path", "[tools]") {
  const auto dir = std::filesystem::temp_directory_path();
  const auto path = (dir / ("so_tools_test_" + std::to_string(::getpid()) + ".json")).string();
  {
    std::ofstream out(path);
    out << R"([{"name":"refund","url":"http://127.0.0.1:1/r"},{"name":"x","result":"y"}])";
  }
  auto tools = load_tools_file(path, kHttp);
  REQUIRE(tools.size() == 2);
  CHECK(tools[0]->spec().name == "refund");
  CHECK(tools[1]->spec().name == "x");
  {
    std::ofstream out(path);
    out << R"([{"name":"refund","url":"mailto:x"}])";
  }
  CHECK_THROWS_WITH(load_tools_file(path, kHttp),
                    "SMOOTH_AGENT_TOOLS_FILE " + path +
                        ": entry 0 ('refund'): 'url' must start with http:// or https://");
  std::remove(path.c_str());
  CHECK_THROWS_WITH(load_tools_file(path, kHttp),
                    "SMOOTH_AGENT_TOOLS_FILE " + path + ": cannot open: No such file or directory");
}

TEST_CASE("tools JSON: webhook tools get the result cap they are given", "[tools]") {
  const std::string json = R"([{"name":"hook","url":"http://127.0.0.1:9/hook"}])";
  auto defaulted = parse_tools(json, "file", kHttp);
  auto* d = dynamic_cast<webhook_tool*>(defaulted.at(0).get());
  REQUIRE(d != nullptr);
  CHECK(d->options().max_result_bytes == 256u * 1024u);
  auto capped = parse_tools(json, "file", kHttp, 4096);
  auto* c = dynamic_cast<webhook_tool*>(capped.at(0).get());
  REQUIRE(c != nullptr);
  CHECK(c->options().max_result_bytes == 4096u);
}
