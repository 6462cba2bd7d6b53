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
  // A connection's org (decisions.md, admin publish): its principal's org when it has
  // one, else the orgs of the sessions it is associated with.
  std::unordered_map<std::string, std::string> principal_org_of;  // conn → org
  std::unordered_map<std::string, std::unordered_set<std::string>> association_orgs_of;
  static inline const char* name = "backplane";

  void detach(const std::string& conn) {
    sinks.erase(conn);
    principal_org_of.erase(conn);
    association_orgs_of.erase(conn);
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

  bool in_org(const std::string& conn, const std::string& org) const {
    if (auto p = principal_org_of.find(conn); p != principal_org_of.end()) return p->second == org;
    auto a = association_orgs_of.find(conn);
    return a != association_orgs_of.end() && a->second.count(org) > 0;
  }

  void associate(const std::string& conn, const backplane_target& t) {
    targets_of[conn].insert(t);
    conns_of[t].insert(conn);
  }

  /// Delivers to the connections of `t`; with `org`, only to connections in that org.
  std::size_t publish(const backplane_target& t, const net::frame& f, const std::string* org) {
    if (t.kind == target_kind::connection) return org && !in_org(t.id, *org) ? 0 : deliver(t.id, f);
    auto it = conns_of.find(t);
    if (it == conns_of.end()) return 0;
    std::size_t n = 0;
    for (const auto& conn : it->second)
      if (!org || in_org(conn, *org)) n += deliver(conn, f);
    return n;
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
      [self](attach_atom, const std::string& conn, net::event_sink_ptr& sink,
             const std::string& principal_org) {
        self->state.sinks[conn] = std::move(sink);
        if (!principal_org.empty()) self->state.principal_org_of[conn] = principal_org;
      },
      [self](detach_atom, const std::string& conn) { self->state.detach(conn); },
      [self](associate_atom, const std::string& conn, const backplane_target& t) {
        self->state.associate(conn, t);
      },
      [self](associate_atom, const std::string& conn, const backplane_target& t,
             const std::string& org) {
        self->state.associate(conn, t);
        self->state.association_orgs_of[conn].insert(org);
      },
      [self](publish_atom, const backplane_target& t, const net::frame& f) -> std::size_t {
        return self->state.publish(t, f, nullptr);
      },
      [self](publish_atom, const backplane_target& t, const net::frame& f,
             const std::string& org) -> std::size_t { return self->state.publish(t, f, &org); },
      [self](count_atom) -> std::size_t { return self->state.sinks.size(); },
  };
}

caf::actor spawn_backplane(caf::actor_system& sys) {
  return sys.spawn(backplane_actor_behavior, true);
}

}  // namespace so::actors
