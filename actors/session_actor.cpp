#include "actors/session_actor.hpp"

#include "actors/messages.hpp"
#include "actors/turn_actor.hpp"
#include "actors/unexpected_messages.hpp"
#include "protocol/events.hpp"

#include <chrono>

namespace so::actors {

struct session_state {
  services_ptr svc;
  protocol::session record;
  caf::actor turn;        ///< the active turn, if any
  caf::actor pending;     ///< the pending confirmation, if any
  bool draining = false;  ///< shutdown began: no new turn starts (SERVER_DRAINING)
  std::chrono::steady_clock::time_point last_activity = std::chrono::steady_clock::now();
  static inline const char* name = "session";

  // A dying session takes its turn (and, through the turn, its confirmation) along.
  ~session_state() {
    if (turn) caf::anon_send_exit(turn, caf::exit_reason::user_shutdown);
    if (pending) caf::anon_send_exit(pending, caf::exit_reason::user_shutdown);
  }

  void touch() { last_activity = std::chrono::steady_clock::now(); }
  bool idle(std::chrono::steady_clock::duration limit) const {
    return !turn && !pending && std::chrono::steady_clock::now() - last_activity >= limit;
  }
};

static caf::behavior session_actor_behavior(caf::stateful_actor<session_state>* self,
                                            services_ptr svc, protocol::session record,
                                            bool draining) {
  auto& st = self->state;
  st.svc = std::move(svc);
  st.record = std::move(record);
  st.draining = draining;
  self->set_default_handler(log_unexpected("session"));

  self->set_down_handler([self](caf::down_msg& dm) {
    auto& s = self->state;
    if (s.turn && s.turn.address() == dm.source) s.turn = nullptr;
    if (s.pending && s.pending.address() == dm.source) s.pending = nullptr;
  });

  const auto idle_limit = st.svc->config.session_idle_timeout;
  self->delayed_send(self, idle_limit, idle_atom::value);

  return {
      [self](start_atom, turn_request& req) -> turn_admission {
        auto& s = self->state;
        s.touch();
        // Draining wins over everything: the shutdown's "no live turn" check must stay true.
        if (s.draining) return turn_admission{admission::draining, nullptr};
        if (s.turn) return turn_admission{admission::busy, nullptr};
        // The 202 ack is the turn's first event, pushed once its user message is
        // committed (README "Durability"): an acknowledged message survives a crash.
        s.turn = spawn_turn(self->system(), turn_spec{s.svc, caf::actor_cast<caf::actor>(self),
                                                      s.record, std::move(req)});
        self->monitor(s.turn);
        // Tracked before the reply: whoever learns of this turn through us also
        // finds it in the registry (send enqueues at once between local actors).
        self->send(s.svc->registry, track_atom::value, activity_kind::turn, s.turn);
        return turn_admission{admission::started, s.turn};
      },
      [self](turn_end_atom) -> caf::ok_atom {
        auto& s = self->state;
        s.touch();
        if (s.turn && self->current_sender() == s.turn.address()) {
          s.turn = nullptr;
          // Turn end retires any registration (engine.md §5.8).
          if (s.pending) caf::anon_send_exit(s.pending, caf::exit_reason::user_shutdown);
          s.pending = nullptr;
        }
        return caf::ok_atom::value;
      },
      [self](drain_atom) -> caf::ok_atom {
        self->state.draining = true;
        return caf::ok_atom::value;
      },
      [self](park_atom, const caf::actor& confirmation) -> caf::ok_atom {
        auto& s = self->state;
        s.touch();
        s.pending = confirmation;  // one slot per session: a newer park replaces
        self->monitor(confirmation);
        return caf::ok_atom::value;
      },
      [self](take_atom) -> pending_confirmation {
        auto& s = self->state;
        s.touch();
        pending_confirmation out{s.pending};
        s.pending = nullptr;  // taken: a duplicate confirm finds nothing
        return out;
      },
      [self](retire_atom, const caf::actor& confirmation) -> bool {
        auto& s = self->state;
        if (s.pending != confirmation) return false;  // already taken by a confirmer
        s.pending = nullptr;
        return true;
      },
      [self](caf::get_atom) {
        auto& s = self->state;
        return live_counts{s.turn ? 1u : 0u, s.pending ? 1u : 0u};
      },
      [self, idle_limit](idle_atom) {
        if (self->state.idle(idle_limit)) {
          self->quit();
          return;
        }
        self->delayed_send(self, idle_limit, idle_atom::value);
      },
  };
}

caf::actor spawn_session(caf::actor_system& sys, services_ptr svc, protocol::session record,
                         bool draining) {
  return sys.spawn(session_actor_behavior, std::move(svc), std::move(record), draining);
}

}  // namespace so::actors
