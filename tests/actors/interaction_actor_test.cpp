// Interaction actor (issue 12 item 1): one parked Rich Interaction. Its outcome reaches
// the turn exactly once — after the submitter's `begin`, when the submitter dies, or at
// the timeout (no_response) — a foreign interaction id never resolves it, and the
// session's registration is retired when it resolves.
#include "actors/interaction_actor.hpp"
#include "actors/messages.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include <optional>

using namespace so::actors;
using namespace std::chrono_literals;

namespace {

struct exit_on_scope_end {
  caf::actor actor;
  ~exit_on_scope_end() { caf::anon_send_exit(actor, caf::exit_reason::user_shutdown); }
};

std::optional<interaction_outcome> outcome_within(caf::scoped_actor& turn,
                                                  std::chrono::milliseconds timeout) {
  std::optional<interaction_outcome> out;
  turn->receive([&](interact_atom, interaction_outcome& o) { out = std::move(o); },
                caf::after(timeout) >> [] {});
  return out;
}

/// What the (scoped-actor) session received next: "stamp:<json>" or "retire".
std::string session_message(caf::scoped_actor& session, std::chrono::milliseconds timeout = 5s) {
  std::string out = "<nothing>";
  session->receive([&](stamp_atom, const std::string& json) { out = "stamp:" + json; },
                   [&](retire_atom, interact_atom, const caf::actor&) { out = "retire"; },
                   caf::after(timeout) >> [] {});
  return out;
}

interaction_outcome submitted(const std::string& id, const std::string& values) {
  return interaction_outcome{id, interaction_resolution::submitted, values, nullptr, "conn-1"};
}

struct parked_interaction {
  explicit parked_interaction(std::chrono::milliseconds timeout = 1h,
                              std::string kind = "identity_intake")
      : actor(spawn_interaction(sys, interaction_spec{caf::actor_cast<caf::actor>(turn),
                                                      caf::actor_cast<caf::actor>(session), "id-1",
                                                      std::move(kind), timeout})),
        guard{actor} {}
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor turn{sys};
  caf::scoped_actor session{sys};
  caf::actor actor;
  exit_on_scope_end guard;

  bool submit(caf::scoped_actor& submitter, interaction_outcome o) {
    bool out = false;
    submitter->request(actor, 5s, interact_atom::value, std::move(o))
        .receive([&](bool recorded) { out = recorded; },
                 [](caf::error& e) { FAIL(caf::to_string(e)); });
    return out;
  }
};

}  // namespace

TEST_CASE("interaction actor: a foreign id is refused, the right one waits for begin",
          "[actors][interactions]") {
  parked_interaction p;
  caf::scoped_actor submitter{p.sys};
  CHECK_FALSE(p.submit(submitter, submitted("stale-id", R"({"email":"a@b.co"})")));
  CHECK_FALSE(outcome_within(p.turn, 100ms).has_value());
  CHECK(p.submit(submitter, submitted("id-1", R"({"email":"a@b.co"})")));
  // The identity side effect, then the registration's retirement, before the answer.
  CHECK(session_message(p.session) == R"(stamp:{"email":"a@b.co"})");
  CHECK(session_message(p.session) == "retire");
  // A duplicate is refused; nothing reaches the turn before `begin`.
  CHECK_FALSE(p.submit(submitter, submitted("id-1", R"({"email":"x@y.co"})")));
  CHECK_FALSE(outcome_within(p.turn, 100ms).has_value());
  submitter->send(p.actor, begin_atom::value);
  auto o = outcome_within(p.turn, 5s);
  REQUIRE(o.has_value());
  CHECK(o->interaction_id == "id-1");
  CHECK(o->resolution == interaction_resolution::submitted);
  CHECK(o->values_json == R"({"email":"a@b.co"})");
}

TEST_CASE("interaction actor: declined and choices submissions stamp nothing",
          "[actors][interactions]") {
  parked_interaction p(1h, "choices");
  caf::scoped_actor submitter{p.sys};
  CHECK(p.submit(submitter, submitted("id-1", R"({"answers":[]})")));
  CHECK(session_message(p.session) == "retire");
  submitter->send(p.actor, begin_atom::value);
  REQUIRE(outcome_within(p.turn, 5s).has_value());

  parked_interaction q;
  caf::scoped_actor other{q.sys};
  CHECK(q.submit(other,
                 interaction_outcome{"id-1", interaction_resolution::declined, "", nullptr, ""}));
  CHECK(session_message(q.session) == "retire");
  other->send(q.actor, begin_atom::value);
  auto o = outcome_within(q.turn, 5s);
  REQUIRE(o.has_value());
  CHECK(o->resolution == interaction_resolution::declined);
}

TEST_CASE("interaction actor: the timeout retires the park and answers no_response",
          "[actors][interactions]") {
  parked_interaction p(200ms);
  auto o = outcome_within(p.turn, 10s);
  REQUIRE(o.has_value());
  CHECK(o->interaction_id == "id-1");
  CHECK(o->resolution == interaction_resolution::no_response);
  CHECK(session_message(p.session) == "retire");
  // It quit: a late submit fails as "no longer active".
  caf::scoped_actor late{p.sys};
  bool failed = false;
  late->request(p.actor, 5s, interact_atom::value, submitted("id-1", "{}"))
      .receive([](bool) {}, [&](caf::error&) { failed = true; });
  CHECK(failed);
}

TEST_CASE("interaction actor: a submitter that dies before begin does not strand the turn",
          "[actors][interactions]") {
  parked_interaction p;
  {
    caf::scoped_actor submitter{p.sys};
    CHECK(p.submit(submitter, submitted("id-1", R"({"name":"A"})")));
  }  // gone without `begin`
  auto o = outcome_within(p.turn, 10s);
  REQUIRE(o.has_value());
  CHECK(o->resolution == interaction_resolution::submitted);
}
