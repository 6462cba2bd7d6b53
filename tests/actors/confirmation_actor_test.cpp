// Confirmation actor (issue 7, defect 6d): a verdict that was recorded must reach
// the turn even when its confirmer disappears before sending `begin`.
#include "actors/confirmation_actor.hpp"
#include "actors/messages.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include <optional>

using namespace so::actors;
using namespace std::chrono_literals;

namespace {

// The unused argument keeps CAF 0.17.6 from binding a null std::tuple<> (UBSan, stack.md §12).
caf::behavior quiet_session(caf::event_based_actor*, int /*unused*/) {
  return {[](retire_atom, const caf::actor&) { return true; }};
}

/// The verdict the (scoped-actor) turn receives within `timeout`, if any.
std::optional<verdict_kind> verdict_within(caf::scoped_actor& turn, std::chrono::seconds timeout) {
  std::optional<verdict_kind> out;
  turn->receive([&](verdict_atom, confirmation_verdict& v) { out = v.kind; },
                caf::after(timeout) >> [] {});
  return out;
}

/// Ends an actor when a test leaves (a failed test must not leave
/// it parked for its whole timeout, holding the actor system's destructor).
struct exit_on_scope_end {
  caf::actor actor;
  ~exit_on_scope_end() { caf::anon_send_exit(actor, caf::exit_reason::user_shutdown); }
};

/// A (scoped-actor) turn awaiting the verdict of its delete_record confirmation actor
/// (timeout 1 h); both actors end with the test.
struct pending_confirmation {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor turn{sys};
  caf::actor session = sys.spawn(quiet_session, 0);
  caf::actor conf = spawn_confirmation(
      sys, confirmation_spec{caf::actor_cast<caf::actor>(turn), session, "delete_record", 1h});
  exit_on_scope_end conf_guard{conf};
  exit_on_scope_end session_guard{session};
};

}  // namespace

TEST_CASE_METHOD(pending_confirmation,
                 "confirmation: a confirmer that dies after its verdict does not strand the turn",
                 "[actors][hitl]") {
  {
    caf::scoped_actor confirmer{sys};
    bool accepted = false;
    confirmer
        ->request(conf, 5s, verdict_atom::value,
                  confirmation_verdict{verdict_kind::approved, nullptr, {}})
        .receive([&](caf::ok_atom) { accepted = true; },
                 [](caf::error& e) { FAIL(caf::to_string(e)); });
    REQUIRE(accepted);
  }  // the confirmer is gone without sending `begin`
  auto v = verdict_within(turn, 10s);
  REQUIRE(v.has_value());
  CHECK(*v == verdict_kind::approved);
}

TEST_CASE_METHOD(pending_confirmation,
                 "confirmation: a live confirmer's verdict waits for its begin", "[actors][hitl]") {
  caf::scoped_actor confirmer{sys};
  confirmer
      ->request(conf, 5s, verdict_atom::value,
                confirmation_verdict{verdict_kind::denied, nullptr, {}})
      .receive([](caf::ok_atom) {}, [](caf::error& e) { FAIL(caf::to_string(e)); });
  // A second verdict is refused: it was decided.
  bool refused = false;
  confirmer
      ->request(conf, 5s, verdict_atom::value,
                confirmation_verdict{verdict_kind::approved, nullptr, {}})
      .receive([](caf::ok_atom) {}, [&](caf::error&) { refused = true; });
  CHECK(refused);
  CHECK_FALSE(verdict_within(turn, 1s).has_value());  // nothing before `begin`
  confirmer->send(conf, begin_atom::value);
  auto v = verdict_within(turn, 10s);
  REQUIRE(v.has_value());
  CHECK(*v == verdict_kind::denied);
}
