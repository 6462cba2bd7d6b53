// tests/adapters/message_bus_contract.hpp — the message_bus contract
// (adapters/backplane/message_bus.hpp), checked on every implementation: the in-process
// memory broker (tests/adapters/memory_bus_test.cpp) and a real nats-server
// (tests/net/nats_bus_test.cpp).
//
// A runner supplies a `bus_rig` factory: the broker under test, clients of it, a way
// to take it down and bring it back, and a way to wait until the broker routes a
// subject (NATS registers a subscription asynchronously; the memory broker at once).
// The checks synchronize on deliveries, state events and counters, never on sleeps;
// "nothing arrived" is shown with a marker published after it on the same path.
// Thread-safety: test-thread only.
#pragma once

#include "adapters/backplane/message_bus.hpp"
#include "tests/support/eventually.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace so::test::bus_contract {

using namespace adapters::backplane;
using namespace std::chrono_literals;

/// The broker under test, as one test sees it.
class bus_rig {
 public:
  virtual ~bus_rig() = default;
  /// A new client with its own origin (what one more server process would hold).
  virtual message_bus_ptr connect() = 0;
  /// Takes the broker away (true) or brings it back at the same address (false).
  virtual void set_down(bool down) = 0;
  /// Returns once the broker routes `subject` to exactly `subscribers` clients.
  virtual void await_interest(const std::string& subject, std::size_t subscribers) = 0;
};

struct rig_limits {
  /// Messages held for one stuck subscriber before the bound drops them (0 = default).
  std::size_t max_pending = 0;
};

using rig_factory = std::function<std::unique_ptr<bus_rig>(rig_limits)>;

/// Collects what a handler receives (handlers run on the bus's threads).
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
  bool wait_for(std::size_t n) {
    return eventually([&] { return size() >= n; }, 10s);
  }
  bus_message at(std::size_t i) {
    std::lock_guard lk(m);
    return got.at(i);
  }
};

/// Records a bus's state events.
struct state_log {
  std::mutex m;
  std::vector<bus_state> states;
  void attach(message_bus& bus) {
    bus.on_state([this](bus_state s) {
      std::lock_guard lk(m);
      states.push_back(s);
    });
  }
  bool saw(bus_state s) {
    std::lock_guard lk(m);
    return std::find(states.begin(), states.end(), s) != states.end();
  }
  std::vector<bus_state> all() {
    std::lock_guard lk(m);
    return states;
  }
};

inline bus_reply ask(message_bus& bus, const std::string& subject,
                     std::chrono::milliseconds timeout) {
  auto p = std::make_shared<std::promise<bus_reply>>();
  auto f = p->get_future();
  bus.request(subject, "q", timeout, [p](bus_reply&& r) { p->set_value(std::move(r)); });
  REQUIRE(f.wait_for(10s) == std::future_status::ready);
  return f.get();
}

inline void publish_reaches_exact_subscribers(const rig_factory& make) {
  auto rig = make({});
  inbox on_b, on_c, b_marker;  // outlive the buses whose handlers fill them
  auto a = rig->connect(), b = rig->connect(), c = rig->connect();
  const std::string s1 = "smooth-operator.session.s1", s2 = "smooth-operator.session.s2";
  REQUIRE(b->subscribe(s1, on_b.handler()));
  REQUIRE(c->subscribe(s2, on_c.handler()));
  CHECK_FALSE(b->subscribe(s1, on_b.handler()));  // one per subject
  CHECK(b->stats().subscriptions == 1);
  rig->await_interest(s1, 1);
  rig->await_interest(s2, 1);

  REQUIRE(a->publish(s1, R"({"type":"x"})"));
  REQUIRE(a->publish(s2, "marker"));  // after s1: had c got s1, it would come first
  REQUIRE(on_b.wait_for(1));
  REQUIRE(on_c.wait_for(1));
  CHECK(on_b.at(0).subject == s1);
  CHECK(on_b.at(0).payload == R"({"type":"x"})");
  CHECK(on_b.at(0).origin == a->origin());
  CHECK(on_b.at(0).origin != b->origin());
  CHECK(on_b.at(0).reply.empty());
  CHECK(on_c.at(0).payload == "marker");  // no interest in s1, nothing received

  b->unsubscribe(s1);
  b->unsubscribe("never-subscribed");  // a no-op
  CHECK(b->stats().subscriptions == 0);
  rig->await_interest(s1, 0);
  REQUIRE(b->subscribe("marker", b_marker.handler()));
  rig->await_interest("marker", 1);
  REQUIRE(a->publish(s1, "{}"));
  REQUIRE(a->publish("marker", "m"));
  REQUIRE(b_marker.wait_for(1));
  CHECK(on_b.size() == 1);
  CHECK(b->stats().received == 2);  // s1 once, the marker once
  CHECK(a->stats().published == 4);
  CHECK(a->stats().publish_dropped == 0);
}

/// publish_with_headers: the subscriber gets every extra header (never the origin one
/// among them), a plain publish carries none.
inline void headers_travel_with_the_message(const rig_factory& make) {
  auto rig = make({});
  inbox on_b;
  auto a = rig->connect(), b = rig->connect();
  REQUIRE(b->subscribe("smooth-operator.org.o1", on_b.handler()));
  rig->await_interest("smooth-operator.org.o1", 1);
  REQUIRE(a->publish_with_headers("smooth-operator.org.o1", "{}",
                                  {{"Smooth-Org", "acme%20corp"}, {"X-Other", "2"}}));
  REQUIRE(a->publish("smooth-operator.org.o1", "{}"));
  REQUIRE(on_b.wait_for(2));
  const auto first = on_b.at(0);
  CHECK(first.origin == a->origin());
  CHECK(first.headers == bus_headers{{"Smooth-Org", "acme%20corp"}, {"X-Other", "2"}});
  CHECK(on_b.at(1).headers.empty());
}

inline void requests_are_replied_refused_or_timed_out(const rig_factory& make) {
  auto rig = make({});
  auto owner = rig->connect(), asker = rig->connect();
  auto* o = owner.get();
  REQUIRE(owner->subscribe("ctl.s1",
                           [o](bus_message&& m) { o->publish(m.reply, "yes:" + m.payload); }));
  REQUIRE(owner->subscribe("ctl.silent", [](bus_message&&) {}));
  rig->await_interest("ctl.s1", 1);
  rig->await_interest("ctl.silent", 1);

  auto r = ask(*asker, "ctl.s1", 5s);
  CHECK(r.outcome == request_outcome::replied);
  CHECK(r.payload == "yes:q");
  CHECK(ask(*asker, "ctl.nobody", 5s).outcome == request_outcome::no_responders);
  CHECK(ask(*asker, "ctl.silent", 50ms).outcome == request_outcome::timed_out);
}

inline void outage_tells_listeners_and_keeps_subscriptions(const rig_factory& make) {
  auto rig = make({});
  inbox on_b;
  state_log a_states, b_states;  // outlive the buses that call them
  auto a = rig->connect(), b = rig->connect();
  a_states.attach(*a);
  b_states.attach(*b);
  REQUIRE(b->subscribe("s", on_b.handler()));
  rig->await_interest("s", 1);

  rig->set_down(true);
  REQUIRE(eventually([&] { return a_states.saw(bus_state::disconnected); }, 10s));
  REQUIRE(eventually([&] { return b_states.saw(bus_state::disconnected); }, 10s));
  // During the outage a publish is either buffered (NATS: the reconnect buffer) or
  // dropped; either way it is accounted for, and a request fails at once.
  const bool kept = a->publish("s", "during");
  REQUIRE(eventually([&] {
    auto during = a->stats();
    return during.published + during.publish_dropped == 1;
  }));
  if (!kept) CHECK(a->stats().publish_dropped == 1);
  CHECK(ask(*a, "s", 5s).outcome == request_outcome::failed);

  rig->set_down(false);
  REQUIRE(eventually([&] { return a_states.saw(bus_state::reconnected); }, 20s));
  REQUIRE(eventually([&] { return b_states.saw(bus_state::reconnected); }, 20s));
  REQUIRE(a->publish("s", "after"));
  REQUIRE(eventually(
      [&] { return on_b.size() >= 1 && on_b.at(on_b.size() - 1).payload == "after"; }, 10s));
  // A buffered "during" may arrive (before "after"), or be lost if it reached the
  // broker before b re-subscribed: at most once.
  CHECK(on_b.size() <= (kept ? 2u : 1u));
  if (on_b.size() == 2) CHECK(on_b.at(0).payload == "during");
  CHECK(b->stats().reconnects == 1);
  CHECK(b_states.all() == std::vector<bus_state>{bus_state::disconnected, bus_state::reconnected});
}

inline void bounded_delivery_and_oversized_payloads(const rig_factory& make) {
  auto rig = make({/*max_pending=*/2});
  auto a = rig->connect(), b = rig->connect();
  std::promise<void> release;
  auto gate = release.get_future().share();
  REQUIRE(b->subscribe("s", [gate](bus_message&&) { gate.wait(); }));
  rig->await_interest("s", 1);

  CHECK_FALSE(a->publish("s", std::string(a->max_payload() + 1, 'x')));  // above max payload
  CHECK(a->stats().publish_dropped == 1);
  CHECK(a->publish("s", std::string(a->max_payload(), 'x')));  // exactly the max fits

  // The subscriber is stuck on the first message; publishing never blocks, and beyond
  // the bound messages are dropped and counted (by the publisher's broker queue, or by
  // the subscriber's pending limit).
  constexpr std::uint64_t n = 20;
  for (std::uint64_t i = 0; i < n; ++i) a->publish("s", "x");
  auto dropped = [&] { return (a->stats().publish_dropped - 1) + b->stats().receive_dropped; };
  CHECK(eventually([&] { return dropped() >= n - 3; }, 10s));
  release.set_value();
  // Every message is either handed to the handler or counted as dropped.
  CHECK(eventually([&] { return b->stats().received + dropped() == n + 1; }, 10s));
}

}  // namespace so::test::bus_contract
