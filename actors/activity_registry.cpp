#include "actors/activity_registry.hpp"

#include "actors/messages.hpp"
#include "actors/unexpected_messages.hpp"

#include <map>
#include <vector>

namespace so::actors {

struct activity_state {
  std::map<caf::actor_addr, activity_kind> live;  // weak: never keeps an actor alive
  live_counts counts;  // kept in step with `live`: O(1) per exit instead of a recount
  std::vector<caf::typed_response_promise<caf::ok_atom>> idle_waiters;
  static inline const char* name = "activity-registry";

  // State dies with the actor on every exit path: whatever is still live goes too (shutdown).
  ~activity_state() {
    for (const auto& [addr, kind] : live)
      if (auto a = caf::actor_cast<caf::actor>(addr))
        caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }

  static std::size_t& slot(live_counts& c, activity_kind kind) {
    switch (kind) {
      case activity_kind::turn:
        return c.turns;
      case activity_kind::confirmation:
        return c.confirmations;
      case activity_kind::interaction:
        return c.interactions;
      case activity_kind::preamble:
        return c.preambles;
      case activity_kind::connection:
        break;
    }
    return c.connections;
  }
  /// False when `addr` is already tracked (tracked twice counts once).
  bool add(const caf::actor_addr& addr, activity_kind kind) {
    if (!live.emplace(addr, kind).second) return false;
    ++slot(counts, kind);
    return true;
  }
  void remove(const caf::actor_addr& addr) {
    auto it = live.find(addr);
    if (it == live.end()) return;  // a second monitor's down_msg
    --slot(counts, it->second);
    live.erase(it);
  }
  void wake_if_idle() {
    if (counts.turns != 0) return;
    for (auto& rp : idle_waiters) rp.deliver(caf::ok_atom::value);
    idle_waiters.clear();
  }
};

// The unused argument: CAF 0.17.6 binds a reference to a null tuple when a
// function-based actor is spawned without arguments (UBSan, stack.md §12).
static caf::behavior activity_registry_behavior(caf::stateful_actor<activity_state>* self,
                                                bool /*unused*/) {
  self->set_default_handler(log_unexpected("activity_registry"));
  self->set_down_handler([self](caf::down_msg& dm) {
    self->state.remove(dm.source);
    self->state.wake_if_idle();
  });
  return {
      [self](track_atom, activity_kind kind, const caf::actor& a) {
        if (self->state.add(a.address(), kind))
          self->monitor(a);  // a dead actor yields a down_msg at once
      },
      [self](caf::get_atom) { return self->state.counts; },
      [self](await_atom) -> caf::result<caf::ok_atom> {
        if (self->state.counts.turns == 0) return caf::ok_atom::value;
        auto rp = self->make_response_promise<caf::ok_atom>();
        self->state.idle_waiters.push_back(rp);
        return rp;
      },
  };
}

caf::actor spawn_activity_registry(caf::actor_system& sys) {
  return sys.spawn(activity_registry_behavior, true);
}

}  // namespace so::actors
