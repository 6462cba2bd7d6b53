// tests/adapters/mcp_tool_test.cpp — an MCP tool's call and its outcome (later-protocol.md
// §7.4): body rules, errors, timeout text, the result cap, argument checks.
#include "adapters/tools/mcp_tool.hpp"

#include <catch2/catch.hpp>

#include <mutex>

using namespace so::adapters::tools;
using namespace std::chrono_literals;

namespace {

mcp_reply ok(std::string result) {
  return mcp_reply{std::move(result), {}, false};
}

/// A session that records requests and answers each with a canned reply, inline.
class canned_session final : public mcp_session {
 public:
  explicit canned_session(mcp_reply reply) : reply_(std::move(reply)) {}
  void request(const std::string& method, const std::string& params, std::chrono::milliseconds t,
               std::function<void(mcp_reply)> done) override {
    {
      std::lock_guard lock(mutex_);
      calls.push_back(method + " " + params);
      timeouts.push_back(t);
    }
    done(reply_);
  }
  void notify(const std::string&, const std::string&) override {}
  bool alive() const override { return true; }
  std::string close_reason() const override { return {}; }
  void close() override {}

  std::mutex mutex_;
  std::vector<std::string> calls;
  std::vector<std::chrono::milliseconds> timeouts;

 private:
  mcp_reply reply_;
};

tool_outcome run(mcp_tool& t, const std::string& args) {
  std::optional<tool_outcome> out;
  t.invoke(args, tool_context{}, [&](tool_outcome o) { out = std::move(o); });
  REQUIRE(out);
  return *out;
}

mcp_tool make_tool(mcp_session_ptr s, std::size_t cap = 1024) {
  so::adapters::llm::tool_spec spec;
  spec.name = "mcp__my_server__do_thing";
  mcp_tool_options o;
  o.server = "my server";
  o.remote_name = "do.thing";
  o.call_timeout = 7s;
  o.max_result_bytes = cap;
  return mcp_tool(spec, o, [s] { return s; });
}

}  // namespace

TEST_CASE("mcp tool: calls the remote tool by its original name with the arguments", "[mcp]") {
  auto s = std::make_shared<canned_session>(ok(R"({"content":[{"type":"text","text":"hi"}]})"));
  auto t = make_tool(s);
  auto o = run(t, R"({"a":1,"b":"x"})");
  CHECK_FALSE(o.is_error);
  CHECK(o.text == "hi");
  REQUIRE(s->calls.size() == 1);
  CHECK(s->calls[0] == R"(tools/call {"name":"do.thing","arguments":{"a":1,"b":"x"}})");
  CHECK(s->timeouts[0] == 7s);
}

TEST_CASE("mcp tool: arguments that are not an object fail without a call", "[mcp]") {
  auto s = std::make_shared<canned_session>(ok("{}"));
  auto t = make_tool(s);
  for (const std::string bad : {"[1,2]", "5", "\"x\"", "not json"}) {
    auto o = run(t, bad);
    CHECK(o.is_error);
    CHECK(o.text == "error: mcp__my_server__do_thing: arguments must be a JSON object, got " + bad);
  }
  CHECK(s->calls.empty());
}

TEST_CASE("mcp tool: the outcome table of §7.4", "[mcp]") {
  const std::string name = "mcp__s__t";
  const auto outcome = [&](const mcp_reply& r, std::size_t cap = 1 << 20) {
    return mcp_call_outcome(name, r, 60s, cap);
  };
  // Text items joined with \n, other items as their JSON.
  auto o = outcome(ok(R"({"content":[{"type":"text","text":"a"},{"type":"image","data":"AA=="},)"
                      R"({"type":"text","text":"b"}]})"));
  CHECK_FALSE(o.is_error);
  CHECK(o.text == "a\n{\"type\":\"image\",\"data\":\"AA==\"}\nb");
  // Empty content: the structured content as JSON; neither: "".
  CHECK(outcome(ok(R"({"content":[],"structuredContent":{"x":1}})")).text == R"({"x":1})");
  CHECK(outcome(ok(R"({})")).text.empty());
  // isError: "<name> reported an error: <body>".
  o = outcome(ok(R"({"isError":true,"content":[{"type":"text","text":"no such id"}]})"));
  CHECK(o.is_error);
  CHECK(o.text == "error: mcp__s__t reported an error: no such id");
  // Timeout and transport/protocol failures.
  o = outcome(mcp_reply{std::nullopt, "timed out", true});
  CHECK(o.text == "error: mcp__s__t timed out after 60s");
  o = outcome(mcp_reply{std::nullopt, "-32602: Invalid params", false});
  CHECK(o.text == "error: mcp__s__t failed: -32602: Invalid params");
  CHECK(mcp_call_outcome(name, mcp_reply{std::nullopt, "", true}, 250ms, 10).text ==
        "error: mcp__s__t timed out after 250ms");
  // The cap of SMOOTH_AGENT_MAX_TOOL_RESULT_BYTES.
  const std::string big(2000, 'x');
  o = outcome(ok(R"({"content":[{"type":"text","text":")" + big + R"("}]})"), 1024);
  CHECK(o.is_error);
  CHECK(o.text ==
        "error: mcp__s__t failed: the result exceeds the limit of 1024 bytes "
        "(SMOOTH_AGENT_MAX_TOOL_RESULT_BYTES)");
  CHECK(outcome(ok(R"({"content":[{"type":"text","text":")" + big + R"("}]})"), 2000).text == big);
}

TEST_CASE("mcp tool: a server that is not connected fails the call at once", "[mcp]") {
  so::adapters::llm::tool_spec spec;
  spec.name = "mcp__down__tool";
  mcp_tool_options o;
  o.server = "down";
  o.remote_name = "tool";
  mcp_tool t(spec, o, [] { return mcp_session_ptr{}; });
  auto out = run(t, "{}");
  CHECK(out.is_error);
  CHECK(out.text == "error: mcp__down__tool failed: MCP server `down` is not connected");
}
