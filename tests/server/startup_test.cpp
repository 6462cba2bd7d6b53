// tests/server/startup_test.cpp — boot, ping, /health, the startup line, two servers.
#include "tests/server/server_test_support.hpp"

using namespace so::test;
using namespace so::test::srv;

TEST_CASE("server boots on an ephemeral port and answers ping with pong", "[server]") {
  so::net::server server(local_options());
  REQUIRE(server.port() != 0);
  CHECK(server.ws_url() == "ws://127.0.0.1:" + std::to_string(server.port()) + "/ws");

  auto c = connect_to(server);
  c.send_text(R"({"action":"ping","requestId":"ping-1"})");
  // protocol.md §7.1 #1: the pong is the FIRST frame.
  auto pong = next(c);
  CHECK(str(pong, "/type") == "pong");
  CHECK(str(pong, "/requestId") == "ping-1");
  REQUIRE(at(pong, "/timestamp") != nullptr);
  REQUIRE(at(pong, "/timestamp")->IsInt64());  // an integer, not a float
  CHECK(integer(pong, "/timestamp") == integer(pong, "/data/timestamp"));
  // Epoch milliseconds, not seconds: after 2020-01-01.
  CHECK(integer(pong, "/timestamp") > 1577836800000LL);
  CHECK_FALSE(has(pong, "/status"));
}

TEST_CASE("ping without requestId gets a pong without requestId", "[server]") {
  so::net::server server(local_options());
  auto c = connect_to(server);
  c.send_text(R"({"action":"ping"})");
  auto pong = next(c);
  CHECK(str(pong, "/type") == "pong");
  CHECK_FALSE(has(pong, "/requestId"));
  CHECK(integer(pong, "/timestamp") == integer(pong, "/data/timestamp"));
}

TEST_CASE("a non-string requestId is treated as absent", "[server]") {
  so::net::server server(local_options());
  auto c = connect_to(server);
  c.send_text(R"({"action":"ping","requestId":42})");
  auto pong = next(c);
  CHECK(str(pong, "/type") == "pong");
  CHECK_FALSE(has(pong, "/requestId"));
}

TEST_CASE("/health answers 200 ok, other paths 404", "[server]") {
  so::net::server server(local_options());
  auto [status, body] = http_get("127.0.0.1", server.port(), "/health");
  CHECK(status == 200);
  CHECK(body == "ok");

  auto [status404, body404] = http_get("127.0.0.1", server.port(), "/nope");
  CHECK(status404 == 404);
  CHECK(body404.empty());
}

TEST_CASE("startup line has the exact reference format", "[server]") {
  so::net::server server(local_options());
  CHECK(server.startup_line() ==
        "smooth-operator-server listening on ws://127.0.0.1:" + std::to_string(server.port()) +
            "/ws (model=claude-haiku-4-5, llm_enabled=false)");
}

TEST_CASE("startup line reports the configured model and a configured key", "[server]") {
  auto o = local_options();
  o.config.model = "gpt-test";
  o.config.gateway_key = "sk-test";  // never used: no turn runs
  so::net::server server(std::move(o));
  CHECK(server.startup_line() ==
        "smooth-operator-server listening on ws://127.0.0.1:" + std::to_string(server.port()) +
            "/ws (model=gpt-test, llm_enabled=true)");
}

TEST_CASE("two servers in one process do not interfere", "[server]") {
  so::net::server a(local_options());
  so::net::server b(local_options());
  REQUIRE(a.port() != b.port());

  auto ca = connect_to(a);
  auto cb = connect_to(b);
  auto sa = create_session(ca, "agent-a", "ra");
  auto sb = create_session(cb, "agent-b", "rb");

  // Sessions live in their own server's directory only.
  cb.send_text(R"({"action":"get_session","requestId":"x","sessionId":")" + sa.session_id +
               R"("})");
  check_error(next(cb), "SESSION_NOT_FOUND", "session '" + sa.session_id + "' not found",
              std::string("x"));
  ca.send_text(R"({"action":"get_session","requestId":"y","sessionId":")" + sa.session_id +
               R"("})");
  auto snap = next(ca);
  CHECK(str(snap, "/data/agentId") == "agent-a");

  // Each backplane reaches only its own clients.
  CHECK(a.publish("session", sb.session_id, R"({"type":"job_status"})") == 0);
  CHECK(b.publish("session", sb.session_id, R"({"type":"job_status","n":1})") == 1);
  CHECK(*cb.read() == R"({"type":"job_status","n":1})");
  CHECK_FALSE(ca.read(200ms).has_value());

  // Stopping one leaves the other serving.
  const auto port_a = a.port();
  a.shutdown();
  CHECK(refuses_connections(port_a));
  expect_alive(cb, "still-b");
  auto [status, body] = http_get("127.0.0.1", b.port(), "/health");
  CHECK(status == 200);
}
