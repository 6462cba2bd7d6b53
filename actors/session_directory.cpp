#include "actors/session_directory.hpp"

#include "actors/io_scheduler.hpp"
#include "actors/messages.hpp"
#include "actors/session_actor.hpp"
#include "actors/storage_calls.hpp"
#include "actors/unexpected_messages.hpp"
#include "adapters/logging/log_ids.hpp"

#include <spdlog/spdlog.h>

#include <map>
#include <memory>
#include <vector>

namespace so::actors {

/// How long the drain waits for one session to confirm it refuses turns; a
/// session that does not answer in time is dead or wedged and starts nothing.
inline constexpr std::chrono::seconds session_drain_timeout{5};

struct directory_state {
  services_ptr svc;
  std::map<std::string, session_ref> sessions;
  /// Reverse index of `sessions`: an actor's exit is forgotten in O(log n).
  std::map<caf::actor_addr, std::string> ids_by_actor;
  std::map<std::string, std::vector<caf::typed_response_promise<session_ref>>> hydrating;
  bool draining = false;  ///< shutdown began: sessions spawned from now on refuse turns
  static inline const char* name = "session-directory";

  // Sessions die with the directory (shutdown).
  ~directory_state() {
    for (auto& [id, ref] : sessions)
      caf::anon_send_exit(ref.actor, caf::exit_reason::user_shutdown);
  }

  /// Forgets the entry of `id` when it still names the actor at `addr`.
  void forget(const std::string& id, const caf::actor_addr& addr) {
    if (auto it = sessions.find(id); it != sessions.end() && it->second.actor.address() == addr)
      sessions.erase(it);
    ids_by_actor.erase(addr);
  }
};

namespace {}  // namespace

static caf::behavior session_directory_behavior(caf::stateful_actor<directory_state>* self,
                                                services_ptr svc) {
  self->state.svc = std::move(svc);
  self->set_default_handler(log_unexpected("session_directory"));

  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    auto it = st.ids_by_actor.find(dm.source);
    if (it == st.ids_by_actor.end()) return;  // already replaced after a stale lookup
    auto id = it->second;
    st.forget(id, dm.source);
  });

  auto register_session = [self](const protocol::session& s,
                                 const caf::strong_actor_ptr& requester) -> session_ref {
    auto& st = self->state;
    if (auto it = st.sessions.find(s.session_id); it != st.sessions.end()) return it->second;
    auto actor = spawn_session(self->system(), st.svc, s, st.draining);
    // Homed with the connection that loaded it (actors/io_scheduler.hpp).
    if (auto* sched = io_scheduler::of(self->system())) sched->pin_like(actor, requester);
    self->monitor(actor);
    session_ref ref{actor, s};
    st.sessions.emplace(s.session_id, ref);
    st.ids_by_actor.emplace(actor.address(), s.session_id);
    return ref;
  };

  auto lookup = [self, register_session](const std::string& id) -> caf::result<session_ref> {
    auto& st = self->state;
    if (auto it = st.sessions.find(id); it != st.sessions.end()) return it->second;
    auto rp = self->make_response_promise<session_ref>();
    auto& waiters = st.hydrating[id];
    waiters.push_back(rp);
    if (waiters.size() > 1) return rp;  // a hydration for this id is already running
    auto finish = [self, id](session_ref ref) {
      auto node = self->state.hydrating.extract(id);
      if (node.empty()) return;
      for (auto& w : node.mapped()) w.deliver(ref);
    };
    storage_then<std::optional<protocol::session>>(
        self, st.svc->storage, id,
        [id](adapters::storage& s, adapters::knowledge_base&) { return s.get_session(id); },
        [finish, register_session,
         requester = self->current_sender()](std::optional<protocol::session> found) {
          finish(found ? register_session(*found, requester) : session_ref{});
        },
        [finish, id](const std::string& err) {
          // Reference (newest): a storage error on hydration reads as "not found".
          spdlog::warn("{} session lookup failed in storage: {}", logging::log_ids{.session = id},
                       err);
          finish(session_ref{});
        });
    return rp;
  };

  return {
      [lookup](lookup_atom, const std::string& id) { return lookup(id); },
      // The caller found `dead` gone (it quit idle) before our down_msg arrived:
      // forget it now and hydrate a fresh actor instead of answering the dead one again.
      [self, lookup](lookup_atom, const std::string& id, const caf::actor_addr& dead) {
        self->state.forget(id, dead);
        return lookup(id);
      },
      // Shutdown: every live session, and every session spawned later, refuses new
      // turns. Answered once each live session confirmed, so any turn a session
      // started before is already tracked by the registry the drain then waits on.
      [self](drain_atom) -> caf::result<caf::ok_atom> {
        auto& st = self->state;
        st.draining = true;
        if (st.sessions.empty()) return caf::ok_atom::value;
        auto rp = self->make_response_promise<caf::ok_atom>();
        auto left = std::make_shared<std::size_t>(st.sessions.size());
        auto one_done = [rp, left]() mutable {
          if (--*left == 0) rp.deliver(caf::ok_atom::value);
        };
        for (auto& [id, ref] : st.sessions)
          self->request(ref.actor, session_drain_timeout, drain_atom::value)
              .then([one_done](caf::ok_atom) mutable { one_done(); },
                    [one_done](caf::error&) mutable { one_done(); });  // dead: starts nothing
        return rp;
      },
      [self](count_atom) -> std::size_t { return self->state.sessions.size(); },
  };
}

caf::actor spawn_session_directory(caf::actor_system& sys, services_ptr svc) {
  return sys.spawn(session_directory_behavior, svc);
}

}  // namespace so::actors
