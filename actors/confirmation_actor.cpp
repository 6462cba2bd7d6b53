#include "actors/confirmation_actor.hpp"

#include "actors/messages.hpp"
#include "actors/unexpected_messages.hpp"

#include <optional>

namespace so::actors {

struct confirmation_state {
  confirmation_spec spec;
  std::optional<confirmation_verdict> decided;  ///< accepted, awaiting `begin`
  caf::actor_addr confirmer;                    ///< who recorded `decided` (monitored)
  bool taken = false;          ///< the session handed us to a confirmer before our timeout
  bool begin_overdue = false;  ///< a timeout passed while `decided` waited for `begin`
  static inline const char* name = "confirmation";
};

static caf::behavior confirmation_actor_behavior(caf::stateful_actor<confirmation_state>* self,
                                                 confirmation_spec spec) {
  self->state.spec = std::move(spec);
  self->set_default_handler(log_unexpected("confirmation"));
  self->delayed_send(self, self->state.spec.timeout, timeout_atom::value);

  auto release = [self](confirmation_verdict v) {
    self->send(self->state.spec.turn, verdict_atom::value, std::move(v));
    self->quit();
  };

  // The confirmer died between `verdict` and `begin` (its ack is lost with it):
  // the recorded verdict still goes to the turn, which must not park forever.
  self->set_down_handler([self, release](caf::down_msg& dm) {
    auto& st = self->state;
    if (st.decided && dm.source == st.confirmer) release(std::move(*st.decided));
  });

  return {
      [self](verdict_atom, confirmation_verdict& v) -> caf::result<caf::ok_atom> {
        auto& st = self->state;
        if (st.decided) return caf::make_error(caf::sec::request_receiver_down, "already decided");
        st.decided = std::move(v);
        if (auto sender = self->current_sender()) {
          st.confirmer = caf::actor_cast<caf::actor_addr>(sender);
          self->monitor(sender);  // already dead: the down_msg comes at once
        }
        return caf::ok_atom::value;
      },
      [self, release](begin_atom) {
        if (self->state.decided) release(std::move(*self->state.decided));
      },
      [self, release](timeout_atom) {
        auto& st = self->state;
        if (st.decided) {
          // A live confirmer that never sends `begin` (stuck, or its request timed out):
          // one grace period for it, then the recorded verdict goes to the turn anyway.
          if (st.begin_overdue) return release(std::move(*st.decided));
          st.begin_overdue = true;
          self->delayed_send(self, std::chrono::seconds(10), timeout_atom::value);
          return;
        }
        self->request(st.spec.session, std::chrono::seconds(10), retire_atom::value,
                      caf::actor_cast<caf::actor>(self))
            .then(
                [self, release](bool retired) {
                  auto& st = self->state;
                  if (st.decided) return;
                  if (retired || st.taken) {
                    // Retired, or a confirmer took us but never delivered: time out.
                    release(confirmation_verdict{verdict_kind::timed_out, nullptr, {}});
                    return;
                  }
                  st.taken = true;  // give the confirmer a grace period to deliver
                  self->delayed_send(self, std::chrono::seconds(10), timeout_atom::value);
                },
                [release](caf::error&) {
                  // The session is gone: nobody can confirm any more.
                  release(confirmation_verdict{verdict_kind::timed_out, nullptr, {}});
                });
      },
  };
}

caf::actor spawn_confirmation(caf::actor_system& sys, confirmation_spec spec) {
  return sys.spawn(confirmation_actor_behavior, std::move(spec));
}

}  // namespace so::actors
