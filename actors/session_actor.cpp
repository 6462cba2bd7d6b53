#include "actors/session_actor.hpp"

#include "actors/io_scheduler.hpp"
#include "actors/messages.hpp"
#include "actors/otp_flow.hpp"
#include "actors/remote_sink.hpp"
#include "actors/storage_calls.hpp"
#include "actors/turn_actor.hpp"
#include "actors/turn_control.hpp"
#include "actors/unexpected_messages.hpp"
#include "protocol/events.hpp"
#include "protocol/interactions.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

namespace so::actors {

struct session_state {
  services_ptr svc;
  protocol::session record;
  caf::actor turn;            ///< the active turn, if any
  bool turn_claimed = false;  ///< `turn` holds the storage turn lease (it said `claimed`)
  caf::actor pending;         ///< the pending confirmation, if any
  bool draining = false;      ///< shutdown began: no new turn starts (SERVER_DRAINING)
  /// The parked Rich Interaction, if any (its own slot: never resolved by a confirm).
  pending_interaction parked;
  /// The control subject, subscribed while a claimed `turn` or `pending` exists (null
  /// without a bus).
  std::unique_ptr<turn_control> control;
  std::chrono::steady_clock::time_point last_activity = std::chrono::steady_clock::now();
  static inline const char* name = "session";

  // A dying session takes its turn (and, through the turn, its confirmation) along;
  // `control` unsubscribes as it goes.
  ~session_state() {
    if (turn) caf::anon_send_exit(turn, caf::exit_reason::user_shutdown);
    if (pending) caf::anon_send_exit(pending, caf::exit_reason::user_shutdown);
    if (parked.actor) caf::anon_send_exit(parked.actor, caf::exit_reason::user_shutdown);
  }

  void touch() { last_activity = std::chrono::steady_clock::now(); }
  bool idle(std::chrono::steady_clock::duration limit) const {
    return !turn && !pending && !parked.actor &&
           std::chrono::steady_clock::now() - last_activity >= limit;
  }
  /// Called after every change of `turn`, `turn_claimed` or `pending`. A turn counts
  /// once it holds the lease: one that another process's lease refuses never answers
  /// that session's control requests (the owner's process does).
  void sync_control() {
    if (control) control->want((turn && turn_claimed) || pending);
  }
};

namespace {

using session_ptr = caf::stateful_actor<session_state>*;

/// A confirm from another process: take the pending confirmation as a local confirmer
/// would, record the verdict with a remote sink for the asker's connection, reply, and
/// only then release the verdict to the turn (`begin`). Ordering: the reply is published
/// before `begin` is sent, so every event of the resumed turn is published after it by
/// this same bus; the asker pushes its 200 ack on the thread that delivers the reply,
/// before any later message of ours is delivered (actors/connection_actor.cpp).
void remote_confirm(session_ptr self, const control_request& req, const std::string& reply_to) {
  auto& s = self->state;
  auto conf = s.pending;
  s.pending = nullptr;  // taken: a duplicate confirm (local or remote) finds nothing
  s.sync_control();
  if (!conf) return s.control->reply(reply_to, false);
  confirmation_verdict v{req.approved ? verdict_kind::approved : verdict_kind::denied,
                         make_remote_sink(s.control->bus(), req.connection_id), req.connection_id};
  self->request(conf, std::chrono::seconds(10), verdict_atom::value, std::move(v))
      .then(
          [self, conf, reply_to](caf::ok_atom) {
            if (self->state.control) self->state.control->reply(reply_to, true);
            self->send(conf, begin_atom::value);
          },
          [self, reply_to](caf::error&) {
            if (self->state.control) self->state.control->reply(reply_to, false);
          });
}

void on_control(session_ptr self, adapters::backplane::bus_message& m) {
  auto& s = self->state;
  s.control->handled();
  s.touch();
  auto req = parse_control_request(m.payload);
  if (!req) return s.control->reply(m.reply, false);
  if (req->what == control_request::op::confirm) return remote_confirm(self, *req, m.reply);
  // cancel: the turn decides (only the connection carrying it may cancel it).
  if (s.turn) self->send(s.turn, cancel_atom::value, req->connection_id);
  s.control->reply(m.reply, static_cast<bool>(s.turn));
}

}  // namespace

static caf::behavior session_actor_behavior(caf::stateful_actor<session_state>* self,
                                            services_ptr svc, protocol::session record,
                                            bool draining) {
  auto& st = self->state;
  st.svc = std::move(svc);
  st.record = std::move(record);
  st.draining = draining;
  if (st.svc->bus)
    st.control = std::make_unique<turn_control>(st.svc->bus, st.record.session_id, self->address());
  self->set_default_handler(log_unexpected("session"));

  self->set_down_handler([self](caf::down_msg& dm) {
    auto& s = self->state;
    if (s.turn && s.turn.address() == dm.source) {
      s.turn = nullptr;
      s.turn_claimed = false;
    }
    if (s.pending && s.pending.address() == dm.source) s.pending = nullptr;
    if (s.parked.actor && s.parked.actor.address() == dm.source) s.parked = {};
    s.sync_control();
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
        s.turn_claimed = false;
        // The 202 ack is the turn's first event, pushed once its user message is
        // committed (README "Durability"): an acknowledged message survives a crash.
        s.turn = spawn_turn(self->system(), turn_spec{s.svc, caf::actor_cast<caf::actor>(self),
                                                      s.record, std::move(req)});
        // On the asking connection's thread, next to the socket its frames go to.
        if (auto* sched = io_scheduler::of(self->system()))
          sched->pin_like(s.turn, self->current_sender());
        self->monitor(s.turn);
        s.sync_control();
        // Tracked before the reply: whoever learns of this turn through us also
        // finds it in the registry (send enqueues at once between local actors).
        self->send(s.svc->registry, track_atom::value, activity_kind::turn, s.turn);
        return turn_admission{admission::started, s.turn};
      },
      [self](turn_end_atom) {
        auto& s = self->state;
        s.touch();
        if (s.turn && self->current_sender() == s.turn.address()) {
          s.turn = nullptr;
          s.turn_claimed = false;
          // Turn end retires any registration (engine.md §5.8).
          if (s.pending) caf::anon_send_exit(s.pending, caf::exit_reason::user_shutdown);
          s.pending = nullptr;
          if (s.parked.actor) caf::anon_send_exit(s.parked.actor, caf::exit_reason::user_shutdown);
          s.parked = {};
          s.sync_control();
        }
      },
      [self](claimed_atom) {
        auto& s = self->state;
        if (!s.turn || self->current_sender() != s.turn.address()) return;
        s.turn_claimed = true;
        s.sync_control();
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
        s.sync_control();
        return caf::ok_atom::value;
      },
      [self](take_atom) -> pending_confirmation {
        auto& s = self->state;
        s.touch();
        pending_confirmation out{s.pending};
        s.pending = nullptr;  // taken: a duplicate confirm finds nothing
        s.sync_control();
        return out;
      },
      [self](retire_atom, const caf::actor& confirmation) -> bool {
        auto& s = self->state;
        if (s.pending != confirmation) return false;  // already taken by a confirmer
        s.pending = nullptr;
        s.sync_control();
        return true;
      },
      [self](cancel_atom, const std::string& connection_id) {
        // From a connection that confirmed a parked turn of this session: the turn
        // cancels only if that connection carries it now.
        if (auto& turn = self->state.turn) self->send(turn, cancel_atom::value, connection_id);
      },
      [self](control_atom, adapters::backplane::bus_message& m) {
        if (self->state.control) on_control(self, m);
      },
      [self](caf::get_atom) {
        auto& s = self->state;
        return live_counts{s.turn ? 1u : 0u, s.pending ? 1u : 0u, 0u, s.parked.actor ? 1u : 0u};
      },
      // ---- Rich Interactions (actors/interaction_actor.hpp) ----
      [self](interact_atom, pending_interaction& p) -> caf::ok_atom {
        auto& s = self->state;
        s.touch();
        // One slot per session: a newer park replaces (and ends) the older one.
        if (s.parked.actor && s.parked.actor != p.actor)
          caf::anon_send_exit(s.parked.actor, caf::exit_reason::user_shutdown);
        s.parked = std::move(p);
        self->monitor(s.parked.actor);
        return caf::ok_atom::value;
      },
      [self](interact_atom) -> pending_interaction {
        self->state.touch();
        return self->state.parked;
      },
      [self](retire_atom, interact_atom, const caf::actor& interaction) {
        auto& s = self->state;
        if (s.parked.actor == interaction) s.parked = {};
      },
      [self](stamp_atom, const std::string& identity_values_json) {
        // later-protocol.md §1.14: the session's metadata, for this process's turns ...
        auto& s = self->state;
        for (auto& [key, json] : protocol::interactions::identity_metadata(identity_values_json))
          s.record.metadata[key] = json;
        // ... and (decisions.md) the user participant in storage. A failure is logged
        // only: the submit was accepted and the turn goes on.
        auto c = protocol::interactions::identity_contact_of(identity_values_json);
        adapters::participant_contact_update u{c.name, c.email, c.phone};
        storage_then<bool>(
            self, s.svc->storage, s.record.conversation_id,
            [u, id = s.record.user_participant_id](adapters::storage& st,
                                                   adapters::knowledge_base&) {
              return st.update_participant_contact(id, u);
            },
            [self](bool updated) {
              if (!updated)
                spdlog::warn("session {}: no user participant to record the identity intake on",
                             self->state.record.session_id);
            },
            [self](const std::string& err) {
              spdlog::warn("session {}: recording the identity intake failed: {}",
                           self->state.record.session_id, err);
            });
      },
      [self](record_atom) -> protocol::session { return self->state.record; },
      [self](otp_atom) -> caf::result<caf::ok_atom> {  // issue 12: verify_otp succeeded
        auto rp = self->make_response_promise<caf::ok_atom>();
        record_otp_verified(self, self->state.svc, self->state.record, rp);
        return rp;
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
