#include "actors/interaction_actor.hpp"

#include "actors/messages.hpp"
#include "actors/unexpected_messages.hpp"

#include <optional>

namespace so::actors {

struct interaction_state {
  interaction_spec spec;
  std::optional<interaction_outcome> decided;  ///< accepted, awaiting `begin`
  caf::actor_addr submitter;                   ///< who recorded `decided` (monitored)
  bool begin_overdue = false;  ///< a timeout passed while `decided` waited for `begin`
  static inline const char* name = "interaction";
};

/// How long a submitter that recorded an outcome may take to send `begin`.
inline constexpr std::chrono::seconds begin_grace{10};

static caf::behavior interaction_actor_behavior(caf::stateful_actor<interaction_state>* self,
                                                interaction_spec spec) {
  self->state.spec = std::move(spec);
  self->set_default_handler(log_unexpected("interaction"));
  self->delayed_send(self, self->state.spec.timeout, timeout_atom::value);

  auto release = [self](interaction_outcome o) {
    self->send(self->state.spec.turn, interact_atom::value, std::move(o));
    self->quit();
  };

  // The submitter died between recording and `begin` (its ack is lost with it): the
  // outcome still goes to the turn, which must not park forever.
  self->set_down_handler([self, release](caf::down_msg& dm) {
    auto& st = self->state;
    if (st.decided && dm.source == st.submitter) release(std::move(*st.decided));
  });

  return {
      [self](interact_atom, interaction_outcome& o) -> bool {
        auto& st = self->state;
        // Decided already (a duplicate or racing submit), or a foreign id: refused.
        if (st.decided || o.interaction_id != st.spec.interaction_id) return false;
        if (o.resolution == interaction_resolution::submitted && st.spec.kind == "identity_intake")
          self->send(st.spec.session, stamp_atom::value, o.values_json);
        // The registration goes now: the next submit finds nothing pending.
        self->send(st.spec.session, retire_atom::value, interact_atom::value,
                   caf::actor_cast<caf::actor>(self));
        st.decided = std::move(o);
        if (auto sender = self->current_sender()) {
          st.submitter = caf::actor_cast<caf::actor_addr>(sender);
          self->monitor(sender);  // already dead: the down_msg comes at once
        }
        return true;
      },
      [self, release](begin_atom) {
        if (self->state.decided) release(std::move(*self->state.decided));
      },
      [self, release](timeout_atom) {
        auto& st = self->state;
        if (st.decided) {
          // A live submitter that never sends `begin`: one grace period, then release.
          if (st.begin_overdue) return release(std::move(*st.decided));
          st.begin_overdue = true;
          self->delayed_send(self, begin_grace, timeout_atom::value);
          return;
        }
        // Retire first (a submit arriving later finds nothing), then tell the turn.
        // Both go out now; this actor quits, so a submit already on its way to us
        // fails as "no longer active".
        self->send(st.spec.session, retire_atom::value, interact_atom::value,
                   caf::actor_cast<caf::actor>(self));
        interaction_outcome none;
        none.interaction_id = st.spec.interaction_id;
        none.resolution = interaction_resolution::no_response;
        release(std::move(none));
      },
  };
}

caf::actor spawn_interaction(caf::actor_system& sys, interaction_spec spec) {
  return sys.spawn(interaction_actor_behavior, std::move(spec));
}

}  // namespace so::actors
