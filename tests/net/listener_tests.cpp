// tests/net/listener_tests.cpp — the Beast acceptor, HTTP surface and WebSocket sessions
// (protocol.md §1, stack.md §4, decisions.md: frame size, slow consumers, drain), driven
// by a real client over loopback with a tiny recording/echo connection_factory.
#include "net/listener.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/net/http_probe.hpp"
#include "tests/support/net/listener_fixture.hpp"
#include "tests/support/net/ws_client.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using so::net::event_sink_ptr;
using so::net::listener_options;
using so::net::make_frame;
using so::net::upgrade_info;
using so::test::eventually;
using so::test::http_connection;
using so::test::http_get;
using so::test::test_listener;
using so::test::ws_client;

// What every connection of one test did, as seen by the layer above the socket.
struct recorder {
  std::mutex mutex;
  std::vector<upgrade_info> upgrades;
  std::vector<event_sink_ptr> sinks;
  std::vector<std::string> texts;
  std::atomic<int> binaries{0};
  std::atomic<int> closes{0};
  std::atomic<int> calls_after_close{0};

  std::size_t text_count() {
    std::lock_guard lock(mutex);
    return texts.size();
  }
  upgrade_info upgrade(std::size_t i) {
    std::lock_guard lock(mutex);
    return upgrades.at(i);
  }
  event_sink_ptr sink(std::size_t i) {
    std::lock_guard lock(mutex);
    return sinks.at(i);
  }
};

// Echoes text frames; answers binary frames with {"type":"binary"}. Commands:
// "close" pushes "a", "b" then closes 4000 "bye"; "flood" pushes 4 KiB frames from a
// thread until the sink closes.
class test_handler final : public so::net::inbound_handler {
 public:
  test_handler(std::shared_ptr<recorder> rec, event_sink_ptr sink)
      : rec_(std::move(rec)), sink_(std::move(sink)) {}
  ~test_handler() override {
    stop_->store(true);
    if (flooder_.joinable()) flooder_.join();
  }

  void on_text(std::string text) override {
    check_open();
    // Handled synchronously: the frame's inbound credit goes back at once.
    sink_->release_inbound(text.size());
    {
      std::lock_guard lock(rec_->mutex);
      rec_->texts.push_back(text);
    }
    if (text == "close") {
      sink_->push(make_frame("a"));
      sink_->push(make_frame("b"));
      sink_->close(4000, "bye");
    } else if (text == "flood") {
      flooder_ = std::thread([sink = sink_, stop = stop_] {
        const auto chunk = make_frame(std::string(4096, 'x'));
        for (int i = 0; i < 200000 && sink->is_open() && !stop->load(); ++i) {
          sink->push(chunk);
          // Small bursts (32 KiB) so that a reading client keeps up and only a client
          // that stops reading lets the queue grow to the test's limit.
          if (i % 8 == 7) std::this_thread::sleep_for(1ms);
        }
      });
    } else {
      sink_->push(make_frame(std::move(text)));
    }
  }
  void on_binary() override {
    check_open();
    sink_->release_inbound(0);
    rec_->binaries.fetch_add(1);
    sink_->push(make_frame(R"({"type":"binary"})"));
  }
  void on_closed() override {
    check_open();
    closed_ = true;
    stop_->store(true);
    rec_->closes.fetch_add(1);
  }

 private:
  void check_open() {
    if (closed_) rec_->calls_after_close.fetch_add(1);
  }

  std::shared_ptr<recorder> rec_;
  event_sink_ptr sink_;
  bool closed_ = false;
  std::shared_ptr<std::atomic<bool>> stop_ = std::make_shared<std::atomic<bool>>(false);
  std::thread flooder_;
};

so::net::connection_factory factory_for(std::shared_ptr<recorder> rec) {
  return [rec](const upgrade_info& info, event_sink_ptr sink) {
    {
      std::lock_guard lock(rec->mutex);
      rec->upgrades.push_back(info);
      rec->sinks.push_back(sink);
    }
    return std::make_unique<test_handler>(rec, std::move(sink));
  };
}

struct echo_listener : so::test::listener_fixture {
  explicit echo_listener(listener_options options = {})
      : echo_listener(options, std::make_shared<recorder>()) {}

  // A fresh client can still connect and get an echo.
  bool healthy() {
    ws_client c(ws());
    c.send_text("still here");
    return c.read() == std::optional<std::string>("still here") &&
           http_get("127.0.0.1", server.port(), "/health").first == 200;
  }

  std::shared_ptr<recorder> rec;

 private:
  echo_listener(listener_options options, std::shared_ptr<recorder> r)
      : listener_fixture(options, factory_for(r)), rec(std::move(r)) {}
};

}  // namespace

TEST_CASE("GET /health answers 200 ok as text/plain, twice on one keep-alive connection", "[net]") {
  echo_listener f;
  http_connection conn("127.0.0.1", f.server.port());
  for (int i = 0; i < 2; ++i) {
    const auto reply = conn.request({"GET", "/health", {}, ""});
    CHECK(reply.status == 200);
    CHECK(reply.body == "ok");
    CHECK(reply.header("Content-Type") == std::optional<std::string>("text/plain; charset=utf-8"));
    CHECK(reply.keep_alive);
  }
  CHECK(http_get("127.0.0.1", f.server.port(), "/health?probe=1") ==
        std::pair<int, std::string>{200, "ok"});
}

TEST_CASE("other paths get 404 with an empty body", "[net]") {
  echo_listener f;
  http_connection conn("127.0.0.1", f.server.port());
  for (const char* target : {"/", "/nope", "/ws/", "/healthz", "/health/", "/admin/x"}) {
    INFO(target);
    const auto reply = conn.request({"GET", target, {}, ""});
    CHECK(reply.status == 404);
    CHECK(reply.body.empty());
  }
  CHECK(conn.request({"DELETE", "/nope", {}, ""}).status == 404);
}

TEST_CASE("/ws rejects non-GET with 405 and a plain GET with 400", "[net]") {
  echo_listener f;
  http_connection conn("127.0.0.1", f.server.port());
  CHECK(conn.request({"POST", "/ws", {{"Content-Type", "application/json"}}, "{}"}).status == 405);
  CHECK(conn.request({"PUT", "/ws?token=x", {}, ""}).status == 405);
  CHECK(conn.request({"POST", "/health", {}, ""}).status == 405);
  CHECK(conn.request({"GET", "/ws", {}, ""}).status == 400);
  CHECK(http_get("127.0.0.1", f.server.port(), "/ws").first == 400);
  // Looks like an upgrade but has no Sec-WebSocket-Key: refused before any WebSocket traffic.
  http_connection bad("127.0.0.1", f.server.port());
  const auto reply =
      bad.request({"GET", "/ws", {{"Connection", "Upgrade"}, {"Upgrade", "websocket"}}, ""});
  CHECK(reply.status >= 400);
  CHECK(reply.status < 500);
  CHECK(f.rec->upgrades.empty());
}

TEST_CASE("only the exact path /ws upgrades", "[net]") {
  echo_listener f;
  CHECK_THROWS_AS(ws_client(f.ws("/other")), std::runtime_error);
  CHECK_THROWS_AS(ws_client(f.ws("/ws/")), std::runtime_error);
  CHECK_THROWS_AS(ws_client(f.ws("/health")), std::runtime_error);
  ws_client ok(f.ws("/ws?x=1"));
  CHECK(eventually([&] { return f.server.get().stats().connections_open.load() == 1; }));
}

TEST_CASE("the upgrade captures ?token= (URL-decoded) and Origin", "[net]") {
  echo_listener f;
  SECTION("both present") {
    auto o = f.ws("/ws?x=1&token=abc%2Edef%20g&y=2");
    o.headers = {{"Origin", "https://shop.example.com"}};
    ws_client c(o);
    REQUIRE(eventually([&] {
      std::lock_guard lock(f.rec->mutex);
      return !f.rec->upgrades.empty();
    }));
    const auto info = f.rec->upgrade(0);
    CHECK(info.token == std::optional<std::string>("abc.def g"));
    CHECK(info.origin == std::optional<std::string>("https://shop.example.com"));
    CHECK(info.remote_endpoint.rfind("127.0.0.1:", 0) == 0);
  }
  SECTION("absent, empty, whitespace-only") {
    for (const char* target : {"/ws", "/ws?other=1", "/ws?token=", "/ws?token=%20%20+"}) {
      INFO(target);
      const auto before = f.rec->upgrades.size();
      ws_client c(f.ws(target));
      REQUIRE(eventually([&] {
        std::lock_guard lock(f.rec->mutex);
        return f.rec->upgrades.size() == before + 1;
      }));
      const auto info = f.rec->upgrade(before);
      CHECK_FALSE(info.token);
      CHECK_FALSE(info.origin);
    }
  }
}

TEST_CASE("a binary frame reaches on_binary and the connection stays usable", "[net]") {
  echo_listener f;
  ws_client c(f.ws());
  c.send_binary(std::string("\x00\x01\x02", 3));
  CHECK(c.read() == std::optional<std::string>(R"({"type":"binary"})"));
  CHECK(f.rec->binaries.load() == 1);
  c.send_text("after binary");
  CHECK(c.read() == std::optional<std::string>("after binary"));
  CHECK_FALSE(c.closed());
}

TEST_CASE("an inbound message over max_frame_bytes closes the connection with 1009", "[net]") {
  listener_options options;
  options.max_frame_bytes = 1024;
  echo_listener f(options);
  ws_client c(f.ws());
  c.send_text(std::string(1024, 'a'));  // exactly the limit is fine
  CHECK(c.read() == std::optional<std::string>(std::string(1024, 'a')));
  c.send_text(std::string(1025, 'b'));
  CHECK_FALSE(c.read());
  REQUIRE(c.closed());
  CHECK(c.closed()->code == 1009);
  CHECK(eventually([&] { return f.rec->closes.load() == 1; }));
  CHECK(f.rec->text_count() == 1);
  CHECK(f.healthy());
}

TEST_CASE("1000 pipelined frames are echoed strictly in order", "[net]") {
  echo_listener f;
  ws_client c(f.ws());
  for (int i = 0; i < 1000; ++i) c.send_text("msg" + std::to_string(i));
  for (int i = 0; i < 1000; ++i) {
    const auto reply = c.read();
    REQUIRE(reply == std::optional<std::string>("msg" + std::to_string(i)));
  }
}

TEST_CASE("20 concurrent clients each get their own replies", "[net]") {
  echo_listener f;
  constexpr int kClients = 20;
  constexpr int kRounds = 50;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      try {
        ws_client c(f.ws());
        for (int i = 0; i < kRounds; ++i) {
          const auto msg = "c" + std::to_string(t) + "-" + std::to_string(i);
          c.send_text(msg);
          if (c.read() != std::optional<std::string>(msg)) return;
        }
        good.fetch_add(1);
      } catch (const std::exception&) {
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(good.load() == kClients);
  CHECK(f.rec->text_count() == std::size_t{kClients * kRounds});
  CHECK(eventually([&] { return f.server.get().stats().connections_open.load() == 0; }));
  CHECK(f.rec->closes.load() == kClients);
}

TEST_CASE("a consumer that does not read is closed with 4008 and counted", "[net]") {
  listener_options options;
  options.max_outbound_bytes = 256 * 1024;
  echo_listener f(options);
  ws_client slow(f.ws());
  slow.send_text("flood");  // and then do not read
  REQUIRE(
      eventually([&] { return f.server.get().stats().slow_consumer_closes.load() == 1; }, 20000ms));

  // Other clients are unaffected while the slow one is being closed.
  CHECK(f.healthy());

  // Draining now reaches the Close frame that follows the frames already in flight.
  int frames = 0;
  while (slow.read(5000ms)) ++frames;
  REQUIRE(slow.closed());
  CHECK(slow.closed()->code == 4008);
  CHECK(slow.closed()->reason == "slow consumer");
  CHECK(frames > 0);
  // Two connections have ended: the slow one and healthy()'s.
  CHECK(eventually([&] { return f.rec->closes.load() == 2; }));
  CHECK(f.server.get().stats().slow_consumer_closes.load() == 1);
  CHECK(f.healthy());
}

TEST_CASE("a reading client under the same byte limit is not a slow consumer", "[net]") {
  listener_options options;
  options.max_outbound_bytes = 64 * 1024;
  echo_listener f(options);
  ws_client c(f.ws());
  // 2 MiB through a 64 KiB queue, one frame at a time: the queue never builds up.
  const std::string big(8 * 1024, 'z');
  for (int i = 0; i < 256; ++i) {
    c.send_text(big);
    REQUIRE(c.read() == std::optional<std::string>(big));
  }
  CHECK(f.server.get().stats().slow_consumer_closes.load() == 0);
}

TEST_CASE("close through the sink flushes queued frames first, then the Close frame", "[net]") {
  echo_listener f;
  ws_client c(f.ws());
  c.send_text("close");
  CHECK(c.read() == std::optional<std::string>("a"));
  CHECK(c.read() == std::optional<std::string>("b"));
  CHECK_FALSE(c.read());
  REQUIRE(c.closed());
  CHECK(c.closed()->code == 4000);
  CHECK(c.closed()->reason == "bye");
  REQUIRE(eventually([&] { return f.rec->closes.load() == 1; }));
  const auto sink = f.rec->sink(0);
  CHECK_FALSE(sink->is_open());
  sink->push(make_frame("dropped"));  // after close: silently dropped
  sink->close(1000, "again");
  CHECK(f.healthy());
}

TEST_CASE("close_all closes WebSockets with 1001 and idle HTTP, then runs done", "[net]") {
  echo_listener f;
  SECTION("no connections: done still runs") {
    CHECK(f.server.close_all_and_wait(1001, "going away", 2000ms));
  }
  SECTION("a WebSocket and an idle keep-alive HTTP connection") {
    ws_client c(f.ws());
    c.send_text("hi");
    REQUIRE(c.read() == std::optional<std::string>("hi"));
    http_connection idle("127.0.0.1", f.server.port());
    REQUIRE(idle.request({"GET", "/health", {}, ""}).status == 200);

    std::atomic<bool> done{false};
    const auto started = std::chrono::steady_clock::now();
    f.server.get().close_all(1001, "going away", [&] { done = true; });
    CHECK_FALSE(c.read(3000ms));
    REQUIRE(c.closed());
    CHECK(c.closed()->code == 1001);
    CHECK(c.closed()->reason == "going away");
    CHECK(idle.wait_closed(3000ms));
    CHECK(eventually([&] { return done.load(); }, 3000ms));
    // Far below the 30 s HTTP read timeout and WebSocket close timeout.
    CHECK(std::chrono::steady_clock::now() - started < 3s);
    CHECK(f.rec->closes.load() == 1);
    CHECK(f.server.get().stats().connections_open.load() == 0);
  }
  SECTION("a peer that never answers the Close frame is dropped after about a second") {
    ws_client c(f.ws());
    REQUIRE(eventually([&] { return f.server.get().stats().connections_open.load() == 1; }));
    const auto started = std::chrono::steady_clock::now();
    CHECK(f.server.close_all_and_wait(1001, "going away", 4000ms));  // client is not reading
    CHECK(std::chrono::steady_clock::now() - started < 3s);
    CHECK(f.rec->closes.load() == 1);
  }
}

TEST_CASE("stop_accepting refuses new connections, live ones continue", "[net]") {
  echo_listener f;
  ws_client live(f.ws());
  f.server.get().stop_accepting();
  f.server.get().stop_accepting();  // idempotent
  CHECK(eventually([&] {
    try {
      http_get("127.0.0.1", f.server.port(), "/health");
      return false;
    } catch (const std::runtime_error&) {
      return true;
    }
  }));
  CHECK_THROWS_AS(ws_client(f.ws()), std::runtime_error);
  live.send_text("still open");
  CHECK(live.read() == std::optional<std::string>("still open"));
}

TEST_CASE("stop_reading drops inbound frames but keeps delivering pushes", "[net]") {
  echo_listener f;
  ws_client c(f.ws());
  c.send_text("before");
  REQUIRE(c.read() == std::optional<std::string>("before"));
  f.server.get().stop_reading();
  c.send_text("after");
  CHECK_FALSE(c.read(300ms));
  CHECK_FALSE(c.closed());
  CHECK(f.rec->text_count() == 1);
  f.rec->sink(0)->push(make_frame("from a turn"));
  CHECK(c.read() == std::optional<std::string>("from a turn"));
  CHECK(f.server.close_all_and_wait(1001, "going away"));
  CHECK_FALSE(c.read());
  REQUIRE(c.closed());
  CHECK(c.closed()->code == 1001);
}

TEST_CASE("on_closed runs exactly once when a client vanishes", "[net]") {
  echo_listener f;
  so::test::ws_connect_and_drop("127.0.0.1", f.server.port(), "/ws?token=t");
  REQUIRE(eventually([&] { return f.rec->closes.load() == 1; }));
  CHECK(eventually([&] { return f.server.get().stats().connections_open.load() == 0; }));
  std::this_thread::sleep_for(100ms);
  CHECK(f.rec->closes.load() == 1);
  CHECK(f.rec->calls_after_close.load() == 0);
  CHECK_FALSE(f.rec->sink(0)->is_open());
  f.rec->sink(0)->push(make_frame("nobody listens"));
  CHECK(f.healthy());
}

TEST_CASE("a text frame with invalid UTF-8 ends the connection, the server stays up", "[net]") {
  echo_listener f;
  ws_client c(f.ws());
  c.send_text("\xff\xfe not utf-8");
  CHECK_FALSE(c.read());
  REQUIRE(c.closed());
  CHECK(c.closed()->code == 1007);
  CHECK(eventually([&] { return f.rec->closes.load() == 1; }));
  CHECK(f.rec->text_count() == 0);
  CHECK(f.healthy());
}

TEST_CASE("connections_open counts live WebSockets", "[net]") {
  echo_listener f;
  {
    ws_client a(f.ws());
    ws_client b(f.ws());
    http_connection plain("127.0.0.1", f.server.port());
    CHECK(eventually([&] { return f.server.get().stats().connections_open.load() == 2; }));
    a.close();
    CHECK(eventually([&] { return f.server.get().stats().connections_open.load() == 1; }));
  }
  CHECK(eventually([&] { return f.server.get().stats().connections_open.load() == 0; }));
  CHECK(f.rec->closes.load() == 2);
}

TEST_CASE("bind errors name the address, bound_address formats IPv4 and IPv6", "[net]") {
  echo_listener f;
  CHECK(f.server.get().bound_address() == "127.0.0.1:" + std::to_string(f.server.port()));

  listener_options taken;
  taken.port = f.server.port();
  try {
    test_listener clash(taken, factory_for(f.rec), true);
    FAIL("binding a taken port succeeded");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).rfind("bind 127.0.0.1:" + std::to_string(f.server.port()) + ": ",
                                      0) == 0);
  }

  listener_options bad;
  bad.bind_address = "not-an-address";
  CHECK_THROWS_WITH(test_listener(bad, factory_for(f.rec)),
                    Catch::Matchers::StartsWith("bind not-an-address:0: "));

  listener_options v6;
  v6.bind_address = "::1";
  std::unique_ptr<test_listener> six;
  try {
    six = std::make_unique<test_listener>(v6, factory_for(f.rec));
  } catch (const std::runtime_error& e) {
    WARN("IPv6 loopback unavailable, skipped: " << e.what());
  }
  if (six) {
    CHECK(six->get().bound_address() == "[::1]:" + std::to_string(six->port()));
    CHECK(http_get("::1", six->port(), "/health") == std::pair<int, std::string>{200, "ok"});
  }
}
