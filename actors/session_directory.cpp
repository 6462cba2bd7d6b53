#include "actors/session_directory.hpp"

#include "actors/messages.hpp"
#include "actors/session_actor.hpp"
#include "actors/storage_calls.hpp"

#include <spdlog/spdlog.h>

#include <map>
#include <vector>

namespace so::actors {

struct directory_state {
  services_ptr svc;
  std::map<std::string, session_ref> sessions;
  std::map<std::string, std::vector<caf::typed_response_promise<session_ref>>> hydrating;
  static inline const char* name = "session-directory";

  // Sessions die with the directory (shutdown).
  ~directory_state() {
    for (auto& [id, ref] : sessions)
      caf::anon_send_exit(ref.actor, caf::exit_reason::user_shutdown);
  }
};

namespace {

/// Persists the four records in order, stopping at the first failure with the
/// reference's INTERNAL_ERROR texts (earlier writes are not rolled back).
protocol::session persist_new_session(adapters::storage& st, const new_session_records& r) {
  auto step = [](const char* what, auto&& fn) {
    try {
      fn();
    } catch (const std::exception& e) {
      throw adapters::storage_error(std::string(what) + " failed: " + e.what());
    }
  };
  step("create conversation", [&] { st.create_conversation(r.conversation); });
  step("add user participant", [&] { st.add_participant(r.user); });
  step("add agent participant", [&] { st.add_participant(r.agent); });
  protocol::session stored;
  step("create session", [&] { stored = st.create_session(r.session); });
  return stored;
}

}  // namespace

static caf::behavior session_directory_behavior(caf::stateful_actor<directory_state>* self,
                                                services_ptr svc) {
  self->state.svc = std::move(svc);
  self->set_default_handler(caf::drop);

  self->set_down_handler([self](caf::down_msg& dm) {
    auto& m = self->state.sessions;
    for (auto it = m.begin(); it != m.end(); ++it)
      if (it->second.actor.address() == dm.source) {
        m.erase(it);
        return;
      }
  });

  auto register_session = [self](const protocol::session& s) -> session_ref {
    auto& m = self->state.sessions;
    if (auto it = m.find(s.session_id); it != m.end()) return it->second;
    auto actor = spawn_session(self->system(), self->state.svc, s);
    self->monitor(actor);
    session_ref ref{actor, s};
    m.emplace(s.session_id, ref);
    return ref;
  };

  return {
      [self, register_session](create_atom,
                               new_session_records& records) -> caf::result<create_outcome> {
        auto rp = self->make_response_promise<create_outcome>();
        storage_then<protocol::session>(
            self, self->state.svc->storage, records.conversation.id,
            [records](adapters::storage& st, adapters::knowledge_base&) {
              return persist_new_session(st, records);
            },
            [rp, register_session](protocol::session s) mutable {
              register_session(s);
              rp.deliver(create_outcome{});
            },
            [rp](const storage_failure& f) mutable {
              rp.deliver(create_outcome{f.message,
                                        std::string(f.code_or(protocol::codes::internal_error))});
            });
        return rp;
      },
      [self, register_session](lookup_atom, const std::string& id) -> caf::result<session_ref> {
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
            [finish, register_session](std::optional<protocol::session> found) {
              finish(found ? register_session(*found) : session_ref{});
            },
            [finish, id](const std::string& err) {
              // Reference (newest): a storage error on hydration reads as "not found".
              spdlog::warn("session lookup for '{}' failed in storage: {}", id, err);
              finish(session_ref{});
            });
        return rp;
      },
      [self](count_atom) -> std::size_t { return self->state.sessions.size(); },
  };
}

caf::actor spawn_session_directory(caf::actor_system& sys, services_ptr svc) {
  return sys.spawn(session_directory_behavior, svc);
}

}  // namespace so::actors
