// tests/server/mcp_test.cpp — MCP tools in real turns (issue 13 item 7): the server reads
// SMOOTH_AGENT_MCP_CONFIG, connects server-everything (npm) over stdio, offers its tools
// as mcp__everything__<tool> to the (fake) gateway, and a turn calls one; a broken server
// next to it is skipped; confirmation gating by name; a bad config stops startup.
#include "tests/server/turn_test_support.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/mcp/everything_server.hpp"
#include "tests/support/net/fake_gateway.hpp"
#include "tests/support/temp_dir.hpp"

#include <sys/wait.h>

#include <cerrno>
#include <cstdlib>

namespace so::test::turns {
namespace {

/// A config with `everything` (stdio, `${env:…}` in its args and env) and a `ghost` whose
/// command does not exist.
std::string config_json(const mcp::everything& e, int timeout_secs) {
  return R"({"mcpServers": {
    "ghost": {"command": "/nonexistent/${env:SO_MCP_TEST_GHOST}"},
    "everything": {"command": ")" +
         e.node + R"(", "args": [")" + e.script +
         R"(", "${env:SO_MCP_TEST_MODE}"], "env": {"SO_UNUSED": "${env:SO_MCP_TEST_MODE}"},
                   "timeout_secs": )" +
         std::to_string(timeout_secs) + R"(},
    "off": {"command": "/bin/false", "disabled": true}}})";
}

struct mcp_server_fixture {
  temp_dir dir;
  std::unique_ptr<fake_gateway> gateway;
  std::unique_ptr<net::server> server;

  mcp_server_fixture(const mcp::everything& e, std::vector<llm::script_entry> script,
                     std::vector<std::string> confirm = {}, int timeout_secs = 30) {
    ::setenv("SO_MCP_TEST_MODE", "stdio", 1);  // expanded at connect time
    ::setenv("SO_MCP_TEST_GHOST", "server", 1);
    gateway = std::make_unique<fake_gateway>(std::move(script));
    auto o = base_options();
    o.config.gateway_url = gateway->base_url();
    o.config.gateway_key = "k";
    o.config.mcp_config = dir.write("mcp.json", config_json(e, timeout_secs)).string();
    o.config.confirm_tools = std::move(confirm);
    o.config.confirm_timeout = 30s;
    server = std::make_unique<net::server>(std::move(o));
    // The servers connect on their own threads: wait until `everything` is listed.
    REQUIRE(eventually(
        [&] {
          for (const auto& s : server->mcp_status())
            if (s.name == "everything" && s.connected) return true;
          return false;
        },
        30s));
  }
};

}  // namespace

TEST_CASE("mcp: a turn calls a real MCP server's tool, a broken server is skipped", "[mcp]") {
  auto e = mcp::everything_or_skip();
  if (!e) return;
  mcp_server_fixture fx(
      *e, {tool_call("mcp__everything__echo", R"({"message":"hi from the model"})"),
           tool_call("mcp__everything__get-sum", R"({"a":2,"b":40})"), text("All done.")});
  auto status = fx.server->mcp_status();
  REQUIRE(status.size() == 2);  // `off` is disabled
  CHECK(status[0].name == "ghost");
  CHECK_FALSE(status[0].connected);
  CHECK_THAT(status[0].last_error, Catch::Contains("cannot start `/nonexistent/server`"));
  CHECK(status[1].tools > 5);

  auto ws = connect(*fx.server);
  const auto sid = create_session_id(*ws);
  start_turn(*ws, sid, "r-mcp", "echo something");
  auto frames = read_turn(*ws, "r-mcp", 30s);
  auto calls = of_type(frames, "stream_chunk", "toolCall");
  auto results = of_type(frames, "stream_chunk", "toolResult");
  REQUIRE(calls.size() == 2);
  REQUIRE(results.size() == 2);
  require_tool_call(calls[0], "mcp__everything__echo", R"({"message":"hi from the model"})");
  require_tool_result(results[0], "mcp__everything__echo", false, "Echo: hi from the model");
  require_tool_result(results[1], "mcp__everything__get-sum", false, "The sum of 2 and 40 is 42.");
  require_reply(frames.back(), "r-mcp", "All done.");

  // The model was offered the namespaced tools with their schemas.
  auto reqs = fx.gateway->requests();
  REQUIRE_FALSE(reqs.empty());
  CHECK_THAT(reqs[0].body, Catch::Contains(R"("name":"mcp__everything__echo")"));
  CHECK_THAT(reqs[0].body, Catch::Contains(R"("description":"Echoes back the input string")"));
  CHECK_THAT(reqs[0].body, Catch::Contains("Message to echo"));
  // The tool message the model saw next is the MCP result text.
  CHECK_THAT(reqs[1].body, Catch::Contains("Echo: hi from the model"));
  require_quiescent(*fx.server);

  // Shutdown ends and reaps the node child: this process has no child left, not even a
  // zombie (waitpid would reap one and return its pid).
  ws.reset();
  fx.server.reset();
  errno = 0;
  CHECK(::waitpid(-1, nullptr, WNOHANG) == -1);
  CHECK(errno == ECHILD);
}

TEST_CASE("mcp: errors of a call reach the model as tool errors", "[mcp]") {
  auto e = mcp::everything_or_skip();
  if (!e) return;
  // get-sum without its arguments: the server answers with an error.
  mcp_server_fixture fx(*e, {tool_call("mcp__everything__get-sum", R"({"a":"x"})"), text("Oops.")});
  auto ws = connect(*fx.server);
  const auto sid = create_session_id(*ws);
  start_turn(*ws, sid, "r-err", "add");
  auto frames = read_turn(*ws, "r-err", 30s);
  auto results = of_type(frames, "stream_chunk", "toolResult");
  REQUIRE(results.size() == 1);
  INFO(results[0].text());
  CHECK(results[0].boolean("/data/state/rawResponse/toolResult/isError") == true);
  CHECK_THAT(results[0].str("/data/state/rawResponse/toolResult/result"),
             Catch::StartsWith("error: mcp__everything__get-sum "));
  require_reply(frames.back(), "r-err", "Oops.");
}

TEST_CASE("mcp: an MCP tool is gated by name like any tool (confirm_tool_action)", "[mcp]") {
  auto e = mcp::everything_or_skip();
  if (!e) return;
  mcp_server_fixture fx(
      *e, {tool_call("mcp__everything__echo", R"({"message":"gated"})"), text("Sent.")},
      {"mcp__everything__echo"});
  auto ws = connect(*fx.server);
  const auto sid = create_session_id(*ws);
  start_turn(*ws, sid, "r-gate", "echo gated");
  expect(*ws, "write_confirmation_required");
  confirm(*ws, sid, true, "r-yes");
  auto frames = read_turn(*ws, "r-gate", 30s);
  auto results = of_type(frames, "stream_chunk", "toolResult");
  REQUIRE(results.size() == 1);
  require_tool_result(results[0], "mcp__everything__echo", false, "Echo: gated");
}

TEST_CASE("mcp: a call past timeout_secs fails the tool with the timeout text", "[mcp]") {
  auto e = mcp::everything_or_skip();
  if (!e) return;
  mcp_server_fixture fx(
      *e,
      {tool_call("mcp__everything__trigger-long-running-operation", R"({"duration":5,"steps":5})"),
       text("Too slow.")},
      {}, 1);
  auto ws = connect(*fx.server);
  const auto sid = create_session_id(*ws);
  start_turn(*ws, sid, "r-slow", "run the long thing");
  auto frames = read_turn(*ws, "r-slow", 30s);
  auto results = of_type(frames, "stream_chunk", "toolResult");
  REQUIRE(results.size() == 1);
  require_tool_result(results[0], "mcp__everything__trigger-long-running-operation", true,
                      "error: mcp__everything__trigger-long-running-operation timed out after 1s");
  require_reply(frames.back(), "r-slow", "Too slow.");
}

TEST_CASE("mcp: a bad SMOOTH_AGENT_MCP_CONFIG stops startup with a clear error", "[mcp]") {
  temp_dir dir;
  auto o = base_options();
  o.config.mcp_config = dir.write("mcp.json", R"({"mcpServers": {"s": {"args": "x"}}})").string();
  try {
    net::server server(std::move(o));
    FAIL("the server started");
  } catch (const std::runtime_error& err) {
    CHECK_THAT(err.what(), Catch::Contains("SMOOTH_AGENT_MCP_CONFIG"));
    CHECK_THAT(err.what(), Catch::Contains("mcpServers.s.args: must be an array of strings"));
  }
  auto o2 = base_options();
  o2.config.mcp_config = (dir.path / "missing.json").string();
  CHECK_THROWS_WITH(net::server(std::move(o2)), Catch::Contains("cannot read the file"));
}

}  // namespace so::test::turns
