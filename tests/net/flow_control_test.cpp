// tests/net/flow_control_test.cpp — the per-connection bounds of the socket layer
// (README "Limits"): inbound credit (stop reading, TCP pushback, resume), the frame
// rate limit, the connection limit (503), the outbound bound on a single frame, and the
// timeouts of protocol.md §1.3 (no idle timeout, no server pings).
//
// The layer above is a tiny handler: a connection upgraded with `?token=hold` keeps
// every frame (and its credit) until the test releases it; any other connection
// echoes each text frame and releases its credit at once.
#include "net/listener.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/net/http_probe.hpp"
#include "tests/support/net/listener_fixture.hpp"
#include "tests/support/net/send_until_pushed_back.hpp"
#include "tests/support/net/ws_client.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using so::net::event_sink_ptr;
using so::net::listener_options;
using so::net::make_frame;
using so::net::upgrade_info;
using so::test::eventually;
using so::test::ws_client;
using so::test::ws_upgrade_reply;

// Frames a holding connection has received and not yet released.
struct held_frames {
  std::mutex mutex;
  std::vector<std::string> texts;  // every frame received, in order
  std::size_t released = 0;        // texts[0, released) had their credit returned
  event_sink_ptr sink;
  std::atomic<int> rate_notices{0};

  std::size_t count() {
    std::lock_guard lock(mutex);
    return texts.size();
  }
  /// Returns the credit of the next `n` held frames.
  void release(std::size_t n) {
    std::lock_guard lock(mutex);
    for (; n > 0 && released < texts.size(); --n) sink->release_inbound(texts[released++].size());
  }
  void release_all() { release(static_cast<std::size_t>(-1)); }
};

class flow_handler final : public so::net::inbound_handler {
 public:
  flow_handler(std::shared_ptr<held_frames> held, event_sink_ptr sink, bool hold)
      : held_(std::move(held)), sink_(std::move(sink)), hold_(hold) {}

  void on_text(std::string text) override {
    if (hold_) {
      std::lock_guard lock(held_->mutex);
      held_->texts.push_back(std::move(text));
      return;
    }
    sink_->release_inbound(text.size());
    sink_->push(make_frame(std::move(text)));
  }
  void on_binary() override { sink_->release_inbound(0); }
  void on_rate_limited(std::uint32_t) override {
    held_->rate_notices.fetch_add(1);
    sink_->push(make_frame("rate-limited"));
  }
  void on_closed() override {}

 private:
  std::shared_ptr<held_frames> held_;
  event_sink_ptr sink_;
  bool hold_;
};

so::net::connection_factory factory_for(std::shared_ptr<held_frames> held) {
  return [held](const upgrade_info& info, event_sink_ptr sink) {
    const bool hold = info.token == std::optional<std::string>("hold");
    if (hold) held->sink = sink;
    return std::make_unique<flow_handler>(held, std::move(sink), hold);
  };
}

struct flow_listener : so::test::listener_fixture {
  explicit flow_listener(listener_options options)
      : flow_listener(options, std::make_shared<held_frames>()) {}

  const so::net::listener_stats& stats() { return server.get().stats(); }

  std::shared_ptr<held_frames> held;

 private:
  flow_listener(listener_options options, std::shared_ptr<held_frames> h)
      : listener_fixture(options, factory_for(h)), held(std::move(h)) {}
};

std::string numbered(int i, std::size_t size) {
  std::string s = std::to_string(i) + ":";
  s.resize(size, 'x');
  return s;
}

}  // namespace

TEST_CASE("at max_inbound_frames unhandled frames the socket stops reading and credit resumes it",
          "[net][flow]") {
  listener_options options;
  options.max_inbound_frames = 4;
  flow_listener f(options);
  ws_client c(f.ws("/ws?token=hold"));
  for (int i = 0; i < 10; ++i) c.send_text(numbered(i, 16));

  // Four frames in flight, then the session pauses instead of reading the fifth.
  REQUIRE(eventually([&] { return f.stats().inbound_pauses.load() == 1; }));
  CHECK(f.held->count() == 4);
  CHECK(f.stats().inbound_peak_frames.load() == 4);

  // One frame of credit back: exactly one more frame is read, then it pauses again.
  f.held->release(1);
  INFO("count " << f.held->count() << " pauses " << f.stats().inbound_pauses.load());
  REQUIRE(eventually([&] { return f.stats().inbound_pauses.load() == 2; }));
  CHECK(f.held->count() == 5);

  // All credit back: the rest arrives, in order, and nothing was lost.
  f.held->release_all();
  REQUIRE(eventually([&] {
    f.held->release_all();
    return f.held->count() == 10;
  }));
  std::lock_guard lock(f.held->mutex);
  for (int i = 0; i < 10; ++i) CHECK(f.held->texts[i] == numbered(i, 16));
  CHECK(f.stats().inbound_peak_frames.load() == 4);
}

TEST_CASE("a client pipelining large frames is pushed back by TCP while others are served",
          "[net][flow]") {
  listener_options options;
  options.max_inbound_frames = 1000;
  options.max_inbound_bytes = 64 * 1024;
  options.max_frame_bytes = 64 * 1024;
  flow_listener f(options);
  const std::size_t frame_size = 16 * 1024;

  ws_client flooder(f.ws("/ws?token=hold"));
  // Send until a write stops completing: the server has stopped reading and the
  // socket buffers are full. A server without the bound would read (and hold) it all.
  const auto pushed_back = so::test::send_until_pushed_back(
      flooder, [&](int i) { return numbered(i, frame_size); }, 8000);
  REQUIRE(pushed_back);
  const int sent = *pushed_back;  // the blocked write is on its way too
  CHECK(eventually([&] { return f.stats().inbound_pauses.load() >= 1; }));
  // The bound holds: at most max_inbound_bytes plus the one frame that crossed it.
  CHECK(f.stats().inbound_peak_bytes.load() <= options.max_inbound_bytes + frame_size);
  CHECK(f.held->count() * frame_size <= options.max_inbound_bytes + frame_size);

  // Another connection is served while the flooder is paused.
  ws_client other(f.ws());
  for (int i = 0; i < 3; ++i) {
    other.send_text("ping " + std::to_string(i));
    CHECK(other.read() == std::optional<std::string>("ping " + std::to_string(i)));
  }

  // The flooder's handler catches up: every frame arrives, in order. (The client's
  // blocked write progresses only while the client runs, hence the short reads.)
  REQUIRE(eventually(
      [&] {
        f.held->release_all();
        (void)flooder.read(5ms);
        return f.held->count() == static_cast<std::size_t>(sent);
      },
      20s));
  std::lock_guard lock(f.held->mutex);
  for (int i = 0; i < sent; ++i) REQUIRE(f.held->texts[i] == numbered(i, frame_size));
  CHECK(f.stats().inbound_peak_bytes.load() <= options.max_inbound_bytes + frame_size);
}

TEST_CASE(
    "frames over max_frames_per_sec are dropped with one notice per window and the socket stays "
    "open",
    "[net][flow]") {
  listener_options options;
  options.max_frames_per_sec = 5;
  flow_listener f(options);
  ws_client c(f.ws());
  const int burst = 40;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < burst; ++i) c.send_text("f" + std::to_string(i));

  // Every frame is either echoed (in order) or dropped. On a loaded machine the burst
  // may span more than one window, so the bounds are per window the burst spanned.
  auto dropped = [&] { return static_cast<int>(f.stats().rate_limited_frames.load()); };
  int echoed = 0;
  int last_index = -1;
  const auto deadline = t0 + 20s;
  while (echoed + dropped() < burst && std::chrono::steady_clock::now() < deadline) {
    auto got = c.read(50ms);
    if (!got || *got == "rate-limited") continue;
    REQUIRE(got->rfind("f", 0) == 0);
    const int index = std::stoi(got->substr(1));
    CHECK(index > last_index);  // echoes keep the order frames were sent in
    last_index = index;
    ++echoed;
  }
  REQUIRE(echoed + dropped() == burst);
  const auto spanned = std::chrono::steady_clock::now() - t0;
  const int windows =
      2 + static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(spanned).count());
  CHECK(echoed >= 5);            // the first frames of the first window pass
  CHECK(echoed <= 5 * windows);  // at most the budget of each window
  CHECK(dropped() >= burst - 5 * windows);
  CHECK(f.held->rate_notices.load() >= 1);
  CHECK(f.held->rate_notices.load() <= windows);  // one per window, not one per dropped frame

  // Still open: within the next window a frame is echoed again.
  REQUIRE_FALSE(c.closed().has_value());
  bool answered = false;
  for (int attempt = 0; attempt < 40 && !answered; ++attempt) {
    c.send_text("again");
    for (auto got = c.read(100ms); got; got = c.read(100ms)) {
      if (*got == "again") answered = true;
    }
  }
  CHECK(answered);
}

TEST_CASE("at max_connections the upgrade is refused with 503 and a JSON reason", "[net][flow]") {
  listener_options options;
  options.max_connections = 2;
  flow_listener f(options);
  auto a = std::make_unique<ws_client>(f.ws());
  ws_client b(f.ws());

  const auto refused = ws_upgrade_reply("127.0.0.1", f.server.port());
  CHECK(refused.status == 503);
  CHECK(refused.header("Content-Type") == std::optional<std::string>("application/json"));
  CHECK(refused.body.find(R"("error":"server_full")") != std::string::npos);
  CHECK(refused.body.find("SMOOTH_AGENT_MAX_CONNECTIONS") != std::string::npos);
  CHECK(f.stats().connections_refused.load() == 1);
  CHECK_THROWS(ws_client(f.ws()));

  // The open ones are unharmed, and a closed one gives its slot back.
  b.send_text("still");
  CHECK(b.read() == std::optional<std::string>("still"));
  a.reset();
  REQUIRE(eventually([&] { return ws_upgrade_reply("127.0.0.1", f.server.port()).status == 101; }));
}

TEST_CASE("racing upgrades never take more than max_connections slots", "[net][flow]") {
  listener_options options;
  options.max_connections = 5;
  flow_listener f(options);
  constexpr int kClients = 16;
  std::vector<std::unique_ptr<ws_client>> clients(kClients);
  std::vector<std::thread> threads;
  std::promise<void> go;
  auto start = go.get_future().share();
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      start.wait();
      try {
        clients[i] = std::make_unique<ws_client>(f.ws());
      } catch (const std::exception&) {
      }
    });
  }
  go.set_value();
  for (auto& t : threads) t.join();
  int opened = 0;
  for (auto& c : clients) opened += c ? 1 : 0;
  CHECK(opened == 5);
  CHECK(f.stats().connections_refused.load() == kClients - 5);
}

TEST_CASE("a single outbound frame larger than max_outbound_bytes closes 4008", "[net][flow]") {
  listener_options options;
  options.max_outbound_bytes = 8 * 1024;
  flow_listener f(options);
  ws_client c(f.ws());
  c.send_text(std::string(4 * 1024, 'a'));  // within the bound: echoed
  CHECK(c.read()->size() == 4 * 1024);
  c.send_text(std::string(9 * 1024, 'b'));  // alone on an empty queue, over the bound
  CHECK_FALSE(c.read().has_value());
  REQUIRE(c.closed().has_value());
  CHECK(c.closed()->code == 4008);
  CHECK(c.closed()->reason == "slow consumer");
  CHECK(f.stats().slow_consumer_closes.load() == 1);
}

TEST_CASE(
    "no idle timeout and no server pings - a client silent past the handshake window is served",
    "[net][flow]") {
  listener_options options;
  options.handshake_timeout = 100ms;
  flow_listener f(options);
  ws_client c(f.ws());
  // Longer than the handshake window several times over: an idle timeout derived from
  // it (or Beast's suggested keep-alive pings) would have pinged or closed by now.
  // Time passing is the point of this test, so it waits instead of synchronizing.
  std::this_thread::sleep_for(500ms);
  c.send_text("late");
  CHECK(c.read() == std::optional<std::string>("late"));
  CHECK(c.pings_received() == 0);
  CHECK_FALSE(c.closed().has_value());
}
