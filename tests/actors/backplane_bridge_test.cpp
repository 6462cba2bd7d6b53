// Backplane actor as a bridge over a message bus (decisions.md "Backplane over NATS"):
// interest-based subscriptions, one bus publish per publish, echo skipped, raw
// publishers, inbound validation, the hand-off bound, the legacy envelope and the org
// scope of admin publishes. The memory broker stands in for NATS; tests synchronize on
// broker.flush() (every handler ran) and a stats request (the actor handled its mailbox).
#include "actors/backplane_actor.hpp"
#include "actors/backplane_subjects.hpp"
#include "actors/messages.hpp"
#include "adapters/backplane/memory_bus.hpp"
#include "tests/actors/actor_test_support.hpp"
#include "tests/actors/backplane_calls.hpp"

#include <catch2/catch.hpp>

#include <future>

using namespace so;
using namespace so::actors;
using namespace std::chrono_literals;
using so::test::publish;
namespace bus = so::adapters::backplane;

namespace {

const backplane_target session_s{target_kind::session, "s-1"};

backplane_stats stats_of(caf::scoped_actor& self, const caf::actor& bp) {
  backplane_stats out;
  self->request(bp, 5s, caf::get_atom::value)
      .receive([&](const backplane_stats& s) { out = s; }, [&](caf::error&) { FAIL(); });
  return out;
}

std::size_t publish_in(caf::scoped_actor& self, const caf::actor& bp, const backplane_target& t,
                       const std::string& json, const std::string& org) {
  std::size_t n = 99;
  self->request(bp, 5s, publish_atom::value, t, net::make_frame(json), org)
      .receive([&](std::size_t d) { n = d; }, [&](caf::error&) { FAIL(); });
  return n;
}

/// Every bus message so far went through the handlers, and both actors handled what
/// the handlers sent them (a request queues behind them).
void settle(bus::memory_broker& broker, caf::scoped_actor& self,
            std::initializer_list<caf::actor> bps) {
  broker.flush();
  for (const auto& bp : bps) stats_of(self, bp);
}

std::shared_ptr<test::recording_sink> attach(caf::scoped_actor& self, const caf::actor& bp,
                                             const std::string& conn,
                                             const std::string& principal_org = {}) {
  auto sink = std::make_shared<test::recording_sink>();
  self->send(bp, attach_atom::value, conn, net::event_sink_ptr(sink), principal_org);
  return sink;
}

/// A sink whose first push blocks until `release()`: holds the backplane actor busy.
class blocking_sink final : public net::event_sink {
 public:
  void push(net::frame f) override {
    std::unique_lock lk(mu_);
    frames_.push_back(*f);
    if (frames_.size() == 1) {
      entered_.set_value();
      cv_.wait(lk, [&] { return released_; });
    }
  }
  void close(std::uint16_t, std::string) override {}
  bool is_open() const override { return true; }
  void release_inbound(std::size_t) override {}
  std::future<void> entered() { return entered_.get_future(); }
  void release() {
    std::lock_guard lk(mu_);
    released_ = true;
    cv_.notify_all();
  }
  std::size_t count() {
    std::lock_guard lk(mu_);
    return frames_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
  std::promise<void> entered_;
  std::vector<std::string> frames_;
};

}  // namespace

TEST_CASE(
    "bridge: a target's subject is subscribed on the first association and dropped with the last",
    "[actors][backplane][bridge]") {
  bus::memory_broker broker;
  auto b = broker.connect();
  auto probe = broker.connect();
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto bp = spawn_backplane(sys, b, {});
  caf::scoped_actor self{sys};

  // Does the broker route `subject` to anyone? (NATS answers "no responders" at once.)
  auto has_subscriber = [&](const std::string& subject) {
    std::promise<bus::request_outcome> p;
    probe->request(subject, "{}", 50ms, [&](bus::bus_reply&& r) { p.set_value(r.outcome); });
    return p.get_future().get() != bus::request_outcome::no_responders;
  };

  attach(self, bp, "c-1");
  attach(self, bp, "c-2");
  self->send(bp, associate_atom::value, std::string("c-1"), session_s, std::string("org-a"));
  self->send(bp, associate_atom::value, std::string("c-2"), session_s, std::string("org-a"));
  // Idempotent: a second association of the same pair subscribes nothing more.
  self->send(bp, associate_atom::value, std::string("c-2"), session_s, std::string("org-a"));
  CHECK(stats_of(self, bp).subscriptions == 3);  // conn c-1, conn c-2, session s-1
  CHECK(b->stats().subscriptions == 3);
  CHECK(has_subscriber(event_subject(target_kind::session, "s-1")));
  CHECK(has_subscriber(event_subject(target_kind::connection, "c-1")));

  self->send(bp, detach_atom::value, std::string("c-1"));
  CHECK(stats_of(self, bp).subscriptions == 2);
  CHECK(!has_subscriber(event_subject(target_kind::connection, "c-1")));
  CHECK(has_subscriber(event_subject(target_kind::session, "s-1")));

  self->send(bp, detach_atom::value, std::string("c-2"));
  CHECK(stats_of(self, bp).subscriptions == 0);
  CHECK(b->stats().subscriptions == 0);
  CHECK(!has_subscriber(event_subject(target_kind::session, "s-1")));

  // A later connection subscribes again.
  attach(self, bp, "c-3");
  self->send(bp, associate_atom::value, std::string("c-3"), session_s, std::string("org-a"));
  CHECK(stats_of(self, bp).subscriptions == 2);
  CHECK(has_subscriber(event_subject(target_kind::session, "s-1")));
}

TEST_CASE("bridge: each publish is one bus message, delivered once on every process",
          "[actors][backplane][bridge]") {
  bus::memory_broker broker;
  auto bus_a = broker.connect();
  auto bus_b = broker.connect();
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto a = spawn_backplane(sys, bus_a, {});
  auto b = spawn_backplane(sys, bus_b, {});
  caf::scoped_actor self{sys};
  auto on_a = attach(self, a, "c-a");
  auto on_b = attach(self, b, "c-b");
  self->send(a, associate_atom::value, std::string("c-a"), session_s, std::string("org-a"));
  self->send(b, associate_atom::value, std::string("c-b"), session_s, std::string("org-a"));
  settle(broker, self, {a, b});

  const std::string ev = R"({"type":"job_status", "data":{"n":1}})";
  CHECK(publish(self, a, session_s, ev) == 1);  // the count is local deliveries only
  settle(broker, self, {a, b});
  CHECK(bus_a->stats().published == 1);
  CHECK(on_a->frames() == std::vector<std::string>{ev});  // the echo was skipped
  CHECK(on_b->frames() == std::vector<std::string>{ev});  // verbatim, once
  auto sa = stats_of(self, a);
  CHECK(sa.echo_skipped == 1);
  CHECK(sa.bus_published == 1);
  CHECK(stats_of(self, b).bus_delivered == 1);

  // Nothing local: still exactly one bus message, and B delivers it.
  const backplane_target conn_b{target_kind::connection, "c-b"};
  CHECK(publish(self, a, conn_b, R"({"type":"direct"})") == 0);
  settle(broker, self, {a, b});
  CHECK(bus_a->stats().published == 2);
  CHECK(on_b->frames().size() == 2);
  CHECK(on_a->frames().size() == 1);

  // A target nobody is interested in: published, received by no process.
  const auto received_b = bus_b->stats().received;
  CHECK(publish(self, a, {target_kind::agent, "nobody"}, R"({"type":"x"})") == 0);
  settle(broker, self, {a, b});
  CHECK(bus_a->stats().published == 3);
  CHECK(bus_b->stats().received == received_b);
}

TEST_CASE("bridge: a raw publisher reaches the local connections of each of the five target kinds",
          "[actors][backplane][bridge]") {
  bus::memory_broker broker;
  auto b = broker.connect();
  auto raw = broker.connect();
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto bp = spawn_backplane(sys, b, {});
  caf::scoped_actor self{sys};
  auto sink = attach(self, bp, "c-1", "org-1");
  auto other = attach(self, bp, "c-2");
  self->send(bp, associate_atom::value, std::string("c-1"), session_s, std::string("org-1"));
  self->send(bp, associate_atom::value, std::string("c-1"),
             backplane_target{target_kind::user, "ada@example.com"}, std::string("org-1"));
  self->send(bp, associate_atom::value, std::string("c-1"),
             backplane_target{target_kind::org, "org-1"}, std::string("org-1"));
  self->send(bp, associate_atom::value, std::string("c-1"),
             backplane_target{target_kind::agent, "agent 7"}, std::string("org-1"));
  settle(broker, self, {bp});

  const std::vector<std::pair<std::string, std::string>> sends = {
      {event_subject(target_kind::connection, "c-1"), R"({"type":"k","n":1})"},
      {event_subject(target_kind::session, "s-1"), R"({"type":"k","n":2})"},
      {event_subject(target_kind::user, "ada@example.com"), R"({"type":"k","n":3})"},
      {event_subject(target_kind::org, "org-1"), R"({"type":"k","n":4})"},
      {"smooth-operator.agent.agent%207", R"({"type":"k", "n":5})"},
  };
  for (const auto& [subject, json] : sends) CHECK(raw->publish(subject, json));
  settle(broker, self, {bp});
  std::vector<std::string> expected;
  for (const auto& [_, json] : sends) expected.push_back(json);
  CHECK(sink->frames() == expected);
  CHECK(other->frames().empty());
  auto s = stats_of(self, bp);
  CHECK(s.bus_received == 5);
  CHECK(s.bus_delivered == 5);
}

TEST_CASE("bridge: malformed bus payloads are dropped and counted by reason, never delivered",
          "[actors][backplane][bridge]") {
  bus::memory_broker broker;
  auto b = broker.connect();
  auto raw = broker.connect();
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  backplane_options o;
  o.max_frame_bytes = 64;
  auto bp = spawn_backplane(sys, b, o);
  caf::scoped_actor self{sys};
  auto sink = attach(self, bp, "c-1");
  self->send(bp, associate_atom::value, std::string("c-1"), session_s, std::string("org-1"));
  settle(broker, self, {bp});

  const auto subject = event_subject(target_kind::session, "s-1");
  raw->publish(subject, "hello");                                     // not JSON
  raw->publish(subject, "[1,2]");                                     // JSON, not an object
  raw->publish(subject, "\"str\"");                                   // JSON, not an object
  raw->publish(subject, "{\"a\":\"\xff\xfe\"}");                      // not UTF-8
  raw->publish(subject, "{\"a\":\"" + std::string(80, 'x') + "\"}");  // over 64 bytes
  raw->publish(subject, "");                                          // empty
  raw->publish(subject, "{\"a\":1} trailing");                        // not one JSON value
  const std::string exact = "{\"a\":\"" + std::string(64 - 8, 'y') + "\"}";
  REQUIRE(exact.size() == 64);
  raw->publish(subject, exact);  // at the limit: delivered
  settle(broker, self, {bp});

  auto s = stats_of(self, bp);
  CHECK(s.dropped_not_json_object == 5);
  CHECK(s.dropped_not_utf8 == 1);
  CHECK(s.dropped_too_large == 1);
  CHECK(s.bus_delivered == 1);
  CHECK(sink->frames() == std::vector<std::string>{exact});
}

TEST_CASE(
    "bridge: the hand-off to the actor is bounded, and a message for a dropped subject is ignored",
    "[actors][backplane][bridge]") {
  bus::memory_broker broker;
  auto b = broker.connect();
  auto raw = broker.connect();
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  backplane_options o;
  o.max_handoff = 2;
  auto bp = spawn_backplane(sys, b, o);
  caf::scoped_actor self{sys};
  auto slow = std::make_shared<blocking_sink>();
  auto entered = slow->entered();
  self->send(bp, attach_atom::value, std::string("slow"), net::event_sink_ptr(slow));
  auto leaving = attach(self, bp, "leaving");
  self->send(bp, associate_atom::value, std::string("leaving"), session_s, std::string("o"));
  settle(broker, self, {bp});

  // The actor blocks in the slow sink's first push.
  raw->publish(event_subject(target_kind::connection, "slow"), R"({"n":0})");
  entered.get();
  // Queued behind it: the last connection of s-1 leaves …
  self->send(bp, detach_atom::value, std::string("leaving"));
  // … while the broker still routes s-1 here: 2 messages fit the hand-off, 3 are dropped.
  for (int i = 1; i <= 5; ++i)
    raw->publish(event_subject(target_kind::session, "s-1"), "{\"n\":" + std::to_string(i) + "}");
  broker.flush();
  slow->release();
  auto s = stats_of(self, bp);
  CHECK(s.dropped_handoff == 3);
  CHECK(s.ignored_unsubscribed == 2);  // handled after the detach dropped the subject
  CHECK(s.bus_received == 3);
  CHECK(leaving->frames().empty());
  CHECK(slow->count() == 1);
  CHECK(s.subscriptions == 1);

  // The slots came back: the next messages pass again.
  raw->publish(event_subject(target_kind::connection, "slow"), R"({"n":6})");
  settle(broker, self, {bp});
  CHECK(slow->count() == 2);
  CHECK(stats_of(self, bp).dropped_handoff == 3);
}

TEST_CASE("bridge: an org-scoped publish reaches only that org's connections on the other process",
          "[actors][backplane][bridge]") {
  bus::memory_broker broker;
  auto bus_a = broker.connect();
  auto bus_b = broker.connect();
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto a = spawn_backplane(sys, bus_a, {});
  auto b = spawn_backplane(sys, bus_b, {});
  caf::scoped_actor self{sys};
  auto in_a = attach(self, b, "c-a", "org-a");  // principal org-a
  auto in_b = attach(self, b, "c-b", "org-b");  // principal org-b
  auto anon = attach(self, b, "c-anon");        // no principal: its session's org
  const backplane_target agent{target_kind::agent, "agent-1"};
  self->send(b, associate_atom::value, std::string("c-a"), agent, std::string("org-a"));
  self->send(b, associate_atom::value, std::string("c-b"), agent, std::string("org-a"));
  self->send(b, associate_atom::value, std::string("c-anon"), agent, std::string("org-b"));
  settle(broker, self, {a, b});

  CHECK(publish_in(self, a, agent, R"({"type":"for-a"})", "org-a") == 0);
  CHECK(publish_in(self, a, agent, R"({"type":"for-b"})", "org-b") == 0);
  CHECK(publish_in(self, a, {target_kind::connection, "c-b"}, R"({"type":"direct"})", "org-a") ==
        0);
  settle(broker, self, {a, b});
  CHECK(in_a->frames() == std::vector<std::string>{R"({"type":"for-a"})"});
  CHECK(in_b->frames() == std::vector<std::string>{R"({"type":"for-b"})"});
  CHECK(anon->frames() == std::vector<std::string>{R"({"type":"for-b"})"});
  CHECK(stats_of(self, b).bus_delivered == 3);

  // An org id with bytes a NATS header cannot carry travels %-encoded and decodes back.
  const std::string odd_org = "org x\r\nSmooth-Origin: 50%";
  auto odd = attach(self, b, "c-odd", odd_org);
  self->send(b, associate_atom::value, std::string("c-odd"), agent, odd_org);
  auto raw = broker.connect();
  std::promise<bus::bus_message> seen;
  REQUIRE(raw->subscribe(event_subject(target_kind::agent, "agent-1"),
                         [&](bus::bus_message&& m) { seen.set_value(std::move(m)); }));
  settle(broker, self, {a, b});
  CHECK(publish_in(self, a, agent, R"({"type":"odd"})", odd_org) == 0);
  auto wire = seen.get_future().get();
  CHECK(wire.headers == bus::bus_headers{{"Smooth-Org", "org%20x%0D%0ASmooth-Origin:%2050%25"}});
  settle(broker, self, {a, b});
  CHECK(odd->frames() == std::vector<std::string>{R"({"type":"odd"})"});
  CHECK(in_a->frames().size() == 1);
  // A malformed org header: dropped, never delivered unscoped.
  raw->unsubscribe(event_subject(target_kind::agent, "agent-1"));
  raw->publish_with_headers(event_subject(target_kind::agent, "agent-1"), R"({"type":"bad"})",
                            {{"Smooth-Org", "org%G1"}});
  raw->publish_with_headers(event_subject(target_kind::agent, "agent-1"), R"({"type":"bad"})",
                            {{"Smooth-Org", "org%4"}});
  settle(broker, self, {a, b});
  CHECK(stats_of(self, b).dropped_bad_envelope == 2);
  CHECK(odd->frames().size() == 1);
  CHECK(in_a->frames().size() == 1);
  CHECK(in_b->frames().size() == 1);

  // A bus that cannot carry the org header refuses the publish (never unscoped).
  struct headerless final : bus::message_bus {
    bus::message_bus_ptr inner;
    const std::string& origin() const override { return inner->origin(); }
    bool publish(const std::string& s, std::string_view p) override { return inner->publish(s, p); }
    bool subscribe(const std::string& s, bus::bus_handler h) override {
      return inner->subscribe(s, std::move(h));
    }
    void unsubscribe(const std::string& s) override { inner->unsubscribe(s); }
    void request(const std::string& s, std::string_view p, std::chrono::milliseconds t,
                 bus::reply_handler d) override {
      inner->request(s, p, t, std::move(d));
    }
    void on_state(std::function<void(bus::bus_state)> l) override { inner->on_state(std::move(l)); }
    bus::bus_stats stats() const override { return inner->stats(); }
    std::size_t max_payload() const override { return inner->max_payload(); }
  };
  auto limited = std::make_shared<headerless>();
  limited->inner = broker.connect();
  auto c = spawn_backplane(sys, limited, {});
  CHECK(publish_in(self, c, agent, R"({"type":"leak?"})", "org-a") == 0);
  settle(broker, self, {c, b});
  CHECK(stats_of(self, c).bus_publish_dropped == 1);
  CHECK(in_b->frames().size() == 1);
  CHECK(in_a->frames().size() == 1);
}

TEST_CASE("bridge: the legacy envelope goes out with the marker, and a reference envelope comes in",
          "[actors][backplane][bridge]") {
  bus::memory_broker broker;
  auto bus_a = broker.connect();
  auto bus_b = broker.connect();
  auto raw = broker.connect();
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  backplane_options legacy;
  legacy.legacy_subject = true;
  auto a = spawn_backplane(sys, bus_a, legacy);
  auto b = spawn_backplane(sys, bus_b, legacy);
  caf::scoped_actor self{sys};
  std::mutex mu;
  std::vector<bus::bus_message> envelopes;
  REQUIRE(raw->subscribe(std::string(legacy_subject), [&](bus::bus_message&& m) {
    std::lock_guard lk(mu);
    envelopes.push_back(std::move(m));
  }));
  auto on_b = attach(self, b, "c-b");
  self->send(b, associate_atom::value, std::string("c-b"), session_s, std::string("org-a"));
  settle(broker, self, {a, b});

  // Out: the event subject and the envelope; B delivers the event-subject copy only.
  CHECK(publish(self, a, session_s, R"({"type":"job_status"})") == 0);
  settle(broker, self, {a, b});
  CHECK(bus_a->stats().published == 2);
  {
    std::lock_guard lk(mu);
    REQUIRE(envelopes.size() == 1);
    CHECK(envelopes[0].payload ==
          R"({"origin":")" + bus_a->origin() +
              R"(","target":{"Session":"s-1"},"event":{"type":"job_status"},"smoothCpp":true})");
  }
  CHECK(on_b->frames() == std::vector<std::string>{R"({"type":"job_status"})"});
  CHECK(stats_of(self, b).echo_skipped == 1);  // the marked envelope

  // In: a reference server's (or hand-written) envelope, without the marker.
  const std::string subject(legacy_subject);
  raw->publish(
      subject,
      R"({"origin":"billing-svc","target":{"Session":"s-1"},"event":{"type":"bill","data":{"x":1}},"extra":1})");
  // Undecodable envelopes: dropped and counted.
  raw->publish(subject, R"({"origin":"x","target":{"Bogus":"s-1"},"event":{}})");
  raw->publish(subject, R"({"origin":"x","target":{"Session":"s-1"}})");
  raw->publish(subject, R"({"origin":"x","target":{"Session":7},"event":{}})");
  raw->publish(subject, R"({"origin":"x","target":{"Session":"s-1","User":"u"},"event":{}})");
  raw->publish(subject, "not json");
  // An envelope claiming B's own origin is B's echo.
  raw->publish(subject, R"({"origin":")" + bus_b->origin() +
                            R"(","target":{"Session":"s-1"},"event":{"type":"mine"}})");
  settle(broker, self, {a, b});
  CHECK(on_b->frames() ==
        std::vector<std::string>{R"({"type":"job_status"})", R"({"type":"bill","data":{"x":1}})"});
  auto s = stats_of(self, b);
  CHECK(s.dropped_bad_envelope == 4);
  CHECK(s.dropped_not_json_object == 1);
  CHECK(s.echo_skipped == 2);
}
