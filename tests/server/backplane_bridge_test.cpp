// tests/server/backplane_bridge_test.cpp — two in-process servers bridged by one memory
// broker (decisions.md "Backplane over NATS"; issue 10 items 2, 5 and 6): a publish on
// A reaches B's clients exactly once, the origin's own client once, a process without
// interest receives nothing, B unsubscribes when its last client leaves, and a broker
// outage keeps sockets and local delivery working.
//
// Synchronization: `settle()` = broker.flush() (every handler ran) then a stats round
// trip through each backplane actor (it handled what the handlers sent). A frame a
// client must NOT get is proven absent by a ping sent after settle(): its pong must be
// the very next frame.
#include "adapters/backplane/memory_bus.hpp"
#include "adapters/storage/memory_storage.hpp"
#include "tests/server/admin_test_support.hpp"
#include "tests/server/server_test_support.hpp"

using namespace so;
using namespace so::test::srv;
namespace bus = so::adapters::backplane;

namespace {

const std::string kJob = R"({"type":"job_status","jobId":"j-1","state":"running"})";

/// The next frame must be the pong of this ping: nothing else was queued before it.
void expect_next_is_pong(test::ws_client& c, const std::string& rid) {
  c.send_text(R"({"action":"ping","requestId":")" + rid + R"("})");
  auto d = next(c);
  CHECK(str(d, "/type") == "pong");
  CHECK(str(d, "/requestId") == rid);
}

net::server_options bridged(const bus::message_bus_ptr& b,
                            const std::shared_ptr<adapters::memory_storage>& storage) {
  auto o = local_options();
  o.bus = b;
  o.storage = storage;
  return o;
}

/// Two processes, one broker, one database.
struct fleet {
  bus::memory_broker broker;
  std::shared_ptr<adapters::memory_storage> storage = std::make_shared<adapters::memory_storage>();
  bus::message_bus_ptr bus_a = broker.connect();
  bus::message_bus_ptr bus_b = broker.connect();
  net::server a{bridged(bus_a, storage)};
  net::server b{bridged(bus_b, storage)};

  void settle() {
    broker.flush();
    a.stats();
    b.stats();
  }
};

void resume(test::ws_client& c, const std::string& session_id) {
  c.send_text(R"({"action":"get_session","requestId":"gs","sessionId":")" + session_id + R"("})");
  auto d = next_of(c, "immediate_response");
  REQUIRE(str(d, "/requestId") == "gs");
  REQUIRE(integer(d, "/status") == 200);
}

}  // namespace

TEST_CASE("bridge: a publish on A reaches a client on B exactly once, and A's own client once",
          "[server][bridge]") {
  fleet f;
  auto on_b = connect_to(f.b);
  const auto s = create_session(on_b);
  f.settle();
  const auto subs_a = f.bus_a->stats().subscriptions;

  // A has no interest in the session: its publish still goes out once.
  CHECK(f.a.publish("session", s.session_id, kJob) == 0);
  auto got = on_b.read(5000ms);
  REQUIRE(got);
  CHECK(*got == kJob);  // verbatim
  f.settle();
  expect_next_is_pong(on_b, "once");
  CHECK(f.bus_a->stats().published == 1);
  CHECK(f.b.stats().backplane.bus_delivered == 1);
  // A process with no interested connection receives nothing for that target.
  CHECK(f.bus_a->stats().received == 0);
  CHECK(f.a.stats().backplane.bus_received == 0);

  // A client on A resumes the session (shared storage): A subscribes its subject.
  auto on_a = connect_to(f.a);
  resume(on_a, s.session_id);
  f.settle();
  CHECK(f.bus_a->stats().subscriptions == subs_a + 2);  // its connection and the session

  CHECK(f.a.publish("session", s.session_id, kJob) == 1);
  CHECK(*on_a.read(5000ms) == kJob);
  CHECK(*on_b.read(5000ms) == kJob);
  f.settle();
  expect_next_is_pong(on_a, "a-once");  // the echo was skipped
  expect_next_is_pong(on_b, "b-once");
  CHECK(f.a.stats().backplane.echo_skipped == 1);

  // And the other direction.
  CHECK(f.b.publish("session", s.session_id, R"({"type":"from-b"})") == 1);
  CHECK(*on_a.read(5000ms) == R"({"type":"from-b"})");
  CHECK(*on_b.read(5000ms) == R"({"type":"from-b"})");
  f.settle();
  expect_next_is_pong(on_a, "a-twice");
  expect_next_is_pong(on_b, "b-twice");
}

TEST_CASE("bridge: a raw publisher reaches the session and agent targets on every process",
          "[server][bridge]") {
  fleet f;
  auto raw = f.broker.connect();
  auto on_a = connect_to(f.a);
  auto on_b = connect_to(f.b);
  const auto s = create_session(on_b, "agent-raw");
  resume(on_a, s.session_id);
  f.settle();

  REQUIRE(raw->publish("smooth-operator.session." + s.session_id, kJob));
  CHECK(*on_a.read(5000ms) == kJob);
  CHECK(*on_b.read(5000ms) == kJob);
  // The agent target: only the creating connection is associated with it.
  REQUIRE(raw->publish("smooth-operator.agent.agent-raw", R"({"type":"agent-wide"})"));
  CHECK(*on_b.read(5000ms) == R"({"type":"agent-wide"})");
  // Malformed: dropped and counted, the socket stays open.
  REQUIRE(raw->publish("smooth-operator.session." + s.session_id, "[1,2,3]"));
  REQUIRE(raw->publish("smooth-operator.session." + s.session_id, "{\"a\":\"\xc3\"}"));
  f.settle();
  expect_next_is_pong(on_a, "a");
  expect_next_is_pong(on_b, "b");
  auto sb = f.b.stats().backplane;
  CHECK(sb.dropped_not_json_object == 1);
  CHECK(sb.dropped_not_utf8 == 1);
}

TEST_CASE("bridge: B unsubscribes a session's subject when its last client leaves",
          "[server][bridge]") {
  fleet f;
  std::string session_id;
  {
    auto c1 = connect_to(f.b);
    auto c2 = connect_to(f.b);
    session_id = create_session(c1).session_id;
    resume(c2, session_id);
    f.settle();
    // c1's and c2's connection subjects, the session, the agent.
    CHECK(f.bus_b->stats().subscriptions == 4);
    CHECK(f.b.stats().backplane.subscriptions == 4);
    c1.close();
    CHECK(eventually([&] { return f.b.stats().attached_connections == 1; }));
    CHECK(f.bus_b->stats().subscriptions == 2);  // c2 and the session
  }
  CHECK(eventually([&] { return f.b.stats().attached_connections == 0; }));
  CHECK(f.bus_b->stats().subscriptions == 0);
  // Nothing reaches B for that session any more.
  const auto before = f.bus_b->stats().received;
  CHECK(f.a.publish("session", session_id, kJob) == 0);
  f.settle();
  CHECK(f.bus_b->stats().received == before);
}

TEST_CASE("bridge: an admin publish on A reaches only its org's clients on B",
          "[server][bridge][admin]") {
  bus::memory_broker broker;
  auto bus_a = broker.connect();
  auto bus_b = broker.connect();
  auto oa = local_options();
  oa.bus = bus_a;
  test::admin::admin_server a(oa);
  net::server b(bridged(bus_b, std::make_shared<adapters::memory_storage>()));
  // No token on B: the session lands in the seed org, reference-org.
  auto on_b = connect_to(b);
  const auto s = create_session(on_b);
  auto settle = [&] {
    broker.flush();
    a.server->stats();
    b.stats();
  };
  settle();
  const std::string body =
      R"({"target":{"type":"session","id":")" + s.session_id + R"("},"event":)" + kJob + "}";

  for (const char* other : {"admin-a", "admin-b"}) {
    auto r = test::admin::call(a.port(), "POST", "/admin/publish", other, body);
    REQUIRE(r.status == 200);
    CHECK(r.body == R"({"delivered":0})");
  }
  settle();
  expect_next_is_pong(on_b, "no-leak");
  CHECK(b.stats().backplane.bus_received == 2);
  CHECK(b.stats().backplane.bus_delivered == 0);

  auto r = test::admin::call(a.port(), "POST", "/admin/publish", "admin-ref", body);
  REQUIRE(r.status == 200);
  CHECK(r.body == R"({"delivered":0})");  // local deliveries only (§6.6)
  CHECK(*on_b.read(5000ms) == kJob);
  settle();
  expect_next_is_pong(on_b, "once");
}

TEST_CASE("bridge: a broker outage keeps sockets and local delivery, then delivery resumes",
          "[server][bridge]") {
  fleet f;
  auto on_b = connect_to(f.b);
  const auto s = create_session(on_b);
  f.settle();

  f.broker.set_down(true);
  // Local delivery on B still works; the bus copy is counted as dropped.
  CHECK(f.b.publish("session", s.session_id, kJob) == 1);
  CHECK(*on_b.read(5000ms) == kJob);
  // A's publish during the outage is lost (at-most-once) and counted.
  CHECK(f.a.publish("session", s.session_id, R"({"type":"lost"})") == 0);
  CHECK(f.a.stats().backplane.bus_publish_dropped == 1);
  CHECK(f.b.stats().backplane.bus_publish_dropped == 1);
  expect_next_is_pong(on_b, "during");  // the socket is open; "lost" never came

  // A new client during the outage: its subjects are subscribed when the broker is back
  // (the memory broker keeps subscriptions, as nats.c re-subscribes).
  auto late = connect_to(f.b);
  resume(late, s.session_id);

  f.broker.set_down(false);
  CHECK(f.a.publish("session", s.session_id, R"({"type":"back"})") == 0);
  CHECK(*on_b.read(5000ms) == R"({"type":"back"})");
  CHECK(*late.read(5000ms) == R"({"type":"back"})");
  f.settle();
  expect_next_is_pong(on_b, "after");
  expect_next_is_pong(late, "late");
}

TEST_CASE(
    "bridge: with the legacy subject, a reference-format publisher reaches a session, "
    "and our own publishes arrive once",
    "[server][bridge]") {
  bus::memory_broker broker;
  auto storage = std::make_shared<adapters::memory_storage>();
  auto bus_a = broker.connect();
  auto bus_b = broker.connect();
  auto oa = bridged(bus_a, storage);
  auto ob = bridged(bus_b, storage);
  oa.config.nats_legacy_subject = true;
  ob.config.nats_legacy_subject = true;
  net::server a(oa);
  net::server b(ob);
  auto settle = [&] {
    broker.flush();
    a.stats();
    b.stats();
  };
  auto on_b = connect_to(b);
  const auto s = create_session(on_b);
  settle();

  // A hand-written publisher in the reference's format (storage-backplane.md §6.7).
  auto raw = broker.connect();
  REQUIRE(raw->publish("smooth-operator.backplane",
                       R"({"origin":"billing-svc","target":{"Session":")" + s.session_id +
                           R"("},"event":{"type":"job_status","data":{"jobId":"abc"}}})"));
  CHECK(*on_b.read(5000ms) == R"({"type":"job_status","data":{"jobId":"abc"}})");
  // Undecodable: dropped and counted.
  REQUIRE(raw->publish("smooth-operator.backplane", R"({"origin":"x","target":"Session"})"));
  // Ours: on the event subject and as a marked envelope; delivered once.
  CHECK(a.publish("session", s.session_id, kJob) == 0);
  CHECK(*on_b.read(5000ms) == kJob);
  settle();
  expect_next_is_pong(on_b, "once");
  auto sb = b.stats().backplane;
  CHECK(sb.dropped_bad_envelope == 1);
  CHECK(sb.echo_skipped == 1);  // A's marked envelope
  CHECK(sb.bus_delivered == 2);
  CHECK(bus_a->stats().published == 2);
}
