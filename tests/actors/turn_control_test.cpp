// turn_control (actors/turn_control.hpp) and remote_sink (actors/remote_sink.hpp): the
// control subject's wire format, its subscription lifetime, the in-flight bound of its
// hand-off, and the sink that carries a turn's events to another process's connection.
#include "actors/turn_control.hpp"
#include "actors/backplane_subjects.hpp"
#include "actors/control_ask.hpp"
#include "actors/messages.hpp"
#include "actors/remote_sink.hpp"
#include "adapters/backplane/memory_bus.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include <future>
#include <mutex>
#include <vector>

using namespace so::actors;
namespace bp = so::adapters::backplane;
using namespace std::chrono_literals;

namespace {

bp::bus_reply request_and_wait(bp::message_bus& bus, const std::string& subject,
                               const std::string& payload, std::chrono::milliseconds timeout) {
  std::promise<bp::bus_reply> p;
  auto f = p.get_future();
  bus.request(subject, payload, timeout, [&p](bp::bus_reply&& r) { p.set_value(std::move(r)); });
  REQUIRE(f.wait_for(10s) == std::future_status::ready);
  return f.get();
}

}  // namespace

TEST_CASE("turn control: the request codec round-trips and refuses anything else",
          "[backplane][hitl]") {
  auto c = parse_control_request(confirm_request_payload(true, "conn-1"));
  REQUIRE(c);
  CHECK(c->what == control_request::op::confirm);
  CHECK(c->approved);
  CHECK(c->connection_id == "conn-1");
  CHECK(confirm_request_payload(false, "c\"x") ==
        R"({"op":"confirm","approved":false,"connectionId":"c\"x"})");
  auto x = parse_control_request(cancel_request_payload("conn-2"));
  REQUIRE(x);
  CHECK(x->what == control_request::op::cancel);
  CHECK(x->connection_id == "conn-2");
  CHECK(cancel_request_payload("c") == R"({"op":"cancel","connectionId":"c"})");

  for (const char* bad :
       {"", "null", "[]", "not json", R"({"op":"confirm","connectionId":"c"})",
        R"({"op":"confirm","approved":"true","connectionId":"c"})",
        R"({"op":"cancel","connectionId":""})", R"({"op":"cancel"})",
        R"({"op":"cancel","connectionId":7})", R"({"op":"stop","connectionId":"c"})",
        "{\"op\":\"cancel\",\"connectionId\":\"\xff\"}"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_control_request(bad));
  }

  CHECK(control_reply_payload(true) == R"({"ok":true})");
  CHECK(control_reply_payload(false) == R"({"ok":false})");
  CHECK(control_reply_ok({bp::request_outcome::replied, R"({"ok":true})"}));
  CHECK_FALSE(control_reply_ok({bp::request_outcome::replied, R"({"ok":false})"}));
  CHECK_FALSE(control_reply_ok({bp::request_outcome::replied, "garbage"}));
  CHECK_FALSE(control_reply_ok({bp::request_outcome::timed_out, R"({"ok":true})"}));
  CHECK_FALSE(control_reply_ok({bp::request_outcome::no_responders, {}}));
}

TEST_CASE("turn control: subscribed only while wanted, and never after it is gone",
          "[backplane][hitl]") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor session{sys};
  bp::memory_broker broker;
  auto bus = broker.connect();
  auto asker = broker.connect();
  const auto subject = control_subject("s-1");
  {
    turn_control control(bus, "s-1", session->address());
    CHECK_FALSE(control.subscribed());
    CHECK(bus->stats().subscriptions == 0);
    control.want(true);
    CHECK(control.subscribed());
    CHECK(bus->stats().subscriptions == 1);
    control.want(true);  // idempotent
    CHECK(bus->stats().subscriptions == 1);

    // A request reaches the session as (control, bus_message) with its reply subject.
    std::promise<bp::bus_reply> replied;
    asker->request(subject, cancel_request_payload("c"), 5s,
                   [&replied](bp::bus_reply&& r) { replied.set_value(std::move(r)); });
    std::string reply_to;
    session->receive(
        [&](control_atom, bp::bus_message& m) {
          CHECK(m.payload == cancel_request_payload("c"));
          CHECK(m.origin == asker->origin());
          reply_to = m.reply;
        },
        caf::after(5s) >> [] { FAIL("no control message"); });
    REQUIRE_FALSE(reply_to.empty());
    control.handled();
    control.reply(reply_to, true);
    auto f = replied.get_future();
    REQUIRE(f.wait_for(5s) == std::future_status::ready);
    CHECK(control_reply_ok(f.get()));

    control.want(false);
    CHECK_FALSE(control.subscribed());
    CHECK(bus->stats().subscriptions == 0);
    CHECK(request_and_wait(*asker, subject, cancel_request_payload("c"), 2s).outcome ==
          bp::request_outcome::no_responders);
    control.want(true);
    CHECK(bus->stats().subscriptions == 1);
  }
  // Destroyed while subscribed: unsubscribed.
  CHECK(bus->stats().subscriptions == 0);

  // Without a bus it does nothing at all.
  turn_control inert(nullptr, "s-2", session->address());
  inert.want(true);
  CHECK_FALSE(inert.subscribed());
  inert.reply("anything", true);
}

TEST_CASE(
    "turn control: beyond the in-flight bound a request is ignored and counted, and its "
    "requester times out",
    "[backplane][hitl]") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor session{sys};  // a session that does not get to its mailbox
  bp::memory_broker broker;
  auto bus = broker.connect();
  auto asker = broker.connect();
  turn_control control(bus, "s-1", session->address());
  control.want(true);

  const std::size_t extra = 3;
  std::mutex mu;
  std::vector<bp::request_outcome> outcomes;
  std::promise<void> all_done;
  const std::size_t total = max_control_in_flight + extra;
  for (std::size_t i = 0; i < total; ++i)
    asker->request(control_subject("s-1"), cancel_request_payload("c"), 300ms,
                   [&](bp::bus_reply&& r) {
                     std::lock_guard lk(mu);
                     outcomes.push_back(r.outcome);
                     if (outcomes.size() == total) all_done.set_value();
                   });
  REQUIRE(all_done.get_future().wait_for(10s) == std::future_status::ready);
  CHECK(control.dropped() == extra);
  for (auto o : outcomes) CHECK(o == bp::request_outcome::timed_out);  // nobody replied

  // Exactly the bound reached the session.
  std::size_t delivered = 0;
  bool more = true;
  while (more)
    session->receive([&](control_atom, bp::bus_message&) { ++delivered; },
                     caf::after(200ms) >> [&] { more = false; });
  CHECK(delivered == max_control_in_flight);

  // Handled messages free their places: the next request is handed on again.
  for (std::size_t i = 0; i < delivered; ++i) control.handled();
  control.handled();  // one more than delivered never goes below zero
  asker->request(control_subject("s-1"), cancel_request_payload("c"), 2s, [](bp::bus_reply&&) {});
  bool got = false;
  session->receive([&](control_atom, bp::bus_message&) { got = true; }, caf::after(5s) >> [] {});
  CHECK(got);
  CHECK(control.dropped() == extra);
}

TEST_CASE("turn control: a control ask answers true only for an ok reply", "[backplane][hitl]") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  bp::memory_broker broker;
  auto owner = broker.connect();
  auto asker = broker.connect();

  auto run = [&](std::function<void()> on_ok) {
    auto ask =
        spawn_control_ask(sys, asker, "s-1", confirm_request_payload(true, "c"), std::move(on_ok));
    bool answer = false;
    self->request(ask, 10s, run_atom::value)
        .receive([&](bool ok) { answer = ok; }, [](caf::error& e) { FAIL(caf::to_string(e)); });
    return answer;
  };

  std::atomic<int> on_ok_calls{0};
  // Nobody subscribed: no responders.
  CHECK_FALSE(run([&] { ++on_ok_calls; }));

  std::atomic<bool> say_ok{true};
  REQUIRE(owner->subscribe(control_subject("s-1"), [&](bp::bus_message&& m) {
    owner->publish(m.reply, control_reply_payload(say_ok.load()));
  }));
  CHECK(run([&] { ++on_ok_calls; }));
  CHECK(on_ok_calls == 1);
  say_ok = false;
  CHECK_FALSE(run([&] { ++on_ok_calls; }));
  CHECK(on_ok_calls == 1);
}

TEST_CASE(
    "remote sink: frames go verbatim to the Connection subject; oversize ones are "
    "dropped and counted",
    "[backplane][hitl]") {
  bp::memory_broker broker(1024, 64);  // max payload 64 bytes
  auto owner = broker.connect();
  auto other = broker.connect();
  std::mutex mu;
  std::vector<bp::bus_message> got;
  REQUIRE(
      other->subscribe(event_subject(target_kind::connection, "conn-b"), [&](bp::bus_message&& m) {
        std::lock_guard lk(mu);
        got.push_back(std::move(m));
      }));
  auto sink = make_remote_sink(owner, "conn-b");
  CHECK(sink->subject() == "smooth-operator.conn.conn-b");
  CHECK(sink->is_open());
  sink->push(so::net::make_frame(R"({"type":"a"})"));
  sink->push(so::net::make_frame(std::string(100, 'x')));  // over the max payload
  sink->close(1001, "going away");                         // a no-op
  CHECK(sink->is_open());
  sink->push(so::net::make_frame(R"({"type":"b"})"));
  broker.flush();
  std::lock_guard lk(mu);
  REQUIRE(got.size() == 2);
  CHECK(got[0].payload == R"({"type":"a"})");
  CHECK(got[1].payload == R"({"type":"b"})");
  CHECK(got[0].origin == owner->origin());
  CHECK(sink->dropped() == 1);
}
