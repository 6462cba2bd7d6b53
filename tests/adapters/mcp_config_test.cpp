// tests/adapters/mcp_config_test.cpp — the MCP servers file, `${env:NAME}` expansion and
// tool naming (later-protocol.md §7.1, §7.3; decisions.md "MCP").
#include "adapters/tools/mcp_config.hpp"

#include "tests/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <map>

using namespace so::adapters::tools;

namespace {

so::adapters::env_lookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::string error_of(std::string_view json) {
  try {
    parse_mcp_config(json);
  } catch (const mcp_config_error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("mcp config: every key of an entry, in file order", "[mcp]") {
  auto c = parse_mcp_config(R"({"mcpServers": {
    "zeta": {"command": "node", "args": ["a.js", "stdio"], "env": {"K": "v", "L": "w"},
             "timeout_secs": 5, "connect_timeout_secs": 7, "type": "stdio"},
    "alpha": {"url": "http://127.0.0.1:1/mcp", "bearer_token": "t", "command": "ignored"},
    "off": {"command": "x", "disabled": true}}})");
  REQUIRE(c.servers.size() == 3);
  const auto& z = c.servers[0];
  CHECK(z.name == "zeta");
  CHECK(z.command == "node");
  CHECK(z.args == std::vector<std::string>{"a.js", "stdio"});
  REQUIRE(z.env.size() == 2);
  CHECK(z.env[0] == std::pair<std::string, std::string>{"K", "v"});
  CHECK(z.call_timeout == std::chrono::seconds(5));
  CHECK(z.connect_timeout == std::chrono::seconds(7));
  CHECK_FALSE(z.uses_http());
  const auto& a = c.servers[1];
  CHECK(a.name == "alpha");
  CHECK(a.uses_http());  // url wins over command
  CHECK(a.bearer_token == "t");
  CHECK(a.call_timeout == std::chrono::seconds(60));  // the reference's default
  CHECK(c.servers[2].disabled);
}

TEST_CASE("mcp config: a bad file is a clear error naming the place", "[mcp]") {
  CHECK_THAT(error_of("{"), Catch::Contains("invalid JSON"));
  CHECK_THAT(error_of("[]"), Catch::Contains("top level"));
  CHECK_THAT(error_of(R"({"servers": {}})"), Catch::Contains("servers: unknown key"));
  CHECK_THAT(error_of(R"({"mcpServers": []})"), Catch::Contains("mcpServers: must be an object"));
  CHECK_THAT(error_of(R"({"mcpServers": {"s": {"args": "x"}}})"),
             Catch::Contains("mcpServers.s.args: must be an array"));
  CHECK_THAT(error_of(R"({"mcpServers": {"s": {"timeout_secs": 0}}})"),
             Catch::Contains("mcpServers.s.timeout_secs: must be a whole number"));
  CHECK_THAT(error_of(R"({"mcpServers": {"s": {"timeout_secs": "60"}}})"),
             Catch::Contains("mcpServers.s.timeout_secs"));
  CHECK_THAT(error_of(R"({"mcpServers": {"s": {"comand": "x"}}})"),
             Catch::Contains("mcpServers.s.comand: unknown key"));
  CHECK_THAT(error_of(R"({"mcpServers": {"s": {"env": {"A": 1}}}})"),
             Catch::Contains("mcpServers.s.env.A: must be a string"));
  CHECK_THAT(error_of(R"({"mcpServers": {"s": {"disabled": "no"}}})"),
             Catch::Contains("mcpServers.s.disabled"));
}

TEST_CASE("mcp config: a missing or unreadable file names the variable and the path", "[mcp]") {
  so::test::temp_dir dir;
  const auto missing = (dir.path / "nope.json").string();
  try {
    load_mcp_config_file(missing);
    FAIL("no error");
  } catch (const mcp_config_error& e) {
    CHECK_THAT(e.what(), Catch::StartsWith("SMOOTH_AGENT_MCP_CONFIG " + missing + ": "));
  }
  const auto bad = (dir.path / "bad.json").string();
  std::ofstream(bad) << R"({"mcpServers": {"s": {"url": 5}}})";
  try {
    load_mcp_config_file(bad);
    FAIL("no error");
  } catch (const mcp_config_error& e) {
    CHECK(std::string(e.what()) ==
          "SMOOTH_AGENT_MCP_CONFIG " + bad + ": mcpServers.s.url: must be a string");
  }
}

TEST_CASE("mcp config: ${env:NAME} expansion (§7.1)", "[mcp]") {
  const auto env = env_of({{"HOME_DIR", "/home/u"}, {"TOKEN", "s3cret"}, {"EMPTY", ""}});
  CHECK(expand_env("${env:HOME_DIR}/bin", env) == "/home/u/bin");
  CHECK(expand_env("a${env:TOKEN}b${env:TOKEN}c", env) == "as3cretbs3cretc");
  CHECK(expand_env("x${env:UNSET}y", env) == "xy");          // unset → empty
  CHECK(expand_env("x${env:TOKEN", env) == "x${env:TOKEN");  // unterminated: verbatim
  CHECK(expand_env("$TOKEN ${TOKEN} ${env:TOKEN}", env) == "$TOKEN ${TOKEN} s3cret");
  CHECK(expand_env("${env:TOKEN}${env:", env) == "s3cret${env:");

  auto c = parse_mcp_config(R"({"mcpServers": {"s": {
    "command": "${env:HOME_DIR}/srv", "args": ["--t=${env:TOKEN}"], "env": {"K": "${env:TOKEN}"},
    "url": "http://h/${env:TOKEN}", "bearer_token": "${env:EMPTY}"}}})");
  auto e = expand_entry(c.servers[0], env);
  CHECK(e.command == "/home/u/srv");
  CHECK(e.args[0] == "--t=s3cret");
  CHECK(e.env[0].second == "s3cret");
  CHECK(e.url == "http://h/s3cret");
  CHECK(e.bearer_token == "");
  CHECK(c.servers[0].command == "${env:HOME_DIR}/srv");  // the entry itself is untouched
}

TEST_CASE("mcp config: tool names are mcp__<server>__<tool>, sanitized per character (§7.3)",
          "[mcp]") {
  CHECK(mcp_tool_name("smoo", "crm_find") == "mcp__smoo__crm_find");
  CHECK(mcp_tool_name("my server", "do.thing") == "mcp__my_server__do_thing");
  CHECK(mcp_tool_name("everything", "get-sum") == "mcp__everything__get-sum");
  // One `_` per character, also for a multi-byte one.
  CHECK(sanitize_mcp_name("caf\xC3\xA9/\xE2\x82\xAC!") == "caf____");  // é / € !
  CHECK(sanitize_mcp_name("\xF0\x9F\x98\x80x") == "_x");
  CHECK(sanitize_mcp_name("A-z_09") == "A-z_09");
}
