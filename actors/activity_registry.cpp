#include "actors/activity_registry.hpp"

#include "actors/messages.hpp"

#include <map>
#include <vector>

namespace so::actors {

struct activity_state {
  std::map<caf::actor_addr, activity_kind> live;  // weak: never keeps an actor alive
  std::vector<caf::typed_response_promise<caf::ok_atom>> idle_waiters;
  static inline const char* name = "activity-registry";

  // State dies with the actor on every exit path: whatever is still live goes too (shutdown).
  ~activity_state() {
    for (const auto& [addr, kind] : live)
      if (auto a = caf::actor_cast<caf::actor>(addr))
        caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }

  live_counts counts() const {
    live_counts c;
    for (const auto& [addr, kind] : live) {
      switch (kind) {
        case activity_kind::turn:
          ++c.turns;
          break;
        case activity_kind::confirmation:
          ++c.confirmations;
          break;
        case activity_kind::connection:
          ++c.connections;
          break;
      }
    }
    return c;
  }
  void wake_if_idle() {
    if (counts().turns != 0) return;
    for (auto& rp : idle_waiters) rp.deliver(caf::ok_atom::value);
    idle_waiters.clear();
  }
};

static caf::behavior activity_registry_behavior(caf::stateful_actor<activity_state>* self) {
  self->set_default_handler(caf::drop);
  self->set_down_handler([self](caf::down_msg& dm) {
    self->state.live.erase(dm.source);
    self->state.wake_if_idle();
  });
  return {
      [self](track_atom, activity_kind kind, const caf::actor& a) {
        self->state.live.emplace(a.address(), kind);
        self->monitor(a);  // a dead actor yields a down_msg at once
      },
      [self](caf::get_atom) { return self->state.counts(); },
      [self](await_atom) -> caf::result<caf::ok_atom> {
        if (self->state.counts().turns == 0) return caf::ok_atom::value;
        auto rp = self->make_response_promise<caf::ok_atom>();
        self->state.idle_waiters.push_back(rp);
        return rp;
      },
  };
}

caf::actor spawn_activity_registry(caf::actor_system& sys) {
  return sys.spawn(activity_registry_behavior);
}

}  // namespace so::actors
