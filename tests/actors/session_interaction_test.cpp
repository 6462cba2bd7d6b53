// The session's interaction slot (issue 12 item 1): one parked interaction per session,
// separate from the confirmation slot; retired by its own interaction only; the identity
// side effect stamps the session's metadata (later-protocol.md §1.14).
#include "tests/actors/actor_world.hpp"

using namespace so;
using namespace so::actors;
using namespace std::chrono_literals;

namespace {

// The unused argument keeps CAF 0.17.6 from binding a null std::tuple<> (stack.md §12).
caf::behavior idle_actor(caf::event_based_actor*, int /*unused*/) {
  return {[](int) {}};
}

pending_interaction parked_of(test::actor_world& w, const caf::actor& session) {
  pending_interaction out;
  w.self->request(session, 5s, interact_atom::value)
      .receive([&](pending_interaction& p) { out = p; },
               [](caf::error& e) { FAIL(caf::to_string(e)); });
  return out;
}

}  // namespace

TEST_CASE("session: the interaction slot registers, replaces, retires and stamps",
          "[actors][interactions]") {
  test::actor_world w;
  const auto stored = w.store_session();
  auto session = w.lookup(stored.session_id).actor;
  REQUIRE(session);
  CHECK_FALSE(parked_of(w, session).actor);

  auto first = w.sys.spawn(idle_actor, 0);
  auto second = w.sys.spawn(idle_actor, 0);
  w.extra.push_back(first);
  w.extra.push_back(second);
  w.self
      ->request(session, 5s, interact_atom::value,
                pending_interaction{first, "id-1", "identity_intake", "{}"})
      .receive([](caf::ok_atom) {}, [](caf::error& e) { FAIL(caf::to_string(e)); });
  CHECK(parked_of(w, session).interaction_id == "id-1");
  // The confirmation slot is separate: nothing is pending there.
  w.self->request(session, 5s, take_atom::value)
      .receive([](pending_confirmation& p) { CHECK_FALSE(p.confirmation); },
               [](caf::error& e) { FAIL(caf::to_string(e)); });
  // One slot: a newer park replaces the older one.
  w.self
      ->request(session, 5s, interact_atom::value,
                pending_interaction{second, "id-2", "choices", "{}"})
      .receive([](caf::ok_atom) {}, [](caf::error& e) { FAIL(caf::to_string(e)); });
  CHECK(parked_of(w, session).interaction_id == "id-2");
  // Only the registered interaction retires it.
  w.self->send(session, retire_atom::value, interact_atom::value, first);
  CHECK(parked_of(w, session).interaction_id == "id-2");
  w.self->send(session, retire_atom::value, interact_atom::value, second);
  CHECK_FALSE(parked_of(w, session).actor);

  w.self->send(
      session, stamp_atom::value,
      std::string(R"({"email":"alice@example.com","name":"Alice","phone":"+15551234567"})"));
  protocol::session record;
  w.self->request(session, 5s, record_atom::value)
      .receive([&](protocol::session& s) { record = s; },
               [](caf::error& e) { FAIL(caf::to_string(e)); });
  CHECK(record.metadata.at("userName") == "\"Alice\"");
  CHECK(record.metadata.at("contactEmail") == "\"alice@example.com\"");
  CHECK(record.metadata.at("contactPhone") == "\"+15551234567\"");
}

TEST_CASE("session: a parked interaction that dies frees the slot", "[actors][interactions]") {
  test::actor_world w;
  auto session = w.lookup(w.store_session().session_id).actor;
  auto parked = w.sys.spawn(idle_actor, 0);
  w.self
      ->request(session, 5s, interact_atom::value,
                pending_interaction{parked, "id-1", "identity_intake", "{}"})
      .receive([](caf::ok_atom) {}, [](caf::error& e) { FAIL(caf::to_string(e)); });
  caf::anon_send_exit(parked, caf::exit_reason::user_shutdown);
  // The down message reaches the session; poll its answer (bounded).
  bool freed = false;
  for (int i = 0; i < 250 && !freed; ++i) {
    freed = !parked_of(w, session).actor;
    if (!freed) std::this_thread::sleep_for(20ms);
  }
  CHECK(freed);
}
