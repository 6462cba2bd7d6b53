// tests/server/storage_limits_test.cpp — the storage pool's limits through the real
// server paths (actors/storage_pool.hpp, docs/architecture.md "Storage execution"):
// STORAGE_BUSY at the queue bound, STORAGE_TIMEOUT past the deadline (the late job is
// not run), and a blocked knowledge query that stalls nothing else. Blocking storage is
// simulated with a gate; the tests wait on frames and gate counters, never on sleeps.
#include "tests/actors/storage_gate.hpp"
#include "tests/server/server_test_support.hpp"

using namespace so::test::srv;
using so::test::gate;
using so::test::gated_knowledge;
using so::test::gated_storage;

namespace {

std::string get_messages_frame(const std::string& rid, const std::string& session_id) {
  return R"({"action":"get_conversation_messages","requestId":")" + rid + R"(","sessionId":")" +
         session_id + R"("})";
}

/// The first frame that arrives on either client (polled in short reads).
std::pair<int, rapidjson::Document> first_of(so::test::ws_client& a, so::test::ws_client& b,
                                             milliseconds timeout = 5000ms) {
  const auto deadline = steady_clock::now() + timeout;
  while (steady_clock::now() < deadline) {
    if (auto t = a.read(20ms)) return {0, parse(*t)};
    if (auto t = b.read(20ms)) return {1, parse(*t)};
  }
  FAIL("no frame on either connection");
  return {};
}

/// Closes `g` and starts a message listing ("m1") on `c` whose job then holds a storage
/// worker at the gate; returns the gate's count of entries from before. The session is
/// first made live in the directory (a new session gets its actor on first use), so the
/// held job is the listing itself, not the session's hydration.
std::size_t hold_worker_at(gate& g, so::test::ws_client& c, const std::string& session_id) {
  c.send_text(get_messages_frame("warm", session_id));
  REQUIRE(integer(next(c), "/status") == 200);
  g.close();
  const auto before = g.entered();
  c.send_text(get_messages_frame("m1", session_id));
  REQUIRE(g.wait_entered(before + 1));
  return before;
}

}  // namespace

TEST_CASE("storage limits: at the queue bound a call gets STORAGE_BUSY at once", "[server]") {
  auto g = std::make_shared<gate>();
  auto o = local_options();
  o.storage = std::make_shared<gated_storage>(g);
  o.config.storage_workers = 1;
  o.config.storage_queue = 1;
  so::net::server server(o);
  auto c1 = connect_to(server);
  auto c2 = connect_to(server);
  auto c3 = connect_to(server);
  auto c4 = connect_to(server);
  const auto ids = create_session(c1);

  hold_worker_at(*g, c1, ids.session_id);  // c1's job holds the only worker
  c2.send_text(get_messages_frame("m2", ids.session_id));
  c3.send_text(get_messages_frame("m3", ids.session_id));

  // One of them waits in the queue (bound 1); the other is refused while storage is held.
  auto [who, busy] = first_of(c2, c3);
  const std::string busy_text =
      "storage is busy: 1 storage jobs already waiting (SMOOTH_AGENT_STORAGE_QUEUE)";
  check_error(busy, "STORAGE_BUSY", "failed to list messages: " + busy_text,
              std::string(who == 0 ? "m2" : "m3"));

  // create_conversation_session surfaces the same code.
  c4.send_text(
      R"({"action":"create_conversation_session","requestId":"c","agentId":"agent-test"})");
  check_error(next(c4), "STORAGE_BUSY", busy_text, std::string("c"));

  g->open();
  auto page1 = next(c1);
  CHECK(str(page1, "/requestId") == "m1");
  CHECK(integer(page1, "/status") == 200);
  auto& queued = who == 0 ? c3 : c2;
  auto page2 = next(queued);
  CHECK(str(page2, "/requestId") == (who == 0 ? "m3" : "m2"));
  CHECK(integer(page2, "/status") == 200);
  for (auto* c : {&c1, &c2, &c3, &c4}) expect_alive(*c, "alive");
  create_session(c4);  // room again
}

TEST_CASE("storage limits: a job still queued at its deadline answers STORAGE_TIMEOUT, never runs",
          "[server]") {
  auto g = std::make_shared<gate>();
  auto o = local_options();
  o.storage = std::make_shared<gated_storage>(g);
  o.config.storage_workers = 1;
  o.config.storage_queue = 8;
  o.config.storage_timeout = 300ms;
  so::net::server server(o);
  auto c1 = connect_to(server);
  auto c2 = connect_to(server);
  const auto ids = create_session(c1);

  const auto before = hold_worker_at(*g, c1, ids.session_id);
  c2.send_text(get_messages_frame("m2", ids.session_id));

  const std::string late =
      "failed to list messages: no storage reply within 300 ms "
      "(SMOOTH_AGENT_STORAGE_TIMEOUT_MS)";
  check_error(next(c2), "STORAGE_TIMEOUT", late, std::string("m2"));
  // c1's caller gave up at the same deadline; its job had started and runs to its end.
  check_error(next(c1), "STORAGE_TIMEOUT", late, std::string("m1"));

  g->open();
  c2.send_text(get_messages_frame("m3", ids.session_id));
  auto page = next(c2);
  CHECK(str(page, "/requestId") == "m3");
  CHECK(integer(page, "/status") == 200);
  // Same worker, FIFO: m2's job came before m3's and was skipped, not run.
  CHECK(g->entered() == before + 2);
  expect_alive(c1, "alive");
}

TEST_CASE("storage limits: a blocked knowledge query stalls no session lookup", "[server]") {
  auto kgate = std::make_shared<gate>();
  auto o = scripted_options(scripted_texts({"grounded reply"}));
  o.knowledge_base = std::make_shared<gated_knowledge>(kgate);
  so::net::server server(o);
  auto c1 = connect_to(server);
  auto c2 = connect_to(server);
  const auto s1 = create_session(c1);

  kgate->close();
  c1.send_text(R"({"action":"send_message","requestId":"t1","sessionId":")" + s1.session_id +
               R"(","message":"what is the return window"})");
  auto ack = next(c1);
  CHECK(integer(ack, "/status") == 202);
  REQUIRE(kgate->wait_entered(1));  // the turn's retrieval holds the knowledge worker

  const auto s2 = create_session(c2);
  c2.send_text(R"({"action":"get_session","requestId":"g1","sessionId":")" + s1.session_id +
               R"("})");
  CHECK(integer(next(c2), "/status") == 200);
  c2.send_text(get_messages_frame("m1", s1.session_id));
  auto page = next(c2);
  CHECK(integer(page, "/status") == 200);
  REQUIRE(has(page, "/data/messages"));
  CHECK(at(page, "/data/messages")->Size() == 1);  // the user message, stored before retrieval
  (void)s2;

  kgate->open();
  auto done = next_of(c1, "eventual_response");
  CHECK(str(done, "/requestId") == "t1");
}

TEST_CASE("storage limits: a turn over an empty knowledge base skips the knowledge worker",
          "[server]") {
  auto kgate = std::make_shared<gate>();
  auto o = scripted_options(scripted_texts({"ungrounded reply"}));
  o.knowledge_base = std::make_shared<gated_knowledge>(kgate, /*pass_known_empty=*/true);
  so::net::server server(o);
  auto c = connect_to(server);
  const auto s = create_session(c);

  kgate->close();  // a retrieval would wait here for ever
  c.send_text(R"({"action":"send_message","requestId":"t1","sessionId":")" + s.session_id +
              R"(","message":"anything"})");
  CHECK(integer(next(c), "/status") == 202);
  auto done = next_of(c, "eventual_response");
  CHECK(str(done, "/requestId") == "t1");
  CHECK(kgate->entered() == 0);  // the empty store was never queried
  kgate->open();
}
