#include "actors/confirmation_actor.hpp"

#include "actors/messages.hpp"

#include <optional>

namespace so::actors {

struct confirmation_state {
  confirmation_spec spec;
  std::optional<confirmation_verdict> decided;  ///< accepted, awaiting `begin`
  bool taken = false;  ///< the session handed us to a confirmer before our timeout
  static inline const char* name = "confirmation";
};

static caf::behavior confirmation_actor_behavior(caf::stateful_actor<confirmation_state>* self,
                                                 confirmation_spec spec) {
  self->state.spec = std::move(spec);
  self->set_default_handler(caf::drop);
  self->delayed_send(self, self->state.spec.timeout, timeout_atom::value);

  auto release = [self](confirmation_verdict v) {
    self->send(self->state.spec.turn, verdict_atom::value, std::move(v));
    self->quit();
  };

  return {
      [self](verdict_atom, confirmation_verdict& v) -> caf::result<caf::ok_atom> {
        if (self->state.decided)
          return caf::make_error(caf::sec::request_receiver_down, "already decided");
        self->state.decided = std::move(v);
        return caf::ok_atom::value;
      },
      [self, release](begin_atom) {
        if (self->state.decided) release(std::move(*self->state.decided));
      },
      [self, release](timeout_atom) {
        if (self->state.decided) return;  // a confirmer already holds the verdict
        self->request(self->state.spec.session, std::chrono::seconds(10), retire_atom::value,
                      caf::actor_cast<caf::actor>(self))
            .then(
                [self, release](bool retired) {
                  auto& st = self->state;
                  if (st.decided) return;
                  if (retired || st.taken) {
                    // Retired, or a confirmer took us but never delivered: time out.
                    release(confirmation_verdict{verdict_kind::timed_out, nullptr});
                    return;
                  }
                  st.taken = true;  // give the confirmer a grace period to deliver
                  self->delayed_send(self, std::chrono::seconds(10), timeout_atom::value);
                },
                [release](caf::error&) {
                  // The session is gone: nobody can confirm any more.
                  release(confirmation_verdict{verdict_kind::timed_out, nullptr});
                });
      },
  };
}

caf::actor spawn_confirmation(caf::actor_system& sys, confirmation_spec spec) {
  return sys.spawn(confirmation_actor_behavior, std::move(spec));
}

}  // namespace so::actors
