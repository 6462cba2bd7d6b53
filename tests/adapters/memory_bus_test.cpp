// tests/adapters/memory_bus_test.cpp — the in-process broker keeps the message_bus
// contract (adapters/backplane/message_bus.hpp) that the NATS bus keeps for real.
#include "adapters/backplane/memory_bus.hpp"

#include <catch2/catch.hpp>

#include <future>
#include <mutex>
#include <vector>

using namespace so::adapters::backplane;
using namespace std::chrono_literals;

namespace {
struct inbox {
  std::mutex m;
  std::vector<bus_message> got;
  bus_handler handler() {
    return [this](bus_message&& msg) {
      std::lock_guard lk(m);
      got.push_back(std::move(msg));
    };
  }
  std::size_t size() {
    std::lock_guard lk(m);
    return got.size();
  }
};

bus_reply ask(message_bus& bus, const std::string& subject, std::chrono::milliseconds timeout) {
  std::promise<bus_reply> p;
  auto f = p.get_future();
  bus.request(subject, "q", timeout, [&p](bus_reply&& r) { p.set_value(std::move(r)); });
  REQUIRE(f.wait_for(5s) == std::future_status::ready);
  return f.get();
}
}  // namespace

TEST_CASE("memory bus: a publish reaches every subscriber of the exact subject, with its origin",
          "[backplane]") {
  memory_broker broker;
  auto a = broker.connect(), b = broker.connect(), c = broker.connect();
  inbox on_b, on_c;
  REQUIRE(b->subscribe("smooth-operator.session.s1", on_b.handler()));
  REQUIRE(c->subscribe("smooth-operator.session.s2", on_c.handler()));
  CHECK_FALSE(b->subscribe("smooth-operator.session.s1", on_b.handler()));  // one per subject

  REQUIRE(a->publish("smooth-operator.session.s1", R"({"type":"x"})"));
  broker.flush();
  REQUIRE(on_b.size() == 1);
  CHECK(on_b.got[0].payload == R"({"type":"x"})");
  CHECK(on_b.got[0].origin == a->origin());
  CHECK(on_b.got[0].origin != b->origin());
  CHECK(on_c.size() == 0);  // no interest, nothing received

  b->unsubscribe("smooth-operator.session.s1");
  REQUIRE(a->publish("smooth-operator.session.s1", "{}"));
  broker.flush();
  CHECK(on_b.size() == 1);
  CHECK(b->stats().received == 1);
  CHECK(a->stats().published == 2);
}

TEST_CASE("memory bus: requests are replied, refused with no responders, or time out",
          "[backplane]") {
  memory_broker broker;
  auto owner = broker.connect(), asker = broker.connect();
  auto* o = owner.get();
  REQUIRE(owner->subscribe("ctl.s1",
                           [o](bus_message&& m) { o->publish(m.reply, "yes:" + m.payload); }));
  REQUIRE(owner->subscribe("ctl.silent", [](bus_message&&) {}));

  auto r = ask(*asker, "ctl.s1", 2s);
  CHECK(r.outcome == request_outcome::replied);
  CHECK(r.payload == "yes:q");
  CHECK(ask(*asker, "ctl.nobody", 2s).outcome == request_outcome::no_responders);
  CHECK(ask(*asker, "ctl.silent", 50ms).outcome == request_outcome::timed_out);
}

TEST_CASE("memory bus: an outage drops publishes, tells listeners, and keeps subscriptions",
          "[backplane]") {
  memory_broker broker;
  auto a = broker.connect(), b = broker.connect();
  inbox on_b;
  std::mutex m;
  std::vector<bus_state> states;
  b->on_state([&](bus_state s) {
    std::lock_guard lk(m);
    states.push_back(s);
  });
  REQUIRE(b->subscribe("s", on_b.handler()));

  broker.set_down(true);
  CHECK_FALSE(a->publish("s", "lost"));
  CHECK(a->stats().publish_dropped == 1);
  CHECK(ask(*a, "s", 1s).outcome == request_outcome::failed);
  broker.set_down(false);
  REQUIRE(a->publish("s", "after"));
  broker.flush();
  REQUIRE(on_b.size() == 1);
  CHECK(on_b.got[0].payload == "after");
  CHECK(b->stats().reconnects == 1);
  std::lock_guard lk(m);
  CHECK(states == std::vector<bus_state>{bus_state::disconnected, bus_state::reconnected});
}

TEST_CASE("memory bus: the delivery queue is bounded and oversized payloads are refused",
          "[backplane]") {
  memory_broker broker(/*max_queued=*/2, /*max_payload=*/8);
  auto a = broker.connect(), b = broker.connect();
  std::promise<void> release;
  auto gate = release.get_future().share();
  REQUIRE(b->subscribe("s", [gate](bus_message&&) { gate.wait(); }));
  CHECK_FALSE(a->publish("s", "123456789"));  // above max_payload
  // One message blocks the delivery thread; two more fill the queue; the next is refused.
  std::size_t accepted = 0;
  for (int i = 0; i < 4; ++i) accepted += a->publish("s", "x") ? 1 : 0;
  CHECK(accepted >= 2);
  CHECK(accepted <= 3);
  CHECK(a->stats().publish_dropped >= 2);
  release.set_value();
  broker.flush();
}
