// Drain (issue 7, defect 6a): once shutdown drained the directory, no session
// starts a turn — not one already live, not one hydrated later, and not for a
// send_message that a connection processes after the drain's "no live turn"
// check (a frame that was queued when SIGTERM arrived). The client gets
// SERVER_DRAINING instead.
#include "protocol/error_codes.hpp"
#include "tests/actors/actor_world.hpp"
#include "tests/actors/actor_world_support.hpp"

using namespace so;
using namespace so::test;
using namespace so::actors;
using namespace std::chrono_literals;

namespace {

void drain_directory(actor_world& w) {
  bool drained = false;
  w.self->request(w.svc->directory, 5s, drain_atom::value)
      .receive([&](caf::ok_atom) { drained = true; },
               [](caf::error& e) { FAIL("drain failed: " << caf::to_string(e)); });
  REQUIRE(drained);
}

admission start(actor_world& w, const caf::actor& session,
                const std::shared_ptr<recording_sink>& sink) {
  turn_request req{"r-turn", "hello", sink, {}, "conn-test", std::nullopt};
  admission out = admission::started;
  w.self->request(session, 5s, start_atom::value, std::move(req))
      .receive([&](turn_admission& a) { out = a.outcome; },
               [](caf::error& e) { FAIL("startturn failed: " << caf::to_string(e)); });
  return out;
}

}  // namespace

TEST_CASE("drain: live and later-hydrated sessions refuse new turns", "[actors][drain]") {
  auto llm = scripted_texts({"never streamed"});
  actor_world w(llm);
  const auto live_id = w.store_session().session_id;
  const auto later_id = w.store_session().session_id;
  auto live = w.lookup(live_id);
  REQUIRE(live.actor);

  drain_directory(w);

  auto sink = std::make_shared<recording_sink>();
  CHECK(start(w, live.actor, sink) == admission::draining);
  // A session the directory hydrates only now is born draining.
  auto later = w.lookup(later_id);
  REQUIRE(later.actor);
  CHECK(start(w, later.actor, sink) == admission::draining);

  CHECK(sink->frames().empty());  // not even the 202 ack
  CHECK(w.counts().turns == 0);
  CHECK(llm->remaining() == 1);
}

TEST_CASE("drain: a send_message handled after the drain check answers SERVER_DRAINING",
          "[actors][drain]") {
  auto llm = scripted_texts({"never streamed"});
  actor_world w(llm);
  const auto id = w.store_session().session_id;
  REQUIRE(w.lookup(id).actor);
  auto sink = std::make_shared<recording_sink>();
  auto conn = w.connection(sink);

  // The server's shutdown order: drain the sessions, then wait for no live turn.
  drain_directory(w);
  bool idle = false;
  w.self->request(w.svc->registry, 5s, await_atom::value)
      .receive([&](caf::ok_atom) { idle = true; }, [](caf::error&) {});
  REQUIRE(idle);

  // The frame that was still queued in the connection's mailbox.
  send_frame(conn, send_message_frame("r-late", id, "too late"));
  auto frames = wait_terminal(*sink);
  REQUIRE(frames.size() == 1);
  INFO(frames[0]);
  CHECK(event_type(frames[0]) == "error");
  CHECK(json_str(frames[0], "/requestId") == "r-late");
  CHECK(json_str(frames[0], "/error/code") == std::string(protocol::codes::server_draining));
  CHECK(json_str(frames[0], "/error/message") == std::string(protocol::texts::server_draining));
  CHECK(w.counts().turns == 0);
  CHECK(llm->remaining() == 1);
}

TEST_CASE("drain: a turn started before the drain is tracked before the drain answers",
          "[actors][drain]") {
  // The drain's answer means every turn a session admitted is visible to the registry,
  // so the drain wait that follows cannot miss it.
  auto llm = scripted_texts({});
  actor_world w(llm);
  const auto id = w.store_session().session_id;
  auto ref = w.lookup(id);
  auto sink = std::make_shared<recording_sink>();
  // Queued at the session before the directory's drain reaches it.
  turn_request req{"r-early", "hello", sink, {}, "conn-test", std::nullopt};
  caf::anon_send(ref.actor, start_atom::value, std::move(req));
  drain_directory(w);
  // The turn may already have ended (empty script), but it was admitted and acked.
  REQUIRE(sink->wait_for(1));
  CHECK(json_str(sink->frames()[0], "/requestId") == "r-early");
  CHECK(event_type(sink->frames()[0]) == "immediate_response");
}
