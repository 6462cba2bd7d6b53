#include "actors/backplane_actor.hpp"

#include "actors/messages.hpp"
#include "actors/unexpected_messages.hpp"

#include <functional>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace so::actors {

namespace {
struct target_hash {
  std::size_t operator()(const backplane_target& t) const noexcept {
    return std::hash<std::string>{}(t.id) * 31 + static_cast<std::size_t>(t.kind);
  }
};
}  // namespace

// Hashed containers: a connection that creates many sessions is associated with all
// of them, so these sets grow with the sessions; every create adds to them.
struct backplane_state {
  std::unordered_map<std::string, net::event_sink_ptr> sinks;
  std::unordered_map<std::string, std::unordered_set<backplane_target, target_hash>>
      targets_of;  // conn → targets
  std::unordered_map<backplane_target, std::unordered_set<std::string>, target_hash>
      conns_of;  // target → conns
  static inline const char* name = "backplane";

  void detach(const std::string& conn) {
    sinks.erase(conn);
    auto it = targets_of.find(conn);
    if (it == targets_of.end()) return;
    for (const auto& t : it->second) {
      auto c = conns_of.find(t);
      if (c == conns_of.end()) continue;
      c->second.erase(conn);
      if (c->second.empty()) conns_of.erase(c);  // prune empty targets
    }
    targets_of.erase(it);
  }

  std::size_t deliver(const std::string& conn, const net::frame& f) {
    auto s = sinks.find(conn);
    if (s == sinks.end()) return 0;  // associated before attach: skipped
    s->second->push(f);
    return 1;
  }
};

// The unused argument: CAF 0.17.6 binds a reference to a null tuple when a
// function-based actor is spawned without arguments (UBSan, stack.md §12).
static caf::behavior backplane_actor_behavior(caf::stateful_actor<backplane_state>* self,
                                              bool /*unused*/) {
  self->set_default_handler(log_unexpected("backplane"));
  return {
      [self](attach_atom, const std::string& conn, net::event_sink_ptr& sink) {
        self->state.sinks[conn] = std::move(sink);
      },
      [self](detach_atom, const std::string& conn) { self->state.detach(conn); },
      [self](associate_atom, const std::string& conn, const backplane_target& t) {
        self->state.targets_of[conn].insert(t);
        self->state.conns_of[t].insert(conn);
      },
      [self](publish_atom, const backplane_target& t, const net::frame& f) -> std::size_t {
        auto& st = self->state;
        if (t.kind == target_kind::connection) return st.deliver(t.id, f);
        auto it = st.conns_of.find(t);
        if (it == st.conns_of.end()) return 0;
        std::size_t n = 0;
        for (const auto& conn : it->second) n += st.deliver(conn, f);
        return n;
      },
      [self](count_atom) -> std::size_t { return self->state.sinks.size(); },
  };
}

caf::actor spawn_backplane(caf::actor_system& sys) {
  return sys.spawn(backplane_actor_behavior, true);
}

}  // namespace so::actors
