// tests/server/postgres_lease_test.cpp — the turn lease through the whole server (issue 9
// item 5; actors/turn_actor.hpp, storage.hpp): two in-process servers on ONE PostgreSQL
// database refuse each other's concurrent turns on a session with TURN_IN_PROGRESS, a
// live turn keeps its lease by renewing it, and a lease left behind by a dead process
// expires. The in-memory cases check that the local path answers as before and that a
// cancel racing the claim never acknowledges a refused turn.
// The PostgreSQL cases need SMOOTH_AGENT_TEST_DATABASE_URL (tests/support/pg/test_database.hpp).
#include "adapters/storage/memory_storage.hpp"
#include "adapters/storage/postgres_storage.hpp"
#include "tests/actors/storage_gate.hpp"
#include "tests/server/turn_test_support.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/net/fake_gateway.hpp"
#include "tests/support/pg/test_database.hpp"

using namespace std::chrono_literals;
using namespace so;
using namespace so::test;
using namespace so::test::turns;
using so::test::pg::fresh_database;

namespace {

net::server_options gateway_options(const fake_gateway& fake) {
  auto o = base_options();
  o.config.gateway_url = fake.base_url();
  o.config.gateway_key = "k";
  return o;
}

net::server_options on_postgres(net::server_options o, const std::string& url) {
  o.config.storage = adapters::storage_backend::postgres;
  o.config.database_url = url;
  o.config.storage_workers = 2;
  return o;
}

fake_gateway_options held_streams() {
  fake_gateway_options fo;
  fo.hold_last = true;  // each stream's end waits for release()
  return fo;
}

/// The session row's lease as the database holds it.
struct lease_row {
  std::optional<std::string> owner;
  std::optional<std::int64_t> until_us;  ///< epoch microseconds
};

lease_row lease_of(adapters::pg::connection& c, const std::string& session_id) {
  auto r = c.exec("lease_probe",
                  "SELECT turn_owner, (extract(epoch from turn_lease_until) * 1000000)::bigint "
                  "FROM conversation_sessions WHERE session_id = $1",
                  {session_id}, "lease probe");
  REQUIRE(r.rows() == 1);
  lease_row out;
  out.owner = r.opt_text(0, 0);
  if (!r.is_null(0, 1)) out.until_us = r.int64(0, 1);
  return out;
}

/// Sends send_message until it is acknowledged (202) instead of refused with
/// TURN_IN_PROGRESS, polling until `deadline`; returns the number of refusals. Any
/// other answer fails the test.
int send_until_accepted(ws_client& ws, const std::string& sid, const std::string& rid_prefix,
                        const std::string& message, std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  for (int refusals = 0;; ++refusals) {
    const auto rid = rid_prefix + "-" + std::to_string(refusals);
    send_message(ws, sid, rid, message);
    auto f = next_frame(ws);
    INFO("answer: " << f.text());
    REQUIRE(f.rid() == rid);
    if (f.type() == "immediate_response") {
      REQUIRE(f.integer("/status") == 202);
      return refusals;
    }
    require_error(f, "TURN_IN_PROGRESS", kTurnInProgress, rid);
    REQUIRE(std::chrono::steady_clock::now() < until);
    std::this_thread::sleep_for(50ms);  // the poll interval: the lease expires meanwhile
  }
}

}  // namespace

TEST_CASE("lease on postgres: a turn running on server A refuses send_message on server B",
          "[server][postgres][lease]") {
  SO_PG_URL_OR_SKIP(server_url);
  fresh_database db(server_url);
  fake_gateway fake({text("first reply"), text("second reply")}, held_streams());
  net::server a(on_postgres(gateway_options(fake), db.url()));
  net::server b(on_postgres(gateway_options(fake), db.url()));
  auto on_a = connect(a);
  auto on_b = connect(b);
  const auto sid = create_session_id(*on_a);
  CHECK(stored_messages(*on_b, sid).empty());  // B has loaded the same session

  start_turn(*on_a, sid, "r-a", "one");   // acknowledged: A's lease is committed
  REQUIRE(fake.wait_events_sent(1, 5s));  // and its stream is open, held by the gateway

  send_message(*on_b, sid, "r-b", "two");
  require_error(expect(*on_b, "error"), "TURN_IN_PROGRESS", kTurnInProgress, "r-b");
  // Refused before anything was stored, and without calling the model.
  CHECK(stored_messages(*on_b, sid) == stored{{"inbound", "one"}});
  CHECK(fake.requests().size() == 1);

  fake.release();
  require_reply(read_turn(*on_a, "r-a").back(), "r-a", "first reply");
  // The lease was released before eventual_response: B is served at once.
  fake.release();  // B's stream may end as soon as it starts
  start_turn(*on_b, sid, "r-b2", "two");
  require_reply(read_turn(*on_b, "r-b2").back(), "r-b2", "second reply");
  CHECK(stored_messages(*on_a, sid) == stored{{"inbound", "one"},
                                              {"outbound", "first reply"},
                                              {"inbound", "two"},
                                              {"outbound", "second reply"}});
  adapters::pg::connection probe(db.url());
  CHECK_FALSE(lease_of(probe, sid).owner.has_value());  // released again
  require_quiescent(a);
  require_quiescent(b);
}

TEST_CASE("lease on postgres: a live turn renews its lease past SMOOTH_AGENT_TURN_LEASE_SECS",
          "[server][postgres][lease]") {
  SO_PG_URL_OR_SKIP(server_url);
  fresh_database db(server_url);
  fake_gateway fake({text("slow reply"), text("next reply")}, held_streams());
  auto o = on_postgres(gateway_options(fake), db.url());
  o.config.turn_lease = 2s;  // renewed every ~667 ms: slack for a loaded machine
  net::server a(o);
  net::server b(o);
  auto on_a = connect(a);
  auto on_b = connect(b);
  const auto sid = create_session_id(*on_a);

  start_turn(*on_a, sid, "r-a", "hold on");
  adapters::pg::connection probe(db.url());
  const auto first = lease_of(probe, sid);
  REQUIRE(first.owner.has_value());
  REQUIRE(first.until_us.has_value());
  // Renewed until the turn has outlived its first lease by half a second.
  REQUIRE(eventually(
      [&] {
        const auto now = lease_of(probe, sid);
        return now.owner == first.owner && now.until_us &&
               *now.until_us >= *first.until_us + 2'500'000;
      },
      10s));
  // Still A's: B is refused, and so is any other owner.
  send_message(*on_b, sid, "r-b", "me too");
  require_error(expect(*on_b, "error"), "TURN_IN_PROGRESS", kTurnInProgress, "r-b");
  adapters::postgres_storage direct(db.url(), {});
  CHECK_FALSE(direct.claim_turn(sid, "intruder", 60s));

  fake.release();
  require_reply(read_turn(*on_a, "r-a").back(), "r-a", "slow reply");
  fake.release();
  start_turn(*on_b, sid, "r-b2", "now me");
  require_reply(read_turn(*on_b, "r-b2").back(), "r-b2", "next reply");
}

TEST_CASE("lease on postgres: a lease left by a dead process expires and the next turn proceeds",
          "[server][postgres][lease]") {
  SO_PG_URL_OR_SKIP(server_url);
  fresh_database db(server_url);
  auto o = on_postgres(base_options(), db.url());
  o.config.turn_lease = 1s;
  o.llm_override = std::make_shared<llm::scripted_provider>(
      std::vector<llm::script_entry>{text("after expiry")});
  net::server server(o);
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);

  // A process that claimed the session and died: its lease (3 s, by the database clock)
  // is still in the row, and nobody will ever release it.
  const auto claimed_at = std::chrono::steady_clock::now();
  adapters::postgres_storage dead(db.url(), {});
  REQUIRE(dead.claim_turn(sid, "dead-process", 3000ms));

  send_message(*ws, sid, "r-early", "anyone there?");
  require_error(expect(*ws, "error"), "TURN_IN_PROGRESS", kTurnInProgress, "r-early");

  const int refusals = send_until_accepted(*ws, sid, "r-poll", "now?", 15s);
  const auto waited = std::chrono::steady_clock::now() - claimed_at;
  CHECK(waited >= 2900ms);  // not before the dead lease ran out
  auto frames = read_turn(*ws, "r-poll-" + std::to_string(refusals));
  require_reply(frames.back(), "r-poll-" + std::to_string(refusals), "after expiry");
  // Only the accepted message was stored; every refusal stored nothing.
  CHECK(stored_messages(*ws, sid) == stored{{"inbound", "now?"}, {"outbound", "after expiry"}});
  adapters::pg::connection probe(db.url());
  CHECK_FALSE(lease_of(probe, sid).owner.has_value());
  CHECK_FALSE(dead.renew_turn(sid, "dead-process", 60s));  // it lost the lease
}

TEST_CASE("lease on postgres: a claim that fails in storage is the turn's storage error, no ack",
          "[server][postgres][lease]") {
  SO_PG_URL_OR_SKIP(server_url);
  fresh_database db(server_url);
  auto o = on_postgres(base_options(), db.url());
  o.llm_override =
      std::make_shared<llm::scripted_provider>(std::vector<llm::script_entry>{text("never used")});
  net::server server(o);
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);
  ws->send_text(R"({"action":"get_session","requestId":"r-warm","sessionId":)" + quote(sid) + "}");
  expect(*ws, "immediate_response");  // the session actor is live in this process now
  // The row goes away under the live session: the claim's UPDATE finds no session.
  adapters::pg::connection admin(db.url());
  admin.exec("drop_session", "DELETE FROM conversation_sessions WHERE session_id = $1", {sid},
             "drop session");

  send_message(*ws, sid, "r-turn", "hello");
  auto f = expect(*ws, "error");  // the first answer: no 202 before it
  INFO("frame: " << f.text());
  CHECK(f.rid() == "r-turn");
  CHECK(f.str("/error/code") == "AGENT_ERROR");  // send_message's adapter-error code
  CHECK_THAT(f.str("/error/message"), Catch::Matchers::Contains("not found"));
  require_pong_next(*ws);  // nothing else of that turn follows
  auto r = admin.exec("count_messages", "SELECT count(*) FROM conversation_messages", {}, "count");
  CHECK(r.int64(0, 0) == 0);  // nothing stored
  require_quiescent(server);
}

TEST_CASE(
    "lease in memory: a second turn on a session is refused locally as before, and the "
    "adapter's lease is held for exactly the turn",
    "[server][lease]") {
  fake_gateway fake({text("first reply"), text("third reply")}, held_streams());
  auto storage = std::make_shared<adapters::memory_storage>();
  auto o = gateway_options(fake);
  o.storage = storage;
  net::server server(o);
  auto ws = connect(server);
  auto other = connect(server);
  const auto sid = create_session_id(*ws);

  start_turn(*ws, sid, "r-a", "one");
  REQUIRE(fake.wait_events_sent(1, 5s));
  send_message(*other, sid, "r-b", "two");
  require_error(expect(*other, "error"), "TURN_IN_PROGRESS", kTurnInProgress, "r-b");
  CHECK_FALSE(storage->claim_turn(sid, "another-process", 60s));  // the turn holds the lease

  fake.release();
  require_reply(read_turn(*ws, "r-a").back(), "r-a", "first reply");
  // Released before eventual_response. Now another owner holds it: the server refuses.
  REQUIRE(storage->claim_turn(sid, "another-process", 60s));
  send_message(*ws, sid, "r-c", "three");
  require_error(expect(*ws, "error"), "TURN_IN_PROGRESS", kTurnInProgress, "r-c");
  CHECK(stored_messages(*ws, sid) == stored{{"inbound", "one"}, {"outbound", "first reply"}});
  REQUIRE(storage->release_turn(sid, "another-process"));
  fake.release();
  start_turn(*ws, sid, "r-d", "four");
  require_reply(read_turn(*ws, "r-d").back(), "r-d", "third reply");
  require_quiescent(server);
}

TEST_CASE("lease: a cancel sent while the claim is in storage never acknowledges a refused turn",
          "[server][lease]") {
  auto g = std::make_shared<gate>();
  auto storage = std::make_shared<gated_storage>(g);
  auto o = base_options();
  o.storage = storage;
  o.llm_override =
      std::make_shared<llm::scripted_provider>(std::vector<llm::script_entry>{text("never used")});
  net::server server(std::move(o));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);
  ws->send_text(R"({"action":"get_session","requestId":"r-warm","sessionId":)" + quote(sid) + "}");
  expect(*ws, "immediate_response");  // the session is live: the held job below is the turn's

  SECTION("refused: the error alone, no ack, no cancelled") {
    REQUIRE(storage->claim_turn(sid, "another-process", 60s));
    g->close();
    const auto before = g->entered();
    send_message(*ws, sid, "r-turn", "hello");
    REQUIRE(g->wait_entered(before + 1));  // the claim is inside storage, held
    cancel(*ws, "r-cancel");
    // The pong proves the connection handled the cancel: it is in the turn's mailbox,
    // ahead of the storage answer that the gate still holds back.
    require_pong_next(*ws, "r-ping-1");
    g->open();
    require_error(expect(*ws, "error"), "TURN_IN_PROGRESS", kTurnInProgress, "r-turn");
    require_pong_next(*ws, "r-ping-2");  // nothing else came: no ack, no cancelled
  }
  SECTION("granted: the ack, then cancelled") {
    g->close();
    const auto before = g->entered();
    send_message(*ws, sid, "r-turn", "hello");
    REQUIRE(g->wait_entered(before + 1));
    cancel(*ws, "r-cancel");
    require_pong_next(*ws, "r-ping-1");  // the cancel reached the turn first (see above)
    g->open();
    auto ack = expect(*ws, "immediate_response");
    CHECK(ack.rid() == "r-turn");
    CHECK(ack.integer("/status") == 202);
    require_cancelled(expect(*ws, "cancelled"), "r-turn");
    // The lease went back before `cancelled`: another owner can take it at once.
    CHECK(storage->claim_turn(sid, "another-process", 60s));
  }
  require_quiescent(server);
}
