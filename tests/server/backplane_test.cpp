// tests/server/backplane_test.cpp — in-process backplane delivery (protocol.md §1.4, §7.9 #40–41;
// decisions.md: a connection is associated whenever it resolves a session).
#include "tests/server/server_test_support.hpp"

using namespace so::test;
using namespace so::test::srv;

namespace {

const std::string kJob = R"({"type":"job_status","jobId":"j-1","state":"running","progress":0.5})";

std::size_t attached(so::net::server& s) {
  return s.stats().attached_connections;
}

}  // namespace

TEST_CASE("a publish to the session reaches the creating client verbatim, exactly once",
          "[server]") {
  so::net::server server(local_options());
  auto c = connect_to(server);
  auto s = create_session(c);

  CHECK(server.publish("session", s.session_id, kJob) == 1);
  auto got = c.read();
  REQUIRE(got.has_value());
  CHECK(*got == kJob);  // byte for byte: not re-serialized, not wrapped
  // Exactly once: the next frame is our ping's pong, not a duplicate.
  expect_alive(c, "after-publish");

  // Not even a protocol event type: forwarded as-is.
  const std::string odd = R"({"custom":[1,2,3],"nested":{"k":"v"}})";
  CHECK(server.publish("session", s.session_id, odd) == 1);
  CHECK(*c.read() == odd);
}

TEST_CASE("create associates the agent and the connection targets too", "[server]") {
  so::net::server server(local_options());
  auto c = connect_to(server);
  create_session(c, "agent-bp");
  CHECK(server.publish("agent", "agent-bp", kJob) == 1);
  CHECK(*c.read() == kJob);
  CHECK(server.publish("agent", "agent-other", kJob) == 0);
}

TEST_CASE("a second connection that resolved the session with get_session also receives",
          "[server]") {
  so::net::server server(local_options());
  auto c1 = connect_to(server);
  auto s = create_session(c1);
  auto c2 = connect_to(server);
  c2.send_text(R"({"action":"get_session","requestId":"gs","sessionId":")" + s.session_id +
               R"("})");
  REQUIRE(str(next(c2), "/requestId") == "gs");

  CHECK(server.publish("session", s.session_id, kJob) == 2);
  CHECK(*c1.read() == kJob);
  CHECK(*c2.read() == kJob);
  // One copy each.
  expect_alive(c1, "c1");
  expect_alive(c2, "c2");
}

TEST_CASE("a failed lookup does not associate", "[server]") {
  so::net::server server(local_options());
  auto c = connect_to(server);
  const std::string unknown = "00000000-0000-0000-0000-000000000000";
  c.send_text(R"({"action":"get_session","requestId":"gs","sessionId":")" + unknown + R"("})");
  REQUIRE(str(next(c), "/type") == "error");
  CHECK(server.publish("session", unknown, kJob) == 0);
}

TEST_CASE("publish to an unknown target delivers nothing", "[server]") {
  so::net::server server(local_options());
  auto c = connect_to(server);
  auto s = create_session(c);
  CHECK(server.publish("session", "no-such-session", kJob) == 0);
  CHECK(server.publish("user", "nobody", kJob) == 0);
  CHECK(server.publish("org", "no-org", kJob) == 0);
  CHECK(server.publish("connection", "no-conn", kJob) == 0);
  CHECK_THROWS(server.publish("planet", s.session_id, kJob));
  // The client saw none of it.
  expect_alive(c, "quiet");
}

TEST_CASE("attached connections return to zero after clients disconnect", "[server]") {
  so::net::server server(local_options());
  CHECK(attached(server) == 0);
  std::string session_id;
  {
    auto c1 = connect_to(server);
    auto c2 = connect_to(server);
    // A round trip on each proves its connection actor is up and attached.
    expect_alive(c1, "a");
    expect_alive(c2, "b");
    session_id = create_session(c1).session_id;
    CHECK(attached(server) == 2);
    c1.close();
    CHECK(eventually([&] { return attached(server) == 1; }));
  }  // c2 closes here
  CHECK(eventually([&] { return attached(server) == 0; }));
  // Detaching removed the associations too.
  CHECK(server.publish("session", session_id, kJob) == 0);
}

TEST_CASE("a connection the server closes (1009) also detaches", "[server]") {
  so::net::server server(local_options());
  {
    auto c = connect_to(server);
    auto s = create_session(c);
    CHECK(attached(server) == 1);
    // Oversized frame: the server ends the connection itself.
    try {
      c.send_text(std::string((1 << 20) + 10, ' '));
    } catch (const std::exception&) {
    }
    CHECK_FALSE(c.read(5000ms).has_value());
    REQUIRE(c.closed().has_value());
    CHECK(c.closed()->code == 1009);
  }
  CHECK(eventually([&] { return attached(server) == 0; }));
}
