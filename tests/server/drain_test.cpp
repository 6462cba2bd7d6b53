// tests/server/drain_test.cpp — graceful drain (protocol.md §1.7; decisions.md): stop accepting,
// stop dispatching frames, let in-flight turns finish up to drain_timeout, close with 1001.
#include "tests/server/server_test_support.hpp"

#include <algorithm>
#include <future>

using namespace so::test;
using namespace so::test::srv;

namespace {

/// Reads until the server closes the connection; returns the frames seen on the way.
std::vector<std::string> read_until_closed(ws_client& c, milliseconds timeout) {
  std::vector<std::string> frames;
  const auto deadline = steady_clock::now() + timeout;
  while (!c.closed() && steady_clock::now() < deadline) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now());
    if (auto f = c.read(left)) frames.push_back(std::move(*f));
  }
  return frames;
}

std::string type_of(const std::string& frame) {
  rapidjson::Document d;
  d.Parse(frame.c_str());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("type") || !d["type"].IsString())
    return {};
  return d["type"].GetString();
}

}  // namespace

TEST_CASE("shutdown lets an in-flight turn finish, then closes with 1001", "[server]") {
  auto llm = std::make_shared<gated_provider>("finished while draining");
  auto o = scripted_options(llm);
  o.config.drain_timeout = std::chrono::seconds(20);  // far above what the test needs
  so::net::server server(std::move(o));
  const auto port = server.port();

  auto c = connect_to(server);
  auto s = create_session(c);
  c.send_text(R"({"action":"send_message","requestId":"slow","sessionId":")" + s.session_id +
              R"(","message":"take your time"})");
  auto ack = next(c);
  REQUIRE(integer(ack, "/status") == 202);
  REQUIRE(llm->wait_started(1));

  auto stopped = std::async(std::launch::async, [&server] { server.shutdown(); });
  // Draining has begun once the listener refuses new connections.
  REQUIRE(eventually([&] { return refuses_connections(port); }));
  // The turn is still parked on the gate, so shutdown must still be waiting for it.
  CHECK(stopped.wait_for(300ms) == std::future_status::timeout);
  // A frame that arrives while draining is not dispatched (no pong comes back).
  c.send_text(R"({"action":"ping","requestId":"during-drain"})");

  llm->release();
  auto frames = read_until_closed(c, 10000ms);
  REQUIRE(c.closed().has_value());
  CHECK(c.closed()->code == 1001);

  std::vector<std::string> types;
  for (const auto& f : frames) types.push_back(type_of(f));
  INFO("frames after the ack: " << frames.size());
  REQUIRE_FALSE(types.empty());
  CHECK(types.back() == "eventual_response");  // the terminal event, then the close
  CHECK(std::count(types.begin(), types.end(), "eventual_response") == 1);
  CHECK(std::count(types.begin(), types.end(), "pong") == 0);
  auto final_event = parse(frames.back());
  CHECK(str(final_event, "/requestId") == "slow");
  CHECK(str(final_event, "/data/data/response/responseParts/0") == "finished while draining");

  REQUIRE(stopped.wait_for(10s) == std::future_status::ready);
  stopped.get();
  CHECK(refuses_connections(port));
}

TEST_CASE("shutdown with an idle client finishes quickly and the client sees 1001", "[server]") {
  so::net::server server(local_options());
  const auto port = server.port();
  auto c = connect_to(server);
  expect_alive(c, "idle");

  // The client is not reading during shutdown: an unresponsive peer must not hold it.
  const auto t0 = steady_clock::now();
  server.shutdown();
  CHECK(steady_clock::now() - t0 < 5s);

  CHECK_FALSE(c.read(5000ms).has_value());
  REQUIRE(c.closed().has_value());
  CHECK(c.closed()->code == 1001);
  CHECK(refuses_connections(port));
  CHECK_THROWS(http_get("127.0.0.1", port, "/health"));
}

TEST_CASE("shutdown while the client reads: close handshake completes with 1001", "[server]") {
  so::net::server server(local_options());
  auto c1 = connect_to(server);
  auto c2 = connect_to(server);
  expect_alive(c1, "1");
  expect_alive(c2, "2");
  const auto t0 = steady_clock::now();
  auto stopped = std::async(std::launch::async, [&server] { server.shutdown(); });
  read_until_closed(c1, 5000ms);
  read_until_closed(c2, 5000ms);
  REQUIRE(stopped.wait_for(5s) == std::future_status::ready);
  CHECK(steady_clock::now() - t0 < 5s);
  REQUIRE(c1.closed().has_value());
  REQUIRE(c2.closed().has_value());
  CHECK(c1.closed()->code == 1001);
  CHECK(c2.closed()->code == 1001);
}

TEST_CASE("a turn that outlives drain_timeout is cut off and the client sees 1001", "[server]") {
  auto llm = std::make_shared<gated_provider>("too late");
  auto o = scripted_options(llm);
  o.config.drain_timeout = std::chrono::seconds(1);
  so::net::server server(std::move(o));
  auto c = connect_to(server);
  auto s = create_session(c);
  c.send_text(R"({"action":"send_message","requestId":"stuck","sessionId":")" + s.session_id +
              R"(","message":"never answered"})");
  REQUIRE(integer(next(c), "/status") == 202);
  REQUIRE(llm->wait_started(1));

  const auto t0 = steady_clock::now();
  auto stopped = std::async(std::launch::async, [&server] { server.shutdown(); });
  auto frames = read_until_closed(c, 10000ms);
  REQUIRE(stopped.wait_for(10s) == std::future_status::ready);
  const auto elapsed = steady_clock::now() - t0;
  CHECK(elapsed >= 900ms);  // it did wait for the turn
  CHECK(elapsed < 6s);      // but only about drain_timeout
  REQUIRE(c.closed().has_value());
  CHECK(c.closed()->code == 1001);
  for (const auto& f : frames) CHECK(type_of(f) != "eventual_response");

  // Releasing the gate now delivers nothing anywhere (the turn is gone).
  llm->release();
}

TEST_CASE("shutdown is idempotent and the destructor after it is a no-op", "[server]") {
  auto server = std::make_unique<so::net::server>(local_options());
  const auto port = server->port();
  server->shutdown();
  server->shutdown();
  CHECK(refuses_connections(port));
  const auto t0 = steady_clock::now();
  server.reset();
  CHECK(steady_clock::now() - t0 < 2s);
}

TEST_CASE("shutdown may be called from another thread (no clients)", "[server]") {
  // server.hpp: every member but construction/destruction may be called from any thread.
  so::net::server server(local_options());
  auto stopped = std::async(std::launch::async, [&server] { server.shutdown(); });
  REQUIRE(stopped.wait_for(5s) == std::future_status::ready);
}
