#include "actors/connection_actor.hpp"

#include "actors/control_ask.hpp"
#include "actors/conversation_jobs.hpp"
#include "actors/otp_flow.hpp"
#include "actors/storage_calls.hpp"
#include "actors/turn_control.hpp"
#include "actors/unexpected_messages.hpp"
#include "actors/widget_policy_lookup.hpp"
#include "adapters/auth/session_org.hpp"
#include "adapters/auth/widget_enforcement.hpp"
#include "adapters/logging/log_ids.hpp"
#include "adapters/storage/new_session.hpp"
#include "protocol/action.hpp"
#include "protocol/conversation_events.hpp"
#include "protocol/error_codes.hpp"
#include "protocol/events.hpp"
#include "protocol/ids.hpp"
#include "protocol/interactions.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <unordered_set>
#include <variant>

namespace so::actors {

namespace ev = protocol::events;
namespace codes = protocol::codes;
namespace texts = protocol::texts;

/// How long a connection waits for another actor before answering with an error.
inline constexpr std::chrono::seconds actor_timeout{30};

struct connection_state {
  services_ptr svc;
  connection_identity id;
  net::event_sink_ptr sink;
  /// The turn this connection started last (weak: never keeps it alive). The only
  /// turn its `cancel` reaches directly; once it ended, a cancel is a no-op.
  caf::actor_addr own_turn;
  /// The session (weak) of the parked turn this connection confirmed last in this
  /// process: its `cancel` also goes there, and the turn obeys only if this connection
  /// carries it (the starter's socket was gone, so the rest of the turn came here).
  caf::actor_addr confirmed_session;
  /// The session id of the turn this connection confirmed last on ANOTHER process
  /// (over the bus): its `cancel` goes to that session's control subject.
  std::string confirmed_remote_session;
  /// Conversations this connection may reach under its scope (connection_scope.hpp):
  /// the ones it created (the only ones a `denied` connection reaches) and, for a
  /// `user` scope, the ones found owned by its email (a cache: each costs a storage
  /// call once). Bounded by `max_reachable`.
  std::unordered_set<std::string> reachable;
  /// The Agent target (and its org) this connection was last associated with: a
  /// burst of creates for one agent sends that association once, not per create
  /// (associations end only with the connection, so repeating one changes nothing).
  std::string associated_agent;
  std::string associated_agent_org;
  /// The session this connection last started a turn on, as the directory answered it
  /// (its actor, and the snapshot the directory holds): the next `send_message` to the
  /// same id skips the directory. Why: the directory is one shared actor, so every
  /// lookup from a connection homed on another io thread was a request and a reply
  /// across threads, and it serialized every turn start of the process on one actor.
  /// The entry was authorized and associated when it was resolved (associations end
  /// only with the connection). A cached actor that quit idle fails the turn request
  /// with `request_receiver_down`, and the retry looks up again naming it dead.
  session_ref turn_session;
  static inline const char* name = "connection";

  std::int64_t now_ms() const { return svc->clock->now_ms(); }
  void send(std::string json) const { sink->push(net::make_frame(std::move(json))); }
  void error(const protocol::request_id& rid, std::string_view code, std::string_view msg) const {
    send(ev::error(rid, code, msg, now_ms()));
  }
};

namespace {

using self_ptr = caf::stateful_actor<connection_state>*;

/// Returns one inbound frame's credit to the socket when the frame handler ends.
struct inbound_credit_release {
  inbound_credit_release(net::event_sink* s, std::size_t b) : sink(s), bytes(b) {}
  inbound_credit_release(const inbound_credit_release&) = delete;
  inbound_credit_release& operator=(const inbound_credit_release&) = delete;
  ~inbound_credit_release() { sink->release_inbound(bytes); }
  net::event_sink* sink;
  std::size_t bytes;
};

std::string not_found_text(const std::string& session_id) {
  return "session '" + session_id + "' not found";
}
std::string no_pending_text(const std::string& session_id) {
  return "no tool action is awaiting confirmation for session '" + session_id + "'";
}

/// `org`: the session's org, which the backplane uses for org-restricted publishes.
void associate(self_ptr self, target_kind kind, const std::string& id, const std::string& org) {
  self->send(self->state.svc->backplane, associate_atom::value, self->state.id.connection_id,
             backplane_target{kind, id}, org);
}

/// At most this many conversations are remembered as reachable per connection. At the
/// bound an arbitrary entry is forgotten: a `user` connection then pays one storage
/// check again; a `denied` one loses access to that conversation (it would have to
/// create more than this many sessions on one socket first).
inline constexpr std::size_t max_reachable = 4096;

void remember_reachable(connection_state& st, const std::string& conversation_id) {
  if (st.id.scope.kind == scope_kind::unscoped) return;
  if (st.reachable.size() >= max_reachable && !st.reachable.count(conversation_id))
    st.reachable.erase(st.reachable.begin());
  st.reachable.insert(conversation_id);
}

/// Runs `allowed` when this connection's scope reaches the session's conversation,
/// else `denied` — which callers make the same answer as for a missing session, so
/// another user's conversation reads exactly like one that does not exist (§9).
template <class Allowed, class Denied>
void authorize(self_ptr self, const protocol::session& s, Allowed allowed, Denied denied) {
  auto& st = self->state;
  if (st.id.scope.kind == scope_kind::unscoped || st.reachable.count(s.conversation_id))
    return allowed();
  if (st.id.scope.kind == scope_kind::denied) return denied();
  // Another org's conversation is missing to this principal, whoever its user is.
  if (s.organization_id != st.id.scope.org) return denied();
  // user(email): owned when the conversation's user participant has the email.
  auto conv = s.conversation_id;
  storage_await<bool>(
      self, st.svc->storage, conv,
      [conv, email = st.id.scope.email](adapters::storage& store, adapters::knowledge_base&) {
        return owned_by(store.list_participants_by_conversation(conv), email);
      },
      [self, conv, allowed, denied](bool owned) mutable {
        if (!owned) return denied();
        remember_reachable(self->state, conv);
        allowed();
      },
      [self, conv, denied](const storage_failure& f) mutable {
        spdlog::warn("{} ownership check of conversation '{}' failed: {}",
                     logging::log_ids{.conn = self->state.id.connection_id}, conv, f.message);
        denied();
      });
}

/// How often a session that turned out dead (it quit idle right after the lookup
/// answered) is looked up again; each retry hydrates a fresh actor from storage.
inline constexpr int dead_session_retries = 2;

/// Whether a request failed because its receiver was gone (not a timeout or a refusal).
bool receiver_gone(const caf::error& err) {
  return err == caf::sec::request_receiver_down;
}

/// Resolves a session through the directory, then runs `found` or `missing`.
/// Resolving a session associates this connection with it (decisions.md).
/// `dead`: a previous answer for this id that turned out dead (the directory drops it).
/// `found` receives the directory's answer; `remember` (start_turn only) also keeps it
/// as the connection's turn session, which the next lookup of that id reuses.
template <class Found, class Missing>
void with_session(self_ptr self, const std::string& session_id, Found found, Missing missing,
                  const caf::actor_addr& dead = {}, bool remember = false) {
  auto& cst = self->state;
  if (remember && cst.turn_session.actor && cst.turn_session.snapshot.session_id == session_id) {
    if (!dead) return found(cst.turn_session);
    cst.turn_session = {};  // the cached actor quit: ask the directory again
  }
  auto on_ref = [self, found, missing, remember](session_ref& ref) mutable {
    auto keep = [self, remember](const session_ref& r) {
      if (remember) self->state.turn_session = r;
    };
    if (!ref.actor) return missing();
    auto& st = self->state;
    if (st.id.scope.kind == scope_kind::unscoped ||
        st.reachable.count(ref.snapshot.conversation_id)) {
      associate(self, target_kind::session, ref.snapshot.session_id, ref.snapshot.organization_id);
      keep(ref);
      return found(ref);
    }
    // Out of scope reads as missing, and is never associated (admin-auth.md §9).
    auto shared = std::make_shared<session_ref>(std::move(ref));
    authorize(
        self, shared->snapshot,
        [self, found, shared, keep]() mutable {
          associate(self, target_kind::session, shared->snapshot.session_id,
                    shared->snapshot.organization_id);
          keep(*shared);
          found(*shared);
        },
        missing);
  };
  auto on_error = [self, missing, session_id](caf::error& err) mutable {
    spdlog::warn("{} session lookup failed: {}",
                 logging::log_ids{.conn = self->state.id.connection_id, .session = session_id},
                 caf::to_string(err));
    missing();
  };
  auto& dir = self->state.svc->directory;
  if (dead)
    self->request(dir, actor_timeout, lookup_atom::value, session_id, dead).await(on_ref, on_error);
  else
    self->request(dir, actor_timeout, lookup_atom::value, session_id).await(on_ref, on_error);
}

// ---- handlers, one per action ------------------------------------------------------------

/// Creates the session; `widget_org` is the embed policy's org (admin-auth.md §4.9).
void on_resume(self_ptr self, protocol::create_session_action& a,
               const std::optional<std::string>& widget_org);

void on_create(self_ptr self, protocol::create_session_action& a,
               const std::optional<std::string>& widget_org) {
  if (a.conversation_id) return on_resume(self, a, widget_org);  // issue 12: resume
  auto& st = self->state;
  const auto now = st.svc->clock->now();
  const std::string org = adapters::auth::session_org(widget_org, st.id.principal_org);

  adapters::new_session_records r;
  r.conversation.id = protocol::new_uuid_v4();
  r.session.session_id = protocol::new_uuid_v4();
  r.user.id = protocol::new_uuid_v4();
  r.agent.id = protocol::new_uuid_v4();

  r.conversation.name = "Session " + r.session.session_id;
  r.conversation.organization_id = org;
  r.conversation.idempotency_key = r.session.session_id;
  r.conversation.metadata_json = a.metadata_json;
  r.conversation.created_at = r.conversation.updated_at = now;

  r.user.conversation_id = r.conversation.id;
  r.user.organization_id = org;
  r.user.type = "user";
  r.user.name = a.user_name.value_or("Visitor");
  r.user.email = creator_email(st.id.principal, a.user_email);
  r.user.browser_fingerprint = a.browser_fingerprint;
  r.user.created_at = r.user.updated_at = now;

  r.agent.conversation_id = r.conversation.id;
  r.agent.organization_id = org;
  r.agent.type = "ai-agent";
  r.agent.internal_id = a.agent_id;
  r.agent.name = "smooth-agent";
  r.agent.created_at = r.agent.updated_at = now;

  auto& s = r.session;
  s.conversation_id = r.conversation.id;
  s.organization_id = org;
  s.agent_id = a.agent_id;
  s.agent_name = "smooth-agent";
  s.user_participant_id = r.user.id;
  s.agent_participant_id = r.agent.id;
  s.thread_id = r.conversation.id;
  s.status = "active";
  s.token_count = 0;
  s.message_count = 0;
  s.created_at = s.updated_at = s.last_activity_at = now;

  // Rich Interactions (later-protocol.md §1.2): a fresh conversation's effective list is
  // the declared one, else []; it is durable in the conversation's metadata.
  {
    namespace ix = protocol::interactions;
    const auto supports = a.supports.value_or(std::vector<std::string>{});
    r.conversation.metadata_json = ix::metadata_with_client_supports(a.metadata_json, supports);
    if (!supports.empty()) s.metadata[std::string(ix::supports_key)] = ix::supports_json(supports);
    if (r.user.email) s.metadata["contactEmail"] = ix::json_string(*r.user.email);
  }

  // Associated before persistence, as the reference does.
  remember_reachable(st, r.conversation.id);
  associate(self, target_kind::session, s.session_id, org);
  if (st.associated_agent != a.agent_id || st.associated_agent_org != org) {
    associate(self, target_kind::agent, a.agent_id, org);
    st.associated_agent = a.agent_id;
    st.associated_agent_org = org;
  }

  // Persisted here, not through the directory: the session actor is spawned on first
  // use (adapters/storage/new_session.hpp), so a create is one storage call (inline for
  // storage that never blocks) and no actor hop.
  auto data = ev::session_created_data(s);
  auto conversation_id = r.conversation.id;
  storage_await<protocol::session>(
      self, st.svc->storage, conversation_id,
      [r = std::move(r)](adapters::storage& s, adapters::knowledge_base&) mutable {
        return adapters::persist_new_session(s, std::move(r));  // the job runs once
      },
      [self, rid = a.rid, data](protocol::session) {
        auto& st = self->state;
        st.send(ev::immediate_response(rid, 200, "Session created", data, st.now_ms()));
      },
      [self, rid = a.rid](const storage_failure& f) {
        self->state.error(rid, f.code_or(codes::internal_error), f.message);
      });
}

/// Applies the embed-policy decision to a create (admin-auth.md §4.4): a refusal is an
/// ordinary `error` with the frame's requestId (the socket stays open); else the create.
void decide_create(self_ptr self, protocol::create_session_action& a,
                   const adapters::auth::widget_lookup& policy) {
  auto& st = self->state;
  const adapters::auth::widget_request req{st.id.origin, a.has_auth_context,
                                           a.auth_context_json.value_or("null")};
  const auto d = adapters::auth::decide_widget_access(policy, st.svc->config.widget_auth_strict,
                                                      req, st.now_ms() / 1000);
  if (!d.allowed) return st.error(a.rid, d.code, d.message);
  on_create(self, a, d.organization_id);
}

/// create_conversation_session: the embed policy first, before anything is created.
/// An answer at hand (permissive, static, a fresh HTTP cache entry) decides at once;
/// otherwise the lookup is awaited, which holds this connection's later frames back.
void on_create_checked(self_ptr self, protocol::create_session_action& a) {
  auto& st = self->state;
  const auto& provider = st.svc->widget_policies;
  if (!provider) return decide_create(self, a, std::nullopt);
  if (auto policy = provider->lookup_now(a.agent_id)) return decide_create(self, a, *policy);
  self->request(st.svc->widget_lookup, actor_timeout, lookup_atom::value, a.agent_id)
      .await([self, a](widget_policy_reply& r) mutable { decide_create(self, a, r.policy); },
             [self, a](caf::error& err) mutable {
               // As a policy-service outage: no policy (strict mode refuses).
               spdlog::warn("{} widget policy lookup failed: {}",
                            logging::log_ids{.conn = self->state.id.connection_id},
                            caf::to_string(err));
               decide_create(self, a, std::nullopt);
             });
}

void on_get_session(self_ptr self, protocol::get_session_action& a) {
  with_session(
      self, a.session_id,
      [self, rid = a.rid](session_ref& ref) {
        auto& st = self->state;
        st.send(ev::immediate_response(rid, 200, "Session", ev::session_snapshot_data(ref.snapshot),
                                       st.now_ms()));
      },
      [self, rid = a.rid, id = a.session_id] {
        self->state.error(rid, codes::session_not_found, not_found_text(id));
      });
}

/// At most this many messages per page: `limit` above it is served as this many, with
/// a `nextCursor` to continue (the spec's range is 1–100; README "Limits").
inline constexpr std::size_t max_page_messages = 100;

/// The ConversationMessages reply for `page`, cut so the frame stays within
/// `budget` bytes: whole messages, newest first, the rest behind `nextCursor` (the id
/// of the last message sent, as the storage cursors are). Empty when even the first
/// message alone does not fit.
std::string bounded_page_reply(const connection_state& st, const protocol::request_id& rid,
                               const std::string& conv, adapters::message_page& page,
                               std::size_t budget) {
  auto reply = [&] {
    return ev::immediate_response(rid, 200, "ConversationMessages",
                                  ev::message_page_data(conv, page.messages, page.next_cursor),
                                  st.now_ms());
  };
  auto whole = reply();
  if (whole.size() <= budget) return whole;
  // Over budget (rare: long messages): measure each message once, keep the prefix
  // that fits next to the envelope.
  page.next_cursor = std::string(64, 'x');  // room for the cursor the cut page will carry
  const auto messages = std::move(page.messages);
  page.messages.clear();
  std::size_t used = reply().size();
  std::size_t keep = 0;
  for (const auto& m : messages) {
    const std::size_t size = ev::message_page_data(conv, {m}, std::nullopt).size() -
                             ev::message_page_data(conv, {}, std::nullopt).size() +
                             1;  // + the comma
    if (used + size > budget) break;
    used += size;
    ++keep;
  }
  if (keep == 0) return {};
  page.messages.assign(messages.begin(), messages.begin() + static_cast<std::ptrdiff_t>(keep));
  page.next_cursor = page.messages.back().id;
  return reply();
}

void on_get_messages(self_ptr self, protocol::get_messages_action& a) {
  with_session(
      self, a.session_id,
      [self, a](session_ref& ref) {
        adapters::message_query q;
        q.conversation_id = ref.snapshot.conversation_id;
        q.limit = std::min(a.limit, max_page_messages);
        q.cursor = a.cursor;
        q.descending = true;  // newest first on the wire
        auto conv = q.conversation_id;
        storage_await<adapters::message_page>(
            self, self->state.svc->storage, conv,
            [q](adapters::storage& s, adapters::knowledge_base&) { return s.list_messages(q); },
            [self, rid = a.rid, conv](adapters::message_page page) {
              auto& st = self->state;
              // Half the outbound bound: the page must never trip the slow-consumer
              // close (4008) by itself, even with other events queued.
              const std::size_t budget = st.svc->config.max_outbound_bytes / 2;
              auto reply = bounded_page_reply(st, rid, conv, page, budget);
              if (reply.empty()) {
                return st.error(rid, codes::storage_error,
                                "failed to list messages: the next message is larger than one "
                                "reply may be (" +
                                    std::to_string(budget) + " bytes)");
              }
              st.send(std::move(reply));
            },
            [self, rid = a.rid](const storage_failure& f) {
              self->state.error(rid, f.code_or(codes::storage_error),
                                "failed to list messages: " + f.message);
            });
      },
      [self, rid = a.rid, id = a.session_id] {
        self->state.error(rid, codes::session_not_found, not_found_text(id));
      });
}

// ---- issue 12: send_message extensions (later-protocol.md §6; decisions.md) ---------------

/// `model` must be listed in SMOOTH_AGENT_ALLOWED_MODELS (ours); `skill` must resolve, and
/// is checked before the session (§6.1). False: the error was sent, no turn, no 202.
bool check_send_extensions(self_ptr self, const protocol::send_message_action& a) {
  auto& st = self->state;
  if (a.model) {
    const auto& allowed = st.svc->config.allowed_models;
    if (std::find(allowed.begin(), allowed.end(), *a.model) == allowed.end()) {
      st.error(a.rid, codes::validation_error,
               "model '" + *a.model + "' is not allowed on this server");
      return false;
    }
  }
  if (a.skill && !(st.svc->skills && st.svc->skills->find(*a.skill))) {
    st.error(a.rid, codes::skill_not_found,
             "skill '" + *a.skill + "' is not available on this server");
    return false;
  }
  if (a.dropped_attachments > 0)
    spdlog::info("conn={} send_message {}: {} malformed images/files entries left out",
                 st.id.connection_id, a.rid, a.dropped_attachments);
  return true;
}

/// What the turn takes from the checked extensions.
void apply_send_extensions(turn_request& req, const protocol::send_message_action& a,
                           const services& svc) {
  req.model = a.model;
  if (a.skill && svc.skills) {
    if (auto body = svc.skills->find(*a.skill))
      req.skill_section = adapters::llm::skill_section(*a.skill, *body);
  }
  for (const auto& img : a.images)
    req.images.push_back({img.url, img.detail.value_or(std::string())});
  for (const auto& f : a.files)
    req.files.push_back({f.name, f.mime_type.value_or(std::string()), f.url});
}

/// Asks the session for a turn; a session found dead is looked up again (bounded).
void start_turn(self_ptr self, protocol::send_message_action a, int retries_left,
                const caf::actor_addr& dead = {}) {
  protocol::request_id rid = a.rid;
  auto id = a.session_id;
  with_session(
      self, id,
      [self, a, rid, retries_left](session_ref& ref) mutable {
        auto& st = self->state;
        // The key of the conversation's org (the session record carries it), else the
        // env key (admin-auth.md §5.1); refused before the 202 when there is none.
        auto key = adapters::tenant::resolve_gateway_key(
            st.svc->gateway_keys.get(), ref.snapshot.organization_id, st.svc->config.gateway_key);
        if (!st.svc->llm || (st.svc->llm_needs_key && !key))
          return st.error(rid, codes::llm_unavailable, texts::llm_unavailable);
        turn_request req{a.rid,        a.message,           st.sink,
                         st.id.access, st.id.connection_id, std::move(key)};
        apply_send_extensions(req, a, *st.svc);  // issue 12
        auto session = ref.actor;
        self->request(session, actor_timeout, start_atom::value, std::move(req))
            .await(
                [self, rid](turn_admission& adm) {
                  auto& st = self->state;
                  switch (adm.outcome) {
                    case admission::started:
                      st.own_turn = adm.turn.address();
                      return;
                    case admission::busy:
                      return st.error(rid, codes::turn_in_progress, texts::turn_in_progress);
                    case admission::draining:
                      return st.error(rid, codes::server_draining, texts::server_draining);
                  }
                },
                [self, a, rid, session, retries_left](caf::error& err) mutable {
                  // It quit idle between the lookup and our request: not a turn failure.
                  if (receiver_gone(err) && retries_left > 0)
                    return start_turn(self, std::move(a), retries_left - 1, session.address());
                  self->state.error(rid, codes::agent_error,
                                    "agent turn failed: " + caf::to_string(err));
                });
      },
      [self, rid, id] { self->state.error(rid, codes::session_not_found, not_found_text(id)); },
      dead, /*remember=*/true);
}

void on_send_message(self_ptr self, protocol::send_message_action& a) {
  if (!check_send_extensions(self, a)) return;  // issue 12
  start_turn(self, std::move(a), dead_session_retries);
}

std::string confirm_ack(const connection_state& st, const protocol::confirm_tool_action& a) {
  return ev::immediate_response(a.rid, 200,
                                a.approved ? "Tool action approved" : "Tool action rejected",
                                ev::confirm_ack_data(a.session_id, a.approved), st.now_ms());
}

/// Nothing waits here: the session's turn may be parked on another process. Ask its
/// owner over the bus (actors/turn_control.hpp); without a bus, or with no owner, no
/// reply, a timeout or a refusal, the answer is the local one (NO_PENDING_CONFIRMATION).
template <class NoPending>
void confirm_remote(self_ptr self, const protocol::confirm_tool_action& a, NoPending no_pending) {
  auto& st = self->state;
  if (!st.svc->bus) return no_pending();
  // The ack cannot be overtaken by the resumed turn's events: the owner publishes its
  // reply before it lets the turn go on (session_actor.cpp), so each of those events is
  // published after the reply by the same bus client; the bus delivers one publisher's
  // messages in publish order (memory_broker: one delivery thread; NATS: one connection,
  // dispatched in order by our bus), and `on_ok` pushes the ack on the thread that
  // delivers the reply, before it returns. The events reach the socket later still
  // (through the backplane actor).
  auto ack = net::make_frame(confirm_ack(st, a));
  auto ask = spawn_control_ask(self->system(), st.svc->bus, a.session_id,
                               confirm_request_payload(a.approved, st.id.connection_id),
                               [sink = st.sink, ack] { sink->push(ack); });
  // Longer than the bus timeout: the bus always decides first, so an ack pushed by
  // `on_ok` is never followed by an error from here.
  self->request(ask, control_request_timeout + actor_timeout, run_atom::value)
      .await(
          [self, a, no_pending](bool ok) {
            if (!ok) return no_pending();
            self->state.confirmed_remote_session = a.session_id;
          },
          [no_pending](caf::error&) { no_pending(); });
}

void on_confirm(self_ptr self, protocol::confirm_tool_action& a) {
  auto no_pending = [self, rid = a.rid, id = a.session_id] {
    self->state.error(rid, codes::no_pending_confirmation, no_pending_text(id));
  };
  with_session(
      self, a.session_id,
      [self, a, no_pending](session_ref& ref) {
        auto session = ref.actor;
        self->request(ref.actor, actor_timeout, take_atom::value)
            .await(
                [self, a, no_pending, session](pending_confirmation& p) {
                  if (!p.confirmation) return confirm_remote(self, a, no_pending);
                  auto conf = p.confirmation;
                  auto kind = a.approved ? verdict_kind::approved : verdict_kind::denied;
                  // Step 1: hand the verdict over; step 2 (begin) only after our ack is queued.
                  self->request(conf, actor_timeout, verdict_atom::value,
                                confirmation_verdict{kind, self->state.sink,
                                                     self->state.id.connection_id})
                      .await(
                          [self, a, conf, session](caf::ok_atom) {
                            auto& st = self->state;
                            st.send(confirm_ack(st, a));
                            st.confirmed_session = session.address();
                            self->send(conf, begin_atom::value);
                          },
                          [self, a](caf::error&) {
                            self->state.error(a.rid, codes::no_pending_confirmation,
                                              "the turn awaiting confirmation for session '" +
                                                  a.session_id + "' is no longer active");
                          });
                },
                [no_pending](caf::error&) { no_pending(); });
      },
      no_pending);
}

void on_cancel(self_ptr self, protocol::cancel_action&) {
  // cancel.schema.json: `sessionId` is advisory; only the turn this connection carries
  // is cancelled (the one it started, or one it confirmed whose rest came here), and
  // cancelling resolves no session (no association with it). Each target below checks
  // that this connection carries its turn. A cancel never answers by itself: the turn
  // emits `cancelled`, or nothing happens.
  auto& st = self->state;
  const auto& me = st.id.connection_id;
  if (auto turn = caf::actor_cast<caf::actor>(st.own_turn))
    self->send(turn, cancel_atom::value, me);  // an ended turn ignores it
  if (auto session = caf::actor_cast<caf::actor>(st.confirmed_session))
    self->send(session, cancel_atom::value, me);
  if (!st.confirmed_remote_session.empty() && st.svc->bus) {
    // Fire and forget: no owner (the turn ended) or no reply means nothing to cancel.
    st.svc->bus->request(turn_control_subject(st.confirmed_remote_session),
                         cancel_request_payload(me), control_request_timeout,
                         [](adapters::backplane::bus_reply&&) {});
  }
}

// ---- Rich Interactions: submit_interaction (later-protocol.md §1.8) ----------------------

namespace ix = protocol::interactions;

/// Hands the outcome to the parked interaction (it decides atomically), then pushes the
/// ack, then lets the outcome go to the turn: the ack precedes the resumed turn's events.
void resolve_interaction(self_ptr self, const protocol::submit_interaction_action& a,
                         const pending_interaction& p, const caf::actor& session,
                         interaction_resolution resolution, std::string canonical) {
  auto& st = self->state;
  std::string ack;
  if (resolution == interaction_resolution::declined) {
    ack =
        ev::immediate_response(a.rid, 200, ix::declined_status,
                               ix::declined_ack_data(a.session_id, p.interaction_id), st.now_ms());
  } else {
    auto kind = ix::kind_named(p.kind);
    ack = ev::immediate_response(
        a.rid, 200, ix::submitted_status,
        ix::submitted_ack_data(a.session_id, p.interaction_id, *kind, canonical), st.now_ms());
  }
  interaction_outcome o{p.interaction_id, resolution, std::move(canonical), st.sink,
                        st.id.connection_id};
  auto target = p.actor;
  self->request(target, actor_timeout, interact_atom::value, std::move(o))
      .await(
          [self, a, target, session, ack = std::move(ack)](bool recorded) {
            auto& st = self->state;
            if (!recorded)  // taken by another submit, or timed out meanwhile
              return st.error(a.rid, ix::no_pending_interaction, ix::no_pending_text(a.session_id));
            st.send(ack);
            // As for a confirm: if the turn continues here (its socket is gone), this
            // connection's `cancel` reaches it through the session.
            st.confirmed_session = session.address();
            self->send(target, begin_atom::value);
          },
          [self, a](caf::error&) {
            self->state.error(a.rid, ix::no_pending_interaction,
                              ix::no_longer_active_text(a.session_id));
          });
}

/// Rows 4-10 of §1.8, against what the session has parked.
void decide_submission(self_ptr self, const protocol::submit_interaction_action& a,
                       const pending_interaction& p, const caf::actor& session) {
  auto& st = self->state;
  if (!p.actor)
    return st.error(a.rid, ix::no_pending_interaction, ix::no_pending_text(a.session_id));
  if (!a.interaction_id || *a.interaction_id != p.interaction_id)
    return st.error(a.rid, ix::interaction_mismatch, ix::id_mismatch_text);
  if (a.kind && *a.kind != p.kind)
    return st.error(a.rid, ix::interaction_mismatch, ix::kind_mismatch_text(p.kind, *a.kind));
  if (a.declined)
    return resolve_interaction(self, a, p, session, interaction_resolution::declined, {});
  if (!a.values_json) return st.error(a.rid, codes::validation_error, ix::requires_values);
  auto kind = ix::kind_named(p.kind);
  if (!kind) return st.error(a.rid, ix::no_pending_interaction, ix::kind_not_hosted_text(p.kind));
  auto v = ix::validate(*kind, p.spec_json, *a.values_json);
  if (!v.ok())  // retryable: the park is kept
    return st.send(ix::interaction_invalid(a.rid, p.interaction_id, *kind, v.errors, st.now_ms()));
  resolve_interaction(self, a, p, session, interaction_resolution::submitted,
                      std::move(*v.canonical_json));
}

void on_submit_interaction(self_ptr self, protocol::submit_interaction_action& a) {
  // Unknown, not readable by this connection, or nothing parked: one answer (§1.8 row 3).
  auto no_pending = [self, rid = a.rid, id = a.session_id] {
    self->state.error(rid, ix::no_pending_interaction, ix::no_pending_text(id));
  };
  with_session(
      self, a.session_id,
      [self, a, no_pending](session_ref& ref) {
        auto session = ref.actor;
        self->request(session, actor_timeout, interact_atom::value)
            .await([self, a,
                    session](pending_interaction& p) { decide_submission(self, a, p, session); },
                   [no_pending](caf::error&) { no_pending(); });
      },
      no_pending);
}

// ---- issue 12: OTP (later-protocol.md §5.4; the flow is actors/otp_flow.hpp) ----------------

void on_verify_otp(self_ptr self, protocol::verify_otp_action& a) {
  with_session(
      self, a.session_id,
      [self, a](session_ref& ref) {
        auto& st = self->state;
        verify_otp(self, st.svc, ref.actor, a.rid, a.session_id, a.code,
                   [self](std::string json) { self->state.send(std::move(json)); });
      },
      [self, rid = a.rid, id = a.session_id] {
        self->state.error(rid, codes::session_not_found, not_found_text(id));
      });
}

/// The /metrics label of an inbound frame (adapters/telemetry/server_metrics.hpp).
template <class T>
std::string_view frame_label() {
  if constexpr (std::is_same_v<T, protocol::ping_action>) return "ping";
  if constexpr (std::is_same_v<T, protocol::action_error>) return "invalid";
  if constexpr (std::is_same_v<T, protocol::create_session_action>)
    return "create_conversation_session";
  if constexpr (std::is_same_v<T, protocol::get_session_action>) return "get_session";
  if constexpr (std::is_same_v<T, protocol::get_messages_action>)
    return "get_conversation_messages";
  if constexpr (std::is_same_v<T, protocol::send_message_action>) return "send_message";
  if constexpr (std::is_same_v<T, protocol::confirm_tool_action>) return "confirm_tool_action";
  if constexpr (std::is_same_v<T, protocol::cancel_action>) return "cancel";
  if constexpr (std::is_same_v<T, protocol::submit_interaction_action>) return "submit_interaction";
  if constexpr (std::is_same_v<T, protocol::list_conversations_action>) return "list_conversations";
  if constexpr (std::is_same_v<T, protocol::rename_conversation_action>)
    return "rename_conversation";
  if constexpr (std::is_same_v<T, protocol::verify_otp_action>) return "verify_otp";
  return "other";
}

// ---- issue 12: conversations (later-protocol.md §2.1, §2.2, §2.5) ---------------------------

/// Resume by conversationId (§2.1): a readable, existing conversation gets a new session in
/// ITS org; anything else (missing, out of scope, a storage failure) silently creates a
/// fresh conversation, so the reply is no existence oracle.
void on_resume(self_ptr self, protocol::create_session_action& a,
               const std::optional<std::string>& widget_org) {
  auto& st = self->state;
  resume_request r;
  r.conversation_id = *a.conversation_id;
  r.agent_id = a.agent_id;
  r.user_name = a.user_name.value_or("Visitor");
  r.user_email = creator_email(st.id.principal, a.user_email);
  r.browser_fingerprint = a.browser_fingerprint;
  r.who = {st.id.scope, st.reachable.count(r.conversation_id) != 0};
  r.session_id = protocol::new_uuid_v4();
  r.now = st.svc->clock->now();
  r.supports = a.supports;
  auto fresh = [self, a, widget_org]() mutable {
    a.conversation_id.reset();
    on_create(self, a, widget_org);
  };
  auto conv = r.conversation_id;
  storage_await<std::optional<resumed_session>>(
      self, st.svc->storage, conv,
      [r = std::move(r)](adapters::storage& s, adapters::knowledge_base&) {
        return resume_session_job(s, r);
      },
      [self, rid = a.rid, agent = a.agent_id, fresh](std::optional<resumed_session> res) mutable {
        if (!res) return fresh();
        auto& st = self->state;
        const auto& s = res->session;
        remember_reachable(st, s.conversation_id);
        associate(self, target_kind::session, s.session_id, s.organization_id);
        if (st.associated_agent != agent || st.associated_agent_org != s.organization_id) {
          associate(self, target_kind::agent, agent, s.organization_id);
          st.associated_agent = agent;
          st.associated_agent_org = s.organization_id;
        }
        st.send(ev::immediate_response(rid, 200, "Session created", ev::session_created_data(s),
                                       st.now_ms()));
      },
      [self, fresh](const storage_failure& f) mutable {
        spdlog::warn("conn={} resume failed, creating a fresh conversation: {}",
                     self->state.id.connection_id, f.message);
        fresh();
      });
}

/// list_conversations (§2.2): the org is the verified principal's, else the seed org
/// (never the embed policy's).
void on_list_conversations(self_ptr self, protocol::list_conversations_action& a) {
  auto& st = self->state;
  const auto org = adapters::auth::session_org(std::nullopt, st.id.principal_org);
  std::vector<std::string> reachable;
  if (st.id.scope.kind == scope_kind::denied)
    reachable.assign(st.reachable.begin(), st.reachable.end());
  storage_await<std::vector<ev::listed_conversation>>(
      self, st.svc->storage, org,
      [scope = st.id.scope, org, reachable = std::move(reachable), limit = a.limit](
          adapters::storage& s, adapters::knowledge_base&) {
        return list_conversations_job(s, scope, org, reachable, limit);
      },
      [self, rid = a.rid](std::vector<ev::listed_conversation> list) {
        auto& st = self->state;
        st.send(ev::immediate_response(rid, 200, "Conversations", ev::conversations_data(list),
                                       st.now_ms()));
      },
      [self, rid = a.rid](const storage_failure& f) {
        // Busy / timeout keep their codes; the text always names the action.
        const bool adapter = f.adapter_error();
        self->state.error(rid, f.code_or(codes::storage_error),
                          adapter ? f.message : "failed to list conversations: " + f.message);
      });
}

/// rename_conversation (§2.5); the frame's checks (1, 2) ran in parse_action.
void on_rename_conversation(self_ptr self, protocol::rename_conversation_action& a) {
  auto& st = self->state;
  conversation_reader who{st.id.scope, st.reachable.count(a.conversation_id) != 0};
  storage_await<rename_outcome>(
      self, st.svc->storage, a.conversation_id,
      [who, id = a.conversation_id, title = a.title](adapters::storage& s,
                                                     adapters::knowledge_base&) {
        return rename_conversation_job(s, who, id, title);
      },
      [self, rid = a.rid, id = a.conversation_id, title = a.title](rename_outcome o) {
        auto& st = self->state;
        if (o == rename_outcome::not_found)
          return st.error(rid, codes::conversation_not_found,
                          "conversation '" + id + "' not found");
        st.send(ev::immediate_response(rid, 200, "Conversation renamed",
                                       ev::conversation_renamed_data(id, title), st.now_ms()));
      },
      [self, rid = a.rid](const storage_failure& f) {
        const bool adapter = f.adapter_error();
        self->state.error(rid, f.code_or(codes::storage_error),
                          adapter ? f.message : "failed to load conversation: " + f.message);
      });
}

void dispatch(self_ptr self, protocol::action& act) {
  auto& st = self->state;
  std::visit(
      [&](auto& a) {
        using T = std::decay_t<decltype(a)>;
        st.svc->metrics->frames_in.add(frame_label<T>());
        if constexpr (std::is_same_v<T, protocol::ping_action>) {
          st.send(ev::pong(a.rid, st.now_ms()));
        } else if constexpr (std::is_same_v<T, protocol::action_error>) {
          st.error(a.rid, a.code, a.message);
        } else if constexpr (std::is_same_v<T, protocol::create_session_action>) {
          on_create_checked(self, a);
        } else if constexpr (std::is_same_v<T, protocol::get_session_action>) {
          on_get_session(self, a);
        } else if constexpr (std::is_same_v<T, protocol::get_messages_action>) {
          on_get_messages(self, a);
        } else if constexpr (std::is_same_v<T, protocol::send_message_action>) {
          on_send_message(self, a);
        } else if constexpr (std::is_same_v<T, protocol::confirm_tool_action>) {
          on_confirm(self, a);
        } else if constexpr (std::is_same_v<T, protocol::cancel_action>) {
          on_cancel(self, a);
        } else if constexpr (std::is_same_v<T, protocol::submit_interaction_action>) {
          on_submit_interaction(self, a);
        } else if constexpr (std::is_same_v<T, protocol::list_conversations_action>) {
          on_list_conversations(self, a);  // issue 12
        } else if constexpr (std::is_same_v<T, protocol::rename_conversation_action>) {
          on_rename_conversation(self, a);  // issue 12
        } else if constexpr (std::is_same_v<T, protocol::verify_otp_action>) {
          on_verify_otp(self, a);  // issue 12
        }
      },
      act);
}

}  // namespace

static caf::behavior connection_actor_behavior(caf::stateful_actor<connection_state>* self,
                                               services_ptr svc, connection_identity identity,
                                               net::event_sink_ptr sink) {
  auto& st = self->state;
  st.svc = std::move(svc);
  st.id = std::move(identity);
  st.sink = std::move(sink);
  self->set_default_handler(log_unexpected("connection"));
  self->send(st.svc->backplane, attach_atom::value, st.id.connection_id, st.sink,
             st.id.principal_org.value_or(std::string()));
  // A verified principal makes the connection reachable as User(user id) and Org(org)
  // (decisions.md "backplane association"; admin publish targets use the same ids).
  if (st.id.principal) {
    if (!st.id.principal->user_id.empty())
      associate(self, target_kind::user, st.id.principal->user_id, st.id.principal->org_id);
    if (!st.id.principal->org_id.empty())
      associate(self, target_kind::org, st.id.principal->org_id, st.id.principal->org_id);
  }

  return {
      [self](frame_atom, std::string& text) {
        // The frame's inbound credit goes back once this handler has run, whatever
        // path it takes; frames queued behind an `await` stay in flight (flow control).
        inbound_credit_release credit{self->state.sink.get(), text.size()};
        auto act = protocol::parse_action(text, self->state.svc->limits);
        dispatch(self, act);
      },
      [self](binary_atom) {
        inbound_credit_release credit{self->state.sink.get(), 0};
        self->state.svc->metrics->frames_in.add("binary");
        auto e = protocol::binary_frame_error();
        self->state.error(e.rid, e.code, e.message);
      },
      [self](rate_limited_atom, std::uint32_t max_per_sec) {
        self->state.error(std::nullopt, codes::rate_limited,
                          "more than " + std::to_string(max_per_sec) +
                              " frames per second on this connection; frames are dropped until "
                              "the next second");
      },
      [self](closed_atom) {
        self->send(self->state.svc->backplane, detach_atom::value, self->state.id.connection_id);
        self->quit();
      },
  };
}

caf::actor spawn_connection(caf::actor_system& sys, services_ptr svc, connection_identity identity,
                            net::event_sink_ptr sink) {
  return sys.spawn(connection_actor_behavior, std::move(svc), std::move(identity), std::move(sink));
}

}  // namespace so::actors
