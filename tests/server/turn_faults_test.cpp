// tests/server/turn_faults_test.cpp — gateway and tool faults seen through a whole server
// (issue "LLM turns"; engine.md §1.15, §2.9, §2.11; decisions.md retries and SSE rows).
//
// After every failed turn the connection must still work: it answers ping, a
// new turn on the same session is accepted, and storage holds the user message
// but no assistant reply for the failed turn.
#include "adapters/tools/tools_file.hpp"
#include "tests/server/turn_test_support.hpp"
#include "tests/support/net/background_io.hpp"
#include "tests/support/net/fake_gateway.hpp"
#include "tests/support/net/http_test_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace so::test::turns {
namespace {

net::server_options gateway_options(const std::string& url) {
  auto o = base_options();
  o.config.gateway_url = url;
  o.config.gateway_key = "k";
  return o;
}

/// A loopback port nobody listens on: bound (so the kernel picks a free one), then closed.
std::uint16_t closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

/// The failed turn's terminal frame is AGENT_ERROR with `prefix` (both copies).
void require_agent_error(const frame& f, const std::string& rid, const std::string& prefix) {
  INFO("terminal: " << f.text());
  REQUIRE(f.type() == "error");
  CHECK(f.rid() == rid);
  CHECK(f.str("/data/requestId") == rid);
  CHECK(f.str("/error/code") == "AGENT_ERROR");
  CHECK(f.str("/data/error/code") == "AGENT_ERROR");
  CHECK(f.str("/error/message").rfind(prefix, 0) == 0);
  CHECK(f.str("/data/error/message") == f.str("/error/message"));
  CHECK_FALSE(f.has("/status"));
}

/// What must hold after a failed turn: ping answers, only the user message is stored.
void require_healthy_after_failure(ws_client& ws, const std::string& sid,
                                   const std::string& user_text) {
  require_pong_next(ws);
  CHECK(stored_messages(ws, sid) == stored{{"inbound", user_text}});
}

}  // namespace

TEST_CASE("faults: a refused gateway port fails the turn with HTTP request failed", "[turn]") {
  // Send failures are retried 3 times with backoff (~7 s), then reported.
  net::server server(gateway_options("http://127.0.0.1:" + std::to_string(closed_port()) + "/v1"));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);

  start_turn(*ws, sid, "r-refused", "anyone there?");
  auto frames = read_turn(*ws, "r-refused", 30s);
  require_agent_error(frames.back(), "r-refused", "agent turn failed: HTTP request failed: ");
  CHECK(of_type(frames, "stream_token").empty());
  require_healthy_after_failure(*ws, sid, "anyone there?");

  // The slot was released: a new turn is accepted (it would fail the same way; cancel it).
  start_turn(*ws, sid, "r-again", "still there?");
  cancel(*ws, "r-cancel");
  require_cancelled(read_turn(*ws, "r-again", 5s).back(), "r-again");
  require_quiescent(server);
}

TEST_CASE("faults: HTTP 500 on every attempt fails the turn with LLM API error 500", "[turn]") {
  fake_gateway fake({text("recovered")});
  for (int i = 0; i < 4; ++i) {  // the first attempt and its 3 retries
    gateway_fault f;
    f.what = gateway_fault::kind::http_status;
    f.status = 500;
    f.retry_after = "0";  // retry at once: keeps the test fast
    fake.push_fault(f);
  }
  net::server server(gateway_options(fake.base_url()));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);

  start_turn(*ws, sid, "r-500", "boom?");
  auto frames = read_turn(*ws, "r-500");
  require_agent_error(
      frames.back(), "r-500",
      R"(agent turn failed: LLM API error 500 Internal Server Error: {"error":"boom"})");
  CHECK(frames.back().str("/error/message") ==
        R"(agent turn failed: LLM API error 500 Internal Server Error: {"error":"boom"})");
  CHECK(fake.requests().size() == 4);
  require_healthy_after_failure(*ws, sid, "boom?");

  // A status fault consumes no script entry: the next turn gets "recovered".
  start_turn(*ws, sid, "r-ok", "again");
  require_reply(read_turn(*ws, "r-ok").back(), "r-ok", "recovered");
  // History replays two consecutive user messages (engine.md §1.15).
  auto body = frame(fake.requests().back().body);
  REQUIRE(body.size("/messages") == 3);
  CHECK(body.str("/messages/1/content") == "boom?");
  CHECK(body.str("/messages/2/content") == "again");
  require_quiescent(server);
}

TEST_CASE("faults: HTTP 429 with Retry-After 0, then success, completes the turn", "[turn]") {
  fake_gateway fake({text("after the rate limit")});
  gateway_fault f;
  f.what = gateway_fault::kind::http_status;
  f.status = 429;
  f.retry_after = "0";
  fake.push_fault(f);
  net::server server(gateway_options(fake.base_url()));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);

  start_turn(*ws, sid, "r-429", "hello");
  auto frames = read_turn(*ws, "r-429");
  require_reply(frames.back(), "r-429", "after the rate limit");
  CHECK(tokens(frames) == "after the rate limit");
  CHECK(fake.requests().size() == 2);
  CHECK(stored_messages(*ws, sid) ==
        stored{{"inbound", "hello"}, {"outbound", "after the rate limit"}});
  require_quiescent(server);
}

TEST_CASE("faults: a malformed SSE line is skipped and the turn succeeds", "[turn]") {
  fake_gateway fake({text("despite the noise")});
  gateway_fault f;
  f.what = gateway_fault::kind::malformed_line;
  fake.push_fault(f);
  net::server server(gateway_options(fake.base_url()));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);

  start_turn(*ws, sid, "r-bad-line", "hello");
  auto frames = read_turn(*ws, "r-bad-line");
  require_reply(frames.back(), "r-bad-line", "despite the noise");
  CHECK(tokens(frames) == "despite the noise");
  CHECK(fake.requests().size() == 1);  // skipped, not retried
  require_quiescent(server);
}

TEST_CASE("faults: a connection dropped mid-stream fails the turn with AGENT_ERROR", "[turn]") {
  // The dropped stream consumes the first entry; the next turn gets the second.
  fake_gateway fake({text("this is cut short"), text("second try works")});
  gateway_fault f;
  f.what = gateway_fault::kind::drop_mid_stream;
  fake.push_fault(f);
  net::server server(gateway_options(fake.base_url()));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);

  start_turn(*ws, sid, "r-drop", "tell me");
  auto frames = read_turn(*ws, "r-drop");
  require_agent_error(frames.back(), "r-drop", "agent turn failed: ");
  // Nothing is retried once a delta reached the client.
  CHECK(fake.requests().size() == 1);
  CHECK(of_type(frames, "eventual_response").empty());
  require_healthy_after_failure(*ws, sid, "tell me");

  start_turn(*ws, sid, "r-after-drop", "again");
  require_reply(read_turn(*ws, "r-after-drop").back(), "r-after-drop", "second try works");
  require_quiescent(server);
}

TEST_CASE("faults: a webhook tool slower than its timeout yields an error result", "[turn]") {
  http_test_server hook([](const http_test_request&) {
    http_test_response r;
    r.body = "too late";
    r.delay = 3000ms;
    return r;
  });
  background_io bio;  // the webhook's HTTP client; outlives the server below
  auto tools = adapters::tools::parse_tools(R"([{"name":"slow_hook","description":"slow","url":")" +
                                                hook.url("/hook") + R"(","timeoutMs":200}])",
                                            "test tools", bio.http());
  REQUIRE(tools.size() == 1);

  auto script = std::make_shared<llm::scripted_provider>(
      std::vector<llm::script_entry>{tool_call("slow_hook", R"({"x":1})"), text("hook timed out")});
  auto o = base_options();
  o.llm_override = script;
  o.extra_tools = tools;
  net::server server(std::move(o));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);

  start_turn(*ws, sid, "r-hook", "call the hook");
  const auto started = std::chrono::steady_clock::now();
  auto frames = read_turn(*ws, "r-hook");
  // The turn did not wait for the 3 s handler.
  CHECK(std::chrono::steady_clock::now() - started < 2500ms);
  auto results = of_type(frames, "stream_chunk", "toolResult");
  REQUIRE(results.size() == 1);
  INFO("toolResult: " << results[0].text());
  CHECK(results[0].str("/data/state/rawResponse/toolResult/name") == "slow_hook");
  CHECK(results[0].boolean("/data/state/rawResponse/toolResult/isError") == true);
  CHECK(results[0].str("/data/state/rawResponse/toolResult/result").rfind("error: ", 0) == 0);
  require_reply(frames.back(), "r-hook", "hook timed out");
  // The webhook got the documented body.
  auto reqs = hook.requests();
  REQUIRE(reqs.size() == 1);
  frame hook_body(reqs[0].body);
  CHECK(hook_body.str("/name") == "slow_hook");
  CHECK(hook_body.str("/sessionId") == sid);
  require_quiescent(server);
}

}  // namespace so::test::turns
