// tests/server/cli_test.cpp — the smooth-operator-cli binary end to end against an
// in-process server (scripted LLM, or the fake gateway when streaming must be seen
// before the turn ends): send, history, chat with confirmations, Ctrl-C, usage errors.
#include "tests/server/turn_test_support.hpp"
#include "tests/support/harness/child_process.hpp"
#include "tests/support/net/fake_gateway.hpp"

#include <csignal>

namespace so::test::turns {
namespace {

constexpr std::chrono::milliseconds kWait{15'000};

std::vector<std::string> cli_args(std::uint16_t port, std::vector<std::string> rest) {
  std::vector<std::string> a{"--url", "ws://127.0.0.1:" + std::to_string(port) + "/ws"};
  a.insert(a.end(), rest.begin(), rest.end());
  return a;
}

std::unique_ptr<net::server> scripted_server(std::vector<llm::script_entry> entries) {
  auto o = base_options();
  o.llm_override = std::make_shared<llm::scripted_provider>(std::move(entries));
  return std::make_unique<net::server>(std::move(o));
}

/// The session id the CLI printed on stderr ("session <id>").
std::string printed_session(const child_process& p) {
  const auto at = p.err().find("session ");
  REQUIRE(at != std::string::npos);
  const auto end = p.err().find('\n', at);
  return p.err().substr(at + 8, end - at - 8);
}

TEST_CASE("cli: send prints the reply, exits 0, and history lists the turn", "[cli]") {
  auto server = scripted_server({text("Hello from the engine!")});
  std::string session;
  {
    child_process cli("smooth-operator-cli", cli_args(server->port(), {"send", "hi", "there"}));
    REQUIRE(cli.wait_exit(kWait) == 0);
    CHECK(cli.out() == "Hello from the engine!\n");
    session = printed_session(cli);
  }
  child_process history("smooth-operator-cli",
                        cli_args(server->port(), {"history", "--session", session}));
  REQUIRE(history.wait_exit(kWait) == 0);
  CHECK(history.out() == "you: hi there\nagent: Hello from the engine!\n");
}

TEST_CASE("cli: send --json prints every event of the turn, one per line", "[cli]") {
  auto server = scripted_server({text("Hello")});
  child_process cli("smooth-operator-cli", cli_args(server->port(), {"--json", "send", "hi"}));
  REQUIRE(cli.wait_exit(kWait) == 0);
  std::vector<std::string> types;
  std::size_t start = 0;
  while (start < cli.out().size()) {
    const auto end = cli.out().find('\n', start);
    REQUIRE(end != std::string::npos);
    frame f(cli.out().substr(start, end - start));  // each line parses on its own
    types.push_back(f.str("/type"));
    start = end + 1;
  }
  REQUIRE(types.size() >= 4);
  CHECK(types.front() == "immediate_response");  // the session
  CHECK(types[1] == "immediate_response");       // the 202 ack
  CHECK(types.back() == "eventual_response");
}

TEST_CASE("cli: a failing turn exits 1 with the error on stderr", "[cli]") {
  llm::script_entry fail;
  fail.what = llm::script_entry::kind::failure;
  fail.text = "model exploded";
  auto server = scripted_server({fail});
  child_process cli("smooth-operator-cli", cli_args(server->port(), {"send", "hi"}));
  REQUIRE(cli.wait_exit(kWait) == 1);
  CHECK(cli.err().find("error: AGENT_ERROR") != std::string::npos);
}

TEST_CASE("cli: send on a session that does not exist exits 1", "[cli]") {
  auto server = scripted_server({});
  child_process cli("smooth-operator-cli",
                    cli_args(server->port(), {"send", "--session", "nope", "hi"}));
  REQUIRE(cli.wait_exit(kWait) == 1);
  CHECK(cli.err().find("SESSION_NOT_FOUND") != std::string::npos);
}

TEST_CASE("cli: chat answers one confirmation y and one n from stdin", "[cli]") {
  confirming_server s({tool_call("delete_record", R"({"id":"1"})"), text("First done."),
                       tool_call("delete_record", R"({"id":"2"})"), text("Second done.")});
  child_process cli("smooth-operator-cli", cli_args(s.server->port(), {"chat"}));
  cli.write_stdin("delete one\ny\ndelete two\nn\n");
  cli.close_stdin();  // end of input after the last turn: chat exits 0
  REQUIRE(cli.wait_exit(kWait) == 0);
  const auto& out = cli.out();
  const auto ask = out.find("Tool 'delete_record' requires confirmation. Allow? [y/N]");
  REQUIRE(ask != std::string::npos);
  CHECK(out.find("requires confirmation", ask + 1) != std::string::npos);
  const auto first = out.find("First done.");
  const auto second = out.find("Second done.");
  REQUIRE(first != std::string::npos);
  REQUIRE(second != std::string::npos);
  CHECK(first < second);
  // Approved: the tool ran; denied: it did not, and the model saw why.
  const auto ran = cli.err().find("[tool delete_record done: deleted]");
  const auto denied =
      cli.err().find("[tool delete_record failed: blocked by hook: User denied: user rejected");
  REQUIRE(ran != std::string::npos);
  REQUIRE(denied != std::string::npos);
  CHECK(ran < denied);
}

/// A server streaming through the fake gateway, whose last SSE event waits for release():
/// the turn is mid-stream, with tokens already out, until the test lets it end.
struct held_stream_server {
  fake_gateway gateway;
  std::unique_ptr<net::server> server;
  explicit held_stream_server(std::vector<llm::script_entry> script)
      : gateway(std::move(script), [] {
          fake_gateway_options g;
          g.hold_last = true;
          return g;
        }()) {
    auto o = base_options();
    o.config.gateway_url = gateway.base_url();
    o.config.gateway_key = "test-key";
    server = std::make_unique<net::server>(std::move(o));
  }
  ~held_stream_server() {
    for (int i = 0; i < 4; ++i) gateway.release();
    server.reset();  // before the gateway goes
  }
};

TEST_CASE("cli: send streams tokens before the turn ends", "[cli]") {
  held_stream_server s({text("Streaming reply, piece by piece.")});
  child_process cli("smooth-operator-cli", cli_args(s.server->port(), {"send", "hi"}));
  // Output appears while the gateway still holds the end of the stream.
  REQUIRE(cli.wait_stdout([](const std::string& o) { return !o.empty(); }, kWait));
  CHECK(cli.out().find('\n') == std::string::npos);  // the turn has not ended
  s.gateway.release();
  REQUIRE(cli.wait_exit(kWait) == 0);
  CHECK(cli.out() == "Streaming reply, piece by piece.\n");
}

TEST_CASE("cli: Ctrl-C during a streamed turn cancels it, a second Ctrl-C exits", "[cli]") {
  held_stream_server s({text("This turn will be cancelled mid-stream.")});
  child_process cli("smooth-operator-cli", cli_args(s.server->port(), {"--json", "chat"}));
  cli.write_stdin("go\n");
  REQUIRE(cli.wait_stdout(contains(R"("type":"stream_token")"), kWait));
  cli.signal(SIGINT);
  // The server's answer to the cancel: the turn's terminal event is `cancelled`.
  REQUIRE(cli.wait_stdout(contains(R"("type":"cancelled")"), kWait));
  CHECK(cli.out().find("eventual_response") == std::string::npos);
  cli.signal(SIGINT);  // no turn running: exits
  REQUIRE(cli.wait_exit(kWait) == 130);
}

TEST_CASE("cli: Ctrl-C during send cancels the turn and exits 1", "[cli]") {
  held_stream_server s({text("This turn will be cancelled too.")});
  child_process cli("smooth-operator-cli", cli_args(s.server->port(), {"send", "hi"}));
  REQUIRE(cli.wait_stdout([](const std::string& o) { return !o.empty(); }, kWait));
  cli.signal(SIGINT);
  REQUIRE(cli.wait_exit(kWait) == 1);
  CHECK(cli.err().find("cancelled") != std::string::npos);
}

TEST_CASE("cli: usage errors exit 2 with a message on stderr", "[cli]") {
  const std::vector<std::vector<std::string>> cases = {
      {},
      {"frobnicate"},
      {"send"},
      {"send", "--bogus", "x"},
      {"history"},
      {"send", "--limit", "0", "x"},
      {"publish", "--kind", "session", "--id", "s", "{}"},  // no --token
      {"publish", "--kind", "planet", "--id", "s", "--token", "t", "{}"},
      {"publish", "--kind", "org", "--id", "s", "--token", "t", "{not json"},
      {"--url", "http://127.0.0.1:1/ws", "send", "x"},
      {"--url"},
  };
  for (const auto& args : cases) {
    std::string shown;
    for (const auto& a : args) shown += a + " ";
    INFO("args: " << shown);
    child_process cli("smooth-operator-cli", args);
    REQUIRE(cli.wait_exit(kWait) == 2);
    CHECK(cli.err().find("smooth-operator-cli: ") == 0);
    CHECK(cli.out().empty());
  }
  child_process help("smooth-operator-cli", {"--help"});
  REQUIRE(help.wait_exit(kWait) == 0);
  CHECK(help.out().find("usage: smooth-operator-cli") == 0);
}

TEST_CASE("cli: a server that is not there exits 1", "[cli]") {
  // A port just released by a server: nothing listens there any more.
  std::uint16_t port = 0;
  { port = scripted_server({})->port(); }
  child_process cli("smooth-operator-cli", cli_args(port, {"send", "hi"}));
  REQUIRE(cli.wait_exit(kWait) == 1);
  CHECK(cli.err().find("cannot connect") != std::string::npos);
}

}  // namespace
}  // namespace so::test::turns
