// A lookup racing a session that quits idle (issue 7, defect 6b): the connection
// is handed a session actor that is already dead (it quit after
// SMOOTH_AGENT_SESSION_IDLE_SECS, and the directory had not yet seen its
// down_msg). The turn request bounces with `request_receiver_down`; the
// connection must look the session up again (re-hydrating it from storage)
// instead of answering AGENT_ERROR.
#include "tests/actors/actor_world.hpp"
#include "tests/actors/actor_world_support.hpp"

#include <atomic>

using namespace so;
using namespace so::test;
using namespace so::actors;
using namespace std::chrono_literals;

namespace {

/// Ends `a` and returns once it is gone for sure.
void kill_and_wait(actor_world& w, const caf::actor& a) {
  w.self->monitor(a);
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  bool down = false;
  w.self->receive([&](caf::down_msg& dm) { down = dm.source == a.address(); },
                  caf::after(5s) >> [] {});
  REQUIRE(down);
}

struct race_counts {
  std::atomic<int> plain{0};  ///< lookups without a dead-actor hint
  std::atomic<int> retry{0};  ///< lookups naming the dead actor
};

/// Forwards one lookup to the real directory and relays its answer.
template <class... Ts>
caf::result<session_ref> forward(caf::event_based_actor* self, const caf::actor& real, Ts... args) {
  auto rp = self->make_response_promise<session_ref>();
  self->request(real, 5s, lookup_atom::value, std::move(args)...)
      .then([rp](session_ref& r) mutable { rp.deliver(std::move(r)); },
            [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
  return rp;
}

/// A directory double: the first plain lookup answers `stale` (the deterministic
/// race); everything else goes to the real directory.
caf::behavior stale_directory(caf::event_based_actor* self, caf::actor real, session_ref stale,
                              std::shared_ptr<race_counts> counts) {
  return {
      [self, real, stale, counts](lookup_atom, const std::string& id) -> caf::result<session_ref> {
        if (counts->plain++ == 0) return stale;
        return forward(self, real, id);
      },
      [self, real, counts](lookup_atom, const std::string& id,
                           const caf::actor_addr& dead) -> caf::result<session_ref> {
        ++counts->retry;
        return forward(self, real, id, dead);
      },
  };
}

}  // namespace

TEST_CASE("idle race: a session found dead after its lookup is looked up again",
          "[actors][session]") {
  auto llm = scripted_texts({"rehydrated reply"});
  actor_world w(llm);
  const auto id = w.store_session().session_id;
  auto stale = w.lookup(id);
  REQUIRE(stale.actor);
  kill_and_wait(w, stale.actor);  // as if it had just quit idle

  auto counts = std::make_shared<race_counts>();
  auto dir = w.sys.spawn(stale_directory, w.svc->directory, stale, counts);
  w.extra.push_back(dir);
  auto sink = std::make_shared<recording_sink>();
  auto conn = w.connection(sink, w.connection_services(dir));

  send_frame(conn, send_message_frame("r-race", id, "hello"));
  auto frames = wait_terminal(*sink);
  std::string all;
  for (const auto& f : frames) all += f + "\n";
  INFO(all);
  REQUIRE(frames.size() >= 2);
  CHECK(event_type(frames.front()) == "immediate_response");
  CHECK(json_str(frames.front(), "/requestId") == "r-race");
  CHECK(event_type(frames.back()) == "eventual_response");
  CHECK(counts->plain == 1);
  CHECK(counts->retry == 1);
  // The directory replaced the dead actor with a live one.
  auto fresh = w.lookup(id);
  REQUIRE(fresh.actor);
  CHECK(fresh.actor != stale.actor);
}

TEST_CASE("idle race: retries are bounded when the session keeps dying", "[actors][session]") {
  auto llm = scripted_texts({"never"});
  actor_world w(llm);
  const auto id = w.store_session().session_id;
  auto stale = w.lookup(id);
  kill_and_wait(w, stale.actor);

  // A directory that only ever hands out the dead actor.
  auto lookups = std::make_shared<std::atomic<int>>(0);
  // The unused argument keeps CAF from binding a null std::tuple<> (UBSan, stack.md §12).
  auto dir = w.sys.spawn(
      [stale, lookups](int /*unused*/) -> caf::behavior {
        return {
            [stale, lookups](lookup_atom, const std::string&) {
              ++*lookups;
              return stale;
            },
            [stale, lookups](lookup_atom, const std::string&, const caf::actor_addr&) {
              ++*lookups;
              return stale;
            },
        };
      },
      0);
  w.extra.push_back(dir);
  auto sink = std::make_shared<recording_sink>();
  auto conn = w.connection(sink, w.connection_services(dir));

  send_frame(conn, send_message_frame("r-dead", id, "hello"));
  auto frames = wait_terminal(*sink);
  REQUIRE(frames.size() == 1);
  CHECK(json_str(frames[0], "/error/code") == "AGENT_ERROR");
  CHECK(*lookups == 3);  // the first lookup and two retries
  CHECK(llm->remaining() == 1);
}

TEST_CASE("idle race: the directory forgets a dead session named by a lookup at once",
          "[actors][session]") {
  actor_world w;
  const auto id = w.store_session().session_id;
  auto first = w.lookup(id);
  kill_and_wait(w, first.actor);
  session_ref fresh;
  w.self->request(w.svc->directory, 5s, lookup_atom::value, id, first.actor.address())
      .receive([&](session_ref& r) { fresh = r; },
               [](caf::error& e) { FAIL("lookup failed: " << caf::to_string(e)); });
  REQUIRE(fresh.actor);
  CHECK(fresh.actor != first.actor);
  CHECK(fresh.snapshot.session_id == id);
  // The late down_msg of the first actor does not evict its replacement.
  CHECK(w.lookup(id).actor == fresh.actor);
}

TEST_CASE(
    "turn session: the next turn of a connection skips the directory, a dead one is "
    "looked up again",
    "[actors][session]") {
  auto llm = scripted_texts({"one", "two", "three"});
  actor_world w(llm);
  const auto id = w.store_session().session_id;
  auto counts = std::make_shared<race_counts>();
  // The double answers the real directory's answers (its first plain lookup is the
  // only one that would be `stale`: hand it the live actor).
  auto live = w.lookup(id);
  REQUIRE(live.actor);
  auto dir = w.sys.spawn(stale_directory, w.svc->directory, live, counts);
  w.extra.push_back(dir);
  auto sink = std::make_shared<recording_sink>();
  auto conn = w.connection(sink, w.connection_services(dir));

  send_frame(conn, send_message_frame("r-1", id, "first"));
  wait_terminals(*sink, 1);
  send_frame(conn, send_message_frame("r-2", id, "second"));
  wait_terminals(*sink, 2);
  CHECK(counts->plain == 1);  // the second turn used the connection's turn session
  CHECK(counts->retry == 0);

  kill_and_wait(w, live.actor);  // as if it had quit idle between two turns
  send_frame(conn, send_message_frame("r-3", id, "third"));
  auto frames = wait_terminals(*sink, 3);
  CHECK(event_type(frames.back()) == "eventual_response");
  CHECK(json_str(frames.back(), "/requestId") == "r-3");
  CHECK(counts->plain == 1);
  CHECK(counts->retry == 1);  // the cached actor was named dead; the directory re-hydrated
  CHECK(llm->remaining() == 0);
}
